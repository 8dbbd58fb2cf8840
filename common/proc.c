#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

int proc_pidns_ino(pid_t pid, uint64_t *ino, struct lx_error *err)
{
	char path[64], link[64], *end;
	ssize_t n;

	/* readlink gives "pid:[INODE]" without instantiating the nsfs inode a stat would */
	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/pid");
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return lx_error_set(err, errno, "readlink `%s`", path);
	link[n] = '\0';
	if (strncmp(link, "pid:[", 5) != 0)
		return lx_error_set(err, EINVAL, "`%s` points to `%s`", path, link);
	errno = 0;
	*ino = strtoull(link + 5, &end, 10);
	if (errno || *end != ']')
		return lx_error_set(err, EINVAL, "`%s` points to `%s`", path, link);
	return 0;
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

int proc_stat_start(pid_t pid, uint64_t *start_ticks, char *state, struct lx_error *err)
{
	char path[64], buf[1024];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small(path, buf, sizeof(buf), err) < 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return lx_error_set(err, EINVAL, "unexpected format of `%s`", path);
	p += 2;
	if (state)
		*state = *p;
	/* p is at field 3 (state); starttime is field 22 */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return lx_error_set(err, EINVAL, "unexpected format of `%s`", path);
		p++;
	}
	*start_ticks = strtoull(p, NULL, 10);
	return 0;
}

int pidfd_open_pid(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int pidfd_alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}
