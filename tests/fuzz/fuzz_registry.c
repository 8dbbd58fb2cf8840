/* libFuzzer target: the registry's files (/run/lxcfs/containers/ID.json): one parsed as an
 * entry (what parses is written back and parses to the same entry), and the same bytes as a
 * file of a registry directory that tk_registry_load lists. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "toolkit/lib/registry.h"
#include "tests/fuzz/fuzz.h"

static char dir[300], file[400];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_quiet();
	snprintf(dir, sizeof(dir), "%s/registry", fz_scratch());
	mkdir(dir, 0700);
	snprintf(file, sizeof(file), "%s/abc.json", dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lx_error err = {0, ""};
	struct tk_entry e, back;
	struct tk_entry *all = NULL;
	size_t n = 0;
	char *text = fz_text(data, size);

	memset(&e, 0, sizeof(e));
	if (tk_entry_from_json(text, &e, &err) == 0) {
		char *json = tk_entry_to_json(&e);

		memset(&back, 0, sizeof(back));
		if (!json || tk_entry_from_json(json, &back, &err) < 0 ||
		    memcmp(&e, &back, sizeof(e)) != 0)
			abort(); /* written back, it is another entry */
		free(json);
	} else if (err.code == 0) {
		abort();
	}
	fz_write(file, (const char *)data, size);
	if (tk_registry_load(dir, false, &all, &n, &err) == 0 && n > 1)
		abort();
	free(all);
	free(text);
	return 0;
}
