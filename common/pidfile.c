#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "parse.h"
#include "strbuf.h"

int pidfile_lock(const char *path, const char *who, struct lx_error *err)
{
	__close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return lx_error_set(err, errno, "open pidfile `%s`", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char buf[32] = "";
		ssize_t n;

		if (errno != EWOULDBLOCK)
			return lx_error_set(err, errno, "lock pidfile `%s`", path);
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		return lx_error_code(err, EWOULDBLOCK, "another %s (pid %s) holds the pidfile `%s`",
				     who, buf[0] ? buf : "unknown", path);
	}
	return steal_fd(fd);
}

int pidfile_write(int fd, pid_t pid, struct lx_error *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", pid);

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, n, 0) != n)
		return lx_error_set(err, errno, "write pidfile");
	return 0;
}

int pidfile_read(const char *path, pid_t *pid, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;

	if (read_file_at(AT_FDCWD, path, &sb, err) < 0)
		return lx_error_wrap(err, "pidfile");
	if (!sb.buf || lx_parse_pid(sb.buf, pid) < 0)
		return lx_error_code(err, EINVAL, "pidfile `%s` holds no pid", path);
	return 0;
}
