#include "proc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

/* readlink gives "KIND:[INODE]" without instantiating the nsfs inode a stat would */
static int ns_ino(pid_t pid, const char *kind, uint64_t *ino, struct lx_error *err)
{
	char path[64], link[64], *end;
	size_t klen = strlen(kind);
	ssize_t n;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, kind);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", kind);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return lx_error_set(err, errno, "readlink `%s`", path);
	link[n] = '\0';
	if (strncmp(link, kind, klen) != 0 || strncmp(link + klen, ":[", 2) != 0)
		return lx_error_set(err, EINVAL, "`%s` points to `%s`", path, link);
	errno = 0;
	*ino = strtoull(link + klen + 2, &end, 10);
	if (errno || *end != ']')
		return lx_error_set(err, EINVAL, "`%s` points to `%s`", path, link);
	return 0;
}

int proc_pidns_ino(pid_t pid, uint64_t *ino, struct lx_error *err)
{
	return ns_ino(pid, "pid", ino, err);
}

int proc_mntns_ino(pid_t pid, uint64_t *ino, struct lx_error *err)
{
	return ns_ino(pid, "mnt", ino, err);
}

static int read_small(const char *path, char *buf, size_t size, struct lx_error *err)
{
	__close int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return lx_error_set(err, errno, "open `%s`", path);
	if (pread_text(fd, buf, size) < 0)
		return lx_error_set(err, errno, "read `%s`", path);
	return 0;
}

int proc_status_ids(pid_t pid, pid_t *ppid, pid_t *inner_pid, struct lx_error *err)
{
	char path[64], buf[4096];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small(path, buf, sizeof(buf), err) < 0)
		return -1;
	p = strstr(buf, "\nPPid:");
	if (!p)
		return lx_error_set(err, EINVAL, "no PPid in `%s`", path);
	*ppid = (pid_t)strtol(p + 6, NULL, 10);
	p = strstr(buf, "\nNSpid:");
	if (!p) {
		*inner_pid = pid; /* kernel without NSpid: no nested namespaces visible */
		return 0;
	}
	p += 7;
	for (;;) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		*inner_pid = (pid_t)v;
		p = end;
	}
	return 0;
}

int proc_stat_parse(const char *text, uint64_t *start_ticks, char *state)
{
	const char *p = strrchr(text, ')');
	char num[32];
	size_t n;

	if (!p || p[1] != ' ')
		goto bad;
	p += 2; /* field 3, the state */
	if (!*p || *p == ' ' || *p == '\n')
		goto bad;
	if (state)
		*state = *p;
	for (int field = 3; field < 22; field++) {
		p += strcspn(p, " \n");
		if (p[0] != ' ' || !p[1] || p[1] == ' ' || p[1] == '\n')
			goto bad;
		p++;
	}
	n = strcspn(p, " \n");
	if (n >= sizeof(num) || !isdigit((unsigned char)*p))
		goto bad;
	memcpy(num, p, n);
	num[n] = '\0';
	return parse_u64(num, start_ticks) < 0 ? -1 : 0;
bad:
	errno = EINVAL;
	return -1;
}

int proc_stat_start(pid_t pid, uint64_t *start_ticks, char *state, struct lx_error *err)
{
	char path[64], buf[1024];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small(path, buf, sizeof(buf), err) < 0) {
		if (err && err->code == ENOENT)
			return lx_error_set(err, ESRCH, "pid %d", (int)pid);
		return -1;
	}
	if (proc_stat_parse(buf, start_ticks, state) < 0)
		return lx_error_set(err, EINVAL, "unexpected format of `%s`", path);
	return 0;
}

bool proc_pid_matches(pid_t pid, uint64_t start_ticks)
{
	uint64_t now;

	if (pid <= 0 || proc_stat_start(pid, &now, NULL, NULL) < 0)
		return false;
	return start_ticks == 0 || now == start_ticks;
}

bool proc_pid_running(pid_t pid)
{
	uint64_t start;
	char state;

	if (pid <= 0 || proc_stat_start(pid, &start, &state, NULL) < 0)
		return false;
	return state != 'Z' && state != 'X';
}

int pidfd_open_pid(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int pidfd_alive(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r = poll(&p, 1, 0);

	/* a pidfd turns readable when its process has exited, a zombie included (a signal 0
	 * still reaches a zombie: an epoll on the pidfd would fire again and again) */
	if (r >= 0)
		return r == 0;
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}
