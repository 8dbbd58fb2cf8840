/* lxcfs-bench: shared definitions of the subcommands (main.c parses, the others run). */
#ifndef LXCFS_BENCH_H
#define LXCFS_BENCH_H

#include "crowd.h"

#define MAX_TARGETS 8
#define MAX_FILES   16
#define MAX_LEVELS  8

/* Targets, as the table names them; their ratios and goals. */
#define T_NATIVE   "native"
#define T_FLOOR	   "floor"
#define T_UPSTREAM "upstream"
#define T_OURS	   "ours"

#define GOAL_P50_VS_FLOOR  1.3	/* ours p50 <= 1.3 x floor p50 */
#define GOAL_RPS_VS_UP	   3.0	/* ours reads/s >= 3 x upstream reads/s */
#define GOAL_SCALE_P99_US  2000 /* 1000 containers: p99 < 2 ms */
#define GOAL_SCALE_RSS_MIB 32	/* 1000 containers: daemon peak RSS < 32 MiB */

struct target {
	char name[32];
	char prefix[200]; /* directory the files are under ("/" for native) */
};

struct opts {
	const char *cmd;
	unsigned ntargets;
	struct target target[MAX_TARGETS];
	unsigned nfiles;
	const char *file[MAX_FILES]; /* relative: proc/meminfo, sys/devices/system/cpu/online */
	unsigned nlevels;
	unsigned readers[MAX_LEVELS];
	unsigned containers;
	double seconds;
	unsigned passes; /* table: slices of each cell, interleaved with the other targets */
	unsigned turn_us;
	unsigned rounds;
	unsigned reads;
	int daemon_pid;
	const char *out;
	const char *tsv;
	const char *cgroup_root;
	char cgroup_parent[128];
};

/* path of file f under target t: "/proc/meminfo", "/tmp/x/proc/meminfo" */
void target_path(const struct target *t, const char *file, char *buf, size_t sz);
/* short name for a file: "meminfo", "cpu/online" */
const char *file_label(const char *file);
const struct target *find_target(const struct opts *o, const char *name);

int cmd_table(const struct opts *o);
int cmd_scale(const struct opts *o);
int cmd_loop(const struct opts *o);
int cmd_snapshot(const struct opts *o);
int cmd_selftest(void);

#endif
