#include "view/containers.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "view/devnames.h"
#include "common/proc.h"
#include "common/cleanup.h"

#define SHARDS 64

struct shard {
	pthread_mutex_t lock;
	struct lx_container *head;
} __attribute__((aligned(64)));

struct lx_containers {
	uint64_t host_ns;
	struct shard shards[SHARDS];
};

struct lx_containers *containers_new(struct lx_error *err)
{
	struct lx_containers *t = calloc(1, sizeof(*t));

	if (!t) {
		lx_error_set(err, ENOMEM, "container cache");
		return NULL;
	}
	if (proc_pidns_ino(0, &t->host_ns, err) < 0) {
		free(t);
		return NULL;
	}
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&t->shards[i].lock, NULL);
	return t;
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

void containers_free(struct lx_containers *t)
{
	if (!t)
		return;
	for (int i = 0; i < SHARDS; i++) {
		struct lx_container *c = t->shards[i].head;

		while (c) {
			struct lx_container *next = c->next;

			container_destroy(c);
			c = next;
		}
		pthread_mutex_destroy(&t->shards[i].lock);
	}
	free(t);
}

/* Is the container's init still the process we found? */
static bool container_alive(const struct lx_container *c)
{
	uint64_t start;

	if (c->pidfd >= 0)
		return pidfd_alive(c->pidfd);
	return proc_stat_start(c->init_pid, &start, NULL, NULL) == 0 && start == c->start_ticks;
}

static int is_init_of(pid_t pid, uint64_t ns)
{
	pid_t ppid, inner;
	uint64_t ino;

	if (proc_pidns_ino(pid, &ino, NULL) < 0 || ino != ns)
		return 0;
	if (proc_status_ids(pid, &ppid, &inner, NULL) < 0)
		return 0;
	return inner == 1;
}

/* Walk up the parents of reader while they stay in the namespace. */
static pid_t init_by_parents(pid_t reader, uint64_t ns)
{
	pid_t cur = reader;

	for (int depth = 0; depth < 4096 && cur > 0; depth++) {
		pid_t ppid, inner;
		uint64_t ino;

		if (proc_status_ids(cur, &ppid, &inner, NULL) < 0)
			return -1;
		if (inner == 1)
			return cur;
		if (ppid <= 0 || proc_pidns_ino(ppid, &ino, NULL) < 0 || ino != ns)
			return -1;
		cur = ppid;
	}
	return -1;
}

/* A process entered the namespace with setns (its parent is outside): scan /proc. */
static pid_t init_by_scan(uint64_t ns)
{
	__closedir DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		pid_t pid;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = (pid_t)atoi(e->d_name);
		if (is_init_of(pid, ns))
			return pid;
	}
	return -1;
}

static struct lx_container *container_new(uint64_t ns, pid_t reader, struct lx_error *err)
{
	struct lx_container *c;
	pid_t init = init_by_parents(reader, ns);

	if (init < 0)
		init = init_by_scan(ns);
	if (init < 0) {
		lx_error_set(err, ESRCH, "no init process found for pid namespace %llu of pid %d",
			     (unsigned long long)ns, reader);
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
	/* the pid could have been reused between the scan and pidfd_open: check again */
	if (!is_init_of(init, ns)) {
		lx_error_set(err, ESRCH, "init %d of pid namespace %llu went away", init,
			     (unsigned long long)ns);
		container_destroy(c);
		return NULL;
	}
	return c;
}

int containers_lookup(struct lx_containers *t, pid_t reader, struct lx_container **out,
		      struct lx_error *err)
{
	struct lx_container *c, **pp, *fresh, *dead = NULL;
	struct shard *s;
	uint64_t ns;

	if (proc_pidns_ino(reader, &ns, err) < 0)
		return -1;
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
		*pp = c->next; /* init died: the namespace (or its inode number) is new */
		if (c->refs == 0)
			dead = c;
		break;
	}
	pthread_mutex_unlock(&s->lock);
	if (dead)
		container_destroy(dead);

	fresh = container_new(ns, reader, err);
	if (!fresh)
		return -1;
	pthread_mutex_lock(&s->lock);
	for (c = s->head; c; c = c->next) /* another thread may have added it meanwhile */
		if (c->ns_ino == ns && c->init_pid == fresh->init_pid)
			break;
	if (!c) {
		c = fresh;
		fresh = NULL;
		c->next = s->head;
		s->head = c;
	}
	c->refs++;
	pthread_mutex_unlock(&s->lock);
	if (fresh)
		container_destroy(fresh);
	*out = c;
	return 1;
}

void container_put(struct lx_containers *t, struct lx_container *c)
{
	struct shard *s = &t->shards[c->ns_ino % SHARDS];
	struct lx_container *it;
	bool listed = false, last;

	pthread_mutex_lock(&s->lock);
	c->refs--;
	for (it = s->head; it; it = it->next)
		if (it == c)
			listed = true;
	last = !listed && c->refs == 0;
	pthread_mutex_unlock(&s->lock);
	/* an entry unlinked as dead while referenced is freed by its last user */
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
		struct lx_container **pp, *c;
		size_t n = 0;

		pthread_mutex_lock(&s->lock);
		pp = &s->head;
		while ((c = *pp)) {
			if (!container_alive(c)) {
				*pp = c->next;
				if (c->refs == 0)
					container_destroy(c);
				continue;
			}
			pp = &c->next;
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
