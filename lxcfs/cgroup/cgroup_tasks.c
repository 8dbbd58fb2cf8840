/* Thread ids of a cgroup and all its descendants, for the per-container load average.
 * v1 reads "tasks" in the cpu hierarchy (else pids, else cpuacct); v2 reads cgroup.threads
 * of the unified hierarchy. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup/cgroup_internal.h"
#include "common/cleanup.h"

struct task_acc {
	int *ids;
	size_t n, cap;
	const char *file;
};

static int push(struct task_acc *a, int id)
{
	if (a->n == a->cap) {
		size_t cap = a->cap < 64 ? 64 : a->cap * 2;
		int *ids = realloc(a->ids, cap * sizeof(*ids));

		if (!ids)
			return -1;
		a->ids = ids;
		a->cap = cap;
	}
	a->ids[a->n++] = id;
	return 0;
}

/* One id a line; an empty file is an empty cgroup. */
static int tasks_visit(const struct cg_dir *d, void *arg, struct lx_error *err)
{
	struct task_acc *a = arg;
	__sbfree struct strbuf sb = STRBUF_INIT;
	const char *s;
	unsigned lineno = 0;

	if (cg_read(d, a->file, &sb, err) < 0)
		return -1;
	for (s = sb.buf ? sb.buf : ""; *s;) {
		char *end;
		long v;

		lineno++;
		errno = 0;
		v = (*s >= '0' && *s <= '9') ? strtol(s, &end, 10) : -1;
		if (v <= 0 || v > INT32_MAX || errno || *end != '\n')
			return lx_error_set(err, EINVAL, "%s: `%s/%s`: line %u is not a task id",
					    d->ctrl, d->rel, a->file, lineno);
		if (push(a, (int)v) < 0)
			return lx_error_set(err, ENOMEM, "task ids");
		s = end + 1;
	}
	return 0;
}

/* The hierarchy to count tasks in. */
static int tasks_dir(const struct cg_layout *l, const struct cg_paths *p, struct cg_dir *d,
		     struct lx_error *err)
{
	static const enum cg_ctrl order[] = {CG_CPU, CG_PIDS, CG_CPUACCT};
	struct stat st;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (cg_have(l, p, order[i]))
			return cg_dir_open(l, p, order[i], d, err);
	/* no cpu-like controller: the unified hierarchy still lists every thread */
	if (l->unified_fd < 0 || !p || !p->unified)
		return lx_error_set(err, ENOENT, "no cgroup hierarchy to count tasks in");
	d->fd = l->unified_fd;
	d->version = 2;
	d->ctrl = "unified";
	if (cg_relpath(p->unified, d->rel, sizeof(d->rel), err) < 0)
		return -1;
	if (fstatat(d->fd, d->rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return lx_error_set(err, errno, "unified cgroup `%s`", p->unified);
	return 0;
}

int cg_tasks_read(const struct cg_layout *l, const struct cg_paths *p, int **ids, size_t *n,
		  struct lx_error *err)
{
	struct task_acc a = {*ids, *n, *n, NULL};
	struct cg_dir d;
	int r;

	if (tasks_dir(l, p, &d, err) < 0)
		return -1;
	a.file = d.version == 1 ? "tasks" : "cgroup.threads";
	r = cg_walk_tree(&d, tasks_visit, &a, err);
	*ids = a.ids; /* may have moved; on error the caller's count stays as it was */
	if (r < 0)
		return -1;
	*n = a.n;
	return 0;
}

int cg_tasks_count(const struct cg_layout *l, const struct cg_paths *p, uint64_t *n,
		   struct lx_error *err)
{
	struct lx_error local = {0, ""};
	struct cg_dir d;
	int *ids = NULL;
	size_t count = 0;

	/* the pids controller counts every task of the cgroup and its descendants: one read */
	if (cg_have(l, p, CG_PIDS) && cg_dir_open(l, p, CG_PIDS, &d, &local) == 0 &&
	    cg_has_file(&d, "pids.current") && cg_read_u64(&d, "pids.current", n, &local) == 0)
		return 0;
	if (cg_tasks_read(l, p, &ids, &count, err) < 0) {
		free(ids);
		return -1;
	}
	free(ids);
	*n = count;
	return 0;
}
