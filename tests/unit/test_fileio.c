/* File reading and number parsing helpers (common/fileio.c), on real files. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pread_whole_procfs),
	    cmocka_unit_test(test_pread_whole_sizes),
	    cmocka_unit_test(test_pread_whole_bad_fd),
	    cmocka_unit_test(test_parse_u64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
