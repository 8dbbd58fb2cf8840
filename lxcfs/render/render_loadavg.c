/* /proc/loadavg for a container, with the kernel's fixed-point arithmetic
 * (kernel/sched/loadavg.c and fs/proc/loadavg.c). */
#include <errno.h>

#include "render/render.h"

#define LOAD_INT(x)  ((x) >> LOADAVG_FSHIFT)
#define LOAD_FRAC(x) LOAD_INT(((x) & (LOADAVG_FIXED_1 - 1)) * 100)

int render_loadavg(const unsigned long avenrun[3], unsigned running, unsigned total, int last_pid,
		   struct strbuf *out)
{
	unsigned long a[3];

	if (!avenrun) {
		errno = EINVAL;
		return -1;
	}
	/* get_avenrun(avnrun, FIXED_1/200, 0): round to the nearest hundredth. */
	for (int i = 0; i < 3; i++)
		a[i] = avenrun[i] + LOADAVG_FIXED_1 / 200;
	return sb_printf(out, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%u %d\n", LOAD_INT(a[0]),
			 LOAD_FRAC(a[0]), LOAD_INT(a[1]), LOAD_FRAC(a[1]), LOAD_INT(a[2]),
			 LOAD_FRAC(a[2]), running, total, last_pid);
}

unsigned long loadavg_step(unsigned long load, unsigned long exp, unsigned long active)
{
	unsigned long newload = load * exp + active * (LOADAVG_FIXED_1 - exp);

	/* Rounding up when the load rises lets it reach `active` instead of stalling
	 * one step below it. */
	if (active >= load)
		newload += LOADAVG_FIXED_1 - 1;
	return newload / LOADAVG_FIXED_1;
}
