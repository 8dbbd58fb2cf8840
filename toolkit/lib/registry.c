#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/proc.h"
#include "safepath.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/strbuf.h"

char *tk_entry_to_json(const struct tk_entry *e)
{
	struct json_object *o = json_object_new_object();
	char *s;

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(e->id));
	json_object_object_add(o, "name", json_object_new_string(e->name));
	json_object_object_add(o, "pid", json_object_new_int64(e->pid));
	json_object_object_add(o, "starttime", json_object_new_uint64(e->starttime));
	json_object_object_add(o, "mntns", json_object_new_uint64(e->mntns));
	json_object_object_add(o, "rootfs", json_object_new_string(e->rootfs));
	json_object_object_add(o, "degraded", json_object_new_boolean(e->degraded));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static int field(struct json_object *o, const char *key, enum json_type type,
		 struct json_object **v, struct lx_error *err)
{
	if (!json_object_object_get_ex(o, key, v) || !json_object_is_type(*v, type))
		return lx_error_set(err, EINVAL, "registry entry: `%s` missing or mistyped", key);
	return 0;
}

int tk_entry_from_json(const char *text, struct tk_entry *e, struct lx_error *err)
{
	struct json_object *o = json_tokener_parse(text), *v;
	int rc = -1;

	memset(e, 0, sizeof(*e));
	if (!o || !json_object_is_type(o, json_type_object)) {
		lx_error_set(err, EINVAL, "registry entry is not a JSON object");
		goto out;
	}
	if (field(o, "id", json_type_string, &v, err) < 0)
		goto out;
	if (!tk_id_valid(json_object_get_string(v))) {
		lx_error_set(err, EINVAL, "registry entry: invalid id");
		goto out;
	}
	snprintf(e->id, sizeof(e->id), "%s", json_object_get_string(v));
	if (field(o, "pid", json_type_int, &v, err) < 0)
		goto out;
	if (json_object_get_int64(v) <= 0 || json_object_get_int64(v) > 0x3fffffff) {
		lx_error_set(err, EINVAL, "registry entry: pid out of range");
		goto out;
	}
	e->pid = (pid_t)json_object_get_int64(v);
	if (field(o, "starttime", json_type_int, &v, err) < 0)
		goto out;
	e->starttime = json_object_get_uint64(v);
	if (field(o, "mntns", json_type_int, &v, err) < 0)
		goto out;
	e->mntns = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "name", &v) && json_object_is_type(v, json_type_string))
		snprintf(e->name, sizeof(e->name), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "rootfs", &v) && json_object_is_type(v, json_type_string))
		snprintf(e->rootfs, sizeof(e->rootfs), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "degraded", &v) &&
	    json_object_is_type(v, json_type_boolean))
		e->degraded = json_object_get_boolean(v);
	rc = 0;
out:
	if (o)
		json_object_put(o);
	return rc;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= w;
	}
	return 0;
}

int tk_registry_write(const char *dir, const struct tk_entry *e, struct lx_error *err)
{
	__free char *json = NULL;
	char tmp[PATH_MAX], final[PATH_MAX];
	__close int fd = -1;

	if (!tk_id_valid(e->id))
		return lx_error_set(err, EINVAL, "invalid container id `%.64s`", e->id);
	if (tk_mkdir_p(dir, 0700, err) < 0)
		return -1;
	json = tk_entry_to_json(e);
	if (!json)
		return lx_error_set(err, ENOMEM, "registry entry");
	if (snprintf(final, sizeof(final), "%s/%s.json", dir, e->id) >= (int)sizeof(final) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, e->id) >= (int)sizeof(tmp))
		return lx_error_set(err, ENAMETOOLONG, "registry path");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return lx_error_set(err, errno, "create `%s`", tmp);
	/* No fsync: the entry must outlive a daemon or toolkit crash, not the machine (the
	 * containers do not either; the default directory is under /run). rename() alone keeps a
	 * reader from ever seeing half an entry; an fsync cost milliseconds per container start
	 * where /run is on disk. */
	if (write_all(fd, json, strlen(json)) < 0 || write_all(fd, "\n", 1) < 0) {
		int e2 = errno;

		unlink(tmp);
		return lx_error_set(err, e2, "write `%s`", tmp);
	}
	if (rename(tmp, final) < 0) {
		int e2 = errno;

		unlink(tmp);
		return lx_error_set(err, e2, "rename `%s` to `%s`", tmp, final);
	}
	return 0;
}

int tk_registry_remove(const char *dir, const char *id, struct lx_error *err)
{
	char path[PATH_MAX];

	if (!tk_id_valid(id))
		return lx_error_set(err, EINVAL, "invalid container id `%.64s`", id);
	snprintf(path, sizeof(path), "%s/%s.json", dir, id);
	if (unlink(path) < 0 && errno != ENOENT)
		return lx_error_set(err, errno, "remove `%s`", path);
	return 0;
}

int tk_registry_get(const char *dir, const char *id, struct tk_entry *e, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX];

	if (!tk_id_valid(id))
		return lx_error_set(err, EINVAL, "invalid container id `%.64s`", id);
	snprintf(path, sizeof(path), "%s/%s.json", dir, id);
	/* a FIFO, device or symlink named ID.json must not hang or steer us, nor a huge file
	 * fill our memory */
	if (read_regular_at(AT_FDCWD, path, O_NOFOLLOW, TK_ENTRY_MAX, &sb, err) < 0)
		return -1;
	if (tk_entry_from_json(sb.buf ? sb.buf : "", e, err) < 0)
		return lx_error_wrap(err, "%s", path);
	return 0;
}

int tk_registry_load(const char *dir, bool prune, struct tk_entry **out, size_t *n,
		     struct lx_error *err)
{
	__closedir DIR *d = opendir(dir);
	struct tk_entry *v = NULL;
	size_t cap = 0, cnt = 0;
	struct dirent *de;

	*out = NULL;
	*n = 0;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return lx_error_set(err, errno, "open registry `%s`", dir);
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char id[129];
		struct tk_entry e;
		struct lx_error e2;

		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".json") ||
		    len - 5 >= sizeof(id))
			continue;
		memcpy(id, de->d_name, len - 5);
		id[len - 5] = '\0';
		if (tk_registry_get(dir, id, &e, &e2) < 0) {
			log_warn("skipping registry entry: %s", e2.msg);
			continue;
		}
		if (strcmp(e.id, id)) {
			log_warn("skipping registry entry `%s`: it names container `%s`", id, e.id);
			continue;
		}
		if (prune && !proc_pid_matches(e.pid, e.starttime)) {
			log_info("pruning registry entry %s: pid %d is gone or was reused", e.id,
				 (int)e.pid);
			tk_registry_remove(dir, e.id, NULL);
			continue;
		}
		if (cnt == cap) {
			struct tk_entry *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return lx_error_set(err, ENOMEM, "registry");
			}
			v = nv;
		}
		v[cnt++] = e;
	}
	*out = v;
	*n = cnt;
	return 0;
}
