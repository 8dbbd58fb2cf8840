#!/usr/bin/env bats
# Runs last among the toolkit's e2e files: no container cgroup or podman storage may be left.
# (Daemons and mount points are checked by 999-leaks.bats, which should run after every suite.)

load helpers-toolkit

setup() { :; }
teardown() { :; }

@test "toolkit leak check: no cgroup of this run's containers is left" {
	local left=""
	for d in /sys/fs/cgroup/*/"$TK_CG_PARENT"; do
		[ -e "$d" ] && left+=" $d"
	done
	assert_equal "$left" ""
}

@test "toolkit leak check: no private podman storage is left" {
	# this run's only: another suite running at the same time has its own (and a find over
	# /tmp fails when their directories vanish under it)
	local left="" d
	for d in /tmp/lxcfs-tk-podman."${BATS_ROOT_PID:-$$}".*; do
		[ -e "$d" ] && left+=" $d"
	done
	assert_equal "$left" ""
}

@test "toolkit leak check: no private dockerd directory, dockerd or containerd of this run is left" {
	local left="" d
	for d in /tmp/lxcfs-tk-docker."${BATS_ROOT_PID:-$$}".*; do
		[ -e "$d" ] && left+=" $d"
	done
	left+=$(pgrep -f -- "/tmp/lxcfs-tk-docker.${BATS_ROOT_PID:-$$}." | tr '\n' ' ')
	assert_equal "$left" ""
}
