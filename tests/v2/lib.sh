# Guest side (busybox sh): TAP output and helpers for checks.sh. Sourced, not run.
# Needs LXCFS (path of the daemon) and V2 (this directory) set by the caller.
T_N=0 T_FAILED=0
CGR=/sys/fs/cgroup

# t_result RC NAME: print one TAP line
t_result() {
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# check NAME FUNCTION: run FUNCTION (diagnostics go out as "# " lines) and report it
check() {
	_out=$("$2" 2>&1)
	_rc=$?
	[ -n "$_out" ] && echo "$_out" | sed 's/^/# /'
	t_result $_rc "$1"
}

# expect WHAT ACTUAL OP EXPECTED: test ACTUAL OP EXPECTED, saying what failed
expect() {
	if [ "$3" = = ] || [ "$3" = != ]; then
		[ "$2" "$3" "$4" ] && return 0
	else
		[ -n "$2" ] && [ "$2" "$3" "$4" ] 2>/dev/null && return 0
	fi
	echo "FAIL: $1: [$2] $3 [$4]"
	return 1
}

# float_ok EXPR A B: awk comparison of two decimals, e.g. float_ok 'a < 3' "$u" 0
float_ok() { awk -v a="$2" -v b="$3" "BEGIN {exit !($1)}"; }

# cg_make PATH: a cgroup2 directory (relative to /sys/fs/cgroup) with every controller; its
# ancestors delegate them (and so, by the no-internal-process rule, hold no processes)
cg_make() {
	mkdir -p "$CGR/$1" || return 1
	_d=$(dirname "$1")
	_anc=""
	while [ "$_d" != . ] && [ "$_d" != / ]; do _anc="$_d $_anc"; _d=$(dirname "$_d"); done
	for _a in $_anc; do
		for c in $(cat "$CGR/$_a/cgroup.controllers"); do
			grep -qw "$c" "$CGR/$_a/cgroup.subtree_control" ||
				echo "+$c" >"$CGR/$_a/cgroup.subtree_control" || return 1
		done
	done
	return 0
}

# ctr CGROUP CMD...: run CMD as a container in cgroup CGROUP (relative to /sys/fs/cgroup) with
# the files of the daemon mounted at $M; ctr_cfs: the same with the daemon at $MC
ctr() {
	_cg=$1
	shift
	timeout 60 sh "$V2/container.sh" "$CGR/$_cg" "$M" "$@"
}
ctr_cfs() {
	_cg=$1
	shift
	timeout 60 sh "$V2/container.sh" "$CGR/$_cg" "$MC" "$@"
}

# ctr_bg CGROUP CMD...: ctr in the background; sets CPID (the container's init, host pid)
ctr_bg() {
	_cg=$1 _m=$M
	shift
	_ready=/tmp/ready.$$.$T_N
	rm -f "$_ready"
	READY=$_ready sh "$V2/container.sh" "$CGR/$_cg" "$_m" "$@" </dev/null >/dev/null 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	_i=0
	while [ ! -s "$_ready" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -s "$_ready" ] || { echo "container did not start"; return 1; }
	CPID=$(cat "/proc/$!/task/$!/children" | awk '{print $1}')
	[ -n "$CPID" ] && BG_PIDS="$BG_PIDS $CPID"
}

# cexec PID CMD...: CMD in the pid and mount namespaces of container PID
cexec() {
	_p=$1
	shift
	timeout 30 nsenter -t "$_p" -p -m "$@"
}

kill_bg() {
	for _p in $BG_PIDS; do kill -9 "$_p" 2>/dev/null; done
	BG_PIDS=""
	sleep 0.2
}

# mi_kb KEY: kB value of KEY from a meminfo text on stdin
mi_kb() { awk -v k="$1:" '$1 == k {print $2}'; }

# start_lxcfs MNT ARGS...: daemonize lxcfs on MNT with pidfile MNT.pid
start_lxcfs() {
	_m=$1
	shift
	mkdir -p "$_m"
	timeout 30 "$LXCFS" -p "$_m.pid" --log "$_m.log" "$@" "$_m" || {
		echo "lxcfs failed to start on $_m"
		cat "$_m.log" 2>/dev/null
		return 1
	}
	grep -q " $_m fuse.lxcfs " /proc/mounts || { echo "no fuse.lxcfs mount at $_m"; return 1; }
}

stop_lxcfs() {
	_m=$1
	_p=$(cat "$_m.pid" 2>/dev/null)
	[ -n "$_p" ] && [ -d "/proc/$_p" ] || { echo "daemon of $_m (pid $_p) is not running before SIGTERM"; dmesg | tail -5; }
	[ -n "$_p" ] && kill "$_p" 2>/dev/null
	_i=0
	while [ -n "$_p" ] && [ -d "/proc/$_p" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	_r=0
	grep -q " $_m " /proc/mounts && { echo "still mounted: $_m"; _r=1; }
	[ -e "$_m.pid" ] && { echo "pidfile left: $_m.pid"; _r=1; }
	[ -d "/proc/$_p" ] && { echo "daemon $_p still running: $(cat /proc/$_p/status | grep State)"; _r=1; }
	[ $_r -eq 0 ] || { tail -5 "$_m.log"; dmesg | tail -5; } 2>/dev/null
	return $_r
}
