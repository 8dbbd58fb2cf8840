#!/usr/bin/env bash
# Runs every test: cmocka unit tests (build/tests/test_*), the bats end-to-end suites
# (tests/e2e, in file order) and the cgroup v2 suite under qemu (tests/v2/run.sh).
# Prints each runner's output, then one closing line "N passed, N failed".
# Usage: tests/run-all.sh [lint|unit|e2e|asan|fuzz|v2]...   (default: all)
# asan: the daemon's main e2e files again, against the ASan+UBSan build (make asan); any
# sanitizer report fails the suite.
# fuzz: every libFuzzer target (make fuzz-build) FUZZ_CHECK_S (10) s from its corpus, FUZZ_JOBS
# (2) at a time (tests/fuzz/run.sh); a crash, leak, hang or sanitizer report fails it.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
passed=0 failed=0 skipped=0
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(lint unit e2e asan fuzz v2)


tally() { # $1: TAP output file
	local p f s
	p=$(grep -cE '^ok ' "$1" || true)
	s=$(grep -cE '^ok .*# ?(skip|SKIP)' "$1" || true)
	f=$(grep -cE '^not ok ' "$1" || true)
	passed=$((passed + p - s)) failed=$((failed + f)) skipped=$((skipped + s))
}

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for s in "${suites[@]}"; do
	case $s in
	lint)
		# the tree passes clang-format with the checked-in .clang-format
		mapfile -t srcs < <(git ls-files '*.c' '*.h')
		if clang-format --dry-run --Werror "${srcs[@]}" >"$tmp/out" 2>&1; then
			echo "ok 1 - clang-format --dry-run on ${#srcs[@]} files" | tee "$tmp/out"
		else
			head -40 "$tmp/out"; echo "not ok 1 - clang-format --dry-run" >"$tmp/out"; cat "$tmp/out"
		fi
		tally "$tmp/out"
		# headers point down the daemon's chain of folders; the toolkit stays out of lxcfs/
		if tests/layers.sh >"$tmp/out" 2>&1; then
			echo "ok 2 - includes follow the folders' chain (tests/layers.sh)" | tee "$tmp/out"
		else
			cat "$tmp/out"; echo "not ok 2 - tests/layers.sh" >"$tmp/out"; cat "$tmp/out"
		fi
		tally "$tmp/out"
		;;
	unit)
		for t in "$B"/tests/test_*; do
			[ -x "$t" ] || continue
			echo "# unit: $t"
			CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$tmp/out" 2>&1
			rc=$?
			cat "$tmp/out"
			tally "$tmp/out"
			# a crash before any TAP line still counts as a failure
			if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$tmp/out"; then failed=$((failed + 1)); fi
		done
		# the lock-free shared host snapshot again under ThreadSanitizer: a data race fails
		echo "# unit: test_hostsnap under ThreadSanitizer (make tsan)"
		if make -s tsan >"$tmp/out" 2>&1; then
			TSAN_OPTIONS="halt_on_error=1 exitcode=66" CMOCKA_MESSAGE_OUTPUT=TAP \
				build/tsan/tests/test_hostsnap >"$tmp/out" 2>&1
			rc=$?
		else
			rc=1
		fi
		cat "$tmp/out"
		if [ $rc -eq 0 ]; then
			echo "ok 1 - test_hostsnap: no data race" >"$tmp/out"
		else
			echo "not ok 1 - test_hostsnap under ThreadSanitizer (rc $rc)" >"$tmp/out"
		fi
		cat "$tmp/out"
		tally "$tmp/out"
		;;
	e2e)
		files=(tests/e2e/*.bats)
		[ -e "${files[0]}" ] || continue
		bats --tap "${files[@]}" >"$tmp/out" 2>&1
		rc=$?
		cat "$tmp/out"
		tally "$tmp/out"
		if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$tmp/out"; then failed=$((failed + 1)); fi
		;;
	asan)
		make -s asan >"$tmp/build" 2>&1 || { cat "$tmp/build"; echo "not ok 1 - make asan" >"$tmp/out"; tally "$tmp/out"; continue; }
		logs=$(mktemp -d)
		ASAN_OPTIONS=log_path=$logs/asan UBSAN_OPTIONS=log_path=$logs/ubsan:print_stacktrace=1 \
			LXCFS=$PWD/build/asan/lxcfs bats --tap tests/e2e/010-lifecycle.bats \
			tests/e2e/025-sendfile.bats tests/e2e/030-meminfo.bats tests/e2e/040-cpu.bats \
			tests/e2e/050-stat-uptime.bats tests/e2e/070-diskstats.bats \
			tests/e2e/100-runtime-change.bats >"$tmp/out" 2>&1
		rc=$?
		sed 's/^\(not \)\{0,1\}ok [0-9]* /&[asan] /' "$tmp/out" >"$tmp/out2"
		if [ -n "$(ls -A "$logs")" ]; then
			head -60 "$logs"/*
			echo "not ok - [asan] sanitizer reports: $(ls "$logs" | tr '\n' ' ')" >>"$tmp/out2"
		else
			echo "ok - [asan] no sanitizer report from the daemon" >>"$tmp/out2"
		fi
		rm -rf "$logs"
		cat "$tmp/out2"
		tally "$tmp/out2"
		if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$tmp/out2"; then failed=$((failed + 1)); fi
		;;
	fuzz)
		if make -s -j2 fuzz-build >"$tmp/build" 2>&1; then
			B=build/fuzz FUZZ_JOBS=${FUZZ_JOBS:-2} tests/fuzz/run.sh "${FUZZ_CHECK_S:-10}" >"$tmp/out" 2>&1
			rc=$?
		else
			cat "$tmp/build"
			echo "not ok 1 - make fuzz-build" >"$tmp/out"
			rc=1
		fi
		cat "$tmp/out"
		tally "$tmp/out"
		if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$tmp/out"; then failed=$((failed + 1)); fi
		;;
	v2)
		[ -x tests/v2/run.sh ] || continue
		tests/v2/run.sh >"$tmp/out" 2>&1
		rc=$?
		cat "$tmp/out"
		tally "$tmp/out"
		if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$tmp/out"; then failed=$((failed + 1)); fi
		;;
	*) echo "unknown suite: $s" >&2; exit 2 ;;
	esac
done
echo
[ $skipped -gt 0 ] && echo "$passed passed, $failed failed, $skipped skipped" || echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
