#!/usr/bin/env bats
# Every external program that the test suites, the installer, the benchmark and the Makefile
# call comes from a Debian package that `make deps` installs (DEB_BUILD, DEB_TEST and what they
# depend on) or from one every Debian 12 has (Essential or required), so a program that one
# machine happens to have cannot hide a missing install step (tests/programs.py lists them
# from the scripts themselves). Also shown to fail on a script that calls a program from no
# such package, or one that is not installed.

load helpers

PROGRAMS=$REPO/tests/programs.py

# static checks: no daemon, cgroup or root needed
setup() { :; }
teardown() { :; }

@test "make deps: every program the tests, the installer, the benchmark and the Makefile call comes from a package make deps installs or Debian requires" {
	command -v shfmt >/dev/null || fail "shfmt missing (make deps)"
	run "$PROGRAMS"
	printf '%s\n' "$output" | grep -v '^ok ' | sed 's/^/#   /'
	printf '%s\n' "$output" | grep '^ok ' | awk '{printf "%s(%s) ", $2, $4} END {print ""}' | sed 's/^/#   /'
	assert_success  # every program comes from such a package
	# it found the programs it should (the parse works): some from each kind of file (git from
	# the lint's tests/layers.sh and run-all.sh, ar from the Makefile's library recipes)
	local p scanned
	for p in jq runc systemd-analyze fusermount3 qemu-system-x86_64 debootstrap scdoc clang-format git ar; do
		printf '%s\n' "$output" | grep -q "^ok $p " || fail "$p not found in the scripts"
	done
	# it scanned the scripts of the tree as it is laid out now, and none that runs in a guest
	scanned=" $(sed -n 's/^# scanned: //p' <<<"$output") "
	for p in Makefile installer/install.sh deploy/docker/make-base.sh tests/run-all.sh tests/layers.sh \
		tests/bench/run.sh tests/v2/run.sh tests/cgroup-cleanup.bash tests/e2e/helpers.bash \
		tests/e2e/helpers-toolkit.bash tests/e2e/helpers-deploy.bash tests/e2e/000-build.bats; do
		[[ "$scanned" == *" $p "* ]] || fail "$p was not scanned"
	done
	for p in tests/v2/checks.sh tests/v2/lib.sh tests/v2/container.sh deploy/docker/entrypoint.sh; do
		[[ "$scanned" != *" $p "* ]] || fail "$p runs in a guest or an image, yet was scanned"
	done
}

@test "make deps: the check fails on a program from a package make deps does not install, and on one not installed; prose and awk bodies are not programs, wait_for conditions are parsed" {
	local s=$BATS_TEST_TMPDIR/t.bats
	# (written with AT for the @ of a test: bats would take the line for one of its own)
	sed 's/^AT/@/' >"$s" <<'SCRIPT'
helper() { "$@"; }
log() { echo "$@"; }
wait_for() { eval "$1"; }
ATtest "x" {
	log "jq and no-such-prose-word are words in a message"
	awk '{ system("no-such-awk-word") }' /dev/null
	run timeout -k 1 5 sh -c 'n=$(ls | wc -l); true'
	echo "$(helper jq -n 1)"
	no-such-program-lxcfs-e2e --version
	helper
	wait_for '[ "$(no-such-waited-lxcfs-e2e)" = 1 ]' 5 "no-such-prose-word in a message"
}
SCRIPT
	# only Debian's required packages count
	run "$PROGRAMS" --packages "" "$s"
	printf '%s\n' "$output" | sed 's/^/#   /'
	assert_failure 1  # the check fails
	[[ "$output" == *"MISSING jq: /usr/bin/jq is from jq, which make deps does not install"* ]]
	[[ "$output" == *"MISSING no-such-program-lxcfs-e2e: not installed"* ]]
	[[ "$output" == *"MISSING no-such-waited-lxcfs-e2e: not installed"* ]]
	[[ "$output" == *"ok ls "*"coreutils"* && "$output" == *"ok wc "* && "$output" == *"ok timeout "* ]]
	[[ "$output" != *"prose"* && "$output" != *"no-such-awk-word"* && "$output" != *"helper"* ]]
	# with jq's package among make deps' it passes but for the one not installed
	run "$PROGRAMS" --packages "jq" "$s"
	[[ "$output" == *"ok jq /usr/bin/jq jq"* ]]
	assert_equal "$(printf '%s\n' "$output" | grep -c '^MISSING')" 2  # the two not installed
}
