/* One shared, recent copy of a host file (/proc/stat, /proc/cpuinfo, ...) for every worker
 * thread: the kernel makes the text at most once per ttl_ms however many containers read.
 *
 * What a reader gets is the newest copy published, never one older than a copy served before
 * it to anyone (a single copy is published at a time, each read after the one it replaces):
 * counters in it never go backwards from one read to the next, whichever threads serve them.
 * Readers take no lock: two buffers, each with an atomic count of the readers copying out of
 * it; the one thread refreshing writes the buffer nobody is reading, then publishes it. */
#ifndef LXCFS_HOSTSNAP_H
#define LXCFS_HOSTSNAP_H

#include "common/error.h"
#include "common/strbuf.h"

struct host_snap;

/* A snapshot of path, refreshed when older than ttl_ms. NULL (errno set) on failure. */
struct host_snap *host_snap_new(const char *path, unsigned ttl_ms);
void host_snap_free(struct host_snap *s);

/* Append the file's text, at most about ttl_ms old, to sb. -1 with err set when the file
 * cannot be read (sb unchanged). */
int host_snap_read(struct host_snap *s, struct strbuf *sb, struct lx_error *err);

#endif
