/* libFuzzer target: every renderer on fuzzed host text and fuzzed cgroup file contents.
 *
 * An input is: one byte of flags (bit 0: cgroup v2, else v1; bit 1: swap shown; bit 2:
 * --enable-cfs; bit 3 and up: which renderer, when LXCFS_FUZZ_RENDER does not name one), then
 * the renderer's host texts and then its cgroup files, in the order of its table entry, each
 * separated by a line "%%" (tests/fuzz/fuzz.h). A file missing from the input is absent from
 * the cgroup. The files are written into a scratch cgroup tree (v1: one directory per
 * controller, v2: one cgroup2-like directory) and read by the daemon's own cgroup reader
 * (lxcfs/cgroup), whose values go to the renderer as the view would give them.
 *
 * To fuzz a new renderer: add an entry to `renderers` below (its name, its host texts, its
 * cgroup files for v1 and v2, and a function calling the reader and the renderer) and seeds
 * in tests/fuzz/corpus/render-NAME/; run.sh fuzzes every entry as a target of its own
 * (LXCFS_FUZZ_RENDER=NAME) and fails when an entry has no seed directory.
 * LXCFS_FUZZ_LIST=1 prints the names and exits. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cgroup/cpuset.h"
#include "render/render.h"
#include "render/types.h"
#include "common/strbuf.h"
#include "tests/fuzz/fuzz.h"

#define MAX_FILES 8
#define MAX_HOST  3

struct ctx {
	struct cg_layout *layout;
	struct cg_paths *paths;
	bool swap, cfs;
	char *host[MAX_HOST]; /* the renderer's host texts ("" when not in the input) */
};

struct renderer {
	const char *name;
	const char *host[MAX_HOST]; /* what each host text stands for (NULL-terminated) */
	const char *v1[MAX_FILES];  /* cgroup files, in input order */
	const char *v2[MAX_FILES];
	void (*run)(const struct ctx *c, struct strbuf *out);
};

/* ---------------------------------------------------------------- glue, as view/content.c */

static void online_of(const char *text, struct cpuset *online)
{
	if (cpuset_parse(text, online) < 0)
		cpuset_clear(online);
}

/* "MAJ:MIN NAME" lines: the names a container's /dev would give (view/devnames.c). */
static void devnames_of(const char *text, struct devnames *d)
{
	const char *s = text;

	d->n = 0;
	d->v = NULL;
	while (*s && d->n < 4096) {
		unsigned maj, min;
		char name[64];
		struct devname *v;

		if (sscanf(s, "%u:%u %63s", &maj, &min, name) == 3) {
			v = realloc(d->v, (d->n + 1) * sizeof(*v));
			if (!v)
				abort();
			d->v = v;
			v[d->n].major = maj;
			v[d->n].minor = min;
			snprintf(v[d->n].name, sizeof(v[d->n].name), "%s", name);
			d->n++;
		}
		s = strchrnul(s, '\n');
		if (*s)
			s++;
	}
}

static struct cg_cpu cpu; /* 32 KiB */

static bool read_cpu(const struct ctx *c, unsigned parts, struct cpuset *vis)
{
	struct lx_error err = {0, ""};
	struct cpuset online;

	if (cg_cpu_read_parts(c->layout, c->paths, &cpu, parts | (c->cfs ? CG_CPU_QUOTA : 0),
			      &err) < 0)
		return false;
	online_of(c->host[1], &online);
	visible_cpus(&cpu, &online, c->cfs, vis);
	return true;
}

/* ---------------------------------------------------------------- one function per renderer */

static void run_meminfo(const struct ctx *c, struct strbuf *out)
{
	struct lx_error err = {0, ""};
	struct cg_mem m;

	if (cg_mem_read(c->layout, c->paths, &m, &err) == 0)
		render_meminfo(c->host[0], &m, c->swap, true, out);
}

static void run_swaps(const struct ctx *c, struct strbuf *out)
{
	struct lx_error err = {0, ""};
	struct cg_mem m;

	memset(&m, 0, sizeof(m));
	if (cg_mem_read_limits(c->layout, c->paths, &m, &err) == 0)
		render_swaps(c->host[0], c->host[1], &m, c->swap, out);
}

static void run_cpuinfo(const struct ctx *c, struct strbuf *out)
{
	struct cpuset vis;

	if (read_cpu(c, 0, &vis))
		render_cpuinfo(c->host[0], &vis, out);
}

static void run_cpu_online(const struct ctx *c, struct strbuf *out)
{
	struct cpuset vis;

	if (read_cpu(c, 0, &vis))
		render_cpu_online(&vis, out);
}

static void run_stat(const struct ctx *c, struct strbuf *out)
{
	struct cpuset vis;
	struct stat_mono *mono;
	uint64_t up = 0;

	if (!read_cpu(c, CG_CPU_USAGE, &vis))
		return;
	mono = calloc(1, sizeof(*mono));
	if (!mono)
		abort();
	/* an uptime from the host text's last bytes; twice, so the second render meets the
	 * counters the first one left */
	for (const char *s = c->host[0]; *s; s++)
		up = up * 31 + (unsigned char)*s;
	render_stat(c->host[0], &cpu, &vis, up, 100, mono, out);
	sb_reset(out);
	render_stat(c->host[0], &cpu, &vis, up / 2, 100, mono, out);
	free(mono);
}

static void run_uptime(const struct ctx *c, struct strbuf *out)
{
	struct cpuset vis;
	double up;

	if (!read_cpu(c, CG_CPU_TOTAL, &vis))
		return;
	up = strtod(c->host[0], NULL); /* the container's age, as the view computes it */
	render_uptime(up, up * cpuset_count(&vis) - cpu.usage_ns / 1e9, out);
}

static void run_diskstats(const struct ctx *c, struct strbuf *out)
{
	struct lx_error err = {0, ""};
	struct cg_io io = {0, NULL};
	struct devnames names;

	devnames_of(c->host[1], &names);
	if (cg_io_read(c->layout, c->paths, &io, &err) == 0)
		render_diskstats(c->host[0], &io, &names, out);
	cg_io_free(&io);
	free(names.v);
}

static void run_partitions(const struct ctx *c, struct strbuf *out)
{
	struct devnames names;

	devnames_of(c->host[1], &names);
	render_partitions(c->host[0], &names, out);
	free(names.v);
}

static void run_loadavg(const struct ctx *c, struct strbuf *out)
{
	struct lx_error err = {0, ""};
	unsigned long avenrun[3] = {0, 0, 0};
	int *ids = NULL;
	size_t n = 0;

	if (cg_tasks_read(c->layout, c->paths, &ids, &n, &err) == 0) {
		/* the sampler's steps, as view/loadavg.c takes them */
		for (int k = 0; k < 3; k++) {
			avenrun[0] = loadavg_step(avenrun[0], LOADAVG_EXP_1, n << LOADAVG_FSHIFT);
			avenrun[1] = loadavg_step(avenrun[1], LOADAVG_EXP_5, n << LOADAVG_FSHIFT);
			avenrun[2] = loadavg_step(avenrun[2], LOADAVG_EXP_15, n << LOADAVG_FSHIFT);
		}
		render_loadavg(avenrun, (unsigned)n, (unsigned)n, n ? ids[n - 1] : 0, out);
	}
	free(ids);
}

#define MEM_V1                                                                                     \
	"memory.limit_in_bytes", "memory.usage_in_bytes", "memory.stat",                           \
	    "memory.memsw.limit_in_bytes", "memory.memsw.usage_in_bytes"
#define MEM_V2                                                                                     \
	"memory.max", "memory.current", "memory.stat", "memory.swap.max", "memory.swap.current"
#define CPUSET_V1 "cpuset.effective_cpus", "cpuset.cpus", "cpu.cfs_quota_us", "cpu.cfs_period_us"
#define CPUSET_V2 "cpuset.cpus.effective", "cpu.max"

static const struct renderer renderers[] = {
    {"meminfo", {"meminfo"}, {MEM_V1}, {MEM_V2}, run_meminfo},
    {"swaps", {"swaps", "meminfo"}, {MEM_V1}, {MEM_V2}, run_swaps},
    {"cpuinfo", {"cpuinfo", "cpu/online"}, {CPUSET_V1}, {CPUSET_V2}, run_cpuinfo},
    {"cpu_online", {"cpu/online", "cpu/online"}, {CPUSET_V1}, {CPUSET_V2}, run_cpu_online},
    {"stat",
     {"stat", "cpu/online"},
     {CPUSET_V1, "cpuacct.usage", "cpuacct.stat", "cpuacct.usage_percpu"},
     {CPUSET_V2, "cpu.stat"},
     run_stat},
    {"uptime",
     {"seconds", "cpu/online"},
     {CPUSET_V1, "cpuacct.usage"},
     {CPUSET_V2, "cpu.stat"},
     run_uptime},
    {"diskstats",
     {"diskstats", "devnames"},
     {"blkio.io_serviced_recursive", "blkio.io_service_bytes_recursive",
      "blkio.io_merged_recursive", "blkio.io_service_time_recursive",
      "blkio.io_wait_time_recursive", "blkio.throttle.io_serviced",
      "blkio.throttle.io_service_bytes"},
     {"io.stat"},
     run_diskstats},
    {"partitions", {"partitions", "devnames"}, {NULL}, {NULL}, run_partitions},
    {"loadavg", {NULL}, {"tasks"}, {"cgroup.threads"}, run_loadavg},
};
#define NRENDERERS (sizeof(renderers) / sizeof(renderers[0]))

/* ---------------------------------------------------------------- the scratch cgroup trees */

static const char *const v1_ctrls[] = {"memory", "cpu", "cpuacct", "cpuset", "blkio", "pids"};
static struct cg_layout layout[2];
static struct cg_paths paths[2];
static char root[2][128];
static const struct renderer *only;

/* Where a file of version v goes: v1 by its controller's prefix ("tasks": the cpu one). */
static void file_path(int v, const char *file, char *buf, size_t size)
{
	const char *ctrl = "cpu";

	if (v == 2) {
		snprintf(buf, size, "%s/c/%s", root[1], file);
		return;
	}
	for (size_t k = 0; k < sizeof(v1_ctrls) / sizeof(v1_ctrls[0]); k++) {
		size_t n = strlen(v1_ctrls[k]);

		if (strncmp(file, v1_ctrls[k], n) == 0 && file[n] == '.')
			ctrl = v1_ctrls[k];
	}
	snprintf(buf, size, "%s/%s/c/%s", root[0], ctrl, file);
}

static void must_mkdir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		perror(path);
		abort();
	}
}

static void make_trees(void)
{
	struct lx_error err = {0, ""};
	char path[256];

	snprintf(root[0], sizeof(root[0]), "%s/v1", fz_scratch());
	snprintf(root[1], sizeof(root[1]), "%s/v2", fz_scratch());
	must_mkdir(root[0]);
	for (size_t k = 0; k < sizeof(v1_ctrls) / sizeof(v1_ctrls[0]); k++) {
		snprintf(path, sizeof(path), "%s/%s", root[0], v1_ctrls[k]);
		must_mkdir(path);
		snprintf(path, sizeof(path), "%s/%s/c", root[0], v1_ctrls[k]);
		must_mkdir(path);
	}
	must_mkdir(root[1]);
	snprintf(path, sizeof(path), "%s/c", root[1]);
	must_mkdir(path);
	for (int d = 0; d < 2; d++) {
		static const char controllers[] = "cpuset cpu io memory pids\n";

		snprintf(path, sizeof(path),
			 d ? "%s/c/cgroup.controllers" : "%s/cgroup.controllers", root[1]);
		fz_write(path, controllers, sizeof(controllers) - 1);
	}
	if (cg_layout_open(&layout[0], root[0], &err) < 0 ||
	    cg_paths_parse(
		&layout[0],
		"6:pids:/c\n5:blkio:/c\n4:memory:/c\n3:cpuset:/c\n2:cpuacct:/c\n1:cpu:/c\n",
		&paths[0], &err) < 0 ||
	    cg_layout_open(&layout[1], root[1], &err) < 0 ||
	    cg_paths_parse(&layout[1], "0::/c\n", &paths[1], &err) < 0) {
		fprintf(stderr, "fuzz_render: scratch cgroup trees: %s\n", err.msg);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *want = getenv("LXCFS_FUZZ_RENDER");

	(void)argc, (void)argv;
	fz_quiet();
	if (getenv("LXCFS_FUZZ_LIST")) {
		for (size_t k = 0; k < NRENDERERS; k++)
			printf("%s\n", renderers[k].name);
		exit(0);
	}
	for (size_t k = 0; want && *want && k < NRENDERERS; k++)
		if (strcmp(renderers[k].name, want) == 0)
			only = &renderers[k];
	if (want && *want && !only) {
		fprintf(stderr, "fuzz_render: no renderer named `%s`\n", want);
		exit(2);
	}
	make_trees();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__sbfree struct strbuf out = STRBUF_INIT;
	char *parts[MAX_HOST + MAX_FILES];
	const struct renderer *r;
	struct ctx c;
	size_t nhost = 0, at;
	uint8_t flags;
	int v;

	if (size < 1)
		return 0;
	flags = data[0];
	r = only ? only : &renderers[(flags >> 3) % NRENDERERS];
	v = (flags & 1) ? 2 : 1;
	while (nhost < MAX_HOST && r->host[nhost])
		nhost++;
	fz_split(data + 1, size - 1, parts, MAX_HOST + MAX_FILES);
	c.layout = &layout[v - 1];
	c.paths = &paths[v - 1];
	c.swap = flags & 2;
	c.cfs = flags & 4;
	for (size_t k = 0; k < MAX_HOST; k++)
		c.host[k] = k < nhost && parts[k] ? parts[k] : "";
	/* no file of an earlier input stays: a crash replays from its input alone */
	for (size_t k = 0; k < NRENDERERS; k++)
		for (int w = 1; w <= 2; w++)
			for (const char *const *f = w == 1 ? renderers[k].v1 : renderers[k].v2; *f;
			     f++) {
				char path[256];

				file_path(w, *f, path, sizeof(path));
				if (unlink(path) < 0 && errno != ENOENT)
					abort();
			}
	at = nhost;
	for (const char *const *f = v == 1 ? r->v1 : r->v2; *f; f++, at++) {
		char path[256];

		file_path(v, *f, path, sizeof(path));
		if (parts[at])
			fz_write(path, parts[at], strlen(parts[at]));
	}
	r->run(&c, &out);
	fz_free_parts(parts, MAX_HOST + MAX_FILES);
	return 0;
}
