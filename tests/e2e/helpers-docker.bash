# shellcheck shell=bash
# Helpers for the Docker engine tests (tests/e2e/226-docker.bats): a dockerd of this test's own.
# Builds on helpers-deploy.bash (the watchdog), helpers-toolkit.bash (daemon mount points,
# busybox rootfs, this run's parent cgroup) and helpers.bash, which it loads and does not change.
#
# - docker_init                  (setup_file) dockerd (and the containerd it starts), one per
#                                file, on a private socket with
#                                its data, exec root, pidfile and config in a temporary directory
#                                (DK_DIR, DK_SOCK), vfs, cgroupfs, no iptables/bridge, containers'
#                                cgroups under this run's parent (/TK_CG_PARENT/docker); an image
#                                imported from a busybox rootfs tarball (DK_IMAGE). The tests
#                                skip with dockerd's own words when it cannot start.
# - dk ARGS...                   the Debian docker client against that daemon, with a timeout
# - dk_run NAME ARGS...          docker run -d --name NAME --network none ARGS...
# - dk_binds                     DK_BINDS: `-v LXCFS_MNT/F:/F:ro` for every file runc lets
#                                `docker run -v` bind (DK_BIND_FILES; runc refuses the others
#                                "because it is inside /proc")
# - dk_pid NAME                  the host pid of a container's init
# - `--runtime lxcfs-runc`         runc with linux.seccomp.listenerPath set to the socket
#                                written to DK_DIR/listener (Docker < 23.0 drops it)
# - dk_use_hook, `--runtime lxcfs-hook-runc`
#                                runc with the toolkit's OCI hooks added to the bundle
#
# After each test dk_clean removes its containers, then deploy_teardown (watchdogs, daemons,
# mounts, this run's cgroups, the containers' included). teardown_file stops that dockerd and
# its containerd (by pid: only those this file started), unmounts what is left under DK_DIR
# and removes it.

load helpers-deploy

# the Debian docker.io client (another one may come first in PATH)
DK_CLIENT=${DK_CLIENT:-/usr/bin/docker}
DOCKERD=${DOCKERD:-/usr/sbin/dockerd}
# what runc 1.1 mounts over a file inside /proc: only the files it allows there
# (libcontainer/rootfs_linux.go checkProcMount); sys/ takes anything
DK_BIND_FILES=(proc/cpuinfo proc/diskstats proc/loadavg proc/meminfo proc/slabinfo proc/stat
	proc/swaps proc/uptime sys/devices/system/cpu/online)
# what it refuses ("... cannot be mounted because it is inside /proc")
DK_REFUSED_FILES=(proc/partitions)
[ -f /proc/pressure/cpu ] && DK_REFUSED_FILES+=(proc/pressure/cpu proc/pressure/io proc/pressure/memory)

# (set by setup_file and exported: loading this file again in each test keeps them)
_DK_DIR=${_DK_DIR:-} _DK_PID=${_DK_PID:-}
# more dockerd options for docker_init (a file sets them before its setup_file runs)
DK_DAEMON_ARGS=()

# dk ARGS...: the docker client against our daemon only (its own config directory)
dk() {
	DOCKER_HOST=unix://$DK_SOCK DOCKER_CONFIG=$DK_DIR/client \
		timeout --kill-after=5 "${DK_TIMEOUT:-90}" "$DK_CLIENT" "$@"
}

# _dk_containerd_pid: the pid of the containerd our dockerd started (its pidfile), if alive
_dk_containerd_pid() {
	local p
	[ -f "$DK_DIR/exec/containerd/containerd.pid" ] || return 1
	p=$(tr -dc 0-9 <"$DK_DIR/exec/containerd/containerd.pid")
	[ -n "$p" ] && pid_alive "$p" && grep -qaF -- "$DK_DIR/" "/proc/$p/cmdline" && echo "$p"
}

# docker_init: start it; when it cannot, DK_SKIP says why and setup skips each test with it
# (bats 1.8 cannot skip from setup_file)
docker_init() {
	DK_SKIP=""
	[ -x "$DOCKERD" ] || DK_SKIP="docker.io is not installed ($DOCKERD)"
	[ -x "$DK_CLIENT" ] || DK_SKIP="docker.io is not installed ($DK_CLIENT)"
	command -v containerd >/dev/null || DK_SKIP="containerd is not installed"
	[ "$(id -u)" -eq 0 ] || DK_SKIP="needs root"
	[ -z "$DK_SKIP" ] || return 0
	# named for the run, so the leak check (299) sees this run's only; short: socket paths
	_DK_DIR=$(mktemp -d "/tmp/lxcfs-tk-docker.${BATS_ROOT_PID:-$$}.XXXXXX")
	DK_DIR=$_DK_DIR
	DK_SOCK=$DK_DIR/docker.sock
	mkdir -p "$DK_DIR"/{data,exec,client,tmp}
	# never /etc/docker/daemon.json: the host's settings must not change what the tests run
	echo '{}' >"$DK_DIR/daemon.json"
	_dk_listener_runtime "$DK_DIR/lxcfs-runc"
	_dk_hook_runtime "$DK_DIR/lxcfs-hook-runc"
	DOCKER_TMPDIR=$DK_DIR/tmp "$DOCKERD" --config-file "$DK_DIR/daemon.json" \
		--host "unix://$DK_SOCK" --data-root "$DK_DIR/data" --exec-root "$DK_DIR/exec" \
		--pidfile "$DK_DIR/dockerd.pid" --iptables=false --ip-masq=false --bridge=none \
		--userland-proxy=false --storage-driver=vfs --exec-opt native.cgroupdriver=cgroupfs \
		--cgroup-parent "/$TK_CG_PARENT/docker" --log-level warn \
		--add-runtime "lxcfs-runc=$DK_DIR/lxcfs-runc" \
		--add-runtime "lxcfs-hook-runc=$DK_DIR/lxcfs-hook-runc" "${DK_DAEMON_ARGS[@]}" \
		</dev/null >"$DK_DIR/dockerd.log" 2>&1 3>&- &
	_DK_PID=$!
	register daemon "$_DK_PID"
	if ! wait_for 'api_answers "$DK_SOCK" || ! pid_alive "$_DK_PID"' 30 "" 0.2 ||
		! api_answers "$DK_SOCK"; then
		local why
		why=$(grep -E 'level=(error|fatal)|^failed' "$DK_DIR/dockerd.log" | tail -1)
		sed 's/^/#   dockerd: /' "$DK_DIR/dockerd.log" | tail -20
		_dk_remove
		DK_SKIP="dockerd did not start: ${why:-no API on its socket within 30 s}"
		return 0
	fi
	log "dockerd $_DK_PID on $DK_SOCK, containerd $(_dk_containerd_pid)"
	make_rootfs "$DK_DIR/rootfs"
	DK_IMAGE=lxcfs-tk-busybox:test
	tar -C "$DK_DIR/rootfs" -cf "$DK_DIR/rootfs.tar" . &&
		dk import "$DK_DIR/rootfs.tar" "$DK_IMAGE" >/dev/null
}

# _dk_listener_runtime PATH: a runtime for `docker run --runtime lxcfs-runc` that runs runc with
# linux.seccomp.listenerPath set to the socket named in DK_DIR/listener when the bundle's
# filter notifies a call (Docker before 23.0 drops listenerPath from --security-opt seccomp=
# profiles); every other runc command, and a config with no notify rule, is passed through
_dk_listener_runtime() {
	# shellcheck disable=SC2016
	printf '%s\n' '#!/bin/sh' \
		'listener=$(cat "$(dirname "$0")/listener" 2>/dev/null)' 'prev="" bundle=""' \
		'for a; do [ "$prev" = --bundle ] && bundle=$a; prev=$a; done' \
		'c=$bundle/config.json' \
		'if [ -n "$listener" ] && [ -n "$bundle" ] && jq -e "[.linux.seccomp.syscalls[]? |' \
		'	select(.action == \"SCMP_ACT_NOTIFY\")] | length > 0" "$c" >/dev/null 2>&1; then' \
		'	jq --arg l "$listener" ".linux.seccomp.listenerPath = \$l" "$c" >"$c.lxcfs" &&' \
		'		mv "$c.lxcfs" "$c" || exit 1' \
		'fi' 'exec runc "$@"' >"$1"
	chmod 0755 "$1"
}

# _dk_hook_runtime PATH: a runtime for `docker run --runtime lxcfs-hook-runc` that adds the
# hooks in DK_DIR/hooks.json ({"prestart": [...], "poststop": [...]}: dk_use_hook writes the
# toolkit's) to the bundle's config.json, then runs runc (Docker 20.10 takes no OCI hooks)
_dk_hook_runtime() {
	# shellcheck disable=SC2016
	printf '%s\n' '#!/bin/sh' \
		'hooks=$(dirname "$0")/hooks.json' 'prev="" bundle=""' \
		'for a; do [ "$prev" = --bundle ] && bundle=$a; prev=$a; done' \
		'c=$bundle/config.json' \
		'if [ -n "$bundle" ] && [ -s "$hooks" ]; then' \
		'	jq --slurpfile h "$hooks" ".hooks.prestart += \$h[0].prestart |' \
		'		.hooks.poststop += \$h[0].poststop" "$c" >"$c.lxcfs" && mv "$c.lxcfs" "$c" || exit 1' \
		'fi' 'exec runc "$@"' >"$1"
	chmod 0755 "$1"
}

# dk_use_hook: containers run with --runtime lxcfs-hook-runc get the toolkit's prestart and
# poststop hooks, with this test's global options (TK_ARGS)
dk_use_hook() {
	jq -n --arg tk "$TK" --argjson pre "$(tk_hook_args)" \
		--argjson post "$(tk_hook_args --stage poststop)" \
		'{prestart: [{path: $tk, args: $pre}], poststop: [{path: $tk, args: $post}]}' \
		>"$DK_DIR/hooks.json"
}

# dk_binds: DK_BINDS, the -v options for every file of LXCFS_MNT that `docker run -v` can bind
dk_binds() {
	local f
	DK_BINDS=()
	for f in "${DK_BIND_FILES[@]}"; do DK_BINDS+=(-v "$LXCFS_MNT/$f:/$f:ro"); done
}

# dk_run NAME ARGS...: docker run -d, no network, named NAME
dk_run() {
	local name=$1
	shift
	dk run -d --name "$name" --network none "$@"
}

dk_pid() { dk inspect -f '{{.State.Pid}}' "$1"; }

# stop our dockerd (SIGTERM, then SIGKILL after 20 s) and the containerd it started (it stops
# it on a clean exit; a killed dockerd leaves it: by its pid); what is still mounted under
# DK_DIR; DK_DIR itself
_dk_remove() {
	[ -n "$_DK_DIR" ] && [ -d "$_DK_DIR" ] || return 0
	local ctd pids m
	ctd=$(_dk_containerd_pid) || ctd=""
	if [ -n "$_DK_PID" ] && pid_alive "$_DK_PID"; then
		kill -TERM "$_DK_PID" 2>/dev/null
		if ! wait_gone "$_DK_PID" 20; then
			log "dockerd $_DK_PID ignored SIGTERM for 20 s; SIGKILL"
			kill -KILL "$_DK_PID" 2>/dev/null
		fi
	fi
	[ -n "$_DK_PID" ] && { wait "$_DK_PID" 2>/dev/null || true; } # reaped, whatever its end
	if [ -n "$ctd" ] && pid_alive "$ctd"; then
		kill -TERM "$ctd" 2>/dev/null
		wait_gone "$ctd" 10 || kill -KILL "$ctd" 2>/dev/null
	fi
	# shims of our containerd (their command line names its socket under DK_DIR: only ours
	# can); a killed shim leaves its socket in /run/containerd/s (containerd's fixed place,
	# shared with every containerd): remove those our shims listened on
	if ! wait_for '! pgrep -f -- "$_DK_DIR/" >/dev/null' 5 ""; then
		local socks="" p
		pids=$(pgrep -f -- "$_DK_DIR/")
		for p in $pids; do
			socks+=" $(ss -xlpH 2>/dev/null | awk -v p="pid=$p," 'index($0, p) {print $5}' |
				grep '^/run/containerd/s/')"
		done
		kill -KILL $pids 2>/dev/null
		wait_for '! pgrep -f -- "$_DK_DIR/" >/dev/null' 5 "" || log "processes left in $_DK_DIR"
		for p in $socks; do [ -S "$p" ] && rm -f "$p"; done
	fi
	findmnt -rn -o TARGET | grep "^$_DK_DIR/" | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$_DK_DIR"
	_DK_DIR="" _DK_PID=""
}

# dk_clean: remove every container of our dockerd and what a test gave its runtimes
dk_clean() {
	local ids
	if [ -n "$_DK_DIR" ] && [ -n "$_DK_PID" ] && pid_alive "$_DK_PID" &&
		ids=$(dk ps -aq) && [ -n "$ids" ]; then
		# shellcheck disable=SC2086
		dk rm -f -v $ids >/dev/null 2>&1 || log "docker rm failed"
	fi
	[ -n "$_DK_DIR" ] && rm -f "$_DK_DIR/listener" "$_DK_DIR/hooks.json"
	return 0
}

# one dockerd per file (starting one and importing the image takes seconds); each test's
# containers are removed after it, before its daemons, mounts and cgroups
setup_file() {
	docker_init
	export DK_DIR DK_SOCK DK_IMAGE _DK_DIR _DK_PID DK_SKIP
}

teardown_file() { _dk_remove; }

setup() {
	deploy_setup
	[ -z "${DK_SKIP:-}" ] || skip "$DK_SKIP"
	[ -n "${_DK_DIR:-}" ] && [ -S "$DK_SOCK" ] || fail "no dockerd from setup_file"
}

teardown() {
	dk_clean
	deploy_teardown
}
