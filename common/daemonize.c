#include "daemonize.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The word on the pipe: '1' or '0', then the message, in one write. */
pid_t lx_background(int *tell_fd, struct lx_bg_word *word, struct lx_error *err)
{
	char buf[LX_ERR_MSG_MAX + 1];
	size_t got;
	ssize_t n;
	int p[2];
	pid_t pid;

	memset(word, 0, sizeof(*word));
	if (pipe2(p, O_CLOEXEC) < 0)
		return lx_error_set(err, errno, "pipe");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		lx_error_set(err, errno, "fork");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		*tell_fd = p[1];
		setsid();
		return 0;
	}
	close(p[1]);
	/* one write (below PIPE_BUF) is one read: no need to wait for the end of the pipe, which
	 * a child of the child may still hold */
	do
		n = read(p[0], buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n > 0) {
		got = (size_t)n;
		word->told = true;
		word->ok = buf[0] == '1';
		snprintf(word->msg, sizeof(word->msg), "%.*s", (int)(got - 1), buf + 1);
	}
	return pid;
}

void lx_bg_tell(int *tell_fd, bool ok, const char *msg)
{
	char buf[LX_ERR_MSG_MAX + 1];
	int n;

	if (*tell_fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%c%s", ok ? '1' : '0', msg ? msg : "");
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	if (write(*tell_fd, buf, (size_t)n) < 0) {
		/* the parent is gone: nothing to tell */
	}
	close(*tell_fd);
	*tell_fd = -1;
}

void lx_bg_detach_stdio(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return;
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	if (null > STDERR_FILENO)
		close(null);
}
