#!/usr/bin/env bats
# ad-eval from the outside: options, exit codes, messages, the metrics
# against scikit-learn's golden values, and golden output files.
#
# tests/golden/eval-*.ref.csv come from scripts/gen-eval-golden.py
# (scikit-learn); the other tests/golden/eval-* files are ad-eval's own
# output, checked by hand once: regenerate them with the commands below.

load helper

BASIC="tests/fixtures/eval-basic.csv"

# Compares `ad-eval -F csv` output with a reference of scikit-learn's values:
# every reference value must be there, equal within 1e-9, and empty
# (undefined) exactly where the reference is.
compare_ref() {
	awk -F, '
	FNR == 1 { by = ($1 == "group"); next }
	NR == FNR { k = by ? $1 "," $2 : $1; ref[k] = by ? $3 : $2; next }
	{
		k = by ? $1 "," $2 : $1; v = by ? $3 : $2
		if (!(k in ref)) next
		seen[k] = 1; r = ref[k]
		if (r == "" || v == "") {
			if (r != v) { print "differs: " k " = " v ", want " r; bad = 1 }
			next
		}
		d = v - r; if (d < 0) d = -d
		if (d > 1e-9) { print "differs: " k " = " v ", want " r; bad = 1 }
	}
	END {
		for (k in ref) if (!(k in seen)) { print "missing: " k; bad = 1 }
		exit bad
	}' "$1" "$2"
}

@test "--help prints the usage on stdout and exits 0" {
	run ad-eval --help
	assert_success
	assert_line --index 0 --partial "ad-eval:"
	assert_output --partial "usage: ad-eval [-nqV]"
	run ad-eval -h
	assert_success
}

@test "--version names the command and adkit" {
	run ad-eval --version
	assert_success
	assert_output --regexp '^ad-eval \(adkit\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown option is a usage error on stderr" {
	run --separate-stderr ad-eval --no-such-option
	assert_failure 2
	assert_equal "$output" ""
	[[ "$stderr" == "ad-eval: unknown option --no-such-option"* ]]
	[[ "$stderr" == *"usage: ad-eval"* ]]
	run --separate-stderr ad-eval --min-auc
	assert_failure 2
	[[ "$stderr" == "ad-eval: option --min-auc needs a value"* ]]
}

@test "numbers in options are checked strictly" {
	cd "$ROOT"
	for bad in abc 1.5 -0.1 "" nan; do
		run --separate-stderr ad-eval --min-auc "$bad" "$BASIC"
		assert_failure 2
		[[ "$stderr" == "ad-eval: --min-auc "* ]]
	done
	for opt in "--top-k 0" "--top-k -1" "--contamination 0" \
	    "--contamination 1.5" "--threshold inf" "--threshold x" \
	    "--bootstrap 1x --compare challenger" "--seed -1 --compare challenger"; do
		run --separate-stderr ad-eval $opt "$BASIC"
		assert_failure 2
		[[ "$stderr" == "ad-eval: ${opt%% *} "* ]]
	done
}

@test "options that do not go together are usage errors" {
	cd "$ROOT"
	run --separate-stderr ad-eval --threshold 0.5 --top-k 3 "$BASIC"
	assert_failure 2
	[[ "$stderr" == "ad-eval: give one of --threshold, --top-k and --contamination"* ]]
	run --separate-stderr ad-eval --bootstrap 10 "$BASIC"
	assert_failure 2
	[[ "$stderr" == "ad-eval: --bootstrap and --seed need --compare"* ]]
	run --separate-stderr ad-eval --pred is_anomaly --top-k 3 "$BASIC"
	assert_failure 2
	run --separate-stderr ad-eval --compare score "$BASIC"
	assert_failure 2
	run --separate-stderr ad-eval --label score "$BASIC"
	assert_failure 2
	run --separate-stderr ad-eval -F xml "$BASIC"
	assert_failure 2
	[[ "$stderr" == "ad-eval: --format takes json, text or csv"* ]]
	run ad-eval -i "$BASIC" "$BASIC"
	assert_failure 2
}

@test "a gate on a decision the input does not give is a usage error" {
	printf 'score,label\n0.5,1\n0.1,0\n' > nodecision.csv
	run --separate-stderr ad-eval --min-f1 0.5 nodecision.csv
	assert_failure 2
	[[ "$stderr" == "ad-eval: --min-f1 needs a decision: the input has no is_anomaly column"* ]]
	run ad-eval --min-auc 0.5 nodecision.csv
	assert_success
}

# ---- exactness ----

@test "every metric agrees with scikit-learn's golden values to 1e-9" {
	cd "$ROOT"
	n=0
	while IFS=$'\t' read -r name fixture args; do
		# shellcheck disable=SC2086
		ad-eval -q -F csv $args "tests/fixtures/$fixture" > "$BATS_TEST_TMPDIR/$name.csv" ||
			{ echo "ad-eval failed on $name"; false; }
		run compare_ref "tests/golden/eval-$name.ref.csv" "$BATS_TEST_TMPDIR/$name.csv"
		[ "$status" -eq 0 ] || { echo "case $name ($fixture $args):"; echo "$output"; false; }
		n=$((n + 1))
	done < tests/golden/eval-cases.txt
	[ "$n" -ge 17 ]
}

@test "the golden comparison fails on a wrong, missing or undefined value" {
	cd "$ROOT"
	ad-eval -q -F csv "$BASIC" > "$BATS_TEST_TMPDIR/out.csv"
	run compare_ref tests/golden/eval-basic.ref.csv "$BATS_TEST_TMPDIR/out.csv"
	assert_success
	sed 's/^roc_auc,[0-9.]*/roc_auc,0.6153846/' "$BATS_TEST_TMPDIR/out.csv" > "$BATS_TEST_TMPDIR/off.csv"
	run compare_ref tests/golden/eval-basic.ref.csv "$BATS_TEST_TMPDIR/off.csv"
	assert_failure
	assert_output --partial "differs: roc_auc"
	grep -v '^mcc,' "$BATS_TEST_TMPDIR/out.csv" > "$BATS_TEST_TMPDIR/less.csv"
	run compare_ref tests/golden/eval-basic.ref.csv "$BATS_TEST_TMPDIR/less.csv"
	assert_failure
	assert_output --partial "missing: mcc"
	sed 's/^f1,[0-9.]*,/f1,,/' "$BATS_TEST_TMPDIR/out.csv" > "$BATS_TEST_TMPDIR/null.csv"
	run compare_ref tests/golden/eval-basic.ref.csv "$BATS_TEST_TMPDIR/null.csv"
	assert_failure
}

@test "undefined metrics are null with a reason, never a number" {
	cd "$ROOT"
	run ad-eval -q tests/fixtures/eval-nopos.csv
	assert_success
	assert_line '  "roc_auc": null,'
	assert_line '  "recall": null,'
	assert_line --partial '"roc_auc": "no row is labelled anomalous"'
	run ad-eval -q tests/fixtures/eval-nopred.csv
	assert_line '  "precision": null,'
	assert_line '  "f1": 0,'
	assert_line --partial '"precision": "no row is flagged"'
	run ad-eval -q tests/fixtures/eval-random.csv
	assert_line '  "decision": "none",'
	assert_line '  "f1": null,'
	assert_line --partial '"f1": "no decision: give --pred, --threshold, --top-k or --contamination"'
	run ad-eval -q -F csv tests/fixtures/eval-allpos.csv
	assert_line 'specificity,,no row is labelled normal'
	assert_line 'mcc,,every row has the same label'
}

# ---- labels, scores and skipped rows ----

@test "every label spelling is read, in any case, with spaces around" {
	printf 'score,label\n0.9,1\n0.8,true\n0.7, Yes\n0.6,ANOMALY\n0.5,1.0\n0.4,0\n0.3,False\n0.2,no\n0.1,Normal \n0,0e0\n' > words.csv
	run ad-eval -q -F csv words.csv
	assert_success
	assert_line 'positives,5,'
	assert_line 'negatives,5,'
	assert_line 'roc_auc,1,'
}

@test "a bad label or prediction names file, line and column (exit 3)" {
	printf 'score,label\n0.9,1\n0.1,maybe\n' > bad.csv
	run --separate-stderr ad-eval -o out.json bad.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-eval: bad.csv:3:2: column "label": expected a label (1, true, yes or anomaly; 0, false, no or normal), got "maybe"'
	[ ! -e out.json ]
	printf 'score,label,flag\n0.9,1,-1\n' > badpred.csv
	run --separate-stderr ad-eval --pred flag badpred.csv
	assert_failure 3
	[[ "$stderr" == 'ad-eval: badpred.csv:2:3: column "flag": expected a prediction'* ]]
}

@test "a score that is not a number names file, line and column (exit 3)" {
	printf 'score,label\n0.9,1\nabc,0\n' > bad.csv
	run --separate-stderr ad-eval bad.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-eval: bad.csv:3:1: column "score": expected a number, got "abc"'
}

@test "rows missing a label, score or prediction are counted and reported" {
	printf 'score,label,is_anomaly,x\n0.9,1,1,a\n,0,0,b\n0.5,NA,0,c\n0.4,0,,d\n0.3,0,0,e\n0.2,0,0\n' > gaps.csv
	run --separate-stderr ad-eval gaps.csv
	assert_success
	assert_equal "$stderr" "ad-eval: gaps.csv: 6 rows read, 2 used; rows skipped: 1 missing label, 1 missing score, 1 missing prediction; 1 rejected for their field count"
	[[ "$output" == *'"rows_missing_label": 1,'* ]]
	[[ "$output" == *'"rows_missing_score": 1,'* ]]
	[[ "$output" == *'"rows_missing_pred": 1,'* ]]
	[[ "$output" == *'"rows_rejected": 1,'* ]]
	[[ "$output" == *'"rows_used": 2,'* ]]
	run --separate-stderr ad-eval -q gaps.csv
	assert_equal "$stderr" ""
}

@test "a missing column is named (exit 3)" {
	cd "$ROOT"
	run --separate-stderr ad-eval --score nope "$BASIC"
	assert_failure 3
	assert_equal "$stderr" "ad-eval: $BASIC: column \"nope\" is not in the input (its 5 columns: score, label, is_anomaly, host, challenger)"
	run --separate-stderr ad-eval --pred nope "$BASIC"
	assert_failure 3
	run ad-eval --by nope "$BASIC"
	assert_failure 3
	run --separate-stderr ad-eval --score host "$BASIC"
	assert_failure 3
}

@test "empty input is an error; a header alone is an empty evaluation" {
	run --separate-stderr ad-eval < /dev/null
	assert_failure 3
	assert_equal "$stderr" "ad-eval: <stdin>:1: empty input: expected a header row"
	printf 'score,label\n' | ad-eval > h.json
	grep -q '"rows_used": 0,' h.json
	grep -q '"roc_auc": null,' h.json
}

# ---- decisions ----

@test "--top-k flags the ties of the k-th score too; --contamination rounds" {
	printf 'score,label\n0.9,1\n0.8,0\n0.8,1\n0.8,0\n0.1,0\n' > t.csv
	run ad-eval -q -F csv --top-k 2 t.csv
	assert_line 'threshold,0.8,'
	assert_line 'tp,2,'
	assert_line 'fp,2,'
	# 5 rows x 0.3 = 1.5, rounded to 2
	run ad-eval -q -F csv --contamination 0.3 t.csv
	assert_line 'threshold,0.8,'
	run ad-eval -q --contamination 0.3 t.csv
	assert_line '  "top_k": 2,'
	run ad-eval -q -F csv --top-k 99 t.csv
	assert_line 'threshold,0.1,'
	assert_line 'tn,0,'
}

@test "--threshold flags scores at or above it, inf and -0 included" {
	printf 'score,label\ninf,1\n0,1\n-0,0\n-inf,0\n' > t.csv
	run ad-eval -q -F csv --threshold 0 t.csv
	assert_line 'tp,2,'
	assert_line 'fp,1,'
	assert_line 'roc_auc,0.875,'
}

# ---- gates ----

@test "gates that pass exit 0; a missed gate exits 1 naming each, outputs kept" {
	cd "$ROOT"
	run ad-eval -q --min-auc 0.6 --min-recall 0.4 "$BASIC"
	assert_success
	run --separate-stderr ad-eval -q --min-auc 0.9 --min-f1 0.4 --min-precision 0.7 \
		--prom "$BATS_TEST_TMPDIR/m.prom" -o "$BATS_TEST_TMPDIR/r.json" "$BASIC"
	assert_failure 1
	assert_equal "$stderr" "ad-eval: quality gates missed: roc_auc 0.6153846153846154 is below --min-auc 0.9; precision 0.5 is below --min-precision 0.7"
	grep -q '{"gate": "min_auc", "metric": "roc_auc", "min": 0.9, "value": 0.6153846153846154, "passed": false}' "$BATS_TEST_TMPDIR/r.json"
	grep -q '{"gate": "min_f1", "metric": "f1", "min": 0.4, "value": 0.46153846153846156, "passed": true}' "$BATS_TEST_TMPDIR/r.json"
	grep -q '^adkit_eval_gate_passed{model="score",gate="min_auc"} 0$' "$BATS_TEST_TMPDIR/m.prom"
}

@test "an undefined metric misses its gate" {
	cd "$ROOT"
	run --separate-stderr ad-eval -q --min-auc 0.5 tests/fixtures/eval-nopos.csv
	assert_failure 1
	assert_equal "$stderr" "ad-eval: quality gate missed: roc_auc is undefined (no row is labelled anomalous), --min-auc 0.5"
}

# ---- comparing ----

@test "--compare is reproducible with --seed, and another seed differs" {
	cd "$ROOT"
	ad-eval -q --compare challenger --bootstrap 50 --seed 9 tests/fixtures/eval-random.csv > "$BATS_TEST_TMPDIR/a.json"
	ad-eval -q --compare challenger --bootstrap 50 --seed 9 tests/fixtures/eval-random.csv > "$BATS_TEST_TMPDIR/b.json"
	cmp "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/b.json"
	ad-eval -q --compare challenger --bootstrap 50 --seed 10 tests/fixtures/eval-random.csv > "$BATS_TEST_TMPDIR/c.json"
	run cmp -s "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/c.json"
	assert_failure
	grep -q '"delong_p_value": 0\.' "$BATS_TEST_TMPDIR/a.json"
}

@test "--compare --bootstrap 0 gives DeLong's test without intervals" {
	cd "$ROOT"
	run ad-eval -q -F csv --compare challenger --bootstrap 0 "$BASIC"
	assert_success
	assert_line 'compare.f1_diff_low,,no resamples'
	assert_line --regexp '^compare.delong_p_value,0\.[0-9]+,$'
}

# ---- golden output ----

@test "the JSON, text and CSV reports match the golden files" {
	cd "$ROOT"
	ad-eval -q "$BASIC" | cmp - tests/golden/eval-basic.json
	ad-eval -q --compare challenger --by host --bootstrap 100 --seed 3 "$BASIC" |
		cmp - tests/golden/eval-compare-by.json
	ad-eval -q -F text --compare challenger --by host --bootstrap 100 --seed 3 \
		--min-auc 0.6 "$BASIC" | cmp - tests/golden/eval-basic.txt
	ad-eval -q -F csv --threshold 0.5 --by host "$BASIC" | cmp - tests/golden/eval-report.csv
}

@test "the reports of other decisions, gates and --compare match the golden files" {
	cd "$ROOT"
	ad-eval -q -F csv --compare challenger --bootstrap 100 --seed 3 --min-f1 0.4 \
		--min-auc 0.6 "$BASIC" | cmp - tests/golden/eval-compare-gates.csv
	ad-eval -q -F text --top-k 5 --by host "$BASIC" | cmp - tests/golden/eval-topk-by.txt
	run ad-eval -q --contamination 0.25 --min-recall 0.5 --min-precision 0.5 \
		-o "$BATS_TEST_TMPDIR/c.json" "$BASIC"
	assert_failure 1
	cmp "$BATS_TEST_TMPDIR/c.json" tests/golden/eval-contamination.json
}

@test "the JSON report is valid JSON" {
	command -v jq > /dev/null || skip "jq is not installed"
	cd "$ROOT"
	ad-eval -q --compare challenger --by host --bootstrap 10 "$BASIC" | jq -e .groups[0].compare.roc_auc > /dev/null
	ad-eval -q tests/fixtures/eval-empty.csv | jq -e '.undefined.roc_auc' > /dev/null
}

@test "--by gives each group's metrics, in byte order, and counts rows in none" {
	cd "$ROOT"
	run --separate-stderr ad-eval --by host -F csv --threshold 0.5 "$BASIC"
	assert_success
	assert_equal "${lines[0]}" "group,metric,value,note"
	assert_line ',rows_missing_by,1,'
	assert_line 'db1,rows_used,6,'
	assert_line 'web2,positives,1,'
	[ "$(grep -o '^[a-z0-9]*,rows_used' <<< "$output" | cut -d, -f1 | tr '\n' ' ')" = " db1 web1 web2 " ]
	[[ "$stderr" == *"1 row(s) without a --by value, in the totals only"* ]]
}

@test "--curves writes every distinct threshold, from inf down" {
	cd "$ROOT"
	ad-eval -q --compare challenger --bootstrap 10 --curves "$BATS_TEST_TMPDIR/c.csv" -o /dev/null "$BASIC"
	cmp "$BATS_TEST_TMPDIR/c.csv" tests/golden/eval-curves.csv
	assert_equal "$(head -2 "$BATS_TEST_TMPDIR/c.csv")" "$(printf 'score,threshold,tp,fp,fpr,tpr,precision,recall\nscore,inf,0,0,0,0,,0')"
	# the last row of each score flags every row: tp = P, fp = N
	grep -q '^score,-0.5,7,12,1,1,0.3684210526315789,1$' "$BATS_TEST_TMPDIR/c.csv"
	grep -q '^challenger,-0.2,7,12,1,1,' "$BATS_TEST_TMPDIR/c.csv"
}

@test "--plot writes well-formed SVG that matches the golden file" {
	cd "$ROOT"
	ad-eval -q --compare challenger --bootstrap 10 --plot "$BATS_TEST_TMPDIR/p.svg" -o /dev/null "$BASIC"
	cmp "$BATS_TEST_TMPDIR/p.svg" tests/golden/eval-plot.svg
	head -1 "$BATS_TEST_TMPDIR/p.svg" | grep -q '^<?xml version="1.0" encoding="UTF-8"?>$'
	[ "$(tail -1 "$BATS_TEST_TMPDIR/p.svg")" = "</svg>" ]
	grep -q 'score (AUC 0.6667)' "$BATS_TEST_TMPDIR/p.svg"
	grep -q 'challenger (AP 0.8656)' "$BATS_TEST_TMPDIR/p.svg"
	if command -v xmllint > /dev/null; then
		xmllint --noout "$BATS_TEST_TMPDIR/p.svg"
	fi
}

@test "--plot escapes names that are markup" {
	printf '"a<b&c",label,"x""y"\n0.9,1,0.2\n0.1,0,0.3\n0.5,0,0.1\n' > m.csv
	ad-eval -q --score 'a<b&c' --compare 'x"y' --bootstrap 0 --plot p.svg m.csv > /dev/null
	grep -q 'a&lt;b&amp;c (AUC 1.0000)' p.svg
	grep -q 'x&quot;y' p.svg
	run grep -c '<b&' p.svg
	assert_output 0
	if command -v xmllint > /dev/null; then
		xmllint --noout p.svg
	fi
}

@test "--kfp-metrics and --kfp-ui match the golden files; names are Kubeflow's" {
	cd "$ROOT"
	ad-eval -q --compare challenger --bootstrap 10 --kfp-metrics "$BATS_TEST_TMPDIR/m.json" \
		--kfp-ui "$BATS_TEST_TMPDIR/ui.json" -o /dev/null "$BASIC"
	cmp "$BATS_TEST_TMPDIR/m.json" tests/golden/eval-kfp-metrics.json
	cmp "$BATS_TEST_TMPDIR/ui.json" tests/golden/eval-kfp-ui.json
	names=$(grep -o '"name": "[^"]*", "numberValue"' "$BATS_TEST_TMPDIR/m.json" | cut -d'"' -f4)
	[ "$(wc -l <<< "$names")" -eq 17 ]
	while read -r n; do
		[[ "$n" =~ ^[a-z]([-a-z0-9]{0,62}[a-z0-9])?$ ]] || { echo "bad name $n"; false; }
	done <<< "$names"
	grep -q '"type": "confusion_matrix"' "$BATS_TEST_TMPDIR/ui.json"
	grep -q '"source": "normal,normal,10\\nnormal,anomaly,2\\nanomaly,normal,4\\nanomaly,anomaly,3\\n"' "$BATS_TEST_TMPDIR/ui.json"
	grep -q '{"name": "thresholds", "type": "NUMBER"}' "$BATS_TEST_TMPDIR/ui.json"
}

@test "--kfp-metrics leaves out undefined metrics" {
	cd "$ROOT"
	ad-eval -q --kfp-metrics "$BATS_TEST_TMPDIR/m.json" -o /dev/null tests/fixtures/eval-nopos.csv
	# f1, precision, accuracy and specificity; no AUCs or recall
	run grep -c numberValue "$BATS_TEST_TMPDIR/m.json"
	assert_output 4
	run grep -e auc -e recall -e at-k "$BATS_TEST_TMPDIR/m.json"
	assert_failure
}

@test "--prom writes metrics that promtool accepts without a warning" {
	cd "$ROOT"
	SOURCE_DATE_EPOCH=1700000000 ad-eval -q --name iforest --compare challenger --by host \
		--bootstrap 10 --min-auc 0.6 --min-f1 0.4 --prom "$BATS_TEST_TMPDIR/m.prom" -o /dev/null "$BASIC"
	cmp "$BATS_TEST_TMPDIR/m.prom" tests/golden/eval.prom
	grep -q '^adkit_eval_roc_auc{model="iforest"} 0.6666666666666666$' "$BATS_TEST_TMPDIR/m.prom"
	grep -q '^adkit_eval_roc_auc{model="challenger",group="web1"} ' "$BATS_TEST_TMPDIR/m.prom"
	grep -q '^adkit_eval_delong_p_value{model="iforest",challenger="challenger"} 0.085' "$BATS_TEST_TMPDIR/m.prom"
	grep -q '^adkit_eval_precision{model="iforest",group="db1"} NaN$' "$BATS_TEST_TMPDIR/m.prom"
	if command -v promtool > /dev/null; then
		run promtool check metrics < "$BATS_TEST_TMPDIR/m.prom"
		assert_success
		assert_output ""
	fi
}

# ---- input forms ----

@test "stdin, -i, a file argument and the binary stream give the same report" {
	cd "$ROOT"
	R=tests/fixtures/eval-random.csv
	ad-eval -q -F csv --compare challenger --bootstrap 20 "$R" > "$BATS_TEST_TMPDIR/a.csv"
	ad-eval -q -F csv --compare challenger --bootstrap 20 -i "$R" > "$BATS_TEST_TMPDIR/b.csv"
	ad-eval -q -F csv --compare challenger --bootstrap 20 < "$R" > "$BATS_TEST_TMPDIR/c.csv"
	ad-clean -q -F bin "$R" | ad-eval -q -F csv --compare challenger --bootstrap 20 > "$BATS_TEST_TMPDIR/d.csv"
	cmp "$BATS_TEST_TMPDIR/a.csv" "$BATS_TEST_TMPDIR/b.csv"
	cmp "$BATS_TEST_TMPDIR/a.csv" "$BATS_TEST_TMPDIR/c.csv"
	cmp "$BATS_TEST_TMPDIR/a.csv" "$BATS_TEST_TMPDIR/d.csv"
}

@test "text labels and groups in a binary stream are read as in CSV" {
	cd "$ROOT"
	printf 'column,type\nlabel,text\nis_anomaly,text\n' > "$BATS_TEST_TMPDIR/s.csv"
	ad-eval -q -F csv --by host "$BASIC" > "$BATS_TEST_TMPDIR/a.csv"
	ad-clean -q --schema "$BATS_TEST_TMPDIR/s.csv" -F bin "$BASIC" |
		ad-eval -q -F csv --by host > "$BATS_TEST_TMPDIR/b.csv"
	cmp "$BATS_TEST_TMPDIR/a.csv" "$BATS_TEST_TMPDIR/b.csv"
}

@test "a numeric label in a binary stream must be 1, 0 or missing" {
	printf 'score,label\n0.9,1\n0.1,2\n' | ad-clean -q -F bin > two.bin
	run --separate-stderr ad-eval two.bin
	assert_failure 3
	assert_equal "$stderr" 'ad-eval: two.bin: row 2, field 2: column "label": expected a label (1, true, yes or anomaly; 0, false, no or normal), got "2"'
}

@test "-n, -d and quoted names are read" {
	printf '0.9;1\n0.1;0\n' > nh.csv
	run ad-eval -q -F csv -n -d ';' --score c1 --label c2 nh.csv
	assert_line 'roc_auc,1,'
	printf '"a,b","say ""hi""",label\n"x\ny",0.2,0\nz,0.8,1\n' > q.csv
	run ad-eval -q -F csv --score 'say "hi"' --by 'a,b' q.csv
	assert_success
	assert_line ',roc_auc,1,'
	assert_line '"x'
	assert_line 'y",rows_used,1,'
}

@test "a header too long to read ahead still works" {
	# 300 names of 1000 bytes: more than the 256 KiB the input shows ahead
	awk 'BEGIN { pad = sprintf("%1000s", ""); gsub(/ /, "x", pad)
		for (c = 1; c <= 300; c++) printf "c%d%s,", c, pad; print "score,label"
		for (r = 0; r < 3; r++) { for (c = 1; c <= 300; c++) printf "x,"; print r / 4 "," (r == 2) } }' > wide.csv
	[ "$(head -1 wide.csv | wc -c)" -gt 262144 ]
	run ad-eval -q -F csv wide.csv
	assert_success
	assert_line 'roc_auc,1,'
}

# ---- outputs and errors ----

@test "-o writes the report; a failed run leaves no file and keeps an old one" {
	cd "$ROOT"
	ad-eval -q -o "$BATS_TEST_TMPDIR/r.json" "$BASIC"
	cmp "$BATS_TEST_TMPDIR/r.json" tests/golden/eval-basic.json
	printf 'score,label\n0.9,1\n0.1,maybe\n' > "$BATS_TEST_TMPDIR/bad.csv"
	echo old > "$BATS_TEST_TMPDIR/keep.json"
	run ad-eval -o "$BATS_TEST_TMPDIR/keep.json" --prom "$BATS_TEST_TMPDIR/m.prom" \
		--plot "$BATS_TEST_TMPDIR/p.svg" --curves "$BATS_TEST_TMPDIR/c.csv" "$BATS_TEST_TMPDIR/bad.csv"
	assert_failure 3
	assert_equal "$(cat "$BATS_TEST_TMPDIR/keep.json")" "old"
	[ ! -e "$BATS_TEST_TMPDIR/m.prom" ] && [ ! -e "$BATS_TEST_TMPDIR/p.svg" ] && [ ! -e "$BATS_TEST_TMPDIR/c.csv" ]
	run ls -A "$BATS_TEST_TMPDIR"
	assert_output "$(printf 'bad.csv\nkeep.json\nr.json')"
}

@test "a missing input, a bad output directory and a full device are I/O errors" {
	run --separate-stderr ad-eval no-such.csv
	assert_failure 4
	assert_equal "$stderr" "ad-eval: no-such.csv: cannot open: No such file or directory"
	run ad-eval --prom missing-dir/m.prom "$ROOT/$BASIC"
	assert_failure 4
	run --separate-stderr ad-eval -o /dev/full "$ROOT/$BASIC"
	assert_failure 4
	[[ "$stderr" == "ad-eval: /dev/full: write error: No space left on device" ]]
}

@test "a closed pipe downstream ends quietly" {
	cd "$ROOT"
	run_pipe "ad-eval -q $BASIC 2> $BATS_TEST_TMPDIR/err.txt | head -n 1"
	assert_success
	assert_output "{"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err.txt")" ""
}

@test "SIGTERM while reading leaves no output file behind" {
	mkfifo slow
	( printf 'score,label\n0.5,1\n'; exec sleep 30 ) > slow 3>&- &
	writer=$!
	ad-eval -i slow -o out.json --prom m.prom --plot p.svg 3>&- &
	pid=$!
	sleep 0.5
	kill -TERM "$pid"
	wait "$pid" || true
	kill "$writer" 2> /dev/null || true
	run ls -A
	assert_output "slow"
}

@test "--by with hundreds of groups counts each one's rows, in byte order" {
	# more groups than the group table starts with, interleaved, so that it
	# grows while rows still arrive for groups it already holds
	awk 'BEGIN {
		print "score,label,g"
		for (r = 0; r < 5; r++)
			for (g = 0; g < 300; g++)
				if (r <= g % 5)
					printf "0.%d,%d,h%d\n", (g + r) % 10, (g + r) % 2, g
	}' > "$BATS_TEST_TMPDIR/g.csv"
	run ad-eval -q --by g -F csv --threshold 0.5 "$BATS_TEST_TMPDIR/g.csv"
	assert_success
	used=$(grep ',rows_used,' <<< "$output" | grep -v '^,')
	[ "$(wc -l <<< "$used")" -eq 300 ]
	[ "$(cut -d, -f1 <<< "$used")" = "$(cut -d, -f1 <<< "$used" | LC_ALL=C sort)" ]
	awk -F, '{ g = substr($1, 2); if ($3 != g % 5 + 1) bad = 1 } END { exit bad }' <<< "$used"
	assert_line ',rows_used,900,'
}

# eval-basic.csv with a third score column, c2 (missing where score is).
three() {
	cat "$FIX/eval-three.csv"
}

@test "--compare twice: every output lists both challengers (a second --compare replaced the first)" {
	three > three.csv
	ad-eval -q --compare challenger --compare c2 --bootstrap 10 -F csv \
		--kfp-metrics k.json --prom m.prom -o two.csv three.csv
	ad-eval -q --compare challenger --bootstrap 10 -F csv -o one.csv three.csv
	# each challenger is tested against --score on its own: the first one's
	# rows are those of a run with it alone (rows missing c2 aside: none)
	diff <(grep '^compare\.' one.csv | sed 's/^compare\./compare.challenger./') \
		<(grep '^compare\.challenger\.' two.csv)
	grep -q '^compare\.c2\.roc_auc,' two.csv
	grep -q '^compare\.c2\.delong_p_value,' two.csv
	grep -q '^compare\.c2\.f1_diff_low,' two.csv
	grep -q '"name": "compare-challenger-roc-auc"' k.json
	grep -q '"name": "compare-c2-roc-auc-diff"' k.json
	grep -q '^adkit_eval_roc_auc{model="c2"} ' m.prom
	grep -q '^adkit_eval_roc_auc_diff{model="score",challenger="challenger"} ' m.prom
	grep -q '^adkit_eval_roc_auc_diff{model="score",challenger="c2"} ' m.prom
	run ad-eval -q --compare challenger --compare c2 --bootstrap 10 three.csv
	assert_success
	[ "$(jq -r '.compare | map(.score) | join(" ")' <<< "$output")" = "challenger c2" ]
	[ "$(jq '.compare[1].roc_auc_diff' <<< "$output")" = "$(grep '^compare\.c2\.roc_auc_diff,' two.csv | cut -d, -f2)" ]
	run ad-eval -q --compare challenger --compare c2 --bootstrap 10 -F text three.csv
	assert_success
	assert_line --partial "columns    label label, score score, compare challenger, c2"
	assert_line --regexp '^metric +score +challenger +difference +c2 +difference$'
	assert_line "c2 against score"
	assert_line "challenger against score"
}

@test "--compare: a column twice, nine challengers, --name beyond the score columns are usage errors" {
	three > three.csv
	run --separate-stderr ad-eval --compare c2 --compare c2 three.csv
	assert_failure 2
	[[ "$stderr" == 'ad-eval: --compare names "c2" twice'* ]]
	run --separate-stderr ad-eval --compare a --compare b --compare c --compare d \
		--compare e --compare f --compare g --compare h --compare i three.csv
	assert_failure 2
	[[ "$stderr" == "ad-eval: --compare: at most 8"* ]]
	run --separate-stderr ad-eval --compare c2 --name a --name b --name c three.csv
	assert_failure 2
	[[ "$stderr" == "ad-eval: 3 --name for 2 score columns"* ]]
	run --separate-stderr ad-eval --name '' three.csv
	assert_failure 2
	[[ "$stderr" == "ad-eval: --name must not be empty"* ]]
}

@test "--name labels the plot's curves and title; the PR chance line is in the legend" {
	three > three.csv
	ad-eval -q --compare challenger --compare c2 --name "forest v2" --name svm \
		--bootstrap 10 --plot p.svg -o /dev/null three.csv
	grep -q '>forest v2 vs svm vs c2: 19 rows, 7 anomalous</text>' p.svg
	grep -q '>forest v2 (AUC 0.6667)</text>' p.svg
	grep -q '>svm (AP 0.8656)</text>' p.svg
	grep -q '>chance (precision = anomalous share 0.3684)</text>' p.svg
	! grep -q "$BASIC" p.svg
	# the legend is under the plot areas (which end at y 384 in a panel),
	# never on them
	[ "$(grep -cE '<text class="tick" x="[0-9.]+" y="[0-9.]+">(forest|svm|c2|chance|decision)' p.svg)" -eq 10 ]
	awk -F'"' '/<text class="tick" x="[0-9.]+" y="[0-9.]+">(forest|svm|c2|chance|decision)/ {
		if ($6 + 0 <= 384) bad = 1 } END { exit bad }' p.svg
}

@test "--plot-time: ISO times make a UTC time axis; the flagged rows and labelled windows are drawn" {
	printf 'ts,cpu,label,score\n' > ts.csv
	for h in $(seq 0 71); do
		printf '2026-11-%02dT%02d:00:00Z,%d,%d,0.%d\n' $((1 + h / 24)) $((h % 24)) \
			$((h % 7 * 10)) $((h == 30 || h == 31)) $((h == 31 ? 9 : 1))
	done >> ts.csv
	ad-eval -q --threshold 0.5 --plot-time ts --plot-values cpu --plot-series s.svg -o /dev/null ts.csv
	head -1 s.svg | grep -q '^<?xml version="1.0" encoding="UTF-8"?>$'
	[ "$(tail -1 s.svg)" = "</svg>" ]
	grep -q '>ts (UTC), from 2026-11-01</text>' s.svg
	grep -q '>11-02 00:00</text>' s.svg
	grep -q '>11-03 12:00</text>' s.svg
	[ "$(grep -c '<circle class="flag"' s.svg)" -eq 2 ]   # a row, and the legend's
	[ "$(grep -c '<rect class="window"' s.svg)" -eq 3 ]   # two panels, the legend
	grep -q '>threshold 0.5</text>' s.svg
	if command -v xmllint > /dev/null; then xmllint --noout s.svg; fi
}

@test "--plot-time: a bad time cell, a missing or text column, and options given alone are refused" {
	printf 't,v,label,score\n1,2,0,0.1\n2,x,0,0.2\n2026-01-01,3,1,0.9\n' > bad.csv
	run --separate-stderr ad-eval --plot-time t --plot-series s.svg bad.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-eval: bad.csv:4:1: --plot-time column "t": expected a number like the rows before, got "2026-01-01"'
	[ ! -e s.svg ]
	run --separate-stderr ad-eval --plot-time when --plot-series s.svg bad.csv
	assert_failure 3
	[[ "$stderr" == 'ad-eval: bad.csv: --plot-time: column "when" is not in the input'* ]]
	printf 't,host,label,score\n1,a,0,0.1\n' > text.csv
	run --separate-stderr ad-eval --plot-time t --plot-values host --plot-series s.svg text.csv
	assert_failure 3
	printf 't,host,label,score\n1,a,0,0.1\n' | ad-eval -q -o /dev/null --plot-time t --plot-series s.svg
	[ -s s.svg ]
	rm s.svg
	run --separate-stderr ad-eval --plot-time t bad.csv
	assert_failure 2
	[[ "$stderr" == "ad-eval: --plot-time needs --plot-series"* ]]
	run --separate-stderr ad-eval --plot-values v bad.csv
	assert_failure 2
	[ ! -e s.svg ]
	# without --plot-time the rows are drawn by their number
	ad-eval -q -o /dev/null --plot-values cpu --plot-series s.svg "$FIX/eval-series.csv"
	grep -q '>row</text>' s.svg
	grep -q '>score along row: 288 rows, 8 anomalous</text>' s.svg
}
