#!/usr/bin/env bats
# Lineage across the pipeline: ad-clean and ad-features record in the binary
# stream what made it, ad-train keeps that chain in the model, and ad-score
# checks its input against it (adkit(5), ad-score(1)).

load helper

# raw.csv: a host, two numbers with a gap, 40 rows.
setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	awk 'BEGIN { print "host,cpu,mem"
		for (i = 0; i < 40; i++)
			printf "h%d,%s,%d\n", i % 2, (i == 7 ? "" : i % 9 + 0.5), 100 + i % 7 }' > raw.csv
	ad-clean -q --impute median -s c.params -F bin raw.csv |
		ad-features -q --onehot host --scale standard -s f.params -F bin > train.bin
	ad-train -q --seed 1 -o m.model train.bin
}

@test "--inspect traces a model back to its data and params, digests as sha256sum gives them" {
	run ad-score --inspect -m m.model
	assert_success
	raw=$(sha256sum raw.csv | cut -d' ' -f1)
	cp=$(sha256sum c.params | cut -d' ' -f1)
	fp=$(sha256sum f.params | cut -d' ' -f1)
	assert_output --partial "{\"step\": \"ad-clean\", \"input\": \"raw.csv\", \"input_sha256\": \"$raw\", \"params\": \"c.params\", \"params_applied\": \"fitted\", \"params_sha256\": \"$cp\"}"
	assert_output --partial "{\"step\": \"ad-features\", \"input\": \"<stdin>\", \"input_sha256\": \""
	assert_output --partial "\"params\": \"f.params\", \"params_applied\": \"fitted\", \"params_sha256\": \"$fp\"}"
}

@test "a pipe's digest is the digest of the bytes that went through it" {
	ad-clean -q -r c.params -F bin raw.csv > clean.bin
	ad-features -q -r f.params -F bin < clean.bin > feat.bin
	ad-train -q --seed 1 -o m2.model feat.bin
	run ad-score --inspect -m m2.model
	assert_output --partial "\"input\": \"<stdin>\", \"input_sha256\": \"$(sha256sum clean.bin | cut -d' ' -f1)\""
	assert_output --partial "\"params_applied\": \"restored\""
}

@test "score with the same params: no word, exit 0" {
	run_pipe "ad-clean -q -r c.params -F bin raw.csv | ad-features -q -r f.params | ad-score -m m.model > s.bin"
	assert_success
	assert_output ""
}

@test "score with other params: a warning naming both files, exit 3 with --strict-lineage" {
	ad-clean -q -r c.params raw.csv |
		ad-features -q --onehot host --scale robust -s f2.params -o /dev/null
	run_pipe "ad-clean -q -r c.params -F bin raw.csv | ad-features -q -r f2.params | ad-score -m m.model -o s.bin"
	assert_success
	assert_output --regexp "^ad-score: the features were made with other params: the input's ad-features step applied f2.params \(sha256 [0-9a-f]{12}\.\.\.\), the model was trained on f.params \(sha256 [0-9a-f]{12}\.\.\.\); run ad-features -r f.params$"
	[ -s s.bin ]
	run_pipe "ad-clean -q -r c.params -F bin raw.csv | ad-features -q -r f2.params | ad-score --strict-lineage -m m.model -o s2.bin"
	assert_failure 3
	assert_output --partial "ad-score: <stdin>: the features were made with other params"
	[ ! -e s2.bin ]
}

@test "features fitted on the scoring data are named, and so is the missing step" {
	run_pipe "ad-clean -q -r c.params -F bin raw.csv | ad-features -q --onehot host --scale standard | ad-score -m m.model > /dev/null"
	assert_success
	assert_output "ad-score: the input's ad-features step fitted its own params instead of restoring the model's; run ad-features -r f.params"
	run_pipe "ad-features -q -r f.params -F bin raw.csv | ad-score --strict-lineage -m m.model > /dev/null"
	assert_failure 3
	assert_output "ad-score: <stdin>: the input was made by ad-features, the model's training data by ad-clean then ad-features"
}

@test "a CSV input is said once, not an error, even with --strict-lineage" {
	run_pipe "ad-clean -q -r c.params raw.csv | ad-features -q -r f.params | ad-score --strict-lineage -m m.model > /dev/null"
	assert_success
	assert_output "ad-score: <stdin> has no lineage (CSV, or an older binary stream): it is not checked against the params the model's features were made with"
	run_pipe "ad-clean -q -r c.params raw.csv | ad-features -q -r f.params | ad-score -q -m m.model > /dev/null"
	assert_output ""
}

@test "rows without the model's features: the message names the params file of the lineage" {
	run_pipe "ad-clean -q -r c.params -F bin raw.csv | ad-score -m m.model > /dev/null"
	assert_failure 3
	assert_output --regexp "not in the input.*; make the features as the training data's were, with ad-features -r f.params$"
}

@test "a model trained on CSV has no lineage and scores any input silently" {
	ad-clean -q -r c.params raw.csv | ad-features -q -r f.params > feat.csv
	ad-train -q --seed 1 -o csv.model feat.csv
	run ad-score --inspect -m csv.model
	refute_output --partial '"lineage"'
	run_pipe "ad-clean -q -r c.params -F bin raw.csv | ad-features -q -r f.params | ad-score -m csv.model > /dev/null"
	assert_success
	assert_output ""
}

@test "a stream without lineage (version 1, as older adkits wrote) is still read" {
	# ad-score's own binary output records no lineage: version 1
	ad-score -q -m m.model -F bin train.bin > v1.bin
	[ "$(od -An -tu1 -j8 -N1 v1.bin | tr -d ' ')" = 1 ]
	[ "$(od -An -tu1 -j8 -N1 train.bin | tr -d ' ')" = 2 ]
	run ad-score -m m.model --keep '' -F csv v1.bin
	assert_success
	assert_line --index 0 "score,is_anomaly"
	assert_line --index 41 "ad-score: v1.bin has no lineage (CSV, or an older binary stream): it is not checked against the params the model's features were made with"
}

@test "ad-clean of its own stream extends the chain; CSV output records none" {
	ad-clean -q -r c.params -F bin raw.csv > a.bin
	ad-clean -q -F bin a.bin > b.bin
	ad-features -q -r f.params -F bin b.bin | ad-train -q -o b.model
	run ad-score --inspect -m b.model
	assert_output --partial '"step": "ad-clean", "input": "raw.csv"'
	assert_output --partial '"step": "ad-clean", "input": "a.bin"'
	assert_output --partial '"step": "ad-features", "input": "b.bin"'
	ad-clean -q -r c.params raw.csv > a.csv
	run ad-clean -q -F bin a.csv
	assert_success
}

@test "a stream cut inside its end record's lineage is bad input" {
	ad-clean -q -r c.params -F bin raw.csv > a.bin
	head -c -10 a.bin > cut.bin
	run ad-features -q -r f.params cut.bin
	assert_failure 3
	assert_output --partial "binary stream truncated in the end record"
}

@test "ad-train --merge keeps the lineage its shards share, and none when they differ" {
	ad-train -q --seed 2 -o m2.model train.bin
	ad-train -q --merge -o merged.model m.model m2.model
	run ad-score --inspect -m merged.model
	assert_output --partial '{"tag": "LINE"'
	assert_output --partial "\"params\": \"f.params\""
	# a shard of other rows (another stream) has another lineage
	awk 'NR == 1 || NR % 2' raw.csv | ad-clean -q -r c.params -F bin |
		ad-features -q -r f.params -F bin > half.bin
	ad-train -q --seed 3 -o m3.model half.bin
	ad-train -q --merge -o mixed.model m.model m3.model
	run ad-score --inspect -m mixed.model
	refute_output --partial '{"tag": "LINE"'
	assert_output --partial '{"tag": "CALB"'
}
