#!/usr/bin/env bats
# /proc/stat and /proc/uptime inside containers.

load helpers

setup() {
	basic_setup
	HOST_CPUS=$(cat "$CGROOT/cpuset/cpuset.effective_cpus" 2>/dev/null || cat "$CGROOT/cpuset/cpuset.cpus")
	HOST_N=$(cpulist_count "$HOST_CPUS")
	LAST_CPU=${HOST_CPUS##*[,-]}
}

# busy (user + system) ticks of the "cpu" line of a stat text on stdin
stat_busy() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8}'; }

@test "stat of a one-CPU container has the cpu line and exactly one cpuN line, cpu0" {
	start_daemon
	make_cgroup one
	cg_set one cpuset.cpus "$LAST_CPU"
	run in_container one grep -E '^cpu[0-9]* ' /proc/stat
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp '^cpu( +[0-9]+){10}$'
	assert_line --index 1 --regexp '^cpu0( +[0-9]+){10}$'
}

@test "stat of a full-cpuset container has cpu0..cpuN-1" {
	start_daemon
	make_cgroup all
	run in_container all sh -c "grep -oE '^cpu[0-9]+' /proc/stat"
	assert_output "$(seq -f 'cpu%g' 0 $((HOST_N - 1)))"
}

@test "stat keeps intr, ctxt, btime, processes, procs_running, procs_blocked and softirq" {
	start_daemon
	make_cgroup lines
	run in_container lines cat /proc/stat
	local k
	for k in intr ctxt btime processes procs_running procs_blocked softirq; do
		assert_line --regexp "^$k [0-9]+"
	done
}

@test "stat counters grow while the container burns CPU, as much as cpuacct says" {
	start_daemon
	make_cgroup burn
	cg_set burn cpuset.cpus "$LAST_CPU"
	local usage
	usage=$(cg_dir cpuacct burn)/cpuacct.usage
	run in_container burn bash -c '
		cat '"$usage"'; grep "^cpu " /proc/stat
		timeout 1.5 bash -c "while :; do :; done"
		grep "^cpu " /proc/stat; cat '"$usage"
	assert_success
	local before after got want
	before=$(stat_busy <<<"${lines[1]}")
	after=$(stat_busy <<<"${lines[2]}")
	got=$((after - before))
	want=$(((lines[3] - lines[0]) / 10000000)) # ns -> USER_HZ ticks
	log "busy ticks: $before -> $after (+$got); cpuacct.usage grew by $want ticks"
	# 1.5 s of one CPU is ~150 ticks when the host is idle; the host's CPUs are shared, so
	# compare with what the cgroup really got
	assert [ "$want" -ge 20 ]  # the busy loop got some CPU ($want ticks)
	assert [ "$got" -ge $((want * 7 / 10 - 5)) ]  # user+system grew by $got, about cpuacct's $want
	assert [ "$got" -le $((want * 13 / 10 + 5)) ]  # user+system grew by $got, about cpuacct's $want
}

@test "an idle container's busy counters barely move; its idle time grows" {
	start_daemon
	make_cgroup idle
	cg_set idle cpuset.cpus "$LAST_CPU"
	run in_container idle bash -c 'grep "^cpu " /proc/stat; sleep 1.5; grep "^cpu " /proc/stat'
	local b0 b1 i0 i1
	b0=$(stat_busy <<<"${lines[0]}")
	b1=$(stat_busy <<<"${lines[1]}")
	i0=$(awk '{print $5}' <<<"${lines[0]}")
	i1=$(awk '{print $5}' <<<"${lines[1]}")
	log "busy $b0 -> $b1, idle $i0 -> $i1"
	assert [ "$((b1 - b0))" -le 30 ]  # busy grew little
	assert [ "$((i1 - i0))" -ge 80 ]  # idle grew about 150 ticks
}

@test "stat counters never decrease between reads" {
	start_daemon
	make_cgroup mono
	run in_container mono bash -c '
		for i in 1 2 3 4 5 6; do grep -E "^cpu[0-9]* " /proc/stat; echo; timeout 0.2 bash -c "while :; do :; done"; done; true'
	assert_success
	run awk '
		/^$/ {next}
		{ for (i = 2; i <= NF; i++) { if (($1, i) in last && $i < last[$1, i]) { print "decreased:", $1, i, last[$1, i], "->", $i; bad = 1 } last[$1, i] = $i } }
		END {exit bad}' <<<"$output"
	assert_success
}

@test "the cpu line is the sum of the cpuN lines" {
	start_daemon
	make_cgroup sum
	run in_container sum bash -c 'timeout 0.5 bash -c "while :; do :; done"; cat /proc/stat'
	run awk -v n="$HOST_N" '
		$1 == "cpu" { for (i = 2; i <= 11; i++) total[i] = $i }
		$1 ~ /^cpu[0-9]+$/ { for (i = 2; i <= 11; i++) sum[i] += $i }
		END { for (i = 2; i <= 11; i++) { d = total[i] - sum[i]; if (d < 0) d = -d; if (d > n) { print "column", i, total[i], "!=", sum[i]; bad = 1 } } exit bad }' <<<"$output"
	assert_success
}

@test "uptime starts near 0 in a new container and grows with time" {
	start_daemon
	make_cgroup up
	run in_container up sh -c 'cat /proc/uptime; sleep 2; cat /proc/uptime'
	assert_success
	assert_line --index 0 --regexp '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$'
	local u0 u1
	u0=$(awk '{print $1}' <<<"${lines[0]}")
	u1=$(awk '{print $1}' <<<"${lines[1]}")
	log "uptime $u0 -> $u1 (host $(cut -d' ' -f1 /proc/uptime))"
	assert [ "$(awk -v a="$u0" 'BEGIN {print (a < 2.0)}')" -eq 1 ]  # first uptime $u0 < 2 s
	assert [ "$(awk -v a="$u0" -v b="$u1" 'BEGIN {d = b - a; print (d >= 1.5 && d <= 4)}')" -eq 1 ]  # uptime grew by about 2 s ($u0 -> $u1)
}

@test "uptime of a container reads the same from every process in it" {
	start_daemon
	make_cgroup upx
	start_container upx sleep 300
	sleep 1.2
	run container_exec "$CONTAINER_PID" cat /proc/uptime
	local u
	u=$(awk '{print $1}' <<<"$output")
	assert [ "$(awk -v a="$u" 'BEGIN {print (a >= 1.0 && a < 5)}')" -eq 1 ]  # uptime $u counts from the container's init, not the reader
}

@test "uptime idle is uptime x CPUs minus the container's CPU time" {
	start_daemon
	make_cgroup upidle
	cg_set upidle cpuset.cpus "$LAST_CPU"
	run in_container upidle bash -c 'timeout 1.5 bash -c "while :; do :; done"; cat /proc/uptime'
	local up idle used expect
	read -r up idle <<<"$output"
	# what the cgroup really got (the host's CPUs are shared with whatever else runs)
	used=$(awk '{printf "%.2f", $1 / 1e9}' "$(cg_dir cpuacct upidle)/cpuacct.usage")
	expect=$(awk -v u="$up" -v c="$used" 'BEGIN {e = u - c; printf "%.2f", (e < 0 ? 0 : e)}')
	log "uptime $up idle $idle; cgroup CPU time $used s: expected idle ~$expect"
	assert [ "$(awk -v u="$up" -v i="$idle" 'BEGIN {print (i <= u + 0.01)}')" -eq 1 ]  # idle $idle <= uptime $up x 1 CPU
	assert [ "$(awk -v i="$idle" -v e="$expect" 'BEGIN {d = i - e; print (d < 0 ? -d : d) <= 0.3}')" -eq 1 ]  # idle $idle within 0.3 s of $expect
	assert [ "$(awk -v c="$used" 'BEGIN {print (c >= 0.2)}')" -eq 1 ]  # the busy loop got some CPU ($used s)
}

@test "a reader in the host pid namespace gets its cgroup's stat view" {
	start_daemon
	make_cgroup hoststat
	cg_set hoststat cpuset.cpus "$LAST_CPU"
	run in_cgroup hoststat grep -cE '^cpu[0-9]+ ' "$LXCFS_MNT/proc/stat"
	assert_output 1
}
