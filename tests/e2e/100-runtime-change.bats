#!/usr/bin/env bats
# Limits changed while a container runs show on its next read (like
# `isula update --cpuset-cpus 0-1 --memory 1G`).

load helpers

setup() {
	basic_setup
	HOST_CPUS=$(cat "$CGROOT/cpuset/cpuset.effective_cpus" 2>/dev/null || cat "$CGROOT/cpuset/cpuset.cpus")
	HOST_N=$(cpulist_count "$HOST_CPUS")
	[ "$HOST_N" -ge 2 ] || skip "needs at least 2 CPUs"
	LAST_CPU=${HOST_CPUS##*[,-]}
}

# view PID: processor count, cpu/online, cpuN lines of stat, MemTotal, as one line
view() {
	container_exec "$1" sh -c '
		echo "$(grep -c ^processor /proc/cpuinfo) $(cat /sys/devices/system/cpu/online) $(grep -cE "^cpu[0-9]+ " /proc/stat) $(awk "/^MemTotal:/ {print \$2}" /proc/meminfo)"'
}

@test "a memory limit raised at run time shows in meminfo on the next read" {
	start_daemon
	make_cgroup upd
	cg_set upd memory.limit_in_bytes 512M
	start_container upd sleep 300
	run container_exec "$CONTAINER_PID" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "MemTotal: +$((512 * 1024)) kB"
	cg_set upd memory.limit_in_bytes 1G
	run container_exec "$CONTAINER_PID" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "MemTotal: +$((1024 * 1024)) kB"
	cg_set upd memory.limit_in_bytes 256M
	run container_exec "$CONTAINER_PID" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "MemTotal: +$((256 * 1024)) kB"
}

@test "a cpuset widened at run time shows in cpuinfo, stat and cpu/online on the next read" {
	start_daemon
	make_cgroup cs
	cg_set cs cpuset.cpus "$LAST_CPU"
	start_container cs sleep 300
	run view "$CONTAINER_PID"
	assert_output "1 $LAST_CPU 1 $(meminfo_kb MemTotal /proc/meminfo)"
	cg_set cs cpuset.cpus "$HOST_CPUS"
	run view "$CONTAINER_PID"
	assert_output "$HOST_N $(cat /sys/devices/system/cpu/online) $HOST_N $(meminfo_kb MemTotal /proc/meminfo)"
}

@test "a cpuset narrowed at run time shows on the next read" {
	start_daemon
	make_cgroup cs
	start_container cs sleep 300
	run view "$CONTAINER_PID"
	assert_output "$HOST_N $(cat /sys/devices/system/cpu/online) $HOST_N $(meminfo_kb MemTotal /proc/meminfo)"
	cg_set cs cpuset.cpus 0
	run view "$CONTAINER_PID"
	assert_output "1 0 1 $(meminfo_kb MemTotal /proc/meminfo)"
}

@test "isula-update style: --cpuset-cpus 0-1 --memory 1G on a running container" {
	start_daemon
	make_cgroup isula
	cg_set isula cpuset.cpus "$LAST_CPU"
	cg_set isula memory.limit_in_bytes 512M
	# the container keeps reading while it is updated
	start_container isula sh -c 'while :; do cat /proc/meminfo /proc/cpuinfo /proc/stat >/dev/null; sleep 0.05; done'
	run view "$CONTAINER_PID"
	assert_output "1 $LAST_CPU 1 $((512 * 1024))"
	cg_set isula cpuset.cpus "$HOST_CPUS"
	cg_set isula memory.limit_in_bytes 1G
	run view "$CONTAINER_PID"
	assert_output "$HOST_N $(cat /sys/devices/system/cpu/online) $HOST_N $((1024 * 1024))"
}

@test "stat counters stay monotonic across a cpuset change" {
	start_daemon
	make_cgroup mono
	start_container mono bash -c 'bash -c "while :; do :; done" & wait'
	run container_exec "$CONTAINER_PID" grep '^cpu ' /proc/stat
	local before=$output
	sleep 0.5
	cg_set mono cpuset.cpus "$LAST_CPU"
	sleep 0.5
	run container_exec "$CONTAINER_PID" grep '^cpu ' /proc/stat
	local after=$output
	log "before: $before"
	log "after:  $after"
	run awk -v a="$before" -v b="$after" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 2; i <= n; i++) if (y[i] + 0 < x[i] + 0) { print "column", i, "decreased"; bad = 1 }
		exit bad }'
	assert_success
}

# The container's other reader opens the files again and again and keeps the last one open:
# there is always a content made a moment ago (before the change) and a handle reading it;
# the next open still reads the new limit. The write and the read are one shell in the
# container, about a millisecond apart.
@test "a limit changed while another reader of the container loops shows on the next open" {
	start_daemon
	make_cgroup busy
	cg_set busy memory.limit_in_bytes 512M
	cg_set busy cpuset.cpus "$LAST_CPU"
	start_container busy bash -c 'while :; do exec 3</proc/meminfo 4</proc/cpuinfo; done'
	local mem cpus i
	mem=$(cg_dir memory busy)/memory.limit_in_bytes
	cpus=$(cg_dir cpuset busy)/cpuset.cpus
	for ((i = 0; i < 10; i++)); do
		run container_exec "$CONTAINER_PID" sh -c "
			echo $(((256 + i) * 1024 * 1024)) >$mem && grep ^MemTotal: /proc/meminfo
			echo $HOST_CPUS >$cpus && grep -c ^processor /proc/cpuinfo
			echo $LAST_CPU >$cpus && grep -c ^processor /proc/cpuinfo"
		assert_success
		assert_output --regexp "^MemTotal: +$(((256 + i) * 1024)) kB
$HOST_N
1\$"
	done
}
