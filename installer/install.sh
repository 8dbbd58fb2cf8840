#!/usr/bin/env bash
# lxcfs fleet installer: binaries, config, mount point, OCI/iSulad hooks, service.
#
#   install.sh [--prefix DIR] [--mountpoint DIR] [--config FILE] [--init auto|systemd|none]
#              [--hooks auto|isulad|oci|lxc|all|none] [--state-dir DIR] [--registry DIR] [--log FILE]
#              [--seccomp-profile] [--dry-run] [--uninstall [--purge]]
#
# Run from a source tree (it builds with make) or from the `make dist` tarball (prebuilt
# binaries; only the runtime libraries are installed, with apt-get, when missing).
# Idempotent: a second run changes nothing and stacks no mounts. Every step is logged; a
# failing step stops the run with a message naming it, and what the run had changed is undone.
# Uninstall stops the service, runs `umount --all`, unmounts, removes what the install put
# there (its manifest says what) and keeps the config unless --purge.
# The installed config turns the daemon's seccomp agent on (seccomp_listener =
# STATE_DIR/seccomp.sock): containers started with a profile that notifies sysinfo to it get
# their own sysinfo(2); --seccomp-profile writes such a profile next to the config.
set -uo pipefail

PROG=install.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PREFIX=/usr/local
MOUNTPOINT=/var/lib/lxcfs
CONFIG=/etc/lxcfs/lxcfs.conf
INIT=auto
HOOKS=auto
STATE_DIR=/run/lxcfs
REGISTRY=""
LOGFILE=/var/log/lxcfs/watchdog.log
DRY=0
UNINSTALL=0
PURGE=0
SECCOMP_PROFILE=0
# the engines' default seccomp profile that --seccomp-profile starts from (overridable for tests)
SECCOMP_FROM=${LXCFS_SECCOMP_FROM:-/usr/share/containers/seccomp.json}
# where the engines look for hooks (overridable for tests)
OCI_HOOKS_DIR=${LXCFS_OCI_HOOKS_DIR:-/etc/containers/oci/hooks.d}
ISULAD_HOOKS_DIR=${LXCFS_ISULAD_HOOKS_DIR:-/etc/isulad/hooks}
LXC_CONF_DIR=${LXCFS_LXC_CONF_DIR:-/usr/share/lxc/config/common.conf.d}
SYSTEMD_DIR=${LXCFS_SYSTEMD_DIR:-/etc/systemd/system}
RUNTIME_PKGS=(libfuse3-3 fuse3 libinih1 libjson-c5 libcurl4)

usage() {
	sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	cat <<EOF
Options (defaults):
  --prefix DIR        binaries in DIR/bin, man pages in DIR/share/man, manifest in
                      DIR/share/lxcfs ($PREFIX)
  --mountpoint DIR    the daemon's mount point ($MOUNTPOINT)
  --config FILE       INI config, written when absent ($CONFIG)
  --init MODE         auto: systemd when it is PID 1, else none (the toolkit's watchdog
                      as a background daemon with its own pidfile)
  --hooks MODE        auto: oci when podman/CRI-O config exists, isulad when iSulad does,
                      lxc when LXC does (its common.conf.d); all: the three
  --state-dir DIR     pidfiles and the seccomp agent's socket seccomp.sock ($STATE_DIR)
  --registry DIR      the toolkit's container registry (STATE_DIR/containers)
  --log FILE          the watchdog's log ($LOGFILE)
  --seccomp-profile   also write a seccomp profile (DIR-OF-CONFIG/seccomp.json: the engines'
                      $SECCOMP_FROM with sysinfo notified to
                      the daemon) for podman/docker --security-opt seccomp=FILE
  --dry-run           print every action, do none
  --uninstall         remove the installation (keeps the config; --purge removes it too)
EOF
}

die_usage() {
	echo "$PROG: $*" >&2
	echo "Try \`$PROG --help'." >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--prefix | --mountpoint | --config | --init | --hooks | --state-dir | --registry | --log)
		[ $# -ge 2 ] && [ -n "$2" ] || die_usage "$1 needs a value"
		case $1 in
		--prefix) PREFIX=$2 ;; --mountpoint) MOUNTPOINT=$2 ;; --config) CONFIG=$2 ;;
		--init) INIT=$2 ;; --hooks) HOOKS=$2 ;; --state-dir) STATE_DIR=$2 ;;
		--registry) REGISTRY=$2 ;; --log) LOGFILE=$2 ;;
		esac
		shift 2
		;;
	--dry-run) DRY=1; shift ;;
	--seccomp-profile) SECCOMP_PROFILE=1; shift ;;
	--uninstall) UNINSTALL=1; shift ;;
	--purge) PURGE=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) die_usage "unknown option \`$1'" ;;
	esac
done
case $INIT in auto | systemd | none) ;; *) die_usage "--init: \`$INIT' is not auto|systemd|none" ;; esac
case $HOOKS in auto | isulad | oci | lxc | all | none) ;; *) die_usage "--hooks: \`$HOOKS' is not auto|isulad|oci|lxc|all|none" ;; esac
[ $PURGE -eq 0 ] || [ $UNINSTALL -eq 1 ] || die_usage "--purge goes with --uninstall"
for v in PREFIX MOUNTPOINT CONFIG STATE_DIR LOGFILE; do
	case ${!v} in /*) ;; *) die_usage "$(echo "$v" | tr 'A-Z_' 'a-z-'): \`${!v}' is not an absolute path" ;; esac
done
[ -n "$REGISTRY" ] || REGISTRY=$STATE_DIR/containers
case $REGISTRY in /*) ;; *) die_usage "--registry: \`$REGISTRY' is not an absolute path" ;; esac
MOUNTPOINT=${MOUNTPOINT%/}

BINDIR=$PREFIX/bin
MANDIR=$PREFIX/share/man
SHAREDIR=$PREFIX/share/lxcfs
MANIFEST=$SHAREDIR/install-manifest
DAEMON_PIDFILE=$STATE_DIR/lxcfs.pid
WD_PIDFILE=$STATE_DIR/lxcfs-watchdog.pid
SECCOMP_SOCK=$STATE_DIR/seccomp.sock
SECCOMP_JSON=$(dirname "$CONFIG")/seccomp.json
LXCFS_BIN=$BINDIR/lxcfs
TK_BIN=$BINDIR/lxcfs-toolkit
# the toolkit's global options, as every installed command line spells them
TK_OPTS="-c $CONFIG --mountpoint $MOUNTPOINT --pidfile $DAEMON_PIDFILE --registry $REGISTRY"

# ---------------------------------------------------------------- logging, actions, undo

STEP=""
STEP_N=0
UNDO=()

log() { echo "[$PROG] $*"; }

# step NAME: start a step (its name goes into a failure message)
step() {
	STEP=$1
	STEP_N=$((STEP_N + 1))
	log "step $STEP_N: $STEP"
}

# act CMD...: run an action that changes the host (printed; not run with --dry-run)
act() {
	if [ $DRY -eq 1 ]; then
		log "  would run: $*"
		return 0
	fi
	log "  run: $*"
	"$@"
}

# undo CMD...: remember how to take back the last action (run in reverse order on failure)
undo() {
	[ $DRY -eq 1 ] && return 0
	local q
	printf -v q '%q ' "$@"
	UNDO+=("$q")
}

# fail MESSAGE: the current step failed: undo this run's changes, exit 1
fail() {
	echo "$PROG: step $STEP_N ($STEP) failed: $*" >&2
	if [ ${#UNDO[@]} -gt 0 ]; then
		log "undoing this run's ${#UNDO[@]} change(s)"
		local i
		for ((i = ${#UNDO[@]} - 1; i >= 0; i--)); do
			log "  undo: ${UNDO[i]}"
			eval "${UNDO[i]}" || log "  undo failed: ${UNDO[i]}"
		done
	fi
	echo "$PROG: nothing was left changed by this run; fix the cause and run it again" >&2
	exit 1
}

# mkdir_p DIR: create DIR and the missing parents, each recorded for undo and the manifest
CREATED_DIRS=()
DRY_DIRS=" " # directories a dry run would have made (so it names each once)
mkdir_p() {
	local d=$1 missing=()
	while [ ! -d "$d" ] && [[ "$DRY_DIRS" != *" $d "* ]]; do
		missing=("$d" "${missing[@]}")
		d=$(dirname "$d")
	done
	for d in "${missing[@]}"; do
		act mkdir -m 0755 "$d" || return 1
		[ $DRY -eq 1 ] && DRY_DIRS+="$d "
		undo rmdir "$d"
		CREATED_DIRS+=("$d")
	done
}

# install_file SRC DEST MODE: copy unless DEST already has the same content; a replaced file is
# kept as DEST.install-bak until the run succeeds (undo puts it back)
INSTALLED_FILES=()
install_file() {
	local src=$1 dst=$2 mode=$3
	INSTALLED_FILES+=("$dst")
	mkdir_p "$(dirname "$dst")" || return 1
	if [ -f "$dst" ] && cmp -s "$src" "$dst"; then
		log "  unchanged: $dst"
		chmod "$mode" "$dst" 2>/dev/null
		return 0
	fi
	if [ -e "$dst" ]; then
		act cp -p "$dst" "$dst.install-bak" || return 1
		undo mv -f "$dst.install-bak" "$dst"
		BACKUPS+=("$dst.install-bak")
	else
		undo rm -f "$dst"
	fi
	# a new inode: a running binary is not overwritten in place
	act install -m "$mode" "$src" "$dst.install-new" && act mv -f "$dst.install-new" "$dst"
}
BACKUPS=()

# render_file SRC DEST: a shipped unit (written for the default paths) with this install's paths
render_file() {
	sed -e "s|/usr/local/bin/|$BINDIR/|g" -e "s|/etc/lxcfs/lxcfs.conf|$CONFIG|g" \
		-e "s|/run/lxcfs/lxcfs.pid|$DAEMON_PIDFILE|g" -e "s|/run/lxcfs/containers|$REGISTRY|g" \
		-e "s|/var/lib/lxcfs|$MOUNTPOINT|g" "$1" >"$2"
}

pid_alive() {
	local st
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

pidfile_pid() { [ -s "$1" ] && tr -dc 0-9 <"$1"; }

systemd_is_init() { [ -d /run/systemd/system ] && [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; }

# ---------------------------------------------------------------- where things come from

TMP=$(mktemp -d /tmp/lxcfs-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# SRC_MODE: dist (a `make dist` tree: bin/, man/, systemd/, hooks/) or source (the repository)
if [ -x "$HERE/bin/lxcfs" ] && [ -x "$HERE/bin/lxcfs-toolkit" ]; then
	SRC_MODE=dist
	SRC_BIN=$HERE/bin
	SRC_MAN=$HERE/man
	SRC_UNITS=$HERE/systemd
	SRC_CONF=$HERE/lxcfs.conf.example
	SRC_LXC=$HERE/lxc/lxcfs.conf
elif [ -f "$HERE/../Makefile" ] && [ -d "$HERE/../lxcfs" ]; then
	SRC_MODE=source
	SRC_TREE=$(cd "$HERE/.." && pwd)
	SRC_BIN=$SRC_TREE/build
	SRC_MAN=$SRC_TREE/build/man
	SRC_UNITS=$SRC_TREE/deploy/systemd
	SRC_CONF=$SRC_TREE/deploy/lxcfs.conf.example
	SRC_LXC=$SRC_TREE/deploy/lxc/lxcfs.conf
else
	echo "$PROG: run me from a source tree (installer/install.sh) or an unpacked \`make dist' tarball" >&2
	exit 1
fi

# the man pages, as SECTION_DIR/PAGE (man1/lxcfs.1 ...): those of the tree when built (the
# source tree before make has none yet), else the ones every build makes
MAN_PAGES_DEFAULT=(man1/lxcfs.1 man1/lxcfs-toolkit.1 man5/lxcfs.conf.5)
man_pages() {
	local f
	if [ -d "$SRC_MAN" ]; then
		for f in "$SRC_MAN"/man[1-8]/*.[1-8]; do [ -f "$f" ] && echo "${f#"$SRC_MAN"/}"; done
	else
		printf '%s\n' "${MAN_PAGES_DEFAULT[@]}"
	fi
}

# ---------------------------------------------------------------- install

# the config the install writes: the example with this install's paths and the seccomp agent
# on, and a [toolkit] section
make_config() {
	sed -e "s|^mountpoint = .*|mountpoint = $MOUNTPOINT|" \
		-e "s|^pidfile = .*|pidfile = $DAEMON_PIDFILE|" \
		-e "s|^#seccomp_listener = .*|seccomp_listener = $SECCOMP_SOCK|" "$SRC_CONF"
	cat <<EOF

[toolkit]
# lxcfs-toolkit's settings (its options on the command line win). See lxcfs-toolkit --help.
mountpoint = $MOUNTPOINT
pidfile = $DAEMON_PIDFILE
registry = $REGISTRY
EOF
}

# the hook's argv as JSON strings: the toolkit with this install's options
hook_args_json() {
	local a out="" first=1
	for a in lxcfs-toolkit -c "$CONFIG" --mountpoint "$MOUNTPOINT" --pidfile "$DAEMON_PIDFILE" \
		--registry "$REGISTRY" hook "$@"; do
		[ $first -eq 1 ] || out+=", "
		out+="\"$a\""
		first=0
	done
	echo "$out"
}

# deploy/hooks/oci-hooks.d/lxcfs.json (oci-hooks(5) 1.0.0, opt-in by annotation) for this install
oci_hook() {
	cat <<EOF
{
  "version": "1.0.0",
  "hook": {
    "path": "$TK_BIN",
    "args": [$(hook_args_json)]
  },
  "when": {
    "annotations": {
      "^io\\\\.lxcfs\\\\.enable\$": "^(true|1|yes)\$"
    }
  },
  "stages": ["prestart", "poststop"]
}
EOF
}

# deploy/hooks/isulad-hookspec.json for this install
isulad_hookspec() {
	cat <<EOF
{
  "prestart": [
    {"path": "$TK_BIN", "args": [$(hook_args_json --stage prestart)], "env": [], "timeout": 30}
  ],
  "poststop": [
    {"path": "$TK_BIN", "args": [$(hook_args_json --stage poststop)], "env": [], "timeout": 30}
  ]
}
EOF
}

# deploy/lxc/lxcfs.conf for this install: the toolkit with this install's options (LXC runs a
# hook with sh -c, NAME lxc TYPE appended: no word may need quoting)
lxc_snippet() {
	local a cmd=$TK_BIN
	for a in -c "$CONFIG" --mountpoint "$MOUNTPOINT" --pidfile "$DAEMON_PIDFILE" \
		--registry "$REGISTRY"; do
		case $a in *[!A-Za-z0-9_./=-]*) echo "$PROG: \`$a' cannot go into an LXC hook line" >&2; return 1 ;; esac
		cmd+=" $a"
	done
	grep -q '^lxc.hook.start-host = /usr/local/bin/lxcfs-toolkit hook --lxc$' "$SRC_LXC" || {
		echo "$PROG: $SRC_LXC has no start-host hook line" >&2
		return 1
	}
	sed -e "s|^\(lxc\.hook\.[a-z-]* = \)/usr/local/bin/lxcfs-toolkit |\1$cmd |" \
		-e "s|/usr/local/share/lxcfs/|$SHAREDIR/|g" "$SRC_LXC"
}

# the seccomp agent's listener in the [lxcfs] section of config FILE ("" when it sets none)
config_listener() {
	awk '/^\[/ {s = $0} s == "[lxcfs]" && /^seccomp_listener *=/ {sub(/^[^=]*= */, ""); v = $0} END {print v}' "$1" 2>/dev/null
}

resolve_init() {
	if [ "$INIT" = auto ]; then
		if systemd_is_init; then INIT=systemd; else INIT=none; fi
		log "init: $INIT (auto)"
	fi
}

resolve_hooks() {
	HOOK_KINDS=()
	case $HOOKS in
	none) ;;
	oci) HOOK_KINDS=(oci) ;;
	isulad) HOOK_KINDS=(isulad) ;;
	lxc) HOOK_KINDS=(lxc) ;;
	all) HOOK_KINDS=(oci isulad lxc) ;;
	auto)
		if [ -d /etc/containers ] || command -v podman >/dev/null || command -v crio >/dev/null; then
			HOOK_KINDS+=(oci)
		fi
		if [ -d /etc/isulad ] || command -v isulad >/dev/null; then HOOK_KINDS+=(isulad); fi
		if [ -d "$LXC_CONF_DIR" ]; then HOOK_KINDS+=(lxc); fi
		log "hooks: ${HOOK_KINDS[*]:-none} (auto)"
		;;
	esac
}

write_manifest() {
	local f=$TMP/manifest d
	mkdir_p "$SHAREDIR" || return 1
	{
		echo "# lxcfs install manifest: written by install.sh, read by install.sh --uninstall"
		echo "prefix=$PREFIX"
		echo "mountpoint=$MOUNTPOINT"
		echo "config=$CONFIG"
		echo "init=$INIT"
		echo "state_dir=$STATE_DIR"
		echo "registry=$REGISTRY"
		echo "log=$LOGFILE"
		[ -z "$SC_LISTENER" ] || echo "seccomp_listener=$SC_LISTENER"
		for d in "${INSTALLED_FILES[@]}"; do echo "file=$d"; done
		echo "file=$MANIFEST"
		# directories made now, and those an earlier run made (kept across reruns)
		for d in "${CREATED_DIRS[@]}" "${OLD_DIRS[@]}"; do echo "dir=$d"; done | sort -u
	} >"$f"
	[ -f "$MANIFEST" ] && cmp -s "$f" "$MANIFEST" && {
		log "  unchanged: $MANIFEST"
		return 0
	}
	[ -e "$MANIFEST" ] || undo rm -f "$MANIFEST"
	act install -m 0644 "$f" "$MANIFEST"
}

do_install() {
	local f kind n
	[ "$(id -u)" -eq 0 ] || [ $DRY -eq 1 ] || { echo "$PROG: run as root" >&2; exit 1; }
	log "installing from the $SRC_MODE tree $HERE$([ $DRY -eq 1 ] && echo ' (dry run: nothing is changed)')"
	OLD_DIRS=()
	[ -f "$MANIFEST" ] && mapfile -t OLD_DIRS < <(sed -n 's/^dir=//p' "$MANIFEST")

	step "binaries and man pages"
	if [ $SRC_MODE = source ]; then
		if [ $DRY -eq 1 ]; then
			log "  would run: make -C $SRC_TREE"
		else
			log "  run: make -C $SRC_TREE"
			make -C "$SRC_TREE" >"$TMP/make.log" 2>&1 || {
				tail -20 "$TMP/make.log" >&2
				fail "make failed (is \`make deps' done?)"
			}
		fi
	else
		# prebuilt: only the runtime libraries may be missing
		n=$( { ldd "$SRC_BIN/lxcfs"; ldd "$SRC_BIN/lxcfs-toolkit"; } 2>&1 | grep -c 'not found')
		if [ "$n" -gt 0 ] || ! command -v fusermount3 >/dev/null; then
			act apt-get update -q >/dev/null || fail "apt-get update"
			act env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				"${RUNTIME_PKGS[@]}" || fail "apt-get install ${RUNTIME_PKGS[*]}"
		else
			log "  runtime libraries present"
		fi
	fi
	[ $DRY -eq 1 ] && [ ! -x "$SRC_BIN/lxcfs" ] && log "  (binaries not built yet)" ||
		"$SRC_BIN/lxcfs" --version >/dev/null || fail "$SRC_BIN/lxcfs does not run"
	for f in lxcfs lxcfs-toolkit; do
		[ $DRY -eq 1 ] && [ ! -e "$SRC_BIN/$f" ] && { INSTALLED_FILES+=("$BINDIR/$f"); continue; }
		install_file "$SRC_BIN/$f" "$BINDIR/$f" 0755 || fail "install $BINDIR/$f"
	done
	for f in $(man_pages); do
		[ $DRY -eq 1 ] && [ ! -e "$SRC_MAN/$f" ] && { INSTALLED_FILES+=("$MANDIR/$f"); continue; }
		[ -f "$SRC_MAN/$f" ] || fail "$SRC_MAN/$f is missing"
		install_file "$SRC_MAN/$f" "$MANDIR/$f" 0644 || fail "install $MANDIR/$f"
	done

	step "config"
	make_config >"$TMP/lxcfs.conf" || fail "cannot render the config from $SRC_CONF"
	if [ ! -e "$CONFIG" ]; then
		mkdir_p "$(dirname "$CONFIG")" || fail "mkdir $(dirname "$CONFIG")"
		act install -m 0644 "$TMP/lxcfs.conf" "$CONFIG" || fail "write $CONFIG"
		undo rm -f "$CONFIG"
	elif cmp -s "$TMP/lxcfs.conf" "$CONFIG"; then
		log "  unchanged: $CONFIG"
	elif [ -f "$CONFIG.new" ] && cmp -s "$TMP/lxcfs.conf" "$CONFIG.new"; then
		log "  $CONFIG differs from the default (edited); the default is already in $CONFIG.new"
	else
		log "  $CONFIG differs from the default (edited): keeping it; the new default goes to $CONFIG.new"
		[ -e "$CONFIG.new" ] || undo rm -f "$CONFIG.new"
		act install -m 0644 "$TMP/lxcfs.conf" "$CONFIG.new" || fail "write $CONFIG.new"
	fi
	if [ $DRY -eq 0 ]; then
		"$TK_BIN" $TK_OPTS status --help >/dev/null 2>"$TMP/cfg.err" ||
			fail "the toolkit rejects $CONFIG: $(cat "$TMP/cfg.err")"
	fi
	# the daemon's seccomp agent, as the config in use sets it (an edited one may not)
	if [ -f "$CONFIG" ]; then SC_LISTENER=$(config_listener "$CONFIG"); else SC_LISTENER=$(config_listener "$TMP/lxcfs.conf"); fi
	if [ -n "$SC_LISTENER" ]; then
		log "  sysinfo(2): the daemon's seccomp agent listens on $SC_LISTENER"
	else
		log "  sysinfo(2): $CONFIG sets no seccomp_listener: the seccomp agent stays off"
	fi

	if [ $SECCOMP_PROFILE -eq 1 ]; then
		step "seccomp profile"
		[ -n "$SC_LISTENER" ] || fail "--seccomp-profile: $CONFIG sets no seccomp_listener (the profile would name no listener)"
		if [ ! -f "$SECCOMP_FROM" ]; then
			log "  no $SECCOMP_FROM (the engines' default profile): no profile written; make one from yours with"
			log "  lxcfs-toolkit seccomp-profile --listener $SC_LISTENER --from YOUR-PROFILE.json"
		elif [ $DRY -eq 1 ] && [ ! -x "$SRC_BIN/lxcfs-toolkit" ]; then
			log "  would write $SECCOMP_JSON (lxcfs-toolkit seccomp-profile --from $SECCOMP_FROM)"
			INSTALLED_FILES+=("$SECCOMP_JSON")
		else
			"$SRC_BIN/lxcfs-toolkit" seccomp-profile --listener "$SC_LISTENER" --from "$SECCOMP_FROM" \
				>"$TMP/seccomp.json" 2>"$TMP/seccomp.err" ||
				fail "lxcfs-toolkit seccomp-profile --from $SECCOMP_FROM: $(cat "$TMP/seccomp.err")"
			install_file "$TMP/seccomp.json" "$SECCOMP_JSON" 0644 || fail "install $SECCOMP_JSON"
			log "  containers opt in: podman run --security-opt seccomp=$SECCOMP_JSON (docker: the same)"
		fi
	fi

	step "hooks"
	resolve_hooks
	for kind in "${HOOK_KINDS[@]}"; do
		case $kind in
		oci)
			oci_hook >"$TMP/lxcfs.json" || fail "render the OCI hook"
			install_file "$TMP/lxcfs.json" "$OCI_HOOKS_DIR/lxcfs.json" 0644 || fail "install the OCI hook"
			log "  OCI hook: containers with the annotation io.lxcfs.enable=true get the files"
			;;
		isulad)
			isulad_hookspec >"$TMP/hookspec.json" || fail "render the iSulad hook spec"
			install_file "$TMP/hookspec.json" "$ISULAD_HOOKS_DIR/lxcfs-hookspec.json" 0644 ||
				fail "install the iSulad hook spec"
			log "  iSulad: pass --hook-spec $ISULAD_HOOKS_DIR/lxcfs-hookspec.json (or set \"hook-spec\" in daemon.json)"
			;;
		lxc)
			# the snippet where lxc.include finds it, and LXC's common.conf.d including it
			lxc_snippet >"$TMP/lxcfs-lxc.conf" || fail "render the LXC snippet from $SRC_LXC"
			install_file "$TMP/lxcfs-lxc.conf" "$SHAREDIR/lxc/lxcfs.conf" 0644 ||
				fail "install the LXC snippet"
			{
				echo "# lxcfs for every LXC container: written by install.sh, removed by install.sh --uninstall"
				echo "lxc.include = $SHAREDIR/lxc/lxcfs.conf"
			} >"$TMP/00-lxcfs-toolkit.conf"
			install_file "$TMP/00-lxcfs-toolkit.conf" "$LXC_CONF_DIR/00-lxcfs-toolkit.conf" 0644 ||
				fail "install $LXC_CONF_DIR/00-lxcfs-toolkit.conf"
			log "  LXC: containers started from now on get the files ($LXC_CONF_DIR/00-lxcfs-toolkit.conf)"
			;;
		esac
	done
	[ ${#HOOK_KINDS[@]} -gt 0 ] || log "  no hooks installed (--hooks none)"

	step "mount point"
	local was_mounted=0
	findmnt -n --mountpoint "$MOUNTPOINT" >/dev/null 2>&1 && was_mounted=1
	mkdir_p "$MOUNTPOINT" || fail "mkdir $MOUNTPOINT"
	mkdir_p "$STATE_DIR" || fail "mkdir $STATE_DIR"
	mkdir_p "$(dirname "$LOGFILE")" || fail "mkdir $(dirname "$LOGFILE")"
	[ -e "$LOGFILE" ] || undo rm -f "$LOGFILE"
	if [ $DRY -eq 1 ]; then
		log "  would run: $TK_BIN $TK_OPTS prestart"
	else
		log "  run: $TK_BIN $TK_OPTS prestart"
		"$TK_BIN" $TK_OPTS prestart || fail "lxcfs-toolkit prestart"
		[ $was_mounted -eq 0 ] && undo umount -l "$MOUNTPOINT"
	fi

	resolve_init
	step "service ($INIT)"
	if [ "$INIT" = systemd ]; then
		for f in lxcfs.service lxcfs-watchdog.service lxcfs-watchdog.timer; do
			render_file "$SRC_UNITS/$f" "$TMP/$f" || fail "render $f"
			install_file "$TMP/$f" "$SYSTEMD_DIR/$f" 0644 || fail "install $SYSTEMD_DIR/$f"
		done
		act systemctl daemon-reload || fail "systemctl daemon-reload"
		act systemctl enable --now lxcfs.service lxcfs-watchdog.timer ||
			fail "systemctl enable --now lxcfs.service lxcfs-watchdog.timer"
		undo systemctl disable --now lxcfs-watchdog.timer lxcfs.service
	else
		local wpid
		wpid=$(pidfile_pid "$WD_PIDFILE")
		if [ -n "$wpid" ] && pid_alive "$wpid"; then
			log "  the watchdog runs already (pid $wpid)"
		else
			# a daemon without its watchdog (left by hand): the watchdog must own it
			local dpid
			dpid=$(pidfile_pid "$DAEMON_PIDFILE")
			if [ -n "$dpid" ] && pid_alive "$dpid"; then
				fail "a daemon (pid $dpid, $DAEMON_PIDFILE) runs without the watchdog; stop it first"
			fi
			# a watchdog whose daemon does not come up keeps trying: undo stops it too
			undo stop_watchdog
			act "$TK_BIN" $TK_OPTS --log "$LOGFILE" watchdog \
				--exec "$LXCFS_BIN -f -c $CONFIG -p $DAEMON_PIDFILE $MOUNTPOINT" \
				--watchdog-pidfile "$WD_PIDFILE" --background || {
				tail -5 "$LOGFILE" 2>/dev/null | sed 's/^/  log: /'
				fail "the watchdog did not bring the daemon up (log: $LOGFILE)"
			}
		fi
	fi

	step "health"
	if [ $DRY -eq 1 ]; then
		log "  would run: $TK_BIN $TK_OPTS check-lxcfs --wait 10"
	else
		"$TK_BIN" $TK_OPTS check-lxcfs --wait 10 || fail "lxcfs-toolkit check-lxcfs"
	fi

	step "manifest"
	write_manifest || fail "write $MANIFEST"
	for f in "${BACKUPS[@]}"; do act rm -f "$f"; done
	log "done: lxcfs on $MOUNTPOINT ($INIT), config $CONFIG"
}

# ---------------------------------------------------------------- uninstall

stop_watchdog() {
	local wpid i
	wpid=$(pidfile_pid "$WD_PIDFILE")
	[ -n "$wpid" ] && pid_alive "$wpid" || return 0
	act kill -TERM "$wpid" || return 1
	[ $DRY -eq 1 ] && return 0
	for ((i = 0; i < 300; i++)); do
		pid_alive "$wpid" || return 0
		sleep 0.1
	done
	log "  the watchdog (pid $wpid) did not stop in 30 s"
	return 1
}

do_uninstall() {
	local f d line
	[ "$(id -u)" -eq 0 ] || [ $DRY -eq 1 ] || { echo "$PROG: run as root" >&2; exit 1; }
	FILES=() DIRS=() SC_LISTENER=""
	if [ -f "$MANIFEST" ]; then
		while IFS= read -r line; do
			case $line in
			mountpoint=*) MOUNTPOINT=${line#*=} ;; config=*) CONFIG=${line#*=} ;;
			init=*) INIT=${line#*=} ;; state_dir=*) STATE_DIR=${line#*=} ;;
			registry=*) REGISTRY=${line#*=} ;; log=*) LOGFILE=${line#*=} ;;
			seccomp_listener=*) SC_LISTENER=${line#*=} ;;
			file=*) FILES+=("${line#*=}") ;; dir=*) DIRS+=("${line#*=}") ;;
			esac
		done <"$MANIFEST"
		DAEMON_PIDFILE=$STATE_DIR/lxcfs.pid
		WD_PIDFILE=$STATE_DIR/lxcfs-watchdog.pid
		TK_OPTS="-c $CONFIG --mountpoint $MOUNTPOINT --pidfile $DAEMON_PIDFILE --registry $REGISTRY"
		log "uninstalling the installation in $MANIFEST"
	else
		log "no manifest at $MANIFEST: removing what the options name"
		FILES=("$LXCFS_BIN" "$TK_BIN")
		for f in "${MAN_PAGES_DEFAULT[@]}"; do FILES+=("$MANDIR/$f"); done
	fi
	[ -f "$CONFIG" ] && TK_CFG_OK=1 || TK_CFG_OK=0
	# a config that is gone must not stop the toolkit
	[ $TK_CFG_OK -eq 1 ] || TK_OPTS=${TK_OPTS/-c $CONFIG /}

	step "stop the service"
	if [ "$INIT" = systemd ] || [ -f "$SYSTEMD_DIR/lxcfs.service" ]; then
		if systemd_is_init; then
			act systemctl disable --now lxcfs-watchdog.timer lxcfs.service || log "  (systemctl failed)"
		fi
	fi
	stop_watchdog || fail "stop the watchdog"
	local dpid
	dpid=$(pidfile_pid "$DAEMON_PIDFILE")
	if [ -n "$dpid" ] && pid_alive "$dpid" && grep -qa lxcfs "/proc/$dpid/cmdline"; then
		act kill -TERM "$dpid"
		[ $DRY -eq 1 ] || for ((i = 0; i < 100; i++)); do pid_alive "$dpid" || break; sleep 0.1; done
	fi

	step "umount --all"
	if [ -x "$TK_BIN" ]; then
		act "$TK_BIN" $TK_OPTS --engine none umount --all || log "  (umount --all reported failures)"
	fi

	step "unmount $MOUNTPOINT"
	for ((i = 0; i < 16; i++)); do
		findmnt -n --mountpoint "$MOUNTPOINT" >/dev/null 2>&1 || break
		act umount -l "$MOUNTPOINT" || fail "umount $MOUNTPOINT"
		[ $DRY -eq 1 ] && break
	done

	step "remove files"
	for f in "${FILES[@]}" "$SYSTEMD_DIR/lxcfs.service" "$SYSTEMD_DIR/lxcfs-watchdog.service" \
		"$SYSTEMD_DIR/lxcfs-watchdog.timer"; do
		[ -e "$f" ] || continue
		case $f in "$SYSTEMD_DIR"/*) [ "$INIT" = systemd ] || continue ;; esac
		act rm -f "$f"
	done
	[ "$INIT" = systemd ] && systemd_is_init && act systemctl daemon-reload
	# the watchdog's log goes with it (it is this install's, not the operator's)
	for f in "$DAEMON_PIDFILE" "$WD_PIDFILE" "$LOGFILE"; do [ -e "$f" ] && act rm -f "$f"; done
	# the seccomp agent's socket (it outlives a daemon, for the next one to take over)
	[ -n "$SC_LISTENER" ] && [ -S "$SC_LISTENER" ] && act rm -f "$SC_LISTENER"
	[ -d "$REGISTRY" ] && act rm -rf "$REGISTRY"
	if [ $PURGE -eq 1 ]; then
		for f in "$CONFIG" "$CONFIG.new"; do [ -e "$f" ] && act rm -f "$f"; done
	else
		[ -e "$CONFIG" ] && log "  keeping $CONFIG (--purge removes it)"
	fi
	# directories the install made, deepest first, when empty
	for d in $(printf '%s\n' "${DIRS[@]}" | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-); do
		[ -d "$d" ] || continue
		if [ -z "$(ls -A "$d")" ]; then act rmdir "$d"; else log "  keeping $d (not empty)"; fi
	done
	log "done: lxcfs uninstalled"
}

if [ $UNINSTALL -eq 1 ]; then do_uninstall; else do_install; fi
