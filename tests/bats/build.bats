#!/usr/bin/env bats
# The build itself: what make reads besides the Makefile.

load helper

@test "make reads only the compiler's dependency files, not every *.d under the build" {
	# tests/valgrind.sh once wrapped build/bin/ad-score.d (a dependency
	# file) as a shell script, and every later make then died on it
	mkdir -p build/valgrind/bin build/obj/common
	printf '#!/bin/sh\nexec valgrind -q "$@"\n' > build/valgrind/bin/ad-score.d
	printf 'x.o: y.h\n' > build/obj/common/x.d
	run make -C "$ROOT" -n BUILD="$BATS_TEST_TMPDIR/build" headers
	assert_success
	refute_output --partial "missing separator"
}
