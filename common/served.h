/* The files lxcfs serves. Each stands below the daemon's mount point at the path it has on the
 * host ("proc/meminfo" for /proc/meminfo), and the toolkit binds it, or the directory holding
 * it, onto that path in a container (lx_binds). One list for both: the daemon's tree
 * (lxcfs/fuse/tree.c) makes its inodes from it and the toolkit (toolkit/lib/inject.c) its
 * mounts. */
#ifndef COMMON_SERVED_H
#define COMMON_SERVED_H

/* X(ID, DIR, NAME) for each file: LX_DIR_<DIR>/NAME is its path. The daemon's inode numbers
 * follow this order and a new daemon takes over a live FUSE connection from an old one: add
 * files at the end, never reorder. */
#define LX_FILES(X)                                                                                \
	X(CPUINFO, PROC, "cpuinfo")                                                                \
	X(DISKSTATS, PROC, "diskstats")                                                            \
	X(LOADAVG, PROC, "loadavg")                                                                \
	X(MEMINFO, PROC, "meminfo")                                                                \
	X(PARTITIONS, PROC, "partitions")                                                          \
	X(STAT, PROC, "stat")                                                                      \
	X(SWAPS, PROC, "swaps")                                                                    \
	X(UPTIME, PROC, "uptime")                                                                  \
	X(CPU_ONLINE, SYS_CPU, "online")                                                           \
	X(CPU_POSSIBLE, SYS_CPU, "possible")                                                       \
	X(CPU_PRESENT, SYS_CPU, "present")                                                         \
	X(CPU_OFFLINE, SYS_CPU, "offline")                                                         \
	X(SLABINFO, PROC, "slabinfo")                                                              \
	X(PRESSURE_CPU, PROC_PRESSURE, "cpu")                                                      \
	X(PRESSURE_IO, PROC_PRESSURE, "io")                                                        \
	X(PRESSURE_MEMORY, PROC_PRESSURE, "memory")

#define LX_DIR_PROC	     "proc"
#define LX_DIR_SYS_CPU	     "sys/devices/system/cpu"
#define LX_DIR_PROC_PRESSURE "proc/pressure"

#define LX_FILE_ENUM_(id, dir, name) LX_FILE_##id,
enum lx_file { LX_FILES(LX_FILE_ENUM_) LX_NFILES };
#undef LX_FILE_ENUM_

/* "proc/cpuinfo", ...: below the mount point, and below a container's root */
extern const char *const lx_file_paths[LX_NFILES];
/* "/proc/cpuinfo", ...: the host file each one is made from */
extern const char *const lx_file_host_paths[LX_NFILES];

/* What the toolkit binds into a container, in the order it detaches them: the CPU directory
 * whole (the container's copy lists only its CPUs and passes the host's files of those
 * through), each file of proc/, and then the files of the CPU directory that hooks before
 * the directory bind bound one by one (only ever detached: a container started then may
 * still have them below the directory's mount). */
enum lx_bind_kind {
	LX_BIND_DIR,  /* a directory, bound whole */
	LX_BIND_FILE, /* a file */
	LX_BIND_OLD,  /* a file only older toolkits bound: detached, never attached */
};
struct lx_bind {
	const char *path; /* below the mount point and the container's root ("proc/meminfo") */
	const char *name; /* its column in `lxcfs-toolkit status` */
	enum lx_bind_kind kind;
};
#define LX_NBINDS_MAX 64
extern const struct lx_bind lx_binds[];
extern const unsigned lx_nbinds;

#endif
