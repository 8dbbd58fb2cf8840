#include "fuse/notifier.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "fuse/fuse_ops.h"
#include "fuse/fuse_params.h"
#include "fuse/inodes.h"

/* jobs run by FUSE workers at once, at most: the other workers answer READs */
#define MAX_INLINE (LX_MAX_THREADS / 2)

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct lx_job *head, **tail;
	bool stop;
	pthread_t thread;
	bool started;
	struct lx_notifier *owner;
};

struct lx_notifier {
	struct fuse_session *se;
	unsigned n;
	unsigned pending;	 /* atomic */
	unsigned inline_running; /* atomic: jobs run by FUSE workers now */
	struct queue q[];
};

static int run(struct fuse_session *se, struct lx_job *job)
{
	int err = 0, r;

	if (job->inval) {
		r = fuse_lowlevel_notify_inval_inode(se, job->ino, 0, 0);
		if (r < 0)
			err = r;
	}
	if (job->blob && err == 0) {
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(job->blob->len);

		bv.buf[0].mem = job->blob->data;
		r = fuse_lowlevel_notify_store(se, job->ino, 0, &bv, 0);
		if (r < 0)
			err = r;
	}
	return err;
}

static void *worker(void *arg)
{
	struct queue *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct lx_job *job;
		int err;

		while (!q->head && !q->stop)
			pthread_cond_wait(&q->cond, &q->lock);
		if (!q->head)
			break;
		job = q->head;
		q->head = job->next;
		if (!q->head)
			q->tail = &q->head;
		pthread_mutex_unlock(&q->lock);
		err = run(q->owner->se, job);
		job->done(job, err);
		__atomic_sub_fetch(&q->owner->pending, 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct lx_notifier *lx_notifier_new(struct fuse_session *se, unsigned nthreads)
{
	struct lx_notifier *n = calloc(1, sizeof(*n) + nthreads * sizeof(struct queue));

	if (!n)
		return NULL;
	n->se = se;
	n->n = nthreads;
	for (unsigned i = 0; i < nthreads; i++) {
		struct queue *q = &n->q[i];

		pthread_mutex_init(&q->lock, NULL);
		pthread_cond_init(&q->cond, NULL);
		q->tail = &q->head;
		q->owner = n;
		if (pthread_create(&q->thread, NULL, worker, q) != 0) {
			lx_notifier_free(n);
			errno = EAGAIN;
			return NULL;
		}
		q->started = true;
	}
	return n;
}

void lx_notifier_submit(struct lx_notifier *n, struct lx_job *job)
{
	uint64_t h = job->ino * 0x9e3779b97f4a7c15ULL;
	struct queue *q = &n->q[(h >> 40) % n->n];

	job->next = NULL;
	__atomic_add_fetch(&n->pending, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&q->lock);
	*q->tail = job;
	q->tail = &job->next;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void lx_notifier_run(struct lx_notifier *n, struct lx_job *job)
{
	int err;

	if (__atomic_add_fetch(&n->inline_running, 1, __ATOMIC_RELAXED) > MAX_INLINE) {
		__atomic_sub_fetch(&n->inline_running, 1, __ATOMIC_RELAXED);
		lx_notifier_submit(n, job);
		return;
	}
	__atomic_add_fetch(&n->pending, 1, __ATOMIC_RELAXED);
	err = run(n->se, job);
	job->done(job, err);
	__atomic_sub_fetch(&n->pending, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&n->inline_running, 1, __ATOMIC_RELAXED);
}

unsigned lx_notifier_pending(struct lx_notifier *n)
{
	return __atomic_load_n(&n->pending, __ATOMIC_RELAXED);
}

void lx_notifier_free(struct lx_notifier *n)
{
	if (!n)
		return;
	for (unsigned i = 0; i < n->n; i++) {
		struct queue *q = &n->q[i];

		pthread_mutex_lock(&q->lock);
		q->stop = true;
		pthread_cond_signal(&q->cond);
		pthread_mutex_unlock(&q->lock);
		if (q->started)
			pthread_join(q->thread, NULL);
		pthread_mutex_destroy(&q->lock);
		pthread_cond_destroy(&q->cond);
	}
	free(n);
}
