/* Reading small text files (procfs, cgroupfs) and parsing numbers out of them. */
#ifndef COMMON_FILEIO_H
#define COMMON_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "strbuf.h"

/* Read the whole file `path`, relative to dirfd (AT_FDCWD for a plain path), opened
 * O_RDONLY|O_NOFOLLOW|O_CLOEXEC, appending to sb. Returns bytes read or -1. */
int read_file_at(int dirfd, const char *path, struct strbuf *sb, struct lx_error *err);

/* Open `path` (relative to dirfd) only when it is a regular file, for files whose name comes
 * from outside (config files, the log, registry entries, a bundle's config.json): a FIFO
 * would hang the caller and opening a device can act (a watchdog, a tape). The type is checked
 * on an O_PATH descriptor before the real open and again on the opened descriptor, which must
 * be the same inode. flags: O_RDONLY, or O_WRONLY|O_APPEND[|O_CREAT] (mode for a new file);
 * with O_NOFOLLOW a final symlink fails (ELOOP). O_NONBLOCK|O_NOCTTY|O_CLOEXEC are added.
 * With real_fs, a file of a kernel interface file system (procfs, sysfs, cgroupfs, debugfs,
 * tracefs, securityfs, selinuxfs, binfmt_misc, bpf, ...) is refused as well. Returns the fd,
 * or -1: "`path` is a FIFO, not a regular file", "`path` is a file of procfs, a kernel
 * interface" (EINVAL), "`path` is a symlink" (ELOOP), "`path` was replaced while it was
 * opened" (EAGAIN) or the open's errno. */
int open_regular_at(int dirfd, const char *path, int flags, mode_t mode, bool real_fs,
		    struct lx_error *err);

/* Append the whole of the regular file `path` (open_regular_at with flags O_RDONLY plus
 * O_NOFOLLOW when given) to sb, when it holds at most max bytes: a bigger one fails (EFBIG,
 * "`path` is larger than MAX bytes") before a byte is read, as does one that grows past max
 * while read. Returns the bytes read or -1. */
ssize_t read_regular_at(int dirfd, const char *path, int flags, size_t max, struct strbuf *sb,
			struct lx_error *err);

/* Append the whole text of a held procfs/sysfs/cgroupfs fd, read with pread from offset 0
 * (those files regenerate their text there), to sb. The buffer is sized so that one pread
 * normally gets it all: a read that leaves more than a record's worth of room unused is
 * the end. Returns bytes read, or -1 with errno. */
ssize_t pread_whole(int fd, struct strbuf *sb);

/* Read up to bufsz-1 bytes from an open fd at offset 0 (pread) into buf, NUL-terminated. */
ssize_t pread_text(int fd, char *buf, size_t bufsz);

/* Parse a decimal u64 at s (leading blanks allowed); "max" gives UINT64_MAX.
 * Trailing blanks/newline are accepted; anything else is an error (-1, errno EINVAL). */
int parse_u64(const char *s, uint64_t *out);

/* Find "key value" (space or tab separated, key at line start) in text; 0 if found. */
int find_key_u64(const char *text, const char *key, uint64_t *out);

/* Like find_key_u64 for "Key:   123 kB" lines of /proc/meminfo; value in the file's unit. */
int find_meminfo_kb(const char *text, const char *key, uint64_t *out);

#endif
