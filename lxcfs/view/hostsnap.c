/* A host file's text shared by every worker thread (see hostsnap.h).
 *
 * Two copies; `cur` names the published one. A reader counts itself in on a copy, then checks
 * that it is still the published one before touching it (else it counts itself out and looks
 * again), copies the text out and counts itself out. The single refreshing thread (the
 * `refreshing` flag) reads the file, and writes the other copy only when nobody is counted in
 * on it: a reader that counts in afterwards sees `cur` unchanged and never touches it. Then it
 * publishes by storing `cur`. All atomics are sequentially consistent. */
#include "view/hostsnap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fileio.h"

struct copy {
	char *text;
	size_t len, cap;
	int64_t ms; /* CLOCK_MONOTONIC when its read began */
};

struct host_snap {
	char *path;
	int fd; /* used by the refreshing thread only; -1: open at the next refresh */
	unsigned ttl_ms;
	atomic_int cur;		/* the published copy, or -1 before the first */
	atomic_uint readers[2]; /* threads counted in on each copy */
	atomic_bool refreshing;
	struct copy c[2];
};

struct host_snap *host_snap_new(const char *path, unsigned ttl_ms)
{
	struct host_snap *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->path = strdup(path);
	if (!s->path) {
		free(s);
		return NULL;
	}
	s->fd = -1;
	s->ttl_ms = ttl_ms;
	atomic_init(&s->cur, -1);
	atomic_init(&s->readers[0], 0);
	atomic_init(&s->readers[1], 0);
	atomic_init(&s->refreshing, false);
	return s;
}

void host_snap_free(struct host_snap *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->c[0].text);
	free(s->c[1].text);
	free(s->path);
	free(s);
}

/* Append the published copy when it is young enough (or any_age): 1 done, 0 none or too old
 * (sb unchanged), -1 out of memory (err set). */
static int serve(struct host_snap *s, struct strbuf *sb, int64_t now, bool any_age,
		 struct lx_error *err)
{
	for (int tries = 0; tries < 8; tries++) {
		int i = atomic_load(&s->cur), r = 0;

		if (i < 0)
			return 0;
		atomic_fetch_add(&s->readers[i], 1);
		if (atomic_load(&s->cur) != i) { /* replaced meanwhile: look again */
			atomic_fetch_sub(&s->readers[i], 1);
			continue;
		}
		if (any_age || now - s->c[i].ms < (int64_t)s->ttl_ms)
			r = sb_append(sb, s->c[i].text, s->c[i].len) < 0 ? -1 : 1;
		atomic_fetch_sub(&s->readers[i], 1);
		return r < 0 ? lx_error_set(err, ENOMEM, "`%s`", s->path) : r;
	}
	return 0;
}

/* As the refreshing thread: read the file into sb and publish it. 0: sb has the new copy;
 * 1: read but not published (a reader is still on the other copy): sb unchanged, serve the
 * published one; -1: error. */
static int refresh(struct host_snap *s, struct strbuf *sb, struct lx_error *err)
{
	size_t start = sb->len, len;
	int64_t t = lx_now_ms();
	int cur, y;
	struct copy *c;

	if (s->fd < 0) {
		s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0)
			return lx_error_set(err, errno, "open `%s`", s->path);
	}
	if (pread_whole(s->fd, sb) < 0) {
		int e = errno;

		close(s->fd);
		s->fd = -1;
		return lx_error_set(err, e, "read `%s`", s->path);
	}
	cur = atomic_load(&s->cur);
	y = cur < 0 ? 0 : !cur;
	len = sb->len - start;
	c = &s->c[y];
	if (atomic_load(&s->readers[y]) != 0)
		goto unpublished;
	if (len + 1 > c->cap) {
		char *p = realloc(c->text, len + 1);

		if (!p)
			goto unpublished;
		c->text = p;
		c->cap = len + 1;
	}
	memcpy(c->text, sb->buf + start, len);
	c->text[len] = '\0';
	c->len = len;
	c->ms = t;
	atomic_store(&s->cur, y);
	return 0;
unpublished:
	/* serving this fresher text now and the published one next could go backwards */
	sb_truncate(sb, start);
	return cur < 0 ? lx_error_set(err, ENOMEM, "`%s`", s->path) : 1;
}

int host_snap_read(struct host_snap *s, struct strbuf *sb, struct lx_error *err)
{
	for (;;) {
		int64_t now = lx_now_ms();
		int r = serve(s, sb, now, false, err);

		if (r != 0)
			return r > 0 ? 0 : -1;
		if (!atomic_exchange(&s->refreshing, true)) {
			r = refresh(s, sb, err);
			atomic_store(&s->refreshing, false);
			if (r <= 0)
				return r;
		}
		/* another thread refreshes, or ours could not publish: the published copy, even
		 * a little past its time, is what stays monotonic */
		r = serve(s, sb, now, true, err);
		if (r != 0)
			return r > 0 ? 0 : -1;
		sched_yield(); /* nothing published yet: the first refresh is under way */
	}
}
