#include "procinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/strbuf.h"

int tk_parse_stat_starttime(const char *text, uint64_t *out)
{
	const char *p = strrchr(text, ')');
	char num[32];
	size_t n;

	if (!p)
		return -1;
	p++; /* fields after comm start at 3; starttime is field 22 */
	for (int field = 3;; field++) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			return -1;
		if (field == 22)
			break;
		p += strcspn(p, " \n");
	}
	n = strcspn(p, " \n");
	if (n >= sizeof(num))
		return -1;
	memcpy(num, p, n);
	num[n] = '\0';
	return parse_u64(num, out);
}

int tk_pid_starttime(pid_t pid, uint64_t *out, struct lx_error *err)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file_at(AT_FDCWD, path, &sb, err) < 0) {
		if (err && err->code == ENOENT)
			return lx_error_set(err, ESRCH, "pid %d", (int)pid);
		return -1;
	}
	if (tk_parse_stat_starttime(sb.buf, out) < 0)
		return lx_error_set(err, EINVAL, "cannot parse `%s`", path);
	return 0;
}

int tk_pid_mntns(pid_t pid, uint64_t *out, struct lx_error *err)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	if (stat(path, &st) < 0)
		return lx_error_set(err, errno, "stat `%s`", path);
	*out = st.st_ino;
	return 0;
}

bool tk_pid_matches(pid_t pid, uint64_t starttime)
{
	uint64_t now;

	if (pid <= 0 || tk_pid_starttime(pid, &now, NULL) < 0)
		return false;
	return starttime == 0 || now == starttime;
}

int tk_parse_pid(const char *s, pid_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || end == s || *end || v <= 0 || v > INT_MAX)
		return -1;
	*out = (pid_t)v;
	return 0;
}

bool tk_pid_running(pid_t pid)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	char path[64];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || read_file_at(AT_FDCWD, path, &sb, NULL) < 0)
		return false;
	p = strrchr(sb.buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X' && p[2] != '\0';
}
