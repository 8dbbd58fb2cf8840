/* What an OCI runtime does for a seccomp listenerPath, for tests and the benchmark: install a
 * filter that turns sysinfo(2) into a notification (SECCOMP_RET_USER_NOTIF), and send its
 * descriptor with a container process state (JSON) to a unix socket, as runc does. Header
 * only: the programs including it are built alone (static). */
#ifndef TESTS_TOOLS_NOTIFY_SEND_H
#define TESTS_TOOLS_NOTIFY_SEND_H

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

/* Our pid as the host sees it (what a runtime puts in the state): /proc/self of a /proc
 * mounted in the host's pid namespace, which an `unshare -pf` without --mount-proc keeps. */
static inline int ns_host_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	long v;

	if (n <= 0)
		return getpid();
	buf[n] = '\0';
	v = strtol(buf, NULL, 10);
	return v > 0 && v <= 0x7fffffff ? (int)v : getpid();
}

/* A filter notifying sysinfo and allowing everything else; returns the notification fd. */
static inline int ns_install_filter(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sysinfo, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			    &prog);
}

/* One message with an optional descriptor (fd < 0: none). */
static inline int ns_send(int sock, const void *data, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static inline int ns_recv_fd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char c;
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &m, 0) <= 0)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static inline int ns_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

/* runc's message: the container process state of container id, process pid. */
static inline int ns_state_json(char *buf, size_t size, const char *id, int pid)
{
	return snprintf(buf, size,
			"{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":%d,"
			"\"metadata\":\"\",\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"%s\","
			"\"status\":\"creating\",\"pid\":%d,\"bundle\":\"/nonexistent\"}}",
			pid, id, pid);
}

/* Connect to listener and send the state of (id, pid) with fd; 0 or -1 (errno). */
static inline int ns_hand_over(const char *listener, const char *id, int pid, int fd)
{
	char json[1024];
	int s = ns_connect(listener), r;

	if (s < 0)
		return -1;
	ns_state_json(json, sizeof(json), id, pid);
	r = ns_send(s, json, strlen(json), fd);
	close(s);
	return r;
}

#endif
