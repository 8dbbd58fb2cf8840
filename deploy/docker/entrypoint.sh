#!/bin/sh
# Entrypoint of the lxcfs image: lxcfs in a privileged container serving the host.
#
#   podman run -d --name lxcfs --privileged --pid=host --cgroupns=host --network=host \
#     -v /var/lib:/host/var/lib:rshared -v /sys/fs/cgroup:/sys/fs/cgroup \
#     -v /run/lxcfs:/run/lxcfs lxcfs
#
# The volume is the PARENT of the mount point: after a crash /var/lib/lxcfs is a dead FUSE
# mount that a runtime cannot even stat ("transport endpoint is not connected"), so a volume of
# it would stop the restart; the parent can always be bound. It must be shared (rshared; the
# host's /var/lib is on a shared mount on systemd hosts): the daemon mounts on
# /host/var/lib/lxcfs here and the mount appears at the host's /var/lib/lxcfs, once.
# At start:
# 1. clean what a crash or a reboot left: every mount at the mount point (a stale FUSE mount,
#    an old bind; each detach propagates to the host; a LIVE lxcfs there means another instance
#    serves it: exit 1), and empty directories that a hostPath or a bind mount re-created
#    where the daemon's files belong while it was down (e.g. proc/meminfo made a directory);
# 2. no `prestart` bind: a bind of the mount point made from here would be a peer of its
#    parent's mount and the host would get every daemon mount twice; the parent's shared
#    propagation does that job;
# 3. the toolkit's watchdog runs the daemon (--no-prestart): it restarts a daemon that dies
#    or hangs and gives every container started with the hook its own view again.
# /run/lxcfs holds the pidfile and the container registry that the host's hooks write, and the
# seccomp agent's socket (seccomp.sock): the host's runtimes connect to it for containers whose
# seccomp profile notifies sysinfo (lxcfs-toolkit seccomp-profile), and get their own sysinfo(2).
# Environment: LXCFS_MOUNTPOINT (/host/var/lib/lxcfs), LXCFS_CONFIG (/etc/lxcfs/lxcfs.conf),
# LXCFS_STATE_DIR (/run/lxcfs), LXCFS_INTERVAL (1), LXCFS_ARGS (more daemon options, e.g.
# "-l --enable-cfs"), LXCFS_SECCOMP_LISTENER (the agent's socket, LXCFS_STATE_DIR/seccomp.sock;
# empty: no agent, unless the config sets seccomp_listener).
set -eu
MP=${LXCFS_MOUNTPOINT:-/host/var/lib/lxcfs}
MP=${MP%/}
CONFIG=${LXCFS_CONFIG:-/etc/lxcfs/lxcfs.conf}
STATE=${LXCFS_STATE_DIR:-/run/lxcfs}
INTERVAL=${LXCFS_INTERVAL:-1}
ARGS=${LXCFS_ARGS:-}
SECCOMP=${LXCFS_SECCOMP_LISTENER-$STATE/seccomp.sock}
TK="lxcfs-toolkit --mountpoint $MP --pidfile $STATE/lxcfs.pid --registry $STATE/containers"
[ -f "$CONFIG" ] && TK="$TK -c $CONFIG"

log() { echo "lxcfs-entrypoint: $*" >&2; }
top() { findmnt -n -o FSTYPE --mountpoint "$MP" 2>/dev/null | tail -1; }

mkdir -p "$STATE/containers"
[ -d "$(dirname "$MP")" ] || { log "$(dirname "$MP") is missing: mount the host's parent directory there"; exit 1; }

# 1a. every mount at the mount point goes (top first)
i=0
while [ -n "$(top)" ]; do
	if [ "$(top)" = fuse.lxcfs ] && timeout 3 cat "$MP/proc/meminfo" >/dev/null 2>&1; then
		log "a live lxcfs is mounted on $MP already (another instance?): not starting a second"
		exit 1
	fi
	log "detaching a $(top) mount left on $MP"
	umount -l "$MP"
	i=$((i + 1))
	[ $i -lt 32 ] || { log "too many stacked mounts on $MP"; exit 1; }
done
mkdir -p "$MP"
# 1b. empty directories re-created where the daemon's files belong (-depth: children first,
#     so a directory that -delete empties goes too)
find "$MP" -mindepth 1 -depth -type d -empty \
	-printf "lxcfs-entrypoint: removing %p (an empty directory left where lxcfs files belong)\n" \
	-delete >&2 || true
# a stale pidfile would name a dead daemon
rm -f "$STATE/lxcfs.pid"

# the seccomp agent (sysinfo): its socket, unless disabled (the option wins over the config)
[ -z "$SECCOMP" ] || ARGS="--seccomp-listener $SECCOMP $ARGS"

# 3. the watchdog runs the daemon; SIGTERM (podman stop, kubelet) reaches it directly
log "starting the watchdog: lxcfs -f $ARGS on $MP"
# shellcheck disable=SC2086
exec $TK watchdog --interval "$INTERVAL" --no-prestart \
	--exec "lxcfs -f -p $STATE/lxcfs.pid $([ -f "$CONFIG" ] && echo "-c $CONFIG") $ARGS $MP"
