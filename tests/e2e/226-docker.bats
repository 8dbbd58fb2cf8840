#!/usr/bin/env bats
# The Docker engine (Debian's docker.io: dockerd, its own containerd, runc) with no hook: the
# files bound the way most users do, `docker run -v MNT/proc/meminfo:/proc/meminfo ...`, each
# file runc lets -v bind (helpers-docker.bash: DK_BIND_FILES). dockerd runs on a private socket
# with its own directories; containers' cgroups are under this run's parent cgroup.

load helpers-docker

KB256=$((256 * 1024))
KB128=$((128 * 1024))

# dk_sh NAME CMD: CMD (sh -c) in container NAME
dk_sh() { dk exec "$1" sh -c "$2"; }

memtotal_dk() { dk exec "$1" awk '$1 == "MemTotal:" {print $2}' /proc/meminfo; }

# lxcfs_binds_in PID: the container paths with a fuse.lxcfs mount in PID's mount namespace
lxcfs_binds_in() {
	awk '{for (i = 7; $i != "-"; i++) ; if ($(i + 1) == "fuse.lxcfs") print $5}' "/proc/$1/mountinfo" | sort
}

@test "docker -v: -m 256m --cpuset-cpus 0 shows 256 MiB and 1 CPU in every bound file" {
	local name pid want f
	tk_start_daemon
	dk_binds
	name=$(tk_name)
	dk_run "$name" -m 256m --cpuset-cpus 0 "${DK_BINDS[@]}" "$DK_IMAGE" sleep 100000
	pid=$(dk_pid "$name")
	# every -v file is a live lxcfs mount
	want=$(for f in "${DK_BIND_FILES[@]}"; do echo "/$f"; done | sort)
	assert_equal "$(lxcfs_binds_in "$pid")" "$want"
	assert_equal "$(memtotal_dk "$name")" "$KB256"
	run dk exec "$name" free -m # busybox free reads /proc/meminfo... and sysinfo(2): see 216
	assert_success
	run dk_sh "$name" 'grep -c ^processor /proc/cpuinfo'
	assert_output 1
	run dk exec "$name" cat /sys/devices/system/cpu/online
	assert_output 0
	run dk_sh "$name" 'grep -c "^cpu[0-9]" /proc/stat'
	assert_output 1 # one cpuN line
	# uptime: the container's (seconds), not the host's
	run dk_sh "$name" 'cut -d. -f1 /proc/uptime'
	assert [ "$output" -lt 60 ] # container uptime $output s
	assert [ "$(cut -d. -f1 /proc/uptime)" -gt "$output" ]
	run dk exec "$name" cat /proc/swaps
	assert_line --index 0 --regexp '^Filename'
	run dk exec "$name" cat /proc/loadavg
	assert_output --regexp '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+/[0-9]+ [0-9]+$'
}

@test "docker -v: --cpus 0.5 with --enable-cfs shows 1 CPU; without a cpuset all the host's" {
	local host
	host=$(grep -c ^processor /proc/cpuinfo)
	tk_start_daemon --enable-cfs
	dk_binds
	dk_run "$(tk_name cfs)" --cpus 0.5 "${DK_BINDS[@]}" "$DK_IMAGE" sleep 100000
	dk_run "$(tk_name all)" "${DK_BINDS[@]}" "$DK_IMAGE" sleep 100000
	run dk_sh "$(tk_name cfs)" 'grep -c ^processor /proc/cpuinfo'
	assert_output 1
	run dk_sh "$(tk_name cfs)" 'grep -c "^cpu[0-9]" /proc/stat'
	assert_output 1
	run dk_sh "$(tk_name all)" 'grep -c ^processor /proc/cpuinfo'
	assert_output "$host"
}

@test "docker update -m 128m is seen on the next read, the container not restarted" {
	local name pid
	tk_start_daemon
	dk_binds
	name=$(tk_name)
	dk_run "$name" -m 256m "${DK_BINDS[@]}" "$DK_IMAGE" sleep 100000
	assert_equal "$(memtotal_dk "$name")" "$KB256"
	pid=$(dk_pid "$name")
	dk update -m 128m "$name" >/dev/null
	assert_equal "$(memtotal_dk "$name")" "$KB128"
	dk update -m 300m --memory-swap 600m "$name" >/dev/null
	assert_equal "$(memtotal_dk "$name")" $((300 * 1024))
	assert_equal "$(dk_pid "$name")" "$pid"
}

# crash_daemon: kill -9 the daemon (no holder: its mounts go stale) and wait until it is gone
crash_daemon() {
	kill -KILL "$LXCFS_PID"
	wait_gone "$LXCFS_PID"
}

# started_at NAME: what would change if docker restarted the container
started_at() { dk inspect -f '{{.State.Pid}} {{.State.StartedAt}} {{.RestartCount}}' "$1"; }

@test "docker API: after a crash and restart, remount --container-id NAME over the docker socket restores the -v files" {
	local name before
	tk_start_daemon
	dk_binds
	name=$(tk_name)
	dk_run "$name" -m 256m --cpuset-cpus 0 "${DK_BINDS[@]}" "$DK_IMAGE" sleep 100000
	before=$(started_at "$name")
	crash_daemon
	run dk exec "$name" cat /proc/meminfo
	assert_failure
	assert_output --partial "Transport endpoint is not connected"
	tk_restart_daemon
	TK_ARGS+=(--engine docker --engine-socket "$DK_SOCK")
	run_tk 0 remount --container-id "$name"
	assert_line --index $((${#lines[@]} - 1)) "remounted 1 of 1 containers"
	assert_equal "$(memtotal_dk "$name")" "$KB256"
	run dk_sh "$name" 'grep -c ^processor /proc/cpuinfo'
	assert_output 1
	run dk exec "$name" cat /sys/devices/system/cpu/online
	assert_output 0
	assert_equal "$(started_at "$name")" "$before" # not restarted
}

@test "docker API: remount --all restores every container holding lxcfs mounts; status lists them by name" {
	local a b
	tk_start_daemon
	dk_binds
	a=$(tk_name a) b=$(tk_name b)
	dk_run "$a" -m 256m "${DK_BINDS[@]}" "$DK_IMAGE" sleep 100000
	dk_run "$b" -m 128m -v "$LXCFS_MNT/proc/meminfo:/proc/meminfo" "$DK_IMAGE" sleep 100000
	dk_run "$(tk_name plain)" "$DK_IMAGE" sleep 100000
	TK_ARGS+=(--engine docker --engine-socket "$DK_SOCK")
	run_tk 0 status --json
	assert_equal "$(jq -r '[.containers[].name] | sort | join(" ")' <<<"$output")" "$(printf '%s\n' "$a" "$b" "$(tk_name plain)" | sort | tr '\n' ' ' | sed 's/ $//')"
	assert_equal "$(jq -r --arg n "$a" '.containers[] | select(.name == $n) | .source' <<<"$output")" api
	assert_equal "$(jq -r --arg n "$a" '.containers[] | select(.name == $n) | .id' <<<"$output")" "$(dk inspect -f '{{.Id}}' "$a")"
	assert_equal "$(jq -r --arg n "$a" '.containers[] | select(.name == $n) | .files["proc/meminfo"]' <<<"$output")" live
	# the CPU directory's column: its online file bound by -v, not the directory
	assert_equal "$(jq -r --arg n "$a" '.containers[] | select(.name == $n) | .files["sys/devices/system/cpu"]' <<<"$output")" live
	assert_equal "$(jq -r --arg n "$b" '.containers[] | select(.name == $n) | .files["sys/devices/system/cpu"]' <<<"$output")" absent
	crash_daemon
	run_tk 1 status --json
	assert_equal "$(jq -r --arg n "$a" '.containers[] | select(.name == $n) | .files | [.["proc/meminfo"], .["sys/devices/system/cpu"]] | join(" ")' <<<"$output")" "stale stale"
	tk_restart_daemon
	run_tk 0 remount --all
	assert_line --index $((${#lines[@]} - 1)) "remounted 2 of 2 containers"
	assert_equal "$(memtotal_dk "$a")" "$KB256"
	assert_equal "$(memtotal_dk "$b")" "$KB128"
	run dk exec "$(tk_name plain)" mount
	refute_output --partial fuse.lxcfs # remount --all left the container with no lxcfs mount alone
}

@test "takeover: kill -9 of the daemon under the watchdog, a reader in a docker -v container: no failed read, no host value, no remount" {
	local name pid before after out i reader=${LXCFS_READER:-$REPO/build/tools/lxcfs-reader}
	local files=(/proc/meminfo /proc/cpuinfo /proc/stat /proc/uptime /proc/loadavg /proc/swaps
		/proc/slabinfo /sys/devices/system/cpu/online)
	[ -x "$reader" ] || fail "$reader is missing: run make tools"
	wd_start --interval 0.5
	dk_binds
	name=$(tk_name)
	mkdir -p "$BATS_TEST_TMPDIR/rd"
	dk_run "$name" -m 256m --cpuset-cpus 0 "${DK_BINDS[@]}" -v "$reader:/bin/lxcfs-reader:ro" \
		-v "$BATS_TEST_TMPDIR/rd:/rd" "$DK_IMAGE" sleep 100000
	pid=$(dk_pid "$name")
	dk exec -d "$name" /bin/lxcfs-reader 600 /rd/out /rd/stop "$KB256" "$(host_memtotal)" "${files[@]}"
	sleep 0.5
	before=$(cat "/proc/$pid/mountinfo")
	for ((i = 1; i <= 5; i++)); do
		kill -KILL "$(daemon_pid)"
		sleep "0.$((RANDOM % 5 + 3))"
		wait_for '[ -n "$(daemon_pid)" ] && pid_alive "$(daemon_pid)"' 10 "a daemon serves after kill $i"
	done
	sleep 1
	touch "$BATS_TEST_TMPDIR/rd/stop"
	wait_for '[ -s "$BATS_TEST_TMPDIR/rd/out" ]' 30 "the reader's summary"
	out=$(cat "$BATS_TEST_TMPDIR/rd/out")
	after=$(cat "/proc/$pid/mountinfo")
	report "docker -v reader: $out"
	assert_regex "$out" '^reads=[1-9][0-9]* fails=0 host=0 wrong=0 '
	assert_equal "$after" "$before" # no mount changed (mount ids included)
	assert_equal "$(grep -c 'took the connection over' "$WD_LOG")" 5
	run grep -c 'umount --all' "$WD_LOG"
	assert_output 0 # the container was never put on the host view
	assert_equal "$(memtotal_dk "$name")" "$KB256"
}

@test "docker -v: runc refuses the files outside its /proc allow-list; remount --container-id gives them to the running container" {
	local f name pid
	tk_start_daemon
	# what README.md, lxcfs(1) and DK_REFUSED_FILES say Docker users cannot -v: a runc that
	# takes them makes this fail, and those texts must change with it
	for f in "${DK_REFUSED_FILES[@]}"; do
		run dk run --rm --network none -v "$LXCFS_MNT/$f:/$f:ro" "$DK_IMAGE" true
		assert_failure
		assert_output --regexp "to rootfs at \"/$f\": \"[^\"]*/$f\" cannot be mounted because it is inside /proc"
	done
	# the CPU directory whole is not in /proc: -v takes it
	dk_binds
	name=$(tk_name)
	dk_run "$name" --cpuset-cpus 0 "${DK_BINDS[@]}" \
		-v "$LXCFS_MNT/sys/devices/system/cpu:/sys/devices/system/cpu:ro" "$DK_IMAGE" sleep 100000
	run dk_sh "$name" 'ls -d /sys/devices/system/cpu/cpu[0-9]*'
	assert_output /sys/devices/system/cpu/cpu0
	pid=$(dk_pid "$name")
	for f in "${DK_REFUSED_FILES[@]}"; do
		refute [ "$(lxcfs_binds_in "$pid" | grep -cx "/$f")" -gt 0 ] # /$f not bound yet
	done
	TK_ARGS+=(--engine docker --engine-socket "$DK_SOCK")
	run_tk 0 remount --container-id "$name"
	for f in "${DK_REFUSED_FILES[@]}"; do
		assert_equal "$(lxcfs_binds_in "$pid" | grep -cx "/$f")" 1 # /$f bound by remount
	done
	run_tk 0 status --json
	assert_equal "$(jq -r '[.containers[0].files[]] | unique | join(",")' <<<"$output")" live
}

@test "sysinfo: docker --security-opt seccomp=\$(seccomp-profile): Docker < 23.0 drops listenerPath (runc refuses), 23.0+ free -m prints 256" {
	local sc=$BATS_TEST_TMPDIR/sc.sock ver major name
	tk_start_daemon --seccomp-listener "$sc"
	run_tk 0 seccomp-profile --listener "$sc"
	assert_line --partial "note: Docker before 23.0 drops listenerPath"
	"$TK" seccomp-profile --listener "$sc" >"$BATS_TEST_TMPDIR/p.json" 2>/dev/null
	assert_equal "$(jq -r .listenerPath "$BATS_TEST_TMPDIR/p.json")" "$sc"
	ver=$(dk version --format '{{.Server.Version}}')
	major=${ver%%.*}
	log "dockerd $ver"
	name=$(tk_name)
	run dk run -d --name "$name" --network none -m 256m \
		--security-opt "seccomp=$BATS_TEST_TMPDIR/p.json" "$DK_IMAGE" sleep 100000
	if [ "$major" -lt 23 ]; then
		# moby's 20.10 profile type has no listenerPath: runc gets SCMP_ACT_NOTIFY alone
		assert_failure
		assert_output --partial "listenerPath is not set"
		return 0
	fi
	assert_success
	run dk exec "$name" free -m
	assert_line --regexp '^Mem: +256 '
}

@test "docker API: a paused container is listed and remounted after a crash; thawed, it reads its own values" {
	local name
	tk_start_daemon
	dk_binds
	name=$(tk_name)
	dk_run "$name" -m 256m "${DK_BINDS[@]}" "$DK_IMAGE" sleep 100000
	dk pause "$name"
	TK_ARGS+=(--engine docker --engine-socket "$DK_SOCK")
	run_tk 0 status --json
	assert_equal "$(jq -r '.containers[0].name + " " + .containers[0].files["proc/meminfo"]' <<<"$output")" "$name live"
	crash_daemon
	tk_restart_daemon
	run_tk 0 remount --all
	assert_line --index $((${#lines[@]} - 1)) "remounted 1 of 1 containers"
	dk unpause "$name"
	assert_equal "$(memtotal_dk "$name")" "$KB256"
}

@test "sysinfo: Docker < 23.0 with a runtime that sets listenerPath (runc wrapper): free -m prints 256, uptime the container's" {
	local sc=$BATS_TEST_TMPDIR/sc.sock name
	tk_start_daemon --seccomp-listener "$sc"
	echo "$sc" >"$DK_DIR/listener"
	"$TK" seccomp-profile --listener "$sc" >"$BATS_TEST_TMPDIR/p.json" 2>/dev/null
	dk_binds
	name=$(tk_name)
	dk_run "$name" --runtime lxcfs-runc -m 256m "${DK_BINDS[@]}" \
		--security-opt "seccomp=$BATS_TEST_TMPDIR/p.json" "$DK_IMAGE" sleep 100000
	run dk exec "$name" free -m
	log "$output"
	assert_line --regexp '^Mem: +256 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$'
	run dk exec "$name" uptime # sysinfo(2) uptime: the container's, not the host's hours
	assert_output --regexp ' up +[0-9] min,'
	# the same container without the runtime: the kernel's (host) total
	run dk run --rm --network none -m 256m "${DK_BINDS[@]}" "$DK_IMAGE" free -m
	refute_line --regexp '^Mem: +256 '
}

@test "docker --runtime that adds the toolkit's OCI hook: every file, partitions and pressure too; poststop forgets it" {
	local name pid id f
	tk_start_daemon
	dk_use_hook
	name=$(tk_name)
	id=$(dk_run "$name" --runtime lxcfs-hook-runc -m 256m --cpuset-cpus 0 "$DK_IMAGE" sleep 100000)
	pid=$(dk_pid "$name")
	for f in "${DK_BIND_FILES[@]}" "${DK_REFUSED_FILES[@]}"; do
		[ "$f" = sys/devices/system/cpu/online ] && f=sys/devices/system/cpu # bound whole
		assert_equal "$(lxcfs_binds_in "$pid" | grep -cx "/$f")" 1 # /$f bound by the hook
	done
	assert_equal "$(memtotal_dk "$name")" "$KB256"
	run dk_sh "$name" 'ls -d /sys/devices/system/cpu/cpu[0-9]*'
	assert_output /sys/devices/system/cpu/cpu0
	assert [ -f "$TK_REG/$id.json" ] # registered as $id
	TK_ARGS+=(--engine docker --engine-socket "$DK_SOCK")
	run_tk 0 status --json
	assert_equal "$(jq -r '.containers[0].source + " " + .containers[0].name' <<<"$output")" "registry+api $name"
	dk rm -f "$name" >/dev/null
	refute [ -e "$TK_REG/$id.json" ] # poststop removed the entry
}
