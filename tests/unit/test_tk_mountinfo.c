/* toolkit mountinfo: parsing (escapes, optional fields), mount stacks, live/stale/absent. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/mountinfo.h"
#include "toolkit/lib/mountstate.h"

/* A container's table as the kernel prints it: procfs at /proc, then lxcfs files bound on it:
 * meminfo twice (a stale mount of superblock 0:50 under a live one of 0:63), cpuinfo once
 * from the dead superblock, uptime covered by a tmpfs, and a mount point with a space. */
static const char *const table =
    "100 90 0:25 / / rw,relatime - overlay overlay rw,lowerdir=/l\n"
    "101 100 0:26 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
    "110 101 0:50 /proc/meminfo /proc/meminfo rw,nosuid,nodev,relatime - fuse.lxcfs lxcfs "
    "rw,user_id=0,group_id=0,allow_other\n"
    "111 110 0:63 /proc/meminfo /proc/meminfo rw,nosuid,nodev,relatime shared:5 master:2 - "
    "fuse.lxcfs lxcfs rw,user_id=0,group_id=0,allow_other\n"
    "112 101 0:50 /proc/cpuinfo /proc/cpuinfo rw,relatime - fuse.lxcfs lxcfs rw\n"
    "113 101 0:63 /proc/uptime /proc/uptime rw,relatime - fuse.lxcfs lxcfs rw\n"
    "114 113 0:27 / /proc/uptime rw,relatime - tmpfs tmpfs rw\n"
    "115 100 0:28 / /mnt/with\\040space\\011tab rw,relatime shared:1 - tmpfs a\\134b rw\n";

static struct lx_mounts m;

static int setup(void **state)
{
	(void)state;
	return lx_mountinfo_parse(table, &m, NULL);
}

static int teardown(void **state)
{
	(void)state;
	lx_mounts_free(&m);
	return 0;
}

static void test_fields(void **state)
{
	(void)state;
	assert_int_equal(m.n, 8);
	assert_int_equal(m.v[3].id, 111);
	assert_int_equal(m.v[3].parent, 110);
	assert_int_equal(m.v[3].major, 0);
	assert_int_equal(m.v[3].minor, 63);
	assert_string_equal(m.v[3].root, "/proc/meminfo");
	assert_string_equal(m.v[3].optional, "shared:5 master:2");
	assert_string_equal(m.v[3].fstype, "fuse.lxcfs");
	assert_string_equal(m.v[3].source, "lxcfs");
	assert_string_equal(m.v[2].optional, "");
	assert_true(lx_mount_is_shared(&m.v[3]));
	assert_false(lx_mount_is_shared(&m.v[2]));
}

static void test_escapes(void **state)
{
	(void)state;
	assert_string_equal(m.v[7].mountpoint, "/mnt/with space\ttab");
	assert_string_equal(m.v[7].source, "a\\b");
	assert_non_null(lx_mounts_top(&m, "/mnt/with space\ttab"));
}

static void test_stack(void **state)
{
	const struct lx_mount *top = lx_mounts_top(&m, "/proc/meminfo");

	(void)state;
	assert_non_null(top);
	assert_int_equal(top->id, 111);
	assert_int_equal(lx_mounts_below(&m, top)->id, 110);
	assert_null(lx_mounts_below(&m, lx_mounts_below(&m, top)));
	assert_int_equal(tk_mounts_lxcfs_depth(&m, "/proc/meminfo"), 2);
	assert_int_equal(tk_mounts_lxcfs_depth(&m, "/proc/cpuinfo"), 1);
	/* a tmpfs on top hides the lxcfs mount below: nothing of ours to detach */
	assert_int_equal(tk_mounts_lxcfs_depth(&m, "/proc/uptime"), 0);
	assert_int_equal(tk_mounts_lxcfs_depth(&m, "/proc/stat"), 0);
	assert_null(lx_mounts_top(&m, "/proc/stat"));
}

static void test_classify(void **state)
{
	(void)state;
	/* the healthy daemon is superblock 0:63 */
	assert_int_equal(tk_mounts_classify(&m, "/proc/meminfo", true, 0, 63), TK_MOUNT_LIVE);
	assert_int_equal(tk_mounts_classify(&m, "/proc/cpuinfo", true, 0, 63), TK_MOUNT_STALE);
	assert_int_equal(tk_mounts_classify(&m, "/proc/uptime", true, 0, 63), TK_MOUNT_ABSENT);
	assert_int_equal(tk_mounts_classify(&m, "/proc/stat", true, 0, 63), TK_MOUNT_ABSENT);
	/* no healthy daemon: every lxcfs mount is stale */
	assert_int_equal(tk_mounts_classify(&m, "/proc/meminfo", false, 0, 63), TK_MOUNT_STALE);
	assert_string_equal(tk_mstate_name(TK_MOUNT_LIVE), "live");
	assert_string_equal(tk_mstate_name(TK_MOUNT_STALE), "stale");
	assert_string_equal(tk_mstate_name(TK_MOUNT_ABSENT), "absent");
	assert_true(tk_mounts_has_lxcfs(&m));
}

static void test_malformed(void **state)
{
	struct lx_mounts x;
	struct lx_error err;

	(void)state;
	/* no "-" separator */
	assert_int_equal(lx_mountinfo_parse("1 0 0:1 / / rw shared:1 proc proc rw\n", &x, &err),
			 -1);
	assert_non_null(strstr(err.msg, "line 1"));
	/* truncated after the separator */
	assert_int_equal(lx_mountinfo_parse(
			     "1 0 0:1 / / rw - proc proc rw\n2 1 0:2 / /x rw - tmpfs\n", &x, &err),
			 -1);
	assert_non_null(strstr(err.msg, "line 2"));
	/* bad device */
	assert_int_equal(lx_mountinfo_parse("1 0 zz / / rw - proc proc rw\n", &x, &err), -1);
	/* empty text is an empty table */
	assert_int_equal(lx_mountinfo_parse("", &x, &err), 0);
	assert_int_equal(x.n, 0);
	lx_mounts_free(&x);
}

/* Found by tests/fuzz/fuzz_mountinfo: a field was read as its leading number ("115/sys..." as
 * mount 115, "0:2)" as 0:2), and a mount could name itself as its parent, which left its
 * mount point without a top mount and a walk down its stack without an end: the kernel does
 * print that for the root of the mount tree (an initramfs rootfs), so it parses, with no
 * parent. */
static void test_fuzz_found(void **state)
{
	static const char *const bad[] = {
	    "115/sys/fs/cgroupnt-wi@h\\16 115 0:2) / / /mnt/with\\040srace\\011tab rw - tmpfs x "
	    "rw\n",
	    "1x 0 0:1 / / rw - tmpfs x rw\n",
	    "1 0x 0:1 / / rw - tmpfs x rw\n",
	    "1 0 0:1) / / rw - tmpfs x rw\n",
	    "1 0 0: / / rw - tmpfs x rw\n",
	    "1 0 :1 / / rw - tmpfs x rw\n",
	    "1 0 -1:1 / / rw - tmpfs x rw\n",
	    "1 0 0:12345678901 / / rw - tmpfs x rw\n",
	};
	struct lx_mounts x;
	struct lx_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.code = 0;
		assert_int_equal(lx_mountinfo_parse(bad[i], &x, &err), -1);
		assert_int_equal(err.code, EINVAL);
	}
	/* the root of the tree, its own parent: no parent, and on top of its mount point */
	assert_int_equal(lx_mountinfo_parse("1 1 0:2 / / rw - rootfs rootfs rw\n", &x, &err), 0);
	assert_int_equal(x.v[0].id, 1);
	assert_int_equal(x.v[0].parent, 0);
	assert_ptr_equal(lx_mounts_top(&x, "/"), &x.v[0]);
	assert_null(lx_mounts_below(&x, &x.v[0]));
	lx_mounts_free(&x);
	/* fuzzing: a root whose id is 0 (its parent 0 too) is not below itself, and on top */
	assert_int_equal(lx_mountinfo_parse("0 0 0:28 / /mnt rw master:2 - t/ /mnt rw\n", &x, &err),
			 0);
	assert_null(lx_mounts_below(&x, &x.v[0]));
	assert_ptr_equal(lx_mounts_top(&x, "/mnt"), &x.v[0]);
	lx_mounts_free(&x);
	/* the largest numbers the kernel prints still parse */
	assert_int_equal(
	    lx_mountinfo_parse("999999999 1 4095:1048575 / / rw - tmpfs x rw\n", &x, &err), 0);
	assert_int_equal(x.v[0].id, 999999999);
	assert_int_equal(x.v[0].major, 4095);
	assert_int_equal(x.v[0].minor, 1048575);
	lx_mounts_free(&x);
}

static void test_read_self(void **state)
{
	struct lx_mounts x;

	(void)state;
	assert_int_equal(lx_mountinfo_read(0, &x, NULL), 0);
	assert_non_null(lx_mounts_top(&x, "/"));
	assert_non_null(lx_mounts_top(&x, "/proc"));
	lx_mounts_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stack, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_classify, setup, teardown),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_fuzz_found),
	    cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
