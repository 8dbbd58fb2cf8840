#!/usr/bin/env bats
# A short run of the benchmark (tests/bench/run.sh, what `make bench` runs; the runc part only
# with SMOKE_RUNC=N, as the toolkit has its own tests): every reader of every cell finishes with
# zero errors, the hot loop, the rotations, the limit check and the other sections print with
# the daemons' CPU per read and every goal line, the containers' binds give them inodes of their
# own, and nothing is left behind (cgroups, mounts, processes). No timing is asserted: machines
# differ.

load helpers

setup() {
	basic_setup
	[ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/cpuset ] ||
		skip "the benchmark needs the cgroup v1 memory and cpuset hierarchies"
}

setup_file() {
	# the benchmark's binaries are not part of `make`: build them (quietly, once)
	make -C "$REPO" -s build/bench/lxcfs-bench build/bench/lxcfs-bench-floor >&3 2>&1
}

# run_bench: a small run; sets $status and $output (also in $BATS_FILE_TMPDIR/bench.out)
run_bench() {
	local out=$BATS_FILE_TMPDIR/bench.out
	if [ ! -f "$out" ]; then
		status=0
		BENCH_SECONDS=0.1 BENCH_PASSES=2 BENCH_CONTAINERS=8 BENCH_READERS=2,4 BENCH_HOT=2 \
			BENCH_PROBES=3 BENCH_SCALE=40 BENCH_SCALE_ROUNDS=1 BENCH_STRACE_READS=100 \
			BENCH_RUNC=${SMOKE_RUNC:-0} BENCH_SYSINFO_CALLS=2000 \
			timeout --kill-after=10 300 "$REPO/tests/bench/run.sh" </dev/null >"$out" 2>&1 ||
			status=$?
		echo "$status" >"$out.rc"
	fi
	status=$(cat "$out.rc")
	output=$(cat "$out")
	mapfile -t lines <"$out"
	sed 's/^/#   /' "$out"
}

@test "bench smoke: run.sh exits 0 and says so, with every goal line in the summary" {
	run_bench
	assert_equal "$status" 0
	assert_line --regexp '^== make bench: [0-9]+ ms in all; no errors$'
	assert_line --regexp '^   load before: load average: '
	assert_line --regexp '^   load after: load average: '
	# the summary repeats every goal line
	assert_line '== goals'
	local what
	for what in 'hot loop' '2 readers over 8 containers' '40 containers'; do
		assert_line --regexp "^   ours reads/s >= 1.5 x floor's: [0-9]/9 files, lowest [0-9.]+ \([a-z/]+\)   \[goal $what, every file: (PASS|MISS)\]$"
		# a file is left out of the CPU count when a floor's CPU over it measured 0 (a
		# thread ended within a short slice, so only 10 ms ticks were left to count)
		assert_line --regexp "^   ours daemon CPU per read <= floor's: [0-9]/[1-9] files, highest ratio [0-9.]+ \([a-z/]+\)   \[goal $what, every file: (PASS|MISS)\]$"
		assert_line --regexp "^   new-way floor \($what\): ours/floor-pc reads/s [0-9.]+-[0-9.]+, CPU per read [0-9.]+-[0-9.]+; floor-pc/floor reads/s "
		if ! grep -q "^   upstream: Debian's lxcfs is neither" <<<"$output"; then
			assert_line --regexp "^   ours reads/s >= 3 x upstream's: [0-8]/8 files, lowest [0-9.]+ \([a-z/]+\)   \[goal $what, every file: (PASS|MISS)\]$"
		fi
	done
	assert_line --regexp "^   ours reads/s >= 1.0 x floor's: [0-9]/9 files, lowest [0-9.]+ \([a-z/]+\)   \[goal 4 readers over 8 containers, every file: (PASS|MISS)\]$"
	assert_line --regexp '^   ours +quiet [0-3]/3.*\[goal a limit changed at run time shows on the next open: (PASS|MISS)\]$'
	assert_line --regexp '^   errors +0 +\[goal 0 \(40 containers\): PASS\]$'
	refute_line --partial ERROR
}

@test "bench smoke: the containers bind the files from inside their pid namespaces and get inodes of their own" {
	run_bench
	assert_line --regexp '^binds: each of the 8 containers bound [0-9]+ files from inside its pid namespace'
	assert_line --regexp '^binds: each of the 40 containers bound [0-9]+ files from inside its pid namespace'
	assert_line --regexp "^  inodes the binds show, over the containers \(distinct st_ino per file\): floor 1; floor-pc 8 \(72/72 naming the container's pid namespace\);( upstream 1;)? ours 8 \(72/72 naming the container's pid namespace\)$"
	assert_line --regexp "^  inodes the binds show, .* ours 40 \(360/360 naming the container's pid namespace\)$"
	# the floor of the new way pushes at open: reads are not asked for (unless pages were evicted)
	assert_line --regexp '^   floor-pc: lxcfs-bench-floor --pagecache: requests served: lookup [0-9]+ getattr [0-9]+ open [0-9]+ read [0-9]+ release [0-9]+'
}

@test "bench smoke: the hot loop and the tables have every file, with the daemons' CPU per read" {
	run_bench
	local n f row
	assert_line --regexp '^hot loop: 2 readers in one container \(one pid namespace, one set of cgroups, one CPU\), each looping open \+ read to EOF \+ close on one file; 0.10 s per cell in 2 slices'
	for n in 2 4; do
		assert_line --regexp "^$n readers at once, taking turns over 8 containers; 0.10 s per cell in 2 slices; times in us; cpu/rd: the daemon's CPU per read, us$"
	done
	assert_line --regexp '^40 containers in rotation, 2 reading at once, after the first contact'
	assert_line --regexp '^  ours +[0-9]+ reads/s, p50 [0-9.]+ us, p99 [0-9.]+ us, cpu/rd [0-9.]+ us$'
	assert_line --regexp '^file +\| +p50 +p99 +reads/s +\| +p50 +p99 +reads/s cpu/rd '
	for f in cpuinfo diskstats loadavg meminfo partitions stat swaps uptime cpu/online; do
		# one row per table with native figures (the hot loop, 2 and 4 readers)
		n=$(grep -cE "^$f +\| +[0-9]+\.[0-9] +[0-9]+\.[0-9] +[0-9]+ \|" <<<"$output")
		assert_equal "$n" 3
		# ours is the last target column: p50 p99 reads/s cpu/rd
		row=$(grep -E "^$f +\| +[0-9]+\.[0-9] +[0-9]+\.[0-9] +[0-9]+ \|" <<<"$output" | head -1)
		[[ $row =~ \|\ +[0-9]+\.[0-9]\ +[0-9]+\.[0-9]\ +[0-9]+\ +[0-9]+\.[0-9]\ *$ ]] ||
			fail "no figures with CPU per read for ours in: $row"
		# ratio rows: ours/floor reads/s and CPU per read marked in the hot loop, the 2-reader
		# rotation and the 40 containers
		# (the CPU ratio is "-" when the floor's CPU over the cell measured 0)
		n=$(grep -cE "^$f +\| +[0-9]+\.[0-9]{2} (PASS|MISS) +([0-9]+\.[0-9]{2} (PASS|MISS)|-) +\|" <<<"$output")
		assert_equal "$n" 3
	done
}

@test "bench smoke: every reader finished every cell with zero read errors" {
	run_bench
	assert_line --regexp '^readers finished: all, in all [0-9]+ cells$'
	assert_line --regexp '^read errors: 0 \(native 0, floor 0, floor-pc 0, (upstream 0, )?ours 0\)$'
	refute_line --partial 'first error'
}

@test "bench smoke: the many-container run, strace and runc sections print" {
	run_bench
	assert_line --regexp '^ours +[0-9]+ reads in .* errors 0, p50 [0-9.]+ us, p99 [0-9.]+ us$'
	assert_line --regexp '^  errors +0 +\[goal 0 \(40 containers\): PASS\]$'
	assert_line --regexp '^  daemon peak RSS [0-9.]+ MiB'
	assert_line --regexp '^  daemon CPU +[0-9.]+ s for [0-9]+ reads'
	assert_line --regexp '^  daemon fds +[1-9][0-9]* open, limit [1-9][0-9]* '
	assert_line 'readers finished: all, 40 containers'
	if command -v strace >/dev/null; then
		assert_line --regexp '^ours \(pid [0-9]+\): syscalls of all its threads per 1000 reads'
		assert_line --regexp '^    clone/clone3/fork/vfork/execve: [0-9]+ calls in [0-9]+ reads'
	fi
	assert_line --regexp '^== runc: '
	# sysinfo(2): the agent's answers against the kernel's in the same run
	# in a container (its own pid namespace and cgroups, a 1 GiB limit: totalram is it)...
	assert_line --regexp '^  container: baseline p50 [0-9.]+ p99 [0-9.]+ us; served p50 [0-9.]+ p99 [0-9.]+ us; added p50 -?[0-9.]+ us; ratio [0-9.]+; totalram 1073741824   \[goal added p50 < 20 us: (PASS|MISS)\]$'
	# ... and a process of the host
	assert_line --regexp '^  host process: baseline p50 [0-9.]+ p99 [0-9.]+ us; served p50 [0-9.]+ p99 [0-9.]+ us; added p50 -?[0-9.]+ us; ratio [0-9.]+; totalram [1-9][0-9]*$'
	if [ -x "$REPO/build/lxcfs-toolkit" ] && command -v runc >/dev/null && [ "${SMOKE_RUNC:-0}" -gt 0 ]; then
		assert_line --regexp "^  hook's added time per container start: -?[0-9]+ ms"
		assert_line --regexp '^remount --all after a daemon crash and restart: [0-9]+ ms \(remounted 2 of 2 containers\)'
	fi
}

@test "bench smoke: nothing left behind (cgroups, mounts, work dir, processes)" {
	run_bench
	local tmp parent
	tmp=$(sed -n 's/^   work dir: \([^ ]*\) .*/\1/p' <<<"$output")
	parent=$(grep -o 'lxcfs-bench-[0-9]*' <<<"$output" | head -1)
	assert [ -n "$tmp" ]  # the work dir is printed
	assert [ -n "$parent" ]  # the cgroup parent is printed
	refute [ -e "$tmp" ]  # work dir $tmp removed
	run findmnt -rn -o TARGET
	refute_output --partial "$tmp"
	local d
	for d in /sys/fs/cgroup/*/"$parent" /sys/fs/cgroup/*/"$parent"-s; do
		refute [ -e "$d" ]  # cgroup $d removed
	done
	# the containers (lxcfs-bench ... --work-dir $tmp) and the daemons: none is left; their
	# binds lived in the containers' own mount namespaces
	run pgrep -f "$tmp"
	assert_failure
}

@test "bench selftest: the histogram's buckets and quantiles (values worked out by hand)" {
	run "$REPO/build/bench/lxcfs-bench" selftest
	assert_success
	refute_line --partial 'not ok'
	assert_line 'selftest: all checks hold'
}
