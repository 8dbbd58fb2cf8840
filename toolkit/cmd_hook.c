/* hook: the OCI hook. prestart/createRuntime: bind the daemon's files into the container and
 * record it in the registry; poststop: remove the record. Stage from --stage, else from the
 * state's status ("stopped" means poststop). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/health.h"
#include "lib/inject.h"
#include "lib/nsexec.h"
#include "lib/ocistate.h"
#include "common/proc.h"
#include "lib/registry.h"
#include "lib/report.h"

static int hook_usage(struct tk_ctx *ctx)
{
	printf("Usage: %s hook [--stage prestart|createRuntime|poststop] [--strict]\n"
	       "       %s hook --lxc [--strict] [NAME lxc TYPE ...]\n"
	       "Reads the OCI state JSON on stdin. prestart/createRuntime: bind the lxcfs files\n"
	       "into the container and record it; poststop: forget it. A record that cannot be\n"
	       "written (read-only or full registry) is a warning: exit 0, the mounts stay.\n"
	       "Refused (exit 1, nothing mounted): a state over 1 MiB or whose stdin does not\n"
	       "end within `timeout` seconds; a bundle config.json that is not a regular file\n"
	       "of at most 16 MiB; a rootfs that is the host's / or not the bundle's rootfs.\n"
	       "  --strict   fail when the daemon is down (default: warn, exit 0)\n"
	       "  --no-lxcfs-dir  do not mount the mount point into the container\n"
	       "  --lxc      the LXC hook: lxc.hook.start-host binds and records the container\n"
	       "             (LXC_NAME, LXC_PID), lxc.hook.post-stop forgets it; no stdin\n",
	       ctx->prog, ctx->prog);
	return TK_EXIT_OK;
}

static int poststop(struct tk_ctx *ctx, const struct tk_state *st)
{
	struct lx_error err;

	if (tk_registry_remove(ctx->cfg.registry, st->id, &err) < 0)
		return tk_fail(ctx, "hook", TK_EXIT_FAIL, "%s", err.msg);
	tk_report(LX_LOG_INFO, "container %s stopped: record removed", st->id);
	return TK_EXIT_OK;
}

/* The daemon healthy: bind its files into the container (in prepared by the caller: pid,
 * rootfs); down: the container starts with the host's files, a warning unless strict. Then
 * record e. Shared by the OCI and the LXC hook. */
int tk_hook_bind(struct tk_ctx *ctx, struct tk_entry *e, struct tk_inject *in)
{
	struct tk_health h;
	struct lx_error err;
	char info[256];

	if (tk_health_check(&ctx->cfg, &h) < 0) {
		if (ctx->cfg.strict)
			return tk_fail(ctx, "hook", TK_EXIT_FAIL,
				       "container %s: lxcfs is not healthy: %s", e->id, h.why.msg);
		tk_report(LX_LOG_WARN,
			  "container %s starts with the host's /proc: lxcfs is not healthy: %s",
			  e->id, h.why.msg);
		e->degraded = true;
	} else {
		in->mountpoint = ctx->cfg.mountpoint;
		in->pid = e->pid;
		in->attach = true;
		in->mount_dir = ctx->cfg.mount_lxcfs_dir;
		in->container_dir = ctx->cfg.container_dir;
		in->legacy = ctx->cfg.legacy_mount;
		if (tk_run_child(tk_inject_run, in, ctx->cfg.timeout * 1000, info, sizeof(info),
				 &err) < 0)
			return tk_fail(ctx, "hook", TK_EXIT_FAIL, "container %s: %s", e->id,
				       err.msg);
		tk_report(LX_LOG_INFO, "container %s (pid %d): %s", e->id, (int)e->pid, info);
	}
	/* The mounts are made and right: a registry that cannot take the record (read-only,
	 * full) must not fail every container start. Without it remount/umount --all find the
	 * container only through an engine, which the warning says. */
	if (tk_registry_write(ctx->cfg.registry, e, &err) < 0)
		tk_report(LX_LOG_WARN,
			  "container %s is not recorded in the registry (remount/umount --all "
			  "find it only through an engine): %s",
			  e->id, err.msg);
	return TK_EXIT_OK;
}

int cmd_hook(struct tk_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"stage", required_argument, NULL, 's'},  {"strict", no_argument, NULL, 'S'},
	    {"no-lxcfs-dir", no_argument, NULL, 'D'}, {"lxc", no_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	struct strbuf sb = STRBUF_INIT;
	const char *stage = NULL;
	struct tk_state st;
	struct tk_entry e = {0};
	struct tk_inject in = {0};
	struct lx_error err;
	char rootfs[PATH_MAX], expect[PATH_MAX];
	bool lxc = false;
	int c;

	/* LXC appends NAME lxc TYPE [MORE...] to a hook's command line: arguments are the LXC
	 * mode's; tk_getopt refuses them, so getopt_long itself */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'L':
			lxc = true;
			break;
		case 's':
			stage = optarg;
			break;
		case 'S':
			ctx->cfg.strict = true;
			break;
		case 'D':
			ctx->cfg.mount_lxcfs_dir = false;
			break;
		case 'h':
			return hook_usage(ctx);
		default:
			return tk_fail(ctx, "hook", TK_EXIT_USAGE, "unknown option (see --help)");
		}
	}
	if (lxc && stage)
		return tk_fail(ctx, "hook", TK_EXIT_USAGE,
			       "--stage is the OCI hook's: LXC says the hook type");
	if (lxc)
		return tk_hook_lxc(ctx, argc - optind, argv + optind);
	if (optind < argc)
		return tk_fail(ctx, "hook", TK_EXIT_USAGE, "unexpected argument `%s`",
			       argv[optind]);
	if (stage && strcmp(stage, "prestart") && strcmp(stage, "createRuntime") &&
	    strcmp(stage, "poststop"))
		return tk_fail(ctx, "hook", TK_EXIT_USAGE,
			       "--stage: `%s` is not prestart, createRuntime or poststop", stage);

	if (tk_read_limited(STDIN_FILENO, TK_STATE_MAX, ctx->cfg.timeout * 1000, &sb, &err) < 0 ||
	    tk_state_parse(sb.buf ? sb.buf : "", sb.len, &st, &err) < 0) {
		sb_free(&sb);
		return tk_fail(ctx, "hook", TK_EXIT_FAIL, "bad OCI state: %s", err.msg);
	}
	sb_free(&sb);
	if ((stage && !strcmp(stage, "poststop")) || (!stage && !strcmp(st.status, "stopped")))
		return poststop(ctx, &st);

	if (!st.pid)
		return tk_fail(ctx, "hook", TK_EXIT_FAIL, "bad OCI state: container %s has no pid",
			       st.id);
	if (proc_stat_start(st.pid, &e.starttime, NULL, &err) < 0 ||
	    proc_mntns_ino(st.pid, &e.mntns, &err) < 0)
		return tk_fail(ctx, "hook", TK_EXIT_FAIL,
			       "bad OCI state: pid %d of container %s is not alive (%s)",
			       (int)st.pid, st.id, err.msg);
	{
		uint64_t host_ns;

		if (proc_mntns_ino(getpid(), &host_ns, &err) == 0 && host_ns == e.mntns)
			return tk_fail(ctx, "hook", TK_EXIT_FAIL,
				       "pid %d is not a container: it shares our mount namespace",
				       (int)st.pid);
	}
	if (tk_state_rootfs(&st, rootfs, sizeof(rootfs), expect, sizeof(expect), &err) < 0)
		return tk_fail(ctx, "hook", TK_EXIT_FAIL, "container %s: %s", st.id, err.msg);

	snprintf(e.id, sizeof(e.id), "%s", st.id);
	snprintf(e.name, sizeof(e.name), "%s", st.name[0] ? st.name : st.id);
	e.pid = st.pid;
	snprintf(e.rootfs, sizeof(e.rootfs), "%s", rootfs);

	in.rootfs = rootfs;
	in.expect_rootfs = expect[0] ? expect : NULL;
	return tk_hook_bind(ctx, &e, &in);
}
