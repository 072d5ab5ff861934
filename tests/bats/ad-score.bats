#!/usr/bin/env bats
# ad-score from the outside: options, exit codes, messages, golden scores,
# thread-count independence, columns, explanations, models that do not fit.

load helper

SMALL="$FIX/train-small.csv"
NEW="$FIX/train-new.csv"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	SOURCE_DATE_EPOCH=0 ad-train -q --trees 10 --label label --ignore id \
		-o m "$SMALL"
}

@test "--help prints the usage on stdout and exits 0" {
	run ad-score --help
	assert_success
	assert_line --index 0 --partial "ad-score:"
	assert_output --partial "usage: ad-score [-nqV]"
}

@test "--version names the command and adkit" {
	run ad-score --version
	assert_success
	assert_output --regexp '^ad-score \(adkit\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown option or a missing value is a usage error on stderr" {
	run --separate-stderr ad-score --no-such-option
	assert_failure 2
	assert_equal "$output" ""
	[[ "$stderr" == "ad-score: unknown option --no-such-option"* ]]
	[[ "$stderr" == *"usage: ad-score"* ]]
	run --separate-stderr ad-score -m
	assert_failure 2
	[[ "$stderr" == "ad-score: option -m needs a value"* ]]
}

@test "bad option values and combinations are usage errors" {
	run --separate-stderr ad-score "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-score: give the model with -m MODEL"* ]]
	for bad in "--threshold 1.5" "--threshold x" "--explain -1" \
	    "--threads 0" "-F json" "-d ab" "--keep a,,b"; do
		run --separate-stderr ad-score -m m $bad "$SMALL"
		assert_failure 2
		[[ "$stderr" == "ad-score: "* ]]
	done
	run --separate-stderr ad-score -m m --explain 4 "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-score: --explain 4 is more than the model's 3 features"* ]]
	run ad-score -m m --inspect "$SMALL"
	assert_failure 2
	run ad-score -m m -i "$SMALL" "$SMALL"
	assert_failure 2
}

@test "scores and explanations match the golden output" {
	run --separate-stderr ad-score -m m --explain 2 "$SMALL"
	assert_success
	assert_equal "$output" "$(cat "$GOLD/score-small.csv")"
	assert_equal "$stderr" "ad-score: $SMALL: 39 rows scored; 1 rejected (not scored), 1 invalid feature cells (scored as missing)"
}

@test "every input row comes out, in order, with every input column" {
	ad-score -q -m m "$SMALL" > s.csv
	head -n 1 s.csv | grep -qx 'id,host,cpu,mem,latency_ms,label,score,is_anomaly'
	[ "$(wc -l < s.csv)" -eq 40 ]
	cut -d, -f1 s.csv | tail -n +2 > ids.txt
	grep -v ',extra$' "$SMALL" | tail -n +2 | cut -d, -f1 | cmp - ids.txt
	# the two labelled anomalies score highest
	[ "$(sort -t, -k7 -g -r s.csv | head -n 2 | cut -d, -f6 | sort -u)" = 1 ]
}

@test "the output is the same for any thread count, in CSV and binary" {
	for t in 1 2 3 8; do
		ad-score -q --threads "$t" -m m --explain 3 "$SMALL" > "s$t.csv"
	done
	cmp s1.csv s2.csv && cmp s1.csv s3.csv && cmp s1.csv s8.csv
	awk 'BEGIN { print "id,cpu,mem,latency_ms"; for (i = 0; i < 30000; i++)
		print i "," (i * 7) % 100 "," (i * 13) % 90 "," (i % 11 ? (i * 3) % 50 : "") }' > big.csv
	ad-clean -q -F bin big.csv > big.bin
	ad-score -q --threads 1 -m m big.bin > b1.bin
	ad-score -q --threads 2 -m m big.bin > b2.bin
	ad-score -q --threads 5 -m m --explain 1 big.csv > c5.csv
	ad-score -q --threads 1 -m m --explain 1 big.csv > c1.csv
	cmp b1.bin b2.bin
	cmp c1.csv c5.csv
	# all the threads --threads takes, none held back
	ad-score -q --threads 256 -m m --explain 1 big.csv > c256.csv
	cmp c1.csv c256.csv
	ad-clean -q -F csv b1.bin | cut -d, -f5 | cmp - <(cut -d, -f5 c1.csv)
}

@test "kept numbers come out in their shortest form, however they were spelt" {
	# ad-score copies a number's text when it already is that form, so
	# every other spelling must still be rewritten
	{
		echo id,cpu,mem,latency_ms,note
		echo 1,40.2,61.9,19.08,a
		echo '2,40.20,+61.9, 19.08 ,"b"'
		echo 3,4.02e1,61.90,1908e-2,NA
		echo 4,-0,0.00001,1234567890123456,c
		echo 5,007,0.0001,12.5,d
	} > spelt.csv
	run ad-score -q -m m spelt.csv
	assert_success
	assert_equal "$(cut -d, -f1-5 <<< "$output")" "$(printf '%s\n' \
		id,cpu,mem,latency_ms,note 1,40.2,61.9,19.08,a 2,40.2,61.9,19.08,b \
		3,40.2,61.9,19.08, 4,-0,1e-05,1234567890123456,c 5,7,0.0001,12.5,d)"
	# rows 1-3 are one point spelt three ways: one score
	[ "$(cut -d, -f6 <<< "$output" | sed -n 2,4p | sort -u | wc -l)" -eq 1 ]
}

@test "--keep chooses the input columns written; an empty list keeps none" {
	run ad-score -q -m m --keep host,id "$NEW"
	assert_failure 3
	run ad-score -q -m m --keep note,host "$NEW"
	assert_success
	assert_line --index 0 "note,host,score,is_anomaly"
	assert_line --index 4 --regexp '^"low, mem",web1,0\.[0-9]+,[01]$'
	run ad-score -q -m m --keep '' "$NEW"
	assert_line --index 0 "score,is_anomaly"
	run ad-score -q -m m --keep host,host "$NEW"
	assert_failure 2
}

@test "any column order works; a missing feature value is scored, not dropped" {
	run ad-score -q -m m --keep note --explain 1 "$NEW"
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_line --index 2 --regexp '^spike,0\.[6-9][0-9]*,1,(cpu|latency_ms)$'
	assert_line --index 3 --regexp '^mem missing,0\.[0-9]+,[01],(cpu|latency_ms)$'
	assert_line --index 4 --regexp '^"low, mem",0\.[0-9]+,[01],mem$'
}

@test "a missing feature column is named (exit 3)" {
	cut -d, -f1,2,4- "$SMALL" > nocpu.csv
	run --separate-stderr ad-score -m m -o out.csv nocpu.csv
	assert_failure 3
	assert_equal "$stderr" "ad-score: nocpu.csv: the model's feature column \"cpu\" is not in the input (its 5 columns: id, host, mem, latency_ms, label); make the features as the training data's were, with ad-features -r PARAMS"
	[ ! -e out.csv ]
	ad-clean -q -F bin --schema <(printf 'column,type\ncpu,text\n') "$SMALL" > text.bin
	run --separate-stderr ad-score -m m text.bin
	assert_failure 3
	[[ "$stderr" == *'column "cpu" is text in the input but numeric in the schema' ]]
}

@test "an input column named like an output column is refused (exit 3)" {
	ad-score -q -m m "$SMALL" > once.csv
	run --separate-stderr ad-score -m m once.csv
	assert_failure 3
	assert_equal "$stderr" "ad-score: once.csv: the input already has a column \"score\"; leave it out with --keep"
	run ad-score -q -m m --keep id once.csv
	assert_success
}

@test "--threshold overrides the model's threshold" {
	n0=$(ad-score -q -m m --threshold 0 --keep '' "$SMALL" | awk -F, 'NR > 1 { n += $2 } END { print n }')
	n1=$(ad-score -q -m m --threshold 1 --keep '' "$SMALL" | awk -F, 'NR > 1 { n += $2 } END { print n }')
	nd=$(ad-score -q -m m --keep '' "$SMALL" | awk -F, 'NR > 1 { n += ($1 > 0.5) - $2 } END { print n }')
	[ "$n0" -eq 39 ] && [ "$n1" -eq 0 ] && [ "$nd" -eq 0 ]
}

@test "--inspect prints the model's metadata as JSON" {
	run ad-score -m m --inspect
	assert_success
	assert_line --index 0 "{"
	assert_line --index 1 '  "file": "m",'
	assert_output --partial '"algorithm": "iforest",'
	assert_output --partial '"features": ["cpu", "mem", "latency_ms"],'
	assert_output --partial '"score_quantiles": ['
	assert_output --partial '"created": "1970-01-01T00:00:00Z",'
	if [ -x /usr/bin/python3 ]; then
		ad-score -m m --inspect | /usr/bin/python3 -m json.tool > /dev/null
	fi
	ad-score -m m --inspect -o meta.json
	assert_equal "$(cat meta.json)" "$output"
}

@test "a bad model file is refused with a reason (exit 3), a missing one is exit 4" {
	head -c 200 m > cut.model
	run --separate-stderr ad-score -m cut.model "$SMALL"
	assert_failure 3
	assert_equal "$stderr" "ad-score: cut.model: corrupt model: truncated: 200 of $(wc -c < m) bytes"
	cp m flip.model
	printf 'X' | dd of=flip.model bs=1 seek=300 conv=notrunc 2> /dev/null
	run --separate-stderr ad-score -m flip.model "$SMALL"
	assert_failure 3
	assert_equal "$stderr" "ad-score: flip.model: corrupt model: checksum mismatch"
	run --separate-stderr ad-score -m "$SMALL" "$SMALL"
	assert_failure 3
	assert_equal "$stderr" "ad-score: $SMALL: not an adkit model (no model magic)"
	ad-clean -q -F bin "$SMALL" > data.bin
	run --separate-stderr ad-score -m data.bin --inspect
	assert_failure 3
	assert_equal "$stderr" "ad-score: data.bin: not a model but an adkit data stream"
	cp m new.model
	printf '\011' | dd of=new.model bs=1 seek=8 conv=notrunc 2> /dev/null
	run --separate-stderr ad-score -m new.model --inspect
	assert_failure 3
	assert_equal "$stderr" "ad-score: new.model: model format version 9 is newer than this adkit reads (2); use a newer adkit"
	run --separate-stderr ad-score -m none.model "$SMALL"
	assert_failure 4
	assert_equal "$stderr" "ad-score: none.model: cannot open: No such file or directory"
}

@test "the output format follows the input unless -F says otherwise" {
	ad-clean -q -F bin "$SMALL" > data.bin
	ad-score -q -m m data.bin > out.bin
	head -c 8 out.bin | od -An -tx1 | grep -q '89 41 44 4b 0d 0a 1a 0a'
	ad-score -q -m m -F csv data.bin > out.csv
	ad-score -q -m m "$SMALL" > direct.csv
	cmp out.csv direct.csv
	ad-clean -q -F csv out.bin | cmp - direct.csv
}

@test "bad rows: --rejects keeps them, and a bad cell's place is named" {
	run ad-score -q -m m --rejects rej.csv "$SMALL"
	assert_success
	assert_equal "$(cat rej.csv)" "29,28,web2,40.5,66.8,19.27,0,extra"
	printf 'cpu,mem,latency_ms\n1,2,3\n4,"5\n' > q.csv
	run --separate-stderr ad-score -m m -o out.csv q.csv
	assert_failure 3
	[[ "$stderr" == "ad-score: q.csv:3:2: quoted field not closed"* ]]
	[ ! -e out.csv ]
}

@test "-n and -d work as in every command" {
	ad-train -q -n -d ';' --trees 3 -o nh.model <(tail -n +2 "$SMALL" | cut -d, -f3,4 | tr , ';')
	run ad-score -q -n -d ';' -m nh.model <(printf '1;2\n3;4\n')
	assert_success
	assert_line --index 0 --regexp '^1;2;0\.[0-9]+;[01]$'
	assert_equal "${#lines[@]}" 2
}

@test "progress goes to stderr only when it is a terminal" {
	run --separate-stderr ad-score -m m -o out.csv "$NEW"
	assert_equal "$stderr" ""
	script -qec "ad-score -m m -o out2.csv $NEW" /dev/null > tty.txt
	grep -q "ad-score: rows scored 4" tty.txt
	script -qec "ad-score -q -m m -o out3.csv $NEW" /dev/null > tty.txt
	[ ! -s tty.txt ]
}

@test "writing to a full device fails with exit 4" {
	run --separate-stderr ad-score -m m -o /dev/full "$SMALL"
	assert_failure 4
	assert_equal "$stderr" "ad-score: /dev/full: write error: No space left on device"
}

@test "a write error in one output publishes neither the scores nor the rejects" {
	run --separate-stderr ad-score -q -m m --rejects rej.csv -o /dev/full "$SMALL"
	assert_failure 4
	assert_equal "$stderr" "ad-score: /dev/full: write error: No space left on device"
	[ ! -e rej.csv ]
	run --separate-stderr ad-score -q -m m --rejects /dev/full -o out.csv "$SMALL"
	assert_failure 4
	assert_equal "$stderr" "ad-score: /dev/full: write error: No space left on device"
	[ ! -e out.csv ]
}

@test "a failed run leaves no output file and keeps an old one" {
	echo old > keep.csv
	run ad-score -m m --keep nope -o keep.csv "$SMALL"
	assert_failure 3
	assert_equal "$(cat keep.csv)" "old"
}

@test "a closed pipe downstream ends quietly" {
	awk 'BEGIN { print "cpu,mem,latency_ms"; for (i = 0; i < 200000; i++) print i % 91 "," i % 37 "," i % 17 }' > big.csv
	for t in 1 2; do
		run_pipe "ad-score --threads $t -m m big.csv 2> err.txt | head -n 1"
		assert_success
		assert_output "cpu,mem,latency_ms,score,is_anomaly"
		assert_equal "$(cat err.txt)" ""
	done
}
