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
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---------------------------------------------------------------- PSI triggers */

/* A decimal number at *s, at most 8 digits (the window's bound has 8), no leading zero. */
static int parse_us(const char **s, const char *end, uint32_t *v)
{
	const char *p = *s;
	uint32_t n = 0;

	if (p >= end || *p < '0' || *p > '9' ||
	    (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9'))
		return -1;
	while (p < end && *p >= '0' && *p <= '9') {
		if (p - *s >= 8)
			return -1;
		n = n * 10 + (uint32_t)(*p - '0');
		p++;
	}
	*s = p;
	*v = n;
	return 0;
}

int cg_psi_trigger_parse(const char *buf, size_t len, bool privileged, struct cg_psi_trigger *t,
			 struct lx_error *err)
{
	const char *p = buf, *end = buf + len;
	struct cg_psi_trigger v = {false, 0, 0};

	if (len == 0 || len > CG_PSI_TRIGGER_MAX)
		return lx_error_code(err, EINVAL, "a PSI trigger is 1 to %d bytes, not %zu",
				     CG_PSI_TRIGGER_MAX, len);
	/* the kernel takes the last byte for the string's end: it must be one */
	if (end[-1] != '\0' && end[-1] != '\n')
		return lx_error_code(err, EINVAL, "a PSI trigger ends with a NUL or a newline");
	end--;
	if (buf[len - 1] == '\0' && end > buf && end[-1] == '\n')
		end--;
	if (end - p > 5 && !memcmp(p, "some ", 5))
		v.full = false;
	else if (end - p > 5 && !memcmp(p, "full ", 5))
		v.full = true;
	else
		return lx_error_code(err, EINVAL, "a PSI trigger starts with `some ` or `full `");
	p += 5;
	if (parse_us(&p, end, &v.stall_us) < 0 || p >= end || *p++ != ' ' ||
	    parse_us(&p, end, &v.window_us) < 0 || p != end)
		return lx_error_code(err, EINVAL,
				     "a PSI trigger is `some|full STALL_US WINDOW_US`");
	if (v.window_us < CG_PSI_WINDOW_MIN_US || v.window_us > CG_PSI_WINDOW_MAX_US)
		return lx_error_code(err, EINVAL, "PSI window %u us: not within %u..%u us",
				     v.window_us, CG_PSI_WINDOW_MIN_US, CG_PSI_WINDOW_MAX_US);
	if (v.stall_us == 0 || v.stall_us > v.window_us)
		return lx_error_code(err, EINVAL,
				     "PSI stall %u us: not within 1..%u us (the window)",
				     v.stall_us, v.window_us);
	if (!privileged && v.window_us % CG_PSI_UNPRIV_STEP_US)
		return lx_error_code(err, EINVAL,
				     "PSI window %u us: a writer without CAP_SYS_RESOURCE needs a "
				     "multiple of %u us",
				     v.window_us, CG_PSI_UNPRIV_STEP_US);
	*t = v;
	return 0;
}

int cg_psi_trigger_format(const struct cg_psi_trigger *t, char *buf, size_t size)
{
	return snprintf(buf, size, "%s %u %u", t->full ? "full" : "some", t->stall_us,
			t->window_us);
}

/* Open dirfd/rel (O_RDWR) and write the trigger: 0 with *fd, -1 with err. */
static int arm(int dirfd, const char *rel, const struct cg_psi_trigger *t, int *fd,
	       struct lx_error *err)
{
	char text[CG_PSI_TRIGGER_MAX + 16];
	int n = cg_psi_trigger_format(t, text, sizeof(text)) + 1; /* with its NUL */
	int f = openat(dirfd, rel, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);

	if (f < 0)
		return lx_error_set(err, errno, "open `%s` for a PSI trigger", rel);
	if (write(f, text, (size_t)n) != n) {
		int e = errno ? errno : EIO;

		close(f);
		return lx_error_set(err, e, "write the PSI trigger `%s` to `%s`", text, rel);
	}
	*fd = f;
	return 0;
}

int cg_pressure_trigger(const struct cg_layout *l, const struct cg_paths *p, enum cg_psi what,
			const struct cg_psi_trigger *t, int *fd, struct lx_error *err)
{
	static const char *const host[] = {
	    [CG_PSI_CPU] = "/proc/pressure/cpu",
	    [CG_PSI_IO] = "/proc/pressure/io",
	    [CG_PSI_MEMORY] = "/proc/pressure/memory",
	};
	char rel[PATH_MAX + 32];
	struct cg_dir d;
	struct stat st;

	if ((unsigned)what > CG_PSI_MEMORY)
		return lx_error_code(err, EINVAL, "no such PSI resource %d", (int)what);
	if (!p)
		return arm(AT_FDCWD, host[what], t, fd, err) < 0 ? -1 : 1;
	if (l->unified_fd < 0 || !p->unified)
		return 0;
	if (cg_relpath(p->unified, d.rel, sizeof(d.rel), err) < 0)
		return -1;
	snprintf(rel, sizeof(rel), "%s/%s", d.rel[0] ? d.rel : ".", psi_files[what]);
	if (fstatat(l->unified_fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return lx_error_set(err, errno, "unified cgroup `%s`", p->unified);
		d.fd = l->unified_fd;
		d.ctrl = "unified";
		return dir_exists(&d, p->unified, err) == 0 ? 0 : -1;
	}
	return arm(l->unified_fd, rel, t, fd, err) < 0 ? -1 : 1;
}
