# shellcheck shell=bash
# Helpers for the deployment tests (tests/e2e/4*.bats): the watchdog, install.sh, the podman
# image. Builds on helpers-toolkit.bash (runc bundles, busybox rootfs, daemon mount points) and
# helpers.bash (logging, teardown), which it loads and does not change.
#
# - wd_start [WATCHDOG_ARGS...]  a new mount point and `lxcfs-toolkit watchdog --exec "lxcfs -f"`
#                                in the background (WD_PID, WD_PIDFILE, WD_LOG; LXCFS_PID follows
#                                the daemon through restarts: daemon_pid)
# - daemon_pid                   the daemon's current pid (from its pidfile)
# - wd_stop                      SIGTERM the watchdog, wait for it
# - reader_start NAME N          a reader in runc container NAME appending "<µs> <MemTotal|ERR>"
#                                lines to /tmp/reader-N.log in the rootfs (reader_log NAME N)
# - host_memtotal                MemTotal of the host's /proc/meminfo
# - lxcfs_mounts_in PID          how many fuse.lxcfs mounts PID's mount namespace has
# - lxcfs_file_mounts_in PID     the same, only those on /proc and /sys files
# - report LINE                  a line for the TAP output even when the test passes
# - now_us                       the host's clock in µs (the readers' clock too)
# - dpm ARGS...                  podman with the e2e store in E2E_CACHE (images kept between runs)
# - base_image                   BASE_IMG: Debian bookworm debootstrapped from the mirror (once)
# - apt_image IMG FROM PKG...    IMG: image FROM with the Debian packages PKG (built when missing)
# - sd_image                     SD_IMG: the base with systemd as init and the runtime libraries
# - sd_start NAME IMG [ARGS...]  a privileged container NAME from IMG with systemd as PID 1,
#                                booted (ARGS: more podman run options)
# - dpm_sh NAME CMD              a shell command in container NAME ($status, $output; logged)
#
# deploy_teardown stops every watchdog and daemon a test started (by pid), then tk_teardown.

load helpers-toolkit

_WD_PIDS=() _WD_PIDFILES=() _DEPLOY_DIRS=()

deploy_setup() {
	tk_setup
}

now_us() { date +%s%6N; }

host_memtotal() { awk '/^MemTotal:/ {print $2}' /proc/meminfo; }

daemon_pid() { [ -s "$LXCFS_PIDFILE" ] && tr -dc 0-9 <"$LXCFS_PIDFILE"; }

# lxcfs_file_mounts_in PID: fuse.lxcfs mounts on /proc/* and /sys/* files of PID's namespace
lxcfs_file_mounts_in() {
	awk '$0 ~ / - fuse\.lxcfs / && $5 ~ "^/(proc|sys)/" {n++} END {print n + 0}' "/proc/$1/mountinfo"
}

# report LINE: shown in the TAP output whether the test passes or fails (measurements)
report() {
	log "$*"
	printf '# %s\n' "$*" >&3
}

lxcfs_mounts_in() { awk '$0 ~ / - fuse\.lxcfs / {n++} END {print n + 0}' "/proc/$1/mountinfo"; }

# wd_start [ARGS...]: mount point + watchdog supervising build/lxcfs; waits until healthy
wd_start() {
	tk_new_mountpoint || return 1
	WD_PIDFILE=$BATS_TEST_TMPDIR/watchdog.pid
	WD_LOG=$BATS_TEST_TMPDIR/watchdog.log
	_WD_PIDFILES+=("$WD_PIDFILE")
	run_tk 0 --log "$WD_LOG" watchdog --watchdog-pidfile "$WD_PIDFILE" --background \
		--exec "$LXCFS -f -p $LXCFS_PIDFILE --log $LXCFS_LOG $LXCFS_MNT" "$@" || {
		[ -f "$WD_LOG" ] && sed 's/^/#   log: /' "$WD_LOG"
		return 1
	}
	WD_PID=$(tr -dc 0-9 <"$WD_PIDFILE")
	_WD_PIDS+=("$WD_PID")
	register daemon "$WD_PID"
	LXCFS_PID=$(daemon_pid)
	assert [ -n "$LXCFS_PID" ] || return 1  # the daemon's pidfile names a pid
	is_lxcfs_mount "$LXCFS_MNT" || {
		fail "no fuse.lxcfs mount at $LXCFS_MNT"
		return 1
	}
}

# wd_stop [PID]: SIGTERM the watchdog and wait (30 s) for it to exit
wd_stop() {
	local pid=${1:-$WD_PID}
	pid_alive "$pid" || return 0
	kill -TERM "$pid"
	wait_gone "$pid" 30 || {
		log "watchdog $pid did not exit 30 s after SIGTERM"
		return 1
	}
}

# reader_start NAME N: a reader in container NAME, looping over /proc/meminfo; each line of
# /tmp/reader-N.log (inside) is "<µs since the epoch> <MemTotal in kB, or ERR>"
reader_start() {
	local name=$1 n=$2
	# shellcheck disable=SC2016
	timeout 30 runc --root "$TK_RUNC_ROOT" exec -d "$name" sh -c '
		while :; do
			t=$(adjtimex | awk "/tv_sec/ {s = \$2} /tv_usec/ {u = \$2} END {printf \"%d%06d\", s, u}")
			v=$(awk "/^MemTotal:/ {print \$2}" /proc/meminfo 2>/dev/null)
			echo "$t ${v:-ERR}" >>/tmp/reader-'"$n"'.log
			usleep 10000
		done' </dev/null
}

reader_log() { echo "$BATS_TEST_TMPDIR/rootfs-$1/tmp/reader-$2.log"; }

# reader_last NAME N: the value of the last line of a reader's log
reader_last() { tail -n 1 "$(reader_log "$1" "$2")" 2>/dev/null | awk '{print $2}'; }

deploy_teardown() {
	local p f
	for p in "${_WD_PIDS[@]}"; do
		pid_alive "$p" || continue
		kill -CONT "$p" 2>/dev/null
		wd_stop "$p" || kill -KILL "$p" 2>/dev/null
	done
	for f in "${_WD_PIDFILES[@]}"; do
		[ -f "$f" ] || continue
		p=$(tr -dc 0-9 <"$f")
		[ -n "$p" ] && pid_alive "$p" && grep -qa watchdog "/proc/$p/cmdline" && kill -KILL "$p"
	done
	# the daemon the watchdog ran last (a test may have stopped it)
	if [ -n "${LXCFS_PIDFILE:-}" ]; then
		p=$(daemon_pid)
		if [ -n "$p" ] && pid_alive "$p" && grep -qa lxcfs "/proc/$p/cmdline"; then
			kill -CONT "$p" 2>/dev/null
			track_daemon "$p"
		fi
	fi
	_WD_PIDS=() _WD_PIDFILES=()
	tk_teardown
	for f in "${_DEPLOY_DIRS[@]}"; do
		findmnt -rn -o TARGET | grep -q "^$f" && log "still mounted under $f" && continue
		rm -rf "$f"
	done
	_DEPLOY_DIRS=()
	return 0
}

# ---------------------------------------------------------------- podman images

E2E_CACHE=${LXCFS_E2E_CACHE:-/var/cache/lxcfs-e2e}
BASE_TAR=$E2E_CACHE/bookworm-minbase.tar
BASE_IMG=localhost/lxcfs-e2e-base:bookworm
SD_IMG=localhost/lxcfs-e2e-systemd:bookworm

# dpm ARGS...: podman with a persistent store under E2E_CACHE (build layers survive between
# runs) and its run state in /run; the same options as the toolkit tests otherwise
dpm() {
	TMPDIR=/var/tmp timeout --kill-after=5 "${DPM_TIMEOUT:-120}" podman \
		--root "$E2E_CACHE/podman" --runroot /run/lxcfs-e2e-podman --storage-driver vfs \
		--cgroup-manager cgroupfs --runtime runc --events-backend file "$@"
}

# base_image: BASE_IMG from no registry: deploy/docker/make-base.sh debootstraps it from the
# Debian mirror once (the tarball is cached in E2E_CACHE); for setup_file (messages on fd 3)
base_image() {
	mkdir -p "$E2E_CACHE"
	if [ ! -s "$BASE_TAR" ]; then
		echo "# building the base image with debootstrap (once; cached in $E2E_CACHE)" >&3
		DPM_TIMEOUT=900 "$REPO/deploy/docker/make-base.sh" "$BASE_TAR" >"$BATS_FILE_TMPDIR/base.log" 2>&1 || {
			tail -20 "$BATS_FILE_TMPDIR/base.log" >&3
			return 1
		}
	fi
	dpm image exists "$BASE_IMG" || dpm import "$BASE_TAR" "$BASE_IMG" >/dev/null
}

# apt_image IMG FROM PACKAGE...: IMG, built from the image FROM with the Debian packages
# installed from the mirror (the build has the network; containers run from IMG need none)
apt_image() {
	local img=$1 from=$2 dir
	shift 2
	dpm image exists "$img" && return 0
	dir=$(mktemp -d "$BATS_FILE_TMPDIR/image.XXXXXX")
	printf '%s\n' "FROM $from" "RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive \\" \
		"	apt-get install -y -q --no-install-recommends $* && rm -rf /var/lib/apt/lists/*" \
		>"$dir/Containerfile"
	DPM_TIMEOUT=900 dpm build --network host -t "$img" "$dir" >"$dir/build.log" 2>&1 || {
		tail -20 "$dir/build.log" >&3
		return 1
	}
}

# sd_image: SD_IMG, systemd as PID 1 with the daemon's and the toolkit's runtime libraries and
# no compiler (440, 450)
sd_image() {
	base_image &&
		apt_image "$SD_IMG" "$BASE_IMG" systemd systemd-sysv libfuse3-3 fuse3 libinih1 libjson-c5 libcurl4
}

# sd_start NAME IMAGE [RUN_ARGS...]: NAME from IMAGE, privileged, systemd as PID 1, no network,
# below this run's parent cgroup; returns once systemd has booted (running or degraded)
sd_start() {
	local name=$1 img=$2 state=""
	shift 2
	dpm run -d --name "$name" --privileged --systemd=always --network none \
		--cgroup-parent "/$TK_CG_PARENT/sd" --ulimit nofile=20000:20000 --ulimit nproc=20000:20000 \
		"$@" "$img" /lib/systemd/systemd >/dev/null || return 1
	wait_for 'state=$(dpm exec "$name" systemctl is-system-running 2>/dev/null) ||
		[ "$state" = degraded ]' 20 "" 0.2
	log "systemd in $name: $state"
}

# dpm_sh NAME CMD: CMD (sh -c) in container NAME; $status and $output set, output logged
dpm_sh() {
	status=0
	output=$(dpm exec "$1" sh -c "$2" 2>&1) || status=$?
	printf '%s\n' "$output" | sed 's/^/#   /'
}

setup() { deploy_setup; }
teardown() { deploy_teardown; }
