/* Small value parsers shared by the daemon and the toolkit. */
#ifndef COMMON_PARSE_H
#define COMMON_PARSE_H

#include <stdbool.h>
#include <sys/types.h>

/* A boolean config value: 1/0, true/false, yes/no, on/off (any case). 0, or -1. */
int lx_parse_bool(const char *s, bool *out);

/* A positive pid in decimal (a trailing newline or blanks allowed, as in a pidfile). 0, or -1. */
int lx_parse_pid(const char *s, pid_t *out);

#endif
