#include "daemon.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuse/handles.h"
#include "view/containers.h"
#include "view/devnames.h"
#include "view/hostfiles.h"
#include "common/log.h"
#include <stdlib.h>

int daemon_init(struct lx_daemon *d, const struct lx_options *o, struct lx_error *err)
{
	struct lx_view *v = &d->view;

	memset(d, 0, sizeof(*d));
	d->opts = o;
	v->user_hz = sysconf(_SC_CLK_TCK);
	if (v->user_hz <= 0)
		v->user_hz = 100;
	v->swap = o->swap;
	v->zswap = o->zswap;
	v->cfs = o->cfs;
	v->loadavg = o->loadavg;
	/* a watchdog that saw a crash storm starts us with the host view for a while */
	v->host_view = getenv("LXCFS_HOST_VIEW") && !strcmp(getenv("LXCFS_HOST_VIEW"), "1");
	if (v->host_view)
		log_warn("LXCFS_HOST_VIEW=1: every reader gets the host's files (SIGUSR2 ends it)");
	pthread_mutex_init(&v->loadavg_lock, NULL);
	pthread_cond_init(&v->loadavg_cond, NULL);
	for (int i = 0; i < CG_NR; i++)
		v->layout.fd[i] = -1;
	v->layout.unified_fd = -1;
	d->fuse.view = v;
	d->fuse.psi_poll = o->psi_poll;
	d->fuse.start_time = time(NULL);
	if (cg_layout_open(&v->layout, o->cgroup_root, err) < 0 || host_files_open(err) < 0)
		return -1;
	v->containers = containers_new(err);
	if (!v->containers)
		return -1;
	d->fuse.handles = handles_new();
	if (!d->fuse.handles)
		return lx_error_set(err, ENOMEM, "handle table");
	return 0;
}

void daemon_fini(struct lx_daemon *d)
{
	handles_free(d->fuse.handles);
	devnames_stop();
	containers_free(d->view.containers);
	cg_layout_close(&d->view.layout);
	host_files_close();
	pthread_mutex_destroy(&d->view.loadavg_lock);
	pthread_cond_destroy(&d->view.loadavg_cond);
}
