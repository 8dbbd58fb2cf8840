/* cg_io_read on the fixture trees: v1 CFQ/BFQ/throttle families, v2 io.stat. */
#include <errno.h>

#include "test_cgroup_helpers.h"

static void read_ok(const char *root, const char *text, struct cg_io *io)
{
	struct lx_error err = {0, ""};
	struct cg_layout l;
	struct cg_paths p;

	fix_load(root, text, &l, &p);
	if (cg_io_read(&l, &p, io, &err) < 0)
		fail_msg("cg_io_read(%s): %s", root, err.msg);
	fix_unload(&l, &p);
}

static void read_fails(const char *root, const char *text, int code)
{
	struct lx_error err = {0, ""};
	struct cg_io io = {7, (struct cg_io_dev *)&err};
	struct cg_layout l;
	struct cg_paths p;

	fix_load(root, text, &l, &p);
	if (cg_io_read(&l, &p, &io, &err) == 0)
		fail_msg("cg_io_read(%s) succeeded %s", root, fix_case);
	if (err.code != code)
		fail_msg("%s: error %d (%s), want %d", fix_case, err.code, err.msg, code);
	/* nothing claimed, nothing to free */
	assert_int_equal(io.n, 0);
	assert_null(io.devs);
	fix_unload(&l, &p);
}

/* Expected counters of one device. */
struct want {
	unsigned major, minor;
	uint64_t rios, wios, dios, rbytes, wbytes, dbytes;
	uint64_t rmerged, wmerged, dmerged, rtime, wtime, dtime, wait;
};

static void assert_dev(const struct cg_io_dev *d, const struct want *w)
{
	assert_int_equal(d->major, w->major);
	assert_int_equal(d->minor, w->minor);
	assert_int_equal(d->rios, w->rios);
	assert_int_equal(d->wios, w->wios);
	assert_int_equal(d->dios, w->dios);
	assert_int_equal(d->rbytes, w->rbytes);
	assert_int_equal(d->wbytes, w->wbytes);
	assert_int_equal(d->dbytes, w->dbytes);
	assert_int_equal(d->rmerged, w->rmerged);
	assert_int_equal(d->wmerged, w->wmerged);
	assert_int_equal(d->dmerged, w->dmerged);
	assert_int_equal(d->rtime_ns, w->rtime);
	assert_int_equal(d->wtime_ns, w->wtime);
	assert_int_equal(d->dtime_ns, w->dtime);
	assert_int_equal(d->wait_ns, w->wait);
}

static const char *v1_ct = "7:blkio:/lxcfs-test/ct\n";
static const char *v2_ct = "0::/lx/ct\n";

/* The recorded loop device: dd wrote 100 x 4 KiB and read 10 x 8 KiB with O_DIRECT. */
static const struct want loop0 = {
    .major = 7, .minor = 0, .rios = 10, .wios = 100, .rbytes = 10 * 8192, .wbytes = 100 * 4096};

static void test_v1_recorded(void **state)
{
	char *text = fix_slurp(FIX "/v1.proc-cgroup");
	struct cg_io io;

	(void)state;
	read_ok(FIX "/v1", text, &io);
	assert_int_equal(io.n, 1);
	assert_dev(&io.devs[0], &loop0); /* from blkio.bfq.*_recursive */
	cg_io_free(&io);
	assert_null(io.devs);
	assert_int_equal(io.n, 0);
	/* the parent's recursive files include ct's I/O */
	read_ok(FIX "/v1", "7:blkio:/lxcfs-test\n", &io);
	assert_int_equal(io.n, 1);
	assert_dev(&io.devs[0], &loop0);
	cg_io_free(&io);
	/* svc did no I/O: "Total 0" only */
	read_ok(FIX "/v1", "7:blkio:/lxcfs-test/ct/svc\n", &io);
	assert_int_equal(io.n, 0);
	cg_io_free(&io);
	free(text);
}

static void test_hybrid_families(void **state)
{
	/* 8:0 and 8:16 from the CFQ *_recursive files (8:0's throttle numbers are ignored);
	 * 253:0, unknown to CFQ, from blkio.throttle.* of c1 plus c1/svc */
	static const struct want w[] = {
	    {.major = 8,
	     .minor = 0,
	     .rios = 100,
	     .wios = 50,
	     .dios = 2,
	     .rbytes = 409600,
	     .wbytes = 204800,
	     .dbytes = 8192,
	     .rmerged = 3,
	     .wmerged = 4,
	     .dmerged = 1,
	     .rtime = 5000000,
	     .wtime = 7000000,
	     .dtime = 200000,
	     .wait = 900000},
	    {.major = 8, .minor = 16, .rios = 7, .rbytes = 28672, .rtime = 300000, .wait = 1000},
	    {.major = 253,
	     .minor = 0,
	     .rios = 9 + 1,
	     .wios = 3,
	     .rbytes = 36864 + 4096,
	     .wbytes = 12288},
	};
	struct cg_io io;

	(void)state;
	read_ok(FIX "/hybrid", "6:blkio:/lxc/c1\n", &io);
	assert_int_equal(io.n, 3);
	for (int i = 0; i < 3; i++)
		assert_dev(&io.devs[i], &w[i]);
	cg_io_free(&io);
}

static void rm_family(const char *dir, const char *cg, const char *prefix, bool recursive_only)
{
	static const char *const names[] = {"io_serviced", "io_service_bytes"};
	char path[256];

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "blkio/%s/blkio.%s%s_recursive", cg, prefix, names[i]);
		fix_rm(dir, path);
		if (recursive_only)
			continue;
		snprintf(path, sizeof(path), "blkio/%s/blkio.%s%s", cg, prefix, names[i]);
		fix_rm(dir, path);
	}
}

/* Only the non-recursive throttle files (older kernels, no bfq): summed over the subtree. */
static void test_v1_throttle_sum(void **state)
{
	static const char *const cgs[] = {".", "lxcfs-test", "lxcfs-test/ct", "lxcfs-test/ct/svc"};
	char *dir = fix_copy("v1");
	struct want w = loop0;
	struct cg_io io;

	(void)state;
	for (int i = 0; i < 4; i++) {
		rm_family(dir, cgs[i], "bfq.", false);
		rm_family(dir, cgs[i], "throttle.", true);
	}
	read_ok(dir, v1_ct, &io);
	assert_int_equal(io.n, 1);
	assert_dev(&io.devs[0], &loop0);
	cg_io_free(&io);
	/* I/O in the child cgroup, on the same and on another device */
	fix_put(dir, "blkio/lxcfs-test/ct/svc/blkio.throttle.io_serviced",
		"7:0 Read 5\n7:0 Write 1\n7:0 Sync 6\n7:0 Async 0\n7:0 Discard 0\n7:0 Total 6\n"
		"7:1 Read 0\n7:1 Write 2\n7:1 Sync 2\n7:1 Async 0\n7:1 Discard 0\n7:1 Total 2\n"
		"Total 8\n");
	fix_put(dir, "blkio/lxcfs-test/ct/svc/blkio.throttle.io_service_bytes",
		"7:0 Read 20480\n7:0 Write 4096\n7:0 Sync 24576\n7:0 Async 0\n7:0 Discard 0\n"
		"7:0 Total 24576\n7:1 Read 0\n7:1 Write 8192\n7:1 Sync 8192\n7:1 Async 0\n"
		"7:1 Discard 0\n7:1 Total 8192\nTotal 32768\n");
	read_ok(dir, v1_ct, &io);
	assert_int_equal(io.n, 2);
	w.rios = 10 + 5;
	w.wios = 100 + 1;
	w.rbytes = 81920 + 20480;
	w.wbytes = 409600 + 4096;
	assert_dev(&io.devs[0], &w);
	assert_dev(&io.devs[1], &(struct want){.major = 7, .minor = 1, .wios = 2, .wbytes = 8192});
	cg_io_free(&io);
	fix_rmtree(dir);
}

/* With the recursive throttle files the kernel has summed the subtree: the per-cgroup files
 * below are not read (not even garbage in them shows). */
static void test_v1_throttle_recursive_no_walk(void **state)
{
	char *dir = fix_copy("v1");
	struct cg_io io;

	(void)state;
	rm_family(dir, "lxcfs-test/ct", "bfq.", false);
	fix_put(dir, "blkio/lxcfs-test/ct/svc/blkio.throttle.io_serviced", "7:0 Read 5 6\n");
	fix_put(dir, "blkio/lxcfs-test/ct/svc/blkio.throttle.io_service_bytes", "7:9 Read 1\n");
	read_ok(dir, v1_ct, &io);
	assert_int_equal(io.n, 1);
	assert_dev(&io.devs[0], &loop0);
	cg_io_free(&io);
	fix_rmtree(dir);
}

/* A family that lists a device with zero counts does not hide another family's counts. */
static void test_v1_zero_family_falls_through(void **state)
{
	char *dir = fix_copy("v1");
	struct cg_io io;

	(void)state;
	fix_put(dir, "blkio/lxcfs-test/ct/blkio.bfq.io_serviced_recursive",
		"7:0 Read 0\n7:0 Write 0\n7:0 Sync 0\n7:0 Async 0\n7:0 Discard 0\n7:0 Total 0\n"
		"Total 0\n");
	fix_put(dir, "blkio/lxcfs-test/ct/blkio.bfq.io_service_bytes_recursive",
		"7:0 Read 0\n7:0 Write 0\n7:0 Sync 0\n7:0 Async 0\n7:0 Discard 0\n7:0 Total 0\n"
		"Total 0\n");
	read_ok(dir, v1_ct, &io);
	assert_int_equal(io.n, 1);
	assert_dev(&io.devs[0], &loop0); /* from blkio.throttle.*_recursive */
	cg_io_free(&io);
	fix_rmtree(dir);
}

static void test_v2_recorded(void **state)
{
	char *text = fix_slurp(FIX "/v2.proc-cgroup");
	/* dd: 64 x 4 KiB written, 16 x 8 KiB read, O_DIRECT on /dev/vda (254:0) */
	static const struct want vda = {.major = 254,
					.minor = 0,
					.rios = 16,
					.wios = 64,
					.rbytes = 16 * 8192,
					.wbytes = 64 * 4096};
	struct cg_io io;

	(void)state;
	read_ok(FIX "/v2", v2_ct, &io);
	assert_int_equal(io.n, 1);
	assert_dev(&io.devs[0], &vda);
	cg_io_free(&io);
	read_ok(FIX "/v2", text, &io);
	assert_int_equal(io.n, 1);
	assert_dev(&io.devs[0], &vda);
	cg_io_free(&io);
	/* lx/ct/svc: empty io.stat, no I/O */
	read_ok(FIX "/v2", "0::/lx/ct/svc\n", &io);
	assert_int_equal(io.n, 0);
	assert_null(io.devs);
	cg_io_free(&io);
	free(text);
}

static void test_v2_variants(void **state)
{
	char *dir = fix_copy("v2");
	struct cg_io io;

	(void)state;
	/* iocost and io.latency add keys that are not all integers; devices are sorted */
	fix_put(dir, "lx/ct/io.stat",
		"259:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6 cost.vrate=100.00 "
		"cost.usage=7 cost.wait=0 cost.indebt=0 cost.indelay=0\n"
		"8:16 rbytes=10 wbytes=20 rios=30 wios=40 dbytes=50 dios=60 use_delay=0 delay=0\n"
		"8:0\n");
	read_ok(dir, v2_ct, &io);
	assert_int_equal(io.n, 3);
	assert_dev(&io.devs[0], &(struct want){.major = 8, .minor = 0});
	assert_dev(&io.devs[1], &(struct want){.major = 8,
					       .minor = 16,
					       .rios = 30,
					       .wios = 40,
					       .dios = 60,
					       .rbytes = 10,
					       .wbytes = 20,
					       .dbytes = 50});
	assert_dev(&io.devs[2], &(struct want){.major = 259,
					       .minor = 0,
					       .rios = 3,
					       .wios = 4,
					       .dios = 6,
					       .rbytes = 1,
					       .wbytes = 2,
					       .dbytes = 5});
	cg_io_free(&io);
	/* io not enabled on the worker's cgroup: charged to lx/ct */
	fix_rm(dir, "lx/ct/init/io.stat");
	read_ok(dir, "0::/lx/ct/init\n", &io);
	assert_int_equal(io.n, 3);
	cg_io_free(&io);
	fix_rmtree(dir);
}

static void test_v1_damaged(void **state)
{
	static const struct fix_damage d[] = {
	    {"blkio/lxcfs-test/ct/blkio.bfq.io_serviced_recursive", "", EINVAL},
	    {"blkio/lxcfs-test/ct/blkio.bfq.io_serviced_recursive", "7:0 Read\n", EINVAL},
	    {"blkio/lxcfs-test/ct/blkio.bfq.io_serviced_recursive", "7:0 Read 10\n7:0 Wr", EINVAL},
	    {"blkio/lxcfs-test/ct/blkio.bfq.io_serviced_recursive", "garbage\n", EINVAL},
	    {"blkio/lxcfs-test/ct/blkio.bfq.io_serviced_recursive", "7:0 Read x\n", EINVAL},
	    {"blkio/lxcfs-test/ct/blkio.bfq.io_serviced_recursive", "Total\n", EINVAL},
	    {"blkio/lxcfs-test/ct/blkio.bfq.io_serviced_recursive", "7: Read 1\n", EINVAL},
	    {"blkio/lxcfs-test/ct/blkio.bfq.io_service_bytes_recursive", NULL, ENOENT},
	    {"blkio/lxcfs-test/ct/blkio.throttle.io_serviced_recursive", "7:0 Read -1\n", EINVAL},
	};

	(void)state;
	fix_damage_each("v1", v1_ct, d, sizeof(d) / sizeof(d[0]), read_fails);
}

static void test_v1_damaged_descendant(void **state)
{
	char *dir = fix_copy("v1");

	(void)state;
	rm_family(dir, "lxcfs-test/ct", "bfq.", false);
	rm_family(dir, "lxcfs-test/ct", "throttle.", true);
	fix_put(dir, "blkio/lxcfs-test/ct/svc/blkio.throttle.io_serviced", "7:0 Read 5 6\n");
	read_fails(dir, v1_ct, EINVAL);
	fix_rmtree(dir);
}

static void test_v2_damaged(void **state)
{
	static const struct fix_damage d[] = {
	    {"lx/ct/io.stat", "254:0 rbytes=abc wbytes=1\n", EINVAL},
	    {"lx/ct/io.stat", "254:0 rbytes\n", EINVAL},
	    {"lx/ct/io.stat", "254:0 =5\n", EINVAL},
	    {"lx/ct/io.stat", "x:0 rbytes=1\n", EINVAL},
	    {"lx/ct/io.stat", "254:0rbytes=1\n", EINVAL},
	    {"lx/ct/io.stat", "254:0 rbytes=131072 wbytes=26", EINVAL},
	    {"lx/ct/io.stat", "254:0 rios=-1\n", EINVAL},
	};

	(void)state;
	fix_damage_each("v2", v2_ct, d, sizeof(d) / sizeof(d[0]), read_fails);
}

static void test_cgroup_gone(void **state)
{
	(void)state;
	fix_gone("v1", "blkio/lxcfs-test/ct", v1_ct, read_fails);
	fix_gone("v2", "lx/ct", v2_ct, read_fails);
	read_fails(FIX "/v1", "4:memory:/\n", ENOENT); /* no blkio line */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1_recorded),
	    cmocka_unit_test(test_hybrid_families),
	    cmocka_unit_test(test_v1_throttle_sum),
	    cmocka_unit_test(test_v1_throttle_recursive_no_walk),
	    cmocka_unit_test(test_v1_zero_family_falls_through),
	    cmocka_unit_test(test_v2_recorded),
	    cmocka_unit_test(test_v2_variants),
	    cmocka_unit_test(test_v1_damaged),
	    cmocka_unit_test(test_v1_damaged_descendant),
	    cmocka_unit_test(test_v2_damaged),
	    cmocka_unit_test(test_cgroup_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
