#include "view/loadavg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "view/paths.h"
#include "render/render.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/proc.h"

#define LOADAVG_INTERVAL_S 5

int loadavg_sample(struct lx_view *view, struct lx_container *c, struct lx_error *err)
{
	__free int *ids = NULL;
	size_t n = 0;
	unsigned running = 0, active = 0;
	pid_t newest = 0, inner = 0, ppid;

	if (container_paths(&view->layout, c, err) < 0 ||
	    cg_tasks_read(&view->layout, &c->paths, &ids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint64_t start;
		char state = 0;

		if (proc_stat_start(ids[i], &start, &state, NULL) < 0)
			continue; /* exited meanwhile */
		if (state == 'R')
			running++;
		if (state == 'R' || state == 'D')
			active++;
		if (ids[i] > newest)
			newest = ids[i];
	}
	if (newest && proc_status_ids(newest, &ppid, &inner, NULL) < 0)
		inner = 0;
	pthread_mutex_lock(&c->lock);
	if (c->load_sampled) {
		c->avenrun[0] =
		    loadavg_step(c->avenrun[0], LOADAVG_EXP_1, active * LOADAVG_FIXED_1);
		c->avenrun[1] =
		    loadavg_step(c->avenrun[1], LOADAVG_EXP_5, active * LOADAVG_FIXED_1);
		c->avenrun[2] =
		    loadavg_step(c->avenrun[2], LOADAVG_EXP_15, active * LOADAVG_FIXED_1);
	}
	c->running = running;
	c->total = (unsigned)n;
	c->last_pid = inner;
	c->load_sampled = true;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static void sample_one(struct lx_container *c, void *arg)
{
	struct lx_view *view = arg;
	struct lx_error err = {0, ""};
	int r;

	pthread_mutex_lock(&c->cg_lock);
	r = loadavg_sample(view, c, &err);
	pthread_mutex_unlock(&c->cg_lock);
	if (r < 0) {
		char key[64];

		snprintf(key, sizeof(key), "loadavg:%d", c->init_pid);
		lx_log_ratelimited(LX_LOG_WARN, key, 300, "load average of pid %d: %s", c->init_pid,
				   err.msg);
	}
}

static void *loadavg_main(void *arg)
{
	struct lx_view *view = arg;
	struct lx_error err;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&view->loadavg_lock);
	while (!view->loadavg_stop) {
		next.tv_sec += LOADAVG_INTERVAL_S;
		while (!view->loadavg_stop &&
		       pthread_cond_timedwait(&view->loadavg_cond, &view->loadavg_lock, &next) !=
			   ETIMEDOUT)
			;
		if (view->loadavg_stop)
			break;
		pthread_mutex_unlock(&view->loadavg_lock);
		if (containers_foreach(view->containers, sample_one, view, &err) < 0)
			lx_log_ratelimited(LX_LOG_WARN, "loadavg", 300,
					   "load average not sampled: %s", err.msg);
		pthread_mutex_lock(&view->loadavg_lock);
	}
	pthread_mutex_unlock(&view->loadavg_lock);
	return NULL;
}

int loadavg_start(struct lx_view *view, struct lx_error *err)
{
	pthread_condattr_t attr;
	int r;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_destroy(&view->loadavg_cond);
	pthread_cond_init(&view->loadavg_cond, &attr);
	pthread_condattr_destroy(&attr);
	r = pthread_create(&view->loadavg_thread, NULL, loadavg_main, view);
	if (r)
		return lx_error_set(err, r, "start the load average thread");
	view->loadavg_running = true;
	return 0;
}

void loadavg_stop(struct lx_view *view)
{
	if (!view->loadavg_running)
		return;
	pthread_mutex_lock(&view->loadavg_lock);
	view->loadavg_stop = true;
	pthread_cond_signal(&view->loadavg_cond);
	pthread_mutex_unlock(&view->loadavg_lock);
	pthread_join(view->loadavg_thread, NULL);
	view->loadavg_running = false;
}
