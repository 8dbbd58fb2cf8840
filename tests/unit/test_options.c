/* Command line and INI config parsing of the daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"
#include "common/parse.h"

static char conf_path[64];

static void write_conf(const char *text)
{
	FILE *f;

	snprintf(conf_path, sizeof(conf_path), "/tmp/lxcfs-test-conf-%d.ini", getpid());
	f = fopen(conf_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int parse(struct lx_options *o, int *code, struct lx_error *err, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "lxcfs";
	va_start(ap, err);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return lx_options_parse(argc, argv, o, code, err);
}

static void test_defaults(void **state)
{
	struct lx_options o;
	struct lx_error err = {0, ""};
	int code;

	(void)state;
	/* an explicit config that is empty: the built-in defaults apply */
	write_conf("");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, NULL), 0);
	assert_string_equal(o.mountpoint, "/var/lib/lxcfs");
	assert_string_equal(o.cgroup_root, "/sys/fs/cgroup");
	assert_null(o.pidfile);
	assert_true(o.swap);
	assert_false(o.loadavg);
	assert_false(o.cfs);
	assert_false(o.foreground);
	lx_options_free(&o);
	unlink(conf_path);
}

static void test_flags(void **state)
{
	struct lx_options o;
	struct lx_error err = {0, ""};
	int code;

	(void)state;
	write_conf("");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, "-f", "-l", "-u", "--enable-cfs",
			       "-p", "/run/x.pid", "-o", "ro", "-o", "noatime", "--cgroup-root",
			       "/tmp/cg", "--log", "/tmp/l.log", "/mnt/x", NULL),
			 0);
	assert_true(o.foreground);
	assert_true(o.loadavg);
	assert_false(o.swap);
	assert_true(o.cfs);
	assert_string_equal(o.pidfile, "/run/x.pid");
	assert_string_equal(o.fuse_opts, "ro,noatime");
	assert_string_equal(o.cgroup_root, "/tmp/cg");
	assert_string_equal(o.log, "/tmp/l.log");
	assert_string_equal(o.mountpoint, "/mnt/x");
	lx_options_free(&o);
	unlink(conf_path);
}

static void test_debug_implies_foreground(void **state)
{
	struct lx_options o;
	struct lx_error err = {0, ""};
	int code;

	(void)state;
	write_conf("");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, "-d", NULL), 0);
	assert_true(o.debug);
	assert_true(o.foreground);
	lx_options_free(&o);
	unlink(conf_path);
}

static void test_config_values_and_cli_override(void **state)
{
	struct lx_options o;
	struct lx_error err = {0, ""};
	int code;

	(void)state;
	write_conf("# comment\n[toolkit]\nengine = podman\n\n[lxcfs]\nmountpoint = /srv/lx\n"
		   "pidfile = /run/a.pid\nloadavg = yes\ncfs = on\nswap = false\n"
		   "cgroup_root = /tmp/cgfix\n");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, "-p", "/run/b.pid", NULL), 0);
	assert_string_equal(o.mountpoint, "/srv/lx");
	assert_string_equal(o.pidfile, "/run/b.pid"); /* the command line wins */
	assert_true(o.loadavg);
	assert_true(o.cfs);
	assert_false(o.swap);
	assert_string_equal(o.cgroup_root, "/tmp/cgfix");
	assert_string_equal(o.config, conf_path);
	lx_options_free(&o);

	/* positional mount point wins over the file too */
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, "/mnt/cli", NULL), 0);
	assert_string_equal(o.mountpoint, "/mnt/cli");
	lx_options_free(&o);
	unlink(conf_path);
}

static void test_config_unknown_key(void **state)
{
	struct lx_options o;
	struct lx_error err = {0, ""};
	char want[128];
	int code;

	(void)state;
	write_conf("[lxcfs]\nloadavg = true\n\nbogus = 1\n");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, NULL), -1);
	assert_int_equal(code, 2);
	snprintf(want, sizeof(want), "%s:4: unknown key `bogus`", conf_path);
	assert_non_null(strstr(err.msg, want));
	lx_options_free(&o);
	unlink(conf_path);
}

static void test_config_bad_value(void **state)
{
	struct lx_options o;
	struct lx_error err = {0, ""};
	char want[128];
	int code;

	(void)state;
	write_conf("[lxcfs]\nswap = maybe\n");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, NULL), -1);
	assert_int_equal(code, 2);
	snprintf(want, sizeof(want), "%s:2: invalid boolean `maybe`", conf_path);
	assert_non_null(strstr(err.msg, want));
	lx_options_free(&o);

	write_conf("[lxcfs]\nloadavg = 1\nmountpoint = relative/dir\n");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, NULL), -1);
	assert_int_equal(code, 2);
	snprintf(want, sizeof(want), "%s:3: key `mountpoint` needs an absolute path", conf_path);
	assert_non_null(strstr(err.msg, want));
	lx_options_free(&o);
	unlink(conf_path);
}

static void test_config_missing_explicit(void **state)
{
	struct lx_options o;
	struct lx_error err = {0, ""};
	int code;

	(void)state;
	assert_int_equal(parse(&o, &code, &err, "-c", "/nonexistent/lxcfs.conf", NULL), -1);
	assert_int_equal(code, 2);
	assert_non_null(strstr(err.msg, "/nonexistent/lxcfs.conf"));
	lx_options_free(&o);
}

static void test_bad_flags(void **state)
{
	struct lx_options o;
	struct lx_error err = {0, ""};
	int code;

	(void)state;
	assert_int_equal(parse(&o, &code, &err, "--no-such-flag", NULL), -1);
	assert_int_equal(code, 2);
	assert_non_null(strstr(err.msg, "--no-such-flag"));
	lx_options_free(&o);

	assert_int_equal(parse(&o, &code, &err, "-p", NULL), -1);
	assert_int_equal(code, 2);
	assert_non_null(strstr(err.msg, "needs an argument"));
	lx_options_free(&o);

	assert_int_equal(parse(&o, &code, &err, "/a", "/b", NULL), -1);
	assert_int_equal(code, 2);
	assert_non_null(strstr(err.msg, "/b"));
	lx_options_free(&o);
}

static void test_parse_bool(void **state)
{
	bool b;

	(void)state;
	assert_int_equal(lx_parse_bool("TRUE", &b), 0);
	assert_true(b);
	assert_int_equal(lx_parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(lx_parse_bool("2", &b), -1);
	assert_int_equal(lx_parse_bool("", &b), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_debug_implies_foreground),
	    cmocka_unit_test(test_config_values_and_cli_override),
	    cmocka_unit_test(test_config_unknown_key),
	    cmocka_unit_test(test_config_bad_value),
	    cmocka_unit_test(test_config_missing_explicit),
	    cmocka_unit_test(test_bad_flags),
	    cmocka_unit_test(test_parse_bool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
