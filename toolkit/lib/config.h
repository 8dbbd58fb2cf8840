/* The toolkit's settings: defaults, then section [toolkit] of the INI file shared with the
 * daemon (other sections are the daemon's and are ignored), then the command line. */
#ifndef TK_CONFIG_H
#define TK_CONFIG_H

#include <limits.h>
#include <stdbool.h>

#include "common/error.h"

#define TK_DEFAULT_CONFIG "/etc/lxcfs/lxcfs.conf"

struct tk_config {
	char mountpoint[PATH_MAX];    /* the daemon's mount point on the host */
	char registry[PATH_MAX];      /* directory of container records */
	char pidfile[PATH_MAX];	      /* the daemon's pidfile ("" = do not check) */
	bool pidfile_explicit;	      /* a missing pidfile is an error only when set on purpose */
	char log[PATH_MAX];	      /* "" = stderr (+ syslog when stderr is not a terminal) */
	char engine[16];	      /* auto|docker|podman|isula|runc|none */
	char engine_socket[PATH_MAX]; /* "" = probe the usual sockets */
	char runc_root[PATH_MAX];     /* runc --root for `runc list` */
	char container_dir[PATH_MAX]; /* where MOUNTPOINT appears inside a container */
	char runtime_dir[PATH_MAX];   /* the daemon's control socket's directory */
	bool mount_lxcfs_dir;	      /* hook: mount MOUNTPOINT read-only on container_dir */
	bool strict;		      /* hook: daemon down is an error instead of a warning */
	bool legacy_mount;	      /* never use open_tree/move_mount (old kernels, tests) */
	int timeout;		      /* seconds per container for remount/umount */
	int engine_timeout;	      /* seconds for one engine request */
	int check_timeout;	      /* seconds for check-lxcfs's stat + read */
	int jobs;		      /* containers handled in parallel */
};

void tk_config_defaults(struct tk_config *c);

/* Load section [toolkit] of `path` with the rules of lx_conf_parse (common/conffile.h: a
 * regular file or /dev/null, bounded, no NUL, no over-long line). A missing file is fine unless
 * `must_exist`. An unknown key or a bad value fails with "FILE:LINE: message" (err->code
 * EINVAL). */
int tk_config_load(struct tk_config *c, const char *path, bool must_exist, struct lx_error *err);

/* Set one key as the file would (also used by the command line); -1 with a message. */
int tk_config_set(struct tk_config *c, const char *key, const char *value, struct lx_error *err);

/* Normalise the mount point as /proc/self/mountinfo spells it: no trailing slash, its parent
 * resolved with realpath() (the mount point itself is not touched: it may be a hung FUSE
 * mount). */
int tk_config_canon(struct tk_config *c, struct lx_error *err);

/* Copy src into a fixed buffer; fails (ENAMETOOLONG) rather than truncating. */
int tk_copy_str(char *dst, size_t dstsz, const char *src, struct lx_error *err);

#endif
