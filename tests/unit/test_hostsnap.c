/* host_snap: one shared copy of a host file, refreshed after its TTL, never going backwards. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "view/hostsnap.h"

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static char *snap_text(struct host_snap *s)
{
	struct lx_error err = {0, ""};
	struct strbuf sb = STRBUF_INIT;

	if (host_snap_read(s, &sb, &err) < 0)
		fail_msg("host_snap_read: %s", err.msg);
	return sb_steal(&sb);
}

/* Within the TTL the copy is served even when the file changed; after it, the new text. The
 * TTL that must not have passed is a minute long, so that a loaded machine cannot miss it. */
static void test_ttl(void **state)
{
	char path[] = "/tmp/lxcfs-test-hostsnap-XXXXXX";
	int fd = mkstemp(path);
	struct host_snap *s, *brief, *fresh;
	struct strbuf sb = STRBUF_INIT;
	char *t;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	put(path, "first\n");
	s = host_snap_new(path, 60000);
	brief = host_snap_new(path, 50);
	fresh = host_snap_new(path, 0);
	assert_non_null(s);
	assert_non_null(brief);
	assert_non_null(fresh);
	t = snap_text(s);
	assert_string_equal(t, "first\n");
	free(t);
	t = snap_text(brief);
	assert_string_equal(t, "first\n");
	free(t);
	put(path, "second, longer\n");
	t = snap_text(s);
	assert_string_equal(t, "first\n"); /* a minute has not passed */
	free(t);
	t = snap_text(fresh); /* TTL 0: always read */
	assert_string_equal(t, "second, longer\n");
	free(t);
	usleep(60 * 1000);
	t = snap_text(brief); /* its 50 ms have passed */
	assert_string_equal(t, "second, longer\n");
	free(t);
	/* appended after what sb held */
	sb_puts(&sb, "> ");
	assert_int_equal(host_snap_read(brief, &sb, NULL), 0);
	assert_string_equal(sb.buf, "> second, longer\n");
	sb_free(&sb);
	host_snap_free(fresh);
	host_snap_free(brief);
	host_snap_free(s);
	unlink(path);
}

static void test_missing_file(void **state)
{
	struct host_snap *s = host_snap_new("/nonexistent/lxcfs-test", 10);
	struct lx_error err = {0, ""};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_non_null(s);
	sb_puts(&sb, "kept");
	assert_int_equal(host_snap_read(s, &sb, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/lxcfs-test"));
	assert_string_equal(sb.buf, "kept");
	sb_free(&sb);
	host_snap_free(s);
}

/* /proc/stat's ctxt (context switches since boot) only grows. Readers on several threads,
 * with a TTL short enough that copies are replaced all the time: every read is whole, and a
 * read that begins after another one ended never shows a smaller ctxt. */
#define READERS 6
#define READS	4000

struct shared {
	struct host_snap *s;
	atomic_ullong seen; /* the largest ctxt a finished read returned */
	atomic_int bad;
	char why[256];
};

static unsigned long long ctxt_of(const char *text)
{
	const char *p = strstr(text, "\nctxt ");

	return p ? strtoull(p + 6, NULL, 10) : 0;
}

static void *reader(void *arg)
{
	struct shared *sh = arg;

	for (int i = 0; i < READS && !atomic_load(&sh->bad); i++) {
		unsigned long long before = atomic_load(&sh->seen), v, cur;
		struct strbuf sb = STRBUF_INIT;

		if (host_snap_read(sh->s, &sb, NULL) < 0 || strncmp(sb.buf, "cpu ", 4) != 0 ||
		    sb.buf[sb.len - 1] != '\n' || (v = ctxt_of(sb.buf)) == 0) {
			if (atomic_exchange(&sh->bad, 1) == 0)
				snprintf(sh->why, sizeof(sh->why), "a torn or failed read: `%.40s`",
					 sb.buf ? sb.buf : "(null)");
		} else if (v < before) {
			if (atomic_exchange(&sh->bad, 1) == 0)
				snprintf(sh->why, sizeof(sh->why),
					 "ctxt went backwards: %llu after %llu was served", v,
					 before);
		}
		cur = atomic_load(&sh->seen);
		while (v > cur && !atomic_compare_exchange_weak(&sh->seen, &cur, v))
			;
		sb_free(&sb);
	}
	return NULL;
}

static void monotonic_across_threads(unsigned ttl_ms)
{
	struct shared sh = {.s = host_snap_new("/proc/stat", ttl_ms)};
	pthread_t t[READERS];

	assert_non_null(sh.s);
	atomic_init(&sh.seen, 0);
	atomic_init(&sh.bad, 0);
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, &sh), 0);
	for (int i = 0; i < READERS; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&sh.bad))
		fail_msg("%s", sh.why);
	assert_true(atomic_load(&sh.seen) > 0);
	host_snap_free(sh.s);
}

/* TTL 0: every read refreshes, so copies are rewritten while others copy them out */
static void test_monotonic_across_threads(void **state)
{
	(void)state;
	monotonic_across_threads(0);
	monotonic_across_threads(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ttl),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_monotonic_across_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
