/* meminfo_values against render_meminfo's own lines (sysinfo and /proc/meminfo never
 * disagree), and render_sysinfo's units, rounding and layout against the kernel's rules. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include <cmocka.h>

#include "render/render.h"
#include "common/fileio.h"
#include "host_fixture.h"

#define MiB (1024ULL * 1024ULL)
#define GiB (1024ULL * MiB)

static struct cg_mem container(void)
{
	struct cg_mem m = {
	    .limit = 256 * MiB,
	    .usage = 100 * MiB,
	    .swap_accounting = true,
	    .swap_limit = 64 * MiB,
	    .swap_usage = 8 * MiB,
	    .cached = 40 * MiB,
	    .active_file = 20 * MiB,
	    .inactive_file = 10 * MiB,
	    .shmem = 7 * MiB,
	    .anon = 50 * MiB,
	};
	return m;
}

static uint64_t line_kb(const char *text, const char *key)
{
	uint64_t v;

	if (find_meminfo_kb(text, key, &v) != 0)
		fail_msg("no %s line", key);
	return v;
}

/* every value is the number render_meminfo prints on its line, for several containers and
 * both fixture hosts (with and without swap) */
static void test_values_are_the_lines(void **state)
{
	const char *hosts[] = {"meminfo", "meminfo-swap"};
	struct cg_mem cases[4];

	(void)state;
	cases[0] = container();
	cases[1] = container();
	cases[1].limit = CG_UNLIMITED; /* the host's total */
	cases[2] = container();
	cases[2].usage = 300 * MiB; /* above its limit: MemFree 0 */
	cases[3] = container();
	cases[3].swap_accounting = false;
	for (size_t h = 0; h < 2; h++) {
		char *host = host_fixture(hosts[h]);

		for (size_t c = 0; c < 4; c++) {
			for (int swap = 0; swap < 2; swap++) {
				struct strbuf sb = STRBUF_INIT;
				struct meminfo_values v;

				assert_int_equal(render_meminfo(host, &cases[c], swap, true, &sb),
						 0);
				assert_int_equal(meminfo_values(host, &cases[c], swap, &v), 0);
				assert_int_equal(v.total, line_kb(sb.buf, "MemTotal"));
				assert_int_equal(v.free, line_kb(sb.buf, "MemFree"));
				assert_int_equal(v.available, line_kb(sb.buf, "MemAvailable"));
				assert_int_equal(v.buffers, line_kb(sb.buf, "Buffers"));
				assert_int_equal(v.shmem, line_kb(sb.buf, "Shmem"));
				if (strstr(host, "SwapTotal:")) {
					assert_int_equal(v.swap_total,
							 line_kb(sb.buf, "SwapTotal"));
					assert_int_equal(v.swap_free, line_kb(sb.buf, "SwapFree"));
				}
				sb_free(&sb);
			}
		}
		free(host);
	}
}

static void test_values_garbage(void **state)
{
	struct cg_mem m = container();
	struct meminfo_values v;

	(void)state;
	errno = 0;
	assert_int_equal(meminfo_values("Foo: 1 kB\n", &m, true, &v), -1);
	assert_int_equal(errno, EINVAL);
}

static struct sysinfo_values sample(void)
{
	struct sysinfo_values v = {
	    .uptime_ns = 12ULL * 1000000000ULL,
	    .loads = {1 << 16, 3 << 15, 0},
	    .mem = {.total = 262144,
		    .free = 160000,
		    .available = 200000,
		    .buffers = 0,
		    .shmem = 7168,
		    .swap_total = 65536,
		    .swap_free = 57344},
	    .procs = 3,
	};
	return v;
}

static void test_bytes(void **state)
{
	struct sysinfo_values v = sample();
	struct sysinfo si;

	(void)state;
	render_sysinfo(&v, &si);
	assert_int_equal(si.mem_unit, 1);
	assert_int_equal(si.totalram, 256 * MiB); /* busybox free -m: 256 */
	assert_int_equal(si.freeram, 160000ULL * 1024);
	assert_int_equal(si.sharedram, 7 * MiB);
	assert_int_equal(si.bufferram, 0);
	assert_int_equal(si.totalswap, 64 * MiB);
	assert_int_equal(si.freeswap, 56 * MiB);
	assert_int_equal(si.totalhigh, 0);
	assert_int_equal(si.freehigh, 0);
	assert_int_equal(si.procs, 3);
	assert_int_equal(si.loads[0], 65536);
	assert_int_equal(si.loads[1], 98304);
	assert_int_equal(si.loads[2], 0);
}

/* whole seconds, a started one counted, as the kernel's tv_sec + (tv_nsec ? 1 : 0) */
static void test_uptime_rounds_up(void **state)
{
	struct sysinfo_values v = sample();
	struct sysinfo si;

	(void)state;
	render_sysinfo(&v, &si);
	assert_int_equal(si.uptime, 12);
	v.uptime_ns = 12ULL * 1000000000ULL + 1;
	render_sysinfo(&v, &si);
	assert_int_equal(si.uptime, 13);
	v.uptime_ns = 0;
	render_sysinfo(&v, &si);
	assert_int_equal(si.uptime, 0);
}

/* RAM + swap in bytes beyond an unsigned long: kB units, as the kernel keeps its own unit */
static void test_overflow_keeps_units(void **state)
{
	struct sysinfo_values v = sample();
	struct sysinfo si;

	(void)state;
	v.mem.total = (~0UL >> 10) - 10;
	v.mem.free = 5;
	v.mem.swap_total = 100;
	render_sysinfo(&v, &si);
	assert_int_equal(si.mem_unit, 1024);
	assert_int_equal(si.totalram, (~0UL >> 10) - 10);
	assert_int_equal(si.freeram, 5);
	assert_int_equal(si.totalswap, 100);
}

/* procs is 16 bits in struct sysinfo: the kernel's nr_threads is cut the same way */
static void test_procs_cut(void **state)
{
	struct sysinfo_values v = sample();
	struct sysinfo si;

	(void)state;
	v.procs = 65536 + 7;
	render_sysinfo(&v, &si);
	assert_int_equal(si.procs, 7);
}

static void test_loads(void **state)
{
	(void)state;
	/* 1.00 in the kernel's FSHIFT 11 is 1.00 in SI_LOAD_SHIFT 16 */
	assert_int_equal(loadavg_to_sysinfo(LOADAVG_FIXED_1), 1UL << SYSINFO_LOAD_SHIFT);
	assert_int_equal(loadavg_to_sysinfo(3 * LOADAVG_FIXED_1 / 2), 3UL << 15);
	assert_int_equal(loadavg_to_sysinfo(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_are_the_lines),
	    cmocka_unit_test(test_values_garbage),
	    cmocka_unit_test(test_bytes),
	    cmocka_unit_test(test_uptime_rounds_up),
	    cmocka_unit_test(test_overflow_keeps_units),
	    cmocka_unit_test(test_procs_cut),
	    cmocka_unit_test(test_loads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
