/* /proc/PID/mountinfo: parsing, and the stack of mounts at a path. */
#ifndef COMMON_MOUNTINFO_H
#define COMMON_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

struct lx_mount {
	int id, parent;
	unsigned int major, minor;
	char *root;	  /* path inside the filesystem (unescaped) */
	char *mountpoint; /* relative to the reading process's root (unescaped) */
	char *opts;	  /* per-mount options */
	char *optional;	  /* optional fields, e.g. "shared:3 master:1" ("" when none) */
	char *fstype;
	char *source;
};

struct lx_mounts {
	struct lx_mount *v;
	size_t n;
};

/* Parse mountinfo text; a malformed line fails with its line number. */
int lx_mountinfo_parse(const char *text, struct lx_mounts *out, struct lx_error *err);
/* Read and parse /proc/PID/mountinfo (pid 0: /proc/self/mountinfo). */
int lx_mountinfo_read(pid_t pid, struct lx_mounts *out, struct lx_error *err);
void lx_mounts_free(struct lx_mounts *m);

/* The topmost mount whose mount point is `path`, NULL when none. */
const struct lx_mount *lx_mounts_top(const struct lx_mounts *m, const char *path);
/* The mount directly below `mnt` on the same mount point, NULL when none. */
const struct lx_mount *lx_mounts_below(const struct lx_mounts *m, const struct lx_mount *mnt);
/* "shared:N" in the optional fields */
bool lx_mount_is_shared(const struct lx_mount *mnt);

#endif
