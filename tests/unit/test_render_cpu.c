/* visible_cpus (cpuset ∩ online, CFS quota) and sys/devices/system/cpu/online. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "render/render.h"

static struct cpuset set_of(const char *list)
{
	struct cpuset s;

	assert_int_equal(cpuset_parse(list, &s), 0);
	return s;
}

/* visible_cpus for a container with cpuset `cpus` and quota `cfs`, as a list string. */
static const char *visible(const char *cpus, double cfs, const char *online, bool use_cfs)
{
	static char buf[256];
	struct cg_cpu c;
	struct cpuset host = set_of(online), out;
	struct strbuf sb = STRBUF_INIT;

	memset(&c, 0, sizeof(c));
	c.cpus = set_of(cpus);
	c.cfs_cpus = cfs;
	memset(&out, 0xff, sizeof(out)); /* visible_cpus must set every bit */
	visible_cpus(&c, &host, use_cfs, &out);
	assert_int_equal(cpuset_format(&out, &sb), 0);
	assert_true(strlen(sb.buf) < sizeof(buf));
	strcpy(buf, sb.buf);
	sb_free(&sb);
	return buf;
}

static void test_cpuset_and_online(void **state)
{
	(void)state;
	assert_string_equal(visible("0-3,7,9-10", 0, "0-11", false), "0-3,7,9-10");
	/* CPUs 2 and 9 offline on the host */
	assert_string_equal(visible("0-3,7,9-10", 0, "0-1,3-8,10-11", false), "0-1,3,7,10");
	/* a cpuset naming CPUs the host does not have */
	assert_string_equal(visible("0-63", 0, "0-1", false), "0-1");
}

static void test_never_empty(void **state)
{
	(void)state;
	/* nothing of the cpuset is online (or the cpuset was empty): the host's CPUs */
	assert_string_equal(visible("8-9", 0, "0-3", false), "0-3");
	assert_string_equal(visible("", 0, "0-3", false), "0-3");
	/* ... still limited by the quota */
	assert_string_equal(visible("", 1.5, "0-3", true), "0-1");
	/* no host CPU known: nothing to show */
	assert_string_equal(visible("0-3", 0, "", false), "");
}

static void test_cfs(void **state)
{
	(void)state;
	/* ceil(2.5) = 3: the first three of 0 1 2 3 7 9 10 */
	assert_string_equal(visible("0-3,7,9-10", 2.5, "0-11", true), "0-2");
	/* exactly 5 CPUs (quota 500000/100000) */
	assert_string_equal(visible("0-3,7,9-10", 500000.0 / 100000.0, "0-11", true), "0-3,7");
	/* 6.01 -> 7: all of them */
	assert_string_equal(visible("0-3,7,9-10", 6.01, "0-11", true), "0-3,7,9-10");
	/* a fraction of a CPU shows one CPU */
	assert_string_equal(visible("4-7", 0.2, "0-11", true), "4");
	/* quota above the CPU count changes nothing */
	assert_string_equal(visible("0-3", 64, "0-11", true), "0-3");
	assert_string_equal(visible("0-3", 1e30, "0-11", true), "0-3");
	/* 0: no quota */
	assert_string_equal(visible("0-3", 0, "0-11", true), "0-3");
	/* the quota counts after offline CPUs are removed: 0 1 3 7 -> first two */
	assert_string_equal(visible("0-3,7", 2, "0-1,3-11", true), "0-1");
	assert_string_equal(visible("1-3,7", 2, "0-1,3-11", true), "1,3");
}

static void test_cfs_ignored_without_flag(void **state)
{
	(void)state;
	assert_string_equal(visible("0-3,7,9-10", 1, "0-11", false), "0-3,7,9-10");
}

static void test_cpu_online(void **state)
{
	struct cpuset s = set_of("0-3,7,9-10");
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(sb_puts(&sb, "x"), 0);
	assert_int_equal(render_cpu_online(&s, &sb), 0);
	assert_string_equal(sb.buf, "x0-3,7,9-10\n");
	sb_reset(&sb);

	s = set_of("5");
	assert_int_equal(render_cpu_online(&s, &sb), 0);
	assert_string_equal(sb.buf, "5\n");
	sb_reset(&sb);

	/* an empty set is not a CPU list: the caller serves the host file */
	cpuset_clear(&s);
	assert_int_equal(sb_puts(&sb, "x"), 0);
	errno = 0;
	assert_int_equal(render_cpu_online(&s, &sb), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(sb.buf, "x");
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cpuset_and_online),
	    cmocka_unit_test(test_never_empty),
	    cmocka_unit_test(test_cfs),
	    cmocka_unit_test(test_cfs_ignored_without_flag),
	    cmocka_unit_test(test_cpu_online),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
