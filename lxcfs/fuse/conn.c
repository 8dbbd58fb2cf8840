#include "fuse/conn.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "fuse/fuse_ops.h"
#include "common/clock.h"
#include "common/cleanup.h"
#include "common/log.h"

/* The parts of the kernel's FUSE protocol the custom I/O looks at. */
struct in_header {
	uint32_t len;
	uint32_t opcode;
	uint64_t unique;
	uint64_t nodeid;
	uint32_t uid, gid, pid;
	uint16_t total_extlen, padding;
};
struct out_header {
	uint32_t len;
	int32_t error;
	uint64_t unique;
};
struct init_in {
	uint32_t major, minor, max_readahead, flags, flags2;
};

enum {
	OP_FORGET = 2,
	OP_INIT = 26,
	OP_INTERRUPT = 36,
	OP_POLL = 40,
	OP_NOTIFY_REPLY = 41,
	OP_BATCH_FORGET = 42,
	NOTIFY_POLL = 1,
	NOTIFY_RESEND = 7,
};
#define UNIQUE_RESEND (1ULL << 63)
#define FLAG_INIT_EXT (1U << 30)

static __thread bool tls_poisoned;
static __thread uint64_t tls_poll_kh;

/* Retiring: no worker reads a new request, and the session ends only once every request
 * already read has its answer. libfuse drops a request a worker has read when the loop is
 * ending, and nobody would ask the kernel for it again: so a worker that would read parks
 * instead, and the drainer ends the session when all of them are parked and nothing is in
 * flight. Workers blocked in read() are woken by a signal without SA_RESTART (a blocking
 * read wakes one worker per request; poll() would wake them all), again and again until
 * none is left inside read (a signal sent just before a thread enters read is lost). */
#define KICK_SIGNAL (SIGRTMIN + 2)
#define MAX_READERS 64
static pid_t readers[MAX_READERS]; /* thread ids: tgkill is harmless after a thread ends */
static int reader_in[MAX_READERS]; /* atomic: inside read() */
static int nreaders;		   /* atomic */
static __thread int tls_reader = -1;
/* A successor feeds libfuse the connection's INIT (st->init) at its first read. Until
 * libfuse has processed it (its reply, which goes nowhere, is the sign), libfuse answers EIO
 * to any other request a worker reads: the other workers wait for it (init_cond). */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t init_cond = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static int parked;    /* under park_lock */
static bool released; /* under park_lock: parked workers return */

static void kick_handler(int sig)
{
	(void)sig; /* only there to interrupt read() */
}

static void install_kick(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
}

static int reader_slot(void)
{
	if (tls_reader < 0) {
		int k = __atomic_fetch_add(&nreaders, 1, __ATOMIC_ACQ_REL);

		if (k < MAX_READERS) {
			readers[k] = gettid();
			tls_reader = k;
		} else {
			tls_reader = MAX_READERS; /* not kickable (more than LX_MAX_THREADS) */
		}
	}
	return tls_reader;
}

static void park(void)
{
	int old;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_mutex_lock(&park_lock);
	parked++;
	pthread_cond_broadcast(&park_cond);
	while (!released)
		pthread_cond_wait(&park_cond, &park_lock);
	pthread_mutex_unlock(&park_lock);
	pthread_setcancelstate(old, NULL);
}

/* Wait until the INIT fed to libfuse is answered (or we retire: the read parks then). */
static void wait_init(struct lx_conn *c)
{
	pthread_mutex_lock(&init_lock);
	while (__atomic_load_n(&c->init_swallow, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&c->retiring, __ATOMIC_ACQUIRE)) {
		struct timespec until = lx_realtime_in(10);

		pthread_cond_timedwait(&init_cond, &init_lock, &until);
	}
	pthread_mutex_unlock(&init_lock);
}

struct drain {
	struct lx_conn *c;
	struct fuse_session *se;
};

static void clear_own_slots(struct lx_conn *c)
{
	int32_t me = getpid();

	for (unsigned k = 0; k < LX_STATE_SLOTS; k++) {
		struct lx_inflight *s = &c->st->slots[k];

		if (__atomic_load_n(&s->unique, __ATOMIC_ACQUIRE) && s->pid == me) {
			s->pid = 0;
			__atomic_store_n(&s->unique, 0, __ATOMIC_RELEASE);
		}
	}
}

static void *drainer(void *arg)
{
	struct drain *dr = arg;
	struct lx_conn *c = dr->c;
	int64_t deadline = lx_now_ms() + LX_DRAIN_MS;
	bool clean = false;
	long left;

	for (;;) {
		int n = __atomic_load_n(&nreaders, __ATOMIC_ACQUIRE), p;
		struct timespec until;

		for (int k = 0; k < n && k < MAX_READERS; k++)
			if (__atomic_load_n(&reader_in[k], __ATOMIC_ACQUIRE))
				syscall(SYS_tgkill, getpid(), readers[k], KICK_SIGNAL);
		left = __atomic_load_n(&c->inflight, __ATOMIC_ACQUIRE);
		pthread_mutex_lock(&park_lock);
		p = parked;
		if (p < n || left > 0) {
			until = lx_realtime_in(2);
			pthread_cond_timedwait(&park_cond, &park_lock, &until);
		}
		pthread_mutex_unlock(&park_lock);
		if (p >= n && left <= 0) {
			clean = true;
			break;
		}
		if (lx_now_ms() >= deadline)
			break;
	}
	/* What we leave unanswered is not a crash: the next process has the kernel queue it
	 * again when we are gone (lx_conn_predecessor_exited). */
	clear_own_slots(c);
	if (clean)
		__atomic_store_n(&c->st->clean_pid, getpid(), __ATOMIC_RELEASE);
	else
		log_warn("retiring with %ld requests unanswered after %d ms: the next process "
			 "answers them",
			 left, LX_DRAIN_MS);
	fuse_session_exit(dr->se);
	pthread_mutex_lock(&park_lock);
	released = true;
	pthread_cond_broadcast(&park_cond);
	pthread_mutex_unlock(&park_lock);
	free(dr);
	return NULL;
}

bool lx_conn_request_poisoned(void)
{
	return tls_poisoned;
}

uint64_t lx_conn_request_kh(void)
{
	return tls_poll_kh;
}

int lx_conn_notify_poll(struct lx_conn *c, uint64_t kh)
{
	struct out_header h = {sizeof(h) + sizeof(kh), NOTIFY_POLL, 0};
	struct iovec iov[2] = {{&h, sizeof(h)}, {&kh, sizeof(kh)}};

	return writev(c->fd, iov, 2) < 0 ? -errno : 0;
}

/* ---------------------------------------------------------------- the state */

static int state_map(struct lx_conn *c, bool create, struct lx_error *err)
{
	struct stat st;
	void *p;

	if (create) {
		c->state_fd = memfd_create("lxcfs-state", MFD_CLOEXEC);
		if (c->state_fd < 0)
			return lx_error_set(err, errno, "memfd_create");
		if (ftruncate(c->state_fd, sizeof(struct lx_state)) < 0)
			return lx_error_set(err, errno, "size the state");
	} else {
		/* fields are only ever added at the end: an older process's state grows to ours
		 * (new fields zero), a newer one's keeps what we do not know */
		if (fstat(c->state_fd, &st) < 0)
			return lx_error_set(err, errno, "the state descriptor");
		if (st.st_size < (off_t)LX_STATE_V1_SIZE)
			return lx_error_set(
			    err, EINVAL,
			    "the state descriptor holds %lld bytes: not an lxcfs state",
			    (long long)st.st_size);
		if ((size_t)st.st_size < sizeof(struct lx_state) &&
		    ftruncate(c->state_fd, sizeof(struct lx_state)) < 0)
			return lx_error_set(err, errno, "grow the state");
	}
	p = mmap(NULL, sizeof(struct lx_state), PROT_READ | PROT_WRITE, MAP_SHARED, c->state_fd, 0);
	if (p == MAP_FAILED)
		return lx_error_set(err, errno, "map the state");
	c->st = p;
	if (create) {
		c->st->magic = LX_STATE_MAGIC;
		c->st->version = LX_STATE_VERSION;
		c->st->size = sizeof(struct lx_state);
	} else if (c->st->magic != LX_STATE_MAGIC || c->st->version != LX_STATE_VERSION) {
		return lx_error_set(err, EINVAL, "not an lxcfs state of version %u",
				    LX_STATE_VERSION);
	} else if (c->st->size < sizeof(struct lx_state)) {
		c->st->size = sizeof(struct lx_state);
	}
	return 0;
}

static bool needs_answer(const struct in_header *h)
{
	return h->opcode != OP_FORGET && h->opcode != OP_BATCH_FORGET &&
	       h->opcode != OP_INTERRUPT && h->opcode != OP_NOTIFY_REPLY;
}

static void slot_set(struct lx_conn *c, const struct in_header *h)
{
	int32_t me = c->pid;

	if (!needs_answer(h) || h->opcode == OP_INIT)
		return; /* no reply: nothing stays in flight */
	for (unsigned k = 0; k < LX_STATE_SLOTS; k++) {
		struct lx_inflight *s = &c->st->slots[(h->unique / 2 + k) % LX_STATE_SLOTS];
		uint64_t free_ = 0;

		if (__atomic_compare_exchange_n(&s->unique, &free_, h->unique, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			s->nodeid = h->nodeid;
			s->opcode = h->opcode;
			__atomic_store_n(&s->pid, me, __ATOMIC_RELEASE);
			return;
		}
	}
	/* more requests in flight than slots: this one goes unrecorded */
}

static void slot_clear(struct lx_conn *c, uint64_t unique)
{
	for (unsigned k = 0; k < LX_STATE_SLOTS; k++) {
		struct lx_inflight *s = &c->st->slots[(unique / 2 + k) % LX_STATE_SLOTS];

		if (__atomic_load_n(&s->unique, __ATOMIC_ACQUIRE) == unique) {
			s->pid = 0;
			__atomic_store_n(&s->unique, 0, __ATOMIC_RELEASE);
			return;
		}
	}
}

static struct lx_suspect *suspect_find(struct lx_state *st, uint64_t key, bool add)
{
	struct lx_suspect *weakest = &st->suspects[0];

	for (unsigned k = 0; k < LX_SUSPECTS; k++) {
		struct lx_suspect *s = &st->suspects[k];

		if (s->unique == key && key)
			return s;
		if (s->deaths < weakest->deaths)
			weakest = s;
	}
	if (!add)
		return NULL;
	memset(weakest, 0, sizeof(*weakest));
	weakest->unique = key;
	return weakest;
}

/* Requests that dead processes left in flight: one more death each. */
static void count_deaths(struct lx_conn *c)
{
	int32_t me = getpid();

	for (unsigned k = 0; k < LX_STATE_SLOTS; k++) {
		struct lx_inflight *s = &c->st->slots[k];
		uint64_t unique = __atomic_load_n(&s->unique, __ATOMIC_ACQUIRE);
		int32_t pid = s->pid;
		struct lx_suspect *sus;

		if (!unique || pid == me || (pid > 0 && kill(pid, 0) == 0))
			continue; /* free, ours, or a predecessor still finishing its work */
		sus = suspect_find(c->st, unique & ~UNIQUE_RESEND, true);
		sus->nodeid = s->nodeid;
		sus->opcode = s->opcode;
		sus->deaths++;
		if (sus->deaths >= LX_POISON_DEATHS)
			log_warn("request %llu (opcode %u, node %#llx) was being handled when %u "
				 "daemon processes died: it gets a safe answer",
				 (unsigned long long)sus->unique, sus->opcode,
				 (unsigned long long)sus->nodeid, sus->deaths);
		s->pid = 0;
		__atomic_store_n(&s->unique, 0, __ATOMIC_RELEASE);
	}
}

/* ---------------------------------------------------------------- custom I/O */

static ssize_t io_read(int fd, void *buf, size_t len, void *userdata)
{
	struct lx_conn *c = lx_conn_of_userdata(userdata);
	int slot = reader_slot();
	ssize_t n;

	tls_poisoned = false;
	tls_poll_kh = 0;
	if (__atomic_exchange_n(&c->init_pending, false, __ATOMIC_ACQ_REL)) {
		if (len < c->st->init_len) {
			errno = EINVAL;
			return -1;
		}
		memcpy(buf, c->st->init, c->st->init_len);
		return c->st->init_len;
	}
	if (__atomic_load_n(&c->init_swallow, __ATOMIC_ACQUIRE))
		wait_init(c);
	for (;;) {
		if (slot < MAX_READERS)
			__atomic_store_n(&reader_in[slot], 1, __ATOMIC_RELEASE);
		if (__atomic_load_n(&c->retiring, __ATOMIC_ACQUIRE)) {
			if (slot < MAX_READERS)
				__atomic_store_n(&reader_in[slot], 0, __ATOMIC_RELEASE);
			park();
			errno = ENODEV; /* as if the connection had ended, for libfuse */
			return -1;
		}
		n = read(fd, buf, len);
		if (slot < MAX_READERS)
			__atomic_store_n(&reader_in[slot], 0, __ATOMIC_RELEASE);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		break;
	}
	if (n >= (ssize_t)sizeof(struct in_header)) {
		const struct in_header *h = buf;

		if (h->opcode == OP_INIT && !c->taken_over && c->st->init_len == 0 &&
		    (size_t)n <= sizeof(c->st->init)) {
			const struct init_in *in = (const void *)(h + 1);

			memcpy(c->st->init, buf, n);
			c->st->init_len = (uint32_t)n;
			if ((size_t)n >= sizeof(*h) + sizeof(*in)) {
				c->st->init_flags = in->flags;
				if (in->flags & FLAG_INIT_EXT)
					c->st->init_flags |= (uint64_t)in->flags2 << 32;
			}
			/* tests: the path of kernels without FUSE_NOTIFY_RESEND (Linux < 6.9) */
			if (getenv("LXCFS_FAULT") && strstr(getenv("LXCFS_FAULT"), "no-resend"))
				c->st->init_flags &= ~LX_FUSE_HAS_RESEND;
			c->resend = (c->st->init_flags & LX_FUSE_HAS_RESEND) != 0;
			if (c->on_init)
				c->on_init(c->on_init_arg);
		}
		if (h->opcode == OP_POLL && (size_t)n >= sizeof(*h) + 2 * sizeof(uint64_t))
			memcpy(&tls_poll_kh, (const char *)(h + 1) + sizeof(uint64_t),
			       sizeof(uint64_t)); /* fuse_poll_in: fh, kh, ... */
		if (needs_answer(h))
			__atomic_add_fetch(&c->inflight, 1, __ATOMIC_ACQ_REL);
		slot_set(c, h);
		if (c->taken_over) {
			struct lx_suspect *s =
			    suspect_find(c->st, h->unique & ~UNIQUE_RESEND, false);

			if (s && s->deaths >= LX_POISON_DEATHS) {
				tls_poisoned = true;
				__atomic_add_fetch(&c->poisoned, 1, __ATOMIC_RELAXED);
			}
		}
	}
	return n;
}

static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct lx_conn *c = lx_conn_of_userdata(userdata);
	const struct out_header *h = iov[0].iov_base;
	ssize_t n;

	if (iov[0].iov_len >= sizeof(*h) && __atomic_load_n(&c->init_swallow, __ATOMIC_ACQUIRE) &&
	    h->unique == c->init_unique) {
		/* libfuse's answer to the INIT we fed it: the kernel had its answer long ago.
		 * Now ask it to queue again what the previous process left unanswered. */
		struct out_header resend = {sizeof(resend), NOTIFY_RESEND, 0};
		size_t total = 0;

		for (int k = 0; k < count; k++)
			total += iov[k].iov_len;
		if (h->error)
			log_error("libfuse refused the connection's INIT: %s", strerror(-h->error));
		if (c->resend && c->resend_at_init && write(fd, &resend, sizeof(resend)) < 0)
			log_warn("FUSE_NOTIFY_RESEND: %s", strerror(errno));
		/* libfuse takes requests now: the workers waiting for it read */
		pthread_mutex_lock(&init_lock);
		__atomic_store_n(&c->init_swallow, false, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&init_cond);
		pthread_mutex_unlock(&init_lock);
		return (ssize_t)total;
	}
	n = writev(fd, iov, count);
	/* an answer (notifications have no unique; libfuse's EAGAIN to an INTERRUPT has the
	 * kernel's interrupt bit, and the INTERRUPT was never counted) */
	if (iov[0].iov_len >= sizeof(*h) && h->unique && !(h->unique & 1)) {
		slot_clear(c, h->unique);
		__atomic_sub_fetch(&c->inflight, 1, __ATOMIC_ACQ_REL);
	}
	return n;
}

static const struct fuse_custom_io custom_io = {
    .writev = io_writev,
    .read = io_read,
};

/* ---------------------------------------------------------------- setting up */

static void conn_init(struct lx_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = c->state_fd = -1;
	c->pred[0].fd = c->pred[1].fd = -1;
}

/* The generic mount options (as mount(8) spells them): set or clear their flag. */
static bool mount_flag(const char *o, unsigned long *flags)
{
	static const struct {
		const char *name;
		unsigned long flag;
		bool clear;
	} table[] = {
	    {"ro", MS_RDONLY, false},
	    {"rw", MS_RDONLY, true},
	    {"nosuid", MS_NOSUID, false},
	    {"nodev", MS_NODEV, false},
	    {"noexec", MS_NOEXEC, false},
	    {"exec", MS_NOEXEC, true},
	    {"noatime", MS_NOATIME, false},
	    {"atime", MS_NOATIME, true},
	    {"nodiratime", MS_NODIRATIME, false},
	    {"relatime", MS_RELATIME, false},
	    {"strictatime", MS_STRICTATIME, false},
	    {"sync", MS_SYNCHRONOUS, false},
	    {"async", MS_SYNCHRONOUS, true},
	    {"dirsync", MS_DIRSYNC, false},
	};

	for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
		if (strcmp(o, table[k].name) != 0)
			continue;
		if (table[k].clear)
			*flags &= ~table[k].flag;
		else
			*flags |= table[k].flag;
		return true;
	}
	/* suid and dev stay off: the files are the daemon's */
	return strcmp(o, "suid") == 0 || strcmp(o, "dev") == 0;
}

/* Split -o options: fsname= and subtype= name the mount, the generic mount options are
 * flags, the rest are the kernel's FUSE mount options. */
static int mount_opts(const char *opts, char *data, size_t datasz, char *fsname, size_t fsz,
		      char *type, size_t tsz, unsigned long *flags, struct lx_error *err)
{
	__free char *copy = strdup(opts ? opts : "");
	char *save = NULL, *o;
	size_t used = strlen(data);

	if (!copy)
		return lx_error_set(err, ENOMEM, "mount options");
	for (o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		int n;

		if (strncmp(o, "fsname=", 7) == 0) {
			snprintf(fsname, fsz, "%s", o + 7);
		} else if (strncmp(o, "subtype=", 8) == 0) {
			snprintf(type, tsz, "fuse.%s", o + 8);
		} else if (mount_flag(o, flags)) {
			/* a mount(2) flag */
		} else if (strcmp(o, "allow_other") == 0) {
			/* always set */
		} else if (strcmp(o, "direct_io") == 0 || strncmp(o, "entry_timeout=", 14) == 0 ||
			   strncmp(o, "attr_timeout=", 13) == 0 || strcmp(o, "nonempty") == 0) {
			/* upstream lxcfs's defaults (nonempty: fuse2's, always so with fuse3),
			 * which it drops from -o too: how each file is cached is the daemon's
			 * (fuse/inodes.h) */
		} else if (strchr(o, ' ') || strncmp(o, "fd=", 3) == 0 ||
			   strncmp(o, "rootmode=", 9) == 0) {
			return lx_error_set(err, EINVAL, "-o %s: not an option you can set", o);
		} else {
			n = snprintf(data + used, datasz - used, ",%s", o);
			if (n < 0 || (size_t)n >= datasz - used)
				return lx_error_set(err, E2BIG, "-o: options too long");
			used += n;
		}
	}
	return 0;
}

/* The device minor of the newest fuse mount at path, from /proc/self/mountinfo: the
 * connection's number under /sys/fs/fuse/connections. 0 when not found. */
static uint32_t mount_minor(const char *path)
{
	__fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	__free char *line = NULL;
	size_t cap = 0;
	uint32_t found = 0;

	while (f && getline(&line, &cap, f) > 0) {
		unsigned maj, min;
		char mnt[4096], *sep, type[64];

		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, mnt) != 3 || maj != 0)
			continue;
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s", type) != 1 || strncmp(type, "fuse", 4) != 0)
			continue;
		if (strcmp(mnt, path) == 0)
			found = min;
	}
	return found;
}

int lx_conn_mount(struct lx_conn *c, const char *mountpoint, const char *opts, struct lx_error *err)
{
	char data[2048], fsname[256] = "lxcfs", type[256] = "fuse.lxcfs";
	unsigned long flags = MS_NOSUID | MS_NODEV;
	struct timespec now;

	conn_init(c);
	c->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		return lx_error_set(err, errno, "open /dev/fuse");
	install_kick();
	if (state_map(c, true, err) < 0)
		return -1;
	snprintf(data, sizeof(data), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other",
		 c->fd);
	if (mount_opts(opts, data, sizeof(data), fsname, sizeof(fsname), type, sizeof(type), &flags,
		       err) < 0)
		return -1;
	if (mount(fsname, mountpoint, type, flags, data) < 0)
		return lx_error_set(err, errno, "mount %s on `%s` (options %s)", type, mountpoint,
				    data);
	clock_gettime(CLOCK_REALTIME, &now);
	c->st->started_ns = (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec;
	snprintf(c->st->mountpoint, sizeof(c->st->mountpoint), "%s", mountpoint);
	/* not stat(): a request to our own mount would wait for the INIT nobody reads yet */
	c->st->conn_id = mount_minor(mountpoint);
	c->st->epoch = c->epoch = 1;
	c->st->server_pid = getpid();
	return 0;
}

/* The process that served before us, and one that was still retiring then: while they
 * run they answer what they read; what they leave is queued again when they exit. */
static void watch_predecessors(struct lx_conn *c)
{
	pid_t cand[2] = {c->st->server_pid, c->st->retiring_pid};
	int n = 0;

	for (int k = 0; k < 2; k++) {
		struct pollfd p;
		int fd;

		if (cand[k] <= 0 || cand[k] == getpid() || (k == 1 && cand[1] == cand[0]))
			continue;
		fd = (int)syscall(SYS_pidfd_open, cand[k], 0);
		if (fd < 0)
			continue;
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 0) != 0) { /* exited (a zombie's pidfd is readable) */
			close(fd);
			continue;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		c->pred[n].fd = fd;
		c->pred[n++].pid = cand[k];
	}
	c->resend_at_init = n == 0;
}

int lx_conn_predecessor_fd(const struct lx_conn *c, int k)
{
	return k >= 0 && k < 2 ? c->pred[k].fd : -1;
}

int lx_conn_predecessors(const struct lx_conn *c, pid_t *pid)
{
	int n = 0;

	for (int k = 0; k < 2; k++)
		if (c->pred[k].fd >= 0) {
			if (pid)
				*pid = c->pred[k].pid;
			n++;
		}
	return n;
}

void lx_conn_predecessor_exited(struct lx_conn *c, int fd)
{
	struct out_header resend = {sizeof(resend), NOTIFY_RESEND, 0};
	pid_t pid = 0;

	for (int k = 0; k < 2; k++)
		if (fd >= 0 && c->pred[k].fd == fd) {
			pid = c->pred[k].pid;
			close(fd);
			c->pred[k].fd = -1;
		}
	if (!pid)
		return;
	__atomic_compare_exchange_n(&c->st->retiring_pid, &pid, 0, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_RELAXED);
	if (__atomic_load_n(&c->st->clean_pid, __ATOMIC_ACQUIRE) == pid) {
		log_info("pid %d answered every request it had read before it exited", pid);
		return;
	}
	count_deaths(c); /* it died with requests in flight, or retired leaving some */
	if (c->resend) {
		if (write(c->fd, &resend, sizeof(resend)) < 0)
			log_warn("FUSE_NOTIFY_RESEND: %s", strerror(errno));
		else
			log_info("pid %d exited: the kernel queues again what it left unanswered",
				 pid);
	}
}

int lx_conn_adopt(struct lx_conn *c, int fd, int state_fd, struct lx_error *err)
{
	struct stat st;

	conn_init(c);
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode))
		return lx_error_set(err, EBADF, "descriptor %d is not /dev/fuse", fd);
	c->fd = fd;
	c->state_fd = state_fd;
	c->taken_over = true;
	install_kick();
	/* descriptors handed over across exec: not for our own children */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(state_fd, F_SETFD, FD_CLOEXEC);
	if (state_map(c, false, err) < 0)
		return -1;
	if (c->st->init_len < sizeof(struct in_header) + sizeof(struct init_in) ||
	    c->st->init_len > sizeof(c->st->init))
		return lx_error_set(err, EINVAL,
				    "the state holds no FUSE_INIT: the connection "
				    "was never set up");
	c->resend = (c->st->init_flags & LX_FUSE_HAS_RESEND) != 0;
	c->init_unique = ((const struct in_header *)c->st->init)->unique;
	c->init_pending = c->init_swallow = true;
	c->epoch = __atomic_add_fetch(&c->st->epoch, 1, __ATOMIC_ACQ_REL);
	c->st->takeovers++;
	watch_predecessors(c);
	count_deaths(c);
	c->st->server_pid = getpid();
	return 0;
}

int lx_conn_attach(struct lx_conn *c, struct fuse_session *se, struct lx_error *err)
{
	int fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 3);
	int r;

	if (fd < 0)
		return lx_error_set(err, errno, "dup /dev/fuse");
	c->pid = getpid(); /* the serving process (a successor is another process) */
	r = fuse_session_custom_io(se, &custom_io, fd);
	if (r < 0) {
		close(fd);
		return lx_error_set(err, -r, "attach the FUSE session");
	}
	return 0;
}

void lx_conn_retire(struct lx_conn *c, struct fuse_session *se)
{
	struct drain *dr;
	pthread_t t;

	if (__atomic_exchange_n(&c->retiring, true, __ATOMIC_ACQ_REL))
		return;
	__atomic_store_n(&c->st->retiring_pid, getpid(), __ATOMIC_RELEASE);
	dr = malloc(sizeof(*dr));
	if (dr) {
		dr->c = c;
		dr->se = se;
	}
	if (!dr || pthread_create(&t, NULL, drainer, dr) != 0) {
		/* no thread to spare: end at once (what is read and unanswered is queued again
		 * when we are gone) */
		free(dr);
		fuse_session_exit(se);
		pthread_mutex_lock(&park_lock);
		released = true;
		pthread_mutex_unlock(&park_lock);
		return;
	}
	pthread_detach(t);
}

int lx_conn_id(const struct lx_conn *c)
{
	return c->st ? (int)c->st->conn_id : -1;
}

void lx_conn_close(struct lx_conn *c)
{
	for (int k = 0; k < 2; k++)
		if (c->pred[k].fd >= 0)
			close(c->pred[k].fd);
	if (c->st)
		munmap(c->st, sizeof(*c->st));
	if (c->fd >= 0)
		close(c->fd);
	if (c->state_fd >= 0)
		close(c->state_fd);
	conn_init(c);
}
