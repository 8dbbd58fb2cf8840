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
};

/* Fill h; returns 0 when healthy, -1 otherwise (h->why says why). */
int tk_health_check(const struct tk_config *c, struct tk_health *h);

/* The daemon's STATUS line, from its control socket (common/control.h). */
int tk_daemon_status(const struct tk_config *c, char *buf, size_t size, struct lx_error *err);

/* stat + read of path in a child, bounded by timeout_ms. */
int tk_probe_file(const char *path, int timeout_ms, struct lx_error *err);

#endif
