# Shared set-up for adkit's bats tests: commands come from $ADKIT_BIN (the
# plain or the sanitized build), each test runs in its own scratch folder.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

# the repository: the nearest folder above the test file with a Makefile
# (tests/bats, or tests/bats/slow for the slow tier)
ROOT="$BATS_TEST_DIRNAME"
while [ ! -f "$ROOT/Makefile" ] && [ "$ROOT" != / ]; do ROOT=$(dirname "$ROOT"); done
ROOT="$(cd "$ROOT" && pwd)"
FIX="$ROOT/tests/fixtures"
GOLD="$ROOT/tests/golden"
export PATH="${ADKIT_BIN:-$ROOT/bin}:$PATH"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# Whether binary streams $1 and $2 ("-": stdin) hold the same rows, read
# back as CSV: their lineage differs when the input's name or the params
# applied do (adkit(5)).
same_rows() {
	cmp <(ad-clean -q -F csv "$1") <(ad-clean -q -F csv "$2")
}

# Runs a pipeline in bash -o pipefail and records its status like `run`.
run_pipe() {
	run bash -o pipefail -c "$1"
}
