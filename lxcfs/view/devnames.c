#include "view/devnames.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/proc.h"
#include "common/cleanup.h"
#include "common/fileio.h"

/* File systems a scan may touch: the kernel answers for them by itself. Anything else
 * (FUSE, network file systems) could be made to hang by whoever serves it. */
static const char *const safe_fs[] = {"rootfs", "tmpfs", "devtmpfs", "ramfs",  "overlay",  "ext4",
				      "ext3",	"ext2",	 "xfs",	     "btrfs",  "squashfs", "erofs",
				      "zfs",	"vfat",	 "f2fs",     "devpts", NULL};

static bool fs_safe(const char *type)
{
	for (int i = 0; safe_fs[i]; i++)
		if (strcmp(type, safe_fs[i]) == 0)
			return true;
	return false;
}

/* The file system types of "/" and "/dev" as pid sees them (the last mount on each, from
 * its mountinfo: reading it does not touch any of them). */
static int check_mounts(pid_t pid, struct lx_error *err)
{
	char path[64], root_type[64] = "", dev_type[64] = "";
	__sbfree struct strbuf sb = STRBUF_INIT;
	__close int fd = -1;
	char *line, *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread_whole(fd, &sb) < 0)
		return lx_error_set(err, errno, "read `%s`", path);
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mnt[4096], type[64], *sep;

		if (sscanf(line, "%*d %*d %*s %*s %4095s", mnt) != 1)
			continue;
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s", type) != 1)
			continue;
		if (strcmp(mnt, "/") == 0)
			snprintf(root_type, sizeof(root_type), "%s", type);
		else if (strcmp(mnt, "/dev") == 0)
			snprintf(dev_type, sizeof(dev_type), "%s", type);
	}
	if (!fs_safe(root_type) || (dev_type[0] && !fs_safe(dev_type)))
		return lx_error_set(err, ENOTSUP,
				    "not reading the /dev of pid %d: it is on %s, which a "
				    "container's process may serve",
				    pid, dev_type[0] && !fs_safe(dev_type) ? dev_type : root_type);
	return 0;
}

/* Device numbers seen, for the first name of each (open addressing over dev_t). */
struct seen {
	dev_t *v;
	size_t cap;
};

static bool seen_add(struct seen *s, dev_t d)
{
	size_t i = (size_t)((d * 0x9e3779b97f4a7c15ULL) >> 40) & (s->cap - 1);

	while (s->v[i]) {
		if (s->v[i] == d + 1)
			return false;
		i = (i + 1) & (s->cap - 1);
	}
	s->v[i] = d + 1;
	return true;
}

static int add(struct devnames *d, size_t *cap, unsigned major, unsigned minor, const char *name)
{
	struct devname *v;

	if (d->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		v = realloc(d->v, ncap * sizeof(*v));
		if (!v)
			return -1;
		d->v = v;
		*cap = ncap;
	}
	v = &d->v[d->n];
	v->major = major;
	v->minor = minor;
	snprintf(v->name, sizeof(v->name), "%.63s", name);
	d->n++;
	return 0;
}

static int scan(pid_t pid, struct devnames *out, struct lx_error *err)
{
	char path[64];
	__close int rootfd = -1, devfd = -1;
	__closedir DIR *dir = NULL;
	struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			       .resolve =
				   RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	struct devnames d = {0, NULL};
	struct seen seen = {NULL, LX_DEVNAMES_MAX * 2};
	struct dirent *e;
	struct stat root;
	size_t cap = 0, entries = 0;

	if (check_mounts(pid, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || fstat(rootfd, &root) < 0)
		return lx_error_set(err, errno, "open `%s`", path);
	/* the container's "dev", resolved inside its root: no symlink is followed (a /dev that
	 * points at a host directory is refused, not listed) */
	devfd = (int)syscall(SYS_openat2, rootfd, "dev", &how, sizeof(how));
	if (devfd < 0)
		return lx_error_set(err, errno, "open the /dev of pid %d", pid);
	seen.v = calloc(seen.cap, sizeof(*seen.v));
	if (!seen.v)
		return lx_error_set(err, ENOMEM, "device names");
	/* the root filesystem's device first, so it keeps the name sda */
	if (major(root.st_dev) != 0) {
		seen_add(&seen, root.st_dev);
		if (add(&d, &cap, major(root.st_dev), minor(root.st_dev), "sda") < 0)
			goto nomem;
	}
	dir = fdopendir(devfd);
	if (!dir) {
		free(seen.v);
		devnames_free(&d);
		return lx_error_set(err, errno, "read the /dev of pid %d", pid);
	}
	devfd = -1; /* owned by dir now */
	while ((e = readdir(dir)) && entries++ < LX_DEVNAMES_SCAN_MAX && d.n < LX_DEVNAMES_MAX) {
		struct stat st;

		if (e->d_type != DT_BLK && e->d_type != DT_UNKNOWN)
			continue;
		if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISBLK(st.st_mode))
			continue;
		/* the root device is already named sda: no other node may take that name */
		if (strcmp(e->d_name, "sda") == 0 && d.n && strcmp(d.v[0].name, "sda") == 0)
			continue;
		if (seen_add(&seen, st.st_rdev) &&
		    add(&d, &cap, major(st.st_rdev), minor(st.st_rdev), e->d_name) < 0)
			goto nomem;
	}
	free(seen.v);
	*out = d;
	return 0;
nomem:
	free(seen.v);
	devnames_free(&d);
	return lx_error_set(err, ENOMEM, "device names");
}

/* ---------------------------------------------------------------- off the worker thread */

/* A scan runs in a worker thread of a small pool; the reader waits for it at most
 * LX_DEVNAMES_TIMEOUT_MS. A scan that hangs (it should not, given check_mounts, but the
 * container controls its file systems) only costs that worker, which frees the job when it
 * finally returns. The workers stay for the next scans: no thread is made per scan, only
 * when every worker is busy (at most LX_DEVNAMES_THREADS, hung ones included). */
struct job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done, abandoned;
	pid_t pid;
	uint64_t ns; /* its pid namespace: one hung scan per container at most */
	int rc;
	struct devnames names;
	struct lx_error err;
	struct job *next; /* in the queue */
};

static unsigned running; /* scans submitted and not returned (atomic) */
static pthread_mutex_t hung_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t hung[LX_DEVNAMES_THREADS]; /* namespaces with an abandoned scan */

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER, pool_done = PTHREAD_COND_INITIALIZER;
static struct job *queue_head, *queue_tail;
/* guarded by pool_lock */
static unsigned queued, idle, workers;
static bool pool_stop;
static pthread_t worker_tid[LX_DEVNAMES_THREADS];
static bool worker_exited[LX_DEVNAMES_THREADS];

static bool hung_has(uint64_t ns)
{
	bool found = false;

	pthread_mutex_lock(&hung_lock);
	for (int k = 0; k < LX_DEVNAMES_THREADS && ns; k++)
		found |= hung[k] == ns;
	pthread_mutex_unlock(&hung_lock);
	return found;
}

static void hung_set(uint64_t ns, bool on)
{
	pthread_mutex_lock(&hung_lock);
	for (int k = 0; k < LX_DEVNAMES_THREADS && ns; k++) {
		if (on && hung[k] == 0) {
			hung[k] = ns;
			break;
		}
		if (!on && hung[k] == ns) {
			hung[k] = 0;
			break;
		}
	}
	pthread_mutex_unlock(&hung_lock);
}

static void job_free(struct job *j)
{
	devnames_free(&j->names);
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->cond);
	free(j);
}

static void run_job(struct job *j)
{
	bool abandoned;

	lx_error_clear(&j->err);
	j->rc = scan(j->pid, &j->names, &j->err);
	pthread_mutex_lock(&j->lock);
	j->done = true;
	abandoned = j->abandoned;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&j->lock);
	if (abandoned) {
		hung_set(j->ns, false);
		job_free(j);
	}
	__atomic_sub_fetch(&running, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&pool_lock);
		while (!queue_head && !pool_stop) {
			idle++;
			pthread_cond_wait(&pool_cond, &pool_lock);
			idle--;
		}
		if (!queue_head) { /* devnames_stop */
			worker_exited[me] = true;
			pthread_cond_broadcast(&pool_done);
			pthread_mutex_unlock(&pool_lock);
			return NULL;
		}
		j = queue_head;
		queue_head = j->next;
		if (!queue_head)
			queue_tail = NULL;
		queued--;
		pthread_mutex_unlock(&pool_lock);
		run_job(j);
	}
	return NULL;
}

/* Queue the job; a worker more when none is free for it. -1 when no worker can take it. */
static int submit(struct job *j)
{
	int rc = 0;

	pthread_mutex_lock(&pool_lock);
	if (pool_stop) {
		rc = -1;
	} else if (queued + 1 > idle) {
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (workers < LX_DEVNAMES_THREADS &&
		    pthread_create(&worker_tid[workers], &attr, worker,
				   (void *)(uintptr_t)workers) == 0)
			workers++;
		else if (idle == 0 && workers == 0)
			rc = -1; /* nobody would ever take it */
		pthread_attr_destroy(&attr);
	}
	if (rc == 0) {
		j->next = NULL;
		if (queue_tail)
			queue_tail->next = j;
		else
			queue_head = j;
		queue_tail = j;
		queued++;
		pthread_cond_signal(&pool_cond);
	}
	pthread_mutex_unlock(&pool_lock);
	return rc;
}

int devnames_of_pid(pid_t pid, struct devnames *out, struct lx_error *err)
{
	struct job *j;
	struct timespec until;
	uint64_t ns = 0;
	bool done;
	int rc;

	if (proc_pidns_ino(pid, &ns, NULL) == 0 && hung_has(ns))
		return lx_error_set(err, ETIMEDOUT,
				    "the last scan of the /dev of pid %d has not "
				    "returned yet",
				    pid);
	if (__atomic_add_fetch(&running, 1, __ATOMIC_RELAXED) > LX_DEVNAMES_THREADS) {
		__atomic_sub_fetch(&running, 1, __ATOMIC_RELAXED);
		return lx_error_set(err, EBUSY,
				    "%d scans of containers' /dev hang: not starting "
				    "another",
				    LX_DEVNAMES_THREADS);
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		__atomic_sub_fetch(&running, 1, __ATOMIC_RELAXED);
		return lx_error_set(err, ENOMEM, "device names");
	}
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cond, NULL);
	j->pid = pid;
	j->ns = ns;
	if (submit(j) < 0) {
		job_free(j);
		__atomic_sub_fetch(&running, 1, __ATOMIC_RELAXED);
		return lx_error_set(err, EAGAIN, "device name scan thread");
	}
	until = lx_realtime_in(LX_DEVNAMES_TIMEOUT_MS);
	pthread_mutex_lock(&j->lock);
	while (!j->done && pthread_cond_timedwait(&j->cond, &j->lock, &until) == 0)
		;
	done = j->done;
	if (!done) {
		j->abandoned = true;
		hung_set(ns, true);
	}
	pthread_mutex_unlock(&j->lock);
	if (!done)
		return lx_error_set(err, ETIMEDOUT, "reading the /dev of pid %d took over %d ms",
				    pid, LX_DEVNAMES_TIMEOUT_MS);
	rc = j->rc;
	if (rc == 0) {
		*out = j->names;
		j->names.v = NULL;
		j->names.n = 0;
	} else if (err) {
		*err = j->err;
	}
	job_free(j);
	return rc;
}

void devnames_stop(void)
{
	struct timespec until = lx_realtime_in(1000);
	unsigned n;

	pthread_mutex_lock(&pool_lock);
	pool_stop = true;
	pthread_cond_broadcast(&pool_cond);
	/* the idle ones end at once; a busy one after its scan (a hung one never) */
	while (idle > 0 || queued > 0) {
		if (pthread_cond_timedwait(&pool_done, &pool_lock, &until) != 0)
			break;
	}
	n = workers;
	pthread_mutex_unlock(&pool_lock);
	for (unsigned k = 0; k < n; k++) {
		pthread_mutex_lock(&pool_lock);
		bool done = worker_exited[k];
		pthread_mutex_unlock(&pool_lock);
		if (done)
			pthread_join(worker_tid[k], NULL);
		else
			pthread_detach(worker_tid[k]);
	}
}

void devnames_free(struct devnames *d)
{
	free(d->v);
	d->v = NULL;
	d->n = 0;
}
