/* toolkit engines: Docker/podman Engine API JSON, isula inspect, runc list, id resolution, and
 * the bounded command runner. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "toolkit/lib/curl_dl.h"
#include "toolkit/lib/discover.h"
#include "toolkit/lib/engine.h"

/* as docker 24 prints GET /containers/json (trimmed) */
static const char *const docker_list =
    "[{\"Id\":\"8dfafdbc3a40aaaa\",\"Names\":[\"/boring_feynman\"],\"Image\":\"busybox\","
    "\"State\":\"running\",\"Status\":\"Up 2 minutes\"},"
    "{\"Id\":\"9cd87474be90bbbb\",\"Names\":[\"/exited_one\"],\"State\":\"exited\"},"
    "{\"Id\":\"3176a2479c92cccc\",\"Names\":[],\"State\":\"running\"},"
    "{\"Id\":\"5e1f0a9c0d11dddd\",\"Names\":[\"/frozen\"],\"State\":\"paused\"}]";

static void test_parse_list(void **state)
{
	struct tk_ctr_list l = {0};

	(void)state;
	assert_int_equal(tk_engine_parse_list(docker_list, &l, NULL), 0);
	/* only those whose processes exist: running and paused (docker pause) */
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].id, "8dfafdbc3a40aaaa");
	assert_string_equal(l.v[0].name, "boring_feynman");
	assert_true(l.v[0].running);
	assert_string_equal(l.v[1].id, "3176a2479c92cccc");
	assert_string_equal(l.v[1].name, "");
	assert_string_equal(l.v[2].id, "5e1f0a9c0d11dddd");
	assert_string_equal(l.v[2].name, "frozen");
	tk_ctr_list_free(&l);
}

static void test_parse_list_bad(void **state)
{
	struct tk_ctr_list l = {0};
	struct lx_error err;

	(void)state;
	assert_int_equal(tk_engine_parse_list("{\"message\":\"page not found\"}", &l, &err), -1);
	assert_non_null(strstr(err.msg, "not a JSON array"));
	assert_int_equal(tk_engine_parse_list("[1]", &l, &err), -1);
	assert_int_equal(
	    tk_engine_parse_list("[{\"Id\":\"../../etc\",\"State\":\"running\"}]", &l, &err), -1);
	assert_non_null(strstr(err.msg, "invalid container id"));
	assert_int_equal(tk_engine_parse_list("\x01garbage", &l, &err), -1);
	assert_non_null(strstr(err.msg, "not valid JSON"));
	assert_int_equal(l.n, 0);
	tk_ctr_list_free(&l);
}

static void test_parse_inspect(void **state)
{
	struct tk_ctr c;
	struct lx_error err;

	(void)state;
	assert_int_equal(tk_engine_parse_inspect(
			     "{\"Id\":\"abc\",\"Name\":\"/web\",\"State\":{\"Status\":\"running\","
			     "\"Running\":true,\"Paused\":false,\"Pid\":31337}}",
			     &c, &err),
			 0);
	assert_string_equal(c.id, "abc");
	assert_string_equal(c.name, "web");
	assert_int_equal(c.pid, 31337);
	assert_true(c.running);
	/* stopped: pid 0 is fine */
	assert_int_equal(tk_engine_parse_inspect(
			     "{\"Id\":\"abc\",\"State\":{\"Running\":false,\"Pid\":0}}", &c, &err),
			 0);
	assert_false(c.running);
	/* restarting (a restart policy's wait: Docker keeps Running true, Pid 0): not running,
	 * not an error, so that one such container does not fail a whole listing */
	assert_int_equal(tk_engine_parse_inspect("{\"Id\":\"abc\",\"State\":{\"Status\":"
						 "\"restarting\",\"Running\":true,\"Paused\":"
						 "false,\"Restarting\":true,\"Pid\":0}}",
						 &c, &err),
			 0);
	assert_false(c.running);
	assert_int_equal(c.pid, 0);
	/* running without a pid, a string pid, a negative pid, no State */
	assert_int_equal(tk_engine_parse_inspect(
			     "{\"Id\":\"abc\",\"State\":{\"Running\":true,\"Pid\":0}}", &c, &err),
			 -1);
	assert_non_null(strstr(err.msg, "without a pid"));
	assert_int_equal(
	    tk_engine_parse_inspect("{\"Id\":\"abc\",\"State\":{\"Running\":true,\"Pid\":\"12\"}}",
				    &c, &err),
	    -1);
	assert_non_null(strstr(err.msg, "State.Pid is not an integer"));
	assert_int_equal(tk_engine_parse_inspect(
			     "{\"Id\":\"abc\",\"State\":{\"Running\":true,\"Pid\":-5}}", &c, &err),
			 -1);
	assert_int_equal(tk_engine_parse_inspect("{\"Id\":\"abc\"}", &c, &err), -1);
	assert_non_null(strstr(err.msg, "no State"));
}

static void test_parse_isula_inspect_array(void **state)
{
	struct tk_ctr_list l = {0};

	(void)state;
	assert_int_equal(
	    tk_engine_parse_inspect_array(
		"[{\"Id\":\"i1\",\"Name\":\"/a\",\"State\":{\"Running\":true,\"Pid\":10}},"
		"{\"Id\":\"i2\",\"Name\":\"/b\",\"State\":{\"Running\":false,\"Pid\":0}}]",
		&l, NULL),
	    0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].id, "i1");
	assert_int_equal(l.v[0].pid, 10);
	tk_ctr_list_free(&l);
}

static void test_parse_runc_list(void **state)
{
	struct tk_ctr_list l = {0};
	struct lx_error err;

	(void)state;
	assert_int_equal(
	    tk_runc_parse_list("[{\"ociVersion\":\"1.0.2\",\"id\":\"r1\",\"pid\":500,\"status\":"
			       "\"running\",\"bundle\":\"/b\"},{\"id\":\"r2\",\"pid\":0,\"status\":"
			       "\"stopped\"},{\"id\":\"r3\",\"pid\":501,\"status\":\"paused\"}]",
			       &l, &err),
	    0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].id, "r1");
	assert_string_equal(l.v[0].name, "r1");
	assert_int_equal(l.v[0].pid, 500);
	assert_string_equal(l.v[1].id, "r3"); /* paused: its processes exist */
	assert_int_equal(l.v[1].pid, 501);
	tk_ctr_list_free(&l);
	/* runc prints null when it has no containers */
	assert_int_equal(tk_runc_parse_list("null\n", &l, &err), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(tk_runc_parse_list("{}", &l, &err), -1);
}

/* n registry containers ids[i] named names[i], pids 100, 101, ... */
static struct tk_targets make_targets(const char *const *ids, const char *const *names, int n)
{
	struct tk_targets t = {0};

	for (int i = 0; i < n; i++) {
		struct tk_target x = {.pid = 100 + i};

		strcpy(x.id, ids[i]);
		strcpy(x.name, names[i]);
		strcpy(x.source, "registry");
		assert_int_equal(tk_targets_add(&t, &x, NULL), 0);
	}
	return t;
}

static struct tk_targets targets(void)
{
	static const char *const ids[] = {"abc123def", "abd456", "xyz789"};
	static const char *const names[] = {"web", "db", "abc123def-sidecar"};

	return make_targets(ids, names, 3);
}

/* ref resolves to the target at index want */
static void expect_resolves(const struct tk_targets *t, const char *ref, size_t want)
{
	struct lx_error err;
	size_t i = 99;

	if (tk_targets_resolve(t, ref, &i, &err) < 0)
		fail_msg("`%s`: %s", ref, err.msg);
	assert_int_equal(i, want);
}

/* ref is an error (EINVAL) naming what it matches (msg, then a and b), and nothing is
 * resolved */
static void expect_ambiguous(const struct tk_targets *t, const char *ref, const char *msg,
			     const char *a, const char *b)
{
	struct lx_error err;
	size_t i = 99;

	assert_int_equal(tk_targets_resolve(t, ref, &i, &err), -1);
	assert_int_equal(i, 99);
	assert_int_equal(err.code, EINVAL);
	if (!strstr(err.msg, msg) || !strstr(err.msg, a) || !strstr(err.msg, b))
		fail_msg("`%s` lacks `%s`, `%s` or `%s`", err.msg, msg, a, b);
}

static void test_resolve(void **state)
{
	struct tk_targets t = targets();
	struct lx_error err;
	size_t i;

	(void)state;
	expect_resolves(&t, "abc123def", 0);
	expect_resolves(&t, "db", 1);
	/* a unique prefix */
	expect_resolves(&t, "xy", 2);
	expect_resolves(&t, "abc", 0);
	/* ambiguous: both candidates named */
	expect_ambiguous(&t, "ab", "ambiguous container id ab: matches", "abc123def (web)",
			 "abd456 (db)");
	assert_int_equal(tk_targets_resolve(&t, "nope", &i, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, "no such container: nope");
	assert_int_equal(tk_targets_resolve(&t, "", &i, &err), -1);
	assert_int_equal(tk_targets_resolve(&t, "../../etc", &i, &err), -1);
	assert_string_equal(err.msg, "no such container: ../../etc");
	tk_targets_free(&t);
}

/* A container's name is its creator's choice (an annotation): named after another container's
 * id, or a prefix of it, it must not be taken for that container. Ids first, then unique id
 * prefixes, then names; several matches at the deciding level are an error. */
static void test_resolve_ids_before_names(void **state)
{
	/* the impostors come first, as they may in the registry's directory order */
	static const char *const ids[] = {"evil1111", "evil2222", "victim0000aaaa", "other3333",
					  "other4444"};
	static const char *const names[] = {"victim0000aaaa", "victim0000", "shop", "dup", "dup"};
	struct tk_targets t = make_targets(ids, names, 5);

	(void)state;
	/* the victim's full id, which evil1111 took as its name */
	expect_resolves(&t, "victim0000aaaa", 2);
	/* a prefix of the victim's id, which evil2222 took as its name */
	expect_resolves(&t, "victim0000", 2);
	/* names still work where no id matches */
	expect_resolves(&t, "shop", 2);
	/* two containers with one name: an error naming both */
	expect_ambiguous(&t, "dup", "ambiguous container name dup: matches", "other3333 (dup)",
			 "other4444 (dup)");
	/* a prefix of two ids */
	expect_ambiguous(&t, "evil", "ambiguous container id evil: matches", "evil1111",
			 "evil2222");
	tk_targets_free(&t);
}

static void test_merge(void **state)
{
	struct tk_targets t = targets();
	struct tk_target api = {.pid = 100};

	(void)state;
	/* the engine reports the registry's container (same id): one row, both sources */
	strcpy(api.id, "abc123def");
	strcpy(api.name, "web");
	strcpy(api.source, "api");
	assert_int_equal(tk_targets_add(&t, &api, NULL), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0].source, "registry+api");
	tk_targets_free(&t);
}

static void test_run_capture(void **state)
{
	char *out = NULL;
	struct lx_error err;
	char *echo[] = {"sh", "-c", "printf 'a\\nb'", NULL};
	char mark[] = "/tmp/lxcfs-test-capture-XXXXXX", script[128];
	char *slow[] = {"sh", "-c", script, NULL};
	char *bad[] = {"sh", "-c", "exit 3", NULL};
	char *missing[] = {"/nonexistent/tool", NULL};
	int fd;

	(void)state;
	/* the slow one leaves a mark after 30 s: killed at its deadline, it never does */
	fd = mkstemp(mark);
	assert_true(fd >= 0);
	close(fd);
	unlink(mark);
	snprintf(script, sizeof(script), "sleep 30; touch %s", mark);
	assert_int_equal(tk_run_capture(echo, 5, &out, &err), 0);
	assert_string_equal(out, "a\nb");
	free(out);
	assert_int_equal(tk_run_capture(slow, 1, &out, &err), -1);
	assert_int_equal(err.code, ETIMEDOUT);
	assert_non_null(strstr(err.msg, "did not finish within 1s"));
	assert_int_equal(access(mark, F_OK), -1);
	assert_int_equal(tk_run_capture(bad, 5, &out, &err), -1);
	assert_non_null(strstr(err.msg, "status 3"));
	assert_int_equal(tk_run_capture(missing, 5, &out, &err), -1);
	assert_int_equal(err.code, ENOENT);
}

/* libcurl is loaded on first use: once loaded, its functions answer */
static void test_curl_loads(void **state)
{
	struct lx_error err = {0, ""};
	const struct tk_curl *c = tk_curl(&err);

	(void)state;
	if (!c)
		fail_msg("tk_curl: %s", err.msg);
	assert_string_equal(c->easy_strerror(CURLE_OK), "No error");
	assert_ptr_equal(tk_curl(&err), c); /* loaded once */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_curl_loads),
	    cmocka_unit_test(test_parse_list),
	    cmocka_unit_test(test_parse_list_bad),
	    cmocka_unit_test(test_parse_inspect),
	    cmocka_unit_test(test_parse_isula_inspect_array),
	    cmocka_unit_test(test_parse_runc_list),
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_resolve_ids_before_names),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_run_capture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
