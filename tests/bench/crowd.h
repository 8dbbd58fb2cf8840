/* A crowd of container-like readers. Each container is a process cloned into a pid namespace
 * and a mount namespace of its own (CLONE_NEWPID | CLONE_NEWNS), living in its own test cgroup
 * (cgroups.h). Like a container whose engine bind-mounts a FUSE file into it (our OCI hook,
 * runc's binds for `docker run -v`), it binds the files it will read from inside its pid
 * namespace, onto private paths of its own mount namespace, and reads those (a daemon that
 * gives each container inodes of its own sees the lookup come from that container). Native
 * files (/proc, /sys) are read where they are.
 *
 * The readers stay alive for a whole run and take part in phases: in a rotation phase, S reader
 * slots run at once; the containers of a slot (c, c+S, c+2S, ...) take turns, passing a baton,
 * so every container of the crowd reads while only S read at any moment. In a hot phase, the
 * readers of container 0 (its init and the processes it forked: one pid namespace, one set of
 * cgroups) loop without turns. Each read is open + read to EOF + close of one path, timed into
 * a histogram per slot and path. */
#ifndef LXCFS_BENCH_CROWD_H
#define LXCFS_BENCH_CROWD_H

#include <stddef.h>
#include <stdint.h>

#include "cgroups.h"
#include "hist.h"
#include "common/error.h"

#define CROWD_MAX_PATHS 40
#define CROWD_PATH_LEN	256
#define CROWD_MAX_SLOTS 64
#define CROWD_MAX_BINDS 64
#define CROWD_MAX_HOT	8
#define CROWD_PROBE_LEN 16384

enum phase_mode {
	PHASE_TIME,   /* turns of turn_us, until `seconds` have passed */
	PHASE_ROUNDS, /* every container takes `rounds` turns of `turn_reads` reads */
	PHASE_HOT,    /* the first nslots readers of container 0 read until `seconds` have passed */
};

struct phase {
	enum phase_mode mode;
	unsigned npaths;
	const char *paths[CROWD_MAX_PATHS]; /* read in turn, one per read */
	unsigned nslots;		    /* readers at once */
	unsigned ncontainers;		    /* containers taking part: 0..ncontainers-1 */
	double seconds;			    /* PHASE_TIME, PHASE_HOT */
	unsigned turn_us;		    /* PHASE_TIME */
	unsigned rounds, turn_reads;	    /* PHASE_ROUNDS */
};

struct path_result {
	uint64_t reads, errors, bytes;
	struct hist hist;
};

struct phase_result {
	double wall_s;	       /* from the start signal to the last slot done */
	unsigned slots_done;   /* slots whose readers all finished */
	char first_error[256]; /* what the first failed read said */
	struct path_result path[CROWD_MAX_PATHS];
};

struct crowd_config {
	unsigned ncontainers;
	const char *cgroup_root, *cgroup_parent;
	unsigned hot; /* readers in container 0 (its init and hot - 1 processes it forks); >= 1 */
	/* files each container binds from inside its namespaces (and reads through the binds) */
	unsigned nbinds;
	const char *binds[CROWD_MAX_BINDS];
	const char *work_dir; /* where the empty directory the binds go under is made (/tmp) */
};

struct crowd;

/* Make the containers (cgroups under the parent, one reader process each, and the hot readers
 * of container 0), each with its binds made. */
int crowd_start(struct crowd **out, const struct crowd_config *cfg, struct lx_error *err);
/* Run one phase; fills res. Fails only when the phase cannot run (read errors are counted). */
int crowd_run(struct crowd *c, const struct phase *p, struct phase_result *res,
	      struct lx_error *err);

/* What container n saw when it bound file k (crowd_config.binds[k]): the inode number of its
 * bind (stat's st_ino), and the inode number of its pid namespace. */
uint64_t crowd_bind_ino(const struct crowd *c, unsigned n, unsigned k);
uint64_t crowd_pidns(const struct crowd *c, unsigned n);
/* Binds (mount(2)) that failed with ENOENT and were made again, and the containers they were
 * in (see make_binds in crowd.c). */
unsigned crowd_bind_retries(const struct crowd *c, unsigned *containers);

/* A probe of container 0: its init reads `path` once per crowd_probe_read (the bytes are copied
 * to buf), while `busy` other readers of container 0 (< hot) loop reading it until
 * crowd_probe_end. Between two reads the caller may change the container's limits. */
int crowd_probe_begin(struct crowd *c, const char *path, unsigned busy, struct lx_error *err);
/* Returns the length read (at most sz - 1; buf is NUL-terminated), or -1 with err. */
long crowd_probe_read(struct crowd *c, char *buf, size_t sz, struct lx_error *err);
int crowd_probe_end(struct crowd *c, struct lx_error *err);
/* Change the memory limit of container n. */
int crowd_set_mem_limit(struct crowd *c, unsigned n, uint64_t limit, struct lx_error *err);

/* Kill our readers (by pid), reap them, remove the cgroups and the bind directory. Safe to call
 * twice. Returns the number of cgroup directories left behind. */
unsigned crowd_stop(struct crowd *c);
void crowd_free(struct crowd *c);

/* Run fn(arg) once in a new container (pid namespace + cgroup c0 under PARENT); returns its exit
 * status, or -1 with err. */
int crowd_once(const char *cgroup_root, const char *parent, int (*fn)(void *), void *arg,
	       struct lx_error *err);

/* Memory limit of container n: 256 MiB + n MiB (distinct per container). */
uint64_t crowd_mem_limit(unsigned n);

/* Set by a SIGINT/SIGTERM handler: phases stop waiting and fail. */
extern volatile int crowd_interrupted;

#endif
