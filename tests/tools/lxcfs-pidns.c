/* lxcfs-pidns: many pid namespaces reading one of the daemon's files, for the tests of what a
 * container can make the daemon hold (tests/e2e/027-exhaustion.bats, the soak). Static, so it
 * runs in any rootfs. Each namespace's init opens FILE, reads it to the end and closes it,
 * once; MemTotal in what it read is compared with OWN_KB (0: not checked).
 *
 *   lxcfs-pidns storm N PARALLEL FILE OWN_KB
 *       N namespaces one after the other, PARALLEL at a time, each gone after its read.
 *   lxcfs-pidns hold N FILE OWN_KB READY
 *       N namespaces that stay after their read, until this process is killed (they die
 *       with it); READY is written once all of them have read.
 *   lxcfs-pidns nest N FILE OWN_KB READY
 *       the same, nested: N namespaces inside one namespace of their own (a container that
 *       makes nested pid namespaces).
 *
 * Prints one line: "namespaces=N own=O other=X fails=F max_us=M [first_other=KB]
 * [first_fail=ERRNO]" (other: a MemTotal that is not OWN_KB; fails: an open or read that
 * failed, or a child that could not start). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct tally {
	unsigned own, other, fails, done;
	long long max_us;
	long long first_other;
	int first_fail;
};

static struct tally *tally; /* shared with the children (MAP_SHARED) */
static const char *file;
static long long own_kb;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One read of the file, counted in the shared tally. */
static void read_once(void)
{
	static char buf[1 << 16];
	long long t0 = now_us(), us;
	size_t got = 0;
	ssize_t n = 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	const char *p;

	if (fd >= 0) {
		while (got < sizeof(buf) - 1 &&
		       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
			got += (size_t)n;
		close(fd);
	}
	us = now_us() - t0;
	if (fd < 0 || n < 0) {
		int e = errno;

		__atomic_add_fetch(&tally->fails, 1, __ATOMIC_RELAXED);
		__atomic_compare_exchange_n(&tally->first_fail, &(int){0}, e, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		return;
	}
	buf[got] = '\0';
	p = strstr(buf, "MemTotal:");
	if (own_kb == 0 || (p && strtoll(p + 9, NULL, 10) == own_kb)) {
		__atomic_add_fetch(&tally->own, 1, __ATOMIC_RELAXED);
	} else {
		long long kb = p ? strtoll(p + 9, NULL, 10) : -1;

		__atomic_add_fetch(&tally->other, 1, __ATOMIC_RELAXED);
		__atomic_compare_exchange_n(&tally->first_other, &(long long){0}, kb, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
	for (long long m = __atomic_load_n(&tally->max_us, __ATOMIC_RELAXED); us > m;)
		if (__atomic_compare_exchange_n(&tally->max_us, &m, us, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			break;
}

static int child_stay;

static int child(void *arg)
{
	(void)arg;
	read_once();
	__atomic_add_fetch(&tally->done, 1, __ATOMIC_RELAXED);
	if (child_stay) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return 0;
}

/* (without CLONE_VM a child runs on its own copy of this stack, as after fork) */
static char stack[64 * 1024] __attribute__((aligned(16)));

/* A child in a new pid namespace; its pid, or -1. */
static pid_t spawn(void)
{
	pid_t pid = clone(child, stack + sizeof(stack), CLONE_NEWPID | SIGCHLD, NULL);

	if (pid < 0) {
		__atomic_add_fetch(&tally->fails, 1, __ATOMIC_RELAXED);
		__atomic_compare_exchange_n(&tally->first_fail, &(int){0}, errno, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		__atomic_add_fetch(&tally->done, 1, __ATOMIC_RELAXED);
	}
	return pid;
}

static void print(unsigned n)
{
	printf("namespaces=%u own=%u other=%u fails=%u max_us=%lld", n, tally->own, tally->other,
	       tally->fails, tally->max_us);
	if (tally->other)
		printf(" first_other=%lld", tally->first_other);
	if (tally->fails)
		printf(" first_fail=%d", tally->first_fail);
	printf("\n");
	fflush(stdout);
}

static void storm(unsigned n, unsigned parallel)
{
	unsigned started = 0, running = 0;

	while (started < n || running > 0) {
		while (started < n && running < parallel) {
			if (spawn() > 0)
				running++;
			started++;
		}
		if (running > 0 && wait(NULL) > 0)
			running--;
	}
	print(n);
}

/* N children that stay; READY once all have read; then wait to be killed. */
static void hold(unsigned n, const char *ready)
{
	child_stay = 1;
	for (unsigned i = 0; i < n; i++)
		spawn();
	while (__atomic_load_n(&tally->done, __ATOMIC_RELAXED) < n)
		usleep(1000);
	print(n);
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f) {
			fprintf(f, "%d\n", getpid());
			fclose(f);
		}
	}
	for (;;)
		pause();
}

static unsigned nest_n;
static const char *nest_ready;

static int nest_init(void *arg)
{
	(void)arg;
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* its namespace, nested ones included, dies with it */
	hold(nest_n, nest_ready);
	return 0;
}

int main(int argc, char **argv)
{
	static char nest_stack[256 * 1024] __attribute__((aligned(16)));
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned n;

	tally =
	    mmap(NULL, sizeof(*tally), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tally == MAP_FAILED)
		return 1;
	if (!strcmp(mode, "storm") && argc == 6) {
		n = (unsigned)atoi(argv[2]);
		file = argv[4];
		own_kb = atoll(argv[5]);
		storm(n, (unsigned)atoi(argv[3]));
		return tally->fails ? 1 : 0;
	}
	if ((!strcmp(mode, "hold") || !strcmp(mode, "nest")) && argc == 6) {
		n = (unsigned)atoi(argv[2]);
		file = argv[3];
		own_kb = atoll(argv[4]);
		if (!strcmp(mode, "hold")) {
			hold(n, argv[5]);
		} else {
			pid_t pid;

			nest_n = n;
			nest_ready = argv[5];
			pid = clone(nest_init, nest_stack + sizeof(nest_stack),
				    CLONE_NEWPID | SIGCHLD, NULL);
			if (pid < 0)
				return 1;
			waitpid(pid, NULL, 0);
		}
		return 0;
	}
	fprintf(stderr, "usage: lxcfs-pidns storm N PARALLEL FILE OWN_KB\n"
			"       lxcfs-pidns hold|nest N FILE OWN_KB READY\n");
	return 2;
}
