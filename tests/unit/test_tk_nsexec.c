/* toolkit job pool: results, errors and info come back from the children; the pool is
 * bounded; a slow child is killed at its deadline; a crashing child is reported. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "toolkit/lib/nsexec.h"

static int sleeper(void *arg, char *info, size_t infosz, struct lx_error *err)
{
	int ms = *(int *)arg;

	(void)err;
	usleep(ms * 1000);
	snprintf(info, infosz, "slept %d ms", ms);
	return 0;
}

static int failer(void *arg, char *info, size_t infosz, struct lx_error *err)
{
	(void)arg;
	(void)info;
	(void)infosz;
	return lx_error_set(err, ENOTCONN, "clone `%s`", "/x/proc/meminfo");
}

static int crasher(void *arg, char *info, size_t infosz, struct lx_error *err)
{
	(void)arg;
	(void)info;
	(void)infosz;
	(void)err;
	raise(SIGKILL);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_results(void **state)
{
	int ms = 10;
	struct tk_job jobs[3] = {
	    {.fn = sleeper, .arg = &ms},
	    {.fn = failer},
	    {.fn = crasher},
	};

	(void)state;
	assert_int_equal(tk_run_jobs(jobs, 3, 3, 5000), 2);
	assert_int_equal(jobs[0].rc, 0);
	assert_string_equal(jobs[0].info, "slept 10 ms");
	assert_int_equal(jobs[1].rc, -1);
	assert_int_equal(jobs[1].err.code, ENOTCONN);
	assert_string_equal(jobs[1].err.msg,
			    "clone `/x/proc/meminfo`: Transport endpoint is not connected");
	assert_int_equal(jobs[2].rc, -1);
	assert_non_null(strstr(jobs[2].err.msg, "killed by signal 9"));
}

static void test_bounded_parallelism(void **state)
{
	int ms = 400;
	struct tk_job jobs[4];
	double t0, dt;

	(void)state;
	for (int i = 0; i < 4; i++)
		jobs[i] = (struct tk_job){.fn = sleeper, .arg = &ms};
	/* width 2: two rounds of 0.4 s, so at least 0.8 s and well under 4 x 0.4 s */
	t0 = now();
	assert_int_equal(tk_run_jobs(jobs, 4, 2, 5000), 0);
	dt = now() - t0;
	assert_true(dt >= 0.8);
	assert_true(dt < 1.5);
	/* width 4: one round */
	t0 = now();
	assert_int_equal(tk_run_jobs(jobs, 4, 4, 5000), 0);
	dt = now() - t0;
	assert_true(dt >= 0.4);
	assert_true(dt < 0.8);
}

static void test_timeout(void **state)
{
	int slow = 30000, quick = 10;
	struct tk_job jobs[2] = {{.fn = sleeper, .arg = &slow}, {.fn = sleeper, .arg = &quick}};
	double t0 = now();

	(void)state;
	assert_int_equal(tk_run_jobs(jobs, 2, 2, 1000), 1);
	assert_true(now() - t0 < 3);
	assert_true(jobs[0].timed_out);
	assert_int_equal(jobs[0].err.code, ETIMEDOUT);
	assert_string_equal(jobs[0].err.msg, "timed out after 1s");
	assert_int_equal(jobs[1].rc, 0);
}

static void test_run_child(void **state)
{
	char info[64];
	struct lx_error err;
	int ms = 1;

	(void)state;
	assert_int_equal(tk_run_child(sleeper, &ms, 1000, info, sizeof(info), &err), 0);
	assert_string_equal(info, "slept 1 ms");
	assert_int_equal(tk_run_child(failer, NULL, 1000, info, sizeof(info), &err), -1);
	assert_int_equal(err.code, ENOTCONN);
}

static void test_enter_mntns_bad_pid(void **state)
{
	struct lx_error err;

	(void)state;
	assert_int_equal(tk_enter_mntns(0x3ffffffe, &err), -1);
	assert_int_equal(err.code, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_results),
	    cmocka_unit_test(test_bounded_parallelism),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_run_child),
	    cmocka_unit_test(test_enter_mntns_bad_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
