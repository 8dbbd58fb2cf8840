/* Which cgroups a container's files are made from: its init's, as /proc/PID/cgroup names them,
 * with the rules of the view applied (a system container's init.scope is the container). */
#ifndef LXCFS_VIEW_PATHS_H
#define LXCFS_VIEW_PATHS_H

#include "cgroup/cgroup.h"
#include "view/containers.h"
#include "common/error.h"

/* Drop a trailing "/init.scope" from every path (systemd in a container moves itself
 * there; the container is its parent). */
void view_strip_init_scope(struct cg_paths *p);

/* Make c->paths current: re-read from its init when older than CONTAINER_PATHS_TTL_MS. The
 * held files go when the paths changed (else only those that failed to open); the device
 * names go at each re-read. With c->cg_lock held. */
int container_paths(const struct cg_layout *l, struct lx_container *c, struct lx_error *err);

#endif
