/* The PSI trigger table (lxcfs/fuse/psi.h) without a FUSE session: its caps, its poll answers,
 * and what a process taking a connection over does with the poll handles an earlier one noted
 * in the state (conn.h): FUSE_NOTIFY_POLL for each, written to the connection (a pipe here). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fuse/conn.h"
#include "fuse/nodeid.h"
#include "fuse/psi.h"

#define DEFAULT (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

struct notify {
	uint32_t len;
	int32_t code; /* FUSE_NOTIFY_POLL: 1 */
	uint64_t unique;
	uint64_t kh;
};

/* a connection whose /dev/fuse is the write end of a pipe (rd: its read end, non-blocking) */
static void fake_conn(struct lx_conn *c, int *rd)
{
	int p[2];

	memset(c, 0, sizeof(*c));
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	c->fd = p[1];
	c->st = calloc(1, sizeof(*c->st));
	assert_non_null(c->st);
	*rd = p[0];
}

static void free_conn(struct lx_conn *c, int rd)
{
	close(c->fd);
	close(rd);
	free(c->st);
}

/* the kernel handles notified on rd within ms (sorted as written); how many */
static int read_notified(int rd, uint64_t *kh, int max, int ms)
{
	int n = 0;

	usleep(ms * 1000);
	for (;;) {
		struct notify m;
		ssize_t r = read(rd, &m, sizeof(m));

		if (r != (ssize_t)sizeof(m))
			break;
		assert_int_equal(m.len, sizeof(m));
		assert_int_equal(m.code, 1);
		assert_int_equal(m.unique, 0);
		if (n < max)
			kh[n] = m.kh;
		n++;
	}
	return n;
}

/* a taken-over connection: the pollers noted by earlier epochs (the one before, one long ago
 * across the 16-bit wrap) are woken once and forgotten; our own and a successor's are left */
static void test_orphans_woken(void **state)
{
	struct lx_conn c;
	struct lx_psi *p;
	uint64_t kh[8];
	int rd, n;

	(void)state;
	fake_conn(&c, &rd);
	c.st->polls[0] = (struct lx_poll_rec){lx_fh(4, LX_FH_PSI, 1), 101};
	c.st->polls[7] = (struct lx_poll_rec){lx_fh(0xffff, LX_FH_PSI, 9), 102};
	c.st->polls[9] = (struct lx_poll_rec){lx_fh(5, LX_FH_PSI, 2), 201};  /* ours */
	c.st->polls[11] = (struct lx_poll_rec){lx_fh(6, LX_FH_PSI, 3), 301}; /* a successor's */
	c.st->polls[12] = (struct lx_poll_rec){lx_fh(3, LX_FH_PSI, 4), 0};   /* not polled yet */
	p = lx_psi_new(NULL, &c, 5);
	assert_non_null(p);
	n = read_notified(rd, kh, 8, 200);
	assert_int_equal(n, 2);
	assert_true((kh[0] == 101 && kh[1] == 102) || (kh[0] == 102 && kh[1] == 101));
	assert_int_equal(c.st->polls[0].fh, 0);
	assert_int_equal(c.st->polls[7].fh, 0);
	assert_int_equal(c.st->polls[12].fh, 0); /* forgotten too: nobody to wake */
	assert_int_equal(c.st->polls[9].kh, 201);
	assert_int_equal(c.st->polls[11].kh, 301);
	/* noted later (a predecessor still retiring): woken at the next scan, once */
	c.st->polls[20] = (struct lx_poll_rec){lx_fh(4, LX_FH_PSI, 5), 103};
	n = read_notified(rd, kh, 8, 2 * LX_PSI_SCAN_MS + 300);
	assert_int_equal(n, 1);
	assert_int_equal(kh[0], 103);
	assert_int_equal(read_notified(rd, kh, 8, LX_PSI_SCAN_MS + 100), 0);
	lx_psi_free(p);
	free_conn(&c, rd);
}

/* caps: LX_PSI_MAX_TRIGGERS_PER_NS per owner, another owner unaffected, a release makes room */
static void test_caps(void **state)
{
	struct lx_conn c;
	struct lx_psi *p;
	int rd;

	(void)state;
	fake_conn(&c, &rd);
	p = lx_psi_new(NULL, &c, 1);
	assert_non_null(p);
	for (unsigned i = 0; i < LX_PSI_MAX_TRIGGERS_PER_NS; i++)
		assert_int_equal(lx_psi_open(p, lx_fh(1, LX_FH_PSI, i + 1), 42, 1), 0);
	assert_int_equal(lx_psi_open(p, lx_fh(1, LX_FH_PSI, 1000), 42, 1), -EMFILE);
	assert_int_equal(lx_psi_open(p, lx_fh(1, LX_FH_PSI, 1001), 43, 1), 0);
	assert_int_equal(lx_psi_count(p), LX_PSI_MAX_TRIGGERS_PER_NS + 1);
	lx_psi_release(p, lx_fh(1, LX_FH_PSI, 1));
	assert_int_equal(lx_psi_open(p, lx_fh(1, LX_FH_PSI, 1002), 42, 1), 0);
	lx_psi_release(p, lx_fh(1, LX_FH_PSI, 77777)); /* unknown: nothing */
	assert_int_equal(lx_psi_count(p), LX_PSI_MAX_TRIGGERS_PER_NS + 1);
	lx_psi_free(p); /* frees what is left */
	free_conn(&c, rd);
}

/* poll answers: POLLERR|POLLPRI without a trigger (the kernel's), ready with one; one trigger
 * per file; an unknown file cannot be armed */
static void test_poll_and_attach(void **state)
{
	uint64_t fh = lx_fh(1, LX_FH_PSI, 1);
	struct lx_conn c;
	struct lx_psi *p;
	int rd, fds[2];

	(void)state;
	fake_conn(&c, &rd);
	p = lx_psi_new(NULL, &c, 1);
	assert_non_null(p);
	assert_int_equal(lx_psi_open(p, fh, 7, 1), 0);
	assert_false(lx_psi_armed(p, fh));
	assert_int_equal(lx_psi_poll(p, fh, NULL, 0), DEFAULT | POLLERR | POLLPRI);
	assert_int_equal(lx_psi_poll(p, lx_fh(1, LX_FH_PSI, 99), NULL, 0),
			 DEFAULT | POLLERR | POLLPRI);
	/* a pipe stands for the armed pressure file: it never says POLLPRI */
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	assert_int_equal(lx_psi_attach(p, fh, fds[0]), 0);
	assert_true(lx_psi_armed(p, fh));
	assert_int_equal(lx_psi_poll(p, fh, NULL, 0), DEFAULT);
	assert_int_equal(lx_psi_attach(p, fh, dup(fds[1])), -EBUSY);
	assert_int_equal(lx_psi_attach(p, lx_fh(1, LX_FH_PSI, 99), dup(fds[1])), -EBADF);
	lx_psi_release(p, fh); /* closes fds[0] */
	assert_int_equal(fcntl(fds[0], F_GETFD), -1);
	close(fds[1]);
	lx_psi_free(p);
	free_conn(&c, rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_orphans_woken),
	    cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_poll_and_attach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
