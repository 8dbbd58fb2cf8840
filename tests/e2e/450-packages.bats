#!/usr/bin/env bats
# The Debian and RPM packages (make deb, make rpm; deploy/packages). Built from this tree and
# checked offline: lintian on the .debs, rpm -qp queries on the .rpms. Then installed for real,
# with apt-get, in Debian 12 containers made from the base image of 440-systemd.bats (plus man,
# runc, jq and busybox for a container inside; no network at run time): with systemd as PID 1
# the install brings up a healthy daemon, `man lxcfs` works, a runc container started with the
# installed OCI hook sees its limits, an upgrade to a rebuilt higher revision keeps an edited
# config and the container's view, and a purge leaves no mount, unit or file; a failing postinst
# names its step and leaves the host as it was; without systemd (an image build) the install
# only installs files.

load helpers-deploy

V=$(sed -n 's/^VERSION *:= *//p' "$REPO/Makefile")
DEBS=$REPO/build/deb
RPMS=$REPO/build/rpm/RPMS/$(uname -m)
# per checkout, removed at the end of the file
PKG_IMG=localhost/lxcfs-e2e-packages:$(echo "$REPO" | md5sum | cut -c1-8)

setup_file() {
	local t
	for t in dpkg-buildpackage dh lintian rpmbuild jq; do
		command -v $t >/dev/null || { echo "# $t is missing: run make deps" >&3; return 1; }
	done
	# revision 2 first: the build tree left behind is revision 1's, the one lintian checks
	make -C "$REPO" deb PKG_RELEASE=2 >"$BATS_FILE_TMPDIR/deb2.log" 2>&1 &&
		make -C "$REPO" deb >"$BATS_FILE_TMPDIR/deb.log" 2>&1 || {
		tail -30 "$BATS_FILE_TMPDIR"/deb*.log >&3
		return 1
	}
	# what runs inside the containers: a busybox bundle whose hooks are the installed OCI hook
	mkdir -p "$BATS_FILE_TMPDIR/in"
	cat >"$BATS_FILE_TMPDIR/in/runc-start.sh" <<'EOF'
#!/bin/sh
# runc-start.sh NAME MEM_BYTES CPUS: a runc container NAME with those limits, annotated
# io.lxcfs.enable=true, its prestart and poststop hooks the ones podman takes from the
# installed hooks.d/lxcfs.json for such a container
set -eu
name=$1 mem=$2 cpus=$3 hook=/usr/share/containers/oci/hooks.d/lxcfs.json
jq -e '.when.annotations | to_entries
	| any(.key as $k | .value as $v | ("io.lxcfs.enable" | test($k)) and ("true" | test($v)))' \
	$hook >/dev/null || { echo "the hook does not apply to io.lxcfs.enable=true"; exit 1; }
r=/tmp/$name/rootfs
mkdir -p $r/bin $r/proc $r/sys $r/dev $r/tmp $r/etc
cp /bin/busybox $r/bin/
for a in sh cat awk sleep grep; do ln -sf busybox $r/bin/$a; done
cd /tmp/$name && runc spec
# the cgroup namespace is the systemd container's: cgroupsPath is below its cgroup
jq --argjson h "$(jq -c .hook $hook)" --arg name "$name" --argjson mem "$mem" --arg cpus "$cpus" '
	.root = {path: "rootfs", readonly: false} | .process.terminal = false
	| .process.args = ["sleep", "100000"] | .annotations = {"io.lxcfs.enable": "true"}
	| .mounts |= map(select(.type != "cgroup")) | .linux.cgroupsPath = "/\($name)"
	| .linux.resources.memory = {limit: $mem} | .linux.resources.cpu = {cpus: $cpus}
	| .hooks = {prestart: [$h], poststop: [$h]}' config.json >config.json.new
mv config.json.new config.json
runc run -d --bundle /tmp/$name $name </dev/null
EOF
	command -v podman >/dev/null || return 0
	sd_image && apt_image "$PKG_IMG" "$SD_IMG" man-db runc jq busybox-static
}

teardown_file() {
	command -v podman >/dev/null || return 0
	dpm rmi -f "$PKG_IMG" >/dev/null 2>&1 || true
}

setup() {
	deploy_setup
	PK_NAME=lxcfs-e2e-pkg-$$-${BATS_SUITE_TEST_NUMBER:-0}
}

teardown() {
	command -v podman >/dev/null && dpm rm -f -t 2 "$PK_NAME" >/dev/null 2>&1
	deploy_teardown
}

need_podman() { command -v podman >/dev/null || skip "podman is not installed"; }

# in_pk CMD: a shell command in the test's container (status, output; output logged)
in_pk() { dpm_sh "$PK_NAME" "$1"; }

# apt_install DEB...: apt-get install of files in /debs, no network (the libraries are there)
apt_install() {
	in_pk "cd /debs && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--force-confold $* 2>&1 | grep -v '^(Reading database'"
}

# pk_start [systemd|plain]: the test's container from PKG_IMG with the .debs in /debs
pk_start() {
	local a=(--cgroupns=private -v "$DEBS:/debs:ro" -v "$BATS_FILE_TMPDIR/in:/t:ro")
	if [ "${1:-systemd}" = systemd ]; then
		sd_start "$PK_NAME" "$PKG_IMG" "${a[@]}"
	else
		dpm run -d --name "$PK_NAME" --privileged --network none --cgroup-parent "/$TK_CG_PARENT/pk" \
			--ulimit nofile=20000:20000 --ulimit nproc=20000:20000 "${a[@]}" "$PKG_IMG" sleep 100000 >/dev/null
	fi
}

# files_snapshot FILE: every path on the container's root file system but those that change
# without us (package database, logs, caches, temporary files), and what /run holds of lxcfs
files_snapshot() {
	dpm exec "$PK_NAME" sh -c 'find / -xdev \( -path /proc -o -path /sys -o -path /dev -o \
		-path /tmp -o -path /var/tmp -o -path /var/log -o -path /var/cache -o -path /var/lib/dpkg \
		-o -path /var/lib/apt -o -path /debs -o -path /t \) -prune -o -print; ls -d /run/lxcfs* 2>/dev/null' |
		sort >"$1"
}

# deb_field DEB FIELD, deb_files DEB
deb_field() { dpkg-deb -f "$1" "$2"; }
deb_files() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|; s|/$||' | grep -v '^$'; }

# deb_depends DEB: its Depends one a line, versions reduced to their operator ("libc6 (>=)")
deb_depends() { deb_field "$1" Depends | tr ',' '\n' | sed -E 's/^ +//; s/\((>=|=) [^)]*\)/(\1)/' | LC_ALL=C sort; }

# dpkg_owner PATH: the package holding PATH on this machine (under /usr or not: merged /usr)
dpkg_owner() {
	local o
	o=$(dpkg -S "$1" 2>/dev/null || dpkg -S "/usr${1#/usr}" 2>/dev/null || dpkg -S "${1#/usr}" 2>/dev/null) || return 1
	echo "${o%%:*}"
}

# deb_linked DEB BIN: "PACKAGE (>=)" for each library /usr/bin/BIN in DEB links: its NEEDED
# entries (whatever the Makefile links), the file ldd finds for each, the package holding it
deb_linked() {
	local bin=$BATS_TEST_TMPDIR/$2.bin needed so path pkg
	dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/bin/$2" >"$bin" && chmod +x "$bin"
	needed=$(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}')
	[ -n "$needed" ] || return 1
	ldd "$bin" | awk '$2 == "=>" {print $1, $3}' | while read -r so path; do
		grep -qxF "$so" <<<"$needed" || continue
		pkg=$(dpkg_owner "$path") || return 1
		echo "$pkg (>=)"
	done
}

@test "deb: lxcfs and lxcfs-toolkit: lintian finds no error and no warning; files, conffile, dependencies, hook files" {
	local arch d t f m pc dev mods
	arch=$(dpkg --print-architecture)
	d=$DEBS/lxcfs_${V}-1_$arch.deb t=$DEBS/lxcfs-toolkit_${V}-1_$arch.deb
	[ -f "$d" ] && [ -f "$t" ]
	# the overridden tags with their reasons, for the log (--show-overrides counts them as found)
	lintian --show-overrides "$d" "$t" 2>&1 | sed 's/^/#   lintian: /'
	run lintian --fail-on error,warning "$d" "$t"
	printf '%s\n' "$output" | sed 's/^/#   lintian --fail-on: /'
	assert_success  # lintian: no error, no warning
	# the check can fail: without the overrides, their warnings fail it
	run lintian --fail-on error,warning --no-override "$d" "$t"
	assert_failure  # lintian --no-override fails on the overridden warnings

	# the split: the daemon, its unit and config; the toolkit and everything that runs it
	deb_files "$d" >"$BATS_TEST_TMPDIR/d"
	deb_files "$t" >"$BATS_TEST_TMPDIR/t"
	for f in /usr/bin/lxcfs /lib/systemd/system/lxcfs.service /etc/lxcfs/lxcfs.conf /var/lib/lxcfs; do
		grep -qx "$f" "$BATS_TEST_TMPDIR/d" || fail "lxcfs lacks $f"
	done
	for f in /usr/bin/lxcfs-toolkit /lib/systemd/system/lxcfs-watchdog.service \
		/lib/systemd/system/lxcfs-watchdog.timer /usr/share/containers/oci/hooks.d/lxcfs.json \
		/usr/share/lxcfs/hooks/lxcfs-always.json /var/lib/isulad/hooks/hookspec.json \
		/var/lib/lcrd/hooks/hookspec.json /usr/libexec/lxcfs-toolkit/package-service; do
		grep -qx "$f" "$BATS_TEST_TMPDIR/t" || fail "lxcfs-toolkit lacks $f"
	done
	! grep -q toolkit "$BATS_TEST_TMPDIR/d"
	! grep -q '/usr/local' "$BATS_TEST_TMPDIR/d" "$BATS_TEST_TMPDIR/t"
	if [ -d "$REPO/deploy/man" ]; then
		grep -qx /usr/share/man/man1/lxcfs.1.gz "$BATS_TEST_TMPDIR/d"
		grep -qx /usr/share/man/man5/lxcfs.conf.5.gz "$BATS_TEST_TMPDIR/d"
		grep -qx /usr/share/man/man1/lxcfs-toolkit.1.gz "$BATS_TEST_TMPDIR/t"
	else
		log "skipped: the man pages (this tree has no deploy/man yet)"
	fi
	if [ -d "$REPO/deploy/lxc" ]; then
		grep -q '^/usr/share/lxcfs/lxc/' "$BATS_TEST_TMPDIR/t" || fail "no LXC snippet"
	else
		log "skipped: the LXC snippet (this tree has no deploy/lxc yet)"
	fi

	# dependencies: the packages of exactly the libraries each binary links, each with its minimum
	# version (not libcurl, which the toolkit loads with dlopen: only recommended)
	log "lxcfs: $(deb_field "$d" Depends) | $(deb_field "$d" Recommends)"
	log "lxcfs-toolkit: $(deb_field "$t" Depends) | $(deb_field "$t" Recommends)"
	assert_equal "$(deb_depends "$d")" "$({ echo mount; deb_linked "$d" lxcfs; } | LC_ALL=C sort -u)"  # lxcfs: mount and its libraries
	assert_equal "$(deb_depends "$t")" "$({ echo 'lxcfs (=)'; deb_linked "$t" lxcfs-toolkit; } | LC_ALL=C sort -u)"  # lxcfs-toolkit: the daemon and its libraries
	[[ "$(deb_field "$t" Depends)" == "lxcfs (= $V-1), "* ]]
	# and the build dependencies: every pkg-config module the Makefile builds with, by the -dev
	# package holding it (Debian) and by pkgconfig(MODULE) (RPM)
	mods=$(sed -n 's/^CFLAGS *+= *$(shell pkg-config --cflags \(.*\) 2>.*/\1/p' "$REPO/Makefile")
	[ -n "$mods" ] || fail "no pkg-config --cflags line in the Makefile"
	for m in $mods; do
		pc=$(pkg-config --variable=pcfiledir "$m")/$m.pc
		dev=$(dpkg_owner "$pc") || fail "no package holds $pc"
		sed -n '/^Build-Depends:/,/^[^ ]/p' "$REPO/deploy/packages/debian/control" | tr ',|' '\n\n' |
			sed -E 's/^ *(Build-Depends:)? *//; s/ .*//' | grep -qxF -- "$dev" ||
			fail "debian/control: $dev ($m) is not in Build-Depends"
		grep -q "^BuildRequires:.*pkgconfig($m)" "$REPO/deploy/packages/rpm/lxcfs.spec" ||
			fail "lxcfs.spec: no BuildRequires pkgconfig($m)"
	done
	assert_equal "$(deb_field "$t" Recommends)" "libcurl4 | libcurl3-gnutls"  # libcurl recommended
	assert_equal "$(deb_field "$d" Recommends)" "lxcfs-toolkit"  # the daemon's unit runs the toolkit
	# the soname the toolkit loads is the one libcurl4 ships
	grep -q '"libcurl.so.4"' "$REPO/toolkit/lib/curl_dl.c"

	# the conffile, and every file naming the paths the units use
	assert_equal "$(dpkg-deb --ctrl-tarfile "$d" | tar -xO ./conffiles)" /etc/lxcfs/lxcfs.conf  # one conffile
	dpkg-deb --fsys-tarfile "$d" | tar -xO ./etc/lxcfs/lxcfs.conf >"$BATS_TEST_TMPDIR/conf"
	assert [ "$(grep -c '^pidfile = /run/lxcfs/lxcfs.pid$' "$BATS_TEST_TMPDIR/conf")" -eq 2 ]  # the config's pidfile is the unit's, in both sections
	grep -qx 'seccomp_listener = /run/lxcfs/seccomp.sock' "$BATS_TEST_TMPDIR/conf"  # the seccomp agent is on, in the unit's RuntimeDirectory
	dpkg-deb --fsys-tarfile "$d" | tar -xO ./lib/systemd/system/lxcfs.service >"$BATS_TEST_TMPDIR/unit"
	grep -qx 'ExecStart=/usr/bin/lxcfs -f -c /etc/lxcfs/lxcfs.conf -p /run/lxcfs/lxcfs.pid /var/lib/lxcfs' "$BATS_TEST_TMPDIR/unit"
	grep -q '^ExecStartPre=/usr/bin/lxcfs-toolkit ' "$BATS_TEST_TMPDIR/unit"
	dpkg-deb --fsys-tarfile "$t" | tar -xO ./usr/share/containers/oci/hooks.d/lxcfs.json >"$BATS_TEST_TMPDIR/hook"
	assert_equal "$(jq -r .hook.path "$BATS_TEST_TMPDIR/hook")" /usr/bin/lxcfs-toolkit  # the OCI hook runs the packaged toolkit
	assert_equal "$(jq -r '.hook.args | join(" ")' "$BATS_TEST_TMPDIR/hook")" \
		"lxcfs-toolkit --mountpoint /var/lib/lxcfs --pidfile /run/lxcfs/lxcfs.pid --registry /run/lxcfs/containers hook"  # with the units' paths
	dpkg-deb --fsys-tarfile "$t" | tar -xO ./var/lib/lcrd/hooks/hookspec.json >"$BATS_TEST_TMPDIR/spec"
	assert_equal "$(jq -r '[.prestart[0].path, (.prestart[0].args | join(" ")), (.poststop[0].args | join(" "))] | join(";")' "$BATS_TEST_TMPDIR/spec")" \
		"/usr/bin/lxcfs-toolkit;lxcfs-toolkit --mountpoint /var/lib/lxcfs --pidfile /run/lxcfs/lxcfs.pid --registry /run/lxcfs/containers hook --stage prestart;lxcfs-toolkit --mountpoint /var/lib/lxcfs --pidfile /run/lxcfs/lxcfs.pid --registry /run/lxcfs/containers hook --stage poststop"  # the iSulad hook spec
	dpkg-deb --fsys-tarfile "$t" | tar -xO ./var/lib/isulad/hooks/hookspec.json | cmp - "$BATS_TEST_TMPDIR/spec"
}

@test "rpm: lxcfs and lxcfs-toolkit: rpm -qpl, -qp --scripts, --requires and --recommends show the files, scriptlets and dependencies" {
	make -C "$REPO" rpm >"$BATS_TEST_TMPDIR/rpm.log" 2>&1 || { tail -30 "$BATS_TEST_TMPDIR/rpm.log"; false; }
	local d=$RPMS/lxcfs-$V-1.$(uname -m).rpm t=$RPMS/lxcfs-toolkit-$V-1.$(uname -m).rpm man_d="" man_t=""
	if [ -d "$REPO/deploy/man" ]; then
		# (compressed where rpmbuild's brp-compress runs, as on RPM distributions; not here)
		man_d=$'\n/usr/share/man/man1/lxcfs.1\n/usr/share/man/man5/lxcfs.conf.5'
		man_t=$'\n/usr/share/man/man1/lxcfs-toolkit.1'
	else
		log "skipped: the man pages (this tree has no deploy/man yet)"
	fi
	run sh -c 'rpm -qpl "$1" | sed "s/\.gz$//"' sh "$d"
	printf '%s\n' "$output" | sed 's/^/#   lxcfs: /'
	assert_output "$(printf '%s\n' /etc/lxcfs /etc/lxcfs/lxcfs.conf /usr/bin/lxcfs \
		/usr/lib/systemd/system/lxcfs.service $man_d /var/lib/lxcfs | sed '/^$/d' | LC_ALL=C sort)"  # lxcfs's files
	run sh -c 'rpm -qpl "$1" | sed "s/\.gz$//"' sh "$t"
	printf '%s\n' "$output" | sed 's/^/#   lxcfs-toolkit: /'
	for f in /usr/bin/lxcfs-toolkit /usr/lib/systemd/system/lxcfs-watchdog.service \
		/usr/lib/systemd/system/lxcfs-watchdog.timer /usr/libexec/lxcfs-toolkit/package-service \
		/usr/share/containers/oci/hooks.d/lxcfs.json /usr/share/lxcfs/hooks/lxcfs-always.json \
		/var/lib/isulad/hooks/hookspec.json /var/lib/lcrd/hooks/hookspec.json ${man_t}; do
		[[ $'\n'"$output"$'\n' == *$'\n'"$f"$'\n'* ]] || fail "lxcfs-toolkit lacks $f"
	done
	[[ "$output" != *lxcfs.service* && "$output" != */usr/bin/lxcfs$'\n'* ]]
	if [ -d "$REPO/deploy/lxc" ]; then
		[[ "$output" == */usr/share/lxcfs/lxc/* ]] || fail "no LXC snippet"
	fi
	# the config: %config(noreplace)
	assert_equal "$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$d" | awk '$2 == "/etc/lxcfs/lxcfs.conf" {print $1}')" cn  # lxcfs.conf is %config(noreplace)

	run rpm -qp --requires "$d"
	printf '%s\n' "$output" | sed 's/^/#   lxcfs requires: /'
	[[ "$output" == *"libfuse3.so.3()(64bit)"* && "$output" == *"libinih.so.1()(64bit)"* && "$output" == *"/usr/bin/umount"* ]]
	# json-c: the seccomp agent reads runc's state; libcurl is the toolkit's, loaded on first use
	[[ "$output" == *"libjson-c.so.5()(64bit)"* && "$output" != *curl* ]]
	run rpm -qp --requires "$t"
	printf '%s\n' "$output" | sed 's/^/#   lxcfs-toolkit requires: /'
	[[ "$output" == *"lxcfs = $V-1"* && "$output" == *"libjson-c.so.5()(64bit)"* && "$output" == *"libinih.so.1()(64bit)"* ]]
	[[ "$output" != *fuse* && "$output" != *curl* ]] || fail "the toolkit must not require libfuse3 or libcurl"
	assert_equal "$(rpm -qp --recommends "$t")" "libcurl.so.4()(64bit)"  # libcurl recommended (dlopened)
	assert_equal "$(rpm -qp --recommends "$d")" "lxcfs-toolkit = $V-1"  # the daemon's unit runs the toolkit

	run rpm -qp --scripts "$t"
	printf '%s\n' "$output" | sed 's/^/#   lxcfs-toolkit scripts: /'
	[[ "$output" == *"postinstall scriptlet"*"package-service configure upgrade"*"package-service configure"* ]]
	[[ "$output" == *"preuninstall scriptlet"*'if [ "$1" -eq 0 ]'*"package-service remove"* ]]
	[[ "$output" == *"postuninstall scriptlet"*"daemon-reload"* ]]
	run rpm -qp --scripts "$d"
	printf '%s\n' "$output" | sed 's/^/#   lxcfs scripts: /'
	[[ "$output" == *"preuninstall scriptlet"*"disable --now lxcfs.service"* ]]
	[[ "$output" == *"postuninstall scriptlet"*"rm -rf /run/lxcfs"* ]]
	# every scriptlet is valid sh
	local s
	for s in "$d" "$t"; do
		rpm -qp --qf '%{POSTIN}\n' "$s" | sh -n
		rpm -qp --qf '%{PREUN}\n' "$s" | sh -n
		rpm -qp --qf '%{POSTUN}\n' "$s" | sh -n
	done
}

@test "deb: with systemd as PID 1: install gives a healthy lxcfs, man lxcfs, a runc container with the installed hook sees its limits; an upgrade keeps an edited config and the view; purge leaves no mount, unit or file" {
	need_podman
	local arch old new host_mem
	arch=$(dpkg --print-architecture)
	pk_start
	files_snapshot "$BATS_TEST_TMPDIR/before"

	apt_install "./lxcfs_${V}-1_$arch.deb ./lxcfs-toolkit_${V}-1_$arch.deb"
	assert_success  # apt-get install
	[[ "$output" == *"step 6: check that the daemon answers"* ]]
	in_pk 'lxcfs-toolkit check-lxcfs && systemctl is-active lxcfs.service lxcfs-watchdog.timer &&
		systemctl is-enabled lxcfs.service lxcfs-watchdog.timer'
	assert_success  # healthy, active and enabled
	[[ "$output" == *"lxcfs is healthy: /var/lib/lxcfs"* ]]
	[[ "$output" == *"seccomp agent: listening on /run/lxcfs/seccomp.sock, 0 containers"* ]]  # the agent runs with the daemon
	if [ -d "$REPO/deploy/man" ]; then
		in_pk 'man lxcfs | grep -c . && man 5 lxcfs.conf | grep -c . && man lxcfs-toolkit | grep -c .'
		assert_success  # man lxcfs, lxcfs.conf(5) and lxcfs-toolkit
	else
		log "skipped: man lxcfs (this tree has no deploy/man yet)"
	fi

	# a container as podman starts it with the installed hook: 192 MiB, CPU 0
	in_pk 'sh /t/runc-start.sh pk-c1 201326592 0'
	assert_success  # runc run with the installed hook
	in_pk 'runc exec pk-c1 awk "/^MemTotal:/ {print \$2}" /proc/meminfo; runc exec pk-c1 cat /sys/devices/system/cpu/online'
	assert_output $'196608\n0'  # the container sees its memory limit and its one CPU

	# upgrade to revision 2 with an edited config
	in_pk 'sed -i "s/^check_timeout = 2$/check_timeout = 3/" /etc/lxcfs/lxcfs.conf && cat /run/lxcfs/lxcfs.pid'
	old=$output
	apt_install "./lxcfs_${V}-2_$arch.deb ./lxcfs-toolkit_${V}-2_$arch.deb"
	assert_success  # apt-get install of revision 2
	[[ "$output" == *"Unpacking lxcfs ($V-2) over ($V-1)"* ]]
	[[ "$output" == *"restart lxcfs.service (an upgrade: running containers keep working)"* ]]
	in_pk 'dpkg-query -W -f "\${Version} " lxcfs lxcfs-toolkit; echo; grep -c "^check_timeout = 3$" /etc/lxcfs/lxcfs.conf; ls /etc/lxcfs'
	assert_output "$V-2 $V-2 "$'\n1\nlxcfs.conf'  # upgraded; the edited config kept as it was, no .dpkg-dist beside it
	in_pk 'cat /run/lxcfs/lxcfs.pid'
	new=$output
	assert_not_equal "$new" "$old"  # the daemon was restarted (pid $old -> $new)
	in_pk "readlink /proc/$new/exe; lxcfs-toolkit check-lxcfs"
	[[ "$output" == $'/usr/bin/lxcfs\n'* ]] || fail "the daemon does not run the new binary"
	in_pk 'runc exec pk-c1 awk "/^MemTotal:/ {print \$2}" /proc/meminfo; runc exec pk-c1 cat /sys/devices/system/cpu/online'
	assert_output $'196608\n0'  # after the upgrade the container sees its own values again

	# purge: the container goes on with the host's files; nothing of lxcfs is left
	in_pk 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q lxcfs lxcfs-toolkit 2>&1 | grep -v "^(Reading database"'
	assert_success  # apt-get purge
	[[ "$output" == *"umount --all"* ]]
	host_mem=$(dpm exec "$PK_NAME" awk '/^MemTotal:/ {print $2}' /proc/meminfo)
	in_pk 'runc exec pk-c1 awk "/^MemTotal:/ {print \$2}" /proc/meminfo'
	assert_output "$host_mem"  # after the purge the container reads the host's meminfo
	in_pk 'runc exec pk-c1 cat /proc/self/mountinfo | awk "/ - fuse\\.lxcfs / && \$5 ~ \"^/(proc|sys)/\"" | wc -l'
	assert [ "$output" -eq 0 ]  # no lxcfs file left mounted in the container
	in_pk 'grep -c " - fuse.lxcfs " /proc/self/mountinfo; findmnt -rn --mountpoint /var/lib/lxcfs | wc -l'
	assert_output $'0\n0'  # no lxcfs mount left
	in_pk 'systemctl list-units --all "lxcfs*" --no-legend' # (in the log: what is left, if anything)
	in_pk 'systemctl list-unit-files "lxcfs*" --no-legend | wc -l; systemctl list-units --all "lxcfs*" --no-legend | wc -l;
		grep -l lxcfs /proc/[0-9]*/comm 2>/dev/null | wc -l'
	assert_output $'0\n0\n0'  # no unit file, no loaded unit, no process left
	files_snapshot "$BATS_TEST_TMPDIR/after"
	run diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	printf '%s\n' "$output" | sed 's/^/#   files: /'
	assert_success  # the purge leaves no file or directory behind
}

@test "deb: a failing postinst names its step and leaves the host as it was; once the cause is fixed, dpkg --configure -a completes" {
	need_podman
	local arch
	arch=$(dpkg --print-architecture)
	pk_start
	# a config that parses but on which the daemon cannot start: the start step fails
	in_pk "mkdir /etc/lxcfs && dpkg-deb --fsys-tarfile /debs/lxcfs_${V}-1_$arch.deb | tar -xO ./etc/lxcfs/lxcfs.conf |
		sed 's|^cgroup_root = .*|cgroup_root = /nonexistent|' >/etc/lxcfs/lxcfs.conf"
	apt_install "./lxcfs_${V}-1_$arch.deb ./lxcfs-toolkit_${V}-1_$arch.deb"
	[[ "$output" == *"step 5 (start lxcfs.service lxcfs-watchdog.timer) failed: "* ]] || fail "the failing step is not named"
	[[ "$output" == *"undoing what this run changed"* && "$output" != *"undo failed"* ]]
	in_pk 'dpkg-query -W -f "\${Status}\n" lxcfs-toolkit; systemctl is-active lxcfs.service lxcfs-watchdog.timer;
		systemctl is-enabled lxcfs.service lxcfs-watchdog.timer; findmnt -rn --mountpoint /var/lib/lxcfs | wc -l;
		ls -d /run/lxcfs 2>&1 | grep -c "No such"; grep -l lxcfs /proc/[0-9]*/comm 2>/dev/null | wc -l'
	assert_output $'install ok half-configured\ninactive\ninactive\ndisabled\ndisabled\n0\n1\n0'  # half-configured; nothing running, enabled or mounted, no runtime directory

	in_pk 'sed -i "s|^cgroup_root = .*|cgroup_root = /sys/fs/cgroup|" /etc/lxcfs/lxcfs.conf && dpkg --configure -a'
	assert_success  # dpkg --configure -a
	in_pk 'lxcfs-toolkit check-lxcfs && systemctl is-enabled lxcfs.service lxcfs-watchdog.timer'
	assert_success  # healthy and enabled after the fix
}

@test "deb: without systemd as PID 1 (an image build): the install puts the files in place and enables the units for the next boot; nothing starts or mounts; purge removes it all" {
	need_podman
	local arch
	arch=$(dpkg --print-architecture)
	pk_start plain
	files_snapshot "$BATS_TEST_TMPDIR/before"
	apt_install "./lxcfs_${V}-1_$arch.deb ./lxcfs-toolkit_${V}-1_$arch.deb"
	assert_success  # apt-get install
	[[ "$output" == *"systemd is not PID 1 here: lxcfs.service is not started"* ]]
	in_pk 'grep -c " /var/lib/lxcfs " /proc/self/mountinfo; grep -l lxcfs /proc/[0-9]*/comm 2>/dev/null | wc -l; ls -d /run/lxcfs 2>&1 | grep -c "No such";
		readlink /etc/systemd/system/multi-user.target.wants/lxcfs.service /etc/systemd/system/timers.target.wants/lxcfs-watchdog.timer'
	assert_output $'0\n0\n1\n/lib/systemd/system/lxcfs.service\n/lib/systemd/system/lxcfs-watchdog.timer'  # no mount, no process, no runtime directory; the units enabled
	# the snapshot sees what the packages and their scripts add (so an empty diff means something)
	files_snapshot "$BATS_TEST_TMPDIR/installed"
	run diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/installed"
	[[ "$output" == *"> /usr/bin/lxcfs"$'\n'* && "$output" == *"> /etc/lxcfs/lxcfs.conf"* ]]
	[[ "$output" == *"> /etc/systemd/system/multi-user.target.wants/lxcfs.service"* ]]
	[[ "$output" == *"> /var/lib/systemd/deb-systemd-helper-enabled/lxcfs.service.dsh-also"* ]]
	in_pk 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q lxcfs lxcfs-toolkit'
	assert_success  # apt-get purge
	files_snapshot "$BATS_TEST_TMPDIR/after"
	run diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	printf '%s\n' "$output" | sed 's/^/#   files: /'
	assert_success  # the purge leaves no file or directory behind
}
