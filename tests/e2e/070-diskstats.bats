#!/usr/bin/env bats
# /proc/diskstats and /proc/partitions inside containers, after real direct I/O on a loop device.

load helpers

# Since Linux 6.9 the v1 blkio.throttle.* statistics are only collected for a device once some
# throttle rule exists on it; a rule in our own cgroup that can never bite turns them on.
enable_throttle_stats() { # CGROUP MAJ:MIN
	cg_set "$1" blkio.throttle.write_bps_device "$2 1099511627776"
	cg_set "$1" blkio.throttle.read_bps_device "$2 1099511627776"
}

# dev_line NAME: the diskstats line of device NAME from stdin
dev_line() { awk -v n="$1" '$3 == n'; }

@test "diskstats shows a container's direct writes to a loop device (blkio.throttle)" {
	start_daemon
	make_cgroup io
	make_loop 32
	enable_throttle_stats io "$LOOP_MAJMIN"
	run in_container io sh -c "dd if=/dev/zero of=$LOOP_DEV bs=4k count=256 oflag=direct status=none && cat /proc/diskstats"
	assert_success
	local line
	line=$(dev_line "$LOOP_NAME" <<<"$output")
	log "diskstats: $line"
	assert [ -n "$line" ]  # a $LOOP_NAME line
	read -r -a f <<<"$line"
	assert_equal "${f[0]}:${f[1]}" "$LOOP_MAJMIN"
	assert [ "${f[7]}" -ge 256 ]  # writes completed ${f[7]} >= 256
	assert [ "${f[9]}" -ge 2048 ]  # sectors written ${f[9]} >= 2048 (1 MiB)
	assert [ "${f[3]}" -eq 0 ]  # no reads
}

@test "diskstats shows a container's direct reads too" {
	start_daemon
	make_cgroup ior
	make_loop 32
	enable_throttle_stats ior "$LOOP_MAJMIN"
	run in_container ior sh -c "dd if=$LOOP_DEV of=/dev/null bs=4k count=64 iflag=direct status=none && cat /proc/diskstats"
	local line
	line=$(dev_line "$LOOP_NAME" <<<"$output")
	log "diskstats: $line"
	read -r -a f <<<"$line"
	assert [ "${f[3]:-0}" -ge 64 ]  # reads completed >= 64
	assert [ "${f[5]:-0}" -ge 512 ]  # sectors read >= 512
}

@test "diskstats counts I/O through bfq's blkio.bfq.*_recursive files" {
	grep -qw bfq /sys/block/loop0/queue/scheduler 2>/dev/null || skip "no bfq scheduler"
	start_daemon
	make_cgroup bfq
	make_loop 32
	echo bfq >"/sys/block/$LOOP_NAME/queue/scheduler"
	run in_container bfq sh -c "dd if=/dev/zero of=$LOOP_DEV bs=4k count=128 oflag=direct status=none && cat /proc/diskstats"
	local line
	line=$(dev_line "$LOOP_NAME" <<<"$output")
	log "diskstats: $line"
	read -r -a f <<<"$line"
	assert [ "${f[7]:-0}" -ge 128 ]  # writes completed >= 128
}

@test "I/O in a child cgroup counts for the container (recursive stats)" {
	start_daemon
	make_cgroup ct/job
	make_loop 32
	enable_throttle_stats ct/job "$LOOP_MAJMIN"
	in_cgroup ct/job dd if=/dev/zero of="$LOOP_DEV" bs=4k count=100 oflag=direct status=none
	run in_container ct cat /proc/diskstats
	read -r -a f <<<"$(dev_line "$LOOP_NAME" <<<"$output")"
	assert [ "${f[7]:-0}" -ge 100 ]  # writes completed by the child cgroup show
}

@test "a container without I/O lists no loop device; others' I/O does not show" {
	start_daemon
	make_cgroup busy
	make_cgroup quiet
	make_loop 32
	enable_throttle_stats busy "$LOOP_MAJMIN"
	in_cgroup busy dd if=/dev/zero of="$LOOP_DEV" bs=4k count=64 oflag=direct status=none
	run in_container quiet cat /proc/diskstats
	assert_success
	assert_equal "$(dev_line "$LOOP_NAME" <<<"$output")" ""
}

@test "diskstats lines have the running kernel's column count and no partitions" {
	start_daemon
	make_cgroup cols
	make_loop 32
	enable_throttle_stats cols "$LOOP_MAJMIN"
	run in_container cols sh -c "dd if=/dev/zero of=$LOOP_DEV bs=4k count=16 oflag=direct status=none && cat /proc/diskstats"
	local host_nf
	host_nf=$(awk '{print NF; exit}' /proc/diskstats)
	assert_equal "$(awk -v n="$host_nf" 'NF != n' <<<"$output")" ""
	# every listed device is a whole disk
	local name
	for name in $(awk '{print $3}' <<<"$output"); do
		[ "$name" = sda ] && continue
		assert [ -e "/sys/block/$name" ]  # $name is a whole disk
	done
}

@test "partitions has the kernel's header and lists the loop device with its size" {
	start_daemon
	make_cgroup parts
	make_loop 32
	run in_container parts cat /proc/partitions
	assert_success
	assert_line --index 0 "$(head -1 /proc/partitions)"
	assert_equal "$(sed -n 2p <<<"$output")" ""
	local maj=${LOOP_MAJMIN%:*} min=${LOOP_MAJMIN#*:}
	assert_line --regexp "^ +$maj +$min +32768 $LOOP_NAME$"
}

@test "the device holding the container's root filesystem is named sda" {
	local root_dev majmin
	root_dev=$(findmnt -n -o SOURCE /)
	[ -b "$root_dev" ] || skip "root is not on a block device ($root_dev)"
	[ "$(findmnt -n -o SOURCE -T "$BATS_TEST_TMPDIR")" = "$root_dev" ] || skip "$BATS_TEST_TMPDIR is not on /"
	majmin=$(lsblk -dno MAJ:MIN "$root_dev" | tr -d ' ')
	local disk=$majmin
	# a partition: its whole disk carries the statistics
	[ -e "/sys/dev/block/$majmin/partition" ] && disk=$(cat "/sys/dev/block/$majmin/../dev")
	start_daemon
	make_cgroup rootio
	enable_throttle_stats rootio "$disk"
	run in_container rootio sh -c "dd if=/dev/zero of=$BATS_TEST_TMPDIR/direct bs=4k count=64 oflag=direct conv=fsync status=none && cat /proc/diskstats && echo --- && cat /proc/partitions"
	assert_success
	local ds=${output%%---*}
	read -r -a f <<<"$(dev_line sda <<<"$ds")"
	assert_equal "${f[0]:-}:${f[1]:-}" "$disk"
	assert [ "${f[7]:-0}" -ge 64 ]  # the container's writes to its root filesystem show as sda
	# partitions uses the same name
	local parts=${output#*---}
	assert_equal "$(awk -v d="$disk" '$1 ":" $2 == d {print $4}' <<<"$parts")" sda
}

@test "a container's /dev is not scanned again at each refresh of its cgroup paths, and no thread is made for a scan" {
	command -v strace >/dev/null || skip "no strace"
	start_daemon
	make_cgroup devscan
	make_loop 32
	start_container devscan sh -c 'for i in 1 2 3; do cat /proc/partitions /proc/diskstats >/dev/null; done; while [ ! -e "$0" ]; do sleep 0.05; done; for i in 1 2 3; do sleep 2.2; cat /proc/partitions /proc/diskstats >/dev/null; done; touch "$0.done"; sleep 1000' "$BATS_TEST_TMPDIR/start"
	# its first reads scanned its /dev (and made the pool's first worker, and libfuse its
	# workers); from here on, 3 reads more than 2 s apart each refresh its cgroup paths
	strace -f -qq -e trace=clone,clone3,fork,vfork,openat2 -o "$BATS_TEST_TMPDIR/clones" -p "$LXCFS_PID" &
	local st=$!
	_BG_PIDS+=("$st")
	wait_for '[ -s "$BATS_TEST_TMPDIR/clones" ] || grep -q . /proc/$st/task/*/children 2>/dev/null || sleep 0.5' 5 "" 0.1
	sleep 0.5
	touch "$BATS_TEST_TMPDIR/start"
	wait_for '[ -e "$BATS_TEST_TMPDIR/start.done" ]' 20 "the container's reads"
	kill -INT "$st"
	wait "$st" || true
	sed "s/^/#   strace: /" "$BATS_TEST_TMPDIR/clones"
	run grep -cE 'fork' "$BATS_TEST_TMPDIR/clones"
	assert_output 0 # no process
	run grep -c 'openat2([0-9]*, "dev"' "$BATS_TEST_TMPDIR/clones"
	log "scans of the container's /dev over 6 reads and 3 path refreshes: $output"
	assert_output 0 # its names are kept (CONTAINER_DEVS_TTL_MS)
	# a scan's thread has a 256 KiB stack (lxcfs/view/devnames.c); libfuse may still add
	# a worker of its own (8 MiB) when requests overlap, once
	local sz small=0
	for sz in $(grep -o 'stack_size=0x[0-9a-f]*' "$BATS_TEST_TMPDIR/clones" | cut -d= -f2); do
		[ $((sz)) -lt $((1024 * 1024)) ] && small=$((small + 1))
	done
	run echo "$small"
	log "scan threads the daemon made over 6 reads and 3 path refreshes: $output"
	assert_output 0
	# the names are there all the same
	run in_container devscan grep -c "loop" /proc/partitions
	assert [ "$output" -ge 1 ]
}
