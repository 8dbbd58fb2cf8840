/* `lxcfs-bench selftest`: the histogram arithmetic the tables rest on, checked against values
 * worked out by hand. Exit 0 when every check holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int failures;

static void check(int ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	failures += !ok;
}

/* |got - want| <= tol * want */
static int near(double got, double want, double tol)
{
	return got >= want * (1 - tol) && got <= want * (1 + tol);
}

int cmd_selftest(void)
{
	struct hist *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	int contiguous = 1, contains = 1;

	if (!a || !b)
		return 1;
	/* buckets tile the line: each starts where the previous ends, and holds its values */
	for (unsigned i = 0; i + 1 < HIST_BUCKETS; i++)
		contiguous &= hist_bucket_low(i) + hist_bucket_width(i) == hist_bucket_low(i + 1);
	check(contiguous, "buckets are contiguous");
	for (uint64_t v = 0; v < (1ull << 24); v += v < 4096 ? 1 : 61) {
		unsigned i = hist_bucket(v);

		contains &=
		    hist_bucket_low(i) <= v && v < hist_bucket_low(i) + hist_bucket_width(i);
	}
	check(contains, "every value falls in its own bucket");
	/* 32 buckets per power of two: 1000 is in [512, 1024), where buckets are 512 / 32 = 16
	 * wide; 512 + 30 * 16 = 992 <= 1000 < 1008 */
	check(hist_bucket_low(hist_bucket(1000)) == 512 + 30 * 16,
	      "1000 is in the bucket from 992");
	check(hist_bucket_width(hist_bucket(1000)) == 512 / 32,
	      "buckets in [512, 1024) are 16 wide");
	check(hist_bucket(31) == 31 && hist_bucket_width(31) == 1,
	      "below 32, one bucket per value");
	/* 1 us, 2 us, ... 1000 us once each: p50 is the 500th value (500 us), p99 the 990th */
	for (int i = 1; i <= 1000; i++)
		hist_record(a, (uint64_t)i * 1000);
	check(a->total == 1000, "1000 values recorded");
	check(near((double)hist_quantile(a, 0.50), 500e3, 0.02),
	      "p50 of 1..1000 us is 500 us (2%)");
	check(near((double)hist_quantile(a, 0.99), 990e3, 0.02),
	      "p99 of 1..1000 us is 990 us (2%)");
	/* another 1000 values at 5 ms: merged, p50 is still the 1000th of 2000 (1000 us), p99 5 ms
	 */
	for (int i = 0; i < 1000; i++)
		hist_record(b, 5000000);
	hist_merge(a, b);
	check(a->total == 2000, "merge adds the counts");
	check(near((double)hist_quantile(a, 0.50), 1000e3, 0.02), "merged p50 is 1000 us (2%)");
	check(near((double)hist_quantile(a, 0.99), 5000e3, 0.02), "merged p99 is 5 ms (2%)");
	memset(b, 0, sizeof(*b));
	check(hist_quantile(b, 0.5) == 0, "an empty histogram has no quantile");
	free(a);
	free(b);
	printf("%s\n", failures ? "selftest: FAILED" : "selftest: all checks hold");
	return failures ? 1 : 0;
}
