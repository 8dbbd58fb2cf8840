/* A set of CPU numbers, parsed from and printed as kernel list syntax ("0-3,7,9-10"). */
#ifndef LXCFS_CPUSET_H
#define LXCFS_CPUSET_H

#include <stdbool.h>
#include <stdint.h>

#include "common/strbuf.h"

#define CPUSET_MAX   4096
#define CPUSET_WORDS (CPUSET_MAX / 64)

struct cpuset {
	uint64_t bits[CPUSET_WORDS];
};

void cpuset_clear(struct cpuset *s);
void cpuset_set(struct cpuset *s, unsigned cpu);
bool cpuset_has(const struct cpuset *s, unsigned cpu);
unsigned cpuset_count(const struct cpuset *s);
/* The n-th (0-based) CPU of the set, or -1. */
int cpuset_nth(const struct cpuset *s, unsigned n);
/* Parse "0-3,7,9-10\n" (blank string = empty set). Returns 0, or -1 with errno EINVAL. */
int cpuset_parse(const char *text, struct cpuset *out);
/* Append kernel range syntax, without a newline ("" for an empty set). */
int cpuset_format(const struct cpuset *s, struct strbuf *sb);
/* Keep only the first n CPUs of the set (for the CFS quota limit). */
void cpuset_truncate(struct cpuset *s, unsigned n);
void cpuset_and(struct cpuset *dst, const struct cpuset *other);

#endif
