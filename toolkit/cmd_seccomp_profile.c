/* seccomp-profile: a seccomp profile whose sysinfo rule is SCMP_ACT_NOTIFY with the daemon's
 * listener (lxcfs --seccomp-listener) as listenerPath, so the daemon answers the container's
 * sysinfo(2). Minimal (allow everything else), or an engine's profile with sysinfo moved out of
 * its rules into ours. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

#define CMD		 "seccomp-profile"
#define DEFAULT_LISTENER "/run/lxcfs/seccomp.sock"

static struct json_object *notify_rule(void)
{
	struct json_object *r = json_object_new_object(), *names = json_object_new_array();

	json_object_array_add(names, json_object_new_string("sysinfo"));
	json_object_object_add(r, "names", names);
	json_object_object_add(r, "action", json_object_new_string("SCMP_ACT_NOTIFY"));
	return r;
}

/* Remove "sysinfo" from every rule's names (a rule left with no name goes); how many rules
 * named it. */
static int strip_sysinfo(struct json_object *syscalls)
{
	int hits = 0;

	for (size_t k = json_object_array_length(syscalls); k-- > 0;) {
		struct json_object *rule = json_object_array_get_idx(syscalls, k), *names;

		if (!json_object_object_get_ex(rule, "names", &names) ||
		    !json_object_is_type(names, json_type_array))
			continue;
		for (size_t j = json_object_array_length(names); j-- > 0;) {
			const char *n = json_object_get_string(json_object_array_get_idx(names, j));

			if (n && !strcmp(n, "sysinfo")) {
				json_object_array_del_idx(names, j, 1);
				hits++;
			}
		}
		if (json_object_array_length(names) == 0)
			json_object_array_del_idx(syscalls, k, 1);
	}
	return hits;
}

int cmd_seccomp_profile(struct tk_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"from", required_argument, NULL, 'F'},
	    {"listener", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *format = "engine", *from = NULL, *listener = DEFAULT_LISTENER;
	struct json_object *prof, *syscalls, *v;
	int c, rc, hits = 0;

	while ((c = tk_getopt(ctx, CMD, argc, argv, opts, NULL, &rc)) > 0) {
		switch (c) {
		case 'f':
			format = optarg; /* checked below: --help first */
			break;
		case 'F':
			from = optarg;
			break;
		case 'l':
			if (optarg[0] != '/' || strlen(optarg) >= 108)
				return tk_fail(ctx, CMD, TK_EXIT_USAGE,
					       "--listener: `%s` is not an absolute socket path "
					       "(under 108 bytes)",
					       optarg);
			listener = optarg;
			break;
		case 'h':
			printf(
			    "Usage: %s seccomp-profile [--format engine|oci] [--from FILE]\n"
			    "       [--listener PATH]\n"
			    "Print a seccomp profile whose sysinfo rule is SCMP_ACT_NOTIFY with\n"
			    "listenerPath PATH, for the daemon's --seccomp-listener to answer\n"
			    "containers' sysinfo(2). Without --from: allow everything else.\n"
			    "  --format engine|oci  engine (default): podman's --security-opt\n"
			    "                       seccomp=FILE format (Docker before 23.0\n"
			    "                       drops its listenerPath: see README.md);\n"
			    "                       oci: the linux.seccomp object of a runc\n"
			    "                       config.json\n"
			    "  --from FILE          start from this profile (an engine's default,\n"
			    "                       or an OCI linux.seccomp object): sysinfo is\n"
			    "                       taken out of its rules and notified instead\n"
			    "  --listener PATH      the listener (default %s)\n",
			    ctx->prog, DEFAULT_LISTENER);
			return TK_EXIT_OK;
		}
	}
	if (c < 0)
		return rc;
	if (strcmp(format, "engine") != 0 && strcmp(format, "oci") != 0)
		return tk_fail(ctx, CMD, TK_EXIT_USAGE, "--format: `%s` is neither engine nor oci",
			       format);
	if (from) {
		prof = json_object_from_file(from);
		if (!prof)
			return tk_fail(ctx, CMD, TK_EXIT_FAIL, "%s: %s", from,
				       json_util_get_last_err() ? json_util_get_last_err()
								: "not JSON");
		if (!json_object_is_type(prof, json_type_object) ||
		    !json_object_object_get_ex(prof, "defaultAction", &v)) {
			json_object_put(prof);
			return tk_fail(ctx, CMD, TK_EXIT_FAIL,
				       "%s: not a seccomp profile (no defaultAction)", from);
		}
		if (!strcmp(format, "oci") &&
		    (json_object_object_get_ex(prof, "archMap", &v) ||
		     json_object_object_get_ex(prof, "defaultErrnoRet", &v))) {
			json_object_put(prof);
			return tk_fail(ctx, CMD, TK_EXIT_FAIL,
				       "%s: an engine profile (archMap, includes...): only the "
				       "engine makes an OCI filter of it; use --format engine",
				       from);
		}
		if (!json_object_object_get_ex(prof, "syscalls", &syscalls) ||
		    !json_object_is_type(syscalls, json_type_array)) {
			syscalls = json_object_new_array();
			json_object_object_add(prof, "syscalls", syscalls);
		}
		hits = strip_sysinfo(syscalls);
	} else {
		prof = json_object_new_object();
		json_object_object_add(prof, "defaultAction",
				       json_object_new_string("SCMP_ACT_ALLOW"));
		syscalls = json_object_new_array();
		json_object_object_add(prof, "syscalls", syscalls);
	}
	json_object_object_add(prof, "listenerPath", json_object_new_string(listener));
	json_object_array_add(syscalls, notify_rule());
	if (from)
		fprintf(stderr, "%s %s: %s: sysinfo taken out of %d rule%s, notified to %s\n",
			ctx->prog, CMD, from, hits, hits == 1 ? "" : "s", listener);
	/* moby copies listenerPath into the OCI config only since 23.0 (its profile type embeds
	 * the runtime-spec's LinuxSeccomp from then on) */
	if (!strcmp(format, "engine"))
		fprintf(
		    stderr,
		    "%s %s: note: Docker before 23.0 drops listenerPath from a --security-opt "
		    "seccomp= profile and runc then refuses the container (\"listenerPath is not "
		    "set\") unless a runtime sets it (README.md); podman and Docker 23.0 or later "
		    "keep it\n",
		    ctx->prog, CMD);
	printf("%s\n", json_object_to_json_string_ext(prof, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(prof);
	return TK_EXIT_OK;
}
