/* An error carried up to the caller: errno plus a message naming what failed.
 * Functions that can fail take `struct lx_error *err` last and return a negative
 * number; only main() (or the FUSE boundary) prints it. */
#ifndef COMMON_ERROR_H
#define COMMON_ERROR_H

#include <stddef.h>

struct lx_error {
	int code;	/* errno value, 0 when none */
	char msg[1024]; /* "what failed: `path`: strerror" */
};

/* Fill err (may be NULL) with errnum and a formatted message; returns -1.
 * When errnum != 0 ": strerror(errnum)" is appended. */
int lx_error_set(struct lx_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

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
