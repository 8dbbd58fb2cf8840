#!/usr/bin/env bash
# Build a Debian bookworm base image without a registry: debootstrap --variant=minbase from the
# Debian mirror this machine uses, packed as a tarball for `podman import` / `docker import`.
#
#   deploy/docker/make-base.sh OUT.tar [MIRROR]
#
# The tarball is written atomically (OUT.tar.tmp, then rename), so an interrupted run leaves
# nothing a later run would mistake for a finished image. Needs root and debootstrap.
set -euo pipefail
out=${1:?usage: make-base.sh OUT.tar [MIRROR]}
mirror=${2:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || { echo "make-base.sh: debootstrap is not installed" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/base.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "make-base.sh: debootstrap bookworm minbase from $mirror"
debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/log" 2>&1 || {
	tail -20 "$work/log" >&2
	echo "make-base.sh: debootstrap failed" >&2
	exit 1
}
# apt inside the image talks to the same mirror; no caches in the image
echo "deb $mirror bookworm main" >"$work/root/etc/apt/sources.list"
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
tar --numeric-owner -C "$work/root" -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "make-base.sh: wrote $out ($(du -h "$out" | cut -f1))"
