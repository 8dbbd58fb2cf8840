#include "safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

#define MAX_COMPONENT 255

static int next_component(const char **p, char *out)
{
	size_t n;

	while (**p == '/')
		(*p)++;
	n = strcspn(*p, "/");
	if (n == 0)
		return 0;
	if (n > MAX_COMPONENT)
		return -1;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	return 1;
}

/* Walk rel below rootfd one component at a time (each opened O_PATH|O_NOFOLLOW), refusing
 * symlinks and ".."; with create, missing components are made as directories. */
static int walk(int rootfd, const char *rel, bool create, struct lx_error *err)
{
	__close int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	char name[MAX_COMPONENT + 1];
	const char *p = rel;
	int r;

	if (cur < 0)
		return lx_error_set(err, errno, "dup root fd");
	while ((r = next_component(&p, name)) > 0) {
		struct stat st;
		int fd, code = 0;

		if (!strcmp(name, ".") && !create)
			continue;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			return lx_error_set(err, EXDEV, "`%s`: \"..\" is not allowed", rel);
		fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, name, 0755) < 0 && errno != EEXIST)
				return lx_error_set(err, errno, "mkdir `%s` (in `%s`)", name, rel);
			fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0)
			return lx_error_set(err, errno, "`%s`: open `%s`", rel, name);
		if (fstat(fd, &st) < 0)
			code = errno;
		else if (S_ISLNK(st.st_mode))
			code = ELOOP;
		else if (create && !S_ISDIR(st.st_mode))
			code = ENOTDIR;
		if (code) {
			close(fd);
			return lx_error_set(err, code, "`%s`: `%s`%s", rel, name,
					    code == ELOOP ? " is a symlink" : "");
		}
		close(cur);
		cur = fd;
	}
	if (r < 0)
		return lx_error_set(err, ENAMETOOLONG, "`%s`", rel);
	return steal_fd(cur);
}

int tk_open_walk(int rootfd, const char *rel, struct lx_error *err)
{
	return walk(rootfd, rel, false, err);
}

int tk_open_in_root(int rootfd, const char *rel, struct lx_error *err)
{
	struct open_how how = {
	    .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	struct stat st;

	if (fd >= 0) {
		/* O_PATH|O_NOFOLLOW opens a final symlink itself: refuse it too */
		if (fstat(fd, &st) < 0) {
			int e = errno; /* e.g. ENOTCONN: a dead FUSE mount on top */

			close(fd);
			errno = e;
			return lx_error_set(err, e, "stat `%s` in the container root", rel);
		}
		if (S_ISLNK(st.st_mode)) {
			close(fd);
			errno = ELOOP;
			return lx_error_set(err, ELOOP, "`%s`: a path component is a symlink", rel);
		}
		return fd;
	}
	if (errno == ENOSYS || errno == E2BIG)
		return tk_open_walk(rootfd, rel, err);
	if (errno == ELOOP)
		return lx_error_set(err, ELOOP, "`%s`: a path component is a symlink", rel);
	return lx_error_set(err, errno, "open `%s` in the container root", rel);
}

int tk_mkdir_in_root(int rootfd, const char *rel, struct lx_error *err)
{
	return walk(rootfd, rel, true, err);
}

int tk_mkdir_p(const char *path, mode_t mode, struct lx_error *err)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return lx_error_set(err, ENAMETOOLONG, "`%s`", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return lx_error_set(err, errno, "mkdir `%s`", tmp);
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return lx_error_set(err, errno, "mkdir `%s`", tmp);
	return 0;
}

bool tk_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 128)
		return false;
	if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z') ||
	      (id[0] >= '0' && id[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}
