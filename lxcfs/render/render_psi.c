/* /proc/pressure/{cpu,io,memory} and /proc/slabinfo from a cgroup's file: the kernel prints
 * the same format in both places, so the cgroup's text is the container's file once it is
 * known to be one (a garbled or cut file is refused: the host's is served instead). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "render/render.h"

/* "avg10=12.34": the name, '=', digits '.' two digits */
static const char *avg_field(const char *p, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(p, name, n) != 0 || p[n] != '=')
		return NULL;
	p += n + 1;
	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p[0] != '.' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
		return NULL;
	return p + 3;
}

/* one "some|full avg10=A avg60=A avg300=A total=N" line ending at end */
static bool psi_line(const char *p, const char *end)
{
	static const char *const avgs[] = {"avg10", "avg60", "avg300"};

	if (strncmp(p, "some ", 5) != 0 && strncmp(p, "full ", 5) != 0)
		return false;
	p += 5;
	for (size_t i = 0; i < sizeof(avgs) / sizeof(avgs[0]); i++) {
		if (!(p = avg_field(p, avgs[i])) || *p++ != ' ')
			return false;
	}
	if (strncmp(p, "total=", 6) != 0)
		return false;
	p += 6;
	if (p == end)
		return false;
	for (; p < end; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

int render_pressure(const char *cg_pressure, struct strbuf *out)
{
	const char *p = cg_pressure, *nl;
	unsigned lines = 0;

	if (!p || strncmp(p, "some ", 5) != 0)
		goto bad;
	for (; *p; p = nl + 1, lines++) {
		nl = strchr(p, '\n');
		if (!nl || !psi_line(p, nl) || lines >= 2)
			goto bad;
	}
	if (sb_puts(out, cg_pressure) < 0)
		return -1;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int render_slabinfo(const char *cg_slabinfo, struct strbuf *out)
{
	static const char head[] = "slabinfo - version: ";
	size_t len;

	if (!cg_slabinfo || strncmp(cg_slabinfo, head, sizeof(head) - 1) != 0 ||
	    !(len = strlen(cg_slabinfo)) || cg_slabinfo[len - 1] != '\n') {
		errno = EINVAL;
		return -1;
	}
	return sb_append(out, cg_slabinfo, len) < 0 ? -1 : 0;
}
