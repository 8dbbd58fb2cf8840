/* File reading and number parsing helpers (common/fileio.c), on real files. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/fileio.h"

/* pread_whole of a held fd gives the same text as a fresh open + read to EOF, twice in a
 * row (the second read regenerates from offset 0). */
static void check_same(const char *path)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, c = STRBUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_true(read_file_at(AT_FDCWD, path, &a, NULL) > 0);
	ssize_t nb = pread_whole(fd, &b), nc = pread_whole(fd, &c);

	assert_true(nb > 0);
	assert_int_equal(nb, (ssize_t)b.len);
	assert_int_equal(nc, (ssize_t)c.len);
	/* the same lines (values of live files may tick between the reads) */
	assert_int_equal(strchr(a.buf, '\n') - a.buf, strchr(b.buf, '\n') - b.buf);
	{
		size_t la = 0, lb = 0;

		for (const char *p = a.buf; *p; p++)
			la += *p == '\n';
		for (const char *p = c.buf; *p; p++)
			lb += *p == '\n';
		assert_int_equal(la, lb);
	}
	close(fd);
	sb_free(&a);
	sb_free(&b);
	sb_free(&c);
}

static void test_pread_whole_procfs(void **state)
{
	(void)state;
	check_same("/proc/meminfo");
	check_same("/proc/cpuinfo"); /* many records */
	check_same("/proc/self/mountinfo");
	check_same("/sys/devices/system/cpu/online");
}

/* Files of every size around the first read's 16 KiB and the 8 KiB record margin, and a big
 * one: all of it, appended after what sb held. */
static void test_pread_whole_sizes(void **state)
{
	static const size_t sizes[] = {0,     1,     8191,  8192,  8193,	   16383,
				       16384, 16385, 24576, 32769, 300 * 1024 + 17};

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		char path[] = "/tmp/lxcfs-test-fileio-XXXXXX";
		struct strbuf sb = STRBUF_INIT;
		size_t size = sizes[k];
		char *data = malloc(size + 1);
		int fd = mkstemp(path);
		ssize_t n;

		assert_true(fd >= 0);
		for (size_t i = 0; i < size; i++)
			data[i] = 'a' + i % 26;
		assert_int_equal(write(fd, data, size), (ssize_t)size);
		sb_puts(&sb, "prefix:");
		n = pread_whole(fd, &sb);
		if (n != (ssize_t)size)
			fail_msg("size %zu: read %zd", size, n);
		assert_int_equal(sb.len, size + 7);
		assert_memory_equal(sb.buf + 7, data, size);
		assert_int_equal(sb.buf[sb.len], '\0');
		unlink(path);
		close(fd);
		free(data);
		sb_free(&sb);
	}
}

static void test_pread_whole_bad_fd(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	sb_puts(&sb, "kept");
	assert_int_equal(pread_whole(-1, &sb), -1);
	assert_string_equal(sb.buf, "kept");
	sb_free(&sb);
}

static void test_parse_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_u64("123\n", &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(parse_u64("max\n", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("12a", &v), -1);
	assert_int_equal(parse_u64("", &v), -1);
	assert_int_equal(parse_u64("-1", &v), -1);
	assert_int_equal(find_key_u64("a 1\ntotal_cache 42\n", "total_cache", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(find_key_u64("total_cache_x 1\n", "total_cache", &v), -1);
	assert_int_equal(find_meminfo_kb("MemTotal:       1024 kB\nMemFree: 5 kB\n", "MemFree", &v),
			 0);
	assert_int_equal(v, 5);
}

/* expect_refused(FD, PART): FD is -1, the code EINVAL (a file of the wrong kind) and the
 * message holds PART */
#define expect_refused(fd, err, part)                                                              \
	do {                                                                                       \
		assert_int_equal((fd), -1);                                                        \
		assert_int_equal((err).code, EINVAL);                                              \
		if (!strstr((err).msg, (part)))                                                    \
			fail_msg("`%s` lacks `%s`", (err).msg, (part));                            \
	} while (0)

/* open_regular_at opens regular files only: a FIFO, a directory, a device or (O_NOFOLLOW) a
 * symlink fails at once, without blocking and without opening the device */
static void test_open_regular_types(void **state)
{
	char dir[] = "/tmp/lxcfs-test-openreg-XXXXXX", p[128];
	struct lx_error err;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	fd = open_regular_at(AT_FDCWD, p, O_RDONLY, 0, false, &err);
	expect_refused(fd, err, "is a FIFO, not a regular file");
	/* for writing too (a FIFO without a reader would block the open) */
	fd = open_regular_at(AT_FDCWD, p, O_WRONLY | O_APPEND | O_CREAT, 0600, false, &err);
	expect_refused(fd, err, "is a FIFO");
	unlink(p);
	fd = open_regular_at(AT_FDCWD, dir, O_RDONLY, 0, false, &err);
	expect_refused(fd, err, "is a directory");
	fd = open_regular_at(AT_FDCWD, "/dev/zero", O_RDONLY, 0, false, &err);
	expect_refused(fd, err, "is a character device");

	snprintf(p, sizeof(p), "%s/file", dir);
	fd = open_regular_at(AT_FDCWD, p, O_WRONLY | O_APPEND | O_CREAT, 0600, true, &err);
	assert_true(fd >= 0); /* created */
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	{
		char l[128];

		snprintf(l, sizeof(l), "%s/link", dir);
		assert_int_equal(symlink(p, l), 0);
		fd = open_regular_at(AT_FDCWD, l, O_RDONLY | O_NOFOLLOW, 0, false, &err);
		assert_int_equal(fd, -1);
		assert_int_equal(err.code, ELOOP);
		/* without O_NOFOLLOW the link is followed to the regular file */
		fd = open_regular_at(AT_FDCWD, l, O_RDONLY, 0, false, &err);
		assert_true(fd >= 0);
		close(fd);
		unlink(l);
	}
	unlink(p);
	assert_int_equal(rmdir(dir), 0);
}

/* with real_fs, files of kernel interfaces are refused before anything is written */
static void test_open_regular_pseudo_fs(void **state)
{
	char before[32], after[32];
	struct lx_error err;
	int fd;

	(void)state;
	fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	assert_true(pread_text(fd, before, sizeof(before)) > 0);
	close(fd);
	fd = open_regular_at(AT_FDCWD, "/proc/self/comm", O_WRONLY | O_APPEND | O_CREAT, 0640, true,
			     &err);
	expect_refused(fd, err, "is a file of procfs");
	fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	assert_true(pread_text(fd, after, sizeof(after)) > 0);
	close(fd);
	assert_string_equal(before, after);
	fd = open_regular_at(AT_FDCWD, "/sys/kernel/uevent_seqnum", O_WRONLY | O_APPEND, 0, true,
			     &err);
	expect_refused(fd, err, "is a file of sysfs");
	/* without real_fs a procfs file is a regular file like any other */
	fd = open_regular_at(AT_FDCWD, "/proc/self/comm", O_RDONLY, 0, false, &err);
	assert_true(fd >= 0);
	close(fd);
}

/* read_regular_at refuses a file over the bound from its size, before reading: a sparse
 * 1 GiB file costs nothing */
static void test_read_regular_bound(void **state)
{
	char path[] = "/tmp/lxcfs-test-readreg-XXXXXX";
	struct strbuf sb = STRBUF_INIT;
	struct lx_error err;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	assert_int_equal(read_regular_at(AT_FDCWD, path, O_NOFOLLOW, 10, &sb, &err), 10);
	assert_string_equal(sb.buf, "0123456789");
	sb_free(&sb);
	assert_int_equal(read_regular_at(AT_FDCWD, path, 0, 9, &sb, &err), -1);
	assert_int_equal(err.code, EFBIG);
	assert_non_null(strstr(err.msg, "is larger than 9 bytes"));
	assert_int_equal(sb.len, 0);
	assert_int_equal(ftruncate(fd, 1LL << 30), 0);
	assert_int_equal(read_regular_at(AT_FDCWD, path, 0, 65536, &sb, &err), -1);
	assert_int_equal(err.code, EFBIG);
	assert_int_equal(sb.len, 0);
	/* an empty file is "" */
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(read_regular_at(AT_FDCWD, path, 0, 10, &sb, &err), 0);
	assert_string_equal(sb.buf, "");
	sb_free(&sb);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pread_whole_procfs),
	    cmocka_unit_test(test_pread_whole_sizes),
	    cmocka_unit_test(test_pread_whole_bad_fd),
	    cmocka_unit_test(test_parse_u64),
	    cmocka_unit_test(test_open_regular_types),
	    cmocka_unit_test(test_open_regular_pseudo_fs),
	    cmocka_unit_test(test_read_regular_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
