#!/usr/bin/env bats
# LXC: busybox containers (lxc-create -t busybox, lxc.net.0.type = empty) in a temporary
# lxcpath (-P), their cgroups under this run's parent (lxc.cgroup.dir), started with the
# shipped snippet deploy/lxc/lxcfs.conf included (lxc.hook.start-host and post-stop running
# `lxcfs-toolkit hook --lxc`). The hook reads this test's toolkit config through
# LXCFS_TOOLKIT_CONFIG, which lxc-start passes to its hooks: a temporary mount point and
# registry, never the host's /var/lib/lxcfs. Everything is stopped, destroyed and removed after.

load helpers-deploy

# a container LXC starts here without our snippet, or the reason it cannot
setup_file() {
	local p=$BATS_FILE_TMPDIR/probe name=probe reason=""
	command -v lxc-start >/dev/null || reason="LXC is not installed"
	[ -n "$reason" ] || [ -x /usr/share/lxc/templates/lxc-busybox ] || reason="no LXC busybox template"
	[ -n "$reason" ] || command -v busybox >/dev/null || reason="the busybox template needs busybox on PATH"
	if [ -z "$reason" ] && [ "$(id -u)" -eq 0 ]; then
		mkdir -p "$p"
		printf 'lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\nlxc.cgroup.dir = %s/probe\n' \
			"$TK_CG_PARENT" >"$p/conf"
		if ! timeout 60 lxc-create -P "$p" -n $name -t busybox -f "$p/conf" >"$p/create.log" 2>&1; then
			reason="lxc-create -t busybox fails here: $(tail -1 "$p/create.log")"
		elif ! timeout 60 lxc-start -P "$p" -n $name -d -o "$p/start.log" ||
			! timeout 10 lxc-wait -P "$p" -n $name -s RUNNING -t 10; then
			reason="LXC cannot start a container here: $(grep -m1 ERROR "$p/start.log")"
		fi
		timeout 30 lxc-stop -P "$p" -n $name -k >/dev/null 2>&1
		timeout 30 lxc-destroy -P "$p" -n $name -f >/dev/null 2>&1
		local d
		for d in /sys/fs/cgroup/*/"$TK_CG_PARENT" /sys/fs/cgroup/unified/"$TK_CG_PARENT"; do
			remove_cgroup_tree "$d"
		done
		rm -rf "$p"
	fi
	echo "$reason" >"$BATS_FILE_TMPDIR/skip"
}

setup() {
	deploy_setup
	local reason
	reason=$(cat "$BATS_FILE_TMPDIR/skip")
	[ -z "$reason" ] || skip "$reason"
	LXCP=$(mktemp -d /tmp/lxcfs-e2e-lxc.XXXXXX) # the lxcpath: every container's directory
	_DEPLOY_DIRS+=("$LXCP")
	_LXC=()
	SNIPPET=$BATS_TEST_TMPDIR/lxcfs-lxc.conf
	sed "s|/usr/local/bin/lxcfs-toolkit|$TK|" "$REPO/deploy/lxc/lxcfs.conf" >"$SNIPPET"
	grep -q "^lxc.hook.start-host = $TK hook --lxc\$" "$SNIPPET" || {
		fail "deploy/lxc/lxcfs.conf has no start-host hook line"
		return 1
	}
}

teardown() {
	local n
	for n in "${_LXC[@]}"; do
		timeout 30 lxc-stop -P "$LXCP" -n "$n" -k >/dev/null 2>&1
		timeout 30 lxc-destroy -P "$LXCP" -n "$n" -f >/dev/null 2>&1 || log "could not destroy $n"
	done
	_LXC=()
	# a test that failed half way through an install: the installer's own uninstall first
	if [ -n "${INSTALLED:-}" ] && [ -f "$T/prefix/share/lxcfs/install-manifest" ]; then
		"$DIST/install.sh" --prefix "$T/prefix" --uninstall >/dev/null 2>&1 3>&- || true
	fi
	deploy_teardown
}

# tk_conf: the toolkit config the hook reads: this test's mount point, pidfile and registry
tk_conf() {
	TK_CONF=$BATS_TEST_TMPDIR/toolkit.conf
	TK_LOG=$BATS_TEST_TMPDIR/toolkit.log
	printf '[toolkit]\nmountpoint = %s\npidfile = %s\nregistry = %s\nengine = none\nlog = %s\n' \
		"$LXCFS_MNT" "$LXCFS_PIDFILE" "$TK_REG" "$TK_LOG" >"$TK_CONF"
}

# lxc_make NAME MEM_BYTES CPUS [INCLUDE]: a busybox container with that memory limit and
# cpuset, its cgroup under this run's parent, INCLUDE (default: the snippet) included
lxc_make() {
	local name=$1 conf=$BATS_TEST_TMPDIR/$1.conf
	cat >"$conf" <<EOF
lxc.net.0.type = empty
lxc.apparmor.profile = unconfined
lxc.cgroup.memory.limit_in_bytes = $2
lxc.cgroup.cpuset.cpus = $3
lxc.cgroup.dir = $TK_CG_PARENT/$name
lxc.include = ${4:-$SNIPPET}
EOF
	_LXC+=("$name")
	timeout 60 lxc-create -P "$LXCP" -n "$name" -t busybox -f "$conf" >"$BATS_TEST_TMPDIR/$name.create" 2>&1 || {
		sed 's/^/#   /' "$BATS_TEST_TMPDIR/$name.create"
		fail "lxc-create $name failed"
	}
}

# lxc_start NAME: start it in the background, the hooks reading TK_CONF; status 0 when it
# runs (the start-host hook has run by then)
lxc_start() {
	log "\$ lxc-start -n $1"
	LXCFS_TOOLKIT_CONFIG=$TK_CONF timeout 60 lxc-start -P "$LXCP" -n "$1" -d -l INFO \
		-o "$BATS_TEST_TMPDIR/$1.log" &&
		timeout 15 lxc-wait -P "$LXCP" -n "$1" -s RUNNING -t 10
}

# lxc_in NAME CMD...: CMD in the running container (lxc-attach)
lxc_in() {
	local n=$1
	shift
	timeout 30 lxc-attach -P "$LXCP" -n "$n" -- "$@"
}

lxc_pid() { lxc-info -P "$LXCP" -n "$1" -pH; }

# lxc_name SUFFIX: a container name from the test's number, short enough for status's and
# remount's 12-character id column
lxc_name() { echo "t${BATS_SUITE_TEST_NUMBER:-0}-lxc-$1"; }

# show_logs NAME: the toolkit's and LXC's logs, for a failure
show_logs() {
	log "toolkit log:"
	sed 's/^/#   /' "$TK_LOG" 2>/dev/null
	log "lxc-start log (errors):"
	grep -E 'ERROR|WARN' "$BATS_TEST_TMPDIR/$1.log" 2>/dev/null | tail -5 | sed 's/^/#   /'
}

# ctr_view NAME: "MEMTOTAL_KB CPUINFO_PROCESSORS NPROC ONLINE" as the container sees them
ctr_view() {
	# shellcheck disable=SC2016
	lxc_in "$1" sh -c 'echo $(awk "/^MemTotal:/ {print \$2}" /proc/meminfo) \
		$(grep -c ^processor /proc/cpuinfo) $(nproc) $(cat /sys/devices/system/cpu/online)'
}

@test "lxc: the shipped snippet gives each container its own meminfo and cpuinfo (256 MiB / 1 CPU, 512 MiB / 1 CPU); status lists them; post-stop forgets them" {
	tk_start_daemon
	tk_conf
	local a b pa pb host_cpus
	a=$(lxc_name a) b=$(lxc_name b)
	host_cpus=$(grep -c ^processor /proc/cpuinfo)
	lxc_make "$a" 268435456 1
	lxc_make "$b" 536870912 0
	# b with new-style hooks: name and type in LXC_NAME and LXC_HOOK_TYPE, no arguments
	echo 'lxc.hook.version = 1' >>"$LXCP/$b/config"
	lxc_start "$a" || { show_logs "$a"; fail "container $a did not start"; }
	lxc_start "$b" || { show_logs "$b"; fail "container $b did not start"; }
	pa=$(lxc_pid "$a") pb=$(lxc_pid "$b")
	log "$a: pid $pa, $b: pid $pb, host: $host_cpus CPUs, MemTotal $(host_memtotal) kB"
	grep -q "container $a (pid $pa): attached" "$TK_LOG" || { show_logs "$a"; fail "the start-host hook did not bind into $a"; }

	run lxc_in "$a" cat /proc/meminfo
	assert_success
	assert_line --regexp '^MemTotal: +262144 kB$'  # 256 MiB in the first container
	local va vb
	va=$(ctr_view "$a") vb=$(ctr_view "$b")
	log "view of $a: $va; of $b: $vb (MemTotal kB, cpuinfo processors, nproc, online)"
	assert_equal "$va" "262144 1 1 1"  # container a: 256 MiB, one CPU (CPU 1 of the host, shown as its online list)
	assert_equal "$vb" "524288 1 1 0"  # container b: 512 MiB, one CPU (CPU 0)
	# busybox free: the available column is meminfo's (its total is sysinfo(2)'s, the host's)
	run lxc_in "$a" free -k
	assert_success
	assert [ "$(awk '/^Mem:/ {print $NF}' <<<"$output")" -le 262144 ]  # free's available within the container's 256 MiB
	# looked up from each container's pid namespace: each has an inode of its own
	local ia ib
	ia=$(lxc_in "$a" stat -c %i /proc/meminfo) ib=$(lxc_in "$b" stat -c %i /proc/meminfo)
	log "inode of /proc/meminfo in $a: $ia, in $b: $ib"
	assert_not_equal "$ia" "$ib"  # the two containers' meminfo are different inodes
	# every file bound from the container's own lookup: a live lxcfs mount on each
	assert [ "$(lxcfs_file_mounts_in "$pa")" -ge 8 ]  # lxcfs mounts in container a

	# the registry and status
	run jq -r '"\(.id) \(.name) \(.pid)"' "$TK_REG/$a.json"
	assert_output "$a $a $pa"
	run_tk 0 status
	assert_line --regexp "^$a +$a +$pa( +live)+ *\$"  # status lists container a, every file live
	assert_line --regexp "^$b +$b +$pb( +live)+ *\$"  # and container b

	# post-stop forgets the container, and only that one
	timeout 30 lxc-stop -P "$LXCP" -n "$a" -k
	wait_for "[ ! -e '$TK_REG/$a.json' ]" 10 "the post-stop hook did not remove the record of $a"
	assert [ -e "$TK_REG/$b.json" ]  # container b's record stays
	grep -q "LXC container $a stopped: record removed" "$TK_LOG"
	# a post-stop naming another pid (a container of that name in another lxcpath) keeps the
	# record; the hook types that run before LXC names the init are refused
	LXC_NAME=$b LXC_PID=1 LXC_HOOK_TYPE=post-stop run_tk 0 hook --lxc
	assert [ -e "$TK_REG/$b.json" ]  # b's record, naming pid $pb, kept
	LXC_NAME=$b LXC_HOOK_TYPE=mount run_tk 2 hook --lxc
	assert_output --partial "hook type \`mount\` is not start-host or post-stop"
	run_tk 2 hook --lxc "$b" net up
	assert_output --partial "only lxc hooks are handled"
}

@test "lxc: the daemon killed and restarted: remount --all and --container-id NAME bind the live files again" {
	tk_start_daemon
	tk_conf
	local a b out
	a=$(lxc_name a) b=$(lxc_name b)
	lxc_make "$a" 268435456 1
	lxc_make "$b" 536870912 0
	lxc_start "$a" || { show_logs "$a"; fail "container $a did not start"; }
	lxc_start "$b" || { show_logs "$b"; fail "container $b did not start"; }
	assert_equal "$(ctr_view "$a")" "262144 1 1 1"  # container a's view before the crash

	kill -KILL "$LXCFS_PID"
	wait_gone "$LXCFS_PID" 5
	out=$(lxc_in "$a" head -1 /proc/meminfo 2>&1) || true
	log "with the daemon dead, container a reads: $out"
	tk_restart_daemon
	run_tk 0 remount --all
	assert_line --regexp "^remounted $a \\($a, pid [0-9]+\\): attached"  # remount --all covers container a
	assert_line "remounted 2 of 2 containers"
	assert_equal "$(ctr_view "$a")" "262144 1 1 1"  # container a's own values again
	assert_equal "$(ctr_view "$b")" "524288 1 1 0"  # and container b's

	kill -KILL "$LXCFS_PID"
	wait_gone "$LXCFS_PID" 5
	tk_restart_daemon
	run_tk 0 remount --container-id "$b"
	assert_line "remounted 1 of 1 containers"
	assert_equal "$(ctr_view "$b")" "524288 1 1 0"  # remount --container-id NAME: container b's values
	run_tk 0 status
	assert_line --regexp "^$b +$b +[0-9]+( +live)+ *\$"  # b live
	assert_line --regexp "^$a +$a +[0-9]+( +stale)+ *\$"  # a, left out, still holds the dead daemon's files
}

@test "lxc: the daemon down at start: the container starts with the host's files, recorded degraded (--strict: it does not start); remount --all gives it its own once the daemon is up" {
	tk_new_mountpoint
	run_tk 0 prestart
	tk_conf
	local a b strict
	a=$(lxc_name a) b=$(lxc_name b)
	lxc_make "$a" 268435456 1
	lxc_start "$a" || { show_logs "$a"; fail "container $a did not start with the daemon down"; }
	grep -q "container $a starts with the host's /proc: lxcfs is not healthy" "$TK_LOG"
	run jq -r '"\(.id) \(.degraded)"' "$TK_REG/$a.json"
	assert_output "$a true"  # recorded as degraded
	assert_equal "$(lxc_in "$a" awk '/^MemTotal:/ {print $2}' /proc/meminfo)" "$(host_memtotal)"  # the host's meminfo
	# the snippet with --strict: the hook fails, LXC does not start the container
	strict=$BATS_TEST_TMPDIR/strict.conf
	sed 's/ hook --lxc$/ hook --lxc --strict/' "$SNIPPET" >"$strict"
	grep -q -- '--lxc --strict$' "$strict"
	lxc_make "$b" 536870912 0 "$strict"
	run lxc_start "$b"
	assert_failure  # --strict with the daemon down: no container
	assert [ ! -e "$TK_REG/$b.json" ]  # and no record
	assert [ "$(lxc-info -P "$LXCP" -n "$b" -sH)" = STOPPED ]

	tk_restart_daemon
	run_tk 0 remount --all
	assert_line "remounted 1 of 1 containers"
	assert_equal "$(ctr_view "$a")" "262144 1 1 1"  # its own values now
	run jq -r .degraded "$TK_REG/$a.json"
	assert_output false  # no longer degraded
}

@test "lxc: a rootfs whose /proc/meminfo is a symlink: the hook refuses it, LXC does not start the container, nothing is mounted" {
	tk_start_daemon
	tk_conf
	local a rootfs
	a=$(lxc_name a)
	lxc_make "$a" 268435456 1
	rootfs=$LXCP/$a/rootfs
	# LXC mounts no proc on the rootfs's own /proc (sysfs as usual), whose meminfo points away
	ln -s ../etc/passwd "$rootfs/proc/meminfo"
	cp "$rootfs/etc/passwd" "$BATS_TEST_TMPDIR/passwd"
	printf 'lxc.mount.auto =\nlxc.mount.auto = cgroup:mixed sys:ro\n' >>"$LXCP/$a/config"
	run lxc_start "$a"
	assert_failure  # LXC does not start the container
	show_logs "$a"
	grep -q "refusing to mount into the container" "$TK_LOG"  # the hook said why
	assert [ ! -e "$TK_REG/$a.json" ]  # no record
	cmp "$rootfs/etc/passwd" "$BATS_TEST_TMPDIR/passwd"
	assert [ -L "$rootfs/proc/meminfo" ]  # the symlink is as it was
	# nothing of ours was mounted in our namespace over the rootfs or its target
	assert [ -z "$(findmnt -rn -o TARGET | grep -F "$rootfs")" ]
	assert [ "$(lxc-info -P "$LXCP" -n "$a" -sH)" = STOPPED ]
}

@test "lxc: install.sh --hooks lxc puts the snippet in LXC's common.conf.d (here a temporary one) and a container including it gets its files; --uninstall removes both" {
	make -C "$REPO" dist >"$BATS_TEST_TMPDIR/make-dist.log" 2>&1 || {
		tail -20 "$BATS_TEST_TMPDIR/make-dist.log"
		fail "make dist"
	}
	tar -C "$BATS_TEST_TMPDIR" -xzf "$(ls "$REPO"/build/lxcfs-*.tar.gz | head -1)"
	DIST=$(ls -d "$BATS_TEST_TMPDIR"/lxcfs-*/ | head -1)
	DIST=${DIST%/}
	[ -f "$DIST/lxc/lxcfs.conf" ]  # the tarball ships the snippet
	T=$(mktemp -d /tmp/lxcfs-e2e-inst.XXXXXX)
	_DEPLOY_DIRS+=("$T")
	register mount "$T/mnt"
	_MOUNTS+=("$T/mnt")
	export LXCFS_LXC_CONF_DIR=$T/common.conf.d
	LXCFS_PIDFILE=$T/run/lxcfs.pid LXCFS_MNT=$T/mnt
	_WD_PIDFILES+=("$T/run/lxcfs-watchdog.pid")
	INSTALLED=1
	run timeout 120 "$DIST/install.sh" --prefix "$T/prefix" --mountpoint "$T/mnt" \
		--config "$T/etc/lxcfs.conf" --state-dir "$T/run" --log "$T/log/watchdog.log" \
		--init none --hooks lxc 3>&-
	assert_success  # install.sh --hooks lxc
	assert_output --partial "LXC: containers started from now on get the files"
	assert_equal "$(grep -v '^#' "$T/common.conf.d/00-lxcfs-toolkit.conf")" \
		"lxc.include = $T/prefix/share/lxcfs/lxc/lxcfs.conf"  # common.conf.d includes the installed snippet
	grep -qx "lxc.hook.start-host = $T/prefix/bin/lxcfs-toolkit -c $T/etc/lxcfs.conf --mountpoint $T/mnt --pidfile $T/run/lxcfs.pid --registry $T/run/containers hook --lxc" \
		"$T/prefix/share/lxcfs/lxc/lxcfs.conf"

	# a container including common.conf.d's file (the busybox template's config does not
	# include LXC's common.conf): its files from the installed daemon, recorded in the
	# install's registry; the hook's options are the install's, whatever the environment says
	local a pa
	a=$(lxc_name a)
	TK_CONF=/dev/null TK_LOG=$T/log/watchdog.log
	lxc_make "$a" 268435456 1 "$T/common.conf.d/00-lxcfs-toolkit.conf"
	lxc_start "$a" || { show_logs "$a"; fail "container $a did not start"; }
	pa=$(lxc_pid "$a")
	assert_equal "$(ctr_view "$a")" "262144 1 1 1"  # the installed hook's view: 256 MiB, one CPU
	run jq -r .pid "$T/run/containers/$a.json"
	assert_output "$pa"
	timeout 30 lxc-stop -P "$LXCP" -n "$a" -k
	wait_for "[ ! -e '$T/run/containers/$a.json' ]" 10 "post-stop did not remove the record"

	run timeout 120 "$DIST/install.sh" --prefix "$T/prefix" --uninstall 3>&-
	assert_success  # uninstall
	INSTALLED=
	assert [ ! -e "$T/common.conf.d/00-lxcfs-toolkit.conf" ]  # removed from common.conf.d
	assert [ ! -e "$T/common.conf.d" ]  # and the directory the install made
	assert [ ! -e "$T/prefix/share/lxcfs/lxc/lxcfs.conf" ]  # the snippet too
}
