# Shared set-up for adkit's bats tests: commands come from $ADKIT_BIN (the
# plain or the sanitized build), each test runs in its own scratch folder.
bats_require_minimum_version 1.5.0

# bats-support and bats-assert, sourced file by file: their load.bash
# forks a dirname for each of 15 files, and every test loads this helper
# anew (35 ms a test, a fifth of `make check`). bats_load_library where
# they are not found in BATS_LIB_PATH (its error names what is missing).
load_assert_libraries() {
	local dir f
	for dir in ${BATS_LIB_PATH//:/ }; do
		[ -f "$dir/bats-assert/load.bash" ] &&
			[ -f "$dir/bats-support/load.bash" ] || continue
		for f in "$dir"/bats-support/src/*.bash "$dir"/bats-assert/src/*.bash; do
			source "$f" || return 1
		done
		return 0
	done
	bats_load_library bats-support && bats_load_library bats-assert
}
load_assert_libraries

# the repository: the nearest folder above the test file with a Makefile
# (tests/bats, or tests/bats/slow for the slow tier); no forks, as above
ROOT="$BATS_TEST_DIRNAME"
while [ ! -f "$ROOT/Makefile" ] && [ -n "$ROOT" ]; do ROOT=${ROOT%/*}; done
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
