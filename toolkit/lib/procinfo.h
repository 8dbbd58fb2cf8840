/* Facts about a host process read from /proc: liveness, start time, mount namespace. */
#ifndef TK_PROCINFO_H
#define TK_PROCINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* Start time of pid in clock ticks since boot (field 22 of /proc/PID/stat). */
int tk_pid_starttime(pid_t pid, uint64_t *out, struct lx_error *err);

/* Parse the start time out of the text of a /proc/PID/stat file (comm may hold spaces
 * and parentheses). */
int tk_parse_stat_starttime(const char *text, uint64_t *out);

/* Inode of /proc/PID/ns/mnt. */
int tk_pid_mntns(pid_t pid, uint64_t *out, struct lx_error *err);

/* pid exists and, when starttime != 0, started at that time (so it is not a reused pid). */
bool tk_pid_matches(pid_t pid, uint64_t starttime);

/* pid exists and is not a zombie (a killed daemon may wait for its reaper). */
bool tk_pid_running(pid_t pid);

/* Parse a positive pid from a decimal string. */
int tk_parse_pid(const char *s, pid_t *out);

#endif
