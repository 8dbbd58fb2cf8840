/* The FUSE connection and what lets another daemon process take it over.
 *
 * The kernel keeps a FUSE connection alive as long as some process holds its /dev/fuse
 * descriptor. The daemon mounts with its own /dev/fuse descriptor (mount(2), "fd=N") and
 * talks to it through libfuse's custom I/O, which lets it:
 *  - keep the kernel's FUSE_INIT request in the state (a memfd that travels with the
 *    /dev/fuse descriptor to whoever holds them: the watchdog, systemd's fd store, the
 *    container image's entrypoint);
 *  - in a process that takes the connection over, feed libfuse that same INIT as its first
 *    read (libfuse sets itself up as for the first process), swallow libfuse's reply (the
 *    kernel had its reply long ago), and ask the kernel with FUSE_NOTIFY_RESEND (Linux 6.9)
 *    to queue again the requests the previous process had read but not answered;
 *  - note in the state every request being handled, so that a request in flight when two
 *    processes died is answered safely (the host's file, or an error) instead of killing
 *    the next one too;
 *  - stop reading at once when this process hands the connection to a successor.
 * Node ids and file handles mean the same thing in every process (nodeid.h). */
#ifndef LXCFS_FUSE_CONN_H
#define LXCFS_FUSE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

#define LX_STATE_MAGIC	 0x316574617473786cULL /* "lxstate1" */
#define LX_STATE_VERSION 1
#define LX_STATE_SLOTS	 256
#define LX_SUSPECTS	 64
#define LX_POISON_DEATHS 2 /* a request in flight at this many deaths is not run again */

struct lx_inflight {
	uint64_t unique; /* 0: free */
	uint64_t nodeid;
	uint32_t opcode;
	int32_t pid; /* the process handling it */
};

/* A PSI trigger being polled (fuse/psi.h): the kernel's poll handle (FUSE_POLL's kh) of the
 * open file whose handle is fh. A process taking over wakes the pollers of those recorded by
 * another epoch: their next FUSE_POLL then finds a handle it never saw (POLLERR). */
#define LX_STATE_POLLS 4096
struct lx_poll_rec {
	uint64_t fh; /* 0: free */
	uint64_t kh;
};

struct lx_suspect {
	uint64_t unique; /* without the kernel's resend bit */
	uint64_t nodeid;
	uint32_t opcode;
	uint32_t deaths;
};

/* The memfd every process of one connection shares. A new field goes at the end (a
 * process of another version reads what it knows); anything else is a new version. */
struct lx_state {
	uint64_t magic;
	uint32_t version;
	uint32_t size;
	uint32_t epoch;	   /* incremented by every process that serves */
	uint32_t init_len; /* the kernel's FUSE_INIT request, as first read */
	uint8_t init[256];
	uint64_t init_flags;  /* its flags (with flags2 << 32) */
	int32_t server_pid;   /* the process serving now */
	uint32_t takeovers;   /* how many processes took over */
	uint64_t started_ns;  /* CLOCK_REALTIME of the mount */
	uint32_t conn_id;     /* the connection's number under /sys/fs/fuse/connections */
	int32_t retiring_pid; /* a process answering what it has read before it exits */
	int32_t clean_pid;    /* the last process that retired with nothing unanswered */
	uint32_t pad;
	char mountpoint[4096];
	struct lx_inflight slots[LX_STATE_SLOTS];
	struct lx_suspect suspects[LX_SUSPECTS];
	/* since the PSI triggers */
	struct lx_poll_rec polls[LX_STATE_POLLS];
};

/* the first layout of version 1: every later one starts with it */
#define LX_STATE_V1_SIZE                                                                           \
	(offsetof(struct lx_state, suspects) + sizeof(struct lx_suspect) * LX_SUSPECTS)

#define LX_FUSE_HAS_RESEND (1ULL << 39)

struct lx_conn {
	int fd;	      /* /dev/fuse */
	int state_fd; /* memfd holding *st */
	struct lx_state *st;
	bool taken_over; /* set up by an earlier process */
	bool resend;	 /* the kernel re-queues unanswered requests (FUSE_HAS_RESEND) */
	uint32_t epoch;	 /* ours */
	int32_t pid;	 /* this process, noted per request (no getpid() each time) */
	bool retiring;	 /* stop reading requests (atomic) */
	long inflight;	 /* requests read and not answered yet (atomic) */
	/* processes before us that may still answer requests: the kernel is asked to queue
	 * again what they leave when they exit */
	struct {
		int fd; /* pidfd */
		pid_t pid;
	} pred[2];
	bool resend_at_init; /* every process before us is gone */
	/* custom I/O */
	bool init_pending; /* the next read returns st->init */
	bool init_swallow; /* the reply to it goes nowhere */
	uint64_t init_unique;
	unsigned long long poisoned;
	/* called once the kernel's INIT has been read (its flags say whether it can resend) */
	void (*on_init)(void *arg);
	void *on_init_arg;
};

/* A fresh connection: open /dev/fuse, mount it on mountpoint (fsname, subtype and extra
 * kernel mount options from opts, which may be NULL), make the state. */
int lx_conn_mount(struct lx_conn *c, const char *mountpoint, const char *opts,
		  struct lx_error *err);
/* A connection another process set up: fd is its /dev/fuse, state_fd its state. Counts
 * the requests the dead predecessor left in flight against them (see LX_POISON_DEATHS). */
int lx_conn_adopt(struct lx_conn *c, int fd, int state_fd, struct lx_error *err);
void lx_conn_close(struct lx_conn *c);

struct fuse_session;
/* Give the session the connection (a duplicate of c->fd; libfuse closes it). */
int lx_conn_attach(struct lx_conn *c, struct fuse_session *se, struct lx_error *err);
/* Stop reading requests and end the session once every request read has its answer (at
 * most LX_DRAIN_MS); the connection stays as it is for the process taking over. */
#define LX_DRAIN_MS 5000
void lx_conn_retire(struct lx_conn *c, struct fuse_session *se);
/* The pidfd of the k-th earlier process still running (-1: none). */
int lx_conn_predecessor_fd(const struct lx_conn *c, int k);
/* The process of pidfd fd (lx_conn_predecessor_fd) exited: what it left unanswered is
 * queued again. */
void lx_conn_predecessor_exited(struct lx_conn *c, int fd);
/* Earlier processes still running (their pid in *pid). */
int lx_conn_predecessors(const struct lx_conn *c, pid_t *pid);
/* The kernel's poll handle of the FUSE_POLL this thread is handling (0: another request). */
uint64_t lx_conn_request_kh(void);
/* Wake the poller of the kernel's poll handle kh (FUSE_NOTIFY_POLL written to the
 * connection); 0 or -errno. For handles no fuse_pollhandle of ours holds. */
int lx_conn_notify_poll(struct lx_conn *c, uint64_t kh);
/* Was the request this thread is handling in flight when earlier processes died? */
bool lx_conn_request_poisoned(void);
/* The FUSE connection's number under /sys/fs/fuse/connections (its device minor). */
int lx_conn_id(const struct lx_conn *c);

/* The userdata of the session must give the custom I/O its connection. */
struct lx_conn *lx_conn_of_userdata(void *userdata);

#endif
