#include "view/reader.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "view/paths.h"
#include "common/clock.h"

int reader_begin(struct lx_view *view, struct lx_container *ct, pid_t reader, struct reader *rd,
		 struct lx_error *err)
{
	int r;

	memset(rd, 0, sizeof(*rd));
	rd->ct = ct;
	rd->pid = reader;
	if (!ct) {
		if (reader <= 0) /* a reader outside our pid namespace: nothing to go by */
			return lx_error_code(err, ESRCH,
					     "a reader outside the daemon's pid namespace");
		if (containers_lookup(view->containers, reader, &rd->ct, err) < 0)
			return -1;
		rd->own_ref = rd->ct != NULL;
	}
	if (rd->ct) {
		rd->pid = rd->ct->init_pid;
		pthread_mutex_lock(&rd->ct->cg_lock);
		r = container_paths(&view->layout, rd->ct, err);
		rd->paths = &rd->ct->paths;
	} else {
		r = cg_paths_of_pid(&view->layout, rd->pid, &rd->own_paths, err);
		rd->paths = &rd->own_paths;
	}
	return r;
}

void reader_end(struct lx_view *view, struct reader *rd, int failed)
{
	/* a cgroup that went away (the container moved): read its paths again next time */
	if (failed == ENOENT && rd->ct && rd->paths)
		rd->ct->have_paths = false;
	cg_paths_free(&rd->own_paths);
	if (rd->ct && rd->paths)
		pthread_mutex_unlock(&rd->ct->cg_lock);
	if (rd->own_ref)
		container_put(view->containers, rd->ct);
	memset(rd, 0, sizeof(*rd));
}

void reader_note_error(struct lx_view *view, const struct lx_error *err)
{
	if (err->code == EMFILE || err->code == ENFILE || err->code == ENOMEM)
		__atomic_store_n(&view->last_internal_error_s, (int64_t)time(NULL),
				 __ATOMIC_RELAXED);
}

uint64_t reader_uptime_ns(const struct lx_view *view, const struct reader *rd)
{
	uint64_t now = lx_boottime_ns(), start;

	if (!rd->ct)
		return now;
	start = rd->ct->start_ticks * (1000000000ULL / (uint64_t)view->user_hz);
	return now > start ? now - start : 0;
}
