/* The FUSE low-level operations table: the tree (tree.h), one snapshot per open file
 * (handles.h), the text of each file from the view (view/view.h). */
#ifndef LXCFS_FUSE_OPS_H
#define LXCFS_FUSE_OPS_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <time.h>

#include "view/view.h"

/* What the callbacks share: the session's userdata. */
struct lx_fuse {
	struct lx_view *view;
	struct lx_handles *handles; /* fuse/handles.h */
	struct fuse_session *se;    /* set once mounted, for notifications */
	time_t start_time;	    /* every node's times */
};

extern const struct fuse_lowlevel_ops lx_fuse_ops;

#endif
