/* A crowd of container-like readers: each is the init of its own pid namespace and lives in its
 * own test cgroup (cgroups.h). They stay alive for a whole run and take part in phases: in a
 * phase, S reader slots run at once; the containers of a slot (c, c+S, c+2S, ...) take turns,
 * passing a baton, so every container of the crowd reads while only S read at any moment. Each
 * read is open + read to EOF + close of one path, timed into a histogram per slot and path. */
#ifndef LXCFS_BENCH_CROWD_H
#define LXCFS_BENCH_CROWD_H

#include <stdint.h>

#include "cgroups.h"
#include "hist.h"
#include "common/error.h"

#define CROWD_MAX_PATHS 40
#define CROWD_PATH_LEN	256
#define CROWD_MAX_SLOTS 64

enum phase_mode {
	PHASE_TIME,   /* turns of turn_us, until `seconds` have passed */
	PHASE_ROUNDS, /* every container takes `rounds` turns of `turn_reads` reads */
};

struct phase {
	enum phase_mode mode;
	unsigned npaths;
	const char *paths[CROWD_MAX_PATHS]; /* read in turn, one per read */
	unsigned nslots;		    /* readers at once */
	unsigned ncontainers;		    /* containers taking part: 0..ncontainers-1 */
	double seconds;			    /* PHASE_TIME */
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

struct crowd;

/* Make n containers (cgroups under PARENT, one reader process each). */
int crowd_start(struct crowd **out, unsigned n, const char *cgroup_root, const char *parent,
		struct lx_error *err);
/* Run one phase; fills res. Fails only when the phase cannot run (read errors are counted). */
int crowd_run(struct crowd *c, const struct phase *p, struct phase_result *res,
	      struct lx_error *err);
/* Kill our readers (by pid), reap them, remove the cgroups. Safe to call twice. Returns the
 * number of cgroup directories left behind. */
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
