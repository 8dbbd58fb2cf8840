/* A locked pidfile: a second process started on the same pidfile is refused, and whoever
 * reads it learns the pid of the one that runs. */
#ifndef COMMON_PIDFILE_H
#define COMMON_PIDFILE_H

#include <sys/types.h>

#include "error.h"

/* Open and lock path; returns the fd, to keep open (and so locked) for the process's life, or
 * -1. When another process holds the lock: EWOULDBLOCK, "another WHO (pid N) holds the
 * pidfile `path`". */
int pidfile_lock(const char *path, const char *who, struct lx_error *err);
/* Write pid into the pidfile fd locks (replacing what was there). */
int pidfile_write(int fd, pid_t pid, struct lx_error *err);
/* The pid a pidfile names; EINVAL when it holds none. */
int pidfile_read(const char *path, pid_t *pid, struct lx_error *err);

#endif
