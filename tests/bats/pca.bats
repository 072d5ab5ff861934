#!/usr/bin/env bats
# ad-train -a pca and ad-score with its models, from the outside: a
# generated fixture with one row far out, the model's metadata,
# explanations, threads, a cut model, options it refuses, a direction
# without variance, infinite cells.

load helper
load rowdet
ALGO=pca

@test "pca: the row far out scores highest and is flagged" {
	fixture
	train -o m.model data.csv
	[ "$(most_anomalous m.model)" = "200 1" ]
	# auto flags PyOD's share of 0.1 of the training rows
	[ "$(flagged m.model)" -eq 20 ]
}

@test "a pca model: no hyper-parameters, its components; explain names b" {
	fixture
	train -o m.model data.csv
	run ad-score -m m.model --inspect
	assert_success
	assert_output --partial '"algorithm": "pca"'
	assert_output --partial '"hyperparameters": {}'
	assert_output --partial '"components": 3'
	run_pipe "ad-score -q -m m.model --explain 1 --keep id data.csv | grep '^200,'"
	assert_success
	[[ "$output" == *",b" ]]
}

@test "pca models and scores do not depend on --threads" {
	check_threads
}

@test "a cut pca model is refused (exit 3)" {
	check_cut
}

@test "pca refuses the other detectors' options" {
	check_refuses_others
}

@test "pca: a feature that is a sum of two others, infinite cells: finite" {
	fixture
	awk -F, -v OFS=, 'NR == 1 { print $0, "d"; next } { print $0, $2 + $3 }' \
	    data.csv > dep.csv
	train -o m.model dep.csv
	printf '201,inf,-inf,1e300,\n' >> dep.csv
	run_pipe "ad-score -q -m m.model --keep id dep.csv | awk -F, 'NR > 1 && \$2 ~ /inf|nan/'"
	assert_success
	assert_output ''
	run_pipe "ad-score -q -m m.model --keep id dep.csv | tail -1"
	[[ "$output" == 201,*,1 ]]
}
