/* The locked pidfile (common/pidfile.c) both programs keep. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/pidfile.h"

static char path[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/lxcfs-test-pidfile.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void test_lock_write_read(void **state)
{
	struct lx_error err;
	pid_t pid = 0;
	int fd, again;
	char want[128];

	(void)state;
	fd = pidfile_lock(path, "lxcfs", &err);
	assert_true(fd >= 0);
	assert_int_equal(pidfile_write(fd, 4242, &err), 0);
	assert_int_equal(pidfile_read(path, &pid, &err), 0);
	assert_int_equal(pid, 4242);
	/* a second holder (a lock is per open file) is refused, and told who runs */
	again = pidfile_lock(path, "lxcfs", &err);
	assert_int_equal(again, -1);
	assert_int_equal(err.code, EWOULDBLOCK);
	snprintf(want, sizeof(want), "another lxcfs (pid 4242) holds the pidfile `%s`", path);
	assert_string_equal(err.msg, want);
	/* a shorter pid replaces a longer one whole */
	assert_int_equal(pidfile_write(fd, 7, &err), 0);
	assert_int_equal(pidfile_read(path, &pid, &err), 0);
	assert_int_equal(pid, 7);
	close(fd);
	/* free again once the holder is gone */
	fd = pidfile_lock(path, "lxcfs", &err);
	assert_true(fd >= 0);
	close(fd);
}

static volatile int rewriting;

static void *rewrite(void *arg)
{
	int fd = *(int *)arg;
	struct lx_error err;

	/* a takeover rewrites the pidfile once; here one every 500 us, far more often than
	 * the reader's retries are apart (a rewrite back to back with the next would leave no
	 * moment without a write in progress, which no takeover does) */
	for (int k = 0; k < 1000; k++) {
		pidfile_write(fd, k % 2 ? 7 : 1234567, &err);
		usleep(500);
	}
	rewriting = 0;
	return NULL;
}

/* The watchdog reads the pidfile while a successor writes its pid: never empty, never torn. */
static void test_rewrite_never_torn(void **state)
{
	struct lx_error err;
	pthread_t t;
	int fd, bad = 0, reads = 0;

	(void)state;
	fd = pidfile_lock(path, "lxcfs", &err);
	assert_true(fd >= 0);
	assert_int_equal(pidfile_write(fd, 1234567, &err), 0);
	rewriting = 1;
	assert_int_equal(pthread_create(&t, NULL, rewrite, &fd), 0);
	while (rewriting) {
		pid_t pid = 0;

		reads++;
		if (pidfile_read(path, &pid, &err) < 0 || (pid != 7 && pid != 1234567))
			bad++;
	}
	pthread_join(t, NULL);
	close(fd);
	assert_true(reads > 0);
	assert_int_equal(bad, 0);
}

static void test_read_errors(void **state)
{
	struct lx_error err;
	pid_t pid;
	FILE *f;

	(void)state;
	assert_int_equal(pidfile_read("/nonexistent/lxcfs.pid", &pid, &err), -1);
	assert_int_equal(err.code, ENOENT);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not a pid\n", f);
	fclose(f);
	assert_int_equal(pidfile_read(path, &pid, &err), -1);
	assert_int_equal(err.code, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lock_write_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rewrite_never_torn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
