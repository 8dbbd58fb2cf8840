/* The INI config file shared by the daemon (section [lxcfs]) and the toolkit ([toolkit]): read
 * whole and checked first, then parsed by libinih from memory one line at a time, so that both
 * programs follow the same rules. libinih cuts a line longer than its buffer and parses the
 * rest as a line of its own (the tail of a long comment became a key), and stops a line at a
 * NUL byte: such a file is refused instead, with the line it happens on. */
#ifndef COMMON_CONFFILE_H
#define COMMON_CONFFILE_H

#include <stdbool.h>

#include "error.h"

/* bytes in a config file, and in one of its lines without the newline: libinih's line buffer
 * (200) less the newline and the NUL */
#define LX_CONF_MAX_SIZE (1024 * 1024)
#define LX_CONF_MAX_LINE 198

/* One key: 0, or -1 with err's code and message (lx_conf_parse puts "PATH:LINE: " before it;
 * EINVAL for a bad key or value). section is "" before the first [section]. */
typedef int (*lx_conf_fn)(void *user, const char *section, const char *key, const char *value,
			  struct lx_error *err);

/* Parse the config file path: a regular file (a symlink is followed) of at most
 * LX_CONF_MAX_SIZE bytes, or /dev/null (no settings), with no NUL byte and no line over
 * LX_CONF_MAX_LINE bytes, all checked before any key is given to fn. Keys go to fn in file
 * order; the first error ends the parse. Returns 1 when the file was parsed, 0 when it does not
 * exist and !must_exist, -1 otherwise: "PATH:LINE: message" for the content (EINVAL, or the
 * code fn gave), "config file: ..." for the file itself (its errno; EINVAL when it is not a
 * regular file or is one of a kernel interface, EFBIG when it is too big). */
int lx_conf_parse(const char *path, bool must_exist, lx_conf_fn fn, void *user,
		  struct lx_error *err);

#endif
