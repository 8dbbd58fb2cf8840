/* toolkit injection: whether the new mount API is there decides the path every container
 * takes. A process whose open_tree(2) answers ENOSYS (an older kernel; valgrind 3.19, a seccomp
 * filter here) has no new mount API, and the probe says so; on this kernel it is there. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "toolkit/lib/inject.h"

/* in a child: open_tree(2) fails with ENOSYS from now on, every other call is allowed */
static int deny_open_tree(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_open_tree, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* the probe's answer in a child (whose first call it is), with or without the filter:
 * 1 there, 0 not there, anything else a failure */
static int probe_in_child(int deny)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (deny && deny_open_tree() < 0)
			_exit(3);
		_exit(tk_have_open_tree() ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_open_tree_there(void **state)
{
	(void)state;
	assert_int_equal(probe_in_child(0), 1);
}

static void test_open_tree_enosys(void **state)
{
	(void)state;
	assert_int_equal(probe_in_child(1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_tree_there),
	    cmocka_unit_test(test_open_tree_enosys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
