#!/usr/bin/env bash
# The takeover acceptance run (issue: a daemon crash, hang or upgrade that no container
# notices). Builds a second lxcfs binary from this tree with another version string, then
# runs tests/e2e/425-takeover.bats with the acceptance figures: 16 readers in 10 runc
# containers started with the hook, each looping open+read+close over every file; 50 kills
# of the daemon at random moments; 20 live upgrades alternating between the two binaries;
# a hung daemon; a docker-run-v style container. Prints each test's figures (reads, slowest
# read, takeover times, the watchdog's fds and RSS) and bats's verdict.
#
#   tests/takeover/run.sh            (as root, after make all tools)
#   KILLS=10 UPGRADES=5 tests/takeover/run.sh     (a shorter run)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root" >&2; exit 2; }
[ -x build/lxcfs ] && [ -x build/tools/lxcfs-reader ] || { echo "run.sh: make all tools first" >&2; exit 2; }
tmp=$(mktemp -d /tmp/lxcfs-takeover.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "# building the upgrade target (version $(sed -n 's/^VERSION *:= *//p' Makefile)+next) in $tmp"
make -s B="$tmp/build" VERSION="$(sed -n 's/^VERSION *:= *//p' Makefile)+next" "$tmp/build/lxcfs" >"$tmp/make.log" 2>&1 ||
	{ cat "$tmp/make.log"; exit 1; }
"$tmp/build/lxcfs" --version
export TAKEOVER_KILLS=${KILLS:-50} TAKEOVER_UPGRADES=${UPGRADES:-20}
export TAKEOVER_CONTAINERS=${CONTAINERS:-10} TAKEOVER_READERS=${READERS:-16}
export TAKEOVER_NEXT=$tmp/build/lxcfs
echo "# $TAKEOVER_READERS readers in $TAKEOVER_CONTAINERS containers; $TAKEOVER_KILLS kills; $TAKEOVER_UPGRADES upgrades"
bats tests/e2e/425-takeover.bats
