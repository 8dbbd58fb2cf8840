/* The FUSE low-level operations table. */
#ifndef LXCFS_FUSE_OPS_H
#define LXCFS_FUSE_OPS_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

extern const struct fuse_lowlevel_ops lx_fuse_ops;

#endif
