#!/usr/bin/env bats
# lxcfs in a privileged container (the top-level Dockerfile), for real with podman: the image
# is built from a local Debian base (no registry: deploy/docker/make-base.sh debootstraps one,
# cached in /var/cache/lxcfs-e2e), run with --privileged --pid=host on a temporary host mount
# point (its parent is the volume, as in the documented run line); runc containers started on the host with the hook see their own values; `podman kill`
# of the lxcfs container and a restart of it bring them back with no command typed; kill -9 of
# the daemon alone is taken over by the watchdog inside (it holds the connection) unnoticed.

load helpers-deploy

# per checkout: two trees tested at once share the store, not the tags
TAG=e2e-$(echo "$REPO" | md5sum | cut -c1-8)
IMG=localhost/lxcfs:$TAG

setup_file() {
	command -v podman >/dev/null || return 0
	base_image || return 1
	local t0=$SECONDS target
	# the builder stage tagged too, so its layers (the -dev packages) stay cached when the
	# superseded images are pruned below (vfs storage: every image is a full copy)
	for target in builder final; do
		DPM_TIMEOUT=1200 dpm build --network host --build-arg BASE="$BASE_IMG" \
			$([ $target = builder ] && echo "--target builder -t localhost/lxcfs-builder:$TAG") \
			$([ $target = final ] && echo "-t $IMG") "$REPO" >>"$BATS_FILE_TMPDIR/build.log" 2>&1 || {
			tail -30 "$BATS_FILE_TMPDIR/build.log" >&3
			return 1
		}
	done
	dpm image prune -f >/dev/null 2>&1 || true
	echo "# podman build took $((SECONDS - t0)) s" >&3
}

setup() {
	deploy_setup
	command -v podman >/dev/null || skip "podman is not installed"
	LXC_NAME=lxcfs-e2e-$$-${BATS_SUITE_TEST_NUMBER:-0}
	# host side: a temporary stand-in for /var/lib (HOSTLIB), made a shared mount as /var/lib
	# is on a systemd host, with the mount point lxcfs in it; the state directory shared with
	# the container (pidfile, the registry the hooks write)
	new_mountpoint HOSTLIB
	mount --bind "$HOSTLIB" "$HOSTLIB" && mount --make-shared "$HOSTLIB"
	LXCFS_MNT=$HOSTLIB/lxcfs
	mkdir "$LXCFS_MNT"
	_MOUNTS=("$LXCFS_MNT" "${_MOUNTS[@]}") # unmounted (and removed) before its parent
	STATE=$BATS_TEST_TMPDIR/state
	mkdir -p "$STATE/containers"
	LXCFS_PIDFILE=$STATE/lxcfs.pid
	TK_ARGS=(--mountpoint "$LXCFS_MNT" --pidfile "$LXCFS_PIDFILE" --registry "$STATE/containers"
		--engine none)
}

teardown() {
	dpm rm -f -t 2 "$LXC_NAME" >/dev/null 2>&1
	deploy_teardown
	# what a failed test left in the stand-in /var/lib (directories the entrypoint did not
	# clean), once nothing is mounted there
	if [ -n "${HOSTLIB:-}" ] && [ -d "$HOSTLIB" ] && ! findmnt -rn -o TARGET | grep -q "^$HOSTLIB"; then
		rm -rf "$HOSTLIB"
	fi
}

# run_lxcfs_container: the documented run line, with the test's host paths
run_lxcfs_container() {
	dpm run -d --name "$LXC_NAME" --privileged --pid=host --cgroupns=host --network=host \
		--cgroup-parent "/$TK_CG_PARENT/lxcfs" \
		--ulimit nofile=20000:20000 --ulimit nproc=20000:20000 \
		-v "$HOSTLIB:/host/var/lib:rshared" -v /sys/fs/cgroup:/sys/fs/cgroup \
		-v "$STATE:/run/lxcfs" "$IMG" >/dev/null
}

lxcfs_logs() { dpm logs "$LXC_NAME" 2>&1 | sed 's/^/#   lxcfs: /'; }

# own_view NAME KB: container NAME reads MemTotal KB
own_view() { [ "$(runc_in "$1" awk '/^MemTotal/ {print $2}' /proc/meminfo 2>/dev/null)" = "$2" ]; }

@test "podman: the image is multi-stage: the runtime stage has the binaries, their libraries and man pages, no compiler" {
	run dpm run --rm --network none --ulimit nofile=20000:20000 --ulimit nproc=20000:20000 \
		--entrypoint sh "$IMG" -c \
		'command -v gcc cc make pkg-config; ls /usr/include/fuse3 2>&1; ldd /usr/local/bin/lxcfs /usr/local/bin/lxcfs-toolkit; lxcfs --version; lxcfs-toolkit --version; cd /usr/local/share/man && echo "man pages:" man*/*'
	printf '%s\n' "$output" | sed 's/^/#   /'
	[[ "$output" != *"not found"* ]] || fail "a library is missing"
	[[ "$output" != *"/gcc"* && "$output" != *"/make"* ]] || fail "a compiler in the runtime image"
	[[ "$output" == *"No such file or directory"* ]] # no -dev headers
	[[ "$output" == *"lxcfs-toolkit 0."* ]]
	[[ "$output" == *"man pages: man1/lxcfs-toolkit.1 man1/lxcfs.1 man5/lxcfs.conf.5"* ]]
}

@test "podman: lxcfs in a privileged container serves host containers; podman kill + restart brings every container back to its own view with no command typed" {
	# stale state a crash or a reboot could leave: directories where files belong
	mkdir -p "$LXCFS_MNT/proc/meminfo" "$LXCFS_MNT/sys/devices/system/cpu/online"
	local i t0 n
	run_lxcfs_container
	run_tk 0 check-lxcfs --wait 30 || { lxcfs_logs; false; }
	lxcfs_logs | grep -q 'removing .*/proc/meminfo (an empty directory' || { lxcfs_logs; fail "the entrypoint did not clean the directories"; false; }
	[ -f "$LXCFS_MNT/proc/meminfo" ] # the daemon's file now
	# the image starts the seccomp agent with the daemon, its socket in the shared /run/lxcfs
	# (asked in the container: the daemon's control socket is where its own paths put it)
	dpm_sh "$LXC_NAME" 'lxcfs-toolkit --mountpoint /host/var/lib/lxcfs --pidfile /run/lxcfs/lxcfs.pid check-lxcfs'
	assert_equal "$status" 0
	assert_output --partial "seccomp agent: listening on /run/lxcfs/seccomp.sock, 0 containers"
	assert [ -S "$STATE/seccomp.sock" ]  # the agent's socket, where the host's runtimes find it

	make_bundle pd-a $((224 * 1024 * 1024)) && runc_start pd-a && [ "$status" -eq 0 ]
	make_bundle pd-b $((320 * 1024 * 1024)) && runc_start pd-b && [ "$status" -eq 0 ]
	own_view pd-a $((224 * 1024)) && own_view pd-b $((320 * 1024))
	n=$(lxcfs_file_mounts_in "$(runc_pid pd-a)")
	assert [ "$n" -ge 9 ]  # the hook mounted the files (and the CPU tree's)

	# kill the lxcfs container: the daemon and its watchdog die together
	dpm kill "$LXC_NAME" >/dev/null
	dpm wait "$LXC_NAME" >/dev/null 2>&1 || true
	run runc_in pd-a cat /proc/meminfo
	log "pd-a reading /proc/meminfo with lxcfs killed: rc=$status ${output:0:80}"
	assert_failure  # with nobody to clean up, the dead mount answers with an error
	run_tk 1 check-lxcfs

	# the orchestrator restarts the container; nothing else is typed
	t0=$(date +%s%N)
	dpm start "$LXC_NAME" >/dev/null
	wait_for 'own_view pd-a $((224 * 1024)) && own_view pd-b $((320 * 1024))' 30 ""
	report "containers back to their own view $((($(date +%s%N) - t0) / 1000000)) ms after podman start"
	lxcfs_logs | tail -12
	own_view pd-a $((224 * 1024)) && own_view pd-b $((320 * 1024))
	run_tk 0 check-lxcfs
	findmnt -o TARGET,FSTYPE,PROPAGATION --mountpoint "$LXCFS_MNT" | sed 's/^/#   host: /'
	assert [ "$(findmnt -rn --mountpoint "$LXCFS_MNT" | wc -l)" -eq 1 ]  # one live lxcfs mount on the host's mount point, nothing stacked or tucked under
	assert_equal "$(findmnt -rn -o FSTYPE --mountpoint "$LXCFS_MNT")" fuse.lxcfs  # it is lxcfs
	assert_equal "$(lxcfs_file_mounts_in "$(runc_pid pd-a)")" "$n"  # pd-a has its files mounted once each, as the hook left them

	# and the watchdog inside still works: kill -9 of the daemon alone
	kill -KILL "$(daemon_pid)"
	sleep 0.3
	wait_for 'own_view pd-a $((224 * 1024))' 10 ""
	own_view pd-a $((224 * 1024))

	# podman stop: SIGTERM to the watchdog; containers fall back to the host's values
	dpm stop -t 20 "$LXC_NAME" >/dev/null
	lxcfs_logs | tail -4
	assert_equal "$(runc_in pd-a awk '/^MemTotal/ {print $2}' /proc/meminfo)" "$(host_memtotal)"  # after podman stop pd-a reads the host's meminfo
	assert [ -z "$(findmnt -rn --mountpoint "$LXCFS_MNT")" ]  # no mount left on the host's mount point
}

@test "podman: kill -9 of the daemon inside the privileged container under load: the watchdog there takes over, no failed read, no host value, no remount" {
	local reader=$REPO/build/tools/lxcfs-reader name i r f before after out
	[ -x "$reader" ] || fail "$reader is missing: run make tools"
	run_lxcfs_container
	run_tk 0 check-lxcfs --wait 30 || { lxcfs_logs; false; }
	for name in pd-a pd-b; do
		[ $name = pd-a ] && r=224 || r=320
		make_bundle "$name" $((r * 1024 * 1024)) || return 1
		cp "$reader" "$BATS_TEST_TMPDIR/rootfs-$name/bin/lxcfs-reader"
		runc_start "$name" && assert_equal "$status" 0
	done
	own_view pd-a $((224 * 1024)) && own_view pd-b $((320 * 1024))
	before=$(cat "/proc/$(runc_pid pd-a)/mountinfo" "/proc/$(runc_pid pd-b)/mountinfo")
	for name in pd-a pd-b; do
		[ $name = pd-a ] && r=224 || r=320
		timeout 30 runc --root "$TK_RUNC_ROOT" exec -d "$name" /bin/lxcfs-reader 300 /tmp/out \
			/tmp/stop $((r * 1024)) "$(host_memtotal)" /proc/meminfo /proc/cpuinfo /proc/stat \
			/proc/uptime /proc/swaps /sys/devices/system/cpu/online </dev/null
	done
	sleep 1
	for ((i = 1; i <= 5; i++)); do
		f=$(daemon_pid)
		kill -KILL "$f"
		sleep "0.$((RANDOM % 8 + 2))"
		wait_for '[ -n "$(daemon_pid)" ] && [ "$(daemon_pid)" != "$f" ] && pid_alive "$(daemon_pid)"' \
			10 "a new daemon serves after kill $i"
	done
	sleep 1
	out=""
	for name in pd-a pd-b; do
		touch "$BATS_TEST_TMPDIR/rootfs-$name/tmp/stop"
		f=$BATS_TEST_TMPDIR/rootfs-$name/tmp/out
		wait_for '[ -s "$f" ]' 30 "the reader of $name wrote its summary"
		out+="$name $(cat "$f")"$'\n'
	done
	printf '%s' "$out" | sed 's/^/#   /' >&3 # the figures, pass or fail
	lxcfs_logs | grep -E 'took over|takeover|recovered' | tail -6
	after=$(cat "/proc/$(runc_pid pd-a)/mountinfo" "/proc/$(runc_pid pd-b)/mountinfo")
	if grep -vE 'reads=[1-9][0-9]* fails=0 host=0 wrong=0 ' <<<"${out%$'\n'}"; then
		fail "a reader failed, saw the host's values or a wrong one"
	fi
	assert_equal "$after" "$before"  # no remount: every mount of both containers is the same one
	run_tk 0 check-lxcfs
}

@test "podman: the make dist tarball installs on a host with no compiler and no libraries (runtime libraries from apt-get), runs, reruns idempotently, uninstalls" {
	make -C "$REPO" dist >"$BATS_TEST_TMPDIR/dist.log" 2>&1 || { tail "$BATS_TEST_TMPDIR/dist.log"; false; }
	local tgz
	tgz=$(ls "$REPO"/build/lxcfs-*.tar.gz | head -1)
	# a bare Debian (the base image: no gcc, no libfuse3) as the "host", privileged for FUSE;
	# everything happens in the container's own file system and mount namespace
	DPM_TIMEOUT=600 run dpm run --rm --privileged --network host \
		--ulimit nofile=20000:20000 --ulimit nproc=20000:20000 \
		-v "$tgz:/dist.tgz:ro" --entrypoint sh "$BASE_IMG" -c '
		set -e
		for t in gcc cc make; do if command -v $t; then echo "compiler $t present"; exit 3; fi; done
		tar -C /tmp -xzf /dist.tgz && cd /tmp/lxcfs-*/
		ldd bin/lxcfs | grep -c "not found" | sed "s/^/libraries missing before: /"
		./install.sh --init none --hooks none
		/usr/local/bin/lxcfs-toolkit -c /etc/lxcfs/lxcfs.conf check-lxcfs
		head -1 /var/lib/lxcfs/proc/meminfo
		n1=$(grep -c " /var/lib/lxcfs " /proc/self/mountinfo)
		echo "man pages: $(cd /usr/local/share/man && echo man*/*)"
		./install.sh --init none --hooks none | grep -c "unchanged:" | sed "s/^/unchanged on the second run: /"
		echo "mounts: $n1 then $(grep -c " /var/lib/lxcfs " /proc/self/mountinfo)"
		./install.sh --uninstall >/dev/null
		echo "after uninstall: $(grep -c " /var/lib/lxcfs " /proc/self/mountinfo) mounts;" \
			"$(ls /usr/local/bin | wc -l) files in /usr/local/bin;" \
			"$(find /usr/local/share/man -type f 2>/dev/null | wc -l) man pages; config kept: $(ls /etc/lxcfs)"'
	printf '%s\n' "$output" | grep -v '^\[install.sh\]   run: \|^Get:\|^Selecting\|^Preparing\|^Unpacking\|^Setting up' | sed 's/^/#   /'
	assert_success  # install in a bare Debian container
	[[ "$output" == *"libraries missing before: "[1-9]* ]] || fail "the base image already had the libraries"
	[[ "$output" == *"apt-get install"* ]]
	[[ "$output" == *"lxcfs is healthy: /var/lib/lxcfs"* ]]
	[[ "$output" == *"MemTotal:"* ]]
	[[ "$output" =~ unchanged\ on\ the\ second\ run:\ [4-9] ]]
	[[ "$output" =~ mounts:\ ([0-9]+)\ then\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
	[[ "$output" == *"man pages: man1/lxcfs-toolkit.1 man1/lxcfs.1 man5/lxcfs.conf.5"* ]]
	[[ "$output" == *"after uninstall: 0 mounts; 0 files in /usr/local/bin; 0 man pages; config kept: lxcfs.conf"* ]]
}
