#include "handover.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "fuse/conn.h"
#include "fuse/fuse_ops.h"
#include "view/containers.h"
#include "common/clock.h"
#include "common/control.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/pidfile.h"

#define HANDOVER_TIMEOUT_MS 10000
#define MSG_MAX		    LX_CONTROL_MSG_MAX
#define FDS_MAX		    (4 + LX_MAX_HOLDERS + 1)

extern char **environ;

/* ---------------------------------------------------------------- inherited descriptors */

int lx_inherit(const struct lx_options *o, struct lx_inherited *in, struct lx_error *err)
{
	char **names = NULL;
	int n;

	memset(in, 0, sizeof(*in));
	in->fuse = in->state = in->pidfile = in->control = in->handover = -1;
	lx_agent_inherited_init(&in->sc);
	n = sd_listen_fds_with_names(1, &names);
	if (n < 0)
		return lx_error_set(err, -n, "LISTEN_FDS");
	for (int k = 0; k < n; k++) {
		int fd = SD_LISTEN_FDS_START + k;
		const char *name = names && names[k] ? names[k] : "";

		fcntl(fd, F_SETFD, FD_CLOEXEC);
		if (!strcmp(name, LX_FDNAME_FUSE))
			in->fuse = fd;
		else if (!strcmp(name, LX_FDNAME_STATE))
			in->state = fd;
		else if (!strcmp(name, LX_FDNAME_PIDFILE))
			in->pidfile = fd;
		else if (!strcmp(name, LX_FDNAME_CONTROL))
			in->control = fd;
		else if (!strcmp(name, LX_FDNAME_HANDOVER))
			in->handover = fd;
		else if (!strcmp(name, LX_FDNAME_HOLDER) && in->nholders < LX_MAX_HOLDERS)
			in->holders[in->nholders++] = fd;
		else if (!lx_agent_inherit_fd(&in->sc, name, fd))
			close(fd); /* not ours (systemd passes what a unit's sockets give) */
	}
	for (int k = 0; names && k < n; k++)
		free(names[k]);
	free(names);
	in->from_systemd =
	    n > 0 && getenv("NOTIFY_SOCKET") && in->handover < 0 && in->nholders == 0;
	if (in->fuse < 0 && in->state < 0 && o->takeover_fd >= 0) {
		in->fuse = o->takeover_fd;
		in->state = o->state_fd;
	}
	if ((in->fuse >= 0) != (in->state >= 0))
		return lx_error_set(err, EINVAL,
				    "taking over a connection needs both its /dev/fuse descriptor "
				    "and its state (--takeover-fd and --state-fd)");
	return in->fuse >= 0 ? 1 : 0;
}

/* ---------------------------------------------------------------- the control thread */

struct lx_handover {
	struct lx_daemon *d;
	struct lx_conn *c;
	struct fuse_session *se;
	char **argv;
	char exe[PATH_MAX];
	int pidfd;
	int sigfd, epfd, ctl_fd;
	char ctl_path[PATH_MAX];
	/* connections: inherited holders, and control socket clients (holders once they
	 * said HOLD) */
	struct peer {
		int fd;
		bool holder;
	} peers[LX_MAX_HOLDERS];
	int npeers;
	/* peers[] changes in the control thread only, under this lock; the other threads (the
	 * seccomp agent's, the main one) send to holders under it. Taken after the agent's. */
	pthread_mutex_t peers_lock;
	struct lx_agent *agent;
	int handover_fd;
	bool systemd_held;
	int end; /* enum lx_end (atomic) */
	int wake[2];
	/* a descriptor kept for the control socket: a daemon at its descriptor limit can still
	 * accept check-lxcfs and tell it that it is degraded */
	int spare;
	pthread_t thread;
	bool running;
};

static const int handled_signals[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2};

void lx_handover_block_signals(void)
{
	/* signals whose default would end the daemon and that mean nothing to it */
	static const int ignored[] = {SIGPIPE,	 SIGALRM, SIGVTALRM, SIGPROF, SIGIO,   SIGPWR,
				      SIGSTKFLT, SIGXCPU, SIGXFSZ,   SIGTSTP, SIGTTIN, SIGTTOU};
	sigset_t set;

	for (size_t k = 0; k < sizeof(ignored) / sizeof(ignored[0]); k++)
		signal(ignored[k], SIG_IGN);
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		signal(s, SIG_IGN);
	sigemptyset(&set);
	for (size_t k = 0; k < sizeof(handled_signals) / sizeof(handled_signals[0]); k++)
		sigaddset(&set, handled_signals[k]);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static int nholders(const struct lx_handover *h)
{
	int n = 0;

	for (int k = 0; k < h->npeers; k++)
		n += h->peers[k].holder;
	return n;
}

static bool held(const struct lx_handover *h)
{
	return nholders(h) > 0 || h->systemd_held;
}

static void tell_holders(struct lx_handover *h, const char *msg)
{
	pthread_mutex_lock(&h->peers_lock);
	for (int k = 0; k < h->npeers; k++)
		if (h->peers[k].holder)
			lx_msg_send(h->peers[k].fd, msg, NULL, 0);
	pthread_mutex_unlock(&h->peers_lock);
}

static void request_end(struct lx_handover *h, enum lx_end end)
{
	int none = LX_END_RUNNING;

	if (!__atomic_compare_exchange_n(&h->end, &none, end, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return;
	lx_conn_retire(h->c, h->se); /* ends the session once all it read is answered */
}

static void epoll_add(struct lx_handover *h, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static struct peer *peer_of(struct lx_handover *h, int fd)
{
	for (int k = 0; k < h->npeers; k++)
		if (h->peers[k].fd == fd)
			return &h->peers[k];
	return NULL;
}

static void drop_peer(struct lx_handover *h, struct peer *p)
{
	bool was = p->holder;

	pthread_mutex_lock(&h->peers_lock);
	epoll_ctl(h->epfd, EPOLL_CTL_DEL, p->fd, NULL);
	close(p->fd);
	*p = h->peers[--h->npeers];
	pthread_mutex_unlock(&h->peers_lock);
	if (was && !held(h))
		log_warn("no holder of the FUSE connection left: a crash would end it");
}

static void hold_msg(struct lx_handover *h, char *buf, size_t size)
{
	snprintf(buf, size, "HOLD pid=%d epoch=%u resend=%d conn=%d", getpid(), h->c->epoch,
		 h->c->resend ? 1 : 0, lx_conn_id(h->c));
}

/* ---------------------------------------------------------------- named descriptors */

/* The seccomp agent's descriptors as FDS messages (common/control.h), to one holder. */
static void send_named(int fd, char (*names)[LX_FDNAME_MAX], const int *fds, int n)
{
	for (int i = 0; i < n; i += LX_FDS_PER_MSG) {
		int cnt = n - i < LX_FDS_PER_MSG ? n - i : LX_FDS_PER_MSG;
		char msg[MSG_MAX] = "FDS names=";

		for (int j = 0; j < cnt; j++) {
			if (j)
				strcat(msg, ":");
			strcat(msg, names[i + j]);
		}
		if (lx_msg_send_wait(fd, msg, fds + i, cnt, 1000) < 0)
			log_warn("holder: cannot hand it %d seccomp descriptor%s: %s", cnt,
				 cnt == 1 ? "" : "s", strerror(errno));
	}
}

/* Duplicates of every descriptor of the agent to hold (closed with free_named). */
struct named {
	char (*names)[LX_FDNAME_MAX];
	int *fds;
	int n;
};

static void get_named(struct lx_handover *h, struct named *nd)
{
	int max = LX_SC_SLOTS + 2;

	nd->n = 0;
	nd->names = NULL;
	nd->fds = NULL;
	if (!h->agent)
		return;
	nd->names = malloc(sizeof(*nd->names) * max);
	nd->fds = malloc(sizeof(int) * max);
	if (!nd->names || !nd->fds) {
		log_error("holder: out of memory for the seccomp descriptors");
		return;
	}
	nd->n = lx_agent_dup_fds(h->agent, nd->names, nd->fds, max);
}

static void free_named(struct named *nd)
{
	for (int k = 0; k < nd->n; k++)
		close(nd->fds[k]);
	free(nd->names);
	free(nd->fds);
	nd->n = 0;
}

static void store_named_systemd(struct lx_handover *h, char (*names)[LX_FDNAME_MAX], const int *fds,
				int n)
{
	char msg[96];

	if (!h->systemd_held)
		return;
	for (int k = 0; k < n; k++) {
		snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", names[k]);
		sd_pid_notify_with_fds(0, 0, msg, &fds[k], 1);
	}
}

/* The agent's hooks (seccomp/agent.h): from its threads, under its lock. */
static void hook_hold(void *arg, const char *const *names, const int *fds, int n)
{
	struct lx_handover *h = arg;
	char(*nm)[LX_FDNAME_MAX] = calloc((size_t)n, LX_FDNAME_MAX);

	if (!nm)
		return;
	for (int k = 0; k < n; k++)
		snprintf(nm[k], LX_FDNAME_MAX, "%s", names[k]);
	pthread_mutex_lock(&h->peers_lock);
	for (int k = 0; k < h->npeers; k++)
		if (h->peers[k].holder)
			send_named(h->peers[k].fd, nm, fds, n);
	pthread_mutex_unlock(&h->peers_lock);
	store_named_systemd(h, nm, fds, n);
	free(nm);
}

static void hook_drop(void *arg, const char *const *names, int n)
{
	struct lx_handover *h = arg;
	char msg[MSG_MAX] = "UNHOLD names=", sd[96];

	for (int k = 0; k < n && strlen(msg) + LX_FDNAME_MAX + 1 < sizeof(msg); k++) {
		if (k)
			strcat(msg, ":");
		strcat(msg, names[k]);
	}
	tell_holders(h, msg);
	for (int k = 0; h->systemd_held && k < n; k++) {
		snprintf(sd, sizeof(sd), "FDSTOREREMOVE=1\nFDNAME=%s", names[k]);
		sd_notify(0, sd);
	}
}

static const struct lx_agent_hooks agent_hooks = {hook_hold, hook_drop};

/* HOLD with the connection's descriptors, then the agent's, to one holder. */
static int give_fds(struct lx_handover *h, int fd)
{
	char msg[MSG_MAX];
	int fds[2] = {h->c->fd, h->c->state_fd}, r;
	struct named nd;

	get_named(h, &nd);
	hold_msg(h, msg, sizeof(msg));
	pthread_mutex_lock(&h->peers_lock);
	r = lx_msg_send(fd, msg, fds, 2);
	if (r == 0)
		send_named(fd, nd.names, nd.fds, nd.n);
	pthread_mutex_unlock(&h->peers_lock);
	free_named(&nd);
	return r;
}

/* Serving own values: no file was served from the host for the daemon's own reasons (out of
 * descriptors or memory) in the last DEGRADED_S seconds. */
#define DEGRADED_S 10

static void status_msg(struct lx_handover *h, char *buf, size_t size)
{
	struct lx_fuse *f = &h->d->fuse;
	char sc[512];
	size_t len;
	int64_t last = __atomic_load_n(&h->d->view.last_internal_error_s, __ATOMIC_RELAXED);
	bool degraded = last && time(NULL) - last < DEGRADED_S;

	snprintf(buf, size,
		 "STATUS pid=%d version=%s epoch=%u takeovers=%u resend=%d held=%d systemd=%d "
		 "hostview=%d degraded=%d containers=%zu conn=%d poisoned=%llu pc_open=%u "
		 "direct_open=%u refused=%llu",
		 getpid(), LXCFS_VERSION, h->c->epoch, h->c->st->takeovers, h->c->resend ? 1 : 0,
		 nholders(h), h->systemd_held ? 1 : 0,
		 __atomic_load_n(&h->d->view.host_view, __ATOMIC_RELAXED) ? 1 : 0, degraded ? 1 : 0,
		 containers_count(h->d->view.containers), lx_conn_id(h->c),
		 __atomic_load_n(&h->c->poisoned, __ATOMIC_RELAXED),
		 __atomic_load_n(&f->pc_open, __ATOMIC_RELAXED),
		 __atomic_load_n(&f->direct_open, __ATOMIC_RELAXED),
		 __atomic_load_n(&f->n_refused, __ATOMIC_RELAXED));
	lx_agent_status(h->agent, sc, sizeof(sc));
	len = strlen(buf);
	snprintf(buf + len, size - len, "%s", sc);
}

/* Append "n" as decimal to p (async-signal-safe, for the child of fork). */
static char *put_uint(char *p, unsigned long n)
{
	char tmp[24];
	int k = 0;

	do
		tmp[k++] = (char)('0' + n % 10);
	while ((n /= 10));
	while (k)
		*p++ = tmp[--k];
	*p = '\0';
	return p;
}

static bool is_predecessor(struct lx_handover *h, int fd)
{
	for (int k = 0; k < 2; k++)
		if (fd >= 0 && lx_conn_predecessor_fd(h->c, k) == fd)
			return true;
	return false;
}

/* A process before us that still answers what it read: wait for it (a successor would
 * watch only us). */
static int wait_predecessors(struct lx_handover *h, char *why, size_t whysz)
{
	int64_t deadline = lx_now_ms() + LX_DRAIN_MS + 1000;
	pid_t pid = 0;

	while (lx_conn_predecessors(h->c, &pid) > 0) {
		int64_t left = deadline - lx_now_ms();
		struct pollfd p[2];
		int n = 0;

		if (left <= 0) {
			snprintf(why, whysz,
				 "pid %d, the process before us, is still answering "
				 "requests; try again later",
				 pid);
			return -1;
		}
		for (int k = 0; k < 2; k++)
			if (lx_conn_predecessor_fd(h->c, k) >= 0)
				p[n++] =
				    (struct pollfd){lx_conn_predecessor_fd(h->c, k), POLLIN, 0};
		if (poll(p, n, (int)left) > 0)
			for (int k = 0; k < n; k++)
				if (p[k].revents)
					lx_conn_predecessor_exited(h->c, p[k].fd);
	}
	return 0;
}

/* Start the binary exe on our descriptors and wait for its READY; then retire. */
static int upgrade(struct lx_handover *h, const char *exe, char *why, size_t whysz)
{
	int sp[2], *fds = NULL, n = 0, status;
	char *names = NULL, nfds_env[32], pid_env[40] = "LISTEN_PID=", *names_env = NULL;
	size_t names_sz;
	char **env = NULL;
	size_t nenv = 0;
	struct pollfd p;
	pid_t child;
	char msg[MSG_MAX];
	int64_t deadline;
	struct timespec ts;
	struct named nd = {NULL, NULL, 0};

#define ADD(fd_, name_)                                                                            \
	do {                                                                                       \
		if (n)                                                                             \
			strcat(names, ":");                                                        \
		strcat(names, (name_));                                                            \
		fds[n++] = (fd_);                                                                  \
	} while (0)

	if (__atomic_load_n(&h->end, __ATOMIC_ACQUIRE) != LX_END_RUNNING) {
		snprintf(why, whysz, "this process is already ending");
		return -1;
	}
	if (access(exe, X_OK) < 0) {
		snprintf(why, whysz, "cannot run `%s`: %s", exe, strerror(errno));
		return -1;
	}
	if (wait_predecessors(h, why, whysz) < 0)
		return -1;
	get_named(h, &nd);
	names_sz = (size_t)(FDS_MAX + LX_MAX_HOLDERS + nd.n) * (LX_FDNAME_MAX + 1) + 1;
	names = calloc(1, names_sz);
	names_env = malloc(names_sz + 32);
	fds = malloc(sizeof(int) * (size_t)(FDS_MAX + LX_MAX_HOLDERS + nd.n));
	if (!names || !names_env || !fds) {
		snprintf(why, whysz, "out of memory");
		goto fail_early;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		snprintf(why, whysz, "socketpair: %s", strerror(errno));
		goto fail_early;
	}
	ADD(h->c->fd, LX_FDNAME_FUSE);
	ADD(h->c->state_fd, LX_FDNAME_STATE);
	if (h->pidfd >= 0)
		ADD(h->pidfd, LX_FDNAME_PIDFILE);
	if (h->ctl_fd >= 0)
		ADD(h->ctl_fd, LX_FDNAME_CONTROL);
	for (int k = 0; k < h->npeers; k++)
		if (h->peers[k].holder)
			ADD(h->peers[k].fd, LX_FDNAME_HOLDER);
	for (int k = 0; k < nd.n; k++)
		ADD(nd.fds[k], nd.names[k]);
	ADD(sp[1], LX_FDNAME_HANDOVER);
#undef ADD
	snprintf(nfds_env, sizeof(nfds_env), "LISTEN_FDS=%d", n);
	snprintf(names_env, names_sz + 32, "LISTEN_FDNAMES=%s", names);
	for (char **e = environ; *e; e++)
		nenv++;
	env = calloc(nenv + 4, sizeof(*env));
	if (!env) {
		close(sp[0]);
		close(sp[1]);
		snprintf(why, whysz, "out of memory");
		goto fail_early;
	}
	nenv = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "LISTEN_", 7) != 0)
			env[nenv++] = *e;
	env[nenv++] = nfds_env;
	env[nenv++] = names_env;
	env[nenv++] = pid_env;
	child = fork();
	if (child == 0) {
		sigset_t none;
		int high = 64;

		/* descriptors to 3.. in order: first out of the way (copies that exec
		 * closes), then down */
		for (int k = 0; k < n; k++) {
			fds[k] = fcntl(fds[k], F_DUPFD_CLOEXEC, high);
			high = fds[k] + 1;
		}
		for (int k = 0; k < n; k++)
			if (dup2(fds[k], SD_LISTEN_FDS_START + k) < 0)
				_exit(126);
		put_uint(pid_env + strlen(pid_env), (unsigned long)getpid());
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(exe, h->argv, env);
		_exit(127);
	}
	free(env);
	free(fds);
	free(names);
	free(names_env);
	free_named(&nd);
	close(sp[1]);
	if (child < 0) {
		close(sp[0]);
		snprintf(why, whysz, "fork: %s", strerror(errno));
		return -1;
	}
	log_info("upgrade: started %s as pid %d on our connection", exe, child);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + HANDOVER_TIMEOUT_MS;
	p.fd = sp[0];
	p.events = POLLIN;
	for (;;) {
		int64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (now >= deadline || poll(&p, 1, (int)(deadline - now)) == 0) {
			snprintf(why, whysz, "pid %d did not say READY within %d s", child,
				 HANDOVER_TIMEOUT_MS / 1000);
			break;
		}
		if (lx_msg_recv(sp[0], msg, sizeof(msg), NULL, NULL) <= 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(why, whysz, "pid %d exited before it served", child);
			break;
		}
		if (!strncmp(msg, "READY", 5)) {
			char note[MSG_MAX];

			close(sp[0]);
			snprintf(note, sizeof(note), "RETIRING pid=%d next=%d", getpid(), child);
			tell_holders(h, note);
			log_info("upgrade: pid %d serves; retiring", child);
			request_end(h, LX_END_RETIRE);
			return 0;
		}
	}
	close(sp[0]);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	if (h->pidfd >= 0) {
		struct lx_error err = {0, ""};

		if (pidfile_write(h->pidfd, getpid(), &err) < 0) /* it may have written its own */
			log_warn("pidfile: %s", err.msg);
	}
	log_error("upgrade to %s failed: %s; still serving", exe, why);
	return -1;
fail_early:
	free(fds);
	free(names);
	free(names_env);
	free_named(&nd);
	return -1;
}

static void handle_msg(struct lx_handover *h, int fd, char *msg)
{
	char reply[MSG_MAX];

	msg[strcspn(msg, "\r\n")] = '\0';
	if (!strcmp(msg, "STATUS")) {
		status_msg(h, reply, sizeof(reply));
		lx_msg_send(fd, reply, NULL, 0);
	} else if (!strcmp(msg, "HOLD")) {
		struct peer *p = peer_of(h, fd);

		if (give_fds(h, fd) == 0 && p) {
			pthread_mutex_lock(&h->peers_lock);
			p->holder = true;
			pthread_mutex_unlock(&h->peers_lock);
		}
	} else if (!strncmp(msg, "UPGRADE", 7)) {
		const char *exe = strstr(msg, "exe=");
		char why[512] = "";

		if (upgrade(h, exe ? exe + 4 : h->exe, why, sizeof(why)) == 0)
			lx_msg_send(fd, "OK", NULL, 0);
		else {
			snprintf(reply, sizeof(reply), "ERROR %s", why);
			lx_msg_send(fd, reply, NULL, 0);
		}
	} else if (!strcmp(msg, "RETIRE")) {
		lx_msg_send(fd, "OK", NULL, 0);
		log_info("retiring: asked by a holder");
		request_end(h, LX_END_RETIRE);
	} else if (!strcmp(msg, "STOP")) {
		lx_msg_send(fd, "OK", NULL, 0);
		log_info("stopping: asked by a holder");
		request_end(h, LX_END_STOP);
	} else {
		snprintf(reply, sizeof(reply), "ERROR unknown request `%.64s`", msg);
		lx_msg_send(fd, reply, NULL, 0);
	}
}

static void on_signal(struct lx_handover *h)
{
	struct signalfd_siginfo si;
	char why[512];

	if (read(h->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	switch (si.ssi_signo) {
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		if (held(h)) {
			log_info("signal %d: leaving the connection to its holder", si.ssi_signo);
			request_end(h, LX_END_RETIRE);
		} else {
			log_info("signal %d: stopping", si.ssi_signo);
			request_end(h, LX_END_STOP);
		}
		break;
	case SIGHUP:
		if (h->d->opts->log)
			lx_log_reopen();
		log_info("SIGHUP: log reopened");
		break;
	case SIGUSR1:
		log_info("SIGUSR1: handing the connection to %s", h->exe);
		upgrade(h, h->exe, why, sizeof(why));
		break;
	case SIGUSR2: {
		bool on = !__atomic_load_n(&h->d->view.host_view, __ATOMIC_RELAXED);

		__atomic_store_n(&h->d->view.host_view, on, __ATOMIC_RELAXED);
		log_info("SIGUSR2: %s", on ? "every reader now gets the host's files"
					   : "containers get their own values again");
		break;
	}
	}
}

static void on_control(struct lx_handover *h)
{
	int fd = accept4(h->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		/* out of descriptors: the spare one takes the client (its STATUS says degraded);
		 * without it, wait rather than spin on a socket that stays readable */
		__atomic_store_n(&h->d->view.last_internal_error_s, (int64_t)time(NULL),
				 __ATOMIC_RELAXED);
		lx_log_ratelimited(LX_LOG_WARN, "control-emfile", 60,
				   "control socket: out of file descriptors (%s)",
				   h->spare >= 0 ? "answering with the spare one" : "waiting");
		if (h->spare >= 0) {
			close(h->spare);
			h->spare = -1;
			fd = accept4(h->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		}
		if (fd < 0) {
			usleep(100 * 1000);
			return;
		}
	}
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0 ||
	    h->npeers >= LX_MAX_HOLDERS) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&h->peers_lock);
	h->peers[h->npeers].fd = fd;
	h->peers[h->npeers++].holder = false; /* until it says HOLD */
	pthread_mutex_unlock(&h->peers_lock);
	epoll_add(h, fd);
}

static void *control_thread(void *arg)
{
	struct lx_handover *h = arg;

	for (;;) {
		struct epoll_event ev[16];
		int n;

		if (h->spare < 0) /* given to a client at the descriptor limit: take it back */
			h->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
		n = epoll_wait(h->epfd, ev, 16, h->spare < 0 ? 1000 : -1);

		for (int k = 0; k < n; k++) {
			int fd = ev[k].data.fd;
			char msg[MSG_MAX];

			if (fd == h->wake[0]) {
				char b = 0;

				if (read(h->wake[0], &b, 1) == 1 && b == 'i') {
					/* the kernel's INIT is in: what holders know is now
					 * complete (resend) */
					for (int k = 0; k < h->npeers; k++)
						if (h->peers[k].holder)
							give_fds(h, h->peers[k].fd);
					continue;
				}
				return NULL;
			}
			if (is_predecessor(h, fd)) {
				lx_conn_predecessor_exited(h->c, fd); /* closes it */
			} else if (fd == h->sigfd) {
				on_signal(h);
			} else if (fd == h->ctl_fd) {
				on_control(h);
			} else if (peer_of(h, fd)) {
				ssize_t r = lx_msg_recv(fd, msg, sizeof(msg), NULL, NULL);

				if (r > 0)
					handle_msg(h, fd, msg);
				else if (r == 0 || (errno != EAGAIN && errno != EINTR))
					drop_peer(h, peer_of(h, fd));
			}
		}
	}
}

static int control_socket(struct lx_handover *h, struct lx_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *dir = h->d->opts->runtime_dir;
	__close int fd = -1;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return lx_error_set(err, errno, "create `%s`", dir);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return lx_error_set(err, errno, "socket");
	memcpy(sa.sun_path, h->ctl_path, strlen(h->ctl_path) + 1); /* fits: lx_control_path */
	unlink(h->ctl_path); /* a daemon before us on this mount point is gone, or retiring */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(h->ctl_path, 0600) < 0 ||
	    listen(fd, 16) < 0)
		return lx_error_set(err, errno, "control socket `%s`", h->ctl_path);
	h->ctl_fd = fd;
	fd = -1;
	return 0;
}

/* From the FUSE worker that read the kernel's INIT (fuse/conn.c). */
static void on_init(void *arg)
{
	struct lx_handover *h = arg;

	if (write(h->wake[1], "i", 1) < 0) {
		/* our own pipe: it has room */
	}
}

struct lx_handover *lx_handover_start(struct lx_daemon *d, struct lx_conn *c,
				      struct fuse_session *se, struct lx_inherited *in, char **argv,
				      int pidfd, struct lx_agent *agent, struct lx_error *err)
{
	struct lx_handover *h = calloc(1, sizeof(*h));
	sigset_t set;
	ssize_t len;

	if (!h) {
		lx_error_set(err, ENOMEM, "handover");
		return NULL;
	}
	h->d = d;
	h->c = c;
	h->se = se;
	h->agent = agent;
	pthread_mutex_init(&h->peers_lock, NULL);
	h->argv = argv;
	h->pidfd = pidfd;
	h->ctl_fd = in->control;
	h->handover_fd = in->handover;
	h->sigfd = h->epfd = -1;
	h->wake[0] = h->wake[1] = -1;
	h->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	h->systemd_held = getenv("NOTIFY_SOCKET") && getenv("LXCFS_FDSTORE");
	for (int k = 0; k < in->nholders; k++) {
		h->peers[h->npeers].fd = in->holders[k];
		h->peers[h->npeers++].holder = true;
	}
	in->nholders = 0;
	in->control = in->handover = -1;
	/* the binary a successor runs: the one we were started as (its path, not the copy we
	 * run, which an upgrade replaces) */
	len = readlink("/proc/self/exe", h->exe, sizeof(h->exe) - 1);
	h->exe[len > 0 ? len : 0] = '\0';
	if (len > 10 && !strcmp(h->exe + len - 10, " (deleted)"))
		h->exe[len - 10] = '\0';
	sigemptyset(&set);
	for (size_t k = 0; k < sizeof(handled_signals) / sizeof(handled_signals[0]); k++)
		sigaddset(&set, handled_signals[k]);
	h->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->sigfd < 0 || h->epfd < 0 || pipe2(h->wake, O_CLOEXEC) < 0) {
		lx_error_set(err, errno, "control thread");
		goto fail;
	}
	if (lx_control_path(d->opts->runtime_dir, d->opts->mountpoint, h->ctl_path,
			    sizeof(h->ctl_path), err) < 0)
		goto fail;
	if (h->ctl_fd < 0 && control_socket(h, err) < 0)
		goto fail;
	epoll_add(h, h->wake[0]);
	for (int k = 0; k < 2; k++)
		if (lx_conn_predecessor_fd(c, k) >= 0)
			epoll_add(h, lx_conn_predecessor_fd(c, k));
	epoll_add(h, h->sigfd);
	epoll_add(h, h->ctl_fd);
	for (int k = 0; k < h->npeers; k++)
		epoll_add(h, h->peers[k].fd);
	if (pthread_create(&h->thread, NULL, control_thread, h) != 0) {
		lx_error_set(err, EAGAIN, "control thread");
		goto fail;
	}
	h->running = true;
	c->on_init_arg = h;
	c->on_init = on_init;
	if (agent)
		lx_agent_set_hooks(agent, &agent_hooks, h);
	return h;
fail:
	lx_handover_free(h);
	return NULL;
}

void lx_handover_ready(struct lx_handover *h)
{
	char msg[MSG_MAX];

	/* Every holder gets our descriptors (again, after a takeover: the same connection). The
	 * holder list is the control thread's; it is not running anything yet that changes it
	 * except accepting clients, which only become holders by asking HOLD. */
	for (int k = 0; k < h->npeers; k++) {
		if (!h->peers[k].holder)
			continue;
		give_fds(h, h->peers[k].fd);
		snprintf(msg, sizeof(msg), "READY pid=%d", getpid());
		lx_msg_send(h->peers[k].fd, msg, NULL, 0);
	}
	if (getenv("NOTIFY_SOCKET")) {
		int fds[2] = {h->c->fd, h->c->state_fd};

		if (h->systemd_held) {
			struct named nd;

			sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=lxcfs-fuse", &fds[0], 1);
			sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=lxcfs-state", &fds[1], 1);
			get_named(h, &nd);
			store_named_systemd(h, nd.names, nd.fds, nd.n);
			free_named(&nd);
		}
		sd_notifyf(0, "READY=1\nMAINPID=%d\nSTATUS=serving %s (epoch %u)", getpid(),
			   h->d->opts->mountpoint, h->c->epoch);
	}
	if (h->handover_fd >= 0) {
		snprintf(msg, sizeof(msg), "READY pid=%d", getpid());
		lx_msg_send(h->handover_fd, msg, NULL, 0);
		close(h->handover_fd);
		h->handover_fd = -1;
	}
	log_info("serving %s (pid %d, epoch %u%s%s)", h->d->opts->mountpoint, getpid(), h->c->epoch,
		 h->c->taken_over ? ", taken over" : "", held(h) ? ", connection held" : "");
}

enum lx_end lx_handover_end(struct lx_handover *h)
{
	int end = __atomic_load_n(&h->end, __ATOMIC_ACQUIRE);

	return end == LX_END_RUNNING ? LX_END_CONN_GONE : (enum lx_end)end;
}

void lx_handover_stopping(struct lx_handover *h)
{
	char msg[MSG_MAX];

	snprintf(msg, sizeof(msg), "STOPPING pid=%d", getpid());
	tell_holders(h, msg);
	if (h->ctl_path[0])
		unlink(h->ctl_path);
	if (getenv("NOTIFY_SOCKET")) {
		struct named nd;
		char msg[96];

		sd_notify(0, "STOPPING=1\nFDSTOREREMOVE=1\nFDNAME=lxcfs-fuse");
		sd_notify(0, "FDSTOREREMOVE=1\nFDNAME=lxcfs-state");
		get_named(h, &nd);
		for (int k = 0; k < nd.n; k++) {
			snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", nd.names[k]);
			sd_notify(0, msg);
		}
		free_named(&nd);
	}
}

void lx_handover_free(struct lx_handover *h)
{
	if (!h)
		return;
	h->c->on_init = NULL;
	if (h->agent)
		lx_agent_set_hooks(h->agent, NULL, NULL);
	if (h->running) {
		if (write(h->wake[1], "x", 1) < 0) {
			/* our own pipe, empty */
		}
		pthread_join(h->thread, NULL);
	}
	for (int k = 0; k < h->npeers; k++)
		close(h->peers[k].fd);
	if (h->ctl_fd >= 0)
		close(h->ctl_fd);
	if (h->handover_fd >= 0)
		close(h->handover_fd);
	if (h->sigfd >= 0)
		close(h->sigfd);
	if (h->epfd >= 0)
		close(h->epfd);
	for (int k = 0; k < 2; k++)
		if (h->wake[k] >= 0)
			close(h->wake[k]);
	if (h->spare >= 0)
		close(h->spare);
	pthread_mutex_destroy(&h->peers_lock);
	free(h);
}
