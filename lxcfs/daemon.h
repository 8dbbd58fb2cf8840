/* The daemon's lifecycle: what the FUSE callbacks and the view work with, opened before the
 * mount and closed after it (main.c runs the steps in between). */
#ifndef LXCFS_DAEMON_H
#define LXCFS_DAEMON_H

#include "options.h"
#include "fuse/fuse_ops.h"
#include "view/view.h"
#include "common/error.h"

struct lx_daemon {
	const struct lx_options *opts;
	struct lx_view view;
	struct lx_fuse fuse; /* the session's userdata; fuse.view is &view */
};

/* Open the cgroup hierarchies, the shared host copies, the container and handle tables. */
int daemon_init(struct lx_daemon *d, const struct lx_options *o, struct lx_error *err);
void daemon_fini(struct lx_daemon *d);

#endif
