/* libFuzzer target: /proc/PID/cgroup against a v1, a hybrid and a v2 layout (the paths are
 * names a container may choose for its own cgroups). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cgroup/cgroup.h"
#include "tests/fuzz/fuzz.h"

static struct cg_layout layout[3];

static void tree(int k, const char *const *dirs, const char *controllers)
{
	struct lx_error err = {0, ""};
	char root[300], path[400];

	snprintf(root, sizeof(root), "%s/%d", fz_scratch(), k);
	mkdir(root, 0700);
	for (; *dirs; dirs++) {
		snprintf(path, sizeof(path), "%s/%s", root, *dirs);
		mkdir(path, 0700);
	}
	if (controllers) {
		snprintf(path, sizeof(path), "%s/%scgroup.controllers", root,
			 k == 1 ? "unified/" : "");
		fz_write(path, controllers, strlen(controllers));
	}
	if (cg_layout_open(&layout[k], root, &err) < 0) {
		fprintf(stderr, "fuzz_proccgroup: %s\n", err.msg);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const v1[] = {"memory", "cpu,cpuacct", "cpuset", "blkio", NULL};
	static const char *const hybrid[] = {"memory", "cpu", "cpuacct", "unified", NULL};
	static const char *const v2[] = {NULL};

	(void)argc, (void)argv;
	fz_quiet();
	tree(0, v1, NULL);
	tree(1, hybrid, "cpuset io pids\n");
	tree(2, v2, "cpuset cpu io memory pids\n");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_text(data, size);

	for (int k = 0; k < 3; k++) {
		struct lx_error err = {0, ""};
		struct cg_paths p;

		memset(&p, 0, sizeof(p));
		if (cg_paths_parse(&layout[k], text, &p, &err) < 0 && err.code == 0)
			abort();
		cg_paths_free(&p);
	}
	free(text);
	return 0;
}
