/* The registry of containers started with the hook: one JSON file per container in a
 * directory (default /run/lxcfs/containers), written atomically (temp file + rename). */
#ifndef TK_REGISTRY_H
#define TK_REGISTRY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* An entry is a few hundred bytes (a rootfs path at most 4 KiB): a file of the registry that
 * is bigger, or not a regular file, is skipped with a warning without being read. */
#define TK_ENTRY_MAX (64 * 1024)

struct tk_entry {
	char id[129];
	char name[256];
	pid_t pid;
	uint64_t starttime; /* of pid, clock ticks since boot */
	uint64_t mntns;	    /* inode of its mount namespace */
	char rootfs[PATH_MAX];
	bool degraded; /* the daemon was down when the hook ran: no mounts were made */
};

/* Serialise / parse one entry. Parsing validates the id and the field types. */
char *tk_entry_to_json(const struct tk_entry *e);
int tk_entry_from_json(const char *text, struct tk_entry *e, struct lx_error *err);

int tk_registry_write(const char *dir, const struct tk_entry *e, struct lx_error *err);
/* Remove the entry (absent is fine). */
int tk_registry_remove(const char *dir, const char *id, struct lx_error *err);
int tk_registry_get(const char *dir, const char *id, struct tk_entry *e, struct lx_error *err);

/* All valid entries; with prune, entries whose pid is gone or was reused (start time
 * differs) are deleted and left out. Unparsable files, and files that are not regular or
 * over TK_ENTRY_MAX bytes, are skipped with a warning (never read: a FIFO cannot block). */
int tk_registry_load(const char *dir, bool prune, struct tk_entry **out, size_t *n,
		     struct lx_error *err);

#endif
