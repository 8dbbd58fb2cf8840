#!/bin/sh
# Stage every file the lxcfs and lxcfs-toolkit packages ship into DESTDIR, with the paths of a
# packaged install (binaries in PREFIX/bin). Run by debian/rules and lxcfs.spec after `make`,
# from the top of a source tree:
#
#   deploy/packages/stage.sh DESTDIR PREFIX UNITDIR      e.g. debian/tmp /usr /lib/systemd/system
#
# The tree's deployment files are written for PREFIX=/usr/local (as installer/install.sh reads
# them); here they are rendered for PREFIX, and the config and the hook files name the paths the
# units use (pidfile /run/lxcfs/lxcfs.pid), so that every program, started by systemd, by a
# container engine or by hand, agrees on them. Man pages (build/man, from deploy/man) and the
# LXC snippet (deploy/lxc) are staged when the tree has them.
set -eu
[ $# -eq 3 ] || { echo "usage: stage.sh DESTDIR PREFIX UNITDIR" >&2; exit 2; }
D=$1 PREFIX=$2 UNITDIR=$3
BINDIR=$PREFIX/bin
B=${B:-build}
MNT=/var/lib/lxcfs PIDFILE=/run/lxcfs/lxcfs.pid REGISTRY=/run/lxcfs/containers
SECCOMP_SOCK=/run/lxcfs/seccomp.sock
# the toolkit's options in the hook files, as the units spell them (no -c: a hook must not fail
# a container's start because the config was deleted; the file is read when it is there)
HOOK_OPTS='["--mountpoint", "'$MNT'", "--pidfile", "'$PIDFILE'", "--registry", "'$REGISTRY'"]'

# render SRC DEST MODE: SRC with PREFIX instead of /usr/local
render() {
	install -d "$(dirname "$2")"
	sed -e "s|/usr/local/|$PREFIX/|g" "$1" >"$2.tmp"
	chmod "$3" "$2.tmp"
	mv "$2.tmp" "$2"
}

# hook_json FILTER SRC DEST: a hook file with the toolkit's options put before its command
hook_json() {
	install -d "$(dirname "$3")"
	jq --argjson opts "$HOOK_OPTS" --arg tk "$BINDIR/lxcfs-toolkit" "$1" "$2" >"$3.tmp"
	mv "$3.tmp" "$3"
	chmod 0644 "$3"
}
with_opts='[.[0]] + $opts + .[1:]'

install -D -m 0755 "$B/lxcfs" "$D$BINDIR/lxcfs"
install -D -m 0755 "$B/lxcfs-toolkit" "$D$BINDIR/lxcfs-toolkit"
# every unit of deploy/systemd as it is, paths rendered (as make dist ships them; a unit no
# package lists fails both builds: dh_missing, rpmbuild's unpackaged files)
for f in deploy/systemd/*.service deploy/systemd/*.timer; do
	render "$f" "$D$UNITDIR/$(basename "$f")" 0644
done
render deploy/packages/package-service "$D$PREFIX/libexec/lxcfs-toolkit/package-service" 0755

# the conffile: the example, with the pidfile the unit gives the daemon and the seccomp agent on
# (in the unit's RuntimeDirectory, where lxcfs-toolkit seccomp-profile points by default)
install -d "$D/etc/lxcfs"
sed -e "s|^pidfile = .*|pidfile = $PIDFILE|" \
	-e "s|^#seccomp_listener = .*|seccomp_listener = $SECCOMP_SOCK|" \
	deploy/lxcfs.conf.example >"$D/etc/lxcfs/lxcfs.conf"
chmod 0644 "$D/etc/lxcfs/lxcfs.conf"
grep -q "^pidfile = $PIDFILE\$" "$D/etc/lxcfs/lxcfs.conf" ||
	{ echo "stage.sh: no pidfile line in deploy/lxcfs.conf.example" >&2; exit 1; }
grep -q "^seccomp_listener = $SECCOMP_SOCK\$" "$D/etc/lxcfs/lxcfs.conf" ||
	{ echo "stage.sh: no seccomp_listener line in deploy/lxcfs.conf.example" >&2; exit 1; }
install -d -m 0755 "$D$MNT"

# podman and CRI-O read the distribution's hooks from PREFIX/share/containers/oci/hooks.d:
# the opt-in hook (annotation io.lxcfs.enable=true) is active; the one for every container is
# a sample in PREFIX/share/lxcfs/hooks
hook_json ".hook.path = \$tk | .hook.args |= $with_opts" deploy/hooks/oci-hooks.d/lxcfs.json \
	"$D$PREFIX/share/containers/oci/hooks.d/lxcfs.json"
hook_json ".hook.path = \$tk | .hook.args |= $with_opts" deploy/hooks/oci-hooks.d/lxcfs-always.json \
	"$D$PREFIX/share/lxcfs/hooks/lxcfs-always.json"
# iSulad: the sample hook spec where its documentation names it (lcrd is iSulad's old name)
for d in /var/lib/isulad/hooks /var/lib/lcrd/hooks; do
	hook_json "(.prestart, .poststop) |= map(.path = \$tk | .args |= $with_opts)" \
		deploy/hooks/isulad-hookspec.json "$D$d/hookspec.json"
done

# LXC: the config snippet and what it runs, when the tree has them
if [ -d deploy/lxc ]; then
	for f in deploy/lxc/*; do
		[ -f "$f" ] || continue
		case $f in *.md) continue ;; esac
		render "$f" "$D$PREFIX/share/lxcfs/lxc/$(basename "$f")" "$([ -x "$f" ] && echo 0755 || echo 0644)"
	done
fi

# man pages, built by make from deploy/man (build/man/manN/PAGE.N, or build/man/PAGE.N)
if [ -d "$B/man" ]; then
	find "$B/man" -type f -name '*.[1-8]' | sort | while read -r f; do
		n=${f##*.}
		install -D -m 0644 "$f" "$D$PREFIX/share/man/man$n/$(basename "$f")"
	done
fi
