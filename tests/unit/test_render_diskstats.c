/* render_diskstats and render_partitions on host fixtures (this machine's 20-field
 * kernel, hand-written 14- and 18-field ones). Expected lines are written out by hand
 * in the kernel's diskstats_show()/show_partition() layouts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_fixture.h"
#include "render/render.h"

#define MS 1000000ULL

/* A device with every counter set:
 * reads 100, merged 5, 1 MiB = 2048 sectors, 30.5 ms -> 30
 * writes 40, merged 2, 400 KiB = 800 sectors, 12 ms
 * io ticks (30.5 + 12) ms -> 42, weighted (42.5 + 7.9) ms -> 50
 * discards 3, merged 1, 8 KiB = 16 sectors, 1 ms */
static struct cg_io_dev busy_dev(unsigned major, unsigned minor)
{
	return (struct cg_io_dev){
	    .major = major,
	    .minor = minor,
	    .rios = 100,
	    .rmerged = 5,
	    .rbytes = 1048576,
	    .rtime_ns = 30500000,
	    .wios = 40,
	    .wmerged = 2,
	    .wbytes = 409600,
	    .wtime_ns = 12 * MS,
	    .wait_ns = 7900000,
	    .dios = 3,
	    .dmerged = 1,
	    .dbytes = 8192,
	    .dtime_ns = 1 * MS,
	};
}

#define BUSY_14 "100 5 2048 30 40 2 800 12 0 42 50"
#define BUSY_18 BUSY_14 " 3 1 16 1"
#define BUSY_20 BUSY_18 " 0 0"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* render_diskstats over host text; returns the output (malloc'd), fails the test on an
 * error. */
static char *diskstats(const char *host, struct cg_io_dev *devs, size_t ndevs, struct devname *nv,
		       size_t nnames)
{
	struct cg_io io = {ndevs, devs};
	struct devnames names = {nnames, nv};
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(render_diskstats(host, &io, &names, &out), 0);
	return sb_steal(&out);
}

/* The same on fixture NAME. */
static void check_fixture(const char *fixture, struct cg_io_dev *devs, size_t ndevs,
			  struct devname *nv, size_t nnames, const char *want)
{
	char *host = host_fixture(fixture);
	char *got = diskstats(host, devs, ndevs, nv, nnames);

	assert_string_equal(got, want);
	free(got);
	free(host);
}

/* This machine (20 fields): vda 254:0 seen as sda; loop0 has I/O but no node in the
 * container: omitted; 8:0 has I/O and a node but is not in the host file: still shown,
 * after the host's devices, with the host's column count. */
static void test_host_fixture(void **state)
{
	(void)state;
	struct cg_io_dev devs[] = {busy_dev(7, 0), busy_dev(254, 0), busy_dev(8, 0)};
	struct devname nv[] = {{8, 0, "sdb"}, {254, 0, "sda"}};

	devs[2].rios = 7;
	check_fixture("diskstats", devs, N(devs), nv, N(nv),
		      " 254       0 sda " BUSY_20 "\n"
		      "   8       0 sdb 7 5 2048 30 40 2 800 12 0 42 50 3 1 16 1 0 0\n");
}

/* Kernels before 4.18: 14 fields. sda1 has I/O but the container names no node for
 * it: no partition line. dm-0 (253:0) is renamed vdb. sdb is named but did no I/O in
 * this cgroup: omitted. Output follows the host file order, not the names order. */
static void test_14_fields(void **state)
{
	(void)state;
	struct cg_io_dev devs[] = {busy_dev(253, 0), busy_dev(8, 1), busy_dev(8, 0)};
	struct devname nv[] = {{253, 0, "vdb"}, {8, 16, "sdb"}, {8, 0, "sda"}};

	devs[0].wios = 41; /* tell the lines apart */
	check_fixture("diskstats-14", devs, N(devs), nv, N(nv),
		      "   8       0 sda " BUSY_14 "\n"
		      " 253       0 vdb 100 5 2048 30 41 2 800 12 0 42 50\n");
}

/* 4.18 to 5.4: 18 fields (discards, no flushes). */
static void test_18_fields(void **state)
{
	(void)state;
	struct cg_io_dev devs[] = {busy_dev(8, 16), busy_dev(8, 0)};
	struct devname nv[] = {{8, 16, "xvdb"}, {8, 0, "xvda"}};

	check_fixture("diskstats-18", devs, N(devs), nv, N(nv),
		      "   8       0 xvda " BUSY_18 "\n"
		      "   8      16 xvdb " BUSY_18 "\n");
}

/* A partition the container does name (its /dev has sda1) is shown like a disk;
 * 5120 bytes = 10 sectors. */
static void test_named_partition(void **state)
{
	(void)state;
	struct cg_io_dev devs[] = {{.major = 8, .minor = 1, .rios = 9, .rbytes = 5120}};
	struct devname nv[] = {{8, 1, "sda"}};

	check_fixture("diskstats-14", devs, N(devs), nv, N(nv),
		      "   8       1 sda 9 0 10 0 0 0 0 0 0 0 0\n");
}

/* Nothing named, no I/O, empty or unusable names: no lines, success. */
static void test_unknown_devices(void **state)
{
	(void)state;
	char *host = host_fixture("diskstats");
	struct cg_io_dev devs[] = {busy_dev(254, 0), busy_dev(7, 1), busy_dev(99, 99)};
	struct devname nv[] = {
	    {254, 0, ""},      /* a blank name would break iostat's parser */
	    {7, 1, "my disk"}, /* a blank inside shifts every column */
	    {253, 0, "dm-0"},  /* named but no I/O */
	};
	struct cg_io io = {N(devs), devs};
	struct devnames names = {N(nv), nv};
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(render_diskstats(host, &io, &names, &out), 0);
	assert_int_equal(render_diskstats(host, NULL, &names, &out), 0);
	assert_int_equal(render_diskstats(host, &io, NULL, &out), 0);
	assert_int_equal(out.len, 0);
	sb_free(&out);
	free(host);
}

/* A later valid entry for the same device wins over an unusable one; duplicate I/O
 * entries give one line. */
static void test_duplicates(void **state)
{
	(void)state;
	struct cg_io_dev devs[] = {busy_dev(8, 0), busy_dev(8, 0), busy_dev(254, 0)};
	struct devname nv[] = {{254, 0, ""}, {254, 0, "vda"}, {8, 0, "sdz"}};

	check_fixture("diskstats", devs, N(devs), nv, N(nv),
		      " 254       0 vda " BUSY_20 "\n"
		      "   8       0 sdz " BUSY_20 "\n");
}

/* Times are unsigned int in the kernel's format: 2^32 + 5 ms shows as 5 ms (so do io
 * ticks and weighted time, (rtime + wtime [+ wait]) / 1e6); the counters are unsigned
 * long and do not wrap. */
static void test_u32_times(void **state)
{
	(void)state;
	struct cg_io_dev devs[] = {
	    {.major = 8, .minor = 0, .rios = 5000000000ULL, .rtime_ns = (4294967296ULL + 5) * MS}};
	struct devname nv[] = {{8, 0, "sda"}};
	char *got = diskstats("   8       0 sda 0 0 0 0 0 0 0 0 0 0 0\n", devs, N(devs), nv, N(nv));

	assert_string_equal(got, "   8       0 sda 5000000000 0 0 5 0 0 0 0 0 5 5\n");
	free(got);
}

/* Host file with no device lines (no block devices): the current 20-field format.
 * A future kernel with more columns: the unknown ones are 0. */
static void test_column_count_edges(void **state)
{
	(void)state;
	struct cg_io_dev devs[] = {busy_dev(8, 0)};
	struct devname nv[] = {{8, 0, "sda"}};
	char *got = diskstats("", devs, N(devs), nv, N(nv));

	assert_string_equal(got, "   8       0 sda " BUSY_20 "\n");
	free(got);
	got = diskstats("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\n", devs,
			N(devs), nv, N(nv));
	assert_string_equal(got, "   8       0 sda " BUSY_20 " 0 0\n");
	free(got);
}

static void diskstats_einval(const char *host)
{
	struct cg_io_dev devs[] = {busy_dev(8, 0)};
	struct devname nv[] = {{8, 0, "sda"}};
	struct cg_io io = {N(devs), devs};
	struct devnames names = {N(nv), nv};
	struct strbuf out = STRBUF_INIT;

	sb_puts(&out, "before");
	errno = 0;
	assert_int_equal(render_diskstats(host, &io, &names, &out), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(out.buf, "before");
	sb_free(&out);
}

static void test_diskstats_garbage(void **state)
{
	(void)state;
	char *host = host_fixture("diskstats");
	char many[1024];
	size_t n;

	diskstats_einval(NULL);
	diskstats_einval("garbage\n");
	diskstats_einval("\xff\xfe\x01 binary \x02\n");
	diskstats_einval("   8       0 sda 1 2 3\n");			   /* too few */
	diskstats_einval("   8       0 sda 1 2 3 4 5 6 7 x 9 10 11\n");	   /* not a number */
	diskstats_einval("   8      -1 sda 1 2 3 4 5 6 7 8 9 10 11\n");	   /* minor */
	diskstats_einval("   8 4294967296 sda 1 2 3 4 5 6 7 8 9 10 11\n"); /* minor range */
	diskstats_einval("   8       0 sda 1 2 3 4 5 6 7 8 9 10 99999999999999999999999\n");
	/* 70 fields: more than any kernel */
	n = (size_t)snprintf(many, sizeof(many), "   8       0 sda");
	for (int i = 0; i < 67; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, " %d", i);
	diskstats_einval(many);
	/* the real file cut in the middle of its last line */
	host[strlen(host) - 20] = '\0';
	diskstats_einval(host);
	free(host);
}

static void test_partitions_host(void **state)
{
	(void)state;
	char *host = host_fixture("partitions");
	struct devname nv[] = {{254, 0, "sda"}};
	struct devnames names = {N(nv), nv};
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(render_partitions(host, &names, &out), 0);
	/* "%4d  %7d %10llu %s": 254, 0, 268435456 blocks */
	assert_string_equal(out.buf, "major minor  #blocks  name\n"
				     "\n"
				     " 254        0  268435456 sda\n");
	sb_free(&out);
	free(host);
}

/* Several devices: only the named ones, renamed, host order, host sizes; a named
 * device the host does not list (loop0) is skipped; widths as the kernel's. */
static void test_partitions_multi(void **state)
{
	(void)state;
	char *host = host_fixture("partitions-multi");
	struct devname nv[] = {
	    {253, 0, "dm-0"}, {7, 0, "loop0"}, {259, 0, "nvme0n1"}, {8, 16, "sda"}, {8, 2, "sda2"},
	};
	struct devnames names = {N(nv), nv};
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(render_partitions(host, &names, &out), 0);
	assert_string_equal(out.buf, "major minor  #blocks  name\n"
				     "\n"
				     "   8        2  499582279 sda2\n"
				     "   8       16 3907018584 sda\n"
				     " 259        0 15628053168 nvme0n1\n"
				     " 253        0  499580231 dm-0\n");
	sb_reset(&out);
	/* nobody named: header only */
	assert_int_equal(render_partitions(host, NULL, &out), 0);
	assert_string_equal(out.buf, "major minor  #blocks  name\n\n");
	sb_free(&out);
	free(host);
}

static void partitions_einval(const char *host)
{
	struct devname nv[] = {{8, 0, "sda"}};
	struct devnames names = {N(nv), nv};
	struct strbuf out = STRBUF_INIT;

	sb_puts(&out, "before");
	errno = 0;
	assert_int_equal(render_partitions(host, &names, &out), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(out.buf, "before");
	sb_free(&out);
}

static void test_partitions_garbage(void **state)
{
	(void)state;
	char *host = host_fixture("partitions-multi");

	partitions_einval(NULL);
	partitions_einval("");
	partitions_einval("\n");
	partitions_einval("major minor  #blocks  name\n"); /* truncated: no blank line */
	partitions_einval("major minor  #blocks  name\n   8        0  500107608 sda\n");
	partitions_einval("major minor  #blocks  name\n\n   8        0  500107608\n");
	partitions_einval("major minor  #blocks  name\n\n   8        0  5001x7608 sda\n");
	partitions_einval("major minor  #blocks  name\n\n   8  0  1 sda extra\n");
	partitions_einval("\xff\xfe\n\n\x01\x02\x03\x04\n");
	/* cut in the middle of a line */
	*strstr(host, " sda2") = '\0';
	partitions_einval(host);
	free(host);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_host_fixture),      cmocka_unit_test(test_14_fields),
	    cmocka_unit_test(test_18_fields),	      cmocka_unit_test(test_named_partition),
	    cmocka_unit_test(test_unknown_devices),   cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_u32_times),	      cmocka_unit_test(test_column_count_edges),
	    cmocka_unit_test(test_diskstats_garbage), cmocka_unit_test(test_partitions_host),
	    cmocka_unit_test(test_partitions_multi),  cmocka_unit_test(test_partitions_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
