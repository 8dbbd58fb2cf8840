/* The reader on this machine's real cgroup v1 hierarchies: cgroups created under
 * /sys/fs/cgroup/<ctrl>/lxcfs-test-unit-<pid>/ct, a child process moved in, limits set and
 * changed, then everything removed. Skipped when not root or without v1 memory. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "test_cgroup_helpers.h"

#define ROOT "/sys/fs/cgroup"
#define MiB  (1024ULL * 1024)

static const char *const ctrls[] = {"memory", "cpu", "cpuacct", "cpuset", "blkio", "pids"};
#define NCTRL (sizeof(ctrls) / sizeof(ctrls[0]))

static char parent[64];
static pid_t child = -1;
static int go[2] = {-1, -1};

static int put(const char *ctrl, const char *rel, const char *file, const char *value)
{
	char path[512];
	int fd, ok;

	snprintf(path, sizeof(path), ROOT "/%s/%s%s/%s", ctrl, parent, rel, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	close(fd);
	return ok ? 0 : -1;
}

static void remove_all(void)
{
	char path[512];

	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
	for (size_t i = 0; i < NCTRL && parent[0]; i++) {
		snprintf(path, sizeof(path), ROOT "/%s/%s/ct", ctrls[i], parent);
		rmdir(path);
		snprintf(path, sizeof(path), ROOT "/%s/%s", ctrls[i], parent);
		rmdir(path);
	}
}

static int setup(void **state)
{
	struct lx_error err = {0, ""};
	struct cg_layout l;
	char path[512];

	(void)state;
	if (geteuid() != 0 || cg_layout_open(&l, ROOT, &err) < 0)
		return 0;
	for (size_t i = 0; i < NCTRL; i++)
		if (l.version[i] != 1) {
			cg_layout_close(&l);
			return 0;
		}
	cg_layout_close(&l);
	snprintf(parent, sizeof(parent), "lxcfs-test-unit-%d", (int)getpid());
	for (size_t i = 0; i < NCTRL; i++) {
		snprintf(path, sizeof(path), ROOT "/%s/%s", ctrls[i], parent);
		if (mkdir(path, 0755) < 0)
			goto fail;
		snprintf(path, sizeof(path), ROOT "/%s/%s/ct", ctrls[i], parent);
		if (mkdir(path, 0755) < 0)
			goto fail;
	}
	if (put("memory", "", "memory.limit_in_bytes", "268435456") < 0 ||
	    put("cpu", "", "cpu.cfs_period_us", "100000") < 0 ||
	    put("cpu", "", "cpu.cfs_quota_us", "30000") < 0 ||
	    put("cpuset", "", "cpuset.cpus", "0") < 0 ||
	    put("cpuset", "", "cpuset.mems", "0") < 0 ||
	    put("cpuset", "/ct", "cpuset.cpus", "0") < 0 ||
	    put("cpuset", "/ct", "cpuset.mems", "0") < 0)
		goto fail;
	return 0;
fail:
	print_error("live setup: %s: %s\n", path, strerror(errno));
	remove_all();
	return -1;
}

static int teardown(void **state)
{
	(void)state;
	remove_all();
	return 0;
}

/* A child in every ct cgroup, burning a little CPU until told to exit. */
static void start_child(void)
{
	int ready[2];
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char pid[32];
		volatile unsigned long x = 0;

		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		for (size_t i = 0; i < NCTRL; i++)
			if (put(ctrls[i], "/ct", "cgroup.procs", pid) < 0)
				_exit(1);
		for (unsigned long i = 0; i < 20000000; i++)
			x += i;
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
}

static void test_live(void **state)
{
	struct lx_error err = {0, ""};
	struct cg_layout l;
	struct cg_paths p;
	struct cg_mem m;
	struct cg_cpu *c = calloc(1, sizeof(*c));
	int *ids = NULL;
	size_t n = 0;
	char want[128];
	bool found = false;

	(void)state;
	if (!parent[0])
		skip();
	assert_non_null(c);
	start_child();
	fix_open(ROOT, &l);
	if (cg_paths_of_pid(&l, child, &p, &err) < 0)
		fail_msg("%s", err.msg);
	snprintf(want, sizeof(want), "/%s/ct", parent);
	assert_string_equal(p.path[CG_MEMORY], want);

	if (cg_mem_read(&l, &p, &m, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(m.limit, 256 * MiB); /* set on the parent only */
	/* changed at run time: the next read follows */
	assert_int_equal(put("memory", "/ct", "memory.limit_in_bytes", "134217728"), 0);
	if (cg_mem_read(&l, &p, &m, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(m.limit, 128 * MiB);

	if (cg_cpu_read(&l, &p, c, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(cpuset_has(&c->cpus, 0));
	assert_int_equal(cpuset_count(&c->cpus), 1);
	assert_true(c->cfs_cpus == 30000.0 / 100000.0);
	assert_true(c->usage_ns > 0); /* the child's loop */
	assert_int_equal(c->user_ns + c->system_ns, c->usage_ns);
	assert_true(c->have_percpu);
	assert_true(c->percpu_ns[0] > 0);

	if (cg_tasks_read(&l, &p, &ids, &n, &err) < 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < n; i++)
		found |= ids[i] == child;
	assert_true(found);
	free(ids);

	/* the container goes away: its cgroups are removed, reads fail cleanly */
	remove_all();
	err.code = 0;
	assert_int_equal(cg_mem_read(&l, &p, &m, &err), -1);
	assert_int_equal(err.code, ENOENT);
	err.code = 0;
	assert_int_equal(cg_cpu_read(&l, &p, c, &err), -1);
	assert_int_equal(err.code, ENOENT);
	cg_paths_free(&p);
	cg_layout_close(&l);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
