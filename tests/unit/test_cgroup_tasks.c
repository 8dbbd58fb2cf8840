/* cg_tasks_read: thread ids of a cgroup and its descendants. */
#include <errno.h>

#include "test_cgroup_helpers.h"

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Read (appending to ids[0..*n)) and sort the new part. */
static void read_ok(const char *root, const char *text, int **ids, size_t *n)
{
	struct lx_error err = {0, ""};
	struct cg_layout l;
	struct cg_paths p;
	size_t before = *n;

	fix_load(root, text, &l, &p);
	if (cg_tasks_read(&l, &p, ids, n, &err) < 0)
		fail_msg("cg_tasks_read(%s): %s", root, err.msg);
	fix_unload(&l, &p);
	if (*n > before)
		qsort(*ids + before, *n - before, sizeof(int), cmp_int);
}

static void assert_ids(const int *ids, size_t n, const int *want, size_t nwant)
{
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ids[i], want[i]);
}

static void read_fails(const char *root, const char *text, int code)
{
	struct lx_error err = {0, ""};
	struct cg_layout l;
	struct cg_paths p;
	int *ids = malloc(2 * sizeof(int));
	size_t n = 2;

	assert_non_null(ids);
	ids[0] = 7;
	ids[1] = 8;
	fix_load(root, text, &l, &p);
	if (cg_tasks_read(&l, &p, &ids, &n, &err) == 0)
		fail_msg("cg_tasks_read(%s) succeeded %s", root, fix_case);
	if (err.code != code)
		fail_msg("%s: error %d (%s), want %d", fix_case, err.code, err.msg, code);
	/* the caller's ids are intact and still its own to free */
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 7);
	assert_int_equal(ids[1], 8);
	free(ids);
	fix_unload(&l, &p);
}

static const char *v1_ct =
    "1:cpu:/lxcfs-test/ct\n8:pids:/lxcfs-test/ct\n2:cpuacct:/lxcfs-test/ct\n";

static void test_v1_recorded(void **state)
{
	char *text = fix_slurp(FIX "/v1.proc-cgroup");
	/* ct/tasks: the worker; ct/svc/tasks: the idle sleep (v1.notes) */
	static const int want[] = {8963, 8965};
	int *ids = NULL;
	size_t n = 0;

	(void)state;
	read_ok(FIX "/v1", text, &ids, &n);
	assert_ids(ids, n, want, 2);
	free(ids);
	/* svc alone */
	ids = NULL;
	n = 0;
	read_ok(FIX "/v1", "1:cpu:/lxcfs-test/ct/svc\n", &ids, &n);
	assert_ids(ids, n, want, 1);
	free(ids);
	free(text);
}

static void test_hybrid(void **state)
{
	/* c1: 101 102; init.scope: 103 104; svc: none; svc/nested: 105 */
	static const int want[] = {101, 102, 103, 104, 105};
	int *ids = NULL;
	size_t n = 0;

	(void)state;
	read_ok(FIX "/hybrid", "4:cpu,cpuacct:/lxc/c1\n", &ids, &n);
	assert_ids(ids, n, want, 5);
	free(ids);
}

static void test_v2_recorded(void **state)
{
	/* lx/ct: none (no internal processes); init: 121 141; svc: 120 */
	static const int want[] = {120, 121, 141};
	int *ids = NULL;
	size_t n = 0;

	(void)state;
	read_ok(FIX "/v2", "0::/lx/ct\n", &ids, &n);
	assert_ids(ids, n, want, 3);
	free(ids);
}

static void test_appends(void **state)
{
	static const int want[] = {1, 2, 101, 102, 103, 104, 105};
	int *ids = malloc(2 * sizeof(int));
	size_t n = 2;

	(void)state;
	assert_non_null(ids);
	ids[0] = 1;
	ids[1] = 2;
	read_ok(FIX "/hybrid", "4:cpu,cpuacct:/lxc/c1\n", &ids, &n);
	assert_ids(ids, n, want, 7);
	free(ids);
}

/* Without the cpu hierarchy: pids, then cpuacct. */
static void test_fallback_hierarchies(void **state)
{
	static const int want[] = {8963, 8965};
	char *dir = fix_copy("v1");
	int *ids = NULL;
	size_t n = 0;

	(void)state;
	fix_rmdir(dir, "cpu");
	fix_put(dir, "pids/lxcfs-test/ct/svc/tasks", ""); /* tell pids from cpuacct */
	read_ok(dir, v1_ct, &ids, &n);
	assert_ids(ids, n, want + 1, 1);
	fix_rmdir(dir, "pids");
	n = 0;
	read_ok(dir, v1_ct, &ids, &n);
	assert_ids(ids, n, want, 2);
	free(ids);
	/* nothing left but the unified root, whose thread list was not recorded */
	fix_rmdir(dir, "cpuacct");
	read_fails(dir, v1_ct, ENOENT);
	fix_rmtree(dir);
}

/* A descendant that disappears during the walk is skipped; the cgroup itself is an error. */
static void test_gone(void **state)
{
	static const int want[] = {8965};
	char *dir = fix_copy("v1");
	int *ids = NULL;
	size_t n = 0;

	(void)state;
	fix_rm(dir, "cpu/lxcfs-test/ct/svc/tasks");
	read_ok(dir, v1_ct, &ids, &n);
	assert_ids(ids, n, want, 1);
	free(ids);
	fix_rmdir(dir, "cpu/lxcfs-test/ct");
	read_fails(dir, v1_ct, ENOENT);
	fix_rmtree(dir);
}

static void test_damaged(void **state)
{
	static const struct fix_damage d[] = {
	    {"cpu/lxcfs-test/ct/tasks", "abc\n", EINVAL},
	    {"cpu/lxcfs-test/ct/tasks", "8965", EINVAL},
	    {"cpu/lxcfs-test/ct/tasks", "0\n", EINVAL},
	    {"cpu/lxcfs-test/ct/tasks", "-5\n", EINVAL},
	    {"cpu/lxcfs-test/ct/tasks", "99999999999\n", EINVAL},
	    {"cpu/lxcfs-test/ct/tasks", "8965\n\n", EINVAL},
	    {"cpu/lxcfs-test/ct/tasks", "8965 8966\n", EINVAL},
	    {"cpu/lxcfs-test/ct/svc/tasks", "1\nx\n", EINVAL},
	};

	(void)state;
	fix_damage_each("v1", v1_ct, d, sizeof(d) / sizeof(d[0]), read_fails);
}

/* cg_tasks_count: pids.current where the pids controller has it (one read), else the ids
 * counted */
static uint64_t count_ok(const char *root, const char *text)
{
	struct lx_error err = {0, ""};
	struct cg_layout l;
	struct cg_paths p;
	uint64_t n = 0;

	fix_load(root, text, &l, &p);
	if (cg_tasks_count(&l, &p, &n, &err) < 0)
		fail_msg("cg_tasks_count(%s): %s", root, err.msg);
	fix_unload(&l, &p);
	return n;
}

static void test_count(void **state)
{
	char *dir = fix_copy("v1");

	(void)state;
	/* v1 pids/lxcfs-test/ct/pids.current says 2 (the worker and the sleep) */
	assert_int_equal(count_ok(FIX "/v1", v1_ct), 2);
	/* v2: pids.current of lx/ct (3), not the sum of its children's lists */
	assert_int_equal(count_ok(FIX "/v2", "0::/lx/ct\n"), 3);
	/* the file is read, not the ids: another number there is what counts */
	fix_put(dir, "pids/lxcfs-test/ct/pids.current", "17\n");
	assert_int_equal(count_ok(dir, v1_ct), 17);
	/* no pids.current (no pids controller here): the tasks of cpu, counted */
	fix_rm(dir, "pids/lxcfs-test/ct/pids.current");
	assert_int_equal(count_ok(dir, v1_ct), 2);
	fix_put(dir, "cpu/lxcfs-test/ct/svc/tasks", "8965\n9000\n9001\n");
	assert_int_equal(count_ok(dir, v1_ct), 4);
	/* garbage in pids.current: the list instead, never a wrong number */
	fix_put(dir, "pids/lxcfs-test/ct/pids.current", "many\n");
	assert_int_equal(count_ok(dir, v1_ct), 4);
	fix_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1_recorded),
	    cmocka_unit_test(test_hybrid),
	    cmocka_unit_test(test_v2_recorded),
	    cmocka_unit_test(test_appends),
	    cmocka_unit_test(test_fallback_hierarchies),
	    cmocka_unit_test(test_gone),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
