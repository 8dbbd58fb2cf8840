#!/usr/bin/env bats
# lxcfs-toolkit watchdog on real runc containers, the paths besides the takeover (that one is
# 425-takeover.bats): crash recovery under load on a kernel without FUSE_NOTIFY_RESEND (kill -9
# of the daemon: no failed read later than 2 s after it, the containers' own values within 5 s, no
# command typed, nothing leaked, repeated), a hung daemon (SIGSTOP), SIGTERM, and backoff for a
# daemon that keeps dying. What a container may see in between is the documented degradation
# (lxcfs-toolkit(1), watchdog): failed reads until umount --all, then the host's values; a
# test never requires that window to be seen, as a recovery can be faster than a reader samples.

load helpers-deploy

REPS=${WATCHDOG_REPS:-20}
MEM_A=$((256 * 1024 * 1024))
MEM_B=$((384 * 1024 * 1024))

# two containers with the hook, two readers each
start_loaded_containers() {
	make_bundle wd-a "$MEM_A" && runc_start wd-a && [ "$status" -eq 0 ] || return 1
	make_bundle wd-b "$MEM_B" && runc_start wd-b && [ "$status" -eq 0 ] || return 1
	reader_start wd-a 1 && reader_start wd-a 2 && reader_start wd-b 1 && reader_start wd-b 2
}

# want NAME: the MemTotal (kB) container NAME must see
want() { case $1 in wd-a) echo $((MEM_A / 1024)) ;; wd-b) echo $((MEM_B / 1024)) ;; esac; }

# all_readers_own: every reader's last line is its container's own MemTotal
all_readers_own() {
	local c n
	for c in wd-a wd-b; do
		for n in 1 2; do
			[ "$(reader_last "$c" "$n")" = "$(want "$c")" ] || return 1
		done
	done
}

# analyse T0: the lines of every reader after T0 (µs): ERR after T0 + 2 s is a failure; the
# last switch to the own value must be within 5 s. Prints per reader "WHO LAST_ERR FIRST_HOST
# OWN_AGAIN HOST_READS" (ms after T0)
analyse() {
	local t0=$1 host c n
	host=$(host_memtotal)
	for c in wd-a wd-b; do
		for n in 1 2; do
			awk -v t0="$t0" -v own="$(want "$c")" -v host="$host" -v who="$c/$n" '
				$1 <= t0 {next}
				{ d = ($1 - t0) / 1000 }
				$2 == "ERR" { lasterr = d; ownrun = 0; if (d > 2000) bad = bad " ERR@" int(d) "ms" }
				$2 == host { nhost++; if (!firsthost) firsthost = d; ownrun = 0 }
				$2 != host && $2 != own && $2 != "ERR" { bad = bad " value " $2 "@" int(d) "ms"; ownrun = 0 }
				$2 == own && !ownrun { ownrun = d }
				END {
					# the host-view window may be missed altogether (it samples every ~10 ms,
					# a recovery can take less): only counted, never required
					if (!ownrun) bad = bad " never back to its own value"
					else if (ownrun > 5000) bad = bad " own value only after " int(ownrun) "ms"
					printf "%s %d %d %d %d%s\n", who, lasterr, firsthost, ownrun, nhost, bad ? " FAIL:" bad : ""
				}' "$(reader_log "$c" "$n")"
		done
	done
}

# memtotal_in NAME: MemTotal (kB) in runc container NAME
memtotal_in() { runc_in "$1" awk '/^MemTotal/ {print $2}' /proc/meminfo; }

# watched_container NAME MIB [WATCHDOG_ARGS...]: wd_start, then runc container NAME limited to
# MIB MiB, seeing it as its MemTotal; OLD is the daemon's pid
watched_container() {
	local name=$1 mib=$2
	shift 2
	wd_start "$@" || return 1
	make_bundle "$name" $((mib * 1024 * 1024)) && runc_start "$name" && [ "$status" -eq 0 ] || return 1
	OLD=$(daemon_pid)
	assert_equal "$(memtotal_in "$name")" $((mib * 1024))  # own view
}

# wait_recovered OLD NAME KB: within 15 s a daemon other than pid OLD runs and container NAME
# sees KB as its MemTotal again
wait_recovered() {
	local old=$1 name=$2 kb=$3
	wait_for '[ "$(daemon_pid)" != "$old" ] && [ "$(memtotal_in "$name")" = "$kb" ]' 15 "" || true
	sed 's/^/#   log: /' "$WD_LOG" | tail -5
	assert_not_equal "$(daemon_pid)" "$old"  # a new daemon
	assert_equal "$(memtotal_in "$name")" "$kb"  # own view again
}

@test "watchdog, kernel without FUSE_NOTIFY_RESEND: kill -9 of the daemon under load (4 readers, 2 containers): no failed read after 2 s, own view within 5 s, $REPS times, nothing leaks" {
	# the fallback of kernels before 6.9 (the daemon is told its kernel cannot resend): the
	# takeover of this kernel is 425-takeover.bats
	export LXCFS_FAULT=no-resend
	wd_start --interval 1 --flap-uptime 2
	start_loaded_containers
	local i t0 res worst_gap=0 worst_rec=0 pa pb fd0 fd rss0 rss out line hostreads
	wait_for all_readers_own 10 "readers see their own values"
	pa=$(runc_pid wd-a) pb=$(runc_pid wd-b)
	local mnt_host mnt_a mnt_b
	mnt_host=$(findmnt -rn --mountpoint "$LXCFS_MNT" | wc -l)
	mnt_a=$(lxcfs_mounts_in "$pa") mnt_b=$(lxcfs_mounts_in "$pb")
	log "before: $mnt_host mounts at the mount point, $mnt_a/$mnt_b lxcfs mounts in the containers"
	for ((i = 1; i <= REPS; i++)); do
		LXCFS_PID=$(daemon_pid)
		t0=$(now_us)
		kill -KILL "$LXCFS_PID"
		# wait for the recovery (own values everywhere) and 0.5 s of steady reads
		wait_for '[ "$(daemon_pid)" != "$LXCFS_PID" ] && all_readers_own' 8 "" || true
		sleep 0.5
		out=$(analyse "$t0")
		res=$(awk 'BEGIN {g = h = r = 0} {if ($2 > g) g = $2; if ($3 > h) h = $3; if ($4 > r) r = $4}
			END {print g, r, h}' <<<"$out")
		hostreads=$(awk '{n += $5} END {print n + 0}' <<<"$out")
		report "rep $i: daemon $LXCFS_PID killed; last read error after $(cut -d' ' -f1 <<<"$res") ms," \
			"$hostreads reads of the host values (the last reader's first by $(cut -d' ' -f3 <<<"$res") ms)," \
			"own values back after $(cut -d' ' -f2 <<<"$res") ms"
		res=${res% *}
		if grep -q FAIL <<<"$out"; then
			printf '%s\n' "$out" | sed 's/^/#   /'
			sed 's/^/#   log: /' "$WD_LOG" | tail -20
			false
		fi
		[ "${res% *}" -gt "$worst_gap" ] && worst_gap=${res% *}
		[ "${res#* }" -gt "$worst_rec" ] && worst_rec=${res#* }
		# no mount leaked, in the host or the containers
		assert [ "$(findmnt -rn --mountpoint "$LXCFS_MNT" | wc -l)" -eq "$mnt_host" ]  # rep $i: mounts at the mount point
		assert [ "$(lxcfs_mounts_in "$pa")" -eq "$mnt_a" ]  # rep $i: lxcfs mounts in container a
		assert [ "$(lxcfs_mounts_in "$pb")" -eq "$mnt_b" ]  # rep $i: lxcfs mounts in container b
		# no zombie among the watchdog's children
		assert [ -z "$(ps -o stat= --ppid "$WD_PID" | grep Z)" ]  # rep $i: no zombie child of the watchdog
		fd=$(ls "/proc/$WD_PID/fd" | wc -l)
		rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$WD_PID/status")
		[ "$i" -eq 2 ] && fd0=$fd rss0=$rss
		# a daemon that lived less than --flap-uptime is restarted with a delay: let it age
		sleep 1.6
	done
	report "watchdog fds: $fd0 after rep 2, $fd after rep $REPS; VmRSS: $rss0 kB -> $rss kB"
	report "worst over $REPS kills: last error $worst_gap ms after the kill, own values after $worst_rec ms"
	assert [ "$fd" -eq "$fd0" ]  # the watchdog's fd count does not grow
	assert [ "$rss" -le $((rss0 + 256)) ]  # the watchdog's memory does not grow (VmRSS $rss0 -> $rss kB)
	assert [ "$(grep -c 'containers back to their own view' "$WD_LOG")" -eq "$REPS" ]  # one recovery line per kill
	# every transition is logged with its duration
	grep -E 'daemon failed after [0-9]+ ms .*umount --all took [0-9]+ ms' "$WD_LOG" | head -1 | sed 's/^/#   /'
	grep -E 'recovered: remount --all took [0-9]+ ms; .* [0-9]+ ms after the failure' "$WD_LOG" | head -1 | sed 's/^/#   /'
	assert [ "$(grep -cE 'daemon failed after [0-9]+ ms .* umount --all took [0-9]+ ms' "$WD_LOG")" -eq "$REPS" ]  # a failure line per kill
}

@test "watchdog: a hung daemon (SIGSTOP): check-lxcfs times out within its bound and the watchdog recovers" {
	wd_start --interval 1
	make_bundle wd-h $((200 * 1024 * 1024)) && runc_start wd-h && [ "$status" -eq 0 ]
	reader_start wd-h 1
	local i t0 t1 stopped
	wait_for '[ "$(reader_last wd-h 1)" = $((200 * 1024)) ]' 5 ""
	assert_equal "$(reader_last wd-h 1)" $((200 * 1024))  # the reader sees its own MemTotal before the hang
	stopped=$(daemon_pid)
	kill -STOP "$stopped"
	t0=$(date +%s%N)
	run_tk 1 check-lxcfs
	t1=$(date +%s%N)
	report "check-lxcfs on the hung daemon took $(((t1 - t0) / 1000000)) ms"
	[[ "$output" == *"read timed out after 2s"* ]] || fail "check-lxcfs does not say the read timed out"
	assert [ $(((t1 - t0) / 1000000)) -lt 4000 ]  # check-lxcfs returned within its 2 s bound (+ margin)
	# the watchdog: detects it (interval + 2 s), kills it, restarts, remounts
	wait_for '[ "$(daemon_pid)" != "$stopped" ] && [ "$(reader_last wd-h 1)" = $((200 * 1024)) ]' 15 ""
	t0=$(date +%s%N)
	report "the watchdog recovered $(((t0 - t1) / 1000000)) ms after the check returned"
	sed 's/^/#   log: /' "$WD_LOG" | tail -6
	assert_not_equal "$(daemon_pid)" "$stopped"  # a new daemon runs
	wait_gone "$stopped" 5 || { log "the hung daemon $stopped is still there"; false; }
	assert_equal "$(reader_last wd-h 1)" $((200 * 1024))  # the container sees its own MemTotal again
	run_tk 0 check-lxcfs
	grep -q 'read timed out after 2s' "$WD_LOG"
}

@test "watchdog: SIGTERM stops the daemon, puts containers on the host view, unmounts, exits 0" {
	tk_new_mountpoint
	local wlog=$BATS_TEST_TMPDIR/wd-fg.log i rc=0 dpid
	# in the foreground, as our child, so its exit code is ours to see
	"$TK" "${TK_ARGS[@]}" --log "$wlog" watchdog --exec "$LXCFS -f -p $LXCFS_PIDFILE $LXCFS_MNT" \
		</dev/null >/dev/null 2>&1 3>&- &
	WD_PID=$!
	_WD_PIDS+=("$WD_PID")
	wait_for 'grep -q "running: remount" "$wlog" 2>/dev/null' 10 ""
	dpid=$(daemon_pid)
	assert [ -n "$dpid" ]  # the watchdog started a daemon
	make_bundle wd-t $((160 * 1024 * 1024)) && runc_start wd-t && [ "$status" -eq 0 ]
	assert_equal "$(runc_in wd-t awk '/^MemTotal/ {print $2}' /proc/meminfo)" $((160 * 1024))  # own view while running
	kill -TERM "$WD_PID"
	wait "$WD_PID" || rc=$?
	sed 's/^/#   log: /' "$wlog" | tail -5
	assert [ "$rc" -eq 0 ]  # the watchdog exits 0 on SIGTERM
	wait_gone "$dpid" 2 || { log "daemon $dpid still runs"; false; }
	assert_equal "$(runc_in wd-t awk '/^MemTotal/ {print $2}' /proc/meminfo)" "$(host_memtotal)"  # the container reads the host's meminfo (not an error)
	assert [ "$(lxcfs_file_mounts_in "$(runc_pid wd-t)")" -eq 0 ]  # no lxcfs mount left on the container's /proc and /sys files
	assert [ -z "$(findmnt -rn --mountpoint "$LXCFS_MNT")" ]  # nothing mounted at the mount point
}

@test "watchdog: a daemon that keeps dying is restarted with growing delays, not in a tight loop" {
	tk_new_mountpoint
	local wlog=$BATS_TEST_TMPDIR/wd-flap.log n delays
	"$TK" "${TK_ARGS[@]}" --log "$wlog" watchdog --start-timeout 2 --backoff-max 4 \
		--exec "$LXCFS --no-such-option" </dev/null >/dev/null 2>&1 3>&- &
	WD_PID=$!
	_WD_PIDS+=("$WD_PID")
	sleep 8
	kill -TERM "$WD_PID"
	wait "$WD_PID" || true
	n=$(grep -c 'started daemon' "$wlog")
	delays=$(grep -o 'next try in [0-9]* ms' "$wlog" | awk '{print $4}' | tr '\n' ' ')
	report "$n starts in 8 s; delays: $delays"
	assert [ "$n" -ge 3 ]  # it keeps trying
	assert [ "$n" -le 5 ]  # but not in a tight loop
	[[ "$delays" == "1000 2000 4000"* ]] || fail "delays are not 1, 2, 4 s"
	grep -q 'exited with status 2' "$wlog"
}

@test "watchdog without --exec watches a daemon run by someone else: host view when it dies, own view when it is back" {
	tk_start_daemon
	make_bundle wd-w $((176 * 1024 * 1024)) && runc_start wd-w && [ "$status" -eq 0 ]
	local wlog=$BATS_TEST_TMPDIR/wd-watch.log i
	"$TK" "${TK_ARGS[@]}" --log "$wlog" watchdog --interval 0.5 </dev/null >/dev/null 2>&1 3>&- &
	WD_PID=$!
	_WD_PIDS+=("$WD_PID")
	wait_for 'grep -q "watching a healthy daemon" "$wlog" 2>/dev/null' 5 ""
	own_mem() { runc_in wd-w awk '/^MemTotal/ {print $2}' /proc/meminfo; }
	assert_equal "$(own_mem)" $((176 * 1024))  # own view
	t0=$(date +%s%N)
	kill -KILL "$LXCFS_PID"
	wait_for '[ "$(own_mem)" = "$(host_memtotal)" ]' 3 ""
	report "host view $((($(date +%s%N) - t0) / 1000000)) ms after the kill (interval 0.5 s)"
	assert_equal "$(own_mem)" "$(host_memtotal)"  # the container reads the host's values while the daemon is down
	# "systemd" restarts the daemon; the watchdog remounts
	tk_restart_daemon
	wait_for '[ "$(own_mem)" = $((176 * 1024)) ]' 5 ""
	assert_equal "$(own_mem)" $((176 * 1024))  # own view again once the daemon is back
	pid_alive "$LXCFS_PID"
	sed 's/^/#   log: /' "$wlog"
	grep -qE 'daemon healthy again: remount --all took [0-9]+ ms; recovered [0-9]+ ms after the failure' "$wlog"
	kill -TERM "$WD_PID"
	wait "$WD_PID"
	# it does not own the daemon: SIGTERM leaves it running and mounted
	pid_alive "$LXCFS_PID" && is_lxcfs_mount "$LXCFS_MNT"
}

@test "watchdog: a mount that went away under a live daemon is seen as a failure: restarted and remounted" {
	watched_container wd-u 144 --interval 0.5 --flap-uptime 0
	# someone detaches the daemon's mount; the daemon itself runs on
	umount -l "$LXCFS_MNT"
	wait_recovered "$OLD" wd-u $((144 * 1024))
	wait_gone "$OLD" 5
	grep -q 'not mounted' "$WD_LOG"
	is_lxcfs_mount "$LXCFS_MNT"
}

@test "watchdog: a FIFO named like a registry entry stalls neither its start nor a recovery" {
	# remount/umount --all read the registry: a FIFO there blocked them forever, so the watchdog
	# never came up, or never restarted a killed daemon
	mkdir -p "$TK_REG"
	mkfifo "$TK_REG/junk.json"
	watched_container wd-f 208 --interval 0.5
	kill -KILL "$OLD"
	wait_recovered "$OLD" wd-f $((208 * 1024))
	grep -q 'junk.json` is a FIFO, not a regular file' "$WD_LOG"
}
