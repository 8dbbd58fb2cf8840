#include "ocistate.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "safepath.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/fileio.h"

static void put_json(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define __json __attribute__((cleanup(put_json)))

/* Parse text as one JSON value with nothing but blanks after it. */
static struct json_object *parse_json(const char *text, size_t len, struct lx_error *err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	enum json_tokener_error jerr;

	if (!tok) {
		lx_error_set(err, ENOMEM, "json");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!o || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			lx_error_set(err, EINVAL, "truncated JSON");
		else
			lx_error_set(err, EINVAL, "invalid JSON: %s",
				     json_tokener_error_desc(jerr));
		json_tokener_free(tok);
		if (o)
			json_object_put(o);
		return NULL;
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		if (!strchr(" \t\r\n", text[i])) {
			lx_error_set(err, EINVAL, "invalid JSON: trailing data at byte %zu", i);
			json_tokener_free(tok);
			json_object_put(o);
			return NULL;
		}
	json_tokener_free(tok);
	return o;
}

static int get_str(struct json_object *obj, const char *key, char *out, size_t outsz, bool required,
		   struct lx_error *err)
{
	struct json_object *v;

	out[0] = '\0';
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			return lx_error_set(err, EINVAL, "state has no `%s`", key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return lx_error_set(err, EINVAL, "state field `%s` is not a string", key);
	if (tk_copy_str(out, outsz, json_object_get_string(v), err) < 0)
		return lx_error_wrap(err, "state field `%s`", key);
	return 0;
}

static const char *const name_annotations[] = {
    "io.kubernetes.cri.container-name",
    "io.kubernetes.container.name",
    "nerdctl/name",
    "io.container.manager.name",
    "org.lxcfs.name",
};

int tk_state_parse(const char *text, size_t len, struct tk_state *st, struct lx_error *err)
{
	__json struct json_object *o = NULL;
	struct json_object *v, *ann;

	memset(st, 0, sizeof(*st));
	if (len == 0)
		return lx_error_set(err, EINVAL, "empty state on stdin");
	o = parse_json(text, len, err);
	if (!o)
		return -1;
	if (!json_object_is_type(o, json_type_object))
		return lx_error_set(err, EINVAL, "state is not a JSON object");
	if (get_str(o, "id", st->id, sizeof(st->id), true, err) < 0)
		return -1;
	if (!tk_id_valid(st->id))
		return lx_error_set(err, EINVAL, "invalid container id `%.64s`", st->id);
	if (json_object_object_get_ex(o, "pid", &v) && !json_object_is_type(v, json_type_null)) {
		int64_t pid;

		if (!json_object_is_type(v, json_type_int))
			return lx_error_set(err, EINVAL, "state field `pid` is not an integer");
		pid = json_object_get_int64(v);
		if (pid <= 0 || pid > 0x3fffffff)
			return lx_error_set(err, EINVAL, "state field `pid` is out of range");
		st->pid = (pid_t)pid;
	}
	if (get_str(o, "bundle", st->bundle, sizeof(st->bundle), false, err) < 0 ||
	    get_str(o, "status", st->status, sizeof(st->status), false, err) < 0 ||
	    get_str(o, "root", st->root, sizeof(st->root), false, err) < 0)
		return -1;
	if (json_object_object_get_ex(o, "annotations", &ann) &&
	    json_object_is_type(ann, json_type_object)) {
		for (size_t i = 0; i < sizeof(name_annotations) / sizeof(name_annotations[0]);
		     i++) {
			if (json_object_object_get_ex(ann, name_annotations[i], &v) &&
			    json_object_is_type(v, json_type_string)) {
				snprintf(st->name, sizeof(st->name), "%s",
					 json_object_get_string(v));
				break;
			}
		}
	}
	return 0;
}

int tk_read_limited(int fd, size_t max, int timeout_ms, struct strbuf *sb, struct lx_error *err)
{
	int64_t deadline = lx_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - lx_now_ms();
		ssize_t n;
		int r;

		/* a runtime writes the state and closes stdin: one that never does must not hold
		 * the container's start (and us) forever */
		if (left <= 0)
			return lx_error_code(err, ETIMEDOUT, "stdin did not end within %ds",
					     (timeout_ms + 999) / 1000);
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return lx_error_set(err, errno, "wait for the state on stdin");
		if (r <= 0)
			continue;
		if (sb_reserve(sb, 65536) < 0)
			return lx_error_set(err, ENOMEM, "read state");
		n = read(fd, sb->buf + sb->len, sb->cap - sb->len - 1);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return lx_error_set(err, errno, "read state from stdin");
		}
		if (n == 0)
			return 0;
		sb->len += n;
		sb->buf[sb->len] = '\0';
		if (sb->len > max)
			return lx_error_set(err, EFBIG, "state on stdin is larger than %zu bytes",
					    max);
	}
}

static int join_path(const char *base, const char *rel, char *out, size_t outsz,
		     struct lx_error *err)
{
	int n;

	if (rel[0] == '/')
		n = snprintf(out, outsz, "%s", rel);
	else
		n = snprintf(out, outsz, "%s/%s", base, rel);
	if (n < 0 || (size_t)n >= outsz)
		return lx_error_set(err, ENAMETOOLONG, "rootfs path");
	return 0;
}

int tk_config_rootfs(const char *config_json, const char *bundle, char *out, size_t outsz,
		     struct lx_error *err)
{
	__json struct json_object *o = parse_json(config_json, strlen(config_json), err);
	struct json_object *root, *path;

	if (!o)
		return lx_error_wrap(err, "config.json");
	if (!json_object_object_get_ex(o, "root", &root) ||
	    !json_object_object_get_ex(root, "path", &path) ||
	    !json_object_is_type(path, json_type_string) || !*json_object_get_string(path))
		return lx_error_set(err, EINVAL, "config.json has no root.path");
	return join_path(bundle, json_object_get_string(path), out, outsz, err);
}

/* root.path of BUNDLE/config.json: a regular file (a FIFO there hung the hook) of at most
 * TK_CONFIG_MAX bytes, its size checked before it is read */
static int bundle_rootfs(const char *bundle, char *out, size_t outsz, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char cfg[PATH_MAX + 16];

	if (bundle[0] != '/')
		return lx_error_set(err, EINVAL, "bundle `%s` is not absolute", bundle);
	snprintf(cfg, sizeof(cfg), "%s/config.json", bundle);
	if (read_regular_at(AT_FDCWD, cfg, O_NOFOLLOW, TK_CONFIG_MAX, &sb, err) < 0)
		return -1;
	return tk_config_rootfs(sb.buf, bundle, out, outsz, err);
}

int tk_state_rootfs(const struct tk_state *st, char *out, size_t outsz, char *expect,
		    size_t expectsz, struct lx_error *err)
{
	expect[0] = '\0';
	if (!st->root[0]) {
		if (!st->bundle[0])
			return lx_error_set(err, EINVAL, "state has neither `root` nor `bundle`");
		return bundle_rootfs(st->bundle, out, outsz, err);
	}
	if (st->root[0] != '/')
		return lx_error_set(err, EINVAL, "state root `%s` is not absolute", st->root);
	if (join_path("", st->root, out, outsz, err) < 0)
		return -1;
	/* a bundle next to the root says where the rootfs is: the root must be that directory */
	if (st->bundle[0] && bundle_rootfs(st->bundle, expect, expectsz, err) < 0) {
		if (err->code != ENOENT)
			return lx_error_wrap(err, "state root `%s`", st->root);
		expect[0] = '\0'; /* a bundle without config.json implies nothing */
		lx_error_clear(err);
	}
	return 0;
}
