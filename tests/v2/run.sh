#!/usr/bin/env bash
# The lxcfs checks on a real cgroup v2 kernel: boots one qemu guest (v2vm, pure cgroup2, an empty
# 64 MiB virtio disk) and runs tests/v2/checks.sh there with build/lxcfs copied in.
# Output is TAP ("ok N - name" / "not ok N - name"); exit status non-zero if any check failed.
# Usage: tests/v2/run.sh [extra v2vm options, e.g. --cpus 2]
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
top=$(git -C "$repo" rev-parse --show-toplevel 2>/dev/null || echo "$repo")
lxcfs=${LXCFS:-$repo/build/lxcfs}

v2vm=""
for c in "${V2VM:-}" "$top/../shared/v2vm/run.sh" /work/shared/v2vm/run.sh; do
	[ -n "$c" ] && [ -x "$c" ] && { v2vm=$c; break; }
done
if [ -z "$v2vm" ]; then
	echo "not ok 1 - v2vm not found (../shared/v2vm/run.sh next to the repository)"
	echo "1..1"
	exit 1
fi
if [ ! -x "$lxcfs" ]; then
	echo "not ok 1 - $lxcfs missing (run make)"
	echo "1..1"
	exit 1
fi
lxcfs=$(readlink -f "$lxcfs")

tmp=$(mktemp -d /tmp/lxcfs-v2.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# the guest script: v2vm runs it with busybox sh and no arguments
tk=$(readlink -f "${LXCFS_TOOLKIT:-$repo/build/lxcfs-toolkit}")
reader=$(readlink -f "${LXCFS_READER:-$repo/build/tools/lxcfs-reader}")
psipoll=$(readlink -f "$repo/build/tools/psi-poll")
cat >"$tmp/guest.sh" <<GUEST
LXCFS='$lxcfs'
TK='$tk'
READER='$reader'
PSIPOLL='$psipoll'
V2='$here'
. "\$V2/checks.sh"
GUEST

echo "# v2vm: $v2vm"
start=$(date +%s)
# glibc dlopens libgcc_s for pthread_cancel (libfuse cancels its workers on exit); ldd does not
# list it, so v2vm would not copy it and the daemon would abort at SIGTERM
extra=()
libgcc=$(ldconfig -p 2>/dev/null | awk '/libgcc_s\.so\.1 .*x86-64/ {print $NF; exit}')
[ -n "$libgcc" ] && [ -f "$libgcc" ] && extra+=("$libgcc")
[ -x "$tk" ] && extra+=("$tk")
[ -x "$reader" ] && extra+=("$reader")
[ -x "$psipoll" ] && extra+=("$psipoll")
"$v2vm" --disk 64 --cpus 2 --mem 1024 "$@" --script "$tmp/guest.sh" -- "$lxcfs" "$here" "${extra[@]}" >"$tmp/out" 2>"$tmp/err"
rc=$?
# the guest's TAP, minus v2vm's own closing line
grep -v '^v2vm: exit' "$tmp/out"
echo "# v2vm exit $rc after $(($(date +%s) - start)) s"
if ! grep -qE '^(not )?ok ' "$tmp/out"; then
	sed 's/^/# /' "$tmp/err"
	echo "not ok 1 - the v2 guest ran no checks (boot failed?)"
	echo "1..1"
	exit 1
fi
if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$tmp/out"; then
	sed 's/^/# /' "$tmp/err" | tail -20
	echo "not ok $(($(grep -cE '^(not )?ok ' "$tmp/out") + 1)) - the guest script exited $rc"
	exit 1
fi
exit "$rc"
