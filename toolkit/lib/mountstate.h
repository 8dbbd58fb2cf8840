/* Whether an lxcfs file's mount in a mount table (common/mountinfo.h) is live, stale or
 * absent. */
#ifndef TK_MOUNTSTATE_H
#define TK_MOUNTSTATE_H

#include <stdbool.h>

#include "common/mountinfo.h"

#define TK_LXCFS_FSTYPE "fuse.lxcfs"

/* How many fuse.lxcfs mounts are stacked on top at `path` (stop at the first other one). */
int tk_mounts_lxcfs_depth(const struct lx_mounts *m, const char *path);

enum tk_mstate { TK_MOUNT_ABSENT, TK_MOUNT_LIVE, TK_MOUNT_STALE };

/* State of the lxcfs file at `path`: ABSENT when the top mount there is not fuse.lxcfs,
 * LIVE when it is on the superblock live_major:live_minor (the host's healthy daemon mount;
 * pass live=false when there is none), STALE otherwise. */
enum tk_mstate tk_mounts_classify(const struct lx_mounts *m, const char *path, bool live,
				  unsigned int live_major, unsigned int live_minor);
const char *tk_mstate_name(enum tk_mstate s);

/* Does any fuse.lxcfs mount exist in this table? */
bool tk_mounts_has_lxcfs(const struct lx_mounts *m);

#endif
