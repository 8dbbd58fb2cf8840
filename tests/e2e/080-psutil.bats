#!/usr/bin/env bats
# A real client that parses these files: Debian's python3-psutil under /usr/bin/python3 (not
# whatever python3 is first on PATH), run inside a container.

load helpers

PY=/usr/bin/python3

setup() {
	basic_setup
	"$PY" -c 'import psutil' 2>/dev/null || fail "$PY has no psutil (apt-get install python3-psutil)"
	HOST_CPUS=$(cat "$CGROOT/cpuset/cpuset.effective_cpus" 2>/dev/null || cat "$CGROOT/cpuset/cpuset.cpus")
	LAST_CPU=${HOST_CPUS##*[,-]}
}

@test "psutil.virtual_memory().total is the 512 MiB limit" {
	start_daemon
	make_cgroup ps
	cg_set ps memory.limit_in_bytes 512M
	run in_container ps "$PY" -c 'import psutil; m = psutil.virtual_memory(); print(m.total, m.available <= m.total, m.free <= m.total)'
	assert_success
	assert_output "$((512 * 1024 * 1024)) True True"
}

@test "psutil.cpu_count() and per-CPU times follow the cpuset" {
	start_daemon
	make_cgroup ps
	cg_set ps cpuset.cpus "$LAST_CPU"
	run in_container ps "$PY" -c 'import psutil; print(psutil.cpu_count(), len(psutil.cpu_times(percpu=True)))'
	assert_success
	assert_output "1 1"
}

@test "psutil.cpu_percent of a busy one-CPU container matches its cgroup's CPU time" {
	start_daemon
	make_cgroup ps
	cg_set ps cpuset.cpus "$LAST_CPU"
	# the host's CPUs are shared with other work, so compare with what cpuacct says the
	# container got over the same interval rather than with 100%
	run in_container ps bash -c '
		(timeout 4 bash -c "while :; do :; done") &
		sleep 0.3
		'"$PY"' -c "
import psutil, sys, time
f = sys.argv[1]
u0 = int(open(f).read()); t0 = time.monotonic(); psutil.cpu_percent()
time.sleep(2)
p = psutil.cpu_percent(); u1 = int(open(f).read()); t1 = time.monotonic()
print(int(p), int(100 * (u1 - u0) / 1e9 / (t1 - t0)))" '"$(cg_dir cpuacct ps)/cpuacct.usage"
	assert_success
	local got want
	read -r got want <<<"${lines[-1]}"
	log "psutil cpu_percent $got%, cpuacct says $want%"
	assert [ "$want" -ge 20 ]  # the busy loop got CPU ($want%)
	assert [ "$(((got - want) * (got - want)))" -le 400 ]  # psutil $got% within 20 points of cpuacct's $want%
}

@test "psutil.swap_memory().total matches meminfo's SwapTotal" {
	start_daemon
	make_cgroup ps
	cg_set ps memory.limit_in_bytes 512M
	run in_container ps sh -c "$PY -c 'import psutil; print(psutil.swap_memory().total)'; grep ^SwapTotal: /proc/meminfo"
	assert_success
	assert_equal "${lines[0]}" "$(($(awk '{print $2}' <<<"${lines[1]}") * 1024))"
}

@test "psutil.disk_io_counters sees the container's writes to a loop device" {
	start_daemon
	make_cgroup ps
	make_loop 32
	cg_set ps blkio.throttle.write_bps_device "$LOOP_MAJMIN 1099511627776"
	run in_container ps sh -c "dd if=/dev/zero of=$LOOP_DEV bs=4k count=256 oflag=direct status=none &&
		$PY -c 'import psutil; d = psutil.disk_io_counters(perdisk=True)[\"$LOOP_NAME\"]; print(d.write_count, d.write_bytes)'"
	assert_success
	local wc wb
	read -r wc wb <<<"${lines[-1]}"
	assert [ "$wc" -ge 256 ]  # psutil write_count $wc >= 256
	assert [ "$wb" -ge 1048576 ]  # psutil write_bytes $wb >= 1 MiB
}

@test "psutil.boot_time() is the host's boot time (stat btime)" {
	start_daemon
	make_cgroup ps
	run in_container ps "$PY" -c 'import psutil; print(int(psutil.boot_time()))'
	assert_output "$(awk '$1 == "btime" {print $2}' /proc/stat)"
}
