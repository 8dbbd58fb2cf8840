#!/usr/bin/env bash
# Runs every test: cmocka unit tests (build/tests/test_*), the bats end-to-end suites
# (tests/e2e, in file order) and the cgroup v2 suite under qemu (tests/v2/run.sh).
# Prints each runner's output, then one closing line "N passed, N failed".
# Usage: tests/run-all.sh [lint|unit|e2e|v2]...   (default: all)
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
passed=0 failed=0 skipped=0
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(lint unit e2e v2)


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
