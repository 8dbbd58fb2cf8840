/* The subcommands of lxcfs-toolkit. Each parses its own options from argv (argv[0] is the
 * command name) and returns the process exit code: 0 ok, 1 failure, 2 usage error. */
#ifndef TK_CMD_H
#define TK_CMD_H

#include "lib/config.h"

#define TK_EXIT_OK    0
#define TK_EXIT_FAIL  1
#define TK_EXIT_USAGE 2

struct tk_ctx {
	struct tk_config cfg;
	const char *prog;
};

int cmd_prestart(struct tk_ctx *ctx, int argc, char **argv);
int cmd_hook(struct tk_ctx *ctx, int argc, char **argv);
int cmd_remount(struct tk_ctx *ctx, int argc, char **argv);
int cmd_umount(struct tk_ctx *ctx, int argc, char **argv);
int cmd_check(struct tk_ctx *ctx, int argc, char **argv);
int cmd_status(struct tk_ctx *ctx, int argc, char **argv);
int cmd_watchdog(struct tk_ctx *ctx, int argc, char **argv);
int cmd_upgrade(struct tk_ctx *ctx, int argc, char **argv);
int cmd_seccomp_profile(struct tk_ctx *ctx, int argc, char **argv);

struct tk_entry;
struct tk_inject;
/* The hook's common end (cmd_hook.c): bind the files into the container named by e (in: the
 * caller's pid and rootfs, the rest from the config) when the daemon is healthy, then record
 * e; an exit code. */
int tk_hook_bind(struct tk_ctx *ctx, struct tk_entry *e, struct tk_inject *in);

/* `hook --lxc` (cmd_hook_lxc.c): the LXC hook; argv holds what LXC appended (NAME lxc TYPE
 * ...), argc may be 0 (lxc.hook.version = 1). */
int tk_hook_lxc(struct tk_ctx *ctx, int argc, char **argv);

struct tk_fleet_opts;
/* remount/umount options: 0 parsed, -1 help printed, else an exit code. */
int tk_parse_fleet_opts(struct tk_ctx *ctx, const char *cmd, const char *help, int argc,
			char **argv, struct tk_fleet_opts *o);

/* remount (op TK_FLEET_REMOUNT) and umount (TK_FLEET_UMOUNT). */
int tk_fleet_command(struct tk_ctx *ctx, int argc, char **argv, int op);

struct option;
/* getopt_long over a subcommand's options: the next option's val (optarg and *index set as
 * getopt_long sets them), or 0 once every argument is taken. An unknown option, a missing
 * option argument or an argument left over is a usage error: said on stderr, *rc set to
 * TK_EXIT_USAGE, -1 returned. index may be NULL. */
int tk_getopt(struct tk_ctx *ctx, const char *cmd, int argc, char **argv, const struct option *opts,
	      int *index, int *rc);

/* Print "PROG COMMAND: message" on stderr (and to the log); returns code. */
int tk_fail(struct tk_ctx *ctx, const char *cmd, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
