#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/conffile.h"
#include "common/parse.h"

enum {
	SET_MOUNTPOINT = 1 << 0,
	SET_PIDFILE = 1 << 1,
	SET_LOG = 1 << 2,
	SET_CGROOT = 1 << 3,
	SET_LOADAVG = 1 << 4,
	SET_CFS = 1 << 5,
	SET_SWAP = 1 << 6,
	SET_ZSWAP = 1 << 7,
	SET_PSI_POLL = 1 << 8,
	SET_SECCOMP = 1 << 9,
};

void lx_options_usage(const char *prog)
{
	printf("Usage: %s [OPTIONS] [MOUNTPOINT]\n"
	       "Serve per-container /proc files over FUSE (default mount point %s).\n\n"
	       "  -f, --foreground        stay in the foreground\n"
	       "  -d, --debug             debug logging (implies --foreground)\n"
	       "  -l, --enable-loadavg    per-container /proc/loadavg\n"
	       "  -u, --disable-swap      show no swap in meminfo and swaps\n"
	       "  -z, --disable-zswap     show no Zswap/Zswapped lines in meminfo\n"
	       "  -p, --pidfile FILE      write and lock a pidfile\n"
	       "      --enable-cfs        limit the CPU view by the CFS quota too\n"
	       "      --enable-psi-poll   PSI triggers: writable /proc/pressure files, poll()\n"
	       "      --enable-pidfd      accepted for upstream lxcfs (always on)\n"
	       "      --enable-cgroup     accepted for upstream lxcfs 6 (no effect: no cgroupfs)\n"
	       "  -s                      accepted for upstream lxcfs (no effect)\n"
	       "  -o OPTS                 extra FUSE mount options\n"
	       "  -c, --config FILE       INI config (default $LXCFS_CONFIG, else %s if present)\n"
	       "      --log FILE          log to FILE (default: stderr in the foreground,\n"
	       "                          syslog when daemonized)\n"
	       "      --cgroup-root DIR   where cgroup hierarchies are (default %s)\n"
	       "      --runtime-dir DIR   the control socket's directory (default\n"
	       "                          $LXCFS_RUNTIME_DIR, else %s)\n"
	       "      --seccomp-listener PATH\n"
	       "                          answer containers' sysinfo(2) (seccomp listenerPath):\n"
	       "                          listen on PATH (\"\" or none: no listener)\n"
	       "      --takeover-fd FD    take over the live connection on /dev/fuse\n"
	       "                          descriptor FD (with --state-fd)\n"
	       "      --state-fd FD       that connection's state descriptor\n"
	       "  -h, --help              this help\n"
	       "  -v, --version           print the version\n",
	       prog, LXCFS_DEFAULT_MOUNTPOINT, LXCFS_DEFAULT_CONFIG, LXCFS_DEFAULT_CGROOT,
	       LXCFS_DEFAULT_RUNTIME_DIR);
}

static int set_str(char **dst, const char *v)
{
	char *p = strdup(v);

	if (!p)
		return -1;
	free(*dst);
	*dst = p;
	return 0;
}

struct cfg_ctx {
	struct lx_options *o;
	unsigned set; /* what the command line set: those keys are not overridden */
};

static int cfg_bool(const struct cfg_ctx *c, const char *name, const char *value, unsigned flag,
		    bool *dst, struct lx_error *err)
{
	bool b;

	if (lx_parse_bool(value, &b) < 0)
		return lx_error_code(err, EINVAL,
				     "invalid boolean `%s` for key `%s` (use true or false)", value,
				     name);
	if (!(c->set & flag))
		*dst = b;
	return 0;
}

static int cfg_path(const struct cfg_ctx *c, const char *name, const char *value, unsigned flag,
		    char **dst, struct lx_error *err)
{
	if (value[0] != '/')
		return lx_error_code(err, EINVAL, "key `%s` needs an absolute path, got `%s`", name,
				     value);
	if (!(c->set & flag) && set_str(dst, value) < 0)
		return lx_error_set(err, ENOMEM, "key `%s`", name);
	return 0;
}

static int cfg_key(void *user, const char *section, const char *name, const char *value,
		   struct lx_error *err)
{
	struct cfg_ctx *c = user;
	struct lx_options *o = c->o;

	if (strcmp(section, "lxcfs") != 0)
		return 0; /* other programs' sections ([toolkit], ...) share the file */
	if (!strcmp(name, "mountpoint"))
		return cfg_path(c, name, value, SET_MOUNTPOINT, &o->mountpoint, err);
	if (!strcmp(name, "pidfile"))
		return cfg_path(c, name, value, SET_PIDFILE, &o->pidfile, err);
	if (!strcmp(name, "log"))
		return cfg_path(c, name, value, SET_LOG, &o->log, err);
	if (!strcmp(name, "cgroup_root"))
		return cfg_path(c, name, value, SET_CGROOT, &o->cgroup_root, err);
	if (!strcmp(name, "loadavg"))
		return cfg_bool(c, name, value, SET_LOADAVG, &o->loadavg, err);
	if (!strcmp(name, "cfs"))
		return cfg_bool(c, name, value, SET_CFS, &o->cfs, err);
	if (!strcmp(name, "swap"))
		return cfg_bool(c, name, value, SET_SWAP, &o->swap, err);
	if (!strcmp(name, "zswap"))
		return cfg_bool(c, name, value, SET_ZSWAP, &o->zswap, err);
	if (!strcmp(name, "psi_poll"))
		return cfg_bool(c, name, value, SET_PSI_POLL, &o->psi_poll, err);
	if (!strcmp(name, "seccomp_listener")) {
		if (!*value) /* empty: none */
			return 0;
		return cfg_path(c, name, value, SET_SECCOMP, &o->seccomp_listener, err);
	}
	return lx_error_code(err, EINVAL, "unknown key `%s` in section [%s]", name, section);
}

static int load_config(struct lx_options *o, unsigned set, const char *path, bool explicit,
		       int *exit_code, struct lx_error *err)
{
	struct cfg_ctx c = {.o = o, .set = set};
	int r = lx_conf_parse(path, explicit, cfg_key, &c, err);

	if (r < 0) {
		/* the file's content or type (EINVAL), size, absence: the caller's to fix (usage);
		 * an error reading it, or memory: a failure */
		bool usage = err->code == EINVAL || err->code == ENOENT || err->code == EFBIG ||
			     err->code == ELOOP || err->code == ENOTDIR;

		*exit_code = usage ? LX_EXIT_USAGE : LX_EXIT_FAILURE;
		return -1;
	}
	if (r == 1 && set_str(&o->config, path) < 0)
		return lx_error_set(err, ENOMEM, "options");
	return 0;
}

int lx_options_parse(int argc, char **argv, struct lx_options *o, int *exit_code,
		     struct lx_error *err)
{
	enum {
		OPT_CFS = 256,
		OPT_LOG,
		OPT_CGROOT,
		OPT_RUNTIME,
		OPT_TAKEOVER,
		OPT_STATE,
		OPT_PSI_POLL,
		OPT_PIDFD,
		OPT_CGROUPFS,
		OPT_SECCOMP
	};
	static const struct option longopts[] = {
	    {"foreground", no_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'd'},
	    {"enable-loadavg", no_argument, NULL, 'l'},
	    {"disable-swap", no_argument, NULL, 'u'},
	    {"disable-zswap", no_argument, NULL, 'z'},
	    {"enable-psi-poll", no_argument, NULL, OPT_PSI_POLL},
	    {"enable-pidfd", no_argument, NULL, OPT_PIDFD},
	    {"enable-cgroup", no_argument, NULL, OPT_CGROUPFS},
	    {"pidfile", required_argument, NULL, 'p'},
	    {"enable-cfs", no_argument, NULL, OPT_CFS},
	    {"config", required_argument, NULL, 'c'},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"cgroup-root", required_argument, NULL, OPT_CGROOT},
	    {"runtime-dir", required_argument, NULL, OPT_RUNTIME},
	    {"takeover-fd", required_argument, NULL, OPT_TAKEOVER},
	    {"state-fd", required_argument, NULL, OPT_STATE},
	    {"seccomp-listener", required_argument, NULL, OPT_SECCOMP},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL;
	unsigned set = 0;
	int c;

	memset(o, 0, sizeof(*o));
	o->swap = o->zswap = true;
	o->takeover_fd = o->state_fd = -1;
	*exit_code = LX_EXIT_USAGE;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":fdluzsp:o:c:hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->foreground = true;
			break;
		case 'd':
			o->debug = o->foreground = true;
			break;
		case 'l':
			o->loadavg = true;
			set |= SET_LOADAVG;
			break;
		case 'u':
			o->swap = false;
			set |= SET_SWAP;
			break;
		case 'z':
			o->zswap = false;
			set |= SET_ZSWAP;
			break;
		case OPT_CFS:
			o->cfs = true;
			set |= SET_CFS;
			break;
		case OPT_PSI_POLL:
			o->psi_poll = true;
			set |= SET_PSI_POLL;
			break;
		case OPT_PIDFD: /* upstream's: processes are always followed by pidfd here */
		case 's':	/* upstream's legacy single-threaded flag, ignored there too */
			break;
		case OPT_CGROUPFS: /* upstream 6's virtual /sys/fs/cgroup, for kernels without
				    * cgroup namespaces: not served here (main.c logs it) */
			o->cgroupfs_ignored = true;
			break;
		case 'p':
			if (set_str(&o->pidfile, optarg) < 0)
				return lx_error_set(err, ENOMEM, "options");
			set |= SET_PIDFILE;
			break;
		case OPT_LOG:
			if (set_str(&o->log, optarg) < 0)
				return lx_error_set(err, ENOMEM, "options");
			set |= SET_LOG;
			break;
		case OPT_CGROOT:
			if (set_str(&o->cgroup_root, optarg) < 0)
				return lx_error_set(err, ENOMEM, "options");
			set |= SET_CGROOT;
			break;
		case OPT_RUNTIME:
			if (optarg[0] != '/')
				return lx_error_code(err, EINVAL,
						     "--runtime-dir needs an absolute path");
			if (set_str(&o->runtime_dir, optarg) < 0)
				return lx_error_set(err, ENOMEM, "options");
			break;
		case OPT_SECCOMP:
			set |= SET_SECCOMP;
			free(o->seccomp_listener);
			o->seccomp_listener = NULL;
			if (!optarg[0])
				break; /* "": none, whatever the config says */
			if (optarg[0] != '/')
				return lx_error_code(err, EINVAL,
						     "--seccomp-listener needs an absolute path");
			if (set_str(&o->seccomp_listener, optarg) < 0)
				return lx_error_set(err, ENOMEM, "options");
			break;
		case OPT_TAKEOVER:
		case OPT_STATE: {
			unsigned long v;
			char *end;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 3 || v > 65535 ||
			    fcntl((int)v, F_GETFD) < 0)
				return lx_error_code(
				    err, EINVAL, "%s: `%s` is not an open descriptor",
				    c == OPT_TAKEOVER ? "--takeover-fd" : "--state-fd", optarg);
			if (c == OPT_TAKEOVER)
				o->takeover_fd = (int)v;
			else
				o->state_fd = (int)v;
			break;
		}
		case 'o':
			if (o->fuse_opts) {
				__free char *joined = NULL;

				if (asprintf(&joined, "%s,%s", o->fuse_opts, optarg) < 0)
					return lx_error_set(err, ENOMEM, "options");
				free(o->fuse_opts);
				o->fuse_opts = steal_ptr(joined);
			} else if (set_str(&o->fuse_opts, optarg) < 0) {
				return lx_error_set(err, ENOMEM, "options");
			}
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			o->help = true;
			return 0;
		case 'v':
			o->version = true;
			return 0;
		case ':':
			return lx_error_code(err, EINVAL, "option `%s` needs an argument",
					     argv[optind - 1]);
		default:
			return lx_error_code(err, EINVAL, "unknown option `%s` (see --help)",
					     argv[optind - 1]);
		}
	}
	if (optind < argc) {
		if (argc - optind > 1)
			return lx_error_code(err, EINVAL, "unexpected argument `%s`",
					     argv[optind + 1]);
		if (set_str(&o->mountpoint, argv[optind]) < 0)
			return lx_error_set(err, ENOMEM, "options");
		set |= SET_MOUNTPOINT;
	}
	if (!config && getenv("LXCFS_CONFIG") && *getenv("LXCFS_CONFIG"))
		config = getenv("LXCFS_CONFIG"); /* a default of one's own: an explicit file */
	if (load_config(o, set, config ? config : LXCFS_DEFAULT_CONFIG, config != NULL, exit_code,
			err) < 0)
		return -1;
	if (!o->mountpoint && set_str(&o->mountpoint, LXCFS_DEFAULT_MOUNTPOINT) < 0)
		return lx_error_set(err, ENOMEM, "options");
	if (!o->cgroup_root && set_str(&o->cgroup_root, LXCFS_DEFAULT_CGROOT) < 0)
		return lx_error_set(err, ENOMEM, "options");
	if (!o->runtime_dir && getenv("LXCFS_RUNTIME_DIR") &&
	    getenv("LXCFS_RUNTIME_DIR")[0] == '/' &&
	    set_str(&o->runtime_dir, getenv("LXCFS_RUNTIME_DIR")) < 0)
		return lx_error_set(err, ENOMEM, "options");
	if (!o->runtime_dir && set_str(&o->runtime_dir, LXCFS_DEFAULT_RUNTIME_DIR) < 0)
		return lx_error_set(err, ENOMEM, "options");
	if ((o->takeover_fd >= 0) != (o->state_fd >= 0))
		return lx_error_code(err, EINVAL, "--takeover-fd and --state-fd go together");
	*exit_code = 0;
	return 0;
}

void lx_options_free(struct lx_options *o)
{
	free(o->mountpoint);
	free(o->pidfile);
	free(o->log);
	free(o->cgroup_root);
	free(o->config);
	free(o->fuse_opts);
	free(o->runtime_dir);
	free(o->seccomp_listener);
	memset(o, 0, sizeof(*o));
}
