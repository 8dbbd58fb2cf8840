/* The seccomp agent: sysinfo(2) inside containers.
 *
 * A container started with our seccomp profile (lxcfs-toolkit seccomp-profile) has its
 * sysinfo calls turned into notifications (SCMP_ACT_NOTIFY). Its runtime (runc, which podman
 * and Docker run) connects to the profile's listenerPath, our unix socket, and sends the
 * filter's notification descriptor (SCM_RIGHTS) with the container's state as JSON (the OCI
 * runtime spec's "container process state"). Each call is then answered with the values the
 * caller's container's files show (view/sysinfo.h), written into the caller's memory; a call
 * whose values cannot be made runs in the kernel as without us (host values, never an error).
 *
 * One thread per container waits in poll(2) on its descriptor (the kernel then wakes it on
 * the caller's CPU: SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP), one more accepts connections.
 *
 * What must outlive this process: the descriptors (once the last copy of one is closed, every
 * later sysinfo of that container fails with ENOSYS) and the listening socket (runc refuses
 * to start a container whose listener is not there). Both are held by the daemon's holders
 * (the watchdog, systemd's fd store), as the FUSE connection is (lxcfs/handover.h), under the
 * names "lxcfs-seccomp-listen", "lxcfs-seccomp-state" and "lxcfs-seccomp-N" (N: the
 * container's slot), and come back to the next process in LISTEN_FDS.
 *
 * The state (a memfd, held too) keeps per slot the container it serves and, per process
 * serving, the call being handled. A process that takes over from a dead one answers the
 * calls the dead one was handling, and makes the threads that may wait for a call it had
 * just received (the window between the kernel handing it out and the agent noting it) start
 * their call again (kick.h). */
#ifndef LXCFS_SECCOMP_AGENT_H
#define LXCFS_SECCOMP_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "view/view.h"
#include "common/error.h"

#define LX_SC_SLOTS	      4096 /* containers served at once */
#define LX_SC_FDNAME_LISTEN   "lxcfs-seccomp-listen"
#define LX_SC_FDNAME_STATE    "lxcfs-seccomp-state"
#define LX_SC_FDNAME_SLOT_PFX "lxcfs-seccomp-" /* + the slot number */
#define LX_SC_MSG_MAX	      (1 << 20)	       /* the state JSON a runtime sends */
#define LX_SC_CONN_TIMEOUT_MS 5000

/* Descriptors a process was given (LISTEN_FDS): -1 / none where absent. */
struct lx_agent_inherited {
	int listen_fd, state_fd;
	int n;
	int slots[LX_SC_SLOTS], fds[LX_SC_SLOTS];
};
void lx_agent_inherited_init(struct lx_agent_inherited *in);
/* Take a descriptor named `name` if it is one of ours (true: it is taken). */
bool lx_agent_inherit_fd(struct lx_agent_inherited *in, const char *name, int fd);
void lx_agent_inherited_close(struct lx_agent_inherited *in);

/* Who holds descriptors for us (lxcfs/handover.c): told of every one to hold and to drop.
 * Called from the agent's threads; names as above. */
struct lx_agent_hooks {
	void (*hold)(void *arg, const char *const *names, const int *fds, int n);
	void (*drop)(void *arg, const char *const *names, int n);
};

struct lx_agent;

/* listener: the socket's path, NULL for none (then only inherited containers are served).
 * Takes over what `in` holds. *out NULL (and 0) when there is nothing to do. */
int lx_agent_new(struct lx_view *view, const char *listener, const char *cgroup_root,
		 struct lx_agent_inherited *in, struct lx_agent **out, struct lx_error *err);
/* Answer what a dead predecessor left, then serve. */
int lx_agent_start(struct lx_agent *a, struct lx_error *err);
void lx_agent_set_hooks(struct lx_agent *a, const struct lx_agent_hooks *h, void *arg);
/* Every descriptor to hold: duplicates (the caller closes them) into fds, their names into
 * names; returns how many (at most max). */
int lx_agent_dup_fds(struct lx_agent *a, char (*names)[32], int *fds, int max);
/* " seccomp=PATH seccomp_listening=0|1 seccomp_containers=N seccomp_answered=N
 * seccomp_host=N seccomp_refused=N seccomp_kicked=N" for STATUS (a->path "-" when none). */
void lx_agent_status(struct lx_agent *a, char *buf, size_t size);
/* Stop serving (calls being handled are answered first); the descriptors stay open. */
void lx_agent_stop(struct lx_agent *a);
void lx_agent_free(struct lx_agent *a);

#endif
