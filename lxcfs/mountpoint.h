/* Preparing the mount point: refuse a missing one or a non-directory, detach a stale
 * FUSE mount a crashed daemon left, refuse one a live daemon still serves. */
#ifndef LXCFS_MOUNTPOINT_H
#define LXCFS_MOUNTPOINT_H

#include "common/error.h"

/* What is mounted at path: 0 nothing of ours, 1 a fuse mount (any fuse.* type). */
int mountpoint_fuse_mounted(const char *path, struct lx_error *err);
/* Probe the mount in a child process, within timeout_ms: 0 answers, -ENOTCONN dead,
 * -ETIMEDOUT hung, other negative errno. */
int mountpoint_probe(const char *path, int timeout_ms);
int mountpoint_prepare(const char *path, struct lx_error *err);

#endif
