/* A growable text buffer. Renderers write their output into one. */
#ifndef COMMON_STRBUF_H
#define COMMON_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;  /* always NUL-terminated once anything was added */
	size_t len; /* bytes used, without the NUL */
	size_t cap;
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* All return 0, or -1 with errno ENOMEM. */
int sb_reserve(struct strbuf *sb, size_t extra);
int sb_append(struct strbuf *sb, const char *s, size_t n);
int sb_puts(struct strbuf *sb, const char *s);
int sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_reset(struct strbuf *sb); /* len = 0, keeps memory */
/* Cut back to len bytes (no-op when already shorter): undoes a half-written append. */
void sb_truncate(struct strbuf *sb, size_t len);
void sb_free(struct strbuf *sb);
/* Hand the buffer to the caller (never NULL on success: "" for empty). */
char *sb_steal(struct strbuf *sb);

static inline void cleanup_sb(struct strbuf *sb)
{
	sb_free(sb);
}
#define __sbfree __attribute__((cleanup(cleanup_sb)))

#endif
