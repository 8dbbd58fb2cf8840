/* FUSE settings that the benchmark's floor (tests/bench/floor.c) must share with the daemon:
 * the floor is only a floor if it runs with the same ones. */
#ifndef LXCFS_FUSE_PARAMS_H
#define LXCFS_FUSE_PARAMS_H

/* entry and attribute timeout, seconds: the tree never changes */
#define LX_TIMEOUT 86400.0
/* worker threads of the multi-threaded loop, all kept when idle (see main.c) */
#define LX_MAX_THREADS 16

#endif
