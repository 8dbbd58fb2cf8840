#include "fileio.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

int read_file_at(int dirfd, const char *path, struct strbuf *sb, struct lx_error *err)
{
	__close int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t total = 0;

	if (fd < 0)
		return lx_error_set(err, errno, "open `%s`", path);
	for (;;) {
		ssize_t n;

		if (sb_reserve(sb, 4096) < 0)
			return lx_error_set(err, ENOMEM, "read `%s`", path);
		n = read(fd, sb->buf + sb->len, sb->cap - sb->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return lx_error_set(err, errno, "read `%s`", path);
		}
		if (n == 0)
			break;
		sb->len += n;
		total += n;
		sb->buf[sb->len] = '\0';
	}
	return (int)total;
}

/* seq_file stops short of the buffer's end when the next record does not fit: a read that
 * leaves more room than any record of these files takes means the text ended. */
#define SEQ_RECORD_MAX 8192

ssize_t pread_whole(int fd, struct strbuf *sb)
{
	size_t start = sb->len;
	char first[2 * SEQ_RECORD_MAX];
	ssize_t n;

	/* Most of these files are far smaller than the room a seq_file read needs to be known
	 * complete: read into the stack, and give sb only what the text takes (a small
	 * allocation, not 32 KiB from the shared heap on every read). */
	do
		n = pread(fd, first, sizeof(first), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (sb_append(sb, first, n) < 0)
		return -1;
	if (n == 0 || sizeof(first) - n > SEQ_RECORD_MAX)
		return n;
	for (;;) {
		size_t room;

		/* a big file: room for all of it so far and the records that may follow */
		if (sb_reserve(sb, sb->len - start + 2 * SEQ_RECORD_MAX) < 0) {
			sb_truncate(sb, start);
			return -1;
		}
		room = sb->cap - sb->len - 1;
		n = pread(fd, sb->buf + sb->len, room, sb->len - start);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sb_truncate(sb, start);
			return -1;
		}
		sb->len += n;
		sb->buf[sb->len] = '\0';
		if (n == 0 || room - n > SEQ_RECORD_MAX)
			return (ssize_t)(sb->len - start);
	}
}

ssize_t pread_text(int fd, char *buf, size_t bufsz)
{
	ssize_t n;

	do
		n = pread(fd, buf, bufsz - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "max", 3) == 0) {
		end = (char *)s + 3;
		v = UINT64_MAX;
	} else {
		if (!isdigit((unsigned char)*s)) {
			errno = EINVAL;
			return -1;
		}
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno)
			return -1;
	}
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (*end) {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

static const char *find_line_key(const char *text, const char *key, size_t klen)
{
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0)
			return p + klen;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static int parse_u64_prefix(const char *p, uint64_t *out)
{
	char *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p)) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	*out = strtoull(p, &end, 10);
	if (errno)
		return -1;
	if (*end && *end != ' ' && *end != '\t' && *end != '\n') {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int find_key_u64(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = text;

	while ((p = find_line_key(p, key, klen))) {
		if (*p == ' ' || *p == '\t')
			return parse_u64_prefix(p, out);
		p = strchr(p, '\n');
	}
	errno = ENOENT;
	return -1;
}

int find_meminfo_kb(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = text;

	while ((p = find_line_key(p, key, klen))) {
		if (*p == ':')
			return parse_u64_prefix(p + 1, out);
		p = strchr(p, '\n');
	}
	errno = ENOENT;
	return -1;
}
