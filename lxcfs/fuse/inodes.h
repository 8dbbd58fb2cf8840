/* Page-cache inodes: a container's file whose bytes the kernel keeps in the inode's page
 * cache. The content of an open is pushed into the cache with notify_store before the open
 * is answered (keep_cache), so a read costs no round trip; READ requests come only when the
 * kernel has no page (evicted, invalidated, or a taken-over connection).
 *
 * Per inode the table keeps what the kernel's pages hold (`cur`, with its hash and length),
 * what we know of the kernel's i_size, how many page-cache handles are open and how many of
 * them are young, and the requests waiting while its content is being made. Nothing here
 * survives the process: a new daemon process finds every inode unknown (pv false) and makes
 * it consistent again (invalidate, then store) before using the cache.
 *
 * Rules (see lx_inode_decide):
 *  - an open is answered with the content the pages hold while it is less than
 *    LX_MAX_SHARE_MS old and the container's limits read as they did when it was made (its
 *    limits key, view/view.h content_limits_key: one read of its own limit files); else it
 *    makes a new content: a limit changed between two reads shows at the second, and a
 *    container's readers in a loop make its content once per LX_MAX_SHARE_MS;
 *  - a store never leaves bytes of an older content behind: a shorter content, or one whose
 *    inode state is unknown, is stored after invalidating the inode's pages and attributes;
 *  - inodes whose open handles are all older than LX_YOUNG_MS (a `top` keeping the file open
 *    and reading it again) are invalidated every LX_REFRESH_MS, so the next read fetches a
 *    fresh content (READ) instead of the cached one. */
#ifndef LXCFS_FUSE_INODES_H
#define LXCFS_FUSE_INODES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LX_MAX_SHARE_MS	  10   /* content shared with young handles at most this long */
#define LX_YOUNG_MS	  500  /* a handle is young this long after its open */
#define LX_REFRESH_MS	  50   /* persistent handles see content at most this old */
#define LX_KEEP_CLOSED_MS 1000 /* the bytes of a closed inode are kept this long */

/* Immutable, reference-counted bytes. */
struct lx_blob {
	int refs; /* atomic */
	size_t len;
	uint64_t hash;
	char data[];
};
struct lx_blob *lx_blob_new(const char *data, size_t len); /* NULL on ENOMEM */
struct lx_blob *lx_blob_get(struct lx_blob *b);
void lx_blob_put(struct lx_blob *b);
uint64_t lx_hash(const char *data, size_t len);

/* A request waiting for the inode's content (answered in order once it is there). */
enum lx_wait_kind { LX_WAIT_OPEN, LX_WAIT_READ, LX_WAIT_GETATTR, LX_WAIT_LOOKUP };
struct lx_waiter {
	enum lx_wait_kind kind;
	void *req;	   /* fuse_req_t */
	int64_t open_ms;   /* OPEN: the open time the handle carries */
	size_t size;	   /* READ */
	int64_t off;	   /* READ */
	bool private_name; /* LOOKUP: a per-view name in a shared directory */
	struct lx_waiter *next;
};

struct lx_inode {
	uint64_t ino;
	int refs;	      /* the table's (while linked) + one per user (atomic) */
	pthread_mutex_t lock; /* guards everything below */
	uint64_t nlookup;     /* lookups the kernel holds (FORGET), as far as we saw them */
	bool pv;	      /* false: the kernel's pages and i_size are unknown (a new process,
				 or a refresh-invalidated inode whose cur was dropped) */
	struct lx_blob *cur;  /* what the kernel's pages hold (NULL: not kept: no handle open) */
	uint64_t cur_hash;    /* of the last content stored (valid with have_cur) */
	size_t cur_len;
	bool have_cur;
	int64_t cur_ms;	   /* when the last content was made */
	uint64_t cur_key;  /* the limits key that content was made with (LX_KEY_NONE: unknown) */
	uint64_t make_key; /* the same for the content being made or stored */
	bool ksize_known;  /* the kernel's i_size is ksize */
	size_t ksize;
	bool stale;	   /* invalidated for a refresh: the next read makes it again */
	unsigned open;	   /* page-cache handles of this process open (written atomically) */
	unsigned young[2]; /* handles opened in bucket young_id[i] (of LX_YOUNG_MS) */
	int64_t young_id[2];
	/* A content being made (rendering: READ, GETATTR and OPEN wait), then stored (storing:
	 * OPEN waits; READ and GETATTR are answered from `pending` at once, since the store
	 * may be waiting for the very page a READ fills). */
	bool rendering, storing;
	struct lx_blob *pending;
	struct lx_waiter *wdata, **wdata_tail; /* READ, GETATTR: answered once rendered */
	struct lx_waiter *wopen, **wopen_tail; /* OPEN: answered once stored */
	struct lx_inode *next;
};

struct lx_inodes;

struct lx_inodes *lx_inodes_new(void);
void lx_inodes_free(struct lx_inodes *t);
/* The inode's entry with a reference (drop with lx_inode_put); created (pv false) when
 * missing and create is set, else NULL. NULL also on ENOMEM. */
struct lx_inode *lx_inodes_get(struct lx_inodes *t, uint64_t ino, bool create);
void lx_inode_put(struct lx_inode *i);
/* The kernel forgot n lookups of ino: the entry goes once none is left. */
void lx_inodes_forget(struct lx_inodes *t, uint64_t ino, uint64_t n);
size_t lx_inodes_count(struct lx_inodes *t);
/* Call fn on each entry (with a reference, no lock held). */
void lx_inodes_foreach(struct lx_inodes *t, void (*fn)(struct lx_inode *, void *), void *arg);
/* The same, for the entries with a page-cache handle open (`open` is looked at without the
 * entry's lock: one opened meanwhile is seen at the next call). */
void lx_inodes_foreach_open(struct lx_inodes *t, void (*fn)(struct lx_inode *, void *), void *arg);

/* Limits keys (content_limits_key) as the inodes keep them: two values no key takes. */
#define LX_KEY_UNCHECKED UINT64_MAX	  /* lx_inode_decide: the caller has not read it */
#define LX_KEY_NONE	 (UINT64_MAX - 1) /* it could not be read */
static inline uint64_t lx_key(uint64_t k)
{
	return k >= LX_KEY_NONE ? k - 2 : k;
}

/* With i->lock held. */
enum lx_open_step {
	LX_OPEN_SHARE, /* answer with the content the pages hold */
	LX_OPEN_MAKE,  /* make the content, then store it */
	LX_OPEN_WAIT,  /* another request is making it: queue */
	LX_OPEN_CHECK, /* recent enough to share: read the limits key (no lock), decide again */
};
/* key: the container's limits key read now, or LX_KEY_UNCHECKED */
enum lx_open_step lx_inode_decide(const struct lx_inode *i, int64_t now_ms, uint64_t key);
unsigned lx_inode_young(const struct lx_inode *i, int64_t now_ms);
void lx_inode_opened(struct lx_inode *i, int64_t open_ms);
void lx_inode_released(struct lx_inode *i, int64_t open_ms);
/* How a new content of len bytes must reach the kernel: true: invalidate pages and
 * attributes first (shorter than the kernel's i_size, or the state is unknown). */
bool lx_inode_needs_inval(const struct lx_inode *i, size_t len);
/* Record that b is what the kernel's pages hold now (after its store). */
void lx_inode_set_cur(struct lx_inode *i, struct lx_blob *b, bool invalidated, int64_t now_ms);
/* Queue a waiter (by its kind) / take a queue (the caller answers them). */
void lx_inode_queue(struct lx_inode *i, struct lx_waiter *w);
struct lx_waiter *lx_inode_take_data_waiters(struct lx_inode *i);
struct lx_waiter *lx_inode_take_open_waiters(struct lx_inode *i);
/* The newest content there is (being stored, else in the pages), or NULL. */
static inline struct lx_blob *lx_inode_newest(const struct lx_inode *i)
{
	return i->pending ? i->pending : (i->stale ? NULL : i->cur);
}

#endif
