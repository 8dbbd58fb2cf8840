/* Block device names as a container sees them: the block nodes in its /dev (read via
 * /proc/PID/root/dev), by major:minor; the device holding its root filesystem is "sda". */
#ifndef LXCFS_DEVNAMES_H
#define LXCFS_DEVNAMES_H

#include <sys/types.h>

#include "render/types.h"
#include "common/error.h"

int devnames_of_pid(pid_t pid, struct devnames *out, struct lx_error *err);
void devnames_free(struct devnames *d);

#endif
