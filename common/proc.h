/* Small facts about processes read from /proc, without forking. */
#ifndef COMMON_PROC_H
#define COMMON_PROC_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Inode of /proc/PID/ns/pid (pid <= 0: this process). */
int proc_pidns_ino(pid_t pid, uint64_t *ino, struct lx_error *err);
/* PPid and the innermost NSpid value of /proc/PID/status. */
int proc_status_ids(pid_t pid, pid_t *ppid, pid_t *inner_pid, struct lx_error *err);
/* starttime (field 22, clock ticks after boot) and state (field 3) of /proc/PID/stat. */
int proc_stat_start(pid_t pid, uint64_t *start_ticks, char *state, struct lx_error *err);

/* Pidfd helpers: a pidfd for pid (-1 on failure, errno set) and whether it still lives. */
int pidfd_open_pid(pid_t pid);
int pidfd_alive(int pidfd);

#endif
