/* remount / umount over a set of containers: select them (--all or one --container-id), run
 * one child per container in a bounded pool with a per-container timeout, print a line per
 * container and the summary line last. */
#ifndef TK_FLEET_H
#define TK_FLEET_H

#include <stdbool.h>

#include "config.h"
#include "common/error.h"

enum tk_fleet_op { TK_FLEET_REMOUNT, TK_FLEET_UMOUNT };

struct tk_fleet_opts {
	bool all;
	const char *ref; /* --container-id */
	bool stale_only; /* remount: leave a container whose mounts are all live alone (after a
			    takeover nothing needs repair, and nothing must flicker) */
};

/* Returns 0 when every container succeeded, 1 when some failed (summary printed), -1 when
 * nothing could be tried (err says why: daemon unhealthy, unknown container, engine). */
int tk_fleet_run(const struct tk_config *c, enum tk_fleet_op op, const struct tk_fleet_opts *o,
		 struct lx_error *err);

#endif
