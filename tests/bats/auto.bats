#!/usr/bin/env bats
# ad-train -a auto from the outside: the choice with labels (cross-
# validation) and without (rules over the traits), the table on stderr and
# in the model, --candidates, --budget, --cv-rows, reproducibility across
# --threads, and the errors.

load helper

# data.csv: 300 rows of features a, b, c and a label; every 15th row is an
# anomaly far out in b (label 1).
labelled() {
	awk 'BEGIN {
		print "a,b,c,label"
		for (i = 1; i <= 300; i++) {
			far = i % 15 == 0
			printf "%.2f,%.2f,%.2f,%d\n", (i * 37 % 101) / 10,
			    (i * 53 % 97) / 10 + far * 30, (i * 71 % 89) / 10, far
		}
	}' > data.csv
}

train() {
	SOURCE_DATE_EPOCH=0 ad-train --seed 3 "$@"
}

@test "with labels, -a auto cross-validates each candidate and prints the table and the reason" {
	labelled
	run train -a auto -o m.model data.csv
	assert_success
	assert_output --partial "5-fold cross-validated ROC-AUC on 300 labelled rows (20 anomalies), 3 features"
	assert_output --regexp "iforest +[01]\.[0-9]{4} "
	assert_output --regexp "knn +[01]\.[0-9]{4} "
	assert_output --partial "<- chosen"
	assert_output --partial "reason: the best mean cross-validated ROC-AUC"
	chosen=$(printf '%s\n' "$output" | sed -n 's/^choice: //p')
	[ -n "$chosen" ]
	run ad-score -m m.model --inspect
	assert_success
	assert_output --partial "\"algorithm\": \"$chosen\""
	assert_output --partial '"tag": "AUTO"'
	assert_output --partial "choice: $chosen"
}

@test "the chosen detector trains on all rows as -a NAME would" {
	labelled
	train -q -a auto --candidates hbos -o auto.model data.csv
	train -q -a hbos -o hbos.model data.csv
	ad-score -q -m auto.model data.csv > auto.csv
	ad-score -q -m hbos.model data.csv > hbos.csv
	cmp auto.csv hbos.csv
}

@test "without labels, -a auto chooses by the traits and says which rule held" {
	labelled
	run train -a auto --no-label --ignore label -o m.model data.csv
	assert_success
	assert_output --partial "no labels; the traits of 300 sampled rows"
	assert_output --partial "features           3"
	assert_output --partial "holds: chosen"
	assert_output --regexp "reason: .+"
	run ad-score -m m.model --inspect
	assert_output --partial "no labels; the traits"
}

@test "without labels, -a auto trains knn, hbos and mcd combined by their maximum; knn on too few rows or without the ensemble" {
	labelled
	run train -a auto --no-label --ignore label -o m.model data.csv
	assert_success
	assert_output --partial "choice: ensemble=knn,hbos,mcd"
	assert_output --partial "(--combine max)"
	run ad-score -m m.model --inspect
	assert_output --partial '"combine": "max", "members": 3, "member_1": "knn", "member_2": "hbos", "member_3": "mcd"'
	# 8 rows of 3 features: not more than 2 (3 + 1), too few for mcd
	head -n 9 data.csv > few.csv
	run train -a auto --no-label --ignore label -o f.model few.csv
	assert_success
	assert_output --regexp "features <= 200, duplicates < 0.5 +ensemble +does not hold"
	assert_output --partial "choice: knn"
	run train -a auto --no-label --ignore label --candidates knn,hbos -o k.model data.csv
	assert_output --regexp "ensemble +not a candidate"
	assert_output --partial "choice: knn"
}

@test "-q keeps the table off stderr, and the model still records it" {
	labelled
	run train -q -a auto -o m.model data.csv
	assert_success
	assert_output ""
	run ad-score -m m.model --inspect
	assert_output --partial "choice: "
}

@test "--candidates limits the search, in its order" {
	labelled
	run train -a auto --candidates hbos,zscore -o m.model data.csv
	assert_success
	assert_output --regexp "hbos +[01]\."
	assert_output --regexp "zscore +[01]\."
	refute_output --partial "iforest"
	refute_output --partial "knn"
	# a candidate off by default joins when named
	run train -a auto --candidates ocsvm,hbos -o m.model data.csv
	assert_success
	assert_output --regexp "ocsvm +[01]\."
}

@test "--budget skips the candidates estimated to take longer, and says so" {
	labelled
	run train -a auto --budget 0 -o m.model data.csv
	assert_success
	assert_output --partial "skipped: estimated"
	assert_output --partial "no candidate could be cross-validated within the budget"
	assert_output --partial "choice: iforest"
}

@test "--cv-rows cross-validates a seeded sample of the labelled rows" {
	labelled
	run train -a auto --cv-rows 150 -o m.model data.csv
	assert_success
	assert_output --regexp "on 150 labelled rows \([0-9]+ anomalies\)"
}

@test "-a auto gives the same choice and the same model bytes for any --threads" {
	labelled
	train -q -a auto --threads 1 -o one.model data.csv
	train -q -a auto --threads 2 -o two.model data.csv
	cmp one.model two.model
	train -q -a auto --no-label --threads 1 -o n1.model data.csv
	train -q -a auto --no-label --threads 2 -o n2.model data.csv
	cmp n1.model n2.model
}

@test "an unknown or repeated candidate is a usage error naming the candidates" {
	labelled
	run train -a auto --candidates iforest,nope -o m.model data.csv
	assert_failure 2
	assert_output --partial '"nope" is no candidate of -a auto (iforest, eif'
	run train -a auto --candidates hbos,hbos -o m.model data.csv
	assert_failure 2
	assert_output --partial 'names "hbos" twice'
	[ ! -e m.model ]
}

@test "-a auto's options need -a auto; detector options cannot join it" {
	labelled
	run train -a hbos --candidates hbos -o m.model data.csv
	assert_failure 2
	assert_output --partial "--candidates needs -a auto"
	run train -a auto --trees 10 -o m.model data.csv
	assert_failure 2
	assert_output --partial "--trees cannot be combined with -a auto"
}

@test "labels of one class are refused (exit 3), and --no-label chooses without them" {
	labelled
	awk -F, -v OFS=, 'NR == 1 || $4 == 0' data.csv > normal.csv
	run train -a auto -o m.model normal.csv
	assert_failure 3
	assert_output --partial 'normal.csv: -a auto: the label column "label" has normal rows only'
	[ ! -e m.model ]
	run train -q -a auto --no-label --ignore label -o m.model normal.csv
	assert_success
}

@test "too few anomalies to cross-validate is bad data (exit 3)" {
	labelled
	awk -F, 'NR <= 30 || $4 == 0' data.csv > one.csv
	run train -a auto -o m.model one.csv
	assert_failure 3
	assert_output --partial "one.csv: -a auto with labels needs at least two rows of each class"
}
