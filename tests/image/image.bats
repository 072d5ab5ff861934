#!/usr/bin/env bats
# The container image from the outside (`make image-test`): it builds (or
# is up to date), runs as a non-root user without network, holds every
# command and man page and no compiler, the demo pipeline run inside it
# writes the same files as the same script run on this machine, and
# ad-serve inside it answers the sample with the batch scores.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
export CONTAINERS_CONF="$ROOT/pipelines/containers.conf"

setup_file() {
	IMAGE=$("$ROOT/scripts/image.sh")
	export IMAGE
}

# Runs a shell command line in a throwaway container of the image.
in_image() {
	run podman run --rm "$IMAGE" sh -c "$1"
}

# A copy of the demo script and its data in $1, as `make demo` expects them.
demo_tree() {
	mkdir -p "$1/scripts" "$1/data"
	cp "$ROOT/scripts/demo.sh" "$1/scripts/"
	cp "$ROOT/data/servers.csv" "$1/data/"
}

@test "the image runs as a non-root user with no network" {
	in_image 'id -u; id -un; cat /proc/net/dev | tail -n +3 | cut -d: -f1'
	assert_success
	assert_line --index 0 10001
	assert_line --index 1 adkit
	assert_equal "$(echo "$output" | sed -n '3,$p' | tr -d ' ')" lo
}

@test "every command is in the image and answers --version" {
	cmds=$(cd "$ROOT/cmd" && ls ad-*.c | sed 's/\.c$//' | tr '\n' ' ')
	[ -n "$cmds" ]
	in_image "for c in $cmds; do \$c --version || exit; done"
	assert_success
	for c in $cmds; do
		assert_line --regexp "^$c \\(adkit\\) [0-9]+\\.[0-9]+\\.[0-9]+\$"
	done
}

@test "every man page is in the image" {
	pages=$(cd "$ROOT/man" && ls *.[157] | sed 's|.*\.\(.\)$|man\1/&.gz|' | tr '\n' ' ')
	in_image "cd /usr/local/share/man && ls $pages"
	assert_success
}

@test "the runtime image has the libraries, no compiler and no -dev packages" {
	in_image 'dpkg-query -W -f "\${Package}\n"; command -v gcc cc make || true'
	assert_success
	assert_line libcsv3
	refute_line --regexp -- '-dev$'
	refute_line --regexp '^/'
}

# The runtime libraries are what they are (OpenBLAS alone installs 43 MB:
# kernels for every CPU); what adkit adds beyond them must stay small.
@test "the image adds its runtime libraries and at most 5 MB more to debian:bookworm-slim" {
	local base_image=docker.io/library/debian:bookworm-slim size base added
	size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
	base=$(podman image inspect --format '{{.Size}}' "$base_image")
	cd "$BATS_TEST_TMPDIR"
	podman run --rm "$base_image" dpkg-query -W -f '${Package}\n' | sort > base.txt
	podman run --rm "$IMAGE" dpkg-query -W -f '${Package}\t${Installed-Size}\n' |
		sort > image.txt
	# KiB installed by the packages the base does not have
	added=$(join -t "$(printf '\t')" -v 1 image.txt base.txt |
		awk -F '\t' '{ s += $2 } END { print s + 0 }')
	echo "image $size bytes, base $base bytes, added packages $added KiB"
	[ "$added" -gt 0 ]
	[ $((size - base - added * 1024)) -le 5000000 ]
}

@test "the demo runs in the container and writes what it writes on this machine" {
	demo_tree "$BATS_TEST_TMPDIR/in"
	chown -R 10001:10001 "$BATS_TEST_TMPDIR/in"
	run podman run --rm -v "$BATS_TEST_TMPDIR/in:/work/demo" -w /work/demo \
		"$IMAGE" sh scripts/demo.sh
	assert_success
	assert_output --partial "exit status: 1"
	assert_line --partial "Done. Outputs are in build/demo/."

	demo_tree "$BATS_TEST_TMPDIR/host"
	ln -s "${ADKIT_BIN:-$ROOT/bin}" "$BATS_TEST_TMPDIR/host/bin"
	run sh "$BATS_TEST_TMPDIR/host/scripts/demo.sh"
	assert_success
	for f in clean.csv rejects.csv quality.json clean.params features.csv \
		features.params scored.csv curves.csv eval.svg monday.prof; do
		cmp "$BATS_TEST_TMPDIR/in/build/demo/$f" "$BATS_TEST_TMPDIR/host/build/demo/$f"
	done
}

@test "ad-serve in the container answers the sample with the batch pipeline's scores" {
	mkdir -p "$BATS_TEST_TMPDIR/serve"
	cp "$ROOT/data/servers.csv" "$ROOT/tests/image/serve.sh" "$BATS_TEST_TMPDIR/serve/"
	chown -R 10001:10001 "$BATS_TEST_TMPDIR/serve"
	run podman run --rm -v "$BATS_TEST_TMPDIR/serve:/work/serve" -w /work/serve \
		"$IMAGE" bash serve.sh
	assert_success
	assert_output $'HTTP/1.1 200 OK\nsame'
	[ "$(wc -l < "$BATS_TEST_TMPDIR/serve/batch.csv")" -gt 3000 ]
}

# Kubernetes runs ad-serve as the container's process 1, which gets only
# the signals it asks for: SIGHUP (a store published anew) and SIGTERM (a
# pod stopped) must still reach it.
@test "ad-serve as the container's first process reloads on SIGHUP and stops with status 0 on SIGTERM" {
	local d="$BATS_TEST_TMPDIR/pid1" id
	mkdir -p "$d/store/m/releases/r1"
	"${ADKIT_BIN:-$ROOT/bin}/ad-train" -q -a zscore --features cpu,mem \
		-o "$d/store/m/releases/r1/model" \
		"$ROOT/data/servers.csv"
	ln -s releases/r1 "$d/store/m/current"
	chown -R 10001:10001 "$d"
	id=$(podman run -d -v "$d:/work/s:ro" "$IMAGE" \
		ad-serve --store /work/s/store --listen 127.0.0.1:8080)
	for _ in $(seq 100); do
		podman logs "$id" 2>&1 | grep -q '^listening on ' && break
		sleep 0.1
	done
	podman kill -s HUP "$id"
	for _ in $(seq 100); do
		podman logs "$id" 2>&1 | grep -q 'SIGHUP: reloaded' && break
		sleep 0.1
	done
	podman stop -t 10 "$id"
	status_of_stop=$(podman wait "$id")
	run podman logs "$id"
	podman rm "$id"
	assert_line 'listening on 127.0.0.1:8080'
	assert_line 'ad-serve: SIGHUP: reloaded, 1 models, nothing changed'
	[ "$status_of_stop" = 0 ]
}
