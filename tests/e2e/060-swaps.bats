#!/usr/bin/env bats
# /proc/swaps and the Swap lines of /proc/meminfo inside containers.
# (This machine may have no swap at all; then SwapTotal is 0 everywhere and the checks are about
# agreement and format. The cgroup v2 suite, tests/v2, runs with real swap.)

load helpers

HOST_SWAP_KB=$(meminfo_kb SwapTotal /proc/meminfo)

# swaps_kb: sum of the Size column of a swaps text on stdin (header skipped)
swaps_kb() { awk 'NR > 1 {s += $3} END {print s + 0}'; }

@test "swaps starts with the kernel's header line" {
	start_daemon
	make_cgroup hdr
	run in_container hdr cat /proc/swaps
	assert_success
	assert_line --index 0 "$(head -1 /proc/swaps)"
}

@test "swaps and meminfo agree on SwapTotal (memsw limit 256 MiB above a 512 MiB limit)" {
	start_daemon
	make_cgroup sw
	cg_set sw memory.limit_in_bytes 512M
	[ -e "$(cg_dir memory sw)/memory.memsw.limit_in_bytes" ] || skip "no swap accounting"
	cg_set sw memory.memsw.limit_in_bytes 768M
	run in_container sw sh -c 'cat /proc/meminfo; echo ---; cat /proc/swaps'
	assert_success
	local mi sw st expect
	mi=$(sed '/^---$/,$d' <<<"$output")
	sw=$(sed '1,/^---$/d' <<<"$output")
	st=$(meminfo_kb SwapTotal <<<"$mi")
	expect=$((256 * 1024))
	[ "$HOST_SWAP_KB" -lt "$expect" ] && expect=$HOST_SWAP_KB
	assert [ "$st" -eq "$expect" ]  # SwapTotal $st = min(memsw - mem, host SwapTotal $HOST_SWAP_KB) = $expect
	assert [ "$(swaps_kb <<<"$sw")" -eq "$st" ]  # swaps size column sums to SwapTotal
	if [ "$st" -eq 0 ]; then
		assert [ "$(wc -l <<<"$sw")" -eq 1 ]  # no swap: header only
	else
		assert [ "$(wc -l <<<"$sw")" -eq 2 ]  # one line for the container's swap
	fi
}

@test "without a memsw limit SwapTotal is the host's (capped) and swaps agrees" {
	start_daemon
	make_cgroup nosw
	cg_set nosw memory.limit_in_bytes 512M
	run in_container nosw sh -c 'cat /proc/meminfo; echo ---; cat /proc/swaps'
	local mi sw st sf
	mi=$(sed '/^---$/,$d' <<<"$output")
	sw=$(sed '1,/^---$/d' <<<"$output")
	st=$(meminfo_kb SwapTotal <<<"$mi")
	sf=$(meminfo_kb SwapFree <<<"$mi")
	assert [ "$st" -le "$HOST_SWAP_KB" ]  # SwapTotal $st <= host $HOST_SWAP_KB
	assert [ "$sf" -le "$st" ]  # SwapFree <= SwapTotal
	assert [ "$(swaps_kb <<<"$sw")" -eq "$st" ]  # swaps agrees with SwapTotal
}

@test "-u: SwapTotal and SwapFree are 0 and swaps has only its header" {
	start_daemon -u
	make_cgroup dis
	cg_set dis memory.limit_in_bytes 512M
	[ -e "$(cg_dir memory dis)/memory.memsw.limit_in_bytes" ] && cg_set dis memory.memsw.limit_in_bytes 1G
	run in_container dis sh -c 'grep -E "^Swap(Total|Free):" /proc/meminfo; cat /proc/swaps'
	assert_line --index 0 --regexp '^SwapTotal: +0 kB$'
	assert_line --index 1 --regexp '^SwapFree: +0 kB$'
	assert_line --index 2 "$(head -1 /proc/swaps)"
	assert_equal "${#lines[@]}" 3
}

@test "the swaps line, when there is one, has the kernel's five columns" {
	start_daemon
	make_cgroup cols
	cg_set cols memory.limit_in_bytes 512M
	run in_container cols cat /proc/swaps
	assert_equal "$(awk 'NR > 1 && NF != 5' <<<"$output")" ""
	assert_equal "$(awk 'NR > 1 && ($3 !~ /^[0-9]+$/ || $4 !~ /^[0-9]+$/)' <<<"$output")" ""
}
