#include "fuse/psi.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "fuse/fuse_ops.h"
#include "fuse/nodeid.h"
#include "common/log.h"

#define DEFAULT_MASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
#define GONE_MASK    (DEFAULT_MASK | POLLERR | POLLPRI) /* no trigger, or its file removed */

struct trigger {
	uint64_t fh, owner;
	int fd;			    /* the armed pressure file; -1 before the write */
	bool fired;		    /* an event since the last poll answer */
	bool gone;		    /* its cgroup was removed */
	struct fuse_pollhandle *ph; /* the poller to wake at the next event */
	struct lx_poll_rec *rec;    /* its kh in the state, or NULL */
	struct trigger *next;
};

struct lx_psi {
	struct fuse_session *se;
	struct lx_conn *c;
	uint16_t epoch;
	int epfd;
	pthread_mutex_t lock;
	struct trigger *head;
	unsigned n;
	pthread_t thread;
	bool stop; /* atomic */
};

static struct trigger *find(struct lx_psi *p, uint64_t fh)
{
	for (struct trigger *t = p->head; t; t = t->next)
		if (t->fh == fh)
			return t;
	return NULL;
}

/* Note t's kernel poll handle in the state (a successor wakes it after our death). */
static void record(struct lx_psi *p, struct trigger *t, uint64_t kh)
{
	struct lx_poll_rec *polls = p->c->st->polls;

	if (t->rec && __atomic_load_n(&t->rec->fh, __ATOMIC_ACQUIRE) == t->fh) {
		__atomic_store_n(&t->rec->kh, kh, __ATOMIC_RELEASE);
		return;
	}
	t->rec = NULL;
	for (unsigned k = 0; k < LX_STATE_POLLS; k++) {
		unsigned at = (unsigned)((t->fh * 0x9e3779b97f4a7c15ULL) >> 52) + k;
		struct lx_poll_rec *r = &polls[at % LX_STATE_POLLS];
		uint64_t free_ = 0;

		if (__atomic_compare_exchange_n(&r->fh, &free_, t->fh, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			__atomic_store_n(&r->kh, kh, __ATOMIC_RELEASE);
			t->rec = r;
			return;
		}
	}
}

static void unrecord(struct trigger *t)
{
	if (t->rec) {
		__atomic_store_n(&t->rec->kh, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&t->rec->fh, 0, __ATOMIC_RELEASE);
		t->rec = NULL;
	}
}

/* A handle of an earlier process (epochs grow by one per process, mod 2^16): not one of a
 * successor's, which a retiring process still running must leave alone. */
static bool earlier(uint16_t mine, uint64_t fh)
{
	uint16_t e = lx_fh_epoch(fh);

	return e != mine && (uint16_t)(mine - e) < 0x8000;
}

/* Wake the pollers an earlier process noted: their next poll gets POLLERR from us. */
static void wake_orphans(struct lx_psi *p)
{
	struct lx_poll_rec *polls = p->c->st->polls;

	for (unsigned k = 0; k < LX_STATE_POLLS; k++) {
		uint64_t fh = __atomic_load_n(&polls[k].fh, __ATOMIC_ACQUIRE), kh;
		int r;

		if (!fh || !earlier(p->epoch, fh))
			continue;
		kh = __atomic_load_n(&polls[k].kh, __ATOMIC_ACQUIRE);
		/* the entry goes before the wake: a retiring process that answers the woken
		 * poller's next poll notes it again, and the next scan wakes it again (cleared
		 * after the wake, that note was lost and the poller slept on). One never polled
		 * (kh 0) is forgotten: nobody to wake. */
		if (!__atomic_compare_exchange_n(&polls[k].fh, &fh, 0, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED) ||
		    !kh)
			continue;
		r = lx_conn_notify_poll(p->c, kh);
		log_debug("woke the poller of PSI handle %#llx of epoch %u: %s",
			  (unsigned long long)fh, lx_fh_epoch(fh), r < 0 ? strerror(-r) : "ok");
	}
}

static void *watcher(void *arg)
{
	struct lx_psi *p = arg;

	wake_orphans(p);
	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		struct epoll_event ev[32];
		int n = epoll_wait(p->epfd, ev, 32, LX_PSI_SCAN_MS);

		for (int k = 0; k < n; k++) {
			struct fuse_pollhandle *ph = NULL;
			struct trigger *t;

			pthread_mutex_lock(&p->lock);
			t = find(p, ev[k].data.u64);
			if (t && (ev[k].events & (EPOLLERR | EPOLLHUP))) {
				/* the cgroup is gone: nothing more will fire */
				t->gone = true;
				epoll_ctl(p->epfd, EPOLL_CTL_DEL, t->fd, NULL);
			}
			if (t && (ev[k].events & EPOLLPRI))
				t->fired = true;
			if (t) {
				ph = t->ph;
				t->ph = NULL;
			}
			pthread_mutex_unlock(&p->lock);
			if (ph) {
				fuse_lowlevel_notify_poll(ph);
				fuse_pollhandle_destroy(ph);
			}
		}
		if (n < 0 && errno != EINTR) {
			log_error("PSI triggers: epoll_wait: %s", strerror(errno));
			usleep(LX_PSI_SCAN_MS * 1000);
		}
		wake_orphans(p);
	}
	return NULL;
}

struct lx_psi *lx_psi_new(struct fuse_session *se, struct lx_conn *c, uint16_t epoch)
{
	struct lx_psi *p = calloc(1, sizeof(*p));
	int e;

	if (!p)
		return NULL;
	p->se = se;
	p->c = c;
	p->epoch = epoch;
	pthread_mutex_init(&p->lock, NULL);
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0)
		goto fail;
	e = pthread_create(&p->thread, NULL, watcher, p);
	if (e != 0) {
		errno = e;
		goto fail;
	}
	return p;
fail:
	e = errno;
	if (p->epfd >= 0)
		close(p->epfd);
	pthread_mutex_destroy(&p->lock);
	free(p);
	errno = e;
	return NULL;
}

/* keep_note: the process ends (a successor may take the connection over): its note of the
 * poller stays in the state for the successor to wake it. A retiring process still answers
 * polls while its successor runs, and may note a poller again after the successor's scan
 * woke it once: cleared at exit, that note was lost and the poller slept on. */
static void destroy(struct trigger *t, bool keep_note)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->ph)
		fuse_pollhandle_destroy(t->ph);
	if (!keep_note)
		unrecord(t);
	free(t);
}

void lx_psi_free(struct lx_psi *p)
{
	if (!p)
		return;
	__atomic_store_n(&p->stop, true, __ATOMIC_RELEASE);
	pthread_join(p->thread, NULL);
	while (p->head) {
		struct trigger *t = p->head;

		p->head = t->next;
		destroy(t, true);
	}
	close(p->epfd);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int lx_psi_open(struct lx_psi *p, uint64_t fh, uint64_t owner, pid_t pid)
{
	struct trigger *t = calloc(1, sizeof(*t));
	unsigned mine = 0;

	if (!t)
		return -ENOMEM;
	t->fh = fh;
	t->owner = owner;
	t->fd = -1;
	pthread_mutex_lock(&p->lock);
	for (struct trigger *o = p->head; o; o = o->next)
		mine += o->owner == owner;
	if (p->n >= LX_PSI_MAX_TRIGGERS || mine >= LX_PSI_MAX_TRIGGERS_PER_NS) {
		char key[48];
		bool all = p->n >= LX_PSI_MAX_TRIGGERS;

		pthread_mutex_unlock(&p->lock);
		free(t);
		snprintf(key, sizeof(key), "psi-cap:%llu", all ? ~0ULL : (unsigned long long)owner);
		lx_log_ratelimited(LX_LOG_WARN, key, 60,
				   "%u PSI trigger files open %s (pid %d): refusing more (EMFILE)",
				   all ? LX_PSI_MAX_TRIGGERS : LX_PSI_MAX_TRIGGERS_PER_NS,
				   all ? "in all" : "in its pid namespace", pid);
		return -EMFILE;
	}
	t->next = p->head;
	p->head = t;
	p->n++;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

bool lx_psi_armed(struct lx_psi *p, uint64_t fh)
{
	struct trigger *t;
	bool armed;

	pthread_mutex_lock(&p->lock);
	t = find(p, fh);
	armed = t && t->fd >= 0;
	pthread_mutex_unlock(&p->lock);
	return armed;
}

int lx_psi_attach(struct lx_psi *p, uint64_t fh, int fd)
{
	struct epoll_event ev = {.events = EPOLLPRI, .data.u64 = fh};
	struct trigger *t;
	int r = 0;

	pthread_mutex_lock(&p->lock);
	t = find(p, fh);
	if (!t)
		r = -EBADF;
	else if (t->fd >= 0)
		r = -EBUSY;
	else if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		r = -errno;
	else
		t->fd = fd;
	pthread_mutex_unlock(&p->lock);
	if (r < 0)
		close(fd);
	return r;
}

unsigned lx_psi_poll(struct lx_psi *p, uint64_t fh, struct fuse_pollhandle *ph, uint64_t kh)
{
	struct fuse_pollhandle *old = NULL;
	struct trigger *t;
	unsigned mask;

	pthread_mutex_lock(&p->lock);
	t = find(p, fh);
	if (!t || t->fd < 0 || t->gone) {
		mask = GONE_MASK; /* the kernel's answer without a trigger: nothing to wait for */
	} else {
		mask = DEFAULT_MASK;
		if (t->fired)
			mask |= POLLPRI;
		t->fired = false;
		if (ph) {
			old = t->ph;
			t->ph = ph;
			ph = NULL;
			if (kh)
				record(p, t, kh);
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (old)
		fuse_pollhandle_destroy(old);
	if (ph)
		fuse_pollhandle_destroy(ph);
	return mask;
}

void lx_psi_release(struct lx_psi *p, uint64_t fh)
{
	struct trigger **pp, *t = NULL;

	pthread_mutex_lock(&p->lock);
	for (pp = &p->head; *pp; pp = &(*pp)->next) {
		if ((*pp)->fh == fh) {
			t = *pp;
			*pp = t->next;
			p->n--;
			break;
		}
	}
	if (t && t->fd >= 0 && !t->gone)
		epoll_ctl(p->epfd, EPOLL_CTL_DEL, t->fd, NULL);
	pthread_mutex_unlock(&p->lock);
	if (t)
		destroy(t, false); /* the handle is closed: nobody to wake */
}

unsigned lx_psi_count(struct lx_psi *p)
{
	unsigned n;

	pthread_mutex_lock(&p->lock);
	n = p->n;
	pthread_mutex_unlock(&p->lock);
	return n;
}

bool lx_psi_privileged(pid_t pid)
{
	char path[64], line[256];
	unsigned long long caps = 0;
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = pid > 0 ? fopen(path, "re") : NULL;
	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp))
		found = sscanf(line, "CapEff: %llx", &caps) == 1;
	fclose(fp);
	return found && (caps & (1ULL << 24)) != 0; /* CAP_SYS_RESOURCE */
}
