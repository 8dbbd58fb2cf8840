/* Prints sysinfo(2) as the caller sees it, one "name value" a line (the e2e tests compare
 * them with the container's files): uptime, load1/5/15 (SI_LOAD_SHIFT fixed point), totalram,
 * freeram, sharedram, bufferram, totalswap, freeswap (in bytes: mem_unit applied), procs,
 * mem_unit. With "loop SECS": calls it in a tight loop for SECS seconds and prints
 * "calls N failed N maxus N totalram N errors N last N" (failed: a return other than 0, or a
 * totalram other than the first one; maxus: the slowest call; totalram: the first call's,
 * last: the last call's, in bytes; errors: the returns other than 0 alone). With "limit FILE
 * BYTES": one call, BYTES written to FILE (a memory limit), a call at once: prints "before N
 * after N gap_us N" (the two totalram, the microseconds from the write's return to the second
 * call's). Built static. */
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

static int limit(const char *file, const char *bytes)
{
	struct sysinfo a, b;
	long long t0, t1;
	FILE *f;

	if (sysinfo(&a) != 0 || sysinfo(&a) != 0) { /* twice: a copy the agent may keep */
		perror("sysinfo");
		return 1;
	}
	f = fopen(file, "w");
	if (!f || fputs(bytes, f) < 0 || fclose(f) != 0) {
		perror(file);
		return 1;
	}
	t0 = now_us();
	if (sysinfo(&b) != 0) {
		perror("sysinfo");
		return 1;
	}
	t1 = now_us();
	printf("before %llu after %llu gap_us %lld\n", (unsigned long long)a.totalram * a.mem_unit,
	       (unsigned long long)b.totalram * b.mem_unit, t1 - t0);
	return 0;
}

int main(int argc, char **argv)
{
	struct sysinfo si;
	unsigned long long u;

	if (argc == 3 && !strcmp(argv[1], "loop"))
		return loop(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "limit"))
		return limit(argv[2], argv[3]);
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
