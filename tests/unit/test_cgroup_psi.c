/* cg_pressure_read and cg_slabinfo_read on the fixture trees (tests/fixtures/cgroup): the
 * recorded cgroup2 PSI files of v2's lx/ct/init and of the hybrid machine's unified root. */
#include <errno.h>

#include "test_cgroup_helpers.h"

/* r = cg_pressure_read (what >= 0) or cg_slabinfo_read (what < 0) of root/text into *out;
 * err.code when it fails */
static int psi(const char *root, const char *text, int what, char **out, int *code)
{
	struct lx_error err = {0, ""};
	struct strbuf sb = STRBUF_INIT;
	struct cg_layout l;
	struct cg_paths p;
	int r;

	fix_load(root, text, &l, &p);
	assert_int_equal(sb_puts(&sb, "stale"), 0); /* reset by the reader */
	r = what >= 0 ? cg_pressure_read(&l, &p, (enum cg_psi)what, &sb, &err)
		      : cg_slabinfo_read(&l, &p, &sb, &err);
	*code = err.code;
	if (r < 0)
		assert_true(err.msg[0] != '\0');
	else
		assert_int_equal(err.code, 0);
	*out = r > 0 ? sb_steal(&sb) : NULL;
	sb_free(&sb);
	fix_unload(&l, &p);
	return r;
}

static void expect_file(const char *root, const char *text, int what, const char *want_path)
{
	char *got, *want = fix_slurp(want_path);
	int code;

	assert_int_equal(psi(root, text, what, &got, &code), 1);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void expect_none(const char *root, const char *text, int what)
{
	char *got;
	int code;

	assert_int_equal(psi(root, text, what, &got, &code), 0);
	assert_null(got);
}

static void expect_fail(const char *root, const char *text, int what, int want)
{
	char *got;
	int code;

	assert_int_equal(psi(root, text, what, &got, &code), -1);
	assert_int_equal(code, want);
}

/* v2: the process's own cgroup's three files, as recorded */
static void test_v2_recorded(void **state)
{
	char *text = fix_slurp(FIX "/v2.proc-cgroup");

	(void)state;
	expect_file(FIX "/v2", text, CG_PSI_CPU, FIX "/v2/lx/ct/init/cpu.pressure");
	expect_file(FIX "/v2", text, CG_PSI_IO, FIX "/v2/lx/ct/init/io.pressure");
	expect_file(FIX "/v2", text, CG_PSI_MEMORY, FIX "/v2/lx/ct/init/memory.pressure");
	/* another cgroup has other numbers: the reader's own are read */
	expect_file(FIX "/v2", "0::/lx/ct\n", CG_PSI_CPU, FIX "/v2/lx/ct/cpu.pressure");
	/* memory on v2: no slabinfo of a cgroup */
	expect_none(FIX "/v2", text, -1);
	free(text);
}

/* hybrid: PSI from the unified hierarchy whatever the v1 controllers; a cgroup of it without
 * the files (a kernel without PSI) has none */
static void test_hybrid(void **state)
{
	char *text = fix_slurp(FIX "/v1.proc-cgroup");

	(void)state;
	expect_file(FIX "/v1", text, CG_PSI_CPU, FIX "/v1/unified/cpu.pressure");
	expect_file(FIX "/v1", text, CG_PSI_MEMORY, FIX "/v1/unified/memory.pressure");
	free(text);
	text = fix_slurp(FIX "/hybrid.proc-cgroup");
	expect_none(FIX "/hybrid", text, CG_PSI_IO);
	/* no "0::" line, or a cgroup2 path that is gone */
	expect_none(FIX "/v1", "4:memory:/lxcfs-test/ct\n", CG_PSI_CPU);
	expect_fail(FIX "/v1", "0::/gone\n", CG_PSI_CPU, ENOENT);
	free(text);
}

/* pure v1 (no unified hierarchy): none */
static void test_no_cgroup2(void **state)
{
	char *dir = fix_copy("v1");

	(void)state;
	fix_rmdir(dir, "unified");
	expect_none(dir, "0::/\n4:memory:/lxcfs-test/ct\n", CG_PSI_MEMORY);
	fix_rmtree(dir);
}

/* v1 memory.kmem.slabinfo: its lines when it has any; the empty file of kernels since 5.10 (as
 * on the recording machine) and a missing one are none */
static void test_slabinfo(void **state)
{
	static const char slab[] =
	    "slabinfo - version: 2.1\n"
	    "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : "
	    "tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> "
	    "<sharedavail>\n"
	    "dentry              1260   1260    192   21    1 : tunables    0    0    0 : "
	    "slabdata     60     60      0\n";
	char *dir = fix_copy("v1"), *got;
	int code;

	(void)state;
	expect_none(dir, "4:memory:/lxcfs-test/ct\n", -1); /* not recorded: no file */
	fix_put(dir, "memory/lxcfs-test/ct/memory.kmem.slabinfo", "");
	expect_none(dir, "4:memory:/lxcfs-test/ct\n", -1);
	fix_put(dir, "memory/lxcfs-test/ct/memory.kmem.slabinfo", slab);
	assert_int_equal(psi(dir, "4:memory:/lxcfs-test/ct\n", -1, &got, &code), 1);
	assert_string_equal(got, slab);
	free(got);
	/* the parent's is not the child's */
	expect_none(dir, "4:memory:/lxcfs-test\n", -1);
	/* no memory line: none; a memory cgroup that is gone: ENOENT */
	expect_none(dir, "1:cpu:/lxcfs-test/ct\n", -1);
	expect_fail(dir, "4:memory:/lxcfs-test/gone\n", -1, ENOENT);
	fix_rmtree(dir);
}

static void test_bad_resource(void **state)
{
	(void)state;
	expect_fail(FIX "/v2", "0::/lx/ct\n", 7, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v2_recorded),	 cmocka_unit_test(test_hybrid),
	    cmocka_unit_test(test_no_cgroup2),	 cmocka_unit_test(test_slabinfo),
	    cmocka_unit_test(test_bad_resource),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
