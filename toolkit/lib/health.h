/* Is the daemon healthy? Its pid (pidfile) alive, MOUNTPOINT a fuse.lxcfs mount, and a stat
 * plus a read of proc/meminfo answering within a timeout (done in a child, so a hung FUSE
 * mount cannot hang us). */
#ifndef TK_HEALTH_H
#define TK_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "common/error.h"

struct tk_health {
	bool healthy;
	bool mounted;		   /* MOUNTPOINT's top mount is fuse.lxcfs */
	unsigned int major, minor; /* its superblock when mounted */
	pid_t pid;		   /* from the pidfile, 0 when unknown */
	bool pid_alive;
	struct lx_error why; /* why not healthy (code 0 when healthy) */
	char status[1024];   /* the daemon's STATUS line ("" when it has no control socket) */
	/* its seccomp agent (lxcfs --seccomp-listener), from the STATUS line of a daemon that
	 * answers: the listener's path ("" when none is configured, or the daemon did not say),
	 * whether it listens there (the daemon says so and a socket is at the path, seen
	 * through the daemon's root), the containers it serves, and why it does not listen
	 * (code EADDRNOTAVAIL; 0 when it does or none is configured). Not part of healthy: the
	 * files are served either way (check-lxcfs fails on it, the hook and the watchdog not). */
	char seccomp[256];
	bool seccomp_listening;
	unsigned long seccomp_containers;
	struct lx_error seccomp_why;
};

/* Fill h; returns 0 when healthy, -1 otherwise (h->why says why). */
int tk_health_check(const struct tk_config *c, struct tk_health *h);

/* The daemon's STATUS line, from its control socket (common/control.h). */
int tk_daemon_status(const struct tk_config *c, char *buf, size_t size, struct lx_error *err);

/* stat + read of path in a child, bounded by timeout_ms. */
int tk_probe_file(const char *path, int timeout_ms, struct lx_error *err);

#endif
