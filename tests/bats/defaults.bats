#!/usr/bin/env bats
# Defaults that cannot silently give a wrong model (issue 17): one threshold
# rule for every command, the label, features that are not numbers.

load helper

# A zscore model of x over -1 and 1 (mean 0, standard deviation 1), whose
# auto threshold is 3: a row x = 3 scores exactly 3.
zmodel() {
	printf 'x\n-1\n1\n' > t.csv
	printf 'x,label\n3,1\n2.9,0\n' > s.csv
	ad-train -q -a zscore --contamination auto -o z.m t.csv
}

@test "a score equal to the model's threshold is an anomaly" {
	zmodel
	run ad-score -q -m z.m --keep x s.csv
	assert_success
	assert_output "x,score,is_anomaly
3,3,1
2.9,2.9,0"
}

@test "ad-score --threshold t and ad-eval --threshold t flag the same rows" {
	zmodel
	run ad-score -q -m z.m --threshold 2.9 --keep '' s.csv
	assert_success
	assert_output "score,is_anomaly
3,1
2.9,1"
	ad-score -q -m z.m s.csv > scored.csv
	run ad-eval -q --threshold 2.9 scored.csv
	assert_success
	assert_output --partial '"fp": 1,'
	assert_output --partial '"tp": 1,'
}

# id, host (text), ts (times), cpu and mem over 12 rows.
mixed() {
	printf 'id,host,ts,cpu,mem\n' > f.csv
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		echo "$i,h$((i % 3)),2024-01-01T00:0$((i % 10)):00,$((i * 7 % 13)).5,$((i * 5 % 11))"
	done >> f.csv
}

@test "a --features column of text or times is an error that says how to make numbers of it" {
	mixed
	for f in host,cpu ts; do
		run --separate-stderr ad-train -o m --features "$f" f.csv
		assert_failure 3
		[[ "$stderr" == "ad-train: f.csv: feature \"${f%%,*}\" is text, not numbers; "* ]]
		[[ "$stderr" == *"ad-features"*"--onehot or --freq"*"--time"* ]]
		[ ! -e m ]
	done
	run ad-train -q -o m --features cpu,mem f.csv
	assert_success
}

@test "an input with no numeric column says how to make numbers" {
	mixed
	cut -d, -f2,3 f.csv > t.csv
	run --separate-stderr ad-train -o m t.csv
	assert_failure 3
	[[ "$stderr" == "ad-train: t.csv: no numeric column to train on; "*"ad-features"*"--onehot or --freq"*"--time"* ]]
}

@test "a feature of rising whole numbers is named as a likely row number" {
	mixed
	run --separate-stderr ad-train -o m f.csv
	assert_success
	[[ "$stderr" == *'feature "id" rises by whole numbers on every row'*"--ignore"* ]]
	run --separate-stderr ad-train -o m --ignore id f.csv
	assert_success
	[[ "$stderr" != *"rises"* ]]
	# values that repeat or fall are no row number
	sed 's/^12,/11,/' f.csv > g.csv
	run --separate-stderr ad-train -o m g.csv
	assert_success
	[[ "$stderr" != *"rises"* ]]
}

@test "ad-clean keeps codes with leading zeros as text" {
	printf 'zip,n\n08123,1\n10001,2\n00501,3\n' > z.csv
	run ad-clean -q z.csv
	assert_output "$(printf 'zip,n\n08123,1\n10001,2\n00501,3')"
	# a zero before the point is a number's
	printf 'x\n0.5\n0\n-0.25\n10\n' > n.csv
	ad-clean -q --report r.json -o /dev/null n.csv
	grep -q '{"name": "x", "type": "numeric"' r.json
}

@test "ad-clean names each column that lost cells, a few of them, and how to keep them" {
	printf 'id,cpu,code\n1,5,7\n2,abc,8\n3,6,x1\n4,7,9\n5,n/a,10\n6,abc,11\n7,1,x2\n8,2,x3\n9,3,x4\n' > m.csv
	run --separate-stderr ad-clean --report r.json -o out.csv m.csv
	assert_success
	assert_equal "$stderr" 'ad-clean: m.csv: 9 rows read, 9 written; 0 rejected, 7 invalid cells, 0 duplicates, 0 dropped for missing values
ad-clean: m.csv: column "cpu": 3 cells made missing, not read as numbers (such as "abc", "n/a"); to keep such cells, give --schema a file with the line "cpu,text"
ad-clean: m.csv: column "code": 4 cells made missing, not read as numbers (such as "x1", "x2", "x3"); to keep such cells, give --schema a file with the line "code,text"'
	grep -q '"name": "cpu", "type": "numeric", "missing": 0, "invalid": 3, "invalid_examples": \["abc", "n/a"\]' r.json
	grep -q '"invalid": 4, "invalid_examples": \["x1", "x2", "x3"\]' r.json
	run --separate-stderr ad-clean -q -o out.csv m.csv
	assert_equal "$stderr" ""
	printf 'column,type\ncpu,text\n' > s.csv
	run --separate-stderr ad-clean --schema s.csv -o out.csv m.csv
	[[ "$stderr" != *'column "cpu"'* ]]
	grep -q '^2,abc,' out.csv
}

@test "--seed has one default, 0, in every command that takes it" {
	# the component's description is the help's, on one line
	for cmd in ad-train ad-eval ad-drift; do
		run bash -c "$cmd --kfp-component | grep -A2 '^- name: \"seed\"'"
		assert_success
		assert_output --regexp 'description: "--seed: [^"]*\(default 0\)"'
	done
	cd "$ROOT"
	run ad-eval -q --compare challenger --bootstrap 20 tests/fixtures/eval-basic.csv
	assert_success
	assert_output --partial '"bootstrap_seed": 0'
}

@test "ad-score's help gives each detector's score range, not one [0, 1]" {
	run ad-score --help
	assert_success
	[[ "$output" != *"a score in [0, 1]"* ]]
	help=$(tr '\n' ' ' <<< "$output" | tr -s ' ')
	[[ "$help" == *"[0, 1] for iforest, eif and ensembles, [0, inf) for autoencoder, zscore, knn, lof, ecod, pca and mcd, and any number for ocsvm and hbos"* ]]
	# every detector ad-train offers (each is named "NAME (" in its -a
	# paragraph; auto is a choice among them) has a row in the man page's
	# table and a place in the help's sentence
	algos=$(ad-train --help | sed -n '/-a, --algorithm/,/^      --/p' |
	    tr -s ' \n' ' ' | grep -oE '[a-z]+ \(' | tr -d ' (' | grep -vx auto)
	[ "$(wc -w <<< "$algos")" -ge 12 ]
	for a in $algos; do
		grep -q "^\.It Cm $a Ta " "$ROOT/man/ad-score.1" || { echo "no row for $a"; false; }
		[[ "$help" =~ [^a-z]${a}s?[^a-z] ]] || { echo "help omits $a"; false; }
	done
}
