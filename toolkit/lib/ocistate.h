/* The OCI state a runtime passes to a hook on stdin, and the rootfs it names. */
#ifndef TK_OCISTATE_H
#define TK_OCISTATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/strbuf.h"

#define TK_STATE_MAX  (1024 * 1024)	 /* bigger state JSON is refused */
#define TK_CONFIG_MAX (16 * 1024 * 1024) /* and a bigger bundle config.json */

struct tk_state {
	char id[129];
	char name[256]; /* from a known annotation, else "" */
	pid_t pid;	/* 0 when absent (poststop) */
	char bundle[PATH_MAX];
	char status[32];
	char root[PATH_MAX]; /* iSulad/lcr "root" field, "" when absent */
};

/* Parse state JSON. Requires an object with a valid id; pid must be a positive integer when
 * present. */
int tk_state_parse(const char *text, size_t len, struct tk_state *st, struct lx_error *err);

/* Read all of fd (stdin) into sb, failing when it exceeds max bytes (EFBIG) or does not end
 * within timeout_ms (ETIMEDOUT, "stdin did not end within Ns"). */
int tk_read_limited(int fd, size_t max, int timeout_ms, struct strbuf *sb, struct lx_error *err);

/* root.path of a bundle's config.json text, made absolute against bundle. */
int tk_config_rootfs(const char *config_json, const char *bundle, char *out, size_t outsz,
		     struct lx_error *err);

/* The container rootfs: st->root when given, else root.path of BUNDLE/config.json (a regular
 * file, not a symlink, of at most TK_CONFIG_MAX bytes). When the state gives both a root and
 * a bundle with a config.json, that file's rootfs goes to expect (the root must be that
 * directory: tk_inject checks it where the paths resolve), else expect is "". */
int tk_state_rootfs(const struct tk_state *st, char *out, size_t outsz, char *expect,
		    size_t expectsz, struct lx_error *err);

#endif
