#include "lxcenv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "safepath.h"

/* a variable that is set and not empty, else NULL */
static const char *var(char *(*getenv_fn)(const char *), const char *name)
{
	const char *v = getenv_fn(name);

	return v && *v ? v : NULL;
}

/* v from the environment, a from the arguments: one of them, and the same when both */
static int pick(const char *what, const char *v, const char *a, const char **out,
		struct lx_error *err)
{
	if (v && a && strcmp(v, a))
		return lx_error_code(err, EINVAL,
				     "the %s is `%s` in the environment but `%s` in "
				     "the arguments",
				     what, v, a);
	*out = v ? v : a;
	if (!*out)
		return lx_error_code(
		    err, EINVAL, "no %s: not an LXC hook (LXC sets it, or passes NAME lxc TYPE)",
		    what);
	return 0;
}

int tk_lxc_hook_parse(char *(*getenv_fn)(const char *), int argc, char *const *argv,
		      struct tk_lxc_hook *h, struct lx_error *err)
{
	const char *name, *type, *section = var(getenv_fn, "LXC_HOOK_SECTION");
	const char *pid = var(getenv_fn, "LXC_PID"), *rootfs = var(getenv_fn, "LXC_ROOTFS_PATH");

	memset(h, 0, sizeof(*h));
	if (argc >= 2) {
		if (section && strcmp(section, argv[1]))
			return lx_error_code(err, EINVAL,
					     "the section is `%s` in the environment but `%s` in "
					     "the arguments",
					     section, argv[1]);
		section = argv[1];
	}
	if (section && strcmp(section, "lxc"))
		return lx_error_code(err, EINVAL, "hook section `%s`: only lxc hooks are handled",
				     section);
	if (pick("container name (LXC_NAME)", var(getenv_fn, "LXC_NAME"),
		 argc >= 1 ? argv[0] : NULL, &name, err) < 0 ||
	    pick("hook type (LXC_HOOK_TYPE)", var(getenv_fn, "LXC_HOOK_TYPE"),
		 argc >= 3 ? argv[2] : NULL, &type, err) < 0)
		return -1;
	if (!tk_id_valid(name))
		return lx_error_code(
		    err, EINVAL,
		    "LXC container name `%.200s`: only 1 to 128 of [A-Za-z0-9_.-], "
		    "starting alphanumeric, can be recorded",
		    name);
	if (strlen(type) >= sizeof(h->type))
		return lx_error_code(err, EINVAL, "hook type `%.64s...`: too long", type);
	strcpy(h->name, name);
	strcpy(h->type, type);
	if (pid) {
		char *end;
		long n;

		errno = 0;
		n = strtol(pid, &end, 10);
		if (errno || end == pid || *end || n <= 0 || n > INT_MAX)
			return lx_error_code(err, EINVAL, "LXC_PID `%.64s` is not a pid", pid);
		h->pid = (pid_t)n;
	}
	if (rootfs) {
		if (strlen(rootfs) >= sizeof(h->rootfs_path))
			return lx_error_code(err, ENAMETOOLONG, "LXC_ROOTFS_PATH is too long");
		strcpy(h->rootfs_path, rootfs);
	}
	return 0;
}
