/* Cells of the tables, the tables with their ratios, and the goal lines (see bench.h). */
#include <stdio.h>
#include <string.h>

#include "bench.h"

void cpu_mark_start(struct cpu_mark *m, const struct target *t)
{
	m->pid = t->pid;
	m->ok = m->pid > 0 && cpu_sample(m->pid, &m->s, NULL) == 0;
}

double cpu_mark_end(struct cpu_mark *m)
{
	struct cpu_sample end;

	if (!m->ok || cpu_sample(m->pid, &end, NULL) < 0)
		return -1;
	return cpu_between(&m->s, &end);
}

void cell_add(struct cell *c, const struct phase_result *res, unsigned pi, double cpu_s)
{
	if (!c->ran)
		c->cpu_ok = 1;
	c->ran = 1;
	c->reads += res->path[pi].reads;
	c->errors += res->path[pi].errors;
	c->wall_s += res->wall_s;
	hist_merge(&c->hist, &res->path[pi].hist);
	if (cpu_s < 0)
		c->cpu_ok = 0;
	else
		c->cpu_s += cpu_s;
}

void cell_finish(struct cell *c)
{
	c->rps = c->wall_s > 0 ? (double)c->reads / c->wall_s : 0;
	c->p50_us = (double)hist_quantile(&c->hist, 0.50) / 1e3;
	c->p99_us = (double)hist_quantile(&c->hist, 0.99) / 1e3;
	c->cpu_us = c->cpu_ok && c->reads ? c->cpu_s / (double)c->reads * 1e6 : -1;
}

static const char *mark(int pass)
{
	return pass ? "PASS" : "MISS";
}

static int has(const struct cell *c)
{
	return c->ran && c->reads > 0;
}

/* One goal over the files: how many pass, and the worst ratio. */
struct tally {
	unsigned n, pass;
	double worst;
	const char *worst_file;
};

static void tally_add(struct tally *t, double r, int pass, int higher_is_better, const char *file)
{
	if (!t->n || (higher_is_better ? r < t->worst : r > t->worst)) {
		t->worst = r;
		t->worst_file = file;
	}
	t->n++;
	t->pass += pass;
}

static void goal_line(const char *text, double x, const struct tally *t, const char *worst,
		      const char *what)
{
	printf("  %s %.1f x floor's", text, x);
	if (!t->n) {
		printf(": no figures   [goal %s, every file: n/a]\n", what);
		return;
	}
	printf(": %u/%u files, %s %.2f (%s)   [goal %s, every file: %s]\n", t->pass, t->n, worst,
	       t->worst, t->worst_file, what, mark(t->pass == t->n));
}

/* min and max of ratios a/b over the files (b, a measured) */
static int ratio_range(const struct opts *o, struct cell (*row)[MAX_TARGETS], int a, int b, int cpu,
		       double *lo, double *hi)
{
	int n = 0;

	if (a < 0 || b < 0)
		return 0;
	for (unsigned f = 0; f < o->nfiles; f++) {
		const struct cell *c = row[f];
		double r;

		if (!has(&c[a]) || !has(&c[b]))
			continue;
		if (cpu && (c[a].cpu_us < 0 || c[b].cpu_us <= 0))
			continue;
		r = cpu ? c[a].cpu_us / c[b].cpu_us : c[a].rps / c[b].rps;
		if (!n || r < *lo)
			*lo = r;
		if (!n || r > *hi)
			*hi = r;
		n++;
	}
	return n;
}

static void print_figures(const struct opts *o, struct cell (*row)[MAX_TARGETS])
{
	printf("%-11s", "");
	for (unsigned t = 0; t < o->ntargets; t++)
		printf(o->target[t].pid > 0 ? "| %-29s" : "| %-22s", o->target[t].name);
	printf("\n%-11s", "file");
	for (unsigned t = 0; t < o->ntargets; t++) {
		printf("| %6s %7s %7s ", "p50", "p99", "reads/s");
		if (o->target[t].pid > 0)
			printf("%6s ", "cpu/rd");
	}
	printf("\n");
	for (unsigned f = 0; f < o->nfiles; f++) {
		const struct cell *c = row[f];

		printf("%-11s", file_label(o->file[f]));
		for (unsigned t = 0; t < o->ntargets; t++) {
			int cpu_col = o->target[t].pid > 0;

			if (!c[t].ran)
				printf("| %6s %7s %7s ", "n/a", "", "");
			else if (!c[t].reads)
				printf("| %6s %7s %7s ", "-", "-", "-");
			else
				printf("| %6.1f %7.1f %7.0f ", c[t].p50_us, c[t].p99_us, c[t].rps);
			if (!cpu_col)
				continue;
			if (has(&c[t]) && c[t].cpu_us >= 0)
				printf("%6.1f ", c[t].cpu_us);
			else
				printf("%6s ", c[t].ran ? "-" : "");
		}
		printf("\n");
	}
}

void report_table(const struct opts *o, struct cell (*row)[MAX_TARGETS], const struct goal_set *g,
		  FILE *tsv, const char *key)
{
	int fl = target_index(o, T_FLOOR), pc = target_index(o, T_FLOOR_PC),
	    up = target_index(o, T_UPSTREAM), ours = target_index(o, T_OURS);
	struct tally t_floor = {0}, t_up = {0}, t_cpu = {0};
	double lo, hi, lo2, hi2;
	char la[32], lc[32];

	print_figures(o, row);
	if (tsv) {
		for (unsigned f = 0; f < o->nfiles; f++) {
			for (unsigned t = 0; t < o->ntargets; t++) {
				const struct cell *c = &row[f][t];

				if (!c->ran)
					continue;
				fprintf(tsv, "%s\t%s\t%s\t%.1f\t%.1f\t%.0f\t%llu\t%llu\t%.2f\n",
					key, file_label(o->file[f]), o->target[t].name, c->p50_us,
					c->p99_us, c->rps, (unsigned long long)c->reads,
					(unsigned long long)c->errors, c->cpu_us);
			}
		}
	}
	if (ours < 0)
		return;
	/* ratios: ours/floor reads/s and CPU per read, ours/upstream reads/s, ours/floor-pc */
	snprintf(la, sizeof(la), g->rps_vs_floor > 0 ? "reads/s>=%.1f" : "reads/s",
		 g->rps_vs_floor);
	snprintf(lc, sizeof(lc), "%s", g->rps_vs_up > 0 ? "reads/s>=3" : "reads/s");
	printf("%-11s| %-24s| %-15s| %s\n", "ratios", "ours/floor", "ours/upstream",
	       "ours/floor-pc (the new way's floor)");
	printf("%-11s| %-12s %-11s| %-15s| %-8s %-8s %s\n", "file", la,
	       g->cpu_vs_floor ? "cpu/rd<=1" : "cpu/rd", lc, "reads/s", "cpu/rd", "p50");
	for (unsigned f = 0; f < o->nfiles; f++) {
		const struct cell *c = row[f];
		const char *label = file_label(o->file[f]);
		char a[32] = "-", b[32] = "-", cc[32] = "-", d[16] = "-", e[16] = "-",
		     p50[16] = "-";

		if (fl >= 0 && has(&c[ours]) && has(&c[fl])) {
			double r = c[ours].rps / c[fl].rps;
			int pass = r >= g->rps_vs_floor;

			if (g->rps_vs_floor > 0)
				tally_add(&t_floor, r, pass, 1, label);
			snprintf(a, sizeof(a), "%6.2f %s", r,
				 g->rps_vs_floor > 0 ? mark(pass) : "");
			if (c[ours].cpu_us >= 0 && c[fl].cpu_us > 0) {
				double rc = c[ours].cpu_us / c[fl].cpu_us;

				pass = rc <= 1.0;
				if (g->cpu_vs_floor)
					tally_add(&t_cpu, rc, pass, 0, label);
				snprintf(b, sizeof(b), "%5.2f %s", rc,
					 g->cpu_vs_floor ? mark(pass) : "");
			}
		}
		if (up >= 0 && has(&c[ours]) && has(&c[up])) {
			double r = c[ours].rps / c[up].rps;
			int pass = r >= g->rps_vs_up;

			if (g->rps_vs_up > 0)
				tally_add(&t_up, r, pass, 1, label);
			snprintf(cc, sizeof(cc), "%6.2f %s", r, g->rps_vs_up > 0 ? mark(pass) : "");
		}
		if (pc >= 0 && has(&c[ours]) && has(&c[pc])) {
			snprintf(d, sizeof(d), "%7.2f", c[ours].rps / c[pc].rps);
			if (c[ours].cpu_us >= 0 && c[pc].cpu_us > 0)
				snprintf(e, sizeof(e), "%7.2f", c[ours].cpu_us / c[pc].cpu_us);
			snprintf(p50, sizeof(p50), "%6.2f", c[ours].p50_us / c[pc].p50_us);
		}
		printf("%-11s| %-12s %-11s| %-15s| %-8s %-8s %s\n", label, a, b, cc, d, e, p50);
	}
	if (g->rps_vs_floor > 0)
		goal_line("ours reads/s >=", g->rps_vs_floor, &t_floor, "lowest", g->what);
	if (g->rps_vs_up > 0) {
		printf("  ours reads/s >= %.0f x upstream's", g->rps_vs_up);
		if (!t_up.n)
			printf(": no figures   [goal %s, every file: n/a]\n", g->what);
		else
			printf(": %u/%u files, lowest %.2f (%s)   [goal %s, every file: %s]\n",
			       t_up.pass, t_up.n, t_up.worst, t_up.worst_file, g->what,
			       mark(t_up.pass == t_up.n));
	}
	if (g->cpu_vs_floor) {
		printf("  ours daemon CPU per read <= floor's");
		if (!t_cpu.n)
			printf(": no figures   [goal %s, every file: n/a]\n", g->what);
		else
			printf(
			    ": %u/%u files, highest ratio %.2f (%s)   [goal %s, every file: %s]\n",
			    t_cpu.pass, t_cpu.n, t_cpu.worst, t_cpu.worst_file, g->what,
			    mark(t_cpu.pass == t_cpu.n));
	}
	/* how close ours is to the floor of the new way, and what the new way allows */
	printf("  new-way floor (%s):", g->what);
	if (ratio_range(o, row, ours, pc, 0, &lo, &hi))
		printf(" ours/floor-pc reads/s %.2f-%.2f", lo, hi);
	if (ratio_range(o, row, ours, pc, 1, &lo, &hi))
		printf(", CPU per read %.2f-%.2f", lo, hi);
	if (ratio_range(o, row, pc, fl, 0, &lo, &hi))
		printf("; floor-pc/floor reads/s %.2f-%.2f", lo, hi);
	if (ratio_range(o, row, pc, up, 0, &lo2, &hi2))
		printf(", floor-pc/upstream %.2f-%.2f", lo2, hi2);
	/* where the new way's floor itself misses a goal, ours can only meet it by luck */
	if (pc >= 0 && fl >= 0 && g->rps_vs_floor > 0) {
		unsigned n = 0, k = 0;

		for (unsigned f = 0; f < o->nfiles; f++) {
			const struct cell *c = row[f];

			if (!has(&c[pc]) || !has(&c[fl]))
				continue;
			n++;
			k += c[pc].rps / c[fl].rps >= g->rps_vs_floor;
		}
		printf("; floor-pc itself >= %.1f x floor for %u/%u files", g->rps_vs_floor, k, n);
	}
	printf("\n");
}
