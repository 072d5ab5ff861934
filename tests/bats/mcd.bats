#!/usr/bin/env bats
# ad-train -a mcd and ad-score with its models, from the outside: a
# generated fixture with one row far out, the chi-square threshold,
# explanations, threads, seeds, reproducibility, --support-fraction, a
# cut model, options it refuses, constant and copied features, data it
# cannot fit.

load helper
load rowdet
ALGO=mcd

@test "mcd: the row far out scores highest and is flagged" {
	fixture
	train -o m.model data.csv
	[ "$(most_anomalous m.model)" = "200 1" ]
	# auto: the chi-square(3) 0.975 quantile, 9.3484
	run ad-score -m m.model --inspect
	assert_output --partial '"threshold": 9.3484036044961'
	assert_output --partial '"hyperparameters": {"support_fraction": 0}'
	assert_output --partial '"algorithm": "mcd"'
}

@test "mcd: --explain names the feature far out" {
	fixture
	train -o m.model data.csv
	run_pipe "ad-score -q -m m.model --explain 1 --keep id data.csv | grep '^200,'"
	assert_success
	[[ "$output" == *",b" ]]
}

@test "mcd models and scores do not depend on --threads" {
	check_threads
}

@test "mcd: the same seed gives the same model, another seed may not" {
	fixture
	train --seed 5 -o a.model data.csv
	train --seed 5 -o b.model data.csv
	cmp a.model b.model
	ad-score -q -m a.model data.csv > a.csv
	ad-score -q -m b.model data.csv > b.csv
	cmp a.csv b.csv
	run ad-score -m a.model --inspect
	assert_output --partial '"seed": 5'
}

@test "mcd: --support-fraction is kept and bounded" {
	fixture
	train --support-fraction 0.9 -o m.model data.csv
	run ad-score -m m.model --inspect
	assert_output --partial '"support_fraction": 0.9'
	assert_output --partial '"support_rows": '
	run --separate-stderr train --support-fraction 0 -o x data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: "*support-fraction* ]]
	run --separate-stderr train --support-fraction 1.5 -o x data.csv
	assert_failure 2
	# 0.01 of 200 rows: 2, not above the 3 dimensions
	run --separate-stderr train --support-fraction 0.01 -o x data.csv
	assert_failure 3
	[[ "$stderr" == "ad-train: data.csv: MCD: "*"support must exceed"* ]]
	[ ! -e x ]
}

@test "a cut mcd model is refused (exit 3)" {
	check_cut
}

@test "mcd refuses the other detectors' options, they refuse its" {
	check_refuses_others
	run --separate-stderr ad-train -q --support-fraction 0.5 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --support-fraction needs -a mcd"* ]]
}

@test "mcd: a constant and a copied feature drop out; breaking them is far out" {
	fixture
	awk -F, -v OFS=, 'NR == 1 { print $0, "k", "a2"; next } { print $0, 7, $2 }' \
	    data.csv > dep.csv
	train -o m.model dep.csv
	run_pipe "ad-score -q -m m.model --keep id dep.csv | sort -t, -k2 -g | tail -1"
	[[ "$output" == 200,* ]]
	printf '201,1,2,3,8,1\n202,1,2,3,7,1.5\n203,inf,-inf,1e300,7,\n' >> dep.csv
	run_pipe "ad-score -q -m m.model --keep id dep.csv | awk -F, 'NR > 1 && \$2 ~ /inf|nan/'"
	assert_output ''
	run_pipe "ad-score -q -m m.model --keep id dep.csv | awk -F, '\$1 > 200 && \$2 > 1e10 && \$3 == 1' | wc -l"
	[ "$output" -eq 3 ]
}

@test "mcd: rows that do not vary, or mostly one point, are exit 3" {
	printf 'a,b\n1,2\n1,2\n1,2\n' > same.csv
	run --separate-stderr ad-train -q -a mcd -o x same.csv
	assert_failure 3
	[[ "$stderr" == "ad-train: same.csv: MCD: the training rows do not vary"* ]]
	{ echo a,b; for i in $(seq 1 30); do echo 1,1; done; echo 2,5; echo 3,1; echo 0,4; } > dup.csv
	run --separate-stderr ad-train -q -a mcd -o x dup.csv
	assert_failure 3
	[[ "$stderr" == "ad-train: dup.csv: MCD: "*"raise --support-fraction"* ]]
	[ ! -e x ]
}
