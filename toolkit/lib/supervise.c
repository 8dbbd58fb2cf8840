#include "supervise.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fleet.h"
#include "health.h"
#include "nsexec.h"
#include "report.h"
#include "common/clock.h"
#include "common/daemonize.h"
#include "common/mountinfo.h"

struct sup {
	const struct tk_config *cfg;
	const struct tk_supervise_opts *o;
	char *cmdline; /* "exec " + the command: the shell becomes the daemon */
	int sfd;       /* signalfd: SIGCHLD, SIGTERM, SIGINT, SIGHUP */
	int ready_fd;  /* see tk_supervise_opts */
	pid_t child;   /* the daemon we run, 0 when none */
	int child_status;
	bool child_reaped;
	int64_t child_start_ms;
	bool stop; /* SIGTERM/SIGINT seen */
	unsigned int flaps;
	unsigned long restarts;
};

/* ---------------------------------------------------------------- the daemon we run */

static int spawn_daemon(struct sup *s, struct lx_error *err)
{
	sigset_t none;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return lx_error_set(err, errno, "fork");
	if (pid == 0) {
		/* our blocked signals are not the daemon's */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", s->cmdline, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	s->child = pid;
	s->child_reaped = false;
	s->child_start_ms = lx_now_ms();
	s->restarts++;
	return 0;
}

/* Reap the child if it exited; true when it is gone (or there is none). */
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
		s->child = 0;
		return;
	}
	if (grace_ms > 0) {
		kill(-s->child, SIGTERM);
		kill(-s->child, SIGCONT);
		deadline = lx_now_ms() + grace_ms;
		while (lx_now_ms() < deadline) {
			if (reap_child(s)) {
				s->child = 0;
				return;
			}
			usleep(20 * 1000);
		}
		tk_report(LX_LOG_WARN, "watchdog: daemon pid %d ignored SIGTERM for %d ms; SIGKILL",
			  (int)s->child, grace_ms);
	}
	/* the whole process group: a wrapper's children too */
	kill(-s->child, SIGKILL);
	while (waitpid(s->child, &s->child_status, 0) < 0 && errno == EINTR)
		;
	s->child = 0;
}

/* ---------------------------------------------------------------- signals and waiting */

/* Wait up to ms for a signal; handle it. Returns true when something happened to the child
 * (SIGCHLD) or a stop was requested. */
static bool wait_event(struct sup *s, int ms)
{
	struct pollfd p = {.fd = s->sfd, .events = POLLIN};
	struct signalfd_siginfo si;
	bool event = false;
	int r;

	r = poll(&p, 1, ms < 0 ? 0 : ms);
	if (r <= 0)
		return false;
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
			if (getpid() == 1)
				reap_orphans(s);
			break;
		default: /* SIGHUP: nothing to reload; a check comes soon anyway */
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
 * dies, and we must stay free to kill the daemon. 0 healthy, -1 with the reason. */
static int health(struct sup *s, struct lx_error *why)
{
	struct tk_job job = {.fn = check_child, .arg = (void *)s->cfg};
	int limit = s->cfg->check_timeout * 1000 + 1500;

	/* the check's own error may be a timeout too (the read's): only the job's is a hang */
	if (tk_run_jobs(&job, 1, 1, limit) == 0)
		return 0;
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

/* Start the daemon and wait until it is healthy. 0 ok; -1 with the reason (child gone or not
 * healthy in time; the child is stopped then). */
static int start_and_wait(struct sup *s, struct lx_error *why)
{
	const struct tk_supervise_opts *o = s->o;
	int64_t t0 = lx_now_ms(), deadline = t0 + o->start_timeout_ms;

	if (o->prepare && o->prepare(o->prepare_arg, why) < 0)
		return -1;
	if (spawn_daemon(s, why) < 0)
		return -1;
	tk_report(LX_LOG_INFO, "watchdog: started daemon pid %d (restart %lu): %s", (int)s->child,
		  s->restarts - 1, o->exec);
	for (;;) {
		if (s->stop)
			return lx_error_code(why, ECANCELED, "stop requested");
		if (reap_child(s)) {
			describe_exit(s, why);
			s->child = 0;
			return -1;
		}
		if (health(s, why) == 0) {
			tk_report(LX_LOG_INFO, "watchdog: daemon pid %d healthy after %lld ms",
				  (int)s->child, (long long)(lx_now_ms() - t0));
			return 0;
		}
		if (lx_now_ms() >= deadline) {
			lx_error_wrap(why, "not healthy %d s after the start",
				      o->start_timeout_ms / 1000);
			stop_child(s, 2000);
			return -1;
		}
		wait_event(s, 100);
	}
}

/* Block until the daemon fails (returns 0, why filled) or a stop is requested (-1). */
static int monitor(struct sup *s, struct lx_error *why)
{
	int64_t next = lx_now_ms() + s->o->interval_ms;

	for (;;) {
		if (s->stop)
			return -1;
		if (s->o->exec && reap_child(s)) {
			describe_exit(s, why);
			return 0;
		}
		if (lx_now_ms() >= next) {
			if (health(s, why) < 0)
				return s->stop ? -1 : 0;
			next = lx_now_ms() + s->o->interval_ms;
		}
		wait_event(s, (int)(next - lx_now_ms()));
	}
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

static void run_exec(struct sup *s)
{
	struct lx_error why;
	int64_t fail_ms = 0, took;
	bool degraded = false;

	while (!s->stop) {
		if (start_and_wait(s, &why) < 0) {
			unsigned int d;

			if (s->stop)
				break;
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
		took = fleet_all(s, TK_FLEET_REMOUNT);
		if (degraded)
			tk_report(LX_LOG_INFO,
				  "watchdog: recovered: remount --all took %lld ms; containers "
				  "back to their own view %lld ms after the failure",
				  (long long)took, (long long)(lx_now_ms() - fail_ms));
		else
			tk_report(LX_LOG_INFO, "watchdog: running: remount --all took %lld ms",
				  (long long)took);
		degraded = false;
		lx_bg_tell(&s->ready_fd, true, "");

		if (monitor(s, &why) < 0)
			break;
		/* the daemon failed */
		fail_ms = lx_now_ms();
		{
			int64_t lived = fail_ms - s->child_start_ms;

			/* a hung or half-dead daemon must go before the fleet touches its files */
			stop_child(s, 0);
			took = fleet_all(s, TK_FLEET_UMOUNT);
			degraded = true;
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
	/* shutdown: the daemon, the containers' mounts, the mount point */
	stop_child(s, 10000);
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
	struct sup s = {.cfg = cfg, .o = o, .sfd = -1, .ready_fd = o->ready_fd};
	sigset_t set;

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
	return 0;
}
