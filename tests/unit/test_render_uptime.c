/* render_uptime: "%.2f %.2f\n", clamped at 0. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "render/render.h"

static void expect(double up, double idle, const char *want)
{
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(render_uptime(up, idle, &out), 0);
	assert_string_equal(out.buf, want);
	sb_free(&out);
}

static void test_format(void **state)
{
	(void)state;
	expect(100.25, 50.75, "100.25 50.75\n");
	expect(0, 0, "0.00 0.00\n");
	expect(3.999, 1, "4.00 1.00\n"); /* two decimals, rounded */
	expect(86400.5, 172000.25, "86400.50 172000.25\n");
}

static void test_clamped(void **state)
{
	(void)state;
	expect(5, -2.5, "5.00 0.00\n"); /* idle below 0: more CPU time than elapsed */
	expect(-1, -1, "0.00 0.00\n");	/* clock skew: negative uptime */
	expect(-0.001, 3, "0.00 3.00\n");
}

static void test_appends(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;

	sb_puts(&out, "x");
	assert_int_equal(render_uptime(1.5, 0.5, &out), 0);
	assert_string_equal(out.buf, "x1.50 0.50\n");
	sb_free(&out);
}

static void test_not_finite(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;

	errno = 0;
	assert_int_equal(render_uptime(NAN, 1, &out), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(render_uptime(1, INFINITY, &out), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(out.len, 0);
	sb_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_clamped),
	    cmocka_unit_test(test_appends),
	    cmocka_unit_test(test_not_finite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
