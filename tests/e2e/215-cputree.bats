#!/usr/bin/env bats
# /sys/devices/system/cpu in runc containers: the hook binds the container's copy of the whole
# directory (its cpuN only, the host's files below them), and every CPU count a program can
# take agrees with /proc/cpuinfo: lscpu, nproc --all, glibc's _SC_NPROCESSORS_CONF and
# _SC_NPROCESSORS_ONLN (getconf), Python's os.cpu_count().

load helpers-toolkit

MIB256=$((256 * 1024 * 1024))

setup() {
	tk_setup
	HOST_CPUS=$(cat /sys/fs/cgroup/cpuset/cpuset.effective_cpus)
	HOST_N=$(cpulist_count "$HOST_CPUS")
	[ "$HOST_N" -ge 2 ] || skip "needs at least 2 CPUs (have $HOST_CPUS)"
	LAST_CPU=${HOST_CPUS##*[,-]}
}

# cpu_ctr CPUS [DAEMON_OPTIONS...]: the daemon, then a runc container on the cpuset CPUS with
# the host's /usr; sets CTR
cpu_ctr() {
	local cpus=$1
	shift
	tk_start_daemon "$@"
	CTR=$(tk_name)
	make_bundle "$CTR" "$MIB256" "$cpus"
	bundle_host_usr
}

# counts: what each program in CTR says, one per line: cpuinfo's processors, the cpuN
# entries of the CPU directory, lscpu's CPU(s), nproc --all, nproc, getconf
# _NPROCESSORS_CONF, getconf _NPROCESSORS_ONLN, os.cpu_count()
counts() {
	runc_in "$CTR" sh -c 'grep -c ^processor /proc/cpuinfo
		ls /sys/devices/system/cpu | grep -cE "^cpu[0-9]+$"
		lscpu | sed -n "s/^CPU(s): *//p"
		nproc --all
		nproc
		getconf _NPROCESSORS_CONF
		getconf _NPROCESSORS_ONLN
		/usr/bin/python3 -c "import os; print(os.cpu_count())"'
}

# eight N: what counts prints when every program says N
eight() { printf "$1"'\n%.0s' 1 2 3 4 5 6 7 8; }

@test "cpu tree: in a one-CPU container every count is 1 (cpuinfo, cpuN, lscpu, nproc --all, getconf, os.cpu_count)" {
	cpu_ctr "$LAST_CPU"
	runc_start "$CTR"
	assert_equal "$status" 0
	run counts
	assert_success
	assert_output "$(eight 1)"
	run runc_in "$CTR" ls /sys/devices/system/cpu
	assert_equal "$(grep -E '^cpu[0-9]+$' <<<"$output")" "cpu$LAST_CPU"  # only its own CPU
	run runc_in "$CTR" lscpu
	assert_line --regexp "^On-line CPU\(s\) list: +$LAST_CPU$"
	run runc_in "$CTR" cat /sys/devices/system/cpu/online /sys/devices/system/cpu/possible \
		/sys/devices/system/cpu/present
	assert_output "$(printf '%s\n%s\n%s' "$LAST_CPU" "$LAST_CPU" "$LAST_CPU")"
}

@test "cpu tree: with the host's cpuset every count is the host's and the cpuN list is the host's" {
	cpu_ctr "$HOST_CPUS"
	runc_start "$CTR"
	run counts
	assert_success
	assert_output "$(eight "$HOST_N")"
	run runc_in "$CTR" ls /sys/devices/system/cpu
	assert_equal "$(grep -E '^cpu[0-9]+$' <<<"$output")" "$(ls /sys/devices/system/cpu | grep -E '^cpu[0-9]+$')"
}

@test "cpu tree: the files below cpuN are the host's, read-only; the directory is one fuse.lxcfs mount" {
	cpu_ctr "$LAST_CPU"
	runc_start "$CTR"
	local f
	for f in topology/core_id topology/physical_package_id; do
		[ -e "/sys/devices/system/cpu/cpu$LAST_CPU/$f" ] || continue
		run runc_in "$CTR" cat "/sys/devices/system/cpu/cpu$LAST_CPU/$f"
		assert_output "$(cat "/sys/devices/system/cpu/cpu$LAST_CPU/$f")"
	done
	run runc_in "$CTR" cat /sys/devices/system/cpu/kernel_max
	assert_output "$(cat /sys/devices/system/cpu/kernel_max)"
	run runc_in "$CTR" sh -c 'echo 0 >/sys/devices/system/cpu/online'
	assert_failure
	run runc_in "$CTR" cat /proc/self/mountinfo
	assert_equal "$(grep -c ' /sys/devices/system/cpu[/ ].* - fuse.lxcfs ' <<<"$output")" 1
	assert_line --regexp "^[0-9]+ [0-9]+ [0-9:]+ /sys/devices/system/cpu /sys/devices/system/cpu .* - fuse\.lxcfs "
}

@test "cpu tree --enable-cfs: a quota of one CPU on the full cpuset lists one cpuN and every count but nproc's is 1" {
	cpu_ctr "$HOST_CPUS" --enable-cfs
	bundle_jq '.linux.resources.cpu.quota = 100000 | .linux.resources.cpu.period = 100000'
	runc_start "$CTR"
	run counts
	assert_success
	# nproc counts the affinity mask, which is the kernel's (the whole cpuset); so does
	# nproc --all when the configured count is 1 or 2 and the mask has more (coreutils'
	# compensation for a missing /sys): documented in lxcfs(1)
	assert_equal "$(sed -n '1,3p;6,8p' <<<"$output")" "$(printf '1\n%.0s' 1 2 3 4 5 6)"
	assert_equal "$(sed -n 5p <<<"$output")" "$HOST_N"
	assert_equal "$(sed -n 4p <<<"$output")" "$HOST_N"
	# the first CPUs of the cpuset are the ones shown
	run runc_in "$CTR" ls /sys/devices/system/cpu
	assert_equal "$(grep -E '^cpu[0-9]+$' <<<"$output")" "cpu${HOST_CPUS%%[,-]*}"
	run runc_in "$CTR" cat /sys/devices/system/cpu/online
	assert_output "${HOST_CPUS%%[,-]*}"
}

@test "cpu tree: without --enable-cfs the same quota hides no CPU" {
	cpu_ctr "$HOST_CPUS"
	bundle_jq '.linux.resources.cpu.quota = 100000 | .linux.resources.cpu.period = 100000'
	runc_start "$CTR"
	run runc_in "$CTR" nproc --all
	assert_output "$HOST_N"
}

@test "cpu tree: runc update --cpuset-cpus shows in the next listing and count" {
	cpu_ctr "$HOST_CPUS"
	runc_start "$CTR"
	run runc_in "$CTR" nproc --all
	assert_output "$HOST_N"
	runc --root "$TK_RUNC_ROOT" update --cpuset-cpus "$LAST_CPU" "$CTR"
	# a cpuN name is cached for at most a second
	wait_for '[ "$(runc_in "$CTR" ls /sys/devices/system/cpu | grep -cE "^cpu[0-9]+$")" = 1 ]' 5 \
		"the listing shows the one CPU"
	run counts
	assert_output "$(eight 1)"
	run runc_in "$CTR" ls "/sys/devices/system/cpu/cpu${HOST_CPUS%%[,-]*}"
	[ "${HOST_CPUS%%[,-]*}" = "$LAST_CPU" ] || assert_failure  # another CPU's directory is gone
}

@test "cpu tree: umount gives the host's directory back, remount the container's; an older hook's bind of cpu/online is detached" {
	cpu_ctr "$LAST_CPU"
	runc_start "$CTR"
	local pid
	pid=$(runc_pid "$CTR")
	run_tk 0 umount --container-id "$CTR"
	run runc_in "$CTR" nproc --all
	assert_output "$HOST_N"  # sysfs again
	refute grep -q ' /sys/devices/system/cpu.* - fuse.lxcfs ' "/proc/$pid/mountinfo"
	run_tk 0 remount --container-id "$CTR"
	run runc_in "$CTR" nproc --all
	assert_output 1
	# what the hook of before the directory bind left: the directory unbound, cpu/online bound
	# alone (from the container's pid namespace, as the hook did)
	nsenter --target "$pid" --mount umount /sys/devices/system/cpu
	nsenter --target "$pid" --mount --pid -- mount --bind \
		/var/lib/lxcfs/sys/devices/system/cpu/online /sys/devices/system/cpu/online
	run runc_in "$CTR" cat /sys/devices/system/cpu/online
	assert_output "$LAST_CPU"
	run_tk 0 status --json
	assert_equal "$(jq -r '.containers[0].files["sys/devices/system/cpu"]' <<<"$output")" degraded
	run_tk 0 remount --container-id "$CTR"
	run grep -c ' /sys/devices/system/cpu/online .* - fuse.lxcfs ' "/proc/$pid/mountinfo"
	assert_output 0  # the old bind is gone
	assert_equal "$(grep -c ' /sys/devices/system/cpu .* - fuse.lxcfs ' "/proc/$pid/mountinfo")" 1
	run_tk 0 status --json
	assert_equal "$(jq -r '.containers[0].files["sys/devices/system/cpu"]' <<<"$output")" live
	run_tk 0 umount --container-id "$CTR"
	refute grep -q ' /sys/devices/system/cpu.* - fuse.lxcfs ' "/proc/$pid/mountinfo"
}
