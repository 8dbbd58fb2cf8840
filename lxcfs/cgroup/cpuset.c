#include "cgroup/cpuset.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cpuset_clear(struct cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

void cpuset_set(struct cpuset *s, unsigned cpu)
{
	if (cpu < CPUSET_MAX)
		s->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

bool cpuset_has(const struct cpuset *s, unsigned cpu)
{
	return cpu < CPUSET_MAX && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned cpuset_count(const struct cpuset *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CPUSET_WORDS; i++)
		n += __builtin_popcountll(s->bits[i]);
	return n;
}

int cpuset_nth(const struct cpuset *s, unsigned n)
{
	for (unsigned i = 0; i < CPUSET_WORDS; i++) {
		unsigned c = __builtin_popcountll(s->bits[i]);
		uint64_t w = s->bits[i];

		if (n >= c) {
			n -= c;
			continue;
		}
		while (n--)
			w &= w - 1;
		return (int)(i * 64 + __builtin_ctzll(w));
	}
	return -1;
}

static int parse_num(const char **p, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno || v >= CPUSET_MAX)
		return -1;
	*p = end;
	*out = (unsigned)v;
	return 0;
}

int cpuset_parse(const char *text, struct cpuset *out)
{
	const char *p = text;

	cpuset_clear(out);
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != '\n') {
		unsigned a, b;

		if (parse_num(&p, &a) < 0)
			goto inval;
		b = a;
		if (*p == '-') {
			p++;
			if (parse_num(&p, &b) < 0 || b < a)
				goto inval;
		}
		for (unsigned c = a; c <= b; c++)
			cpuset_set(out, c);
		if (*p == ',') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto inval; /* a trailing comma: the kernel never writes one */
		} else if (*p && *p != '\n') {
			goto inval;
		}
	}
	if (*p == '\n')
		p++;
	if (*p)
		goto inval;
	return 0;
inval:
	cpuset_clear(out); /* no partial set for a caller that ignores the error */
	errno = EINVAL;
	return -1;
}

int cpuset_format(const struct cpuset *s, struct strbuf *sb)
{
	bool first = true;

	for (unsigned c = 0; c < CPUSET_MAX; c++) {
		unsigned e;

		if (!cpuset_has(s, c))
			continue;
		e = c;
		while (e + 1 < CPUSET_MAX && cpuset_has(s, e + 1))
			e++;
		if (sb_printf(sb, e > c ? "%s%u-%u" : "%s%u", first ? "" : ",", c, e) < 0)
			return -1;
		first = false;
		c = e;
	}
	return sb_reserve(sb, 0);
}

void cpuset_truncate(struct cpuset *s, unsigned n)
{
	int cut = cpuset_nth(s, n);

	if (cut < 0)
		return;
	for (unsigned c = cut; c < CPUSET_MAX; c++)
		if (cpuset_has(s, c))
			s->bits[c / 64] &= ~(1ULL << (c % 64));
}

void cpuset_and(struct cpuset *dst, const struct cpuset *other)
{
	for (unsigned i = 0; i < CPUSET_WORDS; i++)
		dst->bits[i] &= other->bits[i];
}
