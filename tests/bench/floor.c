/* lxcfs-bench-floor: the floors of the benchmark. A bare libfuse3 low-level filesystem with the
 * same tree as lxcfs serving constant files: each file's bytes are read once at start from a
 * snapshot directory holding what lxcfs served to a container (a file missing there is missing
 * here). Both modes share lxcfs's worker count and timeouts (fuse_params.h), allow_other, no
 * flush, synchronous reads, a multi-threaded loop with idle workers kept.
 *
 *  - default, the direct_io floor: lxcfs's former options (direct_io, no read-ahead, one inode
 *    per file, entry timeout of a day): OPEN, READ, READ at EOF per `cat`; no design with
 *    these options can answer faster;
 *  - --pagecache, the floor of the new way (lxcfs's page-cache inodes): a process of a
 *    container (another pid namespace than ours) that looks a file up gets an inode of its
 *    own, numbered by its pid namespace (pidns inode << 32 | file) with an entry timeout of 0,
 *    as lxcfs's are; every open pushes the content into the inode's page cache with
 *    fuse_lowlevel_notify_store before fuse_reply_open with keep_cache (no direct_io), so a
 *    `cat` costs OPEN and an asynchronous RELEASE. lxcfs's INIT choices (read-ahead 128 KiB, no
 *    automatic invalidation of data) too.
 *
 * The requests served are counted and said at exit (stderr).
 *
 * Usage: lxcfs-bench-floor [--pagecache] SNAPSHOT_DIR MOUNTPOINT
 *        (foreground; SIGTERM/SIGINT unmount) */
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

enum { R_LOOKUP, R_GETATTR, R_OPEN, R_READ, R_RELEASE, R_FORGET, R_NREQ };
static const char *const req_names[R_NREQ] = {"lookup", "getattr", "open",
					      "read",	"release", "forget"};

struct floor {
	struct fuse_session *se;
	int pagecache;		      /* the new way (see the top of the file) */
	uint64_t own_ns;	      /* our pid namespace */
	unsigned long long n[R_NREQ]; /* requests served (atomic) */
};

static struct floor *floor_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void count(struct floor *f, int what)
{
	__atomic_add_fetch(&f->n[what], 1, __ATOMIC_RELAXED);
}

/* node ids: (pid namespace inode << 32 | index) for a container's file (--pagecache), else the
 * index; 1 is the root */
static uint32_t node_index(fuse_ino_t ino)
{
	return (uint32_t)ino;
}

static const struct node *node_of(fuse_ino_t ino)
{
	uint32_t i = node_index(ino);

	return i >= 1 && i < NNODES ? &nodes[i] : NULL;
}

static int pidns_of(pid_t pid, uint64_t *ns)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	if (stat(path, &st) < 0)
		return -1;
	*ns = st.st_ino;
	return 0;
}

/* The view of the process looking a name up: its pid namespace, or 0 for ours and readers we
 * cannot place (as lxcfs does). */
static uint32_t reader_view(struct floor *f, fuse_req_t req)
{
	pid_t pid = fuse_req_ctx(req)->pid;
	uint64_t ns;

	if (pid <= 0 || pidns_of(pid, &ns) < 0 || ns == f->own_ns || ns > UINT32_MAX)
		return 0;
	return (uint32_t)ns;
}

static void node_stat(fuse_ino_t ino, struct stat *st)
{
	const struct node *n = node_of(ino);

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = n->dir ? S_IFDIR | 0555 : S_IFREG | 0444;
	st->st_nlink = n->dir ? 2 : 1;
	st->st_blksize = 4096;
	st->st_atime = st->st_mtime = st->st_ctime = start_time;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct floor *f = userdata;

	if (conn->capable & FUSE_CAP_ASYNC_READ)
		conn->want &= ~FUSE_CAP_ASYNC_READ;
	if (!f->pagecache) {
		conn->max_readahead = 0;
		return;
	}
	/* as lxcfs: a page-cache miss fetches the whole file; pages change only when stored */
	conn->max_readahead = 128 * 1024;
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	if (conn->capable & FUSE_CAP_EXPLICIT_INVAL_DATA)
		conn->want |= FUSE_CAP_EXPLICIT_INVAL_DATA;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct floor *f = floor_of(req);
	struct fuse_entry_param e;

	count(f, R_LOOKUP);
	for (fuse_ino_t i = 2; i < NNODES; i++) {
		if (nodes[i].parent != node_index(parent) || nodes[i].absent ||
		    strcmp(nodes[i].name, name) != 0)
			continue;
		memset(&e, 0, sizeof(e));
		e.ino = i;
		e.generation = 1;
		e.attr_timeout = LX_TIMEOUT;
		e.entry_timeout = LX_TIMEOUT;
		if (f->pagecache && !nodes[i].dir) {
			/* the inode of the looking-up container; the next lookup of the name
			 * (maybe another container's) must come to us */
			e.ino = (fuse_ino_t)reader_view(f, req) << 32 | i;
			e.entry_timeout = 0;
		}
		node_stat(e.ino, &e.attr);
		if (f->pagecache && !nodes[i].dir)
			e.attr.st_size = (off_t)nodes[i].len;
		fuse_reply_entry(req, &e);
		return;
	}
	fuse_reply_err(req, ENOENT);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino, (void)nlookup;
	count(floor_of(req), R_FORGET);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct floor *f = floor_of(req);
	const struct node *n = node_of(ino);
	struct stat st;

	(void)fi;
	count(f, R_GETATTR);
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	node_stat(ino, &st);
	if (f->pagecache && !n->dir)
		st.st_size = (off_t)n->len;
	fuse_reply_attr(req, &st, LX_TIMEOUT);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct floor *f = floor_of(req);
	const struct node *n = node_of(ino);

	count(f, R_OPEN);
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
	fi->noflush = 1;
	if (f->pagecache) {
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(n->len);
		int r;

		/* the content into the inode's pages, then the open: reads need no request */
		bv.buf[0].mem = n->data;
		r = fuse_lowlevel_notify_store(f->se, ino, 0, &bv, 0);
		if (r < 0 && r != -ENOENT) {
			fuse_reply_err(req, -r);
			return;
		}
		fi->direct_io = 0;
		fi->keep_cache = 1;
	} else {
		fi->direct_io = 1;
		fi->keep_cache = 0;
	}
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	const struct node *n = node_of(ino);

	(void)fi;
	count(floor_of(req), R_READ);
	if (!n || off < 0 || (size_t)off >= n->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, n->data + off, n->len - off < size ? n->len - off : size);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino, (void)fi;
	count(floor_of(req), R_RELEASE);
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
		if (nodes[i].parent != node_index(ino) || nodes[i].absent || (off_t)i <= off)
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
    .forget = op_forget,
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
	static struct floor fl;
	struct stat st;
	int ret = 1;

	if (argc == 4 && strcmp(argv[1], "--pagecache") == 0) {
		fl.pagecache = 1;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s [--pagecache] SNAPSHOT_DIR MOUNTPOINT\n", argv[0]);
		return 2;
	}
	start_time = time(NULL);
	if (stat("/proc/self/ns/pid", &st) < 0) {
		fprintf(stderr, "lxcfs-bench-floor: /proc/self/ns/pid: %s\n", strerror(errno));
		return 1;
	}
	fl.own_ns = st.st_ino;
	if (load_snapshot(argv[1], &err) < 0) {
		fprintf(stderr, "lxcfs-bench-floor: %s\n", err.msg);
		return 1;
	}
	if (fuse_opt_add_arg(&args, "lxcfs-bench-floor") < 0 || fuse_opt_add_arg(&args, "-o") < 0 ||
	    fuse_opt_add_arg(&args, fl.pagecache ? "fsname=floor-pc,subtype=floor-pc,allow_other"
						 : "fsname=floor,subtype=floor,allow_other") < 0)
		return 1;
	se = fuse_session_new(&args, &floor_ops, sizeof(floor_ops), &fl);
	if (!se)
		goto out_args;
	fl.se = se;
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
	fprintf(stderr,
		"lxcfs-bench-floor%s: requests served:", fl.pagecache ? " --pagecache" : "");
	for (int i = 0; i < R_NREQ; i++)
		fprintf(stderr, " %s %llu", req_names[i], fl.n[i]);
	fprintf(stderr, "\n");
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
