/* Where the toolkit's log lines go: --log FILE (appended) when given; otherwise stderr, and
 * also syslog when stderr is not a terminal (hooks run with stderr captured by the runtime). */
#ifndef TK_REPORT_H
#define TK_REPORT_H

#include "common/error.h"
#include "common/log.h"

int tk_report_open(const char *ident, const char *logfile, struct lx_error *err);

/* Log through lx_log and, when stderr is not a terminal and no log file is set, syslog. */
void tk_report(enum lx_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Only to the log file / syslog (main already printed the line on stderr). */
void tk_report_logonly(enum lx_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
