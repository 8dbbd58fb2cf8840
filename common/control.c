#include "control.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"

#define DEFAULT_MOUNTPOINT "/var/lib/lxcfs"

int lx_canon_mountpoint(const char *in, char *out, size_t size, struct lx_error *err)
{
	char parent[PATH_MAX], resolved[PATH_MAX], *slash;
	size_t n = strlen(in);
	int r;

	if (n == 0 || n >= sizeof(parent) || in[0] != '/')
		return lx_error_code(err, EINVAL, "mount point `%s`: not an absolute path", in);
	memcpy(parent, in, n + 1);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = '\0';
	if (n == 1)
		return lx_error_code(err, EINVAL, "`/` cannot be the mount point");
	slash = strrchr(parent, '/');
	*slash = '\0';
	if (!realpath(parent[0] ? parent : "/", resolved))
		snprintf(resolved, sizeof(resolved), "%s", parent[0] ? parent : "/");
	r = snprintf(out, size, "%s/%s", strcmp(resolved, "/") ? resolved : "", slash + 1);
	if (r < 0 || (size_t)r >= size)
		return lx_error_code(err, ENAMETOOLONG, "mount point `%s`: too long", in);
	return 0;
}

int lx_control_path(const char *runtime_dir, const char *mountpoint, char *buf, size_t size,
		    struct lx_error *err)
{
	char mp[PATH_MAX];
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	int n;

	if (lx_canon_mountpoint(mountpoint, mp, sizeof(mp), err) < 0)
		return -1;
	if (!strcmp(mp, DEFAULT_MOUNTPOINT)) {
		n = snprintf(buf, size, "%s/lxcfs.sock", runtime_dir);
	} else {
		for (const char *p = mp; *p; p++) {
			h ^= (unsigned char)*p;
			h *= 0x100000001b3ULL;
		}
		n = snprintf(buf, size, "%s/lxcfs-%016llx.sock", runtime_dir,
			     (unsigned long long)h);
	}
	if (n < 0 || (size_t)n >= size || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return lx_error_code(err, ENAMETOOLONG, "runtime directory `%s`: too long",
				     runtime_dir);
	return 0;
}

int lx_msg_send(int fd, const char *text, const int *fds, int nfds)
{
	struct iovec iov = {.iov_base = (void *)text, .iov_len = strlen(text)};
	union {
		char buf[CMSG_SPACE(sizeof(int) * LX_CONTROL_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (nfds > LX_CONTROL_FDS_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -1 : 0;
}

int lx_msg_send_wait(int fd, const char *text, const int *fds, int nfds, int timeout_ms)
{
	int64_t deadline = lx_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int64_t left;

		if (lx_msg_send(fd, text, fds, nfds) == 0)
			return 0;
		if (errno != EAGAIN)
			return -1;
		left = deadline - lx_now_ms();
		if (left <= 0)
			return -1;
		poll(&p, 1, (int)(left > 100 ? 100 : left));
	}
}

ssize_t lx_msg_recv(int fd, char *buf, size_t size, int *fds, int *nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * LX_CONTROL_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	int want = nfds ? *nfds : 0, got = 0;

	for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL; cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int *in = (int *)CMSG_DATA(cm);

		for (int i = 0; i < k; i++) {
			if (fds && got < want)
				fds[got++] = in[i];
			else
				close(in[i]);
		}
	}
	if (nfds)
		*nfds = got;
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

bool lx_msg_get(const char *msg, const char *key, char *out, size_t size)
{
	size_t kl = strlen(key);

	for (const char *p = msg; (p = strstr(p, key)); p += kl) {
		size_t n;

		if ((p != msg && p[-1] != ' ') || p[kl] != '=')
			continue;
		p += kl + 1;
		n = strcspn(p, " ");
		if (n >= size)
			n = size - 1;
		memcpy(out, p, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

int lx_control_connect(const char *path, struct lx_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return lx_error_code(err, ENAMETOOLONG, "control socket `%s`: too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return lx_error_set(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return lx_error_set(err, e, "connect to the daemon's control socket `%s`", path);
	}
	return fd;
}

int lx_control_ask(int fd, const char *req, char *reply, size_t size, int *fds, int *nfds,
		   int timeout_ms, struct lx_error *err)
{
	int64_t deadline = lx_now_ms() + timeout_ms;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (lx_msg_send(fd, req, NULL, 0) < 0)
		return lx_error_set(err, errno, "send `%s` to the daemon", req);
	for (;;) {
		int64_t left = deadline - lx_now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return lx_error_code(err, ETIMEDOUT,
					     "the daemon did not answer `%s` within "
					     "%d ms",
					     req, timeout_ms);
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		n = lx_msg_recv(fd, reply, size, fds, nfds);
		if (n > 0)
			return 0;
		if (n == 0)
			return lx_error_code(err, ECONNRESET,
					     "the daemon closed the control socket");
		if (errno != EAGAIN && errno != EINTR)
			return lx_error_set(err, errno, "read the daemon's answer to `%s`", req);
	}
}
