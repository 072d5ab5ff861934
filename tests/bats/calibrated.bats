#!/usr/bin/env bats
# ad-score --calibrated, from the outside, for every detector: calibrated
# scores in [0, 1], non-decreasing in the raw score, the same on any
# --threads; the threshold's scale, --inspect's summary, models without a
# calibration (exit 3), and ad-eval and ad-drift reading the output.

load helper
load rowdet

DETECTORS="iforest eif ocsvm autoencoder zscore knn lof hbos ecod pca ensemble"

# ad-train -a $1 on data.csv into $1.model.
train_algo() {
	SOURCE_DATE_EPOCH=0 ad-train -q -a "$1" --ignore id --seed 3 \
		-o "$1.model" data.csv
}

@test "calibrated scores lie in [0, 1] and rise with the raw score, for every detector" {
	fixture
	for a in $DETECTORS; do
		train_algo "$a"
		ad-score -q -m "$a.model" --keep id data.csv > raw.csv
		ad-score -q -m "$a.model" --keep id --calibrated data.csv > cal.csv
		# same rows, same flags: the model's threshold is on the raw scale
		cmp <(cut -d, -f1,3 raw.csv) <(cut -d, -f1,3 cal.csv)
		paste -d, <(cut -d, -f2 raw.csv) <(cut -d, -f2 cal.csv) |
			tail -n +2 | sort -t, -k1,1g -k2,2g > pairs.csv
		run awk -F, -v a="$a" '$2 < 0 || $2 > 1 { print a ": out of [0, 1]: " $0 }
			NR > 1 && $2 < prev { print a ": falls: " $0 }
			{ prev = $2 }' pairs.csv
		assert_output ''
		# the far row is the most anomalous on the calibrated scale too
		[ "$(sort -t, -k2,2g raw.csv | tail -n 1 | cut -d, -f1)" != 200 ] ||
			[ "$(sort -t, -k2,2g cal.csv | tail -n 1 | cut -d, -f1)" = 200 ] ||
			{ echo "$a"; false; }
	done
}

@test "calibrated scores are the same on 1 and 3 threads, for every detector" {
	fixture
	for a in $DETECTORS; do
		train_algo "$a"
		ad-score -q -m "$a.model" --calibrated --threads 1 data.csv > one.csv
		ad-score -q -m "$a.model" --calibrated --threads 3 data.csv > three.csv
		cmp one.csv three.csv
	done
}

@test "training rows scored calibrated spread over [0, 1] with the median near 0.5" {
	fixture
	train_algo knn
	run_pipe "ad-score -q -m knn.model --keep '' --calibrated data.csv |
	    tail -n +2 | cut -d, -f1 | sort -g | awk '{ v[NR] = \$1 }
	    END { print (v[1] < 0.02), (v[int(NR / 2)] > 0.4 &&
	    v[int(NR / 2)] < 0.6), v[NR] }'"
	assert_success
	# every training row is in the reservoir: mid-ranks from near 0 to 1
	assert_output '1 1 1'
}

@test "--threshold with --calibrated is on the calibrated scale, from 0 to 1" {
	fixture
	train_algo iforest
	ad-score -q -m iforest.model --calibrated --threshold 0.9 --keep '' \
		data.csv > cal.csv
	run awk -F, 'NR > 1 && ($1 > 0.9) != $2' cal.csv
	assert_output ''
	# 200 rows, each its own mid-rank: 19 above 0.9 (the top share)
	[ "$(awk -F, 'NR > 1 && $2 == 1' cal.csv | wc -l)" -ge 15 ]
	run --separate-stderr ad-score -m iforest.model --calibrated \
		--threshold 1.5 data.csv
	assert_failure 2
	[[ "$stderr" == "ad-score: --threshold must be from 0 to 1 with --calibrated"* ]]
	run --separate-stderr ad-score -m iforest.model --calibrated --inspect
	assert_failure 2
}

@test "--inspect shows the training-score distribution" {
	fixture
	train_algo hbos
	run ad-score -m hbos.model --inspect
	assert_success
	assert_output --regexp '"calibration": \{"scores": 200, "points": [0-9]+, "min": '
	assert_output --partial '"tag": "CALB"'
}

@test "a merged model pools its inputs' calibrations; without one in every input it has none and refuses --calibrated with exit 3" {
	fixture
	SOURCE_DATE_EPOCH=0 ad-train -q --trees 3 --seed 1 --ignore id -o a.model data.csv
	SOURCE_DATE_EPOCH=0 ad-train -q --trees 3 --seed 2 --ignore id -o b.model data.csv
	ad-train -q --merge -o m.model a.model b.model
	run ad-score -m m.model --inspect
	assert_success
	# the two inputs' 200 scores each, their extremes kept
	assert_output --regexp '"calibration": \{"scores": 400, "points": [0-9]+, "min": '
	lo=$(ad-score -m a.model --inspect | sed -n 's/.*"calibration".*"min": \([^,]*\),.*/\1/p')
	lo_b=$(ad-score -m b.model --inspect | sed -n 's/.*"calibration".*"min": \([^,]*\),.*/\1/p')
	lo_m=$(ad-score -m m.model --inspect | sed -n 's/.*"calibration".*"min": \([^,]*\),.*/\1/p')
	[ "$lo_m" = "$(printf '%s\n%s\n' "$lo" "$lo_b" | sort -g | head -1)" ]
	ad-score -q -m m.model --calibrated --keep '' data.csv > cal.csv
	run awk -F, 'NR > 1 && ($1 < 0 || $1 > 1)' cal.csv
	assert_output ""
	# one input without a calibration (format version 1): the merge has none
	ad-train -q --trees 3 --seed 1 -o c.model "$FIX/train-small.csv"
	ad-train -q --merge -o n.model c.model "$FIX/train-small-v1.model"
	run --separate-stderr ad-score -m n.model --calibrated -o out.csv "$FIX/train-small.csv"
	assert_failure 3
	[[ "$stderr" == "ad-score: n.model: the model records no training-score distribution"* ]]
	[ ! -e out.csv ]
	# the raw scores still work
	ad-score -q -m n.model "$FIX/train-small.csv" > /dev/null
}

@test "a model of format version 1 (before calibration) refuses --calibrated with exit 3" {
	run --separate-stderr ad-score -m "$FIX/train-small-v1.model" \
		--calibrated "$FIX/train-small.csv"
	assert_failure 3
	[[ "$stderr" == *"train-small-v1.model: the model records no training-score distribution for --calibrated (it was merged, or written by an older adkit): train it again" ]]
	run ad-score -m "$FIX/train-small-v1.model" --inspect
	assert_success
	assert_output --partial '"format_version": 1,'
	refute_output --partial '"calibration"'
}

@test "ad-eval and ad-drift read calibrated scores" {
	fixture
	awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "label"; next }
		{ print $0, ($1 == 200) }' data.csv > labelled.csv
	SOURCE_DATE_EPOCH=0 ad-train -q -a knn --ignore id --label label \
		-o knn.model labelled.csv
	run_pipe "ad-score -q -m knn.model --calibrated --keep label labelled.csv |
	    ad-eval -F csv | grep '^roc_auc,'"
	assert_success
	assert_output 'roc_auc,1,'
	ad-score -q -m knn.model --calibrated --keep '' labelled.csv > a.csv
	run ad-drift -q -r a.csv a.csv
	assert_success
}
