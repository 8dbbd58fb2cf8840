/* Going into the background with the parent waiting for the child's word: the parent exits
 * only once the child says whether it came up (or dies), so whoever started the program learns
 * the outcome, and a failure's reason, from the parent. */
#ifndef COMMON_DAEMONIZE_H
#define COMMON_DAEMONIZE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* What the child said. */
struct lx_bg_word {
	bool told; /* it said something (else it ended without a word) */
	bool ok;
	char msg[LX_ERR_MSG_MAX]; /* its reason when !ok, "" when none */
};

/* Fork. The child, in a session of its own, gets 0 and *tell_fd for lx_bg_tell. The parent
 * waits until the child has told it or ended, and gets the child's pid with *word filled.
 * -1 with err when there is no child. */
pid_t lx_background(int *tell_fd, struct lx_bg_word *word, struct lx_error *err);

/* In the child: tell the waiting parent (once: *tell_fd is closed and -1 afterwards; nothing
 * happens when it is -1 already, or when the parent is gone). */
void lx_bg_tell(int *tell_fd, bool ok, const char *msg);

/* stdin, stdout and stderr to /dev/null: a daemon's logs go to syslog or a file. */
void lx_bg_detach_stdio(void);

#endif
