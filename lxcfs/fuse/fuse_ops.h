/* The FUSE layer: one callback per operation, each answering its request exactly once
 * (possibly later, from another thread, once the content it waits for is there).
 *
 * Which bytes a file shows is decided by its node id (nodeid.h): a container's files are
 * its own inodes, looked up by a process of that container (the hook's binds are made from
 * inside the container's pid namespace), so their bytes live in their own page cache and
 * a read costs no round trip once the open pushed them there (inodes.h). The files of the
 * daemon's own pid namespace (view 0) are made per open handle from the reader's cgroups
 * and read with direct_io, as a host reader expects. */
#ifndef LXCFS_FUSE_OPS_H
#define LXCFS_FUSE_OPS_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "view/view.h"
#include "common/error.h"

struct lx_inodes;
struct lx_notifier;
struct lx_handles;
struct lx_psi;

/* Bounds on what readers can make the daemon hold (documented in lxcfs(1)). */
#define LX_MAX_DIRECT_HANDLES	     65536 /* per-handle snapshots, all readers */
#define LX_MAX_DIRECT_HANDLES_PER_NS 1024  /* ... of readers in one container's namespace */

/* What the callbacks share: the session's userdata. */
struct lx_conn;
struct lx_fuse {
	struct lx_view *view;
	struct lx_conn *conn; /* fuse/conn.h: the connection and its state */
	time_t start_time;    /* every node's times */
	struct fuse_session *se;
	struct lx_inodes *inodes;
	struct lx_notifier *notifier;
	struct lx_handles *handles; /* direct (per-handle) snapshots */
	uint16_t epoch;		    /* this process's, in every handle it issues */
	bool taken_over;	    /* the connection was set up by an earlier process */
	uint64_t host_ns;	    /* the daemon's pid namespace */
	bool psi_poll;		    /* --enable-psi-poll: PSI triggers (fuse/psi.h) */
	struct lx_psi *psi;	    /* their thread, with psi_poll */
	unsigned pc_open;	    /* page-cache handles open (atomic) */
	unsigned direct_open;	    /* direct handles open (atomic) */
	/* the thread invalidating inodes that persistent handles keep open */
	pthread_t refresher;
	bool refresher_running;
	pthread_mutex_t rlock;
	pthread_cond_t rcond;
	bool rstop;
	/* counters for the health report (atomic) */
	unsigned long long n_open, n_store, n_inval, n_read_fill, n_direct_read, n_refused;
};

extern const struct fuse_lowlevel_ops lx_fuse_ops;

/* With f->view and f->start_time set. */
int lx_fuse_init(struct lx_fuse *f, uint16_t epoch, bool taken_over, struct lx_error *err);
/* Start the notifier and the refresher once the session exists. */
int lx_fuse_start(struct lx_fuse *f, struct fuse_session *se, struct lx_error *err);
/* Finish every queued store (answering its waiters), stop the threads. */
void lx_fuse_stop(struct lx_fuse *f);
void lx_fuse_fini(struct lx_fuse *f);

#endif
