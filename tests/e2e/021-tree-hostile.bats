#!/usr/bin/env bats
# A hostile process in a container (issue 16): root in the container, and an unprivileged user
# that is root in a user namespace of its own, try every way of changing our files, through
# the container's binds and through the daemon's mount point. Every attempt fails, and the
# files say afterwards what they said before (020 checks each refusal's errno as the host's
# root; this checks that nobody in a container gets further).

load helpers-toolkit

PY=/usr/bin/python3

setup() { tk_setup; }

# ATTACK FILE DIR: every change of FILE and of DIR (a directory of ours) we could think of;
# prints NAME=ERRNO for each (NAME=ALLOWED when one succeeded)
ATTACK='
import errno, mmap, os, sys
f, d = sys.argv[1], sys.argv[2]
res = []
def t(name, fn):
    try:
        fn()
        res.append(name + "=ALLOWED")
    except OSError as e:
        res.append(name + "=" + errno.errorcode.get(e.errno, str(e.errno)))
def mmap_write():
    fd = os.open(f, os.O_RDONLY)
    try:
        n = max(1, min(4096, os.fstat(fd).st_size))
        mmap.mmap(fd, n, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    finally:
        os.close(fd)
t("open-wronly", lambda: os.close(os.open(f, os.O_WRONLY)))
t("open-rdwr", lambda: os.close(os.open(f, os.O_RDWR)))
t("open-trunc", lambda: os.close(os.open(f, os.O_RDONLY | os.O_TRUNC)))
t("truncate", lambda: os.truncate(f, 0))
t("chmod", lambda: os.chmod(f, 0o666))
t("chown", lambda: os.chown(f, 65534, 65534))
t("utime", lambda: os.utime(f, (0, 0)))
t("setxattr", lambda: os.setxattr(f, "user.lxcfs", b"1"))
t("setxattr-security", lambda: os.setxattr(f, "security.lxcfs", b"1"))
t("mmap-shared-write", mmap_write)
t("create", lambda: os.close(os.open(d + "/lxcfs-hostile", os.O_CREAT | os.O_WRONLY, 0o644)))
t("mkdir", lambda: os.mkdir(d + "/lxcfs-hostile-dir"))
t("mknod", lambda: os.mkfifo(d + "/lxcfs-hostile-fifo"))
t("symlink", lambda: os.symlink("/etc/passwd", d + "/lxcfs-hostile-link"))
t("link", lambda: os.link(f, d + "/lxcfs-hostile-hard"))
t("unlink", lambda: os.unlink(d + "/" + os.path.basename(f)))
t("rename", lambda: os.rename(d + "/" + os.path.basename(f), d + "/lxcfs-renamed"))
t("rmdir", lambda: os.rmdir(d))
t("chmod-dir", lambda: os.chmod(d, 0o777))
print(" ".join(res))
'

# attack_as PID WHO FILE DIR: ATTACK in the container of init PID, as WHO: root (the
# container's) or user (uid 65534, root of a user namespace of its own)
attack_as() {
	local pid=$1 who=$2
	shift 2
	if [ "$who" = root ]; then
		container_exec "$pid" "$PY" -c "$ATTACK" "$@"
	else
		container_exec "$pid" setpriv --reuid 65534 --regid 65534 --clear-groups \
			unshare --user --map-root-user "$PY" -c "$ATTACK" "$@"
	fi
}

@test "root and a user-namespace root in a container cannot change, create, remove, chmod, truncate, setxattr or mmap-write anything of ours" {
	tk_start_daemon
	make_cgroup hostile
	make_cgroup other
	cg_set hostile memory.limit_in_bytes 200M
	cg_set other memory.limit_in_bytes 300M
	local pid who target out tree0
	start_container hostile sleep 1000
	pid=$CONTAINER_PID
	tree0=$(find "$LXCFS_MNT" -printf '%p %y %m %U %G\n' | sort)
	for who in root user; do
		# its binds of meminfo and cpu/online, and the files of the daemon's mount point
		# itself, with our directories (its /proc directory is its procfs, not ours)
		for target in "/proc/meminfo $LXCFS_MNT/proc" \
			"/sys/devices/system/cpu/online $LXCFS_MNT/sys/devices/system/cpu" \
			"$LXCFS_MNT/proc/cpuinfo $LXCFS_MNT/proc" \
			"$LXCFS_MNT/sys/devices/system/cpu/online $LXCFS_MNT/sys/devices/system/cpu"; do
			# shellcheck disable=SC2086
			out=$(attack_as "$pid" "$who" $target) || fail "attack as $who on $target: $out"
			log "$who on ${target%% *}: $out"
			[[ $out == *=* ]] || fail "no result for $who on $target: $out"
			[[ $out != *ALLOWED* ]] || fail "$who changed ${target%% *}: $out"
		done
	done
	# nothing changed: the tree, its types, modes and owners (sizes follow the host files),
	# and what each container reads
	assert_equal "$(find "$LXCFS_MNT" -printf '%p %y %m %U %G\n' | sort)" "$tree0"
	run container_exec "$pid" grep ^MemTotal: /proc/meminfo
	assert_output --regexp "^MemTotal: +$((200 * 1024)) kB$"
	run in_container other grep ^MemTotal: /proc/meminfo
	assert_output --regexp "^MemTotal: +$((300 * 1024)) kB$"
	run_tk 0 check-lxcfs
}

@test "a container reads only its own values by any path: its binds, the daemon's mount point, /proc/self/fd and /dev/fd reopens, its init's root" {
	tk_start_daemon
	make_cgroup a
	make_cgroup b
	cg_set a memory.limit_in_bytes 200M
	cg_set b memory.limit_in_bytes 300M
	local a out p
	start_container a sleep 1000
	a=$CONTAINER_PID
	# b reads while a holds its own file open and reads it (so a's inode has content)
	container_exec "$a" sh -c 'exec 3</proc/meminfo; while :; do cat <&3 >/dev/null; sleep 0.01; done' &
	_BG_PIDS+=($!)
	# shellcheck disable=SC2016
	out=$(in_container b sh -c '
		exec 3</proc/meminfo
		for p in /proc/meminfo "$0/proc/meminfo" /proc/self/fd/3 /dev/fd/3 /proc/1/root/proc/meminfo \
			/proc/self/root/proc/meminfo; do
			printf "%s %s\n" "$p" "$(grep ^MemTotal: "$p" | tr -s " ")"
		done' "$LXCFS_MNT")
	log "$out"
	assert_equal "$(wc -l <<<"$out")" 6
	while read -r p; do
		assert_equal "${p#* }" "MemTotal: $((300 * 1024)) kB"
	done <<<"$out"
	run container_exec "$a" grep ^MemTotal: "$LXCFS_MNT/proc/meminfo"
	assert_output "MemTotal:         $((200 * 1024)) kB"
}
