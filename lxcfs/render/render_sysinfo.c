/* sysinfo(2) for a container: the values of its files, in the layout and units the kernel
 * gives (kernel/sys.c do_sysinfo). */
#include <string.h>
#include <sys/sysinfo.h>

#include "render/render.h"

unsigned long loadavg_to_sysinfo(unsigned long avenrun)
{
	return avenrun << (SYSINFO_LOAD_SHIFT - LOADAVG_FSHIFT);
}

void render_sysinfo(const struct sysinfo_values *v, struct sysinfo *out)
{
	const struct meminfo_values *m = &v->mem;
	unsigned long total = m->total + m->swap_total;
	unsigned shift = 10; /* kB to bytes */

	memset(out, 0, sizeof(*out));
	/* whole seconds, a started one counted (tv_sec + (tv_nsec ? 1 : 0)) */
	out->uptime = (long)(v->uptime_ns / 1000000000ULL + (v->uptime_ns % 1000000000ULL ? 1 : 0));
	for (int i = 0; i < 3; i++)
		out->loads[i] = v->loads[i];
	out->procs = (unsigned short)v->procs; /* the kernel's nr_threads, cut the same way */
	/* the kernel gives bytes (mem_unit 1) unless RAM + swap in bytes overflows an unsigned
	 * long; then it keeps its own unit (ours is the kB of the files) */
	if (total < m->total || total > (~0UL >> shift))
		shift = 0;
	out->mem_unit = shift ? 1 : 1024;
	out->totalram = m->total << shift;
	out->freeram = m->free << shift;
	out->sharedram = m->shmem << shift;
	out->bufferram = m->buffers << shift;
	out->totalswap = m->swap_total << shift;
	out->freeswap = m->swap_free << shift;
}
