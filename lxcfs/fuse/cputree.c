#include "fuse/cputree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse/nodeid.h"

#define SLOTS	  (1u << 16) /* paths: the host's directory has a few hundred per CPU */
#define MAX_DEPTH 8

struct slot {
	uint32_t node; /* 0: free */
	char *rel;
};

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static struct slot *table;
static unsigned used;

static uint32_t hash31(const char *rel)
{
	uint32_t h = 2166136261u;

	for (const char *p = rel; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 16777619u;
	}
	h &= 0x7fffffffu;
	return LX_NODE_PASSTHROUGH | (h ? h : 1);
}

/* With the lock held for writing. */
static uint32_t insert(const char *rel)
{
	uint32_t node = hash31(rel);
	unsigned i = node & (SLOTS - 1);

	if (!table) {
		table = calloc(SLOTS, sizeof(*table));
		if (!table)
			return 0;
	}
	for (unsigned k = 0; k < SLOTS; k++, i = (i + 1) & (SLOTS - 1)) {
		if (table[i].node == node)
			return strcmp(table[i].rel, rel) == 0 ? node : 0; /* a collision: refused */
		if (table[i].node == 0) {
			if (used >= SLOTS / 2)
				return 0;
			table[i].rel = strdup(rel);
			if (!table[i].rel)
				return 0;
			table[i].node = node;
			used++;
			return node;
		}
	}
	return 0;
}

static const char *find(uint32_t node)
{
	unsigned i = node & (SLOTS - 1);

	for (unsigned k = 0; table && k < SLOTS; k++, i = (i + 1) & (SLOTS - 1)) {
		if (table[i].node == node)
			return table[i].rel;
		if (table[i].node == 0)
			return NULL;
	}
	return NULL;
}

uint32_t cputree_node(const char *rel)
{
	uint32_t node;
	const char *known;

	pthread_rwlock_rdlock(&lock);
	node = hash31(rel);
	known = find(node);
	if (known && strcmp(known, rel) == 0) {
		pthread_rwlock_unlock(&lock);
		return node;
	}
	pthread_rwlock_unlock(&lock);
	pthread_rwlock_wrlock(&lock);
	node = insert(rel);
	pthread_rwlock_unlock(&lock);
	return node;
}

/* Register every path below the host's directory (no symlink followed). */
static void walk(int fd, char *rel, size_t len, int depth)
{
	DIR *d;
	struct dirent *e;

	if (depth > MAX_DEPTH) {
		close(fd);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || len + n + 2 > 4096)
			continue;
		if (len)
			rel[len] = '/';
		memcpy(rel + len + (len ? 1 : 0), e->d_name, n + 1);
		insert(rel);
		if (e->d_type == DT_DIR) {
			sub = openat(dirfd(d), e->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				walk(sub, rel, len + (len ? 1 : 0) + n, depth + 1);
		}
		rel[len] = '\0';
	}
	closedir(d);
}

int cputree_path(uint32_t node, char *rel, size_t size)
{
	const char *known;
	int fd;

	pthread_rwlock_rdlock(&lock);
	known = find(node);
	if (known) {
		snprintf(rel, size, "%s", known);
		pthread_rwlock_unlock(&lock);
		return 0;
	}
	pthread_rwlock_unlock(&lock);
	/* an id an earlier process gave, or a CPU that came online since: walk the host's tree */
	pthread_rwlock_wrlock(&lock);
	fd = open(LX_SYSCPU_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		char buf[4096] = "";

		walk(fd, buf, 0, 0);
	}
	known = find(node);
	if (known)
		snprintf(rel, size, "%s", known);
	pthread_rwlock_unlock(&lock);
	return known ? 0 : -1;
}

int cputree_cpu_number(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "cpu", 3) != 0 || name[3] < '0' || name[3] > '9')
		return -1;
	n = strtol(name + 3, &end, 10);
	return *end || n < 0 || n > 65535 ? -1 : (int)n;
}

void cputree_free(void)
{
	pthread_rwlock_wrlock(&lock);
	for (unsigned i = 0; table && i < SLOTS; i++)
		free(table[i].rel);
	free(table);
	table = NULL;
	used = 0;
	pthread_rwlock_unlock(&lock);
}
