/* /proc facts (common/proc.c): /proc/PID/stat parsed strictly, this process's own facts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/parse.h"
#include "common/proc.h"

#define TAIL                                                                                       \
	" 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 12345 67 18446744073709551615\n"

static void test_stat_parse(void **state)
{
	uint64_t t = 0;
	char st = 0;

	(void)state;
	/* field 22; comm with spaces and a ")" inside */
	assert_int_equal(proc_stat_parse("42 (a) b) c) S" TAIL, &t, &st), 0);
	assert_true(t == 987654);
	assert_int_equal(st, 'S');
	assert_int_equal(proc_stat_parse("7 (z) Z" TAIL, &t, NULL), 0);
	/* short, unparenthesised, or not one blank apart: refused */
	assert_int_equal(proc_stat_parse("42 (x) S 1 2 3", &t, &st), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(proc_stat_parse("no parenthesis", &t, &st), -1);
	assert_int_equal(proc_stat_parse("42 (x)S" TAIL, &t, &st), -1);
	assert_int_equal(proc_stat_parse("42 (x)  S" TAIL, &t, &st), -1);
	assert_int_equal(
	    proc_stat_parse("42 (x) S 1  42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
			    "987654 1\n",
			    &t, &st),
	    -1);
	/* starttime must be a number */
	assert_int_equal(proc_stat_parse("42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
					 "max 1\n",
					 &t, &st),
			 -1);
	assert_int_equal(proc_stat_parse("42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
					 "98x 1\n",
					 &t, &st),
			 -1);
}

static void test_own_process(void **state)
{
	uint64_t a, b, ns, mnt;
	char st = 0;
	pid_t ppid, inner;
	struct stat sb;
	struct lx_error err;

	(void)state;
	/* our own start time is readable and stable; we are running */
	assert_int_equal(proc_stat_start(getpid(), &a, &st, NULL), 0);
	assert_int_equal(proc_stat_start(getpid(), &b, NULL, NULL), 0);
	assert_true(a == b && a > 0);
	assert_int_equal(st, 'R');
	assert_true(proc_pid_matches(getpid(), a));
	assert_true(proc_pid_matches(getpid(), 0));
	assert_false(proc_pid_matches(getpid(), a + 1));
	assert_true(proc_pid_running(getpid()));
	assert_false(proc_pid_running(0x3ffffffe));
	assert_int_equal(proc_stat_start(0x3ffffffe, &a, NULL, &err), -1);
	assert_int_equal(err.code, ESRCH);
	/* parent and namespaces */
	assert_int_equal(proc_status_ids(getpid(), &ppid, &inner, NULL), 0);
	assert_int_equal(ppid, getppid());
	assert_int_equal(proc_pidns_ino(0, &ns, NULL), 0);
	assert_int_equal(stat("/proc/self/ns/pid", &sb), 0);
	assert_true(ns == sb.st_ino);
	assert_int_equal(proc_mntns_ino(getpid(), &mnt, NULL), 0);
	assert_int_equal(stat("/proc/self/ns/mnt", &sb), 0);
	assert_true(mnt == sb.st_ino);
	assert_int_equal(proc_mntns_ino(0x3ffffffe, &mnt, &err), -1);
	assert_int_equal(err.code, ENOENT);
}

static void test_parse_pid(void **state)
{
	static const char *const bad[] = {"0", "-5", "12x", "", "99999999999"};
	pid_t p = 0;

	(void)state;
	assert_int_equal(lx_parse_pid("1234\n", &p), 0);
	assert_int_equal(p, 1234);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lx_parse_pid(bad[i], &p) == 0)
			fail_msg("`%s` parsed as pid %d", bad[i], (int)p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_stat_parse),
					   cmocka_unit_test(test_own_process),
					   cmocka_unit_test(test_parse_pid)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
