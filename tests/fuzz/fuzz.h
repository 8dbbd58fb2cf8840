/* Shared by the libFuzzer targets in tests/fuzz (built by `make fuzz-build` with clang-14,
 * ASan and UBSan; tests/fuzz/run.sh runs them). An input of several texts holds them one after
 * the other, separated by a line "%%" (FZ_SEP): the seeds in tests/fuzz/corpus stay readable
 * and the fuzzer learns the separator from them. */
#ifndef LXCFS_FUZZ_H
#define LXCFS_FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

#define FZ_SEP	     "\n%%\n"
#define FZ_MAX_PARTS 16

/* The input cut at each FZ_SEP into at most max NUL-terminated copies (the last part keeps
 * any further separators); parts that are not there are NULL. Returns how many there are. */
static inline size_t fz_split(const uint8_t *data, size_t size, char **parts, size_t max)
{
	const size_t seplen = sizeof(FZ_SEP) - 1;
	size_t n = 0, at = 0;

	for (size_t k = 0; k < max; k++)
		parts[k] = NULL;
	while (n < max) {
		const uint8_t *hit = NULL;
		size_t len;

		if (n + 1 < max)
			hit = memmem(data + at, size - at, FZ_SEP, seplen);
		len = hit ? (size_t)(hit - (data + at)) : size - at;
		parts[n] = malloc(len + 1);
		if (!parts[n])
			abort();
		memcpy(parts[n], data + at, len);
		parts[n][len] = '\0';
		n++;
		if (!hit)
			break;
		at += len + seplen;
	}
	return n;
}

static inline void fz_free_parts(char **parts, size_t max)
{
	for (size_t k = 0; k < max; k++) {
		free(parts[k]);
		parts[k] = NULL;
	}
}

/* A NUL-terminated copy of the input (text parsers take C strings). */
static inline char *fz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Write len bytes to path (created or truncated). */
static inline void fz_write(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		perror(path);
		abort();
	}
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0) {
			perror(path);
			abort();
		}
		buf += n;
		len -= (size_t)n;
	}
	close(fd);
}

/* A scratch directory of this process below $LXCFS_FUZZ_TMP (run.sh's, removed after the
 * run even when a crash skips the atexit handler), else /dev/shm; removed at exit. */
static char fz_dir[256];

static inline void fz_rmdir_at_exit(void)
{
	char cmd[300];

	if (fz_dir[0] && strstr(fz_dir, "/lxcfs-fuzz.")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", fz_dir);
	}
}

static inline const char *fz_scratch(void)
{
	const char *base = getenv("LXCFS_FUZZ_TMP");

	if (fz_dir[0])
		return fz_dir;
	snprintf(fz_dir, sizeof(fz_dir), "%s/lxcfs-fuzz.XXXXXX", base && *base ? base : "/dev/shm");
	if (!mkdtemp(fz_dir)) {
		perror(fz_dir);
		abort();
	}
	atexit(fz_rmdir_at_exit);
	return fz_dir;
}

/* Only errors reach stderr: the code under test logs its warnings about bad input. */
static inline void fz_quiet(void)
{
	lx_log_set_level(LX_LOG_ERROR);
}

#endif
