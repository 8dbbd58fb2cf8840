/* /proc/PID/mountinfo: parsing, the mount stack at a path, and whether an lxcfs file's mount
 * there is live, stale or absent. */
#ifndef TK_MOUNTINFO_H
#define TK_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

#define TK_LXCFS_FSTYPE "fuse.lxcfs"

struct tk_mount {
	int id, parent;
	unsigned int major, minor;
	char *root;	  /* path inside the filesystem (unescaped) */
	char *mountpoint; /* relative to the reading process's root (unescaped) */
	char *opts;	  /* per-mount options */
	char *optional;	  /* optional fields, e.g. "shared:3 master:1" ("" when none) */
	char *fstype;
	char *source;
};

struct tk_mounts {
	struct tk_mount *v;
	size_t n;
};

/* Parse mountinfo text; a malformed line fails with its line number. */
int tk_mountinfo_parse(const char *text, struct tk_mounts *out, struct lx_error *err);
/* Read and parse /proc/PID/mountinfo (pid 0: /proc/self/mountinfo). */
int tk_mountinfo_read(pid_t pid, struct tk_mounts *out, struct lx_error *err);
void tk_mounts_free(struct tk_mounts *m);

/* The topmost mount whose mount point is `path`, NULL when none. */
const struct tk_mount *tk_mounts_top(const struct tk_mounts *m, const char *path);
/* The mount directly below `mnt` on the same mount point, NULL when none. */
const struct tk_mount *tk_mounts_below(const struct tk_mounts *m, const struct tk_mount *mnt);
/* How many fuse.lxcfs mounts are stacked on top at `path` (stop at the first other one). */
int tk_mounts_lxcfs_depth(const struct tk_mounts *m, const char *path);

enum tk_mstate { TK_MOUNT_ABSENT, TK_MOUNT_LIVE, TK_MOUNT_STALE };

/* State of the lxcfs file at `path`: ABSENT when the top mount there is not fuse.lxcfs,
 * LIVE when it is on the superblock live_major:live_minor (the host's healthy daemon mount;
 * pass live=false when there is none), STALE otherwise. */
enum tk_mstate tk_mounts_classify(const struct tk_mounts *m, const char *path, bool live,
				  unsigned int live_major, unsigned int live_minor);
const char *tk_mstate_name(enum tk_mstate s);

/* Does any fuse.lxcfs mount exist in this table? */
bool tk_mounts_has_lxcfs(const struct tk_mounts *m);

/* "shared:N" in the optional fields */
bool tk_mount_is_shared(const struct tk_mount *mnt);

#endif
