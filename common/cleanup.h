/* Cleanup attributes: resources are released on every return path. */
#ifndef COMMON_CLEANUP_H
#define COMMON_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void cleanup_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define __free	   __attribute__((cleanup(cleanup_freep)))
#define __close	   __attribute__((cleanup(cleanup_closep)))
#define __fclose   __attribute__((cleanup(cleanup_fclosep)))
#define __closedir __attribute__((cleanup(cleanup_closedirp)))

/* Hand ownership to the caller: return the value and disarm the cleanup. */
#define steal_ptr(p)                                                                               \
	({                                                                                         \
		__typeof__(p) _tmp = (p);                                                          \
		(p) = NULL;                                                                        \
		_tmp;                                                                              \
	})
#define steal_fd(fd)                                                                               \
	({                                                                                         \
		int _tmp = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_tmp;                                                                              \
	})

#endif
