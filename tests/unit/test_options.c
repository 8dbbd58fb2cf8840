/* Command line and INI config parsing of the daemon. */
#include <errno.h>
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* write_conf with a length: text may hold NUL bytes */
static void write_conf_n(const char *text, size_t len)
{
	FILE *f;

	snprintf(conf_path, sizeof(conf_path), "/tmp/lxcfs-test-conf-%d.ini", getpid());
	f = fopen(conf_path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* a config file of head, n times c, then tail */
static void write_conf_fill(const char *head, char c, size_t n, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *text = malloc(hl + n + tl);

	assert_non_null(text);
	memcpy(text, head, hl);
	memset(text + hl, c, n);
	memcpy(text + hl + n, tail, tl);
	write_conf_n(text, hl + n + tl);
	free(text);
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
	assert_true(o.zswap);
	assert_false(o.psi_poll);
	assert_false(o.loadavg);
	assert_false(o.cfs);
	assert_false(o.foreground);
	lx_options_free(&o);
	unlink(conf_path);
}

/* upstream lxcfs 7.0's flags, with its meaning: -z/--disable-zswap, --enable-psi-poll; -s
 * and --enable-pidfd are accepted and change nothing */
static void test_upstream_flags(void **state)
{
	struct lx_options o, plain;
	struct lx_error err = {0, ""};
	int code;

	(void)state;
	write_conf("");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, "-z", "--enable-psi-poll", NULL),
			 0);
	assert_false(o.zswap);
	assert_true(o.swap);
	assert_true(o.psi_poll);
	lx_options_free(&o);
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, "--disable-zswap", NULL), 0);
	assert_false(o.zswap);
	lx_options_free(&o);
	/* -s, --enable-pidfd and --enable-cgroup: the same options as without them */
	assert_int_equal(parse(&plain, &code, &err, "-c", conf_path, "-l", "/mnt/y", NULL), 0);
	assert_false(plain.cgroupfs_ignored);
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, "-s", "--enable-pidfd",
			       "--enable-cgroup", "-l", "/mnt/y", NULL),
			 0);
	assert_true(o.cgroupfs_ignored);
	assert_int_equal(code, 0);
	assert_string_equal(o.mountpoint, plain.mountpoint);
	assert_true(o.loadavg == plain.loadavg && o.swap == plain.swap && o.zswap == plain.zswap &&
		    o.cfs == plain.cfs && o.psi_poll == plain.psi_poll &&
		    o.foreground == plain.foreground && o.debug == plain.debug);
	lx_options_free(&o);
	lx_options_free(&plain);
	/* the config keys, and the command line over them */
	write_conf("[lxcfs]\nzswap = false\npsi_poll = true\n");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, NULL), 0);
	assert_false(o.zswap);
	assert_true(o.psi_poll);
	lx_options_free(&o);
	write_conf("[lxcfs]\nzswap = true\n");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, "-z", NULL), 0);
	assert_false(o.zswap);
	lx_options_free(&o);
	write_conf("[lxcfs]\npsi_poll = maybe\n");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, NULL), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(code, LX_EXIT_USAGE);
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

/* expect_conf_error(PATH, PART): the daemon refuses config file PATH with exit code 2 and a
 * message holding PART, before any key is applied */
static void expect_conf_error(const char *path, const char *part)
{
	struct lx_options o;
	struct lx_error err = {0, ""};
	int code;

	alarm(10); /* a hang (a FIFO, /dev/zero) fails the test instead of stalling the suite */
	assert_int_equal(parse(&o, &code, &err, "-c", path, NULL), -1);
	alarm(0);
	assert_int_equal(code, 2);
	if (!strstr(err.msg, part))
		fail_msg("`%s` lacks `%s`", err.msg, part);
	assert_null(o.cgroup_root);
	assert_false(o.loadavg);
	lx_options_free(&o);
}

/* libinih cut lines longer than its 200-byte buffer and parsed the rest as a line: the tail of
 * a long comment became a key and was applied. Such lines, and NUL bytes (libinih dropped the
 * text after one), are refused with the line they are on. */
static void test_config_long_lines_and_nul(void **state)
{
	char want[256];

	(void)state;
	/* 199 bytes of comment, then what looked like a key */
	write_conf_fill("[lxcfs]\n# ", 'x', 197, "cgroup_root = /nonexistent\nloadavg = true\n");
	snprintf(want, sizeof(want), "%s:2: line longer than 198 bytes", conf_path);
	expect_conf_error(conf_path, want);
	/* a 1 MB line: its own line number, not a "syntax error" elsewhere */
	write_conf_fill("[lxcfs]\nloadavg = true\n", 'y', 1000000, "\n");
	snprintf(want, sizeof(want), "%s:3: line longer than 198 bytes", conf_path);
	expect_conf_error(conf_path, want);
	/* the longest line taken is 198 bytes */
	write_conf_fill("[lxcfs]\n#", 'z', 197, "\nloadavg = true\n");
	{
		struct lx_options o;
		struct lx_error err = {0, ""};
		int code;

		assert_int_equal(parse(&o, &code, &err, "-c", conf_path, NULL), 0);
		assert_true(o.loadavg);
		lx_options_free(&o);
	}

	/* text after a NUL byte */
	{
		static const char nul[] = "[lxcfs]\nloadavg = true\0 swap = false\n";

		write_conf_n(nul, sizeof(nul) - 1);
	}
	snprintf(want, sizeof(want), "%s:2: a NUL byte", conf_path);
	expect_conf_error(conf_path, want);

	/* over 1 MiB (of empty lines) */
	write_conf_fill("", '\n', 1024 * 1024 + 1, "");
	expect_conf_error(conf_path, "is larger than 1048576 bytes");
	unlink(conf_path);
}

/* -c takes a regular file (or /dev/null): a directory was silently ignored, a FIFO or
 * /dev/zero hung the daemon */
static void test_config_not_regular(void **state)
{
	char fifo[64];
	struct lx_options o;
	struct lx_error err = {0, ""};
	int code;

	(void)state;
	expect_conf_error("/tmp", "`/tmp` is a directory, not a regular file");
	expect_conf_error("/dev/zero", "`/dev/zero` is a character device, not a regular file");
	snprintf(fifo, sizeof(fifo), "/tmp/lxcfs-test-conf-%d.fifo", getpid());
	assert_int_equal(mkfifo(fifo, 0600), 0);
	expect_conf_error(fifo, "is a FIFO, not a regular file");
	unlink(fifo);
	/* /dev/null: no settings */
	assert_int_equal(parse(&o, &code, &err, "-c", "/dev/null", NULL), 0);
	assert_string_equal(o.cgroup_root, "/sys/fs/cgroup");
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

/* --seccomp-listener / seccomp_listener: an absolute path; "" means none, even over the file */
static void test_seccomp_listener(void **state)
{
	struct lx_options o;
	struct lx_error err = {0, ""};
	int code;

	(void)state;
	assert_int_equal(parse(&o, &code, &err, NULL), 0);
	assert_null(o.seccomp_listener);
	lx_options_free(&o);

	assert_int_equal(parse(&o, &code, &err, "--seccomp-listener", "/run/x/sc.sock", NULL), 0);
	assert_string_equal(o.seccomp_listener, "/run/x/sc.sock");
	lx_options_free(&o);

	err.code = 0;
	assert_int_equal(parse(&o, &code, &err, "--seccomp-listener", "sc.sock", NULL), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(code, 2);
	lx_options_free(&o);

	write_conf("[lxcfs]\nseccomp_listener = /run/y.sock\n");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, NULL), 0);
	assert_string_equal(o.seccomp_listener, "/run/y.sock");
	lx_options_free(&o);
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, "--seccomp-listener", "", NULL),
			 0);
	assert_null(o.seccomp_listener); /* the command line's "" wins: none */
	lx_options_free(&o);
	write_conf("[lxcfs]\nseccomp_listener =\n");
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, NULL), 0);
	assert_null(o.seccomp_listener);
	lx_options_free(&o);
	write_conf("[lxcfs]\nseccomp_listener = relative.sock\n");
	err.code = 0;
	assert_int_equal(parse(&o, &code, &err, "-c", conf_path, NULL), -1);
	assert_int_not_equal(err.code, 0);
	assert_int_equal(code, 2);
	lx_options_free(&o);
	unlink(conf_path);
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
	    cmocka_unit_test(test_upstream_flags),
	    cmocka_unit_test(test_debug_implies_foreground),
	    cmocka_unit_test(test_config_values_and_cli_override),
	    cmocka_unit_test(test_config_unknown_key),
	    cmocka_unit_test(test_config_bad_value),
	    cmocka_unit_test(test_config_missing_explicit),
	    cmocka_unit_test(test_config_long_lines_and_nul),
	    cmocka_unit_test(test_config_not_regular),
	    cmocka_unit_test(test_bad_flags),
	    cmocka_unit_test(test_seccomp_listener),
	    cmocka_unit_test(test_parse_bool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
