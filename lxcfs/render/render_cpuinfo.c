/* /proc/cpuinfo of a container: the host blocks of its CPUs, renumbered from 0.
 *
 * A block starts at a "processor\t: N" line (N the real CPU number) and runs to the next
 * blank line (x86, arm64, ppc64, riscv...). Lines outside blocks (arm64 vendor kernels'
 * leading "Processor" and trailing "Hardware" lines, ppc64's platform footer) are kept
 * where they are. Old arm64 kernels list bare "processor : N" lines one after another
 * with the shared lines below them: then each block is the processor line alone.
 *
 * In a kept block, processor becomes 0, 1, 2... and, where present, physical id takes
 * the same number (one socket per CPU), siblings 1, core id 0, cpu cores 1: a container
 * that counts sockets, cores or threads finds as many as it has CPUs. No line is added,
 * so arm64 blocks (no topology lines) stay arm64-shaped. Everything else is the host
 * block's text for that CPU, including apicid and initial apicid: they name the real
 * APIC of the CPU, are unique per CPU as they are, and renumbering them would invent ids
 * that no interrupt controller has.
 *
 * Errors (EINVAL): an empty set, host text with no processor line, a processor line
 * without a number, text not ending in a newline or a block not closed by a blank line
 * (truncated), and no host block for any CPU of the set. */
#include "render/render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cline {
	const char *s;
	size_t len;
};

/* The value of "key<blanks>: value": offset of the value, or 0 when the line has another
 * key. */
static size_t value_at(const struct cline *l, const char *key)
{
	size_t klen = strlen(key), i;

	if (l->len < klen || memcmp(l->s, key, klen) != 0)
		return 0;
	i = klen;
	while (i < l->len && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	if (i == l->len || l->s[i] != ':')
		return 0;
	i++;
	while (i < l->len && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	return i;
}

/* Processor number of a "processor : N" line: 0 and *cpu set, 1 for another line, -1 for
 * a processor line whose value is not a number. */
static int processor_of(const struct cline *l, unsigned long *cpu)
{
	size_t v = value_at(l, "processor");
	char num[24];
	char *end;

	if (!v)
		return 1;
	if (l->len - v == 0 || l->len - v >= sizeof(num))
		return -1;
	memcpy(num, l->s + v, l->len - v);
	num[l->len - v] = '\0';
	if (num[0] < '0' || num[0] > '9')
		return -1;
	errno = 0;
	*cpu = strtoul(num, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno || *end)
		return -1;
	return 0;
}

static bool next_line(const char **p, struct cline *l)
{
	const char *nl;

	if (!**p)
		return false;
	nl = strchr(*p, '\n');
	l->s = *p;
	l->len = nl ? (size_t)(nl - *p) : strlen(*p);
	*p = nl ? nl + 1 : *p + l->len;
	return true;
}

/* Old arm64 layout: two processor lines in a row. */
static bool bare_processor_lines(const char *text)
{
	struct cline l;
	unsigned long cpu;
	bool prev = false;

	while (next_line(&text, &l)) {
		bool cur = processor_of(&l, &cpu) == 0;

		if (cur && prev)
			return true;
		prev = cur;
	}
	return false;
}

/* A line of a kept block, with its topology value replaced. */
static int emit_block_line(const struct cline *l, unsigned idx, struct strbuf *out)
{
	static const struct {
		const char *key;
		int value; /* -1: the new CPU index */
	} topo[] = {{"processor", -1},
		    {"physical id", -1},
		    {"siblings", 1},
		    {"core id", 0},
		    {"cpu cores", 1}};

	for (size_t i = 0; i < sizeof(topo) / sizeof(topo[0]); i++) {
		size_t v = value_at(l, topo[i].key);

		if (v)
			return sb_printf(out, "%.*s%u\n", (int)v, l->s,
					 topo[i].value < 0 ? idx : (unsigned)topo[i].value);
	}
	if (sb_append(out, l->s, l->len) < 0)
		return -1;
	return sb_puts(out, "\n");
}

static int render(const char *host, const struct cpuset *cpus, struct strbuf *out)
{
	bool bare = bare_processor_lines(host);
	bool in_block = false, keep = false;
	unsigned idx = 0, kept = 0;
	struct cline l;
	const char *p = host;

	while (next_line(&p, &l)) {
		unsigned long cpu;
		int r = processor_of(&l, &cpu);

		if (r < 0)
			return -1;
		if (r == 0) {
			in_block = true;
			keep = cpu < CPUSET_MAX && cpuset_has(cpus, (unsigned)cpu);
			if (keep) {
				kept++;
				if (emit_block_line(&l, idx++, out) < 0)
					return -1;
			}
			continue;
		}
		if (in_block && (bare || l.len == 0)) {
			in_block = false;
			if (l.len == 0 && !keep)
				continue; /* the blank line closing a dropped block */
		} else if (in_block) {
			if (keep && emit_block_line(&l, idx - 1, out) < 0)
				return -1;
			continue;
		}
		if (sb_append(out, l.s, l.len) < 0 || sb_puts(out, "\n") < 0)
			return -1;
	}
	if (kept == 0 || (in_block && !bare)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int render_cpuinfo(const char *host_cpuinfo, const struct cpuset *cpus, struct strbuf *out)
{
	size_t n = strlen(host_cpuinfo), start = out->len;

	if (cpuset_count(cpus) == 0 || n == 0 || host_cpuinfo[n - 1] != '\n') {
		errno = EINVAL;
		return -1;
	}
	if (render(host_cpuinfo, cpus, out) < 0) {
		if (errno != ENOMEM)
			errno = EINVAL;
		sb_truncate(out, start);
		return -1;
	}
	return 0;
}
