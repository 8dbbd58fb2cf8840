#!/usr/bin/env bats
# The systemd units for real: systemd cannot be PID 1 on this machine, so it is PID 1 of a
# privileged podman container (the local Debian base + systemd + the runtime libraries, no
# compiler). In it: install.sh from the `make dist` tarball picks --init systemd by itself,
# lxcfs.service runs (prestart, the daemon, check-lxcfs, remount --all), Restart=always brings
# back a killed daemon with its ExecStopPost cleanup, the watchdog timer restarts a hung one,
# and --uninstall removes units, mounts and files. Under load, `systemctl restart` and `systemctl
# kill -s KILL` are takeovers: the connection waits in systemd's fd store, no read fails.

load helpers-deploy

setup_file() {
	command -v podman >/dev/null || return 0
	make -C "$REPO" dist >"$BATS_FILE_TMPDIR/dist.log" 2>&1 || { tail "$BATS_FILE_TMPDIR/dist.log" >&3; return 1; }
	sd_image
}

setup() {
	deploy_setup
	command -v podman >/dev/null || skip "podman is not installed"
	SD_NAME=lxcfs-e2e-sd-$$-${BATS_SUITE_TEST_NUMBER:-0}
	TGZ=$(ls "$REPO"/build/lxcfs-*.tar.gz | head -1)
}

teardown() {
	dpm rm -f -t 2 "$SD_NAME" >/dev/null 2>&1
	deploy_teardown
}

# in_sd CMD: a shell command in the systemd container; status and output set, output logged
in_sd() { dpm_sh "$SD_NAME" "$1"; }

# pid of the daemon systemd runs, and the mounts at the mount point
# the daemon's pid, or nothing while systemd restarts it (no pidfile for a moment)
sd_daemon() { dpm exec "$SD_NAME" cat /run/lxcfs/lxcfs.pid 2>/dev/null || true; }
sd_mounts() { dpm exec "$SD_NAME" sh -c 'findmnt -rn --mountpoint /var/lib/lxcfs | wc -l'; }
sd_healthy() { dpm exec "$SD_NAME" lxcfs-toolkit -c /etc/lxcfs/lxcfs.conf check-lxcfs >/dev/null 2>&1; }

@test "systemd as PID 1 (in a container): install.sh --init auto runs lxcfs.service; Restart=always and the watchdog timer recover a killed and a hung daemon; --uninstall removes everything but the config" {
	sd_start "$SD_NAME" "$SD_IMG" -v "$TGZ:/dist.tgz:ro"
	local old new m0 t0
	in_sd 'tar -C /tmp -xzf /dist.tgz && cd /tmp/lxcfs-*/ && ./install.sh --hooks none'
	assert_success  # install.sh succeeds
	[[ "$output" == *"init: systemd (auto)"* ]]
	[[ "$output" == *"run: systemctl enable --now lxcfs.service lxcfs-watchdog.timer"* ]]
	in_sd 'systemctl is-active lxcfs.service lxcfs-watchdog.timer; systemctl show -p OOMScoreAdjust,KillMode,Restart lxcfs.service'
	[[ "$output" == *$'active\nactive'* ]]
	[[ "$output" == *"OOMScoreAdjust=-1000"* && "$output" == *"KillMode=process"* && "$output" == *"Restart=always"* ]]
	sd_healthy
	# the seccomp agent started with the daemon (the installed config turns it on)
	in_sd 'lxcfs-toolkit -c /etc/lxcfs/lxcfs.conf check-lxcfs'
	[[ "$output" == *"seccomp agent: listening on /run/lxcfs/seccomp.sock, 0 containers"* ]]
	m0=$(sd_mounts)
	assert [ "$m0" -eq 2 ]  # the shared bind and the daemon's mount

	# kill -9: systemd restarts it on the connection it kept in its fd store (a takeover)
	old=$(sd_daemon)
	t0=$(date +%s%N)
	dpm exec "$SD_NAME" sh -c "kill -9 $old"
	wait_for 'new=$(sd_daemon); [ -n "$new" ] && [ "$new" != "$old" ] && sd_healthy' 10 ""
	report "systemd restarted the killed daemon: healthy again after $((($(date +%s%N) - t0) / 1000000)) ms"
	assert_not_equal "$new" "$old"  # a new daemon
	sd_healthy
	assert [ "$(sd_mounts)" -eq "$m0" ]  # no mount stacked by the restart

	# SIGSTOP: only the timer's check-lxcfs can see it (every 10 s)
	old=$new
	t0=$(date +%s%N)
	dpm exec "$SD_NAME" sh -c "kill -STOP $old"
	wait_for 'new=$(sd_daemon); [ "$new" != "$old" ] && sd_healthy' 30 ""
	report "the watchdog timer restarted the hung daemon: healthy again after $((($(date +%s%N) - t0) / 1000000)) ms"
	assert_not_equal "$new" "$old"  # a new daemon after the hang
	sd_healthy
	assert [ "$(sd_mounts)" -eq "$m0" ]  # no mount stacked by the hang recovery
	in_sd 'journalctl -u lxcfs-watchdog.service --no-pager | grep -c "timed out"'

	in_sd 'cd /tmp/lxcfs-*/ && ./install.sh --uninstall >/dev/null 2>&1 && systemctl is-active lxcfs.service;
		ls /etc/systemd/system | grep -c lxcfs; findmnt -rn --mountpoint /var/lib/lxcfs | wc -l;
		ls /usr/local/bin | wc -l; ls /etc/lxcfs; ls -d /var/lib/lxcfs 2>&1 | grep -c "No such"'
	[[ "$output" == $'inactive\n0\n0\n0\nlxcfs.conf\n1' ]] || fail "something is left after --uninstall"
}

@test "systemd as PID 1: systemctl restart and systemctl kill -s KILL lxcfs under load: no failed read, no value lost, no remount" {
	local i out old reader=$REPO/build/tools/lxcfs-reader kb
	[ -x "$reader" ] || fail "$reader is missing: run make tools"
	sd_start "$SD_NAME" "$SD_IMG" -v "$TGZ:/dist.tgz:ro" -v "$reader:/lxcfs-reader:ro"
	in_sd 'tar -C /tmp -xzf /dist.tgz && cd /tmp/lxcfs-*/ && ./install.sh --hooks none >/dev/null'
	assert_success
	wait_for sd_healthy 20 "the daemon serves"
	# a container-like reader: its own pid namespace, so it reads its own inodes (page cache)
	kb=$(dpm exec "$SD_NAME" unshare -p -f --mount-proc sh -c 'awk "/^MemTotal/ {print \$2}" /var/lib/lxcfs/proc/meminfo')
	assert [ -n "$kb" ]
	dpm exec -d "$SD_NAME" unshare -p -f /lxcfs-reader 300 /tmp/out /tmp/stop "$kb" 1 \
		/var/lib/lxcfs/proc/meminfo /var/lib/lxcfs/proc/cpuinfo /var/lib/lxcfs/proc/stat \
		/var/lib/lxcfs/proc/uptime /var/lib/lxcfs/proc/swaps /var/lib/lxcfs/sys/devices/system/cpu/online
	sleep 1
	for i in 1 2 3; do
		old=$(sd_daemon)
		in_sd 'systemctl restart lxcfs.service'
		[ "$status" -eq 0 ] || {
			printf '%s\n' "$output"
			in_sd 'journalctl -u lxcfs.service --no-pager | tail -40'
			printf '#   journal: %s\n' "${lines[@]}"
			fail "systemctl restart $i failed"
		}
		wait_for '[ "$(sd_daemon)" != "$old" ] && sd_healthy' 20 "a new daemon after restart $i"
		sleep 0.5
		old=$(sd_daemon)
		in_sd 'systemctl kill -s KILL lxcfs.service'
		wait_for '[ -n "$(sd_daemon)" ] && [ "$(sd_daemon)" != "$old" ] && sd_healthy' 20 \
			"a new daemon after kill $i"
		sleep 0.5
	done
	in_sd 'touch /tmp/stop; for i in $(seq 100); do [ -s /tmp/out ] && break; sleep 0.1; done; cat /tmp/out'
	out=$output
	report "reader: $out"
	assert_output --regexp '^reads=[1-9][0-9]* fails=0 host=0 wrong=0 '
	in_sd 'journalctl -u lxcfs.service --no-pager | grep -cE "taken over|umount --all"'
	in_sd 'journalctl -u lxcfs.service --no-pager | grep -c "umount --all"'
	assert_output 0 # never the remount path
}
