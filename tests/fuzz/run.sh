#!/usr/bin/env bash
# Runs the libFuzzer targets (make fuzz-build: $B/fuzz/fuzz_*, default B=build/fuzz) for SECONDS
# each, from their seeds in tests/fuzz/corpus/TARGET, and prints one TAP line per target.
# Each renderer of fuzz_render's table is a target of its own (render-NAME). What a run adds
# to a corpus goes to $B/corpus/TARGET (kept for the next run, never into the tree); a crash,
# a sanitizer report, a leak or a timeout fails the target and its input is kept in
# $B/artifacts/ (make it a unit test, then a seed). FUZZ_JOBS (default 1) targets run at once.
#   tests/fuzz/run.sh SECONDS [TARGET...]
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build/fuzz}
secs=${1:-60}
shift
seeds=tests/fuzz/corpus
# scratch files (cgroup trees, config files) on tmpfs when there is one: the render targets
# write several files per input
tmp=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/lxcfs-fuzz-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$B/corpus" "$B/artifacts"

# every target: fuzz_X for each binary but fuzz_render, render-NAME for each of its renderers
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for bin in "$B"/fuzz/fuzz_*; do
		[ -x "$bin" ] || continue
		name=${bin##*/fuzz_}
		if [ "$name" = render ]; then
			while read -r r; do targets+=("render-$r"); done < <(LXCFS_FUZZ_LIST=1 "$bin")
		else
			targets+=("$name")
		fi
	done
fi
[ ${#targets[@]} -gt 0 ] || { echo "not ok 1 - no fuzz target in $B/fuzz (make fuzz-build)"; exit 1; }

# fuzz_one N TARGET: run one target, its TAP line (and what it found) in $tmp/result.N
fuzz_one() {
	local n=$1 t=$2 env=() bin=$B/fuzz/fuzz_$2 log rc runs cov
	if [[ $t == render-* ]]; then
		bin=$B/fuzz/fuzz_render
		env=(LXCFS_FUZZ_RENDER="${t#render-}")
	fi
	if [ ! -d "$seeds/$t" ] || [ -z "$(ls -A "$seeds/$t")" ]; then
		echo "not ok $n - fuzz $t: no seeds in $seeds/$t" >"$tmp/result.$n"
		return
	fi
	mkdir -p "$B/corpus/$t" "$tmp/$t"
	log=$tmp/$t.log
	# -timeout: an input that takes longer is a hang; leaks and sanitizer reports abort
	env "${env[@]}" LXCFS_FUZZ_TMP="$tmp/$t" \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$B/artifacts/$t-" \
		"$B/corpus/$t" "$seeds/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
	if [ $rc -eq 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
		echo "ok $n - fuzz $t: ${runs:-?} runs in ${secs}s, ${cov:-cov: ?}, no crash, leak or sanitizer report" >"$tmp/result.$n"
	else
		{
			grep -E 'ERROR|runtime error|SUMMARY|Test unit written|#[0-9]+ +0x' "$log" | head -30 | sed 's/^/# /'
			echo "not ok $n - fuzz $t: rc $rc (input kept in $B/artifacts/$t-*)"
		} >"$tmp/result.$n"
	fi
}

jobs_max=${FUZZ_JOBS:-1}
n=0 bad=0 running=0
for t in "${targets[@]}"; do
	n=$((n + 1))
	if [ "$running" -ge "$jobs_max" ]; then
		wait -n
		running=$((running - 1))
	fi
	fuzz_one "$n" "$t" &
	running=$((running + 1))
done
wait
for ((k = 1; k <= n; k++)); do
	cat "$tmp/result.$k"
	grep -q '^not ok ' "$tmp/result.$k" && bad=$((bad + 1))
done
echo "1..$n"
[ $bad -eq 0 ]
