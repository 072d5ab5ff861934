#!/usr/bin/env bats
# ad-features from the outside: options, exit codes, messages, numbers
# against scikit-learn and exact references, fit/restore identity.

load helper

NUM="$FIX/features-num.csv"
TS="$FIX/features-ts.csv"
NEW="$FIX/features-new.csv"
# The context configuration of tests/golden/features-context*.
CTX="--time timestamp --group host --scale standard --lags 1,2 --diff --rolling 3,5 --ewm 0.5 --calendar --onehot host --freq host --keep label"

# Compares CSV files cell by cell: text equal, numbers within 1e-12
# relative to the larger of 1 and their magnitudes, missing with missing.
near_csv() {
	awk -v tol=1e-12 '
	function abs(v) { return v < 0 ? -v : v }
	function isnum(s) { return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
	NR == FNR { want[FNR] = $0; n = FNR; next }
	{
		if (!(FNR in want)) { print "extra line " FNR; bad = 1; exit }
		nx = split(want[FNR], x, ","); ny = split($0, y, ",")
		if (nx != ny) { print "line " FNR ": " ny " fields, want " nx; bad = 1; next }
		for (i = 1; i <= ny; i++) {
			if (x[i] == y[i]) continue
			if (!isnum(x[i]) || !isnum(y[i])) {
				print "line " FNR " field " i ": \"" y[i] "\", want \"" x[i] "\""
				bad = 1; continue
			}
			s = abs(x[i] + 0); if (abs(y[i] + 0) > s) s = abs(y[i] + 0); if (s < 1) s = 1
			if (abs(x[i] - y[i]) > tol * s) { print "line " FNR " field " i ": " y[i] ", want " x[i]; bad = 1 }
		}
	}
	END { if (!bad && FNR != n) { print "got " FNR " lines, want " n; bad = 1 } exit bad }' "$1" "$2"
}

# The value of column $2 in line $3 of CSV file $1.
cell() {
	awk -F, -v col="$2" -v row="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
		NR == row { print $c }' "$1"
}

# ---- the command line ----

@test "--help prints the usage on stdout and exits 0" {
	run ad-features --help
	assert_success
	assert_line --index 0 --partial "ad-features:"
	assert_output --partial "usage: ad-features [-nqV]"
	run ad-features -h
	assert_success
}

@test "--version names the command and adkit" {
	run ad-features --version
	assert_success
	assert_output --regexp '^ad-features \(adkit\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown option or a missing value is a usage error on stderr" {
	run --separate-stderr ad-features --no-such-option
	assert_failure 2
	assert_equal "$output" ""
	[[ "$stderr" == "ad-features: unknown option --no-such-option"* ]]
	[[ "$stderr" == *"usage: ad-features"* ]]
	run --separate-stderr ad-features --lags
	assert_failure 2
	[[ "$stderr" == "ad-features: option --lags needs a value"* ]]
}

@test "numbers in options are checked strictly, naming the option" {
	for bad in 0 x 1.5 -1 100001 "1,,2" ""; do
		run --separate-stderr ad-features --lags "$bad" "$TS"
		assert_failure 2
		[[ "$stderr" == "ad-features: --lags"* ]]
	done
	run --separate-stderr ad-features --rolling 100001 "$TS"
	assert_failure 2
	[[ "$stderr" == "ad-features: --rolling must be from 1 to 100000, not 100001"* ]]
	for bad in 0 1.5 -0.5 abc nan; do
		run --separate-stderr ad-features --ewm "$bad" "$TS"
		assert_failure 2
		[[ "$stderr" == "ad-features: --ewm"* ]]
	done
	run --separate-stderr ad-features --max-categories 0 --onehot host "$TS"
	assert_failure 2
	[[ "$stderr" == "ad-features: --max-categories must be from 1"* ]]
	for bad in -1 x 1048577; do
		run --separate-stderr ad-features --memory "$bad" "$TS"
		assert_failure 2
		[[ "$stderr" == "ad-features: --memory"* ]]
	done
}

@test "bad --scale items, delimiter, format and lists are usage errors" {
	for bad in bogus "a=" "=robust" "a=robust,," "standard,b=Standard"; do
		run --separate-stderr ad-features --scale "$bad" "$NUM"
		assert_failure 2
		[[ "$stderr" == "ad-features: --scale"* ]]
	done
	run ad-features -d ab "$NUM"
	assert_failure 2
	run ad-features -F json "$NUM"
	assert_failure 2
	run ad-features --keep 'a,,b' "$NUM"
	assert_failure 2
}

@test "two inputs, --save with --restore, --select with --drop are usage errors" {
	run ad-features -i "$NUM" "$NUM"
	assert_failure 2
	run ad-features -s p -r p "$NUM"
	assert_failure 2
	run --separate-stderr ad-features --select a --drop b "$NUM"
	assert_failure 2
	[[ "$stderr" == "ad-features: --select and --drop cannot be combined"* ]]
}

@test "options that contradict each other are usage errors, said why" {
	check() {
		run --separate-stderr ad-features "$@"
		assert_failure 2
		[[ "$stderr" == "ad-features: $want"* ]] || { echo "$stderr"; false; }
	}
	want="--calendar needs --time" check --calendar "$TS"
	want="--sort needs --time" check --sort --lags 1 "$TS"
	want="--group needs --lags" check --group host "$TS"
	want="--context needs --lags" check --context cpu "$TS"
	want="--max-categories needs --onehot" check --max-categories 3 "$TS"
	want="--lags repeats a value" check --lags 1,2,1 "$TS"
	want="--rolling repeats a value" check --rolling 3,3 "$TS"
	want="--ewm repeats a value" check --ewm 0.5,0.50 "$TS"
	want="--time and --group name the same column" check --time host --group host --lags 1 "$TS"
	want='--keep names "label" twice' check --keep label,label "$TS"
	want='--keep and --log both name "cpu"' check --keep cpu --log cpu "$TS"
	want='--onehot and --time both name "timestamp"' check --time timestamp --onehot timestamp "$TS"
	want='--log and --group both name "cpu"' check --group cpu --lags 1 --log cpu "$TS"
	want='--keep and --scale both name "cpu"' check --keep cpu --scale cpu=robust "$TS"
	want='--onehot and --scale both name "cpu"' check --onehot cpu --scale cpu=robust "$TS"
	want='--log names "cpu", which --drop removes' check --log cpu --drop cpu "$TS"
	want='--scale names "lat", which --select leaves out' check --select cpu --scale lat=robust "$TS"
}

@test "--applied copies the params restored, and needs --restore" {
	printf 'a,b\n1,2\n3,5\n4,4\n' > in.csv
	ad-features -q --scale standard -s p.txt -o one.csv in.csv
	ad-features -q -r p.txt --applied copy.txt -o two.csv in.csv
	cmp p.txt copy.txt
	cmp one.csv two.csv
	run --separate-stderr ad-features --applied copy2.txt in.csv
	assert_failure 2
	[[ "$stderr" == "ad-features: --applied needs --restore"* ]]
	[ ! -e copy2.txt ]
}

@test "--restore refuses every option the params file fixes" {
	ad-features -q --scale standard -s p.txt "$NUM" > /dev/null
	for opt in "--scale robust" "--log a" "--onehot a" "--max-categories 3" \
	    "--freq a" "--time a" "--group a" "--context a" "--lags 1" "--diff" \
	    "--rolling 3" "--ewm 0.5" "--calendar" "--keep a" "--select a" \
	    "--drop a" "-s q.txt"; do
		run --separate-stderr ad-features -r p.txt $opt "$NUM"
		assert_failure 2
		[[ "$stderr" == "ad-features: "*"cannot be combined with --restore"* ]] ||
		[[ "$stderr" == "ad-features: --save and --restore cannot be combined"* ]]
	done
	# --sort does not change the features, so it may be given
	ad-features -q --time timestamp --lags 1 --keep label -s s.txt "$TS" > one.csv
	run ad-features -r s.txt --sort "$TS"
	assert_success
	assert_equal "$output" "$(cat one.csv)"
	# but only with a time column to sort by
	run --separate-stderr ad-features -r p.txt --sort "$NUM"
	assert_failure 2
	[[ "$stderr" == "ad-features: --sort needs a time column, and the params file p.txt has none"* ]]
}

# ---- numbers ----

@test "standard, minmax and robust scaling agree with scikit-learn to 1e-12" {
	for m in standard minmax robust; do
		ad-features -q --scale "$m" --keep id,label "$NUM" > "$m.csv"
		near_csv "$GOLD/features-$m.csv" "$m.csv"
	done
	ad-features -q --scale robust --log b,e --keep id,label "$NUM" > lr.csv
	near_csv "$GOLD/features-log-robust.csv" lr.csv
}

@test "the comparison with the references can fail" {
	ad-features -q --scale minmax --keep id,label "$NUM" > mm.csv
	run near_csv "$GOLD/features-standard.csv" mm.csv
	assert_failure
	sed '3s/,0\.[0-9]/,0.5/' mm.csv > off.csv
	run near_csv "$GOLD/features-minmax.csv" off.csv
	assert_failure
}

@test "context, calendar and encodings agree with the exact reference" {
	ad-features -q $CTX "$TS" > ctx.csv
	near_csv "$GOLD/features-context-ref.csv" ctx.csv
	cmp ctx.csv "$GOLD/features-context.csv"
}

@test "the params file matches its golden copy" {
	ad-features -q $CTX -s p.txt -o /dev/null "$TS"
	head -1 p.txt | grep -qx 'adkit-params 1 ad-features'
	cmp p.txt "$GOLD/features-context.params"
}

@test "a constant column is only centred, noted on stderr" {
	run --separate-stderr ad-features --scale standard --keep id,label -s p.txt "$NUM"
	assert_success
	[[ "$stderr" == *'1 scaled column(s) are constant ("c"); they are only centred'* ]]
	grep -qx 'column c numeric standard 0.1 1' p.txt
	# a new value shows its distance from the constant
	sed 's/,0\.1,/,2.1,/' "$NUM" > moved.csv
	ad-features -r p.txt moved.csv > out.csv
	assert_equal "$(cell out.csv c 2)" "2"
	for m in minmax robust; do
		ad-features -q --scale "$m" --select c "$NUM" | sort -u > c.csv
		assert_equal "$(cat c.csv)" "$(printf '0\nc')"
	done
}

@test "--scale per column overrides the column-wide method" {
	ad-features -q --scale minmax,b=robust --scale d=none --keep id,label -s p.txt "$NUM" > out.csv
	grep -q '^column a numeric minmax ' p.txt
	grep -q '^column b numeric robust ' p.txt
	grep -qx 'column d numeric none' p.txt
	assert_equal "$(cell out.csv d 2)" "$(cell "$NUM" d 2)"
	assert_equal "$(cell out.csv id 3)" "2"
}

@test "missing values stay missing and the statistics skip them" {
	ad-features -q --scale standard --keep id,label "$NUM" > out.csv
	assert_equal "$(cell out.csv d 5)" ""     # id 4: empty
	assert_equal "$(cell out.csv d 24)" ""    # id 23: NA
	[ -n "$(cell out.csv d 6)" ]
	ad-features -q --onehot host --freq host --keep label <(sed '3s/,web1,/,,/' "$TS") > oh.csv
	assert_equal "$(sed -n 3p oh.csv | cut -d, -f2-6)" ",,,,"
}

@test "--log is sign(x) log(1 + |x|), and 0 stays 0" {
	printf 'x\n0\n1\n-1\n-0\n' > l.csv
	run ad-features -q --log x l.csv
	assert_output "$(printf 'x\n0\n0.6931471805599453\n-0.6931471805599453\n-0')"
}

# ---- encodings ----

@test "--onehot keeps the K most frequent, in byte order, ties to the first" {
	printf 'c\nc\nb\nb\na\nc\nc\nd\nd\n' > k.csv
	run ad-features -q --onehot c --max-categories 2 k.csv
	assert_line --index 0 'c=b,c=c,c=other'
	assert_line --index 1 '0,1,0'
	assert_line --index 3 '1,0,0'
	assert_line --index 4 '0,0,1'
	run ad-features -q --freq c k.csv
	assert_line --index 1 '0.375'
	assert_line --index 4 '0.125'
}

@test "a category spelled other counts in the other column" {
	printf 'c\nother\nother\nx\n' > o.csv
	run ad-features -q --onehot c o.csv
	assert_output "$(printf 'c=x,c=other\n0,1\n0,1\n1,0')"
}

@test "an unseen category goes to other, frequency 0, counted and never an error" {
	ad-features -q --onehot host --freq host --keep timestamp,label -s p.txt -o /dev/null "$TS"
	run --separate-stderr ad-features -r p.txt "$NEW"
	assert_success
	[[ "$stderr" == 'ad-features: 2 cell(s) held categories not seen when fitting (first in column "host"); they count as other, frequency 0' ]]
	assert_line --index 0 'timestamp,host=db1,host=web1,host=web2,host=other,host_freq,cpu,lat,label'
	assert_line --index 2 '2026-11-02T00:30:00Z,0,0,0,1,0,30.1,12,0'
	run --separate-stderr ad-features -q -r p.txt "$NEW"
	assert_equal "$stderr" ""
}

@test "a numeric column can be encoded, and odd categories get safe names" {
	printf 'n,t\n200,"a,b"\n404,"x\\y"\n200,\n' > n.csv
	run ad-features -q --onehot n,t n.csv
	assert_line --index 0 'n=200,n=404,n=other,"t=a,b",t=x\\y,t=other'
	assert_line --index 3 '1,0,0,,,'
	printf 't\n"a\tb"\n' > tab.csv
	run ad-features -q --onehot t -F bin tab.csv
	assert_success
	run bash -c "ad-features -q --onehot t tab.csv | head -1"
	assert_output 't=a\x09b,t=other'
}

# ---- time context ----

@test "context features are named after their column and settings" {
	run bash -c "ad-features -q --lags 1,24 --diff --rolling 12 --ewm 0.5,0.05 --select cpu '$TS' | head -1"
	assert_output "cpu,cpu_lag1,cpu_lag24,cpu_diff,cpu_roll12_mean,cpu_roll12_std,cpu_roll12_min,cpu_roll12_max,cpu_roll12_z,cpu_ewm0.5,cpu_ewm0.05"
}

@test "--context limits which columns get context features" {
	run bash -c "ad-features -q --lags 1 --context lat --keep label '$TS' | head -1"
	assert_output "timestamp,host,cpu,lat,lat_lag1,label"
}

@test "each group has its own history" {
	ad-features -q --group host --lags 1 --select host,cpu "$TS" > g.csv
	# line 5 is db1's second row; its lag is db1's first, not web2's
	assert_equal "$(sed -n 5p g.csv)" "db1,58,60.98"
	ad-features -q --lags 1 --select host,cpu "$TS" > n.csv
	assert_equal "$(sed -n 5p n.csv)" "db1,58,22.53"
}

@test "a window of equal values gives z as the distance from them" {
	printf 'x\n2\n2\n2\n5\n' > c.csv
	run ad-features -q --rolling 3 c.csv
	assert_line --index 4 '5,2,0,2,2,3'
}

@test "calendar features use the local time written, exact at quarter turns" {
	printf 't\n2026-11-02T00:00:00+01:00\n2026-11-02T06:00:00Z\n2026-11-04T18:00:00-05:00\n' > t.csv
	run ad-features -q --time t --calendar t.csv
	assert_line --index 0 't,hour_sin,hour_cos,dow_sin,dow_cos'
	# 23:00 UTC on Sunday, but midnight on Monday where it was written
	assert_line --index 1 '2026-11-02T00:00:00+01:00,0,1,0,1'
	assert_line --index 2 '2026-11-02T06:00:00Z,1,0,0,1'
	assert_line --index 3 --partial '2026-11-04T18:00:00-05:00,-1,0,0.974927912181823'
}

@test "epoch seconds in a numeric column are times too" {
	printf 'ts,v\n1793491200,1\n1793512800,2\n1793512800.5,4\n' > e.csv
	run ad-features -q --time ts --calendar --diff e.csv
	assert_line --index 1 '1793491200,0,1,-0.7818314824680299,0.6234898018587334,1,'
	assert_line --index 2 '1793512800,1,0,-0.7818314824680299,0.6234898018587334,2,1'
	assert_line --index 3 --partial '1793512800.5,0.99999999933'
}

@test "a bad or missing time names the cell (exit 3)" {
	sed '5s/23:35/23:65/' "$TS" > bad.csv
	run --separate-stderr ad-features --time timestamp -o out.csv bad.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-features: bad.csv:5:1: column "timestamp": minute out of range, got "2026-11-01T23:65:00Z"'
	[ ! -e out.csv ]
	sed '3s/^[^,]*,/,/' "$TS" > miss.csv
	run --separate-stderr ad-features --time timestamp miss.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-features: miss.csv:3:1: column "timestamp": missing time'
	printf 'ts\n1\nnan\n' > e.csv
	run --separate-stderr ad-features --time ts e.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-features: e.csv:3:1: column "ts": missing time'
	printf 'ts\n1e12\n' > big.csv
	run --separate-stderr ad-features --time ts big.csv
	assert_failure 3
	[[ "$stderr" == *'epoch seconds out of range'* ]]
}

@test "rows out of time order in a group are an error naming the lines" {
	sed '5s/23:35/23:25/' "$TS" > ooo.csv
	run --separate-stderr ad-features --time timestamp --group host --lags 1 -o out.csv ooo.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-features: ooo.csv:5:1: column "timestamp": time goes back in group "db1" (the previous row is line 2); sort the input or give --sort'
	[ ! -e out.csv ]
	# without a group the whole stream must be in order
	sed '6s/23:35/23:30/' "$TS" > ooo2.csv
	run ad-features --time timestamp --group host --lags 1 ooo2.csv
	assert_success
	run --separate-stderr ad-features --time timestamp ooo.csv
	assert_failure 3
	[[ "$stderr" == *'time goes back (the previous row is line 4)'* ]]
}

@test "--sort puts rows in time order, stably, and then computes the same features" {
	# swap two time steps of three rows each
	{ sed -n 1p "$TS"; sed -n 5,7p "$TS"; sed -n 2,4p "$TS"; sed -n '8,$p' "$TS"; } > swapped.csv
	run ad-features --time timestamp $CTX swapped.csv
	assert_failure 3
	ad-features -q $CTX --sort -o sorted.csv swapped.csv
	cmp sorted.csv "$GOLD/features-context.csv"
	ad-features -q $CTX --sort -F bin swapped.csv | ad-clean -F csv | cmp - sorted.csv
}

# ---- columns ----

@test "--keep passes columns through untouched, the label included" {
	ad-features -q --scale standard --keep id,label "$NUM" > out.csv
	cut -d, -f1,7 "$NUM" > want.csv
	cut -d, -f1,7 out.csv | cmp - want.csv
	run ad-features -q --scale standard --select label "$NUM"
	refute_output --partial ",0"
	refute_line "0"
}

@test "--select orders the outputs, --drop removes them, time stays usable" {
	run bash -c "ad-features -q --select label,cpu '$TS' | head -2"
	assert_output "$(printf 'label,cpu\n0,60.98')"
	run bash -c "ad-features -q --time timestamp --calendar --drop timestamp,host '$TS' | head -1"
	assert_output "hour_sin,hour_cos,dow_sin,dow_cos,cpu,lat,label"
	run bash -c "ad-features -q --time timestamp --calendar --select cpu '$TS' | head -1"
	assert_output "cpu,hour_sin,hour_cos,dow_sin,dow_cos"
	run --separate-stderr ad-features --drop timestamp,host,cpu,lat,label "$TS"
	assert_failure 2
	[[ "$stderr" == "ad-features: nothing to write"* ]]
}

@test "an unknown column names it (exit 3)" {
	for opt in "--scale nope=robust" "--time nope" "--group nope --lags 1" \
	    "--keep nope" "--onehot nope" "--freq nope" "--log nope" \
	    "--context nope --lags 1" "--select nope" "--drop nope"; do
		run --separate-stderr ad-features $opt "$TS"
		assert_failure 3
		assert_equal "$stderr" "ad-features: $TS: column \"nope\" is not in the input (its 5 columns: timestamp, host, cpu, lat, label)"
	done
}

@test "a text column where numbers are needed is refused (exit 3)" {
	for opt in "--scale host=robust" "--log host" "--context host --lags 1"; do
		run --separate-stderr ad-features $opt "$TS"
		assert_failure 3
		[[ "$stderr" == "ad-features: $TS: --"*': column "host" is text; it needs numbers' ]]
	done
}

@test "a non-numeric cell in a numeric column stops the run (exit 3)" {
	sed '6s/,0\.1,/,lots,/' "$NUM" > bad.csv
	run --separate-stderr ad-features --scale standard -o out.csv bad.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-features: bad.csv:6:4: column "c": expected a number, got "lots"'
	[ ! -e out.csv ]
}

@test "an infinite value in a computed column is refused, elsewhere kept" {
	printf 'a,b\n1,inf\n-inf,2\n' > inf.csv
	run --separate-stderr ad-features --scale standard inf.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-features: inf.csv:2:2: column "b": an infinite value cannot be made a feature'
	run ad-features --log a --keep b inf.csv
	assert_failure 3
	run ad-features -q --keep b --scale a=standard <(printf 'a,b\n1,inf\n3,2\n')
	assert_success
	assert_output "$(printf 'a,b\n-1,inf\n1,2')"
}

@test "an output name that would repeat an input column is refused" {
	printf 'cpu,cpu_lag1\n1,2\n' > dup.csv
	run --separate-stderr ad-features --lags 1 --context cpu dup.csv
	assert_failure 3
	[[ "$stderr" == *'output column "cpu_lag1" would appear twice'* ]]
}

# ---- fit and restore ----

@test "--save then --restore gives byte-identical CSV, and binary with the same rows" {
	ad-features -q $CTX -s p.txt -o one.csv "$TS"
	ad-features -r p.txt -o two.csv "$TS"
	cmp one.csv two.csv
	ad-features -q $CTX -F bin -o one.bin "$TS"
	ad-features -r p.txt -F bin -o two.bin "$TS"
	same_rows one.bin two.bin
	ad-clean -q -F bin "$TS" > ts.bin
	ad-features -q $CTX -s pb.txt ts.bin > three.bin
	ad-features -r pb.txt ts.bin | same_rows - three.bin
	ad-clean -F csv three.bin | cmp - one.csv
	ad-features -q --scale robust --log b -s q.txt "$NUM" > a.csv
	ad-features -r q.txt "$NUM" | cmp - a.csv
}

@test "rows held in memory or spilled to TMPDIR give the same output" {
	mkdir tmp
	TMPDIR=$PWD/tmp ad-features -q $CTX --memory 0 -o spilled.csv "$TS"
	cmp spilled.csv "$GOLD/features-context.csv"
	# the spill is unnamed: nothing is left behind
	assert_equal "$(ls -A tmp)" ""
	# 2 MB of rows: with --memory 1 the first half is held, the rest spilled
	awk 'BEGIN { print "a,b,c"; for (i = 0; i < 60000; i++) print i % 97 "," i % 13 "," i % 5 }' > big.csv
	ad-features -q --scale robust,b=standard --onehot c -o held.csv big.csv
	for mib in 0 1; do
		TMPDIR=$PWD/tmp ad-features -q --scale robust,b=standard --onehot c \
		    --memory $mib -o spilled.csv big.csv
		cmp held.csv spilled.csv
	done
	run --separate-stderr env TMPDIR=$PWD/no-such-dir ad-features --scale standard --memory 0 -o out.csv big.csv
	assert_failure 4
	[[ "$stderr" == "ad-features: $PWD/no-such-dir: cannot create a temporary file"* ]]
	[ ! -e out.csv ]
}

@test "rows with text columns held and spilled give the same output" {
	mkdir tmp
	# a text column: held rows are copies of the columns used, not the
	# reader's blocks
	awk 'BEGIN { print "a,h,skip,c"; for (i = 0; i < 60000; i++)
		print i % 97 ",host" i % 7 ",x," i % 5 }' > text.csv
	ad-features -q --scale standard --onehot h --freq h --drop skip -o held.csv text.csv
	for mib in 0 1; do
		TMPDIR=$PWD/tmp ad-features -q --scale standard --onehot h --freq h \
		    --drop skip --memory $mib -o spilled.csv text.csv
		cmp held.csv spilled.csv
	done
	assert_equal "$(ls -A tmp)" ""
	[ "$(wc -l < held.csv)" -eq 60001 ]
}

@test "fitting from a binary file reads it twice: same output as from a pipe, no spill, flat memory" {
	awk 'BEGIN { print "a,b,c"; for (i = 0; i < 60000; i++) print i % 97 "," i % 13 "," (i % 5) * 0.25 }' |
	    ad-clean -q -F bin -o big.bin
	cat big.bin | ad-features -q --scale robust,b=standard --log c -s pipe.txt -o pipe.bin
	ad-features -q --scale robust,b=standard --log c -s file.txt -o file.bin big.bin
	same_rows pipe.bin file.bin
	cmp pipe.txt file.txt
	# read twice, the input is digested once, as the pipe's
	sha=$(sha256sum big.bin | cut -d' ' -f1)
	od -An -tx1 -v file.bin | tr -d ' \n' | grep -q "$sha"
	od -An -tx1 -v pipe.bin | tr -d ' \n' | grep -q "$sha"
	# stdin from the file is a file too, also when it does not start at 0
	ad-features -q --scale robust,b=standard --log c < big.bin | same_rows - file.bin
	{ head -c 0; ad-features -q --scale robust,b=standard --log c; } < big.bin | same_rows - file.bin
	# nothing is spilled: a missing TMPDIR only matters to the pipe
	TMPDIR=$PWD/no-such-dir ad-features -q --scale standard --memory 0 -o a.bin big.bin
	run --separate-stderr env TMPDIR=$PWD/no-such-dir sh -c 'cat big.bin | ad-features -q --scale standard --memory 0 -o b.bin'
	assert_failure 4
	ad-features -r file.txt big.bin | same_rows - file.bin
	# context features per group, and categories, from a file as from a pipe
	ad-clean -q -F bin "$TS" > ts.bin
	ad-features -q $CTX ts.bin > one.bin
	cat ts.bin | ad-features -q $CTX | same_rows - one.bin
	ad-clean -F csv one.bin | cmp - "$GOLD/features-context.csv"
}

@test "restoring applies the fitted values to new data" {
	ad-features -q $CTX -s p.txt -o /dev/null "$TS"
	run ad-features -q -r p.txt "$NEW"
	assert_success
	assert_equal "$output" "$(cat "$GOLD/features-restore.csv")"
}

@test "a params file from another command, or none, is refused" {
	printf 'adkit-params 1 ad-clean\n' > other.txt
	run --separate-stderr ad-features -r other.txt "$TS"
	assert_failure 3
	assert_equal "$stderr" "ad-features: other.txt:1: params file was written by ad-clean, not ad-features"
	run ad-features -r missing.txt "$TS"
	assert_failure 4
	printf 'junk\n' > junk.txt
	run ad-features -r junk.txt "$TS"
	assert_failure 3
}

@test "a params file that does not match the input's columns names the column" {
	ad-features -q --scale standard -s p.txt -o /dev/null "$TS"
	cut -d, -f1-4 "$TS" > fewer.csv
	run --separate-stderr ad-features -r p.txt fewer.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-features: fewer.csv: column "label" is not in the input (its 4 columns: timestamp, host, cpu, lat)'
	sed 's/$/,1/' "$TS" > more.csv
	sed -i '1s/,1$/,extra/' more.csv
	run --separate-stderr ad-features -r p.txt more.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-features: more.csv: column "extra" is not in the params file p.txt'
	ad-clean -q -F bin --schema <(printf 'column,type\nhost,numeric\n') "$TS" > h.bin 2> /dev/null || true
	run --separate-stderr ad-features -r p.txt h.bin
	assert_failure 3
}

@test "a damaged params file is refused with its line" {
	ad-features -q $CTX -s p.txt -o /dev/null "$TS"
	check() {
		run --separate-stderr ad-features -r bad.txt "$TS"
		assert_failure 3
		[[ "$stderr" == "ad-features: bad.txt"*"$want"* ]] || { echo "$stderr"; false; }
	}
	head -n -1 p.txt > bad.txt
	want='lacks its "end" line (truncated?)' check
	sed 's/^column cpu numeric standard [^ ]* [^ ]*/column cpu numeric standard 1 0/' p.txt > bad.txt
	want='the scale must be above 0' check
	sed 's/^rolling 3 5/rolling 3 3/' p.txt > bad.txt
	want='a value is repeated' check
	sed 's/^category host db1 12/category host db1 0/' p.txt > bad.txt
	want='a count is a whole number' check
	sed 's/^column host onehot db1/column host onehot nope/' p.txt > bad.txt
	want='a category without its category line' check
	sed 's/^lags/lag/' p.txt > bad.txt
	want='unknown key' check
	sed 's/^input cpu numeric/input cpu text/' p.txt > bad.txt
	want='a numeric part of a text column' check
	printf 'end\n' >> p.txt
	cp p.txt bad.txt
	want='nothing may follow "end"' check
}

@test "an empty table fits nothing and says so" {
	printf 'a,b\n' > e.csv
	run --separate-stderr ad-features --scale standard -s p.txt e.csv
	assert_success
	assert_output "a,b"
	[[ "$stderr" == *'2 scaled column(s) had no values to fit ("a"); their values stay missing'* ]]
	grep -qx 'column a numeric standard nan nan' p.txt
	run ad-features -r p.txt <(printf 'a,b\n1,2\n')
	assert_output "$(printf 'a,b\n,')"
}

# ---- streams and files ----

@test "input from stdin, -i and a file argument are the same; -n and -d work" {
	ad-features -q --scale robust "$NUM" > a.csv
	ad-features -q --scale robust -i "$NUM" > b.csv
	ad-features -q --scale robust < "$NUM" > c.csv
	cmp a.csv b.csv && cmp a.csv c.csv
	tail -n +2 "$NUM" | tr , ';' > nh.csv
	run ad-features -q -n -d ';' --scale c2=minmax --select c1,c2 nh.csv
	assert_line --index 0 "$(ad-features -q --scale a=minmax --select id,a "$NUM" | sed -n 2p | tr , ';')"
}

@test "writing to a full device fails with exit 4; a failed run leaves no files" {
	run --separate-stderr ad-features -o /dev/full "$NUM"
	assert_failure 4
	[[ "$stderr" == "ad-features: /dev/full: write error: No space left on device" ]]
	sed '6s/,0\.1,/,lots,/' "$NUM" > bad.csv
	run ad-features --scale standard -s p.txt -o out.csv bad.csv
	assert_failure 3
	[ ! -e out.csv ] && [ ! -e p.txt ]
	run ad-features --scale standard -s missing-dir/p.txt -o out.csv "$NUM"
	assert_failure 4
	[ ! -e out.csv ]
}

@test "a closed pipe downstream ends quietly" {
	awk 'BEGIN { print "t,h,v"; for (i = 0; i < 200000; i++) print i "," (i % 7) "," i % 13 }' > big.csv
	run_pipe "ad-features --time t --group h --lags 1 --rolling 5 big.csv 2> err.txt | head -n 1"
	assert_success
	assert_output "t,h,v,v_lag1,v_roll5_mean,v_roll5_std,v_roll5_min,v_roll5_max,v_roll5_z"
	assert_equal "$(cat err.txt)" ""
	run_pipe "ad-features --scale standard -s p.txt big.csv 2> err.txt | head -c 10 > /dev/null"
	assert_success
	assert_equal "$(cat err.txt)" ""
	[ ! -e p.txt ]
}

