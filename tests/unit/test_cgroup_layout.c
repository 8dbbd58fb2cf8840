/* cg_layout_open on v1 (recorded on a hybrid v1 machine), v2 (recorded under a cgroup2
 * kernel) and a hand-made hybrid tree; cg_paths_parse on their /proc/PID/cgroup texts. */
#include <errno.h>
#include <fcntl.h>

#include "test_cgroup_helpers.h"

static void test_ctrl_names(void **state)
{
	(void)state;
	assert_string_equal(cg_ctrl_name(CG_MEMORY), "memory");
	assert_string_equal(cg_ctrl_name(CG_CPU), "cpu");
	assert_string_equal(cg_ctrl_name(CG_CPUACCT), "cpuacct");
	assert_string_equal(cg_ctrl_name(CG_CPUSET), "cpuset");
	assert_string_equal(cg_ctrl_name(CG_BLKIO), "blkio");
	assert_string_equal(cg_ctrl_name(CG_PIDS), "pids");
}

/* The fd really is the hierarchy directory: a file known to be there opens through it. */
static void assert_holds(const struct cg_layout *l, enum cg_ctrl c, const char *file)
{
	int fd = openat(l->fd[c], file, O_RDONLY | O_NOFOLLOW);

	assert_true(fd >= 0);
	close(fd);
}

static void test_layout_v1(void **state)
{
	struct cg_layout l;

	(void)state;
	fix_open(FIX "/v1", &l);
	for (int c = 0; c < CG_NR; c++) {
		assert_int_equal(l.version[c], 1);
		assert_true(l.fd[c] >= 0);
	}
	assert_holds(&l, CG_MEMORY, "memory.limit_in_bytes");
	assert_holds(&l, CG_CPU, "cpu.cfs_quota_us");
	assert_holds(&l, CG_CPUACCT, "cpuacct.usage");
	assert_holds(&l, CG_CPUSET, "cpuset.cpus");
	assert_holds(&l, CG_BLKIO, "blkio.throttle.io_serviced");
	/* this machine's cgroup2 mount has no controllers (only hugetlb): hybrid, all v1 */
	assert_true(l.unified_fd >= 0);
	cg_layout_close(&l);
	for (int c = 0; c < CG_NR; c++) {
		assert_int_equal(l.fd[c], -1);
		assert_int_equal(l.version[c], 0);
	}
	assert_int_equal(l.unified_fd, -1);
	cg_layout_close(&l); /* twice is harmless */
}

static void test_layout_v2(void **state)
{
	struct cg_layout l;

	(void)state;
	fix_open(FIX "/v2", &l);
	assert_true(l.unified_fd >= 0);
	for (int c = 0; c < CG_NR; c++) {
		assert_int_equal(l.version[c], 2);
		assert_true(l.fd[c] >= 0);
		assert_holds(&l, c, "cgroup.controllers");
	}
	cg_layout_close(&l);
}

static void test_layout_hybrid(void **state)
{
	struct cg_layout l;

	(void)state;
	fix_open(FIX "/hybrid", &l);
	assert_int_equal(l.version[CG_MEMORY], 1); /* listed in unified too: v1 wins */
	assert_int_equal(l.version[CG_CPU], 1);	   /* symlink to cpu,cpuacct */
	assert_int_equal(l.version[CG_CPUACCT], 1);
	assert_int_equal(l.version[CG_BLKIO], 1);
	assert_int_equal(l.version[CG_CPUSET], 2); /* only in unified */
	assert_int_equal(l.version[CG_PIDS], 2);
	assert_true(l.unified_fd >= 0);
	assert_holds(&l, CG_CPU, "cpuacct.usage");
	assert_holds(&l, CG_CPUACCT, "cpu.cfs_period_us");
	assert_holds(&l, CG_CPUSET, "cpuset.cpus.effective");
	cg_layout_close(&l);
}

/* "cpu,cpuacct" without the cpu and cpuacct symlinks is still found. */
static void test_layout_comounted_no_symlinks(void **state)
{
	char *dir = fix_copy("hybrid");
	struct cg_layout l;

	(void)state;
	fix_rm(dir, "cpu");
	fix_rm(dir, "cpuacct");
	fix_open(dir, &l);
	assert_int_equal(l.version[CG_CPU], 1);
	assert_int_equal(l.version[CG_CPUACCT], 1);
	assert_holds(&l, CG_CPU, "cpu.cfs_quota_us");
	assert_holds(&l, CG_CPUACCT, "cpuacct.stat");
	cg_layout_close(&l);
	fix_rmtree(dir);
}

/* Controllers absent from v1 and from unified/cgroup.controllers are absent. */
static void test_layout_missing_controllers(void **state)
{
	char *dir = fix_copy("v1");
	struct cg_layout l;

	(void)state;
	fix_rmdir(dir, "cpuset");
	fix_rmdir(dir, "pids");
	fix_open(dir, &l);
	assert_int_equal(l.version[CG_CPUSET], 0);
	assert_int_equal(l.fd[CG_CPUSET], -1);
	assert_int_equal(l.version[CG_PIDS], 0);
	assert_int_equal(l.version[CG_MEMORY], 1);
	cg_layout_close(&l);
	/* now listed by the cgroup2 hierarchy: read from there */
	fix_put(dir, "unified/cgroup.controllers", "cpuset pids hugetlb\n");
	fix_open(dir, &l);
	assert_int_equal(l.version[CG_CPUSET], 2);
	assert_int_equal(l.version[CG_PIDS], 2);
	assert_int_equal(l.version[CG_CPU], 1);
	cg_layout_close(&l);
	fix_rmtree(dir);
}

static void test_layout_errors(void **state)
{
	char tmpl[] = "/tmp/lxcfs-cgtest-XXXXXX";
	struct lx_error err = {0, ""};
	struct cg_layout l;

	(void)state;
	assert_int_equal(cg_layout_open(&l, "/nonexistent/cgroup/root", &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(l.unified_fd, -1);
	assert_int_equal(l.fd[CG_MEMORY], -1);
	/* an empty directory holds no hierarchy */
	assert_non_null(mkdtemp(tmpl));
	err.code = 0;
	assert_int_equal(cg_layout_open(&l, tmpl, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, tmpl));
	for (int c = 0; c < CG_NR; c++)
		assert_int_equal(l.fd[c], -1);
	rmdir(tmpl);
	/* a file is not a root */
	err.code = 0;
	assert_int_equal(cg_layout_open(&l, FIX "/v1.proc-cgroup", &err), -1);
	assert_int_equal(err.code, ENOTDIR);
}

static void test_paths_v1(void **state)
{
	char *text = fix_slurp(FIX "/v1.proc-cgroup");
	struct cg_layout l;
	struct cg_paths p;

	(void)state;
	fix_load(FIX "/v1", text, &l, &p);
	for (int c = 0; c < CG_NR; c++) {
		assert_non_null(p.path[c]);
		assert_string_equal(p.path[c], "/lxcfs-test/ct");
	}
	assert_string_equal(p.unified, "/");
	fix_unload(&l, &p);
	for (int c = 0; c < CG_NR; c++)
		assert_null(p.path[c]);
	assert_null(p.unified);
	free(text);
}

static void test_paths_v2(void **state)
{
	char *text = fix_slurp(FIX "/v2.proc-cgroup");
	struct cg_layout l;
	struct cg_paths p;

	(void)state;
	fix_load(FIX "/v2", text, &l, &p);
	assert_string_equal(p.unified, "/lx/ct/init");
	for (int c = 0; c < CG_NR; c++)
		assert_string_equal(p.path[c], "/lx/ct/init");
	fix_unload(&l, &p);
	free(text);
}

static void test_paths_hybrid(void **state)
{
	char *text = fix_slurp(FIX "/hybrid.proc-cgroup");
	struct cg_layout l;
	struct cg_paths p;

	(void)state;
	fix_load(FIX "/hybrid", text, &l, &p);
	assert_string_equal(p.path[CG_MEMORY], "/lxc/c1");
	assert_string_equal(p.path[CG_CPU], "/lxc/c1"); /* from "4:cpu,cpuacct:" */
	assert_string_equal(p.path[CG_CPUACCT], "/lxc/c1");
	assert_string_equal(p.path[CG_BLKIO], "/lxc/c1");
	assert_string_equal(p.path[CG_CPUSET], "/lxc/c1"); /* v2: the "0::" path */
	assert_string_equal(p.path[CG_PIDS], "/lxc/c1");
	assert_string_equal(p.unified, "/lxc/c1");
	fix_unload(&l, &p);
	free(text);
}

/* Which line feeds which controller: distinct paths per line. */
static void test_paths_per_line(void **state)
{
	struct cg_layout l;
	struct cg_paths p;

	(void)state;
	fix_load(FIX "/hybrid",
		 "12:name=systemd:/sd\n"
		 "11:memory:/m/x\n"
		 "4:cpuacct,cpu:/c\n"
		 "0::/u/v\n",
		 &l, &p);
	assert_string_equal(p.path[CG_MEMORY], "/m/x");
	assert_string_equal(p.path[CG_CPU], "/c");
	assert_string_equal(p.path[CG_CPUACCT], "/c");
	assert_null(p.path[CG_BLKIO]); /* no line: NULL */
	assert_string_equal(p.path[CG_CPUSET], "/u/v");
	assert_string_equal(p.path[CG_PIDS], "/u/v");
	assert_string_equal(p.unified, "/u/v");
	cg_paths_free(&p);
	/* no "0::" line: the v2 controllers have no path */
	fix_paths(&l, "11:memory:/m\n", &p);
	assert_string_equal(p.path[CG_MEMORY], "/m");
	assert_null(p.path[CG_CPUSET]);
	assert_null(p.unified);
	cg_paths_free(&p);
	/* a colon inside the path belongs to the path; no final newline is fine */
	fix_paths(&l, "11:memory:/a:b", &p);
	assert_string_equal(p.path[CG_MEMORY], "/a:b");
	fix_unload(&l, &p);
}

static void test_paths_garbage(void **state)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "hello\n",
	    "x:memory:/a\n",
	    ":memory:/a\n",
	    "11:memory\n",
	    "11:memory:relative/path\n",
	    "11:memory:/a/../../etc\n",
	    "11:memory:/..\n",
	    "3::/a\n",
	    "0::/a/..\n",
	    "11:memory:/ok\ngarbage\n",
	};
	struct cg_layout l;

	(void)state;
	fix_open(FIX "/hybrid", &l);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lx_error err = {0, ""};
		struct cg_paths p;

		memset(&p, 0x5a, sizeof(p));
		if (cg_paths_parse(&l, bad[i], &p, &err) == 0)
			fail_msg("accepted `%s`", bad[i]);
		assert_int_equal(err.code, EINVAL);
		assert_true(err.msg[0] != '\0');
		for (int c = 0; c < CG_NR; c++)
			assert_null(p.path[c]);
		assert_null(p.unified);
		cg_paths_free(&p); /* safe after a failure */
	}
	cg_layout_close(&l);
}

/* The path printed after ":<name>:" in /proc/PID/cgroup text (one controller per v1 line on
 * this machine). */
static void line_path(const char *text, const char *name, char *out, size_t outsz)
{
	char key[64];
	const char *s;

	snprintf(key, sizeof(key), ":%s:", name);
	s = strstr(text, key);
	assert_non_null(s);
	s += strlen(key);
	snprintf(out, outsz, "%.*s", (int)strcspn(s, "\n"), s);
}

/* The live machine: our own /proc/self/cgroup against /sys/fs/cgroup. */
static void test_paths_of_pid_live(void **state)
{
	struct lx_error err = {0, ""};
	struct cg_layout l;
	struct cg_paths p;
	char *text, want[4096];

	(void)state;
	if (cg_layout_open(&l, "/sys/fs/cgroup", &err) < 0 || l.version[CG_MEMORY] != 1)
		skip();
	text = fix_slurp("/proc/self/cgroup");
	assert_int_equal(cg_paths_of_pid(&l, getpid(), &p, &err), 0);
	line_path(text, "memory", want, sizeof(want));
	assert_string_equal(p.path[CG_MEMORY], want);
	line_path(text, "cpuset", want, sizeof(want));
	assert_string_equal(p.path[CG_CPUSET], want);
	line_path(text, "", want, sizeof(want)); /* "0::/..." */
	assert_string_equal(p.unified, want);
	cg_paths_free(&p);
	/* a pid that cannot exist */
	err.code = 0;
	assert_int_equal(cg_paths_of_pid(&l, 0x7ffffff0, &p, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_null(p.path[CG_MEMORY]);
	cg_layout_close(&l);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ctrl_names),
	    cmocka_unit_test(test_layout_v1),
	    cmocka_unit_test(test_layout_v2),
	    cmocka_unit_test(test_layout_hybrid),
	    cmocka_unit_test(test_layout_comounted_no_symlinks),
	    cmocka_unit_test(test_layout_missing_controllers),
	    cmocka_unit_test(test_layout_errors),
	    cmocka_unit_test(test_paths_v1),
	    cmocka_unit_test(test_paths_v2),
	    cmocka_unit_test(test_paths_hybrid),
	    cmocka_unit_test(test_paths_per_line),
	    cmocka_unit_test(test_paths_garbage),
	    cmocka_unit_test(test_paths_of_pid_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
