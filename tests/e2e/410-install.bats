#!/usr/bin/env bats
# installer/install.sh from the `make dist` tarball, into a temporary prefix, mount point,
# config, state directory and hooks directory (never /usr/local, /etc/lxcfs or /var/lib/lxcfs),
# with --init none: the toolkit's watchdog runs the daemon.

load helpers-deploy

setup_file() {
	# the release tarball, unpacked once for every test of this file
	make -C "$REPO" dist >"$BATS_FILE_TMPDIR/make-dist.log" 2>&1 || {
		tail -20 "$BATS_FILE_TMPDIR/make-dist.log" >&3
		return 1
	}
	local tgz
	tgz=$(ls "$REPO"/build/lxcfs-*.tar.gz | head -1)
	tar -C "$BATS_FILE_TMPDIR" -xzf "$tgz"
}

setup() {
	deploy_setup
	DIST=$(ls -d "$BATS_FILE_TMPDIR"/lxcfs-*/ | head -1)
	DIST=${DIST%/}
	T=$(mktemp -d /tmp/lxcfs-e2e-inst.XXXXXX)
	_DEPLOY_DIRS+=("$T")
	register mount "$T/mnt"
	_MOUNTS+=("$T/mnt")
	INST=(--prefix "$T/prefix" --mountpoint "$T/mnt" --config "$T/etc/lxcfs.conf"
		--state-dir "$T/run" --log "$T/log/watchdog.log" --init none --hooks oci)
	export LXCFS_OCI_HOOKS_DIR=$T/hooks.d
	LXCFS_PIDFILE=$T/run/lxcfs.pid
	LXCFS_MNT=$T/mnt
	_WD_PIDFILES+=("$T/run/lxcfs-watchdog.pid")
	# the installed toolkit, with the install's options, for the hooks of our runc bundles
	TK=$T/prefix/bin/lxcfs-toolkit
	TK_ARGS=(-c "$T/etc/lxcfs.conf" --mountpoint "$T/mnt" --pidfile "$T/run/lxcfs.pid"
		--registry "$T/run/containers" --engine none)
}

teardown() {
	# a test that failed half way: the installer's own uninstall first, then the usual sweep
	if [ -x "$DIST/install.sh" ] && [ -f "$T/prefix/share/lxcfs/install-manifest" ]; then
		"$DIST/install.sh" --prefix "$T/prefix" --uninstall >/dev/null 2>&1 3>&- || true
	fi
	deploy_teardown
}

# install [ARGS...]: run the installer (timeout 120 s); sets status and output, logs both
install() {
	status=0
	log "\$ install.sh $*"
	output=$(timeout 120 "$DIST/install.sh" "$@" 2>&1 3>&-) || status=$?
	printf '%s\n' "$output" | sed 's/^/#   /'
	log "[rc=$status]"
}

# tree: every path under $T except the mount point's content, with its type and size
tree() { find "$T" -path "$T/mnt/*" -prune -o -printf '%y %s %p\n' | sort; }

mounts_at_mnt() { findmnt -rn --mountpoint "$T/mnt" | wc -l; }

@test "install: --init none from the dist tarball: watchdog + daemon, check-lxcfs, a runc container's own view; a second run changes nothing; --uninstall leaves only the config" {
	install "${INST[@]}"
	assert_success  # install.sh succeeds
	local wpid dpid n1 tree1 out
	wpid=$(cat "$T/run/lxcfs-watchdog.pid")
	dpid=$(cat "$T/run/lxcfs.pid")
	pid_alive "$wpid" && grep -qa watchdog "/proc/$wpid/cmdline"
	pid_alive "$dpid" && grep -qa "$T/prefix/bin/lxcfs" "/proc/$dpid/cmdline"
	assert [ "$(awk '/^PPid:/ {print $2}' "/proc/$dpid/status")" -eq "$wpid" ]  # the daemon is the watchdog's child
	run "$T/prefix/bin/lxcfs-toolkit" -c "$T/etc/lxcfs.conf" check-lxcfs
	assert_success  # check-lxcfs: healthy
	# the seccomp agent started with the daemon, on the install's state directory
	assert_line "seccomp agent: listening on $T/run/seccomp.sock, 0 containers"
	assert [ -S "$T/run/seccomp.sock" ]  # the agent's socket
	run "$T/prefix/bin/lxcfs-toolkit" -c "$T/etc/lxcfs.conf" status
	assert_line --regexp "^sysinfo: listener $T/run/seccomp.sock \(listening\), 0 container descriptors"
	# the config carries the install's paths for the daemon and the toolkit
	grep -qx "mountpoint = $T/mnt" "$T/etc/lxcfs.conf"
	grep -qx "seccomp_listener = $T/run/seccomp.sock" "$T/etc/lxcfs.conf"
	grep -qx '\[toolkit\]' "$T/etc/lxcfs.conf"
	jq -e --arg tk "$TK" '.hook.path == $tk and (.stages | index("prestart"))' "$T/hooks.d/lxcfs.json"
	# the tarball's man pages, where man looks for a prefix's pages
	local p
	for p in man1/lxcfs.1 man1/lxcfs-toolkit.1 man5/lxcfs.conf.5; do cmp "$DIST/man/$p" "$T/prefix/share/man/$p"; done
	assert_equal "$(MANPATH=$T/prefix/share/man man -w lxcfs)" "$T/prefix/share/man/man1/lxcfs.1"  # man finds lxcfs(1)
	assert_equal "$(MANPATH=$T/prefix/share/man man -w 5 lxcfs.conf)" "$T/prefix/share/man/man5/lxcfs.conf.5"  # man finds lxcfs.conf(5)

	# a container started afterwards, with the hook as installed: its own view
	make_bundle inst-a $((192 * 1024 * 1024)) 0
	runc_start inst-a
	assert_success  # runc run with the installed hook
	assert [ "$(runc_in inst-a awk '/^MemTotal/ {print $2}' /proc/meminfo)" -eq $((192 * 1024)) ]  # MemTotal is the container's limit
	assert [ "$(runc_in inst-a grep -c ^processor /proc/cpuinfo)" -eq 1 ]  # one CPU in cpuinfo

	# second run: nothing changes, nothing stacks
	n1=$(mounts_at_mnt)
	tree1=$(tree)
	install "${INST[@]}"
	assert_success  # the second run succeeds
	assert [ "$(mounts_at_mnt)" -eq "$n1" ]  # mount count at the mount point unchanged ($n1)
	[ "$(tree)" = "$tree1" ] || { diff <(echo "$tree1") <(tree) | sed 's/^/#   /'; false; }
	[[ "$output" == *"unchanged: $T/prefix/bin/lxcfs"* ]]
	[[ "$output" == *"the watchdog runs already (pid $wpid)"* ]]
	assert [ "$(cat "$T/run/lxcfs.pid")" -eq "$dpid" ]  # the same daemon runs
	assert [ "$(runc_in inst-a awk '/^MemTotal/ {print $2}' /proc/meminfo)" -eq $((192 * 1024)) ]  # the container still sees its own view

	# uninstall: no process, no mount, no file but the config
	install --prefix "$T/prefix" --uninstall
	assert_success  # uninstall succeeds
	wait_gone "$wpid" 5 && wait_gone "$dpid" 5
	assert [ -z "$(findmnt -rn --mountpoint "$T/mnt")" ]  # nothing mounted at the mount point
	assert [ "$(lxcfs_file_mounts_in "$(runc_pid inst-a)")" -eq 0 ]  # no lxcfs mount left on the container's files
	assert [ "$(runc_in inst-a awk '/^MemTotal/ {print $2}' /proc/meminfo)" -eq "$(host_memtotal)" ]  # the container reads the host's meminfo
	out=$(find "$T" -mindepth 1 | sort)
	[ "$out" = "$(printf '%s\n' "$T/etc" "$T/etc/lxcfs.conf")" ] || {
		log "left behind:"
		printf '%s\n' "$out" | sed 's/^/#   /'
		false
	}
	[[ "$output" == *"keeping $T/etc/lxcfs.conf"* ]]
}

@test "install: an edited config is never overwritten (the default goes to lxcfs.conf.new); iSulad hook spec; --purge removes it" {
	export LXCFS_ISULAD_HOOKS_DIR=$T/isulad
	INST=("${INST[@]/oci/isulad}")
	mkdir -p "$T/etc"
	printf '[lxcfs]\nmountpoint = %s\npidfile = %s\nloadavg = true\n' "$T/mnt" "$T/run/lxcfs.pid" >"$T/etc/lxcfs.conf"
	cp "$T/etc/lxcfs.conf" "$BATS_TEST_TMPDIR/edited"
	install "${INST[@]}"
	assert_success  # install.sh succeeds
	cmp "$T/etc/lxcfs.conf" "$BATS_TEST_TMPDIR/edited"
	[ -f "$T/etc/lxcfs.conf.new" ]
	grep -qx '\[toolkit\]' "$T/etc/lxcfs.conf.new"
	[[ "$output" == *"the new default goes to $T/etc/lxcfs.conf.new"* ]]
	# the iSulad hook spec: both stages, the installed toolkit with the install's options
	jq -e --arg tk "$TK" --arg c "$T/etc/lxcfs.conf" '
		(.prestart[0].path == $tk) and (.poststop[0].path == $tk)
		and (.prestart[0].args | index("--stage") != null and index("prestart") != null and index($c) != null)
		and (.poststop[0].args[-1] == "poststop")' "$T/isulad/lxcfs-hookspec.json"
	[ ! -e "$T/hooks.d" ]
	# the daemon runs with the operator's file
	[[ "$(tr '\0' ' ' <"/proc/$(cat "$T/run/lxcfs.pid")/cmdline")" == *"-c $T/etc/lxcfs.conf "* ]]
	install --prefix "$T/prefix" --uninstall --purge
	assert_success  # uninstall --purge succeeds
	# $T/etc is the test's own (made before the install): only it remains, empty
	assert_equal "$(find "$T" -mindepth 1)" "$T/etc"  # --purge leaves nothing but the directory the test made
}

@test "install: --dry-run prints every action and changes nothing" {
	local before
	before=$(tree)
	install "${INST[@]}" --dry-run
	assert_success  # dry run succeeds
	[ "$(tree)" = "$before" ] || { diff <(echo "$before") <(tree) | sed 's/^/#   /'; false; }
	assert [ "$(mounts_at_mnt)" -eq 0 ]  # nothing mounted
	[[ "$output" == *"would run: install -m 0755 $DIST/bin/lxcfs $T/prefix/bin/lxcfs"* ]]
	[[ "$output" == *"would run: install -m 0644 $DIST/man/man1/lxcfs.1 $T/prefix/share/man/man1/lxcfs.1"* ]]
	[[ "$output" == *"would run: $TK "*" prestart"* ]]
	[[ "$output" == *"would run: $TK "*"watchdog --exec"* ]]
	# with systemd as the init: the units and systemctl, still nothing done
	LXCFS_SYSTEMD_DIR=$T/systemd install "${INST[@]/none/systemd}" --dry-run
	assert_success  # dry run with --init systemd succeeds
	[[ "$output" == *"would run: systemctl enable --now lxcfs.service lxcfs-watchdog.timer"* ]]
	[[ "$output" == *"$T/systemd/lxcfs.service"* ]]
	[ "$(tree)" = "$before" ]
}

@test "install: a failing step is named and the host is left as it was" {
	local before
	mkdir -p "$T/etc"
	# a daemon config the daemon rejects (exit 2) but the toolkit accepts: step "service" fails
	printf '[lxcfs]\nno_such_key = 1\n' >"$T/etc/lxcfs.conf"
	before=$(tree)
	install "${INST[@]}" --init none
	assert_failure 1  # install.sh fails
	[[ "$output" == *"step 5 (service (none)) failed"* ]] || fail "the failing step is not named"
	[[ "$output" == *"undoing this run's"* ]]
	[ "$(tree)" = "$before" ] || { diff <(echo "$before") <(tree) | sed 's/^/#   /'; false; }
	assert [ "$(mounts_at_mnt)" -eq 0 ]  # no mount left
	assert [ -z "$(pgrep -f "$T/prefix/bin" || true)" ]  # no process left
}

@test "install: --seccomp-profile writes the engines' default profile with sysinfo notified to the installed agent; uninstall removes it and the socket" {
	local from=$BATS_TEST_TMPDIR/containers-seccomp.json
	# the engines' default (containers-common's, when this host has it; else a small one)
	if [ -f /usr/share/containers/seccomp.json ]; then
		cp /usr/share/containers/seccomp.json "$from"
	else
		printf '%s\n' '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "sysinfo", "write"], "action": "SCMP_ACT_ALLOW"}]}' >"$from"
	fi
	LXCFS_SECCOMP_FROM=$from install "${INST[@]}" --seccomp-profile
	assert_success  # install.sh --seccomp-profile succeeds
	[[ "$output" == *"--security-opt seccomp=$T/etc/seccomp.json"* ]]
	# the profile: the listener the installed daemon listens on, sysinfo notified and allowed
	# by no other rule, the rest of the engines' rules kept
	jq -e --arg l "$T/run/seccomp.sock" '.listenerPath == $l
		and ([.syscalls[] | select(.action == "SCMP_ACT_NOTIFY") | .names[]] == ["sysinfo"])
		and ([.syscalls[] | select(.action != "SCMP_ACT_NOTIFY") | .names[] | select(. == "sysinfo")] == [])' \
		"$T/etc/seccomp.json"
	assert_equal "$(jq -c .defaultAction "$T/etc/seccomp.json")" "$(jq -c .defaultAction "$from")"
	jq -e '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | index("read") != null' "$T/etc/seccomp.json"
	run "$T/prefix/bin/lxcfs-toolkit" -c "$T/etc/lxcfs.conf" check-lxcfs
	assert_line "seccomp agent: listening on $T/run/seccomp.sock, 0 containers"
	# a second run changes nothing
	LXCFS_SECCOMP_FROM=$from install "${INST[@]}" --seccomp-profile
	assert_success  # the second run succeeds
	[[ "$output" == *"unchanged: $T/etc/seccomp.json"* ]]
	install --prefix "$T/prefix" --uninstall
	assert_success  # uninstall succeeds
	refute [ -e "$T/etc/seccomp.json" ]  # the profile is the install's: removed
	refute [ -e "$T/run/seccomp.sock" ]  # the agent's socket is removed
}

@test "install: --seccomp-profile with a config that sets no seccomp_listener fails, naming why, and leaves the host as it was" {
	local before
	mkdir -p "$T/etc"
	printf '[lxcfs]\nmountpoint = %s\npidfile = %s\n' "$T/mnt" "$T/run/lxcfs.pid" >"$T/etc/lxcfs.conf"
	before=$(tree)
	LXCFS_SECCOMP_FROM=/usr/share/containers/seccomp.json install "${INST[@]}" --seccomp-profile
	assert_failure 1  # install.sh fails
	[[ "$output" == *"(seccomp profile) failed: --seccomp-profile: $T/etc/lxcfs.conf sets no seccomp_listener"* ]] || fail "the failing step is not named"
	# the new default config (which has the agent on) waits in lxcfs.conf.new: undone too
	[ "$(tree)" = "$before" ] || { diff <(echo "$before") <(tree) | sed 's/^/#   /'; false; }
	assert [ -z "$(pgrep -f "$T/prefix/bin" || true)" ]  # no process left
}
