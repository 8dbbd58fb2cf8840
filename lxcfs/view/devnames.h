/* Block device names as a container sees them: the block nodes in its /dev (read via
 * /proc/PID/root/dev), by major:minor; the device holding its root filesystem is "sda". */
#ifndef LXCFS_DEVNAMES_H
#define LXCFS_DEVNAMES_H

#include <sys/types.h>

#include "render/types.h"
#include "common/error.h"

/* Bounds: what a container's /dev can make the daemon do. */
#define LX_DEVNAMES_MAX	       4096  /* block devices named */
#define LX_DEVNAMES_SCAN_MAX   65536 /* directory entries read */
#define LX_DEVNAMES_TIMEOUT_MS 100   /* a reader waits this long for a scan */
#define LX_DEVNAMES_THREADS    16    /* scans running at once, hung ones included */

/* Never follows a symlink out of the container's root, never touches /dev (or the root)
 * when it is on a file system a process may serve (FUSE, network file systems), and runs
 * in a worker thread (a pool of at most LX_DEVNAMES_THREADS, kept between scans): a scan
 * that hangs leaves the reader after the timeout (ETIMEDOUT), and the container gets no
 * further scan until that one returns. */
int devnames_of_pid(pid_t pid, struct devnames *out, struct lx_error *err);
void devnames_free(struct devnames *d);
/* At exit: the pool's idle workers end and are joined (a hung one is left); a later scan
 * fails (EAGAIN). */
void devnames_stop(void);

#endif
