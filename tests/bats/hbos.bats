#!/usr/bin/env bats
# ad-train -a hbos and ad-score with its models, from the outside: a
# generated fixture with one row far out, the model's metadata,
# explanations, threads, --bins, a cut model, options it refuses.

load helper
load rowdet
ALGO=hbos

@test "hbos: the row far out scores highest and is flagged" {
	fixture
	train -o m.model data.csv
	[ "$(most_anomalous m.model)" = "200 1" ]
	# auto flags PyOD's share of 0.1 of the training rows
	[ "$(flagged m.model)" -eq 20 ]
}

@test "an hbos model shows its bins; explain names the feature far out" {
	fixture
	train --bins 7 -o m.model data.csv
	run ad-score -m m.model --inspect
	assert_success
	assert_output --partial '"algorithm": "hbos"'
	assert_output --partial '"bins": 7'
	assert_output --partial '"histogram_bins": 21'
	run_pipe "ad-score -q -m m.model --explain 1 --keep id data.csv | grep '^200,'"
	assert_success
	[[ "$output" == *",b" ]]
}

@test "hbos models and scores do not depend on --threads" {
	check_threads
}

@test "a cut hbos model is refused (exit 3)" {
	check_cut
}

@test "--bins needs -a hbos; hbos refuses the others' options and --bins 1" {
	check_refuses_others
	run --separate-stderr ad-train -q --bins 5 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --bins needs -a hbos"* ]]
	run --separate-stderr train --bins 1 -o m data.csv
	assert_failure 2
	[ ! -e m ]
}
