/* render_diskstats and render_partitions on host fixtures (this machine's 20-field
 * kernel, hand-written 14- and 18-field ones). Expected lines are written out by hand
 * in the kernel's diskstats_show()/show_partition() layouts. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lxcfs/render.h"
#include "lxcfs/util/fileio.h"

#define MS 1000000ULL

static char *fixture(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	struct lx_error err;
	char path[256];

	snprintf(path, sizeof(path), "tests/fixtures/host/%s", name);
	if (read_file_at(AT_FDCWD, path, &sb, &err) < 0)
		fail_msg("%s", err.msg);
	return sb_steal(&sb);
}

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

static void name(struct devname *d, unsigned major, unsigned minor, const char *n)
{
	d->major = major;
	d->minor = minor;
	snprintf(d->name, sizeof(d->name), "%s", n);
}

/* This machine (20 fields): vda 254:0 seen as sda; loop0 has I/O but no node in the
 * container: omitted; 8:0 has I/O and a node but is not in the host file: still shown,
 * after the host's devices, with the host's column count. */
static void test_host_fixture(void **state)
{
	(void)state;
	char *host = fixture("diskstats");
	struct cg_io_dev devs[3] = {busy_dev(7, 0), busy_dev(254, 0), busy_dev(8, 0)};
	struct cg_io io = {3, devs};
	struct devname nv[2];
	struct devnames names = {2, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 8, 0, "sdb");
	name(&nv[1], 254, 0, "sda");
	devs[2].rios = 7;
	assert_int_equal(render_diskstats(host, &io, &names, &out), 0);
	assert_string_equal(out.buf,
			    " 254       0 sda " BUSY_20 "\n"
			    "   8       0 sdb 7 5 2048 30 40 2 800 12 0 42 50 3 1 16 1 0 0\n");
	sb_free(&out);
	free(host);
}

/* Kernels before 4.18: 14 fields. sda1 has I/O but the container names no node for
 * it: no partition line. dm-0 (253:0) is renamed vdb. sdb is named but did no I/O in
 * this cgroup: omitted. Output follows the host file order, not the names order. */
static void test_14_fields(void **state)
{
	(void)state;
	char *host = fixture("diskstats-14");
	struct cg_io_dev devs[3] = {busy_dev(253, 0), busy_dev(8, 1), busy_dev(8, 0)};
	struct cg_io io = {3, devs};
	struct devname nv[3];
	struct devnames names = {3, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 253, 0, "vdb");
	name(&nv[1], 8, 16, "sdb");
	name(&nv[2], 8, 0, "sda");
	devs[0].wios = 41; /* tell the lines apart */
	assert_int_equal(render_diskstats(host, &io, &names, &out), 0);
	assert_string_equal(out.buf, "   8       0 sda " BUSY_14 "\n"
				     " 253       0 vdb 100 5 2048 30 41 2 800 12 0 42 50\n");
	sb_free(&out);
	free(host);
}

/* 4.18 to 5.4: 18 fields (discards, no flushes). */
static void test_18_fields(void **state)
{
	(void)state;
	char *host = fixture("diskstats-18");
	struct cg_io_dev devs[2] = {busy_dev(8, 16), busy_dev(8, 0)};
	struct cg_io io = {2, devs};
	struct devname nv[2];
	struct devnames names = {2, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 8, 16, "xvdb");
	name(&nv[1], 8, 0, "xvda");
	assert_int_equal(render_diskstats(host, &io, &names, &out), 0);
	assert_string_equal(out.buf, "   8       0 xvda " BUSY_18 "\n"
				     "   8      16 xvdb " BUSY_18 "\n");
	sb_free(&out);
	free(host);
}

/* A partition the container does name (its /dev has sda1) is shown like a disk. */
static void test_named_partition(void **state)
{
	(void)state;
	char *host = fixture("diskstats-14");
	struct cg_io_dev devs[1] = {{.major = 8, .minor = 1, .rios = 9, .rbytes = 5120}};
	struct cg_io io = {1, devs};
	struct devname nv[1];
	struct devnames names = {1, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 8, 1, "sda");
	assert_int_equal(render_diskstats(host, &io, &names, &out), 0);
	/* 5120 bytes = 10 sectors */
	assert_string_equal(out.buf, "   8       1 sda 9 0 10 0 0 0 0 0 0 0 0\n");
	sb_free(&out);
	free(host);
}

/* Nothing named, no I/O, empty or unusable names: no lines, success. */
static void test_unknown_devices(void **state)
{
	(void)state;
	char *host = fixture("diskstats");
	struct cg_io_dev devs[3] = {busy_dev(254, 0), busy_dev(7, 1), busy_dev(99, 99)};
	struct cg_io io = {3, devs};
	struct devname nv[3];
	struct devnames names = {3, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 254, 0, "");      /* blank name would break iostat's parser */
	name(&nv[1], 7, 1, "my disk"); /* a blank inside shifts every column */
	name(&nv[2], 253, 0, "dm-0");  /* named but no I/O */
	assert_int_equal(render_diskstats(host, &io, &names, &out), 0);
	assert_int_equal(out.len, 0);
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
	char *host = fixture("diskstats");
	struct cg_io_dev devs[3] = {busy_dev(8, 0), busy_dev(8, 0), busy_dev(254, 0)};
	struct cg_io io = {3, devs};
	struct devname nv[3];
	struct devnames names = {3, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 254, 0, "");
	name(&nv[1], 254, 0, "vda");
	name(&nv[2], 8, 0, "sdz");
	assert_int_equal(render_diskstats(host, &io, &names, &out), 0);
	assert_string_equal(out.buf, " 254       0 vda " BUSY_20 "\n"
				     "   8       0 sdz " BUSY_20 "\n");
	sb_free(&out);
	free(host);
}

/* Times are unsigned int in the kernel's format: 2^32 + 5 ms shows as 5 ms; the
 * counters are unsigned long and do not wrap. */
static void test_u32_times(void **state)
{
	(void)state;
	struct cg_io_dev devs[1] = {
	    {.major = 8, .minor = 0, .rios = 5000000000ULL, .rtime_ns = (4294967296ULL + 5) * MS}};
	struct cg_io io = {1, devs};
	struct devname nv[1];
	struct devnames names = {1, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 8, 0, "sda");
	assert_int_equal(
	    render_diskstats("   8       0 sda 0 0 0 0 0 0 0 0 0 0 0\n", &io, &names, &out), 0);
	/* io ticks and weighted time are (rtime + wtime [+ wait]) / 1e6: 5 too */
	assert_string_equal(out.buf, "   8       0 sda 5000000000 0 0 5 0 0 0 0 0 5 5\n");
	sb_free(&out);
}

/* Host file with no device lines (no block devices): the current 20-field format. */
static void test_empty_host(void **state)
{
	(void)state;
	struct cg_io_dev devs[1] = {busy_dev(254, 0)};
	struct cg_io io = {1, devs};
	struct devname nv[1];
	struct devnames names = {1, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 254, 0, "vda");
	assert_int_equal(render_diskstats("", &io, &names, &out), 0);
	assert_string_equal(out.buf, " 254       0 vda " BUSY_20 "\n");
	sb_free(&out);
}

/* A future kernel with more columns: the unknown ones are 0. */
static void test_more_columns(void **state)
{
	(void)state;
	struct cg_io_dev devs[1] = {busy_dev(8, 0)};
	struct cg_io io = {1, devs};
	struct devname nv[1];
	struct devnames names = {1, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 8, 0, "sda");
	assert_int_equal(
	    render_diskstats("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\n",
			     &io, &names, &out),
	    0);
	assert_string_equal(out.buf, "   8       0 sda " BUSY_20 " 0 0\n");
	sb_free(&out);
}

static void diskstats_einval(const char *host)
{
	struct cg_io_dev devs[1] = {busy_dev(8, 0)};
	struct cg_io io = {1, devs};
	struct devname nv[1];
	struct devnames names = {1, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 8, 0, "sda");
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
	char *host = fixture("diskstats");
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
	char *host = fixture("partitions");
	struct devname nv[1];
	struct devnames names = {1, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 254, 0, "sda");
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
	char *host = fixture("partitions-multi");
	struct devname nv[5];
	struct devnames names = {5, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 253, 0, "dm-0");
	name(&nv[1], 7, 0, "loop0");
	name(&nv[2], 259, 0, "nvme0n1");
	name(&nv[3], 8, 16, "sda");
	name(&nv[4], 8, 2, "sda2");
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
	struct devname nv[1];
	struct devnames names = {1, nv};
	struct strbuf out = STRBUF_INIT;

	name(&nv[0], 8, 0, "sda");
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
	char *host = fixture("partitions-multi");

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
	    cmocka_unit_test(test_host_fixture),       cmocka_unit_test(test_14_fields),
	    cmocka_unit_test(test_18_fields),	       cmocka_unit_test(test_named_partition),
	    cmocka_unit_test(test_unknown_devices),    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_u32_times),	       cmocka_unit_test(test_empty_host),
	    cmocka_unit_test(test_more_columns),       cmocka_unit_test(test_diskstats_garbage),
	    cmocka_unit_test(test_partitions_host),    cmocka_unit_test(test_partitions_multi),
	    cmocka_unit_test(test_partitions_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
