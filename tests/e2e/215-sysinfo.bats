#!/usr/bin/env bats
# sysinfo(2) in real runc containers through seccomp user notification: the daemon's
# --seccomp-listener socket is the bundle's linux.seccomp.listenerPath, runc hands it the
# notification descriptor of a filter whose sysinfo rule is SCMP_ACT_NOTIFY, and the daemon
# answers each call with the values the container's own files show.

load helpers-toolkit

MIB256=$((256 * 1024 * 1024))

setup() {
	tk_setup
	SC_SOCK=$BATS_TEST_TMPDIR/sc.sock
}

# seccomp_bundle NAME [MEM]: make_bundle NAME MEM with a filter notifying sysinfo, whose
# listener is SC_SOCK
seccomp_bundle() {
	make_bundle "$1" "${2:-}" || return 1
	jq --arg sock "$SC_SOCK" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		listenerPath: $sock, architectures: ["SCMP_ARCH_X86_64"],
		syscalls: [{names: ["sysinfo"], action: "SCMP_ACT_NOTIFY"}]}' \
		"$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
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
	# loads: the host's without --enable-loadavg (within what moves in a second)
	grep -q 'sysinfo served' "$LXCFS_LOG"
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
