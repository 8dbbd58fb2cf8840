/* The clocks the programs read: one place for each. */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in milliseconds: for deadlines, ages and durations. */
int64_t lx_now_ms(void);

/* CLOCK_REALTIME ms milliseconds from now: the deadline pthread_cond_timedwait takes. */
struct timespec lx_realtime_in(int64_t ms);

/* Time since boot (CLOCK_BOOTTIME, which counts suspend too), in nanoseconds. */
uint64_t lx_boottime_ns(void);

#endif
