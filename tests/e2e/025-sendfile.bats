#!/usr/bin/env bats
# sendfile/splice readers (busybox cat, as in Alpine images). This kernel splices FUSE files
# through the page cache up to the inode's size, even with direct_io: the daemon reports a
# size and restores it at every open, so no reader is cut short and none sees another's pages.

load helpers

bb_cat_len() { busybox cat "$1" | wc -c; }

@test "busybox cat (sendfile) reads a whole file, no padding" {
	start_daemon
	local f
	for f in meminfo cpuinfo stat uptime swaps diskstats partitions loadavg; do
		assert_equal "$(bb_cat_len "$LXCFS_MNT/proc/$f")" "$(cat "$LXCFS_MNT/proc/$f" | wc -c)"
	done
	assert_equal "$(busybox cat "$LXCFS_MNT/proc/meminfo" | tr -d '\0' | wc -c)" \
		"$(busybox cat "$LXCFS_MNT/proc/meminfo" | wc -c)"
}

@test "a one-CPU container's busybox cat does not cut the next reader's file" {
	start_daemon
	make_cgroup one
	cg_set one cpuset.cpus 0
	run in_container one busybox cat /proc/cpuinfo
	assert_success
	assert_equal "$(grep -c '^processor' <<<"$output")" 1
	# the host reader right after it: every CPU, whole file
	local host_n
	host_n=$(grep -c '^processor' /proc/cpuinfo)
	assert_equal "$(busybox cat "$LXCFS_MNT/proc/cpuinfo" | grep -c '^processor')" "$host_n"
	# and again, the other way round
	run in_container one busybox cat /proc/cpuinfo
	assert_equal "$(grep -c '^processor' <<<"$output")" 1
}

@test "a container's spliced pages are never served to another reader" {
	start_daemon
	make_cgroup small
	cg_set small memory.limit_in_bytes 256M
	run in_container small busybox cat /proc/meminfo
	assert_output --regexp "MemTotal: +262144 kB"
	# the host reader gets its own view, not the cached container text
	run busybox cat "$LXCFS_MNT/proc/meminfo"
	refute_output --regexp "MemTotal: +262144 kB"
}
