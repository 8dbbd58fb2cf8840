/* lxcfs-reader: a reader in a container for the takeover tests, built static so that it runs in
 * any rootfs. It loops open + read to EOF + close over the files it is given until DURATION
 * seconds have passed (or the file STOP appears), and writes one line to OUT when it ends:
 *
 *   reads=N fails=F host=H wrong=W max_us=M max_file=FILE max_at=MS max_open_us=O
 *   [first_wrong=FILE] [first_fail=FILE:ERRNO]
 *
 * fails: an open or read that failed (ENOTCONN, EIO, ...); host: a meminfo whose MemTotal is
 * the host's (HOST_KB); wrong: a meminfo whose MemTotal is neither OWN_KB nor the host's, or a
 * file that came back empty; max_us: the slowest open+read+close, of FILE, begun at MS
 * (CLOCK_REALTIME, milliseconds: to find it in the daemon's and the watchdog's logs), O of it
 * in open().
 *
 *   lxcfs-reader DURATION OUT STOP OWN_KB HOST_KB FILE...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The file's text into buf (NUL-terminated); its length, or -1. *open_us: the open's time. */
static ssize_t slurp(const char *path, char *buf, size_t size, long long *open_us)
{
	long long t0 = now_us();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n = 0;

	*open_us = now_us() - t0;
	if (fd < 0)
		return -1;
	while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += (size_t)n;
	if (n < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	unsigned long long reads = 0, fails = 0, host = 0, wrong = 0;
	char first_wrong[256] = "", first_fail[300] = "";
	long long start, end, worst = 0, worst_at = 0, worst_open = 0;
	const char *worst_file = "-";
	long own_kb, host_kb;
	FILE *out;

	if (argc < 7) {
		fprintf(stderr, "usage: %s DURATION OUT STOP OWN_KB HOST_KB FILE...\n", argv[0]);
		return 2;
	}
	start = now_us();
	end = start + atol(argv[1]) * 1000000LL;
	own_kb = atol(argv[4]);
	host_kb = atol(argv[5]);
	while (now_us() < end && access(argv[3], F_OK) != 0) {
		for (int i = 6; i < argc; i++) {
			long long t0 = now_us(), at = wall_ms(), dt, open_us;
			ssize_t n = slurp(argv[i], buf, sizeof(buf), &open_us);

			dt = now_us() - t0;
			if (dt > worst) {
				worst = dt;
				worst_at = at;
				worst_open = open_us;
				worst_file = argv[i];
			}
			reads++;
			if (n < 0) {
				if (!fails++)
					snprintf(first_fail, sizeof(first_fail), "%s:%d", argv[i],
						 errno);
				continue;
			}
			if (n == 0) {
				if (!strstr(argv[i], "diskstats") && !wrong++)
					snprintf(first_wrong, sizeof(first_wrong), "%s", argv[i]);
				continue;
			}
			if (strstr(argv[i], "meminfo")) {
				const char *p = strstr(buf, "MemTotal:");
				long kb = p ? strtol(p + 9, NULL, 10) : -1;

				if (kb == host_kb && kb != own_kb)
					host++;
				else if (kb != own_kb && !wrong++)
					snprintf(first_wrong, sizeof(first_wrong), "%s", argv[i]);
			}
		}
	}
	out = fopen(argv[2], "w");
	if (!out)
		return 1;
	fprintf(out,
		"reads=%llu fails=%llu host=%llu wrong=%llu max_us=%lld max_file=%s max_at=%lld "
		"max_open_us=%lld",
		reads, fails, host, wrong, worst, worst_file, worst_at, worst_open);
	if (wrong)
		fprintf(out, " first_wrong=%s", first_wrong);
	if (fails)
		fprintf(out, " first_fail=%s", first_fail);
	fprintf(out, "\n");
	fclose(out);
	return 0;
}
