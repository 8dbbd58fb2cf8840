#include "fuse/conn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "fuse/fuse_ops.h"
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
	OP_NOTIFY_REPLY = 41,
	OP_BATCH_FORGET = 42,
	NOTIFY_RESEND = 7,
};
#define UNIQUE_RESEND (1ULL << 63)
#define FLAG_INIT_EXT (1U << 30)

static __thread bool tls_poisoned;

/* Retiring: the workers blocked in read() are woken by a signal without SA_RESTART (a
 * blocking read wakes one worker per request; poll() would wake them all), again and again
 * until none is left inside read (a signal sent just before a thread enters read is lost). */
#define KICK_SIGNAL (SIGRTMIN + 2)
#define MAX_READERS 64
static pthread_t readers[MAX_READERS];
static int reader_in[MAX_READERS]; /* atomic: inside read() */
static int nreaders;		    /* atomic */
static __thread int tls_reader = -1;

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
			readers[k] = pthread_self();
			tls_reader = k;
		} else {
			tls_reader = MAX_READERS; /* not kickable: it exits at its next request */
		}
	}
	return tls_reader;
}

static void *kicker(void *arg)
{
	struct lx_conn *c = arg;

	for (int round = 0; round < 500; round++) { /* 5 s */
		int n = __atomic_load_n(&nreaders, __ATOMIC_ACQUIRE), inside = 0;
		struct timespec ts = {0, 10 * 1000 * 1000};

		for (int k = 0; k < n && k < MAX_READERS; k++) {
			if (__atomic_load_n(&reader_in[k], __ATOMIC_ACQUIRE)) {
				inside++;
				pthread_kill(readers[k], KICK_SIGNAL);
			}
		}
		if (!inside && round > 0)
			break;
		nanosleep(&ts, NULL);
	}
	(void)c;
	return NULL;
}

bool lx_conn_request_poisoned(void)
{
	return tls_poisoned;
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
		if (fstat(c->state_fd, &st) < 0)
			return lx_error_set(err, errno, "the state descriptor");
		if ((size_t)st.st_size != sizeof(struct lx_state))
			return lx_error_set(err, EINVAL,
					    "the state descriptor holds %lld bytes, not %zu: not "
					    "an lxcfs state of this version",
					    (long long)st.st_size, sizeof(struct lx_state));
	}
	p = mmap(NULL, sizeof(struct lx_state), PROT_READ | PROT_WRITE, MAP_SHARED, c->state_fd, 0);
	if (p == MAP_FAILED)
		return lx_error_set(err, errno, "map the state");
	c->st = p;
	if (create) {
		c->st->magic = LX_STATE_MAGIC;
		c->st->version = LX_STATE_VERSION;
		c->st->size = sizeof(struct lx_state);
	} else if (c->st->magic != LX_STATE_MAGIC || c->st->version != LX_STATE_VERSION ||
		   c->st->size != sizeof(struct lx_state)) {
		return lx_error_set(err, EINVAL, "not an lxcfs state of this version");
	}
	return 0;
}

static void slot_set(struct lx_conn *c, const struct in_header *h)
{
	int32_t me = getpid();

	if (h->opcode == OP_FORGET || h->opcode == OP_BATCH_FORGET || h->opcode == OP_INTERRUPT ||
	    h->opcode == OP_NOTIFY_REPLY || h->opcode == OP_INIT)
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
	if (__atomic_exchange_n(&c->init_pending, false, __ATOMIC_ACQ_REL)) {
		if (len < c->st->init_len) {
			errno = EINVAL;
			return -1;
		}
		memcpy(buf, c->st->init, c->st->init_len);
		return c->st->init_len;
	}
	for (;;) {
		if (slot < MAX_READERS)
			__atomic_store_n(&reader_in[slot], 1, __ATOMIC_RELEASE);
		if (__atomic_load_n(&c->retiring, __ATOMIC_ACQUIRE)) {
			n = -1; /* as if the connection had ended, for libfuse */
			errno = ENODEV;
		} else {
			n = read(fd, buf, len);
		}
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
			c->resend = (c->st->init_flags & LX_FUSE_HAS_RESEND) != 0;
			if (c->on_init)
				c->on_init(c->on_init_arg);
		}
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

	if (iov[0].iov_len >= sizeof(*h) && c->init_swallow && h->unique == c->init_unique) {
		/* libfuse's answer to the INIT we fed it: the kernel had its answer long ago.
		 * Now ask it to queue again what the previous process left unanswered. */
		struct out_header resend = {sizeof(resend), NOTIFY_RESEND, 0};
		size_t total = 0;

		for (int k = 0; k < count; k++)
			total += iov[k].iov_len;
		c->init_swallow = false;
		if (h->error)
			log_error("libfuse refused the connection's INIT: %s", strerror(-h->error));
		if (c->resend && write(fd, &resend, sizeof(resend)) < 0)
			log_warn("FUSE_NOTIFY_RESEND: %s", strerror(errno));
		return (ssize_t)total;
	}
	n = writev(fd, iov, count);
	if (iov[0].iov_len >= sizeof(*h) && h->unique)
		slot_clear(c, h->unique);
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
}

/* Split -o options: fsname= and subtype= name the mount, ro/rw are flags, the rest are
 * the kernel's FUSE mount options. */
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
		} else if (strcmp(o, "ro") == 0) {
			*flags |= MS_RDONLY;
		} else if (strcmp(o, "rw") == 0) {
			*flags &= ~MS_RDONLY;
		} else if (strcmp(o, "allow_other") == 0) {
			/* always set */
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

int lx_conn_mount(struct lx_conn *c, const char *mountpoint, const char *opts,
		  struct lx_error *err)
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
	if (mount_opts(opts, data, sizeof(data), fsname, sizeof(fsname), type, sizeof(type),
		       &flags, err) < 0)
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
		return lx_error_set(err, EINVAL, "the state holds no FUSE_INIT: the connection "
						 "was never set up");
	c->resend = (c->st->init_flags & LX_FUSE_HAS_RESEND) != 0;
	c->init_unique = ((const struct in_header *)c->st->init)->unique;
	c->init_pending = c->init_swallow = true;
	c->epoch = __atomic_add_fetch(&c->st->epoch, 1, __ATOMIC_ACQ_REL);
	c->st->takeovers++;
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
	r = fuse_session_custom_io(se, &custom_io, fd);
	if (r < 0) {
		close(fd);
		return lx_error_set(err, -r, "attach the FUSE session");
	}
	return 0;
}

void lx_conn_retire(struct lx_conn *c)
{
	pthread_t t;

	if (__atomic_exchange_n(&c->retiring, true, __ATOMIC_ACQ_REL))
		return;
	if (pthread_create(&t, NULL, kicker, c) == 0)
		pthread_detach(t);
	else
		kicker(c); /* no thread to spare: kick from here */
}

int lx_conn_id(const struct lx_conn *c)
{
	return c->st ? (int)c->st->conn_id : -1;
}

void lx_conn_close(struct lx_conn *c)
{
	if (c->st)
		munmap(c->st, sizeof(*c->st));
	if (c->fd >= 0)
		close(c->fd);
	if (c->state_fd >= 0)
		close(c->state_fd);
	conn_init(c);
}
