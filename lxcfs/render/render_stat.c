/* /proc/stat for a container: cpu lines from the cgroup's CPU accounting, the other
 * host lines kept. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "render/render.h"

#define NSEC_PER_SEC 1000000000ULL
#define STAT_MAXCOLS 64 /* more columns than any kernel prints: garbage */

struct stat_line {
	const char *s; /* start of the line */
	size_t len;    /* without the newline */
	size_t keylen;
	unsigned nfields; /* numbers after the key */
};

/* Next line of text at *p; false at the end. */
static bool next_line(const char **p, struct stat_line *l)
{
	const char *nl;

	if (!**p)
		return false;
	l->s = *p;
	nl = strchr(l->s, '\n');
	l->len = nl ? (size_t)(nl - l->s) : strlen(l->s);
	*p = nl ? nl + 1 : l->s + l->len;
	return true;
}

/* A line is "key N N ...": key of [a-z0-9_], then at least one blank-separated
 * number. Fills keylen and nfields; -1 when the line is not of that shape. */
static int check_line(struct stat_line *l)
{
	size_t i = 0;

	while (i < l->len && ((l->s[i] >= 'a' && l->s[i] <= 'z') ||
			      (l->s[i] >= '0' && l->s[i] <= '9') || l->s[i] == '_'))
		i++;
	l->keylen = i;
	l->nfields = 0;
	if (i == 0)
		return -1;
	while (i < l->len) {
		size_t d;

		if (l->s[i] != ' ')
			return -1;
		while (i < l->len && l->s[i] == ' ')
			i++;
		for (d = i; d < l->len && l->s[d] >= '0' && l->s[d] <= '9'; d++)
			;
		if (d == i || d - i > 20)
			return -1;
		i = d;
		l->nfields++;
	}
	return l->nfields ? 0 : -1;
}

static bool key_is(const struct stat_line *l, const char *key)
{
	return l->keylen == strlen(key) && memcmp(l->s, key, l->keylen) == 0;
}

/* "cpu" followed by digits only. */
static bool key_is_percpu(const struct stat_line *l)
{
	if (l->keylen <= 3 || memcmp(l->s, "cpu", 3) != 0)
		return false;
	for (size_t i = 3; i < l->keylen; i++)
		if (l->s[i] < '0' || l->s[i] > '9')
			return false;
	return true;
}

static uint64_t ns_to_ticks(uint64_t ns, long user_hz)
{
	return (uint64_t)((unsigned __int128)ns * (uint64_t)user_hz / NSEC_PER_SEC);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Append " user nice system idle ..." with ncols columns (nice and everything after
 * idle 0). */
static int put_cols(struct strbuf *out, uint64_t user, uint64_t system, uint64_t idle,
		    unsigned ncols)
{
	uint64_t v[4] = {user, 0, system, idle};

	for (unsigned k = 0; k < ncols; k++)
		if (sb_printf(out, " %llu", (unsigned long long)(k < 4 ? v[k] : 0)) < 0)
			return -1;
	return sb_puts(out, "\n");
}

/* Busy time of real CPU `real`, as nanoseconds, split into user and system. */
static void cpu_busy(const struct cg_cpu *c, unsigned real, unsigned nvisible, uint64_t *user,
		     uint64_t *system)
{
	uint64_t busy;
	unsigned __int128 split = (unsigned __int128)c->user_ns + c->system_ns;

	if (c->have_percpu)
		busy = real < c->nr_percpu && real < CPUSET_MAX ? c->percpu_ns[real] : 0;
	else
		busy = nvisible ? c->usage_ns / nvisible : 0;
	if (split == 0)
		*user = busy;
	else
		*user = (uint64_t)((unsigned __int128)busy * c->user_ns / split);
	*system = busy - *user;
}

/* Ticks shown for the i-th visible CPU (real CPU real): raw values from the cgroup,
 * raised to what was shown before when mono is given (and mono updated). */
static void cpu_ticks(const struct cg_cpu *c, unsigned real, unsigned nvisible, uint64_t uptime_ns,
		      long user_hz, struct stat_mono *mono, uint64_t v[3])
{
	uint64_t u_ns, s_ns, busy;

	cpu_busy(c, real, nvisible, &u_ns, &s_ns);
	busy = u_ns + s_ns;
	v[0] = ns_to_ticks(u_ns, user_hz);
	v[1] = ns_to_ticks(s_ns, user_hz);
	v[2] = uptime_ns > busy ? ns_to_ticks(uptime_ns - busy, user_hz) : 0;
	if (mono) {
		v[0] = mono->cpu[real].user = max_u64(mono->cpu[real].user, v[0]);
		v[1] = mono->cpu[real].system = max_u64(mono->cpu[real].system, v[1]);
		v[2] = mono->cpu[real].idle = max_u64(mono->cpu[real].idle, v[2]);
	}
}

static int emit_cpu_lines(const struct cg_cpu *c, const struct cpuset *cpus, uint64_t uptime_ns,
			  long user_hz, unsigned ncols, struct stat_mono *mono, struct strbuf *out)
{
	unsigned n = cpuset_count(cpus);
	uint64_t v[3], tot[3] = {0, 0, 0};
	int real;

	/* Sums first: the aggregate line comes before the per-CPU ones. cpu_ticks is
	 * idempotent for a given input, so the second pass shows the same values. */
	for (unsigned i = 0; i < n && (real = cpuset_nth(cpus, i)) >= 0; i++) {
		cpu_ticks(c, (unsigned)real, n, uptime_ns, user_hz, mono, v);
		for (int k = 0; k < 3; k++)
			tot[k] += v[k];
	}
	if (mono) {
		tot[0] = mono->tot_user = max_u64(mono->tot_user, tot[0]);
		tot[1] = mono->tot_system = max_u64(mono->tot_system, tot[1]);
		tot[2] = mono->tot_idle = max_u64(mono->tot_idle, tot[2]);
	}
	if (sb_puts(out, "cpu ") < 0 || put_cols(out, tot[0], tot[1], tot[2], ncols) < 0)
		return -1;
	for (unsigned i = 0; i < n && (real = cpuset_nth(cpus, i)) >= 0; i++) {
		cpu_ticks(c, (unsigned)real, n, uptime_ns, user_hz, mono, v);
		if (sb_printf(out, "cpu%u", i) < 0 || put_cols(out, v[0], v[1], v[2], ncols) < 0)
			return -1;
	}
	return 0;
}

int render_stat(const char *host_stat, const struct cg_cpu *c, const struct cpuset *cpus,
		uint64_t uptime_ns, long user_hz, struct stat_mono *mono, struct strbuf *out)
{
	const char *p = host_stat;
	struct stat_line l;
	unsigned ncols = 0;
	size_t start = out->len;

	if (!host_stat || user_hz <= 0) {
		errno = EINVAL;
		return -1;
	}
	/* Check the whole host text first: one "cpu" line, every line "key numbers". */
	while (next_line(&p, &l)) {
		if (check_line(&l) < 0)
			goto inval;
		if (key_is(&l, "cpu")) {
			if (ncols || l.nfields < 4 || l.nfields > STAT_MAXCOLS)
				goto inval;
			ncols = l.nfields;
		}
	}
	if (!ncols)
		goto inval;

	for (p = host_stat; next_line(&p, &l);) {
		int r = 0;

		check_line(&l);
		if (key_is(&l, "cpu"))
			r = emit_cpu_lines(c, cpus, uptime_ns, user_hz, ncols, mono, out);
		else if (!key_is_percpu(&l))
			r = (sb_append(out, l.s, l.len) < 0 || sb_puts(out, "\n") < 0) ? -1 : 0;
		if (r < 0) {
			sb_truncate(out, start);
			errno = ENOMEM;
			return -1;
		}
	}
	return 0;
inval:
	errno = EINVAL;
	return -1;
}
