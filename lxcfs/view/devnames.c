#include "view/devnames.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/cleanup.h"

static struct devname *find(struct devnames *d, unsigned major, unsigned minor)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].major == major && d->v[i].minor == minor)
			return &d->v[i];
	return NULL;
}

static int add(struct devnames *d, unsigned major, unsigned minor, const char *name)
{
	struct devname *v;

	if (find(d, major, minor))
		return 0;
	v = realloc(d->v, (d->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	d->v = v;
	v[d->n].major = major;
	v[d->n].minor = minor;
	snprintf(v[d->n].name, sizeof(v[d->n].name), "%s", name);
	d->n++;
	return 0;
}

int devnames_of_pid(pid_t pid, struct devnames *out, struct lx_error *err)
{
	char path[64];
	__close int devfd = -1;
	__closedir DIR *dir = NULL;
	struct dirent *e;
	struct stat root;
	struct devnames d = {0, NULL};

	snprintf(path, sizeof(path), "/proc/%d/root/dev", pid);
	devfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (devfd < 0)
		return lx_error_set(err, errno, "open `%s`", path);
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	if (stat(path, &root) < 0)
		return lx_error_set(err, errno, "stat `%s`", path);
	/* the root filesystem's device first, so it keeps the name sda */
	if (major(root.st_dev) != 0 && add(&d, major(root.st_dev), minor(root.st_dev), "sda") < 0)
		goto nomem;
	dir = fdopendir(devfd);
	if (!dir) {
		devnames_free(&d);
		return lx_error_set(err, errno, "read /proc/%d/root/dev", pid);
	}
	devfd = -1; /* owned by dir now */
	while ((e = readdir(dir))) {
		struct stat st;

		if (e->d_type != DT_BLK && e->d_type != DT_UNKNOWN)
			continue;
		if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISBLK(st.st_mode))
			continue;
		/* the root device is already named sda: no other node may take that name */
		if (strcmp(e->d_name, "sda") == 0 &&
		    find(&d, major(st.st_rdev), minor(st.st_rdev)) == NULL && d.n &&
		    strcmp(d.v[0].name, "sda") == 0)
			continue;
		if (add(&d, major(st.st_rdev), minor(st.st_rdev), e->d_name) < 0)
			goto nomem;
	}
	*out = d;
	return 0;
nomem:
	devnames_free(&d);
	return lx_error_set(err, ENOMEM, "device names");
}

void devnames_free(struct devnames *d)
{
	free(d->v);
	d->v = NULL;
	d->n = 0;
}
