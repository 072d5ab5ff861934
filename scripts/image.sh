#!/bin/sh
# Builds adkit's container image with podman, without a registry:
#   1. a debian:bookworm-slim base root file system from Debian's archive
#      (mmdebstrap, variant essential plus apt, merged /usr, no docs),
#   2. pipelines/Dockerfile, unchanged, on top of it.
# Each step is skipped when the image it would make exists and was made from
# the same inputs (a hash kept in an image label), so a second run is quick.
# usage: scripts/image.sh [-f]        (-f: rebuild both, even if up to date)
# Prints the image name. Needs root (mmdebstrap, podman's storage).
set -eu
cd "$(dirname "$0")/.."

export CONTAINERS_CONF="$PWD/pipelines/containers.conf"
version=$(sed -n 's/^#define AD_VERSION "\(.*\)"$/\1/p' lib/common/ad.h)
image="localhost/adkit:$version"
base=docker.io/library/debian:bookworm-slim
mirror=${ADKIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${ADKIT_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
out=build/image
force=0
[ "${1:-}" = "-f" ] && force=1

say() { printf 'image.sh: %s\n' "$*" >&2; }

# The value of LABEL on IMAGE, or nothing when there is no such image.
label_of() {
	podman image inspect --format "{{index .Labels \"$2\"}}" "$1" 2>/dev/null || true
}

# Like Debian's official slim images: no documentation, man pages or
# translations, and no recommended packages.
set -- --variant=essential --include=apt \
	--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/lintian/*' \
	--aptopt='APT::Install-Recommends "false"' \
	--format=tar bookworm "$out/rootfs.tar" \
	"deb $mirror bookworm main" \
	"deb $mirror bookworm-updates main" \
	"deb $security bookworm-security main"
base_hash=$(printf '%s\n' "$@" | sha256sum | cut -c1-16)

mkdir -p "$out"
if [ "$force" -eq 0 ] && [ "$(label_of "$base" adkit.base)" = "$base_hash" ]; then
	say "base $base is up to date"
else
	say "building the base $base with mmdebstrap"
	rm -f "$out/rootfs.tar"
	# Its hooks talk even when quiet: keep that for when it fails.
	mmdebstrap --quiet "$@" > "$out/mmdebstrap.log" 2>&1 ||
		{ cat "$out/mmdebstrap.log" >&2; exit 4; }
	podman import --quiet --change "LABEL adkit.base=$base_hash" \
		"$out/rootfs.tar" "$base" >/dev/null
	rm -f "$out/rootfs.tar"
fi

# Exactly the files the build sees (.dockerignore), the Dockerfile, and
# the base image.
src_hash=$({
	find Makefile cmd lib man scripts/deps.sh scripts/runtime-deps.sh \
		pipelines/Dockerfile .dockerignore -type f ! -path lib/libadkit.a |
		LC_ALL=C sort | xargs sha256sum
	podman image inspect --format '{{.Id}}' "$base"
} | sha256sum | cut -c1-16)

if [ "$force" -eq 0 ] && [ "$(label_of "$image" adkit.source)" = "$src_hash" ]; then
	say "$image is up to date"
else
	say "building $image"
	old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
	# apt in the build needs the network that containers.conf turns off.
	podman build --quiet --pull=never --network=host \
		--label "adkit.source=$src_hash" \
		-f pipelines/Dockerfile -t "$image" -t localhost/adkit:latest . >/dev/null
	# The image this one replaces, unless something else still uses it.
	if [ -n "$old" ] && [ "$old" != "$(podman image inspect --format '{{.Id}}' "$image")" ]; then
		podman rmi "$old" >/dev/null 2>&1 || true
	fi
fi
echo "$image"
