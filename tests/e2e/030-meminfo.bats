#!/usr/bin/env bats
# /proc/meminfo inside containers with v1 memory limits.

load helpers

MIB512_KB=$((512 * 1024))

@test "MemTotal in a container is its 512 MiB limit" {
	start_daemon
	make_cgroup c512
	cg_set c512 memory.limit_in_bytes $((512 * 1024 * 1024))
	run in_container c512 grep ^MemTotal: /proc/meminfo
	assert_success
	assert_output --regexp "^MemTotal: +$MIB512_KB kB$"
}

@test "procps free -m in a container shows 512 as the total" {
	start_daemon
	make_cgroup free
	cg_set free memory.limit_in_bytes 512M
	run in_container free free -m
	assert_success
	local total
	total=$(awk '$1 == "Mem:" {print $2}' <<<"$output")
	assert_equal "$total" 512
}

@test "a limit set only on the parent cgroup applies to a container in the child" {
	start_daemon
	make_cgroup parent/child
	cg_set parent memory.limit_in_bytes 512M
	assert_equal "$(cg_get parent/child memory.limit_in_bytes)" 9223372036854771712
	run in_container parent/child grep ^MemTotal: /proc/meminfo
	assert_output --regexp "^MemTotal: +$MIB512_KB kB$"
}

@test "the smaller of parent and child limits wins" {
	start_daemon
	make_cgroup big/small
	cg_set big memory.limit_in_bytes 1G
	cg_set big/small memory.limit_in_bytes 512M
	run in_container big/small grep ^MemTotal: /proc/meminfo
	assert_output --regexp "^MemTotal: +$MIB512_KB kB$"
}

@test "an unlimited container sees the host's MemTotal" {
	start_daemon
	make_cgroup unlimited
	run in_container unlimited grep ^MemTotal: /proc/meminfo
	assert_output "$(grep ^MemTotal: /proc/meminfo)"
}

@test "a limit above the host's memory is capped at the host's MemTotal" {
	start_daemon
	make_cgroup huge
	local host_kb
	host_kb=$(meminfo_kb MemTotal /proc/meminfo)
	cg_set huge memory.limit_in_bytes $((host_kb * 1024 * 4))
	run in_container huge grep ^MemTotal: /proc/meminfo
	assert_output "$(grep ^MemTotal: /proc/meminfo)"
}

@test "every host meminfo key is there, in the host's order" {
	start_daemon
	make_cgroup keys
	cg_set keys memory.limit_in_bytes 512M
	run in_container keys cat /proc/meminfo
	assert_success
	assert_equal "$(cut -d: -f1 <<<"$output")" "$(cut -d: -f1 /proc/meminfo)"
	# and the kernel's format: key, colon, right-aligned number, optional " kB"
	run grep -vE '^[A-Za-z0-9_()]+: +[0-9]+( kB)?$' <<<"$output"
	assert_output ""
}

@test "memory used in the container shows as used: MemFree and Shmem follow a 64 MiB tmpfs file" {
	start_daemon
	make_cgroup use
	cg_set use memory.limit_in_bytes 512M
	# tmpfs pages are charged to the writer's cgroup and stay charged while the file exists
	run in_container use sh -c '
		mount -t tmpfs tmpfs /mnt || exit 1
		before=$(cat /proc/meminfo)
		dd if=/dev/zero of=/mnt/fill bs=1M count=64 status=none || exit 1
		cat /proc/meminfo
		echo ---
		echo "$before"'
	assert_success
	local after before
	after=$(sed '/^---$/,$d' <<<"$output")
	before=$(sed '1,/^---$/d' <<<"$output")
	local total free free0 shmem shmem0 avail
	total=$(meminfo_kb MemTotal <<<"$after")
	free=$(meminfo_kb MemFree <<<"$after")
	free0=$(meminfo_kb MemFree <<<"$before")
	shmem=$(meminfo_kb Shmem <<<"$after")
	shmem0=$(meminfo_kb Shmem <<<"$before")
	avail=$(meminfo_kb MemAvailable <<<"$after")
	assert [ "$total" -eq "$MIB512_KB" ]  # MemTotal is the limit
	assert [ "$((free0 - free))" -ge $((60 * 1024)) ]  # MemFree dropped by about 64 MiB ($free0 -> $free)
	assert [ "$((shmem - shmem0))" -ge $((60 * 1024)) ]  # Shmem grew by about 64 MiB ($shmem0 -> $shmem)
	assert [ "$free" -le $((MIB512_KB - 64 * 1024)) ]  # MemFree <= 512 - 64 MiB
	assert [ "$free" -le "$avail" ]  # MemFree <= MemAvailable
	assert [ "$avail" -le "$total" ]  # MemAvailable <= MemTotal
}

@test "MemFree <= MemAvailable <= MemTotal and SwapFree <= SwapTotal" {
	start_daemon
	make_cgroup inv
	cg_set inv memory.limit_in_bytes 512M
	run in_container inv cat /proc/meminfo
	local t f a st sf
	t=$(meminfo_kb MemTotal <<<"$output")
	f=$(meminfo_kb MemFree <<<"$output")
	a=$(meminfo_kb MemAvailable <<<"$output")
	st=$(meminfo_kb SwapTotal <<<"$output")
	sf=$(meminfo_kb SwapFree <<<"$output")
	assert [ "$f" -le "$a" ]  # MemFree $f <= MemAvailable $a
	assert [ "$a" -le "$t" ]  # MemAvailable $a <= MemTotal $t
	assert [ "$sf" -le "$st" ]  # SwapFree $sf <= SwapTotal $st
}

@test "a reader in the host pid namespace sees its own cgroup's limit" {
	start_daemon
	make_cgroup hostreader
	cg_set hostreader memory.limit_in_bytes 512M
	run in_cgroup hostreader grep ^MemTotal: "$LXCFS_MNT/proc/meminfo"
	assert_output --regexp "^MemTotal: +$MIB512_KB kB$"
}

@test "a process exec'd into a container's sub-cgroup sees the container's view" {
	start_daemon
	make_cgroup sys/service
	cg_set sys memory.limit_in_bytes 512M
	cg_set sys/service memory.limit_in_bytes 256M
	start_container sys sleep 300
	# like a service of a system container in its own sub-cgroup: the container's view counts
	run container_exec "$CONTAINER_PID" --cgroup sys/service sh -c 'cat /proc/self/cgroup | grep memory:; grep ^MemTotal: /proc/meminfo'
	assert_success
	assert_output --partial "/sys/service"
	assert_output --regexp "MemTotal: +$MIB512_KB kB"
}

@test "two containers at once each see their own limit" {
	start_daemon
	make_cgroup one
	make_cgroup two
	cg_set one memory.limit_in_bytes 512M
	cg_set two memory.limit_in_bytes 256M
	start_container one sleep 300
	local a=$CONTAINER_PID
	start_container two sleep 300
	local b=$CONTAINER_PID
	run container_exec "$a" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "MemTotal: +$MIB512_KB kB"
	run container_exec "$b" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "MemTotal: +$((256 * 1024)) kB"
}
