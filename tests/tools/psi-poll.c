/* A PSI trigger poller, as Documentation/accounting/psi.rst's example (tests/e2e/036 and the v2
 * guest's check):
 *   psi-poll FILE TRIGGER SECONDS
 * opens FILE O_RDWR|O_NONBLOCK, writes TRIGGER (the escapes \n and \0 understood), prints
 * `armed`, then poll()s for POLLPRI and prints `event pri=P err=E in=I after=SECONDS` at the
 * first POLLPRI or POLLERR, or `timeout after=SECONDS` (exit 1); `open ENAME` or
 * `write ENAME` (exit 2) when those fail. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char buf[256];
	size_t n = 0;
	double start, secs;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: psi-poll FILE TRIGGER SECONDS\n");
		return 64;
	}
	for (const char *s = argv[2]; *s && n < sizeof(buf); s++) {
		if (s[0] == '\\' && s[1] == 'n')
			buf[n++] = '\n', s++;
		else if (s[0] == '\\' && s[1] == '0')
			buf[n++] = '\0', s++;
		else
			buf[n++] = *s;
	}
	secs = atof(argv[3]);
	fd = open(argv[1], O_RDWR | O_NONBLOCK);
	if (fd < 0) {
		printf("open %s\n", strerrorname_np(errno));
		return 2;
	}
	if (write(fd, buf, n) != (ssize_t)n) {
		printf("write %s\n", strerrorname_np(errno));
		return 2;
	}
	printf("armed\n");
	fflush(stdout);
	start = now();
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLPRI};
		double left = secs - (now() - start);
		int r;

		if (left <= 0) {
			printf("timeout after=%.3f\n", now() - start);
			return 1;
		}
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR) {
			printf("poll %s\n", strerrorname_np(errno));
			return 2;
		}
		if (r > 0 && (p.revents & (POLLPRI | POLLERR))) {
			printf("event pri=%d err=%d in=%d after=%.3f\n", !!(p.revents & POLLPRI),
			       !!(p.revents & POLLERR), !!(p.revents & POLLIN), now() - start);
			return 0;
		}
	}
}
