#!/usr/bin/env bats
# ad-train from the outside: options, exit codes, messages, the model file
# (golden bytes, lineage, reproducibility), features, merging.

load helper

SMALL="$FIX/train-small.csv"

# Trains a small model reproducibly; extra arguments go to ad-train.
train() {
	SOURCE_DATE_EPOCH=0 ad-train -q --trees 10 --label label "$@"
}

# The model's metadata, as JSON.
inspect() {
	ad-score -m "$1" --inspect
}

@test "--help prints the usage on stdout and exits 0" {
	run ad-train --help
	assert_success
	assert_line --index 0 --partial "ad-train:"
	assert_output --partial "usage: ad-train [-nqV]"
	run ad-train -h
	assert_success
}

@test "--version names the command and adkit" {
	run ad-train --version
	assert_success
	assert_output --regexp '^ad-train \(adkit\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown option or a missing value is a usage error on stderr" {
	run --separate-stderr ad-train --no-such-option
	assert_failure 2
	assert_equal "$output" ""
	[[ "$stderr" == "ad-train: unknown option --no-such-option"* ]]
	[[ "$stderr" == *"usage: ad-train"* ]]
	run --separate-stderr ad-train --trees
	assert_failure 2
	[[ "$stderr" == "ad-train: option --trees needs a value"* ]]
}

@test "numbers and names in options are checked strictly" {
	for bad in "--trees abc" "--trees 0" "--trees 100001" "--sample-size 1" \
	    "--seed -1" "--threads 0" "--contamination 0.6" \
	    "--contamination 0" "--contamination lots" "-a forest" \
	    "--extension-level 1"; do
		run --separate-stderr ad-train $bad -o m "$SMALL"
		assert_failure 2
		[[ "$stderr" == "ad-train: "* ]]
		[ ! -e m ]
	done
	run --separate-stderr ad-train --trees 1e3 "$SMALL"
	[[ "$stderr" == "ad-train: --trees takes a whole number, not \"1e3\""* ]]
	run --separate-stderr ad-train -a eif --extension-level 4 --label label -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --extension-level must be below the number of features (4)"* ]]
}

@test "options that cannot go together are usage errors" {
	run ad-train -i "$SMALL" "$SMALL"
	assert_failure 2
	run ad-train --features cpu --ignore mem "$SMALL"
	assert_failure 2
	run ad-train --label cpu --features cpu,mem "$SMALL"
	assert_failure 2
	run ad-train --features cpu,cpu "$SMALL"
	assert_failure 2
	run --separate-stderr ad-train --merge one.model
	assert_failure 2
	[[ "$stderr" == "ad-train: --merge needs at least two model files"* ]]
	run ad-train --merge -i "$SMALL" a b
	assert_failure 2
	run --separate-stderr ad-train --merge --trees 5 a b -o m
	assert_failure 2
	[[ "$stderr" == "ad-train: --merge takes model files, -o and -q only, not --trees"* ]]
}

@test "a model is not written to a terminal" {
	run script -qec "ad-train --trees 2 '$SMALL'" /dev/null
	assert_failure 2
	assert_output --partial "ad-train: a model is binary: write it to a file with -o MODEL, or into a pipe"
}

@test "the model matches the golden file byte for byte" {
	train -o m "$SMALL"
	cmp m "$GOLD/train-small.model"
	inspect m > m.json
	cmp m.json "$GOLD/train-small.json"
}

@test "the same seed gives the same model for any thread count" {
	for t in 1 2 3 7; do
		train --seed 5 --threads "$t" -o "m$t" "$SMALL"
	done
	cmp m1 m2 && cmp m1 m3 && cmp m1 m7
	train -a eif --seed 5 --threads 1 -o e1 "$SMALL"
	train -a eif --seed 5 --threads 4 -o e4 "$SMALL"
	cmp e1 e4
	train -a eif --seed 5 --threads 256 -o e256 "$SMALL"
	cmp e1 e256
	train --seed 6 -o other "$SMALL"
	! cmp -s m1 other
}

@test "the model records the SHA-256 and row count of its input as read" {
	train -o m "$SMALL"
	sum=$(sha256sum < "$SMALL" | cut -d' ' -f1)
	inspect m > m.json
	grep -q "\"sha256\": \"$sum\", \"rows\": 39, \"seed\": 0" m.json
	grep -q '"training_rows": 39,' m.json
	train -o m2 < "$SMALL"
	cmp m m2
	ad-clean -q -F bin "$SMALL" > small.bin
	train -o mb small.bin
	sum=$(sha256sum < small.bin | cut -d' ' -f1)
	inspect mb | grep -q "\"sha256\": \"$sum\""
}

@test "the SHA-256 covers a binary stream read in blocks past the buffer" {
	# big blocks are read straight into the reader's memory, past lib/io's
	# buffer; the hash must still see every byte
	"$ROOT/bench/gen-numeric.sh" 30000 20 | ad-clean -q -F bin > big.bin
	SOURCE_DATE_EPOCH=0 ad-train -q --trees 10 -o m big.bin
	sum=$(sha256sum < big.bin | cut -d' ' -f1)
	inspect m | grep -q "\"sha256\": \"$sum\", \"rows\": 30000,"
	SOURCE_DATE_EPOCH=0 ad-train -q --trees 10 -o m2 < big.bin
	cmp m m2
}

@test "a binary stream trains the same trees as its CSV" {
	ad-clean -q -F bin "$SMALL" > small.bin
	train -o mc "$SMALL"
	train -o mb small.bin
	ad-score -q -m mc "$SMALL" > sc.csv
	ad-score -q -m mb "$SMALL" > sb.csv
	cmp sc.csv sb.csv
}

@test "SOURCE_DATE_EPOCH sets the creation time" {
	SOURCE_DATE_EPOCH=86400 ad-train -q --trees 2 -o m "$SMALL"
	inspect m | grep -q '"created": "1970-01-02T00:00:00Z"'
	inspect m | grep -q '"created_unix": 86400'
}

@test "features: numeric columns but the label and ignored ones, or exactly --features" {
	train -o m "$SMALL"
	inspect m | grep -q '"features": \["id", "cpu", "mem", "latency_ms"\]'
	train --ignore id -o m "$SMALL"
	inspect m | grep -q '"features": \["cpu", "mem", "latency_ms"\]'
	train --features latency_ms,cpu -o m "$SMALL"
	inspect m | grep -q '"features": \["latency_ms", "cpu"\]'
	ad-train -q --trees 2 --no-label -o m "$SMALL"
	inspect m | grep -q '"features": \["id", "cpu", "mem", "latency_ms", "label"\]'
}

@test "a column named label is the label without --label; --no-label or --features make it a feature" {
	ad-train -q --trees 2 -o m "$SMALL"
	inspect m | grep -q '"features": \["id", "cpu", "mem", "latency_ms"\]'
	! inspect m | grep -q '"label"'
	ad-train -q --trees 2 --no-label -o m "$SMALL"
	inspect m | grep -q '"features": \["id", "cpu", "mem", "latency_ms", "label"\]'
	ad-train -q --trees 2 --features cpu,label -o m "$SMALL"
	inspect m | grep -q '"features": \["cpu", "label"\]'
	ad-train -q --trees 2 --label cpu -o m "$SMALL"
	inspect m | grep -q '"features": \["id", "mem", "latency_ms", "label"\]'
	run --separate-stderr ad-train --trees 2 --label label --no-label -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --label and --no-label cannot be combined"* ]]
}

@test "the summary names the features and a label column left out" {
	run --separate-stderr ad-train --trees 2 -o m "$SMALL"
	assert_success
	assert_equal "$stderr" "ad-train: $SMALL: 4 features: id, cpu, mem, latency_ms (column \"label\" left out as the label; --no-label makes it a feature)
ad-train: $SMALL: feature \"id\" rises by whole numbers on every row, like a row number or a time: leave it out with --ignore unless its value says something about a row
ad-train: $SMALL: 39 rows trained on; 1 rejected, 1 invalid feature cells (taken as missing)"
	run --separate-stderr ad-train --trees 2 --label label --features mem -o m "$SMALL"
	assert_equal "$(head -n 1 <<< "$stderr")" "ad-train: $SMALL: 1 feature: mem"
	printf 'c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12\n' > wide.csv
	for i in 1 2 3 4; do printf '%s,1,2,3,4,5,6,7,8,9,10,11\n' $i >> wide.csv; done
	run --separate-stderr ad-train --trees 2 -o m wide.csv
	assert_equal "$stderr" "ad-train: wide.csv: 12 features: c1, c2, c3, c4, c5, c6, c7, c8, c9, c10 and 2 more"
	run --separate-stderr ad-train -q --trees 2 -o m "$SMALL"
	assert_equal "$stderr" ""
}

@test "a column that is not in the input is named (exit 3)" {
	run --separate-stderr train --ignore nope -o m "$SMALL"
	assert_failure 3
	assert_equal "$stderr" "ad-train: $SMALL: ignored column \"nope\" is not in the input (its 6 columns: id, host, cpu, mem, latency_ms, label)"
	run --separate-stderr ad-train --label nope "$SMALL"
	assert_failure 3
	assert_equal "$stderr" "ad-train: $SMALL: label column \"nope\" is not in the input (its 6 columns: id, host, cpu, mem, latency_ms, label)"
	run --separate-stderr ad-train --features cpu,nope "$SMALL"
	assert_failure 3
	assert_equal "$stderr" "ad-train: $SMALL: feature column \"nope\" is not in the input (its 6 columns: id, host, cpu, mem, latency_ms, label)"
	[ ! -e m ]
}

@test "too little data is bad input data (exit 3)" {
	printf 'a,b\n' > empty.csv
	run --separate-stderr ad-train empty.csv
	assert_failure 3
	assert_equal "$stderr" "ad-train: empty.csv: no rows to train on: an isolation forest needs at least two"
	printf 'a,b\n1,2\n' > one.csv
	run --separate-stderr ad-train one.csv
	assert_failure 3
	[[ "$stderr" == *"one of the rows to train on"* ]]
	printf 'name\nx\ny\n' > text.csv
	run --separate-stderr ad-train text.csv
	assert_failure 3
	assert_equal "$stderr" "ad-train: text.csv: no numeric column to train on; ad-train learns from numbers only: ad-features makes numbers of text (--onehot or --freq for categories, --time for times)"
	run ad-train < /dev/null
	assert_failure 3
}

@test "bad cells are counted and trained as missing; --rejects keeps bad rows" {
	run --separate-stderr ad-train --trees 2 --label label --rejects rej.csv -o m "$SMALL"
	assert_success
	assert_equal "$stderr" "ad-train: $SMALL: 4 features: id, cpu, mem, latency_ms
ad-train: $SMALL: feature \"id\" rises by whole numbers on every row, like a row number or a time: leave it out with --ignore unless its value says something about a row
ad-train: $SMALL: 39 rows trained on; 1 rejected, 1 invalid feature cells (taken as missing)"
	assert_equal "$(cat rej.csv)" "29,28,web2,40.5,66.8,19.27,0,extra"
	run --separate-stderr ad-train -q --trees 2 -o m "$SMALL"
	assert_equal "$stderr" ""
}

# A forest grown on an infinite value raw split at the other end's minimum
# (a uniform draw up to inf is no threshold) and made the smallest finite
# rows look anomalous; it now trains as if the cell were missing.
@test "infinite cells are counted and trained on as missing by every detector" {
	awk 'BEGIN { print "a,b"; for (i = 0; i < 300; i++)
	    printf "%d,%d\n", (i * 37) % 101, (i * 53) % 97 }' > fin.csv
	{ cat fin.csv; echo 'inf,5'; echo '7,-inf'; } > inf.csv
	{ cat fin.csv; echo ',5'; echo '7,'; } > gap.csv
	for a in iforest ocsvm "autoencoder --epochs 3"; do
		run --separate-stderr ad-train -a $a --seed 3 -o "inf.${a%% *}" inf.csv
		assert_success
		assert_equal "$stderr" "ad-train: inf.csv: 2 features: a, b
ad-train: inf.csv: 2 infinite feature cells (trained on as missing)"
		ad-train -q -a $a --seed 3 -o "gap.${a%% *}" gap.csv
		assert_equal "$(ad-score -q -m "inf.${a%% *}" fin.csv)" \
		    "$(ad-score -q -m "gap.${a%% *}" fin.csv)"
	done
}

@test "training reads a bad number's place with the input's name" {
	printf 'a,b\n1,2\n3,"x\n' > q.csv
	run --separate-stderr ad-train -o m q.csv
	assert_failure 3
	[[ "$stderr" == "ad-train: q.csv:3:2: quoted field not closed"* ]]
	[ ! -e m ]
}

@test "progress goes to stderr only when it is a terminal, and -q silences it" {
	awk 'BEGIN { print "a,b"; for (i = 0; i < 5000; i++) print i % 97 "," i % 13 }' > big.csv
	run --separate-stderr ad-train --trees 3 -o m big.csv
	assert_success
	assert_equal "$stderr" "ad-train: big.csv: 2 features: a, b"
	# on a terminal some progress shows, and always the last state
	script -qec "ad-train --trees 3 -o m2 big.csv" /dev/null > tty.txt
	grep -q "ad-train: trees grown 3 of 3" tty.txt
	script -qec "ad-train -q --trees 3 -o m3 big.csv" /dev/null > tty.txt
	[ ! -s tty.txt ]
}

@test "--contamination puts the threshold at that quantile of the training scores" {
	awk 'BEGIN { print "a,b"; for (i = 0; i < 200; i++) print (i * 37) % 101 "," (i * 53) % 89 }' > c.csv
	ad-train -q --contamination 0.1 -o m c.csv
	n=$(ad-score -q -m m c.csv | awk -F, 'NR > 1 { n += $4 } END { print n }')
	[ "$n" -eq 20 ]
	inspect m | grep -q '"contamination": 0.1,'
	ad-train -q -o auto c.csv
	inspect auto | grep -q '"contamination": "auto",'
	inspect auto | grep -q '"threshold": 0.5,'
}

@test "Extended Isolation Forest trains with its extension level" {
	train -a eif --extension-level 1 -o m "$SMALL"
	inspect m | grep -q '"algorithm": "eif",'
	inspect m | grep -q '"hyperparameters": {"trees": 10, "sample_size": 256, "extension_level": 1}'
	train -a eif -o full "$SMALL"
	inspect full | grep -q '"extension_level": 3}'
}

@test "the options both forests declare reach the chosen one, and show once" {
	ad-train --sample-size 16 --trees 3 -a eif --label label -o e -q "$SMALL"
	inspect e | grep -q '"hyperparameters": {"trees": 3, "sample_size": 16, "extension_level": 3}'
	ad-train -a iforest --trees 4 --sample-size 8 --label label -o i -q "$SMALL"
	inspect i | grep -q '"hyperparameters": {"trees": 4, "sample_size": 8}'
	run ad-train --help
	[ "$(grep -c -- '--trees N' <<<"$output")" -eq 1 ]
	[ "$(grep -c -- '--sample-size N' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^Forests (-a iforest or eif):$' <<<"$output")" -eq 1 ]
}

@test "--merge joins shard models; their sources and rows add up" {
	head -n 21 "$SMALL" > a.csv
	(head -n 1 "$SMALL"; tail -n +22 "$SMALL") > b.csv
	train --seed 1 -o a.model a.csv
	train --seed 2 -o b.model b.csv
	SOURCE_DATE_EPOCH=0 ad-train -q --merge a.model b.model -o ab.model
	inspect ab.model > ab.json
	grep -q '"training_rows": 39,' ab.json
	grep -q '"hyperparameters": {"trees": 20, "sample_size": 256}' ab.json
	[ "$(grep -c '"sha256"' ab.json)" -eq 2 ]
	ad-score -q -m ab.model "$SMALL" > scores.csv
	[ "$(wc -l < scores.csv)" -eq 40 ]
	SOURCE_DATE_EPOCH=0 ad-train -q --merge a.model b.model -o again.model
	cmp ab.model again.model
}

@test "--merge refuses models that do not fit together (exit 3) and notes a repeated seed" {
	train -o a.model "$SMALL"
	train --ignore id -o fewer.model "$SMALL"
	train -a eif -o eif.model "$SMALL"
	run --separate-stderr ad-train --merge a.model fewer.model -o m
	assert_failure 3
	assert_equal "$stderr" "ad-train: fewer.model: cannot merge: model has other features than a.model"
	run --separate-stderr ad-train --merge a.model eif.model -o m
	assert_failure 3
	[[ "$stderr" == *"model has another algorithm than a.model" ]]
	train --sample-size 16 -o small.model "$SMALL"
	run ad-train --merge a.model small.model -o m
	assert_failure 3
	[ ! -e m ]
	run --separate-stderr ad-train --merge a.model a.model -o m
	assert_success
	[[ "$stderr" == "ad-train: a.model was trained with the same seed as an earlier model"* ]]
	head -c 100 a.model > cut.model
	run --separate-stderr ad-train --merge a.model cut.model -o m2
	assert_failure 3
	[[ "$stderr" == "ad-train: cut.model: corrupt model: truncated"* ]]
	run ad-train --merge a.model missing.model -o m2
	assert_failure 4
	[ ! -e m2 ]
}

@test "a missing input is an I/O error naming it (exit 4)" {
	run --separate-stderr ad-train no-such.csv
	assert_failure 4
	assert_equal "$stderr" "ad-train: no-such.csv: cannot open: No such file or directory"
	mkdir dir.csv
	run --separate-stderr ad-train -o m dir.csv
	assert_failure 4
	assert_equal "$stderr" "ad-train: dir.csv: read error: Is a directory"
	[ ! -e m ]
}

@test "writing to a full device fails with exit 4" {
	run --separate-stderr ad-train -q --trees 2 -o /dev/full "$SMALL"
	assert_failure 4
	assert_equal "$stderr" "ad-train: /dev/full: write error: No space left on device"
}

@test "a write error in one output publishes neither the model nor the rejects" {
	run --separate-stderr ad-train -q --trees 2 --label label --rejects rej.csv -o /dev/full "$SMALL"
	assert_failure 4
	assert_equal "$stderr" "ad-train: /dev/full: write error: No space left on device"
	[ ! -e rej.csv ]
	run --separate-stderr ad-train -q --trees 2 --label label --rejects /dev/full -o m "$SMALL"
	assert_failure 4
	assert_equal "$stderr" "ad-train: /dev/full: write error: No space left on device"
	[ ! -e m ]
}

@test "a failed run leaves no model and keeps an old one" {
	echo old > keep.model
	run ad-train --label nope -o keep.model "$SMALL"
	assert_failure 3
	assert_equal "$(cat keep.model)" "old"
	run ad-train --label nope -o new.model "$SMALL"
	[ ! -e new.model ]
	ls -A > after.txt
	run grep -v -e '^keep.model$' -e '^after.txt$' after.txt
	assert_output ""
}

@test "a closed pipe downstream ends quietly" {
	# a model of some megabytes, more than a pipe holds
	awk 'BEGIN { print "a,b"; for (i = 0; i < 3000; i++) print (i * 37) % 1009 "," (i * 53) % 997 }' > big.csv
	run_pipe "ad-train --trees 300 big.csv 2> err.txt | head -c 10 > /dev/null"
	assert_success
	assert_equal "$(cat err.txt)" ""
}

@test "-n and -d read headerless and other-delimited input" {
	tail -n +2 "$SMALL" | cut -d, -f3,4 | tr , ';' > nh.csv
	ad-train -q -n -d ';' --trees 2 -o m nh.csv
	inspect m | grep -q '"features": \["c1", "c2"\]'
}
