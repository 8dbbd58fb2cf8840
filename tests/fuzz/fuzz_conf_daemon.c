/* libFuzzer target: the daemon's INI config (lxcfs -c FILE, section [lxcfs]) read by
 * lx_options_parse through common/conffile.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "options.h"
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
	char *argv[] = {"lxcfs", "-c", path, "/mnt", NULL};
	struct lx_error err = {0, ""};
	struct lx_options o;
	int code = 0;

	fz_write(path, (const char *)data, size);
	if (lx_options_parse(4, argv, &o, &code, &err) == 0) {
		if (code != 0 || !o.mountpoint || !o.cgroup_root)
			abort();
	} else if (err.code == 0 || code == 0) {
		abort(); /* a failure without a code, or with exit status 0 */
	}
	lx_options_free(&o);
	return 0;
}
