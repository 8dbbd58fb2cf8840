/* Pure renderers: host file text + container values in, file text out.
 * None of them touches the file system, the clock or a global: everything comes in as
 * arguments, so each is unit-tested on fixture text. Each appends to `out` and returns
 * 0, or -1 with errno set (EINVAL: host text it cannot make sense of; the caller then
 * serves the host file). */
#ifndef LXCFS_RENDER_H
#define LXCFS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup/cgroup.h"
#include "cgroup/cpuset.h"
#include "render/types.h"
#include "common/strbuf.h"

/* meminfo: every host line kept, same order and format; the memory lines get the container's
 * values, no line shows more than its MemTotal (the rules, line by line, are at the top of
 * render_meminfo.c). swap_enabled false (-u, or no swap accounting) gives SwapTotal/SwapFree
 * 0; zswap_enabled false (-z, or no zswap counters) gives Zswap/Zswapped 0. */
int render_meminfo(const char *host_meminfo, const struct cg_mem *m, bool swap_enabled,
		   bool zswap_enabled, struct strbuf *out);

/* The values of the meminfo lines other interfaces give too (sysinfo(2): view/sysinfo.c), in
 * kB, from the same computation as render_meminfo's lines: they never disagree with the file.
 * -1 with errno EINVAL on host text without MemTotal. */
struct meminfo_values {
	uint64_t total, free, available, buffers, shmem, swap_total, swap_free;
};
int meminfo_values(const char *host_meminfo, const struct cg_mem *m, bool swap_enabled,
		   struct meminfo_values *out);

/* swaps: the kernel's header line from host_swaps, plus one line for the container's
 * swap when its SwapTotal (computed exactly as render_meminfo does) is > 0. */
int render_swaps(const char *host_swaps, const char *host_meminfo, const struct cg_mem *m,
		 bool swap_enabled, struct strbuf *out);

/* cpuinfo: the host blocks of the CPUs in `cpus` (real CPU numbers), renumbered from 0
 * (processor, physical id increasing from 0; siblings 1, core id 0, cpu cores 1).
 * Handles x86 ("processor\t: N" blocks) and arm64 (no physical id lines; header/footer
 * lines outside blocks kept). */
int render_cpuinfo(const char *host_cpuinfo, const struct cpuset *cpus, struct strbuf *out);

/* sys/devices/system/cpu/online: the set in range syntax plus "\n". */
int render_cpu_online(const struct cpuset *cpus, struct strbuf *out);

/* The CPUs a container sees: effective cpuset, intersected with the host's online
 * CPUs, and with use_cfs at most ceil(cfs_cpus) of them (the first ones). Never empty
 * when host_online is not empty. */
void visible_cpus(const struct cg_cpu *c, const struct cpuset *host_online, bool use_cfs,
		  struct cpuset *out);

/* stat. Per visible CPU i (real number cpus[i], shown as "cpuI"): busy = percpu_ns
 * (or usage_ns spread evenly over the visible CPUs when !have_percpu), split into
 * user/system by the user_ns:system_ns ratio; idle = uptime_ns - busy, clamped at 0.
 * The "cpu" line sums them. Units USER_HZ (user_hz). Other host lines kept (intr, ctxt,
 * btime, processes, procs_running, procs_blocked, softirq). `mono` (render/types.h) keeps
 * the last emitted values so no counter decreases between two renders for the same container. */
int render_stat(const char *host_stat, const struct cg_cpu *c, const struct cpuset *cpus,
		uint64_t uptime_ns, long user_hz, struct stat_mono *mono, struct strbuf *out);

/* uptime: "%.2f %.2f\n" of uptime and idle seconds (idle clamped at 0). */
int render_uptime(double uptime_s, double idle_s, struct strbuf *out);

/* diskstats: one line per device of `io` that has a name in `names`, no partitions
 * unless the device itself is one the container names; columns in the format of the
 * running kernel (as many as host_diskstats lines have: 14, 18 or 20 fields), unknown
 * columns 0. Line format as the kernel's: "%4u %7u %s %lu ...". */
int render_diskstats(const char *host_diskstats, const struct cg_io *io,
		     const struct devnames *names, struct strbuf *out);

/* partitions: the host header and blank line, then the host lines of devices present in
 * `names`, renamed to the container's names. */
int render_partitions(const char *host_partitions, const struct devnames *names,
		      struct strbuf *out);

/* sysinfo(2) for a container, as the kernel fills it (kernel/sys.c do_sysinfo): uptime in
 * whole seconds rounded up, loads in its fixed point (SI_LOAD_SHIFT 16), memory in bytes with
 * mem_unit 1 when the sum of RAM and swap fits an unsigned long (else in kB units, mem_unit
 * 1024), procs the task count cut to 16 bits as the kernel's. No high memory. */
#define SYSINFO_LOAD_SHIFT 16
struct sysinfo_values {
	uint64_t uptime_ns;
	unsigned long loads[3]; /* SYSINFO_LOAD_SHIFT fixed point */
	struct meminfo_values mem;
	uint64_t procs;
};
struct sysinfo;
void render_sysinfo(const struct sysinfo_values *v, struct sysinfo *out);
/* The kernel's avenrun (LOADAVG_FSHIFT) as sysinfo's loads (get_avenrun(loads, 0,
 * SI_LOAD_SHIFT - FSHIFT)). */
unsigned long loadavg_to_sysinfo(unsigned long avenrun);

/* loadavg: avenrun in the kernel's fixed point (FSHIFT 11), as the kernel prints it:
 * "%lu.%02lu %lu.%02lu %lu.%02lu %u/%u %d\n". */
#define LOADAVG_FSHIFT	11
#define LOADAVG_FIXED_1 (1UL << LOADAVG_FSHIFT)
int render_loadavg(const unsigned long avenrun[3], unsigned running, unsigned total, int last_pid,
		   struct strbuf *out);
/* One step of the kernel's calc_load(): load = load*exp + active*(1-exp), fixed point.
 * exp is EXP_1/EXP_5/EXP_15; active = nr_active << FSHIFT. */
#define LOADAVG_EXP_1  1884
#define LOADAVG_EXP_5  2014
#define LOADAVG_EXP_15 2037
unsigned long loadavg_step(unsigned long load, unsigned long exp, unsigned long active);

/* /proc/pressure/{cpu,io,memory}: a cgroup's cpu/io/memory.pressure text, which the kernel
 * prints as the system-wide file ("some" and, where the kernel has it, "full": each "avg10=
 * avg60= avg300= total="), copied when it is one; anything else is EINVAL. */
int render_pressure(const char *cg_pressure, struct strbuf *out);

/* /proc/slabinfo: v1 memory.kmem.slabinfo (the kernel's "slabinfo - version: 2.1" header and
 * lines) copied when it starts with that header and ends in a newline; else EINVAL. */
int render_slabinfo(const char *cg_slabinfo, struct strbuf *out);

#endif
