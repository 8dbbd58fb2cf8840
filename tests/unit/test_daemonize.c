/* Backgrounding (common/daemonize.c): the parent gets the child's word, or learns it ended
 * without one. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/daemonize.h"

/* Fork; the child does `what` (0: says ok, 1: says why not, 2: says nothing) and exits. */
static pid_t run_child(int what, struct lx_bg_word *word)
{
	struct lx_error err;
	int fd = -1;
	pid_t pid = lx_background(&fd, word, &err);

	assert_true(pid >= 0);
	if (pid == 0) {
		if (getsid(0) != getpid())
			_exit(3); /* not in a session of its own */
		if (what == 0)
			lx_bg_tell(&fd, true, "");
		else if (what == 1)
			lx_bg_tell(&fd, false, "cannot mount on `/x`: No such file or directory");
		if (what != 2)
			lx_bg_tell(&fd, true, "a second word is never sent");
		_exit(what == 2 ? 1 : 0);
	}
	assert_int_equal(fd, -1);
	return pid;
}

static int child_status(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* What the parent learns, for each way the child can end. */
static void test_words(void **state)
{
	static const struct {
		int what;
		bool told, ok;
		const char *msg;
		int status;
	} cases[] = {
	    {0, true, true, "", 0},
	    {1, true, false, "cannot mount on `/x`: No such file or directory", 0},
	    {2, false, false, "", 1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lx_bg_word w;
		pid_t pid = run_child(cases[i].what, &w);

		assert_int_equal(w.told, cases[i].told);
		assert_int_equal(w.ok, cases[i].ok);
		assert_string_equal(w.msg, cases[i].msg);
		assert_int_equal(child_status(pid), cases[i].status);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_words)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
