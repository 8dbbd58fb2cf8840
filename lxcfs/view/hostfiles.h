/* The host files the served files are made from (common/served.h), read for the view.
 *
 * The ones the kernel takes long to make (/proc/cpuinfo ~35 us here: it samples every CPU's
 * frequency; meminfo, stat, diskstats ~10 us) are read at most every 10 ms, into one copy shared
 * by every worker thread whose counters never go backwards (hostsnap.h). The others cost the
 * kernel 1-3 us and are read afresh, through an fd each worker thread keeps. */
#ifndef LXCFS_VIEW_HOSTFILES_H
#define LXCFS_VIEW_HOSTFILES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/served.h"
#include "common/strbuf.h"

/* The shared copies: made at start, freed at exit (no reader may be left). */
int host_files_open(struct lx_error *err);
void host_files_close(void);

/* Append the host file f is made from to sb. */
int host_file_read(enum lx_file f, struct strbuf *sb, struct lx_error *err);

/* Whether this host's kernel has the file f is made from (/proc/pressure/ and /proc/slabinfo
 * depend on its configuration and boot options; the others are always there). */
bool host_file_exists(enum lx_file f);

/* Length of the host file f is made from, read now. */
int host_file_size(enum lx_file f, size_t *size);

#endif
