#!/bin/sh
# Compiles every pipeline definition again with the KFP SDK on PYTHONPATH
# and compares the result with the committed YAML, byte for byte. The SDK
# must be the release README.md pins ("Compiled with the KFP SDK X"); it is
# not in Debian, so `make test` cannot run it (tests/bats/pipelines.bats
# checks the version line and each step instead): run this after setting up
# the SDK as README.md's "Compiling" says.
# usage: pipelines/verify-compiled.sh        (exit 0: all identical)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
want=$(sed -nE 's/^Compiled with the KFP SDK ([0-9]+(\.[0-9]+)*).*/\1/p' "$here/README.md")
have=$(/usr/bin/python3 -c 'import kfp; print(kfp.__version__)') || {
	echo "$0: no KFP SDK on PYTHONPATH; see pipelines/README.md" >&2; exit 2; }
[ "$have" = "$want" ] || {
	echo "$0: the SDK on PYTHONPATH is $have; README.md pins $want" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$here" "$tmp/pipelines"
rm -f "$tmp"/pipelines/*.yaml
status=0
for py in "$here"/*.py; do
	name=$(basename "$py" .py)
	[ "$name" = adkit_kfp ] && continue
	(cd "$tmp" && env -u ADKIT_COMPONENTS /usr/bin/python3 "pipelines/$name.py")
	if cmp -s "$tmp/pipelines/$name.yaml" "$here/$name.yaml"; then
		echo "$name.yaml: as KFP SDK $have compiles it"
	else
		echo "$name.yaml: differs from what KFP SDK $have compiles:" >&2
		diff "$here/$name.yaml" "$tmp/pipelines/$name.yaml" | head -n 20 >&2 || :
		status=1
	fi
done
exit $status
