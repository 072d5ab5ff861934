#!/usr/bin/env bats
# ad-train -a hbos and ad-score with its models, from the outside: a
# generated fixture with one row far out, the model's metadata,
# explanations, threads, --bins, a cut model, options it refuses.

load helper

# 200 rows of three features, deterministic, and row 200 far out in b.
fixture() {
	awk 'BEGIN {
		print "id,a,b,c"
		for (i = 1; i < 200; i++)
			printf "%d,%.2f,%.2f,%.2f\n", i, (i * 37 % 101) / 10,
			    (i * 53 % 97) / 10 + (i * 37 % 101) / 20,
			    (i * 71 % 89) / 10
		print "200,5,40,4"
	}' > data.csv
}

train() {
	SOURCE_DATE_EPOCH=0 ad-train -q -a hbos --ignore id "$@"
}

@test "hbos: the row far out scores highest and is flagged" {
	fixture
	train -o h.model data.csv
	run_pipe "ad-score -q -m h.model --keep id data.csv | awk -F, 'NR > 1 && (\$2 > best || NR == 2) { best = \$2; id = \$1; flag = \$3 } END { print id, flag }'"
	assert_output "200 1"
	# auto flags PyOD's share of 0.1 of the training rows
	run_pipe "ad-score -q -m h.model --keep '' data.csv | awk -F, 'NR > 1 && \$2 == 1' | wc -l"
	assert_output 20
}

@test "an hbos model shows its bins; explain names the feature far out" {
	fixture
	train --bins 7 -o h.model data.csv
	run ad-score -m h.model --inspect
	assert_success
	assert_output --partial '"algorithm": "hbos"'
	assert_output --partial '"bins": 7'
	assert_output --partial '"histogram_bins": 21'
	run_pipe "ad-score -q -m h.model --explain 1 --keep id data.csv | grep '^200,'"
	assert_success
	[[ "$output" == *",b" ]]
}

@test "hbos models and scores do not depend on --threads" {
	fixture
	train --threads 1 -o one.model data.csv
	train --threads 2 -o two.model data.csv
	cmp one.model two.model
	ad-score -q -m one.model --threads 1 --explain 2 data.csv > one.csv
	ad-score -q -m one.model --threads 2 --explain 2 data.csv > two.csv
	cmp one.csv two.csv
}

@test "a cut hbos model is refused (exit 3)" {
	fixture
	train -o h.model data.csv
	head -c "$(($(wc -c < h.model) - 20))" h.model > cut.model
	run --separate-stderr ad-score -m cut.model data.csv
	assert_failure 3
	[[ "$stderr" == "ad-score: cut.model: corrupt model: "* ]]
}

@test "--bins needs -a hbos; hbos refuses the others' options and --bins 1" {
	fixture
	run --separate-stderr ad-train -q --bins 5 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --bins needs -a hbos"* ]]
	run --separate-stderr train --nu 0.1 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --nu needs -a ocsvm"* ]]
	run --separate-stderr train --bins 1 -o m data.csv
	assert_failure 2
	[ ! -e m ]
}
