#include "mountstate.h"

#include <string.h>

int tk_mounts_lxcfs_depth(const struct lx_mounts *m, const char *path)
{
	const struct lx_mount *cur = lx_mounts_top(m, path);
	int depth = 0;

	while (cur && !strcmp(cur->fstype, TK_LXCFS_FSTYPE) && depth < 1000) {
		depth++;
		cur = lx_mounts_below(m, cur);
	}
	return depth;
}

enum tk_mstate tk_mounts_classify(const struct lx_mounts *m, const char *path, bool live,
				  unsigned int live_major, unsigned int live_minor)
{
	const struct lx_mount *top = lx_mounts_top(m, path);

	if (!top || strcmp(top->fstype, TK_LXCFS_FSTYPE))
		return TK_MOUNT_ABSENT;
	if (live && top->major == live_major && top->minor == live_minor)
		return TK_MOUNT_LIVE;
	return TK_MOUNT_STALE;
}

const char *tk_mstate_name(enum tk_mstate s)
{
	switch (s) {
	case TK_MOUNT_LIVE:
		return "live";
	case TK_MOUNT_STALE:
		return "stale";
	default:
		return "absent";
	}
}

bool tk_mounts_has_lxcfs(const struct lx_mounts *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].fstype, TK_LXCFS_FSTYPE))
			return true;
	return false;
}
