#!/usr/bin/env bats
# Security and bad input. Each case checks the exit code, the message, and that neither the
# host's mount table nor a container's gained a mount.

load helpers-toolkit

# hook_with STATE_TEXT: run `hook` with STATE_TEXT on stdin (printf %s, no newline added)
hook_with() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/state.json"
	TK_STDIN=$BATS_TEST_TMPDIR/state.json run_tk 1 hook
}

# bad_state STATE_TEXT EXPECTED_MESSAGE: hook exits 1 with the message, no mount, no record
bad_state() {
	tk_start_daemon
	local before
	before=$(mounts_snapshot self)
	hook_with "$1"
	assert_output --partial "$2"
	assert_equal "${#lines[@]}" 1
	assert_equal "$(mounts_snapshot self)" "$before"
	assert_equal "$(ls -A "$TK_REG" 2>/dev/null)" ""
}

@test "bad state: not JSON" {
	bad_state 'this is not json' "bad OCI state: invalid JSON"
}

@test "bad state: truncated JSON" {
	bad_state '{"ociVersion": "1.0.2", "id": "abc", "pid": 12' "bad OCI state: truncated JSON"
}

@test "bad state: empty stdin" {
	bad_state '' "bad OCI state: empty state on stdin"
}

@test "bad state: over 1 MiB" {
	local pad
	pad=$(head -c $((1024 * 1024 + 10)) /dev/zero | tr '\0' a)
	bad_state "{\"id\": \"big\", \"pid\": 1, \"pad\": \"$pad\"}" "larger than 1048576 bytes"
}

@test "bad state: a JSON array instead of an object" {
	bad_state '[1, 2, 3]' "state is not a JSON object"
}

@test "bad state: the id ../../etc" {
	bad_state '{"id": "../../etc", "pid": 1, "bundle": "/tmp"}' "invalid container id \`../../etc\`"
}

@test "bad state: no pid" {
	bad_state '{"id": "nopid", "bundle": "/tmp", "status": "created"}' "container nopid has no pid"
}

@test "bad state: a pid that is a string" {
	bad_state '{"id": "strpid", "pid": "1", "bundle": "/tmp"}' "\`pid\` is not an integer"
}

@test "bad state: a pid that is not alive" {
	bad_state '{"id": "dead", "pid": 999999999, "bundle": "/tmp"}' "pid 999999999 of container dead is not alive"
}

@test "bad state: a pid that is not a container (shares our mount namespace)" {
	tk_bg sleep 1000
	bad_state "{\"id\": \"hostproc\", \"pid\": $TK_BG_PID, \"bundle\": \"/tmp\"}" \
		"pid $TK_BG_PID is not a container"
}

@test "bad input: --container-id ../../etc is no container and touches nothing" {
	tk_start_daemon
	local before
	before=$(mounts_snapshot self)
	run_tk 1 remount --container-id ../../etc
	assert_output --partial "no such container: ../../etc"
	run_tk 1 umount --container-id ../../etc
	assert_output --partial "no such container: ../../etc"
	assert_equal "$(mounts_snapshot self)" "$before"
}

# A malicious rootfs, given to the hook as the state's "root" (iSulad style) for a process in its
# own mount namespace. (runc needs /proc mounted, which would hide proc/ of the rootfs, so the
# "container" here is a chrooted process in a new mount namespace.)
evil_rootfs() {
	ROOTFS=$BATS_TEST_TMPDIR/evil-rootfs
	make_rootfs "$ROOTFS"
	CANARY=$BATS_TEST_TMPDIR/canary
	echo "host canary" >"$CANARY"
}

# hook_refuses: run the hook for the fake container on ROOTFS: exit 1 with the reason, no new
# mount on the host or in the container, the canary untouched
hook_refuses() {
	fake_container "$ROOTFS"
	local pid=$TK_BG_PID before_h before_c
	before_h=$(mounts_snapshot self)
	before_c=$(mounts_snapshot "$pid")
	hook_with "{\"id\": \"$(tk_name)\", \"pid\": $pid, \"root\": \"$ROOTFS\"}"
	assert_output --partial "refusing to mount into the container"
	assert_output --partial "symlink"
	assert_equal "$(mounts_snapshot self)" "$before_h"
	assert_equal "$(mounts_snapshot "$pid")" "$before_c"
	assert_equal "$(cat "$CANARY")" "host canary"
	assert_equal "$(ls -A "$TK_REG" 2>/dev/null)" ""
}

@test "symlink: rootfs proc/meminfo -> a host file is refused" {
	tk_start_daemon
	evil_rootfs
	ln -s "$CANARY" "$ROOTFS/proc/meminfo"
	hook_refuses
}

@test "symlink: rootfs proc -> a host directory is refused" {
	tk_start_daemon
	evil_rootfs
	mkdir -p "$BATS_TEST_TMPDIR/hostproc"
	ln -s "$CANARY" "$BATS_TEST_TMPDIR/hostproc/meminfo"
	cp "$CANARY" "$BATS_TEST_TMPDIR/hostproc/cpuinfo"
	rmdir "$ROOTFS/proc"
	ln -s "$BATS_TEST_TMPDIR/hostproc" "$ROOTFS/proc"
	hook_refuses
}

@test "symlink: rootfs proc -> ../../.. (relative escape) is refused" {
	tk_start_daemon
	evil_rootfs
	rmdir "$ROOTFS/proc"
	ln -s ../../.. "$ROOTFS/proc"
	hook_refuses
}

@test "symlink: rootfs sys/devices -> a host directory is refused" {
	tk_start_daemon
	evil_rootfs
	mkdir -p "$BATS_TEST_TMPDIR/hostdev/system/cpu"
	echo x >"$ROOTFS/proc/meminfo"
	cp "$CANARY" "$BATS_TEST_TMPDIR/hostdev/system/cpu/online"
	CANARY=$BATS_TEST_TMPDIR/hostdev/system/cpu/online
	ln -s "$BATS_TEST_TMPDIR/hostdev" "$ROOTFS/sys/devices"
	hook_refuses
}

@test "symlink: a plain rootfs is accepted by the same hook call (control case)" {
	tk_start_daemon
	evil_rootfs
	echo "plain file" >"$ROOTFS/proc/meminfo"
	fake_container "$ROOTFS"
	printf '{"id": "%s", "pid": %d, "root": "%s"}' "$(tk_name)" "$TK_BG_PID" "$ROOTFS" \
		>"$BATS_TEST_TMPDIR/state.json"
	TK_STDIN=$BATS_TEST_TMPDIR/state.json run_tk 0 hook
	run nsenter --target "$TK_BG_PID" --mount --root grep -c ^MemTotal: /proc/meminfo
	assert_output 1
}

# root_refused STATE MESSAGE: the hook for the fake container (TK_BG_PID) exits 1 with MESSAGE;
# no new mount on the host or in the container, no record
root_refused() {
	local before_h before_c
	before_h=$(mounts_snapshot self)
	before_c=$(mounts_snapshot "$TK_BG_PID")
	hook_with "$1"
	assert_output --partial "$2"
	assert_equal "$(mounts_snapshot self)" "$before_h"
	assert_equal "$(mounts_snapshot "$TK_BG_PID")" "$before_c"
	assert_equal "$(ls -A "$TK_REG" 2>/dev/null)" ""
}

@test "root: a state root of / is refused (it was \"attached 9\" on the host's paths)" {
	tk_start_daemon
	evil_rootfs
	fake_container "$ROOTFS"
	root_refused "{\"id\": \"$(tk_name)\", \"pid\": $TK_BG_PID, \"root\": \"/\"}" \
		"its root \`/\` is the host's root directory"
	root_refused "{\"id\": \"$(tk_name)\", \"pid\": $TK_BG_PID, \"root\": \"/tmp/..\"}" \
		"is the host's root directory"
}

@test "root: a state root that is a symlink to / is refused" {
	tk_start_daemon
	evil_rootfs
	ln -s / "$BATS_TEST_TMPDIR/rootlink"
	fake_container "$ROOTFS"
	root_refused "{\"id\": \"$(tk_name)\", \"pid\": $TK_BG_PID, \"root\": \"$BATS_TEST_TMPDIR/rootlink\"}" \
		"rootlink\` is the host's root directory"
}

@test "root: a state root that is not the rootfs of the state's bundle is refused" {
	tk_start_daemon
	evil_rootfs
	local bundle=$BATS_TEST_TMPDIR/bundle-$(tk_name)
	mkdir -p "$bundle"
	make_rootfs "$bundle/rootfs"
	echo '{"ociVersion": "1.0.2", "root": {"path": "rootfs"}}' >"$bundle/config.json"
	fake_container "$ROOTFS"
	root_refused "{\"id\": \"$(tk_name)\", \"pid\": $TK_BG_PID, \"root\": \"$ROOTFS\", \"bundle\": \"$bundle\"}" \
		"its root \`$ROOTFS\` is not the bundle's rootfs \`$bundle/rootfs\`"
	# the bundle's own rootfs (spelled otherwise) is accepted
	printf '{"id": "%s", "pid": %d, "root": "%s/./rootfs/", "bundle": "%s"}' "$(tk_name)" \
		"$TK_BG_PID" "$bundle" "$bundle" >"$BATS_TEST_TMPDIR/state.json"
	TK_STDIN=$BATS_TEST_TMPDIR/state.json run_tk 0 hook
	assert_output --partial "attached"
}

@test "config.json: a FIFO, a symlink and a sparse 2 GB file are refused at once, nothing mounted" {
	tk_start_daemon
	evil_rootfs
	local bundle=$BATS_TEST_TMPDIR/bundle-$(tk_name) state
	mkdir -p "$bundle"
	fake_container "$ROOTFS"
	state="{\"id\": \"$(tk_name)\", \"pid\": $TK_BG_PID, \"bundle\": \"$bundle\"}"
	mkfifo "$bundle/config.json"
	TK_TIMEOUT=10 root_refused "$state" "config.json\` is a FIFO, not a regular file"
	rm "$bundle/config.json"
	echo '{"root": {"path": "/"}}' >"$BATS_TEST_TMPDIR/elsewhere.json"
	ln -s "$BATS_TEST_TMPDIR/elsewhere.json" "$bundle/config.json"
	root_refused "$state" "config.json\` is a symlink"
	rm "$bundle/config.json"
	truncate -s 2G "$bundle/config.json"
	TK_TIMEOUT=10 root_refused "$state" "config.json\` is larger than 16777216 bytes"
}

@test "stdin that never ends: the hook gives up at its timeout, nothing mounted" {
	tk_start_daemon
	evil_rootfs
	fake_container "$ROOTFS"
	local pid=$TK_BG_PID before_h before_c t0
	printf '[toolkit]\ntimeout = 2\n' >"$BATS_TEST_TMPDIR/tk.conf"
	TK_ARGS=(-c "$BATS_TEST_TMPDIR/tk.conf" "${TK_ARGS[@]}")
	# the whole state, on a pipe whose writer never closes it
	mkfifo "$BATS_TEST_TMPDIR/stdin"
	tk_bg sh -c 'exec 3>"$0"; printf "%s" "$1" >&3; exec sleep 100000' "$BATS_TEST_TMPDIR/stdin" \
		"{\"id\": \"$(tk_name)\", \"pid\": $pid, \"root\": \"$ROOTFS\"}"
	before_h=$(mounts_snapshot self)
	before_c=$(mounts_snapshot "$pid")
	t0=$SECONDS
	TK_TIMEOUT=15 TK_STDIN=$BATS_TEST_TMPDIR/stdin run_tk 1 hook
	assert_output --partial "stdin did not end within 2s"
	assert [ $((SECONDS - t0)) -lt 10 ]  # bounded by the toolkit's timeout
	assert_equal "$(mounts_snapshot self)" "$before_h"
	assert_equal "$(mounts_snapshot "$pid")" "$before_c"
	assert_equal "$(ls -A "$TK_REG" 2>/dev/null)" ""
}

@test "symlink: remount refuses a container whose proc/meminfo became a symlink" {
	tk_start_daemon
	evil_rootfs
	echo "plain file" >"$ROOTFS/proc/meminfo"
	fake_container "$ROOTFS"
	local pid=$TK_BG_PID before_c before_h
	printf '{"id": "%s", "pid": %d, "root": "%s"}' "$(tk_name)" "$pid" "$ROOTFS" \
		>"$BATS_TEST_TMPDIR/state.json"
	TK_STDIN=$BATS_TEST_TMPDIR/state.json run_tk 0 hook
	run_tk 0 umount --all
	rm "$ROOTFS/proc/meminfo"
	ln -s /etc/passwd "$ROOTFS/proc/meminfo"
	before_c=$(mounts_snapshot "$pid")
	before_h=$(mounts_snapshot self)
	run_tk 1 remount --all
	assert_output --partial "refusing to mount into the container"
	assert_output --partial "remounted 0 of 1 containers; failed:"
	assert_equal "$(mounts_snapshot "$pid")" "$before_c"
	assert_equal "$(mounts_snapshot self)" "$before_h"
}

@test "registry: a FIFO, a directory and a sparse 1 GiB file named like entries are skipped at once" {
	tk_start_daemon
	local ctr
	ctr=$(tk_name)
	make_bundle "$ctr" $((256 * 1024 * 1024)) 0
	runc_start "$ctr"
	assert_equal "$status" 0
	mkfifo "$TK_REG/junk.json"
	mkdir "$TK_REG/dir.json"
	truncate -s 1G "$TK_REG/big.json"
	# a FIFO blocked remount --all and status forever; the big file was read whole
	TK_TIMEOUT=10 run_tk 0 remount --all
	assert_line --index $((${#lines[@]} - 1)) "remounted 1 of 1 containers"
	assert_output --partial "junk.json\` is a FIFO, not a regular file"
	assert_output --partial "dir.json\` is a directory, not a regular file"
	assert_output --partial "big.json\` is larger than 65536 bytes"
	TK_TIMEOUT=10 run_tk 0 status
	assert_line --regexp "^${ctr:0:12} .*( live +){9}$"
}

@test "registry: a read-only registry does not fail the container start: a warning, the mounts stay" {
	tk_start_daemon
	local ro
	new_mountpoint ro
	mount -t tmpfs -o ro,size=1m "$(tk_name)" "$ro"
	# (the hook once mounted the files, then failed on the registry without undoing them:
	# runc refused every container)
	start_despite_registry "$ro" "Read-only file system"
	assert_equal "$(ls -A "$ro")" ""
}

# engine_case MODE EXPECTED: remount --all against a misbehaving engine: exit 1, the message,
# within the timeout, nothing mounted
engine_case() {
	tk_start_daemon
	local sock=$BATS_TEST_TMPDIR/engine.sock before t0
	tk_fake_engine "$1" "$sock"
	before=$(mounts_snapshot self)
	TK_ARGS+=(--engine docker --engine-socket "$sock" --engine-timeout 2)
	t0=$SECONDS
	run_tk 1 remount --all
	assert_output --partial "$2"
	assert [ $((SECONDS - t0)) -lt 15 ]  # bounded by the engine timeout
	assert_equal "${#lines[@]}" 1
	assert_equal "$(mounts_snapshot self)" "$before"
}

@test "engine: a socket answering junk (not HTTP)" {
	engine_case junk "engine API"
}

@test "engine: a socket that never answers times out" {
	engine_case silent "no answer within 2s"
}

@test "engine: HTTP 200 with a body that is not JSON" {
	engine_case badjson "not valid JSON"
}

@test "engine: a container whose State.Pid is not a number" {
	engine_case list-badpid "State.Pid is not an integer"
}

@test "engine: a missing socket" {
	tk_start_daemon
	TK_ARGS+=(--engine docker --engine-socket "$BATS_TEST_TMPDIR/none.sock")
	run_tk 1 remount --all
	assert_output --partial "none.sock\` missing"
}
