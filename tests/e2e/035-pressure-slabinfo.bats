#!/usr/bin/env bats
# /proc/pressure/{cpu,io,memory}: a reader gets the PSI of its own cgroup in the cgroup2
# hierarchy (on this hybrid host: CGROOT/unified, which has the files in every cgroup), the
# host's without one. /proc/slabinfo: v1 memory.kmem.slabinfo of the reader's memory cgroup,
# which kernels since 5.10 print empty: then the host's; root's only (mode 0400) as the kernel's.

load helpers

# total_of TEXT KIND: the total= of the "some" or "full" line
total_of() { awk -v k="$2" '$1 == k { sub("total=", "", $5); print $5 }' <<<"$1"; }

@test "pressure: the tree has cpu, io and memory, 0444, and a host reader gets the cgroup2 root's" {
	[ -f /proc/pressure/cpu ] || skip "no PSI on this kernel"
	start_daemon
	run ls "$LXCFS_MNT/proc/pressure"
	assert_output "$(printf 'cpu\nio\nmemory')"
	assert_equal "$(stat -c '%F %a' "$LXCFS_MNT/proc/pressure")" "directory 555"
	local f out before after kernel
	for f in cpu io memory; do
		assert_equal "$(stat -c '%a' "$LXCFS_MNT/proc/pressure/$f")" 444
		# ours is the cgroup2 root (or, without one, the host's): its total lies between two
		# reads of the kernel's file
		kernel=$CGROOT/unified/$f.pressure
		[ -f "$kernel" ] || kernel=/proc/pressure/$f
		before=$(total_of "$(cat "$kernel")" some)
		out=$(cat "$LXCFS_MNT/proc/pressure/$f")
		after=$(total_of "$(cat "$kernel")" some)
		assert_regex "$out" '^some avg10=[0-9]+\.[0-9]{2} avg60=[0-9]+\.[0-9]{2} avg300=[0-9]+\.[0-9]{2} total=[0-9]+'
		assert [ "$(total_of "$out" some)" -ge "$before" ]
		assert [ "$(total_of "$out" some)" -le "$after" ]
	done
	# read-only, like the other files: a trigger cannot be written (EACCES), and poll()
	# returns at once, readable, never POLLPRI (no trigger fires, nobody waits on us)
	run /usr/bin/python3 -c '
import errno, os, select, sys, time
p = sys.argv[1]
try:
    os.open(p, os.O_RDWR)
    print("opened")
except OSError as e:
    print(errno.errorcode[e.errno])
fd = os.open(p, os.O_RDONLY)
po = select.poll()
po.register(fd, select.POLLPRI | select.POLLIN)
t = time.monotonic()
ev = po.poll(3000)
print(ev[0][1] & select.POLLIN != 0, ev[0][1] & select.POLLPRI != 0, time.monotonic() - t < 1)' \
		"$LXCFS_MNT/proc/pressure/cpu"
	assert_success
	assert_output "$(printf 'EACCES\nTrue False True')"
}

@test "pressure: a reader in a test cgroup sees its own CPU stalls, not the host's" {
	[ -f "$CGROOT/unified/cgroup.procs" ] || skip "no unified cgroup2 hierarchy"
	start_daemon
	make_cgroup psi
	make_unified_cgroup psi
	local ucg=$CGROOT/unified/$CG_TOP/psi before mid after host
	# three busy loops on one CPU of the cgroup's cpuset: two of them always wait
	cg_set psi cpuset.cpus 0
	in_cgroup psi timeout 3 bash -c 'for i in 1 2 3; do (while :; do :; done) & done; wait' || true
	before=$(total_of "$(cat "$ucg/cpu.pressure")" some)
	assert [ "$before" -gt 0 ]  # the kernel counted stalls in the test cgroup
	run in_cgroup psi cat "$LXCFS_MNT/proc/pressure/cpu"
	assert_success
	mid=$(total_of "$output" some)
	after=$(total_of "$(cat "$ucg/cpu.pressure")" some)
	host=$(total_of "$(cat /proc/pressure/cpu)" some)
	log "cgroup total $before .. $after, served $mid, host $host"
	assert [ "$mid" -ge "$before" ]
	assert [ "$mid" -le "$after" ]
	assert [ "$mid" -lt "$host" ]
	# memory and io: the cgroup's too (well-formed, at most the cgroup's total after)
	run in_cgroup psi cat "$LXCFS_MNT/proc/pressure/memory"
	assert_success
	assert [ "$(total_of "$output" full)" -le "$(total_of "$(cat "$ucg/memory.pressure")" full)" ]
}

@test "pressure: in a container (own pid namespace), through the bound file" {
	[ -f "$CGROOT/unified/cgroup.procs" ] || skip "no unified cgroup2 hierarchy"
	start_daemon
	make_cgroup psict
	make_unified_cgroup psict
	local ucg=$CGROOT/unified/$CG_TOP/psict
	cg_set psict cpuset.cpus 0
	# the container's init stalls on one CPU, then reads its bound /proc/pressure/cpu
	run in_container psict bash -c "
		mount --bind '$LXCFS_MNT/proc/pressure/cpu' /proc/pressure/cpu || exit 125
		timeout 2 bash -c 'for i in 1 2 3; do (while :; do :; done) & done; wait'
		cat /proc/pressure/cpu"
	assert_success
	local served after
	served=$(total_of "$output" some)
	after=$(total_of "$(cat "$ucg/cpu.pressure")" some)
	log "served $served, cgroup $after"
	assert [ "$served" -gt 0 ]
	assert [ "$served" -le "$after" ]
}

@test "slabinfo: root reads the kernel's format (the host's: this kernel's memory.kmem.slabinfo is empty), others get EACCES" {
	start_daemon
	make_cgroup slab
	assert_equal "$(stat -c '%a' "$LXCFS_MNT/proc/slabinfo")" 400
	# the premise of the host fallback on this kernel
	assert [ ! -s "$(cg_dir memory slab)/memory.kmem.slabinfo" ]
	run in_container slab bash -c "mount --bind '$LXCFS_MNT/proc/slabinfo' /proc/slabinfo && head -1 /proc/slabinfo && awk 'NR > 2 {print \$1}' /proc/slabinfo | sort | head -50"
	assert_success
	assert_line --index 0 "slabinfo - version: 2.1"
	# the same caches as the kernel's file
	assert_equal "$(sed 1d <<<"$output")" "$(awk 'NR > 2 {print $1}' /proc/slabinfo | sort | head -50)"
	# a user other than root: refused, as by the kernel
	run setpriv --reuid=65534 --regid=65534 --clear-groups cat "$LXCFS_MNT/proc/slabinfo"
	assert_failure
	assert_output --partial "Permission denied"
	# root of a user namespace (uid 0 only inside it, 65534 on the host): refused too, as the
	# kernel refuses it its own file
	run setpriv --reuid=65534 --regid=65534 --clear-groups unshare --user --map-root-user \
		sh -c "id -u; cat /proc/slabinfo >/dev/null; cat '$LXCFS_MNT/proc/slabinfo'"
	assert_failure
	assert_line --index 0 0
	assert_line --index 1 --partial "/proc/slabinfo: Permission denied"
	assert_line --index 2 --partial "$LXCFS_MNT/proc/slabinfo: Permission denied"
}

@test "pressure: on a host without PSI (an empty /proc/pressure here) the daemon lists no proc/pressure, and slabinfo stays" {
	[ -f /proc/pressure/cpu ] || skip "no PSI on this kernel"
	local mnt log=$BATS_TEST_TMPDIR/nopsi.log pid
	new_mountpoint mnt
	# the daemon in a mount namespace of its own where the kernel's PSI files are not there
	unshare --mount --propagation private sh -c \
		'mount -t tmpfs nopsi /proc/pressure && exec "$0" -f --log "$1" "$2"' \
		"$LXCFS" "$log" "$mnt" 3>&- &
	pid=$!
	_BG_PIDS+=("$pid")
	wait_for "nsenter --target $pid --mount findmnt -n --mountpoint $mnt >/dev/null" 10 "the daemon mounted in its namespace"
	run nsenter --target "$pid" --mount ls "$mnt/proc"
	assert_success
	refute_line pressure
	assert_line slabinfo
	assert_line meminfo
	run nsenter --target "$pid" --mount stat "$mnt/proc/pressure/cpu"
	assert_failure
	assert_output --partial "No such file"
	grep -q 'proc/pressure/cpu: not on this host; not served' "$log"
	kill -TERM "$pid"
	wait_gone "$pid"
}
