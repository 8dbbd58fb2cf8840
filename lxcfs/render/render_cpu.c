/* The container's CPUs (visible_cpus) and sys/devices/system/cpu/online. */
#include "render/render.h"

#include <errno.h>

void visible_cpus(const struct cg_cpu *c, const struct cpuset *host_online, bool use_cfs,
		  struct cpuset *out)
{
	*out = c->cpus;
	cpuset_and(out, host_online);
	if (cpuset_count(out) == 0)
		*out = *host_online;
	if (use_cfs && c->cfs_cpus > 0) {
		/* ceil(cfs_cpus), without libm; a quota of a fraction of a CPU shows one CPU */
		unsigned n = CPUSET_MAX;

		if (c->cfs_cpus < CPUSET_MAX) {
			n = (unsigned)c->cfs_cpus;
			if ((double)n < c->cfs_cpus)
				n++;
		}
		cpuset_truncate(out, n);
	}
}

int render_cpu_online(const struct cpuset *cpus, struct strbuf *out)
{
	size_t start = out->len;

	if (cpuset_count(cpus) == 0) {
		errno = EINVAL;
		return -1;
	}
	if (cpuset_format(cpus, out) < 0 || sb_puts(out, "\n") < 0) {
		sb_truncate(out, start);
		return -1;
	}
	return 0;
}
