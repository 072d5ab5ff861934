#!/bin/sh
# Adds up the logs of one `make test`: unit checks ("N passed, N failed"),
# bats tests (TAP "ok"/"not ok" lines) and replayed fuzz inputs, and prints
# one closing line. Exits 1 if anything failed, or nothing ran.
set -eu
awk '
	/: [0-9]+ passed, [0-9]+ failed$/ { p += $(NF-3); f += $(NF-1) }
	/^ok [0-9]+ / { p++ }
	/^not ok [0-9]+ / { f++ }
	/ inputs replayed$/ { p += $(NF-2) }
	END {
		printf "adkit: %d passed, %d failed\n", p, f
		exit f > 0 || p == 0
	}' "$@"
