#include "view/hostfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "view/hostsnap.h"
#include "common/cleanup.h"
#include "common/fileio.h"

#define HOST_SNAP_MS 10

static struct host_snap *host_snaps[LX_NFILES];

int host_files_open(struct lx_error *err)
{
	static const enum lx_file files[] = {LX_FILE_CPUINFO, LX_FILE_MEMINFO, LX_FILE_STAT,
					     LX_FILE_DISKSTATS};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		enum lx_file n = files[i];

		if (host_snaps[n])
			continue;
		host_snaps[n] = host_snap_new(lx_file_host_paths[n], HOST_SNAP_MS);
		if (!host_snaps[n])
			return lx_error_set(err, ENOMEM, "host file snapshots");
	}
	return 0;
}

void host_files_close(void)
{
	for (unsigned n = 0; n < LX_NFILES; n++) {
		host_snap_free(host_snaps[n]);
		host_snaps[n] = NULL;
	}
}

/* Through an fd this thread keeps open (procfs and sysfs regenerate the text at offset 0). Per
 * thread, so readers of different containers never share the kernel's per-file lock; worker
 * threads live as long as the daemon. */
int host_file_read(enum lx_file f, struct strbuf *sb, struct lx_error *err)
{
	static __thread int fds[LX_NFILES]; /* fd + 1; 0: not open yet */
	const char *path = lx_file_host_paths[f];
	int fd = fds[f] - 1;

	if (host_snaps[f])
		return host_snap_read(host_snaps[f], sb, err);
	/* slabinfo's seq_file returns a page per read however much is asked: read to the end
	 * (pread_whole takes a read far short of its buffer for the end of the file) */
	if (f == LX_FILE_SLABINFO)
		return read_file_at(AT_FDCWD, path, sb, err) < 0 ? -1 : 0;
	if (fd < 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return lx_error_set(err, errno, "open `%s`", path);
		fds[f] = fd + 1;
	}
	if (pread_whole(fd, sb) < 0) {
		int e = errno;

		close(fd);
		fds[f] = 0;
		return lx_error_set(err, e, "read `%s`", path);
	}
	return 0;
}

bool host_file_exists(enum lx_file f)
{
	return f < LX_NFILES && access(lx_file_host_paths[f], F_OK) == 0;
}

int host_file_size(enum lx_file f, size_t *size)
{
	__sbfree struct strbuf sb = STRBUF_INIT;

	if (f >= LX_NFILES || host_file_read(f, &sb, NULL) < 0)
		return -1;
	*size = sb.len;
	return 0;
}
