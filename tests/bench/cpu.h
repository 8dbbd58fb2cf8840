/* CPU time of a daemon process: all its threads, and the children it reaped (a daemon that
 * forks helpers pays for them too). utime + stime in /proc/PID/stat count in clock ticks
 * (10 ms): too coarse for a slice of a table cell. The threads' own run times
 * (/proc/PID/task/TID/schedstat, nanoseconds) are what utime + stime are made from; they are
 * used when the set of threads is the same at both ends (a thread that ended took its time
 * with it), else the ticks. */
#ifndef LXCFS_BENCH_CPU_H
#define LXCFS_BENCH_CPU_H

#include <stdint.h>

#include "common/error.h"

#define CPU_MAX_TIDS 256

struct cpu_sample {
	uint64_t ticks;	      /* utime + stime */
	uint64_t child_ticks; /* cutime + cstime */
	uint64_t ns;	      /* sum of the threads' run times */
	int tids_ok;	      /* every thread's run time was read */
	unsigned ntids;
	int tids[CPU_MAX_TIDS]; /* sorted */
};

int cpu_sample(int pid, struct cpu_sample *s, struct lx_error *err);
/* Seconds of CPU the process used between a and b. */
double cpu_between(const struct cpu_sample *a, const struct cpu_sample *b);

#endif
