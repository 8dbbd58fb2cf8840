/* Per-container load average: one background thread samples every container the daemon has
 * seen every 5 s, counting runnable and uninterruptible tasks of its cgroup, and folds them in
 * with the kernel's fixed-point formula. */
#ifndef LXCFS_VIEW_LOADAVG_H
#define LXCFS_VIEW_LOADAVG_H

#include "view/containers.h"
#include "view/view.h"
#include "common/error.h"

int loadavg_start(struct lx_view *view, struct lx_error *err);
void loadavg_stop(struct lx_view *view);
/* Take one sample for c now (with c->cg_lock held, c->lock not held). */
int loadavg_sample(struct lx_view *view, struct lx_container *c, struct lx_error *err);

#endif
