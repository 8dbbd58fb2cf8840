/* /proc/diskstats and /proc/partitions for a container: the devices its /dev names,
 * under those names. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "render/render.h"

#define DS_MIN_FIELDS	  14 /* major minor name + 11 counters (kernels before 4.18) */
#define DS_DEFAULT_FIELDS 20 /* 5.5+: when the host file has no line to copy it from */
#define DS_MAX_FIELDS	  64 /* more than any kernel prints: garbage */
#define DS_NSTATS	  17 /* counters we know (20-field format) */

struct tok {
	const char *s;
	size_t len;
};

/* Blank-separated tokens of one line of text, which the caller walks line by line. */
struct line {
	struct tok t[DS_MAX_FIELDS];
	unsigned n;
};

/* Split the next line at *p into tokens. Returns 1 for a line, 0 at the end of the
 * text, -1 (EINVAL) for a line with more than DS_MAX_FIELDS tokens. Sets *len. */
static int next_line(const char **p, struct line *l, size_t *len)
{
	const char *s = *p, *nl;
	size_t i = 0;

	if (!*s)
		return 0;
	nl = strchr(s, '\n');
	*len = nl ? (size_t)(nl - s) : strlen(s);
	*p = nl ? nl + 1 : s + *len;
	l->n = 0;
	while (i < *len) {
		size_t b;

		while (i < *len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == *len)
			break;
		if (l->n == DS_MAX_FIELDS)
			return -1;
		for (b = i; i < *len && s[i] != ' ' && s[i] != '\t'; i++)
			;
		l->t[l->n++] = (struct tok){s + b, i - b};
	}
	return 1;
}

static int tok_u64(const struct tok *t, uint64_t *out)
{
	uint64_t v = 0;

	if (t->len == 0 || t->len > 20)
		return -1;
	for (size_t i = 0; i < t->len; i++) {
		unsigned d = (unsigned char)t->s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int tok_devnum(const struct tok *t, unsigned *out)
{
	uint64_t v;

	if (tok_u64(t, &v) < 0 || v > UINT32_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* The container's name for major:minor, or NULL. Empty or unterminated names and names
 * with blanks (which would shift every column for parsers) count as no name. */
static const char *devname_of(const struct devnames *names, unsigned major, unsigned minor)
{
	for (size_t i = 0; names && i < names->n; i++) {
		const struct devname *d = &names->v[i];
		size_t len = strnlen(d->name, sizeof(d->name));

		if (d->major != major || d->minor != minor)
			continue;
		if (len == 0 || len == sizeof(d->name) || strpbrk(d->name, " \t\n"))
			continue;
		return d->name;
	}
	return NULL;
}

static const struct cg_io_dev *io_dev_of(const struct cg_io *io, unsigned major, unsigned minor)
{
	for (size_t i = 0; io && i < io->n; i++)
		if (io->devs[i].major == major && io->devs[i].minor == minor)
			return &io->devs[i];
	return NULL;
}

/* A diskstats line: "major minor name" + the counters; -1 (EINVAL) when malformed. */
static int ds_parse(const struct line *l, unsigned *major, unsigned *minor)
{
	uint64_t v;

	if (l->n < DS_MIN_FIELDS || tok_devnum(&l->t[0], major) < 0 ||
	    tok_devnum(&l->t[1], minor) < 0)
		return -1;
	for (unsigned k = 3; k < l->n; k++)
		if (tok_u64(&l->t[k], &v) < 0)
			return -1;
	return 0;
}

/* One diskstats line with nfields fields, in the kernel's diskstats_show() format:
 * counters %lu, times and in-flight %u (the kernel truncates those to 32 bits). */
static int ds_emit(const struct cg_io_dev *d, const char *name, unsigned nfields,
		   struct strbuf *out)
{
	const uint64_t ms = 1000000;
	uint64_t v[DS_NSTATS] = {
	    d->rios,
	    d->rmerged,
	    d->rbytes / 512,
	    d->rtime_ns / ms,
	    d->wios,
	    d->wmerged,
	    d->wbytes / 512,
	    d->wtime_ns / ms,
	    0, /* in flight */
	    (d->rtime_ns + d->wtime_ns) / ms,
	    (d->rtime_ns + d->wtime_ns + d->wait_ns) / ms,
	    d->dios,
	    d->dmerged,
	    d->dbytes / 512,
	    d->dtime_ns / ms,
	    0, /* flushes completed */
	    0, /* time flushing */
	};
	static const bool is_u32[DS_NSTATS] = {
	    [3] = true, [7] = true, [8] = true, [9] = true, [10] = true, [14] = true, [16] = true};

	if (sb_printf(out, "%4u %7u %s", d->major, d->minor, name) < 0)
		return -1;
	for (unsigned k = 0; k + 3 < nfields; k++) {
		int r;

		if (k >= DS_NSTATS)
			r = sb_puts(out, " 0");
		else if (is_u32[k])
			r = sb_printf(out, " %u", (unsigned)v[k]);
		else
			r = sb_printf(out, " %llu", (unsigned long long)v[k]);
		if (r < 0)
			return -1;
	}
	return sb_puts(out, "\n");
}

static int fail(struct strbuf *out, size_t start, int err)
{
	sb_truncate(out, start);
	errno = err;
	return -1;
}

/* Is major:minor in the host diskstats text (already checked well formed)? */
static bool ds_host_has(const char *host, unsigned major, unsigned minor)
{
	struct line l;
	size_t len;
	unsigned ma, mi;

	while (next_line(&host, &l, &len) > 0)
		if (l.n && ds_parse(&l, &ma, &mi) == 0 && ma == major && mi == minor)
			return true;
	return false;
}

int render_diskstats(const char *host_diskstats, const struct cg_io *io,
		     const struct devnames *names, struct strbuf *out)
{
	const char *p = host_diskstats;
	struct line l;
	size_t len, start = out->len;
	unsigned major, minor, deflt = 0;
	int r;

	if (!host_diskstats)
		return fail(out, start, EINVAL);
	/* Check every host line; the first one gives the format for devices the host
	 * file lacks. */
	while ((r = next_line(&p, &l, &len)) > 0) {
		if (l.n == 0)
			continue;
		if (ds_parse(&l, &major, &minor) < 0)
			return fail(out, start, EINVAL);
		if (!deflt)
			deflt = l.n;
	}
	if (r < 0)
		return fail(out, start, EINVAL);
	if (!deflt)
		deflt = DS_DEFAULT_FIELDS;

	/* Devices of the host file, in its order, with its column count. */
	for (p = host_diskstats; next_line(&p, &l, &len) > 0;) {
		const struct cg_io_dev *d;
		const char *name;

		if (l.n == 0 || ds_parse(&l, &major, &minor) < 0)
			continue;
		d = io_dev_of(io, major, minor);
		name = devname_of(names, major, minor);
		if (d && name && ds_emit(d, name, l.n, out) < 0)
			return fail(out, start, ENOMEM);
	}
	/* Then devices the host file does not list (once each). */
	for (size_t i = 0; io && i < io->n; i++) {
		const struct cg_io_dev *d = &io->devs[i];
		const char *name = devname_of(names, d->major, d->minor);

		if (!name || io_dev_of(io, d->major, d->minor) != d ||
		    ds_host_has(host_diskstats, d->major, d->minor))
			continue;
		if (ds_emit(d, name, deflt, out) < 0)
			return fail(out, start, ENOMEM);
	}
	return 0;
}

/* A partitions line: "major minor #blocks name". */
static int pt_parse(const struct line *l, unsigned *major, unsigned *minor, uint64_t *blocks)
{
	if (l->n != 4 || tok_devnum(&l->t[0], major) < 0 || tok_devnum(&l->t[1], minor) < 0 ||
	    tok_u64(&l->t[2], blocks) < 0)
		return -1;
	return 0;
}

int render_partitions(const char *host_partitions, const struct devnames *names, struct strbuf *out)
{
	const char *p = host_partitions, *hdr;
	struct line l;
	size_t len, hdrlen, start = out->len;
	unsigned major, minor;
	uint64_t blocks;
	int r;

	if (!host_partitions)
		return fail(out, start, EINVAL);
	/* "major minor  #blocks  name" then a blank line. */
	hdr = p;
	if (next_line(&p, &l, &len) <= 0 || l.n == 0)
		return fail(out, start, EINVAL);
	hdrlen = len;
	if (next_line(&p, &l, &len) <= 0 || l.n != 0)
		return fail(out, start, EINVAL);
	for (const char *q = p; (r = next_line(&q, &l, &len)) != 0;) {
		if (r < 0)
			return fail(out, start, EINVAL);
		if (l.n == 0)
			continue;
		if (pt_parse(&l, &major, &minor, &blocks) < 0)
			return fail(out, start, EINVAL);
	}

	if (sb_append(out, hdr, hdrlen) < 0 || sb_puts(out, "\n\n") < 0)
		return fail(out, start, ENOMEM);
	while (next_line(&p, &l, &len) > 0) {
		const char *name;

		if (l.n == 0 || pt_parse(&l, &major, &minor, &blocks) < 0)
			continue;
		name = devname_of(names, major, minor);
		if (name && sb_printf(out, "%4u  %7u %10llu %s\n", major, minor,
				      (unsigned long long)blocks, name) < 0)
			return fail(out, start, ENOMEM);
	}
	return 0;
}
