#!/usr/bin/env bats
# What one container can make the daemon hold, and what its load costs the others (issue 10,
# items 2, 3 and 4; the caps are in README's security section and lxcfs(1)):
# - pid namespaces: one that is gone is forgotten at once (its pidfd and cgroup fds closed);
#   nested ones beyond LX_MAX_NESTED_PER_TOP (64) per container are served, not kept, with one
#   log line; at its descriptor limit the daemon serves whole files, logs a few lines, and
#   check-lxcfs fails until it serves own values again;
# - /dev: a scan reads at most 65536 entries and names 4096 devices, never follows a symlink
#   out of the container's root, never touches a FUSE /dev, never parks a worker;
# - open files: a container's handle costs the daemon no memory of its own.
# Latency is compared with the same load without its hostile part (2 CPUs: whatever a load
# costs in CPU time shows in everyone's latency), as the best p99 of a few rounds each.

load helpers-toolkit

PIDNS=$REPO/build/tools/lxcfs-pidns
LATENCY=$REPO/build/tools/lxcfs-latency
PY=/usr/bin/python3

setup() {
	tk_setup
	[ -x "$PIDNS" ] && [ -x "$LATENCY" ] || fail "build/tools is missing: run make tools"
}

# daemon_fds, daemon_rss_kb: what the daemon holds now
daemon_fds() { ls "/proc/$LXCFS_PID/fd" | wc -l; }
daemon_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$LXCFS_PID/status"; }

# sanitized: the daemon is the ASan build (its quarantine keeps freed memory: no RSS bound)
sanitized() { [[ $LXCFS == */asan/* ]]; }

# warnings: lines of the daemon's log at warning level
warnings() { grep -c 'warning:' "$LXCFS_LOG" || true; }

# ---------------------------------------------------------------- pid namespaces (item 2)

@test "6,000 short-lived pid namespaces reading meminfo once each: the daemon's fds come back at once, its memory stays flat, its log short" {
	tk_start_daemon
	make_cgroup storm
	cg_set storm memory.limit_in_bytes 256M
	cat "$LXCFS_MNT/proc/meminfo" >/dev/null
	local fd0 rss0 rss1 rss2
	fd0=$(daemon_fds) rss0=$(daemon_rss_kb)
	run in_cgroup storm "$PIDNS" storm 6000 4 "$LXCFS_MNT/proc/meminfo" 262144
	log "$output"
	assert_success
	assert_output --partial "own=6000 other=0 fails=0"  # each namespace read its own values
	# each namespace's init is gone when its read is: the reaper forgets it at once
	wait_for '[ "$(daemon_fds)" -le $((fd0 + 8)) ]' 5 \
		"the daemon's fds come back to $fd0 (now $(daemon_fds))"
	rss1=$(daemon_rss_kb)
	run in_cgroup storm "$PIDNS" storm 6000 4 "$LXCFS_MNT/proc/meminfo" 262144
	assert_success
	wait_for '[ "$(daemon_fds)" -le $((fd0 + 8)) ]' 5 "the fds come back after the second storm"
	rss2=$(daemon_rss_kb)
	log "daemon fds $fd0 -> $(daemon_fds); RSS $rss0 -> $rss1 -> $rss2 kB; $(warnings) warnings"
	# a second storm finds the memory the first one freed (before: 8 MiB more per storm)
	sanitized || assert [ $((rss2 - rss1)) -lt 1024 ]
	sanitized || assert [ $((rss1 - rss0)) -lt 4096 ]
	assert [ "$(warnings)" -le 2 ]  # no line per namespace
	run_tk 0 check-lxcfs
}

@test "a container's nested pid namespaces beyond the cap (64) are served but not kept: one log line, the daemon's fds bounded" {
	tk_start_daemon
	make_cgroup nest
	cg_set nest memory.limit_in_bytes 256M
	cat "$LXCFS_MNT/proc/meminfo" >/dev/null
	local fd0 ready=$BATS_TEST_TMPDIR/nest.ready
	fd0=$(daemon_fds)
	in_cgroup nest "$PIDNS" nest 300 "$LXCFS_MNT/proc/meminfo" 262144 "$ready" \
		>"$BATS_TEST_TMPDIR/nest.out" 2>&1 &
	_BG_PIDS+=($!)
	wait_for '[ -s "$ready" ]' 30 "300 nested namespaces read meminfo"
	_BG_PIDS+=("$(cat "$ready")")
	log "$(cat "$BATS_TEST_TMPDIR/nest.out")"
	assert_equal "$(grep -o 'own=[0-9]* other=[0-9]* fails=[0-9]*' "$BATS_TEST_TMPDIR/nest.out")" \
		"own=300 other=0 fails=0"  # served, own values, also beyond the cap
	log "daemon fds $fd0 -> $(daemon_fds) for 300 live nested namespaces"
	# 64 kept, each with a pidfd and the cgroup files meminfo reads (memory.stat, the usage
	# and swap usage, and the two limit files its limits key is read from), none of the
	# others (before: every one of the 300)
	assert [ "$(daemon_fds)" -le $((fd0 + 64 * 6)) ]
	assert_equal "$(grep -c 'more than 64 nested containers' "$LXCFS_LOG")" 1
	# the nested ones still read their own values at each read
	run in_cgroup nest "$PIDNS" storm 20 4 "$LXCFS_MNT/proc/meminfo" 262144
	assert_success
	assert_output --partial "own=20 other=0 fails=0"
}

@test "at its descriptor limit (64) the daemon serves whole files, logs a few lines, check-lxcfs fails at once, and all is well again once the holders are gone" {
	tk_start_daemon
	make_cgroup hold
	cg_set hold memory.limit_in_bytes 256M
	prlimit --pid "$LXCFS_PID" --nofile=64:64
	local fd0 ready=$BATS_TEST_TMPDIR/hold.ready out=$BATS_TEST_TMPDIR/hold.out holder
	fd0=$(daemon_fds)
	in_cgroup hold "$PIDNS" hold 100 "$LXCFS_MNT/proc/meminfo" 262144 "$ready" >"$out" 2>&1 &
	_BG_PIDS+=($!)
	wait_for '[ -s "$ready" ]' 30 "100 namespaces read meminfo"
	holder=$(cat "$ready")
	_BG_PIDS+=("$holder")
	log "$(cat "$out"); daemon fds $fd0 -> $(daemon_fds)"
	# every read got a whole file: its own values, or the host's once the daemon had no
	# descriptor left
	grep -q 'fails=0' "$out" || fail "a read failed at the descriptor limit"
	run_tk 1 check-lxcfs
	assert_output --partial "serves host files for its own reasons"
	# with not one descriptor left (a soft limit below what it holds) the control socket
	# still answers (its spare descriptor): check-lxcfs fails at once, it does not time out
	prlimit --pid "$LXCFS_PID" --nofile=30:64
	sleep 0.2
	SECONDS=0
	run_tk 1 check-lxcfs
	assert_output --partial "serves host files for its own reasons"
	assert [ "$SECONDS" -le 2 ]
	prlimit --pid "$LXCFS_PID" --nofile=64:64
	# a few lines, not one per namespace (before: one per reading pid)
	log "$(warnings) warnings in the daemon's log"
	assert [ "$(warnings)" -le 6 ]
	# the holders go: their entries are forgotten, containers get their own values again
	# and check-lxcfs passes once nothing was served from the host for 10 s
	kill -KILL "$holder"
	wait_for '[ "$(daemon_fds)" -le $((fd0 + 8)) ]' 5 "the daemon's fds come back to $fd0"
	run in_cgroup hold "$PIDNS" storm 10 2 "$LXCFS_MNT/proc/meminfo" 262144
	assert_output --partial "own=10 other=0 fails=0"
	wait_for 'run_tk "?" check-lxcfs && [ "$status" -eq 0 ]' 15 "check-lxcfs passes again" 1
}

# ---------------------------------------------------------------- open files (item 4)

# OPENER PROCS N READY: PROCS processes each holding N open cpuinfo files (each read once);
# READY is written once all are open; they stay until killed (they die with this one)
OPENER='
import os, resource, signal, sys, time
procs, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
r, w = os.pipe()
kids = []
for k in range(procs):
    pid = os.fork()
    if pid == 0:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        fds = [os.open("/proc/cpuinfo", os.O_RDONLY) for i in range(n)]
        for fd in fds:
            os.read(fd, 1)
        os.write(w, b"x")
        time.sleep(1000)
        os._exit(0)
    kids.append(pid)
got = 0
while got < procs:
    got += len(os.read(r, procs))
with open(ready, "w") as f:
    f.write("open\n")
time.sleep(1000)
'

@test "5 processes of a container capped at 100 MiB holding 19,900 open cpuinfo files each: the daemon's memory and fds stay bounded, and come back once they close" {
	tk_start_daemon
	make_cgroup files
	cg_set files memory.limit_in_bytes 100M
	local fd0 rss0 rss1 rss2 ready=$BATS_TEST_TMPDIR/files.ready
	in_container files cat /proc/cpuinfo >/dev/null
	fd0=$(daemon_fds) rss0=$(daemon_rss_kb)
	SECONDS=0
	# (19,900: the tests' hard limit is 20,000 descriptors, as a container's often is)
	start_container files "$PY" -c "$OPENER" 5 19900 "$ready"
	wait_for '[ -s "$ready" ] || ! pid_alive "$CONTAINER_PID"' 90 ""
	[ -s "$ready" ] || fail "the files were not opened: $(cat "$BATS_TEST_TMPDIR"/ready.*.out)"
	rss1=$(daemon_rss_kb)
	log "99,500 open in ${SECONDS}s: daemon RSS $rss0 -> $rss1 kB, fds $fd0 -> $(daemon_fds)"
	# a container's handle is the kernel's (its own inode's page cache): before, 419 MiB
	sanitized || assert [ $((rss1 - rss0)) -lt 16384 ]
	# no descriptor per file: the container's own entry (its pidfd, its cgroup dirs), and
	# one of a host file for each of the 16 workers that read one (view/hostfiles.c keeps
	# them per thread)
	assert [ "$(daemon_fds)" -le $((fd0 + 16 + 32)) ]
	# a new container reads meanwhile
	run in_container files cat /proc/cpuinfo
	assert_success
	assert_output --partial processor
	# the container goes (its init killed: the kernel kills the rest), its files close
	# (the kernel then releases 99,500 handles, a request each: seconds on a loaded machine)
	SECONDS=0
	kill -KILL "$CONTAINER_PID"
	wait_gone "$CONTAINER_PID" 20
	wait_for '[ "$(daemon_fds)" -le $((fd0 + 16 + 8)) ]' 20 \
		"the daemon's fds come back to $fd0 and the workers' 16 ($(ls -l "/proc/$LXCFS_PID/fd" | tail -n +2 | awk '{print $NF}' | sort | uniq -c | sort -rn | head -5))"
	rss2=$(daemon_rss_kb)
	log "${SECONDS}s after the kill: RSS $rss2 kB, fds $(daemon_fds)"
	sanitized || assert [ $((rss2 - rss0)) -lt 16384 ]
}
