#include "fuse/tree.h"

#include <string.h>

/* a file's directory node is named as its LX_DIR_* (common/served.h) */
#define FILE_NODE_(id, dir, name)                                                                  \
	[N_##id] = {N_##id, N_##dir, name, false, LX_FILE_##id, true, false},
static const struct lx_node nodes[N_COUNT] = {
    [N_ROOT] = {N_ROOT, N_ROOT, "", true, 0},
    /* Every node below the root is a container's own (its view's): only the names in the
     * root are looked up by every container. A name's dentry is dropped whenever a reader
     * of another view looks it up, and a dropped dentry cannot be bound (ENOENT): the
     * files a container's binds come from sit in directories of its own. */
    [N_PROC] = {N_PROC, N_ROOT, "proc", true, 0, true, false},
    [N_SYS] = {N_SYS, N_ROOT, "sys", true, 0, true, false},
    [N_SYS_DEVICES] = {N_SYS_DEVICES, N_SYS, "devices", true, 0, true, false},
    [N_SYS_SYSTEM] = {N_SYS_SYSTEM, N_SYS_DEVICES, "system", true, 0, true, false},
    /* a container's copy lists only its CPUs */
    [N_SYS_CPU] = {N_SYS_CPU, N_SYS_SYSTEM, "cpu", true, 0, true, true},
    LX_FILES(FILE_NODE_)[N_PROC_PRESSURE] = {N_PROC_PRESSURE, N_PROC, "pressure", true, 0, true,
					     false},
};
#undef FILE_NODE_

const struct lx_node *tree_node(uint64_t ino)
{
	if (ino < N_ROOT || ino >= N_COUNT)
		return NULL;
	return &nodes[ino];
}

static bool hidden[N_COUNT];

const struct lx_node *tree_child(uint64_t dir, unsigned i)
{
	for (unsigned k = N_ROOT + 1; k < N_COUNT; k++) {
		if (nodes[k].parent != dir || hidden[k])
			continue;
		if (i-- == 0)
			return &nodes[k];
	}
	return NULL;
}

const struct lx_node *tree_lookup(uint64_t parent, const char *name)
{
	const struct lx_node *n;

	for (unsigned i = 0; (n = tree_child(parent, i)); i++)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

void tree_stat(const struct lx_node *n, time_t mtime, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->id;
	if (n->dir) {
		unsigned subdirs = 0;
		const struct lx_node *c;

		for (unsigned i = 0; (c = tree_child(n->id, i)); i++)
			subdirs += c->dir;
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2 + subdirs;
	} else {
		/* slabinfo: root's only, as the kernel's (fuse_ops.c refuses other readers) */
		st->st_mode = S_IFREG | (n->file == LX_FILE_SLABINFO ? 0400 : 0444);
		st->st_nlink = 1;
	}
	st->st_blksize = 4096;
	st->st_atime = st->st_mtime = st->st_ctime = mtime;
}

void tree_hide_file(enum lx_file f)
{
	for (unsigned k = N_ROOT + 1; k < N_COUNT; k++) {
		if (nodes[k].dir || nodes[k].file != f)
			continue;
		hidden[k] = true;
		/* its directory too once it has nothing left to list */
		for (unsigned d = nodes[k].parent; d > N_ROOT && !tree_child(d, 0);
		     d = nodes[d].parent)
			hidden[d] = true;
	}
}
