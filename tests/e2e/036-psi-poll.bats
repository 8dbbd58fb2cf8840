#!/usr/bin/env bats
# PSI triggers through /proc/pressure/{cpu,io,memory} with --enable-psi-poll (lxcfs/fuse/psi.h):
# a process opens the file O_RDWR|O_NONBLOCK, writes "some|full STALL_US WINDOW_US", poll()s
# for POLLPRI (Documentation/accounting/psi.rst). The daemon checks the text, arms the trigger
# on the writer's container's cgroup2 pressure file (the host's /proc/pressure file for a
# reader of the daemon's pid namespace) and wakes the poller when it fires. A poller is never
# left asleep when the daemon goes: POLLERR when it stops, is killed, or is killed under the
# watchdog (the successor wakes the pollers the dead process recorded in the state).
#
# The poller is tests/tools/psi-poll.c (make tools): it prints `armed` once written, then
# `event pri=P err=E in=I after=SECONDS`, `timeout after=SECONDS`, or `open|write ENAME`.

load helpers-deploy

POLLER=$REPO/build/tools/psi-poll
PY=/usr/bin/python3 # Debian's, for the cases of many writes
# the writer's window: whole 2 s (the kernel's rule for a writer without CAP_SYS_RESOURCE,
# which root on this machine lacks; ours takes any window of 0.5..10 s from a writer with it)
WIN=2000000

setup() {
	deploy_setup
	[ -f /proc/pressure/cpu ] || skip "no PSI on this kernel"
	[ -x "$POLLER" ] || fail "$POLLER is missing: run make tools"
}

teardown() { deploy_teardown; }

# poll_bg OUT FILE TRIGGER SECS [CMD-PREFIX...]: a poller in the background writing to OUT;
# waits until it armed its trigger
poll_bg() {
	local out=$1 file=$2 trig=$3 secs=$4
	shift 4
	"$@" timeout $((${secs%.*} + 10)) "$POLLER" "$file" "$trig" "$secs" >"$out" 2>&1 3>&- &
	_BG_PIDS+=($!)
	POLLER_PID=$!
	wait_for 'grep -q "^armed" "$out" || ! pid_alive $POLLER_PID' 10 "the poller armed its trigger"
	assert_equal "$(head -1 "$out")" armed
	# the poller itself (timeout's child)
	POLLER_CHILD=$(cat "/proc/$POLLER_PID/task/$POLLER_PID/children" 2>/dev/null | awk '{print $1}')
}

# poll_asleep OUT FILE TRIGGER SECS: poll_bg on a host pressure file, then 0.6 s for the poller
# to be asleep in poll(). A host trigger can fire at once on the host's stalls (the case before
# thrashes memory, and the kernel's 2 s updates of a trigger armed without CAP_SYS_RESOURCE can
# count stalls of the moments before it was armed): that event is the host's doing, not what a
# case tests, and the poller is armed again, up to 5 times
poll_asleep() {
	local try
	for try in 1 2 3 4 5; do
		poll_bg "$@"
		sleep 0.6
		[ -n "$POLLER_CHILD" ] && pid_alive "$POLLER_CHILD" && return 0
		wait_for '! pid_alive $POLLER_PID' 5 "the poller that woke ended"
		grep -q '^event pri=1 err=0' "$1" || fail "the poller ended before it slept: $(cat "$1")"
		log "try $try: the host's trigger fired before the case began ($(tail -1 "$1")): armed again"
		sleep 2
	done
	fail "the host's trigger fired at once 5 times in a row: $(cat "$1")"
}

# armed_files: the pressure files the daemon holds open for writing (its armed triggers; the
# host files it reads through are read-only descriptors)
armed_files() {
	local fd flags
	for fd in "/proc/$LXCFS_PID/fd/"*; do
		flags=$(awk '/^flags:/ {print $2}' "/proc/$LXCFS_PID/fdinfo/${fd##*/}" 2>/dev/null) || continue
		[ -n "$flags" ] && [ $((0$flags & 3)) -eq 2 ] && readlink "$fd"
	done | grep pressure || true
}

# after_ms LINE: its after= seconds, in ms
after_ms() { sed -n 's/.*after=\([0-9]*\)\.\([0-9]*\).*/\1\2/p' <<<"$1" | sed 's/^0*//;s/^$/0/'; }

@test "psi-poll: triggers are checked before anything reaches a pressure file: bad ones EINVAL, a second EBUSY" {
	start_daemon --enable-psi-poll
	local f
	for f in cpu io memory; do
		assert_equal "$(stat -c '%a' "$LXCFS_MNT/proc/pressure/$f")" 666
	done
	# each case: what our file answers, and what the kernel's /proc/pressure/memory answers
	# (the same for every bound; ours is stricter about the text: the last cases)
	run "$PY" - "$LXCFS_MNT/proc/pressure/memory" /proc/pressure/memory <<'EOF'
import errno, os, sys
def write(path, data):
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    try:
        os.write(fd, data)
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
    finally:
        os.close(fd)
same = [b"some 150000 2000000", b"some 150000 2000000\n", b"full 150000 2000000\0",
        b"some 150000 400000\n", b"some 150000 12000000\n", b"some 3000000 2000000\n",
        b"some 0 2000000\n", b"avg10 150000 2000000\n", b"\n", b"some 150000 3000000\n"]
ours = [b"some  150000 2000000\n", b"some 150000 2000000 x\n", b"some +150000 2000000\n",
        b"some 0150000 2000000\n", b"some 150000\n", b"some 150000 2000000\n\n",
        b"some 150000 2000000" + b"\0" * 14, b"some 150000 2000000\n" + b" " * 5000]
for d in same:
    print("same", repr(d), write(sys.argv[1], d), write(sys.argv[2], d))
for d in ours:
    print("ours", repr(d), write(sys.argv[1], d))
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NONBLOCK)
os.write(fd, b"some 150000 2000000\n")
try:
    os.write(fd, b"some 150000 2000000\n")
    print("second ok")
except OSError as e:
    print("second", errno.errorcode[e.errno])
EOF
	assert_success
	local line
	while read -r line; do
		case $line in
		same*) assert_equal "${line##* }" "$(awk '{print $(NF-1)}' <<<"$line")" ;; # as the kernel: $line
		ours*) assert_equal "${line##* }" EINVAL ;;
		esac
	done <<<"$output"
	assert_line "same b'some 150000 2000000\\n' ok ok"
	assert_line "same b'full 150000 2000000\\x00' ok ok"
	assert_line "same b'some 150000 400000\\n' EINVAL EINVAL"
	assert_line "same b'some 3000000 2000000\\n' EINVAL EINVAL"
	assert_line "second EBUSY" # one trigger per open file, as the kernel's
	# what the kernel refuses never reached it: nothing was logged as a failed arm
	run grep -c "PSI trigger of pid" "$LXCFS_LOG"
	assert_output 0
}

@test "psi-poll: without the flag the files stay read-only (0444, EACCES)" {
	start_daemon
	assert_equal "$(stat -c '%a' "$LXCFS_MNT/proc/pressure/memory")" 444
	run "$POLLER" "$LXCFS_MNT/proc/pressure/memory" "some 150000 $WIN\n" 1
	assert_output "open EACCES"
}

@test "psi-poll: a host reader's trigger is the host's, fires on host stalls, and is closed with its file" {
	start_daemon --enable-psi-poll
	local out=$BATS_TEST_TMPDIR/poll.out
	refute [ -n "$(armed_files)" ] # nothing armed yet
	# half of 2 s stalled on memory: not on this host; the trigger stays armed
	poll_asleep "$out" "$LXCFS_MNT/proc/pressure/memory" "full 1000000 $WIN\n" 60
	assert_equal "$(armed_files)" /proc/pressure/memory # the host's, not a cgroup's
	kill "$POLLER_CHILD"
	wait_for '[ -z "$(armed_files)" ]' 5 "the trigger's descriptor closed at release"
	# 1 ms of CPU stall in 2 s on the whole host: three busy loops on two CPUs make that
	poll_bg "$out" "$LXCFS_MNT/proc/pressure/cpu" "some 1000 $WIN\n" 30
	timeout 3 bash -c 'while :; do :; done' &
	timeout 3 bash -c 'while :; do :; done' &
	timeout 3 bash -c 'while :; do :; done' &
	wait_for '! pid_alive $POLLER_PID' 20 "the trigger fired"
	cat "$out"
	assert_regex "$(tail -1 "$out")" '^event pri=1 err=0'
	wait_for '[ -z "$(armed_files)" ]' 5 "the trigger's descriptor closed at release"
}

@test "psi-poll: a poller in a container is woken by CPU stalls of its own cgroup, one in an idle cgroup is not" {
	[ -f "$CGROOT/unified/cgroup.procs" ] || skip "no unified cgroup2 hierarchy"
	start_daemon --enable-psi-poll
	make_cgroup psibusy
	make_unified_cgroup psibusy
	make_cgroup psiidle
	make_unified_cgroup psiidle
	cg_set psibusy cpuset.cpus 0
	local busy=$BATS_TEST_TMPDIR/busy.out idle=$BATS_TEST_TMPDIR/idle.out t0 t1
	# the idle container: 20% of 2 s stalled never happens to a lone sleeper
	start_container psiidle bash -c "
		mount --bind '$LXCFS_MNT/proc/pressure/cpu' /proc/pressure/cpu || exit 125
		exec '$POLLER' /proc/pressure/cpu 'some 400000 $WIN\n' 12 >'$idle' 2>&1"
	# armed on its cgroup's own cpu.pressure (the daemon holds it open), not the host's
	wait_for '[ -s "$idle" ]' 10 "the idle poller armed"
	assert_equal "$(armed_files)" "$CGROOT/unified/$CG_TOP/psiidle/cpu.pressure"
	# the busy one: three loops on one CPU, two always waiting
	t0=$(date +%s%N)
	run in_container psibusy bash -c "
		mount --bind '$LXCFS_MNT/proc/pressure/cpu' /proc/pressure/cpu || exit 125
		for i in 1 2 3; do (timeout 15 bash -c 'while :; do :; done') & done
		'$POLLER' /proc/pressure/cpu 'some 400000 $WIN\n' 12
		rc=\$?; kill \$(jobs -p) 2>/dev/null
		head -c 11 /proc/pressure/cpu; echo; exit \$rc"
	t1=$(date +%s%N)
	log "busy poller: $output ($(((t1 - t0) / 1000000)) ms)"
	assert_success
	assert_line --index 0 armed
	assert_regex "${lines[1]}" '^event pri=1 err=0'
	assert [ "$(after_ms "${lines[1]}")" -lt 8000 ] # fired within the stalls' first windows
	# the write went around the container's page cache: its file still reads as PSI
	assert_equal "${lines[2]}" "some avg10="
	wait_for '[ -s "$idle" ] && tail -1 "$idle" | grep -qv armed' 20 "the idle poller ended"
	cat "$idle"
	assert_equal "$(head -1 "$idle")" armed
	assert_regex "$(tail -1 "$idle")" '^timeout ' # its own cgroup stalled nothing: not the host's
}

@test "psi-poll: a poller in a container is woken by memory pressure of its cgroup (a 16 MiB v1 limit, file pages thrashed)" {
	[ -f "$CGROOT/unified/cgroup.procs" ] || skip "no unified cgroup2 hierarchy"
	start_daemon --enable-psi-poll
	make_cgroup psimem
	make_unified_cgroup psimem
	cg_set psimem memory.limit_in_bytes 16M
	# a 64 MiB file on disk (not tmpfs: its pages must be reclaimable), written and read
	# again and again from the cgroup: each pass refaults what the limit made it drop
	local data
	data=$(mktemp -d /var/tmp/lxcfs-e2e-psi.XXXXXX)
	run in_container psimem bash -c "
		mount --bind '$LXCFS_MNT/proc/pressure/memory' /proc/pressure/memory || exit 125
		dd if=/dev/zero of='$data/f' bs=1M count=64 status=none || exit 125
		timeout 25 bash -c 'while :; do dd if=$data/f of=/dev/null bs=1M status=none; done' &
		'$POLLER' /proc/pressure/memory 'some 150000 $WIN\n' 20
		rc=\$?; kill \$(jobs -p) 2>/dev/null; wait; exit \$rc"
	rm -rf "$data"
	report "memory poller: ${lines[1]:-}; the cgroup's: $(head -1 "$CGROOT/unified/$CG_TOP/psimem/memory.pressure")"
	assert_success
	assert_line --index 0 armed
	assert_regex "${lines[1]}" '^event pri=1 err=0'
	assert [ "$(cat "$(cg_dir memory psimem)/memory.failcnt")" -gt 0 ] # the limit was what stalled it
}

@test "psi-poll: the daemon stopped (SIGTERM) or killed (SIGKILL, no holder): the poller gets POLLERR at once, never hangs" {
	local sig out=$BATS_TEST_TMPDIR/poll.out t0 ms st
	for sig in TERM KILL; do
		start_daemon --enable-psi-poll
		poll_asleep "$out" "$LXCFS_MNT/proc/pressure/memory" "some 1000000 $WIN\n" 60
		# (gone already: what it said)
		st=$(awk '/^State:/ {print $2}' "/proc/$POLLER_CHILD/status") || fail "the poller ended before SIG$sig: $(cat "$out")"
		log "poller $POLLER_CHILD: state $st, in $(cat "/proc/$POLLER_CHILD/wchan" 2>/dev/null)"
		assert_equal "$st" S # asleep in poll(), interruptible (freezable), not D in a request
		t0=$(date +%s%N)
		kill -"$sig" "$LXCFS_PID"
		wait_for '! pid_alive $POLLER_PID' 5 "the poller woke after SIG$sig"
		ms=$((($(date +%s%N) - t0) / 1000000))
		report "SIG$sig: poller woken after $ms ms: $(tail -1 "$out")"
		assert_regex "$(tail -1 "$out")" '^event pri=0 err=1'
		assert [ "$ms" -lt 3000 ]
		stop_daemon "$LXCFS_PID" "$LXCFS_MNT"
	done
}

@test "psi-poll: killed or upgraded under the watchdog: the successor wakes the pollers it never saw (POLLERR) and takes new triggers" {
	local out=$BATS_TEST_TMPDIR/poll.out out2=$BATS_TEST_TMPDIR/poll2.out old t0 ms
	LXCFS="$LXCFS --enable-psi-poll" wd_start --interval 0.5
	# a file armed before the kill, written again after it
	local again=$BATS_TEST_TMPDIR/again.out go=$BATS_TEST_TMPDIR/again.go
	timeout 60 "$PY" -c '
import errno, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NONBLOCK)
os.write(fd, b"some 1000000 2000000\n")
os.write(1, b"armed\n")
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
try:
    os.write(fd, b"some 1000000 2000000\n")
    os.write(1, b"written\n")
except OSError as e:
    os.write(1, ("write %s\n" % errno.errorcode[e.errno]).encode())' \
		"$LXCFS_MNT/proc/pressure/io" "$go" >"$again" 2>&1 3>&- &
	_BG_PIDS+=($!)
	wait_for 'grep -q armed "$again"' 10 "the second file armed"
	# (the poller asleep in poll(): its handle noted in the state)
	poll_asleep "$out" "$LXCFS_MNT/proc/pressure/memory" "some 1000000 $WIN\n" 60
	assert_equal "$(awk '/^State:/ {print $2}' "/proc/$POLLER_CHILD/status")" S
	old=$(daemon_pid)
	t0=$(date +%s%N)
	kill -KILL "$old"
	wait_for '! pid_alive $POLLER_PID' 15 "the poller woke after the kill"
	ms=$((($(date +%s%N) - t0) / 1000000))
	report "watchdog kill -9: poller woken after $ms ms: $(tail -1 "$out")"
	# the successor's answer to a trigger it never armed: POLLERR|POLLPRI, the kernel's for a
	# file without one (a connection ended says POLLERR alone)
	assert_regex "$(tail -1 "$out")" '^event pri=1 err=1'
	wait_for '[ -n "$(daemon_pid)" ] && [ "$(daemon_pid)" != "$old" ]' 10 "a successor serves"
	grep -q 'took the connection over' "$WD_LOG"
	assert [ "$ms" -lt 10000 ]
	# its trigger died with the process: a write now fails (ENODEV), nothing is armed for it
	touch "$go"
	wait_for 'grep -q "^write\|^written" "$again"' 10 "the second write answered"
	assert_equal "$(tail -1 "$again")" "write ENODEV"
	# the successor arms new triggers (and its own pollers are woken when it fires)
	poll_bg "$out2" "$LXCFS_MNT/proc/pressure/cpu" "some 1000 $WIN\n" 30
	timeout 3 bash -c 'while :; do :; done' &
	timeout 3 bash -c 'while :; do :; done' &
	timeout 3 bash -c 'while :; do :; done' &
	wait_for '! pid_alive $POLLER_PID' 20 "the successor's trigger fired"
	assert_regex "$(tail -1 "$out2")" '^event pri=1 err=0'
	# a live upgrade: the old process retires, its trigger with it; the new one wakes the poller
	poll_asleep "$out" "$LXCFS_MNT/proc/pressure/memory" "some 1000000 $WIN\n" 60
	old=$(daemon_pid)
	t0=$(date +%s%N)
	run_tk 0 --runtime-dir "$LXCFS_RUNTIME_DIR" upgrade
	assert_output --partial "upgraded: daemon pid $old ->"
	wait_for '! pid_alive $POLLER_PID' 15 "the poller woke after the upgrade"
	ms=$((($(date +%s%N) - t0) / 1000000))
	report "upgrade: poller woken $ms ms after the upgrade began: $(tail -1 "$out")"
	assert_regex "$(tail -1 "$out")" '^event pri=1 err=1'
	assert [ "$ms" -lt 10000 ]
	wait_gone "$old" 10
	run grep -c 'exited with status [1-9]' "$WD_LOG"
	assert_output 0 # the retired process (its trigger thread stopped) exited 0
}

@test "psi-poll: trigger files are capped per container (EMFILE, one log line); another container still gets its own" {
	[ -f "$CGROOT/unified/cgroup.procs" ] || skip "no unified cgroup2 hierarchy"
	start_daemon --enable-psi-poll
	make_cgroup psicap
	make_unified_cgroup psicap
	local open_many="
import errno, os, sys, time
fds, why = [], ''
try:
    for i in range(int(sys.argv[2])):
        fds.append(os.open(sys.argv[1], os.O_RDWR | os.O_NONBLOCK))
except OSError as e:
    why = ' ' + errno.errorcode[e.errno]
time.sleep(2)  # held while the other process opens its own
os.write(1, ('opened %d%s\\n' % (len(fds), why)).encode())  # one write: the two lines never mix"
	local other=$BATS_TEST_TMPDIR/other.out
	# another container (its own pid namespace), opening while the first one is at its cap
	(sleep 1 && in_container psicap bash -c "
		mount --bind '$LXCFS_MNT/proc/pressure/memory' /proc/pressure/memory || exit 125
		'$PY' -c \"$open_many\" /proc/pressure/memory 10" >"$other" 2>&1) &
	_BG_PIDS+=($!)
	run in_container psicap bash -c "
		mount --bind '$LXCFS_MNT/proc/pressure/memory' /proc/pressure/memory || exit 125
		ulimit -n 4096
		'$PY' -c \"$open_many\" /proc/pressure/memory 300 &
		'$PY' -c \"$open_many\" /proc/pressure/memory 300; wait"
	assert_success
	log "$output"
	# two processes of one container: 256 (LX_PSI_MAX_TRIGGERS_PER_NS) in all
	assert_equal "$(awk '{n += $2} END {print n}' <<<"$output")" 256
	assert_line --partial "EMFILE"
	run grep -c "256 PSI trigger files open in its pid namespace" "$LXCFS_LOG"
	assert_output 1 # rate-limited: one line for the burst
	wait_for '[ -s "$other" ]' 10 "the other container's opens"
	assert_equal "$(cat "$other")" "opened 10" # not refused: its own cap
}

@test "psi-poll: a runc container set up by the hook arms a trigger through its bound pressure files" {
	local name rootfs cg want out=$BATS_TEST_TMPDIR/runc-poll.out
	tk_start_daemon --enable-psi-poll
	name=$(tk_name psi)
	make_bundle "$name"
	rootfs=$BATS_TEST_TMPDIR/rootfs-$name
	cp "$POLLER" "$rootfs/bin/psi-poll"
	runc_start "$name"
	assert_equal "$status" 0
	# the hook's file binds are writable: the write reaches the daemon, which checks it
	run runc_in "$name" /bin/psi-poll /proc/pressure/cpu 'some 150000 400000\n' 1
	assert_output "write EINVAL"
	# half of 2 s stalled on memory: it stays armed while we look
	runc_in "$name" /bin/psi-poll /proc/pressure/memory "full 1000000 $WIN\n" 4 >"$out" 2>&1 &
	_BG_PIDS+=($!)
	wait_for '[ -n "$(armed_files)" ]' 10 "the container's trigger armed"
	# on the container's own cgroup2 file when runc made one (hybrid: unified), else the host's
	cg=$(awk -F: '$1 == 0 {print $3}' "/proc/$(runc_pid "$name")/cgroup")
	want=/proc/pressure/memory
	[ -n "$cg" ] && [ -f "$CGROOT/unified$cg/memory.pressure" ] && want=$CGROOT/unified$cg/memory.pressure
	report "runc container: cgroup2 path ${cg:-none}, trigger armed on $want"
	assert_equal "$(armed_files)" "$want"
	wait_for '[ -z "$(armed_files)" ]' 10 "the trigger closed with the poller"
	assert_equal "$(head -1 "$out")" armed
	assert_regex "$(tail -1 "$out")" '^timeout '
}
