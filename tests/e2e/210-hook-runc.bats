#!/usr/bin/env bats
# `lxcfs-toolkit hook` as the prestart/poststop hook of real runc containers (busybox-static
# rootfs, explicit cgroupsPath under this run's parent cgroup).

load helpers-toolkit

MIB256=$((256 * 1024 * 1024))

# start_limited [TOOLKIT_OPTIONS...]: a container with a 256 MiB limit on CPU 0, started with
# the hook (given the extra options)
start_limited() {
	tk_start_daemon
	TK_ARGS+=("$@")
	make_bundle "$(tk_name)" "$MIB256" 0
	runc_start "$(tk_name)"
	assert_equal "$status" 0
}

@test "hook: MemTotal in a runc container equals its memory limit" {
	start_limited
	run runc_in "$(tk_name)" grep ^MemTotal: /proc/meminfo
	assert_success
	assert_output --regexp "^MemTotal: +$((MIB256 / 1024)) kB$"
}

@test "hook: a one-CPU cpuset shows one processor and cpu/online lists one CPU" {
	start_limited
	run runc_in "$(tk_name)" grep -c ^processor /proc/cpuinfo
	assert_output 1
	run runc_in "$(tk_name)" grep . /sys/devices/system/cpu/online
	assert_output 0
}

@test "hook: /proc/uptime starts near zero (the container's, not the host's)" {
	start_limited
	run runc_in "$(tk_name)" grep . /proc/uptime
	assert_success
	local up=${output%%.*}
	assert [ "$up" -lt 30 ]  # container uptime $output is below 30 s
	local host
	host=$(cut -d. -f1 /proc/uptime)
	log "host uptime $host s"
	assert [ "$up" -lt "$host" ]  # container uptime ($up s) is below the host's ($host s)
}

@test "hook: mount in the container shows fuse.lxcfs on each file" {
	start_limited
	run runc_in "$(tk_name)" mount
	assert_success
	local f
	for f in "${TK_FILES[@]}"; do
		assert_line --regexp "^lxcfs on /$f type fuse.lxcfs "
	done
}

@test "hook: /proc/pressure/cpu in a runc container is its own cgroup's PSI, not the host's" {
	[ -f /proc/pressure/cpu ] || skip "no PSI on this kernel"
	start_limited
	local name cg served after host
	name=$(tk_name)
	cg=$(awk -F: '$1 == "0" {print $3}' "/proc/$(runc_pid "$name")/cgroup")
	cg=$CGROOT/unified$cg
	[ -f "$cg/cpu.pressure" ] || skip "runc made no cgroup2 cgroup with PSI ($cg)"
	# three busy loops on the container's one CPU
	run runc_in "$name" sh -c 'for i in 1 2 3; do timeout 2 sh -c "while :; do :; done" & done; wait; cat /proc/pressure/cpu'
	assert_success
	served=$(awk '$1 == "some" {sub("total=", "", $5); print $5}' <<<"$output")
	after=$(awk '$1 == "some" {sub("total=", "", $5); print $5}' "$cg/cpu.pressure")
	host=$(awk '$1 == "some" {sub("total=", "", $5); print $5}' /proc/pressure/cpu)
	log "served $served, the cgroup's after $after, the host's $host"
	assert [ "$served" -gt 0 ]
	assert [ "$served" -le "$after" ]
	assert [ "$served" -lt "$host" ]
}

@test "hook: the mount point appears read-only at /var/lib/lxcfs in the container" {
	start_limited
	run runc_in "$(tk_name)" mount
	assert_line --regexp '^lxcfs on /var/lib/lxcfs type fuse.lxcfs \(ro,'
	run runc_in "$(tk_name)" grep ^MemTotal: /var/lib/lxcfs/proc/meminfo
	assert_success
}

@test "hook: the registry records the container and poststop removes the entry" {
	start_limited
	local name pid entry
	name=$(tk_name)
	pid=$(runc_pid "$name")
	entry=$TK_REG/$name.json
	assert [ -f "$entry" ]  # registry entry $entry exists
	assert_equal "$(jq -r .pid "$entry")" "$pid"
	assert_equal "$(jq -r .mntns "$entry")" "$(stat -L -c %i "/proc/$pid/ns/mnt")"
	assert_equal "$(jq -r .starttime "$entry")" "$(awk '{sub(/.*\) /, ""); print $20}' "/proc/$pid/stat")"
	assert_equal "$(jq -r .degraded "$entry")" false
	runc --root "$TK_RUNC_ROOT" kill "$name" KILL
	wait_for '[ "$(runc --root "$TK_RUNC_ROOT" state "$name" | jq -r .status)" = stopped ]' 5 ""
	timeout 30 runc --root "$TK_RUNC_ROOT" delete "$name"
	refute [ -e "$entry" ]  # poststop removed $entry
}

@test "hook: with the daemon down the container starts with host values, recorded as degraded" {
	tk_start_daemon
	stop_daemon
	make_bundle "$(tk_name)" "$MIB256" 0
	runc_start "$(tk_name)"
	assert_equal "$status" 0
	run runc_in "$(tk_name)" grep ^MemTotal: /proc/meminfo
	assert_output "$(grep ^MemTotal: /proc/meminfo)"
	assert_equal "$(jq -r .degraded "$TK_REG/$(tk_name).json")" true
}

@test "hook --strict: with the daemon down the container does not start" {
	tk_start_daemon
	stop_daemon
	make_bundle "$(tk_name)" "$MIB256" 0
	jq '.hooks.prestart[0].args += ["--strict"]' "$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
	runc_start "$(tk_name)"
	assert_failure  # runc run failed
	assert_output --partial "lxcfs is not healthy"
}

@test "hook: called as lxcfs-hook (argv[0]) it acts as the hook command" {
	tk_start_daemon
	ln -s "$TK" "$BATS_TEST_TMPDIR/lxcfs-hook"
	make_bundle "$(tk_name)" "$MIB256" 0
	# lxcfs-hook takes no options: it reads the config file (here named by the environment)
	cat >"$BATS_TEST_TMPDIR/tk.conf" <<-CONF
		[lxcfs]
		loadavg = true
		[toolkit]
		mountpoint = $LXCFS_MNT
		registry = $TK_REG
		pidfile = $LXCFS_PIDFILE
	CONF
	jq --arg p "$BATS_TEST_TMPDIR/lxcfs-hook" --arg c "$BATS_TEST_TMPDIR/tk.conf" \
		'.hooks.prestart[0] = {path: $p, args: ["lxcfs-hook"], env: ["LXCFS_TOOLKIT_CONFIG=" + $c]}' \
		"$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
	runc_start "$(tk_name)"
	assert_equal "$status" 0
	run runc_in "$(tk_name)" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "^MemTotal: +$((MIB256 / 1024)) kB$"
}

@test "hook: works as a createRuntime hook too (runc runs it in the runtime namespace)" {
	tk_start_daemon
	make_bundle "$(tk_name)" "$MIB256" 0
	jq '.hooks.createRuntime = .hooks.prestart | del(.hooks.prestart)
		| .hooks.createRuntime[0].args |= (.[:-1] + ["hook", "--stage", "createRuntime"])' \
		"$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
	runc_start "$(tk_name)"
	assert_equal "$status" 0
	run runc_in "$(tk_name)" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "^MemTotal: +$((MIB256 / 1024)) kB$"
}

@test "hook --log FILE: one line per container is appended" {
	local files
	start_limited --log "$BATS_TEST_TMPDIR/tk.log"
	# one bind per lxcfs file (the mount point's own bind is the extra fuse.lxcfs line)
	files=$(($(runc_in "$(tk_name)" cat /proc/mounts | grep -c ' fuse.lxcfs ') - 1))
	assert [ "$files" -ge 9 ]
	run grep -cE "container $(tk_name) \(pid [0-9]+\): attached $files, detached 0" \
		"$BATS_TEST_TMPDIR/tk.log"
	assert_output 1
}

@test "hook: 12 containers started at once all get their own files (no bind lost to a race)" {
	# every container has inodes of its own; a lookup from one container drops the
	# dentry another container's hook has just cloned, and the kernel refuses to attach
	# a dropped dentry (ENOENT): the hook clones again
	local n=12 i name pids=() mem
	tk_start_daemon
	for ((i = 0; i < n; i++)); do
		make_bundle "$(tk_name "par$i")" $(((200 + 8 * i) * 1024 * 1024))
	done
	for ((i = 0; i < n; i++)); do
		runc_start "$(tk_name "par$i")" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	for ((i = 0; i < n; i++)); do
		name=$(tk_name "par$i")
		_TK_RUNC+=("$name") # runc_start ran in a subshell
		assert_equal "$(runc --root "$TK_RUNC_ROOT" state "$name" | jq -r .status)" running
		mem=$(((200 + 8 * i) * 1024))
		run runc_in "$name" grep MemTotal /proc/meminfo
		assert_output --regexp "MemTotal: +$mem kB" || fail "container $i: $output"
	done
}
