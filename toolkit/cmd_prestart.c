/* prestart: make MOUNTPOINT ready for the daemon: detach a stale FUSE mount left by a crashed
 * daemon, then make MOUNTPOINT a bind mount of itself with shared propagation, so the
 * daemon's mount propagates to containers holding it as a slave. Idempotent. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cmd.h"
#include "lib/health.h"
#include "lib/inject.h"
#include "lib/mountstate.h"
#include "lib/report.h"
#include "lib/safepath.h"
#include "common/served.h"

/* How long the probe of a mount there waits for an answer. Only an error (ENOTCONN: nobody
 * holds the connection) makes us detach it, and that comes at once; no answer yet means a
 * connection held for the next daemon (systemd's fd store, whose restart runs us before the
 * daemon: every reader in every container waits for as long as we do) or a hung daemon, and
 * both are left alone however long we wait. A dead mount we miss is detached by the daemon
 * when it starts afresh (it is dead only when nobody held it). */
#define PRESTART_PROBE_MS 100

int cmd_prestart(struct tk_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *mp = ctx->cfg.mountpoint;
	int c, rc, detached = 0;
	bool bound = false;
	struct lx_error err;

	while ((c = tk_getopt(ctx, "prestart", argc, argv, opts, NULL, &rc)) > 0) {
		/* 'h', the only option */
		printf("Usage: %s prestart\n"
		       "Detach a stale lxcfs mount at the mount point and make the mount "
		       "point a shared bind mount of itself (idempotent).\n",
		       ctx->prog);
		return TK_EXIT_OK;
	}
	if (c < 0)
		return rc;

	/* 1. detach dead daemon mounts, top down; a live one stays */
	for (;;) {
		struct lx_mounts m;
		const struct lx_mount *top;
		char probe[PATH_MAX];
		bool lxcfs;

		if (lx_mountinfo_read(0, &m, &err) < 0)
			return tk_fail(ctx, "prestart", TK_EXIT_FAIL, "%s", err.msg);
		top = lx_mounts_top(&m, mp);
		lxcfs = top && !strcmp(top->fstype, TK_LXCFS_FSTYPE);
		lx_mounts_free(&m);
		if (!lxcfs)
			break;
		tk_path_join(probe, sizeof(probe), mp, lx_file_paths[LX_FILE_MEMINFO]);
		if (tk_probe_file(probe, PRESTART_PROBE_MS, &err) == 0) {
			tk_report(LX_LOG_INFO, "%s: a live lxcfs is mounted; leaving it", mp);
			return TK_EXIT_OK;
		}
		if (err.code == ETIMEDOUT) {
			/* a connection its holder keeps for the next daemon (systemd's fd store,
			 * the watchdog) answers nothing until that daemon takes it over: never
			 * detach it; the daemon detaches a mount it finds hung when it starts
			 * afresh */
			tk_report(LX_LOG_INFO,
				  "%s: an lxcfs mount that does not answer yet (%s): leaving it to "
				  "the daemon that takes it over",
				  mp, err.msg);
			return TK_EXIT_OK;
		}
		tk_report(LX_LOG_INFO, "%s: detaching stale lxcfs mount (%s)", mp, err.msg);
		if (umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			return tk_fail(ctx, "prestart", TK_EXIT_FAIL, "detach stale mount `%s`: %s",
				       mp, strerror(errno));
		if (++detached > 64)
			return tk_fail(ctx, "prestart", TK_EXIT_FAIL,
				       "`%s`: too many stacked mounts", mp);
	}

	/* 2. a bind mount of itself, shared */
	if (tk_mkdir_p(mp, 0755, &err) < 0)
		return tk_fail(ctx, "prestart", TK_EXIT_FAIL, "%s", err.msg);
	{
		struct lx_mounts m;
		const struct lx_mount *top;

		if (lx_mountinfo_read(0, &m, &err) < 0)
			return tk_fail(ctx, "prestart", TK_EXIT_FAIL, "%s", err.msg);
		top = lx_mounts_top(&m, mp);
		bound = top != NULL;
		if (top && lx_mount_is_shared(top)) {
			lx_mounts_free(&m);
			tk_report(LX_LOG_INFO, "%s: already a shared mount", mp);
			return TK_EXIT_OK;
		}
		lx_mounts_free(&m);
	}
	if (!bound && mount(mp, mp, NULL, MS_BIND, NULL) < 0)
		return tk_fail(ctx, "prestart", TK_EXIT_FAIL, "bind mount `%s` on itself: %s", mp,
			       strerror(errno));
	/* A new bind under a shared parent (systemd's /) joins the parent's peer group: then
	 * every daemon mount would appear twice. Private first, then shared: its own group. */
	if (!bound && mount(NULL, mp, NULL, MS_PRIVATE, NULL) < 0) {
		int e = errno;

		umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW);
		return tk_fail(ctx, "prestart", TK_EXIT_FAIL, "make `%s` private: %s", mp,
			       strerror(e));
	}
	if (mount(NULL, mp, NULL, MS_SHARED, NULL) < 0)
		return tk_fail(ctx, "prestart", TK_EXIT_FAIL, "make `%s` shared: %s", mp,
			       strerror(errno));
	tk_report(LX_LOG_INFO, "%s: %s shared mount ready", mp, bound ? "existing" : "new");
	return TK_EXIT_OK;
}
