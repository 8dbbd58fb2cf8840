/* libFuzzer target: /proc/PID/mountinfo (common/mountinfo.c, shared by the daemon's /dev scan
 * and the toolkit's mount states): parsed, then every mount point's stack walked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mountinfo.h"
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
	struct lx_error err = {0, ""};
	struct lx_mounts m = {NULL, 0};

	if (lx_mountinfo_parse(text, &m, &err) == 0) {
		for (size_t i = 0; i < m.n; i++) {
			const struct lx_mount *top = lx_mounts_top(&m, m.v[i].mountpoint);

			/* no mount is below itself (a walk down the stack ends; the toolkit's
			 * walks are bounded besides) */
			if (lx_mounts_below(&m, &m.v[i]) == &m.v[i])
				abort();
			if (top && strcmp(top->mountpoint, m.v[i].mountpoint) != 0)
				abort();
			lx_mount_is_shared(&m.v[i]);
		}
	} else if (err.code == 0) {
		abort(); /* a failure without an error code */
	}
	lx_mounts_free(&m);
	free(text);
	return 0;
}
