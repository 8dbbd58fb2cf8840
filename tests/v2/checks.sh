# Guest side (busybox sh): the lxcfs checks on a pure cgroup2 kernel, one boot, TAP output.
# Run by tests/v2/run.sh through v2vm with LXCFS and V2 set; needs --disk (an empty /dev/vda).
. "$V2/lib.sh"

M=/tmp/lxcfs-v2        # plain daemon
MC=/tmp/lxcfs-v2-cfs   # --enable-cfs
T=lxcfs-test           # our cgroups live under /sys/fs/cgroup/lxcfs-test
NCPU=$(grep -c ^processor /proc/cpuinfo)
HOST_ONLINE=$(cat /sys/devices/system/cpu/online)
echo "# guest: $(uname -r), $NCPU CPUs ($HOST_ONLINE), cgroup2 controllers: $(cat $CGR/cgroup.subtree_control)"

c_start() {
	start_lxcfs $M && start_lxcfs $MC --enable-cfs && cat $M/proc/meminfo >/dev/null
}
check "the daemon mounts on a cgroup2 machine (plain and --enable-cfs)" c_start

# ------------------------------------------------------------------ meminfo
c_mem_parent() {
	cg_make $T/mem && cg_make $T/mem/c || return 1
	echo 512M >$CGR/$T/mem/memory.max
	expect "child memory.max" "$(cat $CGR/$T/mem/c/memory.max)" = max
	expect "MemTotal with memory.max 512M on the parent only" \
		"$(ctr $T/mem/c cat /proc/meminfo | mi_kb MemTotal)" -eq 524288
}
check "meminfo: MemTotal is memory.max set on a parent only" c_mem_parent

c_mem_use() {
	out=$(ctr $T/mem/c sh -c '
		mount -t tmpfs tmpfs /mnt || exit 1
		cat /proc/meminfo; echo ---
		dd if=/dev/zero of=/mnt/f bs=1M count=32 2>/dev/null
		cat /proc/meminfo')
	before=$(echo "$out" | sed '/^---$/,$d')
	after=$(echo "$out" | sed '1,/^---$/d')
	f0=$(echo "$before" | mi_kb MemFree) f1=$(echo "$after" | mi_kb MemFree)
	t=$(echo "$after" | mi_kb MemTotal) a=$(echo "$after" | mi_kb MemAvailable)
	s0=$(echo "$before" | mi_kb Shmem) s1=$(echo "$after" | mi_kb Shmem)
	expect "MemFree drop after 32 MiB in tmpfs" "$((f0 - f1))" -ge 30000 &&
		expect "Shmem growth" "$((s1 - s0))" -ge 30000 &&
		expect "MemFree <= MemAvailable" "$f1" -le "$a" &&
		expect "MemAvailable <= MemTotal" "$a" -le "$t"
}
check "meminfo: memory.current shows as used (MemFree, Shmem), invariants hold" c_mem_use

c_mem_keys() {
	expect "keys in the host's order" "$(ctr $T/mem/c cat /proc/meminfo | cut -d: -f1 | tr '\n' ' ')" \
		= "$(cut -d: -f1 /proc/meminfo | tr '\n' ' ')"
}
check "meminfo: every host key, in order" c_mem_keys

c_mem_root() {
	expect "MemTotal read from the root cgroup" "$(grep ^MemTotal: $M/proc/meminfo)" = "$(grep ^MemTotal: /proc/meminfo)"
}
check "meminfo: a reader in the root cgroup (no memory.current) gets the host's values" c_mem_root

# ------------------------------------------------------------------ cpuinfo, cpu/online, stat
c_cpuset() {
	cg_make $T/cpu || return 1
	echo 1 >$CGR/$T/cpu/cpuset.cpus
	out=$(ctr $T/cpu sh -c 'grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online; grep ^processor /proc/cpuinfo')
	set -- $out
	expect "processors with cpuset.cpus 1" "$1" -eq 1 &&
		expect "cpu/online" "$2" = 1 &&
		expect "numbered from 0" "$5" = 0
}
check "cpuinfo and cpu/online follow cpuset.cpus" c_cpuset

c_cpuset_full() {
	cg_make $T/cpuall || return 1
	out=$(ctr $T/cpuall sh -c 'grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online')
	set -- $out
	expect "processors" "$1" -eq "$NCPU" && expect "cpu/online" "$2" = "$HOST_ONLINE"
}
check "a container with every CPU sees them all" c_cpuset_full

c_stat_lines() {
	expect "cpu lines with one CPU" "$(ctr $T/cpu grep -E '^cpu[0-9]* ' /proc/stat | cut -d' ' -f1 | tr '\n' ' ')" = "cpu cpu0 "
}
check "stat: the cpu line and exactly cpu0 for a one-CPU cpuset" c_stat_lines

c_stat_grows() {
	out=$(ctr $T/cpu sh -c '
		grep "^cpu " /proc/stat
		timeout 2 sh -c "while :; do :; done" 2>/dev/null
		grep "^cpu " /proc/stat
		grep -E "^usage_usec" /sys/fs/cgroup/'$T'/cpu/cpu.stat')
	b0=$(echo "$out" | sed -n 1p | awk '{print $2 + $3 + $4}')
	b1=$(echo "$out" | sed -n 2p | awk '{print $2 + $3 + $4}')
	echo "busy ticks $b0 -> $b1"
	expect "busy ticks after 2 s of burning" "$((b1 - b0))" -ge 60 &&
		expect "busy ticks at most 1 CPU x 2 s" "$((b1 - b0))" -le 300
}
check "stat: counters from cpu.stat grow while the container burns CPU" c_stat_grows

c_stat_mono() {
	out=$(ctr $T/cpu sh -c 'for i in 1 2 3 4 5; do grep -E "^cpu[0-9]* " /proc/stat; timeout 0.3 sh -c "while :; do :; done" 2>/dev/null; done; true') || return 1
	expect "stat lines read" "$(echo "$out" | grep -c '^cpu ')" -eq 5 || return 1
	echo "$out" | awk '{ for (i = 2; i <= NF; i++) { if (($1, i) in l && $i < l[$1, i]) { print "decreased:", $1, i; bad = 1 } l[$1, i] = $i } } END {exit bad}'
}
check "stat: counters never decrease" c_stat_mono

c_stat_keys() {
	out=$(ctr $T/cpu cat /proc/stat)
	for k in intr ctxt btime processes procs_running procs_blocked softirq; do
		echo "$out" | grep -q "^$k " || { echo "no $k line"; return 1; }
	done
}
check "stat: intr, ctxt, btime, processes, procs_running, procs_blocked, softirq" c_stat_keys

# ------------------------------------------------------------------ --enable-cfs (cpu.max)
c_cfs() {
	cg_make $T/cfs || return 1
	echo "100000 100000" >$CGR/$T/cfs/cpu.max
	n_cfs=$(ctr_cfs $T/cfs grep -c ^processor /proc/cpuinfo)
	on_cfs=$(ctr_cfs $T/cfs cat /sys/devices/system/cpu/online)
	n_plain=$(ctr $T/cfs grep -c ^processor /proc/cpuinfo)
	echo "cpu.max 100000 100000: --enable-cfs $n_cfs ($on_cfs), plain $n_plain"
	expect "--enable-cfs processors" "$n_cfs" -eq 1 &&
		expect "--enable-cfs cpu/online count" "$(echo "$on_cfs" | tr ',' '\n' | awk -F- '{n += ($2 == "" ? 1 : $2 - $1 + 1)} END {print n}')" -eq 1 &&
		expect "without --enable-cfs" "$n_plain" -eq "$NCPU"
}
check "--enable-cfs: cpu.max of one CPU shows one CPU (without it: all)" c_cfs

c_cfs_round() {
	echo "150000 100000" >$CGR/$T/cfs/cpu.max
	expect "processors for 1.5 CPUs" "$(ctr_cfs $T/cfs grep -c ^processor /proc/cpuinfo)" -eq 2
}
[ "$NCPU" -ge 2 ] && check "--enable-cfs: 1.5 CPUs of quota round up to 2" c_cfs_round

# ------------------------------------------------------------------ uptime
c_uptime() {
	cg_make $T/up || return 1
	out=$(ctr $T/up sh -c 'cat /proc/uptime; sleep 2; cat /proc/uptime')
	u0=$(echo "$out" | sed -n 1p | cut -d' ' -f1)
	u1=$(echo "$out" | sed -n 2p | cut -d' ' -f1)
	echo "uptime $u0 -> $u1 (host $(cut -d' ' -f1 /proc/uptime))"
	echo "$out" | sed -n 1p | grep -qE '^[0-9]+\.[0-9][0-9] [0-9]+\.[0-9][0-9]$' || { echo "format"; return 1; }
	float_ok 'a < 3' "$u0" 0 || { echo "FAIL: first uptime $u0 not near 0"; return 1; }
	float_ok 'b - a >= 1.5 && b - a <= 5' "$u0" "$u1" || { echo "FAIL: uptime did not grow by ~2 s"; return 1; }
}
check "uptime starts near 0 and grows" c_uptime

# ------------------------------------------------------------------ runtime changes
c_runtime() {
	cg_make $T/upd || return 1
	echo 512M >$CGR/$T/upd/memory.max
	echo 1 >$CGR/$T/upd/cpuset.cpus
	ctr_bg $T/upd sleep 300 || return 1
	v() { cexec $CPID sh -c 'echo $(grep -c ^processor /proc/cpuinfo) $(cat /sys/devices/system/cpu/online) $(grep -cE "^cpu[0-9]+ " /proc/stat) $(grep ^MemTotal: /proc/meminfo | tr -s " " | cut -d" " -f2)'; }
	a=$(v)
	echo 768M >$CGR/$T/upd/memory.max
	echo "$HOST_ONLINE" >$CGR/$T/upd/cpuset.cpus
	b=$(v)
	kill_bg
	echo "before: $a; after: $b"
	expect "before" "$a" = "1 1 1 524288" && expect "after" "$b" = "$NCPU $HOST_ONLINE $NCPU 786432"
}
check "memory.max and cpuset.cpus changed at run time show on the next read" c_runtime

# ------------------------------------------------------------------ diskstats, partitions (io.stat)
c_diskstats() {
	[ -b /dev/vda ] || { echo "no /dev/vda (run with --disk)"; return 1; }
	cg_make $T/io || return 1
	mm=$(cat /sys/block/vda/dev)
	out=$(ctr $T/io sh -c 'dd if=/dev/zero of=/dev/vda bs=4096 count=256 oflag=direct 2>/dev/null &&
		dd if=/dev/vda of=/dev/null bs=4096 count=64 iflag=direct 2>/dev/null && cat /proc/diskstats')
	echo "io.stat: $(cat $CGR/$T/io/io.stat)"
	line=$(echo "$out" | awk '$3 == "vda"')
	echo "diskstats: $line"
	set -- $line
	expect "vda line" "$1:$2" = "$mm" &&
		expect "reads completed" "$4" -ge 64 && expect "sectors read" "$6" -ge 512 &&
		expect "writes completed" "$8" -ge 256 && expect "sectors written" "${10}" -ge 2048 &&
		expect "columns" "$#" -eq "$(awk '{print NF; exit}' /proc/diskstats)"
}
check "diskstats: direct I/O on /dev/vda in the container's io.stat" c_diskstats

c_diskstats_other() {
	cg_make $T/quiet || return 1
	out=$(ctr $T/quiet cat /proc/diskstats) || return 1
	expect "a container without I/O lists no vda" "$(echo "$out" | awk '$3 == "vda"')" = ""
}
check "diskstats: another container's I/O does not show" c_diskstats_other

c_partitions() {
	out=$(ctr $T/io cat /proc/partitions)
	expect "header" "$(echo "$out" | sed -n 1p)" = "$(sed -n 1p /proc/partitions)" &&
		expect "vda line" "$(echo "$out" | awk '$4 == "vda" {print $1 ":" $2 " " $3}')" = \
			"$(cat /sys/block/vda/dev) $(awk '$4 == "vda" {print $3}' /proc/partitions)"
}
check "partitions: the kernel's header and vda" c_partitions

# ------------------------------------------------------------------ swaps (memory.swap.max)
c_swap_on() {
	mkswap /dev/vda >/dev/null && swapon /dev/vda && grep -q vda /proc/swaps
}
check "(setup) swap on /dev/vda" c_swap_on

c_swaps() {
	cg_make $T/sw || return 1
	echo 512M >$CGR/$T/sw/memory.max
	echo 16M >$CGR/$T/sw/memory.swap.max
	out=$(ctr $T/sw sh -c 'cat /proc/meminfo; echo ---; cat /proc/swaps')
	mi=$(echo "$out" | sed '/^---$/,$d')
	sw=$(echo "$out" | sed '1,/^---$/d')
	echo "$sw"
	st=$(echo "$mi" | mi_kb SwapTotal) sf=$(echo "$mi" | mi_kb SwapFree)
	expect "SwapTotal = memory.swap.max" "$st" -eq 16384 &&
		expect "SwapFree <= SwapTotal" "$sf" -le "$st" &&
		expect "swaps header" "$(echo "$sw" | sed -n 1p)" = "$(sed -n 1p /proc/swaps)" &&
		expect "swaps size column" "$(echo "$sw" | awk 'NR > 1 {s += $3} END {print s + 0}')" -eq "$st" &&
		expect "one swap line of 5 columns" "$(echo "$sw" | awk 'NR > 1 && NF == 5' | wc -l)" -eq 1
}
check "swaps and meminfo: SwapTotal is memory.swap.max" c_swaps

c_swap_used() {
	cg_make $T/swu || return 1
	echo 32M >$CGR/$T/swu/memory.max
	echo 32M >$CGR/$T/swu/memory.swap.max
	out=$(ctr $T/swu sh -c '
		mount -t tmpfs tmpfs /mnt || exit 1
		dd if=/dev/zero of=/mnt/f bs=1M count=44 2>/dev/null
		cat /proc/meminfo; echo ---; cat /proc/swaps')
	echo "memory.swap.current: $(cat $CGR/$T/swu/memory.swap.current 2>/dev/null)"
	mi=$(echo "$out" | sed '/^---$/,$d')
	st=$(echo "$mi" | mi_kb SwapTotal) sf=$(echo "$mi" | mi_kb SwapFree)
	used=$(echo "$out" | sed '1,/^---$/d' | awk 'NR > 1 {print $4}')
	echo "SwapTotal $st SwapFree $sf swaps Used $used"
	expect "SwapTotal" "$st" -eq 32768 &&
		expect "SwapFree shows the swapped-out tmpfs pages" "$sf" -le $((32768 - 4096)) &&
		expect "swaps Used = SwapTotal - SwapFree" "$used" -eq $((st - sf))
}
check "swaps and meminfo: swap used by the container shows in SwapFree and Used" c_swap_used

# ------------------------------------------------------------------ crash without FUSE_NOTIFY_RESEND
# Linux 6.1 cannot queue again what a dead daemon had read: the watchdog takes the fallback
# (end the connection, restart, a fresh mount). The figures of that path, for the README.
c_fallback() {
	[ -x "${TK:-}" ] && [ -x "${READER:-}" ] || { echo "toolkit or reader not copied in"; return 1; }
	MW=/tmp/lxcfs-v2-wd D=/tmp/lxcfs-v2-wd.run
	mkdir -p $MW $D
	export LXCFS_RUNTIME_DIR=$D
	TKW="$TK --mountpoint $MW --pidfile $D/lxcfs.pid --registry $D/reg --engine none"
	$TKW --log $D/wd.log watchdog --watchdog-pidfile $D/wd.pid --background --interval 0.5 \
		--flap-uptime 0 --exec "$LXCFS -f -p $D/lxcfs.pid --log $D/lxcfs.log $MW" ||
		{ cat $D/wd.log; return 1; }
	st=$($TKW status 2>&1 | grep '^connection:')
	echo "status: $st"
	cg_make $T/fb || return 1
	echo 300M >$CGR/$T/fb/memory.max
	rm -f $D/stop $D/out
	sh -c "echo \$\$ >$CGR/$T/fb/cgroup.procs; exec unshare -p -f $READER 120 $D/out $D/stop \
		307200 1 $MW/proc/meminfo $MW/proc/stat $MW/proc/uptime" </dev/null >/dev/null 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	sleep 1
	for k in 1 2 3 4 5; do
		old=$(cat $D/lxcfs.pid 2>/dev/null)
		kill -9 "$old"
		# the next kill once a new daemon serves and the watchdog has remounted (this guest
		# emulates its CPUs: slow)
		_i=0
		while [ $_i -lt 200 ]; do
			new=$(cat $D/lxcfs.pid 2>/dev/null)
			[ -n "$new" ] && [ "$new" != "$old" ] && cat $MW/proc/uptime >/dev/null 2>&1 &&
				[ "$(grep -c 'recovered' $D/wd.log)" -ge $k ] && break
			sleep 0.1
			_i=$((_i + 1))
		done
		sleep 0.5
	done
	touch $D/stop
	# (kills in a row meet the watchdog's flap backoff: a recovery can take seconds)
	_i=0
	while [ ! -s $D/out ] && [ $_i -lt 300 ]; do sleep 0.1; _i=$((_i + 1)); done
	if [ ! -s $D/out ]; then # where the reader is (a hung read shows its wait channel)
		for _p in /proc/[0-9]*; do
			grep -q lxcfs-reader $_p/cmdline 2>/dev/null || continue
			echo "reader ${_p#/proc/}: state $(awk '{print $3}' $_p/stat) wchan $(cat $_p/wchan 2>/dev/null)"
			cat $_p/stack 2>/dev/null | head -8 | sed 's/^/  /'
		done
		tail -15 $D/wd.log | sed 's/^/  wd: /'
	fi
	out=$(cat $D/out)
	echo "fallback on $(uname -r), 5 kills, a reader looping over 3 files: $out"
	grep 'recovered' $D/wd.log | sed 's/^/  /' | tail -5
	kill -TERM "$(cat $D/wd.pid)"
	_i=0
	while [ -e $D/wd.pid ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	us=$(echo "$out" | sed -n 's/.*max_us=\([0-9]*\).*/\1/p')
	expect "the kernel cannot resend: status says so" "$(echo "$st" | grep -c 'no FUSE_NOTIFY_RESEND')" -eq 1 &&
		expect "reads" "$(echo "$out" | sed -n 's/^reads=\([0-9]*\).*/\1/p')" -gt 100 &&
		expect "no read saw another's or garbled values" "$(echo "$out" | sed -n 's/.* wrong=\([0-9]*\).*/\1/p')" -eq 0 &&
		expect "no read waited 5 s (none hung)" "${us:-99999999}" -lt 5000000 &&
		expect "own values after every kill" "$(grep -c 'recovered' $D/wd.log)" -ge 5
}
check "no FUSE_NOTIFY_RESEND (Linux 6.1): kill -9 under the watchdog takes the fallback; its figures" c_fallback

# ------------------------------------------------------------------ pressure, zswap
psi_total() { awk -v k="$1" '$1 == k { sub("total=", "", $5); print $5 }'; }
c_psi() {
	cg_make $T/psi || return 1
	echo 0 >$CGR/$T/psi/cpuset.cpus
	# three busy loops on one CPU, then the container's own /proc/pressure/cpu
	out=$(ctr $T/psi sh -c "
		mount -o bind $M/proc/pressure/cpu /proc/pressure/cpu || exit 125
		for i in 1 2 3; do timeout 2 sh -c 'while :; do :; done' & done; wait
		cat /proc/pressure/cpu")
	served=$(echo "$out" | psi_total some)
	cg=$(psi_total some <$CGR/$T/psi/cpu.pressure)
	host=$(psi_total some </proc/pressure/cpu)
	echo "cpu stall total: served $served, the cgroup's after $cg, the host's $host"
	expect "stalls counted" "$served" -gt 0 &&
		expect "at most the cgroup's read after" "$served" -le "$cg" &&
		expect "the cgroup's, not the host's" "$served" -lt "$host"
}
check "pressure/cpu: a container's own cgroup's PSI (cpu.pressure)" c_psi

# a PSI trigger (--enable-psi-poll) through a container's bound /proc/pressure/cpu: armed on its
# cgroup's cpu.pressure, fired by the stalls of three loops on one CPU; bad text refused
MP=/tmp/lxcfs-v2-psi
c_psi_trigger() {
	[ -x "${PSIPOLL:-}" ] || { echo "psi-poll not copied in (make tools)"; return 1; }
	start_lxcfs $MP --enable-psi-poll || return 1
	out=$(timeout 60 sh "$V2/container.sh" "$CGR/$T/psi" "$MP" sh -c "
		mount -o bind $MP/proc/pressure/cpu /proc/pressure/cpu || exit 125
		$PSIPOLL /proc/pressure/cpu 'some 150000 400000\\n' 1
		for i in 1 2 3; do timeout 12 sh -c 'while :; do :; done' & done
		$PSIPOLL /proc/pressure/cpu 'some 400000 2000000\\n' 10")
	rc=$?
	echo "$out"
	stop_lxcfs $MP
	expect "the poller ran" "$rc" -eq 0 &&
		expect "a window below 500 ms refused" "$(echo "$out" | sed -n 1p)" = "write EINVAL" &&
		expect "the trigger armed" "$(echo "$out" | sed -n 2p)" = armed &&
		expect "woken by the cgroup's stalls" "$(echo "$out" | sed -n 3p | cut -d' ' -f1-3)" = "event pri=1 err=0"
}
check "pressure/cpu: a PSI trigger in a container fires on its cgroup's stalls (--enable-psi-poll)" c_psi_trigger

c_zswap() {
	grep -q '^Zswap:' /proc/meminfo || { echo "no Zswap line on this kernel"; return 0; }
	grep -q '^zswap ' $CGR/$T/mem/c/memory.stat || { echo "no zswap in memory.stat"; return 0; }
	z=$(ctr $T/mem/c cat /proc/meminfo | mi_kb Zswap)
	expect "Zswap is the cgroup's zswap" "$z" -eq $(($(awk '$1 == "zswap" {print $2}' $CGR/$T/mem/c/memory.stat) / 1024))
}
check "meminfo: Zswap is the cgroup's memory.stat zswap" c_zswap

# ------------------------------------------------------------------ stop
c_stop() {
	_a=0
	stop_lxcfs $M || _a=1
	stop_lxcfs $MC || _a=1
	return $_a
}
check "SIGTERM unmounts and removes the pidfiles" c_stop

kill_bg
echo "1..$T_N"
[ $T_FAILED -eq 0 ]
