/* The view's path rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "view/paths.h"

static void test_strip_init_scope(void **state)
{
	struct cg_paths p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.path[CG_MEMORY] = strdup("/machine/ct1/init.scope");
	p.path[CG_CPU] = strdup("/init.scope");
	p.path[CG_CPUSET] = strdup("/machine/ct1/app.scope");
	p.path[CG_BLKIO] = strdup("/machine/my-init.scope"); /* not the systemd unit name */
	p.unified = strdup("/machine/ct1/init.scope");
	view_strip_init_scope(&p);
	assert_string_equal(p.path[CG_MEMORY], "/machine/ct1");
	assert_string_equal(p.path[CG_CPU], "/");
	assert_string_equal(p.path[CG_CPUSET], "/machine/ct1/app.scope");
	assert_string_equal(p.path[CG_BLKIO], "/machine/my-init.scope");
	assert_string_equal(p.unified, "/machine/ct1");
	assert_null(p.path[CG_PIDS]);
	cg_paths_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strip_init_scope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
