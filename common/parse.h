/* Small value parsers shared by the daemon's and the toolkit's configuration. */
#ifndef COMMON_PARSE_H
#define COMMON_PARSE_H

#include <stdbool.h>

/* A boolean config value: 1/0, true/false, yes/no, on/off (any case). 0, or -1. */
int lx_parse_bool(const char *s, bool *out);

#endif
