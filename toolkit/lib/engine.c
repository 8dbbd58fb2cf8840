#include "engine.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl_dl.h"
#include "safepath.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

#define API_MAX_BODY (16u << 20)

int tk_ctr_list_add(struct tk_ctr_list *l, const struct tk_ctr *c, struct lx_error *err)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct tk_ctr *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return lx_error_set(err, ENOMEM, "container list");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *c;
	return 0;
}

void tk_ctr_list_free(struct tk_ctr_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static struct json_object *parse(const char *json, const char *what, struct lx_error *err)
{
	struct json_object *o = json_tokener_parse(json);

	if (!o)
		lx_error_set(err, EINVAL, "%s: not valid JSON", what);
	return o;
}

static const char *str_field(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* ids come from outside: only ids that are also safe file names are taken */
static int set_id(struct tk_ctr *c, const char *id, const char *what, struct lx_error *err)
{
	if (!id || !tk_id_valid(id))
		return lx_error_set(err, EINVAL, "%s: missing or invalid container id", what);
	snprintf(c->id, sizeof(c->id), "%s", id);
	return 0;
}

static void set_name(struct tk_ctr *c, const char *name)
{
	if (name)
		snprintf(c->name, sizeof(c->name), "%s", name[0] == '/' ? name + 1 : name);
}

/* Parse json as an array and hand each element to fn (which adds what it wants to out). */
static int parse_array(const char *json, const char *what,
		       int (*fn)(struct json_object *e, size_t i, struct tk_ctr_list *out,
				 struct lx_error *err),
		       struct tk_ctr_list *out, struct lx_error *err)
{
	struct json_object *o = parse(json, what, err);
	int rc = -1;

	if (!o)
		return -1;
	if (!json_object_is_type(o, json_type_array)) {
		lx_error_set(err, EINVAL, "%s: not a JSON array", what);
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(o); i++)
		if (fn(json_object_array_get_idx(o, i), i, out, err) < 0)
			goto out;
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

/* A container whose processes exist: running, or paused (frozen: `docker pause`, `runc pause`;
 * its files go stale with a crash like any other's, and it reads them once thawed). */
static bool live_state(const char *state)
{
	return state && (!strcmp(state, "running") || !strcmp(state, "paused"));
}

static int list_element(struct json_object *e, size_t i, struct tk_ctr_list *out,
			struct lx_error *err)
{
	struct tk_ctr c = {.source = "api"};
	struct json_object *names, *n0;
	const char *state;

	if (!json_object_is_type(e, json_type_object))
		return lx_error_set(err, EINVAL,
				    "engine container list: element %zu is not an object", i);
	if (set_id(&c, str_field(e, "Id"), "engine container list", err) < 0)
		return -1;
	if (json_object_object_get_ex(e, "Names", &names) &&
	    json_object_is_type(names, json_type_array) && json_object_array_length(names) > 0 &&
	    (n0 = json_object_array_get_idx(names, 0)) && json_object_is_type(n0, json_type_string))
		set_name(&c, json_object_get_string(n0));
	state = str_field(e, "State");
	c.running = live_state(state);
	return c.running ? tk_ctr_list_add(out, &c, err) : 0;
}

int tk_engine_parse_list(const char *json, struct tk_ctr_list *out, struct lx_error *err)
{
	return parse_array(json, "engine container list", list_element, out, err);
}

int tk_engine_parse_inspect_obj(const void *jobj, struct tk_ctr *out, struct lx_error *err)
{
	struct json_object *o = (struct json_object *)jobj, *state, *v;

	memset(out, 0, sizeof(*out));
	out->source = "api";
	if (!json_object_is_type(o, json_type_object))
		return lx_error_set(err, EINVAL, "engine inspect: not a JSON object");
	if (set_id(out, str_field(o, "Id"), "engine inspect", err) < 0)
		return -1;
	set_name(out, str_field(o, "Name"));
	if (!json_object_object_get_ex(o, "State", &state) ||
	    !json_object_is_type(state, json_type_object))
		return lx_error_set(err, EINVAL, "engine inspect: no State object");
	if (json_object_object_get_ex(state, "Running", &v) &&
	    json_object_is_type(v, json_type_boolean))
		out->running = json_object_get_boolean(v);
	/* Docker keeps Running true while a container waits to be restarted (its restart
	 * policy), with Pid 0: it has no process to mount into until it starts again */
	if (json_object_object_get_ex(state, "Restarting", &v) &&
	    json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v))
		out->running = false;
	if (json_object_object_get_ex(state, "Pid", &v)) {
		int64_t pid;

		if (!json_object_is_type(v, json_type_int))
			return lx_error_set(err, EINVAL,
					    "engine inspect: State.Pid is not an integer");
		pid = json_object_get_int64(v);
		if (pid < 0 || pid > 0x3fffffff)
			return lx_error_set(err, EINVAL, "engine inspect: State.Pid out of range");
		out->pid = (pid_t)pid;
	}
	if (out->running && out->pid == 0)
		return lx_error_set(err, EINVAL, "engine inspect: running container without a pid");
	return 0;
}

int tk_engine_parse_inspect(const char *json, struct tk_ctr *out, struct lx_error *err)
{
	struct json_object *o = parse(json, "engine inspect", err);
	int rc;

	if (!o)
		return -1;
	rc = tk_engine_parse_inspect_obj(o, out, err);
	json_object_put(o);
	return rc;
}

static int inspect_element(struct json_object *e, size_t i, struct tk_ctr_list *out,
			   struct lx_error *err)
{
	struct tk_ctr c;

	(void)i;
	if (tk_engine_parse_inspect_obj(e, &c, err) < 0)
		return -1;
	return c.running ? tk_ctr_list_add(out, &c, err) : 0;
}

int tk_engine_parse_inspect_array(const char *json, struct tk_ctr_list *out, struct lx_error *err)
{
	return parse_array(json, "inspect", inspect_element, out, err);
}

static int runc_element(struct json_object *e, size_t i, struct tk_ctr_list *out,
			struct lx_error *err)
{
	struct tk_ctr c = {.source = "runc"};
	struct json_object *v;
	const char *status;

	if (!json_object_is_type(e, json_type_object) ||
	    set_id(&c, str_field(e, "id"), "runc list", err) < 0)
		return lx_error_set(err, EINVAL, "runc list: element %zu has no valid id", i);
	snprintf(c.name, sizeof(c.name), "%s", c.id);
	status = str_field(e, "status");
	c.running = live_state(status);
	if (json_object_object_get_ex(e, "pid", &v) && json_object_is_type(v, json_type_int))
		c.pid = (pid_t)json_object_get_int64(v);
	return c.running && c.pid > 0 ? tk_ctr_list_add(out, &c, err) : 0;
}

int tk_runc_parse_list(const char *json, struct tk_ctr_list *out, struct lx_error *err)
{
	/* runc prints "null" when it has no containers */
	if (!strncmp(json, "null", 4) && !json[4 + strspn(json + 4, " \t\r\n")])
		return 0;
	return parse_array(json, "runc list", runc_element, out, err);
}

/* ---- the API over a unix socket ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct strbuf *sb = user;
	size_t n = size * nmemb;

	if (sb->len + n > API_MAX_BODY || sb_append(sb, data, n) < 0)
		return 0; /* abort the transfer */
	return n;
}

static int api_get(const char *socket, const char *path, int timeout_s, struct strbuf *body,
		   struct lx_error *err)
{
	char url[512], errbuf[CURL_ERROR_SIZE] = "";
	const struct tk_curl *c = tk_curl(err);
	CURL *curl;
	CURLcode res;
	long status = 0;

	if (!c)
		return -1;
	if (snprintf(url, sizeof(url), "http://localhost%s", path) >= (int)sizeof(url))
		return lx_error_set(err, ENAMETOOLONG, "engine API url");
	curl = c->easy_init();
	if (!curl)
		return lx_error_set(err, ENOMEM, "curl");
	c->easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket);
	c->easy_setopt(curl, CURLOPT_URL, url);
	c->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_s * 1000);
	c->easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_s * 1000);
	c->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	c->easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	c->easy_setopt(curl, CURLOPT_WRITEDATA, body);
	c->easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	res = c->easy_perform(curl);
	c->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	c->easy_cleanup(curl);
	if (res == CURLE_OPERATION_TIMEDOUT)
		return lx_error_set(err, ETIMEDOUT, "engine API `%s`: no answer within %ds", socket,
				    timeout_s);
	if (res != CURLE_OK)
		return lx_error_code(err, EIO, "engine API `%s`: %s", socket,
				     errbuf[0] ? errbuf : c->easy_strerror(res));
	if (status == 404)
		return lx_error_set(err, ENOENT, "engine API `%s`: GET %s: 404 not found", socket,
				    path);
	if (status != 200)
		return lx_error_code(err, EPROTO, "engine API `%s`: GET %s: HTTP status %ld",
				     socket, path, status);
	if (!body->buf)
		sb_puts(body, "");
	return 0;
}

int tk_api_inspect(const char *socket, const char *ref, int timeout_s, struct tk_ctr *out,
		   struct lx_error *err)
{
	__sbfree struct strbuf body = STRBUF_INIT;
	char path[300];

	/* refs are ids, prefixes or names: keep them to safe characters in the URL */
	if (!tk_id_valid(ref))
		return lx_error_set(err, EINVAL, "invalid container reference `%.64s`", ref);
	snprintf(path, sizeof(path), "/containers/%s/json", ref);
	if (api_get(socket, path, timeout_s, &body, err) < 0)
		return -1;
	if (tk_engine_parse_inspect(body.buf, out, err) < 0)
		return lx_error_wrap(err, "engine API `%s`", socket);
	return 0;
}

int tk_api_containers(const char *socket, int timeout_s, struct tk_ctr_list *out,
		      struct lx_error *err)
{
	__sbfree struct strbuf body = STRBUF_INIT;
	struct tk_ctr_list l = {0};

	if (api_get(socket, "/containers/json", timeout_s, &body, err) < 0)
		return -1;
	if (tk_engine_parse_list(body.buf, &l, err) < 0) {
		tk_ctr_list_free(&l); /* what it took before the bad element */
		return lx_error_wrap(err, "engine API `%s`", socket);
	}
	for (size_t i = 0; i < l.n; i++) {
		struct tk_ctr c;

		if (tk_api_inspect(socket, l.v[i].id, timeout_s, &c, err) < 0) {
			if (err->code == ENOENT)
				continue; /* gone meanwhile */
			tk_ctr_list_free(&l);
			return -1;
		}
		if (!c.running)
			continue;
		if (!c.name[0])
			snprintf(c.name, sizeof(c.name), "%s", l.v[i].name);
		if (tk_ctr_list_add(out, &c, err) < 0) {
			tk_ctr_list_free(&l);
			return -1;
		}
	}
	tk_ctr_list_free(&l);
	return 0;
}
