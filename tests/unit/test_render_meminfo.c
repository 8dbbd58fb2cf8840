/* render_meminfo on recorded host files. Expected numbers are worked out from the
 * fixture values and the container's bytes, in kB (bytes / 1024). */
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/render.h"
#include "common/fileio.h"
#include "host_fixture.h"

#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

/* tests/fixtures/host/meminfo-swap: a 128 GiB host with 12 GiB of swap */
#define HOST_TOTAL     131891036ULL
#define HOST_SWAP      12582904ULL
#define HOST_ANONHUGE  2097152ULL
#define HOST_MLOCKED   65536ULL
#define HOST_COMMITLIM 78528420ULL

/* A container of 512 MiB with some of everything. */
static struct cg_mem typical(void)
{
	struct cg_mem m = {
	    .limit = 512 * MiB,
	    .usage = 100 * MiB,
	    .swap_accounting = true,
	    .swap_limit = 1 * GiB,
	    .swap_usage = 100 * MiB,
	    .cached = 60 * MiB,
	    .active_anon = 20 * MiB,
	    .inactive_anon = 10 * MiB,
	    .active_file = 30 * MiB,
	    .inactive_file = 15 * MiB,
	    .unevictable = 1 * MiB,
	    .shmem = 10 * MiB,
	    .mapped = 5 * MiB,
	    .anon = 30 * MiB,
	    .dirty = 1 * MiB,
	    .writeback = 0,
	    .slab = 6 * MiB,
	    .slab_reclaimable = 4 * MiB,
	    .slab_unreclaimable = 2 * MiB,
	};
	return m;
}

static char *render(const char *host, const struct cg_mem *m, bool swap)
{
	struct strbuf sb = STRBUF_INIT;

	if (render_meminfo(host, m, swap, true, &sb) != 0)
		fail_msg("render_meminfo: %s", strerror(errno));
	return sb_steal(&sb);
}

static uint64_t val(const char *text, const char *key)
{
	uint64_t v;

	if (find_meminfo_kb(text, key, &v) != 0)
		fail_msg("no %s line", key);
	return v;
}

/* The whole line of key. Two static buffers, used in turn, so that
 * assert_string_equal(line_of(a, k), line_of(b, k)) compares two lines. */
static const char *line_of(const char *text, const char *key)
{
	static char bufs[2][256];
	static int turn;
	char *buf = bufs[turn++ % 2];
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, kl) == 0 && l[kl] == ':') {
			snprintf(buf, sizeof(bufs[0]), "%.*s", (int)strcspn(l, "\n"), l);
			return buf;
		}
	fail_msg("no %s line", key);
	return NULL;
}

static void test_limit(void **state)
{
	char *host = host_fixture("meminfo-swap");
	struct cg_mem m = typical();
	char *out = render(host, &m, true);
	const uint64_t total = 512 * 1024, mem_free = 512 * 1024 - 100 * 1024;

	(void)state;
	assert_int_equal(val(out, "MemTotal"), total);
	assert_int_equal(val(out, "MemFree"), mem_free);
	/* free + file LRU (30 + 15 MiB) + reclaimable slab (4 MiB) */
	assert_int_equal(val(out, "MemAvailable"), mem_free + (30 + 15) * 1024 + 4 * 1024);
	assert_int_equal(val(out, "Buffers"), 0);
	assert_int_equal(val(out, "Cached"), 60 * 1024);
	assert_int_equal(val(out, "SwapCached"), 0);
	assert_int_equal(val(out, "Active"), (20 + 30) * 1024);
	assert_int_equal(val(out, "Inactive"), (10 + 15) * 1024);
	assert_int_equal(val(out, "Active(anon)"), 20 * 1024);
	assert_int_equal(val(out, "Inactive(anon)"), 10 * 1024);
	assert_int_equal(val(out, "Active(file)"), 30 * 1024);
	assert_int_equal(val(out, "Inactive(file)"), 15 * 1024);
	assert_int_equal(val(out, "Unevictable"), 1 * 1024);
	assert_int_equal(val(out, "SwapTotal"), 1024 * 1024);
	assert_int_equal(val(out, "SwapFree"), 1024 * 1024 - 100 * 1024);
	assert_int_equal(val(out, "Dirty"), 1024);
	assert_int_equal(val(out, "Writeback"), 0);
	assert_int_equal(val(out, "AnonPages"), 30 * 1024);
	assert_int_equal(val(out, "Mapped"), 5 * 1024);
	assert_int_equal(val(out, "Shmem"), 10 * 1024);
	assert_int_equal(val(out, "KReclaimable"), 4 * 1024);
	assert_int_equal(val(out, "Slab"), 6 * 1024);
	assert_int_equal(val(out, "SReclaimable"), 4 * 1024);
	assert_int_equal(val(out, "SUnreclaim"), 2 * 1024);

	/* host amounts above MemTotal are lowered to it, smaller ones kept */
	assert_true(HOST_ANONHUGE > total);
	assert_int_equal(val(out, "AnonHugePages"), total);
	assert_int_equal(val(out, "Mlocked"), HOST_MLOCKED);
	/* not amounts of the container's memory: host values, unchanged lines */
	assert_string_equal(line_of(out, "CommitLimit"), line_of(host, "CommitLimit"));
	assert_string_equal(line_of(out, "Committed_AS"), line_of(host, "Committed_AS"));
	assert_string_equal(line_of(out, "VmallocTotal"), line_of(host, "VmallocTotal"));
	assert_string_equal(line_of(out, "DirectMap1G"), line_of(host, "DirectMap1G"));
	assert_string_equal(line_of(out, "Hugepagesize"), line_of(host, "Hugepagesize"));
	assert_string_equal(line_of(out, "HugePages_Total"), line_of(host, "HugePages_Total"));
	assert_string_equal(line_of(out, "KernelStack"), line_of(host, "KernelStack"));
	assert_string_equal(line_of(out, "HardwareCorrupted"), line_of(host, "HardwareCorrupted"));
	free(out);
	free(host);
}

/* Lines are laid out as the kernel prints them: "%-16s%8lu kB", wider numbers start at
 * column 16. */
static void test_layout(void **state)
{
	char *host = host_fixture("meminfo-swap");
	struct cg_mem m = typical();
	char *out = render(host, &m, true), want[64];

	(void)state;
	snprintf(want, sizeof(want), "%-16s%8d kB", "MemTotal:", 512 * 1024);
	assert_string_equal(line_of(out, "MemTotal"), want);
	snprintf(want, sizeof(want), "%-16s%8d kB", "Buffers:", 0);
	assert_string_equal(line_of(out, "Buffers"), want);
	snprintf(want, sizeof(want), "%-16s%8d kB", "Inactive(file):", 15 * 1024);
	assert_string_equal(line_of(out, "Inactive(file)"), want);
	free(out);

	/* unlimited: the host's 9-digit MemTotal, exactly the host's line */
	m.limit = CG_UNLIMITED;
	m.usage = 0;
	out = render(host, &m, true);
	assert_string_equal(line_of(out, "MemTotal"), "MemTotal:       131891036 kB");
	free(out);
	free(host);
}

static regex_t line_regex(const char *host_line, size_t len)
{
	char pat[512], *p = pat;
	const char *colon = memchr(host_line, ':', len), *num;
	regex_t re;

	assert_non_null(colon);
	*p++ = '^';
	for (const char *k = host_line; k < colon; k++) {
		if (strchr("()[].*+?^$|\\{}", *k))
			*p++ = '\\';
		*p++ = *k;
	}
	num = colon + 1 + strspn(colon + 1, " ");
	num += strspn(num, "0123456789");
	p += sprintf(p, ":[ ]+[0-9]+%.*s$", (int)(host_line + len - num), num);
	assert_int_equal(regcomp(&re, pat, REG_EXTENDED | REG_NOSUB), 0);
	return re;
}

/* Same keys, same order, same count as the host, each line in the host line's format
 * (what procps and psutil parse). */
static void check_format(const char *host, const char *out)
{
	const char *h = host, *o = out;

	while (*h) {
		size_t hl = strcspn(h, "\n"), ol = strcspn(o, "\n");
		regex_t re = line_regex(h, hl);
		char line[256];

		assert_true(*o);
		snprintf(line, sizeof(line), "%.*s", (int)ol, o);
		if (regexec(&re, line, 0, NULL, 0) != 0)
			fail_msg("\"%s\" is not in the format of host line \"%.*s\"", line, (int)hl,
				 h);
		regfree(&re);
		assert_int_equal(h[hl], '\n');
		assert_int_equal(o[ol], '\n');
		h += hl + 1;
		o += ol + 1;
	}
	assert_string_equal(o, "");
}

static void test_format_like_host(void **state)
{
	const char *fixtures[] = {"meminfo", "meminfo-swap"};
	const uint64_t limits[] = {512 * MiB, CG_UNLIMITED, 1 * KiB, 0};

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		char *host = host_fixture(fixtures[f]);

		for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
			struct cg_mem m = typical();
			char *out;

			m.limit = limits[i];
			out = render(host, &m, true);
			check_format(host, out);
			free(out);
		}
		free(host);
	}
}

static void test_unlimited_and_above_host(void **state)
{
	char *host = host_fixture("meminfo-swap");
	struct cg_mem m = typical();
	char *out;

	(void)state;
	m.limit = CG_UNLIMITED;
	m.usage = 1 * GiB;
	m.swap_limit = CG_UNLIMITED;
	out = render(host, &m, true);
	assert_int_equal(val(out, "MemTotal"), HOST_TOTAL);
	assert_int_equal(val(out, "MemFree"), HOST_TOTAL - 1024 * 1024);
	assert_int_equal(val(out, "SwapTotal"), HOST_SWAP);
	assert_int_equal(val(out, "SwapFree"), HOST_SWAP - 100 * 1024);
	/* below the host's MemTotal now: the host value */
	assert_int_equal(val(out, "AnonHugePages"), HOST_ANONHUGE);
	free(out);

	/* 256 GiB limit, swap 64 GiB, on a 128 GiB host with 12 GiB swap */
	m.limit = 256 * GiB;
	m.swap_limit = 64 * GiB;
	out = render(host, &m, true);
	assert_int_equal(val(out, "MemTotal"), HOST_TOTAL);
	assert_int_equal(val(out, "SwapTotal"), HOST_SWAP);
	free(out);
	free(host);
}

static void test_usage_above_limit(void **state)
{
	char *host = host_fixture("meminfo-swap");
	struct cg_mem m = typical();
	char *out;

	(void)state;
	m.usage = 600 * MiB;
	out = render(host, &m, true);
	assert_int_equal(val(out, "MemTotal"), 512 * 1024);
	assert_int_equal(val(out, "MemFree"), 0);
	assert_int_equal(val(out, "MemAvailable"), 0 + (30 + 15) * 1024 + 4 * 1024);
	free(out);

	/* lots of reclaimable cache: MemAvailable stops at MemTotal */
	m.usage = 0;
	m.active_file = 300 * MiB;
	m.inactive_file = 300 * MiB;
	out = render(host, &m, true);
	assert_int_equal(val(out, "MemFree"), 512 * 1024);
	assert_int_equal(val(out, "MemAvailable"), 512 * 1024);
	/* and no container value is above MemTotal */
	assert_int_equal(val(out, "Active(file)"), 300 * 1024);
	assert_int_equal(val(out, "Active"), (20 + 300) * 1024);
	assert_int_equal(val(out, "Inactive"), (10 + 300) * 1024);
	/* anon + file beyond the limit (garbage from a racing read): at most MemTotal */
	m.active_anon = 400 * MiB;
	free(out);
	out = render(host, &m, true);
	assert_int_equal(val(out, "Active"), 512 * 1024);
	free(out);
	free(host);
}

static void test_file_cache_fallback(void **state)
{
	char *host = host_fixture("meminfo-swap");
	struct cg_mem m = typical();
	char *out;

	(void)state;
	/* no file LRU counts: Cached minus Shmem is the reclaimable file cache */
	m.active_file = m.inactive_file = 0;
	m.cached = 100 * MiB;
	m.shmem = 30 * MiB;
	out = render(host, &m, true);
	assert_int_equal(val(out, "MemAvailable"),
			 (512 - 100) * 1024 + (100 - 30) * 1024 + 4 * 1024);
	free(out);

	/* no slab total (cgroup v1): Slab = SReclaimable + SUnreclaim */
	m = typical();
	m.slab = 0;
	out = render(host, &m, true);
	assert_int_equal(val(out, "Slab"), (4 + 2) * 1024);
	free(out);
	free(host);
}

static void test_swap_off(void **state)
{
	char *host = host_fixture("meminfo-swap");
	struct cg_mem m = typical();
	char *out;

	(void)state;
	/* -u */
	out = render(host, &m, false);
	assert_int_equal(val(out, "SwapTotal"), 0);
	assert_int_equal(val(out, "SwapFree"), 0);
	free(out);

	/* no swap accounting in the cgroup */
	m.swap_accounting = false;
	out = render(host, &m, true);
	assert_int_equal(val(out, "SwapTotal"), 0);
	assert_int_equal(val(out, "SwapFree"), 0);
	free(out);

	/* swap used beyond the swap limit */
	m = typical();
	m.swap_usage = 2 * GiB;
	out = render(host, &m, true);
	assert_int_equal(val(out, "SwapTotal"), 1024 * 1024);
	assert_int_equal(val(out, "SwapFree"), 0);
	free(out);
	free(host);

	/* this machine has no swap: nothing to give the container */
	host = host_fixture("meminfo");
	m = typical();
	out = render(host, &m, true);
	assert_int_equal(val(out, "SwapTotal"), 0);
	assert_int_equal(val(out, "SwapFree"), 0);
	free(out);
	free(host);
}

/* A host file without swap lines (and a minimal key set) is rendered, not refused. */
static void test_minimal_host(void **state)
{
	const char *host = "MemTotal:        1000000 kB\n"
			   "MemFree:          500000 kB\n"
			   "Cached:           100000 kB\n"
			   "HugePages_Total:       0\n";
	struct cg_mem m = typical();
	char *out;

	(void)state;
	out = render(host, &m, true);
	assert_string_equal(out, "MemTotal:         524288 kB\n"
				 "MemFree:          421888 kB\n"
				 "Cached:            61440 kB\n"
				 "HugePages_Total:       0\n");
	free(out);
}

/* A tiny deterministic generator for the invariant sweep. */
static uint64_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

static void test_invariants(void **state)
{
	static const uint64_t pool[] = {0,
					1,
					1023,
					1024,
					4096,
					100 * MiB,
					512 * MiB,
					600 * MiB,
					200 * GiB,
					1ULL << 62,
					CG_UNLIMITED - 1,
					CG_UNLIMITED};
	static const char *const derived[] = {
	    "Cached",	    "Active",	      "Inactive",      "Active(anon)", "Inactive(anon)",
	    "Active(file)", "Inactive(file)", "Unevictable",   "Dirty",	       "Writeback",
	    "AnonPages",    "Mapped",	      "Shmem",	       "KReclaimable", "Slab",
	    "SReclaimable", "SUnreclaim",     "AnonHugePages", "Mlocked",      "KernelStack"};
	const size_t np = sizeof(pool) / sizeof(pool[0]);
	const char *fixtures[] = {"meminfo", "meminfo-swap"};
	uint64_t seed = 42;
	/* the ASan+UBSan build checks memory, not more values: 8x fewer (52 s of its unit run) */
#ifdef __SANITIZE_ADDRESS__
	const int rounds = 375;
#else
	const int rounds = 3000;
#endif

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		char *host = host_fixture(fixtures[f]);

		for (int i = 0; i < rounds; i++) {
			struct cg_mem m;
			char *out;
			uint64_t total, mfree, avail;

			memset(&m, 0, sizeof(m));
			m.limit = pool[next(&seed) % np];
			m.usage = pool[next(&seed) % np];
			m.swap_accounting = next(&seed) % 4 != 0;
			m.swap_limit = pool[next(&seed) % np];
			m.swap_usage = pool[next(&seed) % np];
			uint64_t *stats[] = {&m.cached,
					     &m.active_anon,
					     &m.inactive_anon,
					     &m.active_file,
					     &m.inactive_file,
					     &m.unevictable,
					     &m.shmem,
					     &m.mapped,
					     &m.anon,
					     &m.dirty,
					     &m.writeback,
					     &m.slab,
					     &m.slab_reclaimable,
					     &m.slab_unreclaimable};

			for (size_t k = 0; k < sizeof(stats) / sizeof(stats[0]); k++)
				*stats[k] = pool[next(&seed) % np];
			out = render(host, &m, next(&seed) % 2);
			total = val(out, "MemTotal");
			mfree = val(out, "MemFree");
			avail = val(out, "MemAvailable");
			assert_true(total <= val(host, "MemTotal"));
			assert_true(mfree <= avail);
			assert_true(avail <= total);
			assert_true(val(out, "SwapFree") <= val(out, "SwapTotal"));
			assert_true(val(out, "SwapTotal") <= val(host, "SwapTotal"));
			for (size_t k = 0; k < sizeof(derived) / sizeof(derived[0]); k++)
				assert_true(val(out, derived[k]) <= total);
			check_format(host, out);
			free(out);
		}
		free(host);
	}
}

/* The text with every `from` replaced by `to` (malloc'd). */
static char *replace(const char *text, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = text, *q;

	while ((q = strstr(p, from))) {
		assert_int_equal(sb_append(&sb, p, (size_t)(q - p)), 0);
		assert_int_equal(sb_puts(&sb, to), 0);
		p = q + strlen(from);
	}
	assert_int_equal(sb_puts(&sb, p), 0);
	return sb_steal(&sb);
}

/* Zswap and Zswapped: the cgroup's counters where the host has the lines; 0 with -z or
 * without counters (v1); at most MemTotal; no line where the host has none. */
static void test_zswap(void **state)
{
	char *fix = host_fixture("meminfo");
	/* a host with 3 GiB in its zswap pool, holding 9 GiB of pages */
	char *host = replace(fix, "Zswap:                 0 kB", "Zswap:           3145728 kB");
	char *host2 = replace(host, "Zswapped:              0 kB", "Zswapped:        9437184 kB");
	struct cg_mem m = typical();
	struct strbuf sb = STRBUF_INIT;
	char *out;

	(void)state;
	assert_int_equal(val(host2, "Zswap"), 3145728);
	m.have_zswap = true;
	m.zswap = 10 * MiB;
	m.zswapped = 30 * MiB;
	out = render(host2, &m, true);
	assert_int_equal(val(out, "Zswap"), 10 * 1024);
	assert_int_equal(val(out, "Zswapped"), 30 * 1024);
	assert_string_equal(line_of(out, "Zswap"), "Zswap:             10240 kB");
	free(out);
	/* -z: hidden (0), the lines stay where the kernel has them */
	assert_int_equal(render_meminfo(host2, &m, true, false, &sb), 0);
	assert_int_equal(val(sb.buf, "Zswap"), 0);
	assert_int_equal(val(sb.buf, "Zswapped"), 0);
	assert_string_equal(line_of(sb.buf, "Zswapped"), "Zswapped:              0 kB");
	sb_free(&sb);
	/* no counters (cgroup v1): 0, never the host's pool */
	m.have_zswap = false;
	out = render(host2, &m, true);
	assert_int_equal(val(out, "Zswap"), 0);
	assert_int_equal(val(out, "Zswapped"), 0);
	free(out);
	/* more than the container's memory: MemTotal */
	m.have_zswap = true;
	m.zswap = 1024 * MiB;
	m.zswapped = 4096 * MiB;
	out = render(host2, &m, true);
	assert_int_equal(val(out, "Zswap"), 512 * 1024);
	assert_int_equal(val(out, "Zswapped"), 512 * 1024);
	free(out);
	/* a host without the lines (no CONFIG_ZSWAP) gets none */
	free(host);
	host = host_fixture("meminfo-swap");
	out = render(host, &m, true);
	assert_null(strstr(out, "Zswap"));
	free(out);
	free(host);
	free(host2);
	free(fix);
}

static void render_fails(const char *host)
{
	struct cg_mem m = typical();
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(sb_puts(&sb, "before"), 0);
	errno = 0;
	if (render_meminfo(host, &m, true, true, &sb) != -1)
		fail_msg("accepted \"%s\"", host);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(sb.buf, "before");
	sb_free(&sb);
}

static void test_garbage(void **state)
{
	char *host = host_fixture("meminfo");
	char *cut;

	(void)state;
	render_fails("");
	render_fails("\n");
	render_fails("MemFree:          500000 kB\n"); /* no MemTotal */
	render_fails("MemTotal:       abc kB\n");
	render_fails("MemTotal:       \n");
	render_fails("MemTotal:       99999999999999999999999 kB\n"); /* overflow */
	render_fails("MemTotal:        1000000 kB\nno colon here\n");
	render_fails("MemTotal:        1000000 kB\nMemFree: x kB\n");
	render_fails("MemTotal:        1000000 kB\nKernelStack: 99999999999999999999999 kB\n");

	/* truncated in the middle of a line */
	cut = strndup(host, strlen(host) / 2);
	assert_true(cut[strlen(cut) - 1] != '\n');
	render_fails(cut);
	free(cut);
	/* cut inside the first line */
	cut = strndup(host, 12);
	render_fails(cut);
	free(cut);

	render_fails(fixture_junk());
	free(host);
}

static void test_appends(void **state)
{
	char *host = host_fixture("meminfo");
	struct cg_mem m = typical();
	struct strbuf sb = STRBUF_INIT;
	char want[64];

	(void)state;
	assert_int_equal(sb_puts(&sb, "x"), 0);
	assert_int_equal(render_meminfo(host, &m, true, true, &sb), 0);
	snprintf(want, sizeof(want), "x%-16s%8d kB\n", "MemTotal:", 512 * 1024);
	assert_memory_equal(sb.buf, want, strlen(want));
	sb_free(&sb);
	free(host);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_zswap),
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_format_like_host),
	    cmocka_unit_test(test_unlimited_and_above_host),
	    cmocka_unit_test(test_usage_above_limit),
	    cmocka_unit_test(test_file_cache_fallback),
	    cmocka_unit_test(test_swap_off),
	    cmocka_unit_test(test_minimal_host),
	    cmocka_unit_test(test_invariants),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
