/* Pressure stall information and slab caches of a cgroup, as the kernel prints them.
 *
 * PSI lives in the cgroup2 hierarchy whatever the controllers: the pure v2 hierarchy, or
 * ROOT/unified of a hybrid host, which has cpu.pressure, io.pressure and memory.pressure in
 * every cgroup even with no controller enabled there. The process's own cgroup is read (its
 * "0::" path): a cgroup's PSI counts the stalls of its tasks and of every descendant's.
 *
 * Slab caches per cgroup exist only as v1's memory.kmem.slabinfo; kernels since 5.10 keep that
 * file but print nothing in it (the slab controller no longer has per-cgroup caches), and v2
 * has no such file. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cgroup/cgroup_internal.h"

static const char *const psi_files[] = {
    [CG_PSI_CPU] = "cpu.pressure",
    [CG_PSI_IO] = "io.pressure",
    [CG_PSI_MEMORY] = "memory.pressure",
};

/* 0 when d exists, else -1 with err (ENOENT: the cgroup is gone) */
static int dir_exists(const struct cg_dir *d, const char *path, struct lx_error *err)
{
	struct stat st;

	if (fstatat(d->fd, d->rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return lx_error_set(err, errno, "%s cgroup `%s`", d->ctrl, path);
	if (!S_ISDIR(st.st_mode))
		return lx_error_set(err, ENOTDIR, "%s cgroup `%s`", d->ctrl, path);
	return 0;
}

/* Read d/file: 1, 0 when the cgroup has no such file (or one the kernel will not print:
 * EOPNOTSUPP, cgroup.pressure 0), -1 with err. */
static int read_optional(const struct cg_dir *d, const char *path, const char *file,
			 struct strbuf *out, struct lx_error *err)
{
	struct lx_error e = {0, ""};
	int n = cg_read(d, file, out, &e);

	if (n >= 0)
		return n > 0;
	if (e.code == EOPNOTSUPP)
		return 0;
	/* a missing file in a cgroup that is still there: none; the cgroup gone: an error */
	if (e.code == ENOENT)
		return dir_exists(d, path, err) == 0 ? 0 : -1;
	return cg_error_pass(err, &e);
}

int cg_pressure_read(const struct cg_layout *l, const struct cg_paths *p, enum cg_psi what,
		     struct strbuf *out, struct lx_error *err)
{
	struct cg_dir d;

	if ((unsigned)what > CG_PSI_MEMORY)
		return lx_error_code(err, EINVAL, "no such PSI resource %d", (int)what);
	if (l->unified_fd < 0 || !p || !p->unified)
		return 0; /* no cgroup2 hierarchy (pure v1) or no place in it */
	d.fd = l->unified_fd;
	d.version = 2;
	d.ctrl = "unified";
	d.cache = p->cache;
	if (cg_relpath(p->unified, d.rel, sizeof(d.rel), err) < 0)
		return -1;
	return read_optional(&d, p->unified, psi_files[what], out, err);
}

int cg_slabinfo_read(const struct cg_layout *l, const struct cg_paths *p, struct strbuf *out,
		     struct lx_error *err)
{
	struct cg_dir d;

	if (l->version[CG_MEMORY] != 1 || !cg_have(l, p, CG_MEMORY))
		return 0;
	if (cg_dir_open(l, p, CG_MEMORY, &d, err) < 0)
		return -1;
	/* opened and read to the end each time: the file is a seq_file that returns a page per
	 * read, which a held fd's single pread (cgroup_util.c) would take for all of it */
	d.cache = NULL;
	return read_optional(&d, p->path[CG_MEMORY], "memory.kmem.slabinfo", out, err);
}
