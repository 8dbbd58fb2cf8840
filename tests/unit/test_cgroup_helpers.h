/* Shared by tests/unit/test_cgroup*.c: fixture trees (tests/fixtures/cgroup, run from the
 * repository root) and scratch copies of them to damage. */
#ifndef TEST_CGROUP_HELPERS_H
#define TEST_CGROUP_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgroup/cgroup.h"
#include "common/fileio.h"

#define FIX "tests/fixtures/cgroup"

static inline char *fix_slurp(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct lx_error err = {0, ""};

	if (read_file_at(AT_FDCWD, path, &sb, &err) < 0)
		fail_msg("%s", err.msg);
	return sb_steal(&sb);
}

static inline void fix_open(const char *root, struct cg_layout *l)
{
	struct lx_error err = {0, ""};

	if (cg_layout_open(l, root, &err) < 0)
		fail_msg("cg_layout_open(%s): %s", root, err.msg);
}

static inline void fix_paths(const struct cg_layout *l, const char *text, struct cg_paths *p)
{
	struct lx_error err = {0, ""};

	if (cg_paths_parse(l, text, p, &err) < 0)
		fail_msg("cg_paths_parse: %s", err.msg);
}

/* Layout and paths of a fixture tree: root FIX/<tree> (or an absolute dir), paths from
 * FIX/<tree>.proc-cgroup or from text. */
static inline void fix_load(const char *root, const char *text, struct cg_layout *l,
			    struct cg_paths *p)
{
	fix_open(root, l);
	fix_paths(l, text, p);
}

static inline void fix_unload(struct cg_layout *l, struct cg_paths *p)
{
	cg_paths_free(p);
	cg_layout_close(l);
}

/* Scratch copies still on disk: a failed assertion leaves its test before fix_rmtree, so
 * whatever is left is removed when the test program exits. */
#define FIX_MAX_SCRATCH 16
static char fix_scratch[FIX_MAX_SCRATCH][32];

static inline void fix_rm_rf(const char *dir)
{
	char cmd[512];

	if (strncmp(dir, "/tmp/lxcfs-cgtest-", 18) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static inline void fix_scratch_cleanup(void)
{
	for (int i = 0; i < FIX_MAX_SCRATCH; i++)
		if (fix_scratch[i][0])
			fix_rm_rf(fix_scratch[i]);
}

/* A scratch copy of FIX/<tree> in a new temporary directory; returns its path (malloc'd). */
static inline char *fix_copy(const char *tree)
{
	static int registered;
	char tmpl[] = "/tmp/lxcfs-cgtest-XXXXXX", cmd[512];
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	if (!registered++)
		atexit(fix_scratch_cleanup);
	for (int i = 0; i < FIX_MAX_SCRATCH; i++)
		if (!fix_scratch[i][0]) {
			snprintf(fix_scratch[i], sizeof(fix_scratch[i]), "%s", dir);
			break;
		}
	snprintf(cmd, sizeof(cmd), "cp -a '%s/%s/.' '%s/'", FIX, tree, dir);
	assert_int_equal(system(cmd), 0);
	return strdup(dir);
}

static inline void fix_rmtree(char *dir)
{
	assert_true(strncmp(dir, "/tmp/lxcfs-cgtest-", 18) == 0);
	fix_rm_rf(dir);
	for (int i = 0; i < FIX_MAX_SCRATCH; i++)
		if (strcmp(fix_scratch[i], dir) == 0)
			fix_scratch[i][0] = '\0';
	free(dir);
}

/* Write (create or replace) dir/rel with content. */
static inline void fix_put(const char *dir, const char *rel, const char *content)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(content, f) < 0, 0);
	assert_int_equal(fclose(f), 0);
}

static inline void fix_rm(const char *dir, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(unlink(path), 0);
}

/* rm -rf dir/rel (a cgroup directory of a scratch copy). */
static inline void fix_rmdir(const char *dir, const char *rel)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", dir, rel);
	assert_int_equal(system(cmd), 0);
}

/* Damaged copies of a tree: each entry replaces (or, content NULL, removes) one file of a
 * fresh copy, then fails(copy, text, code) checks the reader refuses it. fix_case names the
 * entry being tried, for failure messages. */
struct fix_damage {
	const char *file, *content;
	int code;
};
static char fix_case[512];
typedef void (*fix_fails_fn)(const char *root, const char *text, int code);

static inline void fix_damage_each(const char *tree, const char *text, const struct fix_damage *d,
				   size_t n, fix_fails_fn fails)
{
	for (size_t i = 0; i < n; i++) {
		char *dir = fix_copy(tree);

		if (d[i].content)
			fix_put(dir, d[i].file, d[i].content);
		else
			fix_rm(dir, d[i].file);
		snprintf(fix_case, sizeof(fix_case), "[%s <- `%s`]", d[i].file,
			 d[i].content ? d[i].content : "(removed)");
		fails(dir, text, d[i].code);
		fix_case[0] = '\0';
		fix_rmtree(dir);
	}
}

/* A copy of tree whose cgroup directory rel is removed (a container gone): fails(ENOENT). */
static inline void fix_gone(const char *tree, const char *rel, const char *text, fix_fails_fn fails)
{
	char *dir = fix_copy(tree);

	fix_rmdir(dir, rel);
	fails(dir, text, ENOENT);
	fix_rmtree(dir);
}

#endif
