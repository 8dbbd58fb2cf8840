/* Work done in forked children: a child is single-threaded, so it may setns() into a
 * container's mount namespace; a hung FUSE mount or a slow container only costs a child that
 * is killed at its deadline. Jobs run in a bounded pool. */
#ifndef TK_NSEXEC_H
#define TK_NSEXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* Runs in the child. info (may stay empty) is a short success note for the parent. */
typedef int (*tk_child_fn)(void *arg, char *info, size_t infosz, struct lx_error *err);

struct tk_job {
	tk_child_fn fn;
	void *arg;
	/* results */
	int rc; /* 0 ok, -1 failed (err filled) */
	bool timed_out;
	bool canceled; /* tk_run_jobs_until's cancel_fd became readable first (ECANCELED) */
	struct lx_error err;
	char info[256];
	/* private */
	pid_t child;
	int fd;
	long long deadline_ms;
	size_t got;
	char buf[sizeof(int) + sizeof(struct lx_error) + 256];
};

/* Run every job in its own child, at most `width` at once, each killed after timeout_ms
 * (timed_out set, error ETIMEDOUT "timed out after Ns"). Returns the number of failed jobs. */
size_t tk_run_jobs(struct tk_job *jobs, size_t n, int width, int timeout_ms);

/* The same, but when cancel_fd (>= 0: a pidfd, say) becomes readable every job still running
 * is killed and fails with ECANCELED (canceled set), and every job not started yet too. A
 * canceled child is not waited for (it may be stuck in a FUSE request until a daemon answers
 * it): the caller reaps it later (the supervisor reaps every child on SIGCHLD). */
size_t tk_run_jobs_until(struct tk_job *jobs, size_t n, int width, int timeout_ms, int cancel_fd);

/* One job, synchronously. Returns its rc and copies its error into err (ETIMEDOUT when the
 * child did not finish in time; a child's own error may carry that code too: callers that
 * must tell the two apart run the job with tk_run_jobs and look at timed_out). */
int tk_run_child(tk_child_fn fn, void *arg, int timeout_ms, char *info, size_t infosz,
		 struct lx_error *err);

/* setns() into the mount namespace of pid (only in a single-threaded process). */
int tk_enter_mntns(pid_t pid, struct lx_error *err);

/* Run fn in a child that is a member of pid's pid namespace (only in a single-threaded
 * process: setns(CLONE_NEWPID) then fork): what it looks up in the daemon's tree is then
 * looked up by that container, which gets its own inodes (lxcfs(1), "Whose view"). */
int tk_run_in_pidns(pid_t pid, tk_child_fn fn, void *arg, char *info, size_t infosz,
		    struct lx_error *err);

#endif
