/* One callback per operation, each answering its request exactly once. The tree is
 * fixed; every file is a snapshot made at the first read of an open. */
#include "fuse/fuse_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "fuse/fuse_params.h"
#include "fuse/handles.h"
#include "fuse/tree.h"
#include "view/hostfiles.h"
#include "common/log.h"

static struct lx_fuse *fuse_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Attributes of a node. A file's size is its host file's plus some room: reads never stop
 * at it (direct_io), but sendfile/splice do (busybox cat): this kernel splices FUSE files
 * through the page cache up to i_size even with direct_io. The room covers a container's
 * file being longer than the host's (a swap line the host lacks). */
#define LX_SIZE_ROOM 4096
#define PAGE_READ    4096 /* page cache reads come in pages or folios of pages */

static size_t node_size[N_COUNT]; /* the size last reported per file (atomic) */
static bool node_shrunk[N_COUNT]; /* a page-sized read came back short since (atomic) */

static void node_stat(struct lx_fuse *fs, const struct lx_node *n, struct stat *st)
{
	size_t size = 0;

	tree_stat(n, fs->start_time, st);
	if (!n->dir && host_file_size(n->file, &size) == 0) {
		st->st_size = (off_t)(size + LX_SIZE_ROOM);
		__atomic_store_n(&node_size[n->id], (size_t)st->st_size, __ATOMIC_RELAXED);
	}
}

/* This kernel splices direct_io FUSE files through the page cache (fixed upstream by
 * copy_splice_read): a spliced read, being short, shrinks the inode's size to that
 * reader's file length, which would cut the next container's sendfile. Before each open,
 * grow the size back by storing one byte at its end (a store extends i_size only when it
 * writes something). The pages a splice cached are dropped by the kernel at every open
 * (no keep_cache), so no reader is served another's text. */
static void restore_size(struct lx_fuse *fs, const struct lx_node *n)
{
	static const char zero;
	struct fuse_bufvec one = FUSE_BUFVEC_INIT(1);
	size_t size = __atomic_load_n(&node_size[n->id], __ATOMIC_RELAXED);

	/* only after a read that may have been a spliced page (page or folio sized and
	 * aligned, short); plain reads (cat asks 128 KiB) leave i_size alone */
	if (!fs->se || !size || !__atomic_exchange_n(&node_shrunk[n->id], false, __ATOMIC_RELAXED))
		return;
	one.buf[0].mem = (void *)&zero;
	fuse_lowlevel_notify_store(fs->se, n->id, size - 1, &one, 0);
}

static void fill_entry(struct lx_fuse *fs, const struct lx_node *n, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = n->id;
	e->generation = 1;
	e->attr_timeout = LX_TIMEOUT;
	e->entry_timeout = LX_TIMEOUT;
	node_stat(fs, n, &e->attr);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* no page cache for our files (direct_io), so no read-ahead round trips either */
	conn->max_readahead = 0;
	if (conn->capable & FUSE_CAP_ASYNC_READ)
		conn->want &= ~FUSE_CAP_ASYNC_READ;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	const struct lx_node *n = tree_lookup(parent, name);
	struct fuse_entry_param e;

	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_entry(fuse_of(req), n, &e);
	fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct lx_node *n = tree_node(ino);
	struct stat st;

	(void)fi;
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	node_stat(fuse_of(req), n, &st);
	fuse_reply_attr(req, &st, LX_TIMEOUT);
}

static void op_readonly(fuse_req_t req)
{
	fuse_reply_err(req, EACCES);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	(void)ino, (void)attr, (void)to_set, (void)fi;
	op_readonly(req);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	(void)parent, (void)name, (void)mode, (void)rdev;
	op_readonly(req);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)parent, (void)name, (void)mode;
	op_readonly(req);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent, (void)name;
	op_readonly(req);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link, (void)parent, (void)name;
	op_readonly(req);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	(void)parent, (void)name, (void)newparent, (void)newname, (void)flags;
	op_readonly(req);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino, (void)newparent, (void)newname;
	op_readonly(req);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	(void)parent, (void)name, (void)mode, (void)fi;
	op_readonly(req);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	(void)ino, (void)buf, (void)size, (void)off, (void)fi;
	op_readonly(req);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct lx_node *n = tree_node(ino);
	struct lx_handle *h;

	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (n->dir) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	restore_size(fuse_of(req), n);
	h = handles_open(fuse_of(req)->handles, n->id);
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = h->id;
	fi->direct_io = 1; /* sizes are not known before the first read */
	fi->keep_cache = 0;
	fi->noflush = 1; /* nothing to flush: spare the round trip at close */
	if (fuse_reply_open(req, fi) == -ENOENT) /* the opener was interrupted */
		handles_release(fuse_of(req)->handles, h->id);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct lx_fuse *fs = fuse_of(req);
	struct lx_handle *h = handles_get(fs->handles, fi->fh, (unsigned)ino);

	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&h->lock);
	if (!h->ready) {
		const struct lx_node *n = tree_node(h->node);
		struct strbuf sb = STRBUF_INIT;

		if (!n || n->dir ||
		    content_make(fs->view, n->file, fuse_req_ctx(req)->pid, &sb) < 0) {
			sb_free(&sb);
			pthread_mutex_unlock(&h->lock);
			fuse_reply_err(req, EIO);
			handles_put(h);
			return;
		}
		h->len = sb.len;
		h->data = sb_steal(&sb);
		h->ready = true;
	}
	/* The snapshot never changes once ready; our reference keeps it alive while the
	 * reply is written, even if the reader was interrupted and released the file. */
	pthread_mutex_unlock(&h->lock);
	if (size % PAGE_READ == 0 && size <= 16 * PAGE_READ && off % PAGE_READ == 0 &&
	    (off < 0 || (size_t)off >= h->len || h->len - off < size))
		__atomic_store_n(&node_shrunk[h->node], true, __ATOMIC_RELAXED);
	if (off < 0 || (size_t)off >= h->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, h->data + off, h->len - off < size ? h->len - off : size);
	handles_put(h);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	handles_release(fuse_of(req)->handles, fi->fh);
	fuse_reply_err(req, 0);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct lx_node *n = tree_node(ino);

	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (!n->dir) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	fi->fh = 0;
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	const struct lx_node *n = tree_node(ino);
	char buf[4096];
	size_t used = 0;

	(void)fi;
	if (!n || !n->dir) {
		fuse_reply_err(req, n ? ENOTDIR : ENOENT);
		return;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	/* offsets: 0 ".", 1 "..", 2+i the i-th child; each entry's off is the next one */
	for (off_t i = off;; i++) {
		const struct lx_node *c = NULL;
		const char *name;
		struct stat st;
		size_t len;

		memset(&st, 0, sizeof(st));
		if (i == 0) {
			name = ".";
			st.st_ino = n->id;
			st.st_mode = S_IFDIR;
		} else if (i == 1) {
			name = "..";
			st.st_ino = n->parent;
			st.st_mode = S_IFDIR;
		} else {
			c = tree_child(n->id, (unsigned)(i - 2));
			if (!c)
				break;
			name = c->name;
			st.st_ino = c->id;
			st.st_mode = c->dir ? S_IFDIR : S_IFREG;
		}
		len = fuse_add_direntry(req, buf + used, size - used, name, &st, i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	(void)ino;
	memset(&st, 0, sizeof(st));
	st.f_bsize = st.f_frsize = 4096;
	st.f_files = N_COUNT - 1;
	st.f_namemax = 255;
	fuse_reply_statfs(req, &st);
}

static void op_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	const struct lx_node *n = tree_node(ino);

	if (!n)
		fuse_reply_err(req, ENOENT);
	else if (mask & W_OK)
		fuse_reply_err(req, EACCES);
	else if ((mask & X_OK) && !n->dir)
		fuse_reply_err(req, EACCES);
	else
		fuse_reply_err(req, 0);
}

const struct fuse_lowlevel_ops lx_fuse_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_unlink,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .release = op_release,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .statfs = op_statfs,
    .access = op_access,
    .create = op_create,
};
