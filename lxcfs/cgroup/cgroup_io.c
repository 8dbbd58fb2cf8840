/* Block I/O of a cgroup and its descendants, per device.
 *
 * v1 has several families of statistics files, each recursive or not:
 *   1. CFQ (kernels < 5.0):  blkio.io_serviced_recursive, io_service_bytes_recursive,
 *      io_merged_recursive, io_service_time_recursive, io_wait_time_recursive;
 *   2. BFQ:                  the same names with "blkio.bfq." (merged/times only with
 *      CONFIG_BFQ_CGROUP_DEBUG); only devices whose scheduler is bfq appear;
 *   3. throttle, recursive:  blkio.throttle.io_serviced_recursive, io_service_bytes_recursive
 *      (kernels >= 4.19), every device;
 *   4. throttle:             blkio.throttle.io_serviced, io_service_bytes of the cgroup alone:
 *      summed here over the cgroup and all its descendants; only read without family 3.
 * Lines are "MAJ:MIN Read|Write|Sync|Async|Discard|Total N" and a final "Total N".
 * Each device is taken from the first family, in that order, that has non-zero counts for it
 * (a family that lacks a device, is absent, or only has zeros for it, falls through).
 *
 * v2: io.stat ("MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=..", recursive) of the
 * nearest ancestor-or-self with the io controller enabled. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup_internal.h"
#include "common/cleanup.h"
#include "common/fileio.h"

struct io_acc {
	size_t n, cap;
	struct cg_io_dev *devs;
};

static void acc_free(struct io_acc *a)
{
	free(a->devs);
	a->devs = NULL;
	a->n = a->cap = 0;
}

static struct cg_io_dev *acc_get(struct io_acc *a, unsigned major, unsigned minor)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->devs[i].major == major && a->devs[i].minor == minor)
			return &a->devs[i];
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct cg_io_dev *d = realloc(a->devs, cap * sizeof(*d));

		if (!d)
			return NULL;
		a->devs = d;
		a->cap = cap;
	}
	memset(&a->devs[a->n], 0, sizeof(a->devs[0]));
	a->devs[a->n].major = major;
	a->devs[a->n].minor = minor;
	return &a->devs[a->n++];
}

/* Parse "MAJ:MIN" at *s, leaving *s after it. */
static int parse_devno(const char **s, unsigned *major, unsigned *minor)
{
	char *end;
	unsigned long v;

	if (**s < '0' || **s > '9')
		return -1;
	errno = 0;
	v = strtoul(*s, &end, 10);
	if (errno || *end != ':' || v > 0xfffff || end[1] < '0' || end[1] > '9')
		return -1;
	*major = (unsigned)v;
	v = strtoul(end + 1, &end, 10);
	if (errno || v > 0xfffff)
		return -1;
	*minor = (unsigned)v;
	*s = end;
	return 0;
}

/* Parse a decimal number in [s, end) (no blanks). */
static int parse_span(const char *s, const char *end, uint64_t *out)
{
	char buf[32];
	size_t n = end - s;

	if (n == 0 || n >= sizeof(buf) || *s < '0' || *s > '9')
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return parse_u64(buf, out);
}

enum rw_kind { RW_SERVICED, RW_BYTES, RW_MERGED, RW_TIME, RW_WAIT };

static void rw_add(struct cg_io_dev *d, enum rw_kind k, const char *op, size_t oplen, uint64_t v)
{
	static const char *const ops[] = {"Read", "Write", "Discard", "Total"};
	int o = -1;

	for (int i = 0; i < 4; i++)
		if (strlen(ops[i]) == oplen && memcmp(ops[i], op, oplen) == 0)
			o = i;
	if (o < 0 || (o == 3) != (k == RW_WAIT)) /* Sync, Async; totals of the others */
		return;
	switch (k) {
	case RW_SERVICED:
		*(o == 0 ? &d->rios : o == 1 ? &d->wios : &d->dios) += v;
		break;
	case RW_BYTES:
		*(o == 0 ? &d->rbytes : o == 1 ? &d->wbytes : &d->dbytes) += v;
		break;
	case RW_MERGED:
		*(o == 0 ? &d->rmerged : o == 1 ? &d->wmerged : &d->dmerged) += v;
		break;
	case RW_TIME:
		*(o == 0 ? &d->rtime_ns : o == 1 ? &d->wtime_ns : &d->dtime_ns) += v;
		break;
	case RW_WAIT:
		d->wait_ns += v;
		break;
	}
}

/* Add one v1 "MAJ:MIN Op N" file's numbers into a. */
static int parse_rwstat(const struct cg_dir *d, const char *file, const char *text, enum rw_kind k,
			struct io_acc *a, struct lx_error *err)
{
	const char *s = text;
	unsigned lineno = 0;

	if (!*s)
		return lx_error_set(err, EINVAL, "%s: `%s/%s`: empty", d->ctrl, d->rel, file);
	while (*s) {
		const char *eol = strchrnul(s, '\n'), *op, *sp;
		unsigned major, minor;
		uint64_t v;

		lineno++;
		if (strncmp(s, "Total ", 6) == 0) {
			if (parse_span(s + 6, eol, &v) < 0)
				goto garbage;
		} else {
			struct cg_io_dev *dev;

			if (parse_devno(&s, &major, &minor) < 0 || *s != ' ')
				goto garbage;
			op = s + 1;
			sp = memchr(op, ' ', eol - op);
			if (!sp || sp == op || parse_span(sp + 1, eol, &v) < 0)
				goto garbage;
			if (!(dev = acc_get(a, major, minor)))
				return lx_error_set(err, ENOMEM, "blkio stats");
			rw_add(dev, k, op, sp - op, v);
		}
		s = *eol ? eol + 1 : eol;
	}
	return 0;
garbage:
	return lx_error_set(err, EINVAL, "%s: `%s/%s`: line %u malformed", d->ctrl, d->rel, file,
			    lineno);
}

struct v1_family {
	const char *file[5]; /* by enum rw_kind; serviced and bytes are required, others optional */
	bool recursive;
};

static const struct v1_family families[] = {
    {{"blkio.io_serviced_recursive", "blkio.io_service_bytes_recursive",
      "blkio.io_merged_recursive", "blkio.io_service_time_recursive",
      "blkio.io_wait_time_recursive"},
     true},
    {{"blkio.bfq.io_serviced_recursive", "blkio.bfq.io_service_bytes_recursive",
      "blkio.bfq.io_merged_recursive", "blkio.bfq.io_service_time_recursive",
      "blkio.bfq.io_wait_time_recursive"},
     true},
    {{"blkio.throttle.io_serviced_recursive", "blkio.throttle.io_service_bytes_recursive"}, true},
    {{"blkio.throttle.io_serviced", "blkio.throttle.io_service_bytes"}, false},
};

enum { FAMILY_THROTTLE_RECURSIVE = 2 }; /* index in families */

struct family_walk {
	const struct v1_family *f;
	struct io_acc *acc;
};

/* Add the family's files of one cgroup. */
static int family_visit(const struct cg_dir *d, void *arg, struct lx_error *err)
{
	struct family_walk *w = arg;
	__sbfree struct strbuf sb = STRBUF_INIT;

	for (int k = RW_SERVICED; k <= RW_WAIT; k++) {
		struct lx_error e = {0, ""};
		const char *file = w->f->file[k];

		if (!file)
			continue;
		if (cg_read(d, file, &sb, &e) < 0) {
			if (e.code == ENOENT && k > RW_BYTES) /* optional */
				continue;
			return cg_error_pass(err, &e);
		}
		if (parse_rwstat(d, file, sb.buf ? sb.buf : "", k, w->acc, err) < 0)
			return -1;
	}
	return 0;
}

static bool dev_has_io(const struct cg_io_dev *d)
{
	return d->rios || d->wios || d->dios || d->rbytes || d->wbytes || d->dbytes;
}

/* Take the devices of src that out lacks, or has with zero counts only. */
static int merge(struct io_acc *out, const struct io_acc *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct cg_io_dev *s = &src->devs[i];
		size_t before = out->n;
		struct cg_io_dev *d = acc_get(out, s->major, s->minor);

		if (!d)
			return -1;
		if (out->n > before || (!dev_has_io(d) && dev_has_io(s)))
			*d = *s;
	}
	return 0;
}

static int io_v1(const struct cg_dir *d, struct io_acc *out, struct lx_error *err)
{
	bool throttle_recursive = false;

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		struct io_acc acc = {0, 0, NULL};
		struct family_walk w = {&families[i], &acc};
		int r;

		/* with the recursive throttle files, the others are the same counters, summed
		 * by the kernel (with those of removed descendants): walking the tree could only
		 * find fewer (not looked at: no descriptor held for them) */
		if ((!families[i].recursive && throttle_recursive) ||
		    !cg_has_file(d, families[i].file[RW_SERVICED]))
			continue;
		if (families[i].recursive) {
			r = family_visit(d, &w, err);
			throttle_recursive |= i == FAMILY_THROTTLE_RECURSIVE;
		} else {
			r = cg_walk_tree(d, family_visit, &w, err);
		}
		if (r == 0 && merge(out, &acc) < 0)
			r = lx_error_set(err, ENOMEM, "blkio stats");
		acc_free(&acc);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int io_v2(struct cg_dir *d, struct io_acc *out, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	const char *s;
	unsigned lineno = 0;

	if (cg_find_up(d, "io.stat", err) < 0 || cg_read(d, "io.stat", &sb, err) < 0)
		return -1;
	s = sb.buf ? sb.buf : ""; /* empty: no I/O yet */
	while (*s) {
		const char *eol = strchrnul(s, '\n');
		struct cg_io_dev *dev;
		unsigned major, minor;

		lineno++;
		if (parse_devno(&s, &major, &minor) < 0 || (*s != ' ' && s != eol))
			goto garbage;
		if (!(dev = acc_get(out, major, minor)))
			return lx_error_set(err, ENOMEM, "io stats");
		while (s < eol) {
			static const char *const keys[] = {"rbytes", "wbytes", "rios",
							   "wios",   "dbytes", "dios"};
			uint64_t *dst[] = {&dev->rbytes, &dev->wbytes, &dev->rios,
					   &dev->wios,	 &dev->dbytes, &dev->dios};
			const char *tok = s + strspn(s, " "), *end, *eq;

			if (tok >= eol)
				break;
			end = tok + strcspn(tok, " \n");
			eq = memchr(tok, '=', end - tok);
			if (!eq || eq == tok)
				goto garbage;
			/* other keys (cost.*, io.latency's) may not be integers: skip them */
			for (int i = 0; i < 6; i++) {
				if (strlen(keys[i]) != (size_t)(eq - tok) ||
				    memcmp(keys[i], tok, eq - tok) != 0)
					continue;
				if (parse_span(eq + 1, end, dst[i]) < 0)
					goto garbage;
			}
			s = end;
		}
		s = *eol ? eol + 1 : eol;
	}
	return 0;
garbage:
	return lx_error_set(err, EINVAL, "%s: `%s/io.stat`: line %u malformed", d->ctrl, d->rel,
			    lineno);
}

static int dev_cmp(const void *a, const void *b)
{
	const struct cg_io_dev *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	return x->minor < y->minor ? -1 : x->minor > y->minor;
}

void cg_io_free(struct cg_io *io)
{
	free(io->devs);
	io->devs = NULL;
	io->n = 0;
}

int cg_io_read(const struct cg_layout *l, const struct cg_paths *p, struct cg_io *io,
	       struct lx_error *err)
{
	struct io_acc acc = {0, 0, NULL};
	struct cg_dir d;
	int r;

	io->n = 0;
	io->devs = NULL;
	if (cg_dir_open(l, p, CG_BLKIO, &d, err) < 0)
		return -1;
	r = d.version == 1 ? io_v1(&d, &acc, err) : io_v2(&d, &acc, err);
	/* a cgroup removed while we read it may have served a mix of values: recheck */
	if (r == 0)
		r = cg_dir_open(l, p, CG_BLKIO, &d, err);
	if (r < 0) {
		acc_free(&acc);
		return -1;
	}
	if (acc.n)
		qsort(acc.devs, acc.n, sizeof(acc.devs[0]), dev_cmp);
	io->n = acc.n;
	io->devs = acc.devs;
	return 0;
}
