/* sysinfo(2) values for a process, from the code that makes its container's files. */
#include "view/sysinfo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "view/containers.h"
#include "view/hostfiles.h"
#include "view/loadavg.h"
#include "view/reader.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/log.h"

/* The load average of ct as its /proc/loadavg shows it (sampled at once if never yet). */
static int container_loads(struct lx_view *view, struct lx_container *ct, unsigned long loads[3],
			   struct lx_error *err)
{
	bool sampled;

	pthread_mutex_lock(&ct->lock);
	sampled = ct->load_sampled;
	pthread_mutex_unlock(&ct->lock);
	if (!sampled && loadavg_sample(view, ct, err) < 0)
		return -1;
	pthread_mutex_lock(&ct->lock);
	for (int i = 0; i < 3; i++)
		loads[i] = loadavg_to_sysinfo(ct->avenrun[i]);
	pthread_mutex_unlock(&ct->lock);
	return 0;
}

/* The memory values of sysinfo: for a container, a copy at most SYSINFO_MEM_MS old while its
 * own limit file reads the same and its cgroup paths are those of the copy, else made now
 * from its cgroup (memory.stat, 26 us for a v1 child cgroup here, against about 1 us for the
 * limit file) and the host's meminfo (read into host, and parsed). A program calling sysinfo
 * in a loop pays them once per SYSINFO_MEM_MS, and a limit changed at run time shows on the
 * next call. cg_lock (held by the reader) guards the copy. */
#define SYSINFO_MEM_MS 10

static int mem_values(struct lx_view *view, struct reader *rd, struct strbuf *host,
		      struct meminfo_values *out, struct lx_error *err)
{
	struct lx_container *ct = rd->ct;
	int64_t now = lx_now_ms();
	uint64_t own = 0;
	struct cg_mem m;

	if (ct) {
		if (cg_mem_own_limits(&view->layout, rd->paths, &own, NULL, err) < 0)
			return -1;
		if (ct->si_mem_valid && now - ct->si_mem_ms < SYSINFO_MEM_MS &&
		    now >= ct->si_mem_ms && ct->si_paths_ms == ct->paths_ms &&
		    ct->si_own_limit == own) {
			*out = ct->si_vals;
			return 0;
		}
		ct->si_mem_valid = false;
	}
	sb_reset(host); /* kept memory: nothing allocated once it has grown */
	if (host_file_read(LX_FILE_MEMINFO, host, err) < 0 ||
	    cg_mem_read(&view->layout, rd->paths, &m, err) < 0)
		return -1;
	if (meminfo_values(host->buf, &m, view->swap, out) < 0)
		return lx_error_set(err, errno, "meminfo values");
	if (ct) {
		ct->si_vals = *out;
		ct->si_mem_ms = now;
		ct->si_paths_ms = ct->paths_ms;
		ct->si_own_limit = own;
		ct->si_mem_valid = true;
	}
	return 0;
}

static int make(struct lx_view *view, struct reader *rd, struct strbuf *host_meminfo,
		struct sysinfo_values *v, struct lx_error *err)
{
	struct sysinfo host;
	bool host_loads = !view->loadavg || !rd->ct, host_procs = !rd->ct;

	if (mem_values(view, rd, host_meminfo, &v->mem, err) < 0)
		return -1;
	v->uptime_ns = reader_uptime_ns(view, rd);
	if (!host_loads && container_loads(view, rd->ct, v->loads, err) < 0)
		return -1;
	if (!host_procs && cg_tasks_count(&view->layout, rd->paths, &v->procs, err) < 0)
		return -1;
	if (host_loads || host_procs) {
		if (sysinfo(&host) < 0)
			return lx_error_set(err, errno, "sysinfo");
		for (int i = 0; host_loads && i < 3; i++)
			v->loads[i] = host.loads[i];
		if (host_procs)
			v->procs = host.procs;
	}
	return 0;
}

int content_sysinfo(struct lx_view *view, pid_t reader, struct sysinfo_values *v,
		    struct lx_error *err)
{
	return content_sysinfo_ns(view, reader, 0, NULL, v, err);
}

int content_sysinfo_ns(struct lx_view *view, pid_t reader, uint64_t pidns, struct strbuf *scratch,
		       struct sysinfo_values *v, struct lx_error *err)
{
	__sbfree struct strbuf own = STRBUF_INIT;
	struct strbuf *host = scratch ? scratch : &own;
	struct lx_container *ct = NULL;
	struct reader rd;
	int r, failed;

	memset(v, 0, sizeof(*v));
	if (__atomic_load_n(&view->host_view, __ATOMIC_RELAXED))
		return lx_error_code(err, ECANCELED,
				     "every reader gets the host's values (SIGUSR2)");
	/* a known namespace: its container straight from the table (0: the daemon's own, then
	 * the reader's own cgroups as reader_begin finds them) */
	if (pidns && reader > 0 &&
	    containers_lookup_ns(view->containers, pidns, reader, &ct, err) < 0) {
		memset(&rd, 0, sizeof(rd));
		r = -1;
	} else {
		r = reader_begin(view, ct, reader, &rd, err);
	}
	if (r == 0)
		r = make(view, &rd, host, v, err);
	failed = r < 0 ? err->code : 0;
	if (r < 0) {
		char key[64];

		snprintf(key, sizeof(key), "sysinfo:%llu",
			 rd.ct ? (unsigned long long)rd.ct->ns_ino : 0ULL);
		lx_log_ratelimited(LX_LOG_WARN, key, 60,
				   "sysinfo for pid %d: the host's values: %s", reader,
				   err->code ? err->msg : "unknown error");
		reader_note_error(view, err);
	}
	reader_end(view, &rd, failed);
	if (ct)
		container_put(view->containers, ct);
	return r;
}
