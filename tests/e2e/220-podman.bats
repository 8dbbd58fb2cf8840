#!/usr/bin/env bats
# podman (runtime runc, vfs storage, cgroupfs, private --root/--runroot, image imported from a
# busybox tarball) with the shipped oci-hooks.d files, and the Docker-compatible API.

load helpers-toolkit

MIB300_KB=$((300 * 1024))

memtotal_pm() { pm exec "$1" grep ^MemTotal: /proc/meminfo | awk '{print $2}'; }

@test "podman: the hooks.d file injects the hook; --memory 300m shows 300 MiB" {
	tk_start_daemon
	podman_init lxcfs-always.json
	pm_run "$(tk_name)" --memory 300m "$TK_IMAGE" sleep 100000
	assert_equal "$(memtotal_pm "$(tk_name)")" "$MIB300_KB"
	run pm exec "$(tk_name)" mount
	assert_line --regexp "^lxcfs on /proc/meminfo type fuse.lxcfs "
}

@test "podman: the opt-in hooks.d file hooks only containers with io.lxcfs.enable=true" {
	tk_start_daemon
	podman_init lxcfs.json
	pm_run "$(tk_name on)" --memory 300m --annotation io.lxcfs.enable=true "$TK_IMAGE" sleep 100000
	pm_run "$(tk_name off)" --memory 300m "$TK_IMAGE" sleep 100000
	assert_equal "$(memtotal_pm "$(tk_name on)")" "$MIB300_KB"
	assert_equal "$(memtotal_pm "$(tk_name off)")" "$(awk '$1 == "MemTotal:" {print $2}' /proc/meminfo)"
	run pm exec "$(tk_name off)" mount
	refute_output --partial fuse.lxcfs
}

@test "podman: the registry entry goes away when the container is removed (poststop)" {
	tk_start_daemon
	podman_init
	local id
	id=$(pm_run "$(tk_name)" "$TK_IMAGE" sleep 100000)
	assert [ -f "$TK_REG/$id.json" ]  # registered as $id
	pm rm -f -t 0 "$(tk_name)"
	refute [ -e "$TK_REG/$id.json" ]  # poststop removed the entry
}

@test "podman API: remount --container-id NAME resolves the name through the engine" {
	tk_start_daemon
	podman_init
	pm_service
	pm_run "$(tk_name)" --memory 300m "$TK_IMAGE" sleep 100000
	run_tk 0 umount --all
	assert_equal "$(memtotal_pm "$(tk_name)")" "$(awk '$1 == "MemTotal:" {print $2}' /proc/meminfo)"
	# the registry knows only the id: the name comes from the API
	rm -f "$TK_REG"/*.json
	TK_ARGS+=(--engine podman --engine-socket "$TK_SOCK")
	run_tk 0 remount --container-id "$(tk_name)"
	assert_line --index $((${#lines[@]} - 1)) "remounted 1 of 1 containers"
	assert_equal "$(memtotal_pm "$(tk_name)")" "$MIB300_KB"
}

@test "podman API: status lists the container by name from the engine" {
	tk_start_daemon
	podman_init
	pm_service
	pm_run "$(tk_name)" "$TK_IMAGE" sleep 100000
	TK_ARGS+=(--engine podman --engine-socket "$TK_SOCK")
	run_tk 0 status --json
	assert_equal "$(jq -r '.containers[0].name' <<<"$output")" "$(tk_name)"
	assert_equal "$(jq -r '.containers[0].source' <<<"$output")" "registry+api"
	assert_equal "$(jq -r '.containers[0].files["proc/meminfo"]' <<<"$output")" live
}

@test "podman API: remount --all includes an unhooked container only if it holds lxcfs mounts" {
	tk_start_daemon
	podman_init lxcfs.json
	pm_service
	pm_run "$(tk_name on)" --annotation io.lxcfs.enable=true "$TK_IMAGE" sleep 100000
	pm_run "$(tk_name off)" "$TK_IMAGE" sleep 100000
	TK_ARGS+=(--engine podman --engine-socket "$TK_SOCK")
	run_tk 0 remount --all
	assert_line --index $((${#lines[@]} - 1)) "remounted 1 of 1 containers"
	run pm exec "$(tk_name off)" mount
	refute_output --partial fuse.lxcfs
}
