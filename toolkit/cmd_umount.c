/* umount: remove the lxcfs mounts from containers (they then read their own procfs: the
 * degraded state). Idempotent; registry entries stay so remount can restore them, and so does
 * the container's view of the mount point. */
#include "cmd.h"
#include "lib/fleet.h"

int cmd_umount(struct tk_ctx *ctx, int argc, char **argv)
{
	return tk_fleet_command(ctx, argc, argv, TK_FLEET_UMOUNT);
}
