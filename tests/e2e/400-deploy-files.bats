#!/usr/bin/env bats
# The shipped deployment files, checked offline: systemd units (systemd-analyze verify, no
# systemd as PID 1 needed), the Kubernetes manifests (yamllint and a schema check of every
# object), the ConfigMap's config accepted by the daemon and the toolkit. Each check is also
# shown to fail on a broken copy, so a pass means something.

load helpers-deploy

PY=/usr/bin/python3
K8S=$REPO/deploy/kubernetes

# render_units DIR: the units with the binaries of this tree, as install.sh renders them
render_units() {
	local f
	mkdir -p "$1"
	for f in "$REPO"/deploy/systemd/*.service "$REPO"/deploy/systemd/*.timer; do
		sed -e "s|/usr/local/bin/|$REPO/build/|g" "$f" >"$1/$(basename "$f")"
	done
}

# verify_units FILE...: systemd-analyze verify; fails on a non-zero status or any message.
# The units' Documentation=man:... pages are looked up with `man` in this tree's build/man
# only (MANPATH; VERIFY_MANPATH overrides it), never in what the machine has installed.
verify_units() {
	local out rc=0 manpath=${VERIFY_MANPATH:-$REPO/build/man}
	[ -f "$REPO/build/man/man1/lxcfs.1" ] || { fail "no man pages in $REPO/build/man (make man)"; return 1; }
	command -v man >/dev/null || { fail "man missing (apt-get install man-db)"; return 1; }
	out=$(cd "$(dirname "$1")" && MANPATH=$manpath systemd-analyze verify "$@" 2>&1) || rc=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   verify: /'
	[ "$rc" -eq 0 ] && [ -z "$out" ]
}

@test "systemd: the units pass systemd-analyze verify and carry the required directives" {
	command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (apt-get install systemd)"
	local d=$BATS_TEST_TMPDIR/units u=$REPO/deploy/systemd/lxcfs.service
	render_units "$d"
	verify_units "$d/lxcfs.service" "$d/lxcfs-watchdog.service" "$d/lxcfs-watchdog.timer"
	# the pages they name are the tree's own
	grep -qx 'Documentation=man:lxcfs(1) man:lxcfs-toolkit(1) man:lxcfs.conf(5)' "$u"
	grep -qx 'Documentation=man:lxcfs-toolkit(1)' "$REPO/deploy/systemd/lxcfs-watchdog.service"
	grep -qE '^ExecStartPre=.*lxcfs-toolkit .* prestart$' "$u"
	grep -qE '^ExecStart=/usr/local/bin/lxcfs -f ' "$u"
	grep -qE '^ExecStartPost=.*lxcfs-toolkit .* check-lxcfs --wait [0-9]+$' "$u"
	grep -qE '^ExecStartPost=.*lxcfs-toolkit .* remount --all --stale-only$' "$u"
	# a stop (not a restart, not a crash: the connection lives on in the fd store) puts the
	# containers on the host's files and detaches the mount point
	grep -qE "^ExecStopPost=-/bin/sh -c 'systemctl list-jobs --no-legend %n \| grep -qw stop \|\| exit 0; .*lxcfs-toolkit .* umount --all; exec /usr/bin/umount -l /var/lib/lxcfs'$" "$u"
	grep -qx 'Type=notify' "$u"
	grep -qE '^FileDescriptorStoreMax=[1-9]' "$u"  # the daemon stores its /dev/fuse descriptor
	grep -qx 'ExecReload=/bin/kill -USR1 $MAINPID' "$u"  # upstream's reload: a live takeover here
	grep -qx 'Restart=always' "$u"
	grep -qx 'OOMScoreAdjust=-1000' "$u"
	grep -qx 'KillMode=process' "$u"
	# the ExecStartPost order: health first, then the containers
	[ "$(grep -n 'check-lxcfs' "$u" | cut -d: -f1)" -lt "$(grep -n 'remount --all' "$u" | cut -d: -f1)" ]
	# the pair: the timer runs the check, which restarts the unit when it fails
	grep -qE '^OnUnitActiveSec=' "$REPO/deploy/systemd/lxcfs-watchdog.timer"
	grep -qE 'check-lxcfs \|\| exec systemctl restart lxcfs.service' "$REPO/deploy/systemd/lxcfs-watchdog.service"
}

@test "systemd: verify catches a broken unit and a missing man page (the check can fail)" {
	local d=$BATS_TEST_TMPDIR/units
	render_units "$d"
	sed -i 's/^KillMode=process/KilMode=process/' "$d/lxcfs.service"
	run verify_units "$d/lxcfs.service"
	printf '%s\n' "$output"
	assert_failure  # a misspelt directive fails
	render_units "$d"
	sed -i "s|$REPO/build/lxcfs -f|$REPO/build/no-such-binary -f|" "$d/lxcfs.service"
	run verify_units "$d/lxcfs.service"
	printf '%s\n' "$output"
	assert_failure  # a missing binary fails
	# the pages are looked up where MANPATH says: none there, verify fails
	render_units "$d"
	mkdir -p "$BATS_TEST_TMPDIR/noman"
	VERIFY_MANPATH=$BATS_TEST_TMPDIR/noman run verify_units "$d/lxcfs.service"
	printf '%s\n' "$output"
	assert_failure  # no lxcfs(1) in MANPATH fails
	[[ "$output" == *"Command 'man lxcfs(1)' failed"* ]]
}

@test "kubernetes: yamllint and the schema check pass on every manifest" {
	command -v yamllint >/dev/null || fail "yamllint missing (apt-get install yamllint)"
	run yamllint -c "$K8S/.yamllint" "$K8S"
	printf '%s\n' "$output" | sed 's/^/#   /'
	assert_success  # yamllint
	run "$PY" "$K8S/validate.py" "$K8S"/*.yaml
	printf '%s\n' "$output" | sed 's/^/#   /'
	assert_success  # schema check
	[[ "$output" == *"3 objects checked, 0 errors"* ]]
}

@test "kubernetes: the DaemonSet is privileged, hostPID, Bidirectional /var/lib, probed by check-lxcfs, preStop umount --all, on every node" {
	"$PY" - "$K8S/lxcfs-daemonset.yaml" "$K8S/example-pod.yaml" <<'EOF'
import sys, yaml
ds = yaml.safe_load(open(sys.argv[1]))
spec = ds["spec"]["template"]["spec"]
c = spec["containers"][0]
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
vols = {v["name"]: v for v in spec["volumes"]}
assert c["securityContext"]["privileged"] is True, "privileged"
assert spec["hostPID"] is True, "hostPID"
# the hostPath is the mount point's parent, Bidirectional
assert mounts["/host/var/lib"]["mountPropagation"] == "Bidirectional", "Bidirectional"
assert vols[mounts["/host/var/lib"]["name"]]["hostPath"]["path"] == "/var/lib"
assert {"name": "LXCFS_MOUNTPOINT", "value": "/host/var/lib/lxcfs"} in c["env"]
assert vols[mounts["/run/lxcfs"]["name"]]["hostPath"]["path"] == "/run/lxcfs", "state"
assert vols[mounts["/sys/fs/cgroup"]["name"]]["hostPath"]["path"] == "/sys/fs/cgroup", "cgroup"
assert "check-lxcfs" in c["livenessProbe"]["exec"]["command"], "liveness"
assert c["lifecycle"]["preStop"]["exec"]["command"][-2:] == ["umount", "--all"], "preStop"
assert {"operator": "Exists"} in spec["tolerations"], "tolerations"
assert c["resources"]["requests"]["cpu"] and c["resources"]["requests"]["memory"], "requests"
assert any(v.get("configMap") for v in spec["volumes"]), "the ConfigMap is mounted"
pod = yaml.safe_load(open(sys.argv[2]))
pm = pod["spec"]["containers"][0]["volumeMounts"]
pv = {v["name"]: v for v in pod["spec"]["volumes"]}
files = {m["mountPath"] for m in pm}
for f in ["cpuinfo", "diskstats", "loadavg", "meminfo", "partitions", "stat", "swaps", "uptime"]:
    assert "/proc/" + f in files, f
assert "/sys/devices/system/cpu/online" in files
for m in pm:
    assert m["mountPropagation"] == "HostToContainer", m
    hp = pv[m["name"]]["hostPath"]
    assert hp["path"] == "/var/lib/lxcfs" + m["mountPath"] and hp["type"] == "File", hp
print("ok")
EOF
}

@test "kubernetes: the schema check fails on broken copies (unknown field, bad enum, dangling volume, selector mismatch, bad INI key)" {
	local d=$BATS_TEST_TMPDIR/k8s
	check_broken() { # SED_EXPR FILE EXPECTED_MESSAGE
		rm -rf "$d"
		cp -r "$K8S" "$d"
		sed -i "$1" "$d/$2"
		run "$PY" "$d/validate.py" "$d"/*.yaml
		printf '%s\n' "$output" | sed 's/^/#   /'
		assert_failure 1 || return 1  # schema check fails after: $1
		[[ "$output" == *"$3"* ]] || { fail "no \`$3' in the output"; return 1; }
	}
	check_broken 's/mountPropagation: HostToContainer/mountPropogation: HostToContainer/' example-pod.yaml "unknown field \`mountPropogation\`"
	check_broken 's/hostPID: true/hostPID: "yes"/' lxcfs-daemonset.yaml "expected a boolean"
	check_broken 's/mountPropagation: HostToContainer/mountPropagation: Sideways/' example-pod.yaml "'Sideways' is not one of"
	check_broken '0,/- name: cgroup$/s//- name: cgroups/' lxcfs-daemonset.yaml "volumeMount \`cgroups\` names no volume"
	check_broken '/matchLabels:/{n;s/name: lxcfs/name: other/}' lxcfs-daemonset.yaml "does not match the template's labels"
	check_broken 's/check_timeout = 2/check_timout = 2/' lxcfs-configmap.yaml "unknown key \`check_timout\` in [toolkit]"
	check_broken 's/cpu: 50m/cpu: fifty/' lxcfs-daemonset.yaml "is not a resource quantity"
}

@test "kubernetes: the ConfigMap's lxcfs.conf is accepted by the daemon and the toolkit" {
	local conf=$BATS_TEST_TMPDIR/lxcfs.conf
	"$PY" -c 'import sys, yaml; sys.stdout.write(yaml.safe_load(open(sys.argv[1]))["data"]["lxcfs.conf"])' \
		"$K8S/lxcfs-configmap.yaml" >"$conf"
	run "$TK" -c "$conf" status --help
	assert_success  # the toolkit reads the [toolkit] section
	# the daemon mounts with it (mount point and pidfile from the command line)
	start_daemon -c "$conf"
	run_tk 0 --mountpoint "$LXCFS_MNT" --pidfile "$LXCFS_PIDFILE" check-lxcfs
}

@test "packages: the staged conffile turns the seccomp agent on at /run/lxcfs/seccomp.sock (where seccomp-profile points) and the daemon and the toolkit accept it; a tree without the line fails the staging" {
	command -v jq >/dev/null || skip "jq is not installed"
	local d=$BATS_TEST_TMPDIR/stage conf
	(cd "$REPO" && deploy/packages/stage.sh "$d" /usr /lib/systemd/system) >"$BATS_TEST_TMPDIR/stage.log" 2>&1 ||
		{ sed 's/^/#   /' "$BATS_TEST_TMPDIR/stage.log"; false; }
	conf=$d/etc/lxcfs/lxcfs.conf
	assert_equal "$(grep -c '^seccomp_listener = /run/lxcfs/seccomp.sock$' "$conf")" 1  # one seccomp_listener line, in [lxcfs]
	assert_equal "$(awk '/^\[/ {s = $0} /^seccomp_listener/ {print s}' "$conf")" "[lxcfs]"
	assert_equal "$("$REPO/build/lxcfs-toolkit" seccomp-profile | jq -r .listenerPath)" /run/lxcfs/seccomp.sock  # the profile's default listener is the same path
	# the daemon parses it: a bad value there would be refused (exit 2) before it mounts
	run "$REPO/build/lxcfs-toolkit" -c "$conf" status --help
	assert_success
	sed 's|^seccomp_listener = .*|seccomp_listener = relative.sock|' "$conf" >"$BATS_TEST_TMPDIR/bad.conf"
	local mnt
	new_mountpoint mnt
	LXCFS_TIMEOUT=10 run_lxcfs 2 -f -c "$BATS_TEST_TMPDIR/bad.conf" "$mnt"
	assert_output --partial "seccomp_listener"
	# an example without the commented line: stage.sh says so and fails
	local tree=$BATS_TEST_TMPDIR/tree
	mkdir -p "$tree/deploy"
	cp -r "$REPO/deploy/systemd" "$REPO/deploy/packages" "$REPO/deploy/hooks" "$tree/deploy/"
	grep -v '^#seccomp_listener' "$REPO/deploy/lxcfs.conf.example" >"$tree/deploy/lxcfs.conf.example"
	run sh -c "cd '$tree' && B='$REPO/build' deploy/packages/stage.sh '$BATS_TEST_TMPDIR/stage2' /usr /lib/systemd/system"
	assert_failure
	assert_output --partial "no seccomp_listener line in deploy/lxcfs.conf.example"
}
