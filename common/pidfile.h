/* A locked pidfile: a second daemon with the same pidfile is refused. */
#ifndef COMMON_PIDFILE_H
#define COMMON_PIDFILE_H

#include <sys/types.h>

#include "error.h"

/* Open and lock path; returns the fd (kept open for the daemon's life) or -1. */
int pidfile_lock(const char *path, struct lx_error *err);
int pidfile_write(int fd, pid_t pid, struct lx_error *err);

#endif
