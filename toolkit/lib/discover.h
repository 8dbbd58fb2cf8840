/* Which containers exist: the registry (validated, stale entries pruned) merged with what the
 * engines report; selecting --all and resolving --container-id. */
#ifndef TK_DISCOVER_H
#define TK_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "common/error.h"

struct tk_target {
	char id[129];
	char name[256];
	pid_t pid;
	uint64_t starttime; /* 0 when unknown */
	bool registered;    /* started with the hook */
	bool degraded;	    /* registered while the daemon was down */
	char source[32];    /* "registry", "registry+api", ... */
};

struct tk_targets {
	struct tk_target *v;
	size_t n;
};

/* Collect the registry and the engines chosen by c->engine. In auto mode an engine that
 * fails is a warning; an engine chosen explicitly (or --engine-socket) that fails is an
 * error. */
int tk_discover(const struct tk_config *c, struct tk_targets *out, struct lx_error *err);
void tk_targets_free(struct tk_targets *t);

/* Add or merge (same id, or same live pid) one container. */
int tk_targets_add(struct tk_targets *t, const struct tk_target *x, struct lx_error *err);

/* Resolve ref to an index: a full id first, else a unique id prefix, else a unique name (a
 * name never shadows an id). Unknown: "no such container: X" (ENOENT); several ids with that
 * prefix: "ambiguous container id X: matches A (name), B (name)"; several containers with that
 * name: "ambiguous container name X: matches ..." (both EINVAL). Nothing is resolved on an
 * error. */
int tk_targets_resolve(const struct tk_targets *t, const char *ref, size_t *idx,
		       struct lx_error *err);

/* For --all: registered, or holding a fuse.lxcfs mount in its mount namespace. */
bool tk_target_selected_by_all(const struct tk_target *t);

#endif
