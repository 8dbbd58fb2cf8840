/* PSI triggers through the /proc/pressure files (--enable-psi-poll), as
 * Documentation/accounting/psi.rst describes them: a process opens the file for writing,
 * writes "some|full STALL_US WINDOW_US", and poll()s for POLLPRI.
 *
 * Each such open file is a handle of kind LX_FH_PSI (nodeid.h). The write arms the trigger on
 * the writer's container's cgroup pressure file (or the host's /proc/pressure file) and keeps
 * that descriptor here; one thread waits for EPOLLPRI/EPOLLERR on all of them and wakes the
 * kernel's poller (fuse_lowlevel_notify_poll with the handle FUSE_POLL gave). The FUSE_POLL
 * answer itself never waits.
 *
 * A trigger is this process's: it dies with it. The kernel's poll handle of every polled
 * trigger is noted in the connection's state (conn.h, lx_poll_rec); a process taking the
 * connection over wakes every poller noted by another epoch (within LX_PSI_SCAN_MS), and
 * answers a FUSE_POLL on a PSI handle of another epoch with POLLERR|POLLPRI: the file went
 * away, as when its cgroup is removed; the poller opens and writes it again. When the
 * connection ends (no holder), the kernel wakes every poller itself and poll() says
 * POLLERR. */
#ifndef LXCFS_FUSE_PSI_H
#define LXCFS_FUSE_PSI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fuse/conn.h"

#define LX_PSI_MAX_TRIGGERS	   LX_STATE_POLLS /* open trigger files, all readers */
#define LX_PSI_MAX_TRIGGERS_PER_NS 256		  /* ... of one container (pid namespace) */
#define LX_PSI_SCAN_MS		   500		  /* pollers of an earlier process woken within */

struct fuse_session;
struct fuse_pollhandle;
struct lx_psi;

/* Start the thread. NULL with errno on failure. */
struct lx_psi *lx_psi_new(struct fuse_session *se, struct lx_conn *c, uint16_t epoch);
/* Stop the thread, close every trigger. */
void lx_psi_free(struct lx_psi *p);
/* A new open trigger file fh of owner (a pid namespace's inode number; 0: the daemon's own);
 * 0, or -EMFILE beyond the caps (logged), -ENOMEM. */
int lx_psi_open(struct lx_psi *p, uint64_t fh, uint64_t owner, pid_t pid);
/* fh has a trigger already (the kernel answers EBUSY to a second write)? */
bool lx_psi_armed(struct lx_psi *p, uint64_t fh);
/* fh's trigger is fd (taken: closed here on failure too); 0, -EBUSY, -EBADF (unknown fh),
 * -errno of epoll. */
int lx_psi_attach(struct lx_psi *p, uint64_t fh, int fd);
/* The poll answer for fh (POLL* bits); ph (may be NULL) is kept to wake the poller at the
 * next event, kh its kernel handle (lx_conn_request_kh). */
unsigned lx_psi_poll(struct lx_psi *p, uint64_t fh, struct fuse_pollhandle *ph, uint64_t kh);
/* fh closed: its trigger too. */
void lx_psi_release(struct lx_psi *p, uint64_t fh);
/* The writer pid has CAP_SYS_RESOURCE (the kernel then takes any window, else only whole
 * 2 s: its check on the file's opener, which for our files is the daemon). */
bool lx_psi_privileged(pid_t pid);
/* Triggers open (files, armed or not). */
unsigned lx_psi_count(struct lx_psi *p);

#endif
