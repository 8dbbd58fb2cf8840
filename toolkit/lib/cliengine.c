/* Engines reached through their command line: isula and runc (see engine.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "nsexec.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/strbuf.h"

#define CAPTURE_MAX (16u << 20)

bool tk_in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n > 0 &&
		    snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

int tk_run_capture(char *const argv[], int timeout_s, char **out, struct lx_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	long long deadline = lx_now_ms() + (long long)timeout_s * 1000;
	int p[2], status;
	bool timed_out = false, too_big = false;
	pid_t pid;

	*out = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return lx_error_set(err, errno, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return lx_error_set(err, errno, "fork");
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		setpgid(0, 0); /* so a timeout kills whatever it started too */

		dup2(p[1], STDOUT_FILENO);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		long long left = deadline - lx_now_ms();
		ssize_t n;

		if (left <= 0) {
			timed_out = true;
			break;
		}
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!pfd.revents)
			continue;
		if (sb_reserve(&sb, 65536) < 0) {
			too_big = true;
			break;
		}
		n = read(p[0], sb.buf + sb.len, sb.cap - sb.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sb.len += n;
		sb.buf[sb.len] = '\0';
		if (sb.len > CAPTURE_MAX) {
			too_big = true;
			break;
		}
	}
	close(p[0]);
	if (timed_out || too_big)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		sb_free(&sb);
		return lx_error_set(err, ETIMEDOUT, "`%s` did not finish within %ds", argv[0],
				    timeout_s);
	}
	if (too_big) {
		sb_free(&sb);
		return lx_error_set(err, EFBIG, "`%s`: output too large", argv[0]);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sb_free(&sb);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			return lx_error_set(err, ENOENT, "cannot run `%s`", argv[0]);
		return lx_error_code(err, EIO, "`%s` failed (status %d)", argv[0],
				     WIFEXITED(status) ? WEXITSTATUS(status)
						       : 128 + WTERMSIG(status));
	}
	*out = sb_steal(&sb);
	return *out ? 0 : lx_error_set(err, ENOMEM, "capture");
}

int tk_isula_containers(int timeout_s, struct tk_ctr_list *out, struct lx_error *err)
{
	char *ps_argv[] = {"isula", "ps", "-q", "--no-trunc", NULL};
	__free char *ids = NULL, *json = NULL;
	char **argv = NULL;
	size_t n = 0;
	int rc;

	if (tk_run_capture(ps_argv, timeout_s, &ids, err) < 0)
		return -1;
	/* isula inspect ID... prints a JSON array of Docker-style inspect objects */
	for (char *p = ids; *p; p++)
		if (*p == '\n')
			n++;
	argv = calloc(n + 3, sizeof(*argv));
	if (!argv)
		return lx_error_set(err, ENOMEM, "isula");
	argv[0] = "isula";
	argv[1] = "inspect";
	n = 2;
	for (char *save = NULL, *tok = strtok_r(ids, "\n", &save); tok;
	     tok = strtok_r(NULL, "\n", &save))
		if (*tok)
			argv[n++] = tok;
	if (n == 2) {
		free(argv);
		return 0;
	}
	rc = tk_run_capture(argv, timeout_s, &json, err);
	free(argv);
	if (rc < 0)
		return -1;
	if (tk_engine_parse_inspect_array(json, out, err) < 0)
		return lx_error_wrap(err, "isula");
	for (size_t i = 0; i < out->n; i++)
		if (!strcmp(out->v[i].source, "api"))
			out->v[i].source = "isula";
	return 0;
}

int tk_runc_containers(const char *root, int timeout_s, struct tk_ctr_list *out,
		       struct lx_error *err)
{
	char *argv[] = {"runc", "--root", (char *)root, "list", "--format", "json", NULL};
	__free char *json = NULL;

	if (tk_run_capture(argv, timeout_s, &json, err) < 0)
		return -1;
	return tk_runc_parse_list(json, out, err);
}
