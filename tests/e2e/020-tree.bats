#!/usr/bin/env bats
# The mounted tree: names, modes, read-only-ness (EACCES), unknown names (ENOENT), and one
# coherent snapshot per open.

load helpers

PY=/usr/bin/python3

# errno_of PYTHON-STATEMENT: run it, print the errno name it fails with (or "OK")
errno_of() {
	"$PY" -c '
import errno, os, sys
try:
    exec(sys.argv[1])
    print("OK")
except OSError as e:
    print(errno.errorcode[e.errno])' "$1"
}

@test "the tree has exactly the expected files and directories" {
	start_daemon
	run ls "$LXCFS_MNT"
	assert_output "$(printf 'proc\nsys')"
	run ls "$LXCFS_MNT/proc"
	assert_output "$(printf '%s\n' "${PROC_FILES[@]}" pressure slabinfo | sort)"
	run ls "$LXCFS_MNT/proc/pressure"
	assert_output "$(printf 'cpu\nio\nmemory')"
	# the CPU directory is the host's, with the daemon's online, possible, present, offline
	run ls "$LXCFS_MNT/sys/devices/system/cpu"
	assert_output "$(ls /sys/devices/system/cpu)"
	run ls "$LXCFS_MNT/sys"
	assert_output devices
	run ls "$LXCFS_MNT/sys/devices"
	assert_output system
	run ls "$LXCFS_MNT/sys/devices/system"
	assert_output cpu
}

@test "every path upstream lxcfs's README binds into a container (docker run -v) is served" {
	start_daemon
	local p
	# upstream's README, "Using with Docker" (lxcfs 6/7)
	for p in proc/cpuinfo proc/diskstats proc/meminfo proc/stat proc/swaps proc/uptime \
		proc/slabinfo proc/pressure/io proc/pressure/cpu proc/pressure/memory; do
		assert [ -f "$LXCFS_MNT/$p" ]  # $p is a file
		run head -c 1 "$LXCFS_MNT/$p"
		assert_success
		refute_output ""
	done
	assert [ -d "$LXCFS_MNT/sys/devices/system/cpu" ]
	assert [ -f "$LXCFS_MNT/sys/devices/system/cpu/online" ]
}

@test "files are 0444 regular files, directories 0555" {
	start_daemon
	local f
	for f in "${PROC_FILES[@]/#/proc/}" proc/pressure/{cpu,io,memory} sys/devices/system/cpu/online; do
		assert [ -f "$LXCFS_MNT/$f" ]  # $f is a regular file
		assert_equal "$(stat -c '%a' "$LXCFS_MNT/$f")" 444
	done
	# slabinfo is root's only, as the kernel's (035-pressure-slabinfo.bats)
	assert_equal "$(stat -c '%F %a' "$LXCFS_MNT/proc/slabinfo")" "regular file 400"
	for f in "" proc proc/pressure sys sys/devices sys/devices/system sys/devices/system/cpu; do
		assert_equal "$(stat -c '%F %a' "$LXCFS_MNT/$f")" "directory 555"
	done
}

@test "ls -l lists every file" {
	start_daemon
	run ls -l "$LXCFS_MNT/proc"
	assert_success
	assert_equal "$(grep -c '^-r--r--r--' <<<"$output")" "${#PROC_FILES[@]}"
}

@test "every file reads successfully" {
	start_daemon
	local f
	for f in "${PROC_FILES[@]}"; do
		run cat "$LXCFS_MNT/proc/$f"
		assert_success
	done
	for f in meminfo cpuinfo stat uptime swaps partitions loadavg; do
		assert [ -n "$(cat "$LXCFS_MNT/proc/$f")" ]  # proc/$f is not empty
	done
	run cat "$LXCFS_MNT/sys/devices/system/cpu/online"
	assert_output --regexp '^[0-9]+([-,][0-9]+)*$'
}

@test "writing a file: EACCES" {
	start_daemon
	run errno_of "open('$LXCFS_MNT/proc/meminfo', 'w')"
	assert_output EACCES
	run errno_of "os.open('$LXCFS_MNT/sys/devices/system/cpu/online', os.O_WRONLY)"
	assert_output EACCES
	run sh -c "echo 1 >'$LXCFS_MNT/proc/stat'"
	assert_failure
	assert_output --partial "Permission denied"
}

@test "creating a file or directory: EACCES" {
	start_daemon
	run errno_of "os.open('$LXCFS_MNT/proc/newfile', os.O_CREAT | os.O_WRONLY, 0o644)"
	assert_output EACCES
	run errno_of "os.mkdir('$LXCFS_MNT/proc/newdir')"
	assert_output EACCES
	run errno_of "os.mknod('$LXCFS_MNT/newnode')"
	assert_output EACCES
	run errno_of "os.symlink('x', '$LXCFS_MNT/proc/link')"
	assert_output EACCES
	run touch "$LXCFS_MNT/proc/touched"
	assert_failure
	assert_output --partial "Permission denied"
}

@test "unlink, rmdir and rename: EACCES" {
	start_daemon
	run errno_of "os.unlink('$LXCFS_MNT/proc/meminfo')"
	assert_output EACCES
	run errno_of "os.rmdir('$LXCFS_MNT/sys/devices/system/cpu')"
	assert_output EACCES
	run errno_of "os.rename('$LXCFS_MNT/proc/stat', '$LXCFS_MNT/proc/stat2')"
	assert_output EACCES
	run rm -f "$LXCFS_MNT/proc/uptime"
	assert_failure
	assert_output --partial "Permission denied"
	assert [ -e "$LXCFS_MNT/proc/uptime" ]  # proc/uptime still there
}

@test "chmod, chown and truncate: EACCES" {
	start_daemon
	run errno_of "os.chmod('$LXCFS_MNT/proc/meminfo', 0o666)"
	assert_output EACCES
	run errno_of "os.chown('$LXCFS_MNT/proc/meminfo', 1, 1)"
	assert_output EACCES
	run errno_of "os.truncate('$LXCFS_MNT/proc/meminfo', 0)"
	assert_output EACCES
	run errno_of "os.open('$LXCFS_MNT/proc/meminfo', os.O_RDONLY | os.O_TRUNC)"
	assert_output EACCES
	assert_equal "$(stat -c %a "$LXCFS_MNT/proc/meminfo")" 444
}

@test "unknown names: ENOENT" {
	start_daemon
	local p
	for p in proc/nosuchfile nosuch sys/nosuch sys/devices/system/cpu/cpu999 proc/self proc/1; do
		run errno_of "os.stat('$LXCFS_MNT/$p')"
		assert_output ENOENT
	done
	run cat "$LXCFS_MNT/proc/version"
	assert_failure
	assert_output --partial "No such file or directory"
}

# read_bs1 FILE: the file read one byte per read(2) by dd
read_bs1() { dd if="$1" bs=1 status=none; }

@test "dd bs=1 of meminfo gives the same file as cat" {
	start_daemon
	make_cgroup snap
	cg_set snap memory.limit_in_bytes 512M
	# one byte per read(2): ~1500 reads of one open file must be served from one snapshot
	run in_container snap bash -c '
		a=$(cat /proc/meminfo); b=$(dd if=/proc/meminfo bs=1 status=none)
		[ "$(echo "$a" | cut -d: -f1)" = "$(echo "$b" | cut -d: -f1)" ] || { echo "keys differ"; exit 1; }
		echo "$b" | grep -vE "^[A-Za-z0-9_()]+: +[0-9]+( kB)?$" && { echo "malformed lines"; exit 1; }
		[ "$(echo "$a" | grep ^MemTotal)" = "$(echo "$b" | grep ^MemTotal)" ] || { echo "MemTotal differs"; exit 1; }
		[ "$(echo "$b" | wc -c)" -gt 500 ] || { echo "short"; exit 1; }
		echo same'
	assert_output same
}

@test "dd bs=1 of static files is byte-identical to cat" {
	start_daemon
	local f
	for f in proc/swaps proc/partitions sys/devices/system/cpu/online; do
		assert_equal "$(read_bs1 "$LXCFS_MNT/$f")" "$(cat "$LXCFS_MNT/$f")"
	done
}

@test "reads of one open file at later offsets see the snapshot of its read at 0; a read at 0 again makes it again" {
	start_daemon
	# stat changes all the time: small reads at odd offsets after a read at 0 must give back
	# the same bytes; a read that starts over at 0 gets a new file, as procfs does (top and
	# vmstat keep /proc/stat open and read it again from the start)
	run "$PY" -c '
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
a = os.pread(fd, 1 << 20, 0)
x = 0
for i in range(2000000): x += i        # burn some CPU so the counters move
time.sleep(0.05)
b = os.pread(fd, 7, 0)
b += b"".join(os.pread(fd, 7, off) for off in range(7, len(a) + 7, 7))
c = os.pread(fd, 1 << 20, 0)
print("snapshot" if len(a) > 0 and len(b) > 0 and b != a and c != a else
      "same a==b %s a==c %s %d %d %d" % (a == b, a == c, len(a), len(b), len(c)))' "$LXCFS_MNT/proc/stat"
	assert_output snapshot
	run "$PY" -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
a = os.pread(fd, 7, 0)
a += b"".join(os.pread(fd, 7, off) for off in range(7, 1 << 16, 7))
print("whole" if a.endswith(b"\n") and a.count(b"\ncpu") >= 1 else "torn")' "$LXCFS_MNT/proc/stat"
	assert_output whole
}

@test "cpuinfo is never truncated: small reads give the whole file" {
	start_daemon
	local a b
	a=$(cat "$LXCFS_MNT/proc/cpuinfo")
	b=$(read_bs1 "$LXCFS_MNT/proc/cpuinfo")
	assert_equal "$(grep -c '^processor' <<<"$b")" "$(grep -c '^processor' <<<"$a")"
	assert_equal "$(wc -l <<<"$b")" "$(wc -l <<<"$a")"
	assert_equal "$(grep -c '^processor' <<<"$a")" "$(grep -c '^processor' /proc/cpuinfo)"
}

@test "stat reports size 0 or the content's size, and reads are not cut at it" {
	start_daemon
	local size
	size=$(stat -c %s "$LXCFS_MNT/proc/meminfo")
	local len
	len=$(cat "$LXCFS_MNT/proc/meminfo" | wc -c)
	# like /proc, either 0 (length unknown) or at most the real length; never a short read
	assert [ "$len" -gt 500 ]  # meminfo read in full ($len bytes, st_size $size)
	assert_equal "$(meminfo_kb MemTotal "$LXCFS_MNT/proc/meminfo" | wc -l)" 1
}
