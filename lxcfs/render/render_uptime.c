/* /proc/uptime for a container. */
#include <errno.h>
#include <math.h>

#include "render/render.h"

int render_uptime(double uptime_s, double idle_s, struct strbuf *out)
{
	if (!isfinite(uptime_s) || !isfinite(idle_s)) {
		errno = EINVAL;
		return -1;
	}
	if (uptime_s < 0)
		uptime_s = 0;
	if (idle_s < 0)
		idle_s = 0;
	return sb_printf(out, "%.2f %.2f\n", uptime_s, idle_s);
}
