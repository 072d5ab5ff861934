#!/usr/bin/env bats
# ad-drift from the outside: options, exit codes, messages, SciPy and
# byte-for-byte golden files, profiles, merges, windows, score drift.

load helper

REF="$FIX/drift-ref.csv"
SAME="$FIX/drift-same.csv"
SHIFT="$FIX/drift-shift.csv"

# Compares ad-drift's CSV ($2) with SciPy's golden file ($1), matching rows
# by column name: ks to 1e-12 and p-values to 1e-9, relative (absolute near
# 0), the rest to 1e-12; counts exactly; empty fields on both sides.
close_to_scipy() {
	awk -F, '
	function tol(name) { return name ~ /_p$/ ? 1e-9 : 1e-12 }
	FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
	FILENAME == ARGV[1] { want[$1] = $0; next }
	{
		split(want[$1], w, ",")
		if (!($1 in want)) { print "no golden row for " $1; bad = 1; next }
		n = split("n_ref n_cur psi ks ks_p chi2_p wasserstein js missing_delta", names, " ")
		for (k = 1; k <= n; k++) {
			a = w[col[ARGV[1], names[k]]]; b = $(col[ARGV[2], names[k]])
			if (a == b) continue
			if (a == "" || b == "" || a == "inf" || b == "inf") {
				print $1 " " names[k] ": " b " != " a; bad = 1; continue
			}
			d = a - b; if (d < 0) d = -d
			m = a < 0 ? -a : a
			if (names[k] ~ /^n_/ || d > tol(names[k]) * (m > 1e-300 ? m : 1)) {
				print $1 " " names[k] ": " b " != " a; bad = 1
			}
			checked++
		}
		rows++
	}
	END { if (rows == 0) { print "no rows compared"; bad = 1 } exit bad }
	' "$1" "$2"
}

@test "--help prints the usage on stdout and exits 0" {
	run ad-drift --help
	assert_success
	assert_line --index 0 --partial "ad-drift:"
	assert_output --partial "usage: ad-drift [-nqV]"
	run ad-drift -h
	assert_success
}

@test "--version names the command and adkit" {
	run ad-drift --version
	assert_success
	assert_output --regexp '^ad-drift \(adkit\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown option is a usage error on stderr" {
	run --separate-stderr ad-drift --no-such-option
	assert_failure 2
	assert_equal "$output" ""
	[[ "$stderr" == "ad-drift: unknown option --no-such-option"* ]]
	[[ "$stderr" == *"usage: ad-drift"* ]]
}

@test "an option without its value is a usage error" {
	run --separate-stderr ad-drift --window
	assert_failure 2
	[[ "$stderr" == "ad-drift: option --window needs a value"* ]]
}

@test "numbers in options are checked strictly, naming the option" {
	for bad in "--sample abc" "--sample 0" "--bins 1" "--bins 1001" \
	    "--top -1" "--seed x" "--window 0" "--alpha 0" "--alpha 1.5" \
	    "--drift-share 0" "--drift-share 2" "--threshold -1" \
	    "--threshold nan" "--method median" "-F xml" "-d ab"; do
		run --separate-stderr ad-drift $bad -r "$REF" "$SAME"
		assert_failure 2
		[[ "$stderr" == "ad-drift: --${bad:2:3}"* || "$stderr" == "ad-drift: -"* ]]
	done
	run --separate-stderr ad-drift --sample 1x -r "$REF" "$SAME"
	[[ "$stderr" == "ad-drift: --sample takes a whole number"* ]]
}

@test "options that cannot go together are usage errors" {
	for args in "" "-r $REF -m x.model" "--profile -r $REF" \
	    "--profile --window 5" "--profile --prom p" "--profile --merge" \
	    "--merge --sample 5 a.prof" "--merge --select x a.prof" \
	    "--select x --drop k -r $REF" "--method ks --threshold 0.1 --alpha 0.1 -r $REF" \
	    "--method psi --alpha 0.1 -r $REF" "--method ks --threshold 2 -r $REF" \
	    "-m x.model --bins 5" "-m x.model --select a,b" "-r $REF -i $SAME $SAME"; do
		run --separate-stderr ad-drift $args "$SAME"
		assert_failure 2
		[[ "$stderr" == "ad-drift: "* ]]
		[[ "$stderr" == *"usage: ad-drift"* ]]
	done
	run --separate-stderr ad-drift -r - < "$REF"
	assert_failure 2
	[[ "$stderr" == "ad-drift: the reference and the input cannot both be the standard input"* ]]
}

@test "no drift exits 0 quietly; drift exits 1 and names the columns" {
	run --separate-stderr ad-drift -r "$REF" "$SAME"
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr ad-drift -r "$REF" "$SHIFT"
	assert_failure 1
	assert_equal "$stderr" "ad-drift: drift: 4 of 5 columns drifted (x,k,c,g)"
	run --separate-stderr ad-drift -q -r "$REF" "$SHIFT"
	assert_failure 1
	assert_equal "$stderr" ""
}

@test "statistics agree with SciPy (exact KS, equal and unequal sizes)" {
	ad-drift -q -r "$REF" "$SAME" > same.csv
	close_to_scipy "$GOLD/drift-scipy-same.csv" same.csv
	ad-drift -q -r "$REF" "$SHIFT" > shift.csv || [ $? -eq 1 ]
	close_to_scipy "$GOLD/drift-scipy-shift.csv" shift.csv
}

@test "statistics agree with SciPy (KS from kstwo, large and small n)" {
	ad-drift -q -r "$FIX/drift-big-ref.csv" "$FIX/drift-big-cur.csv" > big.csv || [ $? -eq 1 ]
	close_to_scipy "$GOLD/drift-scipy-big.csv" big.csv
	ad-drift -q -r "$FIX/drift-big-ref.csv" "$FIX/drift-big-small.csv" > small.csv || [ $? -eq 1 ]
	close_to_scipy "$GOLD/drift-scipy-small.csv" small.csv
}

@test "the SciPy comparison catches a wrong digit" {
	# 1e-8 off, relative: beyond the 1e-9 allowed
	sed 's/0.8483422371364409/0.8483422456198633/' "$GOLD/drift-scipy-same.csv" > wrong.csv
	ad-drift -q -r "$REF" "$SAME" > same.csv
	run close_to_scipy wrong.csv same.csv
	assert_failure
	assert_output --partial "ks_p"
}

@test "CSV, JSON, text and binary reports match the golden files" {
	cd "$ROOT"
	run ad-drift -q -r tests/fixtures/drift-ref.csv tests/fixtures/drift-shift.csv
	assert_failure 1
	assert_equal "$output" "$(cat "$GOLD/drift-shift.csv")"
	run ad-drift -q -F json -r tests/fixtures/drift-ref.csv tests/fixtures/drift-shift.csv
	assert_equal "$output" "$(cat "$GOLD/drift-shift.json")"
	run ad-drift -q -F text -r tests/fixtures/drift-ref.csv tests/fixtures/drift-shift.csv
	assert_equal "$output" "$(cat "$GOLD/drift-shift.txt")"
	ad-drift -q -F bin -r tests/fixtures/drift-ref.csv -o "$BATS_TEST_TMPDIR/r.bin" \
	    tests/fixtures/drift-shift.csv || [ $? -eq 1 ]
	ad-clean -q -F csv "$BATS_TEST_TMPDIR/r.bin" | cmp - "$GOLD/drift-shift.csv"
}

@test "critical columns in the text and JSON reports match the golden files" {
	cd "$ROOT"
	run ad-drift -q -F text --critical x,g -r tests/fixtures/drift-ref.csv \
		tests/fixtures/drift-shift.csv
	assert_failure 1
	assert_equal "$output" "$(cat "$GOLD/drift-critical.txt")"
	run ad-drift -q -F json --critical x,g -r tests/fixtures/drift-ref.csv \
		tests/fixtures/drift-shift.csv
	assert_failure 1
	assert_equal "$output" "$(cat "$GOLD/drift-critical.json")"
}

@test "--window's text report and metrics match the golden files" {
	(cat "$SAME"; tail -n +2 "$SHIFT") > stream.csv
	run bash -c "SOURCE_DATE_EPOCH=1700000000 ad-drift -q --window 100 -F text \
		--prom w.prom -r '$REF' < stream.csv"
	assert_failure 1
	assert_equal "$output" "$(cat "$GOLD/drift-window.txt")"
	cmp w.prom "$GOLD/drift-window.prom"
}

@test "--prom writes metrics that promtool accepts without a warning" {
	(cd "$ROOT" && SOURCE_DATE_EPOCH=1700000000 ad-drift -q -r tests/fixtures/drift-ref.csv \
		--prom "$BATS_TEST_TMPDIR/m.prom" -o /dev/null tests/fixtures/drift-shift.csv) || [ $? -eq 1 ]
	cmp m.prom "$GOLD/drift.prom"
	grep -q '^adkit_drift_detected{input="tests/fixtures/drift-shift.csv"} 1$' m.prom
	grep -q '^adkit_drift_wasserstein{input="tests/fixtures/drift-shift.csv",column="c"} +Inf$' m.prom
	! grep -q 'adkit_drift_ks_pvalue{.*column="g"' m.prom
	if command -v promtool > /dev/null; then
		run promtool check metrics < m.prom
		assert_success
		assert_output ""
	fi
}

@test "--verdict writes true or false for pipelines to branch on" {
	ad-drift -q --verdict v1 -r "$REF" "$SAME" > /dev/null
	assert_equal "$(cat v1)" "false"
	run ad-drift -q --verdict v2 -r "$REF" "$SHIFT"
	assert_failure 1
	assert_equal "$(cat v2)" "true"
}

@test "--critical makes one column's drift the data set's" {
	run ad-drift -q --drift-share 1 -r "$REF" "$SHIFT"
	assert_success
	run ad-drift -q --drift-share 1 --critical x -r "$REF" "$SHIFT"
	assert_failure 1
	run ad-drift -q --drift-share 1 --critical m -r "$REF" "$SHIFT"
	assert_success
	run --separate-stderr ad-drift -q --critical nope -r "$REF" "$SHIFT"
	assert_failure 3
	[[ "$stderr" == *'--critical column "nope" is not compared' ]]
}

@test "--drift-share sets how many columns make data set drift" {
	run ad-drift -q --drift-share 0.8 -r "$REF" "$SHIFT"
	assert_failure 1
	run ad-drift -q --drift-share 0.81 -r "$REF" "$SHIFT"
	assert_success
}

@test "--method and --threshold choose the rule per column" {
	drifted() { ad-drift -q "$@" -r "$REF" "$SHIFT" | awk -F, 'NR > 1 && $NF == 1 { printf "%s ", $1 }'; }
	assert_equal "$(drifted)" "x k c g "
	assert_equal "$(drifted --method psi)" "x k c g "
	assert_equal "$(drifted --method psi --threshold 1.1)" "k c g "
	assert_equal "$(drifted --method ks)" "x k c g "
	assert_equal "$(drifted --method ks --threshold 1e-10)" "x c g "
	assert_equal "$(drifted --method wasserstein)" "x k m c g "
	assert_equal "$(drifted --method wasserstein --threshold 0.5)" "x c g "
	assert_equal "$(drifted --method js --threshold 0.32)" "x c g "
	assert_equal "$(drifted --alpha 1e-20 --threshold 1.1)" "k c g "
}

# A statistic exactly equal to its threshold is drift (statistic >= T, as
# ad-drift(1) says): {0,0,2,2} against {1,1,3,3} moves every value by one
# reference standard deviation, so wasserstein and js are exactly 1.
@test "a statistic equal to its threshold is drift; the next double above is not" {
	printf 'x\n0\n0\n2\n2\n' > ref.csv
	printf 'x\n1\n1\n3\n3\n' > cur.csv
	run ad-drift -F csv -r ref.csv cur.csv
	assert_failure 1
	assert_line --regexp '^x,numeric,4,4,17.03097950555591,.*,1,1,0,,1$'
	for m in wasserstein js; do
		run ad-drift -q --method "$m" --threshold 1 -r ref.csv cur.csv
		assert_failure 1
		run ad-drift -q --method "$m" --threshold 1.0000000000000002 \
		    -r ref.csv cur.csv
		assert_success
	done
	# psi as the report writes it: the shortest text that reads back
	run ad-drift -q --method psi --threshold 17.03097950555591 -r ref.csv cur.csv
	assert_failure 1
}

@test "Bonferroni: the p-value bar is alpha over the columns tested" {
	# x alone: p 3.5e-18; with --alpha 4e-18 over 5 columns the bar is 8e-19
	run ad-drift -q --method ks --select x --threshold 4e-18 -r "$REF" "$SHIFT"
	assert_failure 1
	run ad-drift -q --method ks --select x,k,m,c,g --threshold 4e-18 -r "$REF" "$SHIFT"
	assert_output --partial "x,numeric,300,250"
	assert_line --regexp '^x,.*,0$'
}

@test "a reference profile compares exactly like the data it was made from" {
	ad-drift --profile -o ref.prof "$REF"
	ad-drift -q -F json -r "$REF" "$SHIFT" > a.json || true
	ad-drift -q -F json -r ref.prof "$SHIFT" > b.json || true
	sed 's/"reference": "[^"]*"//' a.json > a2.json
	sed 's/"reference": "[^"]*"//' b.json > b2.json
	cmp a2.json b2.json
}

@test "profiles are deterministic, binary input gives the same profile" {
	ad-drift --profile -o a.prof "$FIX/drift-big-ref.csv"
	ad-drift --profile -o b.prof < "$FIX/drift-big-ref.csv"
	cmp a.prof b.prof
	ad-clean -q -F bin "$FIX/drift-big-ref.csv" | ad-drift --profile -o c.prof
	cmp a.prof c.prof
	ad-drift --profile --sample 100 -o d.prof "$FIX/drift-big-ref.csv"
	ad-drift --profile --sample 100 -o e.prof "$FIX/drift-big-ref.csv"
	cmp d.prof e.prof
	ad-drift --profile --sample 100 --seed 2 -o f.prof "$FIX/drift-big-ref.csv"
	! cmp -s d.prof f.prof
}

@test "the thread count changes nothing in the output" {
	ad-drift -q --threads 1 -F json -r "$FIX/drift-big-ref.csv" "$FIX/drift-big-cur.csv" > one.json || true
	ad-drift -q --threads 3 -F json -r "$FIX/drift-big-ref.csv" "$FIX/drift-big-cur.csv" > three.json || true
	cmp one.json three.json
	ad-drift --threads 1 --profile -o one.prof "$REF"
	ad-drift --threads 4 --profile -o four.prof "$REF"
	cmp one.prof four.prof
	run ad-drift --threads 0 -r "$REF" "$SAME"
	assert_failure 2
}

@test "--threads takes 1 to 256 in every command that has it" {
	ad-drift -q --threads 256 --profile -o many.prof "$REF"
	ad-drift --threads 1 --profile -o one.prof "$REF"
	cmp one.prof many.prof
	for c in ad-drift ad-score ad-train; do
		run --separate-stderr "$c" --threads 257
		assert_failure 2
		[[ "$stderr" == "$c: --threads must be from 1 to 256, not 257"* ]]
		run "$c" --help
		assert_output --regexp "threads.*\(default: all[[:space:]]+cores\)"
	done
}

@test "a profile is much smaller than the data it describes" {
	ad-drift --profile --sample 1000 -o p.prof "$FIX/drift-big-ref.csv"
	size=$(wc -c < p.prof)
	data=$(wc -c < "$FIX/drift-big-ref.csv")
	[ "$size" -lt $((data / 5)) ]
	[ "$size" -gt 8000 ]
}

@test "a profile fixes the sample size, bins and categories" {
	ad-drift --profile -o ref.prof "$REF"
	for opt in "--sample 10" "--bins 5" "--top 3"; do
		run --separate-stderr ad-drift $opt -r ref.prof "$SAME"
		assert_failure 2
		[[ "$stderr" == "ad-drift: --${opt:2:3}"*"the profile fixes it"* ]]
	done
}

@test "merged shard profiles equal the profile of the whole below the sample size" {
	head -n 151 "$REF" > a.csv
	(head -n 1 "$REF"; tail -n +152 "$REF") > b.csv
	ad-drift --profile -o a.prof a.csv
	ad-drift --profile -o b.prof b.csv
	ad-drift --merge -o ab.prof a.prof b.prof
	ad-drift --profile -o whole.prof "$REF"
	cut_stats() { cut -d, -f1-10,12-; }   # all but wasserstein
	ad-drift -q -r ab.prof "$SHIFT" | cut_stats > m.csv || true
	ad-drift -q -r whole.prof "$SHIFT" | cut_stats > w.csv || true
	cmp m.csv w.csv
	# the moments are merged exactly up to rounding
	ad-drift -q -F json -r ab.prof "$SHIFT" | grep -o '"ref_std": [0-9.e-]*' > ms || true
	ad-drift -q -F json -r whole.prof "$SHIFT" | grep -o '"ref_std": [0-9.e-]*' > ws || true
	paste -d' ' ms ws | awk '{ d = $2 - $4; if (d < 0) d = -d; if (d > 1e-12 * $4) exit 1 }'
}

@test "merging samples larger than the sample size keeps a sample of that size" {
	ad-drift --profile --sample 500 -o a.prof "$FIX/drift-big-ref.csv"
	ad-drift --profile --sample 500 -o b.prof "$FIX/drift-big-cur.csv"
	ad-drift --merge -o ab.prof a.prof b.prof
	ad-drift --merge --seed 9 -o ab9.prof a.prof b.prof
	! cmp -s ab.prof ab9.prof
	run ad-drift -q -F json -r ab.prof "$FIX/drift-big-cur.csv"
	assert_output --partial '"n_ref": 10701'
}

@test "merge refuses profiles made differently, and data" {
	ad-drift --profile -o a.prof "$REF"
	ad-drift --profile --bins 5 -o b.prof "$REF"
	ad-drift --profile --select x -o c.prof "$REF"
	run --separate-stderr ad-drift --merge a.prof b.prof
	assert_failure 3
	assert_equal "$stderr" "ad-drift: b.prof: profile has another bin count than a.prof"
	run ad-drift --merge a.prof c.prof
	assert_failure 3
	run --separate-stderr ad-drift --merge a.prof "$REF"
	assert_failure 3
	[[ "$stderr" == *"not an adkit profile"* ]]
}

@test "a damaged profile is bad input data, never a crash" {
	ad-drift --profile -o p.prof "$REF"
	size=$(wc -c < p.prof)
	head -c $((size - 1)) p.prof > short.prof
	run --separate-stderr ad-drift -r short.prof "$SAME"
	assert_failure 3
	[[ "$stderr" == *"checksum mismatch"* ]]
	cp p.prof flip.prof
	printf '\x7f' | dd of=flip.prof bs=1 seek=200 conv=notrunc 2> /dev/null
	run --separate-stderr ad-drift -r flip.prof "$SAME"
	assert_failure 3
	head -c 8 p.prof > magic.prof
	run --separate-stderr ad-drift -r magic.prof "$SAME"
	assert_failure 3
	[[ "$stderr" == "ad-drift: magic.prof: "* ]]
}

@test "a profile can be the input too" {
	ad-drift --profile -o cur.prof "$SHIFT"
	ad-drift -q -r "$REF" "$SHIFT" > a.csv || true
	ad-drift -q -r "$REF" cur.prof > b.csv || true
	cmp a.csv b.csv
	run --separate-stderr ad-drift --window 10 -r "$REF" cur.prof
	assert_failure 2
}

@test "--window gives one verdict per run of rows and when drift began" {
	(cat "$SAME"; tail -n +2 "$SHIFT") > stream.csv
	run --separate-stderr ad-drift --window 100 -r "$REF" stream.csv
	assert_failure 1
	assert_equal "$output" "$(cat "$GOLD/drift-window.csv")"
	assert_equal "$stderr" "ad-drift: drift in 3 of 6 windows, first at line 302"
	run bash -c "cd '$ROOT' && ad-drift -q --window 100 -F json \
	    -r tests/fixtures/drift-ref.csv < '$BATS_TEST_TMPDIR/stream.csv'"
	assert_failure 1
	assert_equal "$output" "$(cat "$GOLD/drift-window.json")"
	run ad-drift -q --window 1000 -r "$REF" "$SAME"
	assert_success
	assert_equal "${#lines[@]}" 2
	head -n 1 "$SAME" > empty.csv
	run ad-drift -q --window 10 -F json --prom empty.prom -r "$REF" empty.csv
	assert_success
	assert_output --partial '"windows": [],'
	! grep -q column= empty.prom
	grep -q '^adkit_drift_windows{input="empty.csv"} 0$' empty.prom
	if command -v promtool > /dev/null; then
		run promtool check metrics < empty.prom
		assert_success
		assert_output ""
		(cat "$SAME"; tail -n +2 "$SHIFT") | ad-drift -q --window 100 \
		    --prom w.prom -r "$REF" > /dev/null || true
		grep -q '^adkit_drift_windows_drifted{input="<stdin>"} 3$' w.prom
		run promtool check metrics < w.prom
		assert_output ""
	fi
}

@test "columns are matched by name; a missing or extra one is named (exit 3)" {
	cut -d, -f1,2,3,5 "$SAME" > nocol.csv
	run --separate-stderr ad-drift -r "$REF" nocol.csv
	assert_failure 3
	assert_equal "$stderr" "ad-drift: nocol.csv: column \"c\" is not in the input (its 4 columns: x, k, m, g)"
	paste -d, "$SAME" <(sed 's/.*/1/; 1s/.*/extra/' "$SAME") > extra.csv
	run --separate-stderr ad-drift -r "$REF" extra.csv
	assert_failure 3
	assert_equal "$stderr" "ad-drift: extra.csv:1:6: column \"extra\" is not in the reference $REF"
	run ad-drift -q --drop extra -r "$REF" extra.csv
	assert_success
	awk -F, -v OFS=, '{ print $5, $4, $3, $2, $1 }' "$SAME" > shuffled.csv
	ad-drift -q -r "$REF" shuffled.csv | cmp - <(ad-drift -q -r "$REF" "$SAME")
	run --separate-stderr ad-drift --drop nope -r "$REF" "$SAME"
	assert_failure 3
}

@test "the input is read with the reference's types" {
	ad-clean -q -F bin --schema <(printf 'column,type\nx,text\n') "$SAME" > text.bin
	run --separate-stderr ad-drift -r "$REF" text.bin
	assert_failure 3
	[[ "$stderr" == *'column "x" is text in the input but numeric in the schema'* ]]
	sed '2,$s/^[^,]*,/oops,/' "$SAME" > words.csv
	run ad-drift -q -F json -r "$REF" words.csv
	assert_success
	assert_output --partial '"column": "x", "type": "numeric", "n_ref": 300, "n_cur": 0, "missing_ref": 0, "missing_cur": 300'
	assert_output --regexp '"column": "x".*"drifted": true'
}

@test "bad CSV is reported with file, line and column" {
	printf 'x,k,m,c,g\n1,2,3,"4\n' > bad.csv
	run --separate-stderr ad-drift -r "$REF" bad.csv
	assert_failure 3
	[[ "$stderr" == "ad-drift: bad.csv:2:4: "* ]]
}

@test "CRLF line ends and a missing final newline read the same" {
	sed 's/$/\r/' "$REF" | head -c -2 > crlf.csv
	ad-drift -q -r "$REF" "$SHIFT" > a.csv || true
	ad-drift -q -r crlf.csv "$SHIFT" > b.csv || true
	cmp a.csv b.csv
}

@test "infinite numbers and text sentinels count as missing" {
	printf 'v\n1\n2\ninf\n-inf\nNA\n3\n' > inf.csv
	run ad-drift -q -F json -r inf.csv inf.csv
	assert_success
	assert_output --partial '"n_ref": 3, "n_cur": 3, "missing_ref": 3, "missing_cur": 3'
}

@test "-n and -d read headerless and other-delimited tables" {
	tail -n +2 "$REF" | tr , ';' > ref.ssv
	tail -n +2 "$SHIFT" | tr , ';' > shift.ssv
	run ad-drift -q -n -d ';' -r ref.ssv shift.ssv
	assert_failure 1
	assert_line --index 1 --regexp '^c1;numeric;300;250;'
}

@test "an input that ends is a valid empty batch: its values vanished" {
	head -n 1 "$SAME" > empty.csv
	run ad-drift -q -F json -r "$REF" empty.csv
	assert_failure 1
	assert_output --partial '"n_cur": 0'
	run --separate-stderr ad-drift -r "$REF" /dev/null
	assert_failure 3
}

@test "| head -n1 is silent" {
	run_pipe "ad-drift --window 1 -r '$FIX/drift-big-ref.csv' '$FIX/drift-big-ref.csv' | head -n 1"
	assert_success
	assert_output "window,first_line,last_line,rows,columns_compared,columns_drifted,share,drifted,drifted_names"
}

@test "a failed run leaves no output file; write errors are exit 4" {
	cut -d, -f1,2 "$SAME" > two.csv
	run ad-drift -r "$REF" -o out.csv --prom out.prom --verdict out.v two.csv
	assert_failure 3
	[ ! -e out.csv ] && [ ! -e out.prom ] && [ ! -e out.v ]
	run ad-drift -r "$REF" -o /dev/full "$SAME"
	assert_failure 4
	run --separate-stderr ad-drift -r no-such-file "$SAME"
	assert_failure 4
	[[ "$stderr" == "ad-drift: no-such-file: "* ]]
	run ad-drift --profile -o no/such/dir/p.prof "$REF"
	assert_failure 4
}

@test "-m compares the scores with the model's training scores" {
	command -v ad-train > /dev/null && command -v ad-score > /dev/null || skip "no ad-train"
	ad-train -q -o v.model "$FIX/drift-big-ref.csv"
	ad-score -q -m v.model "$FIX/drift-big-ref.csv" > ref.scored
	run ad-drift -q -m v.model -F json ref.scored
	assert_success
	assert_output --partial '"column": "score", "type": "numeric", "n_ref": 10001, "n_cur": 10001'
	awk 'NR == 1 || NR % 3 == 0 { print } NR > 1 { print $1 + 2.5 }' "$FIX/drift-big-ref.csv" > moved.csv
	ad-score -q -m v.model moved.csv | awk -F, -v OFS=, 'NR == 1 { $2 = "s" } { print }' > moved.scored
	run --separate-stderr ad-drift -m v.model --select s moved.scored
	assert_failure 1
	assert_equal "$stderr" "ad-drift: drift: 1 of 1 columns drifted (s)"
	run ad-drift -m v.model moved.scored
	assert_failure 3
	run ad-drift -m "$REF" ref.scored
	assert_failure 3
}

# ---- the sizes KS used, and autocorrelated series (--ess) ----

@test "with more rows than --sample, every format says which sizes KS used" {
	run ad-drift -q --sample 100 -F json -r "$REF" "$SHIFT"
	assert_failure 1
	assert_output --partial '{"column": "x", "type": "numeric", "n_ref": 300, "n_cur": 250,'
	assert_output --partial '"ks_method": "exact", "ks_n_ref": 100, "ks_n_cur": 100,'
	run ad-drift -q --sample 100 -r "$REF" "$SHIFT"
	assert_line --index 0 --partial ",ks,ks_p,ks_n_ref,ks_n_cur,chi2_p,"
	assert_line --index 1 --regexp '^x,numeric,300,250,[^,]*,[^,]*,[^,]*,100,100,'
	run ad-drift -q --sample 100 -F text -r "$REF" "$SHIFT"
	assert_line --index 0 --regexp '^column +type +n_ref +n_cur +psi +ks +ks_p +ks_n_ref +ks_n_cur '
	assert_line --index 1 --regexp '^x +numeric +300 +250 +[^ ]+ +[^ ]+ +[^ ]+ +100 +100 '
	ad-drift -q --sample 100 --prom m.prom -o /dev/null -r "$REF" "$SHIFT" || [ $? -eq 1 ]
	grep -q '^adkit_drift_ks_reference_size{input=".*drift-shift.csv",column="x"} 100$' m.prom
	grep -q '^adkit_drift_ks_current_size{input=".*drift-shift.csv",column="x"} 100$' m.prom
}

# A stationary AR(1) series (rho 0.99): its two parts come from the same
# process, yet thousands of values that are far from independent make KS
# call any wander drift; on the effective sizes it does not, and a real
# shift of the level is still found.
ar1() {
	awk -v seed="$1" -v n="$2" -v shift="${3:-0}" 'BEGIN { srand(seed); x = 0
		print "value"
		for (t = 0; t < n; t++) {
			x = 0.99 * x + rand() + rand() + rand() - 1.5
			print x + shift } }'
}

@test "--ess: KS on an autocorrelated series is judged on its effective sizes" {
	ar1 3 4000 > ref.csv
	ar1 4 4000 > cur.csv
	ar1 4 4000 40 > moved.csv
	run ad-drift -q --method ks -r ref.csv cur.csv
	assert_failure 1
	run ad-drift -q --method ks --ess -r ref.csv cur.csv
	assert_success
	run ad-drift -q --method ks --ess -r ref.csv moved.csv
	assert_failure 1
	run ad-drift -q --method ks --ess -F json -r ref.csv cur.csv
	assert_output --regexp '"ks_method": "asymp", "ks_n_ref": [0-9]+\.[0-9]+, "ks_n_cur": [0-9]+\.[0-9]+,'
	n=$(echo "$output" | grep -o '"ks_n_ref": [0-9]*' | cut -d' ' -f2)
	[ "$n" -ge 5 ] && [ "$n" -le 100 ]
}

@test "--ess against a profile file, which keeps no pairs, takes the current side's autocorrelation" {
	ar1 3 4000 > ref.csv
	ar1 4 4000 > cur.csv
	ad-drift -q --profile -o ref.prof ref.csv
	run ad-drift -q --method ks --ess -F json -r ref.prof cur.csv
	assert_success
	assert_output --regexp '"ks_n_ref": [0-9]+\.[0-9]+'
}
