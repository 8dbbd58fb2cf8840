/* libFuzzer target: what a container engine answers (the Docker-compatible API of docker and
 * podman, `isula inspect`, `runc list`): the first byte picks the parser. Names and ids in it
 * come from whoever created the containers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toolkit/lib/engine.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_quiet();
	return 0;
}

static void check(const struct tk_ctr *c)
{
	if (!c->id[0] || c->pid < 0 || strnlen(c->name, sizeof(c->name)) == sizeof(c->name))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tk_ctr_list l = {NULL, 0, 0};
	struct lx_error err = {0, ""};
	struct tk_ctr one;
	char *text;
	int r;

	if (size < 1)
		return 0;
	text = fz_text(data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		r = tk_engine_parse_list(text, &l, &err);
		break;
	case 1:
		memset(&one, 0, sizeof(one));
		r = tk_engine_parse_inspect(text, &one, &err);
		if (r == 0)
			check(&one);
		break;
	case 2:
		r = tk_engine_parse_inspect_array(text, &l, &err);
		break;
	default:
		r = tk_runc_parse_list(text, &l, &err);
		break;
	}
	if (r < 0 && err.code == 0)
		abort();
	for (size_t i = 0; i < l.n; i++)
		check(&l.v[i]);
	tk_ctr_list_free(&l);
	free(text);
	return 0;
}
