#!/usr/bin/env bats
# Crash and recovery: remount / umount --all | --container-id through the registry, status.

load helpers-toolkit

MIB256=$((256 * 1024 * 1024))
KB256=$((256 * 1024))

# start_ctr [SUFFIX] [HOOK=yes]: a runc container (256 MiB, CPU 0); sets CTR (its name)
start_ctr() {
	CTR=$(tk_name "${1:-}")
	make_bundle "$CTR" "$MIB256" 0 "${2:-yes}"
	runc_start "$CTR"
	assert_equal "$status" 0
}

memtotal_in() { runc_in "$1" grep ^MemTotal: /proc/meminfo | awk '{print $2}'; }

# crash: kill -9 the daemon and wait until it is gone
crash_daemon() {
	kill -KILL "$LXCFS_PID"
	wait_gone "$LXCFS_PID"
}

@test "remount: after a daemon crash reads fail with ENOTCONN, check-lxcfs says so" {
	tk_start_daemon
	start_ctr
	assert_equal "$(memtotal_in "$CTR")" "$KB256"
	crash_daemon
	run runc_in "$CTR" grep ^MemTotal: /proc/meminfo
	assert_failure
	assert_output --partial "Transport endpoint is not connected"
	run_tk 1 check-lxcfs
	assert_output --regexp "[Tt]ransport endpoint is not connected"
}

@test "remount --all: after restart (prestart + daemon) the container reads its values again" {
	tk_start_daemon
	start_ctr
	crash_daemon
	tk_restart_daemon
	run_tk 0 remount --all
	assert_line --index $((${#lines[@]} - 1)) "remounted 1 of 1 containers"
	assert_equal "$(memtotal_in "$CTR")" "$KB256"
	run runc_in "$CTR" grep -c ^processor /proc/cpuinfo
	assert_output 1
}

@test "remount: remount --all while the daemon is down fails with the reason" {
	tk_start_daemon
	start_ctr
	crash_daemon
	run_tk 1 remount --all
	assert_output --partial "lxcfs is not healthy"
	assert_equal "${#lines[@]}" 1
}

@test "status: stale after a crash, live after remount, with the daemon's health on top" {
	tk_start_daemon
	start_ctr
	run_tk 0 status
	assert_line --index 0 --partial "lxcfs: healthy"
	assert_line --regexp "^${CTR:0:12} .*( live +){9}$"
	crash_daemon
	run_tk 1 status --json
	assert_equal "$(jq -r .daemon.healthy <<<"$output")" false
	assert_equal "$(jq -r '.containers[0].files | [.[]] | unique | join(",")' <<<"$output")" stale
	tk_restart_daemon
	run_tk 0 remount --all
	run_tk 0 status --json
	assert_equal "$(jq -r .daemon.healthy <<<"$output")" true
	assert_equal "$(jq -r '.containers[0].files | [.[]] | unique | join(",")' <<<"$output")" live
	assert_equal "$(jq -r '.containers[0].id' <<<"$output")" "$CTR"
}

@test "status: exits 1 while it says the daemon is not healthy (SIGSTOP), 0 once it runs again" {
	tk_start_daemon
	start_ctr
	run_tk 0 status
	kill -STOP "$LXCFS_PID"
	run_tk 1 status
	assert_line --index 0 --partial "lxcfs: NOT healthy:"
	assert_output --partial "read timed out"
	assert_line --regexp "^${CTR:0:12} "
	run_tk 1 status --json
	assert_equal "$(jq -r .daemon.healthy <<<"$output")" false
	kill -CONT "$LXCFS_PID"
	run_tk 0 status
	assert_line --index 0 --partial "lxcfs: healthy"
}

@test "umount --all gives the host's values, remount --all the container's again" {
	tk_start_daemon
	start_ctr
	run_tk 0 umount --all
	assert_line --index $((${#lines[@]} - 1)) "unmounted 1 of 1 containers"
	assert_equal "$(memtotal_in "$CTR")" "$(awk '$1 == "MemTotal:" {print $2}' /proc/meminfo)"
	run runc_in "$CTR" mount
	refute_output --regexp "on /(proc|sys)/[a-z/]+ type fuse.lxcfs"
	assert [ -f "$TK_REG/$CTR.json" ]  # the registry entry stays
	run_tk 0 status
	assert_line --regexp "^${CTR:0:12} .*( degraded +){9}$"
	run_tk 0 remount --all
	assert_equal "$(memtotal_in "$CTR")" "$KB256"
}

@test "umount is idempotent" {
	tk_start_daemon
	start_ctr
	run_tk 0 umount --all
	run_tk 0 umount --all
	assert_output --partial "unmounted 1 of 1 containers"
	assert_equal "$(memtotal_in "$CTR")" "$(awk '$1 == "MemTotal:" {print $2}' /proc/meminfo)"
}

@test "remount twice stacks no mounts" {
	tk_start_daemon
	start_ctr
	run_tk 0 remount --all
	run_tk 0 remount --all
	local pid
	pid=$(runc_pid "$CTR")
	assert_equal "$(awk '$5 == "/proc/meminfo"' "/proc/$pid/mountinfo" | wc -l)" 1
}

@test "remount --all leaves a container started without the hook alone" {
	tk_start_daemon
	start_ctr hooked
	local hooked=$CTR
	start_ctr plain no
	local plain=$CTR
	run_tk 0 --engine runc --runc-root "$TK_RUNC_ROOT" remount --all
	assert_line --index $((${#lines[@]} - 1)) "remounted 1 of 1 containers"
	run runc_in "$plain" mount
	refute_output --partial fuse.lxcfs
	assert_equal "$(memtotal_in "$hooked")" "$KB256"
}

@test "remount --container-id: a unique prefix or a name; ambiguous and unknown exit 1" {
	tk_start_daemon
	start_ctr x1
	local a1=$CTR
	start_ctr y2
	run_tk 0 umount --all
	# a unique prefix: the full name less its last character
	run_tk 0 remount --container-id "${a1:0:${#a1}-1}"
	assert_line --index $((${#lines[@]} - 1)) "remounted 1 of 1 containers"
	assert_equal "$(memtotal_in "$a1")" "$KB256"
	# the common prefix matches both
	local common=${a1%-x1}
	run_tk 1 remount --container-id "$common"
	assert_output --partial "ambiguous container id $common: matches"
	assert_output --partial "${a1:0:12}"
	run_tk 1 remount --container-id nosuchthing
	assert_output --partial "no such container: nosuchthing"
}

@test "--container-id: another container's id, or a prefix of it, taken as a name does not reach the impostor" {
	tk_start_daemon
	start_ctr victim
	local victim=$CTR prefix impostor1 impostor2 host
	prefix=${victim:0:${#victim}-2}
	host=$(awk '$1 == "MemTotal:" {print $2}' /proc/meminfo)
	# two containers named (org.lxcfs.name) after the victim's id and after a prefix of it
	impostor1=$(tk_name evil1)
	impostor2=$(tk_name evil2)
	make_bundle "$impostor1" "$MIB256" 0
	jq --arg n "$victim" '.annotations["org.lxcfs.name"] = $n' "$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
	runc_start "$impostor1"
	assert_equal "$status" 0
	make_bundle "$impostor2" "$MIB256" 0
	jq --arg n "$prefix" '.annotations["org.lxcfs.name"] = $n' "$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
	runc_start "$impostor2"
	assert_equal "$status" 0
	assert_equal "$(jq -r .name "$TK_REG/$impostor2.json")" "$prefix"

	# the prefix is the victim's (an id prefix), not the container named so
	run_tk 0 umount --container-id "$prefix"
	assert_equal "$(memtotal_in "$victim")" "$host"
	assert_equal "$(memtotal_in "$impostor2")" "$KB256"
	assert_equal "$(memtotal_in "$impostor1")" "$KB256"
	run_tk 0 remount --container-id "$victim"
	assert_equal "$(memtotal_in "$victim")" "$KB256"
	# the victim's full id is the victim's, not the container named so
	run_tk 0 umount --container-id "$victim"
	assert_equal "$(memtotal_in "$victim")" "$host"
	assert_equal "$(memtotal_in "$impostor1")" "$KB256"
	assert_equal "$(memtotal_in "$impostor2")" "$KB256"
}

@test "remount --container-id: a container started without the hook can be given mounts" {
	tk_start_daemon
	start_ctr plain no
	run_tk 0 --engine runc --runc-root "$TK_RUNC_ROOT" remount --container-id "$CTR"
	assert_equal "$(memtotal_in "$CTR")" "$KB256"
}

@test "remount: a registered container whose process is gone is pruned, not failed" {
	tk_start_daemon
	start_ctr
	# a record for a pid that exited (start time cannot match)
	jq '.id = "gone" | .pid = 999999999' "$TK_REG/$CTR.json" >"$TK_REG/gone.json"
	run_tk 0 remount --all
	assert_output --partial "remounted 1 of 1 containers"
	refute [ -e "$TK_REG/gone.json" ]  # stale entry pruned
}

@test "remount: a failing container is named in the summary with its reason; exit 1" {
	tk_start_daemon
	start_ctr
	# a registry record naming a host process (not a container) with its true start time
	tk_bg sleep 1000
	local st before
	st=$(awk '{sub(/.*\) /, ""); print $20}' "/proc/$TK_BG_PID/stat")
	jq --argjson p "$TK_BG_PID" --argjson st "$st" '.id = "hostproc" | .name = "hostproc" | .pid = $p | .starttime = $st' \
		"$TK_REG/$CTR.json" >"$TK_REG/hostproc.json"
	before=$(mounts_snapshot self)
	run_tk 1 remount --all
	assert_line --index $((${#lines[@]} - 1)) --regexp \
		"^remounted 1 of 2 containers; failed: hostproc \(hostproc\): pid $TK_BG_PID is not a container"
	assert_equal "$(mounts_snapshot self)" "$before"
}

@test "umount keeps the mount point at /var/lib/lxcfs in the container" {
	tk_start_daemon
	start_ctr
	run_tk 0 umount --all
	run runc_in "$CTR" mount
	assert_line --regexp '^lxcfs on /var/lib/lxcfs type fuse.lxcfs \(ro,'
	refute_line --regexp '^lxcfs on /proc/meminfo '
}

@test "legacy mount(2) path (legacy_mount = true): hook and remount without open_tree" {
	tk_new_mountpoint
	printf '[toolkit]\nlegacy_mount = true\n' >"$BATS_TEST_TMPDIR/legacy.conf"
	TK_ARGS=(-c "$BATS_TEST_TMPDIR/legacy.conf" "${TK_ARGS[@]}")
	run_tk 0 prestart
	_tk_daemon
	start_ctr
	assert_equal "$(memtotal_in "$CTR")" "$KB256"
	run runc_in "$CTR" mount
	assert_line --regexp '^lxcfs on /proc/cpuinfo type fuse.lxcfs '
	run_tk 0 umount --all
	assert_equal "$(memtotal_in "$CTR")" "$(awk '$1 == "MemTotal:" {print $2}' /proc/meminfo)"
	# remount binds from the container's own /var/lib/lxcfs
	run_tk 0 remount --all
	assert_output --partial "remounted 1 of 1 containers"
	assert_equal "$(memtotal_in "$CTR")" "$KB256"
}
