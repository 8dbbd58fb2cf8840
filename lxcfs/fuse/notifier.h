/* The threads that push content into the kernel's page cache (notify_store) and drop it
 * (notify_inval_inode). A store may wait in the kernel for a page that a READ of ours is
 * filling; so a FUSE worker runs one itself (lx_notifier_run: no hand-off to another thread,
 * no wake-up) only while fewer than half the workers do: the others are left to answer those
 * READs (16 workers blocked in stores would leave none). The callers keep at most one job
 * of an inode queued or running at a time. */
#ifndef LXCFS_FUSE_NOTIFIER_H
#define LXCFS_FUSE_NOTIFIER_H

#include <stdbool.h>
#include <stdint.h>

struct fuse_session;
struct lx_blob;
struct lx_notifier;

struct lx_job {
	uint64_t ino;
	bool inval;	      /* drop the inode's pages and attributes first */
	struct lx_blob *blob; /* then store it at offset 0 (NULL: nothing to store) */
	/* called on the notifier thread once done; err: 0 or the first negative errno
	 * (-ENOENT: the kernel no longer has the inode) */
	void (*done)(struct lx_job *job, int err);
	void *arg;
	struct lx_job *next;
};

/* nthreads threads; NULL on failure (errno set). */
struct lx_notifier *lx_notifier_new(struct fuse_session *se, unsigned nthreads);
/* Queue a job (owned by the caller until done runs). */
void lx_notifier_submit(struct lx_notifier *n, struct lx_job *job);
/* Run it on the calling FUSE worker (done is called there), or queue it when half the
 * workers run jobs so already. */
void lx_notifier_run(struct lx_notifier *n, struct lx_job *job);
/* Run every queued job, then stop the threads. */
void lx_notifier_free(struct lx_notifier *n);
/* Jobs queued or running. */
unsigned lx_notifier_pending(struct lx_notifier *n);

#endif
