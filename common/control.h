/* The daemon's control socket and its holder protocol, shared by the daemon (lxcfs/handover.c)
 * and the toolkit (the watchdog holds the connection; status, check-lxcfs and upgrade ask).
 *
 * A SOCK_SEQPACKET unix socket: one message per datagram, words separated by spaces, file
 * descriptors passed along with SCM_RIGHTS. Its path is RUNTIME_DIR/lxcfs.sock for the
 * default mount point, RUNTIME_DIR/lxcfs-HASH.sock for another (HASH of the mount point as
 * lx_canon_mountpoint spells it), 0600, root only. See lxcfs(1), "Takeover". */
#ifndef COMMON_CONTROL_H
#define COMMON_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define LX_DEFAULT_RUNTIME_DIR "/run/lxcfs"
#define LX_CONTROL_MSG_MAX     1024
#define LX_CONTROL_FDS_MAX     64

/* Descriptor names (LISTEN_FDNAMES) of what a daemon process is handed. */
#define LX_FDNAME_FUSE	   "lxcfs-fuse"
#define LX_FDNAME_STATE	   "lxcfs-state"
#define LX_FDNAME_PIDFILE  "lxcfs-pidfile"
#define LX_FDNAME_CONTROL  "lxcfs-control"
#define LX_FDNAME_HOLDER   "lxcfs-holder"
#define LX_FDNAME_HANDOVER "lxcfs-handover"
/* The seccomp agent's (lxcfs/seccomp/agent.h): its listening socket, its state, and one
 * notification descriptor per container, "lxcfs-seccomp-N". */
#define LX_FDNAME_SECCOMP_PFX "lxcfs-seccomp-"

/* More descriptors to hold beside the connection's, each with its name (LISTEN_FDNAMES to
 * give them back under): "FDS names=NAME:NAME..." with the descriptors in that order, at
 * most LX_FDS_PER_MSG a message; a name held already is replaced. "UNHOLD names=NAME:..."
 * drops them. A holder gives every one back to the next daemon process. */
#define LX_FDS_PER_MSG 16
#define LX_FDNAME_MAX  32

/* The mount point as /proc/self/mountinfo spells it: no trailing slash, its parent resolved
 * (the mount point itself is never touched: it may be a dead FUSE mount). */
int lx_canon_mountpoint(const char *in, char *out, size_t size, struct lx_error *err);
/* The control socket's path for a mount point (canonicalised here). */
int lx_control_path(const char *runtime_dir, const char *mountpoint, char *buf, size_t size,
		    struct lx_error *err);

/* One message, with nfds descriptors (0 for none); never blocks. 0 or -1 (errno). */
int lx_msg_send(int fd, const char *text, const int *fds, int nfds);
/* The same, waiting up to timeout_ms while the peer's queue is full (many descriptors at
 * once). */
int lx_msg_send_wait(int fd, const char *text, const int *fds, int nfds, int timeout_ms);
/* One message into buf (NUL-terminated); descriptors that came with it into fds (up to
 * *nfds; more are closed), or closed when fds is NULL. Returns its length, 0 at the end of
 * the connection, -1 (errno; EAGAIN when none is waiting on a non-blocking socket). */
ssize_t lx_msg_recv(int fd, char *buf, size_t size, int *fds, int *nfds);
/* The value of key=VALUE in a message, into out; false when absent. */
bool lx_msg_get(const char *msg, const char *key, char *out, size_t size);

/* Connect to the daemon's control socket (ECONNREFUSED/ENOENT: no daemon listens). */
int lx_control_connect(const char *path, struct lx_error *err);
/* Send req and wait up to timeout_ms for the reply; descriptors as lx_msg_recv. */
int lx_control_ask(int fd, const char *req, char *reply, size_t size, int *fds, int *nfds,
		   int timeout_ms, struct lx_error *err);

#endif
