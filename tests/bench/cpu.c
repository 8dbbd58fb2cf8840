/* CPU time of a daemon process; see cpu.h. */
#include "cpu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/strbuf.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* the first number of /proc/PID/task/TID/schedstat: the thread's run time in ns */
static int thread_ns(int pid, int tid, uint64_t *ns)
{
	char path[64], buf[128];
	__close int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return sscanf(buf, "%llu", (unsigned long long *)ns) == 1 ? 0 : -1;
}

int cpu_sample(int pid, struct cpu_sample *s, struct lx_error *err)
{
	struct strbuf sb __sbfree = STRBUF_INIT;
	unsigned long long ut, st, cut, cst;
	__closedir DIR *d = NULL;
	struct dirent *e;
	char path[64];
	const char *p;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file_at(AT_FDCWD, path, &sb, err) < 0)
		return -1;
	p = strrchr(sb.buf, ')'); /* the command name may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
			 &ut, &st, &cut, &cst) != 4)
		return lx_error_set(err, EINVAL, "cannot parse `%s`", path);
	s->ticks = ut + st;
	s->child_ticks = cut + cst;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0; /* ticks only */
	s->tids_ok = 1;
	while ((e = readdir(d))) {
		uint64_t ns;
		int tid = atoi(e->d_name);

		if (tid <= 0)
			continue;
		if (s->ntids == CPU_MAX_TIDS || thread_ns(pid, tid, &ns) < 0) {
			s->tids_ok = 0;
			break;
		}
		s->tids[s->ntids++] = tid;
		s->ns += ns;
	}
	qsort(s->tids, s->ntids, sizeof(s->tids[0]), cmp_int);
	return 0;
}

double cpu_between(const struct cpu_sample *a, const struct cpu_sample *b)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	double ticks = (double)(b->ticks - a->ticks) / hz;
	double children = (double)(b->child_ticks - a->child_ticks) / hz;
	double ns;

	if (!a->tids_ok || !b->tids_ok || a->ntids != b->ntids || b->ns < a->ns ||
	    memcmp(a->tids, b->tids, a->ntids * sizeof(a->tids[0])) != 0)
		return ticks + children;
	ns = (double)(b->ns - a->ns) / 1e9;
	/* a thread born and ended in between: its time is only in the ticks */
	if (ticks > ns + 2.0 / hz)
		return ticks + children;
	return ns + children;
}
