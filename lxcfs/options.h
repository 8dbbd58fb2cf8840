/* The daemon's settings: command line over INI config file over defaults. */
#ifndef LXCFS_OPTIONS_H
#define LXCFS_OPTIONS_H

#include <stdbool.h>

#include "common/control.h"
#include "common/error.h"

#define LXCFS_DEFAULT_MOUNTPOINT  "/var/lib/lxcfs"
#define LXCFS_DEFAULT_CONFIG	  "/etc/lxcfs/lxcfs.conf"
#define LXCFS_DEFAULT_CGROOT	  "/sys/fs/cgroup"
#define LXCFS_DEFAULT_RUNTIME_DIR LX_DEFAULT_RUNTIME_DIR

struct lx_options {
	char *mountpoint;
	char *pidfile; /* NULL: none */
	char *log;     /* NULL: stderr in foreground, syslog when daemonized */
	char *cgroup_root;
	char *config;		/* the config file read, NULL when none */
	char *fuse_opts;	/* extra -o options, comma separated, NULL when none */
	char *runtime_dir;	/* the control socket's directory */
	char *seccomp_listener; /* the seccomp agent's socket (seccomp/agent.h), NULL: none */
	int takeover_fd;	/* --takeover-fd: a live connection's /dev/fuse, else -1 */
	int state_fd;		/* --state-fd: its state, else -1 */
	bool foreground;
	bool debug;
	bool loadavg;
	bool cfs;
	bool swap;
	bool zswap;	       /* Zswap/Zswapped in meminfo (no -z) */
	bool psi_poll;	       /* --enable-psi-poll: PSI triggers through the pressure files */
	bool cgroupfs_ignored; /* --enable-cgroup was given: accepted, nothing served */
	bool help, version;
};

/* Exit codes for option errors. */
#define LX_EXIT_FAILURE 1
#define LX_EXIT_USAGE	2

/* Parse argv and the config file. On error returns -1 with err filled; the exit code to
 * use is in *exit_code (2 for usage and config errors, 1 for others). */
int lx_options_parse(int argc, char **argv, struct lx_options *o, int *exit_code,
		     struct lx_error *err);
void lx_options_free(struct lx_options *o);
void lx_options_usage(const char *prog);

#endif
