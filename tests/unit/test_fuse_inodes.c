/* Node ids, file handles and the page-cache inode rules (lxcfs/fuse/nodeid.h, inodes.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuse/inodes.h"
#include "fuse/nodeid.h"
#include "fuse/tree.h"

static void test_nodeid_roundtrip(void **state)
{
	uint64_t id = lx_nodeid(4026532179u, N_MEMINFO);

	(void)state;
	assert_int_equal(lx_nodeid_view(id), 4026532179u);
	assert_int_equal(lx_nodeid_node(id), N_MEMINFO);
	assert_false(lx_nodeid_passthrough(id));
	/* the root is FUSE_ROOT_ID in the shared view */
	assert_int_equal(lx_nodeid(0, N_ROOT), 1);
	/* two containers' meminfo are two inodes */
	assert_true(lx_nodeid(4026532179u, N_MEMINFO) != lx_nodeid(4026532180u, N_MEMINFO));
	assert_true(lx_nodeid_passthrough(lx_nodeid(1, LX_NODE_PASSTHROUGH | 5)));
}

static void test_fh_roundtrip(void **state)
{
	uint64_t fh = lx_fh(65535, LX_FH_PAGE, 123456789ULL);

	(void)state;
	assert_int_equal(lx_fh_epoch(fh), 65535);
	assert_int_equal(lx_fh_kind(fh), LX_FH_PAGE);
	assert_int_equal(lx_fh_low(fh), 123456789ULL);
	fh = lx_fh(2, LX_FH_DIRECT, LX_FH_LOW_MASK + 5); /* the low part wraps, never spills */
	assert_int_equal(lx_fh_epoch(fh), 2);
	assert_int_equal(lx_fh_kind(fh), LX_FH_DIRECT);
	assert_int_equal(lx_fh_low(fh), 4);
}

static struct lx_inode *fresh(struct lx_inodes *t, uint64_t ino)
{
	struct lx_inode *i = lx_inodes_get(t, ino, true);

	assert_non_null(i);
	assert_false(i->pv); /* a new entry knows nothing of the kernel's state */
	return i;
}

/* Unknown state: the content is made, and stored only after invalidating. */
static void test_unknown_state_invalidates(void **state)
{
	struct lx_inodes *t = lx_inodes_new();
	struct lx_inode *i = fresh(t, lx_nodeid(9, N_MEMINFO));

	(void)state;
	assert_int_equal(lx_inode_decide(i, 1000, LX_KEY_UNCHECKED), LX_OPEN_MAKE);
	assert_true(lx_inode_needs_inval(i, 100));
	lx_inode_put(i);
	lx_inodes_free(t);
}

/* After a plain store the kernel's i_size is the content's length: a content as long or
 * longer is stored plainly, a shorter one (its tail would show the old bytes) only after
 * invalidating. */
static void test_store_rules(void **state)
{
	struct lx_inodes *t = lx_inodes_new();
	struct lx_inode *i = fresh(t, lx_nodeid(9, N_STAT));
	struct lx_blob *b = lx_blob_new("cpu 1 2 3\n", 10);

	(void)state;
	lx_inode_set_cur(i, b, true, 1000); /* stored after an invalidation */
	assert_true(i->pv);
	assert_false(i->ksize_known); /* the kernel's i_size is set by its next GETATTR */
	assert_true(lx_inode_needs_inval(i, 12));
	lx_inode_set_cur(i, b, false, 1001);
	assert_true(i->ksize_known);
	assert_int_equal(i->ksize, 10);
	assert_false(lx_inode_needs_inval(i, 10));
	assert_false(lx_inode_needs_inval(i, 11));
	assert_true(lx_inode_needs_inval(i, 9));
	lx_blob_put(b);
	lx_inode_put(i);
	lx_inodes_free(t);
}

/* An open shares the content up to LX_MAX_SHARE_MS while the container's limits key reads
 * as it did when the content was made (a limit changed between two reads shows at the
 * second, whoever else reads); after that, or with another key or none, a new one is made. */
static void test_share_rules(void **state)
{
	struct lx_inodes *t = lx_inodes_new();
	struct lx_inode *i = fresh(t, lx_nodeid(9, N_MEMINFO));
	struct lx_blob *b = lx_blob_new("MemTotal: 1 kB\n", 15);
	int64_t t0 = 100000;

	(void)state;
	/* a content made without a key is never shared */
	lx_inode_set_cur(i, b, false, t0);
	assert_int_equal(i->cur_key, LX_KEY_NONE);
	assert_int_equal(lx_inode_decide(i, t0, LX_KEY_UNCHECKED), LX_OPEN_MAKE);
	assert_int_equal(lx_inode_decide(i, t0, LX_KEY_NONE), LX_OPEN_MAKE);
	i->make_key = 42;
	lx_inode_set_cur(i, b, false, t0);
	assert_int_equal(i->cur_key, 42);
	/* recent: the caller reads the key; the same key shares, another makes */
	assert_int_equal(lx_inode_decide(i, t0, LX_KEY_UNCHECKED), LX_OPEN_CHECK);
	assert_int_equal(lx_inode_decide(i, t0 + 1, 42), LX_OPEN_SHARE);
	assert_int_equal(lx_inode_decide(i, t0 + 1, 43), LX_OPEN_MAKE);
	assert_int_equal(lx_inode_decide(i, t0 + 1, LX_KEY_NONE), LX_OPEN_MAKE);
	assert_int_equal(lx_inode_decide(i, t0 + LX_MAX_SHARE_MS - 1, 42), LX_OPEN_SHARE);
	/* too old, or made "later" than now (a clock step): no key read, made again */
	assert_int_equal(lx_inode_decide(i, t0 + LX_MAX_SHARE_MS, LX_KEY_UNCHECKED), LX_OPEN_MAKE);
	assert_int_equal(lx_inode_decide(i, t0 - 1, LX_KEY_UNCHECKED), LX_OPEN_MAKE);
	/* the two values no key takes */
	assert_int_equal(lx_key(LX_KEY_UNCHECKED), LX_KEY_UNCHECKED - 2);
	assert_int_equal(lx_key(LX_KEY_NONE), LX_KEY_NONE - 2);
	assert_int_equal(lx_key(7), 7);
	/* young counts are kept for the refresh of persistent handles */
	lx_inode_opened(i, t0);
	assert_int_equal(lx_inode_young(i, t0 + 1), 1);
	/* a handle is young for LX_YOUNG_MS to 2 x LX_YOUNG_MS, then persistent */
	assert_int_equal(lx_inode_young(i, t0 + 2 * LX_YOUNG_MS + 1), 0);
	assert_int_equal(i->open, 1);
	lx_inode_released(i, t0);
	assert_int_equal(i->open, 0);
	assert_int_equal(lx_inode_young(i, t0 + 1), 0);
	/* busy: wait */
	i->rendering = true;
	assert_int_equal(lx_inode_decide(i, t0, 42), LX_OPEN_WAIT);
	i->rendering = false;
	i->stale = true; /* refreshed: the content is made again */
	assert_int_equal(lx_inode_decide(i, t0, 42), LX_OPEN_MAKE);
	lx_blob_put(b);
	lx_inode_put(i);
	lx_inodes_free(t);
}

static void count_visit(struct lx_inode *i, void *arg)
{
	(void)i;
	(*(unsigned *)arg)++;
}

/* The refresher's frequent pass visits only the inodes with a handle open; the full one all. */
static void test_foreach_open(void **state)
{
	struct lx_inodes *t = lx_inodes_new();
	struct lx_inode *i[3];
	unsigned all = 0, open = 0;

	(void)state;
	for (int k = 0; k < 3; k++)
		i[k] = fresh(t, lx_nodeid(9 + k, N_MEMINFO));
	lx_inode_opened(i[1], 1000);
	lx_inodes_foreach(t, count_visit, &all);
	lx_inodes_foreach_open(t, count_visit, &open);
	assert_int_equal(all, 3);
	assert_int_equal(open, 1);
	lx_inode_released(i[1], 1000);
	open = 0;
	lx_inodes_foreach_open(t, count_visit, &open);
	assert_int_equal(open, 0);
	for (int k = 0; k < 3; k++)
		lx_inode_put(i[k]);
	lx_inodes_free(t);
}

/* A release of a handle opened long ago does not touch the young counts of new handles. */
static void test_young_buckets(void **state)
{
	struct lx_inodes *t = lx_inodes_new();
	struct lx_inode *i = fresh(t, lx_nodeid(9, N_MEMINFO));
	int64_t t0 = 10 * LX_YOUNG_MS;

	(void)state;
	lx_inode_opened(i, t0);			  /* an old one */
	lx_inode_opened(i, t0 + 4 * LX_YOUNG_MS); /* a young one */
	assert_int_equal(lx_inode_young(i, t0 + 4 * LX_YOUNG_MS), 1);
	lx_inode_released(i, t0);
	assert_int_equal(lx_inode_young(i, t0 + 4 * LX_YOUNG_MS), 1);
	assert_int_equal(i->open, 1);
	lx_inode_put(i);
	lx_inodes_free(t);
}

/* FORGET drops the entry once the kernel's lookups are gone; one it never counted (an
 * earlier process's) drops it too. The table does not grow with container churn. */
static void test_forget(void **state)
{
	struct lx_inodes *t = lx_inodes_new();
	uint64_t ino = lx_nodeid(11, N_UPTIME);
	struct lx_inode *i = fresh(t, ino);

	(void)state;
	i->nlookup = 3;
	lx_inode_put(i);
	lx_inodes_forget(t, ino, 2);
	assert_int_equal(lx_inodes_count(t), 1);
	lx_inodes_forget(t, ino, 5);
	assert_int_equal(lx_inodes_count(t), 0);
	for (unsigned ns = 1; ns <= 5000; ns++) {
		i = lx_inodes_get(t, lx_nodeid(ns, N_MEMINFO), true);
		i->nlookup = 1;
		lx_inode_put(i);
		lx_inodes_forget(t, lx_nodeid(ns, N_MEMINFO), 1);
	}
	assert_int_equal(lx_inodes_count(t), 0);
	lx_inodes_free(t);
}

/* Waiters are answered in order, by kind. */
static void test_waiters(void **state)
{
	struct lx_inodes *t = lx_inodes_new();
	struct lx_inode *i = fresh(t, lx_nodeid(9, N_MEMINFO));
	struct lx_waiter a = {.kind = LX_WAIT_OPEN}, b = {.kind = LX_WAIT_READ},
			 c = {.kind = LX_WAIT_OPEN}, *w;

	(void)state;
	lx_inode_queue(i, &a);
	lx_inode_queue(i, &b);
	lx_inode_queue(i, &c);
	w = lx_inode_take_data_waiters(i);
	assert_ptr_equal(w, &b);
	assert_null(w->next);
	w = lx_inode_take_open_waiters(i);
	assert_ptr_equal(w, &a);
	assert_ptr_equal(w->next, &c);
	assert_null(lx_inode_take_open_waiters(i));
	lx_inode_put(i);
	lx_inodes_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nodeid_roundtrip),
	    cmocka_unit_test(test_fh_roundtrip),
	    cmocka_unit_test(test_unknown_state_invalidates),
	    cmocka_unit_test(test_store_rules),
	    cmocka_unit_test(test_share_rules),
	    cmocka_unit_test(test_young_buckets),
	    cmocka_unit_test(test_foreach_open),
	    cmocka_unit_test(test_forget),
	    cmocka_unit_test(test_waiters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
