/* lxcfs: parse, prepare the mount point, lock the pidfile, daemonize, mount, loop,
 * unmount; each step undone in reverse on failure. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "fuse/fuse_params.h"
#include "fuse/fuse_ops.h"
#include "mountpoint.h"
#include "options.h"
#include "view/loadavg.h"
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
	char opts[2048];

	snprintf(opts, sizeof(opts), "fsname=lxcfs,subtype=lxcfs,allow_other%s%s",
		 o->fuse_opts ? "," : "", o->fuse_opts ? o->fuse_opts : "");
	if (fuse_opt_add_arg(args, "lxcfs") < 0 || fuse_opt_add_arg(args, "-o") < 0 ||
	    fuse_opt_add_arg(args, opts) < 0)
		return -1;
	if (o->debug && fuse_opt_add_arg(args, "-d") < 0)
		return -1;
	return 0;
}

static int serve(struct lx_daemon *d, const struct lx_options *o, int *wfd, int pidfd)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se = NULL;
	struct fuse_loop_config *cfg = NULL;
	struct lx_error err = {0, ""};
	int ret = LX_EXIT_FAILURE;

	if (build_args(o, &args) < 0) {
		lx_error_set(&err, ENOMEM, "fuse arguments");
		goto out;
	}
	se = fuse_session_new(&args, &lx_fuse_ops, sizeof(lx_fuse_ops), &d->fuse);
	if (!se) {
		lx_error_code(&err, EINVAL, "cannot create the FUSE session (bad -o options?)");
		goto out;
	}
	if (fuse_set_signal_handlers(se) < 0) {
		lx_error_set(&err, errno, "signal handlers");
		goto out_session;
	}
	if (fuse_session_mount(se, o->mountpoint) < 0) {
		lx_error_code(&err, EIO, "cannot mount on `%s`", o->mountpoint);
		goto out_signals;
	}
	d->fuse.se = se;
	if (pidfd >= 0 && pidfile_write(pidfd, getpid(), &err) < 0)
		goto out_unmount;
	if (o->loadavg && loadavg_start(&d->view, &err) < 0)
		goto out_unmount;
	log_info("serving %s (pid %d)", o->mountpoint, getpid());
	lx_bg_tell(wfd, true, "");
	if (!o->foreground)
		lx_bg_detach_stdio(); /* logs go to syslog or the --log file */
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
	loadavg_stop(&d->view);
	log_info("unmounting %s", o->mountpoint);
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out:
	fuse_opt_free_args(&args);
	if (err.code)
		fail(wfd, &err);
	return ret;
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
	__close int pidfd = -1;
	int wfd = -1, code, ret;

	raise_fd_limit();
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
	/* a daemon keeps none of its caller's descriptors (a pipe held open hangs the caller) */
	if (!o.foreground)
		close_range(3, ~0U, 0);
	if (o.log && lx_log_open("lxcfs", LX_LOG_FILE, o.log, &err) < 0) {
		fprintf(stderr, "lxcfs: %s\n", err.msg);
		lx_options_free(&o);
		return LX_EXIT_FAILURE;
	}
	if (o.debug)
		lx_log_set_level(LX_LOG_DEBUG);
	if (mountpoint_prepare(o.mountpoint, &err) < 0 ||
	    (o.pidfile && (pidfd = pidfile_lock(o.pidfile, "lxcfs", &err)) < 0) ||
	    daemon_init(&d, &o, &err) < 0) {
		fprintf(stderr, "lxcfs: %s\n", err.msg);
		lx_options_free(&o);
		return LX_EXIT_FAILURE;
	}
	if (!o.foreground) {
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
	ret = serve(&d, &o, &wfd, pidfd);
	if (o.pidfile && pidfd >= 0)
		unlink(o.pidfile);
	daemon_fini(&d);
	lx_options_free(&o);
	return ret;
}
