/* Keeping the daemon healthy and the containers readable (the watchdog command's work).
 *
 * With an exec command (e.g. "lxcfs -f -p /run/lxcfs.pid", run through /bin/sh) it runs the
 * daemon itself as its child; without one it watches a daemon someone else runs (systemd).
 * Every interval it runs the check-lxcfs logic (health.h); the death of its child is seen at
 * once (SIGCHLD, through a signalfd). When the daemon dies, its mount goes stale or a read
 * hangs:
 *   1. at once `umount --all`: containers read their own procfs (host values), never ENOTCONN;
 *   2. (exec) kill what is left of the daemon, wait out the backoff (a daemon that lived less
 *      than flap_ms counts as flapping: 1, 2, 4 ... backoff_max_ms; the first restart after a
 *      good run is immediate), prepare the mount point (prestart: detaches the stale mount,
 *      makes the mount point shared again), start the command, wait until healthy;
 *   3. `remount --all`: every container gets its own view again.
 * Each transition is one log line with the time it took; a remount or umount that fails is
 * said too. SIGTERM/SIGINT: stop the daemon it runs, `umount --all`, unmount the mount point. */
#ifndef TK_SUPERVISE_H
#define TK_SUPERVISE_H

#include "config.h"
#include "common/error.h"

struct tk_supervise_opts {
	const char *exec;     /* the daemon's command; NULL: watch one run by someone else */
	int interval_ms;      /* between two health checks */
	int start_timeout_ms; /* a started daemon must be healthy within this */
	int flap_ms;	      /* a daemon that lived less than this was flapping */
	int backoff_max_ms;   /* the longest wait between two starts */
	/* before each start: prepare the mount point; NULL when it is someone else's to do */
	int (*prepare)(void *arg, struct lx_error *err);
	void *prepare_arg;
	/* -1, or where to say once (lx_bg_tell, common/daemonize.h) whether the daemon came up:
	 * healthy and the containers remounted, or a first start that failed */
	int ready_fd;
};

/* Supervise until SIGTERM or SIGINT (blocked in this process from here on); returns 0 after
 * such a stop, the daemon stopped and the containers unmounted. -1 with err when it cannot
 * start supervising. Either way ready_fd has been told. */
int tk_supervise(const struct tk_config *cfg, const struct tk_supervise_opts *o,
		 struct lx_error *err);

#endif
