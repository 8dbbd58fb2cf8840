#include "health.h"

#include "common/control.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inject.h"
#include "mountstate.h"
#include "nsexec.h"
#include "common/proc.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/pidfile.h"
#include "common/served.h"
#include "common/strbuf.h"

static int probe_child(void *arg, char *info, size_t infosz, struct lx_error *err)
{
	const char *path = arg;
	char buf[4096];
	struct stat st;
	__close int fd = -1;
	ssize_t n;

	(void)info;
	(void)infosz;
	if (stat(path, &st) < 0)
		return lx_error_set(err, errno, "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lx_error_set(err, errno, "%s", path);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return lx_error_set(err, errno, "%s", path);
	if (n == 0)
		return lx_error_code(err, ENODATA, "%s: empty read", path);
	return 0;
}

int tk_probe_file(const char *path, int timeout_ms, struct lx_error *err)
{
	struct lx_error e;

	if (tk_run_child(probe_child, (void *)path, timeout_ms, NULL, 0, &e) == 0)
		return 0;
	if (e.code == ETIMEDOUT && timeout_ms % 1000)
		return lx_error_code(err, ETIMEDOUT, "%s: no answer within %d ms", path,
				     timeout_ms);
	if (e.code == ETIMEDOUT)
		return lx_error_code(err, ETIMEDOUT, "%s: read timed out after %ds", path,
				     timeout_ms / 1000);
	if (err)
		*err = e;
	return -1;
}

/* The seccomp agent's part of h->status; h->seccomp_why when it is configured but does not
 * listen (a container whose profile names the listener cannot start). Its path is the
 * daemon's: looked at through its root (/proc/PID/root), as a daemon in a container (the
 * image) sees it. */
static void seccomp_check(struct tk_health *h)
{
	char on[8] = "0", n[24] = "0", path[PATH_MAX];
	struct stat st;

	if (!lx_msg_get(h->status, "seccomp", h->seccomp, sizeof(h->seccomp)) ||
	    !strcmp(h->seccomp, "-")) {
		h->seccomp[0] = '\0'; /* not configured */
		return;
	}
	lx_msg_get(h->status, "seccomp_listening", on, sizeof(on));
	lx_msg_get(h->status, "seccomp_containers", n, sizeof(n));
	h->seccomp_containers = strtoul(n, NULL, 10);
	if (strcmp(on, "1") != 0) {
		lx_error_code(&h->seccomp_why, EADDRNOTAVAIL,
			      "the seccomp agent is configured (%.200s) but does not listen (see "
			      "the daemon's log): containers whose profile names it cannot start",
			      h->seccomp);
		return;
	}
	if (h->pid > 0 && h->pid_alive)
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)h->pid, h->seccomp);
	else
		snprintf(path, sizeof(path), "%s", h->seccomp);
	if (stat(path, &st) < 0) {
		lx_error_code(&h->seccomp_why, EADDRNOTAVAIL,
			      "the seccomp agent listens, but `%.200s` is gone (%s): containers "
			      "whose profile names it cannot start",
			      h->seccomp, strerror(errno));
		return;
	}
	if (!S_ISSOCK(st.st_mode)) {
		lx_error_code(&h->seccomp_why, EADDRNOTAVAIL,
			      "the seccomp agent listens, but `%.200s` is not a socket: "
			      "containers whose profile names it cannot start",
			      h->seccomp);
		return;
	}
	h->seccomp_listening = true;
}

int tk_health_check(const struct tk_config *c, struct tk_health *h)
{
	struct lx_mounts m;
	const struct lx_mount *top;
	char path[PATH_MAX];
	bool pid_known = false;

	memset(h, 0, sizeof(*h));
	/* the pid first, so every later reason can say whether the daemon runs */
	if (c->pidfile[0]) {
		struct lx_error e;

		if (pidfile_read(c->pidfile, &h->pid, &e) == 0) {
			pid_known = true;
			h->pid_alive = proc_pid_running(h->pid);
		} else if (c->pidfile_explicit || e.code != ENOENT) {
			h->why = e;
			return -1;
		}
	}
	if (lx_mountinfo_read(0, &m, &h->why) < 0)
		return -1;
	top = lx_mounts_top(&m, c->mountpoint);
	if (top && !strcmp(top->fstype, TK_LXCFS_FSTYPE)) {
		h->mounted = true;
		h->major = top->major;
		h->minor = top->minor;
	}
	lx_mounts_free(&m);
	if (!h->mounted) {
		lx_error_code(&h->why, ENOENT, "%.900s: not mounted", c->mountpoint);
	} else {
		tk_path_join(path, sizeof(path), c->mountpoint, lx_file_paths[LX_FILE_MEMINFO]);
		tk_probe_file(path, c->check_timeout * 1000, &h->why);
	}
	if (pid_known && !h->pid_alive) {
		size_t l = strlen(h->why.msg);

		if (h->why.code)
			snprintf(h->why.msg + l, sizeof(h->why.msg) - l,
				 " (daemon pid %d is not running)", (int)h->pid);
		else
			lx_error_code(&h->why, ESRCH, "daemon pid %d is not running", (int)h->pid);
	}
	if (h->why.code)
		return -1;
	/* it answers; does it serve containers their own values? (the control socket says; a
	 * daemon without one is taken at its word) */
	if (tk_daemon_status(c, h->status, sizeof(h->status), NULL) == 0) {
		char v[16];

		if (lx_msg_get(h->status, "degraded", v, sizeof(v)) && !strcmp(v, "1")) {
			lx_error_code(&h->why, EIO,
				      "the daemon serves host files for its own reasons (out of "
				      "descriptors or memory: see its log)");
			return -1;
		}
		seccomp_check(h);
	}
	h->healthy = true;
	return 0;
}

int tk_daemon_status(const struct tk_config *c, char *buf, size_t size, struct lx_error *err)
{
	char path[PATH_MAX];
	int fd, r;

	buf[0] = '\0';
	if (lx_control_path(c->runtime_dir, c->mountpoint, path, sizeof(path), err) < 0)
		return -1;
	fd = lx_control_connect(path, err);
	if (fd < 0)
		return -1;
	r = lx_control_ask(fd, "STATUS", buf, size, NULL, NULL, c->check_timeout * 1000, err);
	close(fd);
	if (r == 0 && strncmp(buf, "STATUS", 6) != 0) {
		buf[0] = '\0';
		return lx_error_code(err, EPROTO, "the daemon's control socket answered `%.64s`",
				     buf);
	}
	return r;
}
