#include "seccomp/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64) /* Linux 6.6 */
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1UL
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9: a pidfd of one thread */
#endif

uint32_t sc_native_arch(void)
{
#if defined(__x86_64__)
	return AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
	return AUDIT_ARCH_AARCH64;
#else
	return 0; /* struct sysinfo's layout is not known here: every call runs for real */
#endif
}

bool sc_is_sysinfo(const struct sc_call *c)
{
	/* x32's sysinfo has the x86-64 audit arch with __X32_SYSCALL_BIT set in nr: not ours, so
	 * it runs for real, as do other architectures' (compat struct layouts) */
	return sc_native_arch() && c->arch == sc_native_arch() && c->nr == __NR_sysinfo;
}

bool sc_is_notify_fd(int fd)
{
	static const char want[] = "anon_inode:seccomp notify";
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return strcmp(link, want) == 0;
}

int sc_set_sync_wakeup(int fd)
{
	/* the flags are the argument itself, not a pointer */
	return ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0 ? -1
												: 0;
}

int sc_recv(int fd, struct sc_call *c)
{
	struct seccomp_notif n;

	memset(&n, 0, sizeof(n)); /* the kernel wants it zeroed */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0)
		return -1;
	c->id = n.id;
	c->pid = (pid_t)n.pid;
	c->arch = n.data.arch;
	c->nr = n.data.nr;
	c->arg0 = n.data.args[0];
	return 0;
}

bool sc_id_valid(int fd, uint64_t id)
{
	__u64 v = id;

	return ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &v) == 0;
}

static int send_resp(int fd, uint64_t id, long val, uint32_t flags)
{
	struct seccomp_notif_resp r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.val = val;
	r.flags = flags;
	return ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &r) < 0 ? -1 : 0;
}

int sc_reply(int fd, uint64_t id, long val)
{
	return send_resp(fd, id, val, 0);
}

int sc_continue(int fd, uint64_t id)
{
	return send_resp(fd, id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}

/* ---------------------------------------------------------------- the caller's memory */

void sc_memw_init(struct sc_memw *w)
{
	memset(w, 0, sizeof(*w));
	for (int i = 0; i < SC_MEMW_ENTRIES; i++)
		w->e[i].pidfd = w->e[i].memfd = -1;
}

static void drop(struct sc_memw *w, int i)
{
	if (w->e[i].pidfd >= 0)
		close(w->e[i].pidfd);
	if (w->e[i].memfd >= 0)
		close(w->e[i].memfd);
	w->e[i].tid = 0;
	w->e[i].pidfd = w->e[i].memfd = -1;
	w->e[i].pidns = 0;
}

void sc_memw_clear(struct sc_memw *w)
{
	for (int i = 0; i < SC_MEMW_ENTRIES; i++)
		drop(w, i);
}

/* Has the thread of this pidfd exited (then its id may be another thread's)? */
static bool thread_exited(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	return poll(&p, 1, 0) != 0;
}

/* The kept entry of tid, or -1. */
static int find(struct sc_memw *w, pid_t tid)
{
	bool checked = w->live == tid;

	w->live = 0;
	for (int i = 0; i < SC_MEMW_ENTRIES; i++) {
		if (w->e[i].tid != tid)
			continue;
		if (checked || !thread_exited(w->e[i].pidfd))
			return i;
		drop(w, i);
		return -1;
	}
	return -1;
}

/* Open /proc/TID/mem and, to keep it, a pidfd of the thread: into an entry (the least
 * recently used), or returned as *once when nothing can be kept. */
static int open_mem(struct sc_memw *w, pid_t tid, int *once)
{
	char path[64];
	int memfd, pidfd = -1, lru = 0;

	*once = -1;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	memfd = open(path, O_RDWR | O_CLOEXEC);
	if (memfd < 0)
		return -1;
	if (!w->no_thread_pidfd) {
		pidfd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
		if (pidfd < 0 && errno == EINVAL)
			w->no_thread_pidfd = true;
	}
	if (pidfd < 0) {
		*once = memfd;
		return -1;
	}
	for (int i = 1; i < SC_MEMW_ENTRIES; i++)
		if (w->e[i].use < w->e[lru].use)
			lru = i;
	drop(w, lru);
	w->e[lru].tid = tid;
	w->e[lru].pidfd = pidfd;
	w->e[lru].memfd = memfd;
	return lru;
}

int sc_memw_write(struct sc_memw *w, int nfd, const struct sc_call *c, const void *buf, size_t len)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int i = attempt == 0 ? find(w, c->pid) : -1, once = -1, fd;
		bool fresh = i < 0;
		ssize_t n;

		if (c->pid <= 0) {
			errno = ESRCH;
			return -1;
		}
		if (fresh && (i = open_mem(w, c->pid, &once)) < 0 && once < 0)
			return -1;
		fd = i >= 0 ? w->e[i].memfd : once;
		/* after the open: the file is the caller's only if the call still waits now */
		if (!sc_id_valid(nfd, c->id)) {
			if (once >= 0)
				close(once);
			errno = ENOENT;
			return -1;
		}
		n = pwrite(fd, buf, len, (off_t)c->arg0);
		if (once >= 0)
			close(once);
		if (n == (ssize_t)len) {
			if (i >= 0)
				w->e[i].use = ++w->tick;
			return 0;
		}
		if (i >= 0)
			drop(w, i);
		if (fresh) { /* a pointer the caller cannot write to itself */
			errno = n < 0 ? errno : EFAULT;
			return -1;
		}
		/* a kept file whose memory is gone (the process exec'd): once more, opened now */
	}
	errno = EFAULT;
	return -1;
}

uint64_t sc_memw_pidns(struct sc_memw *w, pid_t tid)
{
	int i = tid > 0 ? find(w, tid) : -1;

	if (i < 0)
		return 0;
	w->live = tid; /* for this call's sc_memw_write */
	return w->e[i].pidns;
}

void sc_memw_note_pidns(struct sc_memw *w, pid_t tid, uint64_t ns)
{
	for (int i = 0; tid > 0 && i < SC_MEMW_ENTRIES; i++)
		if (w->e[i].tid == tid)
			w->e[i].pidns = ns;
}
