/* The view: which container a reader belongs to, which cgroup values it gets, and which
 * renderer makes its file from them (content.c). Anything that fails is served from the host
 * file. Below it: the renderers (render/) and the cgroup reader (cgroup/). */
#ifndef LXCFS_VIEW_VIEW_H
#define LXCFS_VIEW_VIEW_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "common/served.h"
#include "common/strbuf.h"

struct lx_containers;

/* What every reader's view is made with (the daemon opens it: lxcfs/daemon.c). */
struct lx_view {
	struct cg_layout layout;
	struct lx_containers *containers; /* view/containers.h */
	long user_hz;
	bool swap;	/* swap shows (no --disable-swap) */
	bool zswap;	/* Zswap/Zswapped show the cgroup's (no --disable-zswap) */
	bool cfs;	/* --enable-cfs: the CFS quota limits the CPUs too */
	bool loadavg;	/* --enable-loadavg: per-container load average (view/loadavg.h) */
	bool host_view; /* SIGUSR2: every reader gets the host's files (atomic) */
	/* when a file was last served from the host because of the daemon itself (out of
	 * descriptors or memory): what check-lxcfs reports as degraded (atomic, seconds) */
	int64_t last_internal_error_s;
	/* the load average sampler */
	pthread_t loadavg_thread;
	bool loadavg_running;
	pthread_mutex_t loadavg_lock;
	pthread_cond_t loadavg_cond;
	bool loadavg_stop;
};

/* What the limits a file is made with read as, as one number (ok false: unknown): its own
 * memory limit files for meminfo and swaps, its effective CPUs (and with --enable-cfs its
 * CFS quota) for the CPU files and uptime, 0 for the other files. A content made while it
 * read the same shows the same limits (a parent's memory limit changed alone is not seen). */
struct lx_limits_key {
	bool ok;
	uint64_t v;
};
/* The file `f` as the process `reader` sees it, appended to out. Never fails for a container:
 * what cannot be computed is served from the host file. */
int content_make(struct lx_view *view, enum lx_file f, pid_t reader, struct strbuf *out);
/* The same as container ct sees it (the caller holds a reference: view/containers.h), with
 * the limits key of what it made (read before the values it is made of: a limit changed
 * meanwhile gives another key at the next look, never the same one). */
struct lx_container;
int content_make_ct(struct lx_view *view, enum lx_file f, struct lx_container *ct,
		    struct strbuf *out, struct lx_limits_key *key);

/* What they read now for container ct and file f. */
void content_limits_key(struct lx_view *view, enum lx_file f, struct lx_container *ct,
			struct lx_limits_key *key);

/* Arm the PSI trigger t on what the writer's /proc/pressure file f shows: its container's
 * cgroup pressure file, or the host's /proc/pressure file (a writer in the daemon's pid
 * namespace, a cgroup without PSI, SIGUSR2's host view). 1 (the cgroup's) or 2 (the host's)
 * with *fd (cg_pressure_trigger); -1 with err. */
int content_psi_trigger(struct lx_view *view, enum lx_file f, pid_t writer,
			const struct cg_psi_trigger *t, int *fd, struct lx_error *err);

#endif
