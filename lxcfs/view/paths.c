#include "view/paths.h"

#include <string.h>

#include "view/devnames.h"
#include "common/clock.h"

/* A system container's systemd moves itself into "init.scope" below the container's
 * cgroup (cgroup v2 allows no processes in inner cgroups): the container is the parent. */
void view_strip_init_scope(struct cg_paths *p)
{
	static const char scope[] = "/init.scope";
	const size_t n = sizeof(scope) - 1;

	for (int c = 0; c <= CG_NR; c++) {
		char *path = c < CG_NR ? p->path[c] : p->unified;
		size_t len = path ? strlen(path) : 0;

		if (len > n && strcmp(path + len - n, scope) == 0)
			path[len - n] = '\0';
		else if (len == n && strcmp(path, scope) == 0)
			path[1] = '\0'; /* "/init.scope" -> "/" */
	}
}

static bool same_path(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_paths(const struct cg_paths *a, const struct cg_paths *b)
{
	for (int c = 0; c < CG_NR; c++)
		if (!same_path(a->path[c], b->path[c]))
			return false;
	return same_path(a->unified, b->unified);
}

int container_paths(const struct cg_layout *l, struct lx_container *c, struct lx_error *err)
{
	struct cg_paths fresh = {{NULL}, NULL, NULL};
	int64_t now = lx_now_ms();

	if (c->have_paths && now - c->paths_ms < CONTAINER_PATHS_TTL_MS)
		return 0;
	if (cg_paths_of_pid(l, c->init_pid, &fresh, err) < 0) {
		cg_fdcache_clear(c->cache);
		cg_paths_free(&c->paths);
		c->have_paths = false;
		return -1;
	}
	view_strip_init_scope(&fresh);
	/* the same cgroups: keep the held files (a container read less often than the TTL
	 * does not open them all again at each read); forget only those that failed to open
	 * (a controller enabled since makes them appear) */
	if (c->have_paths && same_paths(&fresh, &c->paths))
		cg_fdcache_forget_failed(c->cache);
	else
		cg_fdcache_clear(c->cache);
	cg_paths_free(&c->paths);
	c->paths = fresh;
	c->paths.cache = c->cache;
	c->have_paths = true;
	c->paths_ms = now;
	return 0;
}
