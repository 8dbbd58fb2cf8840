#include "fuse/fuse_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cpuset.h"
#include "fuse/conn.h"
#include "fuse/cputree.h"
#include "view/containers.h"
#include "view/hostfiles.h"
#include "view/view.h"
#include "fuse/fuse_params.h"
#include "fuse/handles.h"
#include "fuse/inodes.h"
#include "fuse/nodeid.h"
#include "fuse/notifier.h"
#include "fuse/psi.h"
#include "common/clock.h"
#include "common/proc.h"
#include "fuse/tree.h"
#include "common/log.h"

#define NOTIFIER_THREADS 2

static struct lx_fuse *fuse_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* ---------------------------------------------------------------- node ids and attributes */

/* The node a FUSE inode number names, or NULL. */
static const struct lx_node *node_of(fuse_ino_t ino)
{
	if (lx_nodeid_passthrough(ino))
		return NULL;
	return tree_node(lx_nodeid_node(ino));
}

/* A /proc/pressure file (PSI triggers with --enable-psi-poll: fuse/psi.h). */
static bool is_pressure(const struct lx_node *n)
{
	return n && !n->dir &&
	       (n->file == LX_FILE_PRESSURE_CPU || n->file == LX_FILE_PRESSURE_IO ||
		n->file == LX_FILE_PRESSURE_MEMORY);
}

/* PSI triggers are served (--enable-psi-poll, and their thread runs). */
static bool psi_on(const struct lx_fuse *f)
{
	return f->psi_poll && f->psi;
}

/* A page-cache inode: a container's regular file. */
static bool is_pc(fuse_ino_t ino, const struct lx_node *n)
{
	return n && !n->dir && lx_nodeid_view(ino) != 0;
}

/* The view a process reading through a shared directory gets: its pid namespace, or 0
 * for the daemon's own namespace and readers we cannot place. */
static uint32_t reader_view(struct lx_fuse *f, fuse_req_t req)
{
	pid_t pid = fuse_req_ctx(req)->pid;
	uint64_t ns;

	if (pid <= 0 || proc_pidns_ino(pid, &ns, NULL) < 0 || ns == f->host_ns || ns == 0 ||
	    ns > UINT32_MAX)
		return 0;
	return (uint32_t)ns;
}

/* Attributes of a file whose bytes are made per handle (view 0): the host file's size
 * plus some room. Reads never stop at it (direct_io), but sendfile/splice do: this kernel
 * splices FUSE files through the page cache up to i_size even with direct_io. The room
 * covers a reader's file being longer than the host's (a swap line the host lacks). */
#define LX_SIZE_ROOM 4096
#define PAGE_READ    4096 /* page cache reads come in pages or folios of pages */

static size_t node_size[N_COUNT]; /* the size last reported per view-0 file (atomic) */
static bool node_shrunk[N_COUNT]; /* a page-sized read came back short since (atomic) */

static void stat_of(struct lx_fuse *f, fuse_ino_t ino, const struct lx_node *n, size_t pc_size,
		    struct stat *st)
{
	size_t size = 0;

	tree_stat(n, f->start_time, st);
	st->st_ino = ino;
	if (n->dir)
		return;
	if (f->psi_poll && is_pressure(n))
		st->st_mode |= 0222; /* 0666 as the kernel's: anyone may write a trigger */
	if (lx_nodeid_view(ino) != 0) {
		st->st_size = (off_t)pc_size;
	} else if (host_file_size(n->file, &size) == 0) {
		st->st_size = (off_t)(size + LX_SIZE_ROOM);
		__atomic_store_n(&node_size[n->id], (size_t)st->st_size, __ATOMIC_RELAXED);
	}
}

/* This kernel splices direct_io FUSE files through the page cache (fixed upstream by
 * copy_splice_read): a spliced read, being short, shrinks the inode's size to that
 * reader's file length, which would cut the next reader's sendfile. Before such an open,
 * grow the size back by storing one byte at its end. Only for view-0 files, whose page
 * cache no container shares (a container reads its own inodes). */
/* The kernel's i_size of ino grown to at least size: one byte stored at its end (the
 * direct_io open that follows drops the page it lands in). */
static void grow_size(struct lx_fuse *f, fuse_ino_t ino, size_t size)
{
	static const char zero;
	struct fuse_bufvec one = FUSE_BUFVEC_INIT(1);

	if (!f->se || !size)
		return;
	one.buf[0].mem = (void *)&zero;
	fuse_lowlevel_notify_store(f->se, ino, size - 1, &one, 0);
}

static void restore_size(struct lx_fuse *f, const struct lx_node *n)
{
	size_t size = __atomic_load_n(&node_size[n->id], __ATOMIC_RELAXED);

	if (f->se && size && __atomic_exchange_n(&node_shrunk[n->id], false, __ATOMIC_RELAXED))
		grow_size(f, n->id, size);
}

/* A container's inode opened with direct_io for once (the safe answer to a poisoned open):
 * this kernel splices such a file through the page cache up to i_size, which is that of the
 * container's own content (0 before its first). Grow i_size past any file (the direct_io open
 * drops the pages; the first short read sets the size it finds) and forget what the kernel
 * holds, so that the next page-cache open stores and invalidates again. */
static void unsize_for_direct(struct lx_fuse *f, fuse_ino_t ino)
{
	struct lx_inode *i = lx_inodes_get(f->inodes, ino, true);

	if (i) {
		pthread_mutex_lock(&i->lock);
		i->pv = false;
		pthread_mutex_unlock(&i->lock);
		lx_inode_put(i);
	}
	grow_size(f, ino, 1 << 20);
}

/* ---------------------------------------------------------------- fault injection */

/* LXCFS_FAULT=crash-open:NAME | hang-open:NAME (the name of a file in proc/, e.g. meminfo):
 * the daemon aborts, or never answers, when a container opens that file. For the tests of crash and
 * hang recovery; nothing else reads the variable. */
static struct {
	enum { FAULT_NONE, FAULT_CRASH, FAULT_HANG } kind;
	char name[64];
} fault;

static void fault_init(void)
{
	const char *v = getenv("LXCFS_FAULT");

	if (!v)
		return;
	if (!strncmp(v, "crash-open:", 11))
		fault.kind = FAULT_CRASH;
	else if (!strncmp(v, "hang-open:", 10))
		fault.kind = FAULT_HANG;
	else
		return;
	snprintf(fault.name, sizeof(fault.name), "%s", strchr(v, ':') + 1);
	log_warn("fault injection: %s", v);
}

static void fault_at_open(const struct lx_node *n)
{
	if (fault.kind == FAULT_NONE || strcmp(n->name, fault.name) != 0)
		return;
	if (fault.kind == FAULT_CRASH)
		abort();
	for (;;)
		pause();
}

/* ---------------------------------------------------------------- the CPU tree */

#define CPU_ENTRY_TIMEOUT 1.0 /* a cpuN name: a cpuset changed at run time shows soon */

/* Path below /sys/devices/system/cpu of a passed-through node, and its host path. */
static int pt_paths(fuse_ino_t ino, char *rel, size_t relsz, char *host, size_t hostsz)
{
	if (cputree_path(lx_nodeid_node(ino), rel, relsz) < 0)
		return -1;
	snprintf(host, hostsz, LX_SYSCPU_DIR "/%s", rel);
	return 0;
}

/* Attributes of a host entry as we serve it: read-only, our inode number. */
static int pt_stat(const char *host, fuse_ino_t ino, time_t mtime, struct stat *st)
{
	struct stat h;

	if (lstat(host, &h) < 0)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_blksize = 4096;
	st->st_atime = st->st_mtime = st->st_ctime = mtime;
	if (S_ISDIR(h.st_mode)) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else if (S_ISLNK(h.st_mode)) {
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = h.st_size;
	} else {
		st->st_mode = S_IFREG | (h.st_mode & 0444);
		st->st_nlink = 1;
		st->st_size = 4096; /* as sysfs says; reads go to the host file (direct_io) */
	}
	return 0;
}

static struct lx_blob *make_view(struct lx_fuse *f, uint32_t view, unsigned node, pid_t hint,
				 uint64_t *key);

/* The CPUs the container of view may use (its cpu/online). false: no filtering (the host
 * view, or a view whose CPUs cannot be told). */
static bool view_cpus(struct lx_fuse *f, uint32_t view, pid_t hint, struct cpuset *set)
{
	struct lx_blob *b;
	bool ok;

	if (view == 0)
		return false;
	b = make_view(f, view, N_CPU_ONLINE, hint, NULL);
	ok = b && cpuset_parse(b->data, set) == 0;
	lx_blob_put(b);
	return ok;
}

/* ---------------------------------------------------------------- making content */

/* A view's limits key as the inodes keep it (fuse/inodes.h). */
static uint64_t inode_key(const struct lx_limits_key *k)
{
	return k->ok ? lx_key(k->v) : LX_KEY_NONE;
}

/* The same, for the container of pid namespace view. */
static uint64_t view_limits_key(struct lx_fuse *f, uint32_t view, const struct lx_node *n,
				pid_t hint)
{
	struct lx_container *ct = NULL;
	struct lx_error err = {0, ""};
	uint64_t key = LX_KEY_NONE;

	if (containers_lookup_ns(f->view->containers, view, hint, &ct, &err) > 0) {
		struct lx_limits_key k;

		content_limits_key(f->view, n->file, ct, &k);
		key = inode_key(&k);
		container_put(f->view->containers, ct);
	}
	return key;
}

/* The file as the container of pid namespace `view` sees it; the host file when that
 * container cannot be found (its init is gone). hint: a pid that may be in it. key (unless
 * NULL): the limits key of what was made. */
static struct lx_blob *make_view(struct lx_fuse *f, uint32_t view, unsigned node, pid_t hint,
				 uint64_t *key)
{
	__sbfree struct strbuf sb = STRBUF_INIT;
	struct lx_container *ct = NULL;
	struct lx_error err = {0, ""};
	int r;

	if (key)
		*key = LX_KEY_NONE;
	r = containers_lookup_ns(f->view->containers, view, hint, &ct, &err);
	if (r > 0) {
		struct lx_limits_key k;

		r = content_make_ct(f->view, tree_node(node)->file, ct, &sb, &k);
		if (key)
			*key = inode_key(&k);
		container_put(f->view->containers, ct);
	} else {
		char what[64];

		/* one line a minute per reason, not per namespace: a container can make
		 * namespaces faster than anyone reads a log */
		snprintf(what, sizeof(what), "nslookup:%d", err.code);
		lx_log_ratelimited(LX_LOG_WARN, what, 60,
				   "no container for pid namespace %u: serving host files: %s",
				   view, err.code ? err.msg : "its init is gone");
		/* out of descriptors or memory: the daemon's own failure, which check-lxcfs
		 * reports (view/view.h) */
		if (err.code == EMFILE || err.code == ENFILE || err.code == ENOMEM)
			__atomic_store_n(&f->view->last_internal_error_s, (int64_t)time(NULL),
					 __ATOMIC_RELAXED);
		r = host_file_read(tree_node(node)->file, &sb, &err);
	}
	if (r < 0)
		return NULL;
	return lx_blob_new(sb.buf ? sb.buf : "", sb.len);
}

/* ---------------------------------------------------------------- answering waiters */

static void fill_entry(struct lx_fuse *f, fuse_ino_t ino, const struct lx_node *n, size_t pc_size,
		       bool private_name, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = ino;
	e->generation = 1;
	e->attr_timeout = LX_TIMEOUT;
	/* a name a container's process looks up in a shared directory names that container's
	 * inode: the next process (maybe another container's) must look it up again */
	e->entry_timeout = private_name ? 0 : LX_TIMEOUT;
	stat_of(f, ino, n, pc_size, &e->attr);
}

/* The caller counted the handle (lx_inode_opened) with the lock held that it decided with:
 * the refresher and a content made meanwhile see it at once. */
static void reply_open_page(struct lx_fuse *f, struct lx_inode *i, fuse_req_t req, int64_t t)
{
	struct fuse_file_info fi;

	memset(&fi, 0, sizeof(fi));
	fi.fh = lx_fh(f->epoch, LX_FH_PAGE, (uint64_t)t);
	fi.keep_cache = 1;
	fi.noflush = 1;
	__atomic_add_fetch(&f->pc_open, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&f->n_open, 1, __ATOMIC_RELAXED);
	if (fuse_reply_open(req, &fi) == -ENOENT) { /* the opener was interrupted */
		pthread_mutex_lock(&i->lock);
		lx_inode_released(i, t);
		pthread_mutex_unlock(&i->lock);
		__atomic_sub_fetch(&f->pc_open, 1, __ATOMIC_RELAXED);
	}
}

static void reply_slice(fuse_req_t req, const struct lx_blob *b, size_t size, int64_t off)
{
	if (off < 0 || (size_t)off >= b->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, b->data + off, b->len - off < size ? b->len - off : size);
}

/* Answer READ, GETATTR and LOOKUP waiters with b (NULL: the content could not be made). */
static void answer_data(struct lx_fuse *f, struct lx_inode *i, struct lx_waiter *w,
			struct lx_blob *b)
{
	while (w) {
		struct lx_waiter *next = w->next;
		fuse_req_t req = w->req;

		if (!b) {
			fuse_reply_err(req, ENOMEM);
		} else if (w->kind == LX_WAIT_READ) {
			__atomic_add_fetch(&f->n_read_fill, 1, __ATOMIC_RELAXED);
			reply_slice(req, b, w->size, w->off);
		} else {
			const struct lx_node *n = node_of(i->ino);
			struct fuse_entry_param e;

			fill_entry(f, i->ino, n, b->len, w->private_name, &e);
			pthread_mutex_lock(&i->lock);
			if (!i->storing) {
				i->ksize = b->len; /* what the kernel's i_size becomes */
				i->ksize_known = true;
			}
			if (w->kind == LX_WAIT_LOOKUP)
				i->nlookup++;
			pthread_mutex_unlock(&i->lock);
			if (w->kind == LX_WAIT_GETATTR) {
				fuse_reply_attr(req, &e.attr, LX_TIMEOUT);
			} else if (fuse_reply_entry(req, &e) != 0) {
				pthread_mutex_lock(&i->lock);
				i->nlookup--;
				pthread_mutex_unlock(&i->lock);
			}
		}
		free(w);
		w = next;
	}
}

/* With i->lock held: the open waiters w are handles from now on (reply_open_page). */
static struct lx_waiter *count_opens(struct lx_inode *i, struct lx_waiter *w)
{
	for (struct lx_waiter *k = w; k; k = k->next)
		lx_inode_opened(i, k->open_ms);
	return w;
}

/* Answer OPEN waiters: with an error, or as handles (counted by count_opens). */
static void answer_opens(struct lx_fuse *f, struct lx_inode *i, struct lx_waiter *w, int err)
{
	while (w) {
		struct lx_waiter *next = w->next;

		if (err)
			fuse_reply_err(w->req, err);
		else
			reply_open_page(f, i, w->req, w->open_ms);
		free(w);
		w = next;
	}
}

static void make_content(struct lx_fuse *f, struct lx_inode *i, pid_t hint, bool for_open);

/* A store (or an invalidation) finished on a notifier thread. */
static void stored(struct lx_job *job, int err)
{
	struct lx_fuse *f = job->arg;
	struct lx_inode *i = lx_inodes_get(f->inodes, job->ino, false);
	struct lx_waiter *opens = NULL;
	bool again = false;

	if (err && err != -ENOENT)
		lx_log_ratelimited(LX_LOG_WARN, "notify", 60,
				   "page cache update of inode %#llx: %s",
				   (unsigned long long)job->ino, strerror(-err));
	if (job->blob)
		__atomic_add_fetch(&f->n_store, 1, __ATOMIC_RELAXED);
	if (job->inval)
		__atomic_add_fetch(&f->n_inval, 1, __ATOMIC_RELAXED);
	if (i) {
		pthread_mutex_lock(&i->lock);
		i->storing = false;
		if (job->blob) {
			lx_inode_set_cur(i, job->blob, job->inval, lx_now_ms());
			lx_blob_put(i->pending);
			i->pending = NULL;
			if (err)
				i->pv = false; /* make it consistent again at the next open */
			opens = count_opens(i, lx_inode_take_open_waiters(i));
		} else {
			/* a refresh: the next read makes the content again */
			i->stale = true;
			i->ksize_known = false;
			lx_blob_put(i->cur);
			i->cur = NULL;
			if (i->wopen) { /* opens that came meanwhile make it now */
				i->rendering = true;
				again = true;
			}
		}
		pthread_mutex_unlock(&i->lock);
		answer_opens(f, i, opens, 0);
		if (again)
			make_content(f, i, 0, true);
		lx_inode_put(i);
	}
	lx_blob_put(job->blob);
	free(job);
}

/* here: on this FUSE worker when it may (lx_notifier_run), else on a notifier thread */
static void submit(struct lx_fuse *f, uint64_t ino, bool inval, struct lx_blob *b, bool here)
{
	struct lx_job *job = calloc(1, sizeof(*job));

	if (!job) { /* cannot happen in practice; the waiters must still be answered */
		struct lx_job stack = {.ino = ino, .inval = inval, .blob = b, .arg = f};
		struct lx_job *copy = malloc(sizeof(*copy));

		if (copy) {
			*copy = stack;
			stored(copy, -ENOMEM);
		}
		return;
	}
	job->ino = ino;
	job->inval = inval;
	job->blob = b;
	job->done = stored;
	job->arg = f;
	if (here)
		lx_notifier_run(f->notifier, job);
	else
		lx_notifier_submit(f->notifier, job);
}

/* Make the inode's content (i->rendering is set by the caller, who queued its waiter),
 * answer the READ/GETATTR/LOOKUP waiters with it, and store it when the page cache must
 * hold it (for an open, or when the kernel's state is unknown). No lock is held while the
 * content is made. */
static void make_content(struct lx_fuse *f, struct lx_inode *i, pid_t hint, bool for_open)
{
	uint64_t key;
	struct lx_blob *b =
	    make_view(f, lx_nodeid_view(i->ino), lx_nodeid_node(i->ino), hint, &key);
	struct lx_waiter *data, *opens = NULL;
	bool store = false, inval = false;
	int64_t now = lx_now_ms();

	pthread_mutex_lock(&i->lock);
	i->rendering = false;
	i->make_key = key;
	data = lx_inode_take_data_waiters(i);
	if (!b) {
		opens = lx_inode_take_open_waiters(i);
		pthread_mutex_unlock(&i->lock);
		answer_data(f, i, data, NULL);
		answer_opens(f, i, opens, ENOMEM);
		return;
	}
	if (!i->pv) {
		store = inval = true; /* what the kernel holds is unknown */
	} else if (i->stale && !for_open && !i->wopen) {
		/* refreshed: the pages are gone; the READ that asked fills them */
		i->cur = lx_blob_get(b);
		i->cur_hash = b->hash;
		i->cur_len = b->len;
		i->have_cur = true;
		i->cur_ms = now;
		i->cur_key = key;
		i->stale = false;
	} else if (!i->stale && i->have_cur && b->hash == i->cur_hash && b->len == i->cur_len &&
		   i->ksize_known && i->ksize == b->len) {
		lx_inode_set_cur(i, b, false, now); /* the pages hold these bytes already */
	} else {
		store = true;
		inval = lx_inode_needs_inval(i, b->len);
	}
	if (store) {
		i->storing = true;
		i->pending = lx_blob_get(b);
	} else {
		opens = count_opens(i, lx_inode_take_open_waiters(i));
	}
	pthread_mutex_unlock(&i->lock);
	answer_data(f, i, data, b);
	if (store)
		submit(f, i->ino, inval, lx_blob_get(b), true);
	else
		answer_opens(f, i, opens, 0);
	lx_blob_put(b);
}

/* ---------------------------------------------------------------- operations */

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* a page-cache miss fetches the whole file in one READ */
	conn->max_readahead = 128 * 1024;
	/* direct_io reads of one handle must arrive in order (a snapshot per handle) */
	if (conn->capable & FUSE_CAP_ASYNC_READ)
		conn->want &= ~FUSE_CAP_ASYNC_READ;
	/* pages change only when we store or invalidate them */
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	if (conn->capable & FUSE_CAP_EXPLICIT_INVAL_DATA)
		conn->want |= FUSE_CAP_EXPLICIT_INVAL_DATA;
}

/* A name in the CPU directory or below it: the host's entry, if the view may see it. */
static void lookup_passthrough(struct lx_fuse *f, fuse_req_t req, fuse_ino_t parent,
			       const struct lx_node *pn, const char *name)
{
	uint32_t view = lx_nodeid_view(parent), node;
	char rel[4096], host[4200];
	struct fuse_entry_param e;
	int cpu = -1, r;

	if (pn) { /* the CPU directory itself */
		struct cpuset set;

		cpu = cputree_cpu_number(name);
		if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
		    (cpu >= 0 && view_cpus(f, view, fuse_req_ctx(req)->pid, &set) &&
		     !cpuset_has(&set, (unsigned)cpu))) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		snprintf(rel, sizeof(rel), "%s", name);
	} else {
		char prel[4096];

		if (cputree_path(lx_nodeid_node(parent), prel, sizeof(prel)) < 0) {
			fuse_reply_err(req, ESTALE);
			return;
		}
		r = snprintf(rel, sizeof(rel), "%s/%s", prel, name);
		if (r < 0 || (size_t)r >= sizeof(rel)) {
			fuse_reply_err(req, ENAMETOOLONG);
			return;
		}
	}
	node = cputree_node(rel);
	snprintf(host, sizeof(host), LX_SYSCPU_DIR "/%s", rel);
	if (!node) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = lx_nodeid(view, node);
	e.generation = 1;
	r = pt_stat(host, e.ino, f->start_time, &e.attr);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	e.attr_timeout = LX_TIMEOUT;
	e.entry_timeout = cpu >= 0 ? CPU_ENTRY_TIMEOUT : LX_TIMEOUT;
	fuse_reply_entry(req, &e);
}

/* A request other than an open or a read that was in flight when daemons died. */
static bool refuse_poisoned(fuse_req_t req, const char *what)
{
	if (!lx_conn_request_poisoned())
		return false;
	log_warn("%s was in flight when %d daemon processes died: answered with an error", what,
		 LX_POISON_DEATHS);
	fuse_reply_err(req, EIO);
	return true;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct lx_fuse *f = fuse_of(req);
	const struct lx_node *pn = node_of(parent), *n;
	uint32_t pview = lx_nodeid_view(parent), view = 0;
	struct fuse_entry_param e;
	fuse_ino_t ino;
	struct lx_inode *i;
	struct lx_blob *b;
	size_t size = 0;

	if (refuse_poisoned(req, "a lookup"))
		return;
	n = pn ? tree_lookup(pn->id, name) : NULL;
	if (!n && ((pn && pn->passthrough_dir) || lx_nodeid_passthrough(parent))) {
		lookup_passthrough(f, req, parent, pn, name);
		return;
	}
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (n->per_view)
		view = pview ? pview : reader_view(f, req);
	ino = lx_nodeid(view, n->id);
	if (!is_pc(ino, n)) {
		fill_entry(f, ino, n, 0, n->per_view && !pview, &e);
		fuse_reply_entry(req, &e);
		return;
	}
	i = lx_inodes_get(f->inodes, ino, true);
	if (!i) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&i->lock);
	b = lx_inode_newest(i);
	if (b || (i->pv && i->have_cur)) {
		size = b ? b->len : i->cur_len;
	} else if (f->taken_over || i->rendering) {
		/* the kernel may hold this inode from an earlier process (its i_size is then
		 * whatever that process said): answer with the content's real size */
		struct lx_waiter *w = calloc(1, sizeof(*w));
		bool start = !i->rendering;

		if (!w) {
			pthread_mutex_unlock(&i->lock);
			lx_inode_put(i);
			fuse_reply_err(req, ENOMEM);
			return;
		}
		w->kind = LX_WAIT_LOOKUP;
		w->req = req;
		w->private_name = !pview;
		lx_inode_queue(i, w);
		i->rendering = true;
		pthread_mutex_unlock(&i->lock);
		if (start)
			make_content(f, i, fuse_req_ctx(req)->pid, false);
		lx_inode_put(i);
		return;
	}
	/* else a new inode: empty until the first open stores its content */
	i->nlookup++;
	pthread_mutex_unlock(&i->lock);
	fill_entry(f, ino, n, size, !pview, &e);
	if (fuse_reply_entry(req, &e) != 0) {
		pthread_mutex_lock(&i->lock);
		i->nlookup--;
		pthread_mutex_unlock(&i->lock);
	}
	lx_inode_put(i);
}

static void forget_one(struct lx_fuse *f, fuse_ino_t ino, uint64_t n)
{
	if (is_pc(ino, node_of(ino)))
		lx_inodes_forget(f->inodes, ino, n);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	forget_one(fuse_of(req), ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t k = 0; k < count; k++)
		forget_one(fuse_of(req), forgets[k].ino, forgets[k].nlookup);
	fuse_reply_none(req);
}

/* A READ or GETATTR of a page-cache inode: from its newest content, made first when there
 * is none (a refreshed inode, or one this process never saw). */
static void pc_data(struct lx_fuse *f, fuse_req_t req, fuse_ino_t ino, enum lx_wait_kind kind,
		    size_t size, off_t off)
{
	struct lx_inode *i = lx_inodes_get(f->inodes, ino, true);
	struct lx_waiter *w;
	struct lx_blob *b;
	bool start;

	if (!i) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&i->lock);
	b = i->rendering ? NULL : lx_inode_newest(i);
	if (b || (kind == LX_WAIT_GETATTR && !i->rendering && i->pv && i->have_cur && !i->stale)) {
		struct lx_blob *hold = lx_blob_get(b);
		size_t len = b ? b->len : i->cur_len;

		if (kind == LX_WAIT_GETATTR && !i->storing) {
			i->ksize = len;
			i->ksize_known = true;
		}
		pthread_mutex_unlock(&i->lock);
		if (kind == LX_WAIT_READ) {
			__atomic_add_fetch(&f->n_read_fill, 1, __ATOMIC_RELAXED);
			reply_slice(req, hold, size, off);
		} else {
			struct stat st;

			stat_of(f, ino, node_of(ino), len, &st);
			fuse_reply_attr(req, &st, LX_TIMEOUT);
		}
		lx_blob_put(hold);
		lx_inode_put(i);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		pthread_mutex_unlock(&i->lock);
		lx_inode_put(i);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	w->kind = kind;
	w->req = req;
	w->size = size;
	w->off = off;
	lx_inode_queue(i, w);
	start = !i->rendering;
	i->rendering = true;
	pthread_mutex_unlock(&i->lock);
	if (start)
		make_content(f, i, fuse_req_ctx(req)->pid, false);
	lx_inode_put(i);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lx_fuse *f = fuse_of(req);
	const struct lx_node *n = node_of(ino);
	struct stat st;

	(void)fi;
	if (refuse_poisoned(req, "a getattr"))
		return;
	if (lx_nodeid_passthrough(ino)) {
		char rel[4096], host[4200];
		int r = pt_paths(ino, rel, sizeof(rel), host, sizeof(host));

		if (r == 0)
			r = pt_stat(host, ino, f->start_time, &st);
		if (r < 0)
			fuse_reply_err(req, r == -1 ? ESTALE : -r);
		else
			fuse_reply_attr(req, &st, LX_TIMEOUT);
		return;
	}
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (is_pc(ino, n)) {
		pc_data(f, req, ino, LX_WAIT_GETATTR, 0, 0);
		return;
	}
	stat_of(f, ino, n, 0, &st);
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

/* A PSI trigger written to a pressure file opened for it (fuse/psi.h): checked here, then
 * armed on the writer's cgroup (or the host's) file. Anything else is read-only. The offset is
 * ignored, as the kernel does. */
static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct lx_fuse *f = fuse_of(req);
	const struct lx_node *n = node_of(ino);
	pid_t pid = fuse_req_ctx(req)->pid;
	struct lx_error err = {0, ""};
	struct cg_psi_trigger t;
	int fd = -1, r;

	(void)off;
	if (!psi_on(f) || !is_pressure(n) || lx_fh_kind(fi->fh) != LX_FH_PSI) {
		op_readonly(req);
		return;
	}
	if (lx_fh_epoch(fi->fh) != f->epoch || lx_conn_request_poisoned()) {
		/* opened by an earlier process: its trigger went away with it */
		fuse_reply_err(req, ENODEV);
		return;
	}
	if (lx_psi_armed(f->psi, fi->fh)) {
		fuse_reply_err(req, EBUSY); /* one trigger per open file, as the kernel's */
		return;
	}
	if (cg_psi_trigger_parse(buf, size, lx_psi_privileged(pid), &t, &err) < 0) {
		log_debug("PSI trigger of pid %d refused: %s", pid, err.msg);
		fuse_reply_err(req, err.code);
		return;
	}
	r = content_psi_trigger(f->view, n->file, pid, &t, &fd, &err);
	if (r < 0) {
		lx_log_ratelimited(LX_LOG_WARN, "psi-arm", 60, "PSI trigger of pid %d on %s: %s",
				   pid, lx_file_paths[n->file], err.msg);
		fuse_reply_err(req, err.code > 0 ? err.code : EIO);
		return;
	}
	log_debug("PSI trigger `%s %u %u` of pid %d on %s: armed on the %s file",
		  t.full ? "full" : "some", t.stall_us, t.window_us, pid, lx_file_paths[n->file],
		  r == 1 ? "cgroup's" : "host's");
	r = lx_psi_attach(f->psi, fi->fh, fd);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_write(req, size);
}

/* POLL: regular files are always ready; a pressure file's trigger says POLLPRI when it fired
 * and POLLERR when there is none or it went away (psi_trigger_poll's answers). Never waits:
 * the poller is woken later (fuse/psi.h). A trigger file of an earlier process: POLLERR, with
 * the flag or without. Anything else without --enable-psi-poll: ready, never POLLPRI; from
 * a fresh daemon ENOSYS, and the kernel answers every poll itself so (a daemon that took the
 * connection over answers, for the trigger files of the process before it). */
static void op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct lx_fuse *f = fuse_of(req);
	const struct lx_node *n = node_of(ino);
	unsigned mask = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	bool psi_fh = lx_fh_kind(fi->fh) == LX_FH_PSI;

	if (psi_fh && psi_on(f) && lx_fh_epoch(fi->fh) == f->epoch) {
		fuse_reply_poll(req, lx_psi_poll(f->psi, fi->fh, ph, lx_conn_request_kh()));
		return;
	}
	if (ph)
		fuse_pollhandle_destroy(ph);
	if (!psi_fh && !f->psi) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	if (psi_fh || (psi_on(f) && is_pressure(n)))
		mask |= POLLERR | POLLPRI; /* no trigger here: an earlier process's went with it */
	fuse_reply_poll(req, mask);
}

/* An open whose bytes are made per handle from the reader's cgroups (view 0). */
static void open_direct(struct lx_fuse *f, fuse_req_t req, fuse_ino_t ino, const struct lx_node *n,
			struct fuse_file_info *fi, bool host_only, enum lx_fh_kind kind)
{
	struct lx_handle *h;

	if (__atomic_add_fetch(&f->direct_open, 1, __ATOMIC_RELAXED) > LX_MAX_DIRECT_HANDLES) {
		__atomic_sub_fetch(&f->direct_open, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&f->n_refused, 1, __ATOMIC_RELAXED);
		lx_log_ratelimited(LX_LOG_WARN, "direct-cap", 60,
				   "%d files open through the host view (pid %d): refusing more",
				   LX_MAX_DIRECT_HANDLES, fuse_req_ctx(req)->pid);
		fuse_reply_err(req, EMFILE);
		return;
	}
	if (lx_nodeid_view(ino) == 0)
		restore_size(f, n);
	h = handles_open_kind(f->handles, n->id, f->epoch, kind);
	if (!h) {
		__atomic_sub_fetch(&f->direct_open, 1, __ATOMIC_RELAXED);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->host_only = host_only;
	fi->fh = h->id;
	fi->direct_io = 1; /* sizes are not known before the first read */
	fi->keep_cache = 0;
	fi->noflush = 1; /* nothing to flush: spare the round trip at close */
	if (kind == LX_FH_PSI) {
		uint32_t owner = lx_nodeid_view(ino) ? lx_nodeid_view(ino) : reader_view(f, req);
		int r = lx_psi_open(f->psi, h->id, owner, fuse_req_ctx(req)->pid);

		if (r < 0) {
			handles_release(f->handles, h->id);
			__atomic_sub_fetch(&f->direct_open, 1, __ATOMIC_RELAXED);
			if (r == -EMFILE)
				__atomic_add_fetch(&f->n_refused, 1, __ATOMIC_RELAXED);
			fuse_reply_err(req, -r);
			return;
		}
		/* a container's inode keeps its pages for the other readers: this handle's reads
		 * and writes go around them (direct_io) */
		fi->keep_cache = is_pc(ino, n);
	}
	if (fuse_reply_open(req, fi) == -ENOENT) { /* the opener was interrupted */
		if (kind == LX_FH_PSI)
			lx_psi_release(f->psi, h->id);
		handles_release(f->handles, h->id);
		__atomic_sub_fetch(&f->direct_open, 1, __ATOMIC_RELAXED);
	}
}

static void open_passthrough(struct lx_fuse *f, fuse_req_t req, fuse_ino_t ino,
			     struct fuse_file_info *fi)
{
	char rel[4096], host[4200];
	struct stat st;

	if (pt_paths(ino, rel, sizeof(rel), host, sizeof(host)) < 0) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (lstat(host, &st) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	/* nothing per handle: every read goes to the host file */
	fi->fh = lx_fh(f->epoch, LX_FH_DIRECT, 0);
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->noflush = 1;
	fuse_reply_open(req, fi);
}

/* slabinfo is mode 0400 root, as the kernel's: only a reader whose uid is 0 on the host (a
 * container's root mapped to another uid in a user namespace is not) may open it */
static bool root_may_read(fuse_req_t req, const struct lx_node *n)
{
	return n->dir || n->file != LX_FILE_SLABINFO || fuse_req_ctx(req)->uid == 0;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lx_fuse *f = fuse_of(req);
	const struct lx_node *n = node_of(ino);
	enum lx_open_step step;
	struct lx_inode *i;
	int64_t t = lx_now_ms();

	if (lx_nodeid_passthrough(ino)) {
		open_passthrough(f, req, ino, fi);
		return;
	}
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (!root_may_read(req, n)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (!lx_conn_request_poisoned() && !n->dir && lx_nodeid_view(ino) != 0)
		fault_at_open(n); /* a container's open: the daemon's own checks read as the host */
	if (lx_conn_request_poisoned() && !n->dir) {
		/* this open was in flight when daemons died: the host's file, nothing computed */
		log_warn("open of %s (inode %#llx) was in flight when %d daemon processes died: "
			 "serving the host's file",
			 lx_file_host_paths[n->file], (unsigned long long)ino, LX_POISON_DEATHS);
		if (is_pc(ino, n))
			unsize_for_direct(f, ino);
		open_direct(f, req, ino, n, fi, true, LX_FH_DIRECT);
		return;
	}
	if (n->dir) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (psi_on(f) && is_pressure(n) && (fi->flags & O_ACCMODE) != O_RDONLY &&
	    !(fi->flags & O_TRUNC)) {
		open_direct(f, req, ino, n, fi, false, LX_FH_PSI); /* for a PSI trigger */
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (!is_pc(ino, n)) {
		open_direct(f, req, ino, n, fi, false, LX_FH_DIRECT);
		return;
	}
	i = lx_inodes_get(f->inodes, ino, true);
	if (!i) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&i->lock);
	step = lx_inode_decide(i, t, LX_KEY_UNCHECKED);
	if (step == LX_OPEN_CHECK) {
		uint64_t key;

		pthread_mutex_unlock(&i->lock);
		key = view_limits_key(f, lx_nodeid_view(ino), n, fuse_req_ctx(req)->pid);
		pthread_mutex_lock(&i->lock);
		step = lx_inode_decide(i, t, key);
	}
	switch (step) {
	case LX_OPEN_SHARE:
		lx_inode_opened(i, t);
		pthread_mutex_unlock(&i->lock);
		reply_open_page(f, i, req, t);
		break;
	case LX_OPEN_CHECK: /* not with a key read: cannot happen */
	case LX_OPEN_WAIT:
	case LX_OPEN_MAKE: {
		struct lx_waiter *w = calloc(1, sizeof(*w));
		bool start = !i->rendering && !i->storing;

		if (!w) {
			pthread_mutex_unlock(&i->lock);
			fuse_reply_err(req, ENOMEM);
			break;
		}
		w->kind = LX_WAIT_OPEN;
		w->req = req;
		w->open_ms = t;
		lx_inode_queue(i, w);
		if (start)
			i->rendering = true;
		pthread_mutex_unlock(&i->lock);
		if (start)
			make_content(f, i, fuse_req_ctx(req)->pid, true);
		break;
	}
	}
	lx_inode_put(i);
}

/* direct_io READ: the handle's snapshot, made at its first read and again when a read
 * starts over at offset 0 (as procfs regenerates a file read again from the start). */
static void read_direct(struct lx_fuse *f, fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	const struct lx_node *n = node_of(ino);
	struct lx_handle *h = handles_get(f->handles, fi->fh, n->id);
	uint32_t view = lx_nodeid_view(ino);

	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	__atomic_add_fetch(&f->n_direct_read, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&h->lock);
	if (!h->ready || (off == 0 && h->served)) {
		__sbfree struct strbuf sb = STRBUF_INIT;
		int r;

		if (h->host_only || lx_conn_request_poisoned()) {
			r = content_make(f->view, n->file, 0, &sb); /* no reader: the host's file */
		} else if (view != 0) {
			struct lx_blob *b = make_view(f, view, n->id, fuse_req_ctx(req)->pid, NULL);

			r = b && sb_append(&sb, b->data, b->len) == 0 ? 0 : -1;
			lx_blob_put(b);
		} else {
			r = content_make(f->view, n->file, fuse_req_ctx(req)->pid, &sb);
		}
		if (r < 0) {
			pthread_mutex_unlock(&h->lock);
			fuse_reply_err(req, EIO);
			handles_put(h);
			return;
		}
		free(h->data);
		h->len = sb.len;
		h->data = sb_steal(&sb);
		h->ready = true;
		h->served = false;
	}
	if (view == 0 && size % PAGE_READ == 0 && size <= 16 * PAGE_READ && off % PAGE_READ == 0 &&
	    (off < 0 || (size_t)off >= h->len || h->len - off < size))
		__atomic_store_n(&node_shrunk[n->id], true, __ATOMIC_RELAXED);
	h->served = true;
	/* The snapshot is replaced only under the lock: keep a copy of the part we send. */
	if (off < 0 || (size_t)off >= h->len) {
		pthread_mutex_unlock(&h->lock);
		fuse_reply_buf(req, NULL, 0);
	} else {
		size_t len = h->len - off < size ? h->len - off : size;
		char *copy = malloc(len);

		if (copy)
			memcpy(copy, h->data + off, len);
		pthread_mutex_unlock(&h->lock);
		if (copy)
			fuse_reply_buf(req, copy, len);
		else
			fuse_reply_err(req, ENOMEM);
		free(copy);
	}
	handles_put(h);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct lx_fuse *f = fuse_of(req);
	const struct lx_node *n = node_of(ino);

	if (lx_nodeid_passthrough(ino)) {
		char rel[4096], host[4200], *buf;
		ssize_t r = -1;
		int fd;

		if (pt_paths(ino, rel, sizeof(rel), host, sizeof(host)) < 0) {
			fuse_reply_err(req, ESTALE);
			return;
		}
		fd = open(host, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		buf = size <= (1 << 20) ? malloc(size ? size : 1) : NULL;
		if (fd >= 0 && buf)
			r = pread(fd, buf, size, off);
		if (r < 0)
			fuse_reply_err(req, fd < 0 || !buf ? (buf ? errno : ENOMEM) : errno);
		else
			fuse_reply_buf(req, buf, (size_t)r);
		free(buf);
		if (fd >= 0)
			close(fd);
		return;
	}
	if (!n || n->dir) {
		fuse_reply_err(req, n ? EISDIR : ENOENT);
		return;
	}
	if (lx_fh_kind(fi->fh) == LX_FH_PAGE && is_pc(ino, n) && !lx_conn_request_poisoned())
		pc_data(f, req, ino, LX_WAIT_READ, size, off);
	else
		read_direct(f, req, ino, size, off, fi);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lx_fuse *f = fuse_of(req);

	if (lx_fh_kind(fi->fh) == LX_FH_PAGE) {
		/* a handle of an earlier process was never counted here */
		struct lx_inode *i =
		    lx_fh_epoch(fi->fh) == f->epoch ? lx_inodes_get(f->inodes, ino, false) : NULL;

		if (i) {
			pthread_mutex_lock(&i->lock);
			lx_inode_released(i, (int64_t)lx_fh_low(fi->fh));
			pthread_mutex_unlock(&i->lock);
			__atomic_sub_fetch(&f->pc_open, 1, __ATOMIC_RELAXED);
			lx_inode_put(i);
		}
	} else {
		if (lx_fh_kind(fi->fh) == LX_FH_PSI && f->psi && lx_fh_epoch(fi->fh) == f->epoch)
			lx_psi_release(f->psi, fi->fh); /* closes the trigger */
		if (handles_release(f->handles, fi->fh))
			__atomic_sub_fetch(&f->direct_open, 1, __ATOMIC_RELAXED);
	}
	fuse_reply_err(req, 0);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct lx_node *n = node_of(ino);

	if (lx_nodeid_passthrough(ino)) {
		char rel[4096], host[4200];
		struct stat st;

		if (pt_paths(ino, rel, sizeof(rel), host, sizeof(host)) < 0) {
			fuse_reply_err(req, ESTALE);
		} else if (lstat(host, &st) < 0) {
			fuse_reply_err(req, errno);
		} else if (!S_ISDIR(st.st_mode)) {
			fuse_reply_err(req, ENOTDIR);
		} else {
			fi->fh = 0;
			fi->cache_readdir = 1;
			fi->keep_cache = 1;
			fuse_reply_open(req, fi);
		}
		return;
	}
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
	/* the CPU directory lists the container's CPUs: a cpuset changed at run time shows at
	 * the next listing */
	fi->cache_readdir = !n->passthrough_dir;
	fi->keep_cache = !n->passthrough_dir;
	fuse_reply_open(req, fi);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The host entries of dir (sorted; "." and ".." left out), for a listing. */
static char **host_entries(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (cap ? cap * 2 : 64) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
			cap = cap ? cap * 2 : 64;
		}
		v[*n] = strdup(e->d_name);
		if (v[*n])
			(*n)++;
	}
	closedir(d);
	if (v)
		qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

/* A listing of the CPU directory (pn) or of a passed-through directory below it. */
static void readdir_passthrough(struct lx_fuse *f, fuse_req_t req, fuse_ino_t ino,
				const struct lx_node *pn, size_t size, off_t off)
{
	uint32_t view = lx_nodeid_view(ino);
	char rel[4096] = "", host[4200], buf[4096];
	struct cpuset set;
	bool filter = false;
	char **names;
	size_t n = 0, used = 0;
	off_t k = 0;

	if (!pn && pt_paths(ino, rel, sizeof(rel), host, sizeof(host)) < 0) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (pn) {
		snprintf(host, sizeof(host), "%s", LX_SYSCPU_DIR);
		filter = view_cpus(f, view, fuse_req_ctx(req)->pid, &set);
	}
	names = host_entries(host, &n);
	if (size > sizeof(buf))
		size = sizeof(buf);
	/* offsets: 0 ".", 1 "..", then our own entries (the CPU directory), then the host's
	 * in name order; each entry's off is the next one */
	for (size_t i = 0;; i++) {
		const struct lx_node *c = NULL;
		const char *name = NULL;
		struct stat st;
		size_t len;
		unsigned mine = 0;

		memset(&st, 0, sizeof(st));
		if (pn)
			while (tree_child(pn->id, mine))
				mine++;
		if (i == 0) {
			name = ".";
			st.st_ino = ino;
			st.st_mode = S_IFDIR;
		} else if (i == 1) {
			name = "..";
			st.st_ino = pn ? lx_nodeid(0, pn->parent) : ino;
			st.st_mode = S_IFDIR;
		} else if (pn && i - 2 < mine) {
			c = tree_child(pn->id, (unsigned)(i - 2));
			name = c->name;
			st.st_ino = lx_nodeid(view, c->id);
			st.st_mode = S_IFREG;
		} else {
			size_t h = i - 2 - mine;
			char crel[4096];
			int cpu, r;

			if (h >= n)
				break;
			name = names[h];
			if (pn && tree_lookup(pn->id, name))
				continue; /* ours, listed above */
			cpu = cputree_cpu_number(name);
			if (pn && filter && cpu >= 0 && !cpuset_has(&set, (unsigned)cpu))
				continue;
			r = snprintf(crel, sizeof(crel), "%s%s%s", rel, rel[0] ? "/" : "", name);
			if (r < 0 || (size_t)r >= sizeof(crel))
				continue; /* a path no lookup could reach */
			st.st_ino = lx_nodeid(view, cputree_node(crel));
			st.st_mode = S_IFREG; /* the type is looked up with the name */
		}
		if ((off_t)i < off)
			continue;
		len = fuse_add_direntry(req, buf + used, size - used, name, &st, (off_t)i + 1);
		if (len > size - used)
			break;
		used += len;
		k++;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	(void)k;
	fuse_reply_buf(req, buf, used);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char rel[4096], host[4200], target[4096];
	ssize_t n;

	if (!lx_nodeid_passthrough(ino) ||
	    pt_paths(ino, rel, sizeof(rel), host, sizeof(host)) < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	n = readlink(host, target, sizeof(target) - 1);
	if (n < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	target[n] = '\0';
	fuse_reply_readlink(req, target);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	const struct lx_node *n = node_of(ino);
	uint32_t view = lx_nodeid_view(ino);
	char buf[4096];
	size_t used = 0;

	(void)fi;
	if (lx_nodeid_passthrough(ino) || (n && n->passthrough_dir)) {
		readdir_passthrough(fuse_of(req), req, ino, n, size, off);
		return;
	}
	if (!n || !n->dir) {
		fuse_reply_err(req, n ? ENOTDIR : ENOENT);
		return;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	/* offsets: 0 ".", 1 "..", 2+i the i-th child; each entry's off is the next one */
	for (off_t k = off;; k++) {
		const struct lx_node *c = NULL;
		const char *name;
		struct stat st;
		size_t len;

		memset(&st, 0, sizeof(st));
		if (k == 0) {
			name = ".";
			st.st_ino = ino;
			st.st_mode = S_IFDIR;
		} else if (k == 1) {
			name = "..";
			st.st_ino = lx_nodeid(tree_node(n->parent)->per_view ? view : 0, n->parent);
			st.st_mode = S_IFDIR;
		} else {
			c = tree_child(n->id, (unsigned)(k - 2));
			if (!c)
				break;
			name = c->name;
			st.st_ino = lx_nodeid(c->per_view ? view : 0, c->id);
			st.st_mode = c->dir ? S_IFDIR : S_IFREG;
		}
		len = fuse_add_direntry(req, buf + used, size - used, name, &st, k + 1);
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
	const struct lx_node *n = node_of(ino);

	if (lx_nodeid_passthrough(ino)) {
		fuse_reply_err(req, mask & W_OK ? EACCES : 0);
		return;
	}
	if (!n)
		fuse_reply_err(req, ENOENT);
	else if ((mask & W_OK) && !(psi_on(fuse_of(req)) && is_pressure(n)))
		fuse_reply_err(req, EACCES);
	else if ((mask & X_OK) && !n->dir)
		fuse_reply_err(req, EACCES);
	else if ((mask & R_OK) && !root_may_read(req, n))
		fuse_reply_err(req, EACCES);
	else
		fuse_reply_err(req, 0);
}

const struct fuse_lowlevel_ops lx_fuse_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_unlink,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
    .readlink = op_readlink,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .release = op_release,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .statfs = op_statfs,
    .access = op_access,
    .create = op_create,
    .poll = op_poll,
};

/* ---------------------------------------------------------------- the refresher */

/* An inode whose handles are all old (a process keeps it open and reads it again, like
 * top): drop its pages, so the next read makes the content again. */
static void refresh_one(struct lx_inode *i, void *arg)
{
	struct lx_fuse *f = arg;
	int64_t now = lx_now_ms();
	bool go;

	pthread_mutex_lock(&i->lock);
	if (i->open == 0 && i->cur && !i->rendering && !i->storing &&
	    now - i->cur_ms >= LX_KEEP_CLOSED_MS) {
		/* nobody reads it: keep only its hash and length */
		lx_blob_put(i->cur);
		i->cur = NULL;
	}
	go = i->open > 0 && lx_inode_young(i, now) == 0 && !i->rendering && !i->storing &&
	     !i->stale && i->pv && i->have_cur && now - i->cur_ms >= LX_REFRESH_MS;
	if (go)
		i->storing = true;
	pthread_mutex_unlock(&i->lock);
	if (go)
		submit(f, i->ino, true, NULL, false);
}

static void *refresher(void *arg)
{
	struct lx_fuse *f = arg;
	unsigned passes = 0;

	pthread_mutex_lock(&f->rlock);
	while (!f->rstop) {
		struct timespec ts = lx_realtime_in(LX_REFRESH_MS / 2);
		bool full;

		pthread_cond_timedwait(&f->rcond, &f->rlock, &ts);
		if (f->rstop)
			break;
		/* the inodes with handles open at every pass (a thousand containers' closed
		 * files are not looked at 40 times a second); all of them once a second, to
		 * drop the contents nobody reads */
		full = ++passes >= LX_KEEP_CLOSED_MS / (LX_REFRESH_MS / 2);
		if (!full && __atomic_load_n(&f->pc_open, __ATOMIC_RELAXED) == 0)
			continue;
		if (full)
			passes = 0;
		pthread_mutex_unlock(&f->rlock);
		if (full)
			lx_inodes_foreach(f->inodes, refresh_one, f);
		else
			lx_inodes_foreach_open(f->inodes, refresh_one, f);
		pthread_mutex_lock(&f->rlock);
	}
	pthread_mutex_unlock(&f->rlock);
	return NULL;
}

/* ---------------------------------------------------------------- lifecycle */

struct lx_conn *lx_conn_of_userdata(void *userdata)
{
	return ((struct lx_fuse *)userdata)->conn;
}

int lx_fuse_init(struct lx_fuse *f, uint16_t epoch, bool taken_over, struct lx_error *err)
{
	static const enum lx_file optional[] = {LX_FILE_SLABINFO, LX_FILE_PRESSURE_CPU,
						LX_FILE_PRESSURE_IO, LX_FILE_PRESSURE_MEMORY};

	fault_init();
	/* what this kernel does not have is not served (a container bound to it would read
	 * nothing meaningful; the hook binds only what the tree lists) */
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (!host_file_exists(optional[i])) {
			tree_hide_file(optional[i]);
			log_info("/%s: not on this host; not served", lx_file_paths[optional[i]]);
		}
	f->epoch = epoch;
	f->taken_over = taken_over;
	pthread_mutex_init(&f->rlock, NULL);
	pthread_cond_init(&f->rcond, NULL);
	if (proc_pidns_ino(0, &f->host_ns, err) < 0)
		return -1;
	f->inodes = lx_inodes_new();
	if (!f->handles)
		f->handles = handles_new();
	if (!f->inodes || !f->handles)
		return lx_error_set(err, ENOMEM, "inode and handle tables");
	return 0;
}

int lx_fuse_start(struct lx_fuse *f, struct fuse_session *se, struct lx_error *err)
{
	f->se = se;
	f->notifier = lx_notifier_new(se, NOTIFIER_THREADS);
	if (!f->notifier)
		return lx_error_set(err, errno, "notifier threads");
	if (pthread_create(&f->refresher, NULL, refresher, f) != 0)
		return lx_error_set(err, EAGAIN, "refresher thread");
	f->refresher_running = true;
	/* with the flag, or to wake the pollers of an earlier process's triggers */
	if (f->psi_poll || f->taken_over) {
		f->psi = lx_psi_new(se, f->conn, f->epoch);
		if (!f->psi)
			return lx_error_set(err, errno, "PSI trigger thread");
	}
	return 0;
}

void lx_fuse_stop(struct lx_fuse *f)
{
	if (f->refresher_running) {
		pthread_mutex_lock(&f->rlock);
		f->rstop = true;
		pthread_cond_signal(&f->rcond);
		pthread_mutex_unlock(&f->rlock);
		pthread_join(f->refresher, NULL);
		f->refresher_running = false;
	}
	lx_psi_free(f->psi);
	f->psi = NULL;
	if (!f->notifier)
		return;
	lx_notifier_free(f->notifier); /* runs what is queued: every waiter is answered */
	f->notifier = NULL;
	log_info("served: %llu opens of container files (page cache), %llu stores, %llu "
		 "invalidations, %llu reads from the pages' content, %llu direct reads",
		 __atomic_load_n(&f->n_open, __ATOMIC_RELAXED),
		 __atomic_load_n(&f->n_store, __ATOMIC_RELAXED),
		 __atomic_load_n(&f->n_inval, __ATOMIC_RELAXED),
		 __atomic_load_n(&f->n_read_fill, __ATOMIC_RELAXED),
		 __atomic_load_n(&f->n_direct_read, __ATOMIC_RELAXED));
}

void lx_fuse_fini(struct lx_fuse *f)
{
	lx_fuse_stop(f);
	lx_inodes_free(f->inodes);
	f->inodes = NULL;
	pthread_mutex_destroy(&f->rlock);
	pthread_cond_destroy(&f->rcond);
}
