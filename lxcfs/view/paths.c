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

int container_paths(const struct cg_layout *l, struct lx_container *c, struct lx_error *err)
{
	int64_t now = lx_now_ms();

	if (c->have_paths && now - c->paths_ms < CONTAINER_PATHS_TTL_MS)
		return 0;
	cg_fdcache_clear(c->cache);
	cg_paths_free(&c->paths);
	devnames_free(&c->devs);
	c->have_devs = false;
	c->have_paths = false;
	if (cg_paths_of_pid(l, c->init_pid, &c->paths, err) < 0)
		return -1;
	view_strip_init_scope(&c->paths);
	c->paths.cache = c->cache;
	c->have_paths = true;
	c->paths_ms = now;
	return 0;
}
