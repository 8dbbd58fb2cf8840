/* The view: which container reads, which cgroup values it gets, and which renderer makes its
 * file. Anything that fails falls back to the host file. */
#include "view/view.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "view/containers.h"
#include "view/devnames.h"
#include "view/hostfiles.h"
#include "view/loadavg.h"
#include "view/paths.h"
#include "view/reader.h"
#include "render/render.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/proc.h"

/* The host's online CPUs; text is the host file when the caller has read it already. */
static int host_online(const char *text, struct cpuset *online, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;

	if (!text) {
		if (host_file_read(LX_FILE_CPU_ONLINE, &sb, err) < 0)
			return -1;
		text = sb.buf;
	}
	if (cpuset_parse(text, online) < 0)
		return lx_error_set(err, errno, "parse /sys/devices/system/cpu/online");
	return 0;
}

/* ---------------------------------------------------------------- limits keys */

/* cg_cpu_read_parts's values, 32 KiB: per thread, not per read (make_cpu, content_limits_key;
 * it sets what it read) */
static __thread struct cg_cpu cpu_values;

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

/* The container's own memory and swap limit files, as they read now. */
static void mem_key(struct lx_view *view, const struct reader *rd, struct lx_limits_key *key)
{
	struct lx_error err = {0, ""};
	uint64_t lim, swap;

	key->ok = cg_mem_own_limits(&view->layout, rd->paths, &lim, &swap, &err) == 0;
	key->v = key->ok ? mix(mix(1, lim), swap) : 0;
}

/* The CPUs (and CFS quota) a CPU file was made with. */
static void cpu_key(const struct cg_cpu *c, struct lx_limits_key *key)
{
	uint64_t h = 2, q;

	for (size_t k = 0; k < CPUSET_WORDS; k++)
		h = mix(h, c->cpus.bits[k]);
	memcpy(&q, &c->cfs_cpus, sizeof(q));
	key->ok = true;
	key->v = mix(h, q);
}

static bool is_mem_file(enum lx_file f)
{
	return f == LX_FILE_MEMINFO || f == LX_FILE_SWAPS;
}

static bool is_cpu_file(enum lx_file f)
{
	return f == LX_FILE_CPUINFO || f == LX_FILE_CPU_ONLINE || f == LX_FILE_CPU_POSSIBLE ||
	       f == LX_FILE_CPU_PRESENT || f == LX_FILE_CPU_OFFLINE || f == LX_FILE_STAT ||
	       f == LX_FILE_UPTIME;
}

/* ---------------------------------------------------------------- the files */

static int make_mem(struct lx_view *view, enum lx_file f, const struct reader *rd, const char *host,
		    struct strbuf *out, struct lx_limits_key *key, struct lx_error *err)
{
	__sbfree struct strbuf meminfo = STRBUF_INIT;
	uint64_t host_swap_kb = 0;
	struct cg_mem m;

	mem_key(view, rd, key); /* before the values: a limit changed meanwhile changes it */
	if (f == LX_FILE_MEMINFO) {
		if (cg_mem_read(&view->layout, rd->paths, &m, err) < 0)
			return -1;
		return render_meminfo(host, &m, view->swap, view->zswap, out) < 0
			   ? lx_error_set(err, errno, "render meminfo")
			   : 0;
	}
	if (host_file_read(LX_FILE_MEMINFO, &meminfo, err) < 0)
		return -1;
	/* a container's swap is at most the host's: without swap there, or with --disable-swap,
	 * nothing of the cgroup shows in /proc/swaps */
	memset(&m, 0, sizeof(m));
	if (view->swap && find_meminfo_kb(meminfo.buf, "SwapTotal", &host_swap_kb) == 0 &&
	    host_swap_kb > 0 && cg_mem_read_limits(&view->layout, rd->paths, &m, err) < 0)
		return -1;
	if (render_swaps(host, meminfo.buf, &m, view->swap, out) < 0)
		return lx_error_set(err, errno, "render swaps");
	return 0;
}

static int make_stat(struct lx_view *view, const struct reader *rd, const char *host,
		     const struct cg_cpu *c, const struct cpuset *vis, struct strbuf *out,
		     struct lx_error *err)
{
	uint64_t up = reader_uptime_ns(view, rd);
	struct stat_mono *tmp;
	int r;

	if (!rd->ct) {
		/* a host reader: no state kept between reads (its counters only grow) */
		tmp = stat_mono_new();
		if (!tmp)
			return lx_error_set(err, ENOMEM, "stat");
		r = render_stat(host, c, vis, up, view->user_hz, tmp, out);
		stat_mono_free(tmp);
	} else {
		pthread_mutex_lock(&rd->ct->lock);
		if (!rd->ct->mono)
			rd->ct->mono = stat_mono_new();
		r = rd->ct->mono ? render_stat(host, c, vis, up, view->user_hz, rd->ct->mono, out)
				 : -1;
		pthread_mutex_unlock(&rd->ct->lock);
	}
	return r < 0 ? lx_error_set(err, errno, "render stat") : 0;
}

/* The CFS quota matters only with --enable-cfs; CPU time only for stat (all of it) and
 * uptime (the total). */
static unsigned cpu_parts(const struct lx_view *view, enum lx_file f)
{
	unsigned parts = view->cfs ? CG_CPU_QUOTA : 0;

	if (f == LX_FILE_STAT)
		parts |= CG_CPU_USAGE;
	else if (f == LX_FILE_UPTIME)
		parts |= CG_CPU_TOTAL;
	return parts;
}

static int make_cpu(struct lx_view *view, enum lx_file f, const struct reader *rd, const char *host,
		    struct strbuf *out, struct lx_limits_key *key, struct lx_error *err)
{
	struct cg_cpu *c = &cpu_values;
	struct cpuset online, vis;
	unsigned ncpu;

	if (cg_cpu_read_parts(&view->layout, rd->paths, c, cpu_parts(view, f), err) < 0 ||
	    host_online(f == LX_FILE_CPU_ONLINE ? host : NULL, &online, err) < 0)
		return -1;
	cpu_key(c, key);
	visible_cpus(c, &online, view->cfs, &vis);
	ncpu = cpuset_count(&vis);
	switch (f) {
	case LX_FILE_CPUINFO:
		if (render_cpuinfo(host, &vis, out) < 0)
			return lx_error_set(err, errno, "render cpuinfo");
		return 0;
	case LX_FILE_CPU_ONLINE:
	case LX_FILE_CPU_POSSIBLE:
	case LX_FILE_CPU_PRESENT:
		/* the CPUs the container can use are all there and online, the others are not
		 * (lscpu, nproc --all and sysconf count these) */
		if (render_cpu_online(&vis, out) < 0)
			return lx_error_set(err, errno, "render cpu/online");
		return 0;
	case LX_FILE_CPU_OFFLINE:
		return sb_puts(out, "\n") < 0 ? lx_error_set(err, ENOMEM, "cpu/offline") : 0;
	case LX_FILE_STAT:
		return make_stat(view, rd, host, c, &vis, out, err);
	default: {
		double up = reader_uptime_ns(view, rd) / 1e9;
		double idle = up * ncpu - c->usage_ns / 1e9;

		if (!rd->ct) /* the host's uptime and idle for a host reader */
			return sb_puts(out, host) < 0 ? lx_error_set(err, ENOMEM, "uptime") : 0;
		if (render_uptime(up, idle, out) < 0)
			return lx_error_set(err, errno, "render uptime");
		return 0;
	}
	}
}

static int make_disk(struct lx_view *view, enum lx_file f, const struct reader *rd,
		     const char *host, struct strbuf *out, struct lx_error *err)
{
	struct devnames own = {0, NULL}, *names = &own;
	struct cg_io io = {0, NULL};
	int r;

	if (rd->ct) { /* kept with the container (cg_lock is held) */
		int64_t now = lx_now_ms();

		if (now >= rd->ct->devs_until_ms) { /* 0: never scanned */
			struct lx_error scan_err = {0, ""};
			bool ok;

			/* a /dev we cannot (or will not) read names no device: the container
			 * sees none, never the host's */
			devnames_free(&rd->ct->devs);
			ok = devnames_of_pid(rd->pid, &rd->ct->devs, &scan_err) == 0;
			if (!ok) {
				char key[64];

				snprintf(key, sizeof(key), "dev:%llu",
					 (unsigned long long)rd->ct->ns_ino);
				lx_log_ratelimited(LX_LOG_WARN, key, 60, "%s", scan_err.msg);
			}
			rd->ct->devs_until_ms =
			    now + (ok ? CONTAINER_DEVS_TTL_MS : CONTAINER_DEVS_RETRY_MS);
		}
		names = &rd->ct->devs;
	} else if (devnames_of_pid(rd->pid, &own, err) < 0) {
		return -1;
	}
	if (f == LX_FILE_PARTITIONS) {
		r = render_partitions(host, names, out);
		if (r < 0)
			lx_error_set(err, errno, "render partitions");
	} else {
		r = cg_io_read(&view->layout, rd->paths, &io, err);
		if (r == 0 && (r = render_diskstats(host, &io, names, out)) < 0)
			lx_error_set(err, errno, "render diskstats");
		cg_io_free(&io);
	}
	devnames_free(&own);
	return r;
}

static int make_loadavg(struct lx_view *view, const struct reader *rd, const char *host,
			struct strbuf *out, struct lx_error *err)
{
	struct lx_container *c = rd->ct;
	bool sampled;
	int r;

	if (!view->loadavg || !c)
		return sb_puts(out, host) < 0 ? lx_error_set(err, ENOMEM, "loadavg") : 0;
	pthread_mutex_lock(&c->lock);
	sampled = c->load_sampled;
	pthread_mutex_unlock(&c->lock);
	if (!sampled && loadavg_sample(view, c, err) < 0)
		return -1;
	pthread_mutex_lock(&c->lock);
	r = render_loadavg(c->avenrun, c->running, c->total, c->last_pid, out);
	pthread_mutex_unlock(&c->lock);
	return r < 0 ? lx_error_set(err, errno, "render loadavg") : 0;
}

/* The files of /proc/pressure and /proc/slabinfo: the cgroup's own file when it has one, else the
 * host's (the cgroup2 hierarchy missing, a kernel without PSI or per-cgroup slab caches:
 * documented, not an error to log) */
/* The PSI resource of a /proc/pressure file; false for any other file. */
static bool psi_of(enum lx_file f, enum cg_psi *what)
{
	switch (f) {
	case LX_FILE_PRESSURE_CPU:
		*what = CG_PSI_CPU;
		return true;
	case LX_FILE_PRESSURE_IO:
		*what = CG_PSI_IO;
		return true;
	case LX_FILE_PRESSURE_MEMORY:
		*what = CG_PSI_MEMORY;
		return true;
	default:
		return false;
	}
}

static int make_cgfile(struct lx_view *view, enum lx_file f, const struct reader *rd,
		       const char *host, struct strbuf *out, struct lx_error *err)
{
	__sbfree struct strbuf cg = STRBUF_INIT;
	enum cg_psi what;
	int r;

	if (psi_of(f, &what))
		r = cg_pressure_read(&view->layout, rd->paths, what, &cg, err);
	else
		r = cg_slabinfo_read(&view->layout, rd->paths, &cg, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return sb_puts(out, host) < 0 ? lx_error_set(err, ENOMEM, "%s", lx_file_paths[f])
					      : 0;
	r = f == LX_FILE_SLABINFO ? render_slabinfo(cg.buf, out) : render_pressure(cg.buf, out);
	return r < 0 ? lx_error_set(err, errno, "render %s", lx_file_paths[f]) : 0;
}

/* The file f for container ct (the caller holds a reference), or for reader when ct is NULL:
 * its container is looked up from its pid namespace. */
static int make(struct lx_view *view, enum lx_file f, struct lx_container *ct, pid_t reader,
		struct strbuf *out, struct lx_limits_key *key)
{
	const char *host_path;
	__sbfree struct strbuf host = STRBUF_INIT;
	struct reader rd;
	struct lx_error err = {0, ""};
	/* a container's uptime is made of its own values: the host's file only to fall back */
	bool lazy = ct && f == LX_FILE_UPTIME;
	int r = -1, failed;

	if (f >= LX_NFILES)
		return -1;
	host_path = lx_file_host_paths[f];
	if (!lazy && host_file_read(f, &host, &err) < 0) {
		lx_log_ratelimited(LX_LOG_ERROR, host_path, 60, "%s", err.msg);
		return -1;
	}
	key->ok = true; /* the files without limits */
	key->v = 0;
	if (__atomic_load_n(&view->host_view, __ATOMIC_RELAXED)) {
		/* SIGUSR2 */
		key->ok = false;
		if (lazy && host_file_read(f, &host, &err) < 0)
			return -1;
		sb_reset(out);
		return sb_append(out, host.buf, host.len) < 0 ? -1 : 0;
	}
	r = reader_begin(view, ct, reader, &rd, &err);
	if (r < 0)
		goto fallback;
	switch (f) {
	case LX_FILE_MEMINFO:
	case LX_FILE_SWAPS:
		r = make_mem(view, f, &rd, host.buf, out, key, &err);
		break;
	case LX_FILE_CPUINFO:
	case LX_FILE_CPU_ONLINE:
	case LX_FILE_CPU_POSSIBLE:
	case LX_FILE_CPU_PRESENT:
	case LX_FILE_CPU_OFFLINE:
	case LX_FILE_STAT:
	case LX_FILE_UPTIME:
		r = make_cpu(view, f, &rd, host.buf, out, key, &err);
		break;
	case LX_FILE_DISKSTATS:
	case LX_FILE_PARTITIONS:
		r = make_disk(view, f, &rd, host.buf, out, &err);
		break;
	case LX_FILE_LOADAVG:
		r = make_loadavg(view, &rd, host.buf, out, &err);
		break;
	case LX_FILE_SLABINFO:
	case LX_FILE_PRESSURE_CPU:
	case LX_FILE_PRESSURE_IO:
	case LX_FILE_PRESSURE_MEMORY:
		r = make_cgfile(view, f, &rd, host.buf, out, &err);
		break;
	case LX_NFILES: /* refused above */
		break;
	}
fallback:
	failed = r < 0 ? err.code : 0;
	if (r < 0) {
		char what[128];

		/* one line per container (or per host reader's file), not per reading pid */
		snprintf(what, sizeof(what), "%u:%llu", f,
			 rd.ct ? (unsigned long long)rd.ct->ns_ino : 0ULL);
		lx_log_ratelimited(LX_LOG_WARN, what, 60,
				   "%s for pid %d: serving the host file: %s", host_path, rd.pid,
				   err.code ? err.msg : "unknown error");
		reader_note_error(view, &err);
		key->ok = false;
		sb_reset(out);
		if ((lazy && host_file_read(f, &host, &err) < 0) ||
		    sb_append(out, host.buf, host.len) < 0)
			r = -1;
		else
			r = 0;
	}
	reader_end(view, &rd, failed);
	return r;
}

int content_make(struct lx_view *view, enum lx_file f, pid_t reader, struct strbuf *out)
{
	struct lx_limits_key key;

	return make(view, f, NULL, reader, out, &key);
}

int content_make_ct(struct lx_view *view, enum lx_file f, struct lx_container *ct,
		    struct strbuf *out, struct lx_limits_key *key)
{
	return make(view, f, ct, ct->init_pid, out, key);
}

void content_limits_key(struct lx_view *view, enum lx_file f, struct lx_container *ct,
			struct lx_limits_key *key)
{
	struct lx_error err = {0, ""};
	struct reader rd;

	key->ok = !__atomic_load_n(&view->host_view, __ATOMIC_RELAXED);
	key->v = 0;
	if (!key->ok || (!is_mem_file(f) && !is_cpu_file(f)))
		return;
	if (reader_begin(view, ct, ct->init_pid, &rd, &err) < 0) {
		key->ok = false;
	} else if (is_mem_file(f)) {
		mem_key(view, &rd, key);
	} else {
		/* what make_cpu reads them with: the cpuset, and the quota with --enable-cfs */
		if (cg_cpu_read_parts(&view->layout, rd.paths, &cpu_values,
				      view->cfs ? CG_CPU_QUOTA : 0, &err) < 0)
			key->ok = false;
		else
			cpu_key(&cpu_values, key);
	}
	/* not an error of what is served: nothing noted for the container */
	reader_end(view, &rd, 0);
}

int content_psi_trigger(struct lx_view *view, enum lx_file f, pid_t writer,
			const struct cg_psi_trigger *t, int *fd, struct lx_error *err)
{
	enum cg_psi what;
	struct reader rd;
	int r;

	if (!psi_of(f, &what))
		return lx_error_code(err, EINVAL, "%s takes no PSI trigger", lx_file_paths[f]);
	if (__atomic_load_n(&view->host_view, __ATOMIC_RELAXED))
		return cg_pressure_trigger(&view->layout, NULL, what, t, fd, err) < 0 ? -1 : 2;
	if (reader_begin(view, NULL, writer, &rd, err) < 0) {
		reader_end(view, &rd, err->code);
		return -1;
	}
	r = rd.ct ? cg_pressure_trigger(&view->layout, rd.paths, what, t, fd, err) : 0;
	reader_end(view, &rd, r < 0 ? err->code : 0);
	if (r != 0)
		return r;
	return cg_pressure_trigger(&view->layout, NULL, what, t, fd, err) < 0 ? -1 : 2;
}
