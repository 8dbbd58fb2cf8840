/* upgrade: the daemon hands its live FUSE connection to a freshly started binary (the
 * installed one by default): containers notice nothing, no mount changes. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/health.h"
#include "common/clock.h"
#include "common/control.h"

int cmd_upgrade(struct tk_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"exe", required_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char path[PATH_MAX], req[PATH_MAX + 16], reply[LX_CONTROL_MSG_MAX],
	    before[32] = "", after[32] = "", version[64] = "?";
	const char *exe = NULL;
	struct lx_error err;
	int64_t deadline;
	int c, rc, fd;

	while ((c = tk_getopt(ctx, "upgrade", argc, argv, opts, NULL, &rc)) > 0) {
		switch (c) {
		case 'e':
			if (optarg[0] != '/' || access(optarg, X_OK) < 0)
				return tk_fail(ctx, "upgrade", TK_EXIT_USAGE,
					       "--exe: `%s` is not an executable absolute path",
					       optarg);
			exe = optarg;
			break;
		case 'h':
			printf(
			    "Usage: %s upgrade [--exe PATH]\n"
			    "The daemon starts PATH (default: the binary it was started as, so "
			    "the\n"
			    "installed one after an install) on its live FUSE connection, waits\n"
			    "until it serves, and exits: containers keep their mounts and never\n"
			    "see a failed read. Exit 0 once the new process serves, 1 otherwise.\n"
			    "  --exe PATH   the binary to run instead\n",
			    ctx->prog);
			return TK_EXIT_OK;
		}
	}
	if (c < 0)
		return rc;
	if (lx_control_path(ctx->cfg.runtime_dir, ctx->cfg.mountpoint, path, sizeof(path), &err) <
		0 ||
	    (fd = lx_control_connect(path, &err)) < 0)
		return tk_fail(ctx, "upgrade", TK_EXIT_FAIL, "%s (is the daemon running?)",
			       err.msg);
	if (lx_control_ask(fd, "STATUS", reply, sizeof(reply), NULL, NULL, 5000, &err) < 0 ||
	    !lx_msg_get(reply, "pid", before, sizeof(before))) {
		close(fd);
		return tk_fail(ctx, "upgrade", TK_EXIT_FAIL, "%s", err.code ? err.msg : reply);
	}
	snprintf(req, sizeof(req), "UPGRADE%s%s", exe ? " exe=" : "", exe ? exe : "");
	/* the daemon waits up to 10 s for its successor */
	if (lx_control_ask(fd, req, reply, sizeof(reply), NULL, NULL, 15000, &err) < 0) {
		close(fd);
		return tk_fail(ctx, "upgrade", TK_EXIT_FAIL, "%s", err.msg);
	}
	close(fd);
	if (strncmp(reply, "OK", 2) != 0)
		return tk_fail(ctx, "upgrade", TK_EXIT_FAIL, "the daemon says: %s", reply);
	/* the successor owns the control socket now: ask it who it is */
	deadline = lx_now_ms() + 10000;
	for (;;) {
		if (tk_daemon_status(&ctx->cfg, reply, sizeof(reply), &err) == 0 &&
		    lx_msg_get(reply, "pid", after, sizeof(after)) && strcmp(after, before) != 0)
			break;
		if (lx_now_ms() >= deadline)
			return tk_fail(ctx, "upgrade", TK_EXIT_FAIL,
				       "pid %s retired but no new daemon answers on `%s`", before,
				       path);
		usleep(50 * 1000);
	}
	lx_msg_get(reply, "version", version, sizeof(version));
	printf("upgraded: daemon pid %s -> %s (version %s), the connection kept\n", before, after,
	       version);
	return TK_EXIT_OK;
}
