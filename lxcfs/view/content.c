/* The view: which container reads, which cgroup values it gets, and which renderer
 * makes its file. Anything that fails falls back to the host file. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "view/devnames.h"
#include "view/hostsnap.h"
#include "common/proc.h"
#include "render/render.h"
#include "common/served.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/log.h"

/* Host files the kernel takes long to make (/proc/cpuinfo ~35 us here: it samples every CPU's
 * frequency; meminfo, stat, diskstats ~10 us) are read at most every HOST_SNAP_MS, one copy
 * shared by every worker thread, whose counters never go backwards (hostsnap.h). The others
 * cost the kernel 1-3 us and are read afresh. */
#define HOST_SNAP_MS 10

static struct host_snap *host_snaps[LX_NFILES];

static int host_snaps_open(struct lx_error *err)
{
	static const enum lx_file files[] = {LX_FILE_CPUINFO, LX_FILE_MEMINFO, LX_FILE_STAT,
					     LX_FILE_DISKSTATS};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		enum lx_file n = files[i];

		if (host_snaps[n])
			continue;
		host_snaps[n] = host_snap_new(lx_file_host_paths[n], HOST_SNAP_MS);
		if (!host_snaps[n])
			return lx_error_set(err, ENOMEM, "host file snapshots");
	}
	return 0;
}

static void host_snaps_close(void)
{
	for (unsigned n = 0; n < LX_NFILES; n++) {
		host_snap_free(host_snaps[n]);
		host_snaps[n] = NULL;
	}
}

int daemon_init(struct lx_daemon *d, const struct lx_options *o, struct lx_error *err)
{
	memset(d, 0, sizeof(*d));
	d->opts = o;
	d->user_hz = sysconf(_SC_CLK_TCK);
	if (d->user_hz <= 0)
		d->user_hz = 100;
	d->start_time = time(NULL);
	pthread_mutex_init(&d->loadavg_lock, NULL);
	pthread_cond_init(&d->loadavg_cond, NULL);
	for (int i = 0; i < CG_NR; i++)
		d->layout.fd[i] = -1;
	d->layout.unified_fd = -1;
	if (cg_layout_open(&d->layout, o->cgroup_root, err) < 0 || host_snaps_open(err) < 0)
		return -1;
	d->containers = containers_new(err);
	if (!d->containers)
		return -1;
	d->handles = handles_new();
	if (!d->handles)
		return lx_error_set(err, ENOMEM, "handle table");
	return 0;
}

void daemon_fini(struct lx_daemon *d)
{
	handles_free(d->handles);
	containers_free(d->containers);
	cg_layout_close(&d->layout);
	host_snaps_close();
	pthread_mutex_destroy(&d->loadavg_lock);
	pthread_cond_destroy(&d->loadavg_cond);
}

/* Who is looking, and at which cgroups. */
struct view {
	struct lx_container *ct; /* NULL: a reader in the daemon's own pid namespace */
	pid_t pid;		 /* whose cgroups and /dev: the container's init, or the reader */
	const struct cg_paths *paths; /* the container's (under ct->cg_lock) or own_paths */
	struct cg_paths own_paths;
};

static uint64_t view_uptime_ns(const struct lx_daemon *d, const struct view *v)
{
	uint64_t now = boottime_ns(), start;

	if (!v->ct)
		return now;
	start = v->ct->start_ticks * (1000000000ULL / (uint64_t)d->user_hz);
	return now > start ? now - start : 0;
}

/* The host file of f, appended to sb, read through an fd this thread keeps open (procfs
 * and sysfs regenerate the text at offset 0). Per thread, so readers of different containers
 * never share the kernel's per-file lock; worker threads live as long as the daemon. */
static int host_read(enum lx_file f, struct strbuf *sb, struct lx_error *err)
{
	static __thread int fds[LX_NFILES]; /* fd + 1; 0: not open yet */
	const char *path = lx_file_host_paths[f];
	int fd = fds[f] - 1;

	if (host_snaps[f])
		return host_snap_read(host_snaps[f], sb, err);
	if (fd < 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return lx_error_set(err, errno, "open `%s`", path);
		fds[f] = fd + 1;
	}
	if (pread_whole(fd, sb) < 0) {
		int e = errno;

		close(fd);
		fds[f] = 0;
		return lx_error_set(err, e, "read `%s`", path);
	}
	return 0;
}

int content_host_size(enum lx_file f, size_t *size)
{
	__sbfree struct strbuf sb = STRBUF_INIT;

	if (f >= LX_NFILES || host_read(f, &sb, NULL) < 0)
		return -1;
	*size = sb.len;
	return 0;
}

/* The host's online CPUs; text is the host file when the caller has read it already. */
static int host_online(const char *text, struct cpuset *online, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;

	if (!text) {
		if (host_read(LX_FILE_CPU_ONLINE, &sb, err) < 0)
			return -1;
		text = sb.buf;
	}
	if (cpuset_parse(text, online) < 0)
		return lx_error_set(err, errno, "parse /sys/devices/system/cpu/online");
	return 0;
}

static int make_mem(struct lx_daemon *d, enum lx_file f, const struct view *v, const char *host,
		    struct strbuf *out, struct lx_error *err)
{
	__sbfree struct strbuf meminfo = STRBUF_INIT;
	uint64_t host_swap_kb = 0;
	struct cg_mem m;

	if (f == LX_FILE_MEMINFO) {
		if (cg_mem_read(&d->layout, v->paths, &m, err) < 0)
			return -1;
		return render_meminfo(host, &m, d->opts->swap, out) < 0
			   ? lx_error_set(err, errno, "render meminfo")
			   : 0;
	}
	if (host_read(LX_FILE_MEMINFO, &meminfo, err) < 0)
		return -1;
	/* a container's swap is at most the host's: without swap there, or with --disable-swap,
	 * nothing of the cgroup shows in /proc/swaps */
	memset(&m, 0, sizeof(m));
	if (d->opts->swap && find_meminfo_kb(meminfo.buf, "SwapTotal", &host_swap_kb) == 0 &&
	    host_swap_kb > 0 && cg_mem_read_limits(&d->layout, v->paths, &m, err) < 0)
		return -1;
	if (render_swaps(host, meminfo.buf, &m, d->opts->swap, out) < 0)
		return lx_error_set(err, errno, "render swaps");
	return 0;
}

static int make_stat(struct lx_daemon *d, const struct view *v, const char *host,
		     const struct cg_cpu *c, const struct cpuset *vis, struct strbuf *out,
		     struct lx_error *err)
{
	uint64_t up = view_uptime_ns(d, v);
	struct stat_mono *tmp;
	int r;

	if (!v->ct) {
		/* a host reader: no state kept between reads (its counters only grow) */
		tmp = stat_mono_new();
		if (!tmp)
			return lx_error_set(err, ENOMEM, "stat");
		r = render_stat(host, c, vis, up, d->user_hz, tmp, out);
		stat_mono_free(tmp);
	} else {
		pthread_mutex_lock(&v->ct->lock);
		if (!v->ct->mono)
			v->ct->mono = stat_mono_new();
		r = v->ct->mono ? render_stat(host, c, vis, up, d->user_hz, v->ct->mono, out) : -1;
		pthread_mutex_unlock(&v->ct->lock);
	}
	return r < 0 ? lx_error_set(err, errno, "render stat") : 0;
}

/* The CFS quota matters only with --enable-cfs; CPU time only for stat (all of it) and
 * uptime (the total). */
static unsigned cpu_parts(const struct lx_daemon *d, enum lx_file f)
{
	unsigned parts = d->opts->cfs ? CG_CPU_QUOTA : 0;

	if (f == LX_FILE_STAT)
		parts |= CG_CPU_USAGE;
	else if (f == LX_FILE_UPTIME)
		parts |= CG_CPU_TOTAL;
	return parts;
}

static int make_cpu(struct lx_daemon *d, enum lx_file f, const struct view *v, const char *host,
		    struct strbuf *out, struct lx_error *err)
{
	static __thread struct cg_cpu values; /* 32 KiB: per thread, not per read */
	struct cg_cpu *c = &values;	      /* cg_cpu_read_parts sets what it read */
	struct cpuset online, vis;
	unsigned ncpu;

	if (cg_cpu_read_parts(&d->layout, v->paths, c, cpu_parts(d, f), err) < 0 ||
	    host_online(f == LX_FILE_CPU_ONLINE ? host : NULL, &online, err) < 0)
		return -1;
	visible_cpus(c, &online, d->opts->cfs, &vis);
	ncpu = cpuset_count(&vis);
	switch (f) {
	case LX_FILE_CPUINFO:
		if (render_cpuinfo(host, &vis, out) < 0)
			return lx_error_set(err, errno, "render cpuinfo");
		return 0;
	case LX_FILE_CPU_ONLINE:
		if (render_cpu_online(&vis, out) < 0)
			return lx_error_set(err, errno, "render cpu/online");
		return 0;
	case LX_FILE_STAT:
		return make_stat(d, v, host, c, &vis, out, err);
	default: {
		double up = view_uptime_ns(d, v) / 1e9;
		double idle = up * ncpu - c->usage_ns / 1e9;

		if (!v->ct) /* the host's uptime and idle for a host reader */
			return sb_puts(out, host) < 0 ? lx_error_set(err, ENOMEM, "uptime") : 0;
		if (render_uptime(up, idle, out) < 0)
			return lx_error_set(err, errno, "render uptime");
		return 0;
	}
	}
}

static int make_disk(struct lx_daemon *d, enum lx_file f, const struct view *v, const char *host,
		     struct strbuf *out, struct lx_error *err)
{
	struct devnames own = {0, NULL}, *names = &own;
	struct cg_io io = {0, NULL};
	int r;

	if (v->ct) { /* kept with the container's paths (cg_lock is held) */
		if (!v->ct->have_devs && devnames_of_pid(v->pid, &v->ct->devs, err) < 0)
			return -1;
		v->ct->have_devs = true;
		names = &v->ct->devs;
	} else if (devnames_of_pid(v->pid, &own, err) < 0) {
		return -1;
	}
	if (f == LX_FILE_PARTITIONS) {
		r = render_partitions(host, names, out);
	} else {
		r = cg_io_read(&d->layout, v->paths, &io, err);
		if (r == 0)
			r = render_diskstats(host, &io, names, out);
		cg_io_free(&io);
	}
	devnames_free(&own);
	if (r < 0 && !err->msg[0])
		lx_error_set(err, errno, "render %s",
			     f == LX_FILE_PARTITIONS ? "partitions" : "diskstats");
	return r;
}

static int make_loadavg(struct lx_daemon *d, const struct view *v, const char *host,
			struct strbuf *out, struct lx_error *err)
{
	struct lx_container *c = v->ct;
	bool sampled;
	int r;

	if (!d->opts->loadavg || !c)
		return sb_puts(out, host) < 0 ? lx_error_set(err, ENOMEM, "loadavg") : 0;
	pthread_mutex_lock(&c->lock);
	sampled = c->load_sampled;
	pthread_mutex_unlock(&c->lock);
	if (!sampled && loadavg_sample(d, c, err) < 0)
		return -1;
	pthread_mutex_lock(&c->lock);
	r = render_loadavg(c->avenrun, c->running, c->total, c->last_pid, out);
	pthread_mutex_unlock(&c->lock);
	return r < 0 ? lx_error_set(err, errno, "render loadavg") : 0;
}

/* A system container's systemd moves itself into "init.scope" below the container's
 * cgroup (cgroup v2 allows no processes in inner cgroups): the container is the parent. */
void view_strip_init_scope(struct cg_paths *p)
{
	static const char scope[] = "/init.scope";
	const size_t n = sizeof(scope) - 1;

	for (int c = 0; c <= CG_NR; c++) {
		char *path = c < CG_NR ? p->path[c] : p->unified;
		size_t len = path ? strlen(path) : 0;

		if (len > n && strcmp(path + len - n, scope) == 0)
			path[len - n] = '\0';
		else if (len == n && strcmp(path, scope) == 0)
			path[1] = '\0'; /* "/init.scope" -> "/" */
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The container's cgroup paths, re-read from its init when older than the TTL (the held
 * files go with them). Called with c->cg_lock held. */
int container_paths(struct lx_daemon *d, struct lx_container *c, struct lx_error *err)
{
	int64_t now = now_ms();

	if (c->have_paths && now - c->paths_ms < CONTAINER_PATHS_TTL_MS)
		return 0;
	cg_fdcache_clear(c->cache);
	cg_paths_free(&c->paths);
	devnames_free(&c->devs);
	c->have_devs = false;
	c->have_paths = false;
	if (cg_paths_of_pid(&d->layout, c->init_pid, &c->paths, err) < 0)
		return -1;
	view_strip_init_scope(&c->paths);
	c->paths.cache = c->cache;
	c->have_paths = true;
	c->paths_ms = now;
	return 0;
}

int content_make(struct lx_daemon *d, enum lx_file f, pid_t reader, struct strbuf *out)
{
	const char *host_path;
	__sbfree struct strbuf host = STRBUF_INIT;
	struct view v = {
	    .ct = NULL, .pid = reader, .paths = NULL, .own_paths = {{NULL}, NULL, NULL}};
	struct lx_error err = {0, ""};
	int r = -1;

	if (f >= LX_NFILES)
		return -1;
	host_path = lx_file_host_paths[f];
	if (host_read(f, &host, &err) < 0) {
		lx_log_ratelimited(LX_LOG_ERROR, host_path, 60, "%s", err.msg);
		return -1;
	}
	if (reader <= 0) /* a reader outside our pid namespace: nothing to go by */
		goto fallback;
	r = containers_lookup(d->containers, reader, &v.ct, &err);
	if (r < 0)
		goto fallback;
	if (v.ct) {
		v.pid = v.ct->init_pid;
		pthread_mutex_lock(&v.ct->cg_lock);
		r = container_paths(d, v.ct, &err);
		v.paths = &v.ct->paths;
	} else {
		r = cg_paths_of_pid(&d->layout, v.pid, &v.own_paths, &err);
		v.paths = &v.own_paths;
	}
	if (r < 0)
		goto fallback;
	switch (f) {
	case LX_FILE_MEMINFO:
	case LX_FILE_SWAPS:
		r = make_mem(d, f, &v, host.buf, out, &err);
		break;
	case LX_FILE_CPUINFO:
	case LX_FILE_CPU_ONLINE:
	case LX_FILE_STAT:
	case LX_FILE_UPTIME:
		r = make_cpu(d, f, &v, host.buf, out, &err);
		break;
	case LX_FILE_DISKSTATS:
	case LX_FILE_PARTITIONS:
		r = make_disk(d, f, &v, host.buf, out, &err);
		break;
	case LX_FILE_LOADAVG:
		r = make_loadavg(d, &v, host.buf, out, &err);
		break;
	case LX_NFILES: /* refused above */
		break;
	}
fallback:
	/* a cgroup that went away (the container moved): read its paths again next time */
	if (r < 0 && v.ct && v.paths && err.code == ENOENT)
		v.ct->have_paths = false;
	if (r < 0) {
		char key[128];

		snprintf(key, sizeof(key), "%u:%d", f, v.pid);
		lx_log_ratelimited(LX_LOG_WARN, key, 60, "%s for pid %d: serving the host file: %s",
				   host_path, reader, err.msg[0] ? err.msg : "unknown error");
		sb_reset(out);
		if (sb_append(out, host.buf, host.len) < 0)
			r = -1;
		else
			r = 0;
	}
	cg_paths_free(&v.own_paths);
	if (v.ct) {
		pthread_mutex_unlock(&v.ct->cg_lock);
		container_put(d->containers, v.ct);
	}
	return r;
}
