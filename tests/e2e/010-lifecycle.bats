#!/usr/bin/env bats
# Daemon lifecycle: daemonizing, clean stop, pidfile lock, stale mounts, bad arguments,
# cgroups that vanish while being read.

load helpers

@test "the parent exits 0 only once the mount answers" {
	start_daemon
	# no sleep, no retry: the very first read after the parent returned must work
	run cat "$LXCFS_MNT/proc/meminfo"
	assert_success
	assert_output --regexp '^MemTotal: +[0-9]+ kB'
	run findmnt -n -o FSTYPE --mountpoint "$LXCFS_MNT"
	assert_output fuse.lxcfs
}

@test "the daemonized child lets go of the caller's stdout and stderr" {
	local mnt pf=$BATS_TEST_TMPDIR/pipe.pid rc=0
	new_mountpoint mnt
	# `lxcfs ... 2>&1 | cat` ends when the parent exits only if the child closed both; the
	# result goes to a file (not `run`), so a child that kept them cannot hang the test
	timeout -k 2 10 sh -c "'$LXCFS' -p '$pf' '$mnt' 2>&1 | cat" </dev/null >"$BATS_TEST_TMPDIR/pipe.out" 2>&1 3>&- || rc=$?
	[ -s "$pf" ] && track_daemon "$(tr -dc 0-9 <"$pf")"
	cat "$BATS_TEST_TMPDIR/pipe.out"
	[ -s "$pf" ] && ls -l "/proc/$(tr -dc 0-9 <"$pf")/fd/" | sed 's/^/# fd /'
	assert [ "$rc" -eq 0 ]  # the pipeline ended by itself (rc $rc; 124 = the daemon kept the pipe open)
	is_lxcfs_mount "$mnt" || fail "no fuse.lxcfs mount at $mnt"
}

@test "SIGTERM unmounts, removes the pidfile and ends the daemon" {
	start_daemon
	kill -TERM "$LXCFS_PID"
	wait_gone "$LXCFS_PID" 10 || fail "daemon $LXCFS_PID still running 10s after SIGTERM"
	run findmnt -n --mountpoint "$LXCFS_MNT"
	assert_output ""
	refute [ -e "$LXCFS_PIDFILE" ]  # pidfile removed
}

@test "SIGINT unmounts and removes the pidfile too" {
	start_daemon
	kill -INT "$LXCFS_PID"
	wait_gone "$LXCFS_PID" 10 || fail "daemon $LXCFS_PID still running 10s after SIGINT"
	run findmnt -n --mountpoint "$LXCFS_MNT"
	assert_output ""
	refute [ -e "$LXCFS_PIDFILE" ]  # pidfile removed
}

@test "-f stays in the foreground, serves, and exits 0 on SIGTERM" {
	local mnt pf=$BATS_TEST_TMPDIR/fg.pid
	new_mountpoint mnt
	"$LXCFS" -f -p "$pf" --log "$BATS_TEST_TMPDIR/fg.log" "$mnt" </dev/null >"$BATS_TEST_TMPDIR/fg.out" 2>&1 3>&- &
	local pid=$!
	track_daemon "$pid"
	wait_for 'is_lxcfs_mount "$mnt" || ! pid_alive "$pid"' 10 ""
	cat "$BATS_TEST_TMPDIR/fg.out"
	is_lxcfs_mount "$mnt" || fail "no mount at $mnt after 10s"
	assert_equal "$(tr -dc 0-9 <"$pf")" "$pid"
	run cat "$mnt/proc/uptime"
	assert_success
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	run findmnt -n --mountpoint "$mnt"
	assert_output ""
	refute [ -e "$pf" ]  # pidfile removed
}

@test "a second daemon on the same pidfile exits 1 with a message; the first keeps serving" {
	start_daemon
	local first_pid=$LXCFS_PID first_mnt=$LXCFS_MNT mnt2
	new_mountpoint mnt2
	run_lxcfs 1 -p "$LXCFS_PIDFILE" "$mnt2"
	assert [ -n "$output" ]  # a message on stderr
	assert_output --regexp "$LXCFS_PIDFILE|running|lock"
	run findmnt -n --mountpoint "$mnt2"
	assert_output ""
	assert_equal "$(tr -dc 0-9 <"$LXCFS_PIDFILE")" "$first_pid"
	run cat "$first_mnt/proc/meminfo"
	assert_success
	assert_output --partial MemTotal
}

@test "after kill -9, reads fail with ENOTCONN and a new daemon on the same mount point works" {
	start_daemon
	kill -KILL "$LXCFS_PID"
	wait_gone "$LXCFS_PID" 5
	run cat "$LXCFS_MNT/proc/meminfo"
	assert_failure
	assert_output --partial "Transport endpoint is not connected"
	# the stale mount is still there: the new daemon must detach it
	rm -f "$LXCFS_PIDFILE"
	run_lxcfs 0 -p "$LXCFS_PIDFILE" "$LXCFS_MNT"
	LXCFS_PID=$(tr -dc 0-9 <"$LXCFS_PIDFILE")
	track_daemon "$LXCFS_PID"
	run cat "$LXCFS_MNT/proc/meminfo"
	assert_success
	assert_output --regexp '^MemTotal:'
	# exactly one lxcfs mount left there
	run findmnt -n -t fuse.lxcfs --mountpoint "$LXCFS_MNT"
	assert_equal "${#lines[@]}" 1
}

@test "an unknown flag exits 2 with a message and mounts nothing" {
	local mnt
	new_mountpoint mnt
	run_lxcfs 2 --no-such-flag "$mnt"
	assert_output --partial no-such-flag
	run findmnt -n --mountpoint "$mnt"
	assert_output ""
}

@test "an option missing its argument exits 2 with a message" {
	run_lxcfs 2 --pidfile
	assert [ -n "$output" ]  # a message
	assert_output --partial pidfile
}

@test "two mount points exit 2" {
	local a b
	new_mountpoint a
	new_mountpoint b
	run_lxcfs 2 "$a" "$b"
	assert [ -n "$output" ]  # a message
}

@test "a mount point that does not exist: exit 1 with a message" {
	run_lxcfs 1 "$BATS_TEST_TMPDIR/does/not/exist"
	assert_output --partial "$BATS_TEST_TMPDIR/does/not/exist"
}

@test "a mount point that is a regular file: exit 1 with a message" {
	touch "$BATS_TEST_TMPDIR/plainfile"
	run_lxcfs 1 "$BATS_TEST_TMPDIR/plainfile"
	assert_output --partial "$BATS_TEST_TMPDIR/plainfile"
	run findmnt -n --mountpoint "$BATS_TEST_TMPDIR/plainfile"
	assert_output ""
}

@test "-o passes extra FUSE options to the mount" {
	start_daemon -o noexec
	run findmnt -n -o OPTIONS --mountpoint "$LXCFS_MNT"
	assert_output --regexp '(^|,)noexec(,|$)'
	new_mountpoint plain
	run_lxcfs 0 -p "$BATS_TEST_TMPDIR/plain.pid" "$plain"
	track_daemon "$(tr -dc 0-9 <"$BATS_TEST_TMPDIR/plain.pid")"
	run findmnt -n -o OPTIONS --mountpoint "$plain"
	refute_output --regexp '(^|,)noexec(,|$)'

}

@test "upstream lxcfs's command line is accepted: -s, --enable-pidfd, --enable-cgroup, -o direct_io,..." {
	start_daemon -s --enable-pidfd --enable-cgroup --enable-psi-poll -z -o direct_io,entry_timeout=0.5,attr_timeout=0.5,nonempty,allow_other
	run grep -c -- '--enable-cgroup: no virtual cgroupfs' "$LXCFS_LOG"
	assert_output 1
	run grep -c '^MemTotal:' "$LXCFS_MNT/proc/meminfo"
	assert_output 1
	run_lxcfs 2 --enable-cgroupfs "$BATS_TEST_TMPDIR"
	assert_output --partial "unknown option"
}

@test "-d with --log writes debug lines to the log file" {
	local mnt log=$BATS_TEST_TMPDIR/debug.log
	new_mountpoint mnt
	"$LXCFS" -f -d --log "$log" -p "$BATS_TEST_TMPDIR/d.pid" "$mnt" </dev/null >"$BATS_TEST_TMPDIR/d.out" 2>&1 3>&- &
	track_daemon $!
	wait_for 'is_lxcfs_mount "$mnt"' 10 "the daemon mounts $mnt"
	cat "$mnt/proc/meminfo" >/dev/null
	assert [ -s "$log" ]  # debug output in $log
}

@test "a cgroup removed while containers read gives whole files, no errors, no crash" {
	start_daemon
	make_cgroup vanish
	cg_set vanish memory.limit_in_bytes 512M
	start_container vanish sleep 300
	local init=$CONTAINER_PID
	# move the container's init back and forth between vanish and vanish/gone, removing
	# vanish/gone each time, while the container reads its files as fast as it can
	# (the init's parent, the unshare process, stays in vanish)
	local stop=$BATS_TEST_TMPDIR/stop-churn
	(
		while [ ! -e "$stop" ]; do
			for c in "${CG_CONTROLLERS[@]}"; do _cg_mkdir "$c" "$CG_TOP/vanish/gone"; done
			echo 256M >"$(cg_dir memory vanish/gone)/memory.limit_in_bytes"
			for c in "${CG_CONTROLLERS[@]}"; do echo "$init" >"$(cg_dir "$c" vanish/gone)/cgroup.procs"; done
			for c in "${CG_CONTROLLERS[@]}"; do echo "$init" >"$(cg_dir "$c" vanish)/cgroup.procs"; done
			for c in "${CG_CONTROLLERS[@]}"; do rmdir "$(cg_dir "$c" vanish/gone)"; done
		done
	) 2>"$BATS_TEST_TMPDIR/churn.err" &
	local churn=$!
	_BG_PIDS+=("$churn")
	local host_total
	host_total=$(meminfo_kb MemTotal /proc/meminfo)
	run container_exec "$init" bash -c '
		bad=0 n=0 end=$((SECONDS + 3))
		while [ $SECONDS -lt $end ]; do
			n=$((n + 1))
			m=$(cat /proc/meminfo) || { echo "meminfo read failed"; bad=1; }
			t=$(echo "$m" | awk "/^MemTotal:/ {print \$2}")
			case $t in 262144|524288|'"$host_total"') ;; *) echo "odd MemTotal: [$t]"; bad=1 ;; esac
			for f in cpuinfo stat uptime swaps loadavg diskstats partitions; do
				cat /proc/$f >/dev/null || { echo "$f read failed"; bad=1; }
			done
			grep -q "^processor" /proc/cpuinfo || { echo "cpuinfo without processor"; bad=1; }
			grep -q "^cpu " /proc/stat || { echo "stat without cpu line"; bad=1; }
			[ $bad -eq 0 ] || break
		done
		echo "reads=$n"
		exit $bad'
	touch "$stop"
	wait "$churn" 2>/dev/null || true
	log "$output"
	assert_success
	assert_output --regexp 'reads=[0-9]+'
	log "churn: $(wc -l <"$BATS_TEST_TMPDIR/churn.err") errors from the mover (races with the reader are expected)"
	log "daemon log: $(grep -c 'host file' "$LXCFS_LOG") reads served from the host file"
	pid_alive "$LXCFS_PID" || fail "the daemon died"
	run cat "$LXCFS_MNT/proc/meminfo"
	assert_success
}

@test "a container moved to another cgroup, its old one removed, sees the new cgroup's view" {
	start_daemon
	make_cgroup gone
	cg_set gone memory.limit_in_bytes 512M
	start_container gone sleep 300
	local init=$CONTAINER_PID c
	# move the init out to the run's top cgroup and delete its old cgroup: the container's
	# view must not fail, whatever it was cached as
	run container_exec "$init" grep MemTotal /proc/meminfo
	assert_output --regexp 'MemTotal: +524288 kB'
	make_cgroup other
	local p
	for c in "${CG_CONTROLLERS[@]}"; do
		# the init and its parent (the unshare process)
		for p in $(cat "$(cg_dir "$c" gone)/cgroup.procs"); do
			echo "$p" >"$(cg_dir "$c" other)/cgroup.procs"
		done
	done
	for c in "${CG_CONTROLLERS[@]}"; do rmdir "$(cg_dir "$c" gone)"; done
	run container_exec "$init" cat /proc/meminfo
	assert_success
	assert_output --regexp 'MemTotal: +[0-9]+ kB'
	refute_output --regexp 'MemTotal: +524288 kB'
	pid_alive "$LXCFS_PID" || fail "the daemon died"
}

# fake_root: a --cgroup-root tree of empty v1 hierarchy directories; sets FAKE. A container in our
# real cgroup NAME is then looked up there, where the test decides what exists and what it holds.
fake_root() {
	FAKE=$BATS_TEST_TMPDIR/cgroot
	local c
	for c in "${CG_CONTROLLERS[@]}"; do mkdir -p "$FAKE/$c"; done
}

# fake_file CONTROLLER NAME FILE CONTENT [FORMAT]: FILE of cgroup NAME in the fake tree, written
# with printf FORMAT (default: a line, '%s\n'; empty CONTENT makes an empty file)
fake_file() {
	mkdir -p "$FAKE/$1/$CG_TOP/$2"
	if [ -z "$4" ]; then
		: >"$FAKE/$1/$CG_TOP/$2/$3"
	else
		# shellcheck disable=SC2059
		printf "${5:-%s\n}" "$4" >"$FAKE/$1/$CG_TOP/$2/$3"
	fi
}

@test "degradation: a container whose cgroup is gone reads the host's files, no error" {
	make_cgroup real
	cg_set real memory.limit_in_bytes 512M
	cg_set real cpuset.cpus 0
	fake_root # holds no lxcfs-test cgroup at all
	start_daemon --cgroup-root "$FAKE"
	run in_container real sh -c 'cat /proc/meminfo; echo ---; grep -c ^processor /proc/cpuinfo; cat /proc/stat /proc/uptime /proc/swaps /proc/diskstats /proc/loadavg >/dev/null'
	assert_success
	assert_line "$(grep ^MemTotal: /proc/meminfo)"
	assert_equal "$(sed -n '/^---$/{n;p}' <<<"$output")" "$(grep -c ^processor /proc/cpuinfo)"
	pid_alive "$LXCFS_PID" || fail "the daemon died"
}

@test "degradation: a garbage memory limit gives the host's meminfo" {
	make_cgroup real
	fake_root
	fake_file memory real memory.limit_in_bytes 'twelve gigs, please'
	fake_file memory real memory.usage_in_bytes '1048576'
	fake_file memory real memory.stat 'total_cache 0'
	start_daemon --cgroup-root "$FAKE"
	run in_container real cat /proc/meminfo
	assert_success
	assert_line "$(grep ^MemTotal: /proc/meminfo)"
	assert_equal "$(cut -d: -f1 <<<"$output")" "$(cut -d: -f1 /proc/meminfo)"
}

@test "degradation: a truncated memory limit (no final newline) gives the host's meminfo" {
	make_cgroup real
	fake_root
	fake_file memory real memory.limit_in_bytes '53687' '%s'
	fake_file memory real memory.usage_in_bytes '1048576'
	fake_file memory real memory.stat 'total_cache 0'
	start_daemon --cgroup-root "$FAKE"
	run in_container real cat /proc/meminfo
	assert_success
	assert_line "$(grep ^MemTotal: /proc/meminfo)"
}

@test "degradation: empty memory files give the host's meminfo" {
	make_cgroup real
	fake_root
	fake_file memory real memory.limit_in_bytes ''
	fake_file memory real memory.usage_in_bytes ''
	fake_file memory real memory.stat ''
	start_daemon --cgroup-root "$FAKE"
	run in_container real cat /proc/meminfo
	assert_success
	assert_line "$(grep ^MemTotal: /proc/meminfo)"
}

@test "degradation: a garbage cpuset gives the host's cpuinfo and cpu/online" {
	make_cgroup real
	fake_root
	fake_file cpuset real cpuset.cpus '0-banana'
	fake_file cpuset real cpuset.effective_cpus '0-banana'
	start_daemon --cgroup-root "$FAKE"
	run in_container real sh -c 'grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online'
	assert_success
	assert_equal "${lines[0]}" "$(grep -c ^processor /proc/cpuinfo)"
	assert_equal "${lines[1]}" "$(cat /sys/devices/system/cpu/online)"
}

@test "degradation: falling back is logged once per cgroup, not once per read" {
	make_cgroup real
	fake_root
	fake_file memory real memory.limit_in_bytes 'garbage'
	start_daemon --cgroup-root "$FAKE"
	run in_container real sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do cat /proc/meminfo >/dev/null || exit 1; done'
	assert_success
	local n
	n=$(grep -c "$CG_TOP/real" "$LXCFS_LOG" || true)
	log "log lines about the fallback: $n"
	sed 's/^/#   /' "$LXCFS_LOG"
	assert [ "$n" -ge 1 ]  # the fallback is logged
	assert [ "$n" -le 2 ]  # but not for each of the 10 reads
}

# daemon_ticks: the daemon's utime + stime, all threads, in clock ticks
daemon_ticks() { awk '{print $14 + $15}' "/proc/$LXCFS_PID/stat"; }

@test "a container whose init exited but is not reaped yet (a zombie) costs the daemon no CPU" {
	start_daemon
	make_cgroup zomb
	start_container zomb sleep 300
	local init=$CONTAINER_PID before after
	# a read from inside: the daemon now keeps the container (and watches its init's pidfd)
	run container_exec "$init" cat /proc/meminfo
	assert_success
	# the init's parent (unshare) stopped: the init, killed, stays a zombie
	kill -STOP "$CONTAINER_UNSHARE"
	# stopped before the init dies (a parent still in wait4 when the signal comes reaps it)
	wait_for '[ "$(awk "/^State:/ {print \$2}" /proc/$CONTAINER_UNSHARE/status)" = T ]' 5 \
		"unshare did not stop"
	kill -KILL "$init"
	wait_for "! pid_alive $init" 5 "the killed init did not exit"
	assert [ -e "/proc/$init" ]  # the init is a zombie, not reaped
	sleep 0.2
	before=$(daemon_ticks)
	sleep 2
	after=$(daemon_ticks)
	kill -CONT "$CONTAINER_UNSHARE"
	log "daemon CPU over 2 s with a zombie container init: $((after - before)) ticks"
	# idle, the daemon sleeps; a thread spinning on the zombie's pidfd would take a CPU (200
	# ticks in 2 s; still dozens on a loaded machine)
	assert [ $((after - before)) -le 10 ]  # the daemon stays idle
	pid_alive "$LXCFS_PID" || fail "the daemon died"
}

@test "a daemon in the background drops an exited container at once: its pidfd and cgroup files closed" {
	start_daemon # daemonized: the reaper must run in the forked daemon
	make_cgroup held
	start_container held sleep 300
	local init=$CONTAINER_PID n
	run container_exec "$init" cat /proc/meminfo
	assert_success
	n=$(find "/proc/$LXCFS_PID/fd" -lname "*/$CG_TOP/held/*" | wc -l)
	log "cgroup files of the container the daemon holds: $n"
	assert [ "$n" -gt 0 ]  # the container's cgroup files are held
	assert [ "$(find "/proc/$LXCFS_PID/fd" -lname 'anon_inode:\[pidfd\]' | wc -l)" -eq 1 ]
	kill -KILL "$init"
	# nothing reads from that namespace again: only the reaper can drop the entry
	wait_for "[ \$(find /proc/$LXCFS_PID/fd -lname '*/$CG_TOP/held/*' | wc -l) -eq 0 ]" 5 \
		"the daemon still holds the exited container's cgroup files"
	assert [ "$(find "/proc/$LXCFS_PID/fd" -lname 'anon_inode:\[pidfd\]' | wc -l)" -eq 0 ]
}
