/* libFuzzer target: /proc/PID/stat (a comm with spaces and parentheses comes before the
 * fields the daemon and the toolkit read: state, starttime). */
#include <stdint.h>
#include <stdlib.h>

#include "common/proc.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_text(data, size);
	uint64_t start = 0;
	char state = 0;

	if (proc_stat_parse(text, &start, &state) == 0 && state == 0)
		abort(); /* parsed, yet no state */
	proc_stat_parse(text, &start, NULL);
	free(text);
	return 0;
}
