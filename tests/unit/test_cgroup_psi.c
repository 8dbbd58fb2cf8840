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

/* ---------------------------------------------------------------- PSI triggers */

/* the C escapes of the fixture's BYTES column; the length */
static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in != '\\') {
			out[n++] = *in;
			continue;
		}
		in++;
		out[n++] = *in == 'n' ? '\n' : *in == 't' ? '\t' : *in == '0' ? '\0' : *in;
	}
	return n;
}

/* every case of tests/fixtures/psi/triggers.txt */
static void test_trigger_parse(void **state)
{
	char *text = fix_slurp("tests/fixtures/psi/triggers.txt"), *line, *save = NULL;
	unsigned cases = 0, valid = 0;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *want = line, *priv, *bytes, buf[256], got[64];
		struct cg_psi_trigger t = {true, 7, 7};
		struct lx_error err = {0, ""};
		size_t len;
		int r;

		if (line[0] == '#')
			continue;
		priv = strchr(want, '\t');
		assert_non_null(priv);
		*priv++ = '\0';
		bytes = strchr(priv, '\t');
		assert_non_null(bytes);
		*bytes++ = '\0';
		len = unescape(bytes, buf);
		r = cg_psi_trigger_parse(buf, len, priv[0] == '1', &t, &err);
		if (!strcmp(want, "EINVAL")) {
			if (r != -1 || err.code != EINVAL)
				fail_msg("`%s` (priv %s): %d, code %d, want EINVAL", bytes, priv, r,
					 err.code);
			assert_true(err.msg[0] != '\0');
			assert_true(t.full && t.stall_us == 7 && t.window_us == 7); /* untouched */
		} else {
			if (r != 0)
				fail_msg("`%s` (priv %s): %s", bytes, priv, err.msg);
			assert_int_equal(cg_psi_trigger_format(&t, got, sizeof(got)), strlen(want));
			assert_string_equal(got, want);
			valid++;
		}
		cases++;
	}
	assert_int_equal(cases, 37); /* every line of the fixture was a case */
	assert_int_equal(valid, 8);
	free(text);
}

/* arming on copies of the fixture trees (regular files: what was written stays to read) */
static void test_trigger_arm(void **state)
{
	static const char want[] = "full 100000 2000000"; /* and its NUL */
	struct cg_psi_trigger t = {true, 100000, 2000000};
	struct lx_error err = {0, ""};
	char *dir = fix_copy("v2"), path[4200], got[64];
	struct cg_layout l;
	struct cg_paths p;
	int fd = -1, f, flags;
	ssize_t n;

	(void)state;
	fix_load(dir, "0::/lx/ct/init\n", &l, &p);
	assert_int_equal(cg_pressure_trigger(&l, &p, CG_PSI_MEMORY, &t, &fd, &err), 1);
	assert_true(fd >= 0);
	flags = fcntl(fd, F_GETFL);
	assert_int_equal(flags & O_ACCMODE, O_RDWR);
	assert_true(flags & O_NONBLOCK);
	close(fd);
	snprintf(path, sizeof(path), "%s/lx/ct/init/memory.pressure", dir);
	f = open(path, O_RDONLY);
	assert_true(f >= 0);
	n = read(f, got, sizeof(want));
	close(f);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(got, want, sizeof(want)); /* the text, with the kernel's NUL */
	/* another resource goes to its own file; the sibling's stays as recorded */
	snprintf(path, sizeof(path), FIX "/v2/lx/ct/init/cpu.pressure");
	{
		char *rec = fix_slurp(path), *cur;

		snprintf(path, sizeof(path), "%s/lx/ct/init/cpu.pressure", dir);
		cur = fix_slurp(path);
		assert_string_equal(cur, rec);
		free(rec);
		free(cur);
	}
	fix_unload(&l, &p);
	/* a cgroup without the file: none (the caller arms the host's); one gone: ENOENT */
	fix_load(dir, "0::/lx/ct/init\n", &l, &p);
	snprintf(path, sizeof(path), "%s/lx/ct/init/io.pressure", dir);
	assert_int_equal(unlink(path), 0);
	fd = -1;
	assert_int_equal(cg_pressure_trigger(&l, &p, CG_PSI_IO, &t, &fd, &err), 0);
	assert_int_equal(fd, -1);
	fix_unload(&l, &p);
	fix_load(dir, "0::/lx/gone\n", &l, &p);
	assert_int_equal(cg_pressure_trigger(&l, &p, CG_PSI_CPU, &t, &fd, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(fd, -1);
	fix_unload(&l, &p);
	/* no cgroup2 place: none */
	fix_load(dir, "4:memory:/x\n", &l, &p);
	assert_int_equal(cg_pressure_trigger(&l, &p, CG_PSI_CPU, &t, &fd, &err), 0);
	err.code = 0;
	assert_int_equal(cg_pressure_trigger(&l, &p, (enum cg_psi)9, &t, &fd, &err), -1);
	assert_int_equal(err.code, EINVAL);
	fix_unload(&l, &p);
	fix_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v2_recorded),	 cmocka_unit_test(test_hybrid),
	    cmocka_unit_test(test_no_cgroup2),	 cmocka_unit_test(test_slabinfo),
	    cmocka_unit_test(test_bad_resource), cmocka_unit_test(test_trigger_parse),
	    cmocka_unit_test(test_trigger_arm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
