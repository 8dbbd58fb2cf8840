/* Container-like readers and their phases; see crowd.h. */
#include "crowd.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READ_BUF (128 * 1024) /* what cat(1) asks for */
#define STACK_SZ (256 * 1024)
#define MiB	 (1024ull * 1024)

#define PHASE_PROBE ((enum phase_mode)100) /* crowd_probe_*: container 0 reads on demand */

volatile int crowd_interrupted;

struct slot_shared {
	char first_error[256];
	struct path_result path[CROWD_MAX_PATHS];
};

struct member {
	sem_t go;
	unsigned turns; /* turns taken in this phase */
	unsigned pos;	/* next path to read, in turn */
	uint64_t pidns; /* inode number of its pid namespace */
	unsigned bind_retries;
};

struct shared {
	struct phase phase;
	char paths[CROWD_MAX_PATHS][CROWD_PATH_LEN]; /* as the readers open them (binds) */
	uint64_t deadline_ns;			     /* atomic */
	volatile int quit;
	sem_t done;  /* posted once by each slot when its last turn ends */
	sem_t ready; /* posted by each reader once it is set up */
	volatile int join_failed;
	char join_error[512];
	unsigned n;
	/* the binds: file k is bound onto bind_dir/k in every container */
	char bind_dir[CROWD_PATH_LEN - 16];
	unsigned nbinds;
	char bind_src[CROWD_MAX_BINDS][CROWD_PATH_LEN];
	/* the readers of container 0: 0 is its init (m[0]), 1..hot-1 processes it forked */
	unsigned hot;
	sem_t hot_go[CROWD_MAX_HOT];
	/* probe: container 0's init reads paths[0] once per probe_go */
	volatile int probe_stop;
	sem_t probe_go, probe_ready;
	long probe_len;
	int probe_errno;
	char probe_buf[CROWD_PROBE_LEN];
	struct slot_shared slot[CROWD_MAX_SLOTS];
	struct member m[]; /* one per container, then uint64_t ino[n][nbinds] */
};

struct crowd {
	struct shared *sh;
	size_t shsize;
	unsigned n;
	pid_t *pids; /* host pids of our readers (the inits; the hot readers die with theirs) */
	struct bench_cg cg;
	int cg_ready;
	int io_fd;	/* O_DIRECT, on the disk of /var/tmp, or -1 */
	char *bind_dir; /* made by us, empty on the host */
	int probing;
};

static char clone_stack[STACK_SZ] __attribute__((aligned(64)));

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t *bind_inos(struct shared *sh)
{
	return (uint64_t *)(void *)&sh->m[sh->n];
}

uint64_t crowd_mem_limit(unsigned n)
{
	return 256 * MiB + n * MiB;
}

/* ---------------------------------------------------------------- disk I/O of a container */

#define IO_FILE_BLOCKS 256
#define IO_BLOCK       4096

/* A file of 1 MiB on the disk of /var/tmp, already unlinked, open with O_DIRECT; -1 when the
 * filesystem has no direct I/O (then containers show no disk, and diskstats stays empty). */
static int io_file_open(void)
{
	char path[] = "/var/tmp/lxcfs-bench-io.XXXXXX";
	static char block[IO_BLOCK];
	int fd = mkstemp(path), dfd;

	if (fd < 0)
		return -1;
	memset(block, 'x', sizeof(block));
	for (int i = 0; i < IO_FILE_BLOCKS; i++)
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			break;
	fsync(fd);
	dfd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	unlink(path);
	close(fd);
	return dfd;
}

/* One direct read of a block, so the container's blkio cgroup has I/O on that disk and its
 * diskstats has a line, as a real container's would. */
static void container_io(int fd, unsigned n)
{
	static char buf[IO_BLOCK] __attribute__((aligned(IO_BLOCK)));

	if (fd >= 0 && pread(fd, buf, sizeof(buf), (off_t)(n % IO_FILE_BLOCKS) * IO_BLOCK) < 0) {
		/* no disk line for this container: diskstats is still served */
	}
}

/* ---------------------------------------------------------------- the container's mounts */

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* a is b or a directory above it */
static int is_at_or_above(const char *a, const char *b)
{
	size_t n = strlen(a);

	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/' || (n && a[n - 1] == '/'));
}

/* What a container keeps of the mounts it was cloned with: /, /proc and /sys (native files,
 * /proc/self/ns), /dev, and its bind directory (with what is above it and the binds below). */
static int keep_mount(const char *mp, const char *bind_dir)
{
	static const char *const keep[] = {"/", "/proc", "/sys", "/dev"};

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (strcmp(mp, keep[i]) == 0)
			return 1;
	return bind_dir[0] && (is_at_or_above(mp, bind_dir) || is_at_or_above(bind_dir, mp));
}

/* Detach (in this private mount namespace only) every mount the container does not need, last
 * first: a copy of another program's mount would keep it alive after its owner unmounts it (the
 * machine is shared), as a copy of our own FUSE mounts would keep a stopped daemon's. */
static void detach_foreign(const char *bind_dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char **mps = NULL, line[8192];
	size_t n = 0, cap = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char mp[4096];

		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		unescape(mp);
		if (keep_mount(mp, bind_dir))
			continue;
		if (n == cap) {
			char **nv = realloc(mps, (cap ? cap * 2 : 64) * sizeof(*mps));

			if (!nv)
				break;
			mps = nv;
			cap = cap ? cap * 2 : 64;
		}
		if ((mps[n] = strdup(mp)))
			n++;
	}
	fclose(f);
	while (n--) {
		umount2(mps[n], MNT_DETACH); /* gone already with a parent: no matter */
		free(mps[n]);
	}
	free(mps);
}

/* In container c (a new pid and mount namespace): make the mount tree private, mount a tmpfs on
 * the bind directory, bind each file onto bind_dir/k (the lookup of the file comes from inside
 * the container's pid namespace), note the inode each bind shows, and drop the other mounts. */
static int make_binds(struct shared *sh, unsigned c, struct lx_error *err)
{
	char dst[CROWD_PATH_LEN + 16];
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) < 0)
		return lx_error_set(err, errno, "stat `/proc/self/ns/pid`");
	sh->m[c].pidns = st.st_ino;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return lx_error_set(err, errno, "make the mount tree private");
	if (sh->nbinds && mount("lxcfs-bench", sh->bind_dir, "tmpfs",
				MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k") < 0)
		return lx_error_set(err, errno, "mount a tmpfs on `%s`", sh->bind_dir);
	for (unsigned k = 0; k < sh->nbinds; k++) {
		int fd;

		snprintf(dst, sizeof(dst), "%s/%u", sh->bind_dir, k);
		fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
		if (fd < 0)
			return lx_error_set(err, errno, "create `%s`", dst);
		close(fd);
		/* as runc binds a file for `docker run -v`: mount(2). When another container looks
		 * the same name up at the same time, a daemon that gives each container its own
		 * inode (entry timeout 0) makes the kernel drop the dentry this lookup found from
		 * the dcache, and mount(2) refuses to bind a dropped dentry (ENOENT); the lookup
		 * is made again (open_tree(OPEN_TREE_CLONE), as our hook does, has no such
		 * failure). The retries are counted and said. */
		for (unsigned tries = 0;; tries++) {
			if (mount(sh->bind_src[k], dst, NULL, MS_BIND, NULL) == 0)
				break;
			if (errno != ENOENT || tries == 1000)
				return lx_error_set(err, errno, "bind `%s` onto `%s`",
						    sh->bind_src[k], dst);
			sh->m[c].bind_retries++;
		}
		if (stat(dst, &st) < 0)
			return lx_error_set(err, errno, "stat `%s`", dst);
		bind_inos(sh)[(size_t)c * sh->nbinds + k] = st.st_ino;
	}
	detach_foreign(sh->nbinds ? sh->bind_dir : "");
	return 0;
}

/* the path a reader opens for path: its bind, if it has one */
static void reader_path(const struct shared *sh, const char *path, char *buf, size_t sz)
{
	for (unsigned k = 0; k < sh->nbinds; k++) {
		if (strcmp(sh->bind_src[k], path) == 0) {
			snprintf(buf, sz, "%s/%u", sh->bind_dir, k);
			return;
		}
	}
	snprintf(buf, sz, "%s", path);
}

/* ---------------------------------------------------------------- the reader side */

static void note_error(struct slot_shared *slot, const char *path, const char *what, int errnum)
{
	if (!slot->first_error[0])
		snprintf(slot->first_error, sizeof(slot->first_error), "%s %s: %s", what, path,
			 strerror(errnum));
}

/* open + read to EOF + close, timed; the first CROWD_PROBE_LEN bytes go to sh->probe_buf when
 * capture is set */
static void read_one(struct shared *sh, struct slot_shared *slot, unsigned pi, int capture)
{
	static char buf[READ_BUF];
	const char *path = sh->paths[pi];
	struct path_result *r = &slot->path[pi];
	uint64_t t0, t1, total = 0;
	ssize_t got;
	int fd, bad = 0;

	t0 = now_ns();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		note_error(slot, path, "open", errno);
		r->errors++;
		return;
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		if (capture && total < CROWD_PROBE_LEN - 1) {
			size_t room = CROWD_PROBE_LEN - 1 - total;

			memcpy(sh->probe_buf + total, buf, (size_t)got < room ? (size_t)got : room);
		}
		total += (uint64_t)got;
	}
	if (got < 0) {
		note_error(slot, path, "read", errno);
		bad = 1;
	}
	if (close(fd) < 0 && !bad) {
		note_error(slot, path, "close", errno);
		bad = 1;
	}
	t1 = now_ns();
	if (capture) {
		size_t len = total < CROWD_PROBE_LEN - 1 ? total : CROWD_PROBE_LEN - 1;

		sh->probe_buf[len] = '\0';
		sh->probe_len = bad ? -1 : (long)len;
	}
	if (bad) {
		r->errors++;
		return;
	}
	r->reads++;
	r->bytes += total;
	hist_record(&r->hist, t1 - t0);
}

static void post(sem_t *s)
{
	sem_post(s);
}

static void wait_sem(sem_t *s)
{
	while (sem_wait(s) < 0)
		; /* EINTR */
}

static uint64_t deadline(const struct shared *sh)
{
	return __atomic_load_n(&sh->deadline_ns, __ATOMIC_RELAXED);
}

/* One turn of container c, then the baton goes to the next container of its slot. */
static void take_turn(struct shared *sh, unsigned c)
{
	const struct phase *p = &sh->phase;
	unsigned s = c % p->nslots;
	unsigned next = c + p->nslots < p->ncontainers ? c + p->nslots : s;
	struct slot_shared *slot = &sh->slot[s];
	struct member *me = &sh->m[c];

	if (p->mode == PHASE_TIME) {
		uint64_t start = now_ns(), t = start;

		while (t < deadline(sh) && t - start < (uint64_t)p->turn_us * 1000) {
			read_one(sh, slot, me->pos++ % p->npaths, 0);
			t = now_ns();
		}
		if (t >= deadline(sh)) {
			post(&sh->done);
			return;
		}
	} else {
		for (unsigned k = 0; k < p->turn_reads; k++)
			read_one(sh, slot, me->pos++ % p->npaths, 0);
		if (++me->turns >= p->rounds && next == s) {
			post(&sh->done);
			return;
		}
	}
	post(&sh->m[next].go);
}

/* Reader j of container 0 in a hot phase (or a busy reader of a probe): read until the
 * deadline, into slot j. */
static void hot_loop(struct shared *sh, unsigned j)
{
	unsigned pos = 0;

	while (now_ns() < deadline(sh))
		read_one(sh, &sh->slot[j], pos++ % sh->phase.npaths, 0);
	post(&sh->done);
}

/* Container 0's init in a probe: one read per probe_go, its bytes in probe_buf. */
static void probe_loop(struct shared *sh)
{
	for (;;) {
		wait_sem(&sh->probe_go);
		if (sh->probe_stop || sh->quit)
			break;
		read_one(sh, &sh->slot[0], 0, 1);
		post(&sh->probe_ready);
	}
	post(&sh->done);
}

struct reader_arg {
	struct crowd *c;
	unsigned index;
};

static void setup_failed(struct shared *sh, const char *msg)
{
	if (!__sync_lock_test_and_set(&sh->join_failed, 1))
		snprintf(sh->join_error, sizeof(sh->join_error), "%s", msg);
	for (unsigned j = 0; j < sh->hot; j++) /* for the hot readers it may not have made */
		post(&sh->ready);
	_exit(1);
}

/* Reader j >= 1 of container 0, forked by its init (same namespaces and cgroups). */
static void hot_main(struct shared *sh, unsigned j)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	post(&sh->ready);
	for (;;) {
		wait_sem(&sh->hot_go[j]);
		if (sh->quit)
			_exit(0);
		hot_loop(sh, j);
	}
}

static int reader_main(void *varg)
{
	struct reader_arg *a = varg;
	struct shared *sh = a->c->sh;
	unsigned c = a->index;
	struct lx_error err = {0, ""};

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (bench_cg_join(&a->c->cg, c, &err) < 0)
		setup_failed(sh, err.msg);
	container_io(a->c->io_fd, c);
	if (make_binds(sh, c, &err) < 0) {
		char msg[600];

		snprintf(msg, sizeof(msg), "container %u: %s", c, err.msg);
		setup_failed(sh, msg);
	}
	for (unsigned j = 1; c == 0 && j < sh->hot; j++) {
		pid_t pid = fork();

		if (pid < 0)
			setup_failed(sh, "fork a second reader in container 0");
		if (pid == 0)
			hot_main(sh, j);
	}
	post(&sh->ready);
	for (;;) {
		wait_sem(&sh->m[c].go);
		if (sh->quit)
			_exit(0);
		if (sh->phase.mode == PHASE_PROBE)
			probe_loop(sh);
		else if (sh->phase.mode == PHASE_HOT)
			hot_loop(sh, 0);
		else
			take_turn(sh, c);
	}
}

/* ---------------------------------------------------------------- the controller side */

/* wait for `count` posts of s, up to `seconds` in all */
#define CROWD_SETUP_BATCH 16 /* containers binding their files at once, at setup */

static int wait_posts(sem_t *s, unsigned count, double seconds, unsigned *got)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += (time_t)seconds + 1;
	for (*got = 0; *got < count;) {
		if (sem_timedwait(s, &dl) == 0) {
			(*got)++;
			continue;
		}
		if (errno == EINTR && !crowd_interrupted)
			continue;
		return -1;
	}
	return 0;
}

static pid_t spawn(int (*fn)(void *), void *arg, int flags)
{
	fflush(stdout);
	fflush(stderr);
	return clone(fn, clone_stack + STACK_SZ, flags | SIGCHLD, arg);
}

int crowd_start(struct crowd **out, const struct crowd_config *cfg, struct lx_error *err)
{
	struct crowd *c = calloc(1, sizeof(*c));
	unsigned n = cfg->ncontainers, hot = cfg->hot ? cfg->hot : 1, got, posted = 0;
	char dir[CROWD_PATH_LEN];

	*out = c;
	if (!c)
		return lx_error_set(err, ENOMEM, "crowd");
	c->io_fd = -1;
	if (!n || hot > CROWD_MAX_HOT || cfg->nbinds > CROWD_MAX_BINDS)
		return lx_error_set(err, EINVAL, "crowd of %u containers, %u hot readers, %u binds",
				    n, hot, cfg->nbinds);
	c->io_fd = io_file_open();
	c->pids = calloc(n, sizeof(pid_t));
	c->shsize = sizeof(struct shared) + n * sizeof(struct member) +
		    (size_t)n * cfg->nbinds * sizeof(uint64_t);
	c->sh = mmap(NULL, c->shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!c->pids || c->sh == MAP_FAILED) {
		c->sh = NULL;
		return lx_error_set(err, ENOMEM, "shared memory for %u readers", n);
	}
	c->sh->n = n;
	c->sh->hot = hot;
	sem_init(&c->sh->done, 1, 0);
	sem_init(&c->sh->ready, 1, 0);
	sem_init(&c->sh->probe_go, 1, 0);
	sem_init(&c->sh->probe_ready, 1, 0);
	for (unsigned j = 0; j < CROWD_MAX_HOT; j++)
		sem_init(&c->sh->hot_go[j], 1, 0);
	for (unsigned i = 0; i < n; i++)
		sem_init(&c->sh->m[i].go, 1, 0);
	if (cfg->nbinds) {
		snprintf(dir, sizeof(dir), "%s/lxcfs-bench-binds.XXXXXX",
			 cfg->work_dir ? cfg->work_dir : "/tmp");
		if (strlen(dir) >= sizeof(c->sh->bind_dir))
			return lx_error_set(err, ENAMETOOLONG, "`%s`", dir);
		if (!mkdtemp(dir))
			return lx_error_set(err, errno, "mkdtemp `%s`", dir);
		c->bind_dir = strdup(dir);
		if (!c->bind_dir) {
			rmdir(dir);
			return lx_error_set(err, ENOMEM, "crowd");
		}
		snprintf(c->sh->bind_dir, sizeof(c->sh->bind_dir), "%s", dir);
		c->sh->nbinds = cfg->nbinds;
		for (unsigned k = 0; k < cfg->nbinds; k++) {
			if (strlen(cfg->binds[k]) >= CROWD_PATH_LEN)
				return lx_error_set(err, ENAMETOOLONG, "`%s`", cfg->binds[k]);
			snprintf(c->sh->bind_src[k], CROWD_PATH_LEN, "%s", cfg->binds[k]);
		}
	}
	if (bench_cg_init(&c->cg, cfg->cgroup_root, cfg->cgroup_parent, err) < 0) {
		c->cg_ready = 1; /* remove what was made */
		return -1;
	}
	c->cg_ready = 1;
	for (unsigned i = 0; i < n; i++) {
		struct reader_arg a = {c, i};

		/* containers start a batch at a time: a container's lookup of a name drops the
		 * dentry another's bind is attaching (ENOENT, bound again), and 1000 binding at
		 * once made so many retries that most were not set up within a minute */
		if (i && i % CROWD_SETUP_BATCH == 0 && !c->sh->join_failed) {
			unsigned batch;

			if (wait_posts(&c->sh->ready, CROWD_SETUP_BATCH, 60, &batch) < 0 &&
			    !c->sh->join_failed)
				return lx_error_set(err, ETIMEDOUT, "%u of %u readers were set up",
						    posted + batch, n + hot - 1);
			posted += batch;
		}

		if (bench_cg_make(&c->cg, i, crowd_mem_limit(i), err) < 0)
			return -1;
		c->pids[i] = spawn(reader_main, &a, CLONE_NEWPID | CLONE_NEWNS);
		if (c->pids[i] < 0) {
			c->pids[i] = 0;
			return lx_error_set(err, errno,
					    "clone(CLONE_NEWPID | CLONE_NEWNS) for reader %u", i);
		}
		c->n = i + 1;
		if (crowd_interrupted)
			return lx_error_set(err, EINTR, "interrupted");
		if (c->sh->join_failed)
			break;
	}
	if (wait_posts(&c->sh->ready, c->n + hot - 1 - posted, 60, &got) < 0 && !c->sh->join_failed)
		return lx_error_set(err, ETIMEDOUT, "%u of %u readers were set up", posted + got,
				    n + hot - 1);
	if (c->sh->join_failed)
		return lx_error_set(err, 0, "a reader could not be set up: %s", c->sh->join_error);
	return 0;
}

uint64_t crowd_bind_ino(const struct crowd *c, unsigned n, unsigned k)
{
	return n < c->n && k < c->sh->nbinds ? bind_inos(c->sh)[(size_t)n * c->sh->nbinds + k] : 0;
}

uint64_t crowd_pidns(const struct crowd *c, unsigned n)
{
	return n < c->n ? c->sh->m[n].pidns : 0;
}

unsigned crowd_bind_retries(const struct crowd *c, unsigned *containers)
{
	unsigned total = 0;

	*containers = 0;
	for (unsigned i = 0; i < c->n; i++) {
		total += c->sh->m[i].bind_retries;
		*containers += c->sh->m[i].bind_retries > 0;
	}
	return total;
}

/* the phase into the shared memory, with each path as the readers open it */
static void set_phase(struct shared *sh, const struct phase *p, unsigned nslots)
{
	sh->phase = *p;
	sh->phase.nslots = nslots;
	for (unsigned i = 0; i < p->npaths; i++)
		reader_path(sh, p->paths[i], sh->paths[i], CROWD_PATH_LEN);
	for (unsigned s = 0; s < nslots; s++) {
		sh->slot[s].first_error[0] = '\0';
		memset(sh->slot[s].path, 0, p->npaths * sizeof(struct path_result));
	}
}

static void collect(struct shared *sh, unsigned nslots, unsigned npaths, struct phase_result *res)
{
	for (unsigned s = 0; s < nslots; s++) {
		if (!res->first_error[0] && sh->slot[s].first_error[0])
			snprintf(res->first_error, sizeof(res->first_error), "%s",
				 sh->slot[s].first_error);
		for (unsigned i = 0; i < npaths; i++) {
			const struct path_result *r = &sh->slot[s].path[i];

			res->path[i].reads += r->reads;
			res->path[i].errors += r->errors;
			res->path[i].bytes += r->bytes;
			hist_merge(&res->path[i].hist, &r->hist);
		}
	}
}

int crowd_run(struct crowd *c, const struct phase *p, struct phase_result *res,
	      struct lx_error *err)
{
	struct shared *sh = c->sh;
	unsigned nslots = p->nslots, got;
	double limit;
	uint64_t t0;
	int rc;

	if (!p->npaths || p->npaths > CROWD_MAX_PATHS || !p->ncontainers || p->ncontainers > c->n ||
	    !nslots || nslots > CROWD_MAX_SLOTS || c->probing ||
	    (p->mode == PHASE_HOT && nslots > sh->hot))
		return lx_error_set(err, EINVAL, "bad phase");
	if (nslots > p->ncontainers && p->mode != PHASE_HOT)
		nslots = p->ncontainers;
	memset(res, 0, sizeof(*res));
	set_phase(sh, p, nslots);
	for (unsigned i = 0; i < p->ncontainers; i++)
		sh->m[i].turns = sh->m[i].pos = 0;
	t0 = now_ns();
	__atomic_store_n(&sh->deadline_ns, t0 + (uint64_t)(p->seconds * 1e9), __ATOMIC_RELAXED);
	limit = p->mode == PHASE_ROUNDS ? 300 : p->seconds + 30;
	__sync_synchronize();
	if (p->mode == PHASE_HOT) {
		post(&sh->m[0].go);
		for (unsigned j = 1; j < nslots; j++)
			post(&sh->hot_go[j]);
	} else {
		for (unsigned s = 0; s < nslots; s++)
			post(&sh->m[s].go);
	}
	rc = wait_posts(&sh->done, nslots, limit, &got);
	res->wall_s = (double)(now_ns() - t0) / 1e9;
	res->slots_done = got;
	collect(sh, nslots, p->npaths, res);
	if (rc < 0)
		return lx_error_set(err, crowd_interrupted ? EINTR : ETIMEDOUT,
				    "%u of %u readers finished the phase", got, nslots);
	return 0;
}

/* ---------------------------------------------------------------- probes */

int crowd_probe_begin(struct crowd *c, const char *path, unsigned busy, struct lx_error *err)
{
	struct shared *sh = c->sh;
	struct phase p = {.mode = PHASE_PROBE, .npaths = 1, .paths = {path}, .ncontainers = 1};

	if (c->probing || busy + 1 > sh->hot)
		return lx_error_set(err, EINVAL, "probe with %u busy readers (container 0 has %u)",
				    busy, sh->hot);
	set_phase(sh, &p, busy + 1);
	sh->probe_stop = 0;
	__atomic_store_n(&sh->deadline_ns, UINT64_MAX, __ATOMIC_RELAXED);
	__sync_synchronize();
	c->probing = 1;
	post(&sh->m[0].go);
	for (unsigned j = 1; j <= busy; j++)
		post(&sh->hot_go[j]);
	return 0;
}

long crowd_probe_read(struct crowd *c, char *buf, size_t sz, struct lx_error *err)
{
	struct shared *sh = c->sh;
	unsigned got;
	size_t len;

	if (!c->probing)
		return lx_error_set(err, EINVAL, "no probe");
	post(&sh->probe_go);
	if (wait_posts(&sh->probe_ready, 1, 10, &got) < 0)
		return lx_error_set(err, ETIMEDOUT, "the probe's reader did not answer");
	if (sh->probe_len < 0)
		return lx_error_set(err, 0, "probe: %s", sh->slot[0].first_error);
	len = (size_t)sh->probe_len < sz - 1 ? (size_t)sh->probe_len : sz - 1;
	memcpy(buf, sh->probe_buf, len);
	buf[len] = '\0';
	return (long)len;
}

int crowd_probe_end(struct crowd *c, struct lx_error *err)
{
	struct shared *sh = c->sh;
	unsigned got;

	if (!c->probing)
		return 0;
	c->probing = 0;
	sh->probe_stop = 1;
	__atomic_store_n(&sh->deadline_ns, 0, __ATOMIC_RELAXED);
	__sync_synchronize();
	post(&sh->probe_go);
	if (wait_posts(&sh->done, sh->phase.nslots, 30, &got) < 0)
		return lx_error_set(err, ETIMEDOUT, "%u of %u probe readers stopped", got,
				    sh->phase.nslots);
	return 0;
}

int crowd_set_mem_limit(struct crowd *c, unsigned n, uint64_t limit, struct lx_error *err)
{
	return bench_cg_set_mem(&c->cg, n, limit, err);
}

unsigned crowd_stop(struct crowd *c)
{
	unsigned left = 0;

	if (!c)
		return 0;
	if (c->sh)
		c->sh->quit = 1;
	/* SIGKILL to the init of a pid namespace kills every process in it (the hot readers) */
	for (unsigned i = 0; i < c->n; i++)
		if (c->pids[i] > 0)
			kill(c->pids[i], SIGKILL);
	for (unsigned i = 0; i < c->n; i++) {
		if (c->pids[i] > 0)
			while (waitpid(c->pids[i], NULL, 0) < 0 && errno == EINTR)
				;
		c->pids[i] = 0;
	}
	c->n = 0;
	if (c->cg_ready)
		left = bench_cg_remove(&c->cg);
	c->cg_ready = 0;
	/* the binds lived in the readers' mount namespaces, gone with them */
	if (c->bind_dir && rmdir(c->bind_dir) < 0 && errno != ENOENT) {
		fprintf(stderr, "lxcfs-bench: rmdir %s: %s\n", c->bind_dir, strerror(errno));
		left++;
	}
	free(c->bind_dir);
	c->bind_dir = NULL;
	return left;
}

void crowd_free(struct crowd *c)
{
	if (!c)
		return;
	crowd_stop(c);
	if (c->sh)
		munmap(c->sh, c->shsize);
	if (c->io_fd >= 0)
		close(c->io_fd);
	free(c->pids);
	free(c);
}

/* ---------------------------------------------------------------- one-off container */

struct once_arg {
	int io_fd;
	struct bench_cg *cg;
	int (*fn)(void *);
	void *arg;
};

static int once_main(void *varg)
{
	struct once_arg *a = varg;
	struct lx_error err = {0, ""};

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (bench_cg_join(a->cg, 0, &err) < 0) {
		fprintf(stderr, "lxcfs-bench: %s\n", err.msg);
		_exit(125);
	}
	container_io(a->io_fd, 0);
	_exit(a->fn(a->arg));
}

int crowd_once(const char *cgroup_root, const char *parent, int (*fn)(void *), void *arg,
	       struct lx_error *err)
{
	struct bench_cg cg;
	struct once_arg a = {io_file_open(), &cg, fn, arg};
	int status = -1, ret = -1;
	pid_t pid;

	if (bench_cg_init(&cg, cgroup_root, parent, err) < 0 ||
	    bench_cg_make(&cg, 0, crowd_mem_limit(0), err) < 0)
		goto out;
	pid = spawn(once_main, &a, CLONE_NEWPID);
	if (pid < 0) {
		lx_error_set(err, errno, "clone(CLONE_NEWPID)");
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	if (a.io_fd >= 0)
		close(a.io_fd);
	if (bench_cg_remove(&cg) && ret >= 0)
		ret = lx_error_set(err, EBUSY, "cgroups under `%s` left behind", parent);
	return ret;
}
