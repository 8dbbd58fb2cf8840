#!/usr/bin/env bats
# sysinfo(2) in real runc containers through seccomp user notification: the daemon's
# --seccomp-listener socket is the bundle's linux.seccomp.listenerPath, runc hands it the
# notification descriptor of a filter whose sysinfo rule is SCMP_ACT_NOTIFY, and the daemon
# answers each call with the values the container's own files show.

#
# Knob: SYSINFO_KILLS (10): how many kill -9 of the daemon under a tight loop of calls.

load helpers-deploy

MIB256=$((256 * 1024 * 1024))
KILLS=${SYSINFO_KILLS:-10}

setup() {
	deploy_setup
	SC_SOCK=$BATS_TEST_TMPDIR/sc.sock
}

teardown() { deploy_teardown; }

# seccomp_bundle NAME [MEM]: make_bundle NAME MEM with the filter of `lxcfs-toolkit
# seccomp-profile --format oci` (sysinfo notified to SC_SOCK, everything else allowed)
seccomp_bundle() {
	make_bundle "$1" "${2:-}" || return 1
	local sc
	sc=$("$TK" seccomp-profile --format oci --listener "$SC_SOCK") || return 1
	jq --argjson sc "$sc" '.linux.seccomp = $sc' "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
		mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

start_sc() {
	tk_start_daemon --seccomp-listener "$SC_SOCK"
	seccomp_bundle "$(tk_name)" "$@"
	runc_start "$(tk_name)"
	assert_equal "$status" 0
}

# kb FIELD: FIELD of the container's /proc/meminfo (its lxcfs file), in kB
kb() { runc_in "$(tk_name)" awk -v f="$1:" '$1 == f {print $2}' /proc/meminfo; }

@test "sysinfo: busybox free -m in a 256 MiB container prints a total of 256" {
	start_sc "$MIB256"
	run runc_in "$(tk_name)" free -m
	assert_success
	log "$output"
	assert_line --regexp '^Mem: +256 '
	# and what the container's meminfo says, to the MiB
	local total
	total=$(kb MemTotal)
	assert_equal "$total" $((MIB256 / 1024))
	grep -q 'seccomp: container .*sysinfo served' "$LXCFS_LOG"
}

# sc_values NAME: sysinfo-print's lines, then the container's MemTotal MemFree Shmem Buffers
# SwapTotal SwapFree (kB) and uptime (s) as "file_FIELD VALUE", from one runc exec
sc_values() {
	cp "$REPO/build/tools/sysinfo-print" "$BATS_TEST_TMPDIR/rootfs-$1/bin/" 2>/dev/null
	runc_in "$1" sh -c '/bin/sysinfo-print &&
		awk '\''$1 ~ /^(MemTotal|MemFree|Shmem|Buffers|SwapTotal|SwapFree):$/ {
			sub(":", "", $1); print "file_" $1, $2 }'\'' /proc/meminfo &&
		awk '\''{ print "file_uptime", $1 }'\'' /proc/uptime'
}

# val NAME: the value of line NAME in $output
val() { printf '%s\n' "$output" | awk -v k="$1" '$1 == k {print $2}'; }

@test "sysinfo: a C caller gets the values of the container's files" {
	start_sc "$MIB256"
	run sc_values "$(tk_name)"
	assert_success
	log "$output"
	assert_equal "$(val totalram)" $((MIB256))
	assert_equal "$(val totalram)" $(($(val file_MemTotal) * 1024))
	assert_equal "$(val sharedram)" $(($(val file_Shmem) * 1024))
	assert_equal "$(val bufferram)" $(($(val file_Buffers) * 1024))
	assert_equal "$(val totalswap)" $(($(val file_SwapTotal) * 1024))
	assert_equal "$(val freeswap)" $(($(val file_SwapFree) * 1024))
	assert_equal "$(val mem_unit)" 1
	# free memory moves between the two reads: within 8 MiB
	local d=$(($(val freeram) - $(val file_MemFree) * 1024))
	assert [ "${d#-}" -lt $((8 << 20)) ]  # freeram and MemFree differ by $d bytes
	# uptime: the container's (the kernel rounds a started second up)
	local up=${output##*file_uptime }
	up=${up%%.*}
	assert [ "$(val uptime)" -ge "$up" ]
	assert [ "$(val uptime)" -le $((up + 2)) ]
	assert [ "$(val uptime)" -lt "$(cut -d. -f1 /proc/uptime)" ]
	# procs: the container's tasks (sleep, sh, sysinfo-print), not the host's
	assert [ "$(val procs)" -ge 2 ]
	assert [ "$(val procs)" -le 10 ]
	grep -q 'sysinfo served' "$LXCFS_LOG"
	# status reports the agent: the container's descriptor, the calls answered
	run_tk 0 --runtime-dir "$LXCFS_RUNTIME_DIR" status
	assert_line --regexp "^sysinfo: listener $SC_SOCK \(listening\), 1 container descriptor, [1-9][0-9]* calls answered, 0 run in the kernel, 0 connections refused$"
}

@test "sysinfo: busybox uptime in the container says it is minutes old" {
	start_sc "$MIB256"
	run runc_in "$(tk_name)" uptime
	assert_success
	log "$output"
	assert_output --regexp ' up +[0-9]+ min,'
	refute_output --regexp ' day'
}

@test "sysinfo: a container with no memory limit gets the host's memory" {
	start_sc
	run sc_values "$(tk_name)"
	assert_success
	log "$output"
	assert_equal "$(val totalram)" $(($(val file_MemTotal) * 1024))
	assert_equal "$(val totalram)" $(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024))
	assert [ "$(val uptime)" -lt "$(cut -d. -f1 /proc/uptime)" ]
}

@test "sysinfo: with the host view on (SIGUSR2) the call runs in the kernel" {
	start_sc "$MIB256"
	kill -USR2 "$LXCFS_PID"
	wait_for 'grep -q "SIGUSR2: every reader now gets the host" "$LXCFS_LOG"' 5 "host view on"
	run sc_values "$(tk_name)"
	assert_success
	log "$output"
	assert_equal "$(val totalram)" $(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024))
	kill -USR2 "$LXCFS_PID"
	wait_for 'grep -q "SIGUSR2: containers get their own values again" "$LXCFS_LOG"' 5 "host view off"
	run sc_values "$(tk_name)"
	assert_equal "$(val totalram)" $((MIB256))
}

# loop_start NAME SECS: sysinfo-print's tight loop of calls in container NAME, its summary to
# /tmp/loop.out there (loop_out NAME)
loop_start() {
	cp "$REPO/build/tools/sysinfo-print" "$BATS_TEST_TMPDIR/rootfs-$1/bin/"
	timeout 30 runc --root "$TK_RUNC_ROOT" exec -d "$1" sh -c \
		"/bin/sysinfo-print loop $2 >/tmp/loop.out" </dev/null
}
loop_out() { echo "$BATS_TEST_TMPDIR/rootfs-$1/tmp/loop.out"; }

@test "sysinfo: kill -9 of the daemon $KILLS times under a tight loop of calls: none fails, none gets host values" {
	local name i secs=$((KILLS + 8)) out
	tk_new_mountpoint
	WD_PIDFILE=$BATS_TEST_TMPDIR/watchdog.pid
	WD_LOG=$BATS_TEST_TMPDIR/watchdog.log
	_WD_PIDFILES+=("$WD_PIDFILE")
	run_tk 0 --log "$WD_LOG" watchdog --watchdog-pidfile "$WD_PIDFILE" --background \
		--interval 0.5 \
		--exec "$LXCFS -f -p $LXCFS_PIDFILE --log $LXCFS_LOG --seccomp-listener $SC_SOCK $LXCFS_MNT"
	WD_PID=$(tr -dc 0-9 <"$WD_PIDFILE")
	_WD_PIDS+=("$WD_PID")
	register daemon "$WD_PID"
	name=$(tk_name)
	seccomp_bundle "$name" "$MIB256"
	runc_start "$name"
	assert_equal "$status" 0
	loop_start "$name" "$secs"
	sleep 1
	for ((i = 1; i <= KILLS; i++)); do
		kill -KILL "$(daemon_pid)"
		sleep "0.$((RANDOM % 5 + 3))"
		wait_for '[ -n "$(daemon_pid)" ] && pid_alive "$(daemon_pid)"' 10 "a daemon serves after kill $i"
	done
	wait_for '[ -s "$(loop_out "$name")" ]' $((secs + 15)) "the loop's summary"
	out=$(cat "$(loop_out "$name")")
	report "after $KILLS kills: $out"
	grep -E 'seccomp|kick|sysinfo' "$LXCFS_LOG" | tail -n 20 | sed 's/^/# log: /'
	assert_equal "$(awk '{print $4}' <<<"$out")" 0  # failed calls (error or host values)
	assert_equal "$(awk '{print $8}' <<<"$out")" "$MIB256"
	assert [ "$(awk '{print $2}' <<<"$out")" -gt 1000 ]  # calls made
	# no call waited longer than a restart (the watchdog's check + the daemon's start)
	assert [ "$(awk '{print $6}' <<<"$out")" -lt 5000000 ]
	# and it is served still
	run sc_values "$name"
	assert_equal "$(val totalram)" "$MIB256"
}

@test "seccomp-profile: --from the podman default moves sysinfo out of its allow rule into a notify rule" {
	local def=/usr/share/containers/seccomp.json
	[ -f "$def" ] || skip "no $def (containers-common)"
	run_tk 0 seccomp-profile --from "$def" --listener "$SC_SOCK"
	assert_line --partial "sysinfo taken out of 1 rule"
	printf '%s\n' "$output" | sed -n '/^{/,$p' >"$BATS_TEST_TMPDIR/p.json"
	local p=$BATS_TEST_TMPDIR/p.json
	assert_equal "$(jq -r .listenerPath "$p")" "$SC_SOCK"
	assert_equal "$(jq -c '[.syscalls[] | select(.names | index("sysinfo")) | .action]' "$p")" \
		'["SCMP_ACT_NOTIFY"]'
	assert_equal "$(jq -r .defaultAction "$p")" "$(jq -r .defaultAction "$def")"
	# every other name of the default is still allowed as before
	assert_equal "$(jq '[.syscalls[].names[]] | length' "$p")" \
		"$(jq '[.syscalls[].names[]] | length' "$def")"
	# a profile without sysinfo (it would get ENOSYS) gets the rule too; bad input fails
	jq 'del(.syscalls[] | select(.names | index("sysinfo")))' "$def" >"$BATS_TEST_TMPDIR/nosys.json"
	run_tk 0 seccomp-profile --from "$BATS_TEST_TMPDIR/nosys.json"
	assert_line --partial "sysinfo taken out of 0 rules"
	echo '{"syscalls": []}' >"$BATS_TEST_TMPDIR/bad.json"
	run_tk 1 seccomp-profile --from "$BATS_TEST_TMPDIR/bad.json"
	run_tk 1 seccomp-profile --from "$def" --format oci
	run_tk 2 seccomp-profile --format xml
	run_tk 2 seccomp-profile --listener relative.sock
}

@test "sysinfo: podman --security-opt seccomp=PROFILE (from the podman default): free -m prints 256" {
	local def=/usr/share/containers/seccomp.json name
	[ -f "$def" ] || skip "no $def (containers-common)"
	tk_start_daemon --seccomp-listener "$SC_SOCK"
	podman_init
	"$TK" seccomp-profile --from "$def" --listener "$SC_SOCK" >"$BATS_TEST_TMPDIR/p.json"
	name=$(tk_name)
	run pm_run "$name" --memory 256m --security-opt "seccomp=$BATS_TEST_TMPDIR/p.json" \
		"$TK_IMAGE" sleep 100000
	assert_success
	run pm exec "$name" free -m
	assert_success
	log "$output"
	assert_line --regexp '^Mem: +256 '
	run pm exec "$name" uptime
	assert_output --regexp ' up +[0-9]+ min,'
	grep -q "seccomp: container .*sysinfo served" "$LXCFS_LOG"
}

@test "sysinfo: hostile input on the listener is refused with a log line; served containers go on; a host client and Python os.sysconf get their cgroup limit" {
	local name ns=$REPO/build/tools/notify-send
	start_sc "$MIB256"
	name=$(tk_name)
	run "$ns" "$SC_SOCK" bad garbage
	run "$ns" "$SC_SOCK" bad nofd
	run "$ns" "$SC_SOCK" bad twofd
	run "$ns" "$SC_SOCK" bad notnotify
	# a second connection claiming the running container, from another pid namespace: its
	# descriptor is refused (closed), so its own sysinfo fails (ENOSYS), nobody else's
	run "$ns" "$SC_SOCK" "$name" ok
	assert_failure
	assert_output --partial "Function not implemented"
	wait_for 'grep -q "another pid namespace" "$LXCFS_LOG"' 5 "the claim is refused"
	local why
	for why in "the state is not one JSON document" "no descriptor came with the state" \
		"more than one descriptor" "the descriptor is not a seccomp notification descriptor"; do
		assert grep -q "refused a connection from pid [0-9]* (uid 0): $why" "$LXCFS_LOG"
	done
	run sc_values "$name"
	assert_equal "$(val totalram)" "$MIB256"
	# and a well-behaved client on the host, in a cgroup of ours: its cgroup's limit
	make_cgroup sc
	cg_set sc memory.limit_in_bytes $((128 << 20))
	run in_cgroup sc "$ns" "$SC_SOCK" host-client ok
	assert_success
	assert_output "totalram $((128 << 20))"
	# glibc's sysconf and Python's os.sysconf go through sysinfo: the same limit
	run in_cgroup sc "$ns" "$SC_SOCK" host-python exec "$TK_PYTHON" -c \
		'import os; print(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))'
	assert_success
	assert_output "$((128 << 20))"
}

@test "sysinfo: lxcfs-toolkit upgrade under a tight loop of calls: none fails, the new process serves" {
	local name old out
	start_sc "$MIB256"
	name=$(tk_name)
	loop_start "$name" 8
	sleep 1
	old=$LXCFS_PID
	run_tk 0 --runtime-dir "$LXCFS_RUNTIME_DIR" upgrade
	assert_output --partial "upgraded: daemon pid $old ->"
	wait_gone "$old" 10
	wait_for '[ -s "$(loop_out "$name")" ]' 30 "the loop's summary"
	out=$(cat "$(loop_out "$name")")
	report "across an upgrade: $out"
	assert_equal "$(awk '{print $4}' <<<"$out")" 0
	assert_equal "$(awk '{print $8}' <<<"$out")" "$MIB256"
	run sc_values "$name"
	assert_equal "$(val totalram)" "$MIB256"
	LXCFS_PID=$(tr -dc 0-9 <"$LXCFS_PIDFILE")
	track_daemon "$LXCFS_PID"
	grep -q "seccomp: serving sysinfo for [0-9]* container" "$LXCFS_LOG"
}

@test "sysinfo: a second daemon on the same listener path leaves the first one's socket alone" {
	start_sc "$MIB256"
	local first_log=$LXCFS_LOG first_pid=$LXCFS_PID
	new_mountpoint M2
	run_lxcfs 0 -p "$BATS_TEST_TMPDIR/second.pid" --log "$BATS_TEST_TMPDIR/second.log" \
		--runtime-dir "$BATS_TEST_TMPDIR/run2" --seccomp-listener "$SC_SOCK" "$M2"
	track_daemon "$(tr -dc 0-9 <"$BATS_TEST_TMPDIR/second.pid")"
	grep -q "another process listens there" "$BATS_TEST_TMPDIR/second.log"
	# a new exec still reaches the first daemon
	run sc_values "$(tk_name)"
	assert_equal "$(val totalram)" "$MIB256"
	assert [ "$(grep -c 'sysinfo served' "$first_log")" -ge 2 ]
	pid_alive "$first_pid"
}

# move_to_parent NAME: move every process of our cgroup NAME to the test's parent
# cgroup (ours), in each controller
move_to_parent() {
	local c d pid
	for c in "${CG_CONTROLLERS[@]}"; do
		d=$(cg_dir "$c" "$1")
		[ -d "$d" ] || continue
		for pid in $(cat "$d/cgroup.procs"); do
			echo "$pid" >"$CGROOT/$c/$CG_TOP/cgroup.procs" || return 1
		done
	done
}

@test "sysinfo: a container whose cgroup is removed under a tight loop of calls: no call fails; the host's values (the call runs in the kernel), then those of the cgroup it moved to" {
	local ns=$REPO/build/tools/notify-send sp=$REPO/build/tools/sysinfo-print out c bg host_total
	tk_start_daemon --seccomp-listener "$SC_SOCK"
	make_cgroup gone
	cg_set gone memory.limit_in_bytes $((128 << 20))
	# a container as the daemon sees one: a pid namespace of its own whose init hands its
	# filter's descriptor over as runc does, in our cgroup `gone`, calling sysinfo for 6 s
	in_cgroup gone unshare -pf "$ns" "$SC_SOCK" gone-ct exec "$sp" loop 6 \
		>"$BATS_TEST_TMPDIR/loop.out" 2>&1 3>&- &
	bg=$!
	wait_for 'grep -q "container gone-ct .*sysinfo served" "$LXCFS_LOG"' 10 "the agent serves the container"
	sleep 1
	# its processes go to the test's parent cgroup, and its cgroup is removed (its files, held
	# open by the daemon, answer ENODEV from now on)
	move_to_parent gone
	for c in "${CG_CONTROLLERS[@]}"; do
		[ -d "$(cg_dir "$c" gone)" ] && rmdir "$(cg_dir "$c" gone)"
	done
	wait "$bg"
	out=$(cat "$BATS_TEST_TMPDIR/loop.out")
	run_tk 0 status
	report "a container whose cgroup went: $out; $(grep '^sysinfo:' <<<"$output")"
	assert_equal "$(awk '$9 == "errors" {print $10}' <<<"$out")" 0  # no call returned an error
	assert_equal "$(awk '{print $8}' <<<"$out")" $((128 << 20))  # its own limit while its cgroup was there
	host_total=$("$sp" | awk '$1 == "totalram" {print $2}')
	# afterwards: the kernel's (its cgroup gone) or the parent's (no limit): the host's RAM
	assert_equal "$(awk '{print $12}' <<<"$out")" "$host_total"
	# and the daemon serves on
	pid_alive "$LXCFS_PID"
	run "$ns" "$SC_SOCK" host-after ok
	assert_success
}

@test "sysinfo: a limit changed at run time shows on the very next call (the agent's copy of the memory is checked against the limit file)" {
	local ns=$REPO/build/tools/notify-send sp=$REPO/build/tools/sysinfo-print lim
	tk_start_daemon --seccomp-listener "$SC_SOCK"
	make_cgroup relimit
	cg_set relimit memory.limit_in_bytes $((128 << 20))
	lim=$(cg_dir memory relimit)/memory.limit_in_bytes
	# a container (its own pid namespace, its filter handed over as runc does) that calls,
	# sets its own limit to 96 MiB and calls again at once (well within the copy's 10 ms)
	run in_cgroup relimit unshare -pf "$ns" "$SC_SOCK" relimit-ct exec "$sp" limit "$lim" $((96 << 20))
	assert_success
	log "$output"
	assert_output --regexp "^before $((128 << 20)) after $((96 << 20)) gap_us [0-9]+$"
}

@test "sysinfo: containers come and go (40, each in a cgroup of its own): the daemon's descriptors do not grow" {
	local ns=$REPO/build/tools/notify-send i n0 n1
	tk_start_daemon --seccomp-listener "$SC_SOCK"
	# one_ct I: a container in cgroup ctI with a 64 MiB limit: one call, then it exits and its
	# cgroup goes
	one_ct() {
		make_cgroup "ct$1" && cg_set "ct$1" memory.limit_in_bytes $((64 << 20)) || return 1
		run in_cgroup "ct$1" unshare -pf "$ns" "$SC_SOCK" "churn-$1" ok
		[ "$output" = "totalram $((64 << 20))" ] || { log "ct$1: $output"; return 1; }
		local c
		for c in "${CG_CONTROLLERS[@]}"; do
			[ -d "$(cg_dir "$c" "ct$1")" ] || continue
			wait_for "rmdir '$(cg_dir "$c" "ct$1")' 2>/dev/null" 5 "cgroup ct$1 removed" || return 1
		done
	}
	one_ct 0
	wait_for 'grep -q "container churn-0: its last task exited" "$LXCFS_LOG"' 10 "the agent drops the container"
	sleep 6 # the container table's reaper and the paths' lifetime
	n0=$(ls "/proc/$LXCFS_PID/fd" | wc -l)
	for ((i = 1; i <= 40; i++)); do one_ct "$i" || fail "container $i"; done
	wait_for '[ "$(grep -c "container churn-[0-9]*: its last task exited" "$LXCFS_LOG")" -eq 41 ]' 10 "the agent drops every container"
	sleep 6
	n1=$(ls "/proc/$LXCFS_PID/fd" | wc -l)
	report "the daemon's descriptors: $n0 after one container, $n1 after 40 more"
	assert [ "$n1" -le $((n0 + 2)) ]  # no descriptor left per container gone (2: a control connection or so at that moment)
}

@test "sysinfo: check-lxcfs and status name the agent's socket and its containers; a socket gone from its path fails check-lxcfs; a daemon without the agent says not configured" {
	start_sc "$MIB256"
	run_tk 0 check-lxcfs
	assert_line "seccomp agent: listening on $SC_SOCK, 1 container"
	run_tk 0 status
	assert_line --regexp "^sysinfo: listener $SC_SOCK \\(listening\\), 1 container descriptor, [0-9]+ calls answered"
	run_tk 0 status --json
	jq -e --arg s "$SC_SOCK" '.daemon.seccomp == {"listener": $s, "listening": true, "containers": 1}' <<<"$output"
	# the socket moved away: a runtime cannot connect, check-lxcfs says so and fails
	mv "$SC_SOCK" "$SC_SOCK.away"
	run_tk 1 check-lxcfs
	assert_output --partial "the seccomp agent listens, but \`$SC_SOCK\` is gone"
	run_tk 0 status
	assert_line --regexp "^sysinfo: listener $SC_SOCK \\(NOT listening\\)"
	mv "$SC_SOCK.away" "$SC_SOCK"
	run_tk 0 check-lxcfs
	# a second daemon configured on the first one's path does not listen: check-lxcfs fails
	local m2 p2=$BATS_TEST_TMPDIR/second.pid
	new_mountpoint m2
	run_lxcfs 0 -p "$p2" --log "$BATS_TEST_TMPDIR/second.log" --runtime-dir "$BATS_TEST_TMPDIR/run2" \
		--seccomp-listener "$SC_SOCK" "$m2"
	track_daemon "$(tr -dc 0-9 <"$p2")"
	LXCFS=$TK run_lxcfs 1 --mountpoint "$m2" --pidfile "$p2" --runtime-dir "$BATS_TEST_TMPDIR/run2" \
		--engine none check-lxcfs
	assert_output --partial "the seccomp agent is configured ($SC_SOCK) but does not listen"
	# a third daemon without the agent
	local m3 p3=$BATS_TEST_TMPDIR/third.pid
	new_mountpoint m3
	run_lxcfs 0 -p "$p3" --log "$BATS_TEST_TMPDIR/third.log" --runtime-dir "$BATS_TEST_TMPDIR/run3" "$m3"
	track_daemon "$(tr -dc 0-9 <"$p3")"
	LXCFS=$TK run_lxcfs 0 --mountpoint "$m3" --pidfile "$p3" --runtime-dir "$BATS_TEST_TMPDIR/run3" \
		--engine none check-lxcfs
	assert_line "seccomp agent: not configured"
}
