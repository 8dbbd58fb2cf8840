#include "fileio.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
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

static const char *file_type(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "of an unknown type";
}

/* Kernel interfaces that look like files: writing a log line there acts on the machine
 * (/proc/sys/kernel/hostname, /sys/..., cgroup.procs, binfmt_misc/register). */
static const char *pseudo_fs(int fd)
{
	static const struct {
		long magic;
		const char *name;
	} fs[] = {
	    {PROC_SUPER_MAGIC, "procfs"},
	    {SYSFS_MAGIC, "sysfs"},
	    {CGROUP_SUPER_MAGIC, "cgroupfs"},
	    {CGROUP2_SUPER_MAGIC, "cgroup2"},
	    {DEBUGFS_MAGIC, "debugfs"},
	    {TRACEFS_MAGIC, "tracefs"},
	    {SECURITYFS_MAGIC, "securityfs"},
	    {SELINUX_MAGIC, "selinuxfs"},
	    {SMACK_MAGIC, "smackfs"},
	    {BINFMTFS_MAGIC, "binfmt_misc"},
	    {BPF_FS_MAGIC, "bpf"},
	    {PSTOREFS_MAGIC, "pstore"},
	    {EFIVARFS_MAGIC, "efivarfs"},
	    {RDTGROUP_SUPER_MAGIC, "resctrl"},
	    {0x62656570 /* CONFIGFS_MAGIC */, "configfs"},
	};
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return "a file system that cannot be identified";
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
		if ((long)sf.f_type == fs[i].magic)
			return fs[i].name;
	return NULL;
}

/* 0 when fd is a regular file on an acceptable file system, else -1 with the reason */
static int check_regular(int fd, const char *path, bool real_fs, struct stat *st,
			 struct lx_error *err)
{
	const char *fs;

	if (fstat(fd, st) < 0)
		return lx_error_set(err, errno, "stat `%s`", path);
	if (S_ISLNK(st->st_mode)) /* O_PATH|O_NOFOLLOW opened the link itself */
		return lx_error_set(err, ELOOP, "`%s` is a symlink", path);
	if (!S_ISREG(st->st_mode))
		return lx_error_code(err, EINVAL, "`%s` is %s, not a regular file", path,
				     file_type(st->st_mode));
	if (real_fs && (fs = pseudo_fs(fd)))
		return lx_error_code(err, EINVAL, "`%s` is a file of %s, a kernel interface", path,
				     fs);
	return 0;
}

int open_regular_at(int dirfd, const char *path, int flags, mode_t mode, bool real_fs,
		    struct lx_error *err)
{
	__close int pfd = openat(dirfd, path, O_PATH | O_CLOEXEC | (flags & O_NOFOLLOW));
	__close int fd = -1;
	struct stat before, st;

	if (pfd < 0 && !(errno == ENOENT && (flags & O_CREAT)))
		return lx_error_set(err, errno, "open `%s`", path);
	if (pfd >= 0 && check_regular(pfd, path, real_fs, &before, err) < 0)
		return -1;
	fd = openat(dirfd, path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode);
	if (fd < 0)
		return lx_error_set(err, errno, "open `%s`", path);
	if (check_regular(fd, path, real_fs, &st, err) < 0)
		return -1;
	if (pfd >= 0 && (st.st_dev != before.st_dev || st.st_ino != before.st_ino))
		return lx_error_code(err, EAGAIN, "`%s` was replaced while it was opened", path);
	return steal_fd(fd);
}

ssize_t read_regular_at(int dirfd, const char *path, int flags, size_t max, struct strbuf *sb,
			struct lx_error *err)
{
	__close int fd =
	    open_regular_at(dirfd, path, O_RDONLY | (flags & O_NOFOLLOW), 0, false, err);
	size_t start = sb->len, total = 0;
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return lx_error_set(err, errno, "stat `%s`", path);
	if ((uintmax_t)st.st_size > max)
		return lx_error_set(err, EFBIG, "`%s` is larger than %zu bytes", path, max);
	/* room for the whole file and one byte more, to see it grew past max */
	if (sb_reserve(sb, (size_t)st.st_size + 2) < 0)
		return lx_error_set(err, ENOMEM, "read `%s`", path);
	for (;;) {
		ssize_t n;

		if (total > max) {
			sb_truncate(sb, start);
			return lx_error_set(err, EFBIG, "`%s` is larger than %zu bytes", path, max);
		}
		if (sb->cap - sb->len < 2 && sb_reserve(sb, 4096) < 0) {
			sb_truncate(sb, start);
			return lx_error_set(err, ENOMEM, "read `%s`", path);
		}
		n = read(fd, sb->buf + sb->len, sb->cap - sb->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			sb_truncate(sb, start);
			return lx_error_set(err, e, "read `%s`", path);
		}
		if (n == 0)
			return (ssize_t)total;
		sb->len += n;
		total += n;
		sb->buf[sb->len] = '\0';
	}
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
