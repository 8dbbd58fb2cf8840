/* libFuzzer target: the cpuset/range parser (cpuset.cpus, cpu/online: "0-3,7,9-10\n").
 * What parses prints back in range syntax that parses to the same set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cpuset.h"
#include "common/strbuf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char *text = fz_text(data, size);
	struct cpuset a, b, t;
	unsigned n;

	if (cpuset_parse(text, &a) == 0) {
		if (cpuset_format(&a, &sb) < 0 || cpuset_parse(sb.buf ? sb.buf : "", &b) < 0 ||
		    memcmp(&a, &b, sizeof(a)) != 0)
			abort(); /* printed back, it is another set */
		n = cpuset_count(&a);
		if (n > 0 && (cpuset_nth(&a, n - 1) < 0 || cpuset_nth(&a, n) != -1))
			abort();
		t = a;
		cpuset_truncate(&t, n / 2);
		if (cpuset_count(&t) != n / 2)
			abort();
		cpuset_and(&t, &a);
		if (cpuset_count(&t) != n / 2)
			abort();
	}
	free(text);
	return 0;
}
