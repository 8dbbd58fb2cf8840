/* libcurl loaded on first use (see curl_dl.h). */
#include "curl_dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

/* the soname of Debian's libcurl4 (and libcurl3-gnutls's is libcurl-gnutls.so.4) */
static const char *const sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

static struct tk_curl fns;
static const struct tk_curl *loaded;
static char why[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int sym(void *h, const char *name, void *dst)
{
	void *p = dlsym(h, name);

	if (!p) {
		snprintf(why, sizeof(why), "libcurl has no `%s`", name);
		return -1;
	}
	*(void **)dst = p;
	return 0;
}

static void load(void)
{
	void *h = NULL;

	for (size_t i = 0; i < sizeof(sonames) / sizeof(sonames[0]) && !h; i++)
		h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, sizeof(why), "cannot load libcurl (install libcurl4): %s", dlerror());
		return;
	}
	if (sym(h, "curl_easy_init", &fns.easy_init) < 0 ||
	    sym(h, "curl_easy_setopt", &fns.easy_setopt) < 0 ||
	    sym(h, "curl_easy_perform", &fns.easy_perform) < 0 ||
	    sym(h, "curl_easy_getinfo", &fns.easy_getinfo) < 0 ||
	    sym(h, "curl_easy_cleanup", &fns.easy_cleanup) < 0 ||
	    sym(h, "curl_easy_strerror", &fns.easy_strerror) < 0) {
		dlclose(h);
		return;
	}
	loaded = &fns; /* the handle stays open for the life of the process */
}

const struct tk_curl *tk_curl(struct lx_error *err)
{
	pthread_once(&once, load);
	if (!loaded)
		lx_error_set(err, ELIBACC, "%s", why);
	return loaded;
}
