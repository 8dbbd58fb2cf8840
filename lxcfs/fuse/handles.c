#include "fuse/handles.h"

#include <stdlib.h>

#include "fuse/nodeid.h"

#define SHARDS 64

struct shard {
	pthread_mutex_t lock;
	struct lx_handle *head;
	size_t n;
} __attribute__((aligned(64)));

struct lx_handles {
	struct shard shards[SHARDS];
	uint64_t next_serial;
};

struct lx_handles *handles_new(void)
{
	struct lx_handles *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&t->shards[i].lock, NULL);
	t->next_serial = 1; /* ids of an earlier process differ in their epoch */
	return t;
}

static void handle_destroy(struct lx_handle *h)
{
	pthread_mutex_destroy(&h->lock);
	free(h->data);
	free(h);
}

void handles_free(struct lx_handles *t)
{
	if (!t)
		return;
	for (int i = 0; i < SHARDS; i++) {
		struct lx_handle *h = t->shards[i].head;

		while (h) {
			struct lx_handle *next = h->next;

			handle_destroy(h);
			h = next;
		}
		pthread_mutex_destroy(&t->shards[i].lock);
	}
	free(t);
}

static struct shard *shard_of(struct lx_handles *t, uint64_t id)
{
	return &t->shards[(id ^ (id >> 17)) % SHARDS];
}

void handles_put(struct lx_handle *h)
{
	if (__atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) == 0)
		handle_destroy(h);
}

/* A new handle in the table; with hold, one more reference for the caller. */
static struct lx_handle *insert(struct lx_handles *t, uint64_t id, unsigned node, bool hold)
{
	struct lx_handle *h = calloc(1, sizeof(*h));
	struct shard *s = shard_of(t, id);

	if (!h)
		return NULL;
	h->id = id;
	h->node = node;
	h->refs = 1;
	pthread_mutex_init(&h->lock, NULL);
	if (hold)
		h->refs++;
	pthread_mutex_lock(&s->lock);
	h->next = s->head;
	s->head = h;
	s->n++;
	pthread_mutex_unlock(&s->lock);
	return h;
}

struct lx_handle *handles_open_kind(struct lx_handles *t, unsigned node, uint16_t epoch,
				    enum lx_fh_kind kind)
{
	uint64_t serial = __atomic_fetch_add(&t->next_serial, 1, __ATOMIC_RELAXED);

	return insert(t, lx_fh(epoch, kind, serial), node, false);
}

struct lx_handle *handles_open(struct lx_handles *t, unsigned node, uint16_t epoch)
{
	return handles_open_kind(t, node, epoch, LX_FH_DIRECT);
}

struct lx_handle *handles_get(struct lx_handles *t, uint64_t id, unsigned node)
{
	struct shard *s = shard_of(t, id);
	struct lx_handle *h;

	pthread_mutex_lock(&s->lock);
	for (h = s->head; h; h = h->next)
		if (h->id == id)
			break;
	if (h)
		__atomic_add_fetch(&h->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&s->lock);
	return h ? h : insert(t, id, node, true);
}

bool handles_release(struct lx_handles *t, uint64_t id)
{
	struct shard *s = shard_of(t, id);
	struct lx_handle **pp, *h = NULL;

	pthread_mutex_lock(&s->lock);
	for (pp = &s->head; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			h = *pp;
			*pp = h->next;
			s->n--;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (h)
		handles_put(h);
	return h != NULL;
}

size_t handles_count(struct lx_handles *t)
{
	size_t n = 0;

	for (int i = 0; i < SHARDS; i++) {
		pthread_mutex_lock(&t->shards[i].lock);
		n += t->shards[i].n;
		pthread_mutex_unlock(&t->shards[i].lock);
	}
	return n;
}
