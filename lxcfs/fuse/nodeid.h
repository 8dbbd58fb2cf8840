/* What a FUSE node id and a file handle mean. Both are plain numbers that any daemon
 * process can decode (a new process takes over the live connection): nothing the kernel
 * holds points into one process's memory.
 *
 * Node id, 64 bits:
 *   bits 63..32  the view: 0 for the shared nodes and the reader-based host view, else the
 *                inode number of the pid namespace of the container the node belongs to
 *                (nsfs inode numbers are 32-bit);
 *   bits 31..0   the node: a fixed node of the tree (enum lx_node_id), or, with bit 31 set,
 *                a node of the passed-through sysfs CPU subtree (31-bit hash of its path).
 * The root is view 0, node 1 (FUSE_ROOT_ID). The kernel caches pages per inode, so a
 * container's files never share an inode with another container's.
 *
 * File handle, 64 bits:
 *   bits 63..48  the epoch of the daemon process that opened it (a new process starts a
 *                new epoch; a handle of an older epoch is one this process never issued);
 *   bits 47..46  the kind: LX_FH_PAGE (content in the inode's page cache, no per-handle
 *                memory), LX_FH_DIRECT (a snapshot per handle, served by READ), LX_FH_PSI
 *                (a pressure file opened for writing a PSI trigger: as LX_FH_DIRECT, and
 *                a trigger of this process's epoch, fuse/psi.h);
 *   bits 45..0   LX_FH_PAGE: the open time in milliseconds (monotonic, mod 2^46);
 *                LX_FH_DIRECT, LX_FH_PSI: a serial number. */
#ifndef LXCFS_FUSE_NODEID_H
#define LXCFS_FUSE_NODEID_H

#include <stdbool.h>
#include <stdint.h>

#define LX_NODE_PASSTHROUGH 0x80000000u

static inline uint64_t lx_nodeid(uint32_t view, uint32_t node)
{
	return (uint64_t)view << 32 | node;
}
static inline uint32_t lx_nodeid_view(uint64_t id)
{
	return (uint32_t)(id >> 32);
}
static inline uint32_t lx_nodeid_node(uint64_t id)
{
	return (uint32_t)id;
}
static inline bool lx_nodeid_passthrough(uint64_t id)
{
	return (lx_nodeid_node(id) & LX_NODE_PASSTHROUGH) != 0;
}

enum lx_fh_kind { LX_FH_PAGE = 1, LX_FH_DIRECT = 2, LX_FH_PSI = 3 };

#define LX_FH_LOW_BITS 46
#define LX_FH_LOW_MASK ((1ULL << LX_FH_LOW_BITS) - 1)

static inline uint64_t lx_fh(uint16_t epoch, enum lx_fh_kind kind, uint64_t low)
{
	return (uint64_t)epoch << 48 | (uint64_t)kind << LX_FH_LOW_BITS | (low & LX_FH_LOW_MASK);
}
static inline uint16_t lx_fh_epoch(uint64_t fh)
{
	return (uint16_t)(fh >> 48);
}
static inline enum lx_fh_kind lx_fh_kind(uint64_t fh)
{
	return (enum lx_fh_kind)((fh >> LX_FH_LOW_BITS) & 3);
}
static inline uint64_t lx_fh_low(uint64_t fh)
{
	return fh & LX_FH_LOW_MASK;
}

#endif
