/* Reading files of one cgroup and walking its ancestors and descendants. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup_internal.h"
#include "common/cleanup.h"
#include "common/fileio.h"

/* Deeper cgroup trees are refused rather than walked (each level costs a stack frame). */
#define CG_MAX_DEPTH 64

int cg_error_pass(struct lx_error *err, const struct lx_error *local)
{
	if (err)
		*err = *local;
	return -1;
}

int cg_relpath(const char *path, char *out, size_t outsz, struct lx_error *err)
{
	const char *s = path;
	size_t len = 0;

	if (!path || path[0] != '/')
		return lx_error_set(err, EINVAL, "cgroup path `%s` is not absolute",
				    path ? path : "(null)");
	while (*s) {
		const char *e;
		size_t n;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		e = strchrnul(s, '/');
		n = e - s;
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return lx_error_set(err, EINVAL, "cgroup path `%s` contains `..`", path);
		if (!(n == 1 && s[0] == '.')) {
			if (len + 1 + n + 1 > outsz)
				return lx_error_set(err, ENAMETOOLONG, "cgroup path `%.64s...`",
						    path);
			if (len)
				out[len++] = '/';
			memcpy(out + len, s, n);
			len += n;
		}
		s = e;
	}
	if (!len) {
		if (outsz < 2)
			return lx_error_set(err, ENAMETOOLONG, "cgroup path");
		out[len++] = '.';
	}
	out[len] = '\0';
	return 0;
}

bool cg_have(const struct cg_layout *l, const struct cg_paths *p, enum cg_ctrl c)
{
	return (unsigned)c < CG_NR && l->version[c] && l->fd[c] >= 0 && p && p->path[c];
}

int cg_dir_open(const struct cg_layout *l, const struct cg_paths *p, enum cg_ctrl c,
		struct cg_dir *d, struct lx_error *err)
{
	struct stat st;

	if ((unsigned)c >= CG_NR || !l->version[c] || l->fd[c] < 0)
		return lx_error_set(err, ENOENT, "the %s cgroup controller is not mounted",
				    cg_ctrl_name(c));
	if (!p || !p->path[c])
		return lx_error_set(err, ENOENT, "the process has no %s cgroup", cg_ctrl_name(c));
	d->fd = l->fd[c];
	d->version = l->version[c];
	d->ctrl = cg_ctrl_name(c);
	d->cache = p->cache;
	if (cg_relpath(p->path[c], d->rel, sizeof(d->rel), err) < 0)
		return -1;
	if (d->cache) /* held files fail by themselves once the cgroup is gone */
		return 0;
	if (fstatat(d->fd, d->rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return lx_error_set(err, errno, "%s cgroup `%s`", d->ctrl, p->path[c]);
	if (!S_ISDIR(st.st_mode))
		return lx_error_set(err, ENOTDIR, "%s cgroup `%s`", d->ctrl, p->path[c]);
	return 0;
}

bool cg_dir_up(struct cg_dir *d)
{
	char *slash;

	if (strcmp(d->rel, ".") == 0)
		return false;
	slash = strrchr(d->rel, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(d->rel, ".");
	return true;
}

int cg_join(const struct cg_dir *d, const char *name, char *buf, size_t bufsz, struct lx_error *err)
{
	int n = strcmp(d->rel, ".") == 0 ? snprintf(buf, bufsz, "%s", name)
					 : snprintf(buf, bufsz, "%s/%s", d->rel, name);

	if (n < 0 || (size_t)n >= bufsz)
		return lx_error_set(err, ENAMETOOLONG, "%s: `%s/%s`", d->ctrl, d->rel, name);
	return 0;
}

/* 0 when d/path exists, else -errno; through the cache when d has one. */
static int probe(const struct cg_dir *d, const char *path)
{
	struct stat st;
	bool owned;
	int fd;

	if (!d->cache)
		return fstatat(d->fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
	fd = cg_fdcache_get(d->cache, d->fd, path, &owned);
	if (owned)
		close(fd);
	return fd < 0 ? fd : 0;
}

bool cg_has_file(const struct cg_dir *d, const char *file)
{
	char path[PATH_MAX];

	return cg_join(d, file, path, sizeof(path), NULL) == 0 && probe(d, path) == 0;
}

/* A read of a held fd failed: drop it from the cache (or close it, when it was ours only);
 * the error, ENODEV (the cgroup was removed) said as ENOENT. */
static int held_read_failed(const struct cg_dir *d, const char *path, int fd, bool owned,
			    struct lx_error *err)
{
	int e = errno == ENODEV ? ENOENT : errno;

	if (owned)
		close(fd);
	else
		cg_fdcache_drop(d->cache, d->fd, path);
	return lx_error_set(err, e, "read `%s`", path);
}

/* Read a held fd from offset 0 (cgroupfs regenerates the text there). */
static int read_cached(const struct cg_dir *d, const char *path, struct strbuf *sb,
		       struct lx_error *err)
{
	bool owned;
	int fd = cg_fdcache_get(d->cache, d->fd, path, &owned);
	ssize_t n;

	if (fd < 0)
		return lx_error_set(err, -fd, "open `%s`", path);
	n = pread_whole(fd, sb);
	if (n < 0)
		return held_read_failed(d, path, fd, owned, err);
	if (owned)
		close(fd);
	return (int)n;
}

int cg_read(const struct cg_dir *d, const char *file, struct strbuf *sb, struct lx_error *err)
{
	char path[PATH_MAX];
	int n;

	if (cg_join(d, file, path, sizeof(path), err) < 0)
		return -1;
	sb_reset(sb);
	n = d->cache ? read_cached(d, path, sb, err) : read_file_at(d->fd, path, sb, err);
	if (n < 0)
		return lx_error_wrap(err, "%s", d->ctrl);
	if (n > 0 && sb->buf[n - 1] != '\n')
		return lx_error_set(err, EINVAL, "%s: `%s`: truncated (no final newline)", d->ctrl,
				    path);
	if (n > 0 && strlen(sb->buf) != (size_t)n)
		return lx_error_set(err, EINVAL, "%s: `%s`: NUL byte in text", d->ctrl, path);
	return n;
}

int cg_read_small(const struct cg_dir *d, const char *file, char *buf, size_t size, size_t room,
		  struct lx_error *err)
{
	char path[PATH_MAX];
	bool owned;
	ssize_t n;
	int fd;

	if (!d->cache || size < room + 2)
		return CG_READ_SLOW;
	if (cg_join(d, file, path, sizeof(path), err) < 0)
		return -1;
	fd = cg_fdcache_get(d->cache, d->fd, path, &owned);
	if (fd < 0) {
		lx_error_set(err, -fd, "open `%s`", path);
		return lx_error_wrap(err, "%s", d->ctrl);
	}
	do
		n = pread(fd, buf, size - 1, 0); /* from 0: cgroupfs makes the text anew */
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		held_read_failed(d, path, fd, owned, err);
		return lx_error_wrap(err, "%s", d->ctrl);
	}
	if (owned)
		close(fd);
	if ((size_t)n + room > size - 1)
		return CG_READ_SLOW;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] != '\n')
		return lx_error_set(err, EINVAL, "%s: `%s`: truncated (no final newline)", d->ctrl,
				    path);
	if (n > 0 && strlen(buf) != (size_t)n)
		return lx_error_set(err, EINVAL, "%s: `%s`: NUL byte in text", d->ctrl, path);
	return (int)n;
}

int cg_read_u64(const struct cg_dir *d, const char *file, uint64_t *out, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char small[64];
	const char *text = small;
	/* one number a line: a read that leaves a byte of the buffer unused got all of it */
	int n = cg_read_small(d, file, small, sizeof(small), 1, err);

	if (n == CG_READ_SLOW) {
		n = cg_read(d, file, &sb, err);
		text = sb.buf;
	}
	if (n < 0)
		return -1;
	if (n == 0)
		return lx_error_set(err, EINVAL, "%s: `%s/%s`: empty", d->ctrl, d->rel, file);
	if (parse_u64(text, out) < 0)
		return lx_error_set(
		    err, EINVAL, "%s: `%s/%s`: not a number: `%.*s`", d->ctrl, d->rel, file,
		    (int)strcspn(text, "\n") < 32 ? (int)strcspn(text, "\n") : 32, text);
	return 0;
}

uint64_t cg_limit(uint64_t v)
{
	/* v1 reports "no limit" as PAGE_COUNTER_MAX * PAGE_SIZE: LONG_MAX rounded down to a page,
	 * 9223372036854771712 with 4 KiB pages, lower with 64 KiB pages. */
	uint64_t thr = 9223372036854771712ULL;
	long ps = sysconf(_SC_PAGESIZE);

	if (ps > 0 && (uint64_t)INT64_MAX / ps * ps < thr)
		thr = (uint64_t)INT64_MAX / ps * ps;
	return v >= thr ? CG_UNLIMITED : v;
}

int cg_min_up(const struct cg_dir *d, const char *file, bool need_leaf, uint64_t *out,
	      struct lx_error *err)
{
	struct cg_dir w = *d;
	uint64_t min = CG_UNLIMITED;
	bool leaf = true;

	do {
		struct lx_error e = {0, ""};
		uint64_t v;

		if (cg_read_u64(&w, file, &v, &e) == 0) {
			v = cg_limit(v);
			if (v < min)
				min = v;
		} else if (e.code != ENOENT || (leaf && need_leaf)) {
			return cg_error_pass(err, &e);
		}
		leaf = false;
	} while (cg_dir_up(&w));
	*out = min;
	return 0;
}

int cg_find_up(struct cg_dir *d, const char *file, struct lx_error *err)
{
	struct cg_dir w = *d;

	for (;;) {
		char path[PATH_MAX];
		int r;

		if (cg_join(&w, file, path, sizeof(path), err) < 0)
			return -1;
		r = probe(&w, path);
		if (r == 0) {
			strcpy(d->rel, w.rel);
			return 0;
		}
		if (r != -ENOENT)
			return lx_error_set(err, -r, "%s: `%s`", w.ctrl, path);
		if (!cg_dir_up(&w))
			return lx_error_set(err, ENOENT, "%s: no `%s` in `%s` or its ancestors",
					    d->ctrl, file, d->rel);
	}
}

int cg_parse_keys(const char *text, const struct cg_key *keys, size_t n, const char *what,
		  struct lx_error *err)
{
	const char *s = text;
	unsigned lineno = 0;
	bool seen[CG_MAX_KEYS] = {false};
	size_t klen[CG_MAX_KEYS];

	if (n > CG_MAX_KEYS)
		return lx_error_set(err, E2BIG, "%s: too many keys", what);
	/* once, not per line: memory.stat has about 70 lines (the sysinfo agent reads it at
	 * every call) */
	for (size_t i = 0; i < n; i++)
		klen[i] = strlen(keys[i].key);
	if (!*s)
		return lx_error_set(err, EINVAL, "%s: empty", what);
	while (*s) {
		const char *eol = strchrnul(s, '\n'), *sp = memchr(s, ' ', eol - s);
		char val[32];
		uint64_t v;
		size_t vlen;

		lineno++;
		if (!sp || sp == s || (vlen = eol - sp - 1) == 0 || vlen >= sizeof(val))
			return lx_error_set(err, EINVAL, "%s: line %u malformed", what, lineno);
		memcpy(val, sp + 1, vlen);
		val[vlen] = '\0';
		if (val[0] < '0' || val[0] > '9' || parse_u64(val, &v) < 0)
			return lx_error_set(err, EINVAL, "%s: line %u: bad number", what, lineno);
		for (size_t i = 0; i < n; i++)
			if (klen[i] == (size_t)(sp - s) && keys[i].key[0] == *s &&
			    memcmp(keys[i].key, s, sp - s) == 0) {
				*keys[i].out = v;
				seen[i] = true;
			}
		s = *eol ? eol + 1 : eol;
	}
	for (size_t i = 0; i < n; i++)
		if (keys[i].need && !seen[i])
			return lx_error_set(err, EINVAL, "%s: no `%s` line", what, keys[i].key);
	return 0;
}

static int walk(struct cg_dir *w, cg_visit_fn fn, void *arg, int depth, struct lx_error *err)
{
	__closedir DIR *dir = NULL;
	struct lx_error e = {0, ""};
	struct dirent *de;
	size_t base = strlen(w->rel);
	bool top = depth == 0, root = strcmp(w->rel, ".") == 0;
	int dfd;

	if (fn(w, arg, &e) < 0) {
		if (!top && e.code == ENOENT) /* removed while we walked */
			return 0;
		return cg_error_pass(err, &e);
	}
	dfd = openat(w->fd, w->rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		if (!top && errno == ENOENT)
			return 0;
		return lx_error_set(err, errno, "%s: open `%s`", w->ctrl, w->rel);
	}
	if (!(dir = fdopendir(dfd))) {
		close(dfd);
		return lx_error_set(err, errno, "%s: list `%s`", w->ctrl, w->rel);
	}
	while ((errno = 0, de = readdir(dir))) {
		const char *name = de->d_name;
		bool isdir = de->d_type == DT_DIR;
		int r;

		if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
			continue;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;

			isdir = fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				S_ISDIR(st.st_mode);
		}
		if (!isdir)
			continue;
		if (depth + 1 >= CG_MAX_DEPTH)
			return lx_error_set(err, ELOOP, "%s: `%s`: cgroup tree deeper than %d",
					    w->ctrl, w->rel, CG_MAX_DEPTH);
		if (root)
			r = snprintf(w->rel, sizeof(w->rel), "%s", name);
		else
			r = snprintf(w->rel + base, sizeof(w->rel) - base, "/%s", name);
		if (r < 0 || (size_t)r >= sizeof(w->rel) - (root ? 0 : base))
			return lx_error_set(err, ENAMETOOLONG, "%s: a cgroup below `%.256s`",
					    w->ctrl, root ? "/" : w->rel);
		r = walk(w, fn, arg, depth + 1, err);
		if (root)
			strcpy(w->rel, ".");
		else
			w->rel[base] = '\0';
		if (r < 0)
			return -1;
	}
	if (errno)
		return lx_error_set(err, errno, "%s: list `%s`", w->ctrl, w->rel);
	return 0;
}

int cg_walk_tree(const struct cg_dir *d, cg_visit_fn fn, void *arg, struct lx_error *err)
{
	struct cg_dir w = *d;

	return walk(&w, fn, arg, 0, err);
}
