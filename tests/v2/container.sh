#!/bin/sh
# Guest side (busybox sh). A container-like process, as in the bats suite:
#   container.sh CGROUP_DIR MOUNTPOINT CMD...
# joins CGROUP_DIR (cgroup2), then runs CMD as pid 1 of a new pid + mount namespace with proc
# mounted afresh and lxcfs's files from MOUNTPOINT bind-mounted over /proc/* and
# /sys/devices/system/cpu/online.
if [ "$1" = --inner ]; then
	mnt=$2
	shift 2
	for f in cpuinfo diskstats loadavg meminfo partitions stat swaps uptime; do
		mount -o bind "$mnt/proc/$f" "/proc/$f" || { echo "# cannot bind /proc/$f" >&2; exit 125; }
	done
	mount -o bind "$mnt/sys/devices/system/cpu/online" /sys/devices/system/cpu/online ||
		{ echo "# cannot bind cpu/online" >&2; exit 125; }
	[ -n "$READY" ] && echo $$ >"$READY"
	exec "$@"
fi
cg=$1 mnt=$2
shift 2
echo $$ >"$cg/cgroup.procs" || { echo "# cannot join $cg" >&2; exit 125; }
exec unshare -p -f --mount-proc --propagation private sh "$0" --inner "$mnt" "$@"
