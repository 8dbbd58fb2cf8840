/* What an OCI runtime does for a seccomp listenerPath, and what a hostile client could do
 * instead, for the e2e tests: notify-send SOCKET ID MODE
 *   ok       install a filter notifying sysinfo, hand its descriptor over with the state of
 *            container ID (pid: ours), then call sysinfo: prints "totalram N" (bytes)
 *   garbage  the descriptor with a state that is not JSON
 *   nofd     a valid state without the descriptor
 *   twofd    the state with the descriptor twice
 *   notnotify  the state with a descriptor that is no seccomp notification (/dev/null)
 *   exec CMD...  as ok, then exec CMD (its sysinfo calls are served: glibc's sysconf,
 *            Python's os.sysconf)
 * In a pid namespace of its own (unshare -pf, the host's /proc kept) it is a container's init:
 * the state names its pid as the host sees it.
 * The hostile modes leave the connection open 1 s after sending, then close it. Built static. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/sysinfo.h>

#include "notify_send.h"

static int send2(int sock, const char *data, int fd)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)data, .iov_len = strlen(data)};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm;
	int fds[2] = {fd, fd};

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	return sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *sock, *id, *mode;
	char json[1024];
	struct sysinfo si;
	int fd, s, r = 0;

	if (argc > 4 && !strcmp(argv[3], "exec")) {
		fd = ns_install_filter();
		if (fd < 0 || ns_hand_over(argv[1], argv[2], ns_host_pid(), fd) < 0) {
			perror("notify-send");
			return 1;
		}
		close(fd);
		execvp(argv[4], argv + 4);
		perror("notify-send: exec");
		return 127;
	}
	if (argc != 4) {
		fprintf(
		    stderr,
		    "usage: notify-send SOCKET ID ok|garbage|nofd|twofd|notnotify|exec CMD...\n");
		return 2;
	}
	sock = argv[1];
	id = argv[2];
	mode = argv[3];
	if (!strcmp(mode, "ok")) {
		fd = ns_install_filter();
		if (fd < 0 || ns_hand_over(sock, id, ns_host_pid(), fd) < 0) {
			perror("notify-send");
			return 1;
		}
		close(fd);
		if (sysinfo(&si) != 0) {
			perror("sysinfo");
			return 1;
		}
		printf("totalram %llu\n", (unsigned long long)si.totalram * si.mem_unit);
		return 0;
	}
	fd = !strcmp(mode, "notnotify") ? open("/dev/null", O_RDONLY) : ns_install_filter();
	s = ns_connect(sock);
	if (fd < 0 || s < 0) {
		perror("notify-send");
		return 1;
	}
	ns_state_json(json, sizeof(json), id, getpid());
	if (!strcmp(mode, "garbage"))
		r = ns_send(s, "{\"ociVersion\": [garbage", 23, fd);
	else if (!strcmp(mode, "nofd"))
		r = ns_send(s, json, strlen(json), -1);
	else if (!strcmp(mode, "twofd"))
		r = send2(s, json, fd);
	else if (!strcmp(mode, "notnotify"))
		r = ns_send(s, json, strlen(json), fd);
	else
		return 2;
	if (r < 0) {
		perror("send");
		return 1;
	}
	sleep(1);
	close(s);
	return 0;
}
