/* cpuset: kernel list syntax in and out, nth, truncate, and. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup/cpuset.h"

/* cpuset_format of s, as a static string (tests only). */
static const char *fmt(const struct cpuset *s)
{
	static char buf[8192];
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(cpuset_format(s, &sb), 0);
	assert_non_null(sb.buf);
	assert_true(strlen(sb.buf) < sizeof(buf));
	strcpy(buf, sb.buf);
	sb_free(&sb);
	return buf;
}

static void parse_ok(const char *text, struct cpuset *s)
{
	assert_int_equal(cpuset_parse(text, s), 0);
}

static void test_parse_list(void **state)
{
	struct cpuset s;
	const unsigned in[] = {0, 1, 2, 3, 7, 9, 10};
	const unsigned out[] = {4, 5, 6, 8, 11, 64, 4095};

	(void)state;
	parse_ok("0-3,7,9-10\n", &s);
	assert_int_equal(cpuset_count(&s), 4 + 1 + 2);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_true(cpuset_has(&s, in[i]));
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		assert_false(cpuset_has(&s, out[i]));
	assert_string_equal(fmt(&s), "0-3,7,9-10");

	/* without newline, with leading blanks, single CPU, pairs */
	parse_ok("  5", &s);
	assert_int_equal(cpuset_count(&s), 1);
	assert_string_equal(fmt(&s), "5");
	parse_ok("5,6", &s);
	assert_string_equal(fmt(&s), "5-6");
	parse_ok("3,1,2", &s); /* order does not matter; output is sorted */
	assert_string_equal(fmt(&s), "1-3");
	parse_ok("0-1,1-2", &s); /* overlap */
	assert_string_equal(fmt(&s), "0-2");
}

static void test_parse_empty(void **state)
{
	struct cpuset s;

	(void)state;
	parse_ok("", &s);
	assert_int_equal(cpuset_count(&s), 0);
	assert_string_equal(fmt(&s), "");
	/* an empty cpuset.cpus file holds just a newline */
	parse_ok("\n", &s);
	assert_int_equal(cpuset_count(&s), 0);
	assert_int_equal(cpuset_nth(&s, 0), -1);
}

static void test_parse_word_boundaries(void **state)
{
	struct cpuset s;

	(void)state;
	parse_ok("63-64,127,128,4095\n", &s);
	assert_int_equal(cpuset_count(&s), 5);
	assert_string_equal(fmt(&s), "63-64,127-128,4095");
	assert_int_equal(cpuset_nth(&s, 0), 63);
	assert_int_equal(cpuset_nth(&s, 1), 64);
	assert_int_equal(cpuset_nth(&s, 2), 127);
	assert_int_equal(cpuset_nth(&s, 3), 128);
	assert_int_equal(cpuset_nth(&s, 4), 4095);
	assert_int_equal(cpuset_nth(&s, 5), -1);

	parse_ok("0-4095", &s);
	assert_int_equal(cpuset_count(&s), CPUSET_MAX);
	assert_string_equal(fmt(&s), "0-4095");
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
	    "a",
	    "3-1",
	    "1-",
	    "-1",
	    "0,,1",
	    "0,",
	    "0-3,\n",
	    "4096",
	    "0-4096",
	    "1 2",
	    "0-3\nx",
	    "0;1",
	    "+1",
	    "0x1",
	    "1\n\n",
	    "0-3 ",
	    " -",
	    ",",
	    "9999999999999999999999",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cpuset s;

		errno = 0;
		if (cpuset_parse(bad[i], &s) != -1)
			fail_msg("cpuset_parse accepted \"%s\"", bad[i]);
		assert_int_equal(errno, EINVAL);
		/* nothing of a half-parsed list is left in the set */
		assert_int_equal(cpuset_count(&s), 0);
	}
}

static void test_set_has_bounds(void **state)
{
	struct cpuset s;

	(void)state;
	cpuset_clear(&s);
	cpuset_set(&s, CPUSET_MAX); /* out of range: ignored */
	cpuset_set(&s, 100000);
	assert_int_equal(cpuset_count(&s), 0);
	assert_false(cpuset_has(&s, CPUSET_MAX));
	cpuset_set(&s, CPUSET_MAX - 1);
	assert_true(cpuset_has(&s, CPUSET_MAX - 1));
	assert_int_equal(cpuset_count(&s), 1);
}

static void test_nth(void **state)
{
	struct cpuset s;

	(void)state;
	parse_ok("0-3,7,9-10", &s);
	/* the set in order: 0 1 2 3 7 9 10 */
	assert_int_equal(cpuset_nth(&s, 0), 0);
	assert_int_equal(cpuset_nth(&s, 3), 3);
	assert_int_equal(cpuset_nth(&s, 4), 7);
	assert_int_equal(cpuset_nth(&s, 5), 9);
	assert_int_equal(cpuset_nth(&s, 6), 10);
	assert_int_equal(cpuset_nth(&s, 7), -1);
	assert_int_equal(cpuset_nth(&s, 1000), -1);
}

static void test_truncate(void **state)
{
	struct cpuset s;

	(void)state;
	parse_ok("0-3,7,9-10", &s);
	cpuset_truncate(&s, 5); /* first five: 0 1 2 3 7 */
	assert_string_equal(fmt(&s), "0-3,7");
	cpuset_truncate(&s, 5); /* already five */
	assert_string_equal(fmt(&s), "0-3,7");
	cpuset_truncate(&s, 100);
	assert_string_equal(fmt(&s), "0-3,7");
	cpuset_truncate(&s, 1);
	assert_string_equal(fmt(&s), "0");
	cpuset_truncate(&s, 0);
	assert_int_equal(cpuset_count(&s), 0);

	parse_ok("60-70,4000-4095", &s);
	cpuset_truncate(&s, 11 + 3); /* all of 60-70, then 4000-4002 */
	assert_string_equal(fmt(&s), "60-70,4000-4002");
}

static void test_and(void **state)
{
	struct cpuset a, b;

	(void)state;
	parse_ok("0-3,7,9-10", &a);
	parse_ok("2-9,100", &b);
	cpuset_and(&a, &b);
	assert_string_equal(fmt(&a), "2-3,7,9");
	parse_ok("", &b);
	cpuset_and(&a, &b);
	assert_int_equal(cpuset_count(&a), 0);
}

static void test_format_appends(void **state)
{
	struct cpuset s;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	parse_ok("1,3,5-7", &s);
	assert_int_equal(sb_puts(&sb, "cpus="), 0);
	assert_int_equal(cpuset_format(&s, &sb), 0);
	assert_string_equal(sb.buf, "cpus=1,3,5-7");
	sb_free(&sb);

	/* an empty set still gives a valid (empty) string */
	cpuset_clear(&s);
	assert_int_equal(cpuset_format(&s, &sb), 0);
	assert_non_null(sb.buf);
	assert_string_equal(sb.buf, "");
	sb_free(&sb);
}

/* Every alternate CPU: the longest possible output, 2048 single numbers. */
static void test_format_roundtrip_sparse(void **state)
{
	struct cpuset s, back;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	cpuset_clear(&s);
	for (unsigned c = 0; c < CPUSET_MAX; c += 2)
		cpuset_set(&s, c);
	assert_int_equal(cpuset_format(&s, &sb), 0);
	assert_int_equal(cpuset_parse(sb.buf, &back), 0);
	assert_memory_equal(&s, &back, sizeof(s));
	assert_int_equal(cpuset_count(&back), CPUSET_MAX / 2);
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_list),
	    cmocka_unit_test(test_parse_empty),
	    cmocka_unit_test(test_parse_word_boundaries),
	    cmocka_unit_test(test_parse_invalid),
	    cmocka_unit_test(test_set_has_bounds),
	    cmocka_unit_test(test_nth),
	    cmocka_unit_test(test_truncate),
	    cmocka_unit_test(test_and),
	    cmocka_unit_test(test_format_appends),
	    cmocka_unit_test(test_format_roundtrip_sparse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
