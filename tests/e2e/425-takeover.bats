#!/usr/bin/env bats
# The FUSE connection outlives the daemon process: the watchdog holds it, and the next daemon
# takes it over (the kernel queues again what the dead one left unanswered). Under load from
# readers in real runc containers started with the hook: kill -9 at random moments, live
# upgrades, a hung daemon, a container whose binds runc made itself (docker run -v style).
# Nothing may fail, no reader may see the host's values, no mount may change.
#
# Knobs: TAKEOVER_KILLS (10), TAKEOVER_UPGRADES (5), TAKEOVER_CONTAINERS (2),
# TAKEOVER_READERS (4, spread over the containers), TAKEOVER_NEXT (a second lxcfs binary the
# upgrades alternate with; default: a copy of $LXCFS (build/lxcfs)). tests/takeover/run.sh runs the
# acceptance figures (50 kills, 20 upgrades to a freshly built binary, 10 containers, 16
# readers).

load helpers-deploy

KILLS=${TAKEOVER_KILLS:-10}
UPGRADES=${TAKEOVER_UPGRADES:-5}
NCT=${TAKEOVER_CONTAINERS:-2}
LX_POISON_DEATHS=2 # lxcfs/fuse/conn.h
NRD=${TAKEOVER_READERS:-4}
READER=${LXCFS_READER:-$REPO/build/tools/lxcfs-reader}
FILES=(/proc/meminfo /proc/cpuinfo /proc/stat /proc/uptime /proc/loadavg /proc/swaps
	/proc/diskstats /proc/partitions /sys/devices/system/cpu/online)

setup() {
	deploy_setup
	[ -x "$READER" ] || fail "$READER is missing: run make tools"
}

teardown() { deploy_teardown; }

mem_of() { echo $(((128 + 16 * $1) * 1024 * 1024)); }

# containers tk-0 .. tk-(NCT-1) with the hook, distinct memory limits; NRD readers spread
# over them for SECS seconds; reader R's summary goes to ROOTFS/tmp/out-R of its container
start_readers() {
	local secs=$1 i r name
	for ((i = 0; i < NCT; i++)); do
		name=$(tk_name "$i")
		make_bundle "$name" "$(mem_of "$i")" || return 1
		cp "$READER" "$BATS_TEST_TMPDIR/rootfs-$name/bin/lxcfs-reader"
		runc_start "$name"
		assert_equal "$status" 0
	done
	for ((r = 0; r < NRD; r++)); do
		i=$((r % NCT))
		name=$(tk_name "$i")
		timeout 30 runc --root "$TK_RUNC_ROOT" exec -d "$name" /bin/lxcfs-reader "$secs" \
			"/tmp/out-$r" /tmp/stop $(($(mem_of "$i") / 1024)) "$(host_memtotal)" \
			"${FILES[@]}" </dev/null || return 1
	done
}

# stop_readers: tell them, wait for every summary; prints "NAME/R SUMMARY" lines
stop_readers() {
	local i r name f
	for ((i = 0; i < NCT; i++)); do
		touch "$BATS_TEST_TMPDIR/rootfs-$(tk_name "$i")/tmp/stop"
	done
	for ((r = 0; r < NRD; r++)); do
		name=$(tk_name $((r % NCT)))
		f=$BATS_TEST_TMPDIR/rootfs-$name/tmp/out-$r
		wait_for '[ -s "$f" ]' 30 "reader $r of $name wrote its summary" || return 1
		echo "$name/$r $(cat "$f")"
	done
}

# mount_snapshot: every container's mountinfo (mount ids included: a remount changes them)
mount_snapshot() {
	local i
	for ((i = 0; i < NCT; i++)); do
		cat "/proc/$(runc_pid "$(tk_name "$i")")/mountinfo"
	done
}

# slowest_context LINE: where the slowest read of a reader's summary LINE happened: its file,
# how much of it was the open, and the event before it (a kill of the daemon, logged by the
# kill loops into $BATS_TEST_TMPDIR/events as "MS WHAT")
slowest_context() {
	local at file open ev=
	at=$(sed -n 's/.* max_at=\([0-9]*\).*/\1/p' <<<"$1")
	file=$(sed -n 's/.* max_file=\([^ ]*\).*/\1/p' <<<"$1")
	open=$(sed -n 's/.* max_open_us=\([0-9]*\).*/\1/p' <<<"$1")
	[ -n "$at" ] || return 0
	[ ! -f "$BATS_TEST_TMPDIR/events" ] ||
		ev=$(awk -v t="$at" '$1 <= t + 0 {last = $0} END {print last}' "$BATS_TEST_TMPDIR/events")
	report "slowest read: $file, $((open / 1000)) ms of it in open()${ev:+, begun $((at - ${ev%% *})) ms after the last event (${ev#* })}"
}

# wd_fds: the watchdog's descriptors, the least of 5 looks 50 ms apart (a health check in
# progress holds 1-2 more for a few ms)
wd_fds() {
	local k n least=
	for k in 1 2 3 4 5; do
		n=$(ls "/proc/$WD_PID/fd" | wc -l)
		[ -z "$least" ] || [ "$n" -lt "$least" ] && least=$n
		sleep 0.05
	done
	echo "$least"
}

# check_summaries LINES: every reader read, none failed, none saw host or wrong values
check_summaries() {
	local worst
	printf '%s\n' "$1" | sed 's/^/#   /'
	worst=$(sed -n 's/.*max_us=\([0-9]*\).*/\1/p' <<<"$1" | sort -n | tail -1)
	report "readers: $(awk '{split($2, r, "="); n += r[2]} END {print n}' <<<"$1") reads, slowest $((worst / 1000)) ms"
	slowest_context "$(grep "max_us=$worst " <<<"$1" | head -1)"
	if grep -vE 'reads=[1-9][0-9]* fails=0 host=0 wrong=0 ' <<<"$1"; then
		fail "a reader failed, saw the host's values or a wrong one"
	fi
}

@test "takeover: kill -9 of the daemon $KILLS times under load: no failed read, no host value, no remount" {
	local i before after fd0 fds0 fd rss0 rss out
	wd_start --interval 0.5
	start_readers 600
	sleep 1
	before=$(mount_snapshot)
	for ((i = 1; i <= KILLS; i++)); do
		echo "$(date +%s%3N) kill $i of pid $(daemon_pid)" >>"$BATS_TEST_TMPDIR/events"
		kill -KILL "$(daemon_pid)"
		# at a random moment of the next one's life
		sleep "0.$((RANDOM % 8 + 2))"
		wait_for '[ -n "$(daemon_pid)" ] && pid_alive "$(daemon_pid)"' 10 "a daemon serves after kill $i"
		if [ "$i" -eq 1 ]; then
			fd0=$(wd_fds) rss0=$(awk '/^VmRSS:/ {print $2}' "/proc/$WD_PID/status")
			fds0=$(ls -l "/proc/$WD_PID/fd" | sed 's/.* -> //' | sort)
		fi
	done
	sleep 1
	fd=$(wd_fds) rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$WD_PID/status")
	out=$(stop_readers)
	after=$(mount_snapshot)
	check_summaries "$out"
	assert_equal "$after" "$before" # no mount changed in any container
	report "watchdog: $(grep -c 'took the connection over' "$WD_LOG") takeovers, fds $fd0 -> $fd, VmRSS $rss0 -> $rss kB"
	grep -E 'took the connection over [0-9]+ ms after' "$WD_LOG" | sed -n 's/.* over \([0-9]*\) ms after.*/\1/p' |
		sort -n | awk '{v[NR] = $1} END {printf "# takeover: median %d ms, worst %d ms after the kill\n", v[int((NR + 1) / 2)], v[NR]}' >&3
	assert_equal "$(grep -c 'took the connection over' "$WD_LOG")" "$KILLS"
	run grep -c 'umount --all' "$WD_LOG"
	assert_output 0 # containers were never put on the host view
	[ "$fd" -le "$fd0" ] || {
		diff <(echo "$fds0") <(ls -l "/proc/$WD_PID/fd" | sed 's/.* -> //' | sort) | sed 's/^/#   /'
		fail "the watchdog's descriptors grew: $fd0 -> $fd"
	}
	assert [ "$rss" -le $((rss0 + 512)) ]
	assert [ -z "$(ps -o stat= --ppid "$WD_PID" | grep Z)" ] # no zombie
}

@test "takeover: $UPGRADES live upgrades under load (lxcfs-toolkit upgrade): no failed read, the old process exits 0" {
	local i out before after old next=${TAKEOVER_NEXT:-} bins exe
	if [ -z "$next" ]; then
		next=$BATS_TEST_TMPDIR/next/lxcfs
		mkdir -p "${next%/*}" && cp "$LXCFS" "$next"
	fi
	bins=("$next" "$LXCFS")
	wd_start --interval 0.5
	start_readers 600
	sleep 1
	before=$(mount_snapshot)
	for ((i = 1; i <= UPGRADES; i++)); do
		old=$(daemon_pid)
		exe=${bins[$(((i - 1) % 2))]}
		echo "$(date +%s%3N) upgrade $i to $exe" >>"$BATS_TEST_TMPDIR/events"
		run_tk 0 --runtime-dir "$LXCFS_RUNTIME_DIR" upgrade --exe "$exe"
		assert_output --partial "upgraded: daemon pid $old ->"
		wait_gone "$old" 10
		assert_equal "$(readlink "/proc/$(daemon_pid)/exe")" "$exe"
	done
	out=$(stop_readers)
	after=$(mount_snapshot)
	check_summaries "$out"
	assert_equal "$after" "$before"
	assert_equal "$(grep -c 'retired: the connection stays' "$LXCFS_LOG")" "$UPGRADES"
	# the watchdog follows the new daemon: a kill after the upgrades is a takeover too
	kill -KILL "$(daemon_pid)"
	wait_for 'grep -q "took the connection over" "$WD_LOG"' 10 "the watchdog took over after the upgrades"
	run grep -c 'exited with status [1-9]' "$WD_LOG"
	assert_output 0
}

@test "takeover: a hung daemon (SIGSTOP) is killed and taken over: no failed read, the stall printed" {
	local out stopped
	wd_start --interval 0.5
	start_readers 600
	sleep 1
	stopped=$(daemon_pid)
	echo "$(date +%s%3N) SIGSTOP of pid $stopped" >>"$BATS_TEST_TMPDIR/events"
	kill -STOP "$stopped"
	wait_for '[ "$(daemon_pid)" != "$stopped" ]' 15 "a new daemon after the hang"
	sleep 1
	out=$(stop_readers)
	check_summaries "$out"
	wait_gone "$stopped" 5
	grep -E 'read timed out|took the connection over' "$WD_LOG" | sed 's/^/#   /' | tail -3
}

@test "takeover: a container whose files runc bound (docker run -v style, no hook) survives kill -9" {
	local name out ino host_ino
	wd_start --interval 0.5
	name=$(tk_name dv)
	make_bundle "$name" "$(mem_of 3)" "" no
	cp "$READER" "$BATS_TEST_TMPDIR/rootfs-$name/bin/lxcfs-reader"
	# runc makes these binds itself, from inside the container's pid namespace
	jq --arg m "$LXCFS_MNT" '.mounts += [
		{destination: "/proc/meminfo", type: "bind", source: ($m + "/proc/meminfo"), options: ["rbind", "ro"]},
		{destination: "/proc/uptime", type: "bind", source: ($m + "/proc/uptime"), options: ["rbind", "ro"]}]' \
		"$BUNDLE/config.json" >"$BUNDLE/c.json" && mv "$BUNDLE/c.json" "$BUNDLE/config.json"
	runc_start "$name"
	assert_equal "$status" 0
	host_ino=$(stat -c %i "$LXCFS_MNT/proc/meminfo")
	ino=$(runc_in "$name" stat -c %i /proc/meminfo)
	log "inode: host $host_ino, container $ino"
	assert [ -n "$ino" ]
	assert [ "$ino" != "$host_ino" ] # its own inode: runc looked it up inside its pid namespace
	timeout 30 runc --root "$TK_RUNC_ROOT" exec -d "$name" /bin/lxcfs-reader 600 /tmp/out-0 \
		/tmp/stop $(($(mem_of 3) / 1024)) "$(host_memtotal)" /proc/meminfo /proc/uptime </dev/null
	sleep 0.5
	for i in 1 2 3 4 5; do
		kill -KILL "$(daemon_pid)"
		sleep 0.4
	done
	sleep 1
	touch "$BATS_TEST_TMPDIR/rootfs-$name/tmp/stop"
	wait_for '[ -s "$BATS_TEST_TMPDIR/rootfs-$name/tmp/out-0" ]' 30 "the reader's summary"
	out="$name/0 $(cat "$BATS_TEST_TMPDIR/rootfs-$name/tmp/out-0")"
	check_summaries "$out"
}

@test "takeover: a request that kills every daemon it reaches gets the host's file after $LX_POISON_DEATHS deaths: no crash loop" {
	local name t0 ms pid0
	# every daemon this watchdog starts aborts when a container opens proc/swaps
	export LXCFS_FAULT=crash-open:swaps
	wd_start --interval 0.5
	unset LXCFS_FAULT
	pid0=$(daemon_pid)
	name=$(tk_name po)
	make_bundle "$name" "$(mem_of 2)"
	runc_start "$name"
	assert_equal "$status" 0
	t0=$(date +%s%N)
	run timeout 20 runc --root "$TK_RUNC_ROOT" exec "$name" cat /proc/swaps
	ms=$((($(date +%s%N) - t0) / 1000000))
	report "the poisoned open answered after $ms ms (rc $status)"
	assert_success
	assert_equal "$output" "$(cat /proc/swaps)"  # the host's file, nothing computed
	grep -E 'was in flight when|gets a safe answer' "$LXCFS_LOG" | sed 's/^/#   /' | tail -3
	grep -q 'serving the host.s file' "$LXCFS_LOG"  # the daemon said why
	# exactly the daemons the request killed were replaced, and one serves
	wait_for '[ -n "$(daemon_pid)" ] && pid_alive "$(daemon_pid)"' 10 "a daemon serves"
	assert [ "$(daemon_pid)" != "$pid0" ]
	# the request killed exactly that many daemons, not one more
	assert_equal "$(grep -c 'killed by signal 6' "$WD_LOG")" "$LX_POISON_DEATHS"
	# the container's other files are its own, from the daemon that survived
	assert_equal "$(runc_in "$name" awk '/^MemTotal/ {print $2}' /proc/meminfo)" $(($(mem_of 2) / 1024))
	run_tk 0 check-lxcfs
}
