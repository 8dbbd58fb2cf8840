#include "fuse/inodes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* a container has a dozen inodes: 1000 containers must not make a shard a long list */
#define SHARD_BITS 10
#define SHARDS	   (1 << SHARD_BITS)

struct shard {
	pthread_mutex_t lock;
	struct lx_inode *head;
	size_t n;
} __attribute__((aligned(64)));

struct lx_inodes {
	struct shard shards[SHARDS];
};

uint64_t lx_hash(const char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct lx_blob *lx_blob_new(const char *data, size_t len)
{
	struct lx_blob *b = malloc(sizeof(*b) + len + 1);

	if (!b)
		return NULL;
	b->refs = 1;
	b->len = len;
	memcpy(b->data, data, len);
	b->data[len] = '\0';
	b->hash = lx_hash(data, len);
	return b;
}

struct lx_blob *lx_blob_get(struct lx_blob *b)
{
	if (b)
		__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	return b;
}

void lx_blob_put(struct lx_blob *b)
{
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(b);
}

struct lx_inodes *lx_inodes_new(void)
{
	struct lx_inodes *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&t->shards[i].lock, NULL);
	return t;
}

static void inode_destroy(struct lx_inode *i)
{
	lx_blob_put(i->cur);
	lx_blob_put(i->pending);
	pthread_mutex_destroy(&i->lock);
	free(i);
}

void lx_inodes_free(struct lx_inodes *t)
{
	if (!t)
		return;
	for (int s = 0; s < SHARDS; s++) {
		struct lx_inode *i = t->shards[s].head;

		while (i) {
			struct lx_inode *next = i->next;

			inode_destroy(i);
			i = next;
		}
		pthread_mutex_destroy(&t->shards[s].lock);
	}
	free(t);
}

static struct shard *shard_of(struct lx_inodes *t, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ULL;

	return &t->shards[h >> (64 - SHARD_BITS)];
}

struct lx_inode *lx_inodes_get(struct lx_inodes *t, uint64_t ino, bool create)
{
	struct shard *s = shard_of(t, ino);
	struct lx_inode *i;

	pthread_mutex_lock(&s->lock);
	for (i = s->head; i; i = i->next)
		if (i->ino == ino)
			break;
	if (!i && create) {
		i = calloc(1, sizeof(*i));
		if (i) {
			i->ino = ino;
			i->refs = 1;
			i->cur_key = i->make_key = LX_KEY_NONE;
			pthread_mutex_init(&i->lock, NULL);
			i->wdata_tail = &i->wdata;
			i->wopen_tail = &i->wopen;
			i->next = s->head;
			s->head = i;
			s->n++;
		}
	}
	if (i)
		__atomic_add_fetch(&i->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->lock);
	return i;
}

void lx_inode_put(struct lx_inode *i)
{
	if (i && __atomic_sub_fetch(&i->refs, 1, __ATOMIC_ACQ_REL) == 0)
		inode_destroy(i);
}

void lx_inodes_forget(struct lx_inodes *t, uint64_t ino, uint64_t n)
{
	struct shard *s = shard_of(t, ino);
	struct lx_inode **pp, *i, *gone = NULL;

	pthread_mutex_lock(&s->lock);
	for (pp = &s->head; (i = *pp); pp = &i->next) {
		if (i->ino != ino)
			continue;
		pthread_mutex_lock(&i->lock);
		/* a count we never saw (lookups of an earlier daemon process) forgets it too; a
		 * request still using the entry keeps it alive until it is done */
		if (i->nlookup > n) {
			i->nlookup -= n;
		} else {
			*pp = i->next;
			s->n--;
			gone = i;
		}
		pthread_mutex_unlock(&i->lock);
		break;
	}
	pthread_mutex_unlock(&s->lock);
	lx_inode_put(gone);
}

size_t lx_inodes_count(struct lx_inodes *t)
{
	size_t n = 0;

	for (int s = 0; s < SHARDS; s++) {
		pthread_mutex_lock(&t->shards[s].lock);
		n += t->shards[s].n;
		pthread_mutex_unlock(&t->shards[s].lock);
	}
	return n;
}

static void visit(struct lx_inodes *t, bool only_open, void (*fn)(struct lx_inode *, void *),
		  void *arg)
{
	for (int s = 0; s < SHARDS; s++) {
		struct shard *sh = &t->shards[s];
		struct lx_inode **v = NULL;
		size_t n = 0, k = 0;

		pthread_mutex_lock(&sh->lock);
		if (sh->n)
			v = malloc(sh->n * sizeof(*v));
		for (struct lx_inode *i = sh->head; v && i; i = i->next) {
			if (only_open && __atomic_load_n(&i->open, __ATOMIC_RELAXED) == 0)
				continue;
			__atomic_add_fetch(&i->refs, 1, __ATOMIC_RELAXED);
			v[n++] = i;
		}
		pthread_mutex_unlock(&sh->lock);
		for (k = 0; k < n; k++) {
			fn(v[k], arg);
			lx_inode_put(v[k]);
		}
		free(v);
	}
}

void lx_inodes_foreach(struct lx_inodes *t, void (*fn)(struct lx_inode *, void *), void *arg)
{
	visit(t, false, fn, arg);
}

void lx_inodes_foreach_open(struct lx_inodes *t, void (*fn)(struct lx_inode *, void *), void *arg)
{
	visit(t, true, fn, arg);
}

static int64_t bucket(int64_t ms)
{
	return ms / LX_YOUNG_MS;
}

unsigned lx_inode_young(const struct lx_inode *i, int64_t now_ms)
{
	int64_t b = bucket(now_ms);
	unsigned n = 0;

	for (int k = 0; k < 2; k++)
		if (i->young_id[k] >= b - 1 && i->young_id[k] <= b)
			n += i->young[k];
	return n;
}

void lx_inode_opened(struct lx_inode *i, int64_t open_ms)
{
	int64_t b = bucket(open_ms);
	int k = (int)(b & 1);

	if (i->young_id[k] != b) {
		i->young_id[k] = b;
		i->young[k] = 0;
	}
	i->young[k]++;
	__atomic_store_n(&i->open, i->open + 1, __ATOMIC_RELAXED); /* read unlocked: visit */
}

void lx_inode_released(struct lx_inode *i, int64_t open_ms)
{
	int64_t b = bucket(open_ms);
	int k = (int)(b & 1);

	if (i->young_id[k] == b && i->young[k] > 0)
		i->young[k]--;
	if (i->open > 0)
		__atomic_store_n(&i->open, i->open - 1, __ATOMIC_RELAXED);
}

enum lx_open_step lx_inode_decide(const struct lx_inode *i, int64_t now_ms, uint64_t key)
{
	int64_t age = now_ms - i->cur_ms;

	if (i->rendering || i->storing)
		return LX_OPEN_WAIT;
	if (!i->pv || i->stale || !i->cur || age < 0 || age >= LX_MAX_SHARE_MS ||
	    i->cur_key == LX_KEY_NONE)
		return LX_OPEN_MAKE;
	if (key == LX_KEY_UNCHECKED)
		return LX_OPEN_CHECK;
	return key == i->cur_key ? LX_OPEN_SHARE : LX_OPEN_MAKE;
}

bool lx_inode_needs_inval(const struct lx_inode *i, size_t len)
{
	/* a plain store writes [0, len) and grows i_size to len: it leaves nothing of an older
	 * content readable only when i_size is known and not larger */
	return !i->pv || i->stale || !i->ksize_known || len < i->ksize;
}

void lx_inode_set_cur(struct lx_inode *i, struct lx_blob *b, bool invalidated, int64_t now_ms)
{
	if (i->cur != b) {
		lx_blob_put(i->cur);
		i->cur = lx_blob_get(b);
	}
	i->cur_hash = b->hash;
	i->cur_len = b->len;
	i->have_cur = true;
	i->cur_ms = now_ms;
	i->cur_key = i->make_key;
	i->pv = true;
	i->stale = false;
	if (invalidated) {
		/* i_size is the old one until a GETATTR answer or a short READ sets it */
		i->ksize_known = false;
	} else {
		if (!i->ksize_known || b->len > i->ksize)
			i->ksize = b->len;
		i->ksize_known = true;
	}
}

void lx_inode_queue(struct lx_inode *i, struct lx_waiter *w)
{
	struct lx_waiter ***tail = w->kind == LX_WAIT_OPEN ? &i->wopen_tail : &i->wdata_tail;

	w->next = NULL;
	**tail = w;
	*tail = &w->next;
}

struct lx_waiter *lx_inode_take_data_waiters(struct lx_inode *i)
{
	struct lx_waiter *w = i->wdata;

	i->wdata = NULL;
	i->wdata_tail = &i->wdata;
	return w;
}

struct lx_waiter *lx_inode_take_open_waiters(struct lx_inode *i)
{
	struct lx_waiter *w = i->wopen;

	i->wopen = NULL;
	i->wopen_tail = &i->wopen;
	return w;
}
