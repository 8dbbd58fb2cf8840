/* libcurl, loaded when first needed (dlopen) instead of at every start of lxcfs-toolkit: it
 * pulls ~30 shared libraries (TLS, Kerberos, LDAP, ...) that cost about 8 ms per process
 * start, and only the engine API (remount, umount, status discovery) uses it; the OCI hook,
 * run at every container start, never does. */
#ifndef TK_CURL_DL_H
#define TK_CURL_DL_H

#include <curl/curl.h>

#include "common/error.h"

struct tk_curl {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
};

/* The library's functions, loaded once per process (thread-safe); NULL with err set when
 * libcurl cannot be loaded. */
const struct tk_curl *tk_curl(struct lx_error *err);

#endif
