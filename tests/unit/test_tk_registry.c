/* toolkit registry: entries round-trip, atomic writes, validation and pruning. */
#include <dirent.h>
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

#include "common/proc.h"
#include "toolkit/lib/registry.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tk-reg-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	(void)state;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		remove(p);
	}
	if (d)
		closedir(d);
	return rmdir(dir);
}

static void write_file(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int count_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* an entry for this test process itself: alive, with its true start time */
static struct tk_entry self_entry(const char *id)
{
	struct tk_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.id, sizeof(e.id), "%s", id);
	strcpy(e.name, "web");
	e.pid = getpid();
	assert_int_equal(proc_stat_start(e.pid, &e.starttime, NULL, NULL), 0);
	assert_int_equal(proc_mntns_ino(e.pid, &e.mntns, NULL), 0);
	strcpy(e.rootfs, "/var/lib/c/rootfs");
	return e;
}

static void test_json_roundtrip(void **state)
{
	struct tk_entry e = {.pid = 123,
			     .starttime = 18446744073709551615ULL,
			     .mntns = 4026531840ULL,
			     .degraded = true},
			f;
	char *json;

	(void)state;
	strcpy(e.id, "abc");
	strcpy(e.name, "name \"quoted\"");
	strcpy(e.rootfs, "/r");
	json = tk_entry_to_json(&e);
	assert_non_null(json);
	assert_int_equal(tk_entry_from_json(json, &f, NULL), 0);
	free(json);
	assert_string_equal(f.id, "abc");
	assert_string_equal(f.name, "name \"quoted\"");
	assert_int_equal(f.pid, 123);
	assert_true(f.starttime == 18446744073709551615ULL);
	assert_true(f.mntns == 4026531840ULL);
	assert_string_equal(f.rootfs, "/r");
	assert_true(f.degraded);
}

static void test_from_json_rejects(void **state)
{
	struct tk_entry e;
	struct lx_error err;

	(void)state;
	assert_int_equal(tk_entry_from_json("nope", &e, &err), -1);
	assert_int_equal(
	    tk_entry_from_json("{\"id\":\"../x\",\"pid\":1,\"starttime\":1,\"mntns\":1}", &e, &err),
	    -1);
	assert_non_null(strstr(err.msg, "invalid id"));
	assert_int_equal(tk_entry_from_json(
			     "{\"id\":\"x\",\"pid\":\"1\",\"starttime\":1,\"mntns\":1}", &e, &err),
			 -1);
	assert_non_null(strstr(err.msg, "`pid`"));
	assert_int_equal(
	    tk_entry_from_json("{\"id\":\"x\",\"pid\":0,\"starttime\":1,\"mntns\":1}", &e, &err),
	    -1);
	assert_int_equal(tk_entry_from_json("{\"id\":\"x\",\"pid\":1,\"mntns\":1}", &e, &err), -1);
	assert_non_null(strstr(err.msg, "`starttime`"));
}

static void test_write_get_remove(void **state)
{
	struct tk_entry e = self_entry("c1"), g;
	char p[256];
	struct stat st;

	(void)state;
	assert_int_equal(tk_registry_write(dir, &e, NULL), 0);
	snprintf(p, sizeof(p), "%s/c1.json", dir);
	assert_int_equal(stat(p, &st), 0);
	/* no temporary file is left behind */
	assert_int_equal(count_files(), 1);
	assert_int_equal(tk_registry_get(dir, "c1", &g, NULL), 0);
	assert_int_equal(g.pid, e.pid);
	assert_true(g.starttime == e.starttime);
	/* rewriting replaces */
	e.degraded = true;
	assert_int_equal(tk_registry_write(dir, &e, NULL), 0);
	assert_int_equal(tk_registry_get(dir, "c1", &g, NULL), 0);
	assert_true(g.degraded);
	assert_int_equal(count_files(), 1);
	assert_int_equal(tk_registry_remove(dir, "c1", NULL), 0);
	assert_int_equal(count_files(), 0);
	/* removing again is fine */
	assert_int_equal(tk_registry_remove(dir, "c1", NULL), 0);
}

static void test_bad_ids_refused(void **state)
{
	struct tk_entry e = self_entry("ok");
	struct lx_error err;

	(void)state;
	strcpy(e.id, "../../etc/passwd");
	assert_int_equal(tk_registry_write(dir, &e, &err), -1);
	assert_int_equal(tk_registry_remove(dir, "../x", &err), -1);
	assert_int_equal(tk_registry_get(dir, "a/b", &e, &err), -1);
	assert_int_equal(count_files(), 0);
}

static void test_load_prunes_dead_and_reused(void **state)
{
	struct tk_entry live = self_entry("live"), reused = self_entry("reused"), *v;
	size_t n;
	char buf[512];

	(void)state;
	assert_int_equal(tk_registry_write(dir, &live, NULL), 0);
	/* same pid, another start time: the pid was reused */
	reused.starttime = live.starttime + 1;
	assert_int_equal(tk_registry_write(dir, &reused, NULL), 0);
	/* a pid that cannot exist */
	snprintf(buf, sizeof(buf),
		 "{\"id\":\"dead\",\"pid\":1073741823,\"starttime\":5,\"mntns\":1}");
	write_file("dead.json", buf);
	/* garbage and a file whose id differs from its name are skipped, not pruned */
	write_file("junk.json", "{{{");
	snprintf(buf, sizeof(buf), "{\"id\":\"other\",\"pid\":%d,\"starttime\":%llu,\"mntns\":1}",
		 (int)getpid(), (unsigned long long)live.starttime);
	write_file("renamed.json", buf);
	write_file("notes.txt", "ignored");

	assert_int_equal(tk_registry_load(dir, true, &v, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, "live");
	free(v);
	/* pruned: dead and reused; kept: live, junk, renamed, notes */
	assert_int_equal(count_files(), 4);
	/* without prune nothing is deleted and all valid entries are listed */
	write_file("dead.json", "{\"id\":\"dead\",\"pid\":1073741823,\"starttime\":5,\"mntns\":1}");
	assert_int_equal(tk_registry_load(dir, false, &v, &n, NULL), 0);
	assert_int_equal(n, 2);
	free(v);
}

/* Files of the registry that are not small regular files are skipped without being read: a
 * FIFO named like an entry would block the open or the read forever (remount --all, status and
 * the watchdog hung on one), a sparse 1 GiB entry was read whole. */
static void test_load_skips_special_files(void **state)
{
	struct tk_entry live = self_entry("live"), e, *v;
	struct lx_error err;
	char p[256];
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(tk_registry_write(dir, &live, NULL), 0);
	snprintf(p, sizeof(p), "%s/junk.json", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(p, sizeof(p), "%s/big.json", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1LL << 30), 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/sub.json", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	/* a symlink to a valid entry is not followed */
	snprintf(p, sizeof(p), "%s/link.json", dir);
	assert_int_equal(symlink("live.json", p), 0);

	alarm(10); /* a hang fails the test instead of stalling the suite */
	assert_int_equal(tk_registry_get(dir, "junk", &e, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "is a FIFO, not a regular file"));
	assert_int_equal(tk_registry_get(dir, "big", &e, &err), -1);
	assert_int_equal(err.code, EFBIG);
	assert_non_null(strstr(err.msg, "is larger than 65536 bytes"));
	assert_int_equal(tk_registry_get(dir, "sub", &e, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "is a directory"));
	assert_int_equal(tk_registry_get(dir, "link", &e, &err), -1);
	assert_int_equal(err.code, ELOOP);
	assert_int_equal(tk_registry_load(dir, true, &v, &n, NULL), 0);
	alarm(0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, "live");
	free(v);
	/* skipped, not pruned */
	assert_int_equal(count_files(), 5);
}

static void test_load_missing_dir(void **state)
{
	struct tk_entry *v = (void *)1;
	size_t n = 7;

	(void)state;
	assert_int_equal(tk_registry_load("/nonexistent/tk-registry", true, &v, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_null(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_roundtrip),
	    cmocka_unit_test(test_from_json_rejects),
	    cmocka_unit_test_setup_teardown(test_write_get_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_ids_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_prunes_dead_and_reused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_skips_special_files, setup, teardown),
	    cmocka_unit_test(test_load_missing_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
