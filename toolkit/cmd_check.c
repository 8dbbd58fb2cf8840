/* check-lxcfs: exit 0 only when the daemon is healthy; --wait SECONDS polls until it is. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/health.h"
#include "common/clock.h"

int cmd_check(struct tk_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"wait", required_argument, NULL, 'w'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct tk_health h;
	long wait_s = 0;
	int64_t start;
	char *end;
	int c, rc;

	while ((c = tk_getopt(ctx, "check-lxcfs", argc, argv, opts, NULL, &rc)) > 0) {
		switch (c) {
		case 'w':
			wait_s = strtol(optarg, &end, 10);
			if (*end || end == optarg || wait_s < 0 || wait_s > 86400)
				return tk_fail(ctx, "check-lxcfs", TK_EXIT_USAGE,
					       "--wait: `%s` is not a number of seconds", optarg);
			break;
		case 't': {
			long t = strtol(optarg, &end, 10);

			if (*end || end == optarg || t < 1 || t > 600)
				return tk_fail(ctx, "check-lxcfs", TK_EXIT_USAGE,
					       "--timeout: `%s` is not 1..600 seconds", optarg);
			ctx->cfg.check_timeout = (int)t;
			break;
		}
		case 'h':
			printf("Usage: %s check-lxcfs [--wait SECONDS] [--timeout SECONDS]\n"
			       "Exit 0 when the daemon in the pidfile runs, the mount point is a\n"
			       "fuse.lxcfs mount and proc/meminfo answers within the timeout "
			       "(default 2 s),\n"
			       "and its seccomp agent, when configured, listens on its socket.\n",
			       ctx->prog);
			return TK_EXIT_OK;
		}
	}
	if (c < 0)
		return rc;
	start = lx_now_ms();
	for (;;) {
		if (tk_health_check(&ctx->cfg, &h) == 0 && h.seccomp_why.code) {
			/* the files are served, but containers with our profile cannot start */
			h.why = h.seccomp_why;
		} else if (h.healthy) {
			if (h.pid)
				printf("lxcfs is healthy: %s (pid %d)\n", ctx->cfg.mountpoint,
				       (int)h.pid);
			else
				printf("lxcfs is healthy: %s\n", ctx->cfg.mountpoint);
			if (h.seccomp[0])
				printf("seccomp agent: listening on %s, %lu container%s\n",
				       h.seccomp, h.seccomp_containers,
				       h.seccomp_containers == 1 ? "" : "s");
			else if (h.status[0])
				printf("seccomp agent: not configured\n");
			return TK_EXIT_OK;
		}
		if (lx_now_ms() - start >= wait_s * 1000)
			break;
		usleep(200 * 1000);
	}
	return tk_fail(ctx, "check-lxcfs", TK_EXIT_FAIL, "%s", h.why.msg);
}
