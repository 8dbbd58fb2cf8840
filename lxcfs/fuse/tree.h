/* The static tree the daemon serves: the directories leading to the files of common/served.h.
 * Inode numbers are fixed per path (the enum values), so a new daemon process can take over a
 * live FUSE connection. */
#ifndef LXCFS_TREE_H
#define LXCFS_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/served.h"

/* the directories, then one node per file of LX_FILES (N_CPUINFO ... N_PRESSURE_MEMORY), then
 * the directories added since (their inode numbers after every file's: a daemon taking over
 * a connection from an older one keeps the numbers the kernel holds) */
#define N_FILE_ENUM_(id, dir, name) N_##id,
enum lx_node_id {
	N_ROOT = 1, /* FUSE_ROOT_ID */
	N_PROC,
	N_SYS,
	N_SYS_DEVICES,
	N_SYS_SYSTEM,
	N_SYS_CPU,
	LX_FILES(N_FILE_ENUM_) N_PROC_PRESSURE,
	N_COUNT
};
#undef N_FILE_ENUM_

struct lx_node {
	enum lx_node_id id;
	enum lx_node_id parent;
	const char *name;
	bool dir;
	enum lx_file file;    /* the file it serves (files only) */
	bool per_view;	      /* one inode per container (fuse/nodeid.h): every file */
	bool passthrough_dir; /* a directory whose other entries are the host's (fuse/cputree.h) */
};

const struct lx_node *tree_node(uint64_t ino); /* NULL when out of range */
const struct lx_node *tree_lookup(uint64_t parent, const char *name);
/* The i-th child of a directory (0-based, in inode order); NULL past the last. */
const struct lx_node *tree_child(uint64_t dir, unsigned i);
void tree_stat(const struct lx_node *n, time_t mtime, struct stat *st);

/* The file f is not listed nor found by name (its host file is missing: a kernel without
 * PSI or slabinfo), and a directory left with no child is not either. Called before
 * serving; the same host gives every daemon process the same tree. */
void tree_hide_file(enum lx_file f);

#endif
