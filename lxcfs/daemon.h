/* State shared by the FUSE callbacks (the session's userdata). */
#ifndef LXCFS_DAEMON_H
#define LXCFS_DAEMON_H

#include <pthread.h>

struct fuse_session;
#include <stdbool.h>
#include <time.h>

#include "cgroup/cgroup.h"
#include "view/containers.h"
#include "fuse/handles.h"
#include "options.h"
#include "common/served.h"
#include "common/strbuf.h"

struct lx_daemon {
	const struct lx_options *opts;
	struct fuse_session *se; /* set once mounted, for notifications */
	struct cg_layout layout;
	struct lx_containers *containers;
	struct lx_handles *handles;
	long user_hz;
	time_t start_time;
	/* load average sampler */
	pthread_t loadavg_thread;
	bool loadavg_running;
	pthread_mutex_t loadavg_lock;
	pthread_cond_t loadavg_cond;
	bool loadavg_stop;
};

int daemon_init(struct lx_daemon *d, const struct lx_options *o, struct lx_error *err);
void daemon_fini(struct lx_daemon *d);

/* The file `f` as the process `reader` sees it, appended to out. Never fails for a container:
 * what cannot be computed is served from the host file. */
int content_make(struct lx_daemon *d, enum lx_file f, pid_t reader, struct strbuf *out);

/* Length of the host file f is made from, read now. */
int content_host_size(enum lx_file f, size_t *size);

/* Drop a trailing "/init.scope" from every path (systemd in a container moves itself
 * there; the container is its parent). */
void view_strip_init_scope(struct cg_paths *p);
/* Make c->paths current (re-read when older than the TTL). With c->cg_lock held. */
int container_paths(struct lx_daemon *d, struct lx_container *c, struct lx_error *err);

/* Load average (loadavg.c). */
int loadavg_start(struct lx_daemon *d, struct lx_error *err);
void loadavg_stop(struct lx_daemon *d);
/* Take one sample for c now (with c->cg_lock held, c->lock not held). */
int loadavg_sample(struct lx_daemon *d, struct lx_container *c, struct lx_error *err);

#endif
