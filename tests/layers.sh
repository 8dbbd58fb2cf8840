#!/usr/bin/env bash
# The daemon's folders form a chain, lxcfs/fuse -> lxcfs/view -> lxcfs/render -> lxcfs/cgroup
# -> common: a file includes headers of its own folder or of folders further down only. The
# toolkit includes from common/ and its own tree only; common/ from itself only. Prints each
# include that breaks this and exits 1 when there is one.
set -u
cd "$(dirname "$0")/.."
rank() { case $1 in fuse | seccomp) echo 4 ;; view) echo 3 ;; render) echo 2 ;; cgroup) echo 1 ;; common) echo 0 ;; *) echo -1 ;; esac; }
bad=0
while read -r f; do
	case $f in
	common/*) room=common ;;
	toolkit/*) room=toolkit ;;
	lxcfs/*/*) room=${f#lxcfs/} room=${room%%/*} ;;
	*) continue ;; # lxcfs/main.c, daemon.c, options.c ...: the top, may include any folder
	esac
	while read -r inc; do
		case $inc in
		*/*) to=${inc%%/*} ;;
		*) [ -e "$(dirname "$f")/$inc" ] && to=$room || to=top ;; # beside it, or not
		esac
		case $room in
		toolkit) [ "$to" = common ] || [ "$to" = lib ] || [ "$to" = toolkit ] && continue ;;
		common) [ "$to" = common ] && continue ;;
		*) r=$(rank "$to")
			[ "$r" -ge 0 ] && [ "$r" -le "$(rank "$room")" ] && continue ;;
		esac
		echo "$f: #include \"$inc\" points up or out of its chain"
		bad=1
	done < <(sed -n 's/^#include "\(.*\)"/\1/p' "$f")
done < <(git ls-files 'common/*.[ch]' 'lxcfs/*.[ch]' 'toolkit/*.[ch]')
exit $bad
