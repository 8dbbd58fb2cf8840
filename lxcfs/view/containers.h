/* Which container a reader belongs to: the init process of the reader's pid namespace.
 * Cached per pid-namespace inode, validated with a pidfd on the init process, refilled
 * without forking (parent walk, then a /proc scan). Sharded: no lock is shared by
 * readers of different containers except by hash collision of the shard. */
#ifndef LXCFS_CONTAINERS_H
#define LXCFS_CONTAINERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "render/render.h"
#include "render/types.h"
#include "common/error.h"

struct lx_container {
	uint64_t ns_ino;
	pid_t init_pid;
	int pidfd;
	uint64_t start_ticks; /* init's starttime, clock ticks after boot */
	int refs;	      /* guarded by the shard lock */
	/* The init's cgroups, re-read at most every CONTAINER_PATHS_TTL_MS, and the cgroup
	 * files held open for them; guarded by cg_lock (taken before lock). */
	pthread_mutex_t cg_lock;
	struct cg_paths paths;
	bool have_paths;
	int64_t paths_ms;
	struct cg_fdcache *cache;
	struct devnames devs;  /* its /dev's block devices, scanned again from devs_until_ms */
	int64_t devs_until_ms; /* 0: never scanned */
	/* sysinfo(2)'s copy of its memory values (view/sysinfo.c): at most SYSINFO_MEM_MS old,
	 * made with the paths of paths_ms and the own limit file reading si_own_limit */
	struct meminfo_values si_vals;
	int64_t si_mem_ms, si_paths_ms;
	uint64_t si_own_limit;
	bool si_mem_valid;
	pthread_mutex_t lock;	/* guards everything below */
	struct stat_mono *mono; /* allocated at the first read of stat */
	unsigned long avenrun[3];
	unsigned running, total;
	int last_pid;
	bool load_sampled;
	uint64_t top_ns; /* the pid namespace just below the daemon's that holds this one */
	bool cached;	 /* linked in the table (counted against the caps below) */
	struct lx_container *next;
};

struct lx_containers;

#define CONTAINER_PATHS_TTL_MS 2000
/* A container's block device names are scanned again this long after a scan (a block
 * node made in a running container, rare, is named within it), or after a failed scan. */
#define CONTAINER_DEVS_TTL_MS	30000
#define CONTAINER_DEVS_RETRY_MS 2000
/* What readers can make the daemon keep: entries (each holds a pidfd and up to a few dozen
 * cgroup file fds). A container's own nested pid namespaces count against its cap; beyond
 * it they are still served, but found again at each read (the cost stays with them). An
 * entry goes as soon as its init exits (a reaper thread watches the pidfds). */
#define LX_MAX_CONTAINERS     16384
#define LX_MAX_NESTED_PER_TOP 64

struct lx_containers *containers_new(struct lx_error *err);
void containers_free(struct lx_containers *t);
/* 1: *out is the reader's container (drop with container_put); 0: the reader is in the
 * daemon's pid namespace (host view of its own cgroup); -1: error. */
int containers_lookup(struct lx_containers *t, pid_t reader, struct lx_container **out,
		      struct lx_error *err);
/* The same for the container of pid namespace ns; hint is a pid that may be in it (it
 * saves a scan of /proc when the kernel cannot translate pid 1 of ns). */
int containers_lookup_ns(struct lx_containers *t, uint64_t ns, pid_t hint,
			 struct lx_container **out, struct lx_error *err);
/* Entries held (live and not yet reaped). */
size_t containers_count(struct lx_containers *t);
void container_put(struct lx_containers *t, struct lx_container *c);
/* Call fn on every live container (dead ones are dropped first). fn runs without the
 * shard lock held but with a reference. -1 (ENOMEM) when some could not be visited. */
int containers_foreach(struct lx_containers *t, void (*fn)(struct lx_container *, void *),
		       void *arg, struct lx_error *err);

/* A zeroed stat_mono in its own anonymous mapping: only the pages of CPUs in use ever
 * become resident (about 4 KiB a container instead of its full 96 KiB). NULL on ENOMEM. */
struct stat_mono *stat_mono_new(void);
void stat_mono_free(struct stat_mono *m);

#endif
