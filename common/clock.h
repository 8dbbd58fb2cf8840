/* The clocks the programs read: one place for each. */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds: for deadlines, ages and durations. */
int64_t lx_now_ms(void);

/* Time since boot (CLOCK_BOOTTIME, which counts suspend too), in nanoseconds. */
uint64_t lx_boottime_ns(void);

#endif
