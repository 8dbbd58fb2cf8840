/* Latency histogram; see hist.h. */
#include "hist.h"

#include <math.h>

unsigned hist_bucket(uint64_t ns)
{
	unsigned e, b;

	if (ns < HIST_SUB)
		return (unsigned)ns;
	e = 63 - (unsigned)__builtin_clzll(ns); /* ns in [2^e, 2^(e+1)), e >= HIST_SUB_BITS */
	b = (e - HIST_SUB_BITS + 1) * HIST_SUB +
	    (unsigned)((ns >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
	return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

uint64_t hist_bucket_low(unsigned b)
{
	unsigned e;

	if (b < HIST_SUB)
		return b;
	e = b / HIST_SUB + HIST_SUB_BITS - 1;
	return (uint64_t)(HIST_SUB + b % HIST_SUB) << (e - HIST_SUB_BITS);
}

uint64_t hist_bucket_width(unsigned b)
{
	if (b < HIST_SUB)
		return 1;
	return 1ull << (b / HIST_SUB - 1);
}

void hist_record(struct hist *h, uint64_t ns)
{
	h->count[hist_bucket(ns)]++;
	h->total++;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		dst->count[i] += src->count[i];
	dst->total += src->total;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->total)
		return 0;
	rank = (uint64_t)ceil(q * (double)h->total);
	if (rank < 1)
		rank = 1;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += h->count[b];
		if (seen >= rank)
			return hist_bucket_low(b) + hist_bucket_width(b) / 2;
	}
	return hist_bucket_low(HIST_BUCKETS - 1);
}
