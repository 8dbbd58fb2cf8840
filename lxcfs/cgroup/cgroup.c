/* The cgroup layout (which hierarchy holds which controller) and /proc/PID/cgroup parsing. */
#include "cgroup/cgroup.h"

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

/* Controller names in /proc/PID/cgroup and as v1 mount directories. */
static const char *const v1_names[CG_NR] = {
    [CG_MEMORY] = "memory", [CG_CPU] = "cpu",	  [CG_CPUACCT] = "cpuacct",
    [CG_CPUSET] = "cpuset", [CG_BLKIO] = "blkio", [CG_PIDS] = "pids",
};
/* Their names in cgroup.controllers of a cgroup2 hierarchy (cpuacct's accounting is part of
 * the cpu controller's cpu.stat there, blkio became io). */
static const char *const v2_names[CG_NR] = {
    [CG_MEMORY] = "memory", [CG_CPU] = "cpu",  [CG_CPUACCT] = "cpu",
    [CG_CPUSET] = "cpuset", [CG_BLKIO] = "io", [CG_PIDS] = "pids",
};

const char *cg_ctrl_name(enum cg_ctrl c)
{
	return (unsigned)c < CG_NR ? v1_names[c] : "?";
}

static void layout_init(struct cg_layout *l)
{
	for (int c = 0; c < CG_NR; c++) {
		l->fd[c] = -1;
		l->version[c] = 0;
	}
	l->unified_fd = -1;
}

void cg_layout_close(struct cg_layout *l)
{
	for (int c = 0; c < CG_NR; c++)
		if (l->fd[c] >= 0)
			close(l->fd[c]);
	if (l->unified_fd >= 0)
		close(l->unified_fd);
	layout_init(l);
}

/* Whether word is one of the comma-separated names in list ("cpu,cpuacct"). */
static bool list_has(const char *list, size_t len, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list, *end = list + len;

	while (p < end) {
		const char *q = memchr(p, ',', end - p);
		size_t n = q ? (size_t)(q - p) : (size_t)(end - p);

		if (n == wl && memcmp(p, word, n) == 0)
			return true;
		p += n + 1;
	}
	return false;
}

/* The v1 hierarchy directory of controller name below root: ROOT/name (a directory or a
 * symlink to a co-mounted "cpu,cpuacct"), else a co-mounted directory whose comma-separated
 * name lists it. Returns the fd, -1 when absent, or -2 with err set. */
static int open_v1(int rfd, const char *name, struct lx_error *err)
{
	__close int dfd = -1;
	__closedir DIR *dir = NULL;
	struct dirent *de;
	int fd = openat(rfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno != ENOENT && errno != ENOTDIR)
		return lx_error_set(err, errno, "open cgroup hierarchy `%s`", name) - 1;
	dfd = openat(rfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(dir = fdopendir(dfd)))
		return lx_error_set(err, errno, "list the cgroup root") - 1;
	dfd = -1; /* owned by dir now */
	while ((errno = 0, de = readdir(dir))) {
		if (!strchr(de->d_name, ',') || !list_has(de->d_name, strlen(de->d_name), name))
			continue;
		fd = openat(rfd, de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT && errno != ENOTDIR)
			return lx_error_set(err, errno, "open cgroup hierarchy `%s`", de->d_name) -
			       1;
	}
	if (errno)
		return lx_error_set(err, errno, "list the cgroup root") - 1;
	return -1;
}

static bool is_cgroup2(int fd, const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	return fstatat(fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

static int dup_fd(int fd, struct lx_error *err)
{
	int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return r < 0 ? lx_error_set(err, errno, "dup cgroup fd") : r;
}

int cg_layout_open(struct cg_layout *l, const char *root, struct lx_error *err)
{
	__sbfree struct strbuf ctrls = STRBUF_INIT;
	__close int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int found = 0;

	layout_init(l);
	if (rfd < 0)
		return lx_error_set(err, errno, "cgroup root `%s`", root);
	if (is_cgroup2(rfd, ".")) { /* pure cgroup2: everything is read there */
		l->unified_fd = steal_fd(rfd);
		for (int c = 0; c < CG_NR; c++) {
			if ((l->fd[c] = dup_fd(l->unified_fd, err)) < 0)
				goto fail;
			l->version[c] = 2;
		}
		return 0;
	}
	for (int c = 0; c < CG_NR; c++) {
		int fd = open_v1(rfd, v1_names[c], err);

		if (fd == -2)
			goto fail;
		if (fd >= 0) {
			l->fd[c] = fd;
			l->version[c] = 1;
			found++;
		}
	}
	if (is_cgroup2(rfd, "unified")) { /* hybrid */
		l->unified_fd = openat(rfd, "unified", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (l->unified_fd < 0) {
			lx_error_set(err, errno, "open `%s/unified`", root);
			goto fail;
		}
		if (read_file_at(l->unified_fd, "cgroup.controllers", &ctrls, err) < 0) {
			lx_error_wrap(err, "%s/unified", root);
			goto fail;
		}
		for (int c = 0; c < CG_NR; c++) {
			const char *s = ctrls.buf ? ctrls.buf : "";
			bool listed = false;

			/* "cpuset cpu io memory\n": space separated */
			while (*s && !listed) {
				size_t n = strcspn(s, " \n");

				listed = n == strlen(v2_names[c]) && memcmp(s, v2_names[c], n) == 0;
				s += n;
				s += strspn(s, " \n");
			}
			if (l->version[c] || !listed)
				continue;
			if ((l->fd[c] = dup_fd(l->unified_fd, err)) < 0)
				goto fail;
			l->version[c] = 2;
			found++;
		}
	}
	if (!found) {
		lx_error_set(err, ENOENT, "no cgroup controller found under `%s`", root);
		goto fail;
	}
	return 0;
fail:
	cg_layout_close(l);
	return -1;
}

void cg_paths_free(struct cg_paths *p)
{
	for (int c = 0; c < CG_NR; c++) {
		free(p->path[c]);
		p->path[c] = NULL;
	}
	free(p->unified);
	p->unified = NULL;
}

/* Copy [s, s+n) into *slot after checking it is a usable cgroup path. */
static int set_path(char **slot, const char *s, size_t n, struct lx_error *err)
{
	char rel[PATH_MAX];
	char *copy = strndup(s, n);

	if (!copy)
		return lx_error_set(err, ENOMEM, "cgroup path");
	if (cg_relpath(copy, rel, sizeof(rel), err) < 0) {
		free(copy);
		return -1;
	}
	free(*slot);
	*slot = copy;
	return 0;
}

/* One "ID:ctrl1,ctrl2:/path" line, [s, end). */
static int parse_line(const struct cg_layout *l, const char *s, const char *end, struct cg_paths *p,
		      struct lx_error *err)
{
	const char *c1 = memchr(s, ':', end - s), *c2, *ctrls;
	size_t clen;
	bool digits = c1 && c1 > s;

	for (const char *q = s; digits && q < c1; q++)
		digits = *q >= '0' && *q <= '9';
	if (!digits)
		return lx_error_set(err, EINVAL, "no hierarchy ID");
	c2 = memchr(c1 + 1, ':', end - c1 - 1);
	if (!c2)
		return lx_error_set(err, EINVAL, "no controller field");
	ctrls = c1 + 1;
	clen = c2 - ctrls;
	if (clen == 0) { /* the cgroup2 line, "0::/path" */
		if (c1 - s != 1 || *s != '0')
			return lx_error_set(err, EINVAL, "empty controller list");
		return set_path(&p->unified, c2 + 1, end - c2 - 1, err);
	}
	for (int c = 0; c < CG_NR; c++) {
		if (l->version[c] != 1 || !list_has(ctrls, clen, v1_names[c]))
			continue;
		if (set_path(&p->path[c], c2 + 1, end - c2 - 1, err) < 0)
			return -1;
	}
	/* other controllers and named hierarchies (name=systemd) are not ours */
	return 0;
}

int cg_paths_parse(const struct cg_layout *l, const char *text, struct cg_paths *p,
		   struct lx_error *err)
{
	const char *s = text;
	unsigned lineno = 0, lines = 0;

	memset(p, 0, sizeof(*p));
	while (s && *s) {
		const char *eol = strchrnul(s, '\n');

		lineno++;
		if (eol > s && parse_line(l, s, eol, p, err) < 0) {
			lx_error_wrap(err, "/proc/PID/cgroup line %u", lineno);
			cg_paths_free(p);
			return -1;
		}
		lines += eol > s;
		s = *eol ? eol + 1 : eol;
	}
	if (!lines)
		return lx_error_set(err, EINVAL, "/proc/PID/cgroup: empty");
	for (int c = 0; c < CG_NR; c++) {
		if (l->version[c] != 2 || !p->unified)
			continue;
		if (!(p->path[c] = strdup(p->unified))) {
			cg_paths_free(p);
			return lx_error_set(err, ENOMEM, "cgroup paths");
		}
	}
	return 0;
}

int cg_paths_of_pid(const struct cg_layout *l, int pid, struct cg_paths *p, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char path[64];

	memset(p, 0, sizeof(*p));
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (read_file_at(AT_FDCWD, path, &sb, err) < 0)
		return -1;
	if (cg_paths_parse(l, sb.buf ? sb.buf : "", p, err) < 0)
		return lx_error_wrap(err, "pid %d", pid);
	return 0;
}
