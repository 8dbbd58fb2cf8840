/* Latency histogram: log-linear buckets (32 per power of two, about 3% wide), counts only,
 * so recording is one increment and histograms of many readers merge by addition. */
#ifndef LXCFS_BENCH_HIST_H
#define LXCFS_BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 5
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_BUCKETS  (HIST_SUB * 40) /* up to 2^44 ns, hours */

struct hist {
	uint64_t total;
	uint32_t count[HIST_BUCKETS];
};

void hist_record(struct hist *h, uint64_t ns);
void hist_merge(struct hist *dst, const struct hist *src);
/* The q-quantile (0 < q <= 1) in ns: the middle of the bucket holding it; 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);
/* Bucket index of a value, and the lowest value and the width of a bucket. */
unsigned hist_bucket(uint64_t ns);
uint64_t hist_bucket_low(unsigned b);
uint64_t hist_bucket_width(unsigned b);

#endif
