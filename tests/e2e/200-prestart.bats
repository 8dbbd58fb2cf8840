#!/usr/bin/env bats
# lxcfs-toolkit prestart, check-lxcfs and the command line.

load helpers-toolkit

# mounts_at DIR: how many mounts are stacked at DIR in our namespace
mounts_at() { awk -v d="$1" '$5 == d' /proc/self/mountinfo | wc -l; }

@test "prestart: the mount point becomes a shared bind mount of itself" {
	tk_new_mountpoint
	run_tk 0 prestart
	run findmnt -n -o PROPAGATION --mountpoint "$LXCFS_MNT"
	assert_output shared
	assert_equal "$(mounts_at "$LXCFS_MNT")" 1
}

@test "prestart: running it twice stacks no second mount" {
	tk_new_mountpoint
	run_tk 0 prestart
	run_tk 0 prestart
	assert_equal "$(mounts_at "$LXCFS_MNT")" 1
}

@test "prestart: a daemon mounted afterwards propagates to a slave copy of the mount point" {
	tk_new_mountpoint
	run_tk 0 prestart
	# a "container" holding the mount point as a slave, made before the daemon starts
	tk_bg unshare --mount --propagation slave sleep 1000
	local ns=$TK_BG_PID
	wait_for '[ "$(readlink /proc/$ns/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]' 5 ""
	_tk_daemon
	run nsenter --target "$ns" --mount grep -c . "$LXCFS_MNT/proc/meminfo"
	assert_success
	run nsenter --target "$ns" --mount findmnt -n -o FSTYPE --mountpoint "$LXCFS_MNT"
	assert_line fuse.lxcfs
}

@test "prestart: a stale mount of a killed daemon is detached and the daemon starts again" {
	tk_start_daemon
	kill -KILL "$LXCFS_PID"
	wait_gone "$LXCFS_PID"
	run cat "$LXCFS_MNT/proc/meminfo"
	assert_output --partial "Transport endpoint is not connected"
	run_tk 0 prestart
	run findmnt -n -o FSTYPE --mountpoint "$LXCFS_MNT"
	refute_output --partial fuse.lxcfs
	assert_equal "$(mounts_at "$LXCFS_MNT")" 1
	_tk_daemon
	run grep -c ^MemTotal: "$LXCFS_MNT/proc/meminfo"
	assert_output 1
}

@test "prestart: a live daemon's mount is left alone" {
	tk_start_daemon
	local before
	before=$(mounts_at "$LXCFS_MNT")
	run_tk 0 prestart
	assert_output --partial "live lxcfs"
	assert_equal "$(mounts_at "$LXCFS_MNT")" "$before"
	run findmnt -n -o FSTYPE --mountpoint "$LXCFS_MNT"
	assert_line fuse.lxcfs
}

@test "prestart: a mount that does not answer (a stopped daemon) is left alone, and is not waited for" {
	tk_start_daemon
	local before t0 ms
	before=$(mounts_at "$LXCFS_MNT")
	kill -STOP "$LXCFS_PID"
	t0=$(date +%s%N)
	run_tk 0 prestart
	ms=$((($(date +%s%N) - t0) / 1000000))
	kill -CONT "$LXCFS_PID"
	assert_output --partial "does not answer yet"
	assert_equal "$(mounts_at "$LXCFS_MNT")" "$before"
	echo "# prestart took $ms ms (its probe waits 100 ms; the check timeout is 2 s)" >&3
	run grep -c ^MemTotal: "$LXCFS_MNT/proc/meminfo"
	assert_output 1 # the same daemon serves on
}

@test "check-lxcfs: exit 0 with a healthy daemon" {
	tk_start_daemon
	run_tk 0 check-lxcfs
	assert_output --partial "healthy"
}

@test "check-lxcfs: exit 1 'not mounted' when nothing is mounted" {
	new_mountpoint LXCFS_MNT
	TK_ARGS=(--mountpoint "$LXCFS_MNT" --pidfile "" --registry "$BATS_TEST_TMPDIR/r")
	run_tk 1 check-lxcfs
	assert_output --partial "$LXCFS_MNT: not mounted"
	assert_equal "${#lines[@]}" 1
}

@test "check-lxcfs: exit 1 'transport endpoint is not connected' after kill -9 of the daemon" {
	tk_start_daemon
	kill -KILL "$LXCFS_PID"
	wait_gone "$LXCFS_PID"
	run_tk 1 check-lxcfs
	assert_output --regexp "[Tt]ransport endpoint is not connected"
	assert_output --partial "daemon pid $LXCFS_PID is not running"
	assert_equal "${#lines[@]}" 1
}

@test "check-lxcfs: a stopped (hung) daemon gives 'read timed out after 2s', not a hang" {
	tk_start_daemon
	kill -STOP "$LXCFS_PID"
	local t0=$SECONDS
	run_tk 1 check-lxcfs
	kill -CONT "$LXCFS_PID"
	assert_output --partial "read timed out after 2s"
	assert [ $((SECONDS - t0)) -lt 10 ]  # check returned within 10 s
}

@test "check-lxcfs: exit 1 'daemon pid N is not running' when the pidfile names a dead pid" {
	tk_start_daemon
	echo 999999999 >"$BATS_TEST_TMPDIR/dead.pid"
	TK_ARGS=(--mountpoint "$LXCFS_MNT" --pidfile "$BATS_TEST_TMPDIR/dead.pid")
	run_tk 1 check-lxcfs
	assert_output --partial "daemon pid 999999999 is not running"
}

@test "check-lxcfs --wait: polls until the daemon is up" {
	tk_new_mountpoint
	TK_ARGS=(--mountpoint "$LXCFS_MNT" --pidfile "")
	(sleep 2 && "$LXCFS" -p "$LXCFS_PIDFILE" --log "$LXCFS_LOG" "$LXCFS_MNT") &
	_TK_PIDS+=($!)
	run_tk 0 check-lxcfs --wait 20
	track_daemon "$(tr -dc 0-9 <"$LXCFS_PIDFILE")"
}

@test "cli: no command, an unknown command or option exit 2 with a message" {
	run_tk 2
	assert_output --partial "no command given"
	run_tk 2 frobnicate
	assert_output --partial "unknown command \`frobnicate\`"
	run_tk 2 --bogus status
	assert_output --partial "unknown or incomplete option"
	run_tk 2 remount
	assert_output --partial "exactly one of --all and --container-id"
	run_tk 2 remount --all --container-id x
	assert_output --partial "exactly one of --all and --container-id"
}

@test "cli: global options all count, however many there are (the last of a key wins)" {
	new_mountpoint LXCFS_MNT
	local i
	TK_ARGS=()
	for ((i = 0; i < 20; i++)); do TK_ARGS+=(--engine none); done
	TK_ARGS+=(--mountpoint /nonexistent --pidfile "" --registry "$BATS_TEST_TMPDIR/r"
		--mountpoint "$LXCFS_MNT")
	run_tk 1 check-lxcfs
	assert_output --partial "$LXCFS_MNT: not mounted"
}

@test "cli: every command has --help (exit 0)" {
	local c
	for c in prestart hook remount umount check-lxcfs status; do
		run_tk 0 "$c" --help
		assert_output --partial "Usage:"
	done
	run_tk 0 --help
	run_tk 0 -v
	assert_output --regexp "^lxcfs-toolkit [0-9]"
}

@test "config: section [toolkit] is read, [lxcfs] ignored; a bad key is FILE:LINE, exit 2" {
	new_mountpoint LXCFS_MNT
	local conf=$BATS_TEST_TMPDIR/lxcfs.conf
	printf '[lxcfs]\nloadavg = true\nwhatever = 1\n[toolkit]\nmountpoint = %s\npidfile =\n' \
		"$LXCFS_MNT" >"$conf"
	TK_ARGS=(-c "$conf")
	run_tk 1 check-lxcfs
	assert_output --partial "$LXCFS_MNT: not mounted"
	printf '[toolkit]\nmountpoint = /x\nbogus = 1\n' >"$conf"
	run_tk 2 status
	assert_output --partial "$conf:3: unknown key \`bogus\`"
	printf '[toolkit]\ntimeout = never\n' >"$conf"
	run_tk 2 status
	assert_output --partial "$conf:2: timeout"
	TK_ARGS=(-c "$BATS_TEST_TMPDIR/missing.conf")
	run_tk 2 status
	assert_output --partial "missing.conf"
}

@test "config: the toolkit reads it by the daemon's rules: long lines, NUL bytes, regular files only" {
	new_mountpoint LXCFS_MNT
	local conf=$BATS_TEST_TMPDIR/lxcfs.conf
	# the tail of a long comment became a key (here: another mount point)
	printf '[toolkit]\nmountpoint = %s\n# %s%s\n' "$LXCFS_MNT" "$(printf 'x%.0s' {1..197})" \
		"mountpoint = /nonexistent-x" >"$conf"
	TK_ARGS=(-c "$conf")
	run_tk 2 check-lxcfs
	assert_output --partial "$conf:3: line longer than 198 bytes"
	printf '[toolkit]\nstrict = true\0 mountpoint = /x\n' >"$conf"
	run_tk 2 status
	assert_output --partial "$conf:2: a NUL byte"
	# /dev/zero hung the toolkit, a directory was read as an empty file
	TK_ARGS=(-c /dev/zero)
	TK_TIMEOUT=10 run_tk 2 status
	assert_output --partial "\`/dev/zero\` is a character device, not a regular file"
	TK_ARGS=(-c "$BATS_TEST_TMPDIR")
	run_tk 2 status
	assert_output --partial "is a directory, not a regular file"
	TK_ARGS=()
	LXCFS_TOOLKIT_CONFIG=/dev/zero TK_TIMEOUT=10 run_tk 2 status
	assert_output --partial "\`/dev/zero\` is a character device"
}

@test "log: the toolkit's log is never a kernel interface, a FIFO or a symlink: exit 1" {
	new_mountpoint LXCFS_MNT
	local conf=$BATS_TEST_TMPDIR/lxcfs.conf
	# a log line went into /proc/sys/kernel/hostname; /proc/self/comm shows the same, harmlessly
	TK_ARGS=(--mountpoint "$LXCFS_MNT" --log /proc/self/comm)
	run_tk 1 check-lxcfs
	assert_output --partial "log file: \`/proc/self/comm\` is a file of procfs, a kernel interface"
	printf '[toolkit]\nlog = /proc/self/comm\n' >"$conf"
	TK_ARGS=(-c "$conf" --mountpoint "$LXCFS_MNT")
	run_tk 1 check-lxcfs
	assert_output --partial "is a file of procfs"
	mkfifo "$BATS_TEST_TMPDIR/log.fifo"
	TK_ARGS=(--mountpoint "$LXCFS_MNT" --log "$BATS_TEST_TMPDIR/log.fifo")
	TK_TIMEOUT=10 run_tk 1 check-lxcfs
	assert_output --partial "log.fifo\` is a FIFO, not a regular file"
	ln -s "$conf" "$BATS_TEST_TMPDIR/link.log"
	TK_ARGS=(--mountpoint "$LXCFS_MNT" --log "$BATS_TEST_TMPDIR/link.log")
	run_tk 1 check-lxcfs
	assert_output --partial "link.log\` is a symlink"
}

@test "prestart: under a shared parent the bind gets a peer group of its own (no doubled mounts)" {
	local dir
	dir=$(mktemp -d /tmp/lxcfs-tk-shared.XXXXXX)
	# a private mount namespace of its own: a shared tmpfs parent, as systemd's / is
	run unshare --mount --propagation private sh -c "
		mount -t tmpfs lxcfs-test '$dir' && mount --make-shared '$dir' && mkdir '$dir/mp' &&
		'$TK' --mountpoint '$dir/mp' prestart >/dev/null 2>&1 &&
		awk '\$5 == \"$dir\" || \$5 == \"$dir/mp\" {g = \"none\"; for (i = 7; \$i != \"-\"; i++)
			if (\$i ~ /^shared:/) g = \$i; print \$5, g}' /proc/self/mountinfo"
	rmdir "$dir"
	assert_success
	local pg mg
	pg=$(awk -v d="$dir" '$1 == d {print $2}' <<<"$output")
	mg=$(awk -v d="$dir/mp" '$1 == d {print $2}' <<<"$output")
	assert_equal "$(grep -c "^$dir/mp " <<<"$output")" 1
	[[ $pg == shared:* && $mg == shared:* ]] || fail "both shared: parent $pg, mount point $mg"
	[ "$pg" != "$mg" ] || fail "the mount point joined its parent's peer group $pg"
}
