/* cg_cpu_read on the fixture trees: effective cpuset, CFS quota, CPU time. */
#include <errno.h>

#include "test_cgroup_helpers.h"

static struct cg_cpu *read_ok(const char *root, const char *text)
{
	struct lx_error err = {0, ""};
	struct cg_cpu *c = calloc(1, sizeof(*c));
	struct cg_layout l;
	struct cg_paths p;

	assert_non_null(c);
	fix_load(root, text, &l, &p);
	if (cg_cpu_read(&l, &p, c, &err) < 0)
		fail_msg("cg_cpu_read(%s): %s", root, err.msg);
	fix_unload(&l, &p);
	return c;
}

static void read_fails(const char *root, const char *text, int code)
{
	struct lx_error err = {0, ""};
	struct cg_cpu *c = malloc(sizeof(*c)), *before = malloc(sizeof(*c));
	struct cg_layout l;
	struct cg_paths p;

	assert_non_null(c);
	assert_non_null(before);
	memset(c, 0xa5, sizeof(*c));
	memcpy(before, c, sizeof(*c));
	fix_load(root, text, &l, &p);
	if (cg_cpu_read(&l, &p, c, &err) == 0)
		fail_msg("cg_cpu_read(%s) succeeded %s", root, fix_case);
	if (err.code != code)
		fail_msg("%s: error %d (%s), want %d", fix_case, err.code, err.msg, code);
	assert_true(err.msg[0] != '\0');
	assert_memory_equal(c, before, sizeof(*c));
	fix_unload(&l, &p);
	free(c);
	free(before);
}

/* The set as kernel list syntax, for readable comparisons. */
static void assert_cpus(const struct cpuset *s, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(cpuset_format(s, &sb), 0);
	assert_string_equal(sb.buf, want);
	sb_free(&sb);
}

static void assert_all_cpus(const struct cpuset *s)
{
	assert_int_equal(cpuset_count(s), CPUSET_MAX);
}

static const char *v1_ct = "3:cpuset:/lxcfs-test/ct\n2:cpuacct:/lxcfs-test/ct\n"
			   "1:cpu:/lxcfs-test/ct\n";
static const char *v2_ct = "0::/lx/ct\n";
static const char *hy_c1 = "4:cpu,cpuacct:/lxc/c1\n0::/lxc/c1\n";

/* cg_cpuset_read: the same cpuset and quota as cg_cpu_read, no CPU time read. */
static void test_cpuset_only(void **state)
{
	struct lx_error err = {0, ""};
	struct cg_cpu *c = calloc(1, sizeof(*c));
	struct cg_layout l;
	struct cg_paths p;

	(void)state;
	assert_non_null(c);
	fix_load(FIX "/v1", v1_ct, &l, &p);
	if (cg_cpuset_read(&l, &p, c, &err) < 0)
		fail_msg("cg_cpuset_read: %s", err.msg);
	fix_unload(&l, &p);
	assert_cpus(&c->cpus, "1");
	assert_true(c->cfs_cpus == 50000.0 / 100000.0);
	assert_true(c->usage_ns == 0 && c->user_ns == 0 && c->system_ns == 0);
	assert_false(c->have_percpu);
	/* without CG_CPU_QUOTA the quota is not read either: only the cpuset */
	memset(c, 0xa5, sizeof(*c));
	fix_load(FIX "/v1", v1_ct, &l, &p);
	if (cg_cpu_read_parts(&l, &p, c, 0, &err) < 0)
		fail_msg("cg_cpu_read_parts: %s", err.msg);
	fix_unload(&l, &p);
	assert_cpus(&c->cpus, "1");
	assert_true(c->cfs_cpus == 0);
	assert_true(c->usage_ns == 0);
	free(c);
}

static void test_v1_recorded(void **state)
{
	char *text = fix_slurp(FIX "/v1.proc-cgroup");
	struct cg_cpu *c;

	(void)state;
	c = read_ok(FIX "/v1", text);
	assert_cpus(&c->cpus, "1"); /* ct/cpuset.effective_cpus */
	/* ct 50000/100000 is tighter than the parent's 150000/100000 */
	assert_true(c->cfs_cpus == 50000.0 / 100000.0);
	assert_int_equal(c->usage_ns, 1304187925);
	/* cpuacct.stat "user 123, system 6" ticks, scaled to the exact usage */
	assert_int_equal(c->user_ns, 1304187925ULL * 123 / (123 + 6));
	assert_int_equal(c->system_ns, 1304187925ULL - 1304187925ULL * 123 / (123 + 6));
	assert_int_equal(c->user_ns + c->system_ns, c->usage_ns);
	/* "0 1304187925 ": the worker ran on CPU 1, its cpuset */
	assert_true(c->have_percpu);
	assert_int_equal(c->nr_percpu, 2);
	assert_int_equal(c->percpu_ns[0], 0);
	assert_int_equal(c->percpu_ns[1], 1304187925);
	free(c);
	free(text);
	/* the parent: its own cpuset and quota */
	c = read_ok(FIX "/v1", "3:cpuset:/lxcfs-test\n1:cpu:/lxcfs-test\n");
	assert_cpus(&c->cpus, "0-1");
	assert_true(c->cfs_cpus == 150000.0 / 100000.0);
	free(c);
	/* the root: no quota */
	c = read_ok(FIX "/v1", "1:cpu:/\n");
	assert_true(c->cfs_cpus == 0);
	free(c);
}

static void test_v2_recorded(void **state)
{
	char *text = fix_slurp(FIX "/v2.proc-cgroup");
	struct cg_cpu *c;

	(void)state;
	c = read_ok(FIX "/v2", v2_ct);
	assert_cpus(&c->cpus, "0-2"); /* lx/cpuset.cpus, inherited */
	/* lx "150000 100000"; lx/ct "max 100000" */
	assert_true(c->cfs_cpus == 150000.0 / 100000.0);
	assert_int_equal(c->usage_ns, 11855390ULL * 1000);
	assert_int_equal(c->user_ns, 11529869ULL * 1000);
	assert_int_equal(c->system_ns, 325520ULL * 1000);
	assert_false(c->have_percpu);
	assert_int_equal(c->nr_percpu, 0);
	free(c);
	c = read_ok(FIX "/v2", text); /* lx/ct/init */
	free(text);
	assert_cpus(&c->cpus, "0-2");
	assert_true(c->cfs_cpus == 1.5);
	assert_int_equal(c->usage_ns, 11836609ULL * 1000);
	assert_int_equal(c->user_ns, 11535065ULL * 1000);
	assert_int_equal(c->system_ns, 301544ULL * 1000);
	free(c);
	/* the root: cpuset.cpus.effective "0-3", no cpu.max anywhere up */
	c = read_ok(FIX "/v2", "0::/\n");
	assert_cpus(&c->cpus, "0-3");
	assert_true(c->cfs_cpus == 0);
	free(c);
}

static void test_hybrid(void **state)
{
	struct cg_cpu *c;

	(void)state;
	c = read_ok(FIX "/hybrid", hy_c1);
	/* c1 has no cpuset files (cpuset not enabled below lxc): lxc's */
	assert_cpus(&c->cpus, "0-3,7,9-10");
	assert_int_equal(cpuset_count(&c->cpus), 4 + 1 + 2);
	assert_true(c->cfs_cpus == 400000.0 / 100000.0);
	assert_int_equal(c->usage_ns, 3000000000ULL);
	/* user 200 and system 100 ticks: 2/3 and 1/3 */
	assert_int_equal(c->user_ns, 2000000000ULL);
	assert_int_equal(c->system_ns, 1000000000ULL);
	assert_true(c->have_percpu);
	assert_int_equal(c->nr_percpu, 12);
	assert_int_equal(c->percpu_ns[1], 1000000000ULL);
	assert_int_equal(c->percpu_ns[2], 500000000ULL);
	assert_int_equal(c->percpu_ns[7], 1500000000ULL);
	assert_int_equal(c->percpu_ns[0] + c->percpu_ns[3] + c->percpu_ns[11], 0);
	free(c);
}

static void test_cfs(void **state)
{
	char *dir = fix_copy("v1");
	struct cg_cpu *c;

	(void)state;
	/* no quota anywhere */
	fix_put(dir, "cpu/lxcfs-test/ct/cpu.cfs_quota_us", "-1\n");
	fix_put(dir, "cpu/lxcfs-test/cpu.cfs_quota_us", "-1\n");
	c = read_ok(dir, v1_ct);
	assert_true(c->cfs_cpus == 0);
	free(c);
	/* quota on the parent only, with its own period */
	fix_put(dir, "cpu/lxcfs-test/cpu.cfs_quota_us", "25000\n");
	fix_put(dir, "cpu/lxcfs-test/cpu.cfs_period_us", "10000\n");
	c = read_ok(dir, v1_ct);
	assert_true(c->cfs_cpus == 25000.0 / 10000.0);
	free(c);
	/* a looser one below it does not lift it */
	fix_put(dir, "cpu/lxcfs-test/ct/cpu.cfs_quota_us", "300000\n");
	c = read_ok(dir, v1_ct);
	assert_true(c->cfs_cpus == 25000.0 / 10000.0);
	free(c);
	/* a tighter one below it wins, whatever the periods */
	fix_put(dir, "cpu/lxcfs-test/ct/cpu.cfs_quota_us", "120000\n");
	fix_put(dir, "cpu/lxcfs-test/ct/cpu.cfs_period_us", "200000\n");
	c = read_ok(dir, v1_ct);
	assert_true(c->cfs_cpus == 120000.0 / 200000.0);
	free(c);
	fix_rmtree(dir);

	dir = fix_copy("v2");
	fix_put(dir, "lx/cpu.max", "max 100000\n");
	c = read_ok(dir, v2_ct);
	assert_true(c->cfs_cpus == 0);
	free(c);
	fix_put(dir, "lx/ct/init/cpu.max", "50000 200000\n");
	c = read_ok(dir, "0::/lx/ct/init\n");
	assert_true(c->cfs_cpus == 0.25);
	free(c);
	fix_rmtree(dir);
}

static void test_cpuset_walk_up(void **state)
{
	static const char *const dirs[] = {"", "lxcfs-test/", "lxcfs-test/ct/",
					   "lxcfs-test/ct/svc/"};
	char *dir = fix_copy("v1"), path[256];
	struct cg_cpu *c;

	(void)state;
	/* v1: empty at the leaf: the parent's */
	fix_put(dir, "cpuset/lxcfs-test/ct/cpuset.effective_cpus", "\n");
	fix_put(dir, "cpuset/lxcfs-test/ct/cpuset.cpus", "\n");
	c = read_ok(dir, v1_ct);
	assert_cpus(&c->cpus, "0-1");
	free(c);
	/* kernels without cpuset.effective_cpus: cpuset.cpus */
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "cpuset/%scpuset.effective_cpus", dirs[i]);
		fix_rm(dir, path);
	}
	fix_put(dir, "cpuset/lxcfs-test/ct/cpuset.cpus", "0-3,7,9-10\n");
	c = read_ok(dir, v1_ct);
	assert_cpus(&c->cpus, "0-3,7,9-10");
	free(c);
	/* empty everywhere: no restriction */
	fix_put(dir, "cpuset/lxcfs-test/ct/cpuset.cpus", "\n");
	fix_put(dir, "cpuset/lxcfs-test/cpuset.cpus", "\n");
	fix_put(dir, "cpuset/cpuset.cpus", "\n");
	c = read_ok(dir, v1_ct);
	assert_all_cpus(&c->cpus);
	free(c);
	fix_rmtree(dir);

	/* v2: absent at the leaf: the nearest ancestor's */
	dir = fix_copy("v2");
	fix_rm(dir, "lx/ct/cpuset.cpus.effective");
	fix_put(dir, "lx/cpuset.cpus.effective", "1,3\n");
	c = read_ok(dir, v2_ct);
	assert_cpus(&c->cpus, "1,3");
	free(c);
	fix_rmtree(dir);
}

/* No cpuset information at all: every CPU (the renderer intersects with the host's). */
static void test_no_cpuset(void **state)
{
	char *dir = fix_copy("v1");
	struct cg_cpu *c;

	(void)state;
	fix_rmdir(dir, "cpuset");
	c = read_ok(dir, v1_ct);
	assert_all_cpus(&c->cpus);
	assert_true(c->cfs_cpus == 0.5); /* the rest is read as usual */
	assert_int_equal(c->usage_ns, 1304187925);
	free(c);
	fix_rmtree(dir);

	dir = fix_copy("v2");
	fix_rm(dir, "cpuset.cpus.effective");
	fix_rm(dir, "lx/cpuset.cpus.effective");
	fix_rm(dir, "lx/ct/cpuset.cpus.effective");
	fix_rm(dir, "lx/ct/init/cpuset.cpus.effective");
	c = read_ok(dir, "0::/lx/ct/init\n");
	assert_all_cpus(&c->cpus);
	free(c);
	fix_rmtree(dir);
}

/* cpuacct.stat with no ticks (short-lived tasks): all of the usage is user time. */
static void test_stat_zero(void **state)
{
	char *dir = fix_copy("v1");
	struct cg_cpu *c;

	(void)state;
	fix_put(dir, "cpuacct/lxcfs-test/ct/cpuacct.stat", "user 0\nsystem 0\n");
	c = read_ok(dir, v1_ct);
	assert_int_equal(c->user_ns, 1304187925);
	assert_int_equal(c->system_ns, 0);
	free(c);
	/* no cpuacct.usage_percpu: no per-CPU values */
	fix_rm(dir, "cpuacct/lxcfs-test/ct/cpuacct.usage_percpu");
	c = read_ok(dir, v1_ct);
	assert_false(c->have_percpu);
	assert_int_equal(c->nr_percpu, 0);
	free(c);
	fix_rmtree(dir);
}

/* v1 CPU time: the sum of cpuacct.usage_percpu (cpuacct.usage is that sum: one read less),
 * cpuacct.usage when there is no per-CPU file; and only cpuacct.usage for the total alone. */
static void test_v1_usage_sources(void **state)
{
	struct lx_error err = {0, ""};
	char *dir = fix_copy("v1");
	struct cg_cpu *c;
	struct cg_layout l;
	struct cg_paths p;

	(void)state;
	fix_put(dir, "cpuacct/lxcfs-test/ct/cpuacct.usage", "5\n");
	fix_put(dir, "cpuacct/lxcfs-test/ct/cpuacct.usage_percpu", "100 200 \n");
	c = read_ok(dir, v1_ct);
	assert_int_equal(c->usage_ns, 300);
	assert_int_equal(c->percpu_ns[1], 200);
	free(c);
	/* the total alone: neither the per-CPU file nor cpuacct.stat is read */
	fix_put(dir, "cpuacct/lxcfs-test/ct/cpuacct.usage_percpu", "garbage\n");
	fix_rm(dir, "cpuacct/lxcfs-test/ct/cpuacct.stat");
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	fix_load(dir, v1_ct, &l, &p);
	if (cg_cpu_read_parts(&l, &p, c, CG_CPU_TOTAL, &err) < 0)
		fail_msg("cg_cpu_read_parts(TOTAL): %s", err.msg);
	fix_unload(&l, &p);
	assert_int_equal(c->usage_ns, 5);
	assert_false(c->have_percpu);
	free(c);
	fix_rmtree(dir);

	/* no per-CPU file: cpuacct.usage, which must then be sound */
	dir = fix_copy("v1");
	fix_rm(dir, "cpuacct/lxcfs-test/ct/cpuacct.usage_percpu");
	c = read_ok(dir, v1_ct);
	assert_int_equal(c->usage_ns, 1304187925);
	assert_false(c->have_percpu);
	free(c);
	fix_put(dir, "cpuacct/lxcfs-test/ct/cpuacct.usage", "\n");
	snprintf(fix_case, sizeof(fix_case), "[no usage_percpu, empty cpuacct.usage]");
	read_fails(dir, v1_ct, EINVAL);
	fix_rm(dir, "cpuacct/lxcfs-test/ct/cpuacct.usage");
	snprintf(fix_case, sizeof(fix_case), "[no usage_percpu, no cpuacct.usage]");
	read_fails(dir, v1_ct, ENOENT);
	fix_case[0] = '\0';
	fix_rmtree(dir);
}

static void test_v1_damaged(void **state)
{
	static const struct fix_damage d[] = {
	    {"cpuset/lxcfs-test/ct/cpuset.effective_cpus", "0-x\n", EINVAL},
	    {"cpuset/lxcfs-test/ct/cpuset.effective_cpus", "", EINVAL},
	    {"cpuset/lxcfs-test/ct/cpuset.effective_cpus", "0-", EINVAL},
	    {"cpuset/lxcfs-test/ct/cpuset.effective_cpus", "3-1\n", EINVAL},
	    {"cpu/lxcfs-test/ct/cpu.cfs_quota_us", "abc\n", EINVAL},
	    {"cpu/lxcfs-test/ct/cpu.cfs_quota_us", "-2\n", EINVAL},
	    {"cpu/lxcfs-test/ct/cpu.cfs_quota_us", "", EINVAL},
	    {"cpu/lxcfs-test/ct/cpu.cfs_quota_us", "500", EINVAL},
	    {"cpu/lxcfs-test/ct/cpu.cfs_period_us", "0\n", EINVAL},
	    {"cpu/lxcfs-test/ct/cpu.cfs_period_us", NULL, ENOENT},
	    {"cpu/lxcfs-test/cpu.cfs_period_us", "max\n", EINVAL},
	    {"cpuacct/lxcfs-test/ct/cpuacct.stat", "user 1\n", EINVAL},
	    {"cpuacct/lxcfs-test/ct/cpuacct.stat", "user 1\nsystem", EINVAL},
	    {"cpuacct/lxcfs-test/ct/cpuacct.stat", "", EINVAL},
	    {"cpuacct/lxcfs-test/ct/cpuacct.stat", NULL, ENOENT},
	    {"cpuacct/lxcfs-test/ct/cpuacct.usage_percpu", "0 12x \n", EINVAL},
	    {"cpuacct/lxcfs-test/ct/cpuacct.usage_percpu", "", EINVAL},
	    {"cpuacct/lxcfs-test/ct/cpuacct.usage_percpu", "\n", EINVAL},
	    {"cpuacct/lxcfs-test/ct/cpuacct.usage_percpu", "0 1304187925 ", EINVAL},
	    {"cpuacct/lxcfs-test/ct/cpuacct.usage_percpu", "0 -1 \n", EINVAL},
	};
	char *dir;

	(void)state;
	fix_damage_each("v1", v1_ct, d, sizeof(d) / sizeof(d[0]), read_fails);
	/* cpuset.cpus missing while cpuset.effective_cpus has CPUs: not needed */
	dir = fix_copy("v1");
	fix_rm(dir, "cpuset/lxcfs-test/ct/cpuset.cpus");
	free(read_ok(dir, v1_ct));
	/* but with an empty effective list it is, and every v1 cpuset has it */
	fix_put(dir, "cpuset/lxcfs-test/ct/cpuset.effective_cpus", "\n");
	read_fails(dir, v1_ct, ENOENT);
	fix_rmtree(dir);
}

static void test_v2_damaged(void **state)
{
	static const struct fix_damage d[] = {
	    {"lx/ct/cpuset.cpus.effective", "0-2,\n1", EINVAL},
	    {"lx/ct/cpuset.cpus.effective", "", EINVAL},
	    {"lx/ct/cpuset.cpus.effective", "0-99999\n", EINVAL},
	    {"lx/cpu.max", "150000\n", EINVAL},
	    {"lx/cpu.max", "max abc\n", EINVAL},
	    {"lx/cpu.max", "150000 0\n", EINVAL},
	    {"lx/cpu.max", "150000 max\n", EINVAL},
	    {"lx/cpu.max", "", EINVAL},
	    {"lx/ct/cpu.stat", "usage_usec 11855390\nuser_usec 11529869\n", EINVAL},
	    {"lx/ct/cpu.stat", "usage_usec 11855390\nuser_usec 1152", EINVAL},
	    {"lx/ct/cpu.stat", "usage_usec x\n", EINVAL},
	    {"lx/ct/cpu.stat", "", EINVAL},
	    {"lx/ct/cpu.stat", NULL, ENOENT},
	};

	(void)state;
	fix_damage_each("v2", v2_ct, d, sizeof(d) / sizeof(d[0]), read_fails);
}

static void test_cgroup_gone(void **state)
{
	static const char *const gone[] = {"cpuset/lxcfs-test/ct", "cpu/lxcfs-test/ct",
					   "cpuacct/lxcfs-test/ct"};

	(void)state;
	for (int i = 0; i < 3; i++)
		fix_gone("v1", gone[i], v1_ct, read_fails);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1_recorded),
	    cmocka_unit_test(test_cpuset_only),
	    cmocka_unit_test(test_v2_recorded),
	    cmocka_unit_test(test_hybrid),
	    cmocka_unit_test(test_cfs),
	    cmocka_unit_test(test_cpuset_walk_up),
	    cmocka_unit_test(test_no_cpuset),
	    cmocka_unit_test(test_stat_zero),
	    cmocka_unit_test(test_v1_usage_sources),
	    cmocka_unit_test(test_v1_damaged),
	    cmocka_unit_test(test_v2_damaged),
	    cmocka_unit_test(test_cgroup_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
