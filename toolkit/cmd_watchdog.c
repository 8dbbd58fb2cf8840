/* watchdog: the command line of lib/supervise.h (which says what it does): its options, the
 * watchdog's own pidfile and --background. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/report.h"
#include "lib/supervise.h"
#include "common/cleanup.h"
#include "common/daemonize.h"
#include "common/pidfile.h"

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

/* Before each start: `lxcfs-toolkit prestart`, the command itself (it parses argv with getopt
 * and says its own errors). */
static int run_prestart(void *arg, struct lx_error *err)
{
	char *argv[] = {"prestart", NULL};

	optind = 0;
	if (cmd_prestart(arg, 1, argv) != TK_EXIT_OK)
		return lx_error_code(err, EIO, "prestart failed");
	return 0;
}

/* --background: the parent exits 0 once the child says the daemon is healthy, 1 when it says
 * it is not or dies. true in the child (*ready_fd set); false in the parent, or when there is
 * no child, with the exit code in *rc. */
static bool in_background(struct tk_ctx *ctx, int *ready_fd, int *rc)
{
	struct lx_bg_word word;
	struct lx_error err;
	pid_t pid = lx_background(ready_fd, &word, &err);

	if (pid == 0) {
		/* stderr too: lx_log writes to its own fd when it is the log */
		lx_bg_detach_stdio();
		return true;
	}
	if (pid < 0) {
		*rc = tk_fail(ctx, "watchdog", TK_EXIT_FAIL, "%s", err.msg);
	} else if (word.told && word.ok) {
		printf("watchdog running (pid %d), daemon healthy\n", (int)pid);
		*rc = TK_EXIT_OK;
	} else {
		*rc = tk_fail(ctx, "watchdog", TK_EXIT_FAIL,
			      "the daemon did not come up (watchdog pid %d %s; see its log)",
			      (int)pid, word.told ? "keeps trying" : "exited");
	}
	return false;
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
	struct tk_supervise_opts o = {
	    .interval_ms = 1000,
	    .start_timeout_ms = 30000,
	    .flap_ms = 10000,
	    .backoff_max_ms = 30000,
	    .ready_fd = -1,
	};
	const char *pidfile = NULL; /* the watchdog's own */
	bool background = false, no_prestart = false;
	__close int pidfd = -1;
	struct lx_error err;
	int c, rc, li = 0;

	while ((c = tk_getopt(ctx, "watchdog", argc, argv, opts, &li, &rc)) > 0) {
		int *dst = NULL, min = 100, max = 3600 * 1000;

		switch (c) {
		case 'i':
			dst = &o.interval_ms;
			break;
		case 's':
			dst = &o.start_timeout_ms, min = 1000;
			break;
		case 'f':
			dst = &o.flap_ms, min = 0;
			break;
		case 'b':
			dst = &o.backoff_max_ms, min = 0;
			break;
		case 'e':
			if (!*optarg)
				return tk_fail(ctx, "watchdog", TK_EXIT_USAGE,
					       "--exec: empty command");
			o.exec = optarg;
			break;
		case 'P':
			if (*optarg != '/')
				return tk_fail(ctx, "watchdog", TK_EXIT_USAGE,
					       "--watchdog-pidfile: `%s` is not an absolute path",
					       optarg);
			pidfile = optarg;
			break;
		case 'B':
			background = true;
			break;
		case 'N':
			no_prestart = true;
			break;
		case 'h':
			printf(
			    "Usage: %s watchdog [--interval S] [--exec \"lxcfs -f ...\"]\n"
			    "       [--watchdog-pidfile FILE] [--background] [--start-timeout S]\n"
			    "       [--flap-uptime S] [--backoff-max S] [--no-prestart]\n"
			    "Check the daemon every interval. With --exec, hold its FUSE "
			    "connection:\n"
			    "a daemon that dies or hangs is replaced at once on the same\n"
			    "connection (no read fails, nothing is remounted). Otherwise, and on\n"
			    "kernels without FUSE_NOTIFY_RESEND: umount --all at once (containers\n"
			    "see host values), restart it (--exec; with backoff when it flaps),\n"
			    "prestart, wait until healthy, remount --all. One log line per\n"
			    "transition, with its time.\n"
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
			    "SIGTERM: stop the daemon it runs, umount --all, unmount, exit 0.\n"
			    "SIGHUP: the daemon hands its connection to the installed binary.\n",
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

	if (!no_prestart) {
		o.prepare = run_prestart;
		o.prepare_arg = ctx;
	}
	if (background && !in_background(ctx, &o.ready_fd, &rc))
		return rc;
	if (pidfile && ((pidfd = pidfile_lock(pidfile, "watchdog", &err)) < 0 ||
			pidfile_write(pidfd, getpid(), &err) < 0)) {
		lx_bg_tell(&o.ready_fd, false, "");
		return tk_fail(ctx, "watchdog", TK_EXIT_FAIL, "%s", err.msg);
	}
	rc = tk_supervise(&ctx->cfg, &o, &err);
	if (pidfile)
		unlink(pidfile);
	if (rc < 0)
		return tk_fail(ctx, "watchdog", TK_EXIT_FAIL, "%s", err.msg);
	tk_report(LX_LOG_INFO, "watchdog: exiting");
	return TK_EXIT_OK;
}
