/* render_loadavg and loadavg_step: the kernel's fixed point (FSHIFT 11, FIXED_1 2048),
 * values worked out by hand. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "render/render.h"

static void test_constants(void **state)
{
	(void)state;
	assert_int_equal(LOADAVG_FIXED_1, 2048);
	/* 1/exp(5s/1min), 1/exp(5s/5min), 1/exp(5s/15min) in fixed point */
	assert_int_equal(LOADAVG_EXP_1, 1884);
	assert_int_equal(LOADAVG_EXP_5, 2014);
	assert_int_equal(LOADAVG_EXP_15, 2037);
}

/* The kernel adds FIXED_1/200 = 10 before splitting: rounds to the nearest 0.01. */
static void test_render_rounding(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;
	/* 11: (11+10)*100/2048 = 1.02 -> "0.01" (plain truncation would give 0.00)
	 * 2038: 2038+10 = 2048 -> "1.00" (truncation: 2038*100/2048 = 99.5 -> 0.99)
	 * 7168 = 3.5*2048: 7178 -> int 3, frac (1034*100)>>11 = 50 -> "3.50" */
	const unsigned long a[3] = {11, 2038, 7168};

	assert_int_equal(render_loadavg(a, 2, 345, 6789, &out), 0);
	assert_string_equal(out.buf, "0.01 1.00 3.50 2/345 6789\n");
	sb_free(&out);
}

static void test_render_edges(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;
	/* 0 -> 0.00; 10: 20*100/2048 = 0.97 -> 0.00; 2037: 2047*100/2048 = 99.95 -> 0.99 */
	const unsigned long a[3] = {0, 10, 2037};
	/* 100 loads: 204800 -> 100.00; 12.34*2048 = 25272.3 -> take 25272:
	 * 25282 = 12*2048 + 706, 706*100/2048 = 34.47 -> 12.34 */
	const unsigned long b[3] = {100 * 2048, 25272, 1};

	assert_int_equal(render_loadavg(a, 0, 1, 0, &out), 0);
	assert_string_equal(out.buf, "0.00 0.00 0.99 0/1 0\n");
	sb_reset(&out);
	assert_int_equal(render_loadavg(b, 17, 4000, -1, &out), 0);
	assert_string_equal(out.buf, "100.00 12.34 0.00 17/4000 -1\n");
	sb_free(&out);
}

static void test_step(void **state)
{
	(void)state;
	/* rising from 0 with one task: 2048*(2048-1884) = 335872, +2047 = 337919,
	 * /2048 = 164 */
	assert_int_equal(loadavg_step(0, LOADAVG_EXP_1, 2048), 164);
	/* rising from 100: 100*1884 + 335872 = 524272 (255.99), +2047 = 526319 -> 256;
	 * without the kernel's round-up it would be 255 */
	assert_int_equal(loadavg_step(100, LOADAVG_EXP_1, 2048), 256);
	/* falling, no round-up: 1000*1884 = 1884000 / 2048 = 919.9 -> 919 */
	assert_int_equal(loadavg_step(1000, LOADAVG_EXP_1, 0), 919);
	/* 2048*1884/2048 = 1884 */
	assert_int_equal(loadavg_step(2048, LOADAVG_EXP_1, 0), 1884);
	/* 5 and 15 minute constants: 4096*2014/2048 = 4028; 4096*2037/2048 = 4074 */
	assert_int_equal(loadavg_step(4096, LOADAVG_EXP_5, 0), 4028);
	assert_int_equal(loadavg_step(4096, LOADAVG_EXP_15, 0), 4074);
	/* active == load: load*exp + load*(2048-exp) = load*2048 exactly, stays 2048 */
	assert_int_equal(loadavg_step(2048, LOADAVG_EXP_1, 2048), 2048);
	/* from 2047: 2047*1884 + 2048*164 = 4192420, +2047 = 4194467 -> 2048 */
	assert_int_equal(loadavg_step(2047, LOADAVG_EXP_1, 2048), 2048);
}

/* The round-up is what lets a constant load converge to exactly its value. */
static void test_step_converges(void **state)
{
	(void)state;
	unsigned long l1 = 0, l15 = 0;
	struct strbuf out = STRBUF_INIT;

	for (int i = 0; i < 2000; i++) {
		l1 = loadavg_step(l1, LOADAVG_EXP_1, 3 * LOADAVG_FIXED_1);
		l15 = loadavg_step(l15, LOADAVG_EXP_15, 3 * LOADAVG_FIXED_1);
	}
	assert_int_equal(l1, 3 * 2048);
	assert_int_equal(l15, 3 * 2048);
	/* and decays to exactly 0 when idle */
	for (int i = 0; i < 2000; i++)
		l1 = loadavg_step(l1, LOADAVG_EXP_1, 0);
	assert_int_equal(l1, 0);
	{
		const unsigned long a[3] = {l1, 3 * 2048, l15};

		assert_int_equal(render_loadavg(a, 3, 3, 42, &out), 0);
		assert_string_equal(out.buf, "0.00 3.00 3.00 3/3 42\n");
	}
	sb_free(&out);
}

static void test_null(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;

	errno = 0;
	assert_int_equal(render_loadavg(NULL, 0, 0, 0, &out), -1);
	assert_int_equal(errno, EINVAL);
	sb_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_constants),	   cmocka_unit_test(test_render_rounding),
	    cmocka_unit_test(test_render_edges),   cmocka_unit_test(test_step),
	    cmocka_unit_test(test_step_converges), cmocka_unit_test(test_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
