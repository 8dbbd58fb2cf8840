/* lxcfs-bench: the load generator of `make bench` (see tests/bench/run.sh for the driver).
 *
 *   lxcfs-bench table    --target NAME=DIR... [--daemon NAME=PID...] [--hot 2] [--readers 2,16]
 *                        [--containers 100] [--seconds S] [--probes 10]
 *   lxcfs-bench scale    --target NAME=DIR... [--daemon NAME=PID...] [--containers 1000]
 *                        [--readers 2] [--rounds 2]
 *   lxcfs-bench loop     --target NAME=DIR [--containers 10] [--reads 1000]
 *   lxcfs-bench snapshot --target NAME=DIR --out DIR
 *
 * Readers are container-like: each is the init of its own pid and mount namespaces, in its own
 * v1 cgroup (memory, cpuset, cpu, cpuacct, blkio) under /sys/fs/cgroup/<ctrl>/lxcfs-bench-PID,
 * removed on exit; it binds the files of the FUSE targets from inside its pid namespace and
 * reads the binds (crowd.h). Exit status: 0, or 1 when a read failed, a check failed or the run
 * could not be done; 2 for bad usage. Missed speed goals are printed, never an error. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static const char *const default_files[] = {
    "proc/cpuinfo", "proc/diskstats",  "proc/loadavg",
    "proc/meminfo", "proc/partitions", "proc/stat",
    "proc/swaps",   "proc/uptime",     "sys/devices/system/cpu/online",
};

void target_path(const struct target *t, const char *file, char *buf, size_t sz)
{
	size_t n = strlen(t->prefix);

	snprintf(buf, sz, "%s%s%s", t->prefix, n && t->prefix[n - 1] == '/' ? "" : "/", file);
}

const char *file_label(const char *file)
{
	const char *p = strstr(file, "cpu/online");

	if (p)
		return p;
	p = strrchr(file, '/');
	return p ? p + 1 : file;
}

const struct target *find_target(const struct opts *o, const char *name)
{
	for (unsigned i = 0; i < o->ntargets; i++)
		if (strcmp(o->target[i].name, name) == 0)
			return &o->target[i];
	return NULL;
}

int target_index(const struct opts *o, const char *name)
{
	const struct target *t = find_target(o, name);

	return t ? (int)(t - o->target) : -1;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: lxcfs-bench table|scale|loop|snapshot [OPTIONS] | selftest\n"
	    "  --target NAME=DIR    files under DIR (repeat; NAME native/floor/floor-pc/upstream/\n"
	    "                       ours)\n"
	    "  --daemon NAME=PID    the process serving target NAME: its CPU per read is shown\n"
	    "                       (scale: and the peak RSS of ours)\n"
	    "  --files A,B          files relative to DIR (default: the 9 lxcfs files)\n"
	    "  --readers N[,N...]   readers at once (table: 2,16; scale: 2; loop: 2)\n"
	    "  --hot N              table: readers of the hot loop, in one container (2; 0: none)\n"
	    "  --probes N           table: limit changes checked per target and case (10)\n"
	    "  --containers N       containers (table: 100; scale: 1000; loop: 10)\n"
	    "  --seconds S          per table cell (default 0.5)\n"
	    "  --passes N           table: each cell in N slices, interleaved (default 2)\n"
	    "  --turn-us US         a container's turn in a table cell (default 2000)\n"
	    "  --rounds N           scale: turns per container (default 2)\n"
	    "  --reads N            loop: reads at least (default 1000)\n"
	    "  --out DIR            snapshot: where the files go\n"
	    "  --tsv FILE           table/scale: also write the figures as tab-separated lines\n"
	    "  --cgroup-root DIR    default /sys/fs/cgroup\n"
	    "  --work-dir DIR       where the (empty) bind directory is made (default /tmp)\n"
	    "  --cgroup-parent NAME default lxcfs-bench-PID\n");
}

static int parse_list(const char *s, unsigned *out, unsigned max)
{
	unsigned n = 0;
	char *end;

	while (*s) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || !v || v > 100000 || n == max)
			return -1;
		out[n++] = (unsigned)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return (int)n;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"target", required_argument, 0, 't'},
	    {"files", required_argument, 0, 'f'},
	    {"readers", required_argument, 0, 'r'},
	    {"containers", required_argument, 0, 'c'},
	    {"seconds", required_argument, 0, 's'},
	    {"passes", required_argument, 0, 'S'},
	    {"turn-us", required_argument, 0, 'u'},
	    {"rounds", required_argument, 0, 'R'},
	    {"reads", required_argument, 0, 'n'},
	    {"daemon", required_argument, 0, 'p'},
	    {"hot", required_argument, 0, 'H'},
	    {"probes", required_argument, 0, 'N'},
	    {"work-dir", required_argument, 0, 'W'},
	    {"out", required_argument, 0, 'o'},
	    {"tsv", required_argument, 0, 'T'},
	    {"cgroup-root", required_argument, 0, 'C'},
	    {"cgroup-parent", required_argument, 0, 'P'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	static char files_buf[1024];
	int ch;

	memset(o, 0, sizeof(*o));
	o->seconds = 0.5;
	o->passes = 2;
	o->turn_us = 2000;
	o->rounds = 2;
	o->reads = 1000;
	o->hot = 2;
	o->probes = 10;
	o->cgroup_root = "/sys/fs/cgroup";
	snprintf(o->cgroup_parent, sizeof(o->cgroup_parent), "lxcfs-bench-%d", (int)getpid());
	if (argc < 2 || argv[1][0] == '-') {
		usage(stderr);
		return -1;
	}
	o->cmd = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 't': {
			const char *eq = strchr(optarg, '=');
			struct target *t = &o->target[o->ntargets];

			if (!eq || eq == optarg || o->ntargets == MAX_TARGETS ||
			    (size_t)(eq - optarg) >= sizeof(t->name) ||
			    strlen(eq + 1) >= sizeof(t->prefix)) {
				fprintf(stderr, "lxcfs-bench: bad --target `%s`\n", optarg);
				return -1;
			}
			snprintf(t->name, sizeof(t->name), "%.*s", (int)(eq - optarg), optarg);
			snprintf(t->prefix, sizeof(t->prefix), "%s", eq + 1);
			o->ntargets++;
			break;
		}
		case 'f': {
			char *save = NULL, *tok;

			snprintf(files_buf, sizeof(files_buf), "%s", optarg);
			o->nfiles = 0;
			for (tok = strtok_r(files_buf, ",", &save); tok && o->nfiles < MAX_FILES;
			     tok = strtok_r(NULL, ",", &save))
				o->file[o->nfiles++] = tok;
			break;
		}
		case 'r': {
			int n = parse_list(optarg, o->readers, MAX_LEVELS);

			if (n <= 0) {
				fprintf(stderr, "lxcfs-bench: bad --readers `%s`\n", optarg);
				return -1;
			}
			o->nlevels = (unsigned)n;
			break;
		}
		case 'c':
			o->containers = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			o->seconds = strtod(optarg, NULL);
			break;
		case 'S':
			o->passes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'u':
			o->turn_us = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'R':
			o->rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			o->reads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'p': {
			const char *eq = strchr(optarg, '=');
			int pid = eq ? atoi(eq + 1) : 0;
			unsigned i;

			for (i = 0; eq && i < o->ntargets; i++)
				if (strlen(o->target[i].name) == (size_t)(eq - optarg) &&
				    !strncmp(o->target[i].name, optarg, (size_t)(eq - optarg)))
					break;
			if (!eq || pid <= 0 || i == o->ntargets) {
				fprintf(stderr,
					"lxcfs-bench: bad --daemon `%s` (NAME=PID after its "
					"--target)\n",
					optarg);
				return -1;
			}
			o->target[i].pid = pid;
			break;
		}
		case 'H':
			o->hot = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'N':
			o->probes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'W':
			o->work_dir = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'T':
			o->tsv = optarg;
			break;
		case 'C':
			o->cgroup_root = optarg;
			break;
		case 'P':
			snprintf(o->cgroup_parent, sizeof(o->cgroup_parent), "%s", optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !o->ntargets || o->seconds <= 0 || !o->rounds || !o->reads ||
	    !o->passes) {
		usage(stderr);
		return -1;
	}
	if (!o->nfiles) {
		o->nfiles = sizeof(default_files) / sizeof(default_files[0]);
		for (unsigned i = 0; i < o->nfiles; i++)
			o->file[i] = default_files[i];
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	crowd_interrupted = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct opts o;

	if (argc == 2 && strcmp(argv[1], "selftest") == 0)
		return cmd_selftest();
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waits stop, the readers are removed */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(o.cmd, "table") == 0)
		return cmd_table(&o);
	if (strcmp(o.cmd, "scale") == 0)
		return cmd_scale(&o);
	if (strcmp(o.cmd, "loop") == 0)
		return cmd_loop(&o);
	if (strcmp(o.cmd, "snapshot") == 0)
		return cmd_snapshot(&o);
	fprintf(stderr, "lxcfs-bench: unknown command `%s`\n", o.cmd);
	usage(stderr);
	return 2;
}
