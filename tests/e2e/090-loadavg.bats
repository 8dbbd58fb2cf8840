#!/usr/bin/env bats
# /proc/loadavg: the host's file by default, per-container with -l (sampled every 5 s).

load helpers

# load1 TEXT: first field of a loadavg line
load1() { awk '{print $1}' <<<"$1"; }

@test "without -l a container reads the host's loadavg" {
	start_daemon
	make_cgroup plain
	run in_container plain cat /proc/loadavg
	assert_success
	assert_output --regexp '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+/[0-9]+ [0-9]+$'
	# host-wide task count, far more than the container's two or three tasks
	local total=${output#* * * */}
	total=${total%% *}
	assert [ "$total" -ge 20 ]  # host total tasks ($total)
}

@test "-l: running/total counts the container's own tasks" {
	start_daemon -l
	make_cgroup tk
	start_container tk sh -c 'sleep 300 & sleep 300 & wait'
	run container_exec "$CONTAINER_PID" cat /proc/loadavg
	assert_success
	assert_output --regexp '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+/[0-9]+ [0-9]+$'
	local rt
	rt=$(awk '{print $4}' <<<"$output")
	log "running/total: $rt"
	# init sh + 2 sleeps (+ the reader if it is counted: it runs in the bats cgroup)
	assert [ "${rt#*/}" -ge 3 ]  # total >= 3 tasks
	assert [ "${rt#*/}" -le 5 ]  # total <= 5 tasks
}

# busy_above_idle BUSY IDLE: the load1 of the container whose init is BUSY (into $b) is clearly
# above the one of IDLE (into $d)
busy_above_idle() {
	b=$(load1 "$(container_exec "$1" cat /proc/loadavg)")
	d=$(load1 "$(container_exec "$2" cat /proc/loadavg)")
	awk -v b="$b" -v d="$d" 'BEGIN {exit !(b >= 0.2 && b > d + 0.1)}'
}

@test "-l: a busy container's load rises above an idle container's" {
	start_daemon -l
	make_cgroup busy
	make_cgroup idle
	start_container busy bash -c 'bash -c "while :; do :; done" & bash -c "while :; do :; done" & wait'
	local busy=$CONTAINER_PID
	start_container idle sleep 300
	local idle=$CONTAINER_PID
	local b=0.00 d=0.00 ok=0
	# samples every 5 s: two busy tasks give load1 ~0.3 after 10 s, ~0.44 after 15 s
	wait_for 'busy_above_idle "$busy" "$idle"' 25 "" 1 && ok=1
	log "busy $b, idle $d"
	assert [ "$ok" -eq 1 ]  # busy load1 $b rose above idle load1 $d within 25 s
	assert [ "$(awk -v d="$d" 'BEGIN {print (d < 0.1)}')" -eq 1 ]  # idle container stays near 0 ($d)
}

@test "-l: procps uptime in an idle container shows its own load and uptime" {
	# (glibc's getloadavg uses sysinfo(2), which no FUSE file can change; procps reads the files)
	start_daemon -l
	make_cgroup up
	start_container up sleep 300
	run container_exec "$CONTAINER_PID" uptime
	assert_success
	assert_output --regexp 'up +0 min,'
	assert_output --partial 'load average: 0.00, 0.00, 0.00'
}
