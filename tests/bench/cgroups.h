/* The benchmark's v1 test cgroups: /sys/fs/cgroup/<ctrl>/PARENT/cN in the memory, cpuset, cpu,
 * cpuacct and blkio hierarchies, made for one run and removed after it. Nothing is written
 * outside PARENT. */
#ifndef LXCFS_BENCH_CGROUPS_H
#define LXCFS_BENCH_CGROUPS_H

#include <stdint.h>

#include "common/error.h"

#define CG_MAX_CTRLS 5

struct bench_cg {
	char root[256];	  /* /sys/fs/cgroup */
	char parent[128]; /* e.g. lxcfs-bench-1234 */
	unsigned nctrls;
	char ctrl[CG_MAX_CTRLS][16]; /* hierarchies found (one name per distinct mount) */
	int made_parent[CG_MAX_CTRLS];
	char host_cpus[256]; /* cpuset.cpus of the parent, copied from the root */
	char host_mems[64];
	unsigned ncpus; /* CPUs in host_cpus */
	unsigned made;	/* children c0..c(made-1) exist */
};

/* Find the hierarchies and make PARENT in each. */
int bench_cg_init(struct bench_cg *cg, const char *root, const char *parent, struct lx_error *err);
/* Make child cN: one CPU (the (N mod ncpus)-th of the host's) and a memory limit. */
int bench_cg_make(struct bench_cg *cg, unsigned n, uint64_t mem_limit, struct lx_error *err);
/* Change the memory limit of child cN (at run time, as `docker update --memory` does). */
int bench_cg_set_mem(const struct bench_cg *cg, unsigned n, uint64_t mem_limit,
		     struct lx_error *err);
/* Move the calling process into child cN of every hierarchy. */
int bench_cg_join(const struct bench_cg *cg, unsigned n, struct lx_error *err);
/* Remove every child made and PARENT (their processes must be gone). Returns the number of
 * directories that could not be removed. */
unsigned bench_cg_remove(struct bench_cg *cg);

#endif
