#!/usr/bin/env bats
# Container discovery through engine command lines: the isula CLI (a stand-in script that
# prints what isula prints) and `runc list --format json`.

load helpers-toolkit

KB256=$((256 * 1024))

# a runc container started without the hook; CTR, CTR_PID
start_plain() {
	CTR=$(tk_name)
	make_bundle "$CTR" $((KB256 * 1024)) 0 no
	runc_start "$CTR"
	assert_equal "$status" 0
	CTR_PID=$(runc_pid "$CTR")
}

# fake_isula ID NAME PID [DELAY]: an `isula` in $BATS_TEST_TMPDIR/bin answering ps and inspect
fake_isula() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/isula" <<-SCRIPT
		#!/bin/sh
		sleep ${4:-0}
		case "\$1" in
		ps) echo "$1" ;;
		inspect) echo '[{"Id": "$1", "Name": "/$2", "State": {"Running": true, "Pid": $3}}]' ;;
		*) exit 1 ;;
		esac
	SCRIPT
	chmod +x "$BATS_TEST_TMPDIR/bin/isula"
}

@test "isula: remount --container-id NAME resolves the name through the isula CLI" {
	tk_start_daemon
	start_plain
	fake_isula "isula$CTR" "web-isula" "$CTR_PID"
	TK_ARGS+=(--engine isula)
	PATH=$BATS_TEST_TMPDIR/bin:$PATH run_tk 0 remount --container-id web-isula
	assert_line --index $((${#lines[@]} - 1)) "remounted 1 of 1 containers"
	run runc_in "$CTR" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "^MemTotal: +$KB256 kB$"
}

@test "isula: a CLI that hangs is cut off at the engine timeout" {
	tk_start_daemon
	fake_isula abc web 1 60
	TK_ARGS+=(--engine isula --engine-timeout 2)
	local t0=$SECONDS
	PATH=$BATS_TEST_TMPDIR/bin:$PATH run_tk 1 remount --all
	assert_output --partial "\`isula\` did not finish within 2s"
	assert [ $((SECONDS - t0)) -lt 15 ]  # bounded by the engine timeout
}

@test "runc list: status shows a runc container found by \`runc list\`" {
	tk_start_daemon
	start_plain
	TK_ARGS+=(--engine runc --runc-root "$TK_RUNC_ROOT")
	run_tk 0 status --json
	assert_equal "$(jq -r '.containers[0].id' <<<"$output")" "$CTR"
	assert_equal "$(jq -r '.containers[0].pid' <<<"$output")" "$CTR_PID"
	assert_equal "$(jq -r '.containers[0].source' <<<"$output")" runc
	assert_equal "$(jq -r '.containers[0].files["proc/meminfo"]' <<<"$output")" absent
}
