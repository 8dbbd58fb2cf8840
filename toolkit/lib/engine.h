/* Containers as container engines see them: the Docker-compatible Engine API over a unix
 * socket (docker, podman system service), the isula CLI and `runc list`. */
#ifndef TK_ENGINE_H
#define TK_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

struct tk_ctr {
	char id[129];
	char name[256];
	pid_t pid; /* 0 when not known (not running) */
	bool running;
	const char *source; /* "registry", "api", "isula", "runc" */
};

struct tk_ctr_list {
	struct tk_ctr *v;
	size_t n, cap;
};

int tk_ctr_list_add(struct tk_ctr_list *l, const struct tk_ctr *c, struct lx_error *err);
void tk_ctr_list_free(struct tk_ctr_list *l);

/* GET /containers/json: [{"Id", "Names": ["/name"], "State": "running"}, ...]. Adds the
 * running ones (pid 0: ask inspect). */
int tk_engine_parse_list(const char *json, struct tk_ctr_list *out, struct lx_error *err);
/* GET /containers/{id}/json (or one element of `isula inspect`):
 * {"Id", "Name": "/name", "State": {"Pid": N, "Running": true}} */
int tk_engine_parse_inspect_obj(const void *jobj, struct tk_ctr *out, struct lx_error *err);
int tk_engine_parse_inspect(const char *json, struct tk_ctr *out, struct lx_error *err);
/* `isula inspect` output: a JSON array of inspect objects. */
int tk_engine_parse_inspect_array(const char *json, struct tk_ctr_list *out, struct lx_error *err);
/* `runc list --format json`: [{"id", "pid", "status"}] (null when there are none). */
int tk_runc_parse_list(const char *json, struct tk_ctr_list *out, struct lx_error *err);

/* The API over a unix socket: list running containers and their pids. timeout_s bounds
 * each request (connect and total). */
int tk_api_containers(const char *socket, int timeout_s, struct tk_ctr_list *out,
		      struct lx_error *err);
/* Ask the API about one id or name (it resolves names and unique prefixes itself). */
int tk_api_inspect(const char *socket, const char *ref, int timeout_s, struct tk_ctr *out,
		   struct lx_error *err);

/* Run argv (found in PATH), capture stdout (at most 16 MiB), kill it after timeout_s.
 * Fails when it cannot run, times out or exits non-zero. */
int tk_run_capture(char *const argv[], int timeout_s, char **out, struct lx_error *err);

int tk_isula_containers(int timeout_s, struct tk_ctr_list *out, struct lx_error *err);
int tk_runc_containers(const char *root, int timeout_s, struct tk_ctr_list *out,
		       struct lx_error *err);

/* Is an executable named `name` in PATH? */
bool tk_in_path(const char *name);

#endif
