#include "view/containers.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "view/devnames.h"
#include "common/clock.h"
#include "common/proc.h"
#include "common/cleanup.h"
#include "common/log.h"

#ifndef NS_GET_PARENT
#define NS_GET_PARENT _IO(0xb7, 0x2)
#endif
#ifndef NS_GET_TGID_FROM_PIDNS
#define NS_GET_TGID_FROM_PIDNS _IOR(0xb7, 0x7, int) /* Linux 6.7 */
#endif

#define SHARDS	 64
#define TOPS	 256 /* buckets counting entries per top-level namespace */
#define SWEEP_MS 2000

struct shard {
	pthread_mutex_t lock;
	struct lx_container *head;
} __attribute__((aligned(64)));

struct lx_containers {
	uint64_t host_ns;
	struct shard shards[SHARDS];
	/* caps: entries in the table, and per top-level namespace (by hash bucket; a bucket
	 * shared by two tops only makes both reach the cap sooner) */
	pthread_mutex_t count_lock;
	size_t count;
	unsigned per_top[TOPS];
	/* the reaper: drops an entry as soon as its init exits (its pidfd turns readable).
	 * Started with the first entry, by the process that serves: a thread started before
	 * the daemon forks into the background would not exist in the daemon. */
	int epfd;
	int wakefd[2];
	pthread_t reaper;
	bool reaper_running; /* under count_lock */
	bool reaper_failed;
};

static unsigned top_bucket(uint64_t top)
{
	return (unsigned)((top * 0x9e3779b97f4a7c15ULL) >> 56) % TOPS;
}

static void container_destroy(struct lx_container *c)
{
	if (c->pidfd >= 0)
		close(c->pidfd);
	cg_paths_free(&c->paths);
	cg_fdcache_free(c->cache);
	devnames_free(&c->devs);
	pthread_mutex_destroy(&c->cg_lock);
	pthread_mutex_destroy(&c->lock);
	stat_mono_free(c->mono);
	free(c);
}

/* Is the container's init still the process we found? */
static bool container_alive(const struct lx_container *c)
{
	uint64_t start;

	if (c->pidfd >= 0)
		return pidfd_alive(c->pidfd);
	return proc_stat_start(c->init_pid, &start, NULL, NULL) == 0 && start == c->start_ticks;
}

/* Unlink c (with its shard lock held) and give back its place under the caps; the caller
 * destroys it when no reference is left. */
static void unlink_locked(struct lx_containers *t, struct lx_container **pp)
{
	struct lx_container *c = *pp;

	*pp = c->next;
	c->cached = false;
	if (c->pidfd >= 0 && t->epfd >= 0)
		epoll_ctl(t->epfd, EPOLL_CTL_DEL, c->pidfd, NULL);
	pthread_mutex_lock(&t->count_lock);
	t->count--;
	t->per_top[top_bucket(c->top_ns)]--;
	pthread_mutex_unlock(&t->count_lock);
}

/* Drop every dead entry of one shard. */
static void sweep_shard(struct lx_containers *t, struct shard *s, uint64_t only_ns)
{
	struct lx_container **pp, *c, *dead = NULL;

	pthread_mutex_lock(&s->lock);
	pp = &s->head;
	while ((c = *pp)) {
		if ((only_ns && c->ns_ino != only_ns) || container_alive(c)) {
			pp = &c->next;
			continue;
		}
		unlink_locked(t, pp);
		if (c->refs == 0) {
			c->next = dead;
			dead = c;
		}
	}
	pthread_mutex_unlock(&s->lock);
	while (dead) {
		c = dead->next;
		container_destroy(dead);
		dead = c;
	}
}

static void *reaper(void *arg)
{
	struct lx_containers *t = arg;
	int64_t last_sweep = lx_now_ms();

	for (;;) {
		struct epoll_event ev[64];
		int n = epoll_wait(t->epfd, ev, 64, SWEEP_MS);

		for (int k = 0; k < n; k++) {
			uint64_t ns = ev[k].data.u64;

			if (ns == 0) /* the wake pipe: stop */
				return NULL;
			sweep_shard(t, &t->shards[ns % SHARDS], ns);
		}
		/* entries without a pidfd (no pidfd_open: valgrind, old kernels) */
		if (lx_now_ms() - last_sweep >= SWEEP_MS) {
			for (int i = 0; i < SHARDS; i++)
				sweep_shard(t, &t->shards[i], 0);
			last_sweep = lx_now_ms();
		}
	}
}

struct lx_containers *containers_new(struct lx_error *err)
{
	struct lx_containers *t = calloc(1, sizeof(*t));
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};

	if (!t) {
		lx_error_set(err, ENOMEM, "container cache");
		return NULL;
	}
	t->epfd = -1;
	t->wakefd[0] = t->wakefd[1] = -1;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&t->shards[i].lock, NULL);
	pthread_mutex_init(&t->count_lock, NULL);
	if (proc_pidns_ino(0, &t->host_ns, err) < 0)
		goto fail;
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (t->epfd < 0 || pipe2(t->wakefd, O_CLOEXEC) < 0 ||
	    epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->wakefd[0], &ev) < 0) {
		lx_error_set(err, errno, "container reaper");
		goto fail;
	}
	return t;
fail:
	containers_free(t);
	return NULL;
}

void containers_free(struct lx_containers *t)
{
	if (!t)
		return;
	if (t->reaper_running) {
		if (write(t->wakefd[1], "x", 1) < 0) {
			/* the pipe is ours and empty: cannot fail */
		}
		pthread_join(t->reaper, NULL);
	}
	for (int i = 0; i < SHARDS; i++) {
		struct lx_container *c = t->shards[i].head;

		while (c) {
			struct lx_container *next = c->next;

			container_destroy(c);
			c = next;
		}
		pthread_mutex_destroy(&t->shards[i].lock);
	}
	if (t->epfd >= 0)
		close(t->epfd);
	for (int k = 0; k < 2; k++)
		if (t->wakefd[k] >= 0)
			close(t->wakefd[k]);
	pthread_mutex_destroy(&t->count_lock);
	free(t);
}

/* Start the reaper in this process, once. Without it, dead entries go only when their
 * namespace is looked up again (or under the caps). */
static void reaper_start(struct lx_containers *t)
{
	bool start;

	pthread_mutex_lock(&t->count_lock);
	start = !t->reaper_running && !t->reaper_failed;
	if (start) {
		if (pthread_create(&t->reaper, NULL, reaper, t) == 0)
			__atomic_store_n(&t->reaper_running, true, __ATOMIC_RELAXED);
		else
			t->reaper_failed = true;
	}
	pthread_mutex_unlock(&t->count_lock);
	if (start && t->reaper_failed)
		log_warn("cannot start the container reaper thread: the entries of exited "
			 "containers go only when their namespace is read again");
}

/* The daemon's own failures (out of descriptors or memory), kept in *fail while looking for
 * an init: a container that cannot be found for them is not one that is gone. */
static void note_fail(int *fail, int code)
{
	if (fail && (code == EMFILE || code == ENFILE || code == ENOMEM))
		*fail = code;
}

static int is_init_of(pid_t pid, uint64_t ns, int *fail)
{
	struct lx_error e = {0, ""};
	pid_t ppid, inner;
	uint64_t ino;

	if (proc_pidns_ino(pid, &ino, NULL) < 0 || ino != ns)
		return 0;
	if (proc_status_ids(pid, &ppid, &inner, &e) < 0) {
		note_fail(fail, e.code);
		return 0;
	}
	return inner == 1;
}

/* Pid 1 of the namespace of pid, translated by the kernel (Linux 6.7+). */
static pid_t init_by_nsfd(pid_t pid, uint64_t ns, int *fail)
{
	char path[64];
	__close int fd = -1;
	struct stat st;
	int r;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		note_fail(fail, errno);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_ino != ns)
		return -1;
	r = ioctl(fd, NS_GET_TGID_FROM_PIDNS, 1);
	return r > 0 ? r : -1;
}

/* Walk up the parents of pid while they stay in the namespace. */
static pid_t init_by_parents(pid_t pid, uint64_t ns, int *fail)
{
	pid_t cur = pid;

	for (int depth = 0; depth < 4096 && cur > 0; depth++) {
		struct lx_error e = {0, ""};
		pid_t ppid, inner;
		uint64_t ino;

		if (proc_pidns_ino(cur, &ino, NULL) < 0 || ino != ns)
			return -1;
		if (proc_status_ids(cur, &ppid, &inner, &e) < 0) {
			note_fail(fail, e.code);
			return -1;
		}
		if (inner == 1)
			return cur;
		cur = ppid;
	}
	return -1;
}

/* A process entered the namespace with setns (its parent is outside), or nobody of it
 * asked: scan /proc. */
static pid_t init_by_scan(uint64_t ns, int *fail)
{
	__closedir DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d) {
		note_fail(fail, errno);
		return -1;
	}
	while ((e = readdir(d))) {
		pid_t pid;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = (pid_t)atoi(e->d_name);
		if (is_init_of(pid, ns, fail))
			return pid;
	}
	return -1;
}

/* The pid namespace just below the daemon's that contains ns (ns itself for a container
 * of the host; a parent for a namespace nested in a container). */
static uint64_t top_of(pid_t init, uint64_t ns, uint64_t host_ns)
{
	char path[64];
	int fd;
	uint64_t top = ns;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", init);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	for (int depth = 0; fd >= 0 && depth < 64; depth++) {
		int parent = ioctl(fd, NS_GET_PARENT);
		struct stat st;

		close(fd);
		fd = -1;
		if (parent < 0)
			break; /* at (or above) our own namespace */
		if (fstat(parent, &st) < 0 || st.st_ino == host_ns) {
			close(parent);
			break;
		}
		top = st.st_ino;
		fd = parent;
	}
	if (fd >= 0)
		close(fd);
	return top;
}

static struct lx_container *container_new(struct lx_containers *t, uint64_t ns, pid_t hint,
					  struct lx_error *err)
{
	struct lx_container *c;
	int fail = 0;
	pid_t init = init_by_nsfd(hint, ns, &fail);

	if (init < 0)
		init = init_by_parents(hint, ns, &fail);
	if (init < 0)
		init = init_by_scan(ns, &fail);
	if (init < 0) {
		lx_error_set(err, fail ? fail : ESRCH,
			     "no init process found for pid namespace %llu of pid %d",
			     (unsigned long long)ns, hint);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		lx_error_set(err, ENOMEM, "container cache");
		return NULL;
	}
	c->ns_ino = ns;
	c->init_pid = init;
	/* without pidfds (old kernels, valgrind) the start time alone identifies init */
	c->pidfd = pidfd_open_pid(init);
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->cg_lock, NULL);
	c->cache = cg_fdcache_new(); /* NULL: files are opened at each read */
	if (c->pidfd < 0 && errno != ENOSYS) {
		lx_error_set(err, errno, "pidfd_open(%d)", init);
		container_destroy(c);
		return NULL;
	}
	if (proc_stat_start(init, &c->start_ticks, NULL, err) < 0) {
		container_destroy(c);
		return NULL;
	}
	/* the pid could have been reused between the search and pidfd_open: check again */
	if (!is_init_of(init, ns, NULL)) {
		lx_error_set(err, ESRCH, "init %d of pid namespace %llu went away", init,
			     (unsigned long long)ns);
		container_destroy(c);
		return NULL;
	}
	c->top_ns = top_of(init, ns, t->host_ns);
	return c;
}

/* Room under the caps for one more entry of top (taken when true). */
static bool reserve(struct lx_containers *t, uint64_t top)
{
	unsigned b = top_bucket(top);
	bool ok;

	pthread_mutex_lock(&t->count_lock);
	ok = t->count < LX_MAX_CONTAINERS && t->per_top[b] < LX_MAX_NESTED_PER_TOP;
	if (ok) {
		t->count++;
		t->per_top[b]++;
	}
	pthread_mutex_unlock(&t->count_lock);
	return ok;
}

int containers_lookup_ns(struct lx_containers *t, uint64_t ns, pid_t hint,
			 struct lx_container **out, struct lx_error *err)
{
	struct lx_container *c, **pp, *fresh, *dead = NULL;
	struct shard *s;

	if (ns == t->host_ns)
		return 0;
	s = &t->shards[ns % SHARDS];
	pthread_mutex_lock(&s->lock);
	for (pp = &s->head; (c = *pp); pp = &c->next) {
		if (c->ns_ino != ns)
			continue;
		if (container_alive(c)) {
			c->refs++;
			pthread_mutex_unlock(&s->lock);
			*out = c;
			return 1;
		}
		unlink_locked(t, pp); /* init died: the namespace (or its inode number) is new */
		if (c->refs == 0)
			dead = c;
		break;
	}
	pthread_mutex_unlock(&s->lock);
	if (dead)
		container_destroy(dead);

	fresh = container_new(t, ns, hint, err);
	if (!fresh)
		return -1;
	pthread_mutex_lock(&s->lock);
	for (c = s->head; c; c = c->next) /* another thread may have added it meanwhile */
		if (c->ns_ino == ns && c->init_pid == fresh->init_pid)
			break;
	if (!c && reserve(t, fresh->top_ns)) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ns};

		c = fresh;
		fresh = NULL;
		c->cached = true;
		c->next = s->head;
		s->head = c;
		if (c->pidfd >= 0)
			epoll_ctl(t->epfd, EPOLL_CTL_ADD, c->pidfd, &ev);
		if (!__atomic_load_n(&t->reaper_running, __ATOMIC_RELAXED))
			reaper_start(t);
	} else if (!c) {
		/* over its cap: served, but not kept (freed by container_put) */
		char key[64];

		snprintf(key, sizeof(key), "cap:%llu", (unsigned long long)fresh->top_ns);
		lx_log_ratelimited(LX_LOG_WARN, key, 60,
				   "pid namespace %llu: more than %d nested containers (or %d in "
				   "all) to keep: found again at each read",
				   (unsigned long long)fresh->top_ns, LX_MAX_NESTED_PER_TOP,
				   LX_MAX_CONTAINERS);
		c = fresh;
		fresh = NULL;
	}
	c->refs++;
	pthread_mutex_unlock(&s->lock);
	if (fresh)
		container_destroy(fresh);
	*out = c;
	return 1;
}

int containers_lookup(struct lx_containers *t, pid_t reader, struct lx_container **out,
		      struct lx_error *err)
{
	uint64_t ns;

	if (proc_pidns_ino(reader, &ns, err) < 0)
		return -1;
	return containers_lookup_ns(t, ns, reader, out, err);
}

void container_put(struct lx_containers *t, struct lx_container *c)
{
	struct shard *s = &t->shards[c->ns_ino % SHARDS];
	bool last;

	pthread_mutex_lock(&s->lock);
	c->refs--;
	/* an entry unlinked (dead, or never kept) is freed by its last user */
	last = !c->cached && c->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last)
		container_destroy(c);
}

int containers_foreach(struct lx_containers *t, void (*fn)(struct lx_container *, void *),
		       void *arg, struct lx_error *err)
{
	__free struct lx_container **live = NULL; /* one shard's, reused for the next */
	size_t cap = 0, missed = 0;

	for (int i = 0; i < SHARDS; i++) {
		struct shard *s = &t->shards[i];
		struct lx_container *c;
		size_t n = 0;

		sweep_shard(t, s, 0);
		pthread_mutex_lock(&s->lock);
		for (c = s->head; c; c = c->next) {
			if (n == cap) {
				size_t ncap = cap ? 2 * cap : 64;
				struct lx_container **v = realloc(live, ncap * sizeof(*v));

				if (!v) {
					missed++;
					continue;
				}
				live = v;
				cap = ncap;
			}
			c->refs++;
			live[n++] = c;
		}
		pthread_mutex_unlock(&s->lock);
		for (size_t k = 0; k < n; k++) {
			fn(live[k], arg);
			container_put(t, live[k]);
		}
	}
	if (missed)
		return lx_error_set(err, ENOMEM, "%zu container%s skipped", missed,
				    missed == 1 ? "" : "s");
	return 0;
}

size_t containers_count(struct lx_containers *t)
{
	size_t n;

	pthread_mutex_lock(&t->count_lock);
	n = t->count;
	pthread_mutex_unlock(&t->count_lock);
	return n;
}

struct stat_mono *stat_mono_new(void)
{
	void *p = mmap(NULL, sizeof(struct stat_mono), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void stat_mono_free(struct stat_mono *m)
{
	if (m)
		munmap(m, sizeof(*m));
}
