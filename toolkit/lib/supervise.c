#include "supervise.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fleet.h"
#include "health.h"
#include "mountstate.h"
#include "nsexec.h"
#include "report.h"
#include "common/clock.h"
#include "common/daemonize.h"
#include "common/control.h"
#include "common/mountinfo.h"
#include "common/proc.h"

struct sup {
	const struct tk_config *cfg;
	const struct tk_supervise_opts *o;
	char *cmdline;	 /* "exec " + the command: the shell becomes the daemon */
	int sfd;	 /* signalfd: SIGCHLD, SIGTERM, SIGINT, SIGHUP */
	int ready_fd;	 /* see tk_supervise_opts */
	pid_t child;	 /* the daemon serving now (ours, or a successor it started), 0: none */
	int child_pidfd; /* its pidfd: a successor is not our child until its parent exits */
	int child_status;
	bool child_reaped;
	int64_t child_start_ms;
	bool stop;    /* SIGTERM/SIGINT seen */
	bool upgrade; /* SIGHUP seen: hand the connection to the installed binary */
	unsigned int flaps;
	unsigned long restarts;
	/* holding the connection (common/control.h): the daemon's holder socket, and the
	 * descriptors that keep its FUSE connection alive when it dies */
	int hold_fd;
	int fuse_fd, state_fd;
	bool resend;	       /* the kernel queues again what a dead daemon left unanswered */
	int conn_id;	       /* its number under /sys/fs/fuse/connections */
	bool ready;	       /* the daemon said READY */
	pid_t retiring;	       /* a daemon handing over to its successor (its exit is no failure) */
	unsigned deaths;       /* deaths after READY in the current window */
	int64_t deaths_ms;     /* start of that window */
	int64_t safe_until_ms; /* crash storm: the daemon runs with the host view until then */
	pid_t pgid;	       /* the process group of the daemon we started (its successors) */
	bool child_safe;       /* the daemon was started with the host view (a storm) */
	/* more descriptors the daemon gave us to hold by name (FDS/UNHOLD: common/control.h,
	 * its seccomp agent's): given back to every daemon we start, whether it takes over the
	 * connection or mounts afresh; dropped when we end */
	struct named_fd {
		char name[LX_FDNAME_MAX];
		int fd;
	} * named;
	int nnamed, named_cap;
};

#define TAKEOVER_TRIES	3     /* a daemon that cannot take over this many times in a row */
#define STORM_DEATHS	5     /* deaths ... */
#define STORM_WINDOW_MS 30000 /* ... within this: a crash storm */
#define SAFE_MS		60000 /* the host view that long after a storm */

/* ---------------------------------------------------------------- the daemon we run */

static bool wait_event(struct sup *s, int ms);

static void drop_connection(struct sup *s)
{
	if (s->fuse_fd >= 0)
		close(s->fuse_fd);
	if (s->state_fd >= 0)
		close(s->state_fd);
	s->fuse_fd = s->state_fd = -1;
}

static void drop_named(struct sup *s)
{
	for (int k = 0; k < s->nnamed; k++)
		close(s->named[k].fd);
	free(s->named);
	s->named = NULL;
	s->nnamed = s->named_cap = 0;
}

static void unhold_name(struct sup *s, const char *name)
{
	for (int k = 0; k < s->nnamed; k++) {
		if (strcmp(s->named[k].name, name) != 0)
			continue;
		close(s->named[k].fd);
		s->named[k] = s->named[--s->nnamed];
		return;
	}
}

/* Keep fd under name (one held under it already is replaced); the fd is ours either way. */
static void hold_name(struct sup *s, const char *name, int fd)
{
	unhold_name(s, name);
	if (s->nnamed == s->named_cap) {
		int cap = s->named_cap ? s->named_cap * 2 : 16;
		struct named_fd *n = realloc(s->named, sizeof(*n) * (size_t)cap);

		if (!n) {
			tk_report(LX_LOG_WARN, "watchdog: out of memory to hold %s", name);
			close(fd);
			return;
		}
		s->named = n;
		s->named_cap = cap;
	}
	snprintf(s->named[s->nnamed].name, LX_FDNAME_MAX, "%.*s", LX_FDNAME_MAX - 1, name);
	s->named[s->nnamed++].fd = fd;
}

/* The names of "FDS names=A:B" / "UNHOLD names=A:B" into out (at most max). */
static int msg_names(const char *msg, char (*out)[LX_FDNAME_MAX], int max)
{
	const char *p = strstr(msg, "names=");
	int n = 0;

	if (!p)
		return 0;
	p += 6;
	while (*p && *p != ' ' && n < max) {
		size_t l = strcspn(p, ": ");

		if (l > 0 && l < LX_FDNAME_MAX) {
			memcpy(out[n], p, l);
			out[n++][l] = '\0';
		}
		p += l;
		if (*p == ':')
			p++;
	}
	return n;
}

static void close_holder(struct sup *s)
{
	if (s->hold_fd >= 0)
		close(s->hold_fd);
	s->hold_fd = -1;
}

static void track(struct sup *s, pid_t pid)
{
	if (s->child_pidfd >= 0)
		close(s->child_pidfd);
	s->child = pid;
	s->child_pidfd = pid > 0 ? pidfd_open_pid(pid) : -1;
	s->child_reaped = false;
}

/* Start the command as our child. With the connection held (take_over), the daemon gets it:
 * LISTEN_FDS names lxcfs-fuse, lxcfs-state, and always lxcfs-holder, our socket to it. */
static int spawn_daemon(struct sup *s, bool take_over, struct lx_error *err)
{
	int hp[2];
	sigset_t none;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, hp) < 0)
		return lx_error_set(err, errno, "socketpair");
	pid = fork();
	if (pid < 0) {
		close(hp[0]);
		close(hp[1]);
		return lx_error_set(err, errno, "fork");
	}
	if (pid == 0) {
		/* after fork: only what is async-signal-safe would do, but the watchdog has one
		 * thread, so malloc is fine here */
		int *fds = malloc(sizeof(int) * (size_t)(3 + s->nnamed)), n = 0, high = 64;
		size_t nsz = 64 + (size_t)s->nnamed * (LX_FDNAME_MAX + 1);
		char env_pid[32], env_n[32], *names = malloc(nsz);

		if (!fds || !names)
			_exit(126);
		if (take_over) {
			fds[n++] = s->fuse_fd;
			fds[n++] = s->state_fd;
		}
		fds[n++] = hp[1];
		snprintf(names, nsz, "%s",
			 take_over ? LX_FDNAME_FUSE ":" LX_FDNAME_STATE ":" LX_FDNAME_HOLDER
				   : LX_FDNAME_HOLDER);
		for (int k = 0; k < s->nnamed; k++) {
			fds[n++] = s->named[k].fd;
			strcat(names, ":");
			strcat(names, s->named[k].name);
		}
		for (int k = 0; k < n; k++) { /* out of the way of 3.., then down */
			fds[k] = fcntl(fds[k], F_DUPFD, high);
			high = fds[k] + 1;
		}
		for (int k = 0; k < n; k++)
			if (dup2(fds[k], 3 + k) < 0)
				_exit(126);
		snprintf(env_pid, sizeof(env_pid), "%d", (int)getpid());
		snprintf(env_n, sizeof(env_n), "%d", n);
		setenv("LISTEN_PID", env_pid, 1);
		setenv("LISTEN_FDS", env_n, 1);
		setenv("LISTEN_FDNAMES", names, 1);
		if (lx_now_ms() < s->safe_until_ms)
			setenv("LXCFS_HOST_VIEW", "1", 1);
		/* our blocked signals are not the daemon's */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", s->cmdline, (char *)NULL);
		_exit(127);
	}
	close(hp[1]);
	close_holder(s);
	s->hold_fd = hp[0];
	s->child_safe = lx_now_ms() < s->safe_until_ms;
	setpgid(pid, pid);
	s->pgid = pid;
	track(s, pid);
	s->ready = false;
	s->child_start_ms = lx_now_ms();
	s->restarts++;
	return 0;
}

/* A message from the daemon on the holder socket. */
static void on_holder(struct sup *s)
{
	char msg[LX_CONTROL_MSG_MAX], v[32], names[LX_FDS_PER_MSG][LX_FDNAME_MAX];
	int fds[LX_FDS_PER_MSG], nfds = LX_FDS_PER_MSG;
	ssize_t n = lx_msg_recv(s->hold_fd, msg, sizeof(msg), fds, &nfds);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			close_holder(s); /* the daemon (and any successor) is gone */
		return;
	}
	if (!strncmp(msg, "HOLD", 4) && nfds == 2) {
		drop_connection(s);
		s->fuse_fd = fds[0];
		s->state_fd = fds[1];
		s->resend = lx_msg_get(msg, "resend", v, sizeof(v)) && !strcmp(v, "1");
		s->conn_id = lx_msg_get(msg, "conn", v, sizeof(v)) ? atoi(v) : 0;
		return;
	}
	if (!strncmp(msg, "FDS ", 4)) {
		int nn = msg_names(msg, names, LX_FDS_PER_MSG);

		for (int k = 0; k < nfds; k++) {
			if (k < nn)
				hold_name(s, names[k], fds[k]);
			else
				close(fds[k]);
		}
		return;
	}
	for (int k = 0; k < nfds; k++)
		close(fds[k]);
	if (!strncmp(msg, "UNHOLD ", 7)) {
		int nn = msg_names(msg, names, LX_FDS_PER_MSG);

		for (int k = 0; k < nn; k++)
			unhold_name(s, names[k]);
		return;
	}
	if (!strncmp(msg, "READY", 5)) {
		pid_t pid = lx_msg_get(msg, "pid", v, sizeof(v)) ? (pid_t)atoi(v) : 0;

		if (pid > 0 && pid != s->child) {
			tk_report(LX_LOG_INFO, "watchdog: daemon pid %d serves (after pid %d)",
				  (int)pid, (int)s->child);
			track(s, pid);
		}
		s->ready = true;
	} else if (!strncmp(msg, "RETIRING", 8)) {
		s->retiring = s->child;
	} else if (!strncmp(msg, "STOPPING", 8)) {
		drop_connection(s); /* ended on purpose: nothing to take over */
	} else if (!strncmp(msg, "ERROR", 5)) {
		tk_report(LX_LOG_WARN, "watchdog: the daemon says: %s", msg);
	}
}

/* Reap the child if it exited; true when it is gone (or there is none). A successor the
 * daemon started is not our child while its parent lives: its pidfd says when it ends. */
static bool reap_child(struct sup *s)
{
	int st;
	pid_t r;

	if (!s->child)
		return true;
	if (s->child_reaped)
		return true;
	r = waitpid(s->child, &st, WNOHANG);
	if (r == s->child) {
		s->child_reaped = true;
		s->child_status = st;
		return true;
	}
	if (r < 0 && errno == ECHILD && s->child_pidfd >= 0 && !pidfd_alive(s->child_pidfd)) {
		s->child_reaped = true;
		s->child_status = 0;
		return true;
	}
	return false;
}

/* As pid 1 (a container's entrypoint) every orphan is ours to reap: a probe that a hung
 * daemon held, once the daemon is gone. */
static void reap_orphans(struct sup *s)
{
	int st;
	pid_t r;

	while ((r = waitpid(-1, &st, WNOHANG)) > 0)
		if (r == s->child && !s->child_reaped) {
			s->child_reaped = true;
			s->child_status = st;
		}
}

static int describe_exit(const struct sup *s, struct lx_error *why)
{
	if (!WIFSIGNALED(s->child_status) && !WIFEXITED(s->child_status))
		return lx_error_code(why, ESRCH, "daemon pid %d ended", (int)s->child);
	if (WIFSIGNALED(s->child_status))
		return lx_error_code(why, ESRCH, "daemon pid %d was killed by signal %d",
				     (int)s->child, WTERMSIG(s->child_status));
	return lx_error_code(why, ESRCH, "daemon pid %d exited with status %d", (int)s->child,
			     WEXITSTATUS(s->child_status));
}

/* Stop our daemon: SIGTERM (SIGCONT too, it may be stopped), SIGKILL after grace_ms. */
static void stop_child(struct sup *s, int grace_ms)
{
	int64_t deadline;

	if (!s->child || reap_child(s)) {
		track(s, 0);
		return;
	}
	if (grace_ms > 0) {
		/* a daemon whose connection we hold leaves it to us on SIGTERM: ask it to end
		 * the connection for good instead */
		if (s->hold_fd < 0 || lx_msg_send(s->hold_fd, "STOP", NULL, 0) < 0)
			kill(-s->pgid, SIGTERM);
		kill(-s->pgid, SIGCONT);
		deadline = lx_now_ms() + grace_ms;
		while (lx_now_ms() < deadline) {
			if (reap_child(s)) {
				track(s, 0);
				return;
			}
			wait_event(s, 20);
		}
		tk_report(LX_LOG_WARN, "watchdog: daemon pid %d ignored SIGTERM for %d ms; SIGKILL",
			  (int)s->child, grace_ms);
	}
	/* the whole process group: a wrapper's children, a successor, too */
	kill(-s->pgid, SIGKILL);
	kill(s->child, SIGKILL);
	while (waitpid(s->child, &s->child_status, 0) < 0 && errno == EINTR)
		;
	if (s->child_pidfd >= 0) { /* not our child (a successor): wait for its end */
		struct pollfd p = {.fd = s->child_pidfd, .events = POLLIN};

		poll(&p, 1, 5000);
	}
	reap_orphans(s);
	track(s, 0);
}

/* ---------------------------------------------------------------- signals and waiting */

/* Wait up to ms for a signal; handle it. Returns true when something happened to the child
 * (SIGCHLD) or a stop was requested. */
static bool wait_event(struct sup *s, int ms)
{
	struct pollfd p[3] = {{.fd = s->sfd, .events = POLLIN},
			      {.fd = s->hold_fd, .events = POLLIN},
			      {.fd = s->child_pidfd, .events = POLLIN}};
	struct signalfd_siginfo si;
	bool event = false;
	int r;

	r = poll(p, 3, ms < 0 ? 0 : ms);
	if (r <= 0)
		return false;
	if (p[1].revents)
		on_holder(s);
	if (p[2].revents && reap_child(s))
		event = true;
	while (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			if (!s->stop)
				tk_report(LX_LOG_INFO, "watchdog: %s received; shutting down",
					  si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			s->stop = true;
			event = true;
			break;
		case SIGCHLD:
			if (s->child && !s->child_reaped && reap_child(s))
				event = true;
			/* a subreaper (and pid 1) gets every orphan: a retired daemon, a probe
			 * that a hung daemon held */
			reap_orphans(s);
			break;
		case SIGHUP:
			s->upgrade = true;
			event = true;
			break;
		default:
			break;
		}
	}
	return event;
}

/* Sleep ms, interrupted by a stop request. */
static void sleep_ms(struct sup *s, int ms)
{
	int64_t end = lx_now_ms() + ms;

	while (!s->stop) {
		int64_t left = end - lx_now_ms();

		if (left <= 0)
			break;
		wait_event(s, (int)left);
	}
}

/* ---------------------------------------------------------------- the toolkit's steps */

static int check_child(void *arg, char *info, size_t infosz, struct lx_error *err)
{
	const struct tk_config *c = arg;
	struct tk_health h;

	if (tk_health_check(c, &h) < 0) {
		*err = h.why;
		return -1;
	}
	snprintf(info, infosz, "%d", (int)h.pid);
	return 0;
}

/* The check-lxcfs logic, in a child bounded by the check timeout plus a margin: a read that
 * the hung daemon has taken but never answers leaves its reader unkillable until the daemon
 * dies, and we must stay free to kill the daemon. A daemon that dies during the check ends
 * the wait at once: its successor is what the check's read waits for (and readers in
 * containers with it), so waiting out the check's timeout first would stall them all.
 * 0 healthy, 1 the daemon ended during the check (reap_child says how), -1 with the reason. */
static int health(struct sup *s, struct lx_error *why)
{
	struct tk_job job = {.fn = check_child, .arg = (void *)s->cfg};
	int limit = s->cfg->check_timeout * 1000 + 1500;

	/* the check's own error may be a timeout too (the read's): only the job's is a hang */
	if (tk_run_jobs_until(&job, 1, 1, limit, s->child_pidfd) == 0)
		return 0;
	if (job.canceled)
		return 1;
	if (job.timed_out)
		return lx_error_code(why, ETIMEDOUT,
				     "the check-lxcfs logic did not finish in %d ms: hung mount",
				     limit);
	*why = job.err;
	return -1;
}

/* remount/umount --all through the toolkit's fleet code. A failure is logged here, never
 * dropped; returns the time it took. */
static int64_t fleet_all(struct sup *s, enum tk_fleet_op op)
{
	struct tk_fleet_opts o = {.all = true};
	struct lx_error err;
	int64_t t0 = lx_now_ms(), took;
	int rc;

	fflush(stdout);
	rc = tk_fleet_run(s->cfg, op, &o, &err);
	fflush(stdout);
	took = lx_now_ms() - t0;
	if (rc > 0)
		lx_error_code(&err, EIO, "some containers failed (see above)");
	if (rc != 0)
		tk_report(LX_LOG_WARN, "watchdog: %s --all: %s (%lld ms)",
			  op == TK_FLEET_REMOUNT ? "remount" : "umount", err.msg, (long long)took);
	return took;
}

/* Start the daemon and wait until it is healthy (and, taking over, until it said READY).
 * 0 ok; -1 with the reason (child gone or not healthy in time; the child is stopped then). */
static int start_and_wait(struct sup *s, bool take_over, struct lx_error *why)
{
	const struct tk_supervise_opts *o = s->o;
	int64_t t0 = lx_now_ms(), deadline = t0 + o->start_timeout_ms;

	/* a mount point to prepare only for a fresh mount: a held connection is live */
	if (!take_over && o->prepare && o->prepare(o->prepare_arg, why) < 0)
		return -1;
	if (spawn_daemon(s, take_over, why) < 0)
		return -1;
	tk_report(LX_LOG_INFO, "watchdog: started daemon pid %d (restart %lu%s): %s", (int)s->child,
		  s->restarts - 1, take_over ? ", taking over the connection" : "", o->exec);
	for (;;) {
		if (s->stop)
			return lx_error_code(why, ECANCELED, "stop requested");
		if (reap_child(s)) {
			describe_exit(s, why);
			track(s, 0);
			return -1;
		}
		if ((!take_over || s->ready) && health(s, why) == 0) {
			tk_report(LX_LOG_INFO, "watchdog: daemon pid %d %s after %lld ms",
				  (int)s->child, take_over ? "serves the connection" : "healthy",
				  (long long)(lx_now_ms() - t0));
			return 0;
		}
		if (lx_now_ms() >= deadline) {
			if (!why->code)
				lx_error_code(why, ETIMEDOUT, "no READY");
			lx_error_wrap(why, "not healthy %d s after the start",
				      o->start_timeout_ms / 1000);
			stop_child(s, 2000);
			return -1;
		}
		wait_event(s, take_over ? 10 : 100);
	}
}

/* Block until the daemon fails (returns 0, why filled) or a stop is requested (-1). */
static int monitor(struct sup *s, struct lx_error *why)
{
	int64_t next = lx_now_ms() + s->o->interval_ms;

	for (;;) {
		if (s->stop)
			return -1;
		if (s->child_safe && lx_now_ms() >= s->safe_until_ms) {
			s->child_safe = false;
			tk_report(LX_LOG_INFO,
				  "watchdog: the crash storm is %d s behind: containers "
				  "get their own values again (SIGUSR2)",
				  SAFE_MS / 1000);
			kill(s->child, SIGUSR2);
		}
		if (s->upgrade) {
			s->upgrade = false;
			tk_report(LX_LOG_INFO,
				  "watchdog: SIGHUP: the daemon hands the connection to "
				  "the installed binary");
			if (s->hold_fd < 0 || lx_msg_send(s->hold_fd, "UPGRADE", NULL, 0) < 0)
				kill(s->child, SIGUSR1);
		}
		if (s->o->exec && reap_child(s)) {
			if (s->retiring && s->retiring == s->child) {
				/* it handed over: its successor's READY names the new daemon */
				int64_t until = lx_now_ms() + 5000;

				while (s->retiring == s->child && lx_now_ms() < until && !s->stop)
					wait_event(s, 50);
				if (s->child && s->child != s->retiring) {
					s->retiring = 0;
					continue;
				}
			}
			describe_exit(s, why);
			return 0;
		}
		if (lx_now_ms() >= next) {
			int h = health(s, why);

			if (h < 0)
				return s->stop ? -1 : 0;
			next = lx_now_ms() + s->o->interval_ms;
			if (h > 0)
				continue; /* the daemon ended: reap_child above */
		}
		wait_event(s, (int)(next - lx_now_ms()));
	}
}

/* Is the connection we hold still the one mounted at the mount point (its device minor is
 * the connection's number)? True when we cannot tell. */
static bool connection_mounted(struct sup *s)
{
	const struct lx_mount *top;
	struct lx_error err;
	struct lx_mounts m;
	bool yes;

	if (s->conn_id <= 0 || lx_mountinfo_read(0, &m, &err) < 0)
		return true;
	top = lx_mounts_top(&m, s->cfg->mountpoint);
	yes = top && !strcmp(top->fstype, TK_LXCFS_FSTYPE) && top->major == 0 &&
	      (int)top->minor == s->conn_id;
	lx_mounts_free(&m);
	return yes;
}

/* Detach every mount at the mount point (the daemon's, stale or not, and prestart's bind). */
static void unmount_mountpoint(struct sup *s)
{
	const char *mp = s->cfg->mountpoint;
	struct lx_error err;
	int n = 0;

	for (; n < 64; n++) {
		struct lx_mounts m;
		bool mounted;

		if (lx_mountinfo_read(0, &m, &err) < 0) {
			tk_report(LX_LOG_ERROR, "watchdog: %s", err.msg);
			return;
		}
		mounted = lx_mounts_top(&m, mp) != NULL;
		lx_mounts_free(&m);
		if (!mounted)
			break;
		if (umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
			tk_report(LX_LOG_ERROR, "watchdog: unmount `%s`: %s", mp, strerror(errno));
			return;
		}
	}
	tk_report(LX_LOG_INFO, "watchdog: %s: %d mount%s detached", mp, n, n == 1 ? "" : "s");
}

/* ---------------------------------------------------------------- the two modes */

static unsigned int backoff_ms(const struct sup *s)
{
	unsigned long long d;

	if (s->flaps == 0)
		return 0;
	d = 1000ULL << (s->flaps > 16 ? 16 : s->flaps - 1);
	return d > (unsigned long long)s->o->backoff_max_ms ? (unsigned int)s->o->backoff_max_ms
							    : (unsigned int)d;
}

/* A death after READY; true when crashes came so fast that the next daemon runs with the host
 * view for a while (a crash storm: something makes every daemon that serves crash). A daemon
 * killed from outside (SIGKILL, SIGTERM: an operator, the OOM killer, our hang check) is no
 * crash; a request that crashed two daemons gets a safe answer anyway (lxcfs(1)). */
static bool storm(struct sup *s)
{
	int64_t now = lx_now_ms();
	int sig = WIFSIGNALED(s->child_status) ? WTERMSIG(s->child_status) : 0;

	if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT ||
	    (!sig && WIFEXITED(s->child_status) && WEXITSTATUS(s->child_status) == 0))
		return false;
	if (now - s->deaths_ms > STORM_WINDOW_MS) {
		s->deaths = 0;
		s->deaths_ms = now;
	}
	if (++s->deaths < STORM_DEATHS)
		return false;
	s->deaths = 0;
	s->safe_until_ms = now + SAFE_MS;
	tk_report(LX_LOG_ERROR,
		  "watchdog: %d daemon deaths within %d s: the next daemon serves the host's files "
		  "for %d s (its log says what killed the others)",
		  STORM_DEATHS, STORM_WINDOW_MS / 1000, SAFE_MS / 1000);
	return true;
}

/* End the connection for every reader (ENOTCONN, never a wait for a daemon that will not
 * come): the requests a dead daemon took are lost when the kernel cannot queue them again. */
static void abort_connection(struct sup *s)
{
	char path[64];
	int fd;

	if (s->conn_id > 0) {
		snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%d/abort", s->conn_id);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "1", 1) < 0)
				tk_report(LX_LOG_WARN, "watchdog: abort connection %d: %s",
					  s->conn_id, strerror(errno));
			close(fd);
		}
	}
	drop_connection(s);
}

/* A daemon already serves (the watchdog was restarted while it ran): hold its connection
 * through the control socket and supervise it. true when adopted. */
static bool adopt_running(struct sup *s)
{
	char path[PATH_MAX], reply[LX_CONTROL_MSG_MAX], v[32];
	int fds[2], nfds = 2, fd;
	struct lx_error err;
	pid_t pid;

	if (lx_control_path(s->cfg->runtime_dir, s->cfg->mountpoint, path, sizeof(path), &err) < 0)
		return false;
	fd = lx_control_connect(path, &err);
	if (fd < 0)
		return false;
	if (lx_control_ask(fd, "HOLD", reply, sizeof(reply), fds, &nfds, 2000, &err) < 0 ||
	    strncmp(reply, "HOLD", 4) != 0 || nfds != 2 ||
	    !lx_msg_get(reply, "pid", v, sizeof(v))) {
		for (int k = 0; k < nfds; k++)
			close(fds[k]);
		close(fd);
		return false;
	}
	pid = (pid_t)atoi(v);
	drop_connection(s);
	s->fuse_fd = fds[0];
	s->state_fd = fds[1];
	s->resend = lx_msg_get(reply, "resend", v, sizeof(v)) && !strcmp(v, "1");
	s->conn_id = lx_msg_get(reply, "conn", v, sizeof(v)) ? atoi(v) : 0;
	close_holder(s);
	s->hold_fd = fd;
	track(s, pid);
	s->pgid = getpgid(pid) > 0 ? getpgid(pid) : pid;
	s->ready = true;
	s->child_start_ms = lx_now_ms();
	tk_report(LX_LOG_INFO, "watchdog: daemon pid %d already serves: holding its connection",
		  (int)pid);
	return true;
}

static void run_exec(struct sup *s)
{
	struct lx_error why;
	int64_t fail_ms = 0, took;
	bool degraded = false, take_over = false, adopted = adopt_running(s);
	unsigned takeover_fails = 0;

	while (!s->stop) {
		if (adopted) {
			adopted = false;
			lx_bg_tell(&s->ready_fd, true, "");
			goto monitoring;
		}
		if (start_and_wait(s, take_over, &why) < 0) {
			unsigned int d;

			if (s->stop)
				break;
			if (take_over) {
				/* readers wait while no daemon serves: try again at once, and
				 * give up on the live connection only after a few */
				if (++takeover_fails < TAKEOVER_TRIES) {
					tk_report(LX_LOG_WARN,
						  "watchdog: taking over failed (%s); "
						  "again",
						  why.msg);
					continue;
				}
				tk_report(
				    LX_LOG_ERROR,
				    "watchdog: %u daemons in a row could not take the connection "
				    "over (%s): ending it, containers on the host view, then a "
				    "fresh mount",
				    takeover_fails, why.msg);
				abort_connection(s);
				took = fleet_all(s, TK_FLEET_UMOUNT);
				degraded = true;
				take_over = false;
				takeover_fails = 0;
				fail_ms = lx_now_ms();
				continue;
			}
			s->flaps++;
			d = backoff_ms(s);
			tk_report(LX_LOG_WARN,
				  "watchdog: daemon did not come up (%s); next try in %u ms "
				  "(%u failure%s in a row)",
				  why.msg, d, s->flaps, s->flaps == 1 ? "" : "s");
			if (s->flaps == 1 && !degraded)
				lx_bg_tell(&s->ready_fd, false, "");
			sleep_ms(s, (int)d);
			continue;
		}
		takeover_fails = 0;
		if (take_over) {
			tk_report(
			    LX_LOG_INFO,
			    "watchdog: recovered without a remount: pid %d took the connection "
			    "over %lld ms after the failure",
			    (int)s->child, (long long)(lx_now_ms() - fail_ms));
		} else {
			took = fleet_all(s, TK_FLEET_REMOUNT);
			if (degraded)
				tk_report(
				    LX_LOG_INFO,
				    "watchdog: recovered: remount --all took %lld ms; "
				    "containers back to their own view %lld ms after the failure",
				    (long long)took, (long long)(lx_now_ms() - fail_ms));
			else
				tk_report(LX_LOG_INFO,
					  "watchdog: running: remount --all took %lld ms",
					  (long long)took);
		}
		degraded = false;
		lx_bg_tell(&s->ready_fd, true, "");
	monitoring:
		if (monitor(s, &why) < 0)
			break;
		/* the daemon failed */
		fail_ms = lx_now_ms();
		{
			int64_t lived = fail_ms - s->child_start_ms;

			/* a hung or half-dead daemon must go before anyone touches its files */
			int status = s->child_status;

			stop_child(s, 0);
			s->child_status = status;
			if (s->fuse_fd >= 0 && s->resend && !connection_mounted(s)) {
				/* unmounted from outside: the connection serves nobody now */
				tk_report(LX_LOG_WARN,
					  "watchdog: the connection we hold is no "
					  "longer mounted at %s: ending it, then a "
					  "fresh mount",
					  s->cfg->mountpoint);
				abort_connection(s);
			} else if (s->fuse_fd >= 0 && s->resend) {
				/* the connection lives on in our hands: the next daemon takes it
				 * over, the requests the dead one took are queued again for it */
				storm(s);
				tk_report(LX_LOG_WARN,
					  "watchdog: daemon failed after %lld ms (%s); taking the "
					  "connection over",
					  (long long)lived, why.msg);
				take_over = true;
				continue;
			}
			if (s->fuse_fd >= 0) /* no FUSE_NOTIFY_RESEND (Linux < 6.9) */
				abort_connection(s);
			took = fleet_all(s, TK_FLEET_UMOUNT);
			degraded = true;
			take_over = false;
			tk_report(LX_LOG_WARN,
				  "watchdog: daemon failed after %lld ms (%s); containers on the "
				  "host view: umount --all took %lld ms",
				  (long long)lived, why.msg, (long long)took);
			s->flaps = lived < s->o->flap_ms ? s->flaps + 1 : 0;
		}
		if (s->flaps) {
			unsigned int d = backoff_ms(s);

			tk_report(LX_LOG_WARN,
				  "watchdog: flapping (%u short run%s in a row): restart in %u ms",
				  s->flaps, s->flaps == 1 ? "" : "s", d);
			sleep_ms(s, (int)d);
		}
	}
	/* shutdown: the daemon (asked to end the connection), the containers' mounts, the
	 * mount point */
	stop_child(s, 10000);
	drop_connection(s);
	close_holder(s);
	took = fleet_all(s, TK_FLEET_UMOUNT);
	tk_report(LX_LOG_INFO, "watchdog: daemon stopped; umount --all took %lld ms",
		  (long long)took);
	unmount_mountpoint(s);
}

static void run_watch(struct sup *s)
{
	struct lx_error why;
	int64_t fail_ms = 0, took;
	bool healthy;

	healthy = health(s, &why) == 0;
	if (healthy) {
		took = fleet_all(s, TK_FLEET_REMOUNT);
		tk_report(LX_LOG_INFO,
			  "watchdog: watching a healthy daemon; remount --all took "
			  "%lld ms",
			  (long long)took);
		lx_bg_tell(&s->ready_fd, true, "");
	} else {
		fail_ms = lx_now_ms();
		took = fleet_all(s, TK_FLEET_UMOUNT);
		tk_report(LX_LOG_WARN,
			  "watchdog: daemon not healthy (%s); umount --all took %lld ms", why.msg,
			  (long long)took);
	}
	while (!s->stop) {
		bool now;

		sleep_ms(s, s->o->interval_ms);
		if (s->stop)
			break;
		now = health(s, &why) == 0;
		if (now == healthy)
			continue;
		healthy = now;
		if (!healthy) {
			fail_ms = lx_now_ms();
			took = fleet_all(s, TK_FLEET_UMOUNT);
			tk_report(LX_LOG_WARN,
				  "watchdog: daemon failed (%s); containers on the host view: "
				  "umount --all took %lld ms",
				  why.msg, (long long)took);
		} else {
			took = fleet_all(s, TK_FLEET_REMOUNT);
			tk_report(LX_LOG_INFO,
				  "watchdog: daemon healthy again: remount --all took %lld ms; "
				  "recovered %lld ms after the failure",
				  (long long)took, (long long)(lx_now_ms() - fail_ms));
			lx_bg_tell(&s->ready_fd, true, "");
		}
	}
}

/* ---------------------------------------------------------------- setup */

int tk_supervise(const struct tk_config *cfg, const struct tk_supervise_opts *o,
		 struct lx_error *err)
{
	struct sup s = {.cfg = cfg,
			.o = o,
			.sfd = -1,
			.ready_fd = o->ready_fd,
			.child_pidfd = -1,
			.hold_fd = -1,
			.fuse_fd = -1,
			.state_fd = -1};
	sigset_t set;

	/* a daemon's successor is its child: when the daemon retires, the successor is ours */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (o->exec && asprintf(&s.cmdline, "exec %s", o->exec) < 0) {
		lx_bg_tell(&s.ready_fd, false, "");
		return lx_error_set(err, ENOMEM, "the daemon's command line");
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.sfd < 0) {
		lx_error_set(err, errno, "signalfd");
		lx_bg_tell(&s.ready_fd, false, "");
		free(s.cmdline);
		return -1;
	}
	tk_report(LX_LOG_INFO, "watchdog: pid %d, %s, mount point %s, check every %d ms",
		  (int)getpid(), o->exec ? "running the daemon" : "watching the daemon",
		  cfg->mountpoint, o->interval_ms);
	if (o->exec)
		run_exec(&s);
	else
		run_watch(&s);
	lx_bg_tell(&s.ready_fd, false, "");
	free(s.cmdline);
	close(s.sfd);
	drop_connection(&s);
	drop_named(&s);
	close_holder(&s);
	track(&s, 0);
	return 0;
}
