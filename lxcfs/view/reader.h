/* Who is looking, and at which cgroups: the reader's container (or the reader itself in the
 * daemon's pid namespace) and the cgroup paths its values come from. For the view's own files
 * (content.c for the served files, sysinfo.c for sysinfo(2)). */
#ifndef LXCFS_VIEW_READER_H
#define LXCFS_VIEW_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "view/containers.h"
#include "view/view.h"
#include "common/error.h"

struct reader {
	struct lx_container *ct; /* NULL: a reader in the daemon's own pid namespace */
	pid_t pid;		 /* whose cgroups and /dev: the container's init, or the reader */
	const struct cg_paths *paths; /* the container's (under ct->cg_lock) or own_paths */
	struct cg_paths own_paths;
	bool own_ref; /* ct is a reference of ours */
};

/* Set rd up for container ct (a reference the caller holds) or, when ct is NULL, for the
 * process `reader` (its container is looked up from its pid namespace): ct->cg_lock is held
 * on success. -1 with err when it cannot be (a reader outside the daemon's pid namespace,
 * its cgroups gone); rd is ready for reader_end either way. */
int reader_begin(struct lx_view *view, struct lx_container *ct, pid_t reader, struct reader *rd,
		 struct lx_error *err);
/* Undo reader_begin. failed: the error code of what was made for rd (0 when it succeeded):
 * after ENOENT (a cgroup gone: the container moved) the paths are read again next time. */
void reader_end(struct lx_view *view, struct reader *rd, int failed);
/* A failure that is the daemon's own (out of descriptors or memory) is what check-lxcfs
 * reports as degraded. */
void reader_note_error(struct lx_view *view, const struct lx_error *err);
/* Nanoseconds since the container's init started; the host's uptime for a host reader. */
uint64_t reader_uptime_ns(const struct lx_view *view, const struct reader *rd);

#endif
