/* Host files recorded for unit tests (tests/fixtures/host/NAME). Tests run from the
 * repository root (tests/run-all.sh does); from elsewhere the directories above the test
 * binary are searched. Include after <cmocka.h>. */
#ifndef TESTS_HOST_FIXTURE_H
#define TESTS_HOST_FIXTURE_H

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strbuf.h"

/* The text of fixture NAME (malloc'd); fails the test when it cannot be read. */
static inline char *host_fixture(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX], exe[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "tests/fixtures/host/%s", name);
	if (read_file_at(AT_FDCWD, path, &sb, NULL) >= 0)
		return sb_steal(&sb);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 4; up++) {
			char *dir = dirname(exe);

			snprintf(path, sizeof(path), "%s/tests/fixtures/host/%s", dir, name);
			sb_reset(&sb);
			if (read_file_at(AT_FDCWD, path, &sb, NULL) >= 0)
				return sb_steal(&sb);
			memmove(exe, dir, strlen(dir) + 1);
		}
	}
	sb_free(&sb);
	fail_msg("fixture %s not found (run from the repository root)", name);
	return NULL;
}

/* 511 bytes of binary garbage ending in a newline (so that parsers read all of it), no
 * NUL inside (static buffer). */
static inline const char *fixture_junk(void)
{
	static char junk[512];

	for (size_t i = 0; i < sizeof(junk) - 1; i++)
		junk[i] = (char)(1 + (i * 7919) % 255);
	junk[sizeof(junk) - 2] = '\n';
	return junk;
}

#endif
