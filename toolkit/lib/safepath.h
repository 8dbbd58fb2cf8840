/* Resolving paths inside a container's root without ever leaving it: no symlink is followed
 * and ".." cannot climb out. Mount targets are opened this way, then mounted through their fd. */
#ifndef TK_SAFEPATH_H
#define TK_SAFEPATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

/* Open `rel` (relative, e.g. "proc/meminfo") below the directory `rootfd` with
 * O_PATH|O_NOFOLLOW|O_CLOEXEC semantics: openat2(RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS|
 * RESOLVE_NO_MAGICLINKS), falling back to tk_open_walk() where openat2 is missing.
 * A symlink anywhere on the way fails with ELOOP. Returns the fd or -1. */
int tk_open_in_root(int rootfd, const char *rel, struct lx_error *err);

/* The fallback: walk component by component with O_PATH|O_NOFOLLOW, refusing symlinks
 * (ELOOP) and ".." (EXDEV). Exposed for tests. */
int tk_open_walk(int rootfd, const char *rel, struct lx_error *err);

/* Create the directories of `rel` below rootfd that are missing (mode 0755), never following
 * a symlink; returns an O_PATH fd of the last one. */
int tk_mkdir_in_root(int rootfd, const char *rel, struct lx_error *err);

/* mkdir -p on the host: parents 0755, the last one with `mode`. */
int tk_mkdir_p(const char *path, mode_t mode, struct lx_error *err);

/* A container id or registry key: 1..128 of [A-Za-z0-9_.-], starting alphanumeric
 * (so never "." or ".." and never containing "/"). */
bool tk_id_valid(const char *id);

#endif
