#include "seccomp/kick.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "common/fileio.h"
#include "common/proc.h"
#include "common/strbuf.h"

#define STOP_WAIT_MS   1000
#define FREEZE_WAIT_MS 2000

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The tracee stopped for our PTRACE_INTERRUPT (or anything else: we only detach). */
static int wait_stop(pid_t tid)
{
	int64_t end = lx_now_ms() + STOP_WAIT_MS;
	int st;

	for (;;) {
		pid_t r = waitpid(tid, &st, __WALL | WNOHANG);

		if (r == tid && WIFSTOPPED(st))
			return 0;
		if (r == tid) /* it exited */
			return -1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (lx_now_ms() >= end)
			return -1;
		sleep_ms(1);
	}
}

static int kick_ptrace(pid_t tid, struct lx_error *err)
{
	if (ptrace(PTRACE_SEIZE, tid, 0, 0) < 0)
		return lx_error_set(err, errno, "ptrace(PTRACE_SEIZE) of thread %d", (int)tid);
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0) {
		int e = errno;

		ptrace(PTRACE_DETACH, tid, 0, 0);
		return lx_error_set(err, e, "ptrace(PTRACE_INTERRUPT) of thread %d", (int)tid);
	}
	/* in the interruptible wait of its call, it stops at once; the detach then lets it run,
	 * and the call it was in starts again (no signal, no handler: a plain restart) */
	if (wait_stop(tid) < 0) {
		/* not stopped in time (uninterruptible, or gone): the kernel detaches it when we
		 * exit; try now anyway */
		ptrace(PTRACE_DETACH, tid, 0, 0);
		return lx_error_code(err, ETIMEDOUT, "thread %d did not stop within %d ms",
				     (int)tid, STOP_WAIT_MS);
	}
	if (ptrace(PTRACE_DETACH, tid, 0, 0) < 0)
		return lx_error_set(err, errno, "ptrace(PTRACE_DETACH) of thread %d", (int)tid);
	return 0;
}

/* Write text to dir/file (a cgroup control file). */
static int write_file(const char *dir, const char *file, const char *text, struct lx_error *err)
{
	char path[PATH_MAX];
	__close int fd = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return lx_error_set(err, errno, "write `%s` to `%s`", text, path);
	return 0;
}

static bool read_has(const char *dir, const char *file, const char *needle)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return read_file_at(AT_FDCWD, path, &sb, NULL) >= 0 && sb.buf && strstr(sb.buf, needle);
}

/* The thread's cgroup directory for freezing: its v2 cgroup (cgroup.freeze exists in every
 * non-root cgroup2), else its v1 freezer cgroup. */
static int freezer_dir(const char *root, pid_t tgid, char *dir, size_t size, bool *v2,
		       struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char path[64], *line, *save = NULL;
	const char *unified = NULL, *v1 = NULL;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)tgid);
	if (read_file_at(AT_FDCWD, path, &sb, err) < 0)
		return -1;
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "0::", 3))
			unified = line + 3;
		else if (strstr(line, ":freezer:"))
			v1 = strstr(line, ":freezer:") + 9;
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *rel = pass == 0 ? unified : v1;
		const char *base = pass == 0 ? "unified" : "freezer";

		if (!rel || !strcmp(rel, "/") || strstr(rel, "/../"))
			continue;
		/* pure v2: ROOT/REL; hybrid: ROOT/unified/REL; v1: ROOT/freezer/REL */
		if (pass == 0) {
			snprintf(dir, size, "%s%s", root, rel);
			if (read_has(dir, "cgroup.freeze", "")) {
				*v2 = true;
				return 0;
			}
		}
		snprintf(dir, size, "%s/%s%s", root, base, rel);
		if (read_has(dir, pass == 0 ? "cgroup.freeze" : "freezer.state", "")) {
			*v2 = pass == 0;
			return 0;
		}
	}
	return lx_error_code(err, ENOENT, "thread %d: no cgroup of its own to freeze", (int)tgid);
}

static int kick_freezer(const char *root, pid_t tgid, pid_t tid, struct lx_error *err)
{
	char dir[PATH_MAX];
	bool v2 = false;
	int64_t end;
	int r;

	if (freezer_dir(root, tgid, dir, sizeof(dir), &v2, err) < 0)
		return -1;
	/* frozen already: its thaw restarts the call; a freeze of ours would end in a thaw
	 * its owner did not ask for */
	if (v2 ? read_has(dir, "cgroup.freeze", "1") : !read_has(dir, "freezer.state", "THAWED"))
		return 0;
	if (write_file(dir, v2 ? "cgroup.freeze" : "freezer.state", v2 ? "1" : "FROZEN", err) < 0)
		return -1;
	end = lx_now_ms() + FREEZE_WAIT_MS;
	while (lx_now_ms() < end && !(v2 ? read_has(dir, "cgroup.events", "frozen 1")
					 : read_has(dir, "freezer.state", "FROZEN")))
		sleep_ms(1);
	r = write_file(dir, v2 ? "cgroup.freeze" : "freezer.state", v2 ? "0" : "THAWED", err);
	(void)tid;
	return r;
}

int sc_kick_thread(const char *cgroup_root, pid_t tgid, pid_t tid, struct lx_error *err)
{
	struct lx_error perr = {0, ""};
	uint64_t start;
	char state = 0;

	if (kick_ptrace(tid, &perr) == 0)
		return 0;
	if (perr.code != EPERM) {
		*err = perr;
		return -1;
	}
	/* stopped by its own tracer at the call's entry (strace): it waits for that tracer, not
	 * for us */
	if (proc_stat_start(tid, &start, &state, NULL) == 0 && state == 't')
		return 0;
	/* traced by someone else: the freezer */
	if (kick_freezer(cgroup_root, tgid, tid, err) < 0)
		return lx_error_wrap(err, "%s; then", perr.msg);
	return 0;
}

/* Is thread tid of process pid waiting in sysinfo(2)? */
static bool in_sysinfo(const char *pid, const char *tid)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char path[600];

	snprintf(path, sizeof(path), "/proc/%s/task/%s/syscall", pid, tid);
	if (read_file_at(AT_FDCWD, path, &sb, NULL) < 0 || !sb.buf)
		return false;
	return strtol(sb.buf, NULL, 10) == __NR_sysinfo && sb.buf[0] != '-' &&
	       (sb.buf[strspn(sb.buf, "0123456789")] == ' ');
}

int sc_kick_sysinfo_waiters(const char *cgroup_root, unsigned *failed, struct lx_error *err)
{
	__closedir DIR *proc = opendir("/proc");
	struct dirent *p;
	pid_t self = getpid();
	int kicked = 0;

	*failed = 0;
	if (!proc)
		return lx_error_set(err, errno, "/proc");
	while ((p = readdir(proc))) {
		char tasks[300];
		__closedir DIR *td = NULL;
		struct dirent *t;

		if (p->d_name[0] < '1' || p->d_name[0] > '9' || atoi(p->d_name) == self)
			continue;
		snprintf(tasks, sizeof(tasks), "/proc/%s/task", p->d_name);
		td = opendir(tasks);
		while (td && (t = readdir(td))) {
			struct lx_error e = {0, ""};

			if (t->d_name[0] < '1' || t->d_name[0] > '9' ||
			    !in_sysinfo(p->d_name, t->d_name))
				continue;
			if (sc_kick_thread(cgroup_root, atoi(p->d_name), atoi(t->d_name), &e) ==
			    0) {
				kicked++;
			} else {
				(*failed)++;
				*err = e;
			}
		}
	}
	return kicked;
}
