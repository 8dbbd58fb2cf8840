/* render_swaps: the kernel's header plus the container's swap, agreeing with meminfo. */
#include <errno.h>
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

#define MiB (1024ULL * 1024)
#define GiB (1024ULL * MiB)

#define HEADER	  "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
#define HOST_SWAP 12582904ULL /* kB, meminfo-swap and swaps-swap */

static struct cg_mem container(void)
{
	struct cg_mem m = {
	    .limit = 512 * MiB,
	    .usage = 100 * MiB,
	    .swap_accounting = true,
	    .swap_limit = 1 * GiB,
	    .swap_usage = 100 * MiB,
	};
	return m;
}

static char *render(const char *swaps, const char *meminfo, const struct cg_mem *m, bool swap)
{
	struct strbuf sb = STRBUF_INIT;

	if (render_swaps(swaps, meminfo, m, swap, &sb) != 0)
		fail_msg("render_swaps: %s", strerror(errno));
	return sb_steal(&sb);
}

static void test_container_swap(void **state)
{
	char *swaps = host_fixture("swaps-swap"), *mem = host_fixture("meminfo-swap");
	struct cg_mem m = container();
	char *out = render(swaps, mem, &m, true);

	(void)state;
	/* the kernel's swap_show(): name padded to 40 columns with spaces, "file\t"-like
	 * type, size and used with a second tab when below 10000000, priority.
	 * 1 GiB = 1048576 kB, 100 MiB = 102400 kB used. */
	assert_string_equal(out, HEADER "none"
					"                                    " /* 36 spaces */
					"virtual\t\t1048576\t\t102400\t\t-1\n");
	free(out);

	/* unlimited swap: the host's 12582904 kB, 8 digits, one tab after it */
	m.swap_limit = CG_UNLIMITED;
	m.swap_usage = 0;
	out = render(swaps, mem, &m, true);
	assert_string_equal(out, HEADER "none                                    "
					"virtual\t\t12582904\t0\t\t-1\n");
	free(out);
	free(swaps);
	free(mem);
}

static void test_header_kept(void **state)
{
	char *swaps = host_fixture("swaps"), *mem = host_fixture("meminfo");
	struct cg_mem m = container();
	char *out;

	(void)state;
	/* the header line is the host's own first line */
	assert_memory_equal(swaps, HEADER, strlen(HEADER));
	/* this machine has no swap: the header alone */
	out = render(swaps, mem, &m, true);
	assert_string_equal(out, HEADER);
	free(out);
	free(swaps);
	free(mem);
}

static void test_no_swap(void **state)
{
	char *swaps = host_fixture("swaps-swap"), *mem = host_fixture("meminfo-swap");
	struct cg_mem m = container();
	char *out;

	(void)state;
	out = render(swaps, mem, &m, false); /* -u */
	assert_string_equal(out, HEADER);
	free(out);

	m.swap_accounting = false;
	out = render(swaps, mem, &m, true);
	assert_string_equal(out, HEADER);
	free(out);

	m = container();
	m.swap_limit = 0;
	out = render(swaps, mem, &m, true);
	assert_string_equal(out, HEADER);
	free(out);
	free(swaps);
	free(mem);
}

/* Size and Used are meminfo's SwapTotal and SwapTotal - SwapFree, whatever the input. */
static void test_agrees_with_meminfo(void **state)
{
	static const uint64_t pool[] = {0, 1, 1024, 100 * MiB, 1 * GiB, 20 * GiB, CG_UNLIMITED};
	const size_t np = sizeof(pool) / sizeof(pool[0]);
	char *swaps = host_fixture("swaps-swap"), *mem = host_fixture("meminfo-swap");

	(void)state;
	for (size_t a = 0; a < np; a++)
		for (size_t b = 0; b < np; b++)
			for (int flags = 0; flags < 4; flags++) {
				struct cg_mem m = container();
				struct strbuf mi = STRBUF_INIT;
				uint64_t total, mfree;
				unsigned long long size, used;
				int prio;
				char *out, *line;

				m.swap_limit = pool[a];
				m.swap_usage = pool[b];
				m.swap_accounting = flags & 1;
				assert_int_equal(render_meminfo(mem, &m, flags & 2, false, &mi), 0);
				assert_int_equal(find_meminfo_kb(mi.buf, "SwapTotal", &total), 0);
				assert_int_equal(find_meminfo_kb(mi.buf, "SwapFree", &mfree), 0);
				sb_free(&mi);

				out = render(swaps, mem, &m, flags & 2);
				line = out + strlen(HEADER);
				if (total == 0) {
					assert_string_equal(line, "");
				} else {
					assert_int_equal(sscanf(line, "none virtual %llu %llu %d",
								&size, &used, &prio),
							 3);
					assert_int_equal(size, total);
					assert_int_equal(used, total - mfree);
					assert_true(total <= HOST_SWAP);
					/* one line */
					assert_ptr_equal(strchr(line, '\n'),
							 line + strlen(line) - 1);
				}
				free(out);
			}
	free(swaps);
	free(mem);
}

static void fails(const char *swaps, const char *meminfo)
{
	struct cg_mem m = container();
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(sb_puts(&sb, "before"), 0);
	errno = 0;
	assert_int_equal(render_swaps(swaps, meminfo, &m, true, &sb), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(sb.buf, "before");
	sb_free(&sb);
}

static void test_garbage(void **state)
{
	char *swaps = host_fixture("swaps-swap"), *mem = host_fixture("meminfo-swap");
	char *cut;

	(void)state;
	fails("", mem);
	fails("\n", mem);
	fails("garbage\n", mem);
	fails("Filename\t\t\t\tType", mem); /* truncated header */
	fails(swaps, "");
	fails(swaps, "MemTotal: nonsense\n");
	cut = strndup(mem, strlen(mem) / 2);
	fails(swaps, cut);
	free(cut);
	free(swaps);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_container_swap), cmocka_unit_test(test_header_kept),
	    cmocka_unit_test(test_no_swap),	   cmocka_unit_test(test_agrees_with_meminfo),
	    cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
