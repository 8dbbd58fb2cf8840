#!/usr/bin/env bats
# A short run of the benchmark (tests/bench/run.sh, what `make bench` runs; the runc part only
# with SMOKE_RUNC=N, as the toolkit has its own tests): every reader of
# every cell finishes with zero errors, the table and the other sections print, and nothing is
# left behind (cgroups, mounts, processes). No timing is asserted: machines differ.

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
		BENCH_SECONDS=0.1 BENCH_PASSES=2 BENCH_CONTAINERS=8 BENCH_READERS=2,4 BENCH_SCALE=40 \
			BENCH_SCALE_ROUNDS=1 BENCH_STRACE_READS=100 BENCH_RUNC=${SMOKE_RUNC:-0} BENCH_SYSINFO_CALLS=2000 \
			timeout --kill-after=10 300 "$REPO/tests/bench/run.sh" </dev/null >"$out" 2>&1 ||
			status=$?
		echo "$status" >"$out.rc"
	fi
	status=$(cat "$out.rc")
	output=$(cat "$out")
	mapfile -t lines <"$out"
	sed 's/^/#   /' "$out"
}

@test "bench smoke: run.sh exits 0 and says so" {
	run_bench
	assert_equal "$status" 0
	assert_line --regexp '^== make bench: [0-9]+ ms in all; no errors$'
	# the summary repeats every goal line
	assert_line '== goals'
	assert_line --regexp '^   goals at 4 readers: ours p50 <= 1.3 x floor p50: [0-9]/9 files PASS'
	refute_line --partial ERROR
}

@test "bench smoke: the table has every file at both reader counts, ours measured" {
	run_bench
	local n f row
	for n in 2 4; do
		assert_line --regexp "^$n readers at once, taking turns over 8 containers; 0.10 s per cell in 2 slices; times in us$"
		assert_line --regexp "^goals at $n readers: "
	done
	# with upstream measured: the floor's own lead over upstream, per file (8: no partitions)
	if ! grep -q "^   upstream: Debian's lxcfs is neither" <<<"$output"; then
		n=$(grep -cE '^bound for ours/upstream reads/s \(floor/upstream\):( [a-z/]+ [0-9]+\.[0-9]{2}){8}$' <<<"$output")
		assert_equal "$n" 2
		assert_line --regexp '^  the floor itself reaches 3 x upstream for [0-8]/8 files$'
	fi
	assert_line --regexp '^file +\| +p50 +p99 +reads/s '
	for f in cpuinfo diskstats loadavg meminfo partitions stat swaps uptime cpu/online; do
		# one row per reader count, with figures in the native column
		n=$(grep -cE "^$f +\| +[0-9]+\.[0-9] +[0-9]+\.[0-9] +[0-9]+ \|" <<<"$output")
		assert_equal "$n" 2
		# ours is the last target column: p50 p99 reads/s right before the ratios
		row=$(grep -E "^$f +\|" <<<"$output" | head -1)
		[[ $row =~ \|\ +[0-9]+\.[0-9]\ +[0-9]+\.[0-9]\ +[0-9]+\ \|\ +([0-9]+\.[0-9]+\ (PASS|MISS)|-)\  ]] ||
			fail "no figures for ours in: $row"
	done
}

@test "bench smoke: every reader finished every cell with zero read errors" {
	run_bench
	assert_line --regexp '^readers finished: all, in all [0-9]+ cells$'
	assert_line --regexp '^read errors: 0 \(native 0, floor 0, (upstream 0, )?ours 0\)$'
	refute_line --partial 'first error:'
}

@test "bench smoke: the many-container run, strace and runc sections print" {
	run_bench
	assert_line --regexp '^ours +[0-9]+ reads in .* errors 0, p50 [0-9.]+ us, p99 [0-9.]+ us$'
	assert_line --regexp '^  errors +0 +\[goal 0 \(40 containers\): PASS\]$'
	assert_line --regexp '^  daemon peak RSS [0-9.]+ MiB'
	assert_line --regexp '^  daemon CPU +[0-9.]+ s for [0-9]+ reads'
	assert_line 'readers finished: all, 40 containers'
	if command -v strace >/dev/null; then
		assert_line --regexp '^ours \(pid [0-9]+\): syscalls of all its threads per 1000 reads'
		assert_line --regexp '^    clone/clone3/fork/vfork/execve: [0-9]+ calls in [0-9]+ reads'
	fi
	assert_line --regexp '^== runc: '
	# sysinfo(2): the agent's answers against the kernel's in the same run
	assert_line --regexp '^  baseline p50 [0-9.]+ p99 [0-9.]+ us; served p50 [0-9.]+ p99 [0-9.]+ us; added p50 -?[0-9.]+ us; ratio [0-9.]+; totalram [1-9][0-9]*   \[goal added p50 < 20 us: (PASS|MISS)\]$'
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
	run pgrep -f "$tmp"
	assert_failure
}

@test "bench selftest: the histogram's buckets and quantiles (values worked out by hand)" {
	run "$REPO/build/bench/lxcfs-bench" selftest
	assert_success
	refute_line --partial 'not ok'
	assert_line 'selftest: all checks hold'
}
