/* sysinfo(2) for a process: the values its container's files show (meminfo, uptime, loadavg)
 * and its container's task count, made by the same code as those files. */
#ifndef LXCFS_VIEW_SYSINFO_H
#define LXCFS_VIEW_SYSINFO_H

#include <sys/types.h>

#include "render/render.h"
#include "view/view.h"
#include "common/error.h"

/* The values for the process `reader` (a pid in the daemon's pid namespace), as
 * render_sysinfo takes them:
 *   mem        meminfo_values of its container (MemTotal, MemFree, Shmem, Buffers, swap)
 *   uptime_ns  what its /proc/uptime shows (the host's for a reader in our pid namespace)
 *   loads      its /proc/loadavg with --enable-loadavg, else the host's
 *   procs      the tasks of its container's cgroup (the host's for a host reader)
 * -1 with err when its container's values cannot be made (the caller then lets the real
 * sysinfo run: the host's values, never an error): a reader outside our pid namespace, its
 * cgroup gone, the host view on (SIGUSR2, code ECANCELED). A failure is logged here
 * (rate-limited, one line per container). */
int content_sysinfo(struct lx_view *view, pid_t reader, struct sysinfo_values *v,
		    struct lx_error *err);
/* The same for a reader whose pid namespace is known already (pidns: its inode number, 0:
 * read it from /proc): the agent notes it per calling thread, saving a readlink per call.
 * scratch: a buffer kept by the caller for the host's meminfo (NULL: one of our own), so a
 * call allocates nothing once it has grown. */
int content_sysinfo_ns(struct lx_view *view, pid_t reader, uint64_t pidns, struct strbuf *scratch,
		       struct sysinfo_values *v, struct lx_error *err);

#endif
