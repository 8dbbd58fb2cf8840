/* An error carried up to the caller: errno plus a message naming what failed.
 * Functions that can fail take `struct lx_error *err` last and return a negative
 * number; only main() (or the FUSE boundary) prints it. Every error has a code: callers tell
 * kinds of failure apart by it (ETIMEDOUT, ENOENT, ...), never by the text, and a code of 0
 * means no error was set. */
#ifndef COMMON_ERROR_H
#define COMMON_ERROR_H

#include <stdbool.h>
#include <stddef.h>

/* Room for a message. Buffers that hold one, or one with some context, are sized from it. */
#define LX_ERR_MSG_MAX 1024

struct lx_error {
	int code;		  /* errno value, 0 when none */
	char msg[LX_ERR_MSG_MAX]; /* "what failed: `path`: strerror" */
};

/* Fill err (may be NULL) with errnum and a formatted message, ": strerror(errnum)"
 * appended; returns -1.
 *   int lx_error_set(struct lx_error *err, int errnum, const char *fmt, ...);
 * The same with the message as given: for a failure whose kind the code names (ETIMEDOUT,
 * EWOULDBLOCK, EINVAL for bad input ...) and whose strerror would add nothing.
 *   int lx_error_code(struct lx_error *err, int code, const char *fmt, ...); */
#define lx_error_set(err, errnum, ...) lx_error_fill(err, errnum, true, __VA_ARGS__)
#define lx_error_code(err, code, ...)  lx_error_fill(err, code, false, __VA_ARGS__)
int lx_error_fill(struct lx_error *err, int code, bool with_strerror, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prefix an existing error with context ("context: old message"); returns -1. */
int lx_error_wrap(struct lx_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void lx_error_clear(struct lx_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

#endif
