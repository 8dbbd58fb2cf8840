/* `lxcfs-bench scale` (many containers in rotation: every file of every target, with the
 * daemons' CPU per read, and the peak RSS of the daemon under test), `loop` (a plain read loop,
 * for strace) and `snapshot` (what a container reads, for the floors). */
#include <dirent.h>
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

/* a target's figures over every file */
struct total {
	uint64_t reads, errors;
	double wall_s, cpu_s;
	int cpu_ok;
	struct hist hist;
};

/* The descriptors pid has open, and its soft limit (0 when unknown). */
static void daemon_fds(pid_t pid, unsigned long *open, unsigned long *limit)
{
	char path[64], line[256];
	FILE *f;
	DIR *d;

	*open = *limit = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));)
		*open += e->d_name[0] != '.';
	if (d)
		closedir(d);
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Max open files %lu", limit) == 1)
			break;
	if (f)
		fclose(f);
}

/* The summary of one target over all files, with the goals for the daemon under test. */
static int print_total(const struct target *t, const struct total *tot, unsigned containers,
		       int goals, FILE *tsv)
{
	struct lx_error err = {0, ""};
	uint64_t hwm_kb = 0, rss_kb = 0;
	unsigned long fds, fd_limit;
	double p50 = (double)hist_quantile(&tot->hist, 0.50) / 1e3;
	double p99 = (double)hist_quantile(&tot->hist, 0.99) / 1e3;
	double rps = tot->wall_s > 0 ? (double)tot->reads / tot->wall_s : 0;
	double cpu10k = tot->cpu_ok && tot->reads ? tot->cpu_s / (double)tot->reads * 10000 : -1;

	printf("%-9s %llu reads in %.2f s, %.0f reads/s, errors %llu, p50 %.1f us, p99 %.1f us\n",
	       t->name, (unsigned long long)tot->reads, tot->wall_s, rps,
	       (unsigned long long)tot->errors, p50, p99);
	if (goals && t->pid > 0) {
		if (proc_status_kb(t->pid, "VmHWM", &hwm_kb, &err) < 0 ||
		    proc_status_kb(t->pid, "VmRSS", &rss_kb, &err) < 0) {
			fprintf(stderr, "lxcfs-bench: %s: %s\n", t->name, err.msg);
			return -1;
		}
		printf("  errors          %llu   [goal 0 (%u containers): %s]\n",
		       (unsigned long long)tot->errors, containers, tot->errors ? "MISS" : "PASS");
		printf("  p99             %.1f us   [goal < %d us (%u containers): %s]\n", p99,
		       GOAL_SCALE_P99_US, containers, p99 < GOAL_SCALE_P99_US ? "PASS" : "MISS");
		printf("  daemon peak RSS %.1f MiB (VmHWM; VmRSS now %.1f MiB)   [goal < %d MiB "
		       "(%u containers): %s]\n",
		       (double)hwm_kb / 1024, (double)rss_kb / 1024, GOAL_SCALE_RSS_MIB, containers,
		       hwm_kb < GOAL_SCALE_RSS_MIB * 1024 ? "PASS" : "MISS");
		if (cpu10k >= 0)
			printf("  daemon CPU      %.2f s for %llu reads: %.3f s per 10,000 reads\n",
			       tot->cpu_s, (unsigned long long)tot->reads, cpu10k);
		daemon_fds(t->pid, &fds, &fd_limit);
		/* lxcfs keeps a container's cgroup files open while they fit in half the limit
		 * (lxcfs/cgroup/cgroup_fdcache.c): the others are opened at each read */
		printf("  daemon fds      %lu open, limit %lu (cgroup files held while they fit in "
		       "half of it; the others opened at each read)\n",
		       fds, fd_limit);
	}
	if (tsv)
		fprintf(tsv, "scale\t%u\t%s\t%.1f\t%.1f\t%.0f\t%llu\t%llu\t%llu\t%.3f\n",
			containers, t->name, p50, p99, rps, (unsigned long long)tot->reads,
			(unsigned long long)tot->errors, (unsigned long long)hwm_kb, cpu10k);
	return 0;
}

static void total_add(struct total *a, const struct phase_result *res, double cpu)
{
	if (!a->reads && !a->errors)
		a->cpu_ok = 1;
	a->reads += res->path[0].reads;
	a->errors += res->path[0].errors;
	a->wall_s += res->wall_s;
	if (cpu < 0)
		a->cpu_ok = 0;
	else
		a->cpu_s += cpu;
	hist_merge(&a->hist, &res->path[0].hist);
}

/* One slice: every container reads file f of target t once; into the cell (or NULL) and the
 * totals a (or NULL) and b. */
static int run_slice(const struct opts *o, struct crowd *cr, struct phase_result *res, unsigned f,
		     unsigned t, unsigned readers, unsigned containers, struct cell *cell,
		     struct total *a, struct total *b)
{
	char path[CROWD_PATH_LEN];
	struct phase p = {.mode = PHASE_ROUNDS,
			  .npaths = 1,
			  .paths = {path},
			  .nslots = readers,
			  .ncontainers = containers,
			  .rounds = 1,
			  .turn_reads = 1};
	struct lx_error err = {0, ""};
	struct cpu_mark m;
	double cpu;

	target_path(&o->target[t], o->file[f], path, sizeof(path));
	cpu_mark_start(&m, &o->target[t]);
	if (crowd_run(cr, &p, res, &err) < 0) {
		printf("readers finished: NO (%u of %u, %s %s)\n", res->slots_done, p.nslots,
		       o->target[t].name, file_label(o->file[f]));
		fprintf(stderr, "lxcfs-bench: %s\n", err.msg);
		return -1;
	}
	cpu = cpu_mark_end(&m);
	if (cell)
		cell_add(cell, res, 0, cpu);
	if (a)
		total_add(a, res, cpu);
	total_add(b, res, cpu);
	if (res->first_error[0])
		printf("  first error (%s): %s\n", o->target[t].name, res->first_error);
	return 0;
}

int cmd_scale(const struct opts *o)
{
	struct lx_error err = {0, ""};
	struct crowd *cr = NULL;
	struct crowd_config cfg = {0};
	struct bench_files *bf = calloc(1, sizeof(*bf));
	struct phase_result *res = calloc(1, sizeof(*res));
	struct cell(*cells)[MAX_TARGETS] = calloc(MAX_FILES, sizeof(*cells));
	struct total *tot = calloc(MAX_TARGETS, sizeof(*tot));
	struct total *first = calloc(MAX_TARGETS, sizeof(*first));
	unsigned containers = o->containers ? o->containers : 1000;
	unsigned readers = o->nlevels ? o->readers[0] : 2;
	int ours = o->ntargets == 1 ? 0 : target_index(o, T_OURS);
	int ret = 1, check_failed = 0;
	uint64_t errors = 0;
	FILE *tsv = NULL;
	struct goal_set g;
	char what[64], key[32];
	double t0;

	if (!bf || !res || !cells || !tot || !first) {
		fprintf(stderr, "lxcfs-bench: out of memory\n");
		goto out;
	}
	if (readers > CROWD_MAX_SLOTS || readers > containers) {
		fprintf(stderr, "lxcfs-bench scale: at most %d readers, no more than containers\n",
			CROWD_MAX_SLOTS);
		ret = 2;
		goto out;
	}
	if (o->tsv && !(tsv = fopen(o->tsv, "a"))) {
		fprintf(stderr, "lxcfs-bench: %s: %s\n", o->tsv, strerror(errno));
		goto out;
	}
	if (bench_files_init(o, bf, &cfg, 0) < 0)
		goto out;
	cfg.ncontainers = containers;
	cfg.cgroup_root = o->cgroup_root;
	cfg.cgroup_parent = o->cgroup_parent;
	cfg.work_dir = o->work_dir;
	cfg.hot = 1;
	t0 = mono_s();
	if (crowd_start(&cr, &cfg, &err) < 0) {
		fprintf(stderr, "lxcfs-bench: %s\n", err.msg);
		goto out;
	}
	printf("setup: %u containers (a v1 cgroup, a pid and a mount namespace each) in %.2f s\n",
	       containers, mono_s() - t0);
	if (bench_check_binds(o, bf, cr, containers) < 0)
		check_failed = 1;
	/* Round 0 is the first contact: every container reads each file once, a fresh daemon
	 * meeting it (what a daemon must find out about a container the first time, said apart).
	 * Then every container reads each file once per slice, `rounds` slices per file; the
	 * files and the targets take turns, so that a change of load hits all alike. */
	for (unsigned r = 0; r <= o->rounds; r++) {
		for (unsigned f = 0; f < o->nfiles; f++) {
			for (unsigned t = 0; t < o->ntargets; t++) {
				if (bf->absent[f][t])
					continue;
				if (run_slice(o, cr, res, f, t, readers, containers,
					      r ? &cells[f][t] : NULL, r ? NULL : &first[t],
					      &tot[t]) < 0)
					goto out;
			}
		}
	}
	for (unsigned f = 0; f < o->nfiles; f++)
		for (unsigned t = 0; t < o->ntargets; t++)
			if (cells[f][t].ran)
				cell_finish(&cells[f][t]);
	printf("\nfirst contact: a fresh daemon, every container reading each file once "
	       "(over all files; cpu/rd: the daemon's CPU per read):\n");
	for (unsigned t = 0; t < o->ntargets; t++) {
		const struct total *a = &first[t];
		double rps = a->wall_s > 0 ? (double)a->reads / a->wall_s : 0;

		if (!a->reads)
			continue;
		printf("  %-9s %6.0f reads/s, p50 %.1f us, p99 %.1f us", o->target[t].name, rps,
		       (double)hist_quantile(&a->hist, 0.50) / 1e3,
		       (double)hist_quantile(&a->hist, 0.99) / 1e3);
		if (a->cpu_ok && o->target[t].pid > 0)
			printf(", cpu/rd %.1f us", a->cpu_s / (double)a->reads * 1e6);
		printf("\n");
	}
	printf("\n%u containers in rotation, %u reading at once, after the first contact; in each "
	       "of %u slices every container reads one file once, then passes the turn (files and "
	       "targets take turns); times in us; cpu/rd: the daemon's CPU per read, us\n",
	       containers, readers, o->rounds * o->nfiles);
	snprintf(what, sizeof(what), "%u containers", containers);
	snprintf(key, sizeof(key), "scale-file\t%u", containers);
	g = (struct goal_set){what, GOAL_RPS_VS_FLOOR, GOAL_RPS_VS_UP, 1};
	report_table(o, cells, &g, tsv, key);
	printf("over all files, the first contact included:\n");
	for (unsigned t = 0; t < o->ntargets; t++) {
		if (!tot[t].reads && !tot[t].errors)
			continue;
		errors += tot[t].errors;
		if (print_total(&o->target[t], &tot[t], containers, (int)t == ours, tsv) < 0)
			goto out;
	}
	printf("readers finished: all, %u containers\n", containers);
	ret = errors || check_failed ? 1 : 0;
out:
	if (cr && crowd_stop(cr)) {
		fprintf(stderr, "lxcfs-bench: test cgroups or binds left behind under %s\n",
			o->cgroup_parent);
		ret = 1;
	}
	crowd_free(cr);
	if (tsv)
		fclose(tsv);
	free(bf);
	free(res);
	free(cells);
	free(tot);
	free(first);
	return ret;
}

int cmd_loop(const struct opts *o)
{
	struct phase_result *res = calloc(1, sizeof(*res));
	struct bench_files *bf = calloc(1, sizeof(*bf));
	struct crowd_config cfg = {0};
	struct lx_error err = {0, ""};
	struct crowd *cr = NULL;
	const struct target *t = &o->target[0];
	unsigned containers = o->containers ? o->containers : 10;
	unsigned readers = o->nlevels ? o->readers[0] : 2;
	struct phase p = {.mode = PHASE_ROUNDS, .nslots = readers, .ncontainers = containers};
	char paths[MAX_FILES][CROWD_PATH_LEN];
	uint64_t reads = 0, errors = 0;
	int ret = 1;

	if (!res || !bf || readers > CROWD_MAX_SLOTS || readers > containers) {
		free(res);
		free(bf);
		return 2;
	}
	if (bench_files_init(o, bf, &cfg, 1) < 0)
		goto out;
	for (unsigned f = 0; f < o->nfiles; f++) { /* only the files the target has */
		if (bf->absent[f][0])
			continue;
		target_path(t, o->file[f], paths[p.npaths], CROWD_PATH_LEN);
		p.paths[p.npaths] = paths[p.npaths];
		p.npaths++;
	}
	if (!p.npaths) {
		fprintf(stderr, "lxcfs-bench: %s has none of the files\n", t->name);
		goto out;
	}
	p.turn_reads = p.npaths;
	p.rounds = (o->reads + containers * p.npaths - 1) / (containers * p.npaths);
	cfg.ncontainers = containers;
	cfg.cgroup_root = o->cgroup_root;
	cfg.cgroup_parent = o->cgroup_parent;
	cfg.work_dir = o->work_dir;
	cfg.hot = 1;
	if (crowd_start(&cr, &cfg, &err) < 0 || crowd_run(cr, &p, res, &err) < 0) {
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
	free(bf);
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
