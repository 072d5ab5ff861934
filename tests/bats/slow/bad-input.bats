#!/usr/bin/env bats
# Bad input across the commands (issue 9): one table of kinds, each with the
# exit status and the message it must give, then the kinds that loop over
# every byte of a file (cuts and flips) and the 100 MB line. In the slow
# tier: `make test` runs it, `make check` does not.

load ../helper

# Inputs for the table, made once in the file's scratch folder, small.
setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	export PATH="${ADKIT_BIN:-$ROOT/bin}:$PATH"
	printf 'a,b\n1,2\n2,3\n3,1\n4,4\n' > tiny.csv
	printf 'a,b\n1,2\n3\n' > ragged.csv
	printf 'a,b\n1,2\n2,3\n3,1\n4,4\n5\n' > tinyragged.csv
	printf 'a,b\n1,2\n3,4,5\n' > long.csv
	printf 'a,b\n1,"2\n' > unterm.csv
	printf 'a,b\n1,a"b\n' > quote.csv
	printf 'a,b\n1,2\0\n' > nul.csv
	printf 'a,\0b\n1,2\n' > nulname.csv
	printf 'a,\xff\xfe\n1,2\n' > utf8.csv
	printf 'a,a\n1,2\n' > dup.csv
	printf 'a,b\n' > header.csv
	: > empty.csv
	printf 'a,b\n1e999,2\n' > 1e999.csv
	printf 'a,b\n1,2\n2,-1e999\n' > m1e999.csv
	printf 'a,b\n1,2\n2,0x10\n' > hex.csv
	printf 'a,b\n1,2\n2,--5\n' > minus.csv
	printf 'a,b\n1,2\n2,1.5.3\n' > dots.csv
	printf 'a,b\n1,2\n2,1,5\n' > comma.csv
	printf 'a,b\n1,2\ninf,3\n-Infinity,4\nNaN,5\nnan,6\n' > inf.csv
	printf 'x,y\n1,2\n' > other.csv
	printf 'score,label\n0.1,0\n0.2,x\n' > label.csv
	printf 'score,label\nabc,1\n0.5,0\n' > score.csv
	printf 'score,label\n0.1,0\n0.2\n' > evragged.csv
	printf 't,v\n2026-01-01T00:00:00Z,1\nyesterday,2\n' > time.csv
	printf 't,v\n2026-01-02T00:00:00Z,1\n2026-01-01T00:00:00Z,2\n' > back.csv
	printf 'a\n1\n' > onecol.csv
	ad-train -q --trees 2 --sample-size 4 --seed 1 -o tiny.model tiny.csv
	ad-features --scale standard -s tiny.params tiny.csv > /dev/null
	ad-clean -q -s clean.params tiny.csv > /dev/null
	ad-drift --profile -o tiny.prof tiny.csv
	ad-clean -q -F bin -o tiny.bin tiny.csv
	: > empty.model
	cp tiny.csv model.csv
}

setup() {
	cd "$BATS_FILE_TMPDIR" || return 1
}

# name | command line | exit status | stderr: a bash regex it must match
# whole (the kinds of bad input the issue lists, and their neighbours).
TABLE='
ragged row, ad-clean rejects and counts|ad-clean ragged.csv|0|ad-clean: ragged.csv: 2 rows read, 1 written; 1 rejected, .*
ragged row, ad-features stops|ad-features ragged.csv|3|ad-features: ragged.csv:3: expected 2 fields, got 1
row too long, ad-features stops|ad-features long.csv|3|ad-features: long.csv:3: expected 2 fields, got 3
ragged row, ad-drift profile counts|ad-drift --profile -o p ragged.csv|0|ad-drift: 1 rows rejected for their field count \(left out\)
ragged row, ad-drift current data counts|ad-drift -F csv -r tiny.prof tinyragged.csv|0|ad-drift: 1 rows rejected for their field count \(left out\)
ragged row, ad-score rejects and counts|ad-score -m tiny.model ragged.csv|0|ad-score: ragged.csv: 1 rows scored; 1 rejected \(not scored\), .*
ragged row, ad-eval counts|ad-eval evragged.csv|0|ad-eval: evragged.csv: .*1 rejected.*
unterminated quote|ad-clean unterm.csv|3|ad-clean: unterm.csv:2:2: quoted field not closed before the end of the input
unterminated quote, ad-score|ad-score -m tiny.model unterm.csv|3|ad-score: unterm.csv:2:2: quoted field not closed before the end of the input
quote inside a field|ad-features quote.csv|3|ad-features: quote.csv:2:2: malformed quoted field .*
NUL byte in a row, ad-clean|ad-clean nul.csv|3|ad-clean: nul.csv:2:2: NUL byte in the input .*
NUL byte in a row, ad-drift|ad-drift --profile -o p nul.csv|3|ad-drift: nul.csv:2:2: NUL byte in the input .*
NUL byte in a column name|ad-features nulname.csv|3|ad-features: nulname.csv:1:2: NUL byte in the input .*
NUL byte on stdin|ad-eval - < nul.csv|3|ad-eval: <stdin>:2:2: NUL byte in the input .*
invalid UTF-8 column name|ad-clean utf8.csv|3|ad-clean: utf8.csv:1:2: column name ".*" is not valid UTF-8 text
invalid UTF-8 column name, ad-train|ad-train -o m utf8.csv|3|ad-train: utf8.csv:1:2: column name ".*" is not valid UTF-8 text
duplicate column names|ad-features dup.csv|3|ad-features: dup.csv:1:2: duplicate column name "a"
duplicate column names, ad-drift|ad-drift --profile -o p dup.csv|3|ad-drift: dup.csv:1:2: duplicate column name "a"
empty input|ad-clean empty.csv|3|ad-clean: empty.csv:1: empty input: expected a header row
empty input, ad-score|ad-score -m tiny.model empty.csv|3|ad-score: empty.csv:1: empty input: expected a header row
only a header, ad-train|ad-train -o m header.csv|3|ad-train: header.csv: no rows to train on: .*
1e999, ad-features|ad-features 1e999.csv|3|ad-features: 1e999.csv:2:1: column "a": number out of range, got "1e999"
1e999, ad-clean blanks and counts|ad-clean 1e999.csv|0|ad-clean: 1e999.csv: 1 rows read, 1 written; 0 rejected, 1 invalid cells, .*
-1e999, ad-score counts|ad-score -m tiny.model m1e999.csv|0|ad-score: m1e999.csv: 2 rows scored; 0 rejected \(not scored\), 1 invalid feature cells .*
0x10 is no number, ad-score|ad-score -m tiny.model hex.csv|0|ad-score: hex.csv: 2 rows scored; 0 rejected \(not scored\), 1 invalid feature cells .*
0x10 is no number, ad-features -r|ad-features -r tiny.params hex.csv|3|ad-features: hex.csv:3:2: column "b": expected a number, got "0x10"
--5 is no number|ad-features -r tiny.params minus.csv|3|ad-features: minus.csv:3:2: column "b": expected a number, got "--5"
1.5.3 is no number|ad-features -r tiny.params dots.csv|3|ad-features: dots.csv:3:2: column "b": expected a number, got "1.5.3"
decimal comma makes a row too long|ad-features -r tiny.params comma.csv|3|ad-features: comma.csv:3: expected 2 fields, got 3
text score|ad-eval score.csv|3|ad-eval: score.csv:2:1: column "score": expected a number, got "abc"
label neither 0 nor 1|ad-eval label.csv|3|ad-eval: label.csv:3:2: column "label": expected a label .*
bad time|ad-features --time t time.csv|3|ad-features: time.csv:3:1: column "t": expected an ISO-8601 time .*got "yesterday"
time going back|ad-features --time t --diff back.csv|3|ad-features: back.csv:3:1: column "t": time goes back .*
model for other features|ad-score -m tiny.model other.csv|3|ad-score: other.csv: the model.s feature columns "a" and "b" are not in the input \(its 2 columns: x, y\); make the features .* with ad-features -r PARAMS
params for other columns|ad-features -r tiny.params other.csv|3|ad-features: other.csv: column "a" is not in the input \(its 2 columns: x, y\)
profile for other columns|ad-drift -r tiny.prof onecol.csv|3|ad-drift: onecol.csv: column "b" is not in the input \(its 1 column: a\)
params from ad-clean given to ad-features|ad-features -r clean.params tiny.csv|3|ad-features: clean.params:1: params file was written by ad-clean, not ad-features
params from ad-features given to ad-clean|ad-clean -r tiny.params tiny.csv|3|ad-clean: tiny.params:1: params file was written by ad-features, not ad-clean
params given as a model|ad-score -m clean.params tiny.csv|3|ad-score: clean.params: not an adkit model \(no model magic\)
profile given as a model|ad-drift -m tiny.prof tiny.csv|3|ad-drift: tiny.prof: not a model but an adkit profile
CSV given as a model|ad-score -m model.csv tiny.csv|3|ad-score: model.csv: not an adkit model \(no model magic\)
empty model|ad-score -m empty.model tiny.csv|3|ad-score: empty.model: not an adkit model \(no model magic\)
model given as params|ad-features -r tiny.model tiny.csv|3|ad-features: tiny.model: not a params file but an adkit model
profile given as params|ad-clean -r tiny.prof tiny.csv|3|ad-clean: tiny.prof: not a params file but an adkit profile
model given as a reference for a stream|ad-drift -r tiny.model tiny.bin|3|ad-drift: tiny.model: an adkit model, not data \(CSV or an adkit data stream\)
model given as a reference|ad-drift -r tiny.model tiny.csv|3|ad-drift: tiny.model: an adkit model, not data \(CSV or an adkit data stream\)
model given as data|ad-clean tiny.model|3|ad-clean: tiny.model: an adkit model, not data \(CSV or an adkit data stream\)
profile given as data|ad-eval tiny.prof|3|ad-eval: tiny.prof: an adkit profile, not data \(CSV or an adkit data stream\)
stream given as a model|ad-score -m tiny.bin tiny.csv|3|ad-score: tiny.bin: not a model but an adkit data stream
'

@test "the table of bad input: exit status and message of each kind" {
	local name cmd want re fails=0 n=0 st err LC_ALL=C
	while IFS='|' read -r name cmd want re; do
		[ -n "$name" ] || continue
		n=$((n + 1))
		st=0
		err=$(eval "$cmd" 2>&1 >/dev/null) || st=$?
		if [ "$st" != "$want" ] || [[ ! "$err" =~ ^$re$ ]]; then
			printf '%s: `%s` exit %s (want %s)\n  stderr: %s\n  want:   %s\n' \
			    "$name" "$cmd" "$st" "$want" "$err" "$re"
			fails=$((fails + 1))
		fi
	done <<< "$TABLE"
	echo "$n kinds, $fails wrong"
	[ "$n" -ge 40 ]
	[ "$fails" -eq 0 ]
}

# Runs "$2 I" for I = 0 .. $1 - 1 on one worker per core plus one (the
# runs wait on process starts as much as on the CPU), each worker taking
# every W-th I; prints what the runs print, one line per wrong outcome.
on_workers() {
	local n=$1 fn=$2 w i workers
	workers=$(($(nproc) + 1))
	rm -f wrong.*
	for ((w = 0; w < workers; w++)); do
		(for ((i = w; i < n; i += workers)); do "$fn" "$i"; done > "wrong.$w") &
	done
	wait
	cat wrong.*
}

# One damaged copy, dmg.d/$1, under $how's $cmd: exit 3 and one ad-
# message naming the file, never a crash.
damaged_copy() {
	local i=$1 st=0 err
	err=$(eval "${cmd//FILE/dmg.d/$i}" 2>&1 >/dev/null) || st=$?
	if [ "$st" != 3 ] || [[ ! "$err" =~ ^ad-[a-z]+:\ dmg\.d/$i[:\ ] ]] ||
	    [[ "$err" == *$'\n'* ]]; then
		echo "$how at byte $i: exit $st: $err"
	fi
}

# Runs cmd (with FILE standing for the damaged copy of src) once for each
# byte of src: cut before it, or with it flipped (all bits); every run must
# end with exit 3 and one ad- message naming the file, never a crash.
each_byte() {
	local how=$1 src=$2 cmd=$3 size wrong last
	size=$(wc -c < "$src")
	# a text file cut just before its final newline is still whole
	last=$size
	[ "$how" = cut ] && [ "$(tail -c 1 "$src" | od -An -c | tr -d ' ')" = '\n' ] &&
	    last=$((size - 1))
	rm -rf dmg.d && mkdir dmg.d
	# perl-base is essential in Debian: every copy in one process
	perl -e 'local $/; my ($how, $f) = @ARGV; open my $in, "<", $f or die;
	    binmode $in; my $d = <$in>; for my $i (0 .. length($d) - 1) {
	    my $c = $how eq "cut" ? substr($d, 0, $i) : $d;
	    substr($c, $i, 1) = chr(ord(substr($d, $i, 1)) ^ 255) if $how ne "cut";
	    open my $o, ">", "dmg.d/$i" or die; binmode $o; print $o $c; }' \
	    "$how" "$src"
	wrong=$(on_workers "$last" damaged_copy)
	[ -z "$wrong" ] || echo "$wrong"
	echo "$how: $size bytes, $(grep -c . <<< "$wrong") wrong"
	[ -z "$wrong" ]
}

@test "a model cut at every byte" {
	each_byte cut tiny.model 'ad-score -m FILE tiny.csv'
}

@test "a model with every byte flipped in turn" {
	each_byte flip tiny.model 'ad-score -m FILE tiny.csv'
}

@test "a profile cut at every byte" {
	each_byte cut tiny.prof 'ad-drift -r FILE tiny.csv'
}

@test "a profile with every byte flipped in turn" {
	each_byte flip tiny.prof 'ad-drift -r FILE tiny.csv'
}

@test "a params file cut at every byte" {
	each_byte cut tiny.params 'ad-features -r FILE tiny.csv'
}

# Flipping all bits makes any byte of a text file non-ASCII, so each copy
# must fail, wherever the byte is.
@test "a params file with every byte flipped in turn" {
	each_byte flip tiny.params 'ad-features -r FILE tiny.csv'
}

# Every cut, inside the magic too (a file of nothing but the magic's first
# bytes is no CSV), gets the stream's own message naming the byte.
# The stream cut before byte $1 (from 1) under ad-features: the stream's
# own message, naming the byte.
cut_stream() {
	local i=$(($1 + 1)) st=0 err
	head -c "$i" tiny.bin > "dmg.$i"
	err=$(ad-features "dmg.$i" 2>&1 >/dev/null) || st=$?
	if [ "$st" != 3 ] ||
	    [[ ! "$err" =~ ^ad-features:\ dmg\.$i:\ binary\ stream\ truncated\ .*\(at\ byte\ [0-9]+\)$ ]]; then
		echo "cut at $i: exit $st: $err"
	fi
	rm -f "dmg.$i"
}

@test "a binary stream cut at every byte of its header and its first block" {
	local wrong
	wrong=$(on_workers $(($(wc -c < tiny.bin) - 1)) cut_stream)
	[ -z "$wrong" ] || echo "$wrong"
	[ -z "$wrong" ]
}

# Made on the fly, never committed: a 100 MB field is data like any other
# when it is text, and a number out of range when the column is numeric.
@test "a 100 MB single line" {
	run_pipe '{ echo a,b; echo 1,2; head -c 100000000 /dev/zero | tr "\0" x; echo ,1; } |
	    ad-clean -q | wc -c'
	assert_success
	assert_output 100000011
	run_pipe '{ echo a,b; head -c 100000000 /dev/zero | tr "\0" 7; echo ,1; } |
	    ad-features 2>&1 >/dev/null | cut -c1-71'
	assert_failure 3
	assert_output 'ad-features: <stdin>:2:1: column "a": number out of range, got "7777777'
}

# One shared check (ad_cli_one_input) for every command's operand.
@test "two inputs, or an operand besides -i, are a usage error in every command" {
	local c
	for c in ad-clean ad-features ad-score ad-eval ad-drift ad-train; do
		run --separate-stderr "$c" -o out tiny.csv tiny.csv
		assert_failure 2
		assert_equal "${stderr%%$'\n'*}" "$c: give one input, as -i FILE or FILE"
		run --separate-stderr "$c" -o out -i tiny.csv tiny.csv
		assert_failure 2
		assert_equal "${stderr%%$'\n'*}" "$c: give one input, as -i FILE or FILE"
		[ ! -e out ]
	done
}
