/* remount: in each target container detach whatever lxcfs mount is on each file (live, stale
 * or none) and bind the live file again. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lib/fleet.h"

/* Shared option parsing of remount and umount (declared in cmd.h). */
int tk_parse_fleet_opts(struct tk_ctx *ctx, const char *cmd, const char *help, int argc,
			char **argv, struct tk_fleet_opts *o)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"container-id", required_argument, NULL, 'i'},
	    {"jobs", required_argument, NULL, 'j'},
	    {"timeout", required_argument, NULL, 't'},
	    {"stale-only", no_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool remount = strcmp(cmd, "remount") == 0;
	struct lx_error err;
	int c, rc;

	while ((c = tk_getopt(ctx, cmd, argc, argv, opts, NULL, &rc)) > 0) {
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'i':
			o->ref = optarg;
			break;
		case 'j':
			if (tk_config_set(&ctx->cfg, "jobs", optarg, &err) < 0)
				return tk_fail(ctx, cmd, TK_EXIT_USAGE, "--%s", err.msg);
			break;
		case 't':
			if (tk_config_set(&ctx->cfg, "timeout", optarg, &err) < 0)
				return tk_fail(ctx, cmd, TK_EXIT_USAGE, "--%s", err.msg);
			break;
		case 's':
			if (!remount)
				return tk_fail(ctx, cmd, TK_EXIT_USAGE,
					       "--stale-only is an option of remount only");
			o->stale_only = true;
			break;
		case 'h':
			printf("Usage: %s %s --all | --container-id ID [--jobs N] [--timeout S]%s\n"
			       "%s\n"
			       "  --all               every container started with the hook or "
			       "holding an lxcfs mount\n"
			       "  --container-id ID   a full id, else a unique id prefix, else a "
			       "unique name\n"
			       "  --jobs N            containers handled in parallel (default 4)\n"
			       "  --timeout S         seconds per container (default 10)\n%s",
			       ctx->prog, cmd, remount ? " [--stale-only]" : "", help,
			       remount
				   ? "  --stale-only        leave containers whose files are all "
				     "live\n"
				   : "");
			return -1;
		}
	}
	if (c < 0)
		return rc;
	if (o->all == (o->ref != NULL))
		return tk_fail(ctx, cmd, TK_EXIT_USAGE,
			       "give exactly one of --all and "
			       "--container-id");
	return 0;
}

/* The body of remount and umount (declared in cmd.h). */
int tk_fleet_command(struct tk_ctx *ctx, int argc, char **argv, int op)
{
	const char *cmd = op == TK_FLEET_REMOUNT ? "remount" : "umount";
	const char *help = op == TK_FLEET_REMOUNT
			       ? "Detach the lxcfs mounts of each container (live, stale or none) "
				 "and bind the live files again."
			       : "Remove the lxcfs mounts from containers; their registry entries "
				 "stay.";
	struct tk_fleet_opts o = {0};
	struct lx_error err;
	int rc = tk_parse_fleet_opts(ctx, cmd, help, argc, argv, &o);

	if (rc)
		return rc < 0 ? TK_EXIT_OK : rc;
	rc = tk_fleet_run(&ctx->cfg, op, &o, &err);
	if (rc < 0)
		return tk_fail(ctx, cmd, TK_EXIT_FAIL, "%s", err.msg);
	return rc ? TK_EXIT_FAIL : TK_EXIT_OK;
}

int cmd_remount(struct tk_ctx *ctx, int argc, char **argv)
{
	return tk_fleet_command(ctx, argc, argv, TK_FLEET_REMOUNT);
}
