#!/usr/bin/env bats
# Runs last among the daemon's e2e files: nothing the earlier files started may be left.

load helpers

setup() { :; }
teardown() { :; }

@test "leak check: no daemon started by these tests is still running" {
	local kind val left=""
	[ -f "$REGISTRY" ] || skip "no registry: the other files did not run in this bats invocation"
	while read -r kind val; do
		[ "$kind" = daemon ] || continue
		pid_alive "$val" && [[ "$(readlink "/proc/$val/exe" 2>/dev/null)" == *lxcfs* ]] && left+=" $val"
	done <"$REGISTRY"
	assert_equal "$left" ""
}

@test "leak check: no mount point of these tests is still mounted or left behind" {
	local kind val left=""
	[ -f "$REGISTRY" ] || skip "no registry"
	while read -r kind val; do
		[ "$kind" = mount ] || continue
		findmnt -n --mountpoint "$val" >/dev/null 2>&1 && left+=" mounted:$val"
		[ -e "$val" ] && left+=" dir:$val"
	done <"$REGISTRY"
	assert_equal "$left" ""
}

@test "leak check: no lxcfs-test cgroup of this run is left" {
	local c left=""
	for c in "${CG_CONTROLLERS[@]}"; do
		[ -e "$CGROOT/$c/$CG_TOP" ] && left+=" $(find "$CGROOT/$c/$CG_TOP" -type d | tr '\n' ' ')"
	done
	assert_equal "$left" ""
}

@test "leak check: no loop device of these tests is still attached" {
	local kind val left=""
	[ -f "$REGISTRY" ] || skip "no registry"
	while read -r kind val; do
		[ "$kind" = loop ] || continue
		# attached to one of our (bats temporary) backing files
		losetup -n -O BACK-FILE "$val" 2>/dev/null | grep -q "$BATS_RUN_TMPDIR" && left+=" $val"
	done <"$REGISTRY"
	assert_equal "$left" ""
}
