/* Which files the targets have, the binds the containers make of them, and what the binds show
 * (see bench.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

int bench_files_init(const struct opts *o, struct bench_files *bf, struct crowd_config *cfg,
		     int quiet)
{
	memset(bf, 0, sizeof(*bf));
	cfg->nbinds = 0;
	for (unsigned f = 0; f < o->nfiles; f++) {
		for (unsigned t = 0; t < o->ntargets; t++) {
			char path[CROWD_PATH_LEN];

			bf->bind[f][t] = -1;
			target_path(&o->target[t], o->file[f], path, sizeof(path));
			bf->absent[f][t] = access(path, F_OK) != 0;
			if (bf->absent[f][t]) {
				if (!quiet)
					printf("note: %s has no %s: n/a in the tables\n",
					       o->target[t].name, o->file[f]);
				continue;
			}
			if (strcmp(o->target[t].name, T_NATIVE) == 0)
				continue;
			if (cfg->nbinds == CROWD_MAX_BINDS) {
				fprintf(stderr, "lxcfs-bench: more than %d files to bind\n",
					CROWD_MAX_BINDS);
				return -1;
			}
			snprintf(bf->paths[cfg->nbinds], CROWD_PATH_LEN, "%s", path);
			cfg->binds[cfg->nbinds] = bf->paths[cfg->nbinds];
			bf->bind[f][t] = (int)cfg->nbinds++;
		}
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Targets whose daemon gives each container inodes of its own, numbered by its pid namespace
 * (nodeid.h: the pid namespace's inode number in the high 32 bits). */
static int per_container(const char *name)
{
	return strcmp(name, T_OURS) == 0 || strcmp(name, T_FLOOR_PC) == 0;
}

int bench_check_binds(const struct opts *o, const struct bench_files *bf, struct crowd *cr,
		      unsigned containers)
{
	uint64_t *inos = calloc(containers, sizeof(*inos));
	unsigned nbinds = 0, bad_targets = 0, retries, retried;
	const char *sep;
	int ret = 0;

	if (!inos)
		return -1;
	for (unsigned f = 0; f < o->nfiles; f++)
		for (unsigned t = 0; t < o->ntargets; t++)
			nbinds += bf->bind[f][t] >= 0;
	printf(
	    "binds: each of the %u containers bound %u files from inside its pid namespace, onto "
	    "paths of its own mount namespace, and reads them there (native: /proc and /sys)\n",
	    containers, nbinds);
	retries = crowd_bind_retries(cr, &retried);
	if (retries)
		printf(
		    "  %u binds in %u containers failed with ENOENT and were made again: another "
		    "container's lookup of the same name dropped the dentry mount(2) was "
		    "binding\n",
		    retries, retried);
	printf("  inodes the binds show, over the containers (distinct st_ino per file):");
	sep = "";
	for (unsigned t = 0; t < o->ntargets; t++) {
		unsigned files = 0, min_distinct = ~0u, max_distinct = 0, naming = 0, all = 0;

		for (unsigned f = 0; f < o->nfiles; f++) {
			int k = bf->bind[f][t];
			unsigned distinct = 0;

			if (k < 0)
				continue;
			files++;
			for (unsigned c = 0; c < containers; c++) {
				inos[c] = crowd_bind_ino(cr, c, (unsigned)k);
				all++;
				naming += (uint32_t)(inos[c] >> 32) == (uint32_t)crowd_pidns(cr, c);
			}
			qsort(inos, containers, sizeof(*inos), cmp_u64);
			for (unsigned c = 0; c < containers; c++)
				distinct += c == 0 || inos[c] != inos[c - 1];
			min_distinct = distinct < min_distinct ? distinct : min_distinct;
			max_distinct = distinct > max_distinct ? distinct : max_distinct;
		}
		if (!files)
			continue;
		if (min_distinct == max_distinct)
			printf("%s %s %u", sep, o->target[t].name, min_distinct);
		else
			printf("%s %s %u-%u", sep, o->target[t].name, min_distinct, max_distinct);
		sep = ";";
		if (per_container(o->target[t].name)) {
			int ok = min_distinct == containers && naming == all;

			printf(" (%s%u/%u naming the container's pid namespace)",
			       ok ? "" : "NOT OWN INODES: ", naming, all);
			if (!ok)
				bad_targets++;
		}
	}
	printf("\n");
	if (bad_targets) {
		printf("ERROR: a daemon that gives each container inodes of its own did not: the "
		       "binds "
		       "were not made from inside the containers' pid namespaces, or the daemon "
		       "ignored it\n");
		ret = -1;
	}
	free(inos);
	return ret;
}
