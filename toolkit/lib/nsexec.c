#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"

int tk_enter_mntns(pid_t pid, struct lx_error *err)
{
	char path[64];
	__close int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lx_error_set(err, errno, "open `%s`", path);
	if (setns(fd, CLONE_NEWNS) < 0)
		return lx_error_set(err, errno, "enter the mount namespace of pid %d", (int)pid);
	return 0;
}

int tk_run_in_pidns(pid_t pid, tk_child_fn fn, void *arg, char *info, size_t infosz,
		    struct lx_error *err)
{
	char path[64], out[sizeof(int) + sizeof(struct lx_error) + 256];
	__close int nsfd = -1;
	int p[2], rc = -1, status;
	size_t got = 0;
	pid_t child;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return lx_error_set(err, errno, "open `%s`", path);
	if (setns(nsfd, CLONE_NEWPID) < 0)
		return lx_error_set(err, errno, "enter the pid namespace of pid %d", (int)pid);
	if (pipe2(p, O_CLOEXEC) < 0)
		return lx_error_set(err, errno, "pipe");
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return lx_error_set(err, errno, "fork into the pid namespace of pid %d", (int)pid);
	}
	if (child == 0) {
		/* every byte sent is defined: no stack garbage after the message */
		struct lx_error e = {0};
		char note[256] = "";
		int r;

		close(p[0]);
		r = fn(arg, note, sizeof(note), &e);
		memcpy(out, &r, sizeof(r));
		memcpy(out + sizeof(r), &e, sizeof(e));
		memcpy(out + sizeof(r) + sizeof(e), note, sizeof(note));
		while (got < sizeof(out)) {
			ssize_t w = write(p[1], out + got, sizeof(out) - got);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				_exit(3);
			got += w;
		}
		_exit(r < 0 ? 1 : 0);
	}
	close(p[1]);
	while (got < sizeof(out)) {
		ssize_t r = read(p[0], out + got, sizeof(out) - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	close(p[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (got < sizeof(out))
		return lx_error_code(err, EIO,
				     "the worker in the pid namespace of pid %d ended "
				     "without a result",
				     (int)pid);
	memcpy(&rc, out, sizeof(rc));
	if (err) {
		memcpy(err, out + sizeof(rc), sizeof(*err));
		err->msg[sizeof(err->msg) - 1] = '\0';
	}
	if (info && infosz) {
		out[sizeof(out) - 1] = '\0';
		snprintf(info, infosz, "%s", out + sizeof(rc) + sizeof(*err));
	}
	return rc;
}

static void child_main(struct tk_job *job, int wfd)
{
	char out[sizeof(job->buf)] = {0};
	/* every byte sent is defined: no stack garbage after the message */
	struct lx_error err = {0};
	char info[256] = "";
	int rc;
	size_t off = 0;

	signal(SIGPIPE, SIG_DFL);
	rc = job->fn(job->arg, info, sizeof(info), &err);
	if (rc < 0 && !err.code)
		lx_error_code(&err, EIO, "failed without a message");
	memcpy(out, &rc, sizeof(rc));
	memcpy(out + sizeof(rc), &err, sizeof(err));
	memcpy(out + sizeof(rc) + sizeof(err), info, sizeof(info));
	while (off < sizeof(out)) {
		ssize_t w = write(wfd, out + off, sizeof(out) - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		off += w;
	}
	_exit(rc < 0 ? 1 : 0);
}

static int start_job(struct tk_job *job, int timeout_ms)
{
	int p[2];

	job->got = 0;
	job->rc = -1;
	job->timed_out = job->canceled = false;
	lx_error_clear(&job->err);
	job->info[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return lx_error_set(&job->err, errno, "pipe");
	fflush(NULL);
	job->child = fork();
	if (job->child < 0) {
		close(p[0]);
		close(p[1]);
		return lx_error_set(&job->err, errno, "fork");
	}
	if (job->child == 0) {
		close(p[0]);
		child_main(job, p[1]);
	}
	close(p[1]);
	job->fd = p[0];
	job->deadline_ms = lx_now_ms() + timeout_ms;
	return 0;
}

static void finish_job(struct tk_job *job, int timeout_ms)
{
	int status = 0;

	if (job->timed_out) {
		kill(job->child, SIGKILL);
		lx_error_code(&job->err, ETIMEDOUT, "timed out after %ds",
			      (timeout_ms + 999) / 1000);
		job->rc = -1;
	}
	while (waitpid(job->child, &status, 0) < 0 && errno == EINTR)
		;
	close(job->fd);
	job->fd = -1;
	if (job->timed_out)
		return;
	if (job->got == sizeof(job->buf)) {
		memcpy(&job->rc, job->buf, sizeof(int));
		memcpy(&job->err, job->buf + sizeof(int), sizeof(job->err));
		memcpy(job->info, job->buf + sizeof(int) + sizeof(job->err), sizeof(job->info));
		job->err.msg[sizeof(job->err.msg) - 1] = '\0';
		job->info[sizeof(job->info) - 1] = '\0';
		return;
	}
	job->rc = -1;
	if (WIFSIGNALED(status))
		lx_error_code(&job->err, EIO, "worker killed by signal %d", WTERMSIG(status));
	else
		lx_error_code(&job->err, EIO, "worker exited with status %d without a result",
			      WEXITSTATUS(status));
}

/* Kill a running job without waiting for it (see tk_run_jobs_until). */
static void cancel_job(struct tk_job *job)
{
	int status;

	kill(job->child, SIGKILL);
	waitpid(job->child, &status, WNOHANG);
	close(job->fd);
	job->fd = -1;
	job->rc = -1;
	job->canceled = true;
	lx_error_code(&job->err, ECANCELED, "canceled");
}

size_t tk_run_jobs(struct tk_job *jobs, size_t n, int width, int timeout_ms)
{
	return tk_run_jobs_until(jobs, n, width, timeout_ms, -1);
}

size_t tk_run_jobs_until(struct tk_job *jobs, size_t n, int width, int timeout_ms, int cancel_fd)
{
	size_t next = 0, running = 0, failed = 0;
	struct pollfd *pfd;
	size_t *idx;

	if (width < 1)
		width = 1;
	pfd = calloc(width + 1, sizeof(*pfd));
	idx = calloc(width, sizeof(*idx));
	if (!pfd || !idx) {
		free(pfd);
		free(idx);
		for (size_t i = 0; i < n; i++) {
			jobs[i].rc = -1;
			lx_error_set(&jobs[i].err, ENOMEM, "job pool");
		}
		return n;
	}
	for (size_t i = 0; i < n; i++)
		jobs[i].fd = -1;
	while (next < n || running > 0) {
		long long now, wait_ms = -1;
		size_t k = 0;

		while (next < n && running < (size_t)width) {
			if (start_job(&jobs[next], timeout_ms) < 0)
				failed++;
			else
				running++;
			next++;
		}
		now = lx_now_ms();
		for (size_t i = 0; i < next; i++) {
			struct tk_job *j = &jobs[i];

			if (j->fd < 0)
				continue;
			if (j->deadline_ms <= now) {
				j->timed_out = true;
				finish_job(j, timeout_ms);
				running--;
				failed++;
				continue;
			}
			if (wait_ms < 0 || j->deadline_ms - now < wait_ms)
				wait_ms = j->deadline_ms - now;
			pfd[k].fd = j->fd;
			pfd[k].events = POLLIN;
			idx[k++] = i;
		}
		if (k == 0)
			continue;
		pfd[k].fd = cancel_fd; /* a negative fd is ignored by poll */
		pfd[k].events = POLLIN;
		pfd[k].revents = 0;
		if (poll(pfd, k + 1, (int)wait_ms) < 0 && errno != EINTR)
			break;
		if (pfd[k].revents) {
			for (size_t i = 0; i < n; i++) {
				if (i < next && jobs[i].fd < 0)
					continue; /* finished (or never started) */
				if (i < next) {
					cancel_job(&jobs[i]);
				} else {
					jobs[i].rc = -1;
					jobs[i].canceled = true;
					lx_error_code(&jobs[i].err, ECANCELED, "canceled");
				}
				failed++;
			}
			break;
		}
		for (size_t m = 0; m < k; m++) {
			struct tk_job *j = &jobs[idx[m]];
			ssize_t r;

			if (!(pfd[m].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(j->fd, j->buf + j->got, sizeof(j->buf) - j->got);
			if (r > 0) {
				j->got += r;
				if (j->got < sizeof(j->buf))
					continue;
			} else if (r < 0 && errno == EINTR) {
				continue;
			}
			finish_job(j, timeout_ms);
			running--;
			if (j->rc < 0)
				failed++;
		}
	}
	free(pfd);
	free(idx);
	return failed;
}

int tk_run_child(tk_child_fn fn, void *arg, int timeout_ms, char *info, size_t infosz,
		 struct lx_error *err)
{
	struct tk_job job = {.fn = fn, .arg = arg};

	tk_run_jobs(&job, 1, 1, timeout_ms);
	if (info && infosz)
		snprintf(info, infosz, "%s", job.info);
	if (job.rc < 0 && err)
		*err = job.err;
	return job.rc;
}
