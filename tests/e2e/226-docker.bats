#!/usr/bin/env bats
# The Docker engine (Debian's docker.io: dockerd, its own containerd, runc) with no hook: the
# files bound the way most users do, `docker run -v MNT/proc/meminfo:/proc/meminfo ...`, each
# file runc lets -v bind (helpers-docker.bash: DK_BIND_FILES). dockerd runs on a private socket
# with its own directories; containers' cgroups are under this run's parent cgroup.

load helpers-docker

KB256=$((256 * 1024))
KB128=$((128 * 1024))

# dk_sh NAME CMD: CMD (sh -c) in container NAME
dk_sh() { dk exec "$1" sh -c "$2"; }

memtotal_dk() { dk exec "$1" awk '$1 == "MemTotal:" {print $2}' /proc/meminfo; }

# lxcfs_binds_in PID: the container paths with a fuse.lxcfs mount in PID's mount namespace
lxcfs_binds_in() {
	awk '{for (i = 7; $i != "-"; i++) ; if ($(i + 1) == "fuse.lxcfs") print $5}' "/proc/$1/mountinfo" | sort
}

@test "docker -v: -m 256m --cpuset-cpus 0 shows 256 MiB and 1 CPU in every bound file" {
	local name pid want f
	tk_start_daemon
	dk_binds
	name=$(tk_name)
	dk_run "$name" -m 256m --cpuset-cpus 0 "${DK_BINDS[@]}" "$DK_IMAGE" sleep 100000
	pid=$(dk_pid "$name")
	# every -v file is a live lxcfs mount
	want=$(for f in "${DK_BIND_FILES[@]}"; do echo "/$f"; done | sort)
	assert_equal "$(lxcfs_binds_in "$pid")" "$want"
	assert_equal "$(memtotal_dk "$name")" "$KB256"
	run dk exec "$name" free -m # busybox free reads /proc/meminfo... and sysinfo(2): see 216
	assert_success
	run dk_sh "$name" 'grep -c ^processor /proc/cpuinfo'
	assert_output 1
	run dk exec "$name" cat /sys/devices/system/cpu/online
	assert_output 0
	run dk_sh "$name" 'grep -c "^cpu[0-9]" /proc/stat'
	assert_output 1 # one cpuN line
	# uptime: the container's (seconds), not the host's
	run dk_sh "$name" 'cut -d. -f1 /proc/uptime'
	assert [ "$output" -lt 60 ] # container uptime $output s
	assert [ "$(cut -d. -f1 /proc/uptime)" -gt "$output" ]
	run dk exec "$name" cat /proc/swaps
	assert_line --index 0 --regexp '^Filename'
	run dk exec "$name" cat /proc/loadavg
	assert_output --regexp '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+/[0-9]+ [0-9]+$'
}
