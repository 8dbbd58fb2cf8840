# shellcheck shell=bash
# Helpers for the lxcfs-toolkit end-to-end tests (tests/e2e/2*.bats). Builds on helpers.bash
# (daemon, mount points, logging) and adds real containers:
#
# - run_tk RC ARGS...          build/lxcfs-toolkit with this test's global options and a timeout;
#                              checks the exit code ('?' accepts any); sets $status/$output
# - tk_start_daemon            new mount point, `prestart`, then the daemon (LXCFS_MNT, LXCFS_PID)
# - tk_restart_daemon          `prestart` + the daemon again on the same mount point and pidfile
# - make_rootfs DIR            a busybox-static root filesystem
# - make_bundle NAME [MEM] [CPUS] [HOOK=yes|no]
#                              an OCI bundle (runc spec + jq) with the toolkit as prestart and
#                              poststop hook, cgroupsPath under this run's parent cgroup
# - bundle_host_usr / bundle_jq FILTER
#                              the host's /usr in the last bundle; edit its config.json
# - runc_start NAME / runc_in NAME CMD... / runc_pid NAME
# - podman_init / pm ARGS...   podman with a private --root/--runroot, vfs, cgroupfs, runc, and
#                              a hooks dir made from deploy/hooks/oci-hooks.d
# - mounts_snapshot PID        sorted mount points of PID's mount namespace (for "no new mount")
#
# tk_teardown removes everything a test made: containers, podman storage, background processes
# (by pid), daemons, mounts, cgroups.

load helpers

TK=${LXCFS_TOOLKIT:-$REPO/build/lxcfs-toolkit}
# the host's /etc/lxcfs/lxcfs.conf (an installed lxcfs) must not change what the tests run
export LXCFS_TOOLKIT_CONFIG=${LXCFS_TOOLKIT_CONFIG:-/dev/null}
TK_TIMEOUT=${TK_TIMEOUT:-30}
TK_CG_PARENT=lxcfs-tk-test-${BATS_ROOT_PID:-$$}
BUSYBOX=${BUSYBOX:-/bin/busybox}
# the system's python3 (a fake engine server, an API probe): not whatever PATH finds first
TK_PYTHON=${TK_PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)}
TK_FILES=(proc/cpuinfo proc/diskstats proc/loadavg proc/meminfo proc/partitions proc/stat
	proc/swaps proc/uptime proc/slabinfo sys/devices/system/cpu)
# the PSI files, on a kernel that has them (the hook skips a file the container lacks)
[ -f /proc/pressure/cpu ] && TK_FILES+=(proc/pressure/cpu proc/pressure/io proc/pressure/memory)

_TK_RUNC=() _TK_PIDS=() _TK_PODMAN=""

# tk_name [SUFFIX]: a container name derived from the test (runc ids: [A-Za-z0-9_.-])
tk_name() {
	local n=${BATS_TEST_DESCRIPTION:-x}
	n=${n//[^A-Za-z0-9]/-}
	n=${n:0:40}
	echo "t${BATS_SUITE_TEST_NUMBER:-0}-${n%-}${1:+-$1}"
}

tk_setup() {
	require_root_and_binary
	export LXCFS_RUNTIME_DIR=$BATS_TEST_TMPDIR/run # control sockets: never the host's /run/lxcfs
	[ -x "$TK" ] || {
		fail "$TK is missing: run make"
		return 1
	}
	command -v runc >/dev/null || skip "runc is not installed"
	[ -x "$BUSYBOX" ] || skip "busybox-static is not installed"
	TK_REG=$BATS_TEST_TMPDIR/registry
	TK_RUNC_ROOT=$BATS_TEST_TMPDIR/runc
	TK_ARGS=(--registry "$TK_REG" --engine none)
}

# run_tk EXPECTED_RC ARGS...: run_lxcfs (helpers.bash) for the toolkit with this test's TK_ARGS;
# stdin from the file $TK_STDIN when set (through a small wrapper, as run_lxcfs reads /dev/null)
run_tk() {
	local expected=$1 bin=$TK
	shift
	if [ -n "${TK_STDIN:-}" ]; then
		bin=$BATS_TEST_TMPDIR/lxcfs-toolkit-stdin
		printf '#!/bin/sh\nexec "%s" "$@" <"%s"\n' "$TK" "$TK_STDIN" >"$bin"
		chmod +x "$bin"
	fi
	log "(lxcfs-toolkit)"
	LXCFS=$bin LXCFS_TIMEOUT=$TK_TIMEOUT run_lxcfs "$expected" "${TK_ARGS[@]}" "$@"
}

# tk_use_daemon: point the toolkit at LXCFS_MNT / LXCFS_PIDFILE
tk_use_daemon() {
	TK_ARGS=(--mountpoint "$LXCFS_MNT" --pidfile "$LXCFS_PIDFILE" --registry "$TK_REG"
		--engine none)
}

# tk_new_mountpoint: a new LXCFS_MNT (no daemon yet), with LXCFS_PIDFILE, LXCFS_LOG, TK_ARGS
tk_new_mountpoint() {
	new_mountpoint LXCFS_MNT || return 1
	LXCFS_PIDFILE=$BATS_TEST_TMPDIR/lxcfs.pid
	LXCFS_LOG=$BATS_TEST_TMPDIR/lxcfs.log
	tk_use_daemon
}

# tk_start_daemon [ARGS...]: prestart on a new mount point, then the daemon there
tk_start_daemon() {
	tk_new_mountpoint || return 1
	run_tk 0 prestart || return 1
	_tk_daemon "$@"
}

_tk_daemon() {
	run_lxcfs 0 -p "$LXCFS_PIDFILE" --log "$LXCFS_LOG" "$@" "$LXCFS_MNT" || return 1
	LXCFS_PID=$(tr -dc 0-9 <"$LXCFS_PIDFILE")
	track_daemon "$LXCFS_PID"
	is_lxcfs_mount "$LXCFS_MNT" || {
		fail "no fuse.lxcfs mount at $LXCFS_MNT"
		return 1
	}
}

# tk_restart_daemon: after a crash: prestart, then a new daemon on the same mount point
tk_restart_daemon() {
	run_tk 0 prestart || return 1
	_tk_daemon "$@"
}

# make_rootfs DIR: busybox-static with one symlink per applet
make_rootfs() {
	local d=$1 app
	mkdir -p "$d"/{bin,proc,sys,dev,etc,tmp,var/lib}
	cp "$BUSYBOX" "$d/bin/busybox"
	for app in $("$BUSYBOX" --list); do
		[ "$app" = busybox ] || ln -sf busybox "$d/bin/$app"
	done
	echo 'root:x:0:0:root:/:/bin/sh' >"$d/etc/passwd"
}

# tk_hook_args: the toolkit's argv for a hook (JSON array), with this test's global options
tk_hook_args() {
	printf '%s\n' lxcfs-toolkit "${TK_ARGS[@]}" hook "$@" | jq -R . | jq -cs .
}

# make_bundle NAME [MEM_BYTES] [CPUS] [yes|no]: sets BUNDLE (the directory)
make_bundle() {
	local name=$1 mem=${2:-} cpus=${3:-} hook=${4:-yes} rootfs
	BUNDLE=$BATS_TEST_TMPDIR/bundles/$name
	rootfs=$BATS_TEST_TMPDIR/rootfs-$name
	mkdir -p "$BUNDLE"
	[ -d "$rootfs" ] || make_rootfs "$rootfs"
	(cd "$BUNDLE" && runc spec) || return 1
	jq --arg root "$rootfs" --arg cg "/$TK_CG_PARENT/$name" --arg tk "$TK" \
		--arg mem "$mem" --arg cpus "$cpus" --arg hook "$hook" \
		--argjson pre "$(tk_hook_args)" --argjson post "$(tk_hook_args --stage poststop)" '
		.root = {path: $root, readonly: false}
		| .process.terminal = false
		| .process.args = ["sleep", "100000"]
		| .linux.cgroupsPath = $cg
		| (if $mem != "" then .linux.resources.memory = {limit: ($mem | tonumber)} else . end)
		| (if $cpus != "" then .linux.resources.cpu = {cpus: $cpus} else . end)
		| (if $hook == "yes" then .hooks = {prestart: [{path: $tk, args: $pre}],
		                                    poststop: [{path: $tk, args: $post}]}
		   else . end)' "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
		mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# bundle_host_usr: the bundle made last (BUNDLE) gets the host's /usr read-only (and /lib,
# /lib64 as links into it), so that the host's programs run in it: lscpu, nproc, getconf,
# /usr/bin/python3 (/usr/bin comes before the busybox /bin in PATH)
bundle_host_usr() {
	local rootfs
	rootfs=$(jq -r .root.path "$BUNDLE/config.json")
	mkdir -p "$rootfs/usr"
	ln -sfn usr/lib "$rootfs/lib"
	ln -sfn usr/lib64 "$rootfs/lib64"
	bundle_jq '.mounts += [{destination: "/usr", type: "bind", source: "/usr",
		options: ["rbind", "ro"]}]'
}

# bundle_jq FILTER [JQ_ARGS...]: edit the config.json of BUNDLE with jq
bundle_jq() {
	local f=$1
	shift
	jq "$@" "$f" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
		mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# runc_start NAME: run the bundle made by make_bundle NAME, detached; status in $status
runc_start() {
	local name=$1 dir=$BATS_TEST_TMPDIR/bundles/$1
	_TK_RUNC+=("$name")
	status=0
	timeout --kill-after=5 60 runc --root "$TK_RUNC_ROOT" run -d --bundle "$dir" "$name" \
		</dev/null >"$BATS_TEST_TMPDIR/runc-$name.out" 2>&1 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/runc-$name.out")
	[ -n "$output" ] && printf '%s\n' "$output" | sed 's/^/#   runc: /'
	log "runc run $name: rc=$status"
	return 0
}

# runc_in NAME CMD...: CMD inside the container
runc_in() {
	local name=$1
	shift
	timeout --kill-after=5 30 runc --root "$TK_RUNC_ROOT" exec "$name" "$@" </dev/null
}

runc_pid() { runc --root "$TK_RUNC_ROOT" state "$1" | jq -r .pid; }

_tk_remove_runc() {
	local n
	for n in "${_TK_RUNC[@]}"; do
		runc --root "$TK_RUNC_ROOT" kill "$n" KILL >/dev/null 2>&1
		timeout 30 runc --root "$TK_RUNC_ROOT" delete --force "$n" >/dev/null 2>&1 ||
			log "could not delete runc container $n"
	done
	_TK_RUNC=()
	return 0
}

# tk_bg CMD...: a background process of this test, killed (by pid) in teardown; sets TK_BG_PID
tk_bg() {
	"$@" </dev/null >"$BATS_TEST_TMPDIR/bg.$$.$RANDOM.out" 2>&1 &
	TK_BG_PID=$!
	_TK_PIDS+=("$TK_BG_PID")
}

# mounts_snapshot PID: what the toolkit could have mounted in PID's mount namespace, sorted:
# every fuse.lxcfs mount outside /tmp (a host path such as /etc or /proc) and every mount
# below this test's directories. (Other suites run at the same time and mount under /tmp.)
mounts_snapshot() {
	awk -v t="$BATS_TEST_TMPDIR" -v m="${LXCFS_MNT:-/nonexistent}" '{
		for (i = 7; i <= NF && $i != "-"; i++) ;
		fs = $(i + 1)
		if ((fs == "fuse.lxcfs" && $5 !~ "^/tmp/") || index($5, t) == 1 || index($5, m) == 1)
			print $5, $4, fs
	}' "/proc/$1/mountinfo" | sort
}

# fake_container ROOTFS: a process chrooted in ROOTFS in its own mount namespace (like a
# container after pivot_root, without the runtime's own /proc mount); pid in TK_BG_PID
fake_container() {
	tk_bg unshare --mount --propagation private chroot "$1" /bin/sleep 100000
	local root=$1
	wait_for '[ "$(readlink "/proc/$TK_BG_PID/root")" = "$root" ]' 5 "fake container starts"
}

# ---------------------------------------------------------------- podman

# podman_init [HOOKFILE]: private storage, a hooks dir with one of the shipped oci-hooks.d files
# (default lxcfs-always.json) pointed at build/lxcfs-toolkit and this test's options, an image
# imported from a busybox rootfs tarball (TK_IMAGE)
podman_init() {
	command -v podman >/dev/null || skip "podman is not installed"
	# named for the run, so the leak check (299) sees this run's only
	_TK_PODMAN=$(mktemp -d "/tmp/lxcfs-tk-podman.${BATS_ROOT_PID:-$$}.XXXXXX")
	mkdir -p "$_TK_PODMAN"/{root,runroot,hooks,tmp}
	local f
	for f in "$REPO/deploy/hooks/oci-hooks.d/${1:-lxcfs-always.json}"; do
		jq --arg tk "$TK" --argjson args "$(tk_hook_args)" \
			'.hook.path = $tk | .hook.args = $args' "$f" >"$_TK_PODMAN/hooks/$(basename "$f")"
	done
	make_rootfs "$_TK_PODMAN/rootfs"
	TK_IMAGE=localhost/lxcfs-tk-busybox:test
	tar -C "$_TK_PODMAN/rootfs" -cf "$_TK_PODMAN/rootfs.tar" . &&
		pm import "$_TK_PODMAN/rootfs.tar" "$TK_IMAGE" >/dev/null
}

# pm ARGS...: podman with the private storage and the test's hooks dir
pm() {
	TMPDIR=$_TK_PODMAN/tmp timeout --kill-after=5 90 podman --root "$_TK_PODMAN/root" \
		--runroot "$_TK_PODMAN/runroot" --storage-driver vfs --cgroup-manager cgroupfs \
		--runtime runc --hooks-dir "$_TK_PODMAN/hooks" --events-backend file "$@"
}

# pm_run NAME ARGS...: podman run -d with the options this machine needs
pm_run() {
	local name=$1
	shift
	pm run -d --name "$name" --network none --cgroup-parent "/$TK_CG_PARENT/podman" \
		--ulimit nofile=20000:20000 --ulimit nproc=20000:20000 "$@"
}

# pm_service: the Docker-compatible API of our podman on a temporary socket (TK_SOCK)
pm_service() {
	TK_SOCK=$_TK_PODMAN/api.sock
	tk_bg env TMPDIR="$_TK_PODMAN/tmp" podman --root "$_TK_PODMAN/root" \
		--runroot "$_TK_PODMAN/runroot" --storage-driver vfs --cgroup-manager cgroupfs \
		--runtime runc --hooks-dir "$_TK_PODMAN/hooks" --events-backend file \
		system service --time=0 "unix://$TK_SOCK"
	wait_for 'api_answers "$TK_SOCK"' 10 "podman system service answers on $TK_SOCK"
}

# api_answers SOCKET: a Docker-compatible API answers /_ping there
api_answers() {
	"$TK_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
sys.exit(0 if s.recv(64).startswith(b"HTTP/1.") else 1)' "$1" 2>/dev/null
}

_tk_remove_podman() {
	[ -n "$_TK_PODMAN" ] && [ -d "$_TK_PODMAN" ] || return 0
	pm rm -af -t 0 >/dev/null 2>&1 || log "podman rm failed"
	# conmon runs `podman container cleanup` after a container exits: wait for every process
	# naming our private storage (only ours can), so none recreates it after the rm below
	local pids
	if ! wait_for '! pgrep -f -- "$_TK_PODMAN/" >/dev/null' 5 ""; then
		pids=$(pgrep -f -- "$_TK_PODMAN/") && kill -KILL $pids 2>/dev/null
		wait_for '! pgrep -f -- "$_TK_PODMAN/" >/dev/null' 5 "" || true
	fi
	# whatever podman left mounted under its private directories (shm, overlays)
	findmnt -rn -o TARGET | grep "^$_TK_PODMAN/" | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$_TK_PODMAN"
	_TK_PODMAN=""
}

# ---------------------------------------------------------------- teardown

_tk_remove_cgroups() {
	local d
	for d in /sys/fs/cgroup/*/"$TK_CG_PARENT" /sys/fs/cgroup/unified/"$TK_CG_PARENT"; do
		remove_cgroup_tree "$d" || log "could not remove cgroup $d"
	done
	return 0
}

tk_teardown() {
	local p
	_tk_remove_runc
	# background processes first: a podman API service would recreate its storage
	for p in "${_TK_PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	_TK_PIDS=()
	_tk_remove_podman
	# a daemon a test stopped must run again before it can be stopped cleanly
	[ -n "${LXCFS_PID:-}" ] && kill -CONT "$LXCFS_PID" 2>/dev/null
	basic_teardown
	_tk_remove_cgroups
	return 0
}

setup() { tk_setup; }
teardown() { tk_teardown; }

# ---------------------------------------------------------------- a misbehaving engine

# tk_fake_engine MODE SOCKET: a unix-socket server in the background (pid TK_BG_PID) that
# answers every request with MODE: junk (not HTTP), badjson (HTTP 200, body not JSON),
# silent (accepts, never answers), list-badpid (a list whose container has a string pid)
tk_fake_engine() {
	tk_bg "$TK_PYTHON" -c '
import os, socket, sys, time
mode, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(16)
bodies = {"badjson": b"{\"Id\": [unterminated"}
while True:
    c, _ = s.accept()
    if mode == "silent":
        time.sleep(3600)
    req = c.recv(65536)
    if mode == "junk":
        c.sendall(b"\x00\x01garbage garbage\r\n\r\n\xff")
    elif mode == "badjson":
        body = bodies["badjson"]
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    elif mode == "list-badpid":
        if req.startswith(b"GET /containers/json "):
            body = b"[{\"Id\": \"abc123\", \"Names\": [\"/x\"], \"State\": \"running\"}]"
        else:
            body = b"{\"Id\": \"abc123\", \"Name\": \"/x\", \"State\": {\"Running\": true, \"Pid\": \"1\"}}"
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    c.close()
' "$1" "$2"
	local sock=$2
	wait_for '[ -S "$sock" ]' 5 "fake engine starts"
}

# start_despite_registry DIR WHY: with DIR as the registry (which cannot take an entry), a
# container started with the hook still starts with its own view (256 MiB), and the hook's
# log says it is not recorded and WHY (the error's text). The hook mounts the files before
# it writes the registry and must not undo them on a registry failure.
start_despite_registry() {
	local ctr hooklog=$BATS_TEST_TMPDIR/hook.log
	TK_REG=$1
	tk_use_daemon
	TK_ARGS+=(--log "$hooklog")
	ctr=$(tk_name)
	make_bundle "$ctr" $((256 * 1024 * 1024)) 0
	runc_start "$ctr"
	assert_equal "$status" 0 || return 1
	run runc_in "$ctr" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "^MemTotal: +$((256 * 1024)) kB$" || return 1
	run grep "container $ctr is not recorded in the registry" "$hooklog"
	assert_success || return 1
	assert_output --partial "$2"
}
