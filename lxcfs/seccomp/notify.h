/* The kernel's seccomp user notification (seccomp_unotify(2)), for the agent that answers a
 * container's sysinfo(2) (agent.h): receive a call, answer it with values written into the
 * caller's memory, or let it run for real.
 *
 * The caller's memory is written through /proc/TID/mem, opened once per thread and kept
 * (with a pidfd of that thread, so an entry is never used for another thread that got the
 * same id) in a small per-agent-thread cache: no file is opened per call. Every answer is
 * written only after SECCOMP_IOCTL_NOTIF_ID_VALID says the call still waits, which also makes
 * a just-opened /proc/TID/mem certainly the caller's (seccomp_unotify(2), "Caveats"). */
#ifndef LXCFS_SECCOMP_NOTIFY_H
#define LXCFS_SECCOMP_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One notification, as much of it as the agent needs. */
struct sc_call {
	uint64_t id;
	pid_t pid; /* the calling thread, in our pid namespace (0: not visible there) */
	uint32_t arch;
	int nr;
	uint64_t arg0;
};

/* The architecture and number of the calls the agent answers (sysinfo of this build's
 * architecture); 0 when the agent answers none here (every call runs for real). */
uint32_t sc_native_arch(void);
bool sc_is_sysinfo(const struct sc_call *c);

/* Is fd a seccomp notification descriptor (anon_inode:seccomp notify)? */
bool sc_is_notify_fd(int fd);
/* Ask the kernel to switch to the receiver on the caller's CPU (Linux 6.6); 0, or -1 with
 * errno (EINVAL: an older kernel, nothing lost but some latency). */
int sc_set_sync_wakeup(int fd);
/* Receive one call (-1 with errno: EINTR, ENOENT when the caller went away first). */
int sc_recv(int fd, struct sc_call *c);
/* Does call id still wait for its answer? */
bool sc_id_valid(int fd, uint64_t id);
/* Answer: return val to the caller / let the call run in the kernel as without us. -1 with
 * errno (ENOENT: the caller no longer waits). */
int sc_reply(int fd, uint64_t id, long val);
int sc_continue(int fd, uint64_t id);

/* /proc/TID/mem descriptors kept by one agent thread (not shared). */
#define SC_MEMW_ENTRIES 4
struct sc_memw {
	struct {
		pid_t tid; /* 0: free */
		int pidfd, memfd;
		unsigned use;
		uint64_t pidns; /* the thread's pid namespace (fixed for its life), 0: unknown */
	} e[SC_MEMW_ENTRIES];
	unsigned tick;
	pid_t live; /* an entry sc_memw_pidns found alive for the call being handled, 0: none */
	bool no_thread_pidfd; /* kernel before 6.9: nothing kept, opened per call */
};
void sc_memw_init(struct sc_memw *w);
void sc_memw_clear(struct sc_memw *w);
/* Write len bytes of buf at the caller's c->arg0, once ID_VALID says c still waits on nfd.
 * 0; -1 with errno: ENOENT (the call is gone: answer nothing), else it could not be written
 * (a bad pointer, a thread gone: let the call run, the kernel says what it says). */
int sc_memw_write(struct sc_memw *w, int nfd, const struct sc_call *c, const void *buf, size_t len);
/* The pid namespace noted for thread tid while it lives (its entry's pidfd says it is the same
 * thread), 0 when none is; sc_memw_note_pidns notes one, read before the call's ID_VALID (then
 * certainly the caller's), on tid's entry if there is one. Called after the call's receive,
 * sc_memw_pidns's check that the entry's thread lives holds for the sc_memw_write of the same
 * call (if its ID_VALID then says the caller still waits, the caller lived all along, and a
 * live thread of its id then was the caller): that write does not check again. */
uint64_t sc_memw_pidns(struct sc_memw *w, pid_t tid);
void sc_memw_note_pidns(struct sc_memw *w, pid_t tid, uint64_t ns);

#endif
