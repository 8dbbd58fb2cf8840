#!/usr/bin/env bats
# /proc/cpuinfo and /sys/devices/system/cpu/online inside containers with v1 cpusets and CFS
# quotas.

load helpers

setup() {
	basic_setup
	HOST_CPUS=$(cat "$CGROOT/cpuset/cpuset.effective_cpus" 2>/dev/null || cat "$CGROOT/cpuset/cpuset.cpus")
	HOST_N=$(cpulist_count "$HOST_CPUS")
	[ "$HOST_N" -ge 2 ] || skip "needs at least 2 CPUs (have $HOST_CPUS)"
	# the highest host CPU, alone: a cpuset that does not start at 0
	LAST_CPU=${HOST_CPUS##*[,-]}
}

@test "cpuinfo has one block per CPU of the cpuset (grep -c ^processor)" {
	start_daemon
	make_cgroup one
	cg_set one cpuset.cpus "$LAST_CPU"
	run in_container one grep -c ^processor /proc/cpuinfo
	assert_output 1
	make_cgroup all
	run in_container all grep -c ^processor /proc/cpuinfo
	assert_output "$HOST_N"
}

@test "cpu/online lists the cpuset's real CPU numbers and agrees with cpuinfo" {
	start_daemon
	make_cgroup one
	cg_set one cpuset.cpus "$LAST_CPU"
	run in_container one sh -c 'cat /sys/devices/system/cpu/online; grep -c ^processor /proc/cpuinfo'
	assert_equal "${lines[0]}" "$LAST_CPU"
	assert_equal "$(cpulist_count "${lines[0]}")" "${lines[1]}"
}

@test "cpu/online of a full cpuset is the host's list in range syntax" {
	start_daemon
	make_cgroup all
	run in_container all cat /sys/devices/system/cpu/online
	assert_output "$(cat /sys/devices/system/cpu/online)"
}

@test "glibc's online CPU count (getconf, python os.cpu_count) follows cpu/online" {
	start_daemon
	make_cgroup one
	cg_set one cpuset.cpus "$LAST_CPU"
	run in_container one sh -c 'getconf _NPROCESSORS_ONLN; /usr/bin/python3 -c "import os; print(os.cpu_count())"'
	assert_equal "${lines[0]}" 1
	assert_equal "${lines[1]}" 1
}

@test "cpuinfo renumbers: processor and physical id from 0, siblings 1, core id 0, cpu cores 1" {
	start_daemon
	make_cgroup all
	run in_container all cat /proc/cpuinfo
	assert_success
	local info=$output
	assert_equal "$(awk -F': ' '/^processor/ {printf "%s ", $2}' <<<"$info")" "$(seq -s ' ' 0 $((HOST_N - 1))) "
	if grep -q '^physical id' /proc/cpuinfo; then
		assert_equal "$(awk -F': ' '/^physical id/ {printf "%s ", $2}' <<<"$info")" "$(seq -s ' ' 0 $((HOST_N - 1))) "
		assert_equal "$(awk -F': ' '/^siblings/ {print $2}' <<<"$info" | sort -u)" 1
		assert_equal "$(awk -F': ' '/^core id/ {print $2}' <<<"$info" | sort -u)" 0
		assert_equal "$(awk -F': ' '/^cpu cores/ {print $2}' <<<"$info" | sort -u)" 1
	fi
}

@test "a one-CPU container's block is the host's block of that CPU, renumbered" {
	start_daemon
	make_cgroup one
	cg_set one cpuset.cpus "$LAST_CPU"
	run in_container one cat /proc/cpuinfo
	assert_success
	# the host's block for LAST_CPU, minus the renumbered lines (and cpu MHz, which moves)
	local strip='^(processor|physical id|siblings|core id|cpu cores|cpu MHz)[[:space:]]*:'
	local host
	host=$(awk -v cpu="$LAST_CPU" '/^processor/ {p = ($3 == cpu)} p' /proc/cpuinfo | grep -Ev "$strip")
	assert_equal "$(grep -Ev "$strip" <<<"$output")" "$host"
	assert_line --regexp '^processor[[:space:]]+: 0$'
}

@test "a nested container's cpuset (narrowed on parent and child) applies" {
	start_daemon
	make_cgroup parent/child
	# v1: a child's cpuset must stay inside its parent's, so the child narrows first
	cg_set parent/child cpuset.cpus "$LAST_CPU"
	cg_set parent cpuset.cpus "$LAST_CPU"
	run in_container parent/child sh -c 'grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online'
	assert_equal "${lines[0]}" 1
	assert_equal "${lines[1]}" "$LAST_CPU"
}

@test "--enable-cfs: a quota of one CPU shows one CPU" {
	start_daemon --enable-cfs
	make_cgroup cfs
	cg_set cfs cpu.cfs_period_us 100000
	cg_set cfs cpu.cfs_quota_us 100000
	run in_container cfs sh -c 'grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online'
	assert_equal "${lines[0]}" 1
	assert_equal "$(cpulist_count "${lines[1]}")" 1
}

@test "--enable-cfs: quota/period is rounded up (1.5 CPUs show as 2)" {
	start_daemon --enable-cfs
	make_cgroup cfs
	cg_set cfs cpu.cfs_period_us 100000
	cg_set cfs cpu.cfs_quota_us 150000
	run in_container cfs grep -c ^processor /proc/cpuinfo
	assert_output 2
}

@test "--enable-cfs: the smallest quota up the tree counts" {
	start_daemon --enable-cfs
	make_cgroup q/inner
	cg_set q cpu.cfs_quota_us 50000
	run in_container q/inner grep -c ^processor /proc/cpuinfo
	assert_output 1
}

@test "without --enable-cfs a CFS quota does not hide CPUs" {
	start_daemon
	make_cgroup cfs
	cg_set cfs cpu.cfs_quota_us 100000
	run in_container cfs grep -c ^processor /proc/cpuinfo
	assert_output "$HOST_N"
}
