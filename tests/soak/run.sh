#!/usr/bin/env bash
# The soak (make soak): for SOAK_S seconds (default 180; SOAK_S=3600 for an hour), SOAK_WORKERS
# (4) workers each start a container (its own v1 memory cgroup, pid and mount namespace, the
# daemon's files bound over /proc from inside it), read meminfo in 200 short-lived pid
# namespaces of it checking each read's MemTotal against the limit, change the limit, read
# again, and remove it; every SOAK_UPGRADE_S (45) s the daemon is replaced under them
# (lxcfs-toolkit upgrade). Prints the daemon's RSS and fd count, the mounts and the soak's
# cgroups after a warm-up and at the end, and the reads' tally; exits 1 when a read failed or
# saw another value, or when what the daemon holds grew (RSS by more than 8 MiB, fds by more
# than 24) or a mount or cgroup was left.
#   SOAK_S=600 tests/soak/run.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
SOAK_S=${SOAK_S:-180}
WORKERS=${SOAK_WORKERS:-4}
UPGRADE_S=${SOAK_UPGRADE_S:-45}
LXCFS=$PWD/$B/lxcfs TK=$PWD/$B/lxcfs-toolkit PIDNS=$PWD/$B/tools/lxcfs-pidns
for p in "$LXCFS" "$TK" "$PIDNS"; do
	[ -x "$p" ] || { echo "soak: $p is missing (make all tools)" >&2; exit 2; }
done
[ -w /sys/fs/cgroup/memory ] || { echo "soak: needs root and the v1 memory controller" >&2; exit 2; }

tmp=$(mktemp -d /tmp/lxcfs-soak.XXXXXX)
mnt=$tmp/mnt pidfile=$tmp/lxcfs.pid log=$tmp/lxcfs.log tally=$tmp/tally
cg=/sys/fs/cgroup/memory/lxcfs-soak-$$
export LXCFS_RUNTIME_DIR=$tmp/run LXCFS_CONFIG=/dev/null LXCFS_TOOLKIT_CONFIG=/dev/null
tk=("$TK" --mountpoint "$mnt" --pidfile "$pidfile" --registry "$tmp/registry" --engine none)
mkdir -p "$mnt" "$cg"
workers=()

cleanup() {
	local p d
	for p in "${workers[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${workers[@]}"; do wait "$p" 2>/dev/null; done
	# whatever a worker left: its containers (by the cgroups' pids: our own processes)
	for d in "$cg"/*/; do
		[ -d "$d" ] || continue
		while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$d/cgroup.procs"
		for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2>/dev/null && break; sleep 0.2; done
	done
	rmdir "$cg" 2>/dev/null
	p=$(tr -dc 0-9 <"$pidfile" 2>/dev/null)
	[ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do mountpoint -q "$mnt" || break; sleep 0.5; done
	mountpoint -q "$mnt" && umount -l "$mnt"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

daemon_pid() { tr -dc 0-9 <"$pidfile"; }
# snapshot: RSS_KB FDS MOUNTS CGROUPS (the mounts below $tmp, in our mount namespace)
snapshot() {
	local p
	p=$(daemon_pid)
	printf '%s %s %s %s\n' "$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")" \
		"$(ls "/proc/$p/fd" | wc -l)" "$(findmnt -rn -o TARGET | grep -c "^$tmp")" \
		"$(find "$cg" -mindepth 1 -type d | wc -l)"
}

# container CGROUP READY: a container's init (sleep), in CGROUP, the files bound from inside
# its pid namespace (retried: a bind fails with ENOENT when another container's lookup
# replaced the name's dentry just then)
container() {
	echo "$BASHPID" >"$1/cgroup.procs" || exit 125
	exec unshare --pid --fork --kill-child --mount --propagation private bash -c '
		for f in meminfo cpuinfo stat uptime; do
			for i in 1 2 3 4 5 6 7 8 9 10; do
				mount --bind "$0/proc/$f" "/proc/$f" 2>/dev/null && break
			done
		done
		echo ready >"$1"
		exec sleep 100000' "$mnt" "$2"
}

# worker N: containers one after the other until the deadline
worker() {
	local n=$1 gen=0 dir mib ready unshare init
	trap 'kill -KILL "$unshare" 2>/dev/null; exit 0' TERM
	while [ "$SECONDS" -lt "$SOAK_S" ]; do
		gen=$((gen + 1))
		dir=$cg/w$n.$gen ready=$tmp/ready.$n.$gen
		mkdir "$dir"
		mib=$((128 + (n * 131 + gen * 37) % 768))
		echo $((mib << 20)) >"$dir/memory.limit_in_bytes"
		container "$dir" "$ready" </dev/null >/dev/null 2>&1 &
		unshare=$!
		for _ in $(seq 100); do [ -s "$ready" ] && break; sleep 0.05; done
		init=$(awk '{print $1}' "/proc/$unshare/task/$unshare/children" 2>/dev/null)
		if [ -n "$init" ]; then
			nsenter --target "$init" --pid --mount -- "$PIDNS" storm 200 2 /proc/meminfo \
				$((mib << 10)) >>"$tally" 2>&1
			mib=$((mib + 64))
			echo $((mib << 20)) >"$dir/memory.limit_in_bytes"
			nsenter --target "$init" --pid --mount -- "$PIDNS" storm 200 2 /proc/meminfo \
				$((mib << 10)) >>"$tally" 2>&1
		else
			echo "namespaces=0 own=0 other=0 fails=1 (container $n.$gen did not start)" >>"$tally"
		fi
		kill -KILL "$unshare" 2>/dev/null
		wait "$unshare" 2>/dev/null
		for _ in $(seq 50); do rmdir "$dir" 2>/dev/null && break; sleep 0.1; done
		rm -f "$ready"
	done
}

"${tk[@]}" prestart >/dev/null 2>&1 || { echo "soak: prestart failed" >&2; exit 1; }
"$LXCFS" -p "$pidfile" --log "$log" "$mnt" || exit 1
echo "# soak: ${SOAK_S}s, $WORKERS workers, an upgrade every ${UPGRADE_S}s, daemon pid $(daemon_pid)"
SECONDS=0
for ((w = 1; w <= WORKERS; w++)); do
	worker "$w" &
	workers+=($!)
done
sleep 10
read -r rss0 fd0 mnt0 cg0 < <(snapshot)
echo "# after 10 s: RSS ${rss0} kB, fds $fd0, mounts $mnt0, soak cgroups $cg0"
upgrades=0 failed_upgrades=0 next=$UPGRADE_S
while [ "$SECONDS" -lt "$SOAK_S" ]; do
	sleep 1
	if [ "$SECONDS" -ge "$next" ] && [ "$SECONDS" -lt $((SOAK_S - 10)) ]; then
		next=$((SECONDS + UPGRADE_S))
		if "${tk[@]}" upgrade >/dev/null 2>&1; then
			upgrades=$((upgrades + 1))
		else
			failed_upgrades=$((failed_upgrades + 1))
		fi
	fi
done
for p in "${workers[@]}"; do wait "$p"; done
workers=()
sleep 2
read -r rss1 fd1 mnt1 cg1 < <(snapshot)
echo "# at the end: RSS ${rss1} kB, fds $fd1, mounts $mnt1, soak cgroups $cg1"
read -r runs own other fails < <(awk '
	{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] } n++ }
	END { printf "%d %d %d %d\n", n, v["own"], v["other"], v["fails"] }' "$tally")
echo "# $runs storms: own=$own other=$other fails=$fails; $upgrades upgrades ($failed_upgrades failed)"
grep -m 5 'other=[1-9]\|fails=[1-9]' "$tally" | sed 's/^/#   /'
bad=0
check() { # NAME CONDITION
	if eval "$2"; then echo "ok - soak: $1"; else echo "not ok - soak: $1"; bad=1; fi
}
check "every read served its own values ($own)" '[ "$other" -eq 0 ] && [ "$fails" -eq 0 ] && [ "$own" -gt 0 ]'
check "every upgrade served ($upgrades)" '[ "$failed_upgrades" -eq 0 ]'
check "daemon RSS flat ($rss0 -> $rss1 kB)" '[ "$rss1" -le $((rss0 + 8192)) ]'
check "daemon fds flat ($fd0 -> $fd1)" '[ "$fd1" -le $((fd0 + 24)) ]'
check "no mount left ($mnt0 -> $mnt1)" '[ "$mnt1" -le "$mnt0" ]'
check "no cgroup left ($cg1)" '[ "$cg1" -eq 0 ]'
exit $bad
