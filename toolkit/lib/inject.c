#include "inject.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mountstate.h"
#include "nsexec.h"
#include "safepath.h"
#include "common/cleanup.h"

int tk_path_join(char *out, size_t outsz, const char *dir, const char *rel)
{
	size_t dl = strlen(dir);
	int n;

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	while (*rel == '/')
		rel++;
	if (dl == 1 && dir[0] == '/')
		n = snprintf(out, outsz, "/%s", rel);
	else
		n = snprintf(out, outsz, "%.*s/%s", (int)dl, dir, rel);
	return (n < 0 || (size_t)n >= outsz) ? -1 : 0;
}

bool tk_have_open_tree(void)
{
	static int have = -1;

	if (have < 0) {
		int fd = open_tree(AT_FDCWD, "/", OPEN_TREE_CLOEXEC);

		have = fd >= 0 || errno != ENOSYS;
		if (fd >= 0)
			close(fd);
	}
	return have;
}

int tk_inject_plan(struct tk_inject *in, struct lx_error *err)
{
	struct lx_mounts m;

	if (lx_mountinfo_read(in->pid, &m, err) < 0)
		return -1;
	for (unsigned i = 0; i < lx_nbinds; i++) {
		char path[PATH_MAX];

		tk_path_join(path, sizeof(path), "/", lx_binds[i].path);
		in->depth[i] = tk_mounts_lxcfs_depth(&m, path);
	}
	in->dir_depth = tk_mounts_lxcfs_depth(&m, in->container_dir);
	lx_mounts_free(&m);
	return 0;
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* Detach the lxcfs mounts counted in depth[], in the order of lx_binds (the CPU directory
 * before the files older hooks bound below it); we are chrooted into the container root. */
static int detach_files(const struct tk_inject *in, int *count, struct lx_error *err)
{
	for (unsigned i = 0; i <= lx_nbinds; i++) {
		char path[PATH_MAX];
		int depth = i < lx_nbinds ? in->depth[i] : in->dir_depth;

		if (i < lx_nbinds)
			tk_path_join(path, sizeof(path), "/", lx_binds[i].path);
		else
			snprintf(path, sizeof(path), "%s", in->container_dir);
		for (int k = 0; k < depth; k++) {
			if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
				if (errno == EINVAL || errno == ENOENT)
					break; /* nothing mounted any more */
				return lx_error_set(err, errno, "detach `%s`", path);
			}
			(*count)++;
		}
	}
	return 0;
}

/* Bind src onto dst (both fds) with mount(2) through the host's /proc/self/fd, reached via
 * procfd (cwd), since the container's /proc may belong to another pid namespace. */
static int legacy_bind(int procfd, int src, int dst, bool recursive, struct lx_error *err)
{
	char s[32], d[32];

	snprintf(s, sizeof(s), "%d", src);
	snprintf(d, sizeof(d), "%d", dst);
	if (fchdir(procfd) < 0)
		return lx_error_set(err, errno, "chdir to /proc/self/fd");
	if (mount(s, d, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
		return lx_error_set(err, errno, "bind mount");
	return 0;
}

static int attach_dir(const struct tk_inject *in, int rootfd, int tree, int procfd,
		      struct lx_error *err)
{
	__close int tgt = -1;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	struct mount_attr prop = {.propagation = MS_SLAVE};

	tgt = tk_mkdir_in_root(rootfd, in->container_dir + 1, err);
	if (tgt < 0)
		return -1;
	if (tree >= 0) {
		if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
			return lx_error_set(err, errno, "make the clone of `%s` read-only",
					    in->mountpoint);
		if (move_mount(tree, "", tgt, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return lx_error_set(err, errno, "attach `%s` on `%s`", in->mountpoint,
					    in->container_dir);
		if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &prop, sizeof(prop)) < 0)
			return lx_error_set(err, errno, "make `%s` a slave mount",
					    in->container_dir);
		return 0;
	}
	/* legacy: the host path is visible here before pivot_root (the hook) only */
	if (!in->rootfs)
		return lx_error_set(err, ENOTSUP, "no open_tree(): cannot reach `%s` from here",
				    in->mountpoint);
	{
		__close int src = open(in->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
		char d[32];

		if (src < 0)
			return lx_error_set(err, errno, "open `%s`", in->mountpoint);
		if (legacy_bind(procfd, src, tgt, true, err) < 0)
			return lx_error_wrap(err, "`%s` on `%s`", in->mountpoint,
					     in->container_dir);
		snprintf(d, sizeof(d), "%d", tgt);
		/* tgt still names the directory below the new mount: reopen the mount */
		__close int top = tk_open_in_root(rootfd, in->container_dir + 1, err);

		if (top < 0)
			return -1;
		snprintf(d, sizeof(d), "%d", top);
		if (mount(NULL, d, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0 ||
		    mount(NULL, d, NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return lx_error_set(err, errno, "make `%s` read-only and slave",
					    in->container_dir);
	}
	return 0;
}

/* Open each target below rootfd (no symlinks); a missing one is skipped, anything unsafe
 * fails the whole container. A file's target must not be a directory, a directory's must be
 * one. */
static int open_targets(int rootfd, const int *src, bool legacy, const int *depth, int *tgt,
			struct lx_error *err)
{
	for (unsigned i = 0; i < lx_nbinds; i++) {
		const struct lx_bind *b = &lx_binds[i];
		struct stat st;

		if (b->kind == LX_BIND_OLD || (!legacy && src[i] < 0))
			continue;
		if (depth && depth[i] > 0) {
			/* an lxcfs mount (maybe dead) covers it: check the directory now, the
			 * target itself once the mount is detached */
			char dir[PATH_MAX];
			int fd;

			snprintf(dir, sizeof(dir), "%s", b->path);
			*strrchr(dir, '/') = '\0';
			fd = tk_open_in_root(rootfd, dir, err);
			if (fd < 0)
				return lx_error_wrap(err, "refusing to mount into the container");
			close(fd);
			continue;
		}
		tgt[i] = tk_open_in_root(rootfd, b->path, err);
		if (tgt[i] < 0) {
			if (err->code == ENOENT) {
				lx_error_clear(err);
				continue; /* the container has no such file */
			}
			return lx_error_wrap(err, "refusing to mount into the container");
		}
		if (fstat(tgt[i], &st) < 0)
			return lx_error_set(err, errno,
					    "refusing to mount into the container: "
					    "stat `%s`",
					    b->path);
		if (b->kind == LX_BIND_FILE && S_ISDIR(st.st_mode))
			return lx_error_set(
			    err, ENOTDIR,
			    "refusing to mount into the container: `%s` is a directory", b->path);
		if (b->kind == LX_BIND_DIR && !S_ISDIR(st.st_mode))
			return lx_error_set(
			    err, ENOTDIR,
			    "refusing to mount into the container: `%s` is not a directory",
			    b->path);
	}
	return 0;
}

/* A clone whose file another container looked up in the meantime: the kernel dropped the
 * clone's dentry (every container has inodes of its own, and a lookup from another view
 * replaces the name's dentry), and a dropped dentry cannot be attached (ENOENT). Clone the
 * file again from the host's mount namespace and come back. */
#define ATTACH_TRIES 50

static int reclone(const struct tk_inject *in, int hostmnt, int ctmnt, int rootfd, int i, int *src,
		   struct lx_error *err)
{
	char path[PATH_MAX];

	if (tk_path_join(path, sizeof(path), in->mountpoint, lx_binds[i].path) < 0)
		return lx_error_set(err, ENAMETOOLONG, "mount point path");
	if (setns(hostmnt, CLONE_NEWNS) < 0)
		return lx_error_set(err, errno, "back to the host's mount namespace");
	close(*src);
	*src = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (*src < 0)
		lx_error_set(err, errno, "clone `%s`", path);
	if (setns(ctmnt, CLONE_NEWNS) < 0)
		return lx_error_set(err, errno, "enter the container's mount namespace again");
	if (!in->rootfs && (fchdir(rootfd) < 0 || chroot(".") < 0))
		return lx_error_set(err, errno, "enter the root of pid %d", (int)in->pid);
	return *src < 0 ? -1 : 0;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The container's root must not be the host's root directory: the files would be mounted on
 * the host's /proc paths in the container's namespace, outside its root. host: "/" as seen
 * before entering the namespace; in the hook also "/" of the namespace (before pivot_root the
 * host's too) and the bundle's rootfs, which the root must be. */
static int check_root(const struct tk_inject *in, int rootfd, const struct stat *host,
		      struct lx_error *err)
{
	const char *what = in->rootfs ? in->rootfs : "/proc/PID/root";
	struct stat st, here;

	if (fstat(rootfd, &st) < 0)
		return lx_error_set(err, errno, "stat the container root `%s`", what);
	if (same_inode(&st, host) ||
	    (in->rootfs && stat("/", &here) == 0 && same_inode(&st, &here)))
		return lx_error_code(err, EPERM,
				     "refusing to mount into the container: its root `%s` is the "
				     "host's root directory",
				     what);
	if (in->rootfs && in->expect_rootfs) {
		__close int fd = open(in->expect_rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct stat b;

		if (fd < 0 || fstat(fd, &b) < 0)
			return lx_error_set(err, errno,
					    "refusing to mount into the container: the bundle's "
					    "rootfs `%s`",
					    in->expect_rootfs);
		if (!same_inode(&st, &b))
			return lx_error_code(err, EPERM,
					     "refusing to mount into the container: its root `%s` "
					     "is not the bundle's rootfs `%s`",
					     in->rootfs, in->expect_rootfs);
	}
	return 0;
}

static int inject(void *arg, char *info, size_t infosz, struct lx_error *err)
{
	struct tk_inject *in = arg;
	int src[LX_NBINDS_MAX], tgt[LX_NBINDS_MAX];
	__close int rootfd = -1, procfd = -1, dirtree = -1, hostmnt = -1, ctmnt = -1;
	int attached = 0, detached = 0, rc = -1, retries = 0;
	bool legacy = in->legacy;
	struct stat host_root;

	for (unsigned i = 0; i < lx_nbinds; i++)
		src[i] = tgt[i] = -1;

	/* 1. in the host's namespace: clone the live files */
	procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return lx_error_set(err, errno, "open /proc/self/fd");
	for (unsigned i = 0; in->attach && !legacy && i < lx_nbinds; i++) {
		char path[PATH_MAX];

		if (lx_binds[i].kind == LX_BIND_OLD)
			continue;
		if (tk_path_join(path, sizeof(path), in->mountpoint, lx_binds[i].path) < 0) {
			lx_error_set(err, ENAMETOOLONG, "mount point path");
			goto out;
		}
		src[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (src[i] >= 0)
			continue;
		if (errno == ENOSYS) {
			legacy = true;
			break;
		}
		if (errno == ENOENT)
			continue; /* the daemon does not serve this file */
		lx_error_set(err, errno, "clone `%s`", path);
		goto out;
	}
	if (in->attach && in->mount_dir && !legacy) {
		dirtree = open_tree(AT_FDCWD, in->mountpoint,
				    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (dirtree < 0) {
			lx_error_set(err, errno, "clone `%s`", in->mountpoint);
			goto out;
		}
	}
	if (stat("/", &host_root) < 0) {
		lx_error_set(err, errno, "stat /");
		goto out;
	}
	if (!in->rootfs) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/root", (int)in->pid);
		rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0) {
			lx_error_set(err, errno, "open `%s`", path);
			goto out;
		}
		if (check_root(in, rootfd, &host_root, err) < 0)
			goto out;
	}

	/* 2. enter the container's mount namespace */
	if (in->attach && !legacy) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)in->pid);
		hostmnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
		ctmnt = open(path, O_RDONLY | O_CLOEXEC);
		if (hostmnt < 0 || ctmnt < 0) {
			lx_error_set(err, errno, "open the mount namespaces");
			goto out;
		}
	}
	if (tk_enter_mntns(in->pid, err) < 0)
		goto out;
	if (in->rootfs) {
		rootfd = open(in->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0) {
			lx_error_set(err, errno, "open rootfs `%s`", in->rootfs);
			goto out;
		}
		if (check_root(in, rootfd, &host_root, err) < 0)
			goto out;
	} else {
		/* see paths as the container does (umount2 takes paths) */
		if (fchdir(rootfd) < 0 || chroot(".") < 0) {
			lx_error_set(err, errno, "enter the root of pid %d", (int)in->pid);
			goto out;
		}
	}

	/* 3. check every target first: one unsafe target and nothing is detached or mounted */
	if (in->attach &&
	    open_targets(rootfd, src, legacy, in->detach ? in->depth : NULL, tgt, err) < 0)
		goto out;
	close_all(tgt, (int)lx_nbinds);

	/* 4. detach what is there, then open the targets again (now the files below) */
	if (in->detach && detach_files(in, &detached, err) < 0)
		goto out;
	if (in->attach && open_targets(rootfd, src, legacy, NULL, tgt, err) < 0)
		goto out;

	/* 5. attach */
	for (unsigned i = 0; in->attach && i < lx_nbinds; i++) {
		const char *what = lx_binds[i].path;

		if (tgt[i] < 0)
			continue;
		if (!legacy) {
			if (src[i] < 0)
				continue;
			struct mount_attr priv = {.propagation = MS_PRIVATE};

			int tries = 0;

			while (move_mount(src[i], "", tgt[i], "",
					  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
				if (errno != ENOENT || ++tries >= ATTACH_TRIES) {
					lx_error_set(err, errno, "attach `%s`%s", what,
						     tries ? " (the daemon's file kept changing)"
							   : "");
					goto out;
				}
				if (reclone(in, hostmnt, ctmnt, rootfd, i, &src[i], err) < 0) {
					lx_error_wrap(err, "attach `%s`", what);
					goto out;
				}
				retries++;
			}
			/* the mount needs no peers in the host's namespace */
			if (mount_setattr(src[i], "", AT_EMPTY_PATH, &priv, sizeof(priv)) < 0) {
				lx_error_set(err, errno, "make `%s` private", what);
				goto out;
			}
		} else {
			/* the path propagated into the container: MOUNTPOINT before pivot_root
			 * (hook), the container's copy of it afterwards (remount) */
			char rel[PATH_MAX];
			__close int s = -1;

			if (in->rootfs)
				tk_path_join(rel, sizeof(rel), in->mountpoint, what);
			else
				tk_path_join(rel, sizeof(rel), in->container_dir, what);
			s = in->rootfs ? open(rel, O_PATH | O_CLOEXEC)
				       : tk_open_in_root(rootfd, rel + 1, NULL);
			if (s < 0) {
				lx_error_set(err, errno, "open `%s` in the container", rel);
				goto out;
			}
			if (legacy_bind(procfd, s, tgt[i], false, err) < 0) {
				lx_error_wrap(err, "`%s`", what);
				goto out;
			}
		}
		attached++;
	}
	if (in->attach && in->mount_dir) {
		struct lx_error derr;

		/* best effort: a read-only rootfs has no room for the directory */
		if (attach_dir(in, rootfd, dirtree, procfd, &derr) < 0)
			snprintf(info, infosz, "%s not mounted (%.150s); ", in->container_dir,
				 derr.msg);
	}
	{
		size_t l = strlen(info);

		snprintf(info + l, infosz - l, "attached %d, detached %d", attached, detached);
		if (retries) {
			l = strlen(info);
			snprintf(info + l, infosz - l, " (%d attach%s retried)", retries,
				 retries == 1 ? "" : "es");
		}
	}
	rc = 0;
out:
	close_all(src, (int)lx_nbinds);
	close_all(tgt, (int)lx_nbinds);
	return rc;
}

int tk_inject_run(void *arg, char *info, size_t infosz, struct lx_error *err)
{
	struct tk_inject *in = arg;

	/* the clones of the daemon's files are looked up from inside the container's pid
	 * namespace: the container gets inodes of its own (its bytes never share a page cache
	 * with another container's) */
	if (in->attach)
		return tk_run_in_pidns(in->pid, inject, in, info, infosz, err);
	return inject(arg, info, infosz, err);
}
