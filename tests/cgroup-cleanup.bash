# shellcheck shell=bash
# Shared by tests/e2e/helpers*.bash and tests/bench/run.sh.
#
# remove_cgroup_tree DIR: empty and remove a cgroup tree this run created. Waits for its
# processes to leave; after half a second kills what is still there (only this run's
# processes can live in a cgroup it created), then removes the directories depth first.
# Returns 1 when DIR is still there.
remove_cgroup_tree() {
	local d=$1 i pids
	[ -d "$d" ] || return 0
	for ((i = 0; i < 30; i++)); do
		# shellcheck disable=SC2046
		pids=$(cat $(find "$d" -name cgroup.procs) 2>/dev/null)
		[ -z "$pids" ] && break
		# shellcheck disable=SC2086
		[ "$i" -eq 5 ] && kill -KILL $pids 2>/dev/null
		sleep 0.1
	done
	find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	[ ! -d "$d" ]
}
