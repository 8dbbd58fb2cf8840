/* umount: remove the lxcfs mounts from containers (they then read their own procfs: the
 * degraded state). Idempotent; registry entries stay so remount can restore them. */
#include "cmd.h"
#include "lib/fleet.h"

int cmd_umount(struct tk_ctx *ctx, int argc, char **argv)
{
	struct tk_fleet_opts o = {0};
	struct lx_error err;
	int rc = tk_parse_fleet_opts(ctx, "umount",
				     "Remove the lxcfs mounts from containers; their registry "
				     "entries stay.",
				     argc, argv, &o);

	if (rc)
		return rc < 0 ? TK_EXIT_OK : rc;
	rc = tk_fleet_run(&ctx->cfg, TK_FLEET_UMOUNT, &o, &err);
	if (rc < 0)
		return tk_fail(ctx, "umount", TK_EXIT_FAIL, "%s", err.msg);
	return rc ? TK_EXIT_FAIL : TK_EXIT_OK;
}
