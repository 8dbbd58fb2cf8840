/* CPU of a cgroup: effective cpuset, CFS quota (minimum up the tree) and CPU time.
 *
 * A controller that is not mounted at all (or has no line in /proc/PID/cgroup) leaves its
 * part at the neutral value: cpus = every CPU 0..CPUSET_MAX-1 (the renderer intersects it
 * with the host's online CPUs), cfs_cpus = 0 (no quota), usage 0 and no per-CPU values.
 * A controller that is there but whose files are missing, empty or garbage is an error. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup_internal.h"
#include "common/cleanup.h"
#include "common/fileio.h"

static void cpuset_all(struct cpuset *s)
{
	memset(s->bits, 0xff, sizeof(s->bits));
}

/* The cpuset of one level: 1 when found non-empty, 0 when empty or absent (unless need),
 * -1 on error. */
static int cpus_at(const struct cg_dir *d, const char *file, bool need, struct cpuset *out,
		   struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	struct lx_error e = {0, ""};
	int n = cg_read(d, file, &sb, &e);

	if (n < 0)
		return e.code == ENOENT && !need ? 0 : cg_error_pass(err, &e);
	if (n == 0 || cpuset_parse(sb.buf, out) < 0)
		return lx_error_set(err, EINVAL, "%s: `%s/%s`: not a CPU list: `%.32s`", d->ctrl,
				    d->rel, file, n ? sb.buf : "");
	return cpuset_count(out) > 0;
}

static int read_cpus(const struct cg_layout *l, const struct cg_paths *p, struct cpuset *cpus,
		     struct lx_error *err)
{
	struct cg_dir d;

	if (!cg_have(l, p, CG_CPUSET)) {
		cpuset_all(cpus);
		return 0;
	}
	if (cg_dir_open(l, p, CG_CPUSET, &d, err) < 0)
		return -1;
	do {
		int r;

		if (d.version == 1) {
			/* cpuset.effective_cpus is newer (3.x); cpuset.cpus is in every cgroup */
			r = cpus_at(&d, "cpuset.effective_cpus", false, cpus, err);
			if (r == 0)
				r = cpus_at(&d, "cpuset.cpus", true, cpus, err);
		} else {
			r = cpus_at(&d, "cpuset.cpus.effective", false, cpus, err);
		}
		if (r != 0)
			return r < 0 ? -1 : 0;
	} while (cg_dir_up(&d));
	/* no level names any CPU: no restriction */
	cpuset_all(cpus);
	return 0;
}

/* A quota: a number, "max" (v2) or "-1" (v1); UINT64_MAX for no limit. */
static int parse_quota(const char *s, uint64_t *out)
{
	if (strncmp(s, "-1", 2) == 0 && strspn(s + 2, " \n") == strlen(s + 2)) {
		*out = UINT64_MAX;
		return 0;
	}
	return parse_u64(s, out);
}

/* Quota and period at one level: 1 found, 0 absent (no quota there), -1 error. */
static int cfs_at(const struct cg_dir *d, uint64_t *quota, uint64_t *period, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	struct lx_error e = {0, ""};
	const char *file = d->version == 1 ? "cpu.cfs_quota_us" : "cpu.max";
	int n = cg_read(d, file, &sb, &e);

	if (n < 0)
		return e.code == ENOENT ? 0 : cg_error_pass(err, &e);
	if (d->version == 1) {
		if (n == 0 || parse_quota(sb.buf, quota) < 0)
			goto garbage;
		if (cg_read_u64(d, "cpu.cfs_period_us", period, err) < 0)
			return -1;
	} else { /* "max 100000" or "150000 100000" */
		char *sp = n ? strchr(sb.buf, ' ') : NULL;

		if (!sp)
			goto garbage;
		*sp = '\0';
		if (parse_quota(sb.buf, quota) < 0 || parse_u64(sp + 1, period) < 0 ||
		    sp[1] < '0' || sp[1] > '9')
			goto garbage;
	}
	if (*period == 0 || *period == UINT64_MAX)
		return lx_error_set(err, EINVAL, "%s: `%s`: bad CFS period", d->ctrl, d->rel);
	return 1;
garbage:
	return lx_error_set(err, EINVAL, "%s: `%s/%s`: bad quota: `%.32s`", d->ctrl, d->rel, file,
			    n ? sb.buf : "");
}

static int read_cfs(const struct cg_layout *l, const struct cg_paths *p, double *cpus,
		    struct lx_error *err)
{
	struct cg_dir d;
	double min = 0;

	*cpus = 0;
	if (!cg_have(l, p, CG_CPU))
		return 0;
	if (cg_dir_open(l, p, CG_CPU, &d, err) < 0)
		return -1;
	do {
		uint64_t quota, period;
		int r = cfs_at(&d, &quota, &period, err);

		if (r < 0)
			return -1;
		if (r > 0 && quota != UINT64_MAX) {
			double v = (double)quota / (double)period;

			if (min == 0 || v < min)
				min = v;
		}
	} while (cg_dir_up(&d));
	*cpus = min;
	return 0;
}

/* "0 1304187925 \n": one number per possible CPU. */
static int parse_percpu(const struct cg_dir *d, const char *text, struct cg_cpu *c,
			struct lx_error *err)
{
	const char *s = text;
	unsigned n = 0;

	for (;;) {
		char *end;

		while (*s == ' ')
			s++;
		if (*s == '\n' && !s[1])
			break;
		if (*s < '0' || *s > '9' || n >= CPUSET_MAX)
			goto garbage;
		errno = 0;
		c->percpu_ns[n++] = strtoull(s, &end, 10);
		if (errno || (*end != ' ' && *end != '\n'))
			goto garbage;
		s = end;
	}
	if (n == 0)
		goto garbage;
	c->nr_percpu = n;
	c->have_percpu = true;
	return 0;
garbage:
	return lx_error_set(err, EINVAL, "%s: `%s/cpuacct.usage_percpu`: malformed", d->ctrl,
			    d->rel);
}

/* v1: cpuacct.usage_percpu (its sum is cpuacct.usage) and cpuacct.stat's user/system split;
 * only cpuacct.usage when total_only. */
static int usage_v1(const struct cg_dir *d, struct cg_cpu *c, bool total_only, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	struct lx_error e = {0, ""};
	uint64_t user = 0, sys = 0;
	const struct cg_key keys[] = {{"user", &user, true}, {"system", &sys, true}};
	char what[PATH_MAX + 64];
	int n;

	if (total_only)
		return cg_read_u64(d, "cpuacct.usage", &c->usage_ns, err);
	n = cg_read(d, "cpuacct.usage_percpu", &sb, &e);
	if (n < 0 && e.code != ENOENT)
		return cg_error_pass(err, &e);
	if (n == 0)
		return lx_error_set(err, EINVAL, "%s: `%s/cpuacct.usage_percpu`: empty", d->ctrl,
				    d->rel);
	if (n > 0) {
		if (parse_percpu(d, sb.buf, c, err) < 0)
			return -1;
		c->usage_ns = 0;
		for (unsigned i = 0; i < c->nr_percpu; i++)
			c->usage_ns += c->percpu_ns[i];
	} else if (cg_read_u64(d, "cpuacct.usage", &c->usage_ns, err) < 0) {
		return -1;
	}
	if (cg_read(d, "cpuacct.stat", &sb, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "%s: `%s/cpuacct.stat`", d->ctrl, d->rel);
	if (cg_parse_keys(sb.buf ? sb.buf : "", keys, 2, what, err) < 0)
		return -1;
	/* cpuacct.stat is in USER_HZ ticks, coarser than cpuacct.usage and sampled: keep its
	 * ratio but scale it to the exact total. Nothing in it (tasks that never met a tick):
	 * all of it counts as user time. */
	if (user + sys == 0)
		c->user_ns = c->usage_ns;
	else
		c->user_ns = (uint64_t)((unsigned __int128)c->usage_ns * user / (user + sys));
	c->system_ns = c->usage_ns - c->user_ns;
	return 0;
}

static int usage_v2(const struct cg_dir *d, struct cg_cpu *c, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	uint64_t usage = 0, user = 0, sys = 0;
	const struct cg_key keys[] = {
	    {"usage_usec", &usage, true},
	    {"user_usec", &user, true},
	    {"system_usec", &sys, true},
	};
	char what[PATH_MAX + 64];

	if (cg_read(d, "cpu.stat", &sb, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "%s: `%s/cpu.stat`", d->ctrl, d->rel);
	if (cg_parse_keys(sb.buf ? sb.buf : "", keys, 3, what, err) < 0)
		return -1;
	c->usage_ns = usage * 1000;
	c->user_ns = user * 1000;
	c->system_ns = sys * 1000;
	return 0;
}

static int read_usage(const struct cg_layout *l, const struct cg_paths *p, struct cg_cpu *c,
		      bool total_only, struct lx_error *err)
{
	struct cg_dir d;

	if (!cg_have(l, p, CG_CPUACCT))
		return 0;
	if (cg_dir_open(l, p, CG_CPUACCT, &d, err) < 0)
		return -1;
	return d.version == 1 ? usage_v1(&d, c, total_only, err) : usage_v2(&d, c, err);
}

int cg_cpu_read_parts(const struct cg_layout *l, const struct cg_paths *p, struct cg_cpu *c,
		      unsigned parts, struct lx_error *err)
{
	/* The per-CPU array is 32 KiB: the values are gathered in this thread's own scratch copy
	 * (no heap allocation of that size per read), and only the head and the entries read
	 * are zeroed and copied out. */
	static __thread struct cg_cpu scratch;
	const size_t head = offsetof(struct cg_cpu, percpu_ns);
	struct cg_cpu *r = &scratch;

	memset(r, 0, head);
	if (read_cpus(l, p, &r->cpus, err) < 0 ||
	    ((parts & CG_CPU_QUOTA) && read_cfs(l, p, &r->cfs_cpus, err) < 0) ||
	    ((parts & (CG_CPU_USAGE | CG_CPU_TOTAL)) &&
	     read_usage(l, p, r, !(parts & CG_CPU_USAGE), err) < 0))
		return -1;
	/* a cgroup removed while we read it may have served a mix of values: recheck */
	for (int ctrl = 0; ctrl < CG_NR; ctrl++) {
		struct cg_dir d;

		if ((ctrl == CG_CPUSET || ctrl == CG_CPU || ctrl == CG_CPUACCT) &&
		    cg_have(l, p, ctrl) && cg_dir_open(l, p, ctrl, &d, err) < 0)
			return -1;
	}
	memcpy(c, r, head + r->nr_percpu * sizeof(r->percpu_ns[0]));
	return 0;
}

int cg_cpu_read(const struct cg_layout *l, const struct cg_paths *p, struct cg_cpu *c,
		struct lx_error *err)
{
	return cg_cpu_read_parts(l, p, c, CG_CPU_QUOTA | CG_CPU_USAGE, err);
}

int cg_cpuset_read(const struct cg_layout *l, const struct cg_paths *p, struct cg_cpu *c,
		   struct lx_error *err)
{
	return cg_cpu_read_parts(l, p, c, CG_CPU_QUOTA, err);
}
