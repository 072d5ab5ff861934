#!/usr/bin/env bats
# I/O faults (issue 9): a full disk, reads cut short or interrupted, an
# input file changed while it is read, a signal during -o, a reader that
# goes away. ADKIT_SHIM is tests/fault/shortread.c built by the Makefile.

load helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	export PATH="${ADKIT_BIN:-$ROOT/bin}:$PATH"
	# a model records when it was made: two runs a second apart must still
	# write the same bytes
	export SOURCE_DATE_EPOCH=1700000000
	# 20000 rows: every command's output is larger than a pipe's buffer
	awk 'BEGIN { print "id,cpu,mem,label"
	    for (i = 1; i <= 20000; i++)
	        printf "%d,%.2f,%.2f,%d\n", i, (i * 7919) % 1000 / 10,
	            (i * 104729) % 1000 / 10, i % 97 == 0 }' > big.csv
	ad-train -q --trees 10 --seed 1 --label label -o big.model big.csv
	ad-features --scale standard -s big.params big.csv > /dev/null
	ad-clean -q -s clean.params big.csv > /dev/null
	ad-drift --profile -o big.prof big.csv
	ad-score -q -m big.model -o scored.csv big.csv
}

setup() {
	cd "$BATS_FILE_TMPDIR" || return 1
}

# Every command, one per line, writing its main output to stdout.
COMMANDS='ad-clean big.csv
ad-clean -r clean.params -F bin big.csv
ad-features -r big.params big.csv
ad-train --trees 10 --seed 1 -o - big.csv
ad-score -m big.model big.csv
ad-eval scored.csv
ad-drift --profile big.csv
ad-drift -r big.prof -F csv big.csv'

# The commands that write one line per input row.
ROWS='ad-clean big.csv
ad-clean -r clean.params -F bin big.csv
ad-features -r big.params big.csv
ad-score -m big.model big.csv'

# Runs the shim in either build: ASan must otherwise come first.
shim() {
	[ -n "$ADKIT_SHIM" ] || skip "ADKIT_SHIM not set (make bats sets it)"
	LD_PRELOAD="$ADKIT_SHIM" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}

@test "/dev/full as standard output: exit 4 naming <stdout>, for every command" {
	local cmd st err fails=0
	while read -r cmd; do
		st=0
		err=$($cmd -q 2>&1 > /dev/full) || st=$?
		if [ "$st" != 4 ] || [ "$err" != "${cmd%% *}: <stdout>: write error: No space left on device" ]; then
			echo "$cmd: exit $st: $err"
			fails=$((fails + 1))
		fi
	done <<< "$COMMANDS"
	[ "$fails" -eq 0 ]
}

@test "/dev/full as -o: exit 4 naming /dev/full" {
	run --separate-stderr ad-clean -q -o /dev/full big.csv
	assert_failure 4
	[ "$stderr" = "ad-clean: /dev/full: write error: No space left on device" ]
}

@test "reads of one byte, every other one interrupted: output identical" {
	local cmd fails=0
	printf 'id,cpu,mem,label\n' > small.csv
	sed -n '2,400p' big.csv >> small.csv
	while read -r cmd; do
		cmd=${cmd//big.csv/small.csv}
		$cmd -q > want 2>&1 || true
		shim $cmd -q > got 2>&1 || true
		cmp -s want got || { echo "$cmd differs"; fails=$((fails + 1)); }
	done <<< "$COMMANDS"
	# stdin, a pipe, too
	ad-clean -q < small.csv > want
	shim ad-clean -q < small.csv > got
	cmp want got
	[ "$fails" -eq 0 ]
}

# Linux keeps a deleted file's data while it is open: the read goes on to
# the end, and the output is that of an undisturbed run.
@test "an input file deleted mid-read is read to its end" {
	head -n 300 big.csv > doomed.csv
	ad-clean -q doomed.csv > want
	ADKIT_SHIM_UNLINK=doomed.csv shim ad-clean -q -o got doomed.csv
	[ ! -e doomed.csv ]
	cmp want got
}

# A file cut short under the reader (a log rotated by truncation) would
# pass for a shorter input, its last row perhaps half there: the reader
# compares with the size the file had when opened, and fails (exit 4, an
# I/O fault, not bad data) with no output file.
@test "an input file truncated mid-read: exit 4, no output" {
	head -n 300 big.csv > shrinking.csv
	size=$(wc -c < shrinking.csv)
	ADKIT_SHIM_TRUNCATE=shrinking.csv run --separate-stderr shim ad-clean -q -o out.csv shrinking.csv
	assert_failure 4
	[ "$stderr" = "ad-clean: shrinking.csv: file shrank while being read ($((size / 2)) of $size bytes)" ]
	[ ! -e out.csv ]
}

# The output is an O_TMPFILE linked on completion: a signal mid-run leaves
# neither a partial file nor a changed old one.
signal_during_output() {
	local sig=$1 st=0
	rm -f slow.fifo && mkfifo slow.fifo
	echo "old contents" > out.csv
	# a background job of a script ignores SIGINT: perl restores it
	perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die' \
	    ad-clean -q -o out.csv slow.fifo &
	exec 7> slow.fifo
	# rows enough to be written out, then the input stays open: mid-run
	head -n 12000 big.csv >&7
	sleep 0.5
	kill -s "$sig" $!
	wait $! || st=$?
	exec 7>&-
	[ "$st" -eq $((128 + $(kill -l "$sig"))) ]
	[ "$(cat out.csv)" = "old contents" ]
	[ "$(ls -a | grep -c 'out')" = 1 ]
}

@test "SIGTERM during -o FILE leaves the old FILE and no partial one" {
	signal_during_output TERM
}

@test "SIGINT during -o FILE leaves the old FILE and no partial one" {
	signal_during_output INT
}

@test "a closed pipe downstream, mid-header or mid-row: exit 0, no message" {
	local cmd n st err fails=0
	while read -r cmd; do
		for n in 0 1 5 17 100 4097 65536 300000; do
			st=0
			err=$(bash -o pipefail -c "$cmd | head -c $n > /dev/null" 2>&1) || st=$?
			if [ "$st" != 0 ] || [ -n "$err" ]; then
				echo "$cmd | head -c $n: exit $st: $err"
				fails=$((fails + 1))
			fi
		done
	done <<< "$ROWS"
	[ "$fails" -eq 0 ]
}
