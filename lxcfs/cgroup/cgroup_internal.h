/* Helpers shared by the cgroup reader's files (lxcfs/cgroup/cgroup*.c) only. */
#ifndef LXCFS_CGROUP_INTERNAL_H
#define LXCFS_CGROUP_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup/cgroup.h"
#include "common/strbuf.h"

/* One cgroup directory of one hierarchy: the hierarchy fd (borrowed from the layout) and the
 * cgroup's path relative to it ("a/b", or "." for the hierarchy root). */
struct cg_dir {
	int fd;
	int version;
	const char *ctrl;	  /* controller name for messages */
	struct cg_fdcache *cache; /* from the cg_paths, or NULL */
	char rel[PATH_MAX];
};

/* The fd of dirfd/path (O_RDONLY|O_NOFOLLOW): from the cache, or opened now and kept there
 * when there is room (negative results are kept too). Returns the fd, or -errno. *owned is
 * set when the caller must close it (not cached). c may be NULL: then always opened. */
int cg_fdcache_get(struct cg_fdcache *c, int dirfd, const char *path, bool *owned);
/* Forget dirfd/path (its fd failed: the cgroup went away). */
void cg_fdcache_drop(struct cg_fdcache *c, int dirfd, const char *path);

/* "/a/b" -> "a/b", "/" -> "."; empty components and "." are dropped; ".." or a path not
 * starting with '/' is EINVAL. */
int cg_relpath(const char *path, char *out, size_t outsz, struct lx_error *err);

/* The cgroup of controller c for the process whose paths are p. ENOENT when the controller is
 * not mounted, the process has no line for it, or the directory is gone (cgroup deleted). */
int cg_dir_open(const struct cg_layout *l, const struct cg_paths *p, enum cg_ctrl c,
		struct cg_dir *d, struct lx_error *err);
/* Whether the controller is mounted and the process has a path for it. */
bool cg_have(const struct cg_layout *l, const struct cg_paths *p, enum cg_ctrl c);
/* Move d to its parent; false (d unchanged) at the hierarchy root. */
bool cg_dir_up(struct cg_dir *d);
/* Build "rel/name" into buf (just name at the root); ENAMETOOLONG error when it does not fit. */
int cg_join(const struct cg_dir *d, const char *name, char *buf, size_t bufsz,
	    struct lx_error *err);

/* Whether d/file exists. */
bool cg_has_file(const struct cg_dir *d, const char *file);
/* Read d/file into sb (reset first); returns its length. Missing file: code ENOENT. Content
 * that does not end in a newline is truncated: EINVAL. */
int cg_read(const struct cg_dir *d, const char *file, struct strbuf *sb, struct lx_error *err);
/* The same into buf (NUL-terminated), through d's held fd, without the heap: for files read at
 * every call (the sysinfo agent's). Its length; -1 with err as cg_read; CG_READ_SLOW when d
 * holds no fds or the text may not be whole (fewer than room bytes of buf left after it: a
 * seq_file read stops at a record that does not fit): then read it with cg_read. */
#define CG_READ_SLOW (-2)
int cg_read_small(const struct cg_dir *d, const char *file, char *buf, size_t size, size_t room,
		  struct lx_error *err);
/* A file holding one number ("max" reads as CG_UNLIMITED). Empty or garbage: EINVAL. */
int cg_read_u64(const struct cg_dir *d, const char *file, uint64_t *out, struct lx_error *err);
/* Limits at or above the page-rounded LONG_MAX of cgroup v1 mean "no limit". */
uint64_t cg_limit(uint64_t v);
/* The minimum of a limit file over d and its ancestors (CG_UNLIMITED when none). A level
 * without the file has no limit there, except d itself when need_leaf (ENOENT error). */
int cg_min_up(const struct cg_dir *d, const char *file, bool need_leaf, uint64_t *out,
	      struct lx_error *err);
/* Move d up to the nearest ancestor-or-self holding file (cgroup v2: the nearest cgroup with
 * the controller enabled). ENOENT error when no level has it. */
int cg_find_up(struct cg_dir *d, const char *file, struct lx_error *err);

/* "key value" lines (memory.stat, cpu.stat, cpuacct.stat): every line must be a key, one blank
 * and a decimal number; the values of the listed keys (at most CG_MAX_KEYS) are stored, missing
 * keys leave *out alone. EINVAL error naming `what` on empty or malformed text, or when a key
 * marked `need` is missing (the kernel always prints it: the file was cut short). */
#define CG_MAX_KEYS 32
struct cg_key {
	const char *key;
	uint64_t *out;
	bool need;
};
int cg_parse_keys(const char *text, const struct cg_key *keys, size_t n, const char *what,
		  struct lx_error *err);

/* Call fn for d and then every descendant directory (depth first). rel is relative to dirfd
 * (the hierarchy fd). A descendant removed during the walk is skipped; d itself gone is ENOENT. */
typedef int (*cg_visit_fn)(const struct cg_dir *d, void *arg, struct lx_error *err);
int cg_walk_tree(const struct cg_dir *d, cg_visit_fn fn, void *arg, struct lx_error *err);

/* Copy a local error into err (which may be NULL); returns -1. */
int cg_error_pass(struct lx_error *err, const struct lx_error *local);

#endif
