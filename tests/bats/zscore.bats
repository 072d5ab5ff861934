#!/usr/bin/env bats
# ad-train -a zscore and ad-score with its models, from the outside: the
# scores against an independent computation in awk, the model's metadata,
# explanations, threads, options it refuses, merging refused.

load helper

SMALL="$FIX/train-small.csv"

# Trains a z-score model on cpu and latency_ms; extra arguments go to
# ad-train.
train() {
	SOURCE_DATE_EPOCH=0 ad-train -q -a zscore --features cpu,latency_ms "$@"
}

# The largest |z| of cpu and latency_ms for each accepted row of the
# fixture, from the mean and population standard deviation of the numbers
# in each column (a missing or invalid cell counts as the mean).
expected() {
	awk -F, 'NR > 1 && NF == 6 {
		n++
		for (c = 3; c <= 5; c += 2) {
			ok[n, c] = $c ~ /^-?[0-9]+(\.[0-9]+)?$/
			v[n, c] = $c + 0
			if (ok[n, c]) { s[c] += v[n, c]; k[c]++ }
		}
	}
	END {
		for (c = 3; c <= 5; c += 2) {
			m[c] = s[c] / k[c]
			for (i = 1; i <= n; i++)
				if (ok[i, c]) ss[c] += (v[i, c] - m[c]) ^ 2
			sd[c] = sqrt(ss[c] / k[c])
		}
		for (i = 1; i <= n; i++) {
			best = 0
			for (c = 3; c <= 5; c += 2) {
				z = ok[i, c] ? (v[i, c] - m[c]) / sd[c] : 0
				if (z < 0) z = -z
				if (z > best) best = z
			}
			printf "%.12g\n", best
		}
	}' "$SMALL"
}

@test "zscore scores are the largest absolute z of a row's features" {
	train -o z.model "$SMALL"
	ad-score -q -m z.model --keep '' "$SMALL" | awk -F, 'NR > 1 {
		printf "%.12g\n", $1 }' > got
	expected > want
	[ "$(wc -l < want)" -eq 39 ]
	run diff got want
	assert_success
}

@test "a zscore model: no hyper-parameters, threshold 3 under auto" {
	train -o z.model "$SMALL"
	run ad-score -m z.model --inspect
	assert_success
	assert_output --partial '"algorithm": "zscore"'
	assert_output --partial '"hyperparameters": {}'
	assert_output --partial '"threshold": 3,'
	assert_output --partial '"scored_features": 2'
	# row 17 (cpu 97.5, latency 180.25) is the one far out
	run ad-score -q -m z.model --explain 2 --keep id "$SMALL"
	assert_success
	assert_line --index 0 "id,score,is_anomaly,explain_1,explain_2"
	[ "$(printf '%s\n' "${lines[@]}" | awk -F, '$3 == 1' | cut -d, -f1,4 |
	    tr '\n' ' ')" = "17,latency_ms " ]
	train --contamination 0.05 -o c.model "$SMALL"
	run ad-score -q -m c.model --keep id "$SMALL"
	[ "$(printf '%s\n' "${lines[@]}" | awk -F, '$3 == 1' | wc -l)" -eq 2 ]
}

@test "zscore scores do not depend on --threads" {
	train -o z.model "$SMALL"
	ad-score -q -m z.model --threads 1 --explain 1 "$SMALL" > one.csv
	ad-score -q -m z.model --threads 4 --explain 1 "$SMALL" > four.csv
	cmp one.csv four.csv
	train --threads 4 -o z4.model "$SMALL"
	cmp z.model z4.model
}

@test "zscore refuses the other detectors' options and merging" {
	run --separate-stderr train --trees 5 -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --trees needs -a iforest or eif"* ]]
	run --separate-stderr train --nu 0.1 -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --nu needs -a ocsvm"* ]]
	run --separate-stderr train --extension-level 1 -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --extension-level needs -a eif"* ]]
	[ ! -e m ]
	train -o a.model "$SMALL"
	train --seed 2 -o b.model "$SMALL"
	run --separate-stderr ad-train --merge -o m a.model b.model
	assert_failure 3
	[[ "$stderr" == *"cannot merge: only forests (iforest, eif) merge"* ]]
	[ ! -e m ]
}
