/* What LXC tells a hook (lxc.container.conf(5), "CONTAINER HOOKS"): the container's name, the
 * hook type and, for start-host and the stop hooks, LXC_PID. With lxc.hook.version = 0 (the
 * default) the name, section and type come as arguments (NAME lxc TYPE [MORE...]); with 1 in
 * LXC_NAME, LXC_HOOK_SECTION and LXC_HOOK_TYPE. */
#ifndef TK_LXCENV_H
#define TK_LXCENV_H

#include <limits.h>
#include <sys/types.h>

#include "common/error.h"

struct tk_lxc_hook {
	char name[129];		    /* LXC_NAME: a valid registry id (tk_id_valid) */
	char type[32];		    /* "start-host", "post-stop", ... */
	pid_t pid;		    /* LXC_PID (the container's init, host pid), 0 when absent */
	char rootfs_path[PATH_MAX]; /* LXC_ROOTFS_PATH (lxc.rootfs.path), "" when absent */
};

/* Read the hook's environment through getenv_fn (getenv; tests pass their own) and its
 * positional arguments argv[0..argc). A name or type given both ways must agree; a missing or
 * bad name, type or LXC_PID, or a section other than "lxc", fails with EINVAL. */
int tk_lxc_hook_parse(char *(*getenv_fn)(const char *), int argc, char *const *argv,
		      struct tk_lxc_hook *h, struct lx_error *err);

#endif
