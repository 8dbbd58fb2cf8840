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
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READ_BUF (128 * 1024) /* what cat(1) asks for */
#define STACK_SZ (256 * 1024)
#define MiB	 (1024ull * 1024)

volatile int crowd_interrupted;

struct slot_shared {
	char first_error[256];
	struct path_result path[CROWD_MAX_PATHS];
};

struct member {
	sem_t go;
	unsigned turns; /* turns taken in this phase */
	unsigned pos;	/* next path to read, in turn */
};

struct shared {
	struct phase phase;
	char paths[CROWD_MAX_PATHS][CROWD_PATH_LEN];
	uint64_t deadline_ns;
	volatile int quit;
	sem_t done;  /* posted once by each slot when its last turn ends */
	sem_t ready; /* posted by each reader once it is in its cgroup */
	volatile int join_failed;
	char join_error[256];
	struct slot_shared slot[CROWD_MAX_SLOTS];
	struct member m[]; /* one per container */
};

struct crowd {
	struct shared *sh;
	size_t shsize;
	unsigned n;
	pid_t *pids; /* host pids of our readers */
	struct bench_cg cg;
	int cg_ready;
	int io_fd; /* O_DIRECT, on the disk of /var/tmp, or -1 */
};

static char clone_stack[STACK_SZ] __attribute__((aligned(64)));

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
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

/* ---------------------------------------------------------------- the reader side */

static void note_error(struct slot_shared *slot, const char *path, const char *what, int errnum)
{
	if (!slot->first_error[0])
		snprintf(slot->first_error, sizeof(slot->first_error), "%s %s: %s", what, path,
			 strerror(errnum));
}

/* open + read to EOF + close, timed */
static void read_one(struct shared *sh, struct slot_shared *slot, unsigned pi)
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
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		total += (uint64_t)got;
	if (got < 0) {
		note_error(slot, path, "read", errno);
		bad = 1;
	}
	if (close(fd) < 0 && !bad) {
		note_error(slot, path, "close", errno);
		bad = 1;
	}
	t1 = now_ns();
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

		while (t < sh->deadline_ns && t - start < (uint64_t)p->turn_us * 1000) {
			read_one(sh, slot, me->pos++ % p->npaths);
			t = now_ns();
		}
		if (t >= sh->deadline_ns) {
			post(&sh->done);
			return;
		}
	} else {
		for (unsigned k = 0; k < p->turn_reads; k++)
			read_one(sh, slot, me->pos++ % p->npaths);
		if (++me->turns >= p->rounds && next == s) {
			post(&sh->done);
			return;
		}
	}
	post(&sh->m[next].go);
}

struct reader_arg {
	struct crowd *c;
	unsigned index;
};

static int reader_main(void *varg)
{
	struct reader_arg *a = varg;
	struct shared *sh = a->c->sh;
	struct lx_error err = {0, ""};

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (bench_cg_join(&a->c->cg, a->index, &err) < 0) {
		if (!sh->join_failed)
			snprintf(sh->join_error, sizeof(sh->join_error), "%s", err.msg);
		sh->join_failed = 1;
		post(&sh->ready);
		_exit(1);
	}
	container_io(a->c->io_fd, a->index);
	post(&sh->ready);
	for (;;) {
		while (sem_wait(&sh->m[a->index].go) < 0)
			; /* EINTR */
		if (sh->quit)
			_exit(0);
		take_turn(sh, a->index);
	}
}

/* ---------------------------------------------------------------- the controller side */

/* wait for `count` posts of s, up to `seconds` in all */
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

static pid_t spawn(int (*fn)(void *), void *arg)
{
	fflush(stdout);
	fflush(stderr);
	return clone(fn, clone_stack + STACK_SZ, CLONE_NEWPID | SIGCHLD, arg);
}

int crowd_start(struct crowd **out, unsigned n, const char *cgroup_root, const char *parent,
		struct lx_error *err)
{
	struct crowd *c = calloc(1, sizeof(*c));
	unsigned got;

	*out = c;
	if (!c)
		return lx_error_set(err, ENOMEM, "crowd");
	c->io_fd = io_file_open();
	c->pids = calloc(n, sizeof(pid_t));
	c->shsize = sizeof(struct shared) + n * sizeof(struct member);
	c->sh = mmap(NULL, c->shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!c->pids || c->sh == MAP_FAILED) {
		c->sh = NULL;
		return lx_error_set(err, ENOMEM, "shared memory for %u readers", n);
	}
	sem_init(&c->sh->done, 1, 0);
	sem_init(&c->sh->ready, 1, 0);
	for (unsigned i = 0; i < n; i++)
		sem_init(&c->sh->m[i].go, 1, 0);
	if (bench_cg_init(&c->cg, cgroup_root, parent, err) < 0) {
		c->cg_ready = 1; /* remove what was made */
		return -1;
	}
	c->cg_ready = 1;
	for (unsigned i = 0; i < n; i++) {
		struct reader_arg a = {c, i};

		if (bench_cg_make(&c->cg, i, crowd_mem_limit(i), err) < 0)
			return -1;
		c->pids[i] = spawn(reader_main, &a);
		if (c->pids[i] < 0) {
			c->pids[i] = 0;
			return lx_error_set(err, errno, "clone(CLONE_NEWPID) for reader %u", i);
		}
		c->n = i + 1;
		if (crowd_interrupted)
			return lx_error_set(err, EINTR, "interrupted");
	}
	if (wait_posts(&c->sh->ready, n, 60, &got) < 0)
		return lx_error_set(err, ETIMEDOUT, "%u of %u readers joined their cgroups", got,
				    n);
	if (c->sh->join_failed)
		return lx_error_set(err, 0, "a reader could not join its cgroup: %s",
				    c->sh->join_error);
	return 0;
}

int crowd_run(struct crowd *c, const struct phase *p, struct phase_result *res,
	      struct lx_error *err)
{
	struct shared *sh = c->sh;
	unsigned nslots = p->nslots, got;
	double limit;
	uint64_t t0;

	if (!p->npaths || p->npaths > CROWD_MAX_PATHS || !p->ncontainers || p->ncontainers > c->n ||
	    !nslots || nslots > CROWD_MAX_SLOTS)
		return lx_error_set(err, EINVAL, "bad phase");
	if (nslots > p->ncontainers)
		nslots = p->ncontainers;
	memset(res, 0, sizeof(*res));
	sh->phase = *p;
	sh->phase.nslots = nslots;
	for (unsigned i = 0; i < p->npaths; i++)
		snprintf(sh->paths[i], CROWD_PATH_LEN, "%s", p->paths[i]);
	for (unsigned s = 0; s < nslots; s++) {
		sh->slot[s].first_error[0] = '\0';
		memset(sh->slot[s].path, 0, p->npaths * sizeof(struct path_result));
	}
	for (unsigned i = 0; i < p->ncontainers; i++)
		sh->m[i].turns = sh->m[i].pos = 0;
	t0 = now_ns();
	sh->deadline_ns = t0 + (uint64_t)(p->seconds * 1e9);
	limit = p->mode == PHASE_TIME ? p->seconds + 30 : 300;
	__sync_synchronize();
	for (unsigned s = 0; s < nslots; s++)
		post(&sh->m[s].go);
	int rc = wait_posts(&sh->done, nslots, limit, &got);
	res->wall_s = (double)(now_ns() - t0) / 1e9;
	res->slots_done = got;
	for (unsigned s = 0; s < nslots; s++) {
		if (!res->first_error[0] && sh->slot[s].first_error[0])
			snprintf(res->first_error, sizeof(res->first_error), "%s",
				 sh->slot[s].first_error);
		for (unsigned i = 0; i < p->npaths; i++) {
			const struct path_result *r = &sh->slot[s].path[i];

			res->path[i].reads += r->reads;
			res->path[i].errors += r->errors;
			res->path[i].bytes += r->bytes;
			hist_merge(&res->path[i].hist, &r->hist);
		}
	}
	if (rc < 0)
		return lx_error_set(err, crowd_interrupted ? EINTR : ETIMEDOUT,
				    "%u of %u readers finished the phase", got, nslots);
	return 0;
}

unsigned crowd_stop(struct crowd *c)
{
	unsigned left = 0;

	if (!c)
		return 0;
	if (c->sh)
		c->sh->quit = 1;
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
	pid = spawn(once_main, &a);
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
