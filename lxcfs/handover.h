/* Who else holds the FUSE connection, and handing it to the next daemon process.
 *
 * A holder keeps duplicates of the daemon's /dev/fuse and state descriptors, so that the
 * connection (and every container's mounts) outlives this process; it then starts the
 * next one with them. Holders: `lxcfs-toolkit watchdog` (a SOCK_SEQPACKET socket given as
 * LISTEN_FDS name "lxcfs-holder", or a connection to the control socket saying HOLD),
 * systemd (its file descriptor store, FDSTORE=1, when NOTIFY_SOCKET is set), and the
 * container image's entrypoint (the watchdog).
 *
 * Descriptors come into a process as LISTEN_FDS/LISTEN_FDNAMES (systemd's protocol, also
 * used by the watchdog and by this process for its successor): lxcfs-fuse, lxcfs-state,
 * lxcfs-pidfile (the locked pidfile), lxcfs-control (the listening control socket),
 * lxcfs-holder (any number), lxcfs-handover (the predecessor waiting for READY), the seccomp
 * agent's lxcfs-seccomp-* (seccomp/agent.h); or as --takeover-fd/--state-fd.
 *
 * Messages (one per datagram, words separated by spaces):
 *   daemon -> holder   HOLD pid=P epoch=E resend=0|1   (with the descriptors)
 *                      FDS names=N:N... (with those descriptors) | UNHOLD names=N:N...
 *                      (the seccomp agent's: common/control.h)
 *                      READY pid=P | RETIRING pid=P next=P2 | STOPPING pid=P
 *   holder -> daemon   STATUS | UPGRADE [exe=PATH] | RETIRE | STOP | HOLD
 *   daemon -> asker    STATUS pid=P epoch=E resend=0|1 held=N hostview=0|1 ...
 * The control socket (RUNTIME_DIR/lxcfs.sock for the default mount point, else
 * RUNTIME_DIR/lxcfs-HASH.sock) accepts root only. */
#ifndef LXCFS_HANDOVER_H
#define LXCFS_HANDOVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "options.h"
#include "seccomp/agent.h"
#include "common/error.h"

#define LX_MAX_HOLDERS 16

/* Descriptors this process was given. -1 where none. */
struct lx_inherited {
	int fuse, state, pidfile, control, handover;
	int holders[LX_MAX_HOLDERS];
	int nholders;
	bool from_systemd;	      /* LISTEN_FDS came from the service manager */
	struct lx_agent_inherited sc; /* the seccomp agent's */
};

/* Collect them (LISTEN_FDS for this pid, else the options). 1: a connection to take
 * over; 0: none (a fresh mount); -1: error (e.g. only one of fuse/state). */
int lx_inherit(const struct lx_options *o, struct lx_inherited *in, struct lx_error *err);

struct lx_daemon;
struct lx_conn;
struct fuse_session;
struct lx_handover;

enum lx_end {
	LX_END_RUNNING,
	LX_END_STOP,	     /* unmount and end the connection */
	LX_END_RETIRE,	     /* leave the connection to a successor or a holder */
	LX_END_CONN_GONE,    /* the kernel ended the connection (unmounted, aborted) */
	LX_END_NEVER_SERVED, /* failed before it served */
};

/* Block the signals the control thread handles (call before any thread is created). */
void lx_handover_block_signals(void);

/* Start the control thread: signals, the control socket, the holders. */
/* agent: the seccomp agent (NULL: none), whose descriptors the holders keep too. */
struct lx_handover *lx_handover_start(struct lx_daemon *d, struct lx_conn *c,
				      struct fuse_session *se, struct lx_inherited *in, char **argv,
				      int pidfd, struct lx_agent *agent, struct lx_error *err);
/* Serving: give the holders our descriptors, tell systemd and the predecessor. */
void lx_handover_ready(struct lx_handover *h);
/* Why the loop ended (after fuse_session_loop_mt returned). */
enum lx_end lx_handover_end(struct lx_handover *h);
/* Tell the holders we are stopping for good (before unmounting). */
void lx_handover_stopping(struct lx_handover *h);
void lx_handover_free(struct lx_handover *h);

#endif
