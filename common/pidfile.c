#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
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
	char buf[64];
	int n = snprintf(buf, 32, "%d\n", pid), w = n;
	struct stat st;

	/* never empty or torn, not even for a moment: a reader (the watchdog, check-lxcfs)
	 * sees the old pid or the new one; over a longer old pid, newlines until the truncate */
	if (fstat(fd, &st) == 0 && st.st_size > n && st.st_size < (off_t)sizeof(buf)) {
		memset(buf + n, '\n', st.st_size - n);
		w = (int)st.st_size;
	}
	if (pwrite(fd, buf, w, 0) != w || ftruncate(fd, n) < 0)
		return lx_error_set(err, errno, "write pidfile");
	return 0;
}

int pidfile_read(const char *path, pid_t *pid, struct lx_error *err)
{
	/* a read that races a rewrite can see it half done (a file's reads and writes are not
	 * atomic to each other): a longer pid written over a shorter one can read as the new
	 * digits up to the old size ("12" of 1234567 over "7\n": the page is copied before the
	 * size grows). Every write ends with a newline: text without one is read again, a few
	 * times before it is called garbage */
	for (int k = 0;; k++) {
		__sbfree struct strbuf sb = STRBUF_INIT;
		struct timespec ts = {0, 1000 * 1000};

		if (read_file_at(AT_FDCWD, path, &sb, err) < 0)
			return lx_error_wrap(err, "pidfile");
		if (sb.buf && sb.len > 0 && sb.buf[sb.len - 1] == '\n' &&
		    lx_parse_pid(sb.buf, pid) == 0)
			return 0;
		if (k == 4)
			return lx_error_code(err, EINVAL, "pidfile `%s` holds no pid", path);
		nanosleep(&ts, NULL);
	}
}
