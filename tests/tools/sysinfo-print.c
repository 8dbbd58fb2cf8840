/* Prints sysinfo(2) as the caller sees it, one "name value" a line (the e2e tests compare
 * them with the container's files): uptime, load1/5/15 (SI_LOAD_SHIFT fixed point), totalram,
 * freeram, sharedram, bufferram, totalswap, freeswap (in bytes: mem_unit applied), procs,
 * mem_unit. With "loop SECS": calls it in a tight loop for SECS seconds and prints
 * "calls N failed N maxus N totalram N errors N last N" (failed: a return other than 0, or a
 * totalram other than the first one; maxus: the slowest call; totalram: the first call's,
 * last: the last call's, in bytes; errors: the returns other than 0 alone). Built static. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int loop(int secs)
{
	struct sysinfo first, si;
	long long end = now_us() + (long long)secs * 1000000, calls = 0, failed = 0, maxus = 0,
		  errors = 0;

	if (sysinfo(&first) != 0) {
		perror("sysinfo");
		return 1;
	}
	si = first;
	while (now_us() < end) {
		long long t0 = now_us(), d;
		int r = sysinfo(&si);

		d = now_us() - t0;
		if (d > maxus)
			maxus = d;
		calls++;
		if (r != 0)
			errors++;
		if (r != 0 || si.totalram != first.totalram || si.mem_unit != first.mem_unit)
			failed++;
	}
	printf("calls %lld failed %lld maxus %lld totalram %llu errors %lld last %llu\n", calls,
	       failed, maxus, (unsigned long long)first.totalram * first.mem_unit, errors,
	       (unsigned long long)si.totalram * si.mem_unit);
	return 0;
}

int main(int argc, char **argv)
{
	struct sysinfo si;
	unsigned long long u;

	if (argc == 3 && !strcmp(argv[1], "loop"))
		return loop(atoi(argv[2]));
	if (sysinfo(&si) != 0) {
		perror("sysinfo");
		return 1;
	}
	u = si.mem_unit;
	printf("uptime %ld\nload1 %lu\nload5 %lu\nload15 %lu\n", si.uptime, si.loads[0],
	       si.loads[1], si.loads[2]);
	printf("totalram %llu\nfreeram %llu\nsharedram %llu\nbufferram %llu\n", si.totalram * u,
	       si.freeram * u, si.sharedram * u, si.bufferram * u);
	printf("totalswap %llu\nfreeswap %llu\nprocs %u\nmem_unit %u\n", si.totalswap * u,
	       si.freeswap * u, si.procs, si.mem_unit);
	return 0;
}
