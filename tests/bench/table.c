/* `lxcfs-bench table`: every file of every target read by the same container-like readers, at
 * each reader count, one cell at a time; one table per reader count with the goals marked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

struct cell {
	int ran;
	double p50_us, p99_us, rps;
	uint64_t reads, errors;
	double wall_s;	  /* over all passes */
	struct hist hist; /* over all passes */
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int index_of(const struct opts *o, const char *name)
{
	const struct target *t = find_target(o, name);

	return t ? (int)(t - o->target) : -1;
}

static const char *mark(int pass)
{
	return pass ? "PASS" : "MISS";
}

/* one table: rows are files, column groups are targets, then the ratios */
static void print_level(const struct opts *o, unsigned readers, struct cell (*row)[MAX_TARGETS])
{
	int floor = index_of(o, T_FLOOR), up = index_of(o, T_UPSTREAM), ours = index_of(o, T_OURS);
	unsigned p50_pass = 0, p50_n = 0, rps_pass = 0, rps_n = 0;

	printf(
	    "\n%u readers at once, taking turns over %u containers; %.2f s per cell in %u slices; "
	    "times in us\n",
	    readers, o->containers, o->seconds, o->passes);
	printf("%-11s", "");
	for (unsigned t = 0; t < o->ntargets; t++)
		printf("| %-23s", o->target[t].name);
	printf("| ours/floor | upstream/ours | ours/upstream\n");
	printf("%-11s", "file");
	for (unsigned t = 0; t < o->ntargets; t++)
		printf("| %6s %7s %8s ", "p50", "p99", "reads/s");
	printf("| p50 <=%.1f  | p50           | reads/s >=%.0f\n", GOAL_P50_VS_FLOOR,
	       GOAL_RPS_VS_UP);
	for (unsigned f = 0; f < o->nfiles; f++) {
		struct cell *c = row[f];

		printf("%-11s", file_label(o->file[f]));
		for (unsigned t = 0; t < o->ntargets; t++) {
			if (!c[t].ran)
				printf("| %6s %7s %8s ", "n/a", "", "");
			else if (!c[t].reads)
				printf("| %6s %7s %8s ", "-", "-", "-");
			else
				printf("| %6.1f %7.1f %8.0f ", c[t].p50_us, c[t].p99_us, c[t].rps);
		}
		if (ours >= 0 && floor >= 0 && c[ours].reads && c[floor].reads) {
			double r = c[ours].p50_us / c[floor].p50_us;
			int pass = r <= GOAL_P50_VS_FLOOR;

			p50_n++;
			p50_pass += pass;
			printf("| %5.2f %s ", r, mark(pass));
		} else {
			printf("| %10s ", "-");
		}
		if (ours >= 0 && up >= 0 && c[ours].reads && c[up].reads) {
			double r1 = c[up].p50_us / c[ours].p50_us, r2 = c[ours].rps / c[up].rps;
			int pass = r2 >= GOAL_RPS_VS_UP;

			rps_n++;
			rps_pass += pass;
			printf("| %6.2f        | %6.2f %s\n", r1, r2, mark(pass));
		} else {
			printf("| %13s | %s\n", "-", "-");
		}
	}
	/* The floor is the fastest any design with these FUSE options can be: its lead over
	 * upstream bounds ours. Where it is below the goal, no implementation can meet it. */
	if (floor >= 0 && up >= 0) {
		unsigned reachable = 0, n = 0;

		printf("bound for ours/upstream reads/s (floor/upstream):");
		for (unsigned f = 0; f < o->nfiles; f++) {
			const struct cell *c = row[f];
			double r;

			if (!c[floor].reads || !c[up].reads)
				continue;
			r = c[floor].rps / c[up].rps;
			n++;
			reachable += r >= GOAL_RPS_VS_UP;
			printf(" %s %.2f", file_label(o->file[f]), r);
		}
		printf("\n  the floor itself reaches %.0f x upstream for %u/%u files\n",
		       GOAL_RPS_VS_UP, reachable, n);
	}
	printf(
	    "goals at %u readers: ours p50 <= %.1f x floor p50: %u/%u files PASS; ours reads/s >= "
	    "%.0f x upstream: %u/%u files PASS\n",
	    readers, GOAL_P50_VS_FLOOR, p50_pass, p50_n, GOAL_RPS_VS_UP, rps_pass, rps_n);
}

static int warm_up(const struct opts *o, struct crowd *cr, unsigned slots,
		   int (*absent)[MAX_TARGETS], uint64_t *errors, char *first_error, size_t fesz)
{
	char paths[MAX_FILES][CROWD_PATH_LEN];
	struct phase_result *res = calloc(1, sizeof(*res));
	struct lx_error err = {0, ""};

	if (!res)
		return -1;
	for (unsigned t = 0; t < o->ntargets; t++) {
		struct phase p = {.mode = PHASE_ROUNDS,
				  .nslots = slots,
				  .ncontainers = o->containers,
				  .rounds = 1};

		for (unsigned f = 0; f < o->nfiles; f++) {
			if (absent[f][t])
				continue;
			target_path(&o->target[t], o->file[f], paths[p.npaths], CROWD_PATH_LEN);
			p.paths[p.npaths] = paths[p.npaths];
			p.npaths++;
		}
		p.turn_reads = p.npaths;
		if (!p.npaths)
			continue;
		if (crowd_run(cr, &p, res, &err) < 0) {
			fprintf(stderr, "lxcfs-bench: warm-up of %s: %s\n", o->target[t].name,
				err.msg);
			free(res);
			return -1;
		}
		for (unsigned f = 0; f < p.npaths; f++)
			errors[t] += res->path[f].errors;
		if (res->first_error[0] && !first_error[0])
			snprintf(first_error, fesz, "%s", res->first_error);
	}
	free(res);
	return 0;
}

/* one slice of one cell, added to it */
static int run_cell(const struct opts *o, struct crowd *cr, struct phase_result *res, unsigned l,
		    unsigned f, unsigned t, struct cell *c, uint64_t *errors, char *first_error,
		    size_t fesz)
{
	char path[CROWD_PATH_LEN];
	struct phase p = {.mode = PHASE_TIME,
			  .npaths = 1,
			  .paths = {path},
			  .nslots = o->readers[l],
			  .ncontainers = o->containers,
			  .seconds = o->seconds / o->passes,
			  .turn_us = o->turn_us};
	struct lx_error err = {0, ""};
	int rc;

	target_path(&o->target[t], o->file[f], path, sizeof(path));
	rc = crowd_run(cr, &p, res, &err);
	c->ran = 1;
	c->reads += res->path[0].reads;
	c->errors += res->path[0].errors;
	c->wall_s += res->wall_s;
	hist_merge(&c->hist, &res->path[0].hist);
	errors[t] += res->path[0].errors;
	if (res->first_error[0] && !first_error[0])
		snprintf(first_error, fesz, "%s", res->first_error);
	if (rc < 0)
		fprintf(stderr, "lxcfs-bench: %s %s: %s\n", o->target[t].name,
			file_label(o->file[f]), err.msg);
	return rc;
}

int cmd_table(const struct opts *o0)
{
	struct opts o = *o0;
	struct cell(*cells)[MAX_FILES][MAX_TARGETS] = NULL;
	struct phase_result *res = calloc(1, sizeof(*res));
	struct lx_error err = {0, ""};
	struct crowd *cr = NULL;
	uint64_t errors[MAX_TARGETS] = {0}, total_errors = 0;
	int absent[MAX_FILES][MAX_TARGETS];
	char first_error[256] = "";
	unsigned incomplete = 0, ncells = 0, maxr = 0;
	FILE *tsv = NULL;
	int ret = 1;
	double t0;

	if (!o.nlevels) {
		o.nlevels = 2;
		o.readers[0] = 2;
		o.readers[1] = 16;
	}
	if (!o.containers)
		o.containers = 100;
	for (unsigned l = 0; l < o.nlevels; l++)
		maxr = o.readers[l] > maxr ? o.readers[l] : maxr;
	if (maxr > CROWD_MAX_SLOTS || maxr > o.containers) {
		fprintf(stderr, "lxcfs-bench: at most %d readers, and no more than containers\n",
			CROWD_MAX_SLOTS);
		free(res);
		return 2;
	}
	cells = calloc(o.nlevels, sizeof(*cells));
	if (!res || !cells) {
		fprintf(stderr, "lxcfs-bench: out of memory\n");
		goto out;
	}
	if (o.tsv && !(tsv = fopen(o.tsv, "w"))) {
		fprintf(stderr, "lxcfs-bench: %s: %s\n", o.tsv, strerror(errno));
		goto out;
	}
	/* a file a target does not have (upstream lxcfs 5 has no proc/partitions) is no error */
	for (unsigned f = 0; f < o.nfiles; f++) {
		for (unsigned t = 0; t < o.ntargets; t++) {
			char path[CROWD_PATH_LEN];

			target_path(&o.target[t], o.file[f], path, sizeof(path));
			absent[f][t] = access(path, F_OK) != 0;
			if (absent[f][t])
				printf("note: %s has no %s: n/a in the table\n", o.target[t].name,
				       o.file[f]);
		}
	}
	t0 = mono_s();
	if (crowd_start(&cr, o.containers, o.cgroup_root, o.cgroup_parent, &err) < 0) {
		fprintf(stderr, "lxcfs-bench: %s\n", err.msg);
		goto out;
	}
	printf("setup: %u containers (a v1 cgroup and a pid namespace each, under %s) in %.2f s\n",
	       o.containers, o.cgroup_parent, mono_s() - t0);
	t0 = mono_s();
	if (warm_up(&o, cr, maxr, absent, errors, first_error, sizeof(first_error)) < 0)
		goto out;
	printf("warm-up: every container read every file of every target once, in %.2f s\n",
	       mono_s() - t0);
	/* Each cell is measured in `passes` slices, the targets of a file one after the other in
	 * each: a change of load on the machine hits every target alike. */
	for (unsigned l = 0; l < o.nlevels; l++) {
		for (unsigned pass = 0; pass < o.passes; pass++) {
			for (unsigned f = 0; f < o.nfiles; f++) {
				for (unsigned t = 0; t < o.ntargets; t++) {
					if (absent[f][t])
						continue;
					if (run_cell(&o, cr, res, l, f, t, &cells[l][f][t], errors,
						     first_error, sizeof(first_error)) < 0) {
						incomplete++;
						goto report;
					}
				}
			}
		}
		for (unsigned f = 0; f < o.nfiles; f++) {
			for (unsigned t = 0; t < o.ntargets; t++) {
				struct cell *c = &cells[l][f][t];

				if (!c->ran)
					continue;
				ncells++;
				c->rps = c->wall_s > 0 ? (double)c->reads / c->wall_s : 0;
				c->p50_us = (double)hist_quantile(&c->hist, 0.50) / 1e3;
				c->p99_us = (double)hist_quantile(&c->hist, 0.99) / 1e3;
				if (tsv)
					fprintf(tsv,
						"table\t%u\t%s\t%s\t%.1f\t%.1f\t%.0f\t%llu\t%llu\n",
						o.readers[l], file_label(o.file[f]),
						o.target[t].name, c->p50_us, c->p99_us, c->rps,
						(unsigned long long)c->reads,
						(unsigned long long)c->errors);
			}
		}
		print_level(&o, o.readers[l], cells[l]);
	}
report:
	for (unsigned t = 0; t < o.ntargets; t++)
		total_errors += errors[t];
	if (incomplete)
		printf("readers finished: NO (a cell did not finish; stopped)\n");
	else
		printf("readers finished: all, in all %u cells\n", ncells);
	printf("read errors: %llu (", (unsigned long long)total_errors);
	for (unsigned t = 0; t < o.ntargets; t++)
		printf("%s%s %llu", t ? ", " : "", o.target[t].name, (unsigned long long)errors[t]);
	printf(")\n");
	if (first_error[0])
		printf("first error: %s\n", first_error);
	ret = incomplete || total_errors ? 1 : 0;
out:
	if (cr && crowd_stop(cr)) {
		fprintf(stderr, "lxcfs-bench: test cgroups left behind under %s\n",
			o.cgroup_parent);
		ret = 1;
	}
	crowd_free(cr);
	if (tsv)
		fclose(tsv);
	free(cells);
	free(res);
	return ret;
}
