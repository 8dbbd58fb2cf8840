/* watchdog: keep the daemon healthy and the containers readable.
 *
 * With --exec CMD it runs the daemon itself (CMD, e.g. "lxcfs -f -p /run/lxcfs.pid", through
 * /bin/sh) as its child; without it, it watches a daemon someone else runs (systemd). Every
 * interval it runs the check-lxcfs logic (lib/health.h); the death of its child is seen at once
 * (SIGCHLD). When the daemon dies, its mount goes stale or a read hangs:
 *   1. at once `umount --all`: containers read their own procfs (host values), never ENOTCONN;
 *   2. (--exec) kill what is left of the daemon, wait out the backoff (a daemon that lived less
 *      than --flap-uptime counts as flapping: 1, 2, 4 ... --backoff-max seconds; the first
 *      restart after a good run is immediate), `prestart` (detaches the stale mount, makes the
 *      mount point shared again), start CMD, wait until healthy;
 *   3. `remount --all`: every container gets its own view again.
 * Each transition is one log line with the time it took. SIGTERM/SIGINT: stop the daemon it
 * owns, `umount --all`, unmount the mount point, exit 0. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/fleet.h"
#include "lib/health.h"
#include "lib/mountinfo.h"
#include "lib/nsexec.h"
#include "lib/report.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/daemonize.h"
#include "common/pidfile.h"

struct wd {
	struct tk_ctx *ctx;
	const char *exec;     /* NULL: watch only */
	char *cmdline;	      /* "exec " + exec: the shell becomes the daemon */
	const char *pidfile;  /* the watchdog's own pidfile, NULL when none */
	int interval_ms;      /* between two health checks */
	int start_timeout_ms; /* a started daemon must be healthy within this */
	int flap_ms;	      /* a daemon that lived less than this was flapping */
	int backoff_max_ms;
	int sfd;      /* signalfd: SIGCHLD, SIGTERM, SIGINT, SIGHUP */
	int ready_fd; /* --background: the parent waits for one byte here */
	pid_t child;  /* the daemon we run, 0 when none */
	int child_status;
	bool child_reaped;
	long long child_start_ms;
	bool stop; /* SIGTERM/SIGINT seen */
	unsigned int flaps;
	unsigned long restarts;
	bool no_prestart; /* the mount point is someone else's to prepare */
};

#define NS_PER_MS 1000000LL

/* ---------------------------------------------------------------- the daemon we run */

static int spawn_daemon(struct wd *w, struct lx_error *err)
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
		execl("/bin/sh", "sh", "-c", w->cmdline, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	w->child = pid;
	w->child_reaped = false;
	w->child_start_ms = lx_now_ms();
	w->restarts++;
	return 0;
}

/* Reap the child if it exited; true when it is gone (or there is none). */
static bool reap_child(struct wd *w)
{
	int st;
	pid_t r;

	if (!w->child)
		return true;
	if (w->child_reaped)
		return true;
	r = waitpid(w->child, &st, WNOHANG);
	if (r == w->child) {
		w->child_reaped = true;
		w->child_status = st;
		return true;
	}
	return false;
}

/* As pid 1 (a container's entrypoint) every orphan is ours to reap: a probe that a hung
 * daemon held, once the daemon is gone. */
static void reap_orphans(struct wd *w)
{
	int st;
	pid_t r;

	while ((r = waitpid(-1, &st, WNOHANG)) > 0)
		if (r == w->child && !w->child_reaped) {
			w->child_reaped = true;
			w->child_status = st;
		}
}

static void describe_exit(const struct wd *w, char *buf, size_t sz)
{
	if (WIFSIGNALED(w->child_status))
		snprintf(buf, sz, "daemon pid %d was killed by signal %d", (int)w->child,
			 WTERMSIG(w->child_status));
	else
		snprintf(buf, sz, "daemon pid %d exited with status %d", (int)w->child,
			 WEXITSTATUS(w->child_status));
}

/* Stop our daemon: SIGTERM (SIGCONT too, it may be stopped), SIGKILL after grace_ms. */
static void stop_child(struct wd *w, int grace_ms)
{
	long long deadline;

	if (!w->child || reap_child(w)) {
		w->child = 0;
		return;
	}
	if (grace_ms > 0) {
		kill(-w->child, SIGTERM);
		kill(-w->child, SIGCONT);
		deadline = lx_now_ms() + grace_ms;
		while (lx_now_ms() < deadline) {
			if (reap_child(w)) {
				w->child = 0;
				return;
			}
			usleep(20 * 1000);
		}
		tk_report(LX_LOG_WARN, "watchdog: daemon pid %d ignored SIGTERM for %d ms; SIGKILL",
			  (int)w->child, grace_ms);
	}
	/* the whole process group: a wrapper's children too */
	kill(-w->child, SIGKILL);
	while (waitpid(w->child, &w->child_status, 0) < 0 && errno == EINTR)
		;
	w->child = 0;
}

/* ---------------------------------------------------------------- signals and waiting */

/* Wait up to ms for a signal; handle it. Returns true when something happened to the child
 * (SIGCHLD) or a stop was requested. */
static bool wait_event(struct wd *w, int ms)
{
	struct pollfd p = {.fd = w->sfd, .events = POLLIN};
	struct signalfd_siginfo si;
	bool event = false;
	int r;

	r = poll(&p, 1, ms < 0 ? 0 : ms);
	if (r <= 0)
		return false;
	while (read(w->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			if (!w->stop)
				tk_report(LX_LOG_INFO, "watchdog: %s received; shutting down",
					  si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			w->stop = true;
			event = true;
			break;
		case SIGCHLD:
			if (w->child && !w->child_reaped && reap_child(w))
				event = true;
			if (getpid() == 1)
				reap_orphans(w);
			break;
		default: /* SIGHUP: nothing to reload; a check comes soon anyway */
			break;
		}
	}
	return event;
}

/* Sleep ms, interrupted by a stop request. */
static void sleep_ms(struct wd *w, int ms)
{
	long long end = lx_now_ms() + ms;

	while (!w->stop) {
		long long left = end - lx_now_ms();

		if (left <= 0)
			break;
		wait_event(w, (int)left);
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
static int health(struct wd *w, char *reason, size_t rsz)
{
	struct tk_job job = {.fn = check_child, .arg = &w->ctx->cfg};
	int limit = w->ctx->cfg.check_timeout * 1000 + 1500;

	/* the check's own error may be a timeout too (the read's): only the job's is a hang */
	if (tk_run_jobs(&job, 1, 1, limit) == 0)
		return 0;
	if (job.timed_out)
		snprintf(reason, rsz, "the check-lxcfs logic did not finish in %d ms: hung mount",
			 limit);
	else
		snprintf(reason, rsz, "%s", job.err.msg);
	return -1;
}

/* remount/umount --all through the toolkit's fleet code; returns its rc (0 ok). */
static int fleet_all(struct wd *w, enum tk_fleet_op op, long long *took_ms, char *why, size_t whysz)
{
	struct tk_fleet_opts o = {.all = true};
	struct lx_error err;
	long long t0 = lx_now_ms();
	int rc;

	fflush(stdout);
	rc = tk_fleet_run(&w->ctx->cfg, op, &o, &err);
	fflush(stdout);
	*took_ms = lx_now_ms() - t0;
	if (rc < 0)
		snprintf(why, whysz, "%s", err.msg);
	else if (rc > 0)
		snprintf(why, whysz, "some containers failed (see above)");
	else
		why[0] = '\0';
	return rc;
}

/* `lxcfs-toolkit prestart`, the command itself (it parses argv with getopt). */
static int run_prestart(struct wd *w)
{
	char *argv[] = {"prestart", NULL};

	optind = 0;
	return cmd_prestart(w->ctx, 1, argv);
}

/* Start the daemon and wait until it is healthy. 0 ok; -1 with reason (child gone or not
 * healthy in time; the child is stopped then). */
static int start_and_wait(struct wd *w, char *reason, size_t rsz)
{
	struct lx_error err;
	char why[LX_ERR_MSG_MAX] = "";
	long long t0 = lx_now_ms(), deadline = t0 + w->start_timeout_ms;

	if (!w->no_prestart && run_prestart(w) != TK_EXIT_OK) {
		snprintf(reason, rsz, "prestart failed");
		return -1;
	}
	if (spawn_daemon(w, &err) < 0) {
		snprintf(reason, rsz, "%s", err.msg);
		return -1;
	}
	tk_report(LX_LOG_INFO, "watchdog: started daemon pid %d (restart %lu): %s", (int)w->child,
		  w->restarts - 1, w->exec);
	for (;;) {
		if (w->stop) {
			snprintf(reason, rsz, "stop requested");
			return -1;
		}
		if (reap_child(w)) {
			describe_exit(w, reason, rsz);
			w->child = 0;
			return -1;
		}
		if (health(w, why, sizeof(why)) == 0) {
			tk_report(LX_LOG_INFO, "watchdog: daemon pid %d healthy after %lld ms",
				  (int)w->child, lx_now_ms() - t0);
			return 0;
		}
		if (lx_now_ms() >= deadline) {
			snprintf(reason, rsz, "not healthy %d s after the start: %s",
				 w->start_timeout_ms / 1000, why);
			stop_child(w, 2000);
			return -1;
		}
		wait_event(w, 100);
	}
}

/* Block until the daemon fails (returns 0, reason filled) or a stop is requested (-1). */
static int monitor(struct wd *w, char *reason, size_t rsz)
{
	long long next = lx_now_ms() + w->interval_ms;

	for (;;) {
		if (w->stop)
			return -1;
		if (w->exec && reap_child(w)) {
			describe_exit(w, reason, rsz);
			return 0;
		}
		if (lx_now_ms() >= next) {
			if (health(w, reason, rsz) < 0)
				return w->stop ? -1 : 0;
			next = lx_now_ms() + w->interval_ms;
		}
		wait_event(w, (int)(next - lx_now_ms()));
	}
}

/* Detach every mount at the mount point (the daemon's, stale or not, and prestart's bind). */
static void unmount_mountpoint(struct wd *w)
{
	const char *mp = w->ctx->cfg.mountpoint;
	struct lx_error err;
	int n = 0;

	for (; n < 64; n++) {
		struct tk_mounts m;
		bool mounted;

		if (tk_mountinfo_read(0, &m, &err) < 0) {
			tk_report(LX_LOG_ERROR, "watchdog: %s", err.msg);
			return;
		}
		mounted = tk_mounts_top(&m, mp) != NULL;
		tk_mounts_free(&m);
		if (!mounted)
			break;
		if (umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
			tk_report(LX_LOG_ERROR, "watchdog: unmount `%s`: %s", mp, strerror(errno));
			return;
		}
	}
	tk_report(LX_LOG_INFO, "watchdog: %s: %d mount%s detached", mp, n, n == 1 ? "" : "s");
}

static void notify_ready(struct wd *w, char byte)
{
	lx_bg_tell(&w->ready_fd, byte == '1', "");
}

/* ---------------------------------------------------------------- the two modes */

static unsigned int backoff_ms(const struct wd *w)
{
	unsigned long long d;

	if (w->flaps == 0)
		return 0;
	d = 1000ULL << (w->flaps > 16 ? 16 : w->flaps - 1);
	return d > (unsigned long long)w->backoff_max_ms ? (unsigned int)w->backoff_max_ms
							 : (unsigned int)d;
}

static int run_exec(struct wd *w)
{
	char reason[LX_ERR_MSG_MAX + 128], why[LX_ERR_MSG_MAX];
	long long fail_ms = 0, took;
	bool degraded = false;

	while (!w->stop) {
		if (start_and_wait(w, reason, sizeof(reason)) < 0) {
			unsigned int d;

			if (w->stop)
				break;
			w->flaps++;
			d = backoff_ms(w);
			tk_report(LX_LOG_WARN,
				  "watchdog: daemon did not come up (%s); next try in %u ms "
				  "(%u failure%s in a row)",
				  reason, d, w->flaps, w->flaps == 1 ? "" : "s");
			if (w->flaps == 1 && !degraded)
				notify_ready(w, '0');
			sleep_ms(w, (int)d);
			continue;
		}
		if (fleet_all(w, TK_FLEET_REMOUNT, &took, why, sizeof(why)) != 0)
			tk_report(LX_LOG_WARN, "watchdog: remount --all: %s (%lld ms)", why, took);
		if (degraded)
			tk_report(LX_LOG_INFO,
				  "watchdog: recovered: remount --all took %lld ms; containers "
				  "back to their own view %lld ms after the failure",
				  took, lx_now_ms() - fail_ms);
		else
			tk_report(LX_LOG_INFO, "watchdog: running: remount --all took %lld ms",
				  took);
		degraded = false;
		notify_ready(w, '1');

		if (monitor(w, reason, sizeof(reason)) < 0)
			break;
		/* the daemon failed */
		fail_ms = lx_now_ms();
		{
			long long lived = fail_ms - w->child_start_ms;

			/* a hung or half-dead daemon must go before the fleet touches its files */
			stop_child(w, 0);
			if (fleet_all(w, TK_FLEET_UMOUNT, &took, why, sizeof(why)) != 0)
				tk_report(LX_LOG_WARN, "watchdog: umount --all: %s", why);
			degraded = true;
			tk_report(LX_LOG_WARN,
				  "watchdog: daemon failed after %lld ms (%s); containers on the "
				  "host view: umount --all took %lld ms",
				  lived, reason, took);
			w->flaps = lived < w->flap_ms ? w->flaps + 1 : 0;
		}
		if (w->flaps) {
			unsigned int d = backoff_ms(w);

			tk_report(LX_LOG_WARN,
				  "watchdog: flapping (%u short run%s in a row): restart in %u ms",
				  w->flaps, w->flaps == 1 ? "" : "s", d);
			sleep_ms(w, (int)d);
		}
	}
	return 0;
}

static int run_watch(struct wd *w)
{
	char why[LX_ERR_MSG_MAX], reason[LX_ERR_MSG_MAX];
	long long fail_ms = 0, took;
	bool healthy, ready_sent = false;

	healthy = health(w, reason, sizeof(reason)) == 0;
	if (healthy) {
		fleet_all(w, TK_FLEET_REMOUNT, &took, why, sizeof(why));
		tk_report(LX_LOG_INFO,
			  "watchdog: watching a healthy daemon; remount --all took "
			  "%lld ms",
			  took);
		notify_ready(w, '1');
		ready_sent = true;
	} else {
		fail_ms = lx_now_ms();
		fleet_all(w, TK_FLEET_UMOUNT, &took, why, sizeof(why));
		tk_report(LX_LOG_WARN,
			  "watchdog: daemon not healthy (%s); umount --all took %lld ms", reason,
			  took);
	}
	while (!w->stop) {
		bool now;

		sleep_ms(w, w->interval_ms);
		if (w->stop)
			break;
		now = health(w, reason, sizeof(reason)) == 0;
		if (now == healthy)
			continue;
		healthy = now;
		if (!healthy) {
			fail_ms = lx_now_ms();
			fleet_all(w, TK_FLEET_UMOUNT, &took, why, sizeof(why));
			tk_report(LX_LOG_WARN,
				  "watchdog: daemon failed (%s); containers on the host view: "
				  "umount --all took %lld ms",
				  reason, took);
		} else {
			fleet_all(w, TK_FLEET_REMOUNT, &took, why, sizeof(why));
			tk_report(LX_LOG_INFO,
				  "watchdog: daemon healthy again: remount --all took %lld ms; "
				  "recovered %lld ms after the failure",
				  took, lx_now_ms() - fail_ms);
			if (!ready_sent)
				notify_ready(w, '1'), ready_sent = true;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- setup */

static int parse_seconds(const char *s, int min_ms, int max_ms, int *out_ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v * 1000 < min_ms || v * 1000 > max_ms)
		return -1;
	*out_ms = (int)(v * 1000);
	return 0;
}

/* --background: the parent exits 0 once the child says the daemon is healthy, 1 when it says
 * it is not or dies. Returns 0 in the child, the parent's exit code (>= 0) in the parent.
 * *child is 0 in the child. */
static int go_background(struct wd *w, struct tk_ctx *ctx, pid_t *child)
{
	struct lx_bg_word word;
	struct lx_error err;
	pid_t pid = lx_background(&w->ready_fd, &word, &err);

	*child = pid;
	if (pid < 0)
		return tk_fail(ctx, "watchdog", TK_EXIT_FAIL, "%s", err.msg);
	if (pid == 0) {
		/* stderr too: lx_log writes to its own fd when it is the log */
		lx_bg_detach_stdio();
		return 0;
	}
	if (word.told && word.ok) {
		printf("watchdog running (pid %d), daemon healthy\n", (int)pid);
		return TK_EXIT_OK;
	}
	return tk_fail(ctx, "watchdog", TK_EXIT_FAIL,
		       "the daemon did not come up (watchdog pid %d %s; see its log)", (int)pid,
		       word.told ? "keeps trying" : "exited");
}

int cmd_watchdog(struct tk_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"interval", required_argument, NULL, 'i'},
	    {"exec", required_argument, NULL, 'e'},
	    {"watchdog-pidfile", required_argument, NULL, 'P'},
	    {"start-timeout", required_argument, NULL, 's'},
	    {"flap-uptime", required_argument, NULL, 'f'},
	    {"backoff-max", required_argument, NULL, 'b'},
	    {"background", no_argument, NULL, 'B'},
	    {"no-prestart", no_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct wd w = {
	    .ctx = ctx,
	    .interval_ms = 1000,
	    .start_timeout_ms = 30000,
	    .flap_ms = 10000,
	    .backoff_max_ms = 30000,
	    .sfd = -1,
	    .ready_fd = -1,
	};
	bool background = false;
	__close int pidfd = -1;
	struct lx_error err;
	sigset_t set;
	int c, rc, li = 0;

	while ((c = tk_getopt(ctx, "watchdog", argc, argv, opts, &li, &rc)) > 0) {
		int *dst = NULL, min = 100, max = 3600 * 1000;

		switch (c) {
		case 'i':
			dst = &w.interval_ms;
			break;
		case 's':
			dst = &w.start_timeout_ms, min = 1000;
			break;
		case 'f':
			dst = &w.flap_ms, min = 0;
			break;
		case 'b':
			dst = &w.backoff_max_ms, min = 0;
			break;
		case 'e':
			if (!*optarg)
				return tk_fail(ctx, "watchdog", TK_EXIT_USAGE,
					       "--exec: empty command");
			w.exec = optarg;
			break;
		case 'P':
			if (*optarg != '/')
				return tk_fail(ctx, "watchdog", TK_EXIT_USAGE,
					       "--watchdog-pidfile: `%s` is not an absolute path",
					       optarg);
			w.pidfile = optarg;
			break;
		case 'B':
			background = true;
			break;
		case 'N':
			w.no_prestart = true;
			break;
		case 'h':
			printf(
			    "Usage: %s watchdog [--interval S] [--exec \"lxcfs -f ...\"]\n"
			    "       [--watchdog-pidfile FILE] [--background] [--start-timeout S]\n"
			    "       [--flap-uptime S] [--backoff-max S] [--no-prestart]\n"
			    "Check the daemon every interval. When it dies, its mount goes stale "
			    "or\n"
			    "a read hangs: umount --all at once (containers see host values),\n"
			    "restart it (--exec; with backoff when it flaps), prestart, wait "
			    "until\n"
			    "healthy, remount --all. One log line per transition, with its time.\n"
			    "  --interval S            between two checks (default 1)\n"
			    "  --exec CMD              run and supervise the daemon (through "
			    "/bin/sh);\n"
			    "                          without it, watch one run by someone else\n"
			    "  --watchdog-pidfile FILE the watchdog's own pidfile (locked)\n"
			    "  --background            detach; exit 0 once the daemon is healthy\n"
			    "  --start-timeout S       a started daemon must be healthy within S "
			    "(30)\n"
			    "  --flap-uptime S         a daemon that lived less than S was "
			    "flapping:\n"
			    "                          its restart waits 1, 2, 4 ... s (default "
			    "10)\n"
			    "  --backoff-max S         longest wait between restarts (default 30)\n"
			    "  --no-prestart           never run prestart (the mount point is "
			    "prepared\n"
			    "                          elsewhere; the daemon detaches a stale "
			    "mount)\n"
			    "SIGTERM: stop the daemon it runs, umount --all, unmount, exit 0.\n",
			    ctx->prog);
			return TK_EXIT_OK;
		}
		if (dst && parse_seconds(optarg, min, max, dst) < 0)
			return tk_fail(ctx, "watchdog", TK_EXIT_USAGE,
				       "--%s: `%s` is not a number of seconds in %g..%g",
				       opts[li].name, optarg, min / 1000.0, max / 1000.0);
	}
	if (c < 0)
		return rc;

	if (w.exec && asprintf(&w.cmdline, "exec %s", w.exec) < 0)
		return tk_fail(ctx, "watchdog", TK_EXIT_FAIL, "out of memory");
	if (background) {
		pid_t child;

		rc = go_background(&w, ctx, &child);
		if (child != 0)
			return rc; /* the parent, or no child */
	}
	if (w.pidfile && ((pidfd = pidfile_lock(w.pidfile, "watchdog", &err)) < 0 ||
			  pidfile_write(pidfd, getpid(), &err) < 0)) {
		notify_ready(&w, '0');
		return tk_fail(ctx, "watchdog", TK_EXIT_FAIL, "%s", err.msg);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	w.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (w.sfd < 0) {
		notify_ready(&w, '0');
		return tk_fail(ctx, "watchdog", TK_EXIT_FAIL, "signalfd: %s", strerror(errno));
	}
	tk_report(LX_LOG_INFO, "watchdog: pid %d, %s, mount point %s, check every %d ms",
		  (int)getpid(), w.exec ? "running the daemon" : "watching the daemon",
		  ctx->cfg.mountpoint, w.interval_ms);

	if (w.exec) {
		char why[LX_ERR_MSG_MAX];
		long long took;

		run_exec(&w);
		/* shutdown: the daemon, the containers' mounts, the mount point */
		stop_child(&w, 10000);
		fleet_all(&w, TK_FLEET_UMOUNT, &took, why, sizeof(why));
		tk_report(LX_LOG_INFO, "watchdog: daemon stopped; umount --all took %lld ms", took);
		unmount_mountpoint(&w);
	} else {
		run_watch(&w);
	}
	notify_ready(&w, '0');
	free(w.cmdline);
	close(w.sfd);
	if (w.pidfile)
		unlink(w.pidfile);
	tk_report(LX_LOG_INFO, "watchdog: exiting");
	return TK_EXIT_OK;
}
