#!/bin/sh
# Prints the Debian packages that hold the shared libraries the given
# binaries load, one a line: what a runtime image must install.
# usage: scripts/runtime-deps.sh BINARY...
set -eu
[ $# -gt 0 ] || { echo "usage: runtime-deps.sh BINARY..." >&2; exit 2; }

# dpkg records a library under the path its package shipped, which on a
# merged-/usr system may differ from the one the loader found: try both,
# then the file a symlink (an alternative, say) points to.
owner() {
	for p in "$1" "/usr$1" "${1#/usr}" "$(readlink -f "$1")"; do
		pkg=$(dpkg-query -S "$p" 2>/dev/null | sed -n '1s/:.*//p') || true
		if [ -n "$pkg" ]; then echo "$pkg"; return 0; fi
	done
	echo "runtime-deps.sh: no package holds $1" >&2
	return 1
}

libs=$(ldd "$@") || exit 4
if echo "$libs" | grep -q 'not found'; then
	echo "runtime-deps.sh: a library is missing:" >&2
	echo "$libs" | grep 'not found' >&2
	exit 3
fi
pkgs=""
for lib in $(echo "$libs" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u); do
	pkg=$(owner "$lib")
	pkgs="$pkgs $pkg"
done
printf '%s\n' $pkgs | sort -u
