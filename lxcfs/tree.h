/* The static tree the daemon serves. Inode numbers are fixed per path (the enum
 * values), so a new daemon process can take over a live FUSE connection. */
#ifndef LXCFS_TREE_H
#define LXCFS_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

enum lx_node_id {
	N_ROOT = 1, /* FUSE_ROOT_ID */
	N_PROC,
	N_SYS,
	N_SYS_DEVICES,
	N_SYS_SYSTEM,
	N_SYS_CPU,
	N_CPUINFO,
	N_DISKSTATS,
	N_LOADAVG,
	N_MEMINFO,
	N_PARTITIONS,
	N_STAT,
	N_SWAPS,
	N_UPTIME,
	N_CPU_ONLINE,
	N_COUNT
};

struct lx_node {
	enum lx_node_id id;
	enum lx_node_id parent;
	const char *name;
	bool dir;
	const char *host_path; /* the host file it mirrors (files only) */
};

const struct lx_node *tree_node(uint64_t ino); /* NULL when out of range */
const struct lx_node *tree_lookup(uint64_t parent, const char *name);
/* Children of a directory, in order: *n set; returns the first index into an array
 * walk via tree_child(dir, i). */
const struct lx_node *tree_child(uint64_t dir, unsigned i);
void tree_stat(const struct lx_node *n, time_t mtime, struct stat *st);

#endif
