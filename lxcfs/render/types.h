/* Values the renderers take that the view keeps between reads or makes from a container's
 * files: a plain header, so that those who only hold them (view/containers.h,
 * view/devnames.h) need not see the renderers. */
#ifndef LXCFS_RENDER_TYPES_H
#define LXCFS_RENDER_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "cgroup/cpuset.h"

/* What render_stat emitted last for one container, so no counter it shows decreases. */
struct stat_mono {
	uint64_t tot_user, tot_system, tot_idle;
	struct {
		uint64_t user, system, idle;
	} cpu[CPUSET_MAX]; /* by real CPU: the CPUs in use share a page or two */
};

/* Names of block devices as seen in a container's /dev, by major:minor. */
struct devname {
	unsigned major, minor;
	char name[64];
};
struct devnames {
	size_t n;
	struct devname *v; /* malloc'd */
};

#endif
