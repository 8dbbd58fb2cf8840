#!/usr/bin/env bats
# The daemon under valgrind (memcheck): containers read every file, the daemon stops on
# SIGTERM, and valgrind finds no invalid access, no uninitialised value and no leak
# (definite or possible). Then every lxcfs-toolkit command the same way (each process it
# forks too): on a live daemon and a runc container with the toolkit as its hooks, the
# watchdog through a kill -9 and SIGTERM, and bad input. Valgrind 3.19 answers open_tree,
# openat2 and pidfd_open with ENOSYS, so the toolkit takes its fallbacks here (mount(2), the
# O_PATH walk); the ASan+UBSan suite (make check-asan) covers its main paths with other tools.

load helpers-deploy

setup() {
	basic_setup
	command -v valgrind >/dev/null || skip "valgrind is not installed"
}
teardown() { deploy_teardown; }

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

# tk_valgrind: TK (run_tk, the bundles' hooks, the watchdog) becomes a wrapper that runs the
# toolkit under memcheck; every process, forked children too, logs to VG_DIR/PID.log
tk_valgrind() {
	tk_setup
	VG_DIR=$BATS_TEST_TMPDIR/vg
	mkdir -p "$VG_DIR"
	local real=$TK
	TK=$BATS_TEST_TMPDIR/lxcfs-toolkit-vg
	printf '#!/bin/sh\nexec %s --quiet --leak-check=full --show-leak-kinds=definite,possible \\\n' \
		"$(command -v valgrind)" >"$TK"
	printf '\t--errors-for-leak-kinds=definite,possible --error-exitcode=99 --suppressions=%s \\\n' \
		"$BATS_TEST_DIRNAME/valgrind.supp" >>"$TK"
	printf '\t--log-file=%s/%%p.log %s "$@"\n' "$VG_DIR" "$real" >>"$TK"
	chmod +x "$TK"
	TK_TIMEOUT=60
}

# vg_check MIN: at least MIN toolkit processes ran under valgrind, and none of them had an
# invalid access, an uninitialised value, a bad syscall argument or a leak (definite or
# possible); every log that is not empty is shown
vg_check() {
	local f n=0 bad=""
	for f in "$VG_DIR"/*.log; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		[ -s "$f" ] || continue
		sed "s|^|#   ${f##*/}: |" "$f"
		grep -q 'Invalid \|uninitialised\|Syscall param\|Mismatched free\|overlap\|Jump to\|definitely lost\|possibly lost' "$f" &&
			bad+=" ${f##*/}"
	done
	log "$n toolkit processes under valgrind"
	assert [ "$n" -ge "$1" ] || return 1  # the toolkit ran under valgrind
	[ -z "$bad" ] || fail "valgrind errors in:$bad"
}

@test "valgrind: every toolkit command on a live daemon and a runc container with the hooks: no errors, no leaks" {
	tk_valgrind
	tk_start_daemon # prestart
	run_tk 0 check-lxcfs
	local ctr
	ctr=$(tk_name)
	make_bundle "$ctr" $((256 * 1024 * 1024)) 0 # the hooks are $TK: under valgrind
	runc_start "$ctr"
	assert_equal "$status" 0
	run runc_in "$ctr" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "^MemTotal: +$((256 * 1024)) kB$"
	run_tk 0 status
	assert_line --regexp "^${ctr:0:12} .*( live +){9}$"
	run_tk 0 status --json
	assert_equal "$(jq -r '.containers[0].files | [.[]] | unique | join(",")' <<<"$output")" live
	run_tk 0 remount --all
	assert_line --index $((${#lines[@]} - 1)) "remounted 1 of 1 containers"
	run_tk 0 umount --container-id "$ctr"
	run_tk 0 remount --container-id "${ctr:0:8}" --stale-only
	run_tk 0 umount --all
	run_tk 0 remount --all --jobs 1
	run runc_in "$ctr" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "^MemTotal: +$((256 * 1024)) kB$"
	run_tk 0 seccomp-profile
	assert_output --partial "note: Docker before 23.0 drops listenerPath" # on stderr
	printf '%s\n' "$output" | sed -n '/^{/,$p' >"$BATS_TEST_TMPDIR/profile.json"
	run_tk 0 seccomp-profile --format oci --listener "$BATS_TEST_TMPDIR/seccomp.sock" \
		--from "$BATS_TEST_TMPDIR/profile.json"
	assert_output --partial "sysinfo taken out of 1 rule"
	assert_output --partial "\"listenerPath\":\"$BATS_TEST_TMPDIR/seccomp.sock\""
	run_tk 0 upgrade --help
	run_tk 0 --runtime-dir "$LXCFS_RUNTIME_DIR" upgrade --exe "$LXCFS"
	assert_output --partial "upgraded: daemon pid $LXCFS_PID ->"
	LXCFS_PID=$(tr -dc 0-9 <"$LXCFS_PIDFILE")
	track_daemon "$LXCFS_PID"
	run_tk 0 check-lxcfs
	# the poststop hook
	runc --root "$TK_RUNC_ROOT" kill "$ctr" KILL
	timeout 60 runc --root "$TK_RUNC_ROOT" delete --force "$ctr"
	assert_equal "$(ls -A "$TK_REG")" ""
	vg_check 15
}

@test "valgrind: the watchdog runs the daemon, replaces it after a kill -9, stops on SIGTERM: no errors, no leaks" {
	tk_valgrind
	wd_start --interval 0.5
	local old=$LXCFS_PID
	kill -KILL "$old"
	wait_for '[ -n "$(daemon_pid)" ] && [ "$(daemon_pid)" != "$old" ] && pid_alive "$(daemon_pid)"' 30 \
		"the watchdog starts a new daemon"
	run_tk 0 check-lxcfs --wait 10
	LXCFS_PID=$(daemon_pid)
	wd_stop
	run is_lxcfs_mount "$LXCFS_MNT"
	assert_failure
	vg_check 3
}

@test "valgrind: bad input to the toolkit's commands: exit codes, no errors, no leaks" {
	tk_valgrind
	run_tk 2
	run_tk 2 frobnicate
	run_tk 2 --bogus status
	run_tk 2 remount
	run_tk 2 umount --all --container-id x
	run_tk 2 seccomp-profile --format bogus
	run_tk 1 seccomp-profile --from "$BATS_TEST_TMPDIR/none.json"
	printf '{"defaultAction": [' >"$BATS_TEST_TMPDIR/bad.json"
	run_tk 1 seccomp-profile --from "$BATS_TEST_TMPDIR/bad.json"
	LXCFS_TOOLKIT_CONFIG=/dev/zero run_tk 2 status
	tk_new_mountpoint
	run_tk 1 check-lxcfs
	assert_output --partial "No such file or directory" # no pidfile
	run_tk 2 upgrade --exe /nonexistent
	run_tk 1 --runtime-dir "$LXCFS_RUNTIME_DIR" upgrade --exe "$LXCFS" # no daemon
	tk_start_daemon
	run_tk 1 remount --container-id no-such-container
	local f
	for f in 'this is not json' '{"id": "abc", "pid": 12' '[1, 2, 3]' \
		'{"id": "../../etc", "pid": 1, "bundle": "/tmp"}' '{"id": "x", "pid": "1", "bundle": "/tmp"}' \
		'{"id": "dead", "pid": 999999999, "bundle": "/tmp"}' \
		"{\"id\": \"hostproc\", \"pid\": $$, \"bundle\": \"/tmp\"}"; do
		printf '%s' "$f" >"$BATS_TEST_TMPDIR/state.json"
		TK_STDIN=$BATS_TEST_TMPDIR/state.json run_tk 1 hook
	done
	head -c $((1024 * 1024 + 10)) /dev/zero >"$BATS_TEST_TMPDIR/state.json"
	TK_STDIN=$BATS_TEST_TMPDIR/state.json run_tk 1 hook
	assert_equal "$(ls -A "$TK_REG" 2>/dev/null)" ""
	vg_check 20
}
