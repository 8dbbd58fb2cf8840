/* Is the daemon healthy? Its pid (pidfile) alive, MOUNTPOINT a fuse.lxcfs mount, and a stat
 * plus a read of proc/meminfo answering within a timeout (done in a child, so a hung FUSE
 * mount cannot hang us). */
#ifndef TK_HEALTH_H
#define TK_HEALTH_H

#include <stdbool.h>
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
};

/* Fill h; returns 0 when healthy, -1 otherwise (h->why says why). */
int tk_health_check(const struct tk_config *c, struct tk_health *h);

/* stat + read of path in a child, bounded by timeout_ms. */
int tk_probe_file(const char *path, int timeout_ms, struct lx_error *err);

#endif
