/* lxcfs-bench-floor: the floor of the benchmark. A bare libfuse3 low-level filesystem with the
 * same tree and the same FUSE options as lxcfs (allow_other, direct_io, no flush, no read-ahead,
 * synchronous reads, entry/attr timeouts of a day, multi-threaded loop with idle workers kept)
 * serving constant files: each file's bytes are read once at start from a snapshot directory
 * holding what lxcfs served to a container (a file missing there is missing here). No design of a
 * FUSE /proc can answer faster.
 *
 * Usage: lxcfs-bench-floor SNAPSHOT_DIR MOUNTPOINT   (foreground; SIGTERM/SIGINT unmount) */
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuse/fuse_params.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/strbuf.h"

struct node {
	const char *name;
	fuse_ino_t parent;
	int dir;
	char *data; /* files: the constant content */
	size_t len;
	int absent; /* a file the snapshot does not have */
};

/* inode = index; 1 is the root */
#define D(name, parent)                                                                            \
	{                                                                                          \
		name, parent, 1, NULL, 0, 0                                                        \
	}
#define F(name, parent)                                                                            \
	{                                                                                          \
		name, parent, 0, NULL, 0, 0                                                        \
	}
static struct node nodes[] = {
    D(NULL, 0),		D("", 1),	   D("proc", 1),    D("sys", 1),
    D("devices", 3),	D("system", 4),	   D("cpu", 5),	    F("online", 6),
    F("cpuinfo", 2),	F("diskstats", 2), F("loadavg", 2), F("meminfo", 2),
    F("partitions", 2), F("stat", 2),	   F("swaps", 2),   F("uptime", 2),
};
#define NNODES (sizeof(nodes) / sizeof(nodes[0]))

static time_t start_time;

static const struct node *node_of(fuse_ino_t ino)
{
	return ino >= 1 && ino < NNODES ? &nodes[ino] : NULL;
}

static void node_stat(fuse_ino_t ino, struct stat *st)
{
	const struct node *n = &nodes[ino];

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = n->dir ? S_IFDIR | 0555 : S_IFREG | 0444;
	st->st_nlink = n->dir ? 2 : 1;
	st->st_blksize = 4096;
	st->st_atime = st->st_mtime = st->st_ctime = start_time;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->max_readahead = 0;
	if (conn->capable & FUSE_CAP_ASYNC_READ)
		conn->want &= ~FUSE_CAP_ASYNC_READ;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	for (fuse_ino_t i = 2; i < NNODES; i++) {
		if (nodes[i].parent != parent || nodes[i].absent ||
		    strcmp(nodes[i].name, name) != 0)
			continue;
		memset(&e, 0, sizeof(e));
		e.ino = i;
		e.generation = 1;
		e.attr_timeout = LX_TIMEOUT;
		e.entry_timeout = LX_TIMEOUT;
		node_stat(i, &e.attr);
		fuse_reply_entry(req, &e);
		return;
	}
	fuse_reply_err(req, ENOENT);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (!node_of(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	node_stat(ino, &st);
	fuse_reply_attr(req, &st, LX_TIMEOUT);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct node *n = node_of(ino);

	if (n && n->absent)
		n = NULL;
	if (!n || n->dir) {
		fuse_reply_err(req, n ? EISDIR : ENOENT);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->noflush = 1;
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	const struct node *n = node_of(ino);

	(void)fi;
	if (!n || off < 0 || (size_t)off >= n->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, n->data + off, n->len - off < size ? n->len - off : size);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino, (void)fi;
	fuse_reply_err(req, 0);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	char buf[4096];
	size_t used = 0;
	struct stat st;

	(void)fi;
	if (size > sizeof(buf))
		size = sizeof(buf);
	for (fuse_ino_t i = 2; i < NNODES; i++) {
		if (nodes[i].parent != ino || nodes[i].absent || (off_t)i <= off)
			continue;
		node_stat(i, &st);
		size_t len = fuse_add_direntry(req, buf + used, size - used, nodes[i].name, &st, i);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
}

static const struct fuse_lowlevel_ops floor_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .getattr = op_getattr,
    .open = op_open,
    .read = op_read,
    .release = op_release,
    .readdir = op_readdir,
};

/* the snapshot's path of node i: proc/NAME or sys/devices/system/cpu/online */
static void node_path(fuse_ino_t i, char *buf, size_t sz)
{
	if (nodes[i].parent == 2)
		snprintf(buf, sz, "proc/%s", nodes[i].name);
	else
		snprintf(buf, sz, "sys/devices/system/cpu/%s", nodes[i].name);
}

static int load_snapshot(const char *dir, struct lx_error *err)
{
	__close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char path[64];

	if (dfd < 0)
		return lx_error_set(err, errno, "snapshot directory `%s`", dir);
	for (fuse_ino_t i = 2; i < NNODES; i++) {
		struct strbuf sb = STRBUF_INIT;

		if (nodes[i].dir)
			continue;
		node_path(i, path, sizeof(path));
		if (faccessat(dfd, path, F_OK, 0) < 0 && errno == ENOENT) {
			nodes[i].absent = 1; /* the benchmark reads only some files */
			continue;
		}
		if (read_file_at(dfd, path, &sb, err) < 0) {
			sb_free(&sb);
			return lx_error_wrap(err, "snapshot");
		}
		nodes[i].len = sb.len;
		nodes[i].data = sb_steal(&sb);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_loop_config *cfg;
	struct fuse_session *se;
	struct lx_error err = {0, ""};
	int ret = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SNAPSHOT_DIR MOUNTPOINT\n", argv[0]);
		return 2;
	}
	start_time = time(NULL);
	if (load_snapshot(argv[1], &err) < 0) {
		fprintf(stderr, "lxcfs-bench-floor: %s\n", err.msg);
		return 1;
	}
	if (fuse_opt_add_arg(&args, "lxcfs-bench-floor") < 0 || fuse_opt_add_arg(&args, "-o") < 0 ||
	    fuse_opt_add_arg(&args, "fsname=floor,subtype=floor,allow_other") < 0)
		return 1;
	se = fuse_session_new(&args, &floor_ops, sizeof(floor_ops), NULL);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se) < 0)
		goto out_session;
	if (fuse_session_mount(se, argv[2]) < 0) {
		fprintf(stderr, "lxcfs-bench-floor: cannot mount on %s\n", argv[2]);
		goto out_signals;
	}
	cfg = fuse_loop_cfg_create();
	if (cfg) {
		fuse_loop_cfg_set_max_threads(cfg, LX_MAX_THREADS);
		fuse_loop_cfg_set_idle_threads(cfg, LX_MAX_THREADS);
	}
	ret = fuse_session_loop_mt(se, cfg) < 0;
	if (cfg)
		fuse_loop_cfg_destroy(cfg);
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	fuse_opt_free_args(&args);
	for (fuse_ino_t i = 0; i < NNODES; i++)
		free(nodes[i].data);
	return ret;
}
