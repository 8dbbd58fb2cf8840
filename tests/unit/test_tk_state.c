/* toolkit OCI state parsing: the fields a hook needs, and every way stdin can be wrong. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/clock.h"
#include "toolkit/lib/ocistate.h"

static int parse(const char *text, struct tk_state *st, struct lx_error *err)
{
	return tk_state_parse(text, strlen(text), st, err);
}

static void test_runc_state(void **state)
{
	const char *json = "{\"ociVersion\":\"1.0.2\",\"id\":\"web-1\",\"status\":\"created\","
			   "\"pid\":4242,\"bundle\":\"/run/b/web-1\",\"annotations\":"
			   "{\"io.kubernetes.cri.container-name\":\"nginx\"}}";
	struct tk_state st;
	struct lx_error err;

	(void)state;
	assert_int_equal(parse(json, &st, &err), 0);
	assert_string_equal(st.id, "web-1");
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.bundle, "/run/b/web-1");
	assert_string_equal(st.status, "created");
	assert_string_equal(st.name, "nginx");
	assert_string_equal(st.root, "");
}

static void test_isulad_root_field(void **state)
{
	struct tk_state st;
	struct lx_error err;
	char rootfs[4096], expect[4096];

	(void)state;
	assert_int_equal(
	    parse("{\"id\":\"c\",\"pid\":7,\"root\":\"/var/lib/isulad/c/rootfs\"}", &st, &err), 0);
	assert_int_equal(tk_state_rootfs(&st, rootfs, sizeof(rootfs), expect, sizeof(expect), &err),
			 0);
	assert_string_equal(rootfs, "/var/lib/isulad/c/rootfs");
	assert_string_equal(expect, "");
	/* a bundle without config.json implies nothing */
	assert_int_equal(
	    parse("{\"id\":\"c\",\"pid\":7,\"root\":\"/r\",\"bundle\":\"/nonexistent/b\"}", &st,
		  &err),
	    0);
	assert_int_equal(tk_state_rootfs(&st, rootfs, sizeof(rootfs), expect, sizeof(expect), &err),
			 0);
	assert_string_equal(expect, "");
	/* a relative root is refused: we would not know what it is relative to */
	assert_int_equal(parse("{\"id\":\"c\",\"pid\":7,\"root\":\"rootfs\"}", &st, &err), 0);
	assert_int_equal(tk_state_rootfs(&st, rootfs, sizeof(rootfs), expect, sizeof(expect), &err),
			 -1);
	assert_non_null(strstr(err.msg, "not absolute"));
}

static void test_poststop_without_pid(void **state)
{
	struct tk_state st;
	struct lx_error err;

	(void)state;
	assert_int_equal(
	    parse("{\"id\":\"c\",\"status\":\"stopped\",\"bundle\":\"/b\"}", &st, &err), 0);
	assert_int_equal(st.pid, 0);
	assert_string_equal(st.status, "stopped");
	/* pid 0 as written by some runtimes at poststop */
	assert_int_equal(parse("{\"id\":\"c\",\"pid\":null}", &st, &err), 0);
	assert_int_equal(st.pid, 0);
}

static void expect_error(const char *text, size_t len, const char *msg_part)
{
	struct tk_state st;
	struct lx_error err;

	lx_error_clear(&err);
	assert_int_equal(tk_state_parse(text, len, &st, &err), -1);
	if (!strstr(err.msg, msg_part))
		fail_msg("message `%s` lacks `%s`", err.msg, msg_part);
}

static void test_bad_states(void **state)
{
	const char *trunc = "{\"id\":\"c\",\"pid\":1";

	(void)state;
	expect_error("", 0, "empty state");
	expect_error("not json", 8, "invalid JSON");
	expect_error(trunc, strlen(trunc), "truncated JSON");
	expect_error("{\"id\":\"c\"} trailing", 19, "trailing data");
	expect_error("[1,2]", 5, "not a JSON object");
	expect_error("{\"pid\":1}", 9, "no `id`");
	expect_error("{\"id\":7,\"pid\":1}", 16, "`id` is not a string");
	expect_error("{\"id\":\"../../etc\",\"pid\":1}", 26, "invalid container id");
	expect_error("{\"id\":\"a/b\",\"pid\":1}", 20, "invalid container id");
	expect_error("{\"id\":\".hidden\",\"pid\":1}", 24, "invalid container id");
	expect_error("{\"id\":\"c\",\"pid\":\"1\"}", 20, "not an integer");
	expect_error("{\"id\":\"c\",\"pid\":1.5}", 20, "not an integer");
	expect_error("{\"id\":\"c\",\"pid\":-3}", 19, "out of range");
	expect_error("{\"id\":\"c\",\"pid\":0}", 18, "out of range");
	expect_error("{\"id\":\"c\",\"pid\":99999999999}", 28, "out of range");
	expect_error("{\"id\":\"c\",\"bundle\":5}", 21, "`bundle` is not a string");
}

static void test_read_limited(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct lx_error err;
	char *big;
	size_t max = 1024 * 1024;
	int p[2];

	(void)state;
	/* exactly max bytes pass, max + 1 do not: through a pipe, as stdin */
	big = malloc(max + 1);
	assert_non_null(big);
	memset(big, 'a', max + 1);
	assert_int_equal(pipe(p), 0);
	if (fork() == 0) {
		close(p[0]);
		if (write(p[1], big, max + 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(tk_read_limited(p[0], max, 10000, &sb, &err), -1);
	assert_int_equal(err.code, EFBIG);
	close(p[0]);
	wait(NULL);
	sb_free(&sb);

	assert_int_equal(pipe(p), 0);
	if (fork() == 0) {
		close(p[0]);
		if (write(p[1], big, max) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(tk_read_limited(p[0], max, 10000, &sb, &err), 0);
	assert_int_equal(sb.len, max);
	close(p[0]);
	wait(NULL);
	sb_free(&sb);
	free(big);
}

/* A stdin that is never closed (the whole state written, or nothing) ends at the timeout:
 * the hook waited for its end forever, holding the container's start. */
static void test_read_limited_timeout(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct lx_error err;
	int64_t t0;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "{\"id\":\"x\"}", 10), 10);
	alarm(20); /* a hang fails the test instead of stalling the suite */
	t0 = lx_now_ms();
	assert_int_equal(tk_read_limited(p[0], TK_STATE_MAX, 1000, &sb, &err), -1);
	alarm(0);
	assert_int_equal(err.code, ETIMEDOUT);
	assert_non_null(strstr(err.msg, "stdin did not end within 1s"));
	assert_true(lx_now_ms() - t0 >= 900);
	assert_true(lx_now_ms() - t0 < 5000);
	close(p[0]);
	close(p[1]);
	sb_free(&sb);
}

static void test_config_rootfs(void **state)
{
	char out[4096];
	struct lx_error err;

	(void)state;
	assert_int_equal(
	    tk_config_rootfs("{\"root\":{\"path\":\"rootfs\"}}", "/b/c", out, sizeof(out), &err),
	    0);
	assert_string_equal(out, "/b/c/rootfs");
	assert_int_equal(tk_config_rootfs("{\"root\":{\"path\":\"/abs/rfs\",\"readonly\":true}}",
					  "/b/c", out, sizeof(out), &err),
			 0);
	assert_string_equal(out, "/abs/rfs");
	assert_int_equal(tk_config_rootfs("{\"root\":{}}", "/b", out, sizeof(out), &err), -1);
	assert_non_null(strstr(err.msg, "no root.path"));
	assert_int_equal(tk_config_rootfs("{\"root\":", "/b", out, sizeof(out), &err), -1);
	assert_non_null(strstr(err.msg, "config.json"));
}

static void test_bundle_config_file(void **state)
{
	char dir[] = "/tmp/tk-state-XXXXXX", path[4200], out[4096], expect[4096];
	struct tk_state st;
	struct lx_error err;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rfs\"},\"process\":{}}", f);
	fclose(f);
	memset(&st, 0, sizeof(st));
	strcpy(st.id, "x");
	snprintf(st.bundle, sizeof(st.bundle), "%s", dir);
	assert_int_equal(tk_state_rootfs(&st, out, sizeof(out), expect, sizeof(expect), &err), 0);
	snprintf(path, sizeof(path), "%s/rfs", dir);
	assert_string_equal(out, path);
	assert_string_equal(expect, "");
	/* a root next to the bundle: the bundle's rootfs is what the root must be */
	strcpy(st.root, "/somewhere/else");
	assert_int_equal(tk_state_rootfs(&st, out, sizeof(out), expect, sizeof(expect), &err), 0);
	assert_string_equal(out, "/somewhere/else");
	assert_string_equal(expect, path);
	st.root[0] = '\0';
	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	assert_int_equal(tk_state_rootfs(&st, out, sizeof(out), expect, sizeof(expect), &err), -1);
	assert_int_equal(err.code, ENOENT);
	rmdir(dir);
}

/* A hostile config.json: a FIFO hung the hook, a symlink is not followed, a sparse 1 GiB file
 * was read whole before its size was checked */
static void test_bundle_config_hostile(void **state)
{
	char dir[] = "/tmp/tk-state-XXXXXX", path[4200], out[4096], expect[4096];
	struct tk_state st;
	struct lx_error err;
	struct rusage ru0, ru1;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&st, 0, sizeof(st));
	strcpy(st.id, "x");
	snprintf(st.bundle, sizeof(st.bundle), "%s", dir);
	snprintf(path, sizeof(path), "%s/config.json", dir);

	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(20); /* a hang fails the test instead of stalling the suite */
	assert_int_equal(tk_state_rootfs(&st, out, sizeof(out), expect, sizeof(expect), &err), -1);
	alarm(0);
	assert_non_null(strstr(err.msg, "config.json` is a FIFO, not a regular file"));
	/* also when it only checks a state's root */
	strcpy(st.root, "/r");
	alarm(20);
	assert_int_equal(tk_state_rootfs(&st, out, sizeof(out), expect, sizeof(expect), &err), -1);
	alarm(0);
	assert_non_null(strstr(err.msg, "is a FIFO"));
	st.root[0] = '\0';
	unlink(path);

	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(tk_state_rootfs(&st, out, sizeof(out), expect, sizeof(expect), &err), -1);
	assert_int_equal(err.code, ELOOP);
	unlink(path);

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1LL << 30), 0);
	close(fd);
	assert_int_equal(getrusage(RUSAGE_SELF, &ru0), 0);
	assert_int_equal(tk_state_rootfs(&st, out, sizeof(out), expect, sizeof(expect), &err), -1);
	assert_int_equal(getrusage(RUSAGE_SELF, &ru1), 0);
	assert_int_equal(err.code, EFBIG);
	assert_non_null(strstr(err.msg, "is larger than 16777216 bytes"));
	/* not read: the peak RSS did not grow by anything like the file (kB) */
	assert_true(ru1.ru_maxrss - ru0.ru_maxrss < 64 * 1024);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_runc_state),
	    cmocka_unit_test(test_isulad_root_field),
	    cmocka_unit_test(test_poststop_without_pid),
	    cmocka_unit_test(test_bad_states),
	    cmocka_unit_test(test_read_limited),
	    cmocka_unit_test(test_config_rootfs),
	    cmocka_unit_test(test_bundle_config_file),
	    cmocka_unit_test(test_read_limited_timeout),
	    cmocka_unit_test(test_bundle_config_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
