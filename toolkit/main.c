/* lxcfs-toolkit: command line dispatch. The work is in toolkit/cmd_*.c and toolkit/lib/. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/report.h"
#include "common/cleanup.h"
#include "common/log.h"

static const struct {
	const char *name;
	int (*fn)(struct tk_ctx *, int, char **);
	const char *help;
} commands[] = {
    {"prestart", cmd_prestart, "prepare the mount point before the daemon starts"},
    {"hook", cmd_hook, "OCI hook (prestart/createRuntime and poststop), state on stdin"},
    {"remount", cmd_remount, "bind the live files into containers again"},
    {"umount", cmd_umount, "remove the lxcfs mounts from containers"},
    {"check-lxcfs", cmd_check, "exit 0 only when the daemon is healthy"},
    {"status", cmd_status, "per-container state of every lxcfs file"},
    {"watchdog", cmd_watchdog, "hold the daemon's connection; restart it on failure"},
    {"upgrade", cmd_upgrade, "hand the live connection to the installed binary"},
    {"seccomp-profile", cmd_seccomp_profile, "a seccomp profile notifying sysinfo to the daemon"},
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [OPTIONS] COMMAND [COMMAND_OPTIONS]\n"
		"\n"
		"Options:\n"
		"  --mountpoint DIR      the daemon's mount point (default /var/lib/lxcfs)\n"
		"  -c, --config FILE     INI file, section [toolkit] (default %s,\n"
		"                        or $LXCFS_TOOLKIT_CONFIG)\n"
		"  --log FILE            append log lines to FILE\n"
		"  --engine NAME         auto|docker|podman|isula|runc|none\n"
		"  --engine-socket PATH  Docker-compatible API socket\n"
		"  --registry DIR        container registry (default /run/lxcfs/containers)\n"
		"  --pidfile FILE        the daemon's pidfile\n"
		"  --runc-root DIR       runc --root for `runc list`\n"
		"  --engine-timeout S    seconds for one engine request (default 5)\n"
		"  --runtime-dir DIR     the daemon's control socket's directory (default\n"
		"                        $LXCFS_RUNTIME_DIR, else /run/lxcfs)\n"
		"  -h, --help            this help\n"
		"  -v, --version         print the version\n"
		"\nCommands:\n",
		prog, TK_DEFAULT_CONFIG);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nEvery command takes --help.\n");
}

int tk_fail(struct tk_ctx *ctx, const char *cmd, int code, const char *fmt, ...)
{
	char msg[2 * LX_ERR_MSG_MAX]; /* a message and its context */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s: %s\n", ctx->prog, cmd, msg);
	tk_report_logonly(LX_LOG_ERROR, "%s: %s", cmd, msg);
	return code;
}

int tk_getopt(struct tk_ctx *ctx, const char *cmd, int argc, char **argv, const struct option *opts,
	      int *index, int *rc)
{
	int c = getopt_long(argc, argv, "h", opts, index);

	if (c == '?' || c == ':') {
		*rc = tk_fail(ctx, cmd, TK_EXIT_USAGE, "unknown option (see --help)");
		return -1;
	}
	if (c != -1)
		return c;
	if (optind < argc) {
		*rc = tk_fail(ctx, cmd, TK_EXIT_USAGE, "unexpected argument `%s`", argv[optind]);
		return -1;
	}
	return 0;
}

/* a global option that sets a config key, applied after the config file */
struct override {
	const char *key, *val;
};

enum {
	OPT_MOUNTPOINT = 256,
	OPT_LOG,
	OPT_ENGINE,
	OPT_SOCKET,
	OPT_REGISTRY,
	OPT_PIDFILE,
	OPT_RUNC_ROOT,
	OPT_ENGINE_TIMEOUT,
	OPT_RUNTIME_DIR,
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"mountpoint", required_argument, NULL, OPT_MOUNTPOINT},
	    {"config", required_argument, NULL, 'c'},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"engine", required_argument, NULL, OPT_ENGINE},
	    {"engine-socket", required_argument, NULL, OPT_SOCKET},
	    {"registry", required_argument, NULL, OPT_REGISTRY},
	    {"pidfile", required_argument, NULL, OPT_PIDFILE},
	    {"runc-root", required_argument, NULL, OPT_RUNC_ROOT},
	    {"engine-timeout", required_argument, NULL, OPT_ENGINE_TIMEOUT},
	    {"runtime-dir", required_argument, NULL, OPT_RUNTIME_DIR},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	/* every option takes an argument of argv: argc entries are room for all of them */
	__free struct override *overrides = calloc((size_t)argc, sizeof(*overrides));
	size_t nover = 0;
	const char *config = TK_DEFAULT_CONFIG;
	bool config_explicit = false, is_hook;
	struct tk_ctx ctx = {.prog = "lxcfs-toolkit"};
	struct lx_error err;
	char *base = basename(argv[0]);
	int c;

	if (!overrides) {
		fprintf(stderr, "%s: out of memory\n", ctx.prog);
		return TK_EXIT_FAIL;
	}
	is_hook = !strcmp(base, "lxcfs-hook");
	tk_config_defaults(&ctx.cfg);
	if (getenv("LXCFS_TOOLKIT_CONFIG") && *getenv("LXCFS_TOOLKIT_CONFIG")) {
		config = getenv("LXCFS_TOOLKIT_CONFIG");
		config_explicit = true;
	}
	if (!is_hook) {
		opterr = 0;
		while ((c = getopt_long(argc, argv, "+c:hv", opts, NULL)) != -1) {
			const char *key = NULL;

			switch (c) {
			case 'c':
				config = optarg;
				config_explicit = true;
				break;
			case 'h':
				usage(stdout, ctx.prog);
				return TK_EXIT_OK;
			case 'v':
				printf("lxcfs-toolkit %s\n", LXCFS_VERSION);
				return TK_EXIT_OK;
			case OPT_MOUNTPOINT:
				key = "mountpoint";
				break;
			case OPT_LOG:
				key = "log";
				break;
			case OPT_ENGINE:
				key = "engine";
				break;
			case OPT_SOCKET:
				key = "engine_socket";
				break;
			case OPT_REGISTRY:
				key = "registry";
				break;
			case OPT_PIDFILE:
				key = "pidfile";
				break;
			case OPT_RUNC_ROOT:
				key = "runc_root";
				break;
			case OPT_ENGINE_TIMEOUT:
				key = "engine_timeout";
				break;
			case OPT_RUNTIME_DIR:
				key = "runtime_dir";
				break;
			default:
				fprintf(stderr, "%s: unknown or incomplete option `%s`\n", ctx.prog,
					argv[optind - 1]);
				usage(stderr, ctx.prog);
				return TK_EXIT_USAGE;
			}
			if (key)
				overrides[nover].key = key, overrides[nover++].val = optarg;
		}
	}
	if (tk_config_load(&ctx.cfg, config, config_explicit, &err) < 0) {
		fprintf(stderr, "%s: %s\n", ctx.prog, err.msg);
		return TK_EXIT_USAGE;
	}
	for (size_t i = 0; i < nover; i++)
		if (tk_config_set(&ctx.cfg, overrides[i].key, overrides[i].val, &err) < 0) {
			fprintf(stderr, "%s: option: %s\n", ctx.prog, err.msg);
			return TK_EXIT_USAGE;
		}
	if (tk_config_canon(&ctx.cfg, &err) < 0) {
		fprintf(stderr, "%s: %s\n", ctx.prog, err.msg);
		return TK_EXIT_USAGE;
	}
	if (tk_report_open(ctx.prog, ctx.cfg.log, &err) < 0) {
		fprintf(stderr, "%s: %s\n", ctx.prog, err.msg);
		return TK_EXIT_FAIL;
	}
	if (is_hook) {
		argv[0] = "hook";
		return cmd_hook(&ctx, argc, argv);
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no command given\n", ctx.prog);
		usage(stderr, ctx.prog);
		return TK_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name)) {
			int first = optind;

			optind = 0; /* the command's getopt starts afresh */
			return commands[i].fn(&ctx, argc - first, argv + first);
		}
	fprintf(stderr, "%s: unknown command `%s`\n", ctx.prog, argv[optind]);
	usage(stderr, ctx.prog);
	return TK_EXIT_USAGE;
}
