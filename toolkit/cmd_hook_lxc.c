/* hook --lxc: the LXC hook. lxc.hook.start-host runs on the host once the container is set up
 * (its root pivoted, its init waiting in its own pid namespace: LXC_PID): the files are bound
 * as `remount` binds them into a running container, through /proc/PID/root and looked up from
 * the container's pid namespace, so the container gets inodes of its own. An earlier hook
 * (mount, autodev) runs before the container's init exists, inside its pid namespace, where
 * LXC names no pid: refused. lxc.hook.post-stop forgets the container. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/inject.h"
#include "lib/lxcenv.h"
#include "lib/registry.h"
#include "lib/report.h"
#include "common/proc.h"

static int post_stop(struct tk_ctx *ctx, const struct tk_lxc_hook *h)
{
	struct tk_entry old;
	struct lx_error err;

	/* the record of a container of the same name in another lxcpath, started since, stays */
	if (h->pid && tk_registry_get(ctx->cfg.registry, h->name, &old, &err) == 0 &&
	    old.pid != h->pid) {
		tk_report(LX_LOG_INFO,
			  "LXC container %s stopped (pid %d): the record names pid %d, kept",
			  h->name, (int)h->pid, (int)old.pid);
		return TK_EXIT_OK;
	}
	if (tk_registry_remove(ctx->cfg.registry, h->name, &err) < 0)
		return tk_fail(ctx, "hook", TK_EXIT_FAIL, "%s", err.msg);
	tk_report(LX_LOG_INFO, "LXC container %s stopped: record removed", h->name);
	return TK_EXIT_OK;
}

int tk_hook_lxc(struct tk_ctx *ctx, int argc, char **argv)
{
	struct tk_lxc_hook h;
	struct tk_entry e = {0};
	struct tk_inject in = {0};
	struct lx_error err;
	uint64_t own_ns;

	if (tk_lxc_hook_parse(getenv, argc, argv, &h, &err) < 0)
		return tk_fail(ctx, "hook", TK_EXIT_USAGE, "--lxc: %s", err.msg);
	if (!strcmp(h.type, "post-stop"))
		return post_stop(ctx, &h);
	if (strcmp(h.type, "start-host"))
		return tk_fail(ctx, "hook", TK_EXIT_USAGE,
			       "--lxc: hook type `%s` is not start-host or post-stop (the files "
			       "are bound from lxc.hook.start-host, when the container's init "
			       "exists)",
			       h.type);
	if (!h.pid)
		return tk_fail(ctx, "hook", TK_EXIT_FAIL,
			       "--lxc: LXC container %s: no LXC_PID (LXC before 3.0?)", h.name);
	if (ctx->cfg.legacy_mount)
		return tk_fail(ctx, "hook", TK_EXIT_FAIL,
			       "--lxc: LXC container %s: legacy_mount cannot reach the container "
			       "from start-host (open_tree(2) is needed)",
			       h.name);
	if (proc_stat_start(h.pid, &e.starttime, NULL, &err) < 0 ||
	    proc_mntns_ino(h.pid, &e.mntns, &err) < 0)
		return tk_fail(ctx, "hook", TK_EXIT_FAIL,
			       "LXC container %s: pid %d is not alive (%s)", h.name, (int)h.pid,
			       err.msg);
	if (proc_mntns_ino(getpid(), &own_ns, &err) == 0 && own_ns == e.mntns)
		return tk_fail(ctx, "hook", TK_EXIT_FAIL,
			       "LXC container %s: pid %d is not a container: it shares our mount "
			       "namespace",
			       h.name, (int)h.pid);

	snprintf(e.id, sizeof(e.id), "%s", h.name);
	snprintf(e.name, sizeof(e.name), "%s", h.name);
	e.pid = h.pid;
	snprintf(e.rootfs, sizeof(e.rootfs), "%s", h.rootfs_path);
	/* rootfs NULL: the root of the pid, /proc/PID/root, refused when it is the host's / */
	in.rootfs = NULL;
	return tk_hook_bind(ctx, &e, &in);
}
