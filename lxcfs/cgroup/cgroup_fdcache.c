/* Held cgroup file fds per container (see cgroup.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cgroup/cgroup_internal.h"

#define CG_FDCACHE_MAX 48

struct cg_fdcache_entry {
	int dirfd;
	int fd; /* -errno when the open failed */
	char *path;
};

struct cg_fdcache {
	size_t n;
	struct cg_fdcache_entry e[CG_FDCACHE_MAX];
};

static size_t held;   /* fds held by every cache (atomic) */
static size_t budget; /* at most this many; computed once */

static size_t fd_budget(void)
{
	size_t b = __atomic_load_n(&budget, __ATOMIC_RELAXED);
	struct rlimit rl;

	if (b)
		return b;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 1024;
	b = rl.rlim_cur > 512 ? (rl.rlim_cur - 256) / 2 : 1;
	__atomic_store_n(&budget, b, __ATOMIC_RELAXED);
	return b;
}

struct cg_fdcache *cg_fdcache_new(void)
{
	return calloc(1, sizeof(struct cg_fdcache));
}

static void entry_close(struct cg_fdcache_entry *e)
{
	if (e->fd >= 0) {
		close(e->fd);
		__atomic_fetch_sub(&held, 1, __ATOMIC_RELAXED);
	}
	free(e->path);
}

void cg_fdcache_clear(struct cg_fdcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		entry_close(&c->e[i]);
	c->n = 0;
}

void cg_fdcache_forget_failed(struct cg_fdcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n;) {
		if (c->e[i].fd >= 0) {
			i++;
			continue;
		}
		entry_close(&c->e[i]);
		c->e[i] = c->e[--c->n];
	}
}

void cg_fdcache_free(struct cg_fdcache *c)
{
	cg_fdcache_clear(c);
	free(c);
}

static struct cg_fdcache_entry *find(struct cg_fdcache *c, int dirfd, const char *path)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->e[i].dirfd == dirfd && strcmp(c->e[i].path, path) == 0)
			return &c->e[i];
	return NULL;
}

int cg_fdcache_get(struct cg_fdcache *c, int dirfd, const char *path, bool *owned)
{
	struct cg_fdcache_entry *e = c ? find(c, dirfd, path) : NULL;
	int fd;

	*owned = false;
	if (e)
		return e->fd;
	fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	if (c && c->n < CG_FDCACHE_MAX) {
		bool counted = false;
		char *copy;

		if (fd >= 0) {
			if (__atomic_add_fetch(&held, 1, __ATOMIC_RELAXED) > fd_budget()) {
				__atomic_fetch_sub(&held, 1, __ATOMIC_RELAXED);
				goto uncached;
			}
			counted = true;
		}
		copy = strdup(path);
		if (copy) {
			c->e[c->n++] = (struct cg_fdcache_entry){dirfd, fd, copy};
			return fd;
		}
		if (counted)
			__atomic_fetch_sub(&held, 1, __ATOMIC_RELAXED);
	}
uncached:
	*owned = fd >= 0;
	return fd;
}

void cg_fdcache_drop(struct cg_fdcache *c, int dirfd, const char *path)
{
	struct cg_fdcache_entry *e = c ? find(c, dirfd, path) : NULL;

	if (!e)
		return;
	entry_close(e);
	*e = c->e[--c->n];
}
