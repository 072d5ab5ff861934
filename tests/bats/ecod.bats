#!/usr/bin/env bats
# ad-train -a ecod and ad-score with its models, from the outside: a
# generated fixture with one row far out, the model's metadata and size,
# explanations, threads, a cut model, options it refuses.

load helper
load rowdet
ALGO=ecod

# ECOD ranks: a row far out in one feature only is not the most anomalous,
# so the row far out here is far out in all three.
FAR=-5,40,20

@test "ecod: the row far out scores highest and is flagged" {
	fixture "$FAR"
	train -o m.model data.csv
	[ "$(most_anomalous m.model)" = "200 1" ]
	# auto puts the threshold above PyOD's share of 0.1 of the training
	# rows' fit-time scores; scored again, each is appended to the sample
	# (a second copy of itself), so its tails are thicker: fewer flagged
	[ "$(flagged m.model)" -eq 16 ]
}

@test "an ecod model: no hyper-parameters, its rows; explain" {
	fixture "$FAR"
	train -o m.model data.csv
	run ad-score -m m.model --inspect
	assert_success
	assert_output --partial '"algorithm": "ecod"'
	assert_output --partial '"hyperparameters": {}'
	assert_output --partial '"training_rows": 200'
	# far out in all three alike: the three features, in some order
	run_pipe "ad-score -q -m m.model --explain 3 --keep id data.csv | grep '^200,' | cut -d, -f4- | tr , '\\n' | sort | tr '\\n' ' '"
	assert_success
	assert_output 'a b c '
	# --max-train-rows bounds the rows the model keeps
	train --max-train-rows 50 -o small.model data.csv
	run ad-score -m small.model --inspect
	assert_output --partial '"training_rows": 50'
	[ "$(wc -c < small.model)" -lt "$(($(wc -c < m.model) / 3))" ]
}

@test "ecod models and scores do not depend on --threads" {
	check_threads
}

@test "a cut ecod model is refused (exit 3)" {
	check_cut
}

@test "ecod refuses the other detectors' options" {
	check_refuses_others
	run --separate-stderr train --bins 5 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --bins needs -a hbos"* ]]
}
