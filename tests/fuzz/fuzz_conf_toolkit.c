/* libFuzzer target: the toolkit's INI config (section [toolkit] of the same file) read by
 * tk_config_load through common/conffile.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolkit/lib/config.h"
#include "tests/fuzz/fuzz.h"

static char path[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_quiet();
	snprintf(path, sizeof(path), "%s/lxcfs.conf", fz_scratch());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lx_error err = {0, ""};
	struct tk_config c;

	fz_write(path, (const char *)data, size);
	tk_config_defaults(&c);
	if (tk_config_load(&c, path, true, &err) == 0) {
		if (c.timeout <= 0 || c.jobs <= 0 || c.engine_timeout <= 0 ||
		    strnlen(c.mountpoint, sizeof(c.mountpoint)) == sizeof(c.mountpoint))
			abort();
		tk_config_canon(&c, &err);
	} else if (err.code == 0) {
		abort();
	}
	return 0;
}
