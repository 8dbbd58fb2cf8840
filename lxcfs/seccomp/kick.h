/* Calls a dead agent had received but not answered: the kernel keeps such a call waiting
 * (its notification was handed out) until the thread is interrupted. An interruption
 * without a signal makes the kernel start the call again, as a new notification the next
 * agent receives; the caller sees nothing but the time it waited.
 *
 * The interruption: PTRACE_SEIZE + PTRACE_INTERRUPT + PTRACE_DETACH of that one thread (no
 * signal, no effect on the container's other tasks or on its freezer); for a thread already
 * traced by someone else (a debugger in the container), a freeze and thaw of its own cgroup
 * (cgroup v2 cgroup.freeze, else the v1 freezer), unless that cgroup is frozen already (the
 * thaw then restarts the call) or is the root. */
#ifndef LXCFS_SECCOMP_KICK_H
#define LXCFS_SECCOMP_KICK_H

#include <sys/types.h>

#include "common/error.h"

/* Interrupt every thread of the host (but ours) waiting in sysinfo(2): those whose
 * /proc/TID/syscall names it. A thread whose call nobody received yet loses nothing: its
 * call starts again. Returns how many threads were interrupted; err says why one could not
 * be (the others are done all the same), with the count of those in *failed. */
int sc_kick_sysinfo_waiters(const char *cgroup_root, unsigned *failed, struct lx_error *err);

/* One thread (exposed for the tests). 0, or -1 with err. */
int sc_kick_thread(const char *cgroup_root, pid_t tgid, pid_t tid, struct lx_error *err);

#endif
