/* Logging: stderr (foreground), syslog (daemonized) or an appended file. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include "error.h"

enum lx_log_level { LX_LOG_ERROR, LX_LOG_WARN, LX_LOG_INFO, LX_LOG_DEBUG };
enum lx_log_target { LX_LOG_STDERR, LX_LOG_SYSLOG, LX_LOG_FILE };

/* ident names the program in syslog and file lines. path is used for LX_LOG_FILE: appended
 * to, created when missing; it must be a regular file (not a symlink, FIFO or device) and not
 * one of a kernel interface (procfs, sysfs, cgroupfs, debugfs, ...): see open_regular_at. */
int lx_log_open(const char *ident, enum lx_log_target target, const char *path,
		struct lx_error *err);
/* Open the log file again (after a rotation); 0 when not logging to a file. */
int lx_log_reopen(void);
void lx_log_set_level(enum lx_log_level level);
int lx_log_enabled(enum lx_log_level level);
void lx_log(enum lx_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log at most once per `interval` seconds for the same key (hashed into a small table). */
void lx_log_ratelimited(enum lx_log_level level, const char *key, int interval, const char *fmt,
			...) __attribute__((format(printf, 4, 5)));

#define log_error(...) lx_log(LX_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  lx_log(LX_LOG_WARN, __VA_ARGS__)
#define log_info(...)  lx_log(LX_LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (lx_log_enabled(LX_LOG_DEBUG))                                                  \
			lx_log(LX_LOG_DEBUG, __VA_ARGS__);                                         \
	} while (0)

#endif
