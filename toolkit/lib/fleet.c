#include "fleet.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "discover.h"
#include "health.h"
#include "inject.h"
#include "mountstate.h"
#include "nsexec.h"
#include "common/mountinfo.h"
#include "common/proc.h"
#include "registry.h"
#include "report.h"
#include "common/strbuf.h"

static int select_targets(const struct tk_config *c, const struct tk_fleet_opts *o,
			  struct tk_targets *all, struct tk_targets *sel, struct lx_error *err)
{
	sel->v = NULL;
	sel->n = 0;
	if (tk_discover(c, all, err) < 0)
		return -1;
	if (o->ref) {
		size_t i;

		if (tk_targets_resolve(all, o->ref, &i, err) < 0)
			return -1;
		return tk_targets_add(sel, &all->v[i], err);
	}
	for (size_t i = 0; i < all->n; i++)
		if (tk_target_selected_by_all(&all->v[i]) &&
		    tk_targets_add(sel, &all->v[i], err) < 0)
			return -1;
	return 0;
}

/* A degraded container that got its mounts is degraded no more; its entry may be gone
 * meanwhile (poststop): nothing to mark then. */
static void mark_not_degraded(const struct tk_config *c, const struct tk_target *t)
{
	struct tk_entry e;
	struct lx_error err;

	if (tk_registry_get(c->registry, t->id, &e, &err) < 0) {
		if (err.code == ENOENT)
			return;
	} else {
		e.degraded = false;
		if (tk_registry_write(c->registry, &e, &err) == 0)
			return;
	}
	tk_report(LX_LOG_WARN, "registry entry of %.12s still says degraded: %s", t->id, err.msg);
}

/* Every lxcfs bind of pid's container is mounted from the live daemon (none stale; absent
 * ones are files the container lacks), and at least one is. */
static bool all_live(pid_t pid, const struct tk_health *h)
{
	struct lx_mounts m;
	struct lx_error e;
	unsigned live = 0, stale = 0;

	if (lx_mountinfo_read(pid, &m, &e) < 0)
		return false;
	for (unsigned i = 0; i < lx_nbinds; i++) {
		char path[PATH_MAX];

		tk_path_join(path, sizeof(path), "/", lx_binds[i].path);
		switch (tk_mounts_classify(&m, path, h->healthy, h->major, h->minor)) {
		case TK_MOUNT_LIVE:
			live++;
			break;
		case TK_MOUNT_STALE:
			stale++;
			break;
		default:
			break;
		}
	}
	lx_mounts_free(&m);
	return live > 0 && stale == 0;
}

int tk_fleet_run(const struct tk_config *c, enum tk_fleet_op op, const struct tk_fleet_opts *o,
		 struct lx_error *err)
{
	const char *verb = op == TK_FLEET_REMOUNT ? "remounted" : "unmounted";
	struct tk_targets all = {0}, sel = {0};
	struct tk_inject *ins = NULL;
	struct tk_job *jobs = NULL;
	struct strbuf failures = STRBUF_INIT;
	size_t ok = 0;
	uint64_t own_ns;
	int rc = -1;

	struct tk_health h = {0};

	if (op == TK_FLEET_REMOUNT) {
		if (tk_health_check(c, &h) < 0) {
			if (err)
				*err = h.why;
			return lx_error_wrap(err, "lxcfs is not healthy");
		}
	}
	if (select_targets(c, o, &all, &sel, err) < 0)
		goto out;
	ins = calloc(sel.n + 1, sizeof(*ins));
	jobs = calloc(sel.n + 1, sizeof(*jobs));
	if (!ins || !jobs) {
		lx_error_set(err, ENOMEM, "jobs");
		goto out;
	}
	if (proc_mntns_ino(getpid(), &own_ns, err) < 0)
		goto out;
	for (size_t i = 0; i < sel.n; i++) {
		struct tk_inject *in = &ins[i];
		uint64_t ns = 0;

		in->mountpoint = c->mountpoint;
		in->pid = sel.v[i].pid;
		in->attach = op == TK_FLEET_REMOUNT;
		in->detach = true;
		in->container_dir = c->container_dir;
		/* without open_tree() every container takes the mount(2) path: then its
		 * MOUNTPOINT stays, as with legacy_mount, since that path binds from it */
		in->legacy = c->legacy_mount || !tk_have_open_tree();
		in->mount_dir = in->attach && c->mount_lxcfs_dir && sel.v[i].registered;
		jobs[i].fn = tk_inject_run;
		jobs[i].arg = in;
		/* a pid that is gone or reused is not entered, nor one in our namespace */
		if (!proc_pid_matches(in->pid, sel.v[i].starttime)) {
			jobs[i].fn = NULL;
			jobs[i].rc = -1;
			lx_error_code(&jobs[i].err, ESRCH, "pid %d is not running", (int)in->pid);
		} else if (proc_mntns_ino(in->pid, &ns, &jobs[i].err) < 0 || ns == own_ns) {
			jobs[i].fn = NULL;
			jobs[i].rc = -1;
			if (ns == own_ns)
				lx_error_code(
				    &jobs[i].err, EINVAL,
				    "pid %d is not a container: it shares the host's mount "
				    "namespace",
				    (int)in->pid);
		} else if (tk_inject_plan(in, &jobs[i].err) < 0) {
			jobs[i].fn = NULL;
			jobs[i].rc = -1;
		} else if (o->stale_only && in->attach && all_live(in->pid, &h)) {
			jobs[i].fn = NULL; /* nothing to repair */
			jobs[i].rc = 0;
			snprintf(jobs[i].info, sizeof(jobs[i].info), "already live");
		} else if (!in->attach || in->legacy || !c->mount_lxcfs_dir) {
			/* MOUNTPOINT in the container stays: umount keeps it for remount, and the
			 * legacy remount binds from it */
			in->dir_depth = 0;
			in->mount_dir = false;
		} else if (in->dir_depth > 0) {
			in->mount_dir = true; /* refresh the container's view of MOUNTPOINT */
		}
	}
	{
		/* run the startable ones; keep the failures found while planning */
		struct tk_job *run = calloc(sel.n + 1, sizeof(*run));
		size_t nrun = 0;

		if (!run) {
			lx_error_set(err, ENOMEM, "jobs");
			goto out;
		}
		for (size_t i = 0; i < sel.n; i++)
			if (jobs[i].fn)
				run[nrun++] = jobs[i];
		tk_run_jobs(run, nrun, c->jobs, c->timeout * 1000);
		for (size_t i = 0, k = 0; i < sel.n; i++)
			if (jobs[i].fn)
				jobs[i] = run[k++];
		free(run);
	}
	for (size_t i = 0; i < sel.n; i++) {
		const struct tk_target *t = &sel.v[i];

		if (jobs[i].rc == 0) {
			ok++;
			printf("%s %.12s (%s, pid %d): %s\n", verb, t->id, t->name, (int)t->pid,
			       jobs[i].info);
			tk_report_logonly(LX_LOG_INFO, "%s %s (pid %d): %s", verb, t->id,
					  (int)t->pid, jobs[i].info);
			if (op == TK_FLEET_REMOUNT && t->registered && t->degraded)
				mark_not_degraded(c, t);
			continue;
		}
		sb_printf(&failures, "%s%.12s (%s): %s", failures.len ? "; " : "", t->id, t->name,
			  jobs[i].err.msg);
		tk_report_logonly(LX_LOG_ERROR, "%s %s: %s", verb, t->id, jobs[i].err.msg);
	}
	if (failures.len)
		printf("%s %zu of %zu containers; failed: %s\n", verb, ok, sel.n, failures.buf);
	else
		printf("%s %zu of %zu containers\n", verb, ok, sel.n);
	rc = ok == sel.n ? 0 : 1;
out:
	sb_free(&failures);
	free(ins);
	free(jobs);
	tk_targets_free(&all);
	tk_targets_free(&sel);
	return rc;
}
