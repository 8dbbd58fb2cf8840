/* /proc/swaps of a container: the kernel's header line, then one line for the
 * container's swap when it has any.
 *
 * SwapTotal and SwapFree are read back from the container's meminfo as render_meminfo
 * makes it, so the two files always agree: there is one computation, not two. */
#include "render/render.h"

#include <errno.h>
#include <string.h>

#include "common/fileio.h"

int render_swaps(const char *host_swaps, const char *host_meminfo, const struct cg_mem *m,
		 bool swap_enabled, struct strbuf *out)
{
	static const char name[] = "none", type[] = "virtual\t";
	struct strbuf mem __sbfree = STRBUF_INIT;
	const char *nl = strchr(host_swaps, '\n');
	uint64_t total, free, used;
	size_t start = out->len;

	if (strncmp(host_swaps, "Filename", 8) != 0 || !nl) {
		errno = EINVAL;
		return -1;
	}
	if (render_meminfo(host_meminfo, m, swap_enabled, false, &mem) < 0)
		return -1;
	if (find_meminfo_kb(mem.buf, "SwapTotal", &total) < 0 ||
	    find_meminfo_kb(mem.buf, "SwapFree", &free) < 0)
		total = free = 0;
	used = total - free; /* render_meminfo guarantees SwapFree <= SwapTotal */

	if (sb_append(out, host_swaps, nl + 1 - host_swaps) < 0)
		return -1;
	if (total == 0)
		return 0;
	/* As the kernel's swap_show(): name padded to 40 columns, type, then size, used and
	 * priority separated by tabs, with a second tab after numbers below 10000000. */
	if (sb_printf(out, "%s%*s%s\t%llu\t%s%llu\t%s%d\n", name, (int)(40 - strlen(name)), " ",
		      type, (unsigned long long)total, total < 10000000 ? "\t" : "",
		      (unsigned long long)used, used < 10000000 ? "\t" : "", -1) < 0) {
		sb_truncate(out, start);
		return -1;
	}
	return 0;
}
