#!/usr/bin/env bats
# ad-train -a ocsvm and ad-score with its models, from the outside: options,
# golden model and scores, the sample above --max-train-rows, thresholds,
# explanations, merging refused, no stray output or files.

load helper

SMALL="$FIX/train-small.csv"
NEW="$FIX/train-new.csv"

# Trains a small One-Class SVM reproducibly; extra arguments go to ad-train.
train() {
	SOURCE_DATE_EPOCH=0 ad-train -q -a ocsvm --label label --ignore id "$@"
}

@test "ocsvm options are checked strictly and only go with -a ocsvm" {
	for bad in "--nu 0" "--nu 1.5" "--nu x" "--kernel gauss" "--gamma -1" \
	    "--gamma big" "--degree 101" "--degree 1.5" "--coef0 nan" \
	    "--tol 0" "--cache-mb 0" "--max-train-rows 1"; do
		run --separate-stderr ad-train -a ocsvm $bad -o m "$SMALL"
		assert_failure 2
		[[ "$stderr" == "ad-train: "* ]]
		[[ "$stderr" == *"usage: ad-train"* ]]
		[ ! -e m ]
	done
	run --separate-stderr ad-train -a ocsvm --kernel gauss -o m "$SMALL"
	[[ "$stderr" == "ad-train: --kernel takes rbf, linear, poly or sigmoid, not \"gauss\""* ]]
	run --separate-stderr ad-train --nu 0.1 -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --nu needs -a ocsvm"* ]]
	run --separate-stderr ad-train -a eif --kernel linear -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --kernel needs -a ocsvm"* ]]
	run --separate-stderr ad-train -a ocsvm --trees 5 -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --trees needs -a iforest or eif"* ]]
	run --separate-stderr ad-train --max-train-rows 100 -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --max-train-rows does not apply to forests"* ]]
	run --separate-stderr ad-train -a svm -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --algorithm takes iforest|eif|ocsvm|autoencoder|zscore|knn|lof|hbos|ecod|pca|mcd|ensemble or auto, not \"svm\""* ]]
	[ ! -e m ]
}

@test "the model and its scores match the golden files byte for byte" {
	train -o m "$SMALL"
	cmp m "$GOLD/ocsvm-small.model"
	run --separate-stderr ad-score -m m --explain 2 "$SMALL"
	assert_success
	assert_equal "$output" "$(cat "$GOLD/ocsvm-small.csv")"
	assert_equal "$stderr" "ad-score: $SMALL: 39 rows scored; 1 rejected (not scored), 1 invalid feature cells (scored as missing)"
}

@test "--inspect describes the SVM" {
	train --kernel poly --nu 0.2 --gamma auto --degree 2 --coef0 1.5 --tol 0.0001 -o m "$SMALL"
	run ad-score -m m --inspect
	assert_success
	assert_line '  "algorithm": "ocsvm",'
	assert_line '  "hyperparameters": {"kernel": "poly", "nu": 0.2, "gamma": 0.3333333333333333, "degree": 2, "coef0": 1.5, "tol": 0.0001, "max_train_rows": 20000},'
	assert_line '  "threshold": 0,'
	assert_line --regexp '^  "support_vectors": [0-9]+,$'
	# --gamma scale: with no missing cell the variance of standardized rows
	# is 1, so 1/features
	awk 'BEGIN { print "x,y,z"; for (i = 0; i < 30; i++)
		print i % 7 "," (i * 3) % 11 "," (i * 5) % 13 }' > full.csv
	ad-train -a ocsvm -o s full.csv
	ad-score -m s --inspect | grep -q '"kernel": "rbf", "nu": 0.5, "gamma": 0.33333333333333'
	train --gamma 0.25 -o v "$SMALL"
	ad-score -m v --inspect | grep -q '"gamma": 0.25,'
}

@test "the model goes to stdout alone: libsvm's chatter is silenced, no file is left" {
	mkdir empty tmp && cd empty
	SOURCE_DATE_EPOCH=0 TMPDIR=../tmp ad-train -a ocsvm --label label --ignore id "$SMALL" > ../piped 2> ../err
	TMPDIR=../tmp train -o ../m "$SMALL"
	cd ..
	cmp piped m
	# only ad-train's own notes: the features and the rejected row
	assert_equal "$(cat err)" "ad-train: $SMALL: 3 features: cpu, mem, latency_ms
ad-train: $SMALL: 39 rows trained on; 1 rejected, 1 invalid feature cells (taken as missing)"
	[ -z "$(ls -A empty)" ] && [ -z "$(ls -A tmp)" ]
}

@test "the same seed gives the same model and scores for any thread count" {
	for t in 1 3; do
		train --threads "$t" --max-train-rows 20 -o "m$t" "$SMALL"
		ad-score -q --threads "$t" -m "m$t" --explain 3 "$SMALL" > "s$t.csv"
	done
	cmp m1 m3
	cmp s1.csv s3.csv
	ad-score -q --threads 4 -m m1 --explain 3 "$SMALL" > s4.csv
	cmp s1.csv s4.csv
}

@test "above --max-train-rows a uniform sample is drawn, and ad-train says so" {
	run --separate-stderr env SOURCE_DATE_EPOCH=0 ad-train -a ocsvm --label label --ignore id --max-train-rows 10 -o m "$SMALL"
	assert_success
	[[ "$stderr" == *"ad-train: $SMALL: 39 rows; trained on a uniform sample of 10 (--max-train-rows)"* ]]
	run --separate-stderr ad-train -q -a ocsvm --label label --max-train-rows 10 -o m2 "$SMALL"
	assert_equal "$stderr" ""
	ad-score -m m --inspect > m.json
	grep -q '"training_rows": 39,' m.json
	grep -q '"max_train_rows": 10}' m.json
	[ "$(sed -n 's/.*"support_vectors": \([0-9]*\),/\1/p' m.json)" -le 10 ]
	train --max-train-rows 10 --seed 1 -o m3 "$SMALL"
	! cmp -s m m3
	# at or below the limit every row is used, and nothing is said
	run --separate-stderr env SOURCE_DATE_EPOCH=0 ad-train -a ocsvm --label label --max-train-rows 39 -o m4 "$SMALL"
	[[ "$stderr" != *"uniform sample"* ]]
}

@test "contamination auto flags rows outside the boundary; a fraction flags that share" {
	train -o m "$SMALL"
	ad-score -q -m m --keep '' "$SMALL" > s.csv
	awk -F, 'NR > 1 && ($2 != ($1 > 0)) { bad++ } END { exit bad }' s.csv
	train --nu 0.1 --contamination 0.1 -o c "$SMALL"
	ad-score -q -m c --keep label "$SMALL" > c.csv
	# 10% of 39 rows, as a quantile: 4 above the threshold
	[ "$(awk -F, 'NR > 1 { n += $3 } END { print n }' c.csv)" -eq 4 ]
	# with nu 0.5 the two labelled anomalies score highest
	ad-score -q -m m --keep label "$SMALL" | sort -t, -k2 -g -r | head -n 2 | cut -d, -f1 > top
	[ "$(sort -u top)" = 1 ]
	ad-score -q -m c --threshold 1e9 --keep '' "$SMALL" | awk -F, 'NR > 1 { n += $2 } END { exit n }'
}

@test "--explain names the feature that takes a row away from the support vectors" {
	train -o m "$SMALL"
	{ head -n 1 "$SMALL"; echo '90,web1,42.0,60.0,900.0,1'; echo '91,web2,41.0,99.0,20.0,1'; } > odd.csv
	run ad-score -q -m m --keep id --explain 1 odd.csv
	assert_success
	assert_line --index 1 --regexp '^90,[0-9.e+-]+,1,latency_ms$'
	assert_line --index 2 --regexp '^91,[0-9.e+-]+,1,mem$'
	run ad-score -q -m m --explain 4 odd.csv
	assert_failure 2
}

@test "every kernel trains and scores; missing values are scored as the mean" {
	for k in rbf linear poly sigmoid; do
		train --kernel "$k" --nu 0.3 -o "m.$k" "$SMALL"
		ad-score -q -m "m.$k" --keep note --explain 1 "$NEW" > "s.$k"
		[ "$(wc -l < "s.$k")" -eq 5 ]
	done
	run ad-score -m m.rbf --keep note "$NEW"
	assert_success
	assert_line --index 2 --regexp '^spike,[0-9.e+]+,1$'
}

@test "infinite values train as missing; a kernel that overflows is refused (exit 3)" {
	printf 'a,b\n1,5\ninf,3\n2,4\n3,5\n-inf,2\n' > inf.csv
	ad-train -q -a ocsvm -o m inf.csv
	run ad-score -q -m m --keep a inf.csv
	assert_success
	assert_line --index 0 "a,score,is_anomaly"
	assert_line --index 2 --regexp '^inf,[0-9.e+-]+,1$'
	assert_line --index 5 --regexp '^-inf,[0-9.e+-]+,1$'
	printf 'a,b\n1,5\n2,3\n3,1e308\n-1e308,2\n' > huge.csv
	ad-train -q -a ocsvm -o ok huge.csv
	run --separate-stderr ad-train -a ocsvm --kernel poly --gamma 1e200 -o h huge.csv
	assert_failure 3
	assert_equal "$stderr" "ad-train: huge.csv: libsvm's solution is not finite (the kernel overflows on these rows): lower --gamma, --degree or --coef0"
	[ ! -e h ]
}

@test "--merge refuses One-Class SVM models (exit 3)" {
	train -o a.model "$SMALL"
	train --seed 2 -o b.model "$SMALL"
	run --separate-stderr ad-train --merge a.model b.model -o ab.model
	assert_failure 3
	assert_equal "$stderr" "ad-train: a.model: cannot merge: only forests (iforest, eif) merge, and this is an ocsvm model"
	[ ! -e ab.model ]
}

@test "a corrupt One-Class SVM model is refused (exit 3)" {
	train -o m "$SMALL"
	head -c 600 m > cut.model
	run --separate-stderr ad-score -m cut.model "$SMALL"
	assert_failure 3
	[[ "$stderr" == "ad-score: cut.model: corrupt model: truncated"* ]]
}

@test "a failed run leaves no model and keeps an old one" {
	echo old > keep.model
	printf 'a,b\n1,2\n' > one.csv
	run --separate-stderr ad-train -a ocsvm -o keep.model one.csv
	assert_failure 3
	assert_equal "$stderr" "ad-train: one.csv: one of the rows to train on: a detector needs at least two"
	assert_equal "$(cat keep.model)" "old"
	files=$(ls -A | grep -v '^separate-stderr' | sort | tr '\n' ' ')
	assert_equal "$files" "keep.model one.csv "
}
