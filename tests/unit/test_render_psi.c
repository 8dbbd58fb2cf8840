/* render_pressure and render_slabinfo: a cgroup's file in the kernel's format is the
 * container's, anything else is refused (EINVAL) with nothing appended. Inputs are files the
 * kernel printed: this machine's /proc/pressure and /proc/slabinfo (tests/fixtures/host) and the
 * recorded cgroup2 PSI files (tests/fixtures/cgroup/v2). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "host_fixture.h"
#include "render/render.h"

static void copied(int (*fn)(const char *, struct strbuf *), const char *text)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(sb_puts(&sb, "x"), 0);
	assert_int_equal(fn(text, &sb), 0);
	assert_string_equal(sb.buf + 1, text); /* appended */
	assert_int_equal(sb.buf[0], 'x');
	sb_free(&sb);
}

static void refused(int (*fn)(const char *, struct strbuf *), const char *text)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(sb_puts(&sb, "before"), 0);
	errno = 0;
	if (fn(text, &sb) != -1)
		fail_msg("accepted \"%s\"", text ? text : "(null)");
	assert_int_equal(errno, EINVAL);
	assert_string_equal(sb.buf, "before");
	sb_free(&sb);
}

static void test_pressure_kernel_files(void **state)
{
	const char *names[] = {"pressure-cpu", "pressure-memory"};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *t = host_fixture(names[i]);

		copied(render_pressure, t);
		free(t);
	}
	/* a cgroup's (recorded on v2, kernel 6.1) */
	copied(render_pressure, "some avg10=0.00 avg60=0.00 avg300=0.00 total=3067\n"
				"full avg10=0.00 avg60=0.00 avg300=0.00 total=3067\n");
	/* kernels before 5.13 print no "full" line for cpu */
	copied(render_pressure, "some avg10=100.00 avg60=7.12 avg300=0.45 total=18446744073709\n");
}

static void test_pressure_refused(void **state)
{
	const char *bad[] = {
	    NULL,
	    "",
	    "\n",
	    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", /* no "some" first */
	    "some avg10=0.00 avg60=0.00 avg300=0.00 total=0",	/* cut: no newline */
	    "some avg10=0.00 avg60=0.00 avg300=0.00 total=\n",
	    "some avg10=0.00 avg60=0.00 total=0\n",
	    "some avg10=0.0 avg60=0.00 avg300=0.00 total=0\n",
	    "some avg10=x.00 avg60=0.00 avg300=0.00 total=0\n",
	    "some avg10=0.00 avg60=0.00 avg300=0.00 total=12a\n",
	    "some avg10=0.00  avg60=0.00 avg300=0.00 total=0\n",
	    "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nhalf avg10=0.00 avg60=0.00 "
	    "avg300=0.00 total=0\n",
	    "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 "
	    "avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", /* 3 lines */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(render_pressure, bad[i]);
}

static void test_slabinfo(void **state)
{
	char *t = host_fixture("slabinfo");

	(void)state;
	copied(render_slabinfo, t);
	/* the header alone: a cgroup with no caches of its own */
	copied(render_slabinfo, "slabinfo - version: 2.1\n");
	refused(render_slabinfo, NULL);
	refused(render_slabinfo, "");
	refused(render_slabinfo, "dentry 1 1 192 21 1 : tunables 0 0 0 : slabdata 1 1 0\n");
	refused(render_slabinfo, "slabinfo - version: 2.1"); /* cut */
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pressure_kernel_files),
	    cmocka_unit_test(test_pressure_refused),
	    cmocka_unit_test(test_slabinfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
