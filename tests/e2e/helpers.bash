# shellcheck shell=bash
# Helpers for the lxcfs end-to-end tests (bats). Loaded by every tests/e2e/[01]*.bats file.
#
# - run_lxcfs RC ARGS...       run build/lxcfs with a timeout, log command and output, check status
# - start_daemon [ARGS...]     mount a daemon on a fresh temporary mount point (LXCFS_MNT, LXCFS_PID)
# - stop_daemon                SIGTERM it, wait, unmount whatever is left
# - make_cgroup NAME           v1 cgroups NAME under lxcfs-test-$BATS_ROOT_PID in every controller
# - cg_set NAME FILE VALUE     write a cgroup file of a cgroup we made
# - in_container CG CMD...     CMD in cgroup CG, in a new pid + mount namespace, with the virtual
#                              files bind-mounted over /proc/* and /sys/devices/system/cpu/online
# - start_container CG CMD...  the same, in the background; CONTAINER_PID is its init (host pid)
# - container_exec PID CMD...  CMD inside a running container's pid + mount namespaces
# - wait_for COND SECONDS MSG  poll a shell condition until it holds, fail with MSG if it does not
# Assertions: bats-assert's and bats-support's only (see below).
#
# Everything a test creates (daemons, mounts, cgroups, processes, loop devices) is recorded and
# removed by basic_teardown, whatever the test's outcome. Everything is also written to a registry
# shared by the whole run, which 999-leaks.bats checks at the end.

bats_load_library bats-support
bats_load_library bats-assert
# shellcheck source=../cgroup-cleanup.bash
source "$(dirname "${BASH_SOURCE[0]}")/../cgroup-cleanup.bash"

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
LXCFS=${LXCFS:-$REPO/build/lxcfs}
LXCFS_TIMEOUT=${LXCFS_TIMEOUT:-20}
# the host's /etc/lxcfs/lxcfs.conf (an installed lxcfs) must not change what the tests run
export LXCFS_CONFIG=${LXCFS_CONFIG:-/dev/null}
CGROOT=${CGROOT:-/sys/fs/cgroup}
CG_CONTROLLERS=(memory cpuset cpu cpuacct blkio pids)
CG_TOP=lxcfs-test-${BATS_ROOT_PID:-$$}
REGISTRY=${BATS_RUN_TMPDIR:-/tmp}/lxcfs-e2e-registry
MNT_PREFIX=/tmp/lxcfs-e2e.
PROC_FILES=(cpuinfo diskstats loadavg meminfo partitions stat swaps uptime)

# per-test state (setup, test and teardown share one shell)
_DAEMON_PIDS=() _MOUNTS=() _CGROUPS=() _BG_PIDS=() _LOOPS=()

# ---------------------------------------------------------------- logging and assertions

# log LINE...: goes to the test's output, shown by bats when the test fails
log() { printf '# %s\n' "$*"; }

# Assertions are bats-assert's and bats-support's, and no other: assert_success, assert_failure,
# assert_output, assert_line, assert_equal, assert_not_equal, `assert [ CONDITION ]`,
# `refute [ CONDITION ]`, fail MESSAGE. What an assertion shows goes in a comment on its line.

# wait_for CONDITION SECONDS MESSAGE [INTERVAL]: evaluate the shell condition CONDITION (a
# string, expanded when it is evaluated) every INTERVAL seconds (default 0.1) until it holds;
# when it still does not after SECONDS, fail saying MESSAGE (nothing said when MESSAGE is "").
wait_for() {
	# the condition sees the caller's variables: ours are named so as not to hide them
	local _wf_cond=$1 _wf_secs=$2 _wf_msg=$3 _wf_every=${4:-0.1} _wf_end
	# (microseconds: awk for the decimal seconds only, a sum this large overflows mawk's %d)
	_wf_end=$((${EPOCHREALTIME/./} + $(awk -v s="$_wf_secs" 'BEGIN {printf "%d", s * 1e6}')))
	while :; do
		eval "$_wf_cond" && return 0
		[ "${EPOCHREALTIME/./}" -lt "$_wf_end" ] || break
		sleep "$_wf_every"
	done
	[ -z "$_wf_msg" ] || fail "$_wf_msg (not within ${_wf_secs}s: $_wf_cond)"
	return 1
}

# register KIND VALUE: remember a resource for the run-wide leak check
register() { echo "$1 $2" >>"$REGISTRY"; }

# ---------------------------------------------------------------- the daemon

# run_lxcfs EXPECTED_RC ARGS...: run the daemon binary with a timeout; sets $status, $output.
# EXPECTED_RC '?' accepts any status. Output goes through a file, not a pipe, so a daemonized
# child that kept our stdout open cannot hang the test.
run_lxcfs() {
	local expected=$1
	shift
	local out=$BATS_TEST_TMPDIR/run_lxcfs.out
	log "\$ lxcfs $*"
	status=0
	# fd 3 is bats' own: a daemon that inherited it would hang bats at the end of the run
	timeout --kill-after=5 "$LXCFS_TIMEOUT" "$LXCFS" "$@" </dev/null >"$out" 2>&1 3>&- || status=$?
	output=$(cat "$out")
	# shellcheck disable=SC2034
	mapfile -t lines <<<"$output"
	[ -n "$output" ] && printf '%s\n' "$output" | sed 's/^/#   /'
	log "[rc=$status]"
	if [ "$status" -eq 124 ]; then
		fail "lxcfs $* timed out after ${LXCFS_TIMEOUT}s"
		return 1
	fi
	if [ "$expected" != '?' ] && [ "$status" -ne "$expected" ]; then
		fail "exit code is $status; expected $expected"
		return 1
	fi
}

# new_mountpoint VAR: a fresh empty directory in VAR, recorded for cleanup (not in a subshell)
new_mountpoint() {
	local d
	d=$(mktemp -d "${MNT_PREFIX}XXXXXX") || return 1
	_MOUNTS+=("$d")
	register mount "$d"
	printf -v "$1" '%s' "$d"
}

# is_lxcfs_mount DIR: DIR is a fuse.lxcfs mount in our mount namespace
is_lxcfs_mount() { findmnt -n -t fuse.lxcfs --mountpoint "$1" >/dev/null 2>&1; }

# track_daemon PID: remember a daemon pid for teardown and the leak check
track_daemon() {
	_DAEMON_PIDS+=("$1")
	register daemon "$1"
}

# start_daemon [ARGS...]: daemonize build/lxcfs on a new mount point with a pidfile and a log.
# Sets LXCFS_MNT, LXCFS_PID, LXCFS_PIDFILE, LXCFS_LOG.
start_daemon() {
	new_mountpoint LXCFS_MNT || return 1
	LXCFS_PIDFILE=$(mktemp -u "$BATS_TEST_TMPDIR/lxcfs.XXXXXX.pid")
	LXCFS_LOG=$BATS_TEST_TMPDIR/lxcfs.log
	run_lxcfs 0 -p "$LXCFS_PIDFILE" --log "$LXCFS_LOG" "$@" "$LXCFS_MNT" || return 1
	assert [ -s "$LXCFS_PIDFILE" ] || return 1  # pidfile $LXCFS_PIDFILE written
	LXCFS_PID=$(tr -dc 0-9 <"$LXCFS_PIDFILE")
	track_daemon "$LXCFS_PID"
	assert [ -d "/proc/$LXCFS_PID" ] || return 1  # daemon pid $LXCFS_PID from the pidfile is alive
	is_lxcfs_mount "$LXCFS_MNT" || {
		fail "no fuse.lxcfs mount at $LXCFS_MNT after the parent exited 0"
		return 1
	}
}

# pid_alive PID: a live, non-zombie process
pid_alive() {
	local st
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# wait_gone PID [SECONDS]: wait for a process to exit
wait_gone() { wait_for "! pid_alive $1" "${2:-10}" ""; }

# unmount_quiet DIR: detach whatever is mounted at DIR (possibly a dead FUSE mount)
unmount_quiet() {
	local i
	for i in 1 2 3; do
		mountpoint -q "$1" 2>/dev/null || findmnt -n --mountpoint "$1" >/dev/null 2>&1 || return 0
		fusermount3 -u -z "$1" 2>/dev/null || umount -l "$1" 2>/dev/null || true
	done
}

# stop_daemon [PID [MNT]]: SIGTERM (default: LXCFS_PID), wait for it, unmount leftovers
stop_daemon() {
	local pid=${1:-${LXCFS_PID:-}} mnt=${2:-${LXCFS_MNT:-}}
	if [ -n "$pid" ] && pid_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_gone "$pid" 10; then
			log "daemon $pid ignored SIGTERM for 10s; SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			wait_gone "$pid" 5 || true
		fi
	fi
	[ -n "$mnt" ] && unmount_quiet "$mnt"
	return 0
}

# ---------------------------------------------------------------- cgroups (v1)

# cg_dir CONTROLLER NAME: path of one of our cgroups
cg_dir() { echo "$CGROOT/$1/$CG_TOP/$2"; }

# cg_ctrl FILE: the controller a cgroup file belongs to (memory.limit_in_bytes -> memory)
cg_ctrl() {
	case $1 in
	cpuset.*) echo cpuset ;; cpuacct.*) echo cpuacct ;; cpu.*) echo cpu ;;
	memory.*) echo memory ;; blkio.*) echo blkio ;; pids.*) echo pids ;;
	*) echo "cg_ctrl: no controller for $1" >&2; return 1 ;;
	esac
}

# _cg_mkdir CONTROLLER RELPATH: create one directory level under $CGROOT/CONTROLLER
_cg_mkdir() {
	local d=$CGROOT/$1/$2
	[ -d "$d" ] && return 0
	mkdir "$d" || return 1
	if [ "$1" = cpuset ]; then
		# a v1 cpuset starts empty: copy the parent's cpus and mems first
		cat "$(dirname "$d")/cpuset.mems" >"$d/cpuset.mems" &&
			cat "$(dirname "$d")/cpuset.cpus" >"$d/cpuset.cpus" || return 1
	fi
}

# make_cgroup NAME: create NAME (may be nested, e.g. outer/inner) in every controller
make_cgroup() {
	local name=$1 c part rel parts
	IFS=/ read -r -a parts <<<"$name"
	for c in "${CG_CONTROLLERS[@]}"; do
		[ -d "$CGROOT/$c" ] || continue
		_cg_mkdir "$c" "$CG_TOP" || return 1
		rel=$CG_TOP
		for part in "${parts[@]}"; do
			rel=$rel/$part
			_cg_mkdir "$c" "$rel" || return 1
		done
	done
	_CGROUPS+=("$name")
	register cgroup "$name"
}

# cg_set NAME FILE VALUE: write VALUE to FILE of our cgroup NAME (logged)
cg_set() {
	local c
	c=$(cg_ctrl "$2") || return 1
	log "cgroup $c/$CG_TOP/$1: $2 <- $3"
	echo "$3" >"$(cg_dir "$c" "$1")/$2"
}

# cg_get NAME FILE
cg_get() {
	local c
	c=$(cg_ctrl "$2") || return 1
	cat "$(cg_dir "$c" "$1")/$2"
}

# _cg_procs_files NAME: the cgroup.procs files a process joins to enter NAME (and NAME of a
# hybrid host's unified hierarchy when make_unified_cgroup made it)
_cg_procs_files() {
	local c
	for c in "${CG_CONTROLLERS[@]}"; do
		[ -d "$CGROOT/$c" ] && echo "$(cg_dir "$c" "$1")/cgroup.procs"
	done
	[ -d "$(cg_dir unified "$1")" ] && echo "$(cg_dir unified "$1")/cgroup.procs"
	return 0
}

# make_unified_cgroup NAME: also create NAME (made by make_cgroup) in the unified hierarchy of a
# hybrid host (CGROOT/unified: no controllers, but per-cgroup PSI), so in_cgroup/in_container
# join it too; removed with the others
make_unified_cgroup() {
	local rel=$CG_TOP part parts
	[ -f "$CGROOT/unified/cgroup.procs" ] || { echo "no unified hierarchy at $CGROOT/unified" >&2; return 1; }
	IFS=/ read -r -a parts <<<"$1"
	_cg_mkdir unified "$CG_TOP" || return 1
	for part in "${parts[@]}"; do
		rel=$rel/$part
		_cg_mkdir unified "$rel" || return 1
	done
}

# in_cgroup NAME CMD...: CMD in cgroup NAME, in the host's pid namespace (a "host reader")
in_cgroup() {
	local cg=$1
	shift
	CG_PROCS=$(_cg_procs_files "$cg") timeout --kill-after=5 "${CONTAINER_TIMEOUT:-60}" \
		bash -c 'for f in $CG_PROCS; do echo $$ >"$f" || exit 125; done; exec "$@"' in_cgroup "$@"
}

# remove every cgroup this test made: kill what is left in them (our own descendants), then
# rmdir depth-first, then the run's top directory if it is empty
_remove_cgroups() {
	local c name d
	for name in "${_CGROUPS[@]}"; do
		for c in "${CG_CONTROLLERS[@]}" unified; do
			d=$(cg_dir "$c" "$name")
			[ -d "$d" ] || continue
			remove_cgroup_tree "$d" || log "could not remove cgroup $d"
			# parents made by make_cgroup for a nested NAME
			d=$(dirname "$d")
			while [ "$d" != "$CGROOT/$c/$CG_TOP" ] && rmdir "$d" 2>/dev/null; do d=$(dirname "$d"); done
		done
	done
	for c in "${CG_CONTROLLERS[@]}" unified; do rmdir "$CGROOT/$c/$CG_TOP" 2>/dev/null; done
	_CGROUPS=()
	return 0
}

# ---------------------------------------------------------------- containers

# the container's init: join the cgroups, new pid + mount namespace, bind the virtual files
# shellcheck disable=SC2016
_ENTER='
for f in $CG_PROCS; do echo $$ >"$f" || { echo "cannot join $f" >&2; exit 125; }; done
exec unshare --pid --fork --kill-child --mount --mount-proc --propagation private \
	bash -c "$_INNER" container "$@"'
# (a bind of a container's file fails with ENOENT when another container looked the name up
# between the lookup and the attach: the hook clones again, and so does this)
# shellcheck disable=SC2016
_INNER='
bind() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do mount --bind "$1" "$2" 2>/dev/null && return 0; done
	mount --bind "$1" "$2"
}
for f in $PROC_FILES_S; do
	bind "$LXCFS_MNT/proc/$f" "/proc/$f" || { echo "cannot bind /proc/$f" >&2; exit 125; }
done
bind "$LXCFS_MNT/sys/devices/system/cpu/online" /sys/devices/system/cpu/online ||
	{ echo "cannot bind cpu/online" >&2; exit 125; }
[ -n "$READY" ] && echo $$ >"$READY"
exec "$@"'

# _container_env CGROUP [READY]: export what _ENTER and _INNER need (call in a subshell)
_container_env() {
	export LXCFS_MNT CG_PROCS PROC_FILES_S _INNER READY
	CG_PROCS=$(_cg_procs_files "$1")
	PROC_FILES_S=${PROC_FILES[*]}
	READY=${2:-}
}

# in_container CGROUP CMD...: run CMD as a container (see the top of this file), with a timeout
in_container() {
	local cg=$1
	shift
	[ -n "${LXCFS_MNT:-}" ] || { echo "in_container: no daemon started" >&2; return 1; }
	(
		_container_env "$cg"
		exec timeout --kill-after=5 "${CONTAINER_TIMEOUT:-60}" bash -c "$_ENTER" enter "$@"
	)
}

# start_container CGROUP CMD...: in_container in the background; sets CONTAINER_PID (the host pid
# of the container's init, once the virtual files are bound) and CONTAINER_UNSHARE
start_container() {
	local cg=$1 ready
	shift
	ready=$(mktemp -u "$BATS_TEST_TMPDIR/ready.XXXXXX")
	(
		_container_env "$cg" "$ready"
		exec bash -c "$_ENTER" enter "$@" </dev/null >"$ready.out" 2>&1 3>&-
	) &
	CONTAINER_UNSHARE=$!
	_BG_PIDS+=("$CONTAINER_UNSHARE")
	wait_for '[ -s "$ready" ] || ! pid_alive "$CONTAINER_UNSHARE"' 5 "" 0.05
	if [ ! -s "$ready" ]; then
		log "container did not start:"
		sed 's/^/#   /' "$ready.out"
		return 1
	fi
	# the init's pid inside is 1; on the host it is the unshare process's only child
	CONTAINER_PID=$(cat "/proc/$CONTAINER_UNSHARE/task/$CONTAINER_UNSHARE/children" | awk '{print $1}')
	assert [ -n "$CONTAINER_PID" ] || return 1  # container init found
}

# container_exec PID [--cgroup NAME] CMD...: like `docker exec`: CMD in the pid and mount
# namespaces of the container whose init is PID, optionally joining our cgroup NAME first
container_exec() {
	local pid=$1 procs=""
	shift
	if [ "$1" = --cgroup ]; then
		procs=$(_cg_procs_files "$2")
		shift 2
	fi
	CG_PROCS=$procs timeout --kill-after=5 "${CONTAINER_TIMEOUT:-60}" bash -c '
		for f in $CG_PROCS; do echo $$ >"$f" || exit 125; done
		exec nsenter --target "$0" --pid --mount -- "$@"' "$pid" "$@"
}

_kill_bg() {
	local p
	for p in "${_BG_PIDS[@]}"; do
		{
			kill -KILL "$p"
			wait "$p"
		} 2>/dev/null
	done
	_BG_PIDS=()
	return 0
}

# ---------------------------------------------------------------- loop devices

# make_loop [MIB]: a loop device on a temporary file; sets LOOP_DEV (/dev/loopN), LOOP_NAME
# (loopN) and LOOP_MAJMIN (7:N). Not in a subshell.
make_loop() {
	local f
	f=$(mktemp "$BATS_TEST_TMPDIR/loop.XXXXXX")
	truncate -s "${1:-32}M" "$f"
	LOOP_DEV=$(losetup -f --show "$f") || return 1
	_LOOPS+=("$LOOP_DEV")
	register loop "$LOOP_DEV"
	LOOP_NAME=${LOOP_DEV#/dev/}
	LOOP_MAJMIN=$(cat "/sys/block/$LOOP_NAME/dev")
}

_remove_loops() {
	local l
	for l in "${_LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
	_LOOPS=()
	return 0
}

# ---------------------------------------------------------------- parsing

# cpulist_count LIST: number of CPUs in kernel range syntax ("0-3,7,9-10" -> 7)
cpulist_count() {
	local n=0 r a b IFS=,
	for r in $1; do
		[ -z "$r" ] && continue
		a=${r%-*} b=${r#*-}
		n=$((n + b - a + 1))
	done
	echo "$n"
}

# meminfo_kb KEY [FILE|-]: value in kB of KEY in a meminfo text (stdin by default)
meminfo_kb() { awk -v k="$1:" '$1 == k {print $2; f=1} END {exit !f}' "${2:--}"; }

# ---------------------------------------------------------------- setup / teardown

require_root_and_binary() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -x "$LXCFS" ] || {
		fail "$LXCFS is missing: run make"
		return 1
	}
}

basic_setup() {
	require_root_and_binary
	# the daemons' control sockets (and the toolkit's view of them) in this test's directory,
	# never the host's /run/lxcfs
	export LXCFS_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	[ -e "$CGROOT/memory/memory.limit_in_bytes" ] ||
		skip "needs cgroup v1 hierarchies under $CGROOT (tests/v2 covers cgroup2)"
}

basic_teardown() {
	local i p
	_kill_bg
	for p in "${_DAEMON_PIDS[@]}"; do stop_daemon "$p" ""; done
	for i in "${_MOUNTS[@]}"; do
		unmount_quiet "$i"
		rmdir "$i" 2>/dev/null
	done
	_remove_loops
	_remove_cgroups
	_DAEMON_PIDS=() _MOUNTS=()
	return 0
}

setup() { basic_setup; }
teardown() { basic_teardown; }
