/* status: the daemon's health, then one row per container with the state of each lxcfs bind
 * (common/served.h: a file of proc/, or the CPU directory): live, stale, absent, or degraded
 * (started with the hook but holding no mount). --json.
 * Exits 1 when the daemon is not healthy. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "common/control.h"
#include "lib/discover.h"
#include "lib/health.h"
#include "lib/inject.h"
#include "lib/mountstate.h"
#include "common/served.h"

static enum tk_mstate classify(const struct lx_mounts *m, const char *file,
			       const struct tk_health *h)
{
	char path[PATH_MAX];

	tk_path_join(path, sizeof(path), "/", file);
	return tk_mounts_classify(m, path, h->healthy, h->major, h->minor);
}

/* A directory bound whole (the CPU directory) with no lxcfs mount on it may still have its
 * files bound one by one (`docker run -v MNT/sys/devices/system/cpu/online:...`): then the
 * directory's state is theirs, stale if any of them is. */
static enum tk_mstate dir_files_state(const struct lx_mounts *m, const char *dir,
				      const struct tk_health *h)
{
	enum tk_mstate st = TK_MOUNT_ABSENT;
	size_t n = strlen(dir);

	for (unsigned i = 0; i < lx_nbinds; i++) {
		enum tk_mstate s;

		if (lx_binds[i].kind != LX_BIND_OLD || strncmp(lx_binds[i].path, dir, n) ||
		    lx_binds[i].path[n] != '/')
			continue;
		s = classify(m, lx_binds[i].path, h);
		if (s == TK_MOUNT_STALE)
			return s;
		if (s == TK_MOUNT_LIVE)
			st = s;
	}
	return st;
}

static const char *file_state(const struct lx_mounts *m, bool have_m, const struct lx_bind *b,
			      const struct tk_health *h, bool registered)
{
	enum tk_mstate s;

	if (!have_m)
		return "unknown";
	s = classify(m, b->path, h);
	/* one our hook set up should have the directory: without it, degraded (remount binds
	 * it); one set up by its engine alone (docker run -v) has what it was given */
	if (s == TK_MOUNT_ABSENT && b->kind == LX_BIND_DIR && !registered)
		s = dir_files_state(m, b->path, h);
	if (s == TK_MOUNT_ABSENT && registered)
		return "degraded";
	return tk_mstate_name(s);
}

int cmd_status(struct tk_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct tk_targets t;
	struct tk_health h;
	struct lx_error err;
	struct json_object *root = NULL, *arr = NULL;
	bool json = false;
	int c, rc;

	while ((c = tk_getopt(ctx, "status", argc, argv, opts, NULL, &rc)) > 0) {
		if (c == 'j') {
			json = true;
			continue;
		}
		/* 'h' */
		printf("Usage: %s status [--json]\n"
		       "The daemon's health and, per container, whether each lxcfs file's "
		       "mount is live, stale, absent or degraded.\n"
		       "Exit status: 0 the daemon is healthy; 1 it is not (the table is printed "
		       "all the same) or the containers cannot be listed; 2 a usage error.\n",
		       ctx->prog);
		return TK_EXIT_OK;
	}
	if (c < 0)
		return rc;
	tk_health_check(&ctx->cfg, &h);
	if (tk_discover(&ctx->cfg, &t, &err) < 0)
		return tk_fail(ctx, "status", TK_EXIT_FAIL, "%s", err.msg);

	if (json) {
		struct json_object *d = json_object_new_object();

		root = json_object_new_object();
		arr = json_object_new_array();
		json_object_object_add(d, "healthy", json_object_new_boolean(h.healthy));
		json_object_object_add(d, "mountpoint",
				       json_object_new_string(ctx->cfg.mountpoint));
		json_object_object_add(d, "pid", json_object_new_int(h.pid));
		json_object_object_add(d, "reason", json_object_new_string(h.why.msg));
		/* what the daemon says of itself (its control socket's STATUS line) */
		json_object_object_add(d, "status", json_object_new_string(h.status));
		/* the seccomp agent: its listener (null: not configured) */
		{
			struct json_object *sc = json_object_new_object();
			char on[8] = "0", n[24] = "0", path[256] = "-";

			lx_msg_get(h.status, "seccomp", path, sizeof(path));
			lx_msg_get(h.status, "seccomp_listening", on, sizeof(on));
			lx_msg_get(h.status, "seccomp_containers", n, sizeof(n));
			json_object_object_add(sc, "listener",
					       strcmp(path, "-") ? json_object_new_string(path)
								 : NULL);
			json_object_object_add(sc, "listening",
					       json_object_new_boolean(!strcmp(on, "1")));
			json_object_object_add(sc, "containers",
					       json_object_new_int64(strtoll(n, NULL, 10)));
			json_object_object_add(d, "seccomp", sc);
		}
		json_object_object_add(root, "daemon", d);
		json_object_object_add(root, "containers", arr);
	} else {
		if (h.healthy)
			printf("lxcfs: healthy (%s)\n", ctx->cfg.mountpoint);
		else
			printf("lxcfs: NOT healthy: %s\n", h.why.msg);
		if (h.status[0]) {
			char held[16] = "0", takeovers[16] = "0", resend[8] = "0", epoch[16] = "";

			lx_msg_get(h.status, "held", held, sizeof(held));
			lx_msg_get(h.status, "takeovers", takeovers, sizeof(takeovers));
			lx_msg_get(h.status, "resend", resend, sizeof(resend));
			lx_msg_get(h.status, "epoch", epoch, sizeof(epoch));
			printf(
			    "connection: held by %s holder%s, taken over %s time%s (epoch %s); a "
			    "crash is %s\n",
			    held, strcmp(held, "1") ? "s" : "", takeovers,
			    strcmp(takeovers, "1") ? "s" : "", epoch,
			    strcmp(resend, "1") ? "recovered by a remount (no FUSE_NOTIFY_RESEND)"
						: "invisible to containers (takeover)");
		}
		if (h.status[0]) {
			/* the daemon's seccomp agent (lxcfs --seccomp-listener) */
			char sc[256] = "-", on[8] = "0", n[24] = "0", ans[24] = "0", host[24] = "0",
			     ref[24] = "0";

			lx_msg_get(h.status, "seccomp", sc, sizeof(sc));
			lx_msg_get(h.status, "seccomp_listening", on, sizeof(on));
			lx_msg_get(h.status, "seccomp_containers", n, sizeof(n));
			lx_msg_get(h.status, "seccomp_answered", ans, sizeof(ans));
			lx_msg_get(h.status, "seccomp_host", host, sizeof(host));
			lx_msg_get(h.status, "seccomp_refused", ref, sizeof(ref));
			if (strcmp(sc, "-") != 0)
				printf("sysinfo: listener %s (%s), %s container descriptor%s, %s "
				       "calls answered, %s run in the kernel, %s connection%s "
				       "refused\n",
				       sc, h.seccomp_why.code ? "NOT listening" : "listening", n,
				       strcmp(n, "1") ? "s" : "", ans, host, ref,
				       strcmp(ref, "1") ? "s" : "");
			else
				printf("sysinfo: seccomp agent not configured (no "
				       "seccomp_listener)\n");
		}
		printf("%-12s %-16s %-8s", "CONTAINER", "NAME", "PID");
		for (unsigned i = 0; i < lx_nbinds; i++)
			if (lx_binds[i].kind != LX_BIND_OLD)
				printf(" %-10s", lx_binds[i].name);
		printf("\n");
	}
	for (size_t i = 0; i < t.n; i++) {
		const struct tk_target *x = &t.v[i];
		struct lx_mounts m = {0};
		bool have_m = lx_mountinfo_read(x->pid, &m, NULL) == 0;
		struct json_object *row = NULL, *files = NULL;

		if (json) {
			row = json_object_new_object();
			files = json_object_new_object();
			json_object_object_add(row, "id", json_object_new_string(x->id));
			json_object_object_add(row, "name", json_object_new_string(x->name));
			json_object_object_add(row, "pid", json_object_new_int(x->pid));
			json_object_object_add(row, "registered",
					       json_object_new_boolean(x->registered));
			json_object_object_add(row, "source", json_object_new_string(x->source));
			json_object_object_add(row, "files", files);
			json_object_array_add(arr, row);
		} else {
			printf("%-12.12s %-16.16s %-8d", x->id, x->name, (int)x->pid);
		}
		for (unsigned f = 0; f < lx_nbinds; f++) {
			const char *s;

			if (lx_binds[f].kind == LX_BIND_OLD)
				continue;
			s = file_state(&m, have_m, &lx_binds[f], &h, x->registered);
			if (json)
				json_object_object_add(files, lx_binds[f].path,
						       json_object_new_string(s));
			else
				printf(" %-10s", s);
		}
		if (!json)
			printf("\n");
		lx_mounts_free(&m);
	}
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
		json_object_put(root);
	}
	tk_targets_free(&t);
	/* what it says is what it exits with: scripts and probes read the code */
	return h.healthy ? TK_EXIT_OK : TK_EXIT_FAIL;
}
