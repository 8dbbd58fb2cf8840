#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/conffile.h"
#include "common/parse.h"

void tk_config_defaults(struct tk_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->mountpoint, "/var/lib/lxcfs");
	strcpy(c->registry, "/run/lxcfs/containers");
	strcpy(c->pidfile, "/run/lxcfs.pid");
	strcpy(c->engine, "auto");
	strcpy(c->runc_root, "/run/runc");
	strcpy(c->container_dir, "/var/lib/lxcfs");
	strcpy(c->runtime_dir, "/run/lxcfs");
	if (getenv("LXCFS_RUNTIME_DIR") && getenv("LXCFS_RUNTIME_DIR")[0] == '/' &&
	    strlen(getenv("LXCFS_RUNTIME_DIR")) < sizeof(c->runtime_dir))
		strcpy(c->runtime_dir, getenv("LXCFS_RUNTIME_DIR"));
	c->mount_lxcfs_dir = true;
	c->timeout = 10;
	c->engine_timeout = 5;
	c->check_timeout = 2;
	c->jobs = 4;
}

int tk_copy_str(char *dst, size_t dstsz, const char *src, struct lx_error *err)
{
	size_t n = strlen(src);

	if (n >= dstsz)
		return lx_error_set(err, ENAMETOOLONG, "value too long (%zu bytes)", n);
	memcpy(dst, src, n + 1);
	return 0;
}

static int parse_int(const char *v, int min, int max, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

static bool engine_valid(const char *v)
{
	static const char *const names[] = {"auto", "docker", "podman", "isula", "runc", "none"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0)
			return true;
	return false;
}

static int set_path(char *dst, size_t dstsz, const char *key, const char *v, bool allow_empty,
		    struct lx_error *err)
{
	if (!allow_empty && !*v)
		return lx_error_code(err, EINVAL, "%s: empty value", key);
	if (*v && *v != '/')
		return lx_error_code(err, EINVAL, "%s: `%s` is not an absolute path", key, v);
	if (tk_copy_str(dst, dstsz, v, err) < 0)
		return lx_error_wrap(err, "%s", key);
	return 0;
}

int tk_config_set(struct tk_config *c, const char *key, const char *v, struct lx_error *err)
{
	struct {
		const char *key;
		char *dst;
		size_t sz;
		bool allow_empty;
	} paths[] = {
	    {"mountpoint", c->mountpoint, sizeof(c->mountpoint), false},
	    {"registry", c->registry, sizeof(c->registry), false},
	    {"pidfile", c->pidfile, sizeof(c->pidfile), true},
	    {"log", c->log, sizeof(c->log), true},
	    {"engine_socket", c->engine_socket, sizeof(c->engine_socket), true},
	    {"runc_root", c->runc_root, sizeof(c->runc_root), false},
	    {"container_dir", c->container_dir, sizeof(c->container_dir), false},
	    {"runtime_dir", c->runtime_dir, sizeof(c->runtime_dir), false},
	};
	struct {
		const char *key;
		bool *dst;
	} bools[] = {
	    {"mount_lxcfs_dir", &c->mount_lxcfs_dir},
	    {"strict", &c->strict},
	    {"legacy_mount", &c->legacy_mount},
	};
	struct {
		const char *key;
		int *dst, min, max;
	} ints[] = {
	    {"timeout", &c->timeout, 1, 3600},
	    {"engine_timeout", &c->engine_timeout, 1, 600},
	    {"check_timeout", &c->check_timeout, 1, 600},
	    {"jobs", &c->jobs, 1, 64},
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (strcmp(key, paths[i].key))
			continue;
		if (set_path(paths[i].dst, paths[i].sz, key, v, paths[i].allow_empty, err) < 0)
			return -1;
		if (paths[i].dst == c->pidfile)
			c->pidfile_explicit = true;
		return 0;
	}
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		if (strcmp(key, bools[i].key))
			continue;
		if (lx_parse_bool(v, bools[i].dst) < 0)
			return lx_error_code(err, EINVAL, "%s: `%s` is not a boolean", key, v);
		return 0;
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (strcmp(key, ints[i].key))
			continue;
		if (parse_int(v, ints[i].min, ints[i].max, ints[i].dst) < 0)
			return lx_error_code(err, EINVAL, "%s: `%s` is not a number in %d..%d", key,
					     v, ints[i].min, ints[i].max);
		return 0;
	}
	if (strcmp(key, "engine") == 0) {
		if (!engine_valid(v))
			return lx_error_code(err, EINVAL,
					     "engine: `%s` is not one of "
					     "auto|docker|podman|isula|runc|none",
					     v);
		return tk_copy_str(c->engine, sizeof(c->engine), v, err);
	}
	return lx_error_code(err, EINVAL, "unknown key `%s`", key);
}

static int on_key(void *user, const char *section, const char *key, const char *value,
		  struct lx_error *err)
{
	if (strcmp(section, "toolkit"))
		return 0; /* the daemon's section or someone else's */
	return tk_config_set(user, key, value, err);
}

int tk_config_load(struct tk_config *c, const char *path, bool must_exist, struct lx_error *err)
{
	return lx_conf_parse(path, must_exist, on_key, c, err) < 0 ? -1 : 0;
}

int tk_config_canon(struct tk_config *c, struct lx_error *err)
{
	char parent[PATH_MAX], resolved[PATH_MAX], *slash;
	size_t n = strlen(c->mountpoint);

	while (n > 1 && c->mountpoint[n - 1] == '/')
		c->mountpoint[--n] = '\0';
	if (n == 1)
		return lx_error_code(err, EINVAL, "mountpoint: `/` cannot be the mount point");
	snprintf(parent, sizeof(parent), "%s", c->mountpoint);
	slash = strrchr(parent, '/');
	*slash = '\0';
	if (!realpath(parent[0] ? parent : "/", resolved))
		return 0; /* created later (prestart) */
	if (snprintf(parent, sizeof(parent), "%s/%s", strcmp(resolved, "/") ? resolved : "",
		     slash + 1) >= (int)sizeof(parent))
		return lx_error_set(err, ENAMETOOLONG, "mountpoint");
	memcpy(c->mountpoint, parent, strlen(parent) + 1);
	return 0;
}
