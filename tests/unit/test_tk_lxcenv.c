/* The LXC hook's environment and arguments (toolkit/lib/lxcenv.c): both hook versions, and
 * what LXC never sends but a caller might. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "toolkit/lib/lxcenv.h"

/* the fake environment: NAME=VALUE strings, NULL-terminated */
static const char *const *fake_env;

static char *fake_getenv(const char *name)
{
	size_t n = strlen(name);

	for (const char *const *e = fake_env; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return (char *)*e + n + 1;
	return NULL;
}

static int parse(const char *const *env, int argc, char *const *argv, struct tk_lxc_hook *h,
		 struct lx_error *err)
{
	fake_env = env;
	lx_error_clear(err);
	return tk_lxc_hook_parse(fake_getenv, argc, argv, h, err);
}

static void test_version0_arguments(void **state)
{
	const char *env[] = {"LXC_NAME=web1", "LXC_PID=4242", "LXC_HOOK_VERSION=0",
			     "LXC_ROOTFS_PATH=/var/lib/lxc/web1/rootfs", NULL};
	char *argv[] = {"web1", "lxc", "start-host"};
	struct tk_lxc_hook h;
	struct lx_error err;

	(void)state;
	assert_int_equal(parse(env, 3, argv, &h, &err), 0);
	assert_string_equal(h.name, "web1");
	assert_string_equal(h.type, "start-host");
	assert_int_equal(h.pid, 4242);
	assert_string_equal(h.rootfs_path, "/var/lib/lxc/web1/rootfs");
	/* the stop hook's namespace arguments come after the type */
	char *stop[] = {"web1", "lxc", "post-stop", "mnt:/proc/1/fd/12"};
	assert_int_equal(parse(env, 4, stop, &h, &err), 0);
	assert_string_equal(h.type, "post-stop");
}

static void test_version1_environment(void **state)
{
	const char *env[] = {"LXC_NAME=db.2", "LXC_HOOK_TYPE=post-stop", "LXC_HOOK_SECTION=lxc",
			     "LXC_HOOK_VERSION=1", NULL};
	struct tk_lxc_hook h;
	struct lx_error err;

	(void)state;
	assert_int_equal(parse(env, 0, NULL, &h, &err), 0);
	assert_string_equal(h.name, "db.2");
	assert_string_equal(h.type, "post-stop");
	assert_int_equal(h.pid, 0);
	assert_string_equal(h.rootfs_path, "");
}

static void test_refused(void **state)
{
	struct tk_lxc_hook h;
	struct lx_error err;
	char *args[] = {"web1", "lxc", "start-host"};
	char *net[] = {"web1", "net", "up"};
	char *other[] = {"web2", "lxc", "start-host"};
	const char *ok[] = {"LXC_NAME=web1", "LXC_PID=10", NULL};
	const char *noname[] = {"LXC_PID=10", "LXC_HOOK_TYPE=start-host", NULL};
	const char *notype[] = {"LXC_NAME=web1", NULL};
	const char *badname[] = {"LXC_NAME=../etc", "LXC_HOOK_TYPE=start-host", NULL};
	const char *slash[] = {"LXC_NAME=a/b", "LXC_HOOK_TYPE=start-host", NULL};
	const char *badpid[][3] = {{"LXC_NAME=web1", "LXC_PID=0", NULL},
				   {"LXC_NAME=web1", "LXC_PID=-5", NULL},
				   {"LXC_NAME=web1", "LXC_PID=12x", NULL},
				   {"LXC_NAME=web1", "LXC_PID=99999999999", NULL}};
	const char *types[] = {"LXC_NAME=web1", "LXC_HOOK_TYPE=mount", NULL};

	(void)state;
	/* not a hook at all */
	assert_int_equal(parse(noname, 0, NULL, &h, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(parse(notype, 0, NULL, &h, &err), -1);
	assert_int_equal(err.code, EINVAL);
	/* names that are no registry key */
	assert_int_equal(parse(badname, 0, NULL, &h, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(parse(slash, 0, NULL, &h, &err), -1);
	assert_int_equal(err.code, EINVAL);
	for (size_t i = 0; i < sizeof(badpid) / sizeof(badpid[0]); i++) {
		assert_int_equal(parse(badpid[i], 3, args, &h, &err), -1);
		assert_int_equal(err.code, EINVAL);
	}
	/* a network hook's section, and arguments that name another container or type */
	assert_int_equal(parse(ok, 3, net, &h, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(parse(ok, 3, other, &h, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(parse(types, 3, args, &h, &err), -1);
	assert_int_equal(err.code, EINVAL);
	/* the environment and arguments agreeing is fine */
	assert_int_equal(parse(ok, 3, args, &h, &err), 0);
	assert_int_equal(h.pid, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version0_arguments),
	    cmocka_unit_test(test_version1_environment),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
