#!/usr/bin/env bats
# Faults injected from outside the daemon and the toolkit (issue 16), each with the outcome
# documented in lxcfs(1) and SECURITY.md. Covered elsewhere: a cgroup removed while containers
# read (010), a read-only registry, registry garbage (FIFO, directory, sparse 1 GiB entry) and
# an engine socket that answers junk or never answers within --engine-timeout (240; here: one
# that answers, a byte at a time, for longer than the timeout), SIGSTOP
# and SIGKILL of the daemon under the watchdog (420), the daemon at its fd limit (027).

load helpers-toolkit

setup() { tk_setup; }

# full_tmpfs VAR SIZE: a new tmpfs of SIZE in VAR, filled up (its last free block taken)
full_tmpfs() {
	local _ft # (not d: new_mountpoint's own local)
	new_mountpoint _ft || return 1
	mount -t tmpfs -o "size=$2" "$(tk_name fill)" "$_ft" || return 1
	dd if=/dev/zero of="$_ft/filler" bs=4k status=none 2>/dev/null || true
	printf -v "$1" '%s' "$_ft"
}

# fake_cgroot NAME LIMIT CPUS: a cgroup tree (--cgroup-root) in which our cgroup NAME has the
# memory limit LIMIT and the cpuset CPUS as files (garbage in them makes the daemon warn)
fake_cgroot() {
	local c
	FAKE=$BATS_TEST_TMPDIR/cgroot
	for c in "${CG_CONTROLLERS[@]}"; do mkdir -p "$FAKE/$c/$CG_TOP/$1"; done
	echo "$2" >"$FAKE/memory/$CG_TOP/$1/memory.limit_in_bytes"
	echo 1048576 >"$FAKE/memory/$CG_TOP/$1/memory.usage_in_bytes"
	echo 'total_cache 0' >"$FAKE/memory/$CG_TOP/$1/memory.stat"
	echo "$3" >"$FAKE/cpuset/$CG_TOP/$1/cpuset.effective_cpus"
	echo "$3" >"$FAKE/cpuset/$CG_TOP/$1/cpuset.cpus"
}

@test "fault: the FUSE connection aborted through /sys/fs/fuse/connections: readers get ENOTCONN at once, the daemon exits with a log line, check-lxcfs fails, a restart serves again" {
	tk_start_daemon
	local ctl conn
	# fusectl on a mount point of ours (never the host's /sys/fs/fuse/connections)
	new_mountpoint ctl
	mount -t fusectl "$(tk_name ctl)" "$ctl"
	conn=$(mountpoint -d "$LXCFS_MNT" | cut -d: -f2)
	assert [ -e "$ctl/$conn/abort" ]  # our connection, by the mount's device minor
	cat "$LXCFS_MNT/proc/uptime" >/dev/null
	echo 1 >"$ctl/$conn/abort"
	run timeout 5 cat "$LXCFS_MNT/proc/uptime"
	assert_failure 1  # not a hang (124)
	assert_output --partial "Transport endpoint is not connected"
	wait_gone "$LXCFS_PID" 5 || fail "the daemon did not exit after the abort"
	grep -q "the kernel ended the connection" "$LXCFS_LOG" ||
		fail "no log line: $(tail -3 "$LXCFS_LOG")"
	run_tk 1 check-lxcfs
	umount "$ctl"
	# prestart detaches the dead mount; a new daemon serves on the same mount point
	tk_restart_daemon
	run cat "$LXCFS_MNT/proc/uptime"
	assert_success
	run_tk 0 check-lxcfs
}

@test "fault: the log's file system full: every read still served, the daemon healthy, and it logs again once there is room" {
	local full i fails=0
	make_cgroup garbage # (the real one its readers join; the daemon reads the fake tree)
	fake_cgroot garbage 'twelve gigs, please' 0
	full_tmpfs full 256k
	tk_new_mountpoint
	LXCFS_LOG=$full/lxcfs.log
	run_tk 0 prestart
	_tk_daemon --cgroup-root "$FAKE"
	# the garbage limit makes the daemon warn (its host meminfo), into a full file system
	for ((i = 0; i < 40; i++)); do
		in_container garbage cat /proc/meminfo >/dev/null 2>&1 || fails=$((fails + 1))
		[ $((i % 10)) -eq 0 ] || continue
		pid_alive "$LXCFS_PID" || fail "the daemon died at read $i with its log full"
	done
	assert_equal "$fails" 0
	run_tk 0 check-lxcfs
	assert_equal "$(stat -c %s "$LXCFS_LOG")" 0  # nothing could be written
	# room again: the next warning (a garbage cpuset: another reason, not rate-limited away)
	# is written
	rm "$full/filler"
	echo 'not a cpuset' >"$FAKE/cpuset/$CG_TOP/garbage/cpuset.effective_cpus"
	echo 'not a cpuset' >"$FAKE/cpuset/$CG_TOP/garbage/cpuset.cpus"
	run in_container garbage cat /proc/cpuinfo
	assert_success
	wait_for '[ -s "$LXCFS_LOG" ]' 5 "the daemon logs again once its file system has room"
	log "$(cat "$LXCFS_LOG")"
}

@test "fault: a full registry does not fail the container start: a warning, the mounts stay, no partial entry" {
	tk_start_daemon
	local full
	full_tmpfs full 64k
	start_despite_registry "$full" "No space left on device"
	assert_equal "$(ls -A "$full")" "filler"  # no entry, no temporary file left
}

# TRICKLE SOCKET: an engine that answers every request one byte every 0.2 s (an answer of
# 2,000 bytes: 400 s), so that no single read waits long
TRICKLE='
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(16)
body = b"[" + b" " * 2000 + b"]"
answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
while True:
    c, _ = s.accept()
    c.recv(65536)
    try:
        for i in range(len(answer)):
            c.sendall(answer[i:i + 1])
            time.sleep(0.2)
    except OSError:
        pass
    c.close()
'

@test "fault: an engine that answers one byte at a time: remount --all gives up within --engine-timeout, nothing mounted" {
	tk_start_daemon
	local sock=$BATS_TEST_TMPDIR/engine.sock before t0
	tk_bg "$TK_PYTHON" -c "$TRICKLE" "$sock"
	wait_for '[ -S "$sock" ]' 5 "the trickling engine starts"
	before=$(mounts_snapshot self)
	TK_ARGS+=(--engine docker --engine-socket "$sock" --engine-timeout 2)
	t0=$SECONDS
	run_tk 1 remount --all
	log "gave up after $((SECONDS - t0)) s"
	# the whole request is bounded, not each read of it (which never waits 0.3 s)
	assert [ $((SECONDS - t0)) -le 6 ]
	assert_equal "$(mounts_snapshot self)" "$before"
}

@test "fault: containers that die while remount --all runs: it ends (0, or 1 naming only them), the others get their own values back, nothing mounted on the host" {
	tk_start_daemon
	local round k names delay before ctr
	for round in 1 2 3 4; do
		names=()
		for k in 1 2 3 4; do
			ctr=$(tk_name "r$round-$k")
			make_bundle "$ctr" $(((128 + 32 * k) * 1024 * 1024)) 0
			runc_start "$ctr"
			assert_equal "$status" 0
			names+=("$ctr")
		done
		# the daemon crashes and comes back: every container needs its files again
		kill -KILL "$LXCFS_PID"
		wait_gone "$LXCFS_PID"
		tk_restart_daemon
		before=$(mounts_snapshot self)
		# containers 1 and 3 die while remount runs (it takes some 10 ms for 4), a little
		# later each round
		delay=$(awk -v r="$round" 'BEGIN {printf "%.3f", (r - 1) * 0.005}')
		(
			sleep "$delay"
			runc --root "$TK_RUNC_ROOT" kill "${names[0]}" KILL
			runc --root "$TK_RUNC_ROOT" kill "${names[2]}" KILL
		) >/dev/null 2>&1 &
		_BG_PIDS+=($!)
		run_tk '?' remount --all
		wait "$!" 2>/dev/null
		log "round $round (kill after ${delay}s): rc $status"
		assert [ "$status" -le 1 ]  # 0, or 1 naming the dead ones: never a crash
		# a survivor is never among the failed ("failed: ID (NAME): reason")
		refute_output --partial "(${names[1]}):"
		refute_output --partial "(${names[3]}):"
		assert_equal "$(mounts_snapshot self)" "$before"
		for k in 1 3; do
			run runc_in "${names[$k]}" grep ^MemTotal: /proc/meminfo
			assert_output --regexp "^MemTotal: +$(((128 + 32 * (k + 1)) * 1024)) kB$"
		done
		for ctr in "${names[@]}"; do
			runc --root "$TK_RUNC_ROOT" kill "$ctr" KILL >/dev/null 2>&1 || true
			timeout 30 runc --root "$TK_RUNC_ROOT" delete --force "$ctr" >/dev/null 2>&1 || true
		done
	done
}
