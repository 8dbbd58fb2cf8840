/* The host's /sys/devices/system/cpu, passed through below the daemon's sys/devices/system/cpu.
 * A container's copy of the directory lists only the cpuN of the CPUs it can use (and its
 * own online, possible, present, offline); everything else, and all below cpuN, is the
 * host's, read afresh at each read.
 *
 * A passed-through node's id is LX_NODE_PASSTHROUGH | a 31-bit hash of its path below
 * /sys/devices/system/cpu; the table here maps it back. Any process can rebuild the table
 * by walking the host's directory (a process that took the connection over does so on its
 * first unknown id), so the ids mean the same thing in every process. */
#ifndef LXCFS_FUSE_CPUTREE_H
#define LXCFS_FUSE_CPUTREE_H

#include <stddef.h>
#include <stdint.h>

#define LX_SYSCPU_DIR "/sys/devices/system/cpu"

/* The node of rel ("cpu0/topology"), registered; 0 when rel collides with another path's
 * hash (it is then not served) or on ENOMEM. */
uint32_t cputree_node(const char *rel);
/* The path of node into rel (NUL-terminated); -1 when unknown even after a walk of the
 * host's directory (the path is gone). */
int cputree_path(uint32_t node, char *rel, size_t size);
/* "cpuN" (N all digits): N, else -1. */
int cputree_cpu_number(const char *name);
void cputree_free(void);

#endif
