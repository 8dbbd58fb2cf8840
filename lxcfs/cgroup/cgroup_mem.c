/* Memory of a cgroup: effective limits, usage, swap and memory.stat, v1 or v2.
 *
 * v1 reads the process's memory cgroup itself (every v1 cgroup has every file; a missing one
 * there is an error). v2 reads the nearest ancestor-or-self with memory.current, i.e. the
 * cgroup whose memory controller the process is charged to (memory.current is absent where
 * the controller is not enabled, and in the root: a root reader gets an error). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/cgroup_internal.h"
#include "common/cleanup.h"

#define STAT_RECORD_MAX 8192 /* room a seq_file read needs to be known whole (fileio.c) */

static int read_stat(const struct cg_dir *d, const struct cg_key *keys, size_t n,
		     struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char what[PATH_MAX + 64], small[2 * STAT_RECORD_MAX + 1];
	const char *text = small;
	/* on the stack when it fits (about 1.5 KiB): no allocation per read */
	int r = cg_read_small(d, "memory.stat", small, sizeof(small), STAT_RECORD_MAX, err);

	if (r == CG_READ_SLOW) {
		r = cg_read(d, "memory.stat", &sb, err);
		text = sb.buf ? sb.buf : "";
	}
	if (r < 0)
		return -1;
	/* the name for an error only (parsed again to say it: the same text, the same error) */
	if (cg_parse_keys(text, keys, n, "memory.stat", err) == 0)
		return 0;
	snprintf(what, sizeof(what), "%s: `%s/memory.stat`", d->ctrl, d->rel);
	return cg_parse_keys(text, keys, n, what, err);
}

/* v1 prints the effective limits (the minimum over the cgroup and all its ancestors, up to the
 * real root even when our view of the hierarchy starts lower) in memory.stat as
 * hierarchical_memory_limit and hierarchical_memsw_limit: one read instead of a walk. Without
 * those lines (kernels before 2.6.29 for the first) the limit files are walked instead. */
#define NO_LINE UINT64_MAX

static int mem_v1(const struct cg_dir *d, struct cg_mem *m, bool stat, struct lx_error *err)
{
	struct lx_error e = {0, ""};
	uint64_t memsw_usage, memsw_limit = NO_LINE, limit = NO_LINE;
	const struct cg_key keys[] = {
	    {"total_cache", &m->cached, true},
	    {"total_rss", &m->anon, true},
	    {"total_shmem", &m->shmem, false},
	    {"total_mapped_file", &m->mapped, false},
	    {"total_dirty", &m->dirty, false},
	    {"total_writeback", &m->writeback, false},
	    {"total_active_anon", &m->active_anon, false},
	    {"total_inactive_anon", &m->inactive_anon, false},
	    {"total_active_file", &m->active_file, false},
	    {"total_inactive_file", &m->inactive_file, false},
	    {"total_unevictable", &m->unevictable, false},
	    {"hierarchical_memory_limit", &limit, false},
	    {"hierarchical_memsw_limit", &memsw_limit, false},
	};

	/* without the statistics, a walk of a few one-number files is cheaper than memory.stat */
	if ((stat && read_stat(d, keys, sizeof(keys) / sizeof(keys[0]), err) < 0) ||
	    cg_read_u64(d, "memory.usage_in_bytes", &m->usage, err) < 0)
		return -1;
	if (limit != NO_LINE)
		m->limit = cg_limit(limit);
	else if (cg_min_up(d, "memory.limit_in_bytes", true, &m->limit, err) < 0)
		return -1;
	/* swap accounting: memory.memsw.* exist only with swapaccount enabled */
	if (cg_read_u64(d, "memory.memsw.usage_in_bytes", &memsw_usage, &e) < 0)
		return e.code == ENOENT ? 0 : cg_error_pass(err, &e);
	if (memsw_limit != NO_LINE)
		memsw_limit = cg_limit(memsw_limit);
	else if (cg_min_up(d, "memory.memsw.limit_in_bytes", true, &memsw_limit, err) < 0)
		return -1;
	m->swap_accounting = true;
	if (memsw_limit == CG_UNLIMITED)
		m->swap_limit = CG_UNLIMITED;
	else
		m->swap_limit = memsw_limit > m->limit ? memsw_limit - m->limit : 0;
	m->swap_usage = memsw_usage > m->usage ? memsw_usage - m->usage : 0;
	return 0;
}

static int mem_v2(struct cg_dir *d, struct cg_mem *m, bool stat, struct lx_error *err)
{
	struct lx_error e = {0, ""};
	uint64_t slab = UINT64_MAX, zswap = UINT64_MAX, zswapped = UINT64_MAX;
	const struct cg_key keys[] = {
	    {"file", &m->cached, true},
	    {"anon", &m->anon, true},
	    {"shmem", &m->shmem, false},
	    {"file_mapped", &m->mapped, false},
	    {"file_dirty", &m->dirty, false},
	    {"file_writeback", &m->writeback, false},
	    {"active_anon", &m->active_anon, false},
	    {"inactive_anon", &m->inactive_anon, false},
	    {"active_file", &m->active_file, false},
	    {"inactive_file", &m->inactive_file, false},
	    {"unevictable", &m->unevictable, false},
	    {"slab", &slab, false},
	    {"slab_reclaimable", &m->slab_reclaimable, false},
	    {"slab_unreclaimable", &m->slab_unreclaimable, false},
	    {"zswap", &zswap, false},
	    {"zswapped", &zswapped, false},
	};

	if (cg_find_up(d, "memory.current", err) < 0 ||
	    cg_read_u64(d, "memory.current", &m->usage, err) < 0 ||
	    cg_min_up(d, "memory.max", false, &m->limit, err) < 0)
		return -1;
	/* memory.swap.* exist with CONFIG_MEMCG_SWAP (and not "swapaccount=0") */
	if (cg_read_u64(d, "memory.swap.max", &m->swap_limit, &e) == 0) {
		if (cg_min_up(d, "memory.swap.max", true, &m->swap_limit, err) < 0 ||
		    cg_read_u64(d, "memory.swap.current", &m->swap_usage, err) < 0)
			return -1;
		m->swap_accounting = true;
	} else if (e.code != ENOENT) {
		return cg_error_pass(err, &e);
	} else {
		m->swap_limit = 0;
	}
	if (!stat)
		return 0;
	if (read_stat(d, keys, sizeof(keys) / sizeof(keys[0]), err) < 0)
		return -1;
	/* kernels before 5.9 have no "slab" line: it is the sum of the two others */
	m->slab = slab != UINT64_MAX ? slab : m->slab_reclaimable + m->slab_unreclaimable;
	/* both lines, or neither (a kernel without zswap accounting) */
	m->have_zswap = zswap != UINT64_MAX && zswapped != UINT64_MAX;
	m->zswap = m->have_zswap ? zswap : 0;
	m->zswapped = m->have_zswap ? zswapped : 0;
	return 0;
}

static int mem_read(const struct cg_layout *l, const struct cg_paths *p, struct cg_mem *m,
		    bool stat, struct lx_error *err)
{
	struct cg_mem r;
	struct cg_dir d;
	int rc;

	memset(&r, 0, sizeof(r));
	if (cg_dir_open(l, p, CG_MEMORY, &d, err) < 0)
		return -1;
	rc = d.version == 1 ? mem_v1(&d, &r, stat, err) : mem_v2(&d, &r, stat, err);
	if (rc < 0)
		return -1;
	/* a cgroup removed while we read it may have served a mix of values: recheck */
	if (cg_dir_open(l, p, CG_MEMORY, &d, err) < 0)
		return -1;
	*m = r;
	return 0;
}

int cg_mem_read(const struct cg_layout *l, const struct cg_paths *p, struct cg_mem *m,
		struct lx_error *err)
{
	return mem_read(l, p, m, true, err);
}

int cg_mem_read_limits(const struct cg_layout *l, const struct cg_paths *p, struct cg_mem *m,
		       struct lx_error *err)
{
	return mem_read(l, p, m, false, err);
}

int cg_mem_own_limits(const struct cg_layout *l, const struct cg_paths *p, uint64_t *limit,
		      uint64_t *swap_limit, struct lx_error *err)
{
	struct lx_error e = {0, ""};
	struct cg_dir d;

	if (swap_limit)
		*swap_limit = 0;
	if (cg_dir_open(l, p, CG_MEMORY, &d, err) < 0)
		return -1;
	if (d.version != 1 && cg_find_up(&d, "memory.current", err) < 0)
		return -1;
	if (cg_read_u64(&d, d.version == 1 ? "memory.limit_in_bytes" : "memory.max", limit, err) <
	    0)
		return -1;
	if (swap_limit &&
	    cg_read_u64(&d, d.version == 1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max",
			swap_limit, &e) < 0 &&
	    e.code != ENOENT)
		return cg_error_pass(err, &e);
	return 0;
}
