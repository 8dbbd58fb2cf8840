#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fileio.h"

static enum lx_log_target log_target = LX_LOG_STDERR;
static enum lx_log_level log_level = LX_LOG_INFO;
static int log_fd = -1;
static const char *log_ident = "lxcfs";
static char log_path[4096];

static const char *const level_names[] = {"error", "warning", "info", "debug"};
static const int syslog_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

int lx_log_open(const char *ident, enum lx_log_target target, const char *path,
		struct lx_error *err)
{
	log_ident = ident;
	if (target == LX_LOG_FILE) {
		/* a regular file of a real file system, never through a final symlink: a log
		 * line written to /proc/sys/kernel/hostname renamed the machine, and a FIFO
		 * without a reader blocked the open */
		int fd = open_regular_at(AT_FDCWD, path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW,
					 0640, true, err);

		if (fd < 0)
			return lx_error_wrap(err, "log file");
		if (log_fd >= 0) {
			/* other threads may be writing: replace the file under the same number */
			dup3(fd, log_fd, O_CLOEXEC);
			close(fd);
		} else {
			log_fd = fd;
		}
		if (path != log_path)
			snprintf(log_path, sizeof(log_path), "%s", path);
	} else if (target == LX_LOG_SYSLOG) {
		openlog(ident, LOG_PID | LOG_CONS, LOG_DAEMON);
	}
	log_target = target;
	return 0;
}

int lx_log_reopen(void)
{
	if (log_target != LX_LOG_FILE || !log_path[0])
		return 0;
	return lx_log_open(log_ident, LX_LOG_FILE, log_path, NULL);
}

void lx_log_set_level(enum lx_log_level level)
{
	log_level = level;
}

int lx_log_enabled(enum lx_log_level level)
{
	return level <= log_level;
}

static void vlog(enum lx_log_level level, const char *fmt, va_list ap)
{
	char line[2 * LX_ERR_MSG_MAX]; /* a message and its context */
	int n = 0, saved = errno;

	if (level > log_level)
		return;
	if (log_target == LX_LOG_SYSLOG) {
		vsyslog(syslog_prio[level], fmt, ap);
		errno = saved;
		return;
	}
	if (log_target == LX_LOG_FILE) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
		n += snprintf(line + n, sizeof(line) - n, "%s[%d]: ", log_ident, getpid());
	} else {
		n = snprintf(line, sizeof(line), "%s: ", log_ident);
	}
	n += snprintf(line + n, sizeof(line) - n, "%s: ", level_names[level]);
	if ((size_t)n < sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(log_target == LX_LOG_FILE ? log_fd : STDERR_FILENO, line, n) < 0) {
		/* nowhere left to report a failed log write */
	}
	errno = saved;
}

void lx_log(enum lx_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

#define RL_SLOTS 256
static struct {
	uint64_t hash;
	time_t last;
} rl_table[RL_SLOTS];
static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;

void lx_log_ratelimited(enum lx_log_level level, const char *key, int interval, const char *fmt,
			...)
{
	uint64_t h = 1469598103934665603ULL;
	time_t now;
	int emit = 0;
	va_list ap;

	if (level > log_level)
		return;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	now = (time_t)(lx_now_ms() / 1000);
	pthread_mutex_lock(&rl_lock);
	if (rl_table[h % RL_SLOTS].hash != h || now - rl_table[h % RL_SLOTS].last >= interval) {
		rl_table[h % RL_SLOTS].hash = h;
		rl_table[h % RL_SLOTS].last = now;
		emit = 1;
	}
	pthread_mutex_unlock(&rl_lock);
	if (!emit)
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}
