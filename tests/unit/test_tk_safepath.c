/* toolkit path safety: targets inside a container root are opened without following any
 * symlink (openat2 and the O_PATH walk fallback), directories created the same way, ids. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "toolkit/lib/inject.h"
#include "toolkit/lib/safepath.h"

static char root[64], outside[128];
static int rootfd = -1;

static void mk(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void touch(const char *rel)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
}

static void link_to(const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

/* root/proc/meminfo (file), root/proc/evil -> OUTSIDE file, root/sys -> /sys,
 * root/up -> ../.., root/dirlink -> proc */
static int setup(void **state)
{
	FILE *f;

	(void)state;
	strcpy(root, "/tmp/tk-safe-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(outside, sizeof(outside), "%s.outside", root);
	f = fopen(outside, "w");
	if (!f)
		return -1;
	fclose(f);
	mk("proc");
	touch("proc/meminfo");
	link_to(outside, "proc/evil");
	link_to("/sys", "sys");
	link_to("../..", "up");
	link_to("proc", "dirlink");
	rootfd = open(root, O_PATH | O_DIRECTORY);
	return rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, outside);
	return system(cmd) == 0 ? 0 : -1;
}

/* fd refers to the same inode as path */
static void same_file(int fd, const char *path)
{
	struct stat a, b;

	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(lstat(path, &b), 0);
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

typedef int (*open_fn)(int, const char *, struct lx_error *);

static void check_resolver(open_fn fn)
{
	struct lx_error err;
	char p[256];
	int fd;

	fd = fn(rootfd, "proc/meminfo", &err);
	assert_true(fd >= 0);
	snprintf(p, sizeof(p), "%s/proc/meminfo", root);
	same_file(fd, p);
	close(fd);
	/* a final symlink to a host file */
	assert_int_equal(fn(rootfd, "proc/evil", &err), -1);
	assert_int_equal(err.code, ELOOP);
	/* an absolute symlink on the way */
	assert_int_equal(fn(rootfd, "sys/devices/system/cpu/online", &err), -1);
	assert_int_equal(err.code, ELOOP);
	/* a relative symlink climbing out, and one staying inside: both refused */
	assert_int_equal(fn(rootfd, "up/etc/passwd", &err), -1);
	assert_int_equal(err.code, ELOOP);
	assert_int_equal(fn(rootfd, "dirlink/meminfo", &err), -1);
	assert_int_equal(err.code, ELOOP);
	/* missing */
	assert_int_equal(fn(rootfd, "proc/stat", &err), -1);
	assert_int_equal(err.code, ENOENT);
}

static void test_openat2(void **state)
{
	(void)state;
	check_resolver(tk_open_in_root);
}

static void test_walk_fallback(void **state)
{
	struct lx_error err;

	(void)state;
	check_resolver(tk_open_walk);
	/* the walk refuses ".." outright */
	assert_int_equal(tk_open_walk(rootfd, "proc/../proc/meminfo", &err), -1);
	assert_int_equal(err.code, EXDEV);
}

static void test_openat2_dotdot_stays_inside(void **state)
{
	struct lx_error err;
	char p[256];
	int fd;

	(void)state;
	/* RESOLVE_IN_ROOT: ".." at the root stays at the root */
	fd = tk_open_in_root(rootfd, "../../../proc/meminfo", &err);
	assert_true(fd >= 0);
	snprintf(p, sizeof(p), "%s/proc/meminfo", root);
	same_file(fd, p);
	close(fd);
}

static void test_mkdir_in_root(void **state)
{
	struct lx_error err;
	struct stat st;
	char p[256];
	int fd;

	(void)state;
	fd = tk_mkdir_in_root(rootfd, "var/lib/lxcfs", &err);
	assert_true(fd >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/var/lib/lxcfs", root);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* existing: fine */
	fd = tk_mkdir_in_root(rootfd, "var/lib/lxcfs", &err);
	assert_true(fd >= 0);
	close(fd);
	/* through a symlink: refused, and nothing created outside */
	assert_int_equal(tk_mkdir_in_root(rootfd, "up/tk-escape", &err), -1);
	assert_int_equal(err.code, ELOOP);
	snprintf(p, sizeof(p), "%s/../../tk-escape", root);
	assert_int_equal(stat(p, &st), -1);
	/* a file in the way */
	assert_int_equal(tk_mkdir_in_root(rootfd, "proc/meminfo/x", &err), -1);
	assert_int_equal(err.code, ENOTDIR);
}

static void test_ids(void **state)
{
	(void)state;
	assert_true(tk_id_valid("abc"));
	assert_true(
	    tk_id_valid("9f481e4045f98697c3a789cec7f9480cc342f9e49befe681f882edd98243a666"));
	assert_true(tk_id_valid("my_ctr-1.v2"));
	assert_false(tk_id_valid(""));
	assert_false(tk_id_valid("."));
	assert_false(tk_id_valid(".."));
	assert_false(tk_id_valid("../../etc"));
	assert_false(tk_id_valid("a/b"));
	assert_false(tk_id_valid("-rf"));
	assert_false(tk_id_valid("a b"));
	assert_false(tk_id_valid("a\nb"));
	{
		char big[130];

		memset(big, 'a', 129);
		big[129] = '\0';
		assert_false(tk_id_valid(big));
		big[128] = '\0';
		assert_true(tk_id_valid(big));
	}
}

static void test_path_join(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(tk_path_join(out, sizeof(out), "/var/lib/lxcfs/", "/proc/meminfo"), 0);
	assert_string_equal(out, "/var/lib/lxcfs/proc/meminfo");
	assert_int_equal(tk_path_join(out, sizeof(out), "/", "proc/meminfo"), 0);
	assert_string_equal(out, "/proc/meminfo");
	assert_int_equal(tk_path_join(out, 8, "/var/lib/lxcfs", "proc"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_openat2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_walk_fallback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_openat2_dotdot_stays_inside, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mkdir_in_root, setup, teardown),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_path_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
