/* The cgroup reader: cgroup v1, hybrid and v2 behind one interface.
 *
 * The hierarchies are found below a configurable root (default /sys/fs/cgroup):
 *  - pure v2: ROOT/cgroup.controllers exists; every controller is read there.
 *  - v1: ROOT/<controller> for memory, cpu, cpuacct, cpuset, blkio, pids (co-mounted
 *    "cpu,cpuacct" directories and their symlinks work too).
 *  - hybrid: v1 as above plus ROOT/unified (cgroup2); a controller missing from v1 but
 *    listed in ROOT/unified/cgroup.controllers is read from v2.
 * Every file is opened with openat() relative to a held hierarchy fd, O_NOFOLLOW.
 * Values returned are already "effective": the minimum of a limit over the cgroup and
 * all its ancestors. The reader never caps at host values: renderers do that. */
#ifndef LXCFS_CGROUP_H
#define LXCFS_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup/cpuset.h"
#include "common/error.h"
#include "common/strbuf.h"

#define CG_UNLIMITED UINT64_MAX

enum cg_ctrl { CG_MEMORY, CG_CPU, CG_CPUACCT, CG_CPUSET, CG_BLKIO, CG_PIDS, CG_NR };

struct cg_layout {
	int fd[CG_NR];	    /* directory fd of the hierarchy holding the controller, or -1 */
	int version[CG_NR]; /* 1 or 2; 0 when the controller is absent */
	int unified_fd;	    /* the cgroup2 hierarchy (pure v2 root or ROOT/unified), or -1 */
};

/* Paths of one process's cgroups, relative to each hierarchy's root, as found in
 * /proc/PID/cgroup: "/" or "/a/b". NULL where the process's line is absent. */
struct cg_fdcache;
struct cg_paths {
	char *path[CG_NR]; /* for v2 controllers this is the unified path */
	char *unified;	   /* the "0::" line, or NULL */
	/* Optional (borrowed, not freed by cg_paths_free): files read for these paths keep
	 * their fds open here and are re-read with pread. The caller serialises its use. */
	struct cg_fdcache *cache;
};

/* Held cgroup file fds of one container. Every value is still read from the kernel at
 * each use (pread at offset 0 regenerates cgroupfs files); only open/close and path
 * walks are saved. A file of a removed cgroup fails (ENODEV) and is dropped. The number of
 * fds held by all caches together stays below half of RLIMIT_NOFILE. */
struct cg_fdcache *cg_fdcache_new(void);
void cg_fdcache_clear(struct cg_fdcache *c);	     /* close every fd */
void cg_fdcache_forget_failed(struct cg_fdcache *c); /* forget the files that failed to open */
void cg_fdcache_free(struct cg_fdcache *c);

int cg_layout_open(struct cg_layout *l, const char *root, struct lx_error *err);
void cg_layout_close(struct cg_layout *l);
const char *cg_ctrl_name(enum cg_ctrl c);

/* Parse the text of /proc/PID/cgroup against the layout (v2 controllers take the
 * unified path). */
int cg_paths_parse(const struct cg_layout *l, const char *text, struct cg_paths *p,
		   struct lx_error *err);
/* Read and parse /proc/PID/cgroup. */
int cg_paths_of_pid(const struct cg_layout *l, int pid, struct cg_paths *p, struct lx_error *err);
void cg_paths_free(struct cg_paths *p);

/* Memory, normalised across versions; bytes. */
struct cg_mem {
	uint64_t limit;	      /* effective memory limit; CG_UNLIMITED when none */
	uint64_t usage;	      /* v1 memory.usage_in_bytes, v2 memory.current */
	bool swap_accounting; /* v1: memory.memsw.* present; v2: memory.swap.max present */
	uint64_t swap_limit;  /* v1: effective memsw limit - limit (CG_UNLIMITED when memsw
				 unlimited); v2: effective memory.swap.max */
	uint64_t swap_usage;  /* v1: memsw usage - usage (clamped at 0); v2: memory.swap.current */
	/* From memory.stat (v1 total_* keys; v2 keys named in cgroup-v2.rst). Missing = 0. */
	uint64_t cached; /* v1 total_cache, v2 file */
	uint64_t active_anon, inactive_anon, active_file, inactive_file, unevictable;
	uint64_t shmem;	 /* v1 total_shmem, v2 shmem */
	uint64_t mapped; /* v1 total_mapped_file, v2 file_mapped */
	uint64_t anon;	 /* v1 total_rss, v2 anon */
	uint64_t dirty,
	    writeback; /* v1 total_dirty/total_writeback, v2 file_dirty/file_writeback */
	uint64_t slab, slab_reclaimable, slab_unreclaimable; /* v2 slab*; v1: 0 (not in stat) */
	/* v2 zswap (compressed size) and zswapped (the pages' size) from memory.stat, where the
	 * kernel has zswap accounting (CONFIG_ZSWAP, 5.19); v1 counts none: have_zswap false */
	bool have_zswap;
	uint64_t zswap, zswapped;
};
int cg_mem_read(const struct cg_layout *l, const struct cg_paths *p, struct cg_mem *m,
		struct lx_error *err);
/* The cgroup's own memory limit file as it reads now (v1 memory.limit_in_bytes, v2 the
 * memory.max of the cgroup memory.current is read from): not the effective limit, one read,
 * to tell whether a copy of cg_mem_read is still what the limits are; and unless swap_limit
 * is NULL, the swap limit file beside it (v1 memory.memsw.limit_in_bytes, v2
 * memory.swap.max; 0 when the kernel has none). */
int cg_mem_own_limits(const struct cg_layout *l, const struct cg_paths *p, uint64_t *limit,
		      uint64_t *swap_limit, struct lx_error *err);
/* Only limit, usage and swap (what /proc/swaps needs); the statistics stay 0. */
int cg_mem_read_limits(const struct cg_layout *l, const struct cg_paths *p, struct cg_mem *m,
		       struct lx_error *err);

/* CPU: effective cpuset, CFS quota and usage. */
struct cg_cpu {
	struct cpuset cpus; /* effective cpuset (v1 cpuset.effective_cpus, else cpuset.cpus
			       walking up while empty; v2 cpuset.cpus.effective) */
	double cfs_cpus;    /* min over the tree of quota/period; 0 when unlimited */
	uint64_t usage_ns;  /* total CPU time */
	uint64_t user_ns;   /* split of usage_ns: v1 cpuacct.stat user/system (USER_HZ scaled
			       so that user_ns + system_ns == usage_ns); v2 cpu.stat */
	uint64_t system_ns;
	bool have_percpu;		/* v1 cpuacct.usage_percpu read */
	unsigned nr_percpu;		/* entries in percpu_ns (the others are not set) */
	uint64_t percpu_ns[CPUSET_MAX]; /* indexed by real CPU number; last member */
};
int cg_cpu_read(const struct cg_layout *l, const struct cg_paths *p, struct cg_cpu *c,
		struct lx_error *err);
/* Only cpus and cfs_cpus (usage fields 0): what cpuinfo and cpu/online need. */
int cg_cpuset_read(const struct cg_layout *l, const struct cg_paths *p, struct cg_cpu *c,
		   struct lx_error *err);
/* The cpuset always, plus the parts asked for; the others stay 0. */
#define CG_CPU_QUOTA 1u /* cfs_cpus */
#define CG_CPU_USAGE 2u /* usage_ns, user_ns, system_ns, per-CPU usage */
#define CG_CPU_TOTAL 4u /* usage_ns only (v2: with user_ns and system_ns, from the same file) */
int cg_cpu_read_parts(const struct cg_layout *l, const struct cg_paths *p, struct cg_cpu *c,
		      unsigned parts, struct lx_error *err);

/* Block I/O per device. */
struct cg_io_dev {
	unsigned major, minor;
	uint64_t rios, wios, dios;	       /* completed requests */
	uint64_t rbytes, wbytes, dbytes;       /* bytes */
	uint64_t rmerged, wmerged, dmerged;    /* v1 io_merged; 0 on v2 */
	uint64_t rtime_ns, wtime_ns, dtime_ns; /* v1 io_service_time; 0 on v2 */
	uint64_t wait_ns;		       /* v1 io_wait_time total; 0 on v2 */
};
struct cg_io {
	size_t n;
	struct cg_io_dev *devs; /* malloc'd, free with cg_io_free */
};
int cg_io_read(const struct cg_layout *l, const struct cg_paths *p, struct cg_io *io,
	       struct lx_error *err);
void cg_io_free(struct cg_io *io);

/* Task ids of every thread in the cgroup and its descendants (cpu hierarchy: v1 "tasks",
 * v2 "cgroup.threads"), for the load average. Appends to *ids (malloc'd). */
int cg_tasks_read(const struct cg_layout *l, const struct cg_paths *p, int **ids, size_t *n,
		  struct lx_error *err);
/* How many tasks (threads) the cgroup and its descendants hold: pids.current of the pids
 * controller, else the ids cg_tasks_read lists, counted. */
int cg_tasks_count(const struct cg_layout *l, const struct cg_paths *p, uint64_t *n,
		   struct lx_error *err);

/* PSI of the process's cgroup in the cgroup2 hierarchy (pure v2, or ROOT/unified of a hybrid
 * host): the text of its cpu.pressure, io.pressure or memory.pressure as the kernel prints it,
 * into out (reset first). 1 when read; 0 when the cgroup has none (no cgroup2 hierarchy or no
 * "0::" line, a kernel without PSI, cgroup.pressure 0); -1 with err (the cgroup gone:
 * ENOENT). */
enum cg_psi { CG_PSI_CPU, CG_PSI_IO, CG_PSI_MEMORY };
int cg_pressure_read(const struct cg_layout *l, const struct cg_paths *p, enum cg_psi what,
		     struct strbuf *out, struct lx_error *err);
/* A PSI trigger as Documentation/accounting/psi.rst writes it: "some|full STALL WINDOW" in
 * microseconds. */
struct cg_psi_trigger {
	bool full;
	uint32_t stall_us, window_us;
};
#define CG_PSI_TRIGGER_MAX    32     /* bytes a write may hold, its end included (the kernel's) */
#define CG_PSI_WINDOW_MIN_US  500000 /* the kernel's window bounds */
#define CG_PSI_WINDOW_MAX_US  10000000
#define CG_PSI_UNPRIV_STEP_US 2000000 /* a writer without CAP_SYS_RESOURCE: whole 2 s */
/* Parse the len bytes of a write: exactly "some|full STALL WINDOW" with one space between
 * words, decimal numbers without sign or leading zero, then "\n", "\0" or "\n\0" (the
 * kernel takes the last byte for the end of the string, so a write without one loses its last
 * digit there), at most CG_PSI_TRIGGER_MAX bytes in all, within the kernel's bounds (0 < STALL <=
 * WINDOW, WINDOW_MIN..WINDOW_MAX, a multiple of 2 s unless privileged). 0, or -1 with err EINVAL.
 */
int cg_psi_trigger_parse(const char *buf, size_t len, bool privileged, struct cg_psi_trigger *t,
			 struct lx_error *err);
/* The text the kernel is given for t ("some 150000 1000000"), NUL-terminated; its length. */
int cg_psi_trigger_format(const struct cg_psi_trigger *t, char *buf, size_t size);
/* Arm t on the pressure file of what: the cgroup's (in the cgroup2 hierarchy, as
 * cg_pressure_read) or, with p NULL, the host's /proc/pressure file. 1 with *fd the open
 * file (O_NONBLOCK; EPOLLPRI when the trigger fires, EPOLLERR once the cgroup is removed);
 * 0 when the cgroup has no such file (the caller may arm the host's); -1 with err. */
int cg_pressure_trigger(const struct cg_layout *l, const struct cg_paths *p, enum cg_psi what,
			const struct cg_psi_trigger *t, int *fd, struct lx_error *err);
/* v1 memory.kmem.slabinfo of the process's memory cgroup into out (reset first): 1 when it has
 * lines; 0 when there is none (memory on v2 or not mounted, no such file, or the empty file of
 * kernels since 5.10); -1 with err. */
int cg_slabinfo_read(const struct cg_layout *l, const struct cg_paths *p, struct strbuf *out,
		     struct lx_error *err);

#endif
