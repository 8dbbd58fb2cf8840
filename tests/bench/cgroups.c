/* The benchmark's test cgroups; see cgroups.h. */
#include "cgroups.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cpuset.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/strbuf.h"

static const char *const wanted[] = {"memory", "cpuset", "cpu", "cpuacct", "blkio"};

static int write_text(const char *path, const char *text, struct lx_error *err)
{
	__close int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0)
		return lx_error_set(err, errno, "open `%s`", path);
	if (write(fd, text, len) != (ssize_t)len)
		return lx_error_set(err, errno, "write `%s` to `%s`", text, path);
	return 0;
}

static int read_line(const char *path, char *buf, size_t sz, struct lx_error *err)
{
	struct strbuf sb __sbfree = STRBUF_INIT;

	if (read_file_at(AT_FDCWD, path, &sb, err) < 0)
		return -1;
	if (!sb.len || sb.len >= sz)
		return lx_error_set(err, EINVAL, "unexpected content in `%s`", path);
	memcpy(buf, sb.buf, sb.len + 1);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int bench_cg_init(struct bench_cg *cg, const char *root, const char *parent, struct lx_error *err)
{
	char seen[CG_MAX_CTRLS][PATH_MAX];
	char path[PATH_MAX];
	struct cpuset cs;

	memset(cg, 0, sizeof(*cg));
	snprintf(cg->root, sizeof(cg->root), "%s", root);
	snprintf(cg->parent, sizeof(cg->parent), "%s", parent);
	for (unsigned i = 0; i < CG_MAX_CTRLS; i++) {
		char real[PATH_MAX];
		int dup = 0;

		snprintf(path, sizeof(path), "%s/%s", root, wanted[i]);
		if (!realpath(path, real)) {
			if (i < 2) /* memory and cpuset are what the daemon reads most */
				return lx_error_set(err, errno, "cgroup v1 hierarchy `%s`", path);
			continue;
		}
		for (unsigned j = 0; j < cg->nctrls; j++)
			dup |= strcmp(seen[j], real) == 0; /* co-mounted, e.g. cpu,cpuacct */
		if (dup)
			continue;
		snprintf(seen[cg->nctrls], sizeof(seen[0]), "%s", real);
		snprintf(cg->ctrl[cg->nctrls++], sizeof(cg->ctrl[0]), "%s", wanted[i]);
	}
	snprintf(path, sizeof(path), "%s/cpuset/cpuset.cpus", root);
	if (read_line(path, cg->host_cpus, sizeof(cg->host_cpus), err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/cpuset/cpuset.mems", root);
	if (read_line(path, cg->host_mems, sizeof(cg->host_mems), err) < 0)
		return -1;
	if (cpuset_parse(cg->host_cpus, &cs) < 0 || !(cg->ncpus = cpuset_count(&cs)))
		return lx_error_set(err, EINVAL, "host cpuset `%s`", cg->host_cpus);
	for (unsigned i = 0; i < cg->nctrls; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", root, cg->ctrl[i], parent);
		if (mkdir(path, 0755) < 0)
			return lx_error_set(err, errno, "mkdir `%s`", path);
		cg->made_parent[i] = 1;
		if (strcmp(cg->ctrl[i], "cpuset") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/cpuset/%s/cpuset.cpus", root, parent);
		if (write_text(path, cg->host_cpus, err) < 0)
			return -1;
		snprintf(path, sizeof(path), "%s/cpuset/%s/cpuset.mems", root, parent);
		if (write_text(path, cg->host_mems, err) < 0)
			return -1;
	}
	return 0;
}

int bench_cg_make(struct bench_cg *cg, unsigned n, uint64_t mem_limit, struct lx_error *err)
{
	char path[PATH_MAX], val[64];
	struct cpuset cs;

	for (unsigned i = 0; i < cg->nctrls; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s/c%u", cg->root, cg->ctrl[i], cg->parent, n);
		if (mkdir(path, 0755) < 0)
			return lx_error_set(err, errno, "mkdir `%s`", path);
		if (n + 1 > cg->made)
			cg->made = n + 1;
		if (strcmp(cg->ctrl[i], "cpuset") == 0) {
			cpuset_parse(cg->host_cpus, &cs);
			snprintf(val, sizeof(val), "%d", cpuset_nth(&cs, n % cg->ncpus));
			snprintf(path, sizeof(path), "%s/cpuset/%s/c%u/cpuset.mems", cg->root,
				 cg->parent, n);
			if (write_text(path, cg->host_mems, err) < 0)
				return -1;
			snprintf(path, sizeof(path), "%s/cpuset/%s/c%u/cpuset.cpus", cg->root,
				 cg->parent, n);
			if (write_text(path, val, err) < 0)
				return -1;
		} else if (strcmp(cg->ctrl[i], "memory") == 0) {
			snprintf(val, sizeof(val), "%llu", (unsigned long long)mem_limit);
			snprintf(path, sizeof(path), "%s/memory/%s/c%u/memory.limit_in_bytes",
				 cg->root, cg->parent, n);
			if (write_text(path, val, err) < 0)
				return -1;
		}
	}
	return 0;
}

int bench_cg_set_mem(const struct bench_cg *cg, unsigned n, uint64_t mem_limit,
		     struct lx_error *err)
{
	char path[PATH_MAX], val[64];

	snprintf(val, sizeof(val), "%llu", (unsigned long long)mem_limit);
	snprintf(path, sizeof(path), "%s/memory/%s/c%u/memory.limit_in_bytes", cg->root, cg->parent,
		 n);
	return write_text(path, val, err);
}

int bench_cg_join(const struct bench_cg *cg, unsigned n, struct lx_error *err)
{
	char path[PATH_MAX];

	for (unsigned i = 0; i < cg->nctrls; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s/c%u/cgroup.procs", cg->root, cg->ctrl[i],
			 cg->parent, n);
		if (write_text(path, "0", err) < 0) /* 0: the writer itself */
			return -1;
	}
	return 0;
}

/* rmdir, retrying a little while the last process of the cgroup is being released */
static int rmdir_retry(const char *path)
{
	for (int i = 0; i < 200; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "lxcfs-bench: cannot remove cgroup %s: %s\n", path, strerror(errno));
	return -1;
}

unsigned bench_cg_remove(struct bench_cg *cg)
{
	char path[PATH_MAX];
	unsigned failed = 0;

	for (unsigned i = 0; i < cg->nctrls; i++) {
		if (!cg->made_parent[i])
			continue;
		for (unsigned n = 0; n < cg->made; n++) {
			snprintf(path, sizeof(path), "%s/%s/%s/c%u", cg->root, cg->ctrl[i],
				 cg->parent, n);
			failed += rmdir_retry(path) < 0;
		}
		snprintf(path, sizeof(path), "%s/%s/%s", cg->root, cg->ctrl[i], cg->parent);
		failed += rmdir_retry(path) < 0;
		cg->made_parent[i] = 0;
	}
	cg->made = 0;
	return failed;
}
