/* toolkit config: defaults, section [toolkit] of the shared INI file, bad keys and values with
 * FILE:LINE, mount point normalisation; /proc/PID/stat start time parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "toolkit/lib/config.h"

static char path[64];

static void write_conf(const char *text)
{
	FILE *f;

	strcpy(path, "/tmp/tk-conf-XXXXXX");
	assert_true(mkstemp(path) >= 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_defaults(void **state)
{
	struct tk_config c;

	(void)state;
	tk_config_defaults(&c);
	assert_string_equal(c.mountpoint, "/var/lib/lxcfs");
	assert_string_equal(c.registry, "/run/lxcfs/containers");
	assert_string_equal(c.engine, "auto");
	assert_true(c.mount_lxcfs_dir);
	assert_false(c.strict);
	assert_int_equal(c.check_timeout, 2);
}

static void test_sections(void **state)
{
	struct tk_config c;
	struct lx_error err;

	(void)state;
	/* the daemon's section holds keys we do not know: ignored */
	write_conf("; shared file\n[lxcfs]\nmountpoint = /elsewhere\nloadavg = true\n\n"
		   "[toolkit]\nmountpoint = /srv/lxcfs\nstrict = yes\njobs = 8\n"
		   "engine = podman\nengine_socket = /run/p.sock\nmount_lxcfs_dir = off\n"
		   "[other]\nx = y\n");
	tk_config_defaults(&c);
	assert_int_equal(tk_config_load(&c, path, true, &err), 0);
	unlink(path);
	assert_string_equal(c.mountpoint, "/srv/lxcfs");
	assert_true(c.strict);
	assert_int_equal(c.jobs, 8);
	assert_string_equal(c.engine, "podman");
	assert_string_equal(c.engine_socket, "/run/p.sock");
	assert_false(c.mount_lxcfs_dir);
}

static void expect_bad(const char *text, const char *msg_part)
{
	struct tk_config c;
	struct lx_error err;
	char want[256];

	write_conf(text);
	tk_config_defaults(&c);
	assert_int_equal(tk_config_load(&c, path, true, &err), -1);
	snprintf(want, sizeof(want), "%s:%s", path, msg_part);
	unlink(path);
	if (!strstr(err.msg, want))
		fail_msg("`%s` lacks `%s`", err.msg, want);
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_bad("[toolkit]\nbogus = 1\n", "2: unknown key `bogus`");
	expect_bad("[toolkit]\n\njobs = 0\n", "3: jobs: `0` is not a number in 1..64");
	expect_bad("[toolkit]\ntimeout = 10s\n", "2: timeout");
	expect_bad("[toolkit]\nstrict = maybe\n", "2: strict: `maybe` is not a boolean");
	expect_bad("[toolkit]\nengine = lxd\n", "2: engine: `lxd` is not one of");
	expect_bad("[toolkit]\nmountpoint = relative/dir\n", "2: mountpoint: `relative/dir` is not "
							     "an absolute path");
	expect_bad("[toolkit]\nthis line has no equals\n", "2: syntax error");
}

/* The toolkit reads the shared file with the daemon's rules (common/conffile.c): the tail of a
 * long comment was applied as a key, text after a NUL dropped, a directory ignored, /dev/zero
 * read forever. */
static void test_file_rules(void **state)
{
	char text[512];
	struct tk_config c;
	struct lx_error err;
	FILE *f;
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "[toolkit]\n# %0197dstrict = true\n", 0);
	write_conf(text);
	tk_config_defaults(&c);
	assert_int_equal(tk_config_load(&c, path, true, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, ":2: line longer than 198 bytes"));
	assert_false(c.strict);
	unlink(path);
	assert_true(n > 200);

	strcpy(path, "/tmp/tk-conf-XXXXXX");
	assert_true(mkstemp(path) >= 0);
	f = fopen(path, "w");
	assert_non_null(f);
	{
		static const char nul[] = "[toolkit]\njobs = 8\0 strict = true\n";

		assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
	}
	fclose(f);
	assert_int_equal(tk_config_load(&c, path, true, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, ":2: a NUL byte"));
	unlink(path);

	alarm(10); /* /dev/zero hung the toolkit */
	assert_int_equal(tk_config_load(&c, "/dev/zero", true, &err), -1);
	alarm(0);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "`/dev/zero` is a character device, not a regular file"));
	assert_int_equal(tk_config_load(&c, "/tmp", true, &err), -1);
	assert_non_null(strstr(err.msg, "`/tmp` is a directory"));
	/* /dev/null: nothing set, no error */
	assert_int_equal(tk_config_load(&c, "/dev/null", true, &err), 0);
	assert_false(c.strict);
	assert_int_equal(c.jobs, 4);
}

static void test_missing_file(void **state)
{
	struct tk_config c;
	struct lx_error err;

	(void)state;
	tk_config_defaults(&c);
	/* the default file may be absent; a file given on purpose may not */
	assert_int_equal(tk_config_load(&c, "/nonexistent/lxcfs.conf", false, &err), 0);
	assert_int_equal(tk_config_load(&c, "/nonexistent/lxcfs.conf", true, &err), -1);
	assert_int_equal(err.code, ENOENT);
}

static void test_canon(void **state)
{
	struct tk_config c;
	struct lx_error err;

	(void)state;
	tk_config_defaults(&c);
	assert_int_equal(tk_config_set(&c, "mountpoint", "/tmp//./lxcfs-x///", &err), 0);
	assert_int_equal(tk_config_canon(&c, &err), 0);
	assert_string_equal(c.mountpoint, "/tmp/lxcfs-x");
	assert_int_equal(tk_config_set(&c, "mountpoint", "/", &err), 0);
	assert_int_equal(tk_config_canon(&c, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),	 cmocka_unit_test(test_sections),
	    cmocka_unit_test(test_bad_values),	 cmocka_unit_test(test_file_rules),
	    cmocka_unit_test(test_missing_file), cmocka_unit_test(test_canon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
