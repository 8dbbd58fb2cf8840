/* cg_mem_read on the fixture trees. Expected numbers are the fixture files' contents
 * (tests/fixtures/cgroup/README.md says where each was set). */
#include <errno.h>

#include "test_cgroup_helpers.h"

#define MiB (1024ULL * 1024)

/* Each read twice: opening the files (no cache), then through held fds (a container's
 * cg_fdcache: the files read into the stack, as the sysinfo agent reads them), read twice
 * from the same fds: the same values, the same errors. */
static void read_ok(const char *root, const char *text, struct cg_mem *m)
{
	struct lx_error err = {0, ""};
	struct cg_layout l;
	struct cg_paths p;
	struct cg_mem held;

	fix_load(root, text, &l, &p);
	if (cg_mem_read(&l, &p, m, &err) < 0)
		fail_msg("cg_mem_read(%s): %s", root, err.msg);
	p.cache = cg_fdcache_new();
	assert_non_null(p.cache);
	for (int k = 0; k < 2; k++) {
		memcpy(&held, m, sizeof(held)); /* the fields a read leaves alone stay equal */
		if (cg_mem_read(&l, &p, &held, &err) < 0)
			fail_msg("cg_mem_read(%s) through held fds: %s", root, err.msg);
		assert_memory_equal(&held, m, sizeof(held));
	}
	cg_fdcache_free(p.cache);
	p.cache = NULL;
	fix_unload(&l, &p);
}

/* Not through held fds for the case at hand (see test_cgroup_gone). */
static bool open_only;

/* cg_mem_read fails with code and leaves *m as it was (both ways, as read_ok). */
static void read_fails(const char *root, const char *text, int code)
{
	struct lx_error err = {0, ""};
	struct cg_layout l;
	struct cg_paths p;
	struct cg_mem m, before;

	memset(&m, 0xa5, sizeof(m));
	before = m;
	fix_load(root, text, &l, &p);
	for (int held = 0; held < (open_only ? 1 : 2); held++) {
		memset(&err, 0, sizeof(err));
		if (held)
			p.cache = cg_fdcache_new();
		if (cg_mem_read(&l, &p, &m, &err) == 0)
			fail_msg("cg_mem_read(%s) succeeded %s%s", root, fix_case,
				 held ? " (held fds)" : "");
		if (err.code != code)
			fail_msg("%s%s: error %d (%s), want %d", fix_case,
				 held ? " (held fds)" : "", err.code, err.msg, code);
		assert_true(err.msg[0] != '\0');
		assert_memory_equal(&m, &before, sizeof(m));
	}
	cg_fdcache_free(p.cache);
	p.cache = NULL;
	fix_unload(&l, &p);
}

/* Every field of m against want. */
static void assert_mem(const struct cg_mem *m, const struct cg_mem *want)
{
	const uint64_t *got[] = {&m->limit,
				 &m->usage,
				 &m->swap_limit,
				 &m->swap_usage,
				 &m->cached,
				 &m->active_anon,
				 &m->inactive_anon,
				 &m->active_file,
				 &m->inactive_file,
				 &m->unevictable,
				 &m->shmem,
				 &m->mapped,
				 &m->anon,
				 &m->dirty,
				 &m->writeback,
				 &m->slab,
				 &m->slab_reclaimable,
				 &m->slab_unreclaimable};
	const uint64_t *exp[] = {&want->limit,
				 &want->usage,
				 &want->swap_limit,
				 &want->swap_usage,
				 &want->cached,
				 &want->active_anon,
				 &want->inactive_anon,
				 &want->active_file,
				 &want->inactive_file,
				 &want->unevictable,
				 &want->shmem,
				 &want->mapped,
				 &want->anon,
				 &want->dirty,
				 &want->writeback,
				 &want->slab,
				 &want->slab_reclaimable,
				 &want->slab_unreclaimable};
	static const char *const names[] = {"limit",
					    "usage",
					    "swap_limit",
					    "swap_usage",
					    "cached",
					    "active_anon",
					    "inactive_anon",
					    "active_file",
					    "inactive_file",
					    "unevictable",
					    "shmem",
					    "mapped",
					    "anon",
					    "dirty",
					    "writeback",
					    "slab",
					    "slab_reclaimable",
					    "slab_unreclaimable"};

	assert_int_equal(m->swap_accounting, want->swap_accounting);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (*got[i] != *exp[i])
			fail_msg("%s: %llu, want %llu", names[i], (unsigned long long)*got[i],
				 (unsigned long long)*exp[i]);
}

static const char *v1_ct = "4:memory:/lxcfs-test/ct\n";
static const char *v2_ct = "0::/lx/ct\n";
static const char *hy_c1 = "11:memory:/lxc/c1\n";

static void test_v1_recorded(void **state)
{
	char *text = fix_slurp(FIX "/v1.proc-cgroup");
	struct cg_mem m;

	(void)state;
	read_ok(FIX "/v1", text, &m);
	assert_mem(&m, &(struct cg_mem){
			   /* 512 MiB set on the parent only; ct itself reads
			    * 9223372036854771712 */
			   .limit = 512 * MiB,
			   .usage = 8777728,
			   .swap_accounting = true,
			   /* memsw 768 MiB on the parent, minus the memory limit */
			   .swap_limit = 768 * MiB - 512 * MiB,
			   /* memsw usage 8777728 - usage 8777728 */
			   .swap_usage = 0,
			   /* ct/memory.stat total_*; no slab in v1 */
			   .cached = 8441856,
			   .anon = 114688,
			   .shmem = 8388608, /* the 8 MiB written to /dev/shm */
			   .active_anon = 4096,
			   .inactive_anon = 8499200,
			   .active_file = 53248,
		       });
	free(text);
}

static void test_v1_parent(void **state)
{
	struct cg_mem m;

	(void)state;
	read_ok(FIX "/v1", "4:memory:/lxcfs-test\n", &m);
	assert_int_equal(m.limit, 512 * MiB);
	read_ok(FIX "/v1", "4:memory:/\n", &m);
	assert_int_equal(m.limit, CG_UNLIMITED);
	assert_int_equal(m.swap_limit, CG_UNLIMITED);
}

static void test_v2_recorded(void **state)
{
	char *text = fix_slurp(FIX "/v2.proc-cgroup");
	struct cg_mem m;

	(void)state;
	read_ok(FIX "/v2", v2_ct, &m);
	assert_mem(&m, &(struct cg_mem){
			   /* lx/memory.max 512 MiB; lx/ct "max" */
			   .limit = 512 * MiB,
			   .usage = 9129984,
			   .swap_accounting = true,
			   /* lx/memory.swap.max 256 MiB; lx/ct "max" */
			   .swap_limit = 256 * MiB,
			   .swap_usage = 0,
			   .cached = 8392704,
			   .anon = 122880,
			   .shmem = 8392704,
			   .active_anon = 8192,
			   .inactive_anon = 8507392,
			   .slab = 47000,
			   .slab_reclaimable = 21376,
			   .slab_unreclaimable = 25624,
		       });
	/* the worker's own cgroup, two levels below the limits */
	read_ok(FIX "/v2", text, &m);
	assert_int_equal(m.limit, 512 * MiB);
	assert_int_equal(m.usage, 9003008);
	assert_int_equal(m.swap_limit, 256 * MiB);
	assert_int_equal(m.anon, 65536);
	free(text);
}

static void test_hybrid(void **state)
{
	struct cg_mem m;

	(void)state;
	read_ok(FIX "/hybrid", hy_c1, &m);
	assert_mem(&m, &(struct cg_mem){
			   /* 1 GiB on lxc; c1's LONG_MAX is no limit */
			   .limit = 1024 * MiB,
			   .usage = 100 * MiB,
			   .swap_accounting = true,
			   .swap_limit = 1536 * MiB - 1024 * MiB,
			   .swap_usage = 120 * MiB - 100 * MiB,
			   /* the total_* values, not the local ones */
			   .cached = 50 * MiB,
			   .anon = 40 * MiB,
			   .shmem = 4 * MiB,
			   .mapped = 8 * MiB,
			   .dirty = 12288,
			   .writeback = 4096,
			   .inactive_anon = 37 * MiB,
			   .active_anon = 3 * MiB,
			   .inactive_file = 30 * MiB,
			   .active_file = 20 * MiB,
			   .unevictable = 1 * MiB,
		       });
}

/* The recorded ct memory.stat with its hierarchical_* lines set to mem and memsw, or left out
 * when NULL (a kernel that prints none). */
static void put_v1_hier(const char *dir, const char *mem, const char *memsw)
{
	char *rec = fix_slurp(FIX "/v1/memory/lxcfs-test/ct/memory.stat");
	struct strbuf sb = STRBUF_INIT;

	for (char *line = strtok(rec, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "hierarchical_memory_limit ", 26) == 0) {
			if (mem)
				assert_int_equal(sb_printf(&sb, "%.26s%s\n", line, mem), 0);
		} else if (strncmp(line, "hierarchical_memsw_limit ", 25) == 0) {
			if (memsw)
				assert_int_equal(sb_printf(&sb, "%.25s%s\n", line, memsw), 0);
		} else {
			assert_int_equal(sb_printf(&sb, "%s\n", line), 0);
		}
	}
	fix_put(dir, "memory/lxcfs-test/ct/memory.stat", sb.buf);
	sb_free(&sb);
	free(rec);
}

/* Limits on v1 come from memory.stat's hierarchical_* lines, the kernel's minimum over every
 * level: they win over the limit files we could walk ourselves. */
static void test_limits_v1_hierarchical(void **state)
{
	char *dir = fix_copy("v1");
	struct cg_mem m;

	(void)state;
	put_v1_hier(dir, "268435456", "805306368");
	read_ok(dir, v1_ct, &m);
	assert_int_equal(m.limit, 256 * MiB);
	assert_int_equal(m.swap_limit, 512 * MiB); /* 768 MiB - 256 MiB */
	/* the limit files say 1 GiB and nothing: the kernel's minimum is what counts */
	fix_put(dir, "memory/lxcfs-test/ct/memory.limit_in_bytes", "1073741824\n");
	fix_put(dir, "memory/lxcfs-test/memory.limit_in_bytes", "9223372036854771712\n");
	read_ok(dir, v1_ct, &m);
	assert_int_equal(m.limit, 256 * MiB);
	/* memsw below memory: no room for swap */
	put_v1_hier(dir, "268435456", "134217728");
	read_ok(dir, v1_ct, &m);
	assert_int_equal(m.swap_limit, 0);
	/* v1's "no limit" (the page-rounded LONG_MAX) */
	put_v1_hier(dir, "9223372036854771712", "9223372036854771712");
	read_ok(dir, v1_ct, &m);
	assert_int_equal(m.limit, CG_UNLIMITED);
	assert_int_equal(m.swap_limit, CG_UNLIMITED);
	/* one below it is a (huge) limit */
	put_v1_hier(dir, "9223372036854771711", "9223372036854771712");
	read_ok(dir, v1_ct, &m);
	assert_int_equal(m.limit, 9223372036854771711ULL);
	fix_rmtree(dir);
}

/* Without the hierarchical_* lines: the smallest level wins, at any depth; "unlimited"
 * spellings. */
static void test_limits(void **state)
{
	char *dir = fix_copy("v1");
	struct cg_mem m;

	(void)state;
	put_v1_hier(dir, NULL, NULL);
	/* tighter on ct itself */
	fix_put(dir, "memory/lxcfs-test/ct/memory.limit_in_bytes", "268435456\n");
	read_ok(dir, v1_ct, &m);
	assert_int_equal(m.limit, 256 * MiB);
	/* memsw 768 MiB (parent) - 256 MiB */
	assert_int_equal(m.swap_limit, 512 * MiB);
	/* looser on ct than on the parent: the parent's */
	fix_put(dir, "memory/lxcfs-test/ct/memory.limit_in_bytes", "1073741824\n");
	read_ok(dir, v1_ct, &m);
	assert_int_equal(m.limit, 512 * MiB);
	/* no limit anywhere: v1's page-rounded LONG_MAX, LONG_MAX and beyond are all "none" */
	fix_put(dir, "memory/lxcfs-test/ct/memory.limit_in_bytes", "9223372036854771712\n");
	fix_put(dir, "memory/lxcfs-test/memory.limit_in_bytes", "9223372036854775807\n");
	fix_put(dir, "memory/memory.limit_in_bytes", "18446744073709551615\n");
	fix_put(dir, "memory/lxcfs-test/memory.memsw.limit_in_bytes", "9223372036854771712\n");
	read_ok(dir, v1_ct, &m);
	assert_int_equal(m.limit, CG_UNLIMITED);
	assert_int_equal(m.swap_limit, CG_UNLIMITED);
	/* one below the threshold is a (huge) limit */
	fix_put(dir, "memory/lxcfs-test/memory.limit_in_bytes", "9223372036854771711\n");
	read_ok(dir, v1_ct, &m);
	assert_int_equal(m.limit, 9223372036854771711ULL);
	fix_rmtree(dir);

	dir = fix_copy("v2");
	fix_put(dir, "lx/memory.max", "max\n");
	fix_put(dir, "lx/memory.swap.max", "max\n");
	read_ok(dir, v2_ct, &m);
	assert_int_equal(m.limit, CG_UNLIMITED);
	assert_int_equal(m.swap_limit, CG_UNLIMITED);
	/* only on the leaf */
	fix_put(dir, "lx/ct/init/memory.max", "104857600\n");
	fix_put(dir, "lx/ct/init/memory.swap.max", "0\n");
	read_ok(dir, "0::/lx/ct/init\n", &m);
	assert_int_equal(m.limit, 100 * MiB);
	assert_true(m.swap_accounting);
	assert_int_equal(m.swap_limit, 0);
	fix_rmtree(dir);
}

/* cg_mem_own_limits: the container's own two files (what the page cache's limits key is made
 * of), whatever its parents say; no swap file: 0. */
static void own_limits(const char *root, const char *text, uint64_t want, uint64_t want_swap)
{
	struct lx_error err = {0, ""};
	struct cg_layout l;
	struct cg_paths p;
	uint64_t lim = 1, swap = 1;

	fix_load(root, text, &l, &p);
	if (cg_mem_own_limits(&l, &p, &lim, &swap, &err) < 0)
		fail_msg("cg_mem_own_limits(%s): %s", root, err.msg);
	assert_int_equal(lim, want);
	assert_int_equal(swap, want_swap);
	/* the limit file alone (what sysinfo's kept values are checked with) */
	lim = 1;
	if (cg_mem_own_limits(&l, &p, &lim, NULL, &err) < 0)
		fail_msg("cg_mem_own_limits(%s, no swap): %s", root, err.msg);
	assert_int_equal(lim, want);
	fix_unload(&l, &p);
}

static void test_own_limits(void **state)
{
	char *dir = fix_copy("v1");

	(void)state;
	put_v1_hier(dir, NULL, NULL);
	fix_put(dir, "memory/lxcfs-test/ct/memory.limit_in_bytes", "1073741824\n");
	fix_put(dir, "memory/lxcfs-test/ct/memory.memsw.limit_in_bytes", "2147483648\n");
	own_limits(dir, v1_ct, 1024 * MiB, 2048 * MiB); /* looser than the parent's: its own */
	fix_rm(dir, "memory/lxcfs-test/ct/memory.memsw.limit_in_bytes");
	own_limits(dir, v1_ct, 1024 * MiB, 0);
	fix_rmtree(dir);

	dir = fix_copy("v2");
	fix_put(dir, "lx/ct/init/memory.max", "104857600\n");
	fix_put(dir, "lx/ct/init/memory.swap.max", "max\n");
	own_limits(dir, "0::/lx/ct/init\n", 100 * MiB, UINT64_MAX);
	fix_rm(dir, "lx/ct/init/memory.swap.max");
	own_limits(dir, "0::/lx/ct/init\n", 100 * MiB, 0);
	fix_rmtree(dir);
}

/* No swap accounting: v1 without memory.memsw.*, v2 without memory.swap.*. */
static void test_no_swap_accounting(void **state)
{
	static const char *const memsw[] = {"limit_in_bytes", "usage_in_bytes",
					    "max_usage_in_bytes", "failcnt"};
	static const char *const v1dirs[] = {"", "lxcfs-test/", "lxcfs-test/ct/"};
	static const char *const v2dirs[] = {"lx/", "lx/ct/", "lx/ct/init/"};
	char *dir = fix_copy("v1"), path[256];
	struct cg_mem m;

	(void)state;
	for (int d = 0; d < 3; d++)
		for (int f = 0; f < 4; f++) {
			snprintf(path, sizeof(path), "memory/%smemory.memsw.%s", v1dirs[d],
				 memsw[f]);
			fix_rm(dir, path);
		}
	read_ok(dir, v1_ct, &m);
	assert_false(m.swap_accounting);
	assert_int_equal(m.swap_limit, 0);
	assert_int_equal(m.swap_usage, 0);
	assert_int_equal(m.limit, 512 * MiB);
	fix_rmtree(dir);

	dir = fix_copy("v2");
	for (int d = 0; d < 3; d++) {
		static const char *const swap[] = {"max", "current", "high", "events"};

		for (int f = 0; f < 4; f++) {
			snprintf(path, sizeof(path), "%smemory.swap.%s", v2dirs[d], swap[f]);
			fix_rm(dir, path);
		}
	}
	read_ok(dir, v2_ct, &m);
	assert_false(m.swap_accounting);
	assert_int_equal(m.swap_limit, 0);
	assert_int_equal(m.swap_usage, 0);
	assert_int_equal(m.limit, 512 * MiB);
	fix_rmtree(dir);
}

/* v2: a cgroup without the memory controller is charged to the nearest ancestor with it. */
static void test_v2_controller_off_below(void **state)
{
	static const char *const files[] = {
	    "memory.current",  "memory.events",	      "memory.events.local", "memory.high",
	    "memory.low",      "memory.max",	      "memory.min",	     "memory.numa_stat",
	    "memory.stat",     "memory.swap.current", "memory.swap.events",  "memory.swap.high",
	    "memory.swap.max", "memory.pressure"};
	char *dir = fix_copy("v2"), path[256];
	struct cg_mem m;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "lx/ct/init/%s", files[i]);
		fix_rm(dir, path);
	}
	read_ok(dir, "0::/lx/ct/init\n", &m);
	assert_int_equal(m.usage, 9129984); /* lx/ct's */
	assert_int_equal(m.limit, 512 * MiB);
	assert_int_equal(m.anon, 122880);
	fix_rmtree(dir);
	/* the root has no memory.current: nothing to report */
	read_fails(FIX "/v2", "0::/\n", ENOENT);
}

/* v2 memory.stat of kernels before 5.9: no "slab" line. */
static void test_v2_slab_sum(void **state)
{
	char *dir = fix_copy("v2");
	struct cg_mem m;

	(void)state;
	fix_put(dir, "lx/ct/memory.stat",
		"anon 1000\nfile 2000\nslab_reclaimable 300\nslab_unreclaimable 40\n");
	read_ok(dir, v2_ct, &m);
	assert_int_equal(m.slab, 300 + 40);
	assert_int_equal(m.anon, 1000);
	assert_int_equal(m.cached, 2000);
	assert_int_equal(m.shmem, 0); /* missing keys are 0 */
	fix_rmtree(dir);
}

/* zswap counters: v2 memory.stat's zswap and zswapped (kernels with zswap accounting); the
 * recorded v2 kernel has none, v1 never has any. */
static void test_zswap(void **state)
{
	char *dir = fix_copy("v2"), *stat;
	struct strbuf sb = STRBUF_INIT;
	struct cg_mem m;

	(void)state;
	read_ok(FIX "/v2", v2_ct, &m);
	assert_false(m.have_zswap);
	assert_int_equal(m.zswap, 0);
	read_ok(FIX "/v1", v1_ct, &m);
	assert_false(m.have_zswap);
	read_ok(FIX "/hybrid", hy_c1, &m);
	assert_false(m.have_zswap);
	/* the recorded memory.stat with the two lines a 6.x kernel prints after "swapcached" */
	stat = fix_slurp(FIX "/v2/lx/ct/memory.stat");
	assert_int_equal(sb_puts(&sb, stat), 0);
	assert_int_equal(sb_puts(&sb, "zswap 1048576\nzswapped 3145728\n"), 0);
	fix_put(dir, "lx/ct/memory.stat", sb.buf);
	read_ok(dir, v2_ct, &m);
	assert_true(m.have_zswap);
	assert_int_equal(m.zswap, 1048576);
	assert_int_equal(m.zswapped, 3145728);
	assert_int_equal(m.anon, 122880); /* the rest as recorded */
	/* one line without the other: not a kernel's file, no counters */
	fix_put(dir, "lx/ct/memory.stat", "anon 1000\nfile 2000\nzswap 5\n");
	read_ok(dir, v2_ct, &m);
	assert_false(m.have_zswap);
	assert_int_equal(m.zswap, 0);
	/* a garbled value fails the read as any other key does */
	fix_put(dir, "lx/ct/memory.stat", "anon 1000\nfile 2000\nzswap x\nzswapped 1\n");
	read_fails(dir, v2_ct, EINVAL);
	sb_free(&sb);
	free(stat);
	fix_rmtree(dir);
}

/* Limits only (for /proc/swaps): the same limit, usage and swap as a full read, no statistics,
 * and memory.stat is not needed. */
static void test_limits_only(void **state)
{
	static const struct {
		const char *tree, *text, *stat;
	} cases[] = {
	    {"v1", "4:memory:/lxcfs-test/ct\n", "memory/lxcfs-test/ct/memory.stat"},
	    {"v2", "0::/lx/ct\n", "lx/ct/memory.stat"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lx_error err = {0, ""};
		char *dir = fix_copy(cases[i].tree);
		struct cg_mem full, lim, want;
		struct cg_layout l;
		struct cg_paths p;

		read_ok(dir, cases[i].text, &full);
		fix_rm(dir, cases[i].stat);
		fix_load(dir, cases[i].text, &l, &p);
		if (cg_mem_read_limits(&l, &p, &lim, &err) < 0)
			fail_msg("cg_mem_read_limits(%s): %s", cases[i].tree, err.msg);
		fix_unload(&l, &p);
		memset(&want, 0, sizeof(want));
		want.limit = full.limit;
		want.usage = full.usage;
		want.swap_limit = full.swap_limit;
		want.swap_usage = full.swap_usage;
		want.swap_accounting = full.swap_accounting;
		assert_mem(&lim, &want);
		if (i == 0) /* set on the parent only: found by the walk */
			assert_int_equal(lim.limit, 512 * MiB);
		fix_rmtree(dir);
	}
}

static void test_v1_damaged(void **state)
{
	static const struct fix_damage d[] = {
	    {"memory/lxcfs-test/ct/memory.stat", "", EINVAL},
	    {"memory/lxcfs-test/ct/memory.stat", "cache 8441856\nrss 114688\ntotal_cache 84",
	     EINVAL},
	    {"memory/lxcfs-test/ct/memory.stat", "total_cache 1\ntotal_rss abc\n", EINVAL},
	    {"memory/lxcfs-test/ct/memory.stat", "total_cache 1\ntotal_rss\n", EINVAL},
	    {"memory/lxcfs-test/ct/memory.stat", "total_cache 1\n\ntotal_rss 2\n", EINVAL},
	    /* cut at a line boundary before total_rss */
	    {"memory/lxcfs-test/ct/memory.stat", "cache 8441856\ntotal_cache 8441856\n", EINVAL},
	    {"memory/lxcfs-test/ct/memory.stat", NULL, ENOENT},
	    {"memory/lxcfs-test/ct/memory.usage_in_bytes", "", EINVAL},
	    {"memory/lxcfs-test/ct/memory.usage_in_bytes", "12x\n", EINVAL},
	    {"memory/lxcfs-test/ct/memory.usage_in_bytes", "877", EINVAL},
	    {"memory/lxcfs-test/ct/memory.usage_in_bytes", NULL, ENOENT},
	    {"memory/lxcfs-test/ct/memory.stat",
	     "total_cache 1\ntotal_rss 2\n"
	     "hierarchical_memory_limit lots\n",
	     EINVAL},
	    {"memory/lxcfs-test/ct/memory.memsw.usage_in_bytes", "\n", EINVAL},
	};
	/* the limit files, walked when memory.stat has no hierarchical_* lines */
	static const struct fix_damage walked[] = {
	    {"memory/lxcfs-test/ct/memory.limit_in_bytes", "-1\n", EINVAL},
	    {"memory/lxcfs-test/ct/memory.limit_in_bytes", NULL, ENOENT},
	    {"memory/lxcfs-test/memory.limit_in_bytes", "5368709\n12\n", EINVAL},
	    {"memory/lxcfs-test/memory.limit_in_bytes", "lots\n", EINVAL},
	    {"memory/lxcfs-test/ct/memory.memsw.limit_in_bytes", NULL, ENOENT},
	};

	(void)state;
	fix_damage_each("v1", v1_ct, d, sizeof(d) / sizeof(d[0]), read_fails);
	for (size_t i = 0; i < sizeof(walked) / sizeof(walked[0]); i++) {
		char *dir = fix_copy("v1");

		put_v1_hier(dir, NULL, NULL);
		if (walked[i].content)
			fix_put(dir, walked[i].file, walked[i].content);
		else
			fix_rm(dir, walked[i].file);
		snprintf(fix_case, sizeof(fix_case), "[no hierarchical_*, %s <- `%s`]",
			 walked[i].file, walked[i].content ? walked[i].content : "(removed)");
		read_fails(dir, v1_ct, walked[i].code);
		fix_case[0] = '\0';
		fix_rmtree(dir);
	}
}

static void test_v2_damaged(void **state)
{
	static const struct fix_damage d[] = {
	    {"lx/ct/memory.current", "", EINVAL},
	    {"lx/ct/memory.current", "9129", EINVAL},
	    {"lx/ct/memory.stat", "anon 122880\nfile 83", EINVAL},
	    {"lx/ct/memory.stat", "anon 122880\n", EINVAL}, /* no "file" line */
	    {"lx/ct/memory.stat", "", EINVAL},
	    {"lx/memory.max", "max max\n", EINVAL},
	    {"lx/memory.max", "-5\n", EINVAL},
	    {"lx/ct/memory.swap.current", NULL, ENOENT},
	    {"lx/memory.swap.max", "maximum\n", EINVAL},
	};

	(void)state;
	fix_damage_each("v2", v2_ct, d, sizeof(d) / sizeof(d[0]), read_fails);
}

static void test_cgroup_gone(void **state)
{
	(void)state;
	snprintf(fix_case, sizeof(fix_case), "[v1 gone]");
	fix_gone("v1", "memory/lxcfs-test/ct", v1_ct, read_fails);
	/* v2 through held fds opened only after the cgroup went: its files are looked for up the
	 * tree (the nearest cgroup with the controller), so its parent's values are read. The
	 * daemon's held fds were opened while it was there (a removed cgroup's fds answer
	 * ENODEV, read as ENOENT), and its paths are read again after such an error. */
	snprintf(fix_case, sizeof(fix_case), "[v2 gone]");
	open_only = true;
	fix_gone("v2", "lx/ct", v2_ct, read_fails);
	open_only = false;
	fix_case[0] = '\0';
}

static void test_no_memory_cgroup(void **state)
{
	char *dir = fix_copy("v1");

	(void)state;
	/* mounted, but the process has no line for it */
	read_fails(FIX "/v1", "3:cpuset:/\n", ENOENT);
	/* not mounted */
	fix_rmdir(dir, "memory");
	read_fails(dir, v1_ct, ENOENT);
	fix_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1_recorded),
	    cmocka_unit_test(test_v1_parent),
	    cmocka_unit_test(test_v2_recorded),
	    cmocka_unit_test(test_hybrid),
	    cmocka_unit_test(test_limits_v1_hierarchical),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_own_limits),
	    cmocka_unit_test(test_no_swap_accounting),
	    cmocka_unit_test(test_v2_controller_off_below),
	    cmocka_unit_test(test_v2_slab_sum),
	    cmocka_unit_test(test_zswap),
	    cmocka_unit_test(test_limits_only),
	    cmocka_unit_test(test_v1_damaged),
	    cmocka_unit_test(test_v2_damaged),
	    cmocka_unit_test(test_cgroup_gone),
	    cmocka_unit_test(test_no_memory_cgroup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
