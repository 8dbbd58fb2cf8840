/* lxcfs-latency: how long one open + read to the end + close of a file takes, for the tests
 * of what one container's load costs another (tests/e2e/027-exhaustion.bats). Static, so it
 * runs in any rootfs. Reads FILE N times (or until SECONDS have passed, when given) and prints
 *
 *   reads=N fails=F p50_us=A p99_us=B max_us=C
 *
 *   lxcfs-latency FILE N [SECONDS [PROCS]]
 *
 * With PROCS, that many processes do it at once, each printing its own line (no shell needed
 * for it: a shell's background job opens /dev/null, which a test may have made hang). The
 * exit code is non-zero when any read failed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	long long *us, end;
	long n, done = 0, fails = 0, procs = argc > 4 ? atol(argv[4]) : 1;
	int rc = 0;

	if (argc < 3 || (n = atol(argv[2])) <= 0 || procs <= 0) {
		fprintf(stderr, "usage: lxcfs-latency FILE N [SECONDS [PROCS]]\n");
		return 2;
	}
	end = argc > 3 ? now_us() + (long long)(atof(argv[3]) * 1e6) : 0;
	for (long k = 1; k < procs; k++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			procs = 0; /* a child: reads, prints, exits */
			break;
		}
	}
	us = calloc((size_t)n, sizeof(*us));
	if (!us)
		return 1;
	while (done < n && (!end || now_us() < end)) {
		long long t0 = now_us();
		int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		ssize_t r = -1;

		if (fd >= 0) {
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				;
			close(fd);
		}
		if (fd < 0 || r < 0)
			fails++;
		us[done++] = now_us() - t0;
	}
	qsort(us, (size_t)done, sizeof(*us), cmp);
	printf("reads=%ld fails=%ld p50_us=%lld p99_us=%lld max_us=%lld\n", done, fails,
	       done ? us[done / 2] : 0, done ? us[(done * 99) / 100] : 0, done ? us[done - 1] : 0);
	fflush(stdout);
	free(us);
	rc = fails ? 1 : 0;
	if (procs == 0)
		_exit(rc);
	for (int st; wait(&st) > 0;)
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			rc = 1;
	return rc;
}
