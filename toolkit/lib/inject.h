/* Putting the daemon's files into a container's mount namespace and taking them out again.
 * tk_inject_run() runs in a forked child (see nsexec.h): it clones each bind of lx_binds
 * (common/served.h: the files of proc/ and the CPU directory whole) from the host with
 * open_tree(OPEN_TREE_CLONE), enters the container's mount namespace, resolves each target
 * inside the container root without following symlinks and attaches the clone with
 * move_mount(). Without the new mount API it falls back to mount(2) through /proc/self/fd
 * from the path propagated into the container. */
#ifndef TK_INJECT_H
#define TK_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/served.h"

struct tk_inject {
	const char *mountpoint;	   /* host mount point of the daemon */
	pid_t pid;		   /* a process of the container */
	const char *rootfs;	   /* hook: rootfs path in the container's namespace before
				      pivot_root; NULL: the root of pid (/proc/PID/root) */
	const char *expect_rootfs; /* hook: the bundle's rootfs, which rootfs must be; NULL */
	bool attach;		   /* bind the live files */
	bool detach;		   /* first detach the lxcfs mounts listed in depth[] */
	bool mount_dir;		   /* also mountpoint -> container_dir, read-only, slave */
	const char *container_dir; /* absolute path inside the container */
	bool legacy;		   /* mount(2) instead of open_tree/move_mount */
	int depth[LX_NBINDS_MAX];  /* lxcfs mounts stacked on each bind (tk_inject_plan) */
	int dir_depth;		   /* ... and on container_dir */
};

/* In the parent: read /proc/PID/mountinfo and fill depth[] for a later detach. */
int tk_inject_plan(struct tk_inject *in, struct lx_error *err);

/* The child's work (a tk_child_fn). A root that is the host's root directory (a state
 * "root": "/", a rootfs that is a symlink to /) or is not expect_rootfs is refused before
 * anything is detached or mounted. */
int tk_inject_run(void *arg, char *info, size_t infosz, struct lx_error *err);

/* Whether open_tree(2) exists (Linux 5.2; not under valgrind 3.19, not behind a seccomp filter
 * that answers ENOSYS); asked once. Without it every container takes the mount(2) path, as
 * with legacy_mount = true. */
bool tk_have_open_tree(void);

/* "/var/lib/lxcfs" + "proc/meminfo" without a doubled slash; 0 or -1 (too long). */
int tk_path_join(char *out, size_t outsz, const char *dir, const char *rel);

#endif
