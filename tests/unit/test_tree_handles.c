/* The fixed tree (stable inode numbers, lookups, modes) and the open-file handle table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuse/handles.h"
#include "fuse/nodeid.h"
#include "fuse/tree.h"

static void test_tree_paths(void **state)
{
	const struct lx_node *proc, *n;

	(void)state;
	proc = tree_lookup(N_ROOT, "proc");
	assert_non_null(proc);
	assert_true(proc->dir);
	const char *files[] = {"cpuinfo", "diskstats", "loadavg", "meminfo", "partitions",
			       "stat",	  "swaps",     "uptime",  "slabinfo"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		n = tree_lookup(proc->id, files[i]);
		assert_non_null(n);
		assert_false(n->dir);
		assert_string_equal(n->name, files[i]);
		assert_ptr_equal(tree_node(n->id), n);
	}
	assert_null(tree_lookup(proc->id, "version"));
	assert_null(tree_lookup(N_ROOT, "meminfo"));

	n = tree_lookup(N_ROOT, "sys");
	n = tree_lookup(n->id, "devices");
	n = tree_lookup(n->id, "system");
	n = tree_lookup(n->id, "cpu");
	assert_non_null(n);
	n = tree_lookup(n->id, "online");
	assert_non_null(n);
	assert_int_equal(n->file, LX_FILE_CPU_ONLINE);
	assert_null(tree_node(0));
	assert_null(tree_node(N_COUNT));
}

/* every file of the served list (common/served.h) is in the tree at its path, and is the
 * file it names; the inode numbers are those a running daemon handed out before */
static void test_tree_served_files(void **state)
{
	(void)state;
	assert_int_equal(LX_NFILES, 16);
	assert_int_equal(N_CPUINFO, 7);
	assert_int_equal(N_CPU_ONLINE, 15);
	assert_int_equal(N_CPU_OFFLINE, 18); /* files added since are at the end */
	assert_int_equal(N_SLABINFO, 19);
	assert_int_equal(N_PRESSURE_MEMORY, 22);
	assert_int_equal(N_PROC_PRESSURE, 23); /* and so is the directory added with them */
	for (unsigned f = 0; f < LX_NFILES; f++) {
		char path[64], *save = NULL;
		const struct lx_node *n = tree_node(N_ROOT);

		assert_string_equal(lx_file_host_paths[f] + 1, lx_file_paths[f]);
		snprintf(path, sizeof(path), "%s", lx_file_paths[f]);
		for (char *c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
			n = tree_lookup(n->id, c);
			assert_non_null(n);
		}
		assert_false(n->dir);
		assert_int_equal(n->file, f);
		assert_int_equal(n->id, N_CPUINFO + f);
	}
}

static void test_tree_stat(void **state)
{
	struct stat st;

	(void)state;
	tree_stat(tree_node(N_MEMINFO), 1234, &st);
	assert_int_equal(st.st_mode, S_IFREG | 0444);
	assert_int_equal(st.st_ino, N_MEMINFO);
	assert_int_equal(st.st_mtime, 1234);
	tree_stat(tree_node(N_PROC), 1234, &st);
	assert_int_equal(st.st_mode, S_IFDIR | 0555);
	assert_int_equal(st.st_nlink, 3); /* . , .. and pressure */
	tree_stat(tree_node(N_PROC_PRESSURE), 1234, &st);
	assert_int_equal(st.st_mode, S_IFDIR | 0555);
	assert_int_equal(st.st_nlink, 2);
	tree_stat(tree_node(N_PRESSURE_IO), 1234, &st);
	assert_int_equal(st.st_mode, S_IFREG | 0444);
	/* root's only, as the kernel's */
	tree_stat(tree_node(N_SLABINFO), 1234, &st);
	assert_int_equal(st.st_mode, S_IFREG | 0400);
	tree_stat(tree_node(N_ROOT), 1234, &st);
	assert_int_equal(st.st_nlink, 4); /* . , .. and two subdirectories */
}

static void test_tree_children_order(void **state)
{
	const struct lx_node *c;
	unsigned n = 0;

	(void)state;
	for (unsigned i = 0; (c = tree_child(N_PROC, i)); i++)
		n++;
	assert_int_equal(n, 10);
	assert_string_equal(tree_child(N_PROC, 8)->name, "slabinfo");
	assert_string_equal(tree_child(N_PROC, 9)->name, "pressure");
	assert_string_equal(tree_child(N_PROC_PRESSURE, 0)->name, "cpu");
	assert_string_equal(tree_child(N_PROC_PRESSURE, 2)->name, "memory");
	assert_null(tree_child(N_PROC_PRESSURE, 3));
	assert_string_equal(tree_child(N_ROOT, 0)->name, "proc");
	assert_string_equal(tree_child(N_ROOT, 1)->name, "sys");
	assert_null(tree_child(N_ROOT, 2));
}

/* Last of the tree cases (it changes the tree for the rest of the process): a hidden file is
 * neither found nor listed, nor is its directory once every file in it is hidden. */
static void test_tree_hide(void **state)
{
	const struct lx_node *dir, *c;
	unsigned n = 0;

	(void)state;
	tree_hide_file(LX_FILE_PRESSURE_IO);
	dir = tree_lookup(N_PROC, "pressure");
	assert_non_null(dir);
	assert_null(tree_lookup(dir->id, "io"));
	assert_non_null(tree_lookup(dir->id, "cpu"));
	for (unsigned i = 0; (c = tree_child(dir->id, i)); i++, n++)
		assert_string_not_equal(c->name, "io");
	assert_int_equal(n, 2);
	tree_hide_file(LX_FILE_PRESSURE_CPU);
	tree_hide_file(LX_FILE_PRESSURE_MEMORY);
	assert_null(tree_lookup(N_PROC, "pressure"));
	for (unsigned i = 0; (c = tree_child(N_PROC, i)); i++)
		assert_string_not_equal(c->name, "pressure");
	assert_non_null(tree_lookup(N_PROC, "meminfo"));
	assert_non_null(tree_lookup(N_PROC, "slabinfo"));
	/* the inode numbers stay what they were (a takeover from a daemon that served them) */
	assert_non_null(tree_node(N_PROC_PRESSURE));
}

static void test_handles(void **state)
{
	struct lx_handles *t = handles_new();
	struct lx_handle *a, *b, *c;

	(void)state;
	assert_non_null(t);
	a = handles_open(t, N_MEMINFO, 7);
	b = handles_open(t, N_STAT, 7);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a->id != b->id);
	/* a handle says which process issued it and that it is a per-handle snapshot */
	assert_int_equal(lx_fh_epoch(a->id), 7);
	assert_int_equal(lx_fh_kind(a->id), LX_FH_DIRECT);
	assert_ptr_equal(handles_get(t, a->id, N_MEMINFO), a);
	handles_put(a);
	assert_int_equal(handles_count(t), 2);
	/* an id this process never issued (a taken-over connection) is a fresh open */
	c = handles_get(t, 42, N_UPTIME);
	assert_non_null(c);
	assert_int_equal(c->id, 42);
	assert_int_equal(c->node, N_UPTIME);
	assert_false(c->ready);
	assert_int_equal(handles_count(t), 3);
	handles_put(c);
	assert_true(handles_release(t, a->id));
	assert_true(handles_release(t, 42));
	assert_false(handles_release(t, 43)); /* unknown: nothing happens */
	assert_int_equal(handles_count(t), 1);
	handles_free(t);
}

/* A release while a reply is being written (an interrupted reader): the handle stays
 * usable until the request drops its reference (ASan catches a use after free here). */
static void test_release_during_read(void **state)
{
	struct lx_handles *t = handles_new();
	struct lx_handle *h = handles_open(t, N_STAT, 1), *r;

	(void)state;
	r = handles_get(t, h->id, N_STAT);
	assert_ptr_equal(r, h);
	r->data = strdup("cpu 1 2 3\n");
	r->len = 10;
	r->ready = true;
	handles_release(t, h->id);
	assert_int_equal(handles_count(t), 0);
	assert_memory_equal(r->data, "cpu 1 2 3\n", 10); /* still ours */
	handles_put(r);
	handles_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tree_paths),		cmocka_unit_test(test_tree_served_files),
	    cmocka_unit_test(test_tree_stat),		cmocka_unit_test(test_tree_children_order),
	    cmocka_unit_test(test_tree_hide),		cmocka_unit_test(test_handles),
	    cmocka_unit_test(test_release_during_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
