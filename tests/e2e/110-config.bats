#!/usr/bin/env bats
# The INI config file (-c/--config): keys, precedence of the command line, errors.

load helpers

# write_config LINE...: a config file in the test's tmpdir; sets CONF
write_config() {
	CONF=$BATS_TEST_TMPDIR/lxcfs.conf
	printf '%s\n' "$@" >"$CONF"
	log "config $CONF:"
	sed 's/^/#   | /' "$CONF"
}

@test "mountpoint and pidfile come from the config when the command line has none" {
	local mnt pf=$BATS_TEST_TMPDIR/conf.pid
	new_mountpoint mnt
	write_config '# comment' '' '[lxcfs]' "mountpoint = $mnt" "pidfile = $pf"
	run_lxcfs 0 -c "$CONF"
	[ -s "$pf" ] && track_daemon "$(tr -dc 0-9 <"$pf")"
	assert [ -s "$pf" ]  # pidfile from the config written
	is_lxcfs_mount "$mnt" || fail "not mounted at the config's mountpoint $mnt"
	run cat "$mnt/proc/meminfo"
	assert_success
}

@test "the command line overrides the config (mount point and pidfile)" {
	local a b pa=$BATS_TEST_TMPDIR/a.pid pb=$BATS_TEST_TMPDIR/b.pid
	new_mountpoint a
	new_mountpoint b
	write_config '[lxcfs]' "mountpoint = $a" "pidfile = $pa"
	run_lxcfs 0 --config "$CONF" -p "$pb" "$b"
	[ -s "$pb" ] && track_daemon "$(tr -dc 0-9 <"$pb")"
	[ -s "$pa" ] && track_daemon "$(tr -dc 0-9 <"$pa")"
	is_lxcfs_mount "$b" || fail "not mounted at the command line's $b"
	is_lxcfs_mount "$a" && fail "mounted at the config's $a too"
	assert [ -s "$pb" ]  # command line pidfile written
	refute [ -e "$pa" ]  # config pidfile not written
}

@test "loadavg = true enables the per-container loadavg" {
	write_config '[lxcfs]' 'loadavg = true'
	start_daemon -c "$CONF"
	make_cgroup la
	start_container la sleep 300
	run container_exec "$CONTAINER_PID" cat /proc/loadavg
	local rt
	rt=$(awk '{print $4}' <<<"$output")
	assert [ "${rt#*/}" -le 3 ]  # the container's task count ($rt), not the host's
}

@test "cfs = true limits the CPU view by the CFS quota" {
	write_config '[lxcfs]' 'cfs = yes'
	start_daemon -c "$CONF"
	make_cgroup cfs
	cg_set cfs cpu.cfs_period_us 100000
	cg_set cfs cpu.cfs_quota_us 100000
	run in_container cfs grep -c ^processor /proc/cpuinfo
	assert_output 1
}

@test "swap = false hides swap like -u" {
	write_config '[lxcfs]' 'swap = false'
	start_daemon -c "$CONF"
	make_cgroup sw
	cg_set sw memory.limit_in_bytes 512M
	run in_container sw sh -c 'grep -E "^Swap(Total|Free):" /proc/meminfo; cat /proc/swaps | wc -l'
	assert_line --index 0 --regexp '^SwapTotal: +0 kB$'
	assert_line --index 1 --regexp '^SwapFree: +0 kB$'
	assert_line --index 2 1
}

@test "log = FILE sends the daemon's log there" {
	local mnt log=$BATS_TEST_TMPDIR/from-config.log
	new_mountpoint mnt
	write_config '[lxcfs]' "log = $log"
	"$LXCFS" -f -d -c "$CONF" -p "$BATS_TEST_TMPDIR/l.pid" "$mnt" </dev/null >"$BATS_TEST_TMPDIR/l.out" 2>&1 3>&- &
	track_daemon $!
	wait_for 'is_lxcfs_mount "$mnt"' 10 "the daemon mounts $mnt"
	cat "$mnt/proc/meminfo" >/dev/null
	assert [ -s "$log" ]  # log file from the config has content
}

@test "cgroup_root = /sys/fs/cgroup is accepted and used" {
	write_config '[lxcfs]' "cgroup_root = $CGROOT"
	start_daemon -c "$CONF"
	make_cgroup cr
	cg_set cr memory.limit_in_bytes 512M
	run in_container cr grep ^MemTotal: /proc/meminfo
	assert_output --regexp "MemTotal: +$((512 * 1024)) kB"
}

@test "an unknown key: FILE:LINE: message, exit 2, nothing mounted" {
	local mnt
	new_mountpoint mnt
	write_config '# a comment' '[lxcfs]' 'loadavg = true' 'colour = blue'
	run_lxcfs 2 -c "$CONF" -p "$BATS_TEST_TMPDIR/x.pid" "$mnt"
	assert_output --partial "$CONF:4:"
	assert_output --partial colour
	run findmnt -n --mountpoint "$mnt"
	assert_output ""
	refute [ -e "$BATS_TEST_TMPDIR/x.pid" ]  # no pidfile
}

@test "a bad boolean: FILE:LINE: message, exit 2, nothing mounted" {
	local mnt
	new_mountpoint mnt
	write_config '[lxcfs]' 'swap = maybe'
	run_lxcfs 2 -c "$CONF" "$mnt"
	assert_output --partial "$CONF:2:"
	assert_output --partial maybe
	run findmnt -n --mountpoint "$mnt"
	assert_output ""
}

@test "a relative path value: FILE:LINE: message, exit 2" {
	local mnt
	new_mountpoint mnt
	write_config '[lxcfs]' '' 'pidfile = relative.pid'
	run_lxcfs 2 -c "$CONF" "$mnt"
	assert_output --partial "$CONF:3:"
}

@test "a syntax error: FILE:LINE: message, exit 2" {
	local mnt
	new_mountpoint mnt
	write_config '[lxcfs]' 'this line has no equals sign'
	run_lxcfs 2 -c "$CONF" "$mnt"
	assert_output --partial "$CONF:2:"
	run findmnt -n --mountpoint "$mnt"
	assert_output ""
}

@test "an explicit config file that does not exist is an error naming it" {
	local mnt
	new_mountpoint mnt
	run_lxcfs '?' -c "$BATS_TEST_TMPDIR/missing.conf" "$mnt"
	assert_failure  # non-zero exit
	assert_output --partial "$BATS_TEST_TMPDIR/missing.conf"
	run findmnt -n --mountpoint "$mnt"
	assert_output ""
}

@test "the shipped example config is valid" {
	local example
	example=$(ls "$REPO"/deploy/lxcfs.conf.example "$REPO"/deploy/*.conf* 2>/dev/null | head -1)
	[ -n "$example" ] || fail "no example config under deploy/"
	start_daemon -c "$example"
	run cat "$LXCFS_MNT/proc/meminfo"
	assert_success
}

# refused_config RC MESSAGE ARGS...: the daemon exits RC within 10 s with MESSAGE, nothing is
# mounted and no pidfile written
refused_config() {
	local rc=$1 msg=$2 mnt
	shift 2
	new_mountpoint mnt
	LXCFS_TIMEOUT=10 run_lxcfs "$rc" -p "$BATS_TEST_TMPDIR/r.pid" "$@" "$mnt"
	assert_output --partial "$msg"
	run findmnt -n --mountpoint "$mnt"
	assert_output ""
	refute [ -e "$BATS_TEST_TMPDIR/r.pid" ]  # no pidfile
}

@test "a long comment's tail is not a key: FILE:LINE, exit 2, nothing mounted" {
	# libinih cut the line at 199 bytes and applied the rest as a key
	write_config '[lxcfs]' "# $(printf 'x%.0s' {1..197})cgroup_root = /nonexistent"
	refused_config 2 "$CONF:2: line longer than 198 bytes" -c "$CONF"
}

@test "a 1 MB line is named by its own line, not a syntax error elsewhere" {
	write_config '[lxcfs]' 'loadavg = true' "$(head -c 1000000 /dev/zero | tr '\0' y)" 'swap = true'
	refused_config 2 "$CONF:3: line longer than 198 bytes" -c "$CONF"
}

@test "a NUL byte: FILE:LINE, exit 2 (the text after it was dropped)" {
	CONF=$BATS_TEST_TMPDIR/lxcfs.conf
	printf '[lxcfs]\nloadavg = true\0 swap = false\n' >"$CONF"
	refused_config 2 "$CONF:2: a NUL byte" -c "$CONF"
}

@test "-c takes a regular file: a directory, /dev/zero, a FIFO are refused at once, exit 2" {
	# a directory was silently ignored; /dev/zero and a FIFO hung the daemon
	refused_config 2 "\`$BATS_TEST_TMPDIR\` is a directory, not a regular file" -c "$BATS_TEST_TMPDIR"
	refused_config 2 "\`/dev/zero\` is a character device, not a regular file" -c /dev/zero
	mkfifo "$BATS_TEST_TMPDIR/fifo.conf"
	refused_config 2 "fifo.conf\` is a FIFO, not a regular file" -c "$BATS_TEST_TMPDIR/fifo.conf"
	LXCFS_CONFIG=/dev/zero refused_config 2 "\`/dev/zero\` is a character device"
	# /dev/null is no settings
	start_daemon -c /dev/null
}

@test "log: a file of procfs or sysfs, a FIFO or a symlink is refused, exit 1, nothing mounted or written" {
	# a log line went into /proc/sys/kernel/hostname; /proc/self/comm shows the same, harmlessly
	refused_config 1 "log file: \`/proc/self/comm\` is a file of procfs, a kernel interface" \
		--log /proc/self/comm
	write_config '[lxcfs]' 'log = /proc/self/comm'
	refused_config 1 "\`/proc/self/comm\` is a file of procfs" -c "$CONF"
	refused_config 1 "\`/sys/kernel/uevent_seqnum\` is a file of sysfs" --log /sys/kernel/uevent_seqnum
	mkfifo "$BATS_TEST_TMPDIR/log.fifo"
	refused_config 1 "log.fifo\` is a FIFO, not a regular file" --log "$BATS_TEST_TMPDIR/log.fifo"
	echo kept >"$BATS_TEST_TMPDIR/target.log"
	ln -s "$BATS_TEST_TMPDIR/target.log" "$BATS_TEST_TMPDIR/link.log"
	refused_config 1 "link.log\` is a symlink" --log "$BATS_TEST_TMPDIR/link.log"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/target.log")" kept
}
