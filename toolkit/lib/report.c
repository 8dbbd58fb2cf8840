#include "report.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

static bool to_file, to_syslog;

int tk_report_open(const char *ident, const char *logfile, struct lx_error *err)
{
	if (logfile && *logfile) {
		if (lx_log_open(ident, LX_LOG_FILE, logfile, err) < 0)
			return -1;
		to_file = true;
		return 0;
	}
	if (lx_log_open(ident, LX_LOG_STDERR, NULL, err) < 0)
		return -1;
	if (!isatty(STDERR_FILENO)) {
		openlog(ident, LOG_PID, LOG_DAEMON);
		to_syslog = true;
	}
	return 0;
}

static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

static void vreport(enum lx_log_level level, bool to_log, const char *fmt, va_list ap)
{
	char line[2 * LX_ERR_MSG_MAX]; /* a message and its context */

	vsnprintf(line, sizeof(line), fmt, ap);
	if (to_log)
		lx_log(level, "%s", line);
	if (to_syslog && lx_log_enabled(level))
		syslog(prio[level], "%s", line);
}

void tk_report(enum lx_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(level, true, fmt, ap);
	va_end(ap);
}

void tk_report_logonly(enum lx_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(level, to_file, fmt, ap);
	va_end(ap);
}
