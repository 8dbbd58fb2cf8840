/* toolkit job pool: results, errors and info come back from the children; the pool runs as
 * many at once as it is allowed and no more; a slow child is killed at its deadline; a
 * crashing child is reported. No assertion here is a bound on time: a loaded machine passes. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* What the children of one pool run saw, in memory they share with the test. */
struct overlap {
	int running;	 /* children inside a job now */
	int most;	 /* the most ever inside at once */
	int started;	 /* children that have begun */
	int round_width; /* a job waits until this many more of its round have begun */
};
static struct overlap *ov;

/* A job that records how many run alongside it, and does not finish until every job of its
 * round (the round_width jobs started with it) has begun: a pool that ran fewer at once never
 * finishes it (it is then killed at the pool's deadline and fails). */
static int overlapper(void *arg, char *info, size_t infosz, struct lx_error *err)
{
	int idx = *(int *)arg, now, most, round_end;

	(void)info, (void)infosz, (void)err;
	now = __atomic_add_fetch(&ov->running, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&ov->started, 1, __ATOMIC_SEQ_CST);
	most = __atomic_load_n(&ov->most, __ATOMIC_SEQ_CST);
	while (now > most && !__atomic_compare_exchange_n(&ov->most, &most, now, false,
							  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	round_end = (idx / ov->round_width + 1) * ov->round_width;
	while (__atomic_load_n(&ov->started, __ATOMIC_SEQ_CST) < round_end)
		usleep(1000);
	usleep(20 * 1000); /* stay a little: a pool that starts too many would show it */
	__atomic_sub_fetch(&ov->running, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void run_overlapping(int width, int n)
{
	struct tk_job jobs[8];
	int idx[8];

	memset(ov, 0, sizeof(*ov));
	ov->round_width = width;
	for (int i = 0; i < n; i++) {
		idx[i] = i;
		jobs[i] = (struct tk_job){.fn = overlapper, .arg = &idx[i]};
	}
	/* the deadline only ends a broken pool: it is never what a right one waits for */
	assert_int_equal(tk_run_jobs(jobs, (size_t)n, width, 60000), 0);
	for (int i = 0; i < n; i++)
		assert_false(jobs[i].timed_out);
	assert_int_equal(ov->started, n);
	assert_int_equal(ov->running, 0);
}

static void test_bounded_parallelism(void **state)
{
	(void)state;
	ov = mmap(NULL, sizeof(*ov), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(ov != MAP_FAILED);
	/* width 2: two at once (each waits for its partner), never three */
	run_overlapping(2, 4);
	assert_int_equal(ov->most, 2);
	/* width 4: all four at once */
	run_overlapping(4, 4);
	assert_int_equal(ov->most, 4);
	/* width 1: one after the other */
	run_overlapping(1, 3);
	assert_int_equal(ov->most, 1);
	munmap(ov, sizeof(*ov));
}

/* Sleeps 30 s, then leaves a mark: a pool that waited for it instead of killing it would
 * find the mark. */
static const char *mark;

static int marker(void *arg, char *info, size_t infosz, struct lx_error *err)
{
	(void)arg, (void)info, (void)infosz, (void)err;
	sleep(30);
	close(open(mark, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	return 0;
}

static void test_timeout(void **state)
{
	char path[] = "/tmp/lxcfs-test-nsexec-XXXXXX";
	int quick = 10, fd;
	struct tk_job jobs[2] = {{.fn = marker}, {.fn = sleeper, .arg = &quick}};

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	mark = path;
	assert_int_equal(tk_run_jobs(jobs, 2, 2, 1000), 1);
	/* killed at its deadline, said as a timeout, and reaped: it never got to its mark */
	assert_true(jobs[0].timed_out);
	assert_int_equal(jobs[0].rc, -1);
	assert_int_equal(jobs[0].err.code, ETIMEDOUT);
	assert_string_equal(jobs[0].err.msg, "timed out after 1s");
	assert_int_equal(kill(jobs[0].child, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(access(path, F_OK), -1);
	/* the other job of the pool was not held up by it */
	assert_false(jobs[1].timed_out);
	assert_int_equal(jobs[1].rc, 0);
	assert_string_equal(jobs[1].info, "slept 10 ms");
}

/* A pidfd as the cancel fd (the supervisor's daemon): its process ends while a job waits, and
 * the job is killed at once, not at its deadline, as is the job that had not started yet. */
static void test_cancel(void **state)
{
	int long_ms = 30000, pidfd, status;
	struct tk_job jobs[2] = {{.fn = sleeper, .arg = &long_ms},
				 {.fn = sleeper, .arg = &long_ms}};
	pid_t p;

	(void)state;
	p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		usleep(100 * 1000);
		_exit(0);
	}
	pidfd = (int)syscall(SYS_pidfd_open, p, 0);
	assert_true(pidfd >= 0);
	assert_int_equal(tk_run_jobs_until(jobs, 2, 1, 60000, pidfd), 2);
	for (int i = 0; i < 2; i++) {
		assert_true(jobs[i].canceled);
		assert_false(jobs[i].timed_out);
		assert_int_equal(jobs[i].rc, -1);
		assert_int_equal(jobs[i].err.code, ECANCELED);
	}
	/* the running one was killed, not left to finish its sleep: reaped by the pool if it
	 * was gone at once, else left for us */
	if (waitpid(jobs[0].child, &status, 0) == jobs[0].child)
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	else
		assert_int_equal(errno, ECHILD);
	assert_int_equal(kill(jobs[0].child, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(waitpid(p, &status, 0), p);
	close(pidfd);
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

/* leaves 0xa5 bytes on the stack below us, where a child forked next builds its result */
static __attribute__((noinline)) void dirty_stack(void)
{
	volatile char junk[32768];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)0xa5;
}

/* the result a child sends is defined to its last byte: after the message, zeros, not
 * whatever its stack held (valgrind flagged the write of those bytes) */
static void test_result_bytes_defined(void **state)
{
	struct tk_job job = {.fn = failer};
	size_t n;

	(void)state;
	dirty_stack();
	assert_int_equal(tk_run_jobs(&job, 1, 1, 5000), 1);
	assert_int_equal(job.err.code, ENOTCONN);
	n = strlen(job.err.msg);
	assert_true(n > 0);
	for (size_t i = n; i < sizeof(job.err.msg); i++)
		assert_int_equal(job.err.msg[i], 0);
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
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_run_child),
	    cmocka_unit_test(test_enter_mntns_bad_pid),
	    cmocka_unit_test(test_result_bytes_defined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
