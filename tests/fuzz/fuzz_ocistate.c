/* libFuzzer target: what a container's runtime hands the hook as root, which the container's
 * image and its creator control: the OCI state JSON (stdin; first byte even) and the bundle's
 * config.json (root.path; first byte odd). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toolkit/lib/ocistate.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lx_error err = {0, ""};
	char *text;

	if (size < 1)
		return 0;
	text = fz_text(data + 1, size - 1);
	if (data[0] & 1) {
		char root[4096];

		if (tk_config_rootfs(text, "/run/bundle", root, sizeof(root), &err) == 0) {
			if (root[0] != '/')
				abort(); /* not made absolute */
		} else if (err.code == 0) {
			abort();
		}
	} else {
		struct tk_state st;

		if (tk_state_parse(text, size - 1, &st, &err) == 0) {
			if (!st.id[0] || st.pid < 0 || memchr(st.id, '/', strlen(st.id)))
				abort(); /* an id that names no container, or a path */
		} else if (err.code == 0) {
			abort();
		}
	}
	free(text);
	return 0;
}
