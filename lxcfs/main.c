/* lxcfs: parse, prepare the mount point, lock the pidfile, daemonize, mount, loop,
 * unmount; each step undone in reverse on failure. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "fuse/fuse_params.h"
#include "fuse/fuse_ops.h"
#include "mountpoint.h"
#include "handover.h"
#include "fuse/conn.h"
#include "options.h"
#include "view/loadavg.h"
#include "seccomp/agent.h"
#include "common/daemonize.h"
#include "common/pidfile.h"
#include "common/served.h"
#include "common/cleanup.h"
#include "common/log.h"

/* Parent side of daemonizing: the child's word, then the mount answering. */
static int parent_result(pid_t child, const struct lx_bg_word *word, const char *mountpoint)
{
	char path[4200];

	if (!word->told) {
		int status;

		waitpid(child, &status, 0);
		fprintf(stderr, "lxcfs: the daemon exited before mounting\n");
		return LX_EXIT_FAILURE;
	}
	if (!word->ok) {
		fprintf(stderr, "lxcfs: %s\n", word->msg);
		return LX_EXIT_FAILURE;
	}
	snprintf(path, sizeof(path), "%s/%s", mountpoint, lx_file_paths[LX_FILE_MEMINFO]);
	for (int i = 0; i < 200; i++) { /* up to 10 s */
		char buf[256];
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf));

			close(fd);
			if (n > 0)
				return 0;
		}
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "lxcfs: mounted at %s but it does not answer\n", mountpoint);
	return LX_EXIT_FAILURE;
}

static void fail(int *wfd, const struct lx_error *err)
{
	if (*wfd >= 0)
		lx_bg_tell(wfd, false, err->msg);
	else
		log_error("%s", err->msg);
}

static int build_args(const struct lx_options *o, struct fuse_args *args)
{
	if (fuse_opt_add_arg(args, "lxcfs") < 0)
		return -1;
	if (o->debug && fuse_opt_add_arg(args, "-d") < 0)
		return -1;
	return 0;
}

/* End the connection for every reader at once (they get ENOTCONN rather than waiting for a
 * daemon that will not come), even while holders keep descriptors of it. */
static void abort_connection(const struct lx_conn *c)
{
	char path[64];
	int id = lx_conn_id(c), fd;

	if (id <= 0)
		return;
	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%d/abort", id);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			log_warn("abort FUSE connection %d: %s", id, strerror(errno));
		close(fd);
	}
}

static int serve(struct lx_daemon *d, const struct lx_options *o, int *wfd, int pidfd,
		 struct lx_inherited *in, char **argv, enum lx_end *how)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se = NULL;
	struct fuse_loop_config *cfg = NULL;
	struct lx_error err = {0, ""};
	struct lx_conn conn;
	struct lx_handover *h = NULL;
	struct lx_agent *agent = NULL;
	bool taking_over = in->fuse >= 0, mounted = false;
	enum lx_end end = LX_END_NEVER_SERVED;
	int ret = LX_EXIT_FAILURE;

	memset(&conn, 0, sizeof(conn));
	conn.fd = conn.state_fd = -1;
	d->fuse.conn = &conn;
	/* first: a container's sysinfo waits for us while no process serves it */
	if (lx_agent_new(&d->view, o->seccomp_listener, o->cgroup_root, &in->sc, &agent, &err) <
		0 ||
	    (agent && lx_agent_start(agent, &err) < 0))
		goto out;
	if (taking_over) {
		if (lx_conn_adopt(&conn, in->fuse, in->state, &err) < 0) {
			lx_error_wrap(&err, "taking over the connection");
			goto out;
		}
		in->fuse = in->state = -1; /* the connection's now */
	} else {
		if (lx_conn_mount(&conn, o->mountpoint, o->fuse_opts, &err) < 0)
			goto out;
		mounted = true;
	}
	if (lx_fuse_init(&d->fuse, (uint16_t)conn.epoch, taking_over, &err) < 0)
		goto out;
	if (build_args(o, &args) < 0) {
		lx_error_set(&err, ENOMEM, "fuse arguments");
		goto out;
	}
	se = fuse_session_new(&args, &lx_fuse_ops, sizeof(lx_fuse_ops), &d->fuse);
	if (!se) {
		lx_error_code(&err, EINVAL, "cannot create the FUSE session");
		goto out;
	}
	if (lx_conn_attach(&conn, se, &err) < 0)
		goto out_session;
	if (lx_fuse_start(&d->fuse, se, &err) < 0)
		goto out_session;
	h = lx_handover_start(d, &conn, se, in, argv, pidfd, agent, &err);
	if (!h)
		goto out_session;
	if (pidfd >= 0 && pidfile_write(pidfd, getpid(), &err) < 0)
		goto out_session;
	if (o->loadavg && loadavg_start(&d->view, &err) < 0)
		goto out_session;
	lx_bg_tell(wfd, true, "");
	if (!o->foreground && !taking_over)
		lx_bg_detach_stdio(); /* logs go to syslog or the --log file */
	lx_handover_ready(h);
	end = LX_END_CONN_GONE;
	/* Worker threads never exit: libfuse 3.14 can corrupt its worker list when an idle
	 * worker exits while another starts (seen here as crashes under parallel load), and
	 * a thread created per burst of reads is work we do not want on the read path. */
	cfg = fuse_loop_cfg_create();
	if (cfg) {
		fuse_loop_cfg_set_max_threads(cfg, LX_MAX_THREADS);
		fuse_loop_cfg_set_idle_threads(cfg, LX_MAX_THREADS);
	}
	ret = fuse_session_loop_mt(se, cfg) < 0 ? LX_EXIT_FAILURE : 0;
	if (cfg)
		fuse_loop_cfg_destroy(cfg);
	end = lx_handover_end(h);
	ret = 0;
out_session:
	/* answer what waits (stores in the notifier), then stop the helper threads */
	lx_fuse_stop(&d->fuse);
	loadavg_stop(&d->view);
	if (end == LX_END_STOP || (err.code && mounted)) {
		log_info("unmounting %s", o->mountpoint);
		if (h)
			lx_handover_stopping(h);
		if (umount2(o->mountpoint, MNT_DETACH) < 0 && errno != EINVAL)
			log_warn("unmount `%s`: %s", o->mountpoint, strerror(errno));
		abort_connection(&conn);
	} else if (end == LX_END_RETIRE) {
		log_info("retired: the connection stays for the next daemon process");
	} else if (end != LX_END_NEVER_SERVED) {
		log_info("the kernel ended the connection");
	}
	/* the calls being answered finish; the descriptors stay with the holders and the
	 * successor */
	lx_agent_stop(agent);
	lx_handover_free(h);
	if (se)
		fuse_session_destroy(se);
out:
	lx_agent_free(agent);
	lx_fuse_fini(&d->fuse);
	d->fuse.conn = NULL;
	lx_conn_close(&conn);
	fuse_opt_free_args(&args);
	if (err.code) {
		fail(wfd, &err);
		ret = LX_EXIT_FAILURE;
	}
	*how = end;
	return end == LX_END_RETIRE ? 0 : ret;
}

/* Held cgroup files of many containers need more than the default 1024 fds; and a few
 * malloc arenas are plenty for threads that mostly wait in the kernel. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	mallopt(M_ARENA_MAX, 2);
}

int main(int argc, char **argv)
{
	struct lx_options o;
	struct lx_error err = {0, ""};
	struct lx_daemon d;
	struct lx_inherited in;
	enum lx_end end = LX_END_CONN_GONE;
	__close int pidfd = -1;
	int wfd = -1, code, ret;
	bool taking_over;

	raise_fd_limit();
	/* every thread created from here on has the control thread's signals blocked */
	lx_handover_block_signals();
	if (lx_options_parse(argc, argv, &o, &code, &err) < 0) {
		fprintf(stderr, "lxcfs: %s\n", err.msg);
		lx_options_free(&o);
		return code;
	}
	if (o.help || o.version) {
		if (o.help)
			lx_options_usage(argv[0]);
		else
			printf("lxcfs %s\n", LXCFS_VERSION);
		lx_options_free(&o);
		return 0;
	}
	code = lx_inherit(&o, &in, &err);
	if (code < 0) {
		fprintf(stderr, "lxcfs: %s\n", err.msg);
		lx_options_free(&o);
		return LX_EXIT_USAGE;
	}
	taking_over = code == 1;
	/* a daemon keeps none of its caller's descriptors (a pipe held open hangs the caller) */
	if (!o.foreground && !taking_over)
		close_range(3, ~0U, 0);
	if (o.log && lx_log_open("lxcfs", LX_LOG_FILE, o.log, &err) < 0) {
		fprintf(stderr, "lxcfs: %s\n", err.msg);
		lx_options_free(&o);
		return LX_EXIT_FAILURE;
	}
	if (taking_over && !o.log && !o.foreground)
		lx_log_open("lxcfs", LX_LOG_SYSLOG, NULL, NULL);
	if (o.debug)
		lx_log_set_level(LX_LOG_DEBUG);
	if (in.pidfile >= 0)
		pidfd = in.pidfile; /* locked by the process before us */
	if ((!taking_over && mountpoint_prepare(o.mountpoint, &err) < 0) ||
	    (o.pidfile && pidfd < 0 && (pidfd = pidfile_lock(o.pidfile, "lxcfs", &err)) < 0) ||
	    daemon_init(&d, &o, &err) < 0) {
		fprintf(stderr, "lxcfs: %s\n", err.msg);
		lx_options_free(&o);
		return LX_EXIT_FAILURE;
	}
	if (!o.foreground && !taking_over) {
		struct lx_bg_word word;
		pid_t pid = lx_background(&wfd, &word, &err);

		if (pid < 0) {
			fprintf(stderr, "lxcfs: daemonize: %s\n", err.msg);
			return LX_EXIT_FAILURE;
		}
		if (pid > 0)
			_exit(parent_result(pid, &word, o.mountpoint));
		if (chdir("/") < 0) {
			/* "/" always exists */
		}
		if (!o.log)
			lx_log_open("lxcfs", LX_LOG_SYSLOG, NULL, NULL);
	}
	if (o.cgroupfs_ignored)
		log_info("--enable-cgroup: no virtual cgroupfs is served (containers have cgroup "
			 "namespaces); ignored");
	ret = serve(&d, &o, &wfd, pidfd, &in, argv, &end);
	/* a successor took the pidfile with the connection; a process that never served
	 * leaves the pidfile to the one it was to succeed */
	if (o.pidfile && pidfd >= 0 && end != LX_END_RETIRE && end != LX_END_NEVER_SERVED)
		unlink(o.pidfile);
	daemon_fini(&d);
	lx_options_free(&o);
	return ret;
}
