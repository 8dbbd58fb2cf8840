/* lxcfs-bench: shared definitions of the subcommands (main.c parses, the others run). */
#ifndef LXCFS_BENCH_H
#define LXCFS_BENCH_H

#include <stdio.h>

#include "cpu.h"
#include "crowd.h"

#define MAX_TARGETS 8
#define MAX_FILES   16
#define MAX_LEVELS  8

/* Targets, as the tables name them. */
#define T_NATIVE   "native"
#define T_FLOOR	   "floor"    /* a bare libfuse3 file, direct_io: 3 round trips per cat */
#define T_FLOOR_PC "floor-pc" /* the same, content pushed at open (page cache): 1 round trip */
#define T_UPSTREAM "upstream"
#define T_OURS	   "ours"

/* Goals (issue 13), per file: in the hot loop (2 readers in one container) and the 100- and
 * 1000-container rotations, ours reads/s >= 1.5 x the direct_io floor's and >= 3 x upstream's,
 * and ours daemon CPU per read <= the floor's; 16 readers: ours reads/s >= 1.0 x the floor's. */
#define GOAL_RPS_VS_FLOOR    1.5
#define GOAL_RPS_VS_UP	     3.0
#define GOAL_RPS_VS_FLOOR_16 1.0
#define GOAL_SCALE_P99_US    2000 /* 1000 containers: p99 < 2 ms */
#define GOAL_SCALE_RSS_MIB   32	  /* 1000 containers: daemon peak RSS < 32 MiB */

struct target {
	char name[32];
	char prefix[200]; /* directory the files are under ("/" for native) */
	int pid;	  /* the daemon serving it (0: none, or not known) */
};

struct opts {
	const char *cmd;
	unsigned ntargets;
	struct target target[MAX_TARGETS];
	unsigned nfiles;
	const char *file[MAX_FILES]; /* relative: proc/meminfo, sys/devices/system/cpu/online */
	unsigned nlevels;
	unsigned readers[MAX_LEVELS];
	unsigned hot; /* table: readers of the hot loop (in one container); 0: none */
	unsigned probes;
	unsigned containers;
	double seconds;
	unsigned passes; /* table: slices of each cell, interleaved with the other targets */
	unsigned turn_us;
	unsigned rounds;
	unsigned reads;
	const char *out;
	const char *tsv;
	const char *cgroup_root;
	const char *work_dir;
	char cgroup_parent[128];
};

/* path of file f under target t: "/proc/meminfo", "/tmp/x/proc/meminfo" */
void target_path(const struct target *t, const char *file, char *buf, size_t sz);
/* short name for a file: "meminfo", "cpu/online" */
const char *file_label(const char *file);
const struct target *find_target(const struct opts *o, const char *name);
int target_index(const struct opts *o, const char *name);

/* ------------------------------------------------ readers that read like containers (setup.c) */

/* Which files each target has (upstream lxcfs 5 has no proc/partitions), and the binds every
 * container makes: every file of every target but native, which is read where it is. */
struct bench_files {
	int absent[MAX_FILES][MAX_TARGETS];
	int bind[MAX_FILES][MAX_TARGETS]; /* index into the crowd's binds, or -1 */
	char paths[CROWD_MAX_BINDS][CROWD_PATH_LEN];
};

/* Fill bf and the crowd configuration's binds; say which files a target lacks. */
int bench_files_init(const struct opts *o, struct bench_files *bf, struct crowd_config *cfg,
		     int quiet);
/* Say what the binds of the containers show and check that each container got inodes of its
 * own from the targets that give them (ours, floor-pc). Returns -1 when one did not. */
int bench_check_binds(const struct opts *o, const struct bench_files *bf, struct crowd *cr,
		      unsigned containers);

/* ------------------------------------------------------------- cells and tables (report.c) */

struct cell {
	int ran;
	double p50_us, p99_us, rps, cpu_us; /* cpu_us: daemon CPU per read (< 0: not known) */
	uint64_t reads, errors;
	double wall_s;	  /* over all slices */
	double cpu_s;	  /* the daemon's, over all slices */
	int cpu_ok;	  /* every slice had it */
	struct hist hist; /* over all slices */
};

/* The daemon's CPU time around a slice (no daemon: nothing). */
struct cpu_mark {
	int pid, ok;
	struct cpu_sample s;
};
void cpu_mark_start(struct cpu_mark *m, const struct target *t);
/* Seconds since the start, or -1 when not known. */
double cpu_mark_end(struct cpu_mark *m);

/* Add one slice (path pi of res) to a cell; cpu_s < 0: not known. */
void cell_add(struct cell *c, const struct phase_result *res, unsigned pi, double cpu_s);
void cell_finish(struct cell *c);

struct goal_set {
	const char *what;    /* "hot loop", "2 readers over 100 containers", ... */
	double rps_vs_floor; /* ours reads/s >= this x floor's (0: no such goal) */
	double rps_vs_up;    /* ... >= this x upstream's (0: none) */
	int cpu_vs_floor;    /* ours daemon CPU per read <= floor's */
};

/* Print the figures of row[f][t], the ratios of ours to the floors and upstream, and one line
 * per goal with PASS/MISS; write the figures to tsv (key: "table\t2", "hot\t2", ...). */
void report_table(const struct opts *o, struct cell (*row)[MAX_TARGETS], const struct goal_set *g,
		  FILE *tsv, const char *key);

int cmd_table(const struct opts *o);
int cmd_scale(const struct opts *o);
int cmd_loop(const struct opts *o);
int cmd_snapshot(const struct opts *o);
int cmd_selftest(void);

#endif
