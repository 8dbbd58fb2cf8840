/* Open-file snapshots. The kernel gets an opaque 64-bit id, never a pointer: an id this
 * process does not know (a connection taken over from another daemon) is simply a fresh
 * open. The table is sharded so readers of different files rarely share a lock. */
#ifndef LXCFS_HANDLES_H
#define LXCFS_HANDLES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuse/nodeid.h"

struct lx_handle {
	uint64_t id;
	unsigned node;	      /* enum lx_node_id */
	pthread_mutex_t lock; /* guards the snapshot below */
	bool ready;	      /* data/len hold the file made at the first read */
	bool served;	      /* a read was answered from it (a read at 0 then makes it again) */
	bool host_only;	      /* serve the host's file (a request that killed daemons before) */
	char *data;
	size_t len;
	int refs; /* the table's + one per request in flight (atomic) */
	struct lx_handle *next;
};

struct lx_handles;

struct lx_handles *handles_new(void);
void handles_free(struct lx_handles *t);
/* A new handle for node, its id an LX_FH_DIRECT handle of epoch; NULL on ENOMEM. */
struct lx_handle *handles_open(struct lx_handles *t, unsigned node, uint16_t epoch);
/* The same with its id of kind (LX_FH_DIRECT or LX_FH_PSI). */
struct lx_handle *handles_open_kind(struct lx_handles *t, unsigned node, uint16_t epoch,
				    enum lx_fh_kind kind);
/* The handle for id, creating one (for node) when this process never saw the id, with a
 * reference for the caller: drop it with handles_put once the reply is sent. A release
 * can come while a reply is still being written (the reader was interrupted). */
struct lx_handle *handles_get(struct lx_handles *t, uint64_t id, unsigned node);
void handles_put(struct lx_handle *h);
/* Forget id; its memory goes with the last reference. False when id was not known. */
bool handles_release(struct lx_handles *t, uint64_t id);
size_t handles_count(struct lx_handles *t);

#endif
