/* `lxcfs-bench scale` (many containers in rotation, with the daemon's peak RSS and CPU time),
 * `loop` (a plain read loop, for strace) and `snapshot` (what a container reads, for the floor). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/strbuf.h"

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* the daemon's CPU time (all threads), in seconds */
static int proc_cpu_s(int pid, double *out, struct lx_error *err)
{
	struct strbuf sb __sbfree = STRBUF_INIT;
	char path[64];
	unsigned long long ut, st;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file_at(AT_FDCWD, path, &sb, err) < 0)
		return -1;
	p = strrchr(sb.buf, ')'); /* the command name may hold spaces */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return lx_error_set(err, EINVAL, "cannot parse `%s`", path);
	*out = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	return 0;
}

static int proc_status_kb(int pid, const char *key, uint64_t *kb, struct lx_error *err)
{
	struct strbuf sb __sbfree = STRBUF_INIT;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file_at(AT_FDCWD, path, &sb, err) < 0)
		return -1;
	if (find_meminfo_kb(sb.buf, key, kb) < 0)
		return lx_error_set(err, EINVAL, "no %s in `%s`", key, path);
	return 0;
}

/* the paths of target t, one per file */
static void fill_paths(const struct opts *o, const struct target *t, struct phase *p,
		       char (*paths)[CROWD_PATH_LEN])
{
	p->npaths = o->nfiles;
	for (unsigned f = 0; f < o->nfiles; f++) {
		target_path(t, o->file[f], paths[f], CROWD_PATH_LEN);
		p->paths[f] = paths[f];
	}
}

/* One target's scale phase; daemon figures when daemon_pid > 0. Returns the errors, or -1. */
static long long scale_target(const struct opts *o, struct crowd *cr, const struct target *t,
			      struct phase *p, int daemon_pid, FILE *tsv)
{
	char paths[MAX_FILES][CROWD_PATH_LEN];
	struct phase_result *res = calloc(1, sizeof(*res));
	struct lx_error err = {0, ""};
	struct hist all;
	uint64_t reads = 0, errors = 0, hwm_kb = 0, rss_kb = 0;
	double cpu0 = 0, cpu1 = 0, p50, p99, cpu10k = 0;

	if (!res)
		return -1;
	fill_paths(o, t, p, paths);
	if (daemon_pid > 0 && proc_cpu_s(daemon_pid, &cpu0, &err) < 0)
		goto fail;
	if (crowd_run(cr, p, res, &err) < 0) {
		printf("readers finished: NO (%u of %u, %s)\n", res->slots_done, p->nslots,
		       t->name);
		goto fail;
	}
	if (daemon_pid > 0 && (proc_cpu_s(daemon_pid, &cpu1, &err) < 0 ||
			       proc_status_kb(daemon_pid, "VmHWM", &hwm_kb, &err) < 0 ||
			       proc_status_kb(daemon_pid, "VmRSS", &rss_kb, &err) < 0))
		goto fail;
	memset(&all, 0, sizeof(all));
	for (unsigned f = 0; f < p->npaths; f++) {
		reads += res->path[f].reads;
		errors += res->path[f].errors;
		hist_merge(&all, &res->path[f].hist);
	}
	p50 = (double)hist_quantile(&all, 0.50) / 1e3;
	p99 = (double)hist_quantile(&all, 0.99) / 1e3;
	printf("%-9s %llu reads in %.2f s, %.0f reads/s, errors %llu, p50 %.1f us, p99 %.1f us\n",
	       t->name, (unsigned long long)reads, res->wall_s, (double)reads / res->wall_s,
	       (unsigned long long)errors, p50, p99);
	if (daemon_pid > 0) {
		cpu10k = reads ? (cpu1 - cpu0) / (double)reads * 10000 : 0;
		printf("  errors          %llu   [goal 0 (%u containers): %s]\n",
		       (unsigned long long)errors, p->ncontainers, errors ? "MISS" : "PASS");
		printf("  p99             %.1f us   [goal < %d us (%u containers): %s]\n", p99,
		       GOAL_SCALE_P99_US, p->ncontainers,
		       p99 < GOAL_SCALE_P99_US ? "PASS" : "MISS");
		printf("  daemon peak RSS %.1f MiB (VmHWM; VmRSS now %.1f MiB)   [goal < %d MiB "
		       "(%u containers): %s]\n",
		       (double)hwm_kb / 1024, (double)rss_kb / 1024, GOAL_SCALE_RSS_MIB,
		       p->ncontainers, hwm_kb < GOAL_SCALE_RSS_MIB * 1024 ? "PASS" : "MISS");
		printf("  daemon CPU      %.2f s for %llu reads: %.3f s per 10,000 reads\n",
		       cpu1 - cpu0, (unsigned long long)reads, cpu10k);
	}
	if (res->first_error[0])
		printf("  first error: %s\n", res->first_error);
	if (tsv)
		fprintf(tsv, "scale\t%u\t%s\t%.1f\t%.1f\t%.0f\t%llu\t%llu\t%llu\t%.3f\n",
			p->ncontainers, t->name, p50, p99, (double)reads / res->wall_s,
			(unsigned long long)reads, (unsigned long long)errors,
			(unsigned long long)hwm_kb, cpu10k);
	free(res);
	return (long long)errors;
fail:
	fprintf(stderr, "lxcfs-bench: %s: %s\n", t->name, err.msg);
	free(res);
	return -1;
}

int cmd_scale(const struct opts *o)
{
	struct lx_error err = {0, ""};
	struct crowd *cr = NULL;
	unsigned containers = o->containers ? o->containers : 1000;
	unsigned readers = o->nlevels ? o->readers[0] : 2;
	const struct target *daemon_target =
	    o->ntargets == 1 ? &o->target[0] : find_target(o, T_OURS);
	long long errors = 0;
	int ret = 1;
	FILE *tsv = NULL;
	double t0;

	if (readers > CROWD_MAX_SLOTS || readers > containers) {
		fprintf(stderr, "lxcfs-bench scale: at most %d readers, no more than containers\n",
			CROWD_MAX_SLOTS);
		return 2;
	}
	if (o->tsv && !(tsv = fopen(o->tsv, "a"))) {
		fprintf(stderr, "lxcfs-bench: %s: %s\n", o->tsv, strerror(errno));
		return 1;
	}
	t0 = mono_s();
	if (crowd_start(&cr, containers, o->cgroup_root, o->cgroup_parent, &err) < 0) {
		fprintf(stderr, "lxcfs-bench: %s\n", err.msg);
		goto out;
	}
	printf("setup: %u containers (a v1 cgroup and a pid namespace each) in %.2f s\n",
	       containers, mono_s() - t0);
	printf("%u containers in rotation, %u reading at once, each taking %u turns of one read of "
	       "each of the %u files:\n",
	       containers, readers, o->rounds, o->nfiles);
	for (unsigned i = 0; i < o->ntargets; i++) {
		const struct target *t = &o->target[i];
		struct phase p = {.mode = PHASE_ROUNDS,
				  .nslots = readers,
				  .ncontainers = containers,
				  .rounds = o->rounds,
				  .turn_reads = o->nfiles};
		long long e =
		    scale_target(o, cr, t, &p, t == daemon_target ? o->daemon_pid : 0, tsv);

		if (e < 0)
			goto out;
		errors += e;
	}
	printf("readers finished: all, %u containers\n", containers);
	ret = errors ? 1 : 0;
out:
	if (cr && crowd_stop(cr)) {
		fprintf(stderr, "lxcfs-bench: test cgroups left behind under %s\n",
			o->cgroup_parent);
		ret = 1;
	}
	crowd_free(cr);
	if (tsv)
		fclose(tsv);
	return ret;
}

int cmd_loop(const struct opts *o)
{
	char paths[MAX_FILES][CROWD_PATH_LEN];
	struct phase_result *res = calloc(1, sizeof(*res));
	struct lx_error err = {0, ""};
	struct crowd *cr = NULL;
	const struct target *t = &o->target[0];
	unsigned containers = o->containers ? o->containers : 10;
	unsigned readers = o->nlevels ? o->readers[0] : 2;
	struct phase p = {.mode = PHASE_ROUNDS,
			  .nslots = readers,
			  .ncontainers = containers,
			  .turn_reads = o->nfiles};
	uint64_t reads = 0, errors = 0;
	int ret = 1;

	if (!res || readers > CROWD_MAX_SLOTS || readers > containers) {
		free(res);
		return 2;
	}
	fill_paths(o, t, &p, paths);
	for (unsigned f = 0; f < p.npaths;) { /* only the files the target has */
		if (access(p.paths[f], F_OK) == 0) {
			f++;
			continue;
		}
		memmove(&paths[f], &paths[f + 1], (p.npaths - f - 1) * sizeof(paths[0]));
		p.npaths--;
	}
	if (!p.npaths) {
		fprintf(stderr, "lxcfs-bench: %s has none of the files\n", t->name);
		goto out;
	}
	p.turn_reads = p.npaths;
	p.rounds = (o->reads + containers * p.npaths - 1) / (containers * p.npaths);
	if (crowd_start(&cr, containers, o->cgroup_root, o->cgroup_parent, &err) < 0 ||
	    crowd_run(cr, &p, res, &err) < 0) {
		fprintf(stderr, "lxcfs-bench: %s\n", err.msg);
		goto out;
	}
	for (unsigned f = 0; f < p.npaths; f++) {
		reads += res->path[f].reads;
		errors += res->path[f].errors;
	}
	printf("loop: %llu reads of %u files of %s by %u containers, %llu errors\n",
	       (unsigned long long)reads, p.npaths, t->name, containers,
	       (unsigned long long)errors);
	if (res->first_error[0])
		printf("first error: %s\n", res->first_error);
	ret = errors ? 1 : 0;
out:
	if (cr && crowd_stop(cr))
		ret = 1;
	crowd_free(cr);
	free(res);
	return ret;
}

struct snap {
	const struct opts *o;
	const struct target *t;
};

/* in the container: copy each file of the target to OUT/<file> */
static int snapshot_main(void *varg)
{
	struct snap *s = varg;
	struct lx_error err = {0, ""};

	for (unsigned f = 0; f < s->o->nfiles; f++) {
		struct strbuf sb __sbfree = STRBUF_INIT;
		char src[CROWD_PATH_LEN], dst[512], *slash;
		__close int fd = -1;

		target_path(s->t, s->o->file[f], src, sizeof(src));
		snprintf(dst, sizeof(dst), "%s/%s", s->o->out, s->o->file[f]);
		for (slash = strchr(dst + strlen(s->o->out) + 1, '/'); slash;
		     slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
				fprintf(stderr, "lxcfs-bench: mkdir %s: %s\n", dst,
					strerror(errno));
				return 1;
			}
			*slash = '/';
		}
		if (read_file_at(AT_FDCWD, src, &sb, &err) < 0) {
			fprintf(stderr, "lxcfs-bench: %s\n", err.msg);
			return 1;
		}
		fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len) {
			fprintf(stderr, "lxcfs-bench: write %s: %s\n", dst, strerror(errno));
			return 1;
		}
	}
	return 0;
}

int cmd_snapshot(const struct opts *o)
{
	struct snap s = {o, &o->target[0]};
	struct lx_error err = {0, ""};
	int rc;

	if (!o->out) {
		fprintf(stderr, "lxcfs-bench snapshot: needs --out DIR\n");
		return 2;
	}
	if (mkdir(o->out, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "lxcfs-bench: mkdir %s: %s\n", o->out, strerror(errno));
		return 1;
	}
	rc = crowd_once(o->cgroup_root, o->cgroup_parent, snapshot_main, &s, &err);
	if (rc < 0)
		fprintf(stderr, "lxcfs-bench: %s\n", err.msg);
	return rc == 0 ? 0 : 1;
}
