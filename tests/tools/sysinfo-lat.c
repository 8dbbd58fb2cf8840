/* The added latency of a sysinfo(2) answered by the daemon's seccomp agent, against the
 * kernel's own call measured in the same run: sysinfo-lat SOCKET CALLS
 * Times CALLS plain calls (the baseline), then installs a filter notifying sysinfo, hands its
 * descriptor to SOCKET (as runc does) and times CALLS calls answered by the agent. Prints
 * "baseline p50 A p99 B us; served p50 C p99 D us; added p50 E us; ratio R; totalram T" (one
 * line) and exits 1 when a served call fails. Built static (make tools).
 * Run in a pid namespace of its own (unshare -pf, /proc left the host's), it is a container's
 * init: the runtime's state then names its pid as /proc/self shows it (the host's). */
#include <stdlib.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "notify_send.h"

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* n calls into t (ns each, sorted); -1 when one fails */
static int timed(long long *t, int n, struct sysinfo *si)
{
	for (int i = 0; i < n; i++) {
		long long t0 = now_ns();

		if (sysinfo(si) != 0)
			return -1;
		t[i] = now_ns() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	return 0;
}

int main(int argc, char **argv)
{
	struct sysinfo si;
	long long *base, *served;
	double b50, b99, s50, s99;
	int n, fd;

	if (argc != 3 || (n = atoi(argv[2])) < 100) {
		fprintf(stderr, "usage: sysinfo-lat SOCKET CALLS (>= 100)\n");
		return 2;
	}
	base = malloc(sizeof(*base) * (size_t)n);
	served = malloc(sizeof(*served) * (size_t)n);
	if (!base || !served || timed(base, n, &si) < 0)
		return 1;
	fd = ns_install_filter();
	if (fd < 0 || ns_hand_over(argv[1], "sysinfo-lat", ns_host_pid(), fd) < 0) {
		perror("sysinfo-lat: hand over");
		return 1;
	}
	close(fd);
	if (sysinfo(&si) != 0) { /* the first waits for the agent to take the descriptor */
		perror("sysinfo-lat: served sysinfo");
		return 1;
	}
	if (timed(served, n, &si) < 0) {
		perror("sysinfo-lat: served sysinfo");
		return 1;
	}
	b50 = base[n / 2] / 1000.0;
	b99 = base[n * 99 / 100] / 1000.0;
	s50 = served[n / 2] / 1000.0;
	s99 = served[n * 99 / 100] / 1000.0;
	printf("baseline p50 %.1f p99 %.1f us; served p50 %.1f p99 %.1f us; added p50 %.1f us; "
	       "ratio %.1f; totalram %llu\n",
	       b50, b99, s50, s99, s50 - b50, b50 > 0 ? s50 / b50 : 0,
	       (unsigned long long)si.totalram * si.mem_unit);
	return 0;
}
