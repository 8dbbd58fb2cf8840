/* render_cpuinfo on recorded x86 and arm64 cpuinfo files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/render.h"
#include "host_fixture.h"

static struct cpuset set_of(const char *list)
{
	struct cpuset s;

	assert_int_equal(cpuset_parse(list, &s), 0);
	return s;
}

/* render_cpuinfo of fixture text for the CPU list; the result is malloc'd. */
static char *render(const char *host, const char *list)
{
	struct cpuset s = set_of(list);
	struct strbuf sb = STRBUF_INIT;

	if (render_cpuinfo(host, &s, &sb) != 0)
		fail_msg("render_cpuinfo failed for %s: %s", list, strerror(errno));
	return sb_steal(&sb);
}

static void render_fails(const char *host, const struct cpuset *s)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(sb_puts(&sb, "before"), 0);
	errno = 0;
	assert_int_equal(render_cpuinfo(host, s, &sb), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(sb.buf, "before"); /* nothing half-written */
	sb_free(&sb);
}

/* The block of "processor\t: n" up to its closing blank line (excluded); malloc'd, NULL
 * when text has no such block. */
static char *block(const char *text, unsigned n)
{
	char head[32];
	const char *b, *e;
	size_t hl = (size_t)snprintf(head, sizeof(head), "processor\t: %u\n", n);

	for (b = text; b; b = strchr(b, '\n'), b = b ? b + 1 : NULL)
		if (strncmp(b, head, hl) == 0)
			break;
	if (!b)
		return NULL;
	e = strstr(b, "\n\n");
	e = e ? e + 1 : b + strlen(b);
	return strndup(b, e - b);
}

/* The value of the line "key<tabs>: value" of a block (static buffer), or NULL. */
static const char *field(const char *blk, const char *key)
{
	static char val[4096];
	size_t kl = strlen(key);

	for (const char *l = blk; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *p = l + kl;
		const char *nl = strchr(l, '\n');

		if (strncmp(l, key, kl) != 0)
			continue;
		while (*p == '\t' || *p == ' ')
			p++;
		if (*p != ':')
			continue;
		p += 2;
		nl = nl ? nl : p + strlen(p);
		snprintf(val, sizeof(val), "%.*s", (int)(nl - p), p);
		return val;
	}
	return NULL;
}

/* Field key of output block n is want. */
static void assert_field(const char *out, unsigned n, const char *key, const char *want)
{
	char *b = block(out, n);
	const char *v;

	assert_non_null(b);
	v = field(b, key);
	if (!v || strcmp(v, want) != 0)
		fail_msg("block %u: %s is \"%s\", want \"%s\"", n, key, v ? v : "(none)", want);
	free(b);
}

static unsigned count_lines(const char *text, const char *prefix)
{
	unsigned n = 0;
	size_t pl = strlen(prefix);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		n += strncmp(l, prefix, pl) == 0;
	return n;
}

static bool is_topology_line(const char *line)
{
	static const char *const topo[] = {
	    "processor\t:", "physical id\t:", "siblings\t:", "core id\t\t:", "cpu cores\t:"};

	for (size_t i = 0; i < sizeof(topo) / sizeof(topo[0]); i++)
		if (strncmp(line, topo[i], strlen(topo[i])) == 0)
			return true;
	return false;
}

/* Output block `got` is host block `want` line for line, topology lines aside. */
static void assert_same_block(const char *got, const char *want)
{
	assert_int_equal(count_lines(got, ""), count_lines(want, ""));
	while (*got && *want) {
		size_t gl = strcspn(got, "\n"), wl = strcspn(want, "\n");

		if (!is_topology_line(want)) {
			if (gl != wl || memcmp(got, want, gl) != 0)
				fail_msg("line differs: got \"%.*s\", host \"%.*s\"", (int)gl, got,
					 (int)wl, want);
		} else {
			/* same key, only the number may change */
			assert_memory_equal(got, want, strcspn(want, ":"));
		}
		got += gl + (got[gl] == '\n');
		want += wl + (want[wl] == '\n');
	}
}

/* For each block i of out, the host block of real[i], renumbered as a single-CPU socket. */
static void check_blocks(const char *out, const char *host, const unsigned *real, unsigned n,
			 bool x86)
{
	char num[16];

	assert_int_equal(count_lines(out, "processor"), n);
	for (unsigned i = 0; i < n; i++) {
		char *got = block(out, i), *want = block(host, real[i]);

		assert_non_null(got);
		assert_non_null(want);
		assert_same_block(got, want);
		snprintf(num, sizeof(num), "%u", i);
		assert_string_equal(field(got, "processor"), num);
		if (x86) {
			assert_string_equal(field(got, "physical id"), num);
			assert_string_equal(field(got, "siblings"), "1");
			assert_string_equal(field(got, "core id"), "0");
			assert_string_equal(field(got, "cpu cores"), "1");
		} else {
			assert_null(field(got, "physical id"));
			assert_null(field(got, "siblings"));
			assert_null(field(got, "core id"));
			assert_null(field(got, "cpu cores"));
		}
		free(got);
		free(want);
	}
	assert_null(block(out, n));
}

static void test_x86_12_subset(void **state)
{
	char *host = host_fixture("cpuinfo-x86-12");
	const unsigned real[] = {0, 1, 2, 3, 7, 9, 10};
	char *out = render(host, "0-3,7,9-10");

	(void)state;
	check_blocks(out, host, real, 7, true);
	/* hand-derived from the fixture (2 sockets x 6 cores, core ids 0 1 2 8 9 10,
	 * apicid = 32 * socket + 2 * core id, cpu MHz = 1000 + 100.5 * cpu):
	 * output CPU 4 is host CPU 7: socket 1, core id 1 */
	assert_field(out, 4, "apicid", "34");
	assert_field(out, 4, "initial apicid", "34");
	assert_field(out, 4, "cpu MHz", "1703.500");
	/* output CPU 6 is host CPU 10: socket 1, core id 9 */
	assert_field(out, 6, "apicid", "50");
	assert_field(out, 6, "cpu MHz", "2005.000");
	/* 7 blocks of the fixture's 27 lines (processor ... power management), each closed
	 * by a blank line, nothing else */
	assert_int_equal(count_lines(out, ""), 7 * (27 + 1));
	assert_true(strlen(out) > 2 && strcmp(out + strlen(out) - 2, "\n\n") == 0);
	free(out);
	free(host);
}

static void test_x86_8_sockets(void **state)
{
	char *host = host_fixture("cpuinfo-x86-8");
	const unsigned all[] = {0, 1, 2, 3, 4, 5, 6, 7};
	const unsigned one[] = {4};
	char *out;

	(void)state;
	/* 2 sockets x 2 cores x 2 threads become 8 one-CPU sockets 0..7 */
	out = render(host, "0-7");
	check_blocks(out, host, all, 8, true);
	free(out);

	/* host CPU 4 is the second thread of socket 0 core 0: apicid 1 stays */
	out = render(host, "4");
	check_blocks(out, host, one, 1, true);
	assert_field(out, 0, "apicid", "1");
	free(out);
	free(host);
}

static void test_x86_this_machine(void **state)
{
	char *host = host_fixture("cpuinfo");
	const unsigned real[] = {1};
	char *out;

	(void)state;
	out = render(host, "1");
	check_blocks(out, host, real, 1, true);
	free(out);
	free(host);
}

static void test_arm64_subset(void **state)
{
	char *host = host_fixture("cpuinfo-arm64");
	const unsigned real[] = {0, 1, 2, 3, 7, 9, 10};
	char *out = render(host, "0-3,7,9-10");

	(void)state;
	check_blocks(out, host, real, 7, false);
	/* 8 lines and a blank line per block: no line added */
	assert_int_equal(count_lines(out, ""), 7 * (8 + 1));
	/* fixture: CPUs 0-7 Cortex-A55 (0xd05 r2p0), 8-11 Cortex-A76 (0xd0b, rev 1 + cpu % 2) */
	assert_field(out, 4, "CPU part", "0xd05"); /* host CPU 7 */
	assert_field(out, 4, "CPU variant", "0x2");
	assert_field(out, 5, "CPU part", "0xd0b"); /* host CPU 9 */
	assert_field(out, 5, "CPU revision", "2");
	assert_field(out, 6, "CPU revision", "1"); /* host CPU 10 */
	free(out);
	free(host);
}

/* Vendor arm64 kernels: a "Processor" line before the blocks, "Hardware" after them. */
static void test_arm64_header_footer(void **state)
{
	char *host = host_fixture("cpuinfo-arm64-old");
	const unsigned real[] = {1, 3};
	char *out = render(host, "1,3");
	const char *head = "Processor\t: AArch64 Processor rev 4 (aarch64)\n";
	const char *foot = "\nHardware\t: Qualcomm Technologies, Inc MSM8953\n";

	(void)state;
	check_blocks(out, host, real, 2, false);
	assert_memory_equal(out, head, strlen(head));
	assert_string_equal(out + strlen(out) - strlen(foot), foot);
	assert_int_equal(count_lines(out, ""), 1 + 2 * (8 + 1) + 1);
	free(out);
	free(host);
}

/* Linux 3.10 arm64: bare processor lines, then lines shared by all CPUs. */
#define ARM64_310_HEAD "Processor\t: AArch64 Processor rev 0 (aarch64)\n"
#define ARM64_310_SHARED                                                                           \
	"BogoMIPS\t: 100.00\n"                                                                     \
	"\n"                                                                                       \
	"Features\t: fp asimd evtstrm\n"                                                           \
	"CPU implementer\t: 0x41\n"                                                                \
	"CPU architecture: AArch64\n"                                                              \
	"CPU variant\t: 0x0\n"                                                                     \
	"CPU part\t: 0xd07\n"                                                                      \
	"CPU revision\t: 0\n"                                                                      \
	"\n"                                                                                       \
	"Hardware\t: Foundation-v8A\n"

static void test_arm64_bare_list(void **state)
{
	const char *host = ARM64_310_HEAD "processor\t: 0\n"
					  "processor\t: 1\n"
					  "processor\t: 2\n"
					  "processor\t: 3\n" ARM64_310_SHARED;
	char *out;

	(void)state;
	out = render(host, "1-2");
	assert_string_equal(out, ARM64_310_HEAD "processor\t: 0\n"
						"processor\t: 1\n" ARM64_310_SHARED);
	free(out);

	out = render(host, "3");
	assert_string_equal(out, ARM64_310_HEAD "processor\t: 0\n" ARM64_310_SHARED);
	free(out);
}

static void test_processor_beyond_cpuset_max(void **state)
{
	const char *host = "processor\t: 5000\nfoo\t\t: a\n\nprocessor\t: 1\nfoo\t\t: b\n\n";
	char *out = render(host, "1");

	(void)state;
	assert_string_equal(out, "processor\t: 0\nfoo\t\t: b\n\n");
	free(out);
}

static void test_errors(void **state)
{
	char *host = host_fixture("cpuinfo-x86-12");
	struct cpuset s = set_of("0-3,7,9-10"), none, absent = set_of("20");
	size_t n = strlen(host);
	char *cut;
	const char *flags3;

	(void)state;
	cpuset_clear(&none);
	render_fails(host, &none);   /* empty set */
	render_fails(host, &absent); /* no host block for any CPU of the set */
	render_fails("", &s);
	render_fails("\n", &s);
	render_fails("hello\nworld\n", &s);	  /* no processor line */
	render_fails("processor\t: x\n\n", &s);	  /* not a number */
	render_fails("processor\t:\n\n", &s);	  /* no number */
	render_fails("processor\t: 1a\n\n", &s);  /* trailing garbage */
	render_fails("processor\t: 0\0junk", &s); /* not newline-terminated */

	/* truncated in the middle of a line */
	cut = strndup(host, n / 2);
	assert_true(cut[strlen(cut) - 1] != '\n');
	render_fails(cut, &s);
	free(cut);

	/* truncated at a line boundary inside CPU 3's block */
	flags3 = strstr(strstr(host, "processor\t: 3\n"), "\nflags");
	assert_non_null(flags3);
	cut = strndup(host, flags3 + 1 - host);
	render_fails(cut, &s);
	free(cut);

	render_fails(fixture_junk(), &s);
	free(host);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_x86_12_subset),
	    cmocka_unit_test(test_x86_8_sockets),
	    cmocka_unit_test(test_x86_this_machine),
	    cmocka_unit_test(test_arm64_subset),
	    cmocka_unit_test(test_arm64_header_footer),
	    cmocka_unit_test(test_arm64_bare_list),
	    cmocka_unit_test(test_processor_beyond_cpuset_max),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
