#!/usr/bin/env bats
# The daemon under valgrind (memcheck): containers read every file, the daemon stops on
# SIGTERM, and valgrind finds no invalid access, no uninitialised value and no leak
# (definite or possible). The ASan+UBSan suite covers the same ground with other tools.

load helpers

setup() {
	basic_setup
	command -v valgrind >/dev/null || skip "valgrind is not installed"
}

# start_valgrind_daemon ARGS...: build/lxcfs -f under valgrind in the background on a new mount
# point; sets LXCFS_MNT, LXCFS_PID (valgrind runs the program in its own process) and VG_LOG
start_valgrind_daemon() {
	new_mountpoint LXCFS_MNT || return 1
	VG_LOG=$BATS_TEST_TMPDIR/valgrind.log
	valgrind --quiet --leak-check=full --show-leak-kinds=definite,possible \
		--errors-for-leak-kinds=definite,possible --error-exitcode=99 --log-file="$VG_LOG" \
		--suppressions="$BATS_TEST_DIRNAME/valgrind.supp" \
		"$LXCFS" -f "$@" "$LXCFS_MNT" </dev/null >"$BATS_TEST_TMPDIR/daemon.out" 2>&1 3>&- &
	LXCFS_PID=$!
	track_daemon "$LXCFS_PID"
	wait_for 'is_lxcfs_mount "$LXCFS_MNT" || ! pid_alive "$LXCFS_PID"' 60 ""
	is_lxcfs_mount "$LXCFS_MNT" && return 0
	sed 's/^/#   /' "$VG_LOG" "$BATS_TEST_TMPDIR/daemon.out"
	fail "no mount at $LXCFS_MNT under valgrind"
}

# stop_valgrind_daemon: SIGTERM, wait; sets $status to the exit status (99: valgrind errors)
stop_valgrind_daemon() {
	kill -TERM "$LXCFS_PID"
	status=0
	wait "$LXCFS_PID" || status=$?
	log "valgrind exit status $status"
	sed 's/^/#   /' "$VG_LOG"
}

@test "valgrind: containers read every file (twice, -l), then SIGTERM: no errors, no leaks" {
	start_valgrind_daemon -l
	make_cgroup vg
	cg_set vg memory.limit_in_bytes 256M
	cg_set vg cpuset.cpus 0
	# its own PSI on a hybrid host (the unified hierarchy), else the cgroup2 root's or the host's
	[ -f "$CGROOT/unified/cgroup.procs" ] && make_unified_cgroup vg
	# twice: the second read of each file goes through every cache the first one filled
	CONTAINER_TIMEOUT=120 run in_container vg sh -c '
		for i in 1 2; do
			for f in /proc/cpuinfo /proc/diskstats /proc/loadavg /proc/meminfo \
				/proc/partitions /proc/stat /proc/swaps /proc/uptime \
				/sys/devices/system/cpu/online "$LXCFS_MNT"/proc/slabinfo \
				"$LXCFS_MNT"/proc/pressure/cpu "$LXCFS_MNT"/proc/pressure/io \
				"$LXCFS_MNT"/proc/pressure/memory; do
				cat "$f" >/dev/null || exit 1
			done
		done
		grep ^MemTotal: /proc/meminfo'
	assert_success
	assert_output --regexp "^MemTotal: +$((256 * 1024)) kB$"
	# a reader in our own pid namespace, and the directories
	run cat "$LXCFS_MNT/proc/stat" "$LXCFS_MNT/proc/meminfo"
	assert_success
	run ls -R "$LXCFS_MNT"
	assert_success
	stop_valgrind_daemon
	assert_equal "$status" 0
	if grep -q 'Invalid \|uninitialised\|definitely lost: [1-9]\|possibly lost: [1-9]' "$VG_LOG"; then
		fail "valgrind reported errors (above)"
	fi
	run is_lxcfs_mount "$LXCFS_MNT"
	assert_failure
}
