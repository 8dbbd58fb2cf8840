#!/bin/sh
# Entrypoint of the lxcfs image: lxcfs in a privileged container serving the host.
#
#   podman run -d --name lxcfs --privileged --pid=host --cgroupns=host --network=host \
#     -v /var/lib/lxcfs:/var/lib/lxcfs:rshared -v /sys/fs/cgroup:/sys/fs/cgroup \
#     -v /run/lxcfs:/run/lxcfs lxcfs
#
# 1. cleans what a crash or a reboot left: a stale FUSE mount at the mount point (reads give
#    ENOTCONN) and empty directories under it that a hostPath or a bind mount re-created while
#    the daemon was down (e.g. proc/meminfo made a directory by `-v .../proc/meminfo:...`);
# 2. `lxcfs-toolkit prestart` on the mount point (a shared bind mount of itself);
# 3. the toolkit's watchdog running the daemon: it restarts a daemon that dies or hangs and
#    gives every container started with the hook its own view again (remount --all).
# Environment: LXCFS_MOUNTPOINT (/var/lib/lxcfs), LXCFS_CONFIG (/etc/lxcfs/lxcfs.conf),
# LXCFS_STATE_DIR (/run/lxcfs: pidfile and the container registry the host's hooks write),
# LXCFS_INTERVAL (1), LXCFS_ARGS (more daemon options, e.g. "-l --enable-cfs").
set -eu
MP=${LXCFS_MOUNTPOINT:-/var/lib/lxcfs}
MP=${MP%/}
CONFIG=${LXCFS_CONFIG:-/etc/lxcfs/lxcfs.conf}
STATE=${LXCFS_STATE_DIR:-/run/lxcfs}
INTERVAL=${LXCFS_INTERVAL:-1}
ARGS=${LXCFS_ARGS:-}
TK="lxcfs-toolkit --mountpoint $MP --pidfile $STATE/lxcfs.pid --registry $STATE/containers"
[ -f "$CONFIG" ] && TK="$TK -c $CONFIG"

log() { echo "lxcfs-entrypoint: $*" >&2; }

mkdir -p "$MP" "$STATE/containers"

# 1a. a FUSE mount with no daemon behind it: detach (repeatedly: mounts may be stacked)
i=0
while [ "$(findmnt -n -o FSTYPE --mountpoint "$MP" 2>/dev/null | tail -1)" = fuse.lxcfs ]; do
	if timeout 3 cat "$MP/proc/meminfo" >/dev/null 2>&1; then
		log "a live lxcfs is mounted on $MP already (another instance?): not starting a second"
		exit 1
	fi
	log "detaching a stale lxcfs mount on $MP"
	umount -l "$MP"
	i=$((i + 1))
	[ $i -lt 32 ] || { log "too many stacked mounts on $MP"; exit 1; }
done
# 1b. empty directories a hostPath/bind re-created where the daemon's files belong
find "$MP" -mindepth 1 -depth -type d -empty -print 2>/dev/null | while read -r d; do
	log "removing $d (an empty directory left where an lxcfs file belongs)"
	rmdir "$d" || true
done
# a stale pidfile would name a dead daemon
rm -f "$STATE/lxcfs.pid"

# 2. the mount point: a shared bind mount of itself
$TK prestart

# 3. the watchdog runs the daemon; SIGTERM (podman stop, kubelet) reaches it directly
log "starting the watchdog: lxcfs -f $ARGS on $MP"
# shellcheck disable=SC2086
exec $TK watchdog --interval "$INTERVAL" \
	--exec "lxcfs -f -p $STATE/lxcfs.pid $([ -f "$CONFIG" ] && echo "-c $CONFIG") $ARGS $MP"
