#include "discover.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "mountstate.h"
#include "common/proc.h"
#include "registry.h"
#include "report.h"

void tk_targets_free(struct tk_targets *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

int tk_targets_add(struct tk_targets *t, const struct tk_target *x, struct lx_error *err)
{
	struct tk_target *v;

	for (size_t i = 0; i < t->n; i++) {
		struct tk_target *y = &t->v[i];

		if (strcmp(y->id, x->id) && !(x->pid > 0 && y->pid == x->pid))
			continue;
		/* the registry knows the start time; the engine knows the name */
		if (!y->name[0] || !strcmp(y->name, y->id))
			snprintf(y->name, sizeof(y->name), "%s", x->name);
		if (!y->pid)
			y->pid = x->pid;
		y->registered |= x->registered;
		y->degraded |= x->degraded;
		if (!strstr(y->source, x->source)) {
			size_t l = strlen(y->source);

			snprintf(y->source + l, sizeof(y->source) - l, "+%s", x->source);
		}
		return 0;
	}
	v = realloc(t->v, (t->n + 1) * sizeof(*v));
	if (!v)
		return lx_error_set(err, ENOMEM, "container list");
	t->v = v;
	t->v[t->n++] = *x;
	return 0;
}

static int add_ctrs(struct tk_targets *t, const struct tk_ctr_list *l, const char *source,
		    struct lx_error *err)
{
	for (size_t i = 0; i < l->n; i++) {
		struct tk_target x = {.pid = l->v[i].pid};

		snprintf(x.id, sizeof(x.id), "%s", l->v[i].id);
		snprintf(x.name, sizeof(x.name), "%s", l->v[i].name);
		snprintf(x.source, sizeof(x.source), "%s", source);
		if (x.pid > 0 && tk_targets_add(t, &x, err) < 0)
			return -1;
	}
	return 0;
}

static bool is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* One engine's result: errors are fatal only when the engine was asked for explicitly. */
static int engine_result(int rc, bool explicit, struct lx_error *e, struct lx_error *err)
{
	if (rc == 0)
		return 0;
	if (explicit) {
		*err = *e;
		return -1;
	}
	tk_report(LX_LOG_WARN, "ignoring an engine: %s", e->msg);
	return 0;
}

int tk_discover(const struct tk_config *c, struct tk_targets *out, struct lx_error *err)
{
	struct tk_entry *ents;
	size_t n;
	const char *eng = c->engine;
	bool is_auto = !strcmp(eng, "auto");

	out->v = NULL;
	out->n = 0;
	if (tk_registry_load(c->registry, true, &ents, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tk_target x = {.pid = ents[i].pid,
				      .starttime = ents[i].starttime,
				      .registered = true,
				      .degraded = ents[i].degraded};

		snprintf(x.id, sizeof(x.id), "%s", ents[i].id);
		snprintf(x.name, sizeof(x.name), "%s", ents[i].name);
		snprintf(x.source, sizeof(x.source), "registry");
		if (tk_targets_add(out, &x, err) < 0) {
			free(ents);
			goto fail;
		}
	}
	free(ents);
	if (!strcmp(eng, "none"))
		return 0;

	/* the Docker-compatible API: docker, podman */
	if (is_auto || !strcmp(eng, "docker") || !strcmp(eng, "podman") || c->engine_socket[0]) {
		static const char *const docker_socks[] = {"/run/docker.sock",
							   "/var/run/docker.sock"};
		static const char *const podman_socks[] = {"/run/podman/podman.sock"};
		const char *socks[4];
		size_t ns = 0;
		bool explicit = !is_auto || c->engine_socket[0];

		if (c->engine_socket[0]) {
			socks[ns++] = c->engine_socket;
		} else {
			if (is_auto || !strcmp(eng, "docker"))
				for (size_t i = 0; i < 2; i++)
					if (is_socket(docker_socks[i])) {
						socks[ns++] = docker_socks[i];
						break;
					}
			if ((is_auto || !strcmp(eng, "podman")) && is_socket(podman_socks[0]))
				socks[ns++] = podman_socks[0];
			if (!ns && explicit) {
				lx_error_set(err, ENOENT,
					     "engine %s: no API socket found (give "
					     "--engine-socket)",
					     eng);
				goto fail;
			}
		}
		for (size_t i = 0; i < ns; i++) {
			struct tk_ctr_list l = {0};
			struct lx_error e;
			int rc;

			if (!is_socket(socks[i]))
				rc = lx_error_set(&e, ENOENT, "engine API socket `%s` missing",
						  socks[i]);
			else
				rc = tk_api_containers(socks[i], c->engine_timeout, &l, &e);
			if (rc == 0)
				rc = add_ctrs(out, &l, "api", &e);
			tk_ctr_list_free(&l);
			if (engine_result(rc, explicit, &e, err) < 0)
				goto fail;
		}
	}
	if ((is_auto && tk_in_path("isula")) || !strcmp(eng, "isula")) {
		struct tk_ctr_list l = {0};
		struct lx_error e;
		int rc = tk_isula_containers(c->engine_timeout, &l, &e);

		if (rc == 0)
			rc = add_ctrs(out, &l, "isula", &e);
		tk_ctr_list_free(&l);
		if (engine_result(rc, !is_auto, &e, err) < 0)
			goto fail;
	}
	if ((is_auto && tk_in_path("runc") && access(c->runc_root, F_OK) == 0) ||
	    !strcmp(eng, "runc")) {
		struct tk_ctr_list l = {0};
		struct lx_error e;
		int rc = tk_runc_containers(c->runc_root, c->engine_timeout, &l, &e);

		if (rc == 0)
			rc = add_ctrs(out, &l, "runc", &e);
		tk_ctr_list_free(&l);
		if (engine_result(rc, !is_auto, &e, err) < 0)
			goto fail;
	}
	return 0;
fail:
	tk_targets_free(out);
	return -1;
}

/* Does target x match ref at this level: 0 its full id, 1 a prefix of its id, 2 its name? */
static bool matches(const struct tk_target *x, const char *ref, int level)
{
	if (level == 0)
		return !strcmp(x->id, ref);
	if (level == 1)
		return !strncmp(x->id, ref, strlen(ref));
	return !strcmp(x->name, ref);
}

int tk_targets_resolve(const struct tk_targets *t, const char *ref, size_t *idx,
		       struct lx_error *err)
{
	/* Ids first: a name is whatever its container's creator chose (an annotation), so a
	 * container named after another's id, or a prefix of it, must not be taken for it. */
	static const char *const what[] = {"id", "id", "name"};

	for (int level = 0; ref[0] && level < 3; level++) {
		size_t matched = 0, first = 0;
		char list[512] = "";

		for (size_t i = 0; i < t->n; i++) {
			size_t l = strlen(list);

			if (!matches(&t->v[i], ref, level))
				continue;
			if (matched++ == 0)
				first = i;
			snprintf(list + l, sizeof(list) - l, "%s%.12s (%s)", l ? ", " : "",
				 t->v[i].id, t->v[i].name);
		}
		if (matched == 1) {
			*idx = first;
			return 0;
		}
		if (matched > 1)
			return lx_error_code(err, EINVAL, "ambiguous container %s %s: matches %s",
					     what[level], ref, list);
	}
	return lx_error_code(err, ENOENT, "no such container: %s", ref);
}

bool tk_target_selected_by_all(const struct tk_target *t)
{
	struct lx_mounts m;
	bool has;

	if (t->registered)
		return true;
	if (lx_mountinfo_read(t->pid, &m, NULL) < 0)
		return false;
	has = tk_mounts_has_lxcfs(&m);
	lx_mounts_free(&m);
	return has;
}
