#!/usr/bin/env bats
# ad-train -a ecod and ad-score with its models, from the outside: a
# generated fixture with one row far out, the model's metadata,
# explanations, threads, a cut model, options it refuses.

load helper

# 200 rows of three features, deterministic, and row 200 far out in all
# three (ECOD ranks: a row far out in one feature only is not the most
# anomalous).
fixture() {
	awk 'BEGIN {
		print "id,a,b,c"
		for (i = 1; i < 200; i++)
			printf "%d,%.2f,%.2f,%.2f\n", i, (i * 37 % 101) / 10,
			    (i * 53 % 97) / 10 + (i * 37 % 101) / 20,
			    (i * 71 % 89) / 10
		print "200,-5,40,20"
	}' > data.csv
}

train() {
	SOURCE_DATE_EPOCH=0 ad-train -q -a ecod --ignore id "$@"
}

@test "ecod: the row far out scores highest and is flagged" {
	fixture
	train -o m.model data.csv
	run_pipe "ad-score -q -m m.model --keep id data.csv | awk -F, 'NR > 1 && (\$2 > best || NR == 2) { best = \$2; id = \$1; flag = \$3 } END { print id, flag }'"
	assert_output "200 1"
	# auto puts the threshold above PyOD's share of 0.1 of the training
	# rows' fit-time scores; scored again, each is appended to the sample
	# (a second copy of itself), so its tails are thicker: fewer flagged
	run_pipe "ad-score -q -m m.model --keep '' data.csv | awk -F, 'NR > 1 && \$2 == 1' | wc -l"
	assert_output 16
}

@test "an ecod model: no hyper-parameters, its rows; explain" {
	fixture
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
	fixture
	train --threads 1 -o one.model data.csv
	train --threads 2 -o two.model data.csv
	cmp one.model two.model
	ad-score -q -m one.model --threads 1 --explain 2 data.csv > one.csv
	ad-score -q -m one.model --threads 2 --explain 2 data.csv > two.csv
	cmp one.csv two.csv
}

@test "a cut ecod model is refused (exit 3)" {
	fixture
	train -o m.model data.csv
	head -c "$(($(wc -c < m.model) - 20))" m.model > cut.model
	run --separate-stderr ad-score -m cut.model data.csv
	assert_failure 3
	[[ "$stderr" == "ad-score: cut.model: corrupt model: "* ]]
}

@test "ecod refuses the other detectors' options" {
	fixture
	run --separate-stderr train --bins 5 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --bins needs -a hbos"* ]]
	run --separate-stderr train --nu 0.1 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --nu needs -a ocsvm"* ]]
	[ ! -e m ]
}
