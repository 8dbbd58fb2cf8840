#include "seccomp/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "seccomp/kick.h"
#include "seccomp/notify.h"
#include "view/sysinfo.h"
#include "render/render.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/proc.h"

/* ---------------------------------------------------------------- the state (memfd) */

#define SC_MAGIC   0x31636573786c6373ULL /* "sclxsec1" */
#define SC_VERSION 1

enum { PHASE_IDLE, PHASE_RECEIVING, PHASE_HANDLING };

/* What one process does on one slot right now. */
struct sc_rec {
	uint32_t phase;
	int32_t pid;
	uint64_t id;
	uint32_t arch;
	int32_t nr;
	uint64_t arg0;
};

struct sc_slot {
	uint32_t used;
	int32_t init_pid;   /* the container's, from the runtime's state */
	uint64_t pidns;	    /* its pid namespace */
	uint64_t last_id;   /* the last call answered (ids grow by one per call) */
	uint64_t answered;  /* calls answered with the container's values */
	uint64_t continued; /* calls left to the kernel */
	char id[128];	    /* the container's id ("" when unknown) */
	struct sc_rec rec[2];
};

/* Column k of every slot's rec[] belongs to one process at a time (two may serve at once:
 * one retiring, its successor). */
struct sc_owner {
	int32_t pid;
	uint32_t pad;
	uint64_t start; /* its start time (clock ticks after boot): a reused pid is no owner */
};

struct sc_state {
	uint64_t magic;
	uint32_t version, size, nslots, pad;
	struct sc_owner owner[2];
	uint64_t kicked;
	struct sc_slot slots[LX_SC_SLOTS];
};

/* ---------------------------------------------------------------- the agent */

struct slot {
	struct lx_agent *a;
	int idx;
	int fd; /* -1: free */
	pthread_t th;
	bool created; /* th to join */
	bool done;    /* th ended (atomic) */
	struct sc_memw w;
	struct strbuf host; /* the host's meminfo, kept for the next call (no allocation) */
	char name[32];
};

#define MAX_CONNS 16

struct conn {
	int fd;
	int64_t deadline;
	struct ucred cred;
	char *buf;
	size_t len, cap;
	int nfds;
	int fds[4];
};

struct lx_agent {
	struct lx_view *view;
	char path[PATH_MAX]; /* "" without a listener */
	char cgroup_root[PATH_MAX];
	int listen_fd, state_fd, stop_fd;
	struct sc_state *st;
	int col; /* our column of the records, -1: none (two other live processes have them) */
	pthread_mutex_t lock; /* slots' allocation, hooks */
	struct slot *slots;
	const struct lx_agent_hooks *hooks;
	void *hooks_arg;
	pthread_t accept_th;
	bool accept_running;
	bool stopping; /* atomic */
	bool kick_pending;
	unsigned long long refused; /* atomic */
	struct conn conns[MAX_CONNS];
	int nconns;
};

/* ---------------------------------------------------------------- inherited descriptors */

void lx_agent_inherited_init(struct lx_agent_inherited *in)
{
	in->listen_fd = in->state_fd = -1;
	in->n = 0;
}

bool lx_agent_inherit_fd(struct lx_agent_inherited *in, const char *name, int fd)
{
	size_t pl = strlen(LX_SC_FDNAME_SLOT_PFX);
	char *end;
	long k;

	if (!strcmp(name, LX_SC_FDNAME_LISTEN)) {
		if (in->listen_fd >= 0)
			close(in->listen_fd);
		in->listen_fd = fd;
		return true;
	}
	if (!strcmp(name, LX_SC_FDNAME_STATE)) {
		if (in->state_fd >= 0)
			close(in->state_fd);
		in->state_fd = fd;
		return true;
	}
	if (strncmp(name, LX_SC_FDNAME_SLOT_PFX, pl) != 0)
		return false;
	errno = 0;
	k = strtol(name + pl, &end, 10);
	if (errno || end == name + pl || *end || k < 0 || k >= LX_SC_SLOTS ||
	    in->n >= LX_SC_SLOTS) {
		close(fd); /* ours by its name, but not one we can serve: it is dropped */
		return true;
	}
	in->slots[in->n] = (int)k;
	in->fds[in->n++] = fd;
	return true;
}

void lx_agent_inherited_close(struct lx_agent_inherited *in)
{
	if (in->listen_fd >= 0)
		close(in->listen_fd);
	if (in->state_fd >= 0)
		close(in->state_fd);
	for (int k = 0; k < in->n; k++)
		close(in->fds[k]);
	lx_agent_inherited_init(in);
}

/* ---------------------------------------------------------------- holders */

static void hold_slot(struct lx_agent *a, struct slot *s)
{
	const char *names[1] = {s->name};

	if (a->hooks && a->hooks->hold)
		a->hooks->hold(a->hooks_arg, names, &s->fd, 1);
}

static void drop_slot_hook(struct lx_agent *a, struct slot *s)
{
	const char *names[1] = {s->name};

	if (a->hooks && a->hooks->drop)
		a->hooks->drop(a->hooks_arg, names, 1);
}

void lx_agent_set_hooks(struct lx_agent *a, const struct lx_agent_hooks *h, void *arg)
{
	pthread_mutex_lock(&a->lock);
	a->hooks = h;
	a->hooks_arg = arg;
	pthread_mutex_unlock(&a->lock);
}

int lx_agent_dup_fds(struct lx_agent *a, char (*names)[32], int *fds, int max)
{
	int n = 0;

	pthread_mutex_lock(&a->lock);
#define ADD(name_, fd_)                                                                            \
	do {                                                                                       \
		if (n < max && (fds[n] = fcntl((fd_), F_DUPFD_CLOEXEC, 3)) >= 0)                   \
			snprintf(names[n++], 32, "%s", (name_));                                   \
	} while (0)
	if (a->listen_fd >= 0)
		ADD(LX_SC_FDNAME_LISTEN, a->listen_fd);
	if (a->state_fd >= 0)
		ADD(LX_SC_FDNAME_STATE, a->state_fd);
	for (int k = 0; k < LX_SC_SLOTS; k++)
		if (a->slots[k].fd >= 0)
			ADD(a->slots[k].name, a->slots[k].fd);
#undef ADD
	pthread_mutex_unlock(&a->lock);
	return n;
}

/* ---------------------------------------------------------------- answering */

static struct sc_rec *rec_of(struct lx_agent *a, int slot)
{
	static __thread struct sc_rec none; /* no column of ours: noted nowhere */

	return a->col >= 0 ? &a->st->slots[slot].rec[a->col] : &none;
}

static void rec_phase(struct sc_rec *r, uint32_t phase)
{
	__atomic_store_n(&r->phase, phase, __ATOMIC_RELEASE);
}

/* Answer one call on slot s: the container's values, or the kernel's own call. */
static void handle(struct lx_agent *a, struct slot *s, const struct sc_call *c)
{
	struct sc_slot *ss = &a->st->slots[s->idx];
	struct lx_error err = {0, ""};
	struct sysinfo_values v;
	struct sysinfo si;
	uint64_t ns = 0;

	/* the caller's pid namespace: noted for the thread from its earlier calls, else read
	 * now (before sc_memw_write's ID_VALID, which makes it certainly the caller's) */
	if (sc_is_sysinfo(c) && c->pid > 0 && !(ns = sc_memw_pidns(&s->w, c->pid)) &&
	    proc_pidns_ino(c->pid, &ns, NULL) < 0)
		ns = 0;
	if (sc_is_sysinfo(c) && content_sysinfo_ns(a->view, c->pid, ns, &s->host, &v, &err) == 0) {
		render_sysinfo(&v, &si);
		if (sc_memw_write(&s->w, s->fd, c, &si, sizeof(si)) == 0) {
			sc_memw_note_pidns(&s->w, c->pid, ns);
			if (sc_reply(s->fd, c->id, 0) == 0)
				__atomic_add_fetch(&ss->answered, 1, __ATOMIC_RELAXED);
			return;
		}
		if (errno == ENOENT)
			return; /* the caller went away (a signal, killed): nothing to answer */
	}
	/* not sysinfo of our architecture, values that cannot be made, memory that cannot be
	 * written (a bad pointer: the kernel's EFAULT): as without us */
	if (sc_continue(s->fd, c->id) == 0)
		__atomic_add_fetch(&ss->continued, 1, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- slots */

static void slot_free_locked(struct lx_agent *a, struct slot *s)
{
	struct sc_slot *ss = &a->st->slots[s->idx];

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	sc_memw_clear(&s->w);
	sb_free(&s->host);
	memset(ss->rec, 0, sizeof(ss->rec));
	ss->id[0] = '\0';
	ss->init_pid = 0;
	ss->pidns = 0;
	__atomic_store_n(&ss->used, 0, __ATOMIC_RELEASE);
}

/* The kernel wakes the agent on the caller's CPU (Linux 6.6); said once when it cannot. */
static void sync_wakeup(int fd)
{
	static int said;

	if (sc_set_sync_wakeup(fd) < 0 && !__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
		log_info("seccomp: no SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (%s): answers take a "
			 "little longer",
			 strerror(errno));
}

static void on_urg(int sig)
{
	(void)sig; /* only interrupts a receive that would wait (stop) */
}

static void *slot_main(void *arg)
{
	struct slot *s = arg;
	struct lx_agent *a = s->a;
	struct sc_rec *rec = rec_of(a, s->idx);
	bool gone = false;
	sigset_t urg;

	sigemptyset(&urg);
	sigaddset(&urg, SIGURG);
	pthread_sigmask(SIG_UNBLOCK, &urg, NULL);
	while (!__atomic_load_n(&a->stopping, __ATOMIC_ACQUIRE)) {
		struct pollfd p[2] = {{.fd = s->fd, .events = POLLIN},
				      {.fd = a->stop_fd, .events = POLLIN}};
		struct sc_call c;

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN)) {
			/* POLLHUP: every task of the filter has exited */
			gone = p[0].revents & (POLLHUP | POLLERR | POLLNVAL);
			if (gone)
				break;
			continue;
		}
		rec_phase(rec, PHASE_RECEIVING);
		if (sc_recv(s->fd, &c) < 0) {
			rec_phase(rec, PHASE_IDLE);
			continue; /* EINTR (a stop), ENOENT (the caller went away first) */
		}
		rec->pid = c.pid;
		rec->id = c.id;
		rec->arch = c.arch;
		rec->nr = c.nr;
		rec->arg0 = c.arg0;
		rec_phase(rec, PHASE_HANDLING);
		handle(a, s, &c);
		__atomic_store_n(&a->st->slots[s->idx].last_id, c.id, __ATOMIC_RELAXED);
		rec_phase(rec, PHASE_IDLE);
	}
	if (gone) {
		pthread_mutex_lock(&a->lock);
		log_info("seccomp: container %s: its last task exited (slot %d)",
			 a->st->slots[s->idx].id[0] ? a->st->slots[s->idx].id : "?", s->idx);
		drop_slot_hook(a, s);
		slot_free_locked(a, s);
		pthread_mutex_unlock(&a->lock);
	}
	__atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static int slot_start(struct slot *s, struct lx_error *err)
{
	pthread_attr_t attr;
	int r;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	s->done = false;
	r = pthread_create(&s->th, &attr, slot_main, s);
	pthread_attr_destroy(&attr);
	if (r != 0)
		return lx_error_set(err, r, "seccomp: thread for slot %d", s->idx);
	s->created = true;
	return 0;
}

/* Join the threads of slots whose container is gone (their slot can be used again). */
static void join_done(struct lx_agent *a)
{
	for (int k = 0; k < LX_SC_SLOTS; k++) {
		struct slot *s = &a->slots[k];

		if (s->created && __atomic_load_n(&s->done, __ATOMIC_ACQUIRE) && s->fd < 0) {
			pthread_join(s->th, NULL);
			s->created = false;
		}
	}
}

/* A free slot (its thread joined), or -1. With a->lock held. */
static int free_slot_locked(struct lx_agent *a)
{
	for (int k = 0; k < LX_SC_SLOTS; k++)
		if (a->slots[k].fd < 0 && !a->slots[k].created &&
		    !__atomic_load_n(&a->st->slots[k].used, __ATOMIC_ACQUIRE))
			return k;
	return -1;
}

/* ---------------------------------------------------------------- the listener */

static int bind_listener(struct lx_agent *a, struct lx_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[PATH_MAX], *slash;
	struct stat st;
	__close int fd = -1;

	if (strlen(a->path) >= sizeof(sa.sun_path))
		return lx_error_code(err, ENAMETOOLONG, "seccomp listener `%s`: path too long",
				     a->path);
	snprintf(dir, sizeof(dir), "%s", a->path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return lx_error_set(err, errno, "seccomp listener: create `%s`", dir);
	}
	memcpy(sa.sun_path, a->path, strlen(a->path) + 1);
	/* a socket left by a daemon before us is replaced; one that answers is another live
	 * daemon's (a second daemon on the same path) and anything else is not ours */
	if (lstat(a->path, &st) == 0) {
		__close int probe = -1;

		if (!S_ISSOCK(st.st_mode))
			return lx_error_code(err, EEXIST,
					     "seccomp listener `%s` exists and is not a socket",
					     a->path);
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return lx_error_code(err, EADDRINUSE,
					     "seccomp listener `%s`: another process listens there",
					     a->path);
		unlink(a->path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return lx_error_set(err, errno, "seccomp listener: socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(a->path, 0600) < 0 ||
	    listen(fd, 128) < 0)
		return lx_error_set(err, errno, "seccomp listener `%s`", a->path);
	a->listen_fd = steal_fd(fd);
	return 0;
}

/* An inherited listening socket bound at our path, still reachable there? */
static bool listener_usable(struct lx_agent *a, int fd)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	int on = 0;
	socklen_t ol = sizeof(on);
	struct stat st;

	memset(&sa, 0, sizeof(sa));
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) < 0 || !on ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0 || sa.sun_family != AF_UNIX)
		return false;
	sa.sun_path[sizeof(sa.sun_path) - 1] = '\0';
	return !strcmp(sa.sun_path, a->path) && stat(a->path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void refuse(struct lx_agent *a, const struct conn *c, const char *why)
{
	char key[64];

	__atomic_add_fetch(&a->refused, 1, __ATOMIC_RELAXED);
	snprintf(key, sizeof(key), "seccomp-refuse:%.40s", why);
	lx_log_ratelimited(LX_LOG_WARN, key, 1,
			   "seccomp listener: refused a connection from pid %d (uid %d): %s",
			   (int)c->cred.pid, (int)c->cred.uid, why);
}

static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= sizeof(((struct sc_slot *)0)->id))
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* Is pid under a seccomp filter (the descriptor's tasks must be)? */
static bool filtered(pid_t pid)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char path[64];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file_at(AT_FDCWD, path, &sb, NULL) < 0 || !sb.buf)
		return false;
	p = strstr(sb.buf, "\nSeccomp:");
	return p && strtol(p + 9, NULL, 10) == 2;
}

/* The runtime's message: {"ociVersion", "fds": [..."seccompFd"...], "pid", "metadata",
 * "state": {"ociVersion", "id", "status", "pid", "bundle", "annotations"}}. Sets *pid and id;
 * NULL, or why it is refused. */
static const char *parse_state(const char *text, size_t len, pid_t *pid, char *id, size_t idsz,
			       char *status, size_t stsz)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root, *v, *state, *fds;
	const char *why = NULL;
	bool has_fd = false;

	if (!tok)
		return "out of memory";
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		/* a trailing newline is fine */
		size_t end = root ? json_tokener_get_parse_end(tok) : 0;

		while (root && end < len && (text[end] == '\n' || text[end] == ' '))
			end++;
		if (!root || end != len) {
			json_object_put(root);
			json_tokener_free(tok);
			return "the state is not one JSON document";
		}
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "ociVersion", &v) ||
	    !json_object_is_type(v, json_type_string))
		why = "the state has no ociVersion";
	else if (!json_object_object_get_ex(root, "fds", &fds) ||
		 !json_object_is_type(fds, json_type_array))
		why = "the state names no descriptors (fds)";
	else if (!json_object_object_get_ex(root, "state", &state) ||
		 !json_object_is_type(state, json_type_object))
		why = "the state has no container state";
	if (!why) {
		for (size_t k = 0; k < json_object_array_length(fds); k++) {
			struct json_object *f = json_object_array_get_idx(fds, k);

			if (json_object_is_type(f, json_type_string) &&
			    !strcmp(json_object_get_string(f), "seccompFd"))
				has_fd = true;
		}
		if (!has_fd)
			why = "the state names no seccompFd";
	}
	if (!why && (!json_object_object_get_ex(root, "pid", &v) ||
		     !json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0 ||
		     json_object_get_int64(v) > INT32_MAX))
		why = "the state has no valid pid";
	if (!why)
		*pid = (pid_t)json_object_get_int64(v);
	if (!why &&
	    (!json_object_object_get_ex(state, "id", &v) ||
	     !json_object_is_type(v, json_type_string) || !id_ok(json_object_get_string(v))))
		why = "the container state has no valid id";
	if (!why)
		snprintf(id, idsz, "%s", json_object_get_string(v));
	if (!why && json_object_object_get_ex(state, "status", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(status, stsz, "%s", json_object_get_string(v));
	json_object_put(root);
	return why;
}

/* A complete message: register its descriptor, or refuse it (the descriptor is closed). */
static void take(struct lx_agent *a, struct conn *c)
{
	char id[128] = "", status[32] = "?", why[256];
	struct lx_error err = {0, ""};
	uint64_t ns = 0;
	const char *bad;
	pid_t pid = 0;
	int k, fd;

	if (c->len == 0 && c->nfds == 0) {
		log_debug("seccomp listener: an empty connection (a probe)");
		return;
	}
	if (c->cred.uid != 0) {
		refuse(a, c, "not root");
		return;
	}
	if (c->nfds != 1) {
		refuse(a, c,
		       c->nfds ? "more than one descriptor" : "no descriptor came with the state");
		return;
	}
	if (!sc_is_notify_fd(c->fds[0])) {
		refuse(a, c, "the descriptor is not a seccomp notification descriptor");
		return;
	}
	bad =
	    parse_state(c->buf ? c->buf : "", c->len, &pid, id, sizeof(id), status, sizeof(status));
	if (bad) {
		refuse(a, c, bad);
		return;
	}
	if (proc_pidns_ino(pid, &ns, &err) < 0 || !filtered(pid)) {
		snprintf(why, sizeof(why),
			 "container %s: its pid %d is gone or under no seccomp filter", id,
			 (int)pid);
		refuse(a, c, why);
		return;
	}
	pthread_mutex_lock(&a->lock);
	/* an exec into a running container comes with its own descriptor, from the container's
	 * pid namespace: a claim of a container served already from elsewhere is not one */
	for (k = 0; k < LX_SC_SLOTS; k++) {
		struct sc_slot *ss = &a->st->slots[k];

		if (a->slots[k].fd >= 0 && !strcmp(ss->id, id) && ss->pidns && ss->pidns != ns)
			break;
	}
	if (k < LX_SC_SLOTS) {
		pthread_mutex_unlock(&a->lock);
		snprintf(why, sizeof(why),
			 "it claims container %s (served since slot %d), but its pid %d is in "
			 "another pid namespace",
			 id, k, (int)pid);
		refuse(a, c, why);
		return;
	}
	k = free_slot_locked(a);
	if (k < 0) {
		pthread_mutex_unlock(&a->lock);
		snprintf(why, sizeof(why), "container %s: every slot is taken (%d containers)", id,
			 LX_SC_SLOTS);
		refuse(a, c, why);
		return;
	}
	fd = c->fds[0];
	c->fds[0] = -1;
	c->nfds = 0;
	{
		struct slot *s = &a->slots[k];
		struct sc_slot *ss = &a->st->slots[k];

		memset(ss, 0, sizeof(*ss));
		snprintf(ss->id, sizeof(ss->id), "%s", id);
		ss->init_pid = pid;
		ss->pidns = ns;
		__atomic_store_n(&ss->used, 1, __ATOMIC_RELEASE);
		s->fd = fd;
		sync_wakeup(fd);
		hold_slot(a, s); /* first: the holders keep it whatever happens to us next */
		if (slot_start(s, &err) < 0) {
			log_error("%s: container %s gets the host's sysinfo", err.msg, id);
			/* still held by the holders; the next process serves it */
		}
	}
	pthread_mutex_unlock(&a->lock);
	log_info("seccomp: container %s (%s, pid %d): sysinfo served (slot %d)", id, status,
		 (int)pid, k);
}

static void conn_close(struct lx_agent *a, int i)
{
	struct conn *c = &a->conns[i];

	close(c->fd);
	for (int k = 0; k < c->nfds; k++)
		if (c->fds[k] >= 0)
			close(c->fds[k]);
	free(c->buf);
	a->conns[i] = a->conns[--a->nconns];
}

/* Is the buffer one whole JSON document (runc sends the state in one message and keeps the
 * connection open while the process it runs lives: the end of the connection may come only
 * after the container's first sysinfo)? */
static bool complete(const struct conn *c)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	bool done;

	if (!tok)
		return false;
	o = json_tokener_parse_ex(tok, c->buf, (int)c->len);
	done = o && json_tokener_get_error(tok) == json_tokener_success;
	json_object_put(o);
	json_tokener_free(tok);
	return done;
}

/* Read what is there; true when the connection is done with (taken or refused). */
static bool conn_read(struct lx_agent *a, struct conn *c)
{
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 4)];
			struct cmsghdr align;
		} u;
		struct iovec iov;
		struct msghdr m = {.msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = u.buf,
				   .msg_controllen = sizeof(u.buf)};
		ssize_t n;

		if (c->cap - c->len < 4096) {
			size_t cap = c->cap ? c->cap * 2 : 8192;
			char *b;

			if (cap > LX_SC_MSG_MAX + 1)
				cap = LX_SC_MSG_MAX + 1;
			if (cap <= c->len) {
				refuse(a, c, "a state over 1 MiB");
				return true;
			}
			b = realloc(c->buf, cap);
			if (!b) {
				refuse(a, c, "out of memory");
				return true;
			}
			c->buf = b;
			c->cap = cap;
		}
		iov.iov_base = c->buf + c->len;
		iov.iov_len = c->cap - c->len - 1;
		n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL; cm;
		     cm = CMSG_NXTHDR(&m, cm)) {
			int k, *in;

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			in = (int *)CMSG_DATA(cm);
			for (int j = 0; j < k; j++) {
				if (c->nfds < 4)
					c->fds[c->nfds++] = in[j];
				else
					close(in[j]);
			}
		}
		if (n < 0)
			return errno != EAGAIN && errno != EINTR;
		if (n == 0) {
			c->buf[c->len] = '\0';
			take(a, c);
			return true;
		}
		c->len += (size_t)n;
		if (c->len > LX_SC_MSG_MAX) {
			refuse(a, c, "a state over 1 MiB");
			return true;
		}
		c->buf[c->len] = '\0';
		if (c->nfds && complete(c)) {
			take(a, c);
			return true;
		}
	}
}

static void on_accept(struct lx_agent *a)
{
	for (;;) {
		int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		socklen_t len = sizeof(struct ucred);
		struct conn *c;

		if (fd < 0)
			return;
		if (a->nconns >= MAX_CONNS) {
			struct conn tmp = {.fd = fd};

			getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &tmp.cred, &len);
			refuse(a, &tmp, "too many connections at once");
			close(fd);
			continue;
		}
		c = &a->conns[a->nconns++];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->deadline = lx_now_ms() + LX_SC_CONN_TIMEOUT_MS;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) < 0)
			c->cred.uid = (uid_t)-1;
	}
}

static void recover(struct lx_agent *a);

static void *accept_main(void *arg)
{
	struct lx_agent *a = arg;

	if (a->kick_pending)
		recover(a);
	while (!__atomic_load_n(&a->stopping, __ATOMIC_ACQUIRE)) {
		struct pollfd p[2 + MAX_CONNS];
		int n = 0, r;
		int64_t now;

		p[n++] = (struct pollfd){.fd = a->stop_fd, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = a->listen_fd, .events = POLLIN};
		for (int k = 0; k < a->nconns; k++)
			p[n++] = (struct pollfd){.fd = a->conns[k].fd, .events = POLLIN};
		r = poll(p, (nfds_t)n, 1000);
		if (r < 0)
			continue;
		if (p[0].revents)
			break;
		/* connections first: their indexes move when one closes */
		for (int k = a->nconns - 1; k >= 0; k--)
			if (p[2 + k].revents && conn_read(a, &a->conns[k]))
				conn_close(a, k);
		if (p[1].revents)
			on_accept(a);
		now = lx_now_ms();
		for (int k = a->nconns - 1; k >= 0; k--) {
			if (now < a->conns[k].deadline)
				continue;
			refuse(a, &a->conns[k], "no complete state within 5 s");
			conn_close(a, k);
		}
		pthread_mutex_lock(&a->lock);
		join_done(a);
		pthread_mutex_unlock(&a->lock);
	}
	while (a->nconns)
		conn_close(a, a->nconns - 1);
	return NULL;
}

/* ---------------------------------------------------------------- state and takeover */

static int state_new(struct lx_agent *a, struct lx_error *err)
{
	__close int fd = memfd_create(LX_SC_FDNAME_STATE, MFD_CLOEXEC);
	void *p;

	if (fd < 0 || ftruncate(fd, sizeof(struct sc_state)) < 0)
		return lx_error_set(err, errno, "seccomp state");
	p = mmap(NULL, sizeof(struct sc_state), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return lx_error_set(err, errno, "seccomp state");
	a->st = p;
	a->st->magic = SC_MAGIC;
	a->st->version = SC_VERSION;
	a->st->size = sizeof(struct sc_state);
	a->st->nslots = LX_SC_SLOTS;
	a->state_fd = steal_fd(fd);
	return 0;
}

static bool state_adopt(struct lx_agent *a, int fd)
{
	struct stat st;
	struct sc_state *p;

	if (fstat(fd, &st) < 0 || st.st_size != (off_t)sizeof(struct sc_state))
		return false;
	p = mmap(NULL, sizeof(struct sc_state), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return false;
	if (p->magic != SC_MAGIC || p->version != SC_VERSION || p->nslots != LX_SC_SLOTS) {
		munmap(p, sizeof(struct sc_state));
		return false;
	}
	a->st = p;
	a->state_fd = fd;
	return true;
}

/* Take a free column of the records (none: two other live processes have them). */
static void claim_column(struct lx_agent *a)
{
	uint64_t start = 0;

	proc_stat_start(getpid(), &start, NULL, NULL);
	a->col = -1;
	for (int k = 0; k < 2 && a->col < 0; k++)
		if (a->st->owner[k].pid <= 0)
			a->col = k;
	if (a->col < 0) {
		log_warn("seccomp: two other processes serve: calls in flight are not noted");
		return;
	}
	a->st->owner[a->col].pid = getpid();
	a->st->owner[a->col].start = start;
}

/* Did a call wait on slot k when its agent died noting it was receiving one? Its id would
 * follow the last answered one (ids grow by one per call): some of those still handed out
 * and unanswered. Unknown (no call answered yet): assume so. */
static bool maybe_orphan(struct lx_agent *a, int k)
{
	uint64_t last = a->st->slots[k].last_id;

	if (!last)
		return true;
	for (uint64_t id = last + 1; id <= last + 64; id++)
		if (sc_id_valid(a->slots[k].fd, id))
			return true;
	return false;
}

/* What dead processes left in their columns: calls they were handling are answered now; a
 * call one may have received without noting it is found by its thread's waiting in sysinfo
 * (a->kick_pending). The columns are free afterwards. */
static void replay(struct lx_agent *a)
{
	for (int col = 0; col < 2; col++) {
		struct sc_owner *o = &a->st->owner[col];

		if (o->pid <= 0 || o->pid == getpid() || proc_pid_matches(o->pid, o->start))
			continue; /* free, ours, or a live process (retiring) answering its own */
		for (int k = 0; k < LX_SC_SLOTS; k++) {
			struct slot *s = &a->slots[k];
			struct sc_rec *r = &a->st->slots[k].rec[col];
			struct sc_call c = {r->id, r->pid, r->arch, r->nr, r->arg0};

			if (s->fd >= 0 && r->phase == PHASE_HANDLING && sc_id_valid(s->fd, c.id)) {
				log_info(
				    "seccomp: slot %d: answering call %llu of thread %d, which "
				    "pid %d was handling when it died",
				    k, (unsigned long long)c.id, (int)c.pid, (int)o->pid);
				handle(a, s, &c);
			} else if (s->fd >= 0 && r->phase == PHASE_RECEIVING &&
				   maybe_orphan(a, k)) {
				a->kick_pending = true;
			}
			memset(r, 0, sizeof(*r));
		}
		o->pid = 0;
	}
}

/* Threads waiting for an answer nobody will give: their calls start again. */
static void recover(struct lx_agent *a)
{
	struct lx_error err = {0, ""};
	unsigned failed = 0;
	int n = sc_kick_sysinfo_waiters(a->cgroup_root, &failed, &err);

	a->kick_pending = false;
	if (n > 0)
		__atomic_add_fetch(&a->st->kicked, (uint64_t)n, __ATOMIC_RELAXED);
	log_info("seccomp: the process before us may have left a call unanswered: %d thread%s "
		 "waiting in sysinfo started their call again",
		 n < 0 ? 0 : n, n == 1 ? "" : "s");
	if (failed || n < 0)
		log_warn("seccomp: %u thread%s could not be made to start again (they wait until "
			 "interrupted): %s",
			 failed, failed == 1 ? "" : "s", err.msg);
}

static void adopt_slots(struct lx_agent *a, struct lx_agent_inherited *in)
{
	for (int k = 0; k < in->n; k++) {
		int idx = in->slots[k], fd = in->fds[k];

		if (!sc_is_notify_fd(fd) || a->slots[idx].fd >= 0) {
			close(fd); /* a duplicate name, or not a notification descriptor */
			continue;
		}
		a->slots[idx].fd = fd;
		sync_wakeup(fd);
		__atomic_store_n(&a->st->slots[idx].used, 1, __ATOMIC_RELEASE);
	}
	in->n = 0;
	/* slots the state says are used but whose descriptor nobody held: gone */
	for (int k = 0; k < LX_SC_SLOTS; k++)
		if (a->slots[k].fd < 0 && a->st->slots[k].used)
			slot_free_locked(a, &a->slots[k]);
}

int lx_agent_new(struct lx_view *view, const char *listener, const char *cgroup_root,
		 struct lx_agent_inherited *in, struct lx_agent **out, struct lx_error *err)
{
	struct lx_agent *a;

	*out = NULL;
	if ((!listener || !*listener) && in->n == 0) {
		lx_agent_inherited_close(in);
		return 0;
	}
	a = calloc(1, sizeof(*a));
	if (a)
		a->slots = calloc(LX_SC_SLOTS, sizeof(*a->slots));
	if (!a || !a->slots) {
		free(a);
		lx_agent_inherited_close(in);
		return lx_error_set(err, ENOMEM, "seccomp agent");
	}
	a->view = view;
	a->listen_fd = a->state_fd = -1;
	a->col = -1;
	pthread_mutex_init(&a->lock, NULL);
	snprintf(a->path, sizeof(a->path), "%s", listener ? listener : "");
	snprintf(a->cgroup_root, sizeof(a->cgroup_root), "%s", cgroup_root);
	for (int k = 0; k < LX_SC_SLOTS; k++) {
		a->slots[k].a = a;
		a->slots[k].idx = k;
		a->slots[k].fd = -1;
		sc_memw_init(&a->slots[k].w);
		snprintf(a->slots[k].name, sizeof(a->slots[k].name), "%s%d", LX_SC_FDNAME_SLOT_PFX,
			 k);
	}
	a->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->stop_fd < 0) {
		lx_error_set(err, errno, "seccomp agent: eventfd");
		goto fail;
	}
	if (in->state_fd >= 0 && !state_adopt(a, in->state_fd)) {
		log_warn("seccomp: the state handed to us is not one we know: starting afresh");
		close(in->state_fd);
	}
	in->state_fd = -1;
	if (!a->st && state_new(a, err) < 0)
		goto fail;
	adopt_slots(a, in);
	if (in->listen_fd >= 0 && a->path[0] && listener_usable(a, in->listen_fd)) {
		a->listen_fd = in->listen_fd;
	} else if (in->listen_fd >= 0) {
		log_warn("seccomp: the listening socket handed to us is not at `%s` any more: a "
			 "new one",
			 a->path[0] ? a->path : "(none)");
		close(in->listen_fd);
	}
	in->listen_fd = -1;
	if (a->path[0] && a->listen_fd < 0 && bind_listener(a, err) < 0) {
		/* the containers served already go on; a new one with our profile cannot start
		 * (its runtime finds no listener): check-lxcfs says so */
		log_error("seccomp: %s: no listener", err->msg);
		memset(err, 0, sizeof(*err));
	}
	*out = a;
	return 0;
fail:
	lx_agent_inherited_close(in);
	lx_agent_free(a);
	return -1;
}

int lx_agent_start(struct lx_agent *a, struct lx_error *err)
{
	struct sigaction sa;
	int n = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_urg; /* no SA_RESTART: a waiting receive returns EINTR */
	sigaction(SIGURG, &sa, NULL);
	replay(a);
	claim_column(a);
	pthread_mutex_lock(&a->lock);
	for (int k = 0; k < LX_SC_SLOTS; k++) {
		if (a->slots[k].fd < 0)
			continue;
		if (slot_start(&a->slots[k], err) < 0) {
			pthread_mutex_unlock(&a->lock);
			return -1;
		}
		n++;
	}
	pthread_mutex_unlock(&a->lock);
	if (n)
		log_info("seccomp: serving sysinfo for %d container%s handed to us", n,
			 n == 1 ? "" : "s");
	if (a->listen_fd >= 0 || a->kick_pending) {
		if (a->listen_fd < 0) {
			recover(a);
		} else {
			int r = pthread_create(&a->accept_th, NULL, accept_main, a);

			if (r != 0)
				return lx_error_set(err, r, "seccomp listener thread");
			a->accept_running = true;
		}
	}
	if (a->path[0])
		log_info("seccomp: listening on %s", a->path);
	return 0;
}

void lx_agent_status(struct lx_agent *a, char *buf, size_t size)
{
	unsigned long long answered = 0, continued = 0;
	unsigned containers = 0;

	if (!a) {
		snprintf(buf, size, " seccomp=-");
		return;
	}
	for (int k = 0; k < LX_SC_SLOTS; k++) {
		if (a->slots[k].fd >= 0)
			containers++;
		answered += __atomic_load_n(&a->st->slots[k].answered, __ATOMIC_RELAXED);
		continued += __atomic_load_n(&a->st->slots[k].continued, __ATOMIC_RELAXED);
	}
	snprintf(buf, size,
		 " seccomp=%s seccomp_listening=%d seccomp_containers=%u seccomp_answered=%llu "
		 "seccomp_host=%llu seccomp_refused=%llu seccomp_kicked=%llu",
		 a->path[0] ? a->path : "-", a->listen_fd >= 0 && a->accept_running ? 1 : 0,
		 containers, answered, continued, __atomic_load_n(&a->refused, __ATOMIC_RELAXED),
		 (unsigned long long)__atomic_load_n(&a->st->kicked, __ATOMIC_RELAXED));
}

void lx_agent_stop(struct lx_agent *a)
{
	uint64_t one = 1;

	if (!a || __atomic_exchange_n(&a->stopping, true, __ATOMIC_ACQ_REL))
		return;
	if (write(a->stop_fd, &one, sizeof(one)) < 0) {
		/* an eventfd far from its limit */
	}
	if (a->accept_running) {
		pthread_join(a->accept_th, NULL);
		a->accept_running = false;
	}
	for (int k = 0; k < LX_SC_SLOTS; k++) {
		struct slot *s = &a->slots[k];

		if (!s->created)
			continue;
		/* a thread waiting in a receive (another process took the call it was woken for)
		 * is interrupted; one answering finishes first */
		while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE)) {
			struct timespec ts = {0, 1000000};

			pthread_kill(s->th, SIGURG);
			nanosleep(&ts, NULL);
		}
		pthread_join(s->th, NULL);
		s->created = false;
	}
	/* our column is free for the next process (nothing in flight is ours now) */
	if (a->col >= 0 && a->st->owner[a->col].pid == getpid())
		a->st->owner[a->col].pid = 0;
}

void lx_agent_free(struct lx_agent *a)
{
	if (!a)
		return;
	lx_agent_stop(a);
	for (int k = 0; a->slots && k < LX_SC_SLOTS; k++) {
		if (a->slots[k].fd >= 0)
			close(a->slots[k].fd);
		sc_memw_clear(&a->slots[k].w);
		sb_free(&a->slots[k].host);
	}
	if (a->listen_fd >= 0)
		close(a->listen_fd);
	if (a->st)
		munmap(a->st, sizeof(struct sc_state));
	if (a->state_fd >= 0)
		close(a->state_fd);
	if (a->stop_fd >= 0)
		close(a->stop_fd);
	pthread_mutex_destroy(&a->lock);
	free(a->slots);
	free(a);
}
