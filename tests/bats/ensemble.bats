#!/usr/bin/env bats
# ad-train -a ensemble[=LIST] and ad-score with its models, from the
# outside: the far row, the members in --inspect, members' own options,
# --combine, threads, a cut model, --merge refused, and the options it
# refuses.

load helper
load rowdet
ALGO=ensemble

@test "ensemble: the row far out scores highest; scores lie in [0, 1]" {
	fixture
	train -o m.model data.csv
	[ "$(most_anomalous m.model)" = "200 1" ]
	# auto flags the top 0.1 of the training rows, as hbos and pca do
	[ "$(flagged m.model)" -eq 20 ]
	run awk -F, 'NR > 1 && ($2 < 0 || $2 > 1)' <(ad-score -q -m m.model \
		--keep '' data.csv)
	assert_output ''
}

@test "an ensemble model names its members and how it combines them" {
	fixture
	train -o m.model data.csv
	run ad-score -m m.model --inspect
	assert_success
	assert_output --partial '"algorithm": "ensemble"'
	assert_output --partial '"combine": "mean", "members": 3, "member_1": "eif", "member_2": "knn", "member_3": "hbos"'
	assert_output --partial '"members": 3,'
	SOURCE_DATE_EPOCH=0 ad-train -q -a ensemble=pca,lof,iforest --combine \
		median --ignore id -o l.model data.csv
	run ad-score -m l.model --inspect
	assert_output --partial '"combine": "median", "members": 3, "member_1": "pca", "member_2": "lof", "member_3": "iforest"'
}

@test "each member takes its own options" {
	fixture
	train -a ensemble=iforest,knn --trees 7 --k 3 -o a.model data.csv
	train -a ensemble=iforest,knn --trees 9 --k 3 -o b.model data.csv
	train -a ensemble=iforest,knn --trees 7 --k 4 -o c.model data.csv
	! cmp -s a.model b.model
	! cmp -s a.model c.model
	# the forest's trees: 7 trees of up to 2 * 200 - 1 nodes each
	run ad-score -m a.model --inspect
	assert_output --partial '"member_1": "iforest", "member_2": "knn"'
}

@test "--combine max scores at least the mean, median with two members is the mean" {
	fixture
	for c in mean max median; do
		train -a ensemble=hbos,knn --combine "$c" -o "$c.model" data.csv
		ad-score -q -m "$c.model" --keep '' data.csv | cut -d, -f1 > "$c.txt"
	done
	run awk 'NR > 1 && $2 + 1e-12 < $1' <(paste mean.txt max.txt)
	assert_output ''
	cmp mean.txt median.txt
	! cmp -s mean.txt max.txt
}

@test "ensemble models and scores do not depend on --threads" {
	check_threads
}

@test "the same seed gives the same ensemble, another seed another" {
	fixture
	train --seed 4 -o a.model data.csv
	train --seed 4 -o b.model data.csv
	train --seed 5 -o c.model data.csv
	cmp a.model b.model
	! cmp -s a.model c.model
}

@test "a cut ensemble model is refused (exit 3)" {
	check_cut
}

@test "explanations of an ensemble name the feature far out" {
	fixture
	train -o m.model data.csv
	run_pipe "ad-score -q -m m.model --explain 1 --keep id data.csv | grep '^200,'"
	assert_success
	[[ "$output" == *",b" ]]
}

@test "ensembles do not merge (exit 3)" {
	fixture
	train --seed 1 -o a.model data.csv
	train --seed 2 -o b.model data.csv
	run --separate-stderr ad-train --merge -o m.model a.model b.model
	assert_failure 3
	[[ "$stderr" == *"only forests (iforest, eif) merge, and this is an ensemble model"* ]]
	[ ! -e m.model ]
}

@test "bad lists, non-members' options and --combine elsewhere are usage errors" {
	fixture
	for list in iforest iforest,iforest ensemble,knn knn,nope; do
		run --separate-stderr train -a "ensemble=$list" -o m data.csv
		assert_failure 2
		[[ "$stderr" == "ad-train: "*"ensemble"* ]]
	done
	run --separate-stderr train -a ensemble=iforest,knn --bins 4 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --bins needs -a hbos"* ]]
	run --separate-stderr train -a knn=iforest -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: -a knn takes no =LIST"* ]]
	run --separate-stderr train -a knn --combine max -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --combine needs -a ensemble"* ]]
	run --separate-stderr train --combine mode -o m data.csv
	assert_failure 2
	[ ! -e m ]
}
