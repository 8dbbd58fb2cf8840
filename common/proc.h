/* Small facts about processes read from /proc, without forking: the daemon's and the
 * toolkit's one implementation. */
#ifndef COMMON_PROC_H
#define COMMON_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Inode of /proc/PID/ns/pid and /proc/PID/ns/mnt (pid <= 0: this process). */
int proc_pidns_ino(pid_t pid, uint64_t *ino, struct lx_error *err);
int proc_mntns_ino(pid_t pid, uint64_t *ino, struct lx_error *err);
/* PPid and the innermost NSpid value of /proc/PID/status. */
int proc_status_ids(pid_t pid, pid_t *ppid, pid_t *inner_pid, struct lx_error *err);

/* The text of a /proc/PID/stat file: state (field 3, may be NULL) and starttime (field 22,
 * clock ticks after boot). comm (field 2) may hold spaces and parentheses: the fields after
 * it follow its last ')'. -1 with errno EINVAL unless the fields up to 22 are there, one
 * blank apart, and starttime is a decimal number. */
int proc_stat_parse(const char *text, uint64_t *start_ticks, char *state);
/* The same read from /proc/PID/stat; ESRCH when there is no such process. */
int proc_stat_start(pid_t pid, uint64_t *start_ticks, char *state, struct lx_error *err);

/* pid exists and, when start_ticks != 0, started then (so it is not a reused pid). */
bool proc_pid_matches(pid_t pid, uint64_t start_ticks);
/* pid exists and is not a zombie (a killed daemon may wait for its reaper). */
bool proc_pid_running(pid_t pid);

/* Pidfd helpers: a pidfd for pid (-1 on failure, errno set) and whether it still lives
 * (a zombie does not: it has exited, only its parent has not reaped it yet). */
int pidfd_open_pid(pid_t pid);
int pidfd_alive(int pidfd);

#endif
