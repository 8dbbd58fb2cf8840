/* render_stat: cpu lines from cgroup CPU accounting, host lines kept, counters never
 * decrease. Expected values are worked out by hand from the inputs below. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_fixture.h"
#include "render/render.h"

#define SEC 1000000000ULL

static void set_cpus(struct cpuset *s, const char *list)
{
	assert_int_equal(cpuset_parse(list, s), 0);
}

/* The host text from its first non-cpu line on: what render_stat must keep verbatim. */
static const char *host_tail(const char *host)
{
	const char *p = strstr(host, "\nintr ");

	assert_non_null(p);
	return p + 1;
}

/* Numbers of the line starting with "key " in text; returns how many (-1: no line). */
static int line_values(const char *text, const char *key, unsigned long long *v, int max)
{
	size_t klen = strlen(key);
	const char *p = text;
	int n = 0;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			char *end;

			p += klen;
			while (n < max && *p == ' ') {
				v[n++] = strtoull(p, &end, 10);
				p = end;
			}
			return n;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static int count_cpu_lines(const char *text)
{
	int n = 0;

	for (const char *p = text; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, "cpu", 3) == 0 && p[3] >= '0' && p[3] <= '9')
			n++;
	}
	return n;
}

/* The line "key user 0 system idle 0 0 0 0 0 0" is in text. */
static void assert_cpu_line(const char *text, const char *key, unsigned long long user,
			    unsigned long long system, unsigned long long idle)
{
	unsigned long long v[16];

	assert_int_equal(line_values(text, key, v, 16), 10);
	assert_int_equal(v[0], user);
	assert_int_equal(v[1], 0);
	assert_int_equal(v[2], system);
	assert_int_equal(v[3], idle);
	for (int k = 4; k < 10; k++)
		assert_int_equal(v[k], 0);
}

/* This machine's /proc/stat (2 CPUs), per-CPU usage with a 3:1 user:system split. */
static void test_host_fixture_percpu(void **state)
{
	(void)state;
	char *host = host_fixture("stat");
	struct cg_cpu c = {.have_percpu = true, .nr_percpu = 2};
	struct stat_mono mono = {0};
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	struct cpuset cpus;

	set_cpus(&cpus, "0-1");
	c.percpu_ns[0] = 3 * SEC;
	c.percpu_ns[1] = 1 * SEC;
	c.user_ns = 3 * SEC;
	c.system_ns = 1 * SEC;
	c.usage_ns = 4 * SEC;
	assert_int_equal(render_stat(host, &c, &cpus, 10 * SEC, 100, &mono, &out), 0);

	/* cpu0: busy 3 s = user 2.25 s (225 ticks) + system 0.75 s (75), idle 10-3 = 7 s.
	 * cpu1: busy 1 s = user 0.75 s (75) + system 0.25 s (25), idle 9 s.
	 * The kernel prints "cpu" followed by two spaces. */
	sb_puts(&want, "cpu  300 0 100 1600 0 0 0 0 0 0\n"
		       "cpu0 225 0 75 700 0 0 0 0 0 0\n"
		       "cpu1 75 0 25 900 0 0 0 0 0 0\n");
	sb_puts(&want, host_tail(host));
	assert_string_equal(out.buf, want.buf);
	sb_free(&out);
	sb_free(&want);
	free(host);
}

/* 12-CPU host, percpu_ns[i] = (i+1) s, user:system 1:1, uptime 20 s, USER_HZ 100. */
static void render12(const char *list, struct strbuf *out)
{
	char *host = host_fixture("stat-12cpu");
	struct cg_cpu c = {.have_percpu = true, .nr_percpu = 12, .user_ns = 5, .system_ns = 5};
	struct cpuset cpus;

	for (int i = 0; i < 12; i++)
		c.percpu_ns[i] = (uint64_t)(i + 1) * SEC;
	set_cpus(&cpus, list);
	assert_int_equal(render_stat(host, &c, &cpus, 20 * SEC, 100, NULL, out), 0);
	/* Host lines after the cpu lines kept, in order. */
	assert_non_null(strstr(out->buf, host_tail(host)));
	assert_non_null(strstr(out->buf, "\nprocs_blocked 1\nsoftirq 4444444 7 1111111"));
	free(host);
}

static void test_cpuset_one(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;

	render12("5", &out);
	assert_int_equal(count_cpu_lines(out.buf), 1);
	/* real CPU 5: busy 6 s -> 3 s user (300), 3 s system (300), idle 14 s (1400) */
	assert_cpu_line(out.buf, "cpu0", 300, 300, 1400);
	assert_cpu_line(out.buf, "cpu", 300, 300, 1400);
	sb_free(&out);
}

static void test_cpuset_three(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;

	render12("2,6,11", &out);
	assert_int_equal(count_cpu_lines(out.buf), 3);
	/* real 2: busy 3 s; real 6: 7 s; real 11: 12 s. Half user, half system. */
	assert_cpu_line(out.buf, "cpu0", 150, 150, (20 - 3) * 100);
	assert_cpu_line(out.buf, "cpu1", 350, 350, (20 - 7) * 100);
	assert_cpu_line(out.buf, "cpu2", 600, 600, (20 - 12) * 100);
	assert_cpu_line(out.buf, "cpu", 150 + 350 + 600, 150 + 350 + 600, 1700 + 1300 + 800);
	sb_free(&out);
}

static void test_cpuset_ranges(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;
	/* "0-3,7,9-10": real CPUs 0 1 2 3 7 9 10, busy (real+1) s */
	const unsigned long long busy_s[7] = {1, 2, 3, 4, 8, 10, 11};
	char key[16];

	render12("0-3,7,9-10", &out);
	assert_int_equal(count_cpu_lines(out.buf), 7);
	for (int i = 0; i < 7; i++) {
		snprintf(key, sizeof(key), "cpu%d", i);
		assert_cpu_line(out.buf, key, busy_s[i] * 50, busy_s[i] * 50,
				(20 - busy_s[i]) * 100);
	}
	/* sum of busy = 39 s: user 1950, system 1950; idle 7*20 - 39 = 101 s */
	assert_cpu_line(out.buf, "cpu", 1950, 1950, 10100);
	/* the cpu lines come first, then the host's intr line */
	assert_non_null(strstr(out.buf, "\ncpu6 "));
	assert_true(strstr(out.buf, "\ncpu6 ") < strstr(out.buf, "\nintr "));
	assert_int_equal(strncmp(out.buf, "cpu  1950 0 1950 10100 0 0 0 0 0 0\ncpu0 ", 40), 0);
	sb_free(&out);
}

/* No per-CPU accounting (cgroup v2): usage spread evenly over the visible CPUs. */
static void test_spread_without_percpu(void **state)
{
	(void)state;
	char *host = host_fixture("stat-12cpu");
	struct cg_cpu c = {.usage_ns = 6 * SEC, .user_ns = 4 * SEC, .system_ns = 2 * SEC};
	struct strbuf out = STRBUF_INIT;
	struct cpuset cpus;

	set_cpus(&cpus, "4,8,9");
	assert_int_equal(render_stat(host, &c, &cpus, 5 * SEC, 100, NULL, &out), 0);
	assert_int_equal(count_cpu_lines(out.buf), 3);
	/* 2 s per CPU: user 2*4/6 s = 1.333.. s -> 133 ticks, system 0.666.. s -> 66,
	 * idle 3 s -> 300 */
	for (int i = 0; i < 3; i++) {
		char key[16];

		snprintf(key, sizeof(key), "cpu%d", i);
		assert_cpu_line(out.buf, key, 133, 66, 300);
	}
	assert_cpu_line(out.buf, "cpu", 3 * 133, 3 * 66, 3 * 300);
	sb_free(&out);
	free(host);
}

/* Busy time beyond the elapsed time: idle 0, not a wrapped huge number. Also: no
 * user/system split known -> all user; USER_HZ 1000. */
static void test_idle_clamped(void **state)
{
	(void)state;
	char *host = host_fixture("stat");
	struct cg_cpu c = {.have_percpu = true, .nr_percpu = 2};
	struct strbuf out = STRBUF_INIT;
	struct cpuset cpus;

	c.percpu_ns[0] = 8 * SEC;
	c.percpu_ns[1] = 2 * SEC;
	set_cpus(&cpus, "0-1");
	assert_int_equal(render_stat(host, &c, &cpus, 5 * SEC, 1000, NULL, &out), 0);
	/* cpu0: 8 s busy in 5 s -> idle 0; cpu1: 2 s busy, idle 3 s */
	assert_cpu_line(out.buf, "cpu0", 8000, 0, 0);
	assert_cpu_line(out.buf, "cpu1", 2000, 0, 3000);
	assert_cpu_line(out.buf, "cpu", 10000, 0, 3000);
	sb_free(&out);
	free(host);
}

/* One render of a mono sequence on CPU list `list` at uptime `up_s`, into out (reset). */
static void mono_step(const char *host, const struct cg_cpu *c, const char *list,
		      unsigned long long up_s, struct stat_mono *mono, struct strbuf *out)
{
	struct cpuset cpus;

	set_cpus(&cpus, list);
	sb_reset(out);
	assert_int_equal(render_stat(host, c, &cpus, up_s * SEC, 100, mono, out), 0);
}

/* Usage going down (counter reset, cgroup recreated) and the cpuset changing between
 * renders: nothing shown ever decreases. No user/system split: all user. */
static void test_mono_never_decreases(void **state)
{
	(void)state;
	char *host = host_fixture("stat");
	struct cg_cpu c = {.have_percpu = true, .nr_percpu = 2};
	struct stat_mono mono = {0};
	struct strbuf out = STRBUF_INIT;

	/* 1: CPU 0 busy 5 s of 10 s. */
	c.percpu_ns[0] = 5 * SEC;
	mono_step(host, &c, "0", 10, &mono, &out);
	assert_cpu_line(out.buf, "cpu0", 500, 0, 500);
	assert_cpu_line(out.buf, "cpu", 500, 0, 500);

	/* 2: usage fell to 2 s at 11 s: raw would be user 200, idle 900. */
	c.percpu_ns[0] = 2 * SEC;
	mono_step(host, &c, "0", 11, &mono, &out);
	assert_cpu_line(out.buf, "cpu0", 500, 0, 900);
	assert_cpu_line(out.buf, "cpu", 500, 0, 900);

	/* 3: cpuset moved to CPU 1 (busy 1 s at 12 s): cpu0 is now real CPU 1, new to
	 * mono: user 100, idle 1100. The total keeps user 500. */
	c.percpu_ns[1] = 1 * SEC;
	mono_step(host, &c, "1", 12, &mono, &out);
	assert_cpu_line(out.buf, "cpu0", 100, 0, 1100);
	assert_cpu_line(out.buf, "cpu", 500, 0, 1100);

	/* 4: back to CPU 0 (still 2 s busy, 13 s): user stays 500 for real CPU 0,
	 * idle 13-2 = 11 s. */
	mono_step(host, &c, "0", 13, &mono, &out);
	assert_cpu_line(out.buf, "cpu0", 500, 0, 1100);
	assert_cpu_line(out.buf, "cpu", 500, 0, 1100);

	/* 5: CPU 0 used 7 s by 13 s: user rises to 700; raw idle 13-7 = 6 s would fall
	 * below the 11 s shown: stays 1100. */
	c.percpu_ns[0] = 7 * SEC;
	mono_step(host, &c, "0", 13, &mono, &out);
	assert_cpu_line(out.buf, "cpu0", 700, 0, 1100);
	assert_cpu_line(out.buf, "cpu", 700, 0, 1100);

	/* mono holds what was last shown, by real CPU */
	assert_int_equal(mono.cpu[0].user, 700);
	assert_int_equal(mono.cpu[0].idle, 1100);
	assert_int_equal(mono.cpu[1].user, 100);
	assert_int_equal(mono.cpu[1].idle, 1100);
	assert_int_equal(mono.tot_user, 700);
	assert_int_equal(mono.tot_idle, 1100);
	sb_free(&out);
	free(host);
}

/* The user:system ratio shifting between renders (it comes from cumulative totals)
 * must not take system time back. */
static void test_mono_split_shift(void **state)
{
	(void)state;
	char *host = host_fixture("stat");
	struct cg_cpu c = {.have_percpu = true, .nr_percpu = 2, .user_ns = 1, .system_ns = 1};
	struct stat_mono mono = {0};
	struct strbuf out = STRBUF_INIT;

	/* 4 s busy at 10 s, 1:1: user 200, system 200, idle 600 */
	c.percpu_ns[1] = 4 * SEC;
	mono_step(host, &c, "1", 10, &mono, &out);
	assert_cpu_line(out.buf, "cpu0", 200, 200, 600);
	/* same 4 s at 10 s, now 3:1: raw user 300, system 100 -> system stays 200 */
	c.user_ns = 3;
	mono_step(host, &c, "1", 10, &mono, &out);
	assert_cpu_line(out.buf, "cpu0", 300, 200, 600);
	assert_cpu_line(out.buf, "cpu", 300, 200, 600);
	/* moved to idle CPU 0: its line starts at 0 busy, idle 1000; the total keeps
	 * user 300 and system 200 */
	mono_step(host, &c, "0", 10, &mono, &out);
	assert_cpu_line(out.buf, "cpu0", 0, 0, 1000);
	assert_cpu_line(out.buf, "cpu", 300, 200, 1000);
	sb_free(&out);
	free(host);
}

/* A kernel printing fewer columns (2.6.11: 8) gets as many back; host per-CPU lines
 * are dropped, other lines (page, swap on old kernels) kept. */
static void test_old_kernel_columns(void **state)
{
	(void)state;
	const char *host = "cpu  1 2 3 4 5 6 7 8\n"
			   "cpu0 1 2 3 4 5 6 7 8\n"
			   "cpu1 1 2 3 4 5 6 7 8\n"
			   "page 11 22\n"
			   "swap 0 0\n"
			   "intr 100 1 2\n"
			   "ctxt 7\n"
			   "btime 1600000000\n";
	struct cg_cpu c = {.have_percpu = true, .nr_percpu = 1, .percpu_ns = {2 * SEC}};
	struct strbuf out = STRBUF_INIT;
	struct cpuset cpus;

	set_cpus(&cpus, "0");
	assert_int_equal(render_stat(host, &c, &cpus, 3 * SEC, 100, NULL, &out), 0);
	assert_string_equal(out.buf, "cpu  200 0 0 100 0 0 0 0\n"
				     "cpu0 200 0 0 100 0 0 0 0\n"
				     "page 11 22\n"
				     "swap 0 0\n"
				     "intr 100 1 2\n"
				     "ctxt 7\n"
				     "btime 1600000000\n");
	sb_free(&out);
}

static void expect_einval(const char *host)
{
	struct cg_cpu c = {.have_percpu = true, .nr_percpu = 1, .percpu_ns = {SEC}};
	struct stat_mono mono = {0};
	struct strbuf out = STRBUF_INIT;
	struct cpuset cpus;

	set_cpus(&cpus, "0");
	sb_puts(&out, "before");
	errno = 0;
	assert_int_equal(render_stat(host, &c, &cpus, 2 * SEC, 100, &mono, &out), -1);
	assert_int_equal(errno, EINVAL);
	/* nothing appended, nothing remembered */
	assert_string_equal(out.buf, "before");
	assert_int_equal(mono.cpu[0].user, 0);
	sb_free(&out);
}

static void test_garbage(void **state)
{
	(void)state;
	char *host = host_fixture("stat");
	char *cut;

	expect_einval("");
	expect_einval("\n");
	expect_einval("garbage\n");
	expect_einval("\x01\x02\xff\xfe binary");
	expect_einval("intr 1 2\nctxt 3\n");			 /* no cpu line */
	expect_einval("cpu  1 2 3\nctxt 3\n");			 /* too few columns */
	expect_einval("cpu  1 2 3 4 x 6\n");			 /* not a number */
	expect_einval("cpu  1 2 3 4\ncpu  1 2 3 4\n");		 /* two cpu lines */
	expect_einval("cpu  1 2 3 4\nctxt\n");			 /* key without value */
	expect_einval("cpu  1 2 3 4\n\nctxt 1\n");		 /* blank line */
	expect_einval("cpu  1 2 3 4 99999999999999999999999\n"); /* 23 digits */
	/* truncated in the middle of a key ("procs_run") */
	cut = strstr(host, "procs_running");
	assert_non_null(cut);
	cut[9] = '\0';
	expect_einval(host);
	/* truncated just after "cpu" */
	host[3] = '\0';
	expect_einval(host);
	free(host);
}

static void test_bad_user_hz(void **state)
{
	(void)state;
	struct cg_cpu c = {0};
	struct strbuf out = STRBUF_INIT;
	struct cpuset cpus;

	set_cpus(&cpus, "0");
	errno = 0;
	assert_int_equal(render_stat("cpu  1 2 3 4\n", &c, &cpus, SEC, 0, NULL, &out), -1);
	assert_int_equal(errno, EINVAL);
	sb_free(&out);
}

/* A host text without a final newline (short read) still gives whole lines. */
static void test_no_final_newline(void **state)
{
	(void)state;
	struct cg_cpu c = {.have_percpu = true, .nr_percpu = 1, .percpu_ns = {SEC}};
	struct strbuf out = STRBUF_INIT;
	struct cpuset cpus;

	set_cpus(&cpus, "0");
	assert_int_equal(render_stat("cpu  1 2 3 4\nctxt 5", &c, &cpus, SEC, 100, NULL, &out), 0);
	assert_string_equal(out.buf, "cpu  100 0 0 0\ncpu0 100 0 0 0\nctxt 5\n");
	sb_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_host_fixture_percpu),	  cmocka_unit_test(test_cpuset_one),
	    cmocka_unit_test(test_cpuset_three),	  cmocka_unit_test(test_cpuset_ranges),
	    cmocka_unit_test(test_spread_without_percpu), cmocka_unit_test(test_idle_clamped),
	    cmocka_unit_test(test_mono_never_decreases),  cmocka_unit_test(test_mono_split_shift),
	    cmocka_unit_test(test_old_kernel_columns),	  cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_bad_user_hz),		  cmocka_unit_test(test_no_final_newline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
