/* /proc/meminfo of a container: the host file, line for line, with the container's values.
 *
 * Every host line is kept, in the host's order. The number of a line that gets a container
 * value is printed where the kernel would print it: the key column and number width are
 * taken from the host file itself (the kernel's "%-16s%8lu kB"), so tools that parse by
 * key or by column read it like the real file. All values are kB.
 *
 * From the container (cg_mem, bytes / 1024):
 *   MemTotal      min(limit, host MemTotal)   (the host's when unlimited or above it)
 *   MemFree       MemTotal - usage, at least 0
 *   MemAvailable  min(MemTotal, MemFree + reclaimable file cache + SReclaimable), where
 *                 the file cache is Active(file) + Inactive(file), or Cached - Shmem when
 *                 memory.stat gave no file LRU counts
 *   Cached, Active(anon), Inactive(anon), Active(file), Inactive(file), Unevictable,
 *   Shmem, Mapped, AnonPages, Dirty, Writeback, SReclaimable, SUnreclaim: memory.stat
 *   Active/Inactive = anon + file; Slab = slab, or SReclaimable + SUnreclaim without it
 *   KReclaimable  = SReclaimable (a cgroup accounts no other reclaimable kernel memory)
 *   SwapTotal     min(swap limit, host SwapTotal); 0 when swap is disabled (-u) or the
 *                 cgroup has no swap accounting. SwapFree = SwapTotal - swap use, >= 0.
 *   Zswap, Zswapped  memory.stat zswap and zswapped (v2, a kernel with zswap accounting);
 *                 0 without those counters (v1 has none: the host's pool is not the
 *                 container's) and with zswap disabled (-z)
 * Set to 0:
 *   Buffers       a cgroup counts block-device buffers inside its file cache (Cached)
 *   SwapCached    not accounted per cgroup in struct cg_mem
 * Every container value is at most MemTotal (SwapTotal/SwapFree: at most SwapTotal).
 *
 * Other lines keep the host value, except that a kB amount of host memory larger than
 * MemTotal (Mlocked, KernelStack, PageTables, Percpu, AnonHugePages, Hugetlb, ...)
 * is lowered to MemTotal: no line claims more memory than the container has. Lines that
 * are not amounts of the container's RAM keep the host value unchanged: VmallocTotal,
 * VmallocUsed, VmallocChunk (kernel address space), CommitLimit and Committed_AS (the
 * host's overcommit accounting, which may exceed RAM by design), Hugepagesize (a page
 * size), DirectMap* (the host kernel's linear mapping) and lines without " kB"
 * (HugePages_*: page counts).
 *
 * Invariants: MemFree <= MemAvailable <= MemTotal and SwapFree <= SwapTotal. */
#include "render/render.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/fileio.h"

struct kv {
	const char *key;
	size_t klen;
	uint64_t kb;
};

/* The values that replace host values, looked up by key. */
struct mem_view {
	uint64_t total;
	struct kv v[32];
	size_t n;
};

/* Where the kernel put numbers in this file: numbers end at column `end` (the most
 * common end column), and the key field is `key_col` wide (numbers too wide for the
 * field start right there). */
struct layout {
	size_t key_col, end;
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t sub_clamp(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* Bytes to kB; CG_UNLIMITED stays "unlimited". */
static uint64_t to_kb(uint64_t bytes)
{
	return bytes == CG_UNLIMITED ? UINT64_MAX : bytes / 1024;
}

static void view_add(struct mem_view *mv, const char *key, uint64_t kb)
{
	mv->v[mv->n].key = key;
	mv->v[mv->n].klen = strlen(key);
	mv->v[mv->n].kb = kb;
	mv->n++;
}

static const uint64_t *view_find(const struct mem_view *mv, const char *key, size_t klen)
{
	for (size_t i = 0; i < mv->n; i++)
		if (mv->v[i].klen == klen && memcmp(mv->v[i].key, key, klen) == 0)
			return &mv->v[i].kb;
	return NULL;
}

static int view_compute(const char *host, const struct cg_mem *m, bool swap_enabled,
			bool zswap_enabled, struct mem_view *mv)
{
	uint64_t host_total, host_swap = 0, total, free, file, sre, sun, slab, swap_total;
	bool zswap;

	if (find_meminfo_kb(host, "MemTotal", &host_total) < 0) {
		errno = EINVAL;
		return -1;
	}
	/* A host without swap may have no SwapTotal line at all. */
	if (find_meminfo_kb(host, "SwapTotal", &host_swap) < 0)
		host_swap = 0;

	total = min_u64(to_kb(m->limit), host_total);
	free = sub_clamp(total, to_kb(m->usage));
	file = add_sat(to_kb(m->active_file), to_kb(m->inactive_file));
	if (file == 0)
		file = sub_clamp(to_kb(m->cached), to_kb(m->shmem));
	sre = min_u64(to_kb(m->slab_reclaimable), total);
	sun = min_u64(to_kb(m->slab_unreclaimable), total);
	slab = m->slab ? to_kb(m->slab) : add_sat(sre, sun);

	swap_total = 0;
	if (swap_enabled && m->swap_accounting)
		swap_total = min_u64(to_kb(m->swap_limit), host_swap);

	mv->total = total;
	mv->n = 0;
	view_add(mv, "MemTotal", total);
	view_add(mv, "MemFree", free);
	view_add(mv, "MemAvailable", min_u64(total, add_sat(free, add_sat(file, sre))));
	view_add(mv, "Buffers", 0);
	view_add(mv, "Cached", min_u64(to_kb(m->cached), total));
	view_add(mv, "SwapCached", 0);
	view_add(mv, "Active",
		 min_u64(add_sat(to_kb(m->active_anon), to_kb(m->active_file)), total));
	view_add(mv, "Inactive",
		 min_u64(add_sat(to_kb(m->inactive_anon), to_kb(m->inactive_file)), total));
	view_add(mv, "Active(anon)", min_u64(to_kb(m->active_anon), total));
	view_add(mv, "Inactive(anon)", min_u64(to_kb(m->inactive_anon), total));
	view_add(mv, "Active(file)", min_u64(to_kb(m->active_file), total));
	view_add(mv, "Inactive(file)", min_u64(to_kb(m->inactive_file), total));
	view_add(mv, "Unevictable", min_u64(to_kb(m->unevictable), total));
	view_add(mv, "SwapTotal", swap_total);
	view_add(mv, "SwapFree", sub_clamp(swap_total, to_kb(m->swap_usage)));
	view_add(mv, "Dirty", min_u64(to_kb(m->dirty), total));
	view_add(mv, "Writeback", min_u64(to_kb(m->writeback), total));
	view_add(mv, "AnonPages", min_u64(to_kb(m->anon), total));
	view_add(mv, "Mapped", min_u64(to_kb(m->mapped), total));
	view_add(mv, "Shmem", min_u64(to_kb(m->shmem), total));
	view_add(mv, "KReclaimable", sre);
	view_add(mv, "Slab", min_u64(slab, total));
	view_add(mv, "SReclaimable", sre);
	view_add(mv, "SUnreclaim", sun);
	zswap = zswap_enabled && m->have_zswap;
	view_add(mv, "Zswap", zswap ? min_u64(to_kb(m->zswap), total) : 0);
	view_add(mv, "Zswapped", zswap ? min_u64(to_kb(m->zswapped), total) : 0);
	return 0;
}

/* Host lines that keep their value whatever MemTotal is. */
static bool keeps_host_value(const char *key, size_t klen)
{
#define KEEP(k)                                                                                    \
	{                                                                                          \
		k, sizeof(k) - 1                                                                   \
	}
	static const struct {
		const char *key;
		size_t len;
	} keep[] = {KEEP("VmallocTotal"), KEEP("VmallocUsed"),	KEEP("VmallocChunk"),
		    KEEP("CommitLimit"),  KEEP("Committed_AS"), KEEP("Hugepagesize")};
#undef KEEP

	if (klen >= 9 && memcmp(key, "DirectMap", 9) == 0)
		return true;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (keep[i].len == klen && memcmp(keep[i].key, key, klen) == 0)
			return true;
	return false;
}

/* One host line, split: key (before ':'), the number's start and end offsets, and the
 * rest after it (" kB" or ""). */
struct mline {
	const char *s;
	size_t len, klen, num, num_end;
};

static int split_line(const char *s, size_t len, struct mline *l)
{
	const char *colon = memchr(s, ':', len);
	size_t i;

	if (!colon || colon == s)
		return -1;
	l->s = s;
	l->len = len;
	l->klen = colon - s;
	i = l->klen + 1;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	l->num = i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	l->num_end = i;
	if (l->num_end == l->num)
		return -1;
	return 0;
}

static bool has_kb_suffix(const struct mline *l)
{
	return l->len - l->num_end == 3 && memcmp(l->s + l->num_end, " kB", 3) == 0;
}

/* Calls fn on every line of text (without its '\n'). Text that does not end with a
 * newline is truncated: error. */
static int for_each_line(const char *text, int (*fn)(const struct mline *l, void *arg), void *arg)
{
	const char *p = text;
	size_t n = strlen(text);

	if (n == 0 || text[n - 1] != '\n') {
		errno = EINVAL;
		return -1;
	}
	while (*p) {
		const char *nl = strchr(p, '\n');
		struct mline l;

		if (split_line(p, nl - p, &l) < 0) {
			errno = EINVAL;
			return -1;
		}
		if (fn(&l, arg) < 0)
			return -1;
		p = nl + 1;
	}
	return 0;
}

struct layout_scan {
	unsigned ends[64];
	size_t key_col;
};

static int layout_line(const struct mline *l, void *arg)
{
	struct layout_scan *ls = arg;

	if (!has_kb_suffix(l))
		return 0;
	if (l->num < ls->key_col)
		ls->key_col = l->num;
	if (l->num_end < sizeof(ls->ends) / sizeof(ls->ends[0]))
		ls->ends[l->num_end]++;
	return 0;
}

static int layout_scan(const char *host, struct layout *lay)
{
	struct layout_scan ls = {.key_col = SIZE_MAX};

	if (for_each_line(host, layout_line, &ls) < 0)
		return -1;
	lay->end = 0;
	for (size_t e = 0; e < sizeof(ls.ends) / sizeof(ls.ends[0]); e++)
		if (ls.ends[e] > ls.ends[lay->end])
			lay->end = e;
	lay->key_col = ls.key_col == SIZE_MAX ? 0 : ls.key_col;
	return 0;
}

struct emit {
	const struct mem_view *mv;
	struct layout lay;
	struct strbuf *out;
};

/* The host line as it is, with its newline (for_each_line's lines are followed by one). */
static int copy_line(const struct mline *l, struct strbuf *out)
{
	return sb_append(out, l->s, l->len + 1);
}

/* Decimal digits of v at the end of buf[24]; returns where they start. */
static char *u64_digits(uint64_t v, char *buf_end)
{
	char *p = buf_end;

	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return p;
}

static int emit_line(const struct mline *l, void *arg)
{
	struct emit *e = arg;
	const uint64_t *val = view_find(e->mv, l->s, l->klen);
	uint64_t v;
	char num[24], *digits;
	size_t nd, end, start, suffix;

	if (val) {
		v = *val;
	} else {
		if (!has_kb_suffix(l) || keeps_host_value(l->s, l->klen))
			return copy_line(l, e->out);
		nd = l->num_end - l->num;
		if (nd >= sizeof(num)) {
			errno = EINVAL;
			return -1;
		}
		memcpy(num, l->s + l->num, nd);
		num[nd] = '\0';
		if (parse_u64(num, &v) < 0)
			return -1;
		if (v <= e->mv->total)
			return copy_line(l, e->out);
		v = e->mv->total;
	}
	/* Right-aligned at the file's number column; a number too wide for the field starts
	 * at the key column; at least one blank after the colon. */
	digits = u64_digits(v, num + sizeof(num));
	nd = (size_t)(num + sizeof(num) - digits);
	end = e->lay.end > e->lay.key_col + nd ? e->lay.end : e->lay.key_col + nd;
	start = end - nd;
	if (start < l->klen + 2)
		start = l->klen + 2;
	/* key ':' blanks number suffix '\n', written in place */
	suffix = l->len - l->num_end;
	if (sb_reserve(e->out, start + nd + suffix + 1) < 0)
		return -1;
	{
		char *w = e->out->buf + e->out->len;

		memcpy(w, l->s, l->klen);
		w[l->klen] = ':';
		memset(w + l->klen + 1, ' ', start - l->klen - 1);
		memcpy(w + start, digits, nd);
		memcpy(w + start + nd, l->s + l->num_end, suffix);
		w[start + nd + suffix] = '\n';
		e->out->len += start + nd + suffix + 1;
		e->out->buf[e->out->len] = '\0';
	}
	return 0;
}

int meminfo_values(const char *host_meminfo, const struct cg_mem *m, bool swap_enabled,
		   struct meminfo_values *out)
{
	struct mem_view mv;

	/* zswap shows in its own lines only, none of which sysinfo has */
	if (view_compute(host_meminfo, m, swap_enabled, false, &mv) < 0)
		return -1;
	/* the lines render_meminfo prints, by the same table */
	out->total = *view_find(&mv, "MemTotal", 8);
	out->free = *view_find(&mv, "MemFree", 7);
	out->available = *view_find(&mv, "MemAvailable", 12);
	out->buffers = *view_find(&mv, "Buffers", 7);
	out->shmem = *view_find(&mv, "Shmem", 5);
	out->swap_total = *view_find(&mv, "SwapTotal", 9);
	out->swap_free = *view_find(&mv, "SwapFree", 8);
	return 0;
}

int render_meminfo(const char *host_meminfo, const struct cg_mem *m, bool swap_enabled,
		   bool zswap_enabled, struct strbuf *out)
{
	struct mem_view mv;
	struct emit e = {.mv = &mv, .out = out};
	size_t start = out->len;

	if (view_compute(host_meminfo, m, swap_enabled, zswap_enabled, &mv) < 0 ||
	    layout_scan(host_meminfo, &e.lay) < 0 ||
	    for_each_line(host_meminfo, emit_line, &e) < 0) {
		int saved = errno == ENOMEM ? ENOMEM : EINVAL;

		/* nothing half-written stays in out */
		sb_truncate(out, start);
		errno = saved;
		return -1;
	}
	return 0;
}
