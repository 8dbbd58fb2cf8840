#include "mountinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"
#include "strbuf.h"

/* Undo the kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
static char *unescape(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ =
			    (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static void mount_free(struct lx_mount *m)
{
	free(m->root);
	free(m->mountpoint);
	free(m->opts);
	free(m->optional);
	free(m->fstype);
	free(m->source);
}

void lx_mounts_free(struct lx_mounts *m)
{
	for (size_t i = 0; i < m->n; i++)
		mount_free(&m->v[i]);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* Split one line into space separated fields (at most max). */
static size_t split(const char *line, size_t len, const char **f, size_t *fl, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len && n < max) {
		while (i < len && line[i] == ' ')
			i++;
		if (i >= len)
			break;
		f[n] = line + i;
		while (i < len && line[i] != ' ')
			i++;
		fl[n] = line + i - f[n];
		n++;
	}
	return n;
}

/* A decimal number of at most 9 digits making up all of s[0..n) up to a stop character
 * (none when stop is 0); its end in *used. */
static int number(const char *s, size_t n, char stop, unsigned *out, size_t *used)
{
	size_t i = 0;

	*out = 0;
	for (; i < n && s[i] != stop; i++) {
		if (s[i] < '0' || s[i] > '9' || i == 9)
			return -1;
		*out = *out * 10 + (unsigned)(s[i] - '0');
	}
	*used = i;
	return i > 0 ? 0 : -1;
}

/* "ID PARENT MAJ:MIN" exactly as the kernel prints them: whole decimal fields (a field with
 * anything after its digits is malformed, not read as its leading number). The root of the
 * whole mount tree is its own parent ("1 1 0:2 / / rw - rootfs rootfs", an initramfs root):
 * it gets parent 0, no mount's id, so that a walk down a mount stack always ends. */
static int parse_ids(const char **f, const size_t *fl, struct lx_mount *m)
{
	unsigned id, parent;
	size_t used;

	if (number(f[0], fl[0], 0, &id, &used) < 0 || number(f[1], fl[1], 0, &parent, &used) < 0)
		return -1;
	if (id == parent)
		parent = 0;
	if (number(f[2], fl[2], ':', &m->major, &used) < 0 || used == fl[2] ||
	    number(f[2] + used + 1, fl[2] - used - 1, 0, &m->minor, &used) < 0)
		return -1;
	m->id = (int)id;
	m->parent = (int)parent;
	return 0;
}

static int parse_line(const char *line, size_t len, struct lx_mount *m)
{
	const char *f[64];
	size_t fl[64], n, sep;

	n = split(line, len, f, fl, 64);
	for (sep = 6; sep < n; sep++)
		if (fl[sep] == 1 && f[sep][0] == '-')
			break;
	if (sep + 3 >= n)
		return -1; /* need fstype, source and super options after "-" */
	if (parse_ids(f, fl, m) < 0)
		return -1;
	m->root = unescape(f[3], fl[3]);
	m->mountpoint = unescape(f[4], fl[4]);
	m->opts = strndup(f[5], fl[5]);
	m->optional = strndup(f[6], sep > 6 ? (size_t)(f[sep - 1] + fl[sep - 1] - f[6]) : 0);
	m->fstype = unescape(f[sep + 1], fl[sep + 1]);
	m->source = unescape(f[sep + 2], fl[sep + 2]);
	if (!m->root || !m->mountpoint || !m->opts || !m->optional || !m->fstype || !m->source)
		return -1;
	return 0;
}

int lx_mountinfo_parse(const char *text, struct lx_mounts *out, struct lx_error *err)
{
	const char *p = text;
	size_t cap = 0, lineno = 0;

	out->v = NULL;
	out->n = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lineno++;
		if (len > 0) {
			if (out->n == cap) {
				struct lx_mount *v;

				cap = cap ? cap * 2 : 64;
				v = realloc(out->v, cap * sizeof(*v));
				if (!v) {
					lx_mounts_free(out);
					return lx_error_set(err, ENOMEM, "mountinfo");
				}
				out->v = v;
			}
			memset(&out->v[out->n], 0, sizeof(out->v[0]));
			if (parse_line(p, len, &out->v[out->n]) < 0) {
				mount_free(&out->v[out->n]);
				lx_mounts_free(out);
				return lx_error_set(err, EINVAL, "mountinfo line %zu is malformed",
						    lineno);
			}
			out->n++;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return 0;
}

int lx_mountinfo_read(pid_t pid, struct lx_mounts *out, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char path[64];

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/mountinfo");
	if (read_file_at(AT_FDCWD, path, &sb, err) < 0)
		return -1;
	if (lx_mountinfo_parse(sb.buf ? sb.buf : "", out, err) < 0)
		return lx_error_wrap(err, "%s", path);
	return 0;
}

const struct lx_mount *lx_mounts_top(const struct lx_mounts *m, const char *path)
{
	const struct lx_mount *top = NULL;

	/* A mount is on top when no other mount at the same path has it as parent. */
	for (size_t i = 0; i < m->n; i++) {
		bool covered = false;

		if (strcmp(m->v[i].mountpoint, path))
			continue;
		for (size_t j = 0; j < m->n; j++)
			if (j != i && m->v[j].parent == m->v[i].id &&
			    !strcmp(m->v[j].mountpoint, path)) {
				covered = true;
				break;
			}
		if (!covered)
			top = &m->v[i]; /* the last uncovered one wins (mount order) */
	}
	return top;
}

const struct lx_mount *lx_mounts_below(const struct lx_mounts *m, const struct lx_mount *mnt)
{
	/* never itself: a root with id 0 has parent 0 too (parse_ids) */
	for (size_t i = 0; i < m->n; i++)
		if (&m->v[i] != mnt && m->v[i].id == mnt->parent &&
		    !strcmp(m->v[i].mountpoint, mnt->mountpoint))
			return &m->v[i];
	return NULL;
}

bool lx_mount_is_shared(const struct lx_mount *mnt)
{
	return strstr(mnt->optional, "shared:") != NULL;
}
