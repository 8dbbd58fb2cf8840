#!/usr/bin/env bash
# `make bench`: lxcfs against native procfs, two bare FUSE files (the direct_io floor, and the
# floor of the new way: content pushed into the page cache at open) and upstream lxcfs (Debian's
# package), all read by the same container-like readers (binds made from inside their pid
# namespaces): the hot loop (2 readers in one container), the rotations over 100 containers, a
# limit changed at run time, then 1000 containers, a strace of the daemon over a read loop, and
# the runc hook and `remount --all` timings. The daemons' CPU per read is in every table.
#
# Everything it makes is temporary and removed on exit, whatever happens: daemons (killed by
# pid), FUSE mounts (on mktemp -d mount points, never /var/lib/lxcfs), cgroups (only under
# lxcfs-bench-PID), runc containers (private runc root). Exit status: 0, or 1 when a read
# failed or a step could not run. A missed speed goal is printed (MISS), never an error.
#
# Knobs (environment):
#   BENCH_SECONDS=1       seconds per table cell        BENCH_READERS=2,16  readers at once
#   BENCH_PASSES=4        slices per cell, interleaved with the other targets' slices
#   BENCH_HOT=2           readers of the hot loop, in one container (0: skip)
#   BENCH_PROBES=10       limit changes checked (per target, quiet and busy; 0: skip)
#   BENCH_TABLE=1         0: skip the tables (and the strace, which uses their daemons)
#   BENCH_CONTAINERS=100  containers of the table       BENCH_SCALE=1000    containers (0: skip)
#   BENCH_SCALE_ROUNDS=2  turns per container           BENCH_STRACE_READS=1000 (0: skip)
#   BENCH_RUNC=100        runc containers for the hook and remount (0: skip)
#   BENCH_UPSTREAM=PATH   upstream lxcfs binary (default: /usr/bin/lxcfs from Debian's package
#                         `lxcfs` if installed, else that package unpacked into build/bench/upstream
#                         with apt-get download + dpkg-deb -x: no maintainer scripts, no service;
#                         BENCH_FETCH_UPSTREAM=0 forbids the download)
#   BENCH_TSV=FILE        the figures, tab-separated
#   BENCH_FILES=proc/meminfo,...  (default: all nine lxcfs files)
#   BENCH_SYSINFO_CALLS=20000  sysinfo(2) calls with and without the seccomp agent (0: skip)
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../cgroup-cleanup.bash
source tests/cgroup-cleanup.bash
REPO=$PWD
B=${B:-build}
LXCFS=$REPO/$B/lxcfs
TK=$REPO/$B/lxcfs-toolkit
GEN=$REPO/$B/bench/lxcfs-bench
FLOOR=$REPO/$B/bench/lxcfs-bench-floor
UPSTREAM=${BENCH_UPSTREAM:-}
UPSTREAM_DIR=$REPO/$B/bench/upstream # Debian's lxcfs unpacked (never installed) when absent
SECONDS_PER_CELL=${BENCH_SECONDS:-1}
PASSES=${BENCH_PASSES:-4}
READERS=${BENCH_READERS:-2,16}
HOT=${BENCH_HOT:-2}
PROBES=${BENCH_PROBES:-10}
TABLE=${BENCH_TABLE:-1}
CONTAINERS=${BENCH_CONTAINERS:-100}
SCALE=${BENCH_SCALE:-1000}
SYSINFO_CALLS=${BENCH_SYSINFO_CALLS:-20000}
GOAL_SYSINFO_US=20
SCALE_ROUNDS=${BENCH_SCALE_ROUNDS:-2}
STRACE_READS=${BENCH_STRACE_READS:-1000}
RUNC_N=${BENCH_RUNC:-100}
TSV=${BENCH_TSV:-}
FILES=${BENCH_FILES:-}
CG_PARENT=lxcfs-bench-$$
CGROOT=/sys/fs/cgroup
GOAL_HOOK_MS=20
GOAL_REMOUNT_S=2

failed=0
_PIDS=() _MNTS=() _RUNC=()
TMP=$(mktemp -d /tmp/lxcfs-bench.XXXXXX)
RUNC_ROOT=$TMP/runc

LOG=$TMP/out.log # everything said, for the summary of goals at the end
say() { printf '%s\n' "$*" | tee -a "$LOG"; }
# logged CMD...: run CMD with its output shown and logged; its exit status
logged() {
	"$@" 2>&1 | tee -a "$LOG"
	return "${PIPESTATUS[0]}"
}
# tsv KEY VALUES...: one line of figures to $BENCH_TSV
tsv() { [ -z "$TSV" ] || (IFS=$'\t' && echo "$*") >>"$TSV"; }
fail() {
	say "ERROR: $*"
	failed=1
}
now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }

# ---------------------------------------------------------------- cleanup

# stop_pid PID: SIGTERM, then SIGKILL after 5 s; only pids this script started. A daemon that
# dies of a signal of its own on SIGTERM (a crash while stopping) is said.
stop_pid() {
	local pid=$1 i rc
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	if [ "$rc" -gt 128 ] && [ "$rc" -ne 143 ] && [ "$rc" -ne 137 ]; then
		say "warning: pid $pid ($(sed -n 1p "$TMP/pid-$pid.name" 2>/dev/null || echo '?')) died of signal $((rc - 128)) when stopped"
	fi
	return 0
}

# unmount DIR: whatever we mounted there (FUSE, possibly dead, or prestart's bind mount)
unmount_all() {
	local i
	for ((i = 0; i < 5; i++)); do
		findmnt -n --mountpoint "$1" >/dev/null 2>&1 || return 0
		fusermount3 -u -z "$1" 2>/dev/null || umount -l "$1" 2>/dev/null
	done
	findmnt -n --mountpoint "$1" >/dev/null 2>&1 && say "warning: $1 is still mounted"
}

remove_runc() {
	local n
	for n in "${_RUNC[@]}"; do
		runc --root "$RUNC_ROOT" kill "$n" KILL >/dev/null 2>&1
		timeout 30 runc --root "$RUNC_ROOT" delete --force "$n" >/dev/null 2>&1 ||
			say "warning: could not delete runc container $n"
	done
	_RUNC=()
}

remove_cgroups() {
	local d
	for d in "$CGROOT"/*/"$CG_PARENT" "$CGROOT"/*/"$CG_PARENT"-s; do
		remove_cgroup_tree "$d" || say "warning: could not remove cgroup $d"
	done
}

cleanup() {
	local p m
	trap - EXIT INT TERM
	remove_runc
	for p in "${_PIDS[@]}"; do stop_pid "$p"; done
	for m in "${_MNTS[@]}"; do
		unmount_all "$m"
		rmdir "$m" 2>/dev/null
	done
	remove_cgroups
	# never recurse into a mount that is somehow still there
	if findmnt -rn -o TARGET | grep -q "^$TMP/"; then
		say "warning: mounts left under $TMP; not removing it"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# ---------------------------------------------------------------- daemons

# new_mnt VAR: a fresh temporary mount point (under $TMP)
new_mnt() {
	local d
	d=$(mktemp -d "$TMP/mnt.XXXXXX") || return 1
	_MNTS+=("$d")
	printf -v "$1" '%s' "$d"
}

# start_fs NAME MNT CMD...: CMD in the background (logs in $TMP/NAME.log) until MNT serves
# proc/meminfo; sets FS_PID
start_fs() {
	local name=$1 mnt=$2 i
	shift 2
	"$@" </dev/null >"$TMP/$name.log" 2>&1 &
	FS_PID=$!
	_PIDS+=("$FS_PID")
	echo "$name" >"$TMP/pid-$FS_PID.name"
	for ((i = 0; i < 100; i++)); do
		if findmnt -n --mountpoint "$mnt" >/dev/null 2>&1 &&
			head -c1 "$mnt/proc/meminfo" >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$FS_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "$name did not come up on $mnt:"
	sed 's/^/    /' "$TMP/$name.log"
	return 1
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print 0}'; }

# ---------------------------------------------------------------- preconditions

[ "$(id -u)" -eq 0 ] || {
	say "make bench needs root (cgroups, pid namespaces, FUSE mounts)"
	exit 1
}
for f in "$LXCFS" "$GEN" "$FLOOR"; do
	[ -x "$f" ] || {
		say "missing $f: run make bench (it builds them)"
		exit 1
	}
done
[ -d "$CGROOT/memory" ] && [ -d "$CGROOT/cpuset" ] || {
	say "make bench needs the cgroup v1 memory and cpuset hierarchies under $CGROOT"
	exit 1
}
FILES_ARGS=()
[ -n "$FILES" ] && FILES_ARGS=(--files "$FILES")
TSV_ARGS=()
[ -n "$TSV" ] && TSV_ARGS=(--tsv "$TSV")
CG_ARGS=(--cgroup-parent "$CG_PARENT" --work-dir "$TMP")

# find_upstream: set UPSTREAM (and UPSTREAM_ENV) to a runnable Debian lxcfs, or leave it empty
UPSTREAM_ENV=()
find_upstream() {
	local lib=$UPSTREAM_DIR/usr/lib/x86_64-linux-gnu/lxcfs deb
	[ -n "$UPSTREAM" ] && return 0
	if [ -x /usr/bin/lxcfs ] && dpkg-query -W -f '${Status}' lxcfs 2>/dev/null | grep -q 'ok installed'; then
		UPSTREAM=/usr/bin/lxcfs
		UPSTREAM_VERSION=$(dpkg-query -W -f '${Version}' lxcfs)
		return 0
	fi
	if [ ! -x "$UPSTREAM_DIR/usr/bin/lxcfs" ] && [ "${BENCH_FETCH_UPSTREAM:-1}" != 0 ] &&
		command -v apt-get >/dev/null; then
		mkdir -p "$UPSTREAM_DIR.dl"
		(cd "$UPSTREAM_DIR.dl" && timeout 60 apt-get download -q lxcfs) >"$TMP/apt.log" 2>&1
		deb=$(ls "$UPSTREAM_DIR".dl/lxcfs_*.deb 2>/dev/null | head -1)
		[ -n "$deb" ] && dpkg-deb -x "$deb" "$UPSTREAM_DIR" &&
			dpkg-deb -f "$deb" Version >"$UPSTREAM_DIR/VERSION"
		rm -rf "$UPSTREAM_DIR.dl"
	fi
	if [ -x "$UPSTREAM_DIR/usr/bin/lxcfs" ]; then
		UPSTREAM=$UPSTREAM_DIR/usr/bin/lxcfs
		# it dlopens liblxcfs.so, found through the library path first
		UPSTREAM_ENV=(env "LD_LIBRARY_PATH=$lib")
		UPSTREAM_VERSION="$(cat "$UPSTREAM_DIR/VERSION" 2>/dev/null), unpacked, not installed"
	fi
}

START=$(now_ns)
find_upstream
say "== lxcfs benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs"
say "   ours: $("$LXCFS" --version 2>&1 | head -1) ($LXCFS)"
if [ -n "$UPSTREAM" ] && [ -x "$UPSTREAM" ]; then
	say "   upstream: lxcfs ${UPSTREAM_VERSION:-?} ($UPSTREAM)"
else
	say "   upstream: Debian's lxcfs is neither installed nor downloadable: n/a"
	UPSTREAM=""
fi
say "   floor: $FLOOR (direct_io; floor-pc: --pagecache), libfuse $(pkg-config --modversion fuse3 2>/dev/null || echo '?')"
say "   work dir: $TMP (mount points, snapshot, logs; removed at the end)"
say "   readers: each the init of its own pid and mount namespaces in its own v1 cgroup (memory,"
say "   cpuset, cpu, cpuacct, blkio) under $CGROOT/<ctrl>/$CG_PARENT; one CPU and its own memory"
say "   limit each; it binds the FUSE targets' files from inside its pid namespace and reads the"
say "   binds; one open + read to EOF + close per read"
say "   load before: $(uptime | sed 's/^.*load average/load average/') ($(nproc) CPUs; the machine may be shared)"

# ---------------------------------------------------------------- the table

# start_targets SUFFIX: the floors, upstream and ours on fresh mount points; sets TARGETS (with
# --daemon NAME=PID for each), OURS_PID, OURS_MNT, UP_PID, UP_MNT
start_targets() {
	local sfx=$1 mnt
	TARGETS=()
	if [ -d "$SNAP" ]; then
		new_mnt mnt && start_fs "floor$sfx" "$mnt" "$FLOOR" "$SNAP" "$mnt" &&
			TARGETS+=(--target "floor=$mnt" --daemon "floor=$FS_PID")
		new_mnt mnt && start_fs "floor-pc$sfx" "$mnt" "$FLOOR" --pagecache "$SNAP" "$mnt" &&
			TARGETS+=(--target "floor-pc=$mnt" --daemon "floor-pc=$FS_PID")
	fi
	UP_PID="" UP_MNT=""
	if [ -n "$UPSTREAM" ]; then
		new_mnt UP_MNT &&
			start_fs "upstream$sfx" "$UP_MNT" "${UPSTREAM_ENV[@]}" "$UPSTREAM" -f \
				-p "$TMP/upstream$sfx.pid" "$UP_MNT" &&
			UP_PID=$FS_PID && TARGETS+=(--target "upstream=$UP_MNT" --daemon "upstream=$FS_PID")
	fi
	new_mnt OURS_MNT && start_fs "ours$sfx" "$OURS_MNT" "$LXCFS" -f "$OURS_MNT" || return 1
	OURS_PID=$FS_PID
	TARGETS+=(--target "ours=$OURS_MNT" --daemon "ours=$OURS_PID")
}

# stop_targets SUFFIX: stop the daemons of this run, unmount, say what the floors served
stop_targets() {
	local p m f
	for p in "${_PIDS[@]}"; do stop_pid "$p"; done
	_PIDS=()
	for m in "${_MNTS[@]}"; do unmount_all "$m"; done
	for f in "floor$1" "floor-pc$1"; do
		[ -f "$TMP/$f.log" ] && grep -h 'requests served' "$TMP/$f.log" | sed "s/^/   $f: /" | tee -a "$LOG"
	done
}

SNAP=$TMP/snapshot
new_mnt SNAP_MNT && start_fs snapshot "$SNAP_MNT" "$LXCFS" -f "$SNAP_MNT" || exit 1
"$GEN" snapshot --target "ours=$SNAP_MNT" --out "$SNAP" "${FILES_ARGS[@]}" "${CG_ARGS[@]}" ||
	fail "could not snapshot what a container reads from ours, for the floors"
stop_pid "$FS_PID"
unmount_all "$SNAP_MNT"
say
if [ "$TABLE" != 0 ]; then
	start_targets "" || exit 1
	TARGETS=(--target "native=/" "${TARGETS[@]}")
	say "== table: every file, by the same readers; p50/p99 of open+read+close in us; cpu/rd: the"
	say "   daemon's CPU (utime+stime, all threads) per read in us"
	T0=$(now_ns)
	logged "$GEN" table "${TARGETS[@]}" --hot "$HOT" --probes "$PROBES" --readers "$READERS" \
		--containers "$CONTAINERS" --seconds "$SECONDS_PER_CELL" --passes "$PASSES" \
		"${FILES_ARGS[@]}" "${TSV_ARGS[@]}" "${CG_ARGS[@]}" ||
		fail "table: a read failed, a check failed or a cell did not finish (see above)"
	say "(table in $(ms_since "$T0") ms)"
else
	say "== table: skipped (BENCH_TABLE=0)"
	STRACE_READS=0
fi

# ---------------------------------------------------------------- strace

# strace_loop NAME PID MNT: strace -f -c on the daemon while containers read; per 1000 reads
strace_loop() {
	local name=$1 pid=$2 mnt=$3 spid reads out=$TMP/strace-$1.txt i forks
	strace -f -c -q -o "$out" -p "$pid" 2>"$TMP/strace-$name.err" &
	spid=$!
	# wait until strace has attached (the daemon's threads show it as tracer)
	for ((i = 0; i < 50; i++)); do
		grep -q "^TracerPid:[[:space:]]*$spid\$" "/proc/$pid/status" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.3
	reads=$("$GEN" loop --target "$name=$mnt" --reads "$STRACE_READS" "${FILES_ARGS[@]}" \
		--cgroup-parent "$CG_PARENT-s" --work-dir "$TMP" | awk '/^loop:/ {print $2}')
	kill -INT "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	if [ -z "$reads" ] || [ "$reads" -eq 0 ] || [ ! -s "$out" ]; then
		fail "strace of $name: no reads or no strace output"
		sed 's/^/    /' "$TMP/strace-$name.err" 2>/dev/null
		return
	fi
	say "$name (pid $pid): syscalls of all its threads per 1000 reads ($reads reads of every file):"
	awk -v r="$reads" '
		$NF == "total" || $1 ~ /^-/ || $1 == "%" { next }
		{ n[$NF] = $4 }
		END { for (s in n) printf "%10.1f  %s\n", n[s] * 1000 / r, s }' "$out" |
		sort -rn | head -15 | sed 's/^/    /'
	forks=$(awk '$NF ~ /^(clone|clone3|fork|vfork|execve|execveat)$/ {s += $4} END {print s + 0}' "$out")
	say "    clone/clone3/fork/vfork/execve: $forks calls in $reads reads   [goal 0 per read ($name): $([ "$forks" -eq 0 ] && echo PASS || echo MISS)]"
	tsv strace "$name" "$reads" "$forks"
}

say
if [ "$STRACE_READS" -gt 0 ] && command -v strace >/dev/null; then
	say "== strace -f -c of the daemon over a read loop (10 containers, 2 at once)"
	strace_loop ours "$OURS_PID" "$OURS_MNT"
	[ -n "${UP_MNT:-}" ] && [ -n "${UP_PID:-}" ] && strace_loop upstream "$UP_PID" "$UP_MNT"
else
	say "== strace: skipped (BENCH_STRACE_READS=0 or strace not installed)"
fi

# the table's daemons are done
stop_targets ""

# ---------------------------------------------------------------- 1000 containers

say
if [ "$SCALE" -gt 0 ]; then
	say "== $SCALE containers: fresh daemons, every container reading every file in rotation"
	T0=$(now_ns)
	if start_targets 2; then
		logged "$GEN" scale "${TARGETS[@]}" --containers "$SCALE" \
			--rounds "$SCALE_ROUNDS" "${FILES_ARGS[@]}" "${TSV_ARGS[@]}" "${CG_ARGS[@]}" ||
			fail "scale: a read failed, a check failed or the run did not finish (see above)"
	else
		fail "scale: the daemons did not start"
	fi
	stop_targets 2
	say "(scale run in $(ms_since "$T0") ms, with setup and teardown)"
else
	say "== scale: skipped (BENCH_SCALE=0)"
fi

# ---------------------------------------------------------------- runc: hook and remount

# make_bundle NAME HOOK(yes|no): an OCI bundle under $TMP/bundles (shared busybox rootfs)
make_bundle() {
	local dir=$TMP/bundles/$1
	mkdir -p "$dir"
	sed -e "s|@CG@|/$CG_PARENT/$1|" "$TMP/config-$2.json" >"$dir/config.json"
}

# fmt_ms MICROSECONDS: "12.3"
fmt_ms() { echo "$(($1 / 1000)).$((($1 % 1000) / 100))"; }

# runc_rm NAME: delete one container now
runc_rm() {
	local n keep=()
	runc --root "$RUNC_ROOT" kill "$1" KILL >/dev/null 2>&1
	timeout 30 runc --root "$RUNC_ROOT" delete --force "$1" >/dev/null 2>&1 ||
		say "warning: could not delete runc container $1"
	for n in "${_RUNC[@]}"; do [ "$n" = "$1" ] || keep+=("$n"); done
	_RUNC=("${keep[@]}")
}

# runc_run NAME HOOK: start a container detached; RUNC_US is how long it took (microseconds)
runc_run() {
	local t0 rc
	make_bundle "$1" "$2"
	_RUNC+=("$1")
	t0=$(now_ns)
	timeout 60 runc --root "$RUNC_ROOT" run -d --bundle "$TMP/bundles/$1" "$1" \
		</dev/null >"$TMP/runc-$1.log" 2>&1
	rc=$?
	RUNC_US=$((($(now_ns) - t0) / 1000))
	return $rc
}

say
if [ "$RUNC_N" -le 0 ]; then
	say "== runc: skipped (BENCH_RUNC=0)"
elif [ ! -x "$TK" ]; then
	say "== runc: skipped: $TK does not exist (the toolkit is not built yet)"
elif ! command -v runc >/dev/null || ! command -v jq >/dev/null || [ ! -x /bin/busybox ]; then
	say "== runc: skipped: runc, jq or busybox-static is not installed (make deps)"
else
	say "== runc: the hook's added time per container start, and remount --all of $RUNC_N containers"
	T0=$(now_ns)
	new_mnt TK_MNT
	TK_ARGS=(--mountpoint "$TK_MNT" --pidfile "$TMP/tk.pid" --registry "$TMP/registry"
		--engine none)
	ROOTFS=$TMP/rootfs
	mkdir -p "$ROOTFS"/{bin,proc,sys,dev,etc,tmp,var/lib}
	cp /bin/busybox "$ROOTFS/bin/busybox"
	for app in $(/bin/busybox --list); do
		[ "$app" = busybox ] || ln -sf busybox "$ROOTFS/bin/$app"
	done
	(cd "$TMP" && runc spec && mv config.json spec.json)
	hook_args() { printf '%s\n' lxcfs-toolkit "${TK_ARGS[@]}" hook "$@" | jq -R . | jq -cs .; }
	for h in yes no; do
		jq --arg root "$ROOTFS" --arg tk "$TK" --arg hook "$h" \
			--argjson pre "$(hook_args)" --argjson post "$(hook_args --stage poststop)" '
			.root = {path: $root, readonly: false}
			| .process.terminal = false
			| .process.args = ["sleep", "100000"]
			| .linux.cgroupsPath = "@CG@"
			| .linux.resources.memory = {limit: 268435456}
			| .linux.resources.cpu = {cpus: "0"}
			| (if $hook == "yes" then .hooks = {prestart: [{path: $tk, args: $pre}],
			                                    poststop: [{path: $tk, args: $post}]}
			   else . end)' "$TMP/spec.json" >"$TMP/config-$h.json"
	done
	if timeout 30 "$TK" "${TK_ARGS[@]}" prestart >"$TMP/prestart.log" 2>&1 &&
		start_fs ours-tk "$TK_MNT" "$LXCFS" -f -p "$TMP/tk.pid" "$TK_MNT"; then
		TK_PID=$FS_PID
		# Without-hook starts are interleaved with the hooked ones (and removed at once), so both
		# are measured with the same number of containers running; the added time is the median
		# of the differences between a hooked start and the unhooked start right after it.
		base=() hooked=() diffs=() ok=1
		every=$((RUNC_N / 20))
		[ "$every" -ge 1 ] || every=1
		for i in $(seq 1 "$RUNC_N"); do
			runc_run "hook$i" yes || {
				fail "runc run with the hook failed:"
				sed 's/^/    /' "$TMP/runc-hook$i.log"
				ok=0
				break
			}
			hooked+=("$RUNC_US")
			[ $(((i - 1) % every)) -eq 0 ] && [ ${#base[@]} -lt 20 ] || continue
			n=$((${#base[@]} + 1))
			runc_run "base$n" no || {
				fail "runc run without the hook failed:"
				sed 's/^/    /' "$TMP/runc-base$n.log"
				ok=0
				break
			}
			base+=("$RUNC_US")
			diffs+=($((hooked[i - 1] - RUNC_US)))
			runc_rm "base$n"
		done
		if [ $ok -eq 1 ]; then
			b=$(printf '%s\n' "${base[@]}" | median)
			h=$(printf '%s\n' "${hooked[@]}" | median)
			h1=$(printf '%s\n' "${hooked[@]:0:10}" | median)
			n=$((${#hooked[@]} > 10 ? ${#hooked[@]} - 10 : 0))
			h2=$(printf '%s\n' "${hooked[@]:n}" | median)
			d=$(printf '%s\n' "${diffs[@]}" | median)
			added=$((d / 1000))
			say "runc run -d: median $(fmt_ms "$b") ms without the hook (${#base[@]} starts), $(fmt_ms "$h") ms with it ($RUNC_N starts; first 10: $(fmt_ms "$h1") ms, last 10: $(fmt_ms "$h2") ms)"
			say "  hook's added time per container start: $added ms (median of ${#diffs[@]} paired differences)   [goal < $GOAL_HOOK_MS ms: $([ "$added" -lt "$GOAL_HOOK_MS" ] && echo PASS || echo MISS)]"
			tsv hook "$RUNC_N" "$(fmt_ms "$b")" "$(fmt_ms "$h")" "$added"
			# what remount --all is for: the daemon crashed and was restarted
			kill -KILL "$TK_PID"
			wait "$TK_PID" 2>/dev/null
			if timeout 30 "$TK" "${TK_ARGS[@]}" prestart >>"$TMP/prestart.log" 2>&1 &&
				start_fs ours-tk2 "$TK_MNT" "$LXCFS" -f -p "$TMP/tk.pid" "$TK_MNT"; then
				t0=$(now_ns)
				timeout 120 "$TK" "${TK_ARGS[@]}" remount --all >"$TMP/remount.log" 2>&1
				rc=$?
				ms=$(ms_since "$t0")
				last=$(tail -1 "$TMP/remount.log" | cut -c1-160)
				if [ $rc -eq 0 ]; then
					verdict=$([ "$ms" -lt "${GOAL_REMOUNT_S}000" ] && echo PASS || echo MISS)
				else
					verdict="FAILED (exit $rc)"
					fail "remount --all exited $rc; its output begins:"
					head -c 600 "$TMP/remount.log" | sed 's/^/    /'
					echo
				fi
				say "remount --all after a daemon crash and restart: $ms ms ($last)   [goal < ${GOAL_REMOUNT_S}000 ms: $verdict]"
				tsv remount "$RUNC_N" "$ms" "$rc"
				mt=$(timeout 10 runc --root "$RUNC_ROOT" exec "hook$RUNC_N" grep ^MemTotal: /proc/meminfo 2>&1)
				[ $rc -ne 0 ] || [ "$mt" = "MemTotal:         262144 kB" ] ||
					fail "after remount, container hook$RUNC_N reads \"$mt\" (expected its 256 MiB)"
			else
				fail "could not restart the daemon for remount --all"
			fi
		fi
		remove_runc
	else
		fail "prestart or the daemon for runc failed:"
		sed 's/^/    /' "$TMP/prestart.log" "$TMP/ours-tk.log" 2>/dev/null
	fi
	say "(runc part in $(ms_since "$T0") ms)"
fi

# ---------------------------------------------------------------- sysinfo(2) through seccomp

say
SYSINFO_LAT=$REPO/$B/tools/sysinfo-lat
if [ "$SYSINFO_CALLS" -gt 0 ] && [ -x "$SYSINFO_LAT" ]; then
	say "== sysinfo(2) answered by the seccomp agent (--seccomp-listener) vs the kernel's, $SYSINFO_CALLS calls each"
	if new_mnt SC_MNT && start_fs ours-sc "$SC_MNT" "$LXCFS" -f --runtime-dir "$TMP" \
		--seccomp-listener "$TMP/sc.sock" "$SC_MNT"; then
		# a container: its own pid namespace, in cgroups of its own with a 1 GiB memory limit
		# (totalram shows it); then a process of the host (no container: its own cgroups'
		# values, found at each call)
		si_dirs=()
		for c in memory pids cpu cpuacct unified; do
			d=$CGROOT/$c/$CG_PARENT/sysinfo
			[ -d "$CGROOT/$c" ] && mkdir -p "$d" && si_dirs+=("$d")
		done
		[ -d "$CGROOT/memory" ] || { d=$CGROOT/$CG_PARENT-si && mkdir -p "$d" && si_dirs+=("$d"); }
		for d in "${si_dirs[@]}"; do
			[ -f "$d/memory.limit_in_bytes" ] && echo 1G >"$d/memory.limit_in_bytes"
			[ -f "$d/memory.max" ] && echo 1G >"$d/memory.max"
		done
		for who in container host; do
			if [ $who = container ]; then
				out=$(bash -c 'for d in "${@:3}"; do echo $$ >"$d/cgroup.procs" || exit 1; done; exec unshare -pf "$1" "$2" "$0"' \
					"$SYSINFO_CALLS" "$SYSINFO_LAT" "$TMP/sc.sock" "${si_dirs[@]}" 2>&1)
			else
				out=$("$SYSINFO_LAT" "$TMP/sc.sock" "$SYSINFO_CALLS" 2>&1)
			fi
			if [ $? -eq 0 ]; then
				added=$(sed -n 's/.*added p50 \([0-9]*\).*/\1/p' <<<"$out")
				if [ $who = container ]; then
					say "  container: $out   [goal added p50 < $GOAL_SYSINFO_US us: $([ "${added:-999999}" -lt "$GOAL_SYSINFO_US" ] && echo PASS || echo MISS)]"
				else
					say "  host process: $out"
				fi
				tsv "sysinfo-$who" "$SYSINFO_CALLS" "$out"
			else
				fail "sysinfo-lat ($who): $out"
			fi
		done
		for ((i = ${#si_dirs[@]} - 1; i >= 0; i--)); do
			for _ in 1 2 3 4 5; do rmdir "${si_dirs[i]}" 2>/dev/null && break; sleep 0.1; done
			[ -e "${si_dirs[i]}" ] && say "warning: could not remove ${si_dirs[i]}"
		done
		stop_pid "$FS_PID"
		unmount_all "$SC_MNT"
	fi
else
	say "== sysinfo: skipped (BENCH_SYSINFO_CALLS=0 or no $SYSINFO_LAT: make tools)"
fi

say
say "   load after: $(uptime | sed 's/^.*load average/load average/')"
say "== goals"
grep -E '\[goal|^  new-way floor' "$LOG" | sed -e 's/^ *//' -e 's/^/   /'
say "== make bench: $(ms_since "$START") ms in all; $([ $failed -eq 0 ] && echo 'no errors' || echo 'ERRORS (see above)')"
exit $failed
