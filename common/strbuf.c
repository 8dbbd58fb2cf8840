#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sb_reserve(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1, cap;
	char *p;

	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(sb->buf, cap);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	if (!sb->buf)
		p[0] = '\0';
	sb->buf = p;
	sb->cap = cap;
	return 0;
}

int sb_append(struct strbuf *sb, const char *s, size_t n)
{
	if (sb_reserve(sb, n) < 0)
		return -1;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int sb_puts(struct strbuf *sb, const char *s)
{
	return sb_append(sb, s, strlen(s));
}

int sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb_reserve(sb, 64) < 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sb->cap - sb->len) {
		if (sb_reserve(sb, n) < 0)
			return -1;
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += n;
	return 0;
}

void sb_reset(struct strbuf *sb)
{
	sb_truncate(sb, 0);
}

void sb_truncate(struct strbuf *sb, size_t len)
{
	if (len >= sb->len)
		return;
	sb->len = len;
	sb->buf[len] = '\0';
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

char *sb_steal(struct strbuf *sb)
{
	char *p;

	if (!sb->buf && sb_reserve(sb, 0) < 0)
		return NULL;
	p = sb->buf;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}
