#!/bin/sh
# Installs the Debian packages adkit needs, or says exactly how to.
# usage: scripts/deps.sh [--check] GROUP...
#   build  compile and link (what `make` and `make demo` need; the demo
#          needs nothing else)
#   check  run the plain build's tests (`make check`)
#   test   the whole suite (`make test`): check's, and the tools of the
#          image and monitoring tests
#   fuzz, bench
# With --check it only exits 1 if something is missing, printing nothing.
set -eu

check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi

# libmicrohttpd-dev, libjansson-dev: ad-serve's HTTP server and JSON decoder.
pkgs_build="make gcc g++ libc6-dev libcsv-dev libdouble-conversion-dev libfast-float-dev libxxhash-dev libmd-dev libopenblas-dev libsvm-dev libmicrohttpd-dev libjansson-dev pkg-config"
# parallel: bats --jobs runs test files side by side; jq: the cron job and
# its tests; time: /usr/bin/time measures peak memory in tests; curl:
# ad-serve.bats talks to the server over loopback; python3-kubernetes,
# python3-jsonschema, python3-yaml: serving.bats checks the serving
# manifests against the Kubernetes API models and a JSON Schema, offline.
pkgs_check="bats bats-assert bats-support mandoc groff-base parallel time jq curl python3-kubernetes python3-jsonschema python3-yaml"
# mmdebstrap, podman, runc: the image (make image-test); prometheus,
# prometheus-alertmanager: promtool, amtool; chromium: renders ad-eval's SVG
# plots for tests/render (make render).
pkgs_test="$pkgs_check prometheus prometheus-alertmanager mmdebstrap podman runc chromium"
pkgs_fuzz="clang libclang-rt-14-dev"
# wrk, python3-fastapi, uvicorn: bench/serve.sh (load on ad-serve, and the
# Python server it is compared with).
pkgs_bench="python3-pandas python3-numpy python3-sklearn python3-scipy hyperfine libsvm-tools wrk python3-fastapi uvicorn"

want=""
for g in "$@"; do
	case "$g" in
	build | demo) want="$want $pkgs_build" ;;
	check) want="$want $pkgs_check" ;;
	test) want="$want $pkgs_test" ;;
	fuzz) want="$want $pkgs_fuzz" ;;
	bench) want="$want $pkgs_bench" ;;
	*) echo "deps.sh: unknown group '$g'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0
[ "$check" -eq 1 ] && exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "adkit needs these Debian packages:$missing" >&2
	echo "Install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "Installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists may be empty on a fresh machine; fetch them once.
if ! apt-get install -y --no-install-recommends $missing; then
	apt-get update
	apt-get install -y --no-install-recommends $missing
fi
