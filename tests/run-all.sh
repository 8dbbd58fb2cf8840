#!/usr/bin/env bash
# Runs every test: cmocka unit tests (build/tests/test_*), the bats end-to-end suites
# (tests/e2e, in file order) and the cgroup v2 suite under qemu (tests/v2/run.sh).
# Prints each runner's output, then one closing line "N passed, N failed".
# Usage: tests/run-all.sh [lint|unit|e2e|asan|asan-all|fuzz|v2]...   (default: all but asan-all)
# unit: every unit test twice, the plain build's and the ASan+UBSan build's (make asan).
# asan: a subset of the daemon's and the toolkit's e2e files again, against the ASan+UBSan
# build of both (make asan); any sanitizer report fails the suite. asan-all (make check-asan):
# every e2e file but the few ASAN_SKIP names, the same way.
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

# e2e files that cannot run meaningfully against the ASan build (asan-all leaves them out)
ASAN_SKIP=(
	005-make-deps.bats     # runs none of our programs (the package lists and the scripts)
	015-valgrind.bats      # valgrind cannot run an ASan binary (its own run covers the plain one)
	300-bench-smoke.bats   # the benchmark: build/bench programs, CPU-per-read figures
	410-install.bats       # installs the release tarball's binaries (make dist), not build/asan's
	430-podman-deploy.bats # the image and the tarball are built from the release binaries
	440-systemd.bats       # install.sh from the release tarball, in a systemd container
	450-packages.bats      # make deb / make rpm build and install the release binaries
)

# asan_e2e FILE...: the bats FILEs with LXCFS and LXCFS_TOOLKIT the ASan+UBSan build's; every
# sanitizer report goes to a log directory (a process that cannot write there still dies
# non-zero), and any report there fails the run (ASAN_LOG_DIR: that directory, kept)
asan_e2e() {
	local logs rc
	make -s asan >"$tmp/build" 2>&1 || { cat "$tmp/build"; echo "not ok 1 - make asan" >"$tmp/out"; tally "$tmp/out"; return; }
	logs=${ASAN_LOG_DIR:-$(mktemp -d)}
	mkdir -p "$logs" && chmod 1777 "$logs" # processes that drop root write here too
	ASAN_OPTIONS=log_path=$logs/asan UBSAN_OPTIONS=log_path=$logs/ubsan:print_stacktrace=1 \
		LXCFS=$PWD/build/asan/lxcfs LXCFS_TOOLKIT=$PWD/build/asan/lxcfs-toolkit \
		bats --tap "$@" >"$tmp/out" 2>&1
	rc=$?
	sed 's/^\(not \)\{0,1\}ok [0-9]* /&[asan] /' "$tmp/out" >"$tmp/out2"
	if [ -n "$(ls -A "$logs")" ]; then
		head -60 "$logs"/*
		echo "not ok - [asan] sanitizer reports: $(ls "$logs" | tr '\n' ' ')" >>"$tmp/out2"
	else
		echo "ok - [asan] no sanitizer report from the daemon or the toolkit" >>"$tmp/out2"
	fi
	[ -n "${ASAN_LOG_DIR:-}" ] || rm -rf "$logs"
	cat "$tmp/out2"
	tally "$tmp/out2"
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$tmp/out2"; then failed=$((failed + 1)); fi
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
		# every unit test again under ASan+UBSan (make asan: build/asan/tests); a report
		# (a leak too) ends its binary non-zero, which fails it
		asan_units=()
		if make -s asan >"$tmp/build" 2>&1; then
			asan_units=(build/asan/tests/test_*)
		else
			cat "$tmp/build"; echo "not ok 1 - make asan" >"$tmp/out"; tally "$tmp/out"
		fi
		for t in "$B"/tests/test_* "${asan_units[@]}"; do
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
		# the daemon's main files, the containers' race for their own bytes, and the toolkit's
		# command line and bad input (about 2.5 min against the 40 of asan-all on this 2-core
		# machine)
		asan_e2e tests/e2e/010-lifecycle.bats tests/e2e/025-sendfile.bats tests/e2e/026-isolation.bats \
			tests/e2e/030-meminfo.bats tests/e2e/040-cpu.bats tests/e2e/050-stat-uptime.bats \
			tests/e2e/070-diskstats.bats tests/e2e/100-runtime-change.bats \
			tests/e2e/200-prestart.bats tests/e2e/240-security.bats
		;;
	asan-all)
		files=()
		for f in tests/e2e/*.bats; do
			[[ " ${ASAN_SKIP[*]} " == *" ${f##*/} "* ]] || files+=("$f")
		done
		asan_e2e "${files[@]}"
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
