#include "mountpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/mountinfo.h"

int mountpoint_fuse_mounted(const char *path, struct lx_error *err)
{
	char real[PATH_MAX];
	const struct lx_mount *top;
	struct lx_mounts m;
	int found;

	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	if (lx_mountinfo_read(0, &m, err) < 0)
		return -1;
	top = lx_mounts_top(&m, real);
	found = top && strncmp(top->fstype, "fuse", 4) == 0;
	lx_mounts_free(&m);
	return found;
}

int mountpoint_probe(const char *path, int timeout_ms)
{
	int pfd[2], status;
	pid_t pid;
	int res = -EIO, elapsed = 0;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		struct stat st;
		int r = stat(path, &st) < 0 ? errno : 0;

		if (write(pfd[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = {pfd[0], POLLIN, 0};
		int r = poll(&p, 1, 100), v;

		if (r > 0) {
			if (read(pfd[0], &v, sizeof(v)) == sizeof(v))
				res = -v;
			break;
		}
		elapsed += 100;
		if (elapsed >= timeout_ms) {
			res = -ETIMEDOUT;
			break;
		}
	}
	close(pfd[0]);
	/* a child stuck in a hung FUSE request dies with SIGKILL once the mount is gone */
	kill(pid, SIGKILL);
	if (res != -ETIMEDOUT)
		waitpid(pid, &status, 0);
	else
		waitpid(pid, &status, WNOHANG);
	return res;
}

int mountpoint_prepare(const char *path, struct lx_error *err)
{
	struct stat st;
	int r;

	r = mountpoint_fuse_mounted(path, err);
	if (r < 0)
		return -1;
	if (r == 1) {
		r = mountpoint_probe(path, 2000);
		if (r == 0)
			return lx_error_set(err, EBUSY, "mount point `%s` is already served", path);
		/* dead (ENOTCONN) or hung: detach it so the new mount goes on a clean dir */
		if (umount2(path, MNT_DETACH) < 0)
			return lx_error_set(err, errno, "detach the stale mount at `%s`", path);
	}
	if (stat(path, &st) < 0) {
		if (errno == ENOTCONN && umount2(path, MNT_DETACH) == 0 && stat(path, &st) == 0)
			goto check_dir;
		return lx_error_set(err, errno, "mount point `%s`", path);
	}
check_dir:
	if (!S_ISDIR(st.st_mode))
		return lx_error_set(err, ENOTDIR, "mount point `%s`", path);
	return 0;
}
