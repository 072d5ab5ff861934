#!/usr/bin/env bats
# ad-train -a knn and ad-score with its models, from the outside: the
# scores against an independent computation in awk, the model's metadata,
# explanations, threads, corrupt models, options it refuses.

load helper
load neighbors

# Trains a knn model on the fixture; extra arguments go to ad-train.
train() {
	SOURCE_DATE_EPOCH=0 ad-train -q -a knn --label label "$@"
}

# Each row's distance to its k-th nearest other row ($2 = largest) or the
# mean of the k (mean), the columns standardized by their mean and
# population standard deviation, as PyOD's KNN gives training rows.
expected() {
	awk -F, -v k="$1" -v method="$2" 'NR > 1 {
		n++
		for (f = 1; f <= 3; f++) { v[n, f] = $f; s[f] += $f }
	}
	END {
		for (f = 1; f <= 3; f++) {
			m = s[f] / n
			for (i = 1; i <= n; i++) ss[f] += (v[i, f] - m) ^ 2
			sd = sqrt(ss[f] / n)
			for (i = 1; i <= n; i++) z[i, f] = (v[i, f] - m) / sd
		}
		for (i = 1; i <= n; i++) {
			c = 0   # dist[1..c]: the nearest so far, ascending
			for (j = 1; j <= n; j++) {
				if (j == i) continue
				d = 0
				for (f = 1; f <= 3; f++) d += (z[i, f] - z[j, f]) ^ 2
				d = sqrt(d)
				if (c == k && d >= dist[k]) continue
				p = c < k ? ++c : k
				for (; p > 1 && dist[p - 1] > d; p--)
					dist[p] = dist[p - 1]
				dist[p] = d
			}
			t = 0
			for (j = 1; j <= k; j++) t += dist[j]
			printf "%.10g\n", method == "mean" ? t / k : dist[k]
		}
	}' data.csv
}

@test "knn scores are PyOD KNN's distances to the k nearest other rows" {
	neighbors_fixture data.csv
	for spec in "5 largest" "3 mean"; do
		set -- $spec
		train --k "$1" --knn-method "$2" -o k.model data.csv
		ad-score -q -m k.model --keep '' data.csv | awk -F, 'NR > 1 {
			printf "%.10g\n", $1 }' > got
		expected "$1" "$2" > want
		[ "$(wc -l < want)" -eq 62 ]
		run diff got want
		assert_success
	done
}

@test "a knn model: its parameters, the far rows flagged and explained" {
	neighbors_fixture data.csv
	train --k 4 --knn-method median --contamination 0.03 -o k.model \
	    data.csv
	run ad-score -m k.model --inspect
	assert_success
	assert_output --partial '"algorithm": "knn"'
	assert_output --partial '"k": 4'
	assert_output --partial '"method": "median"'
	assert_output --partial '"reference_rows": 62'
	run ad-score -q -m k.model --explain 1 data.csv
	assert_success
	[ "$(printf '%s\n' "${lines[@]}" | awk -F, '$6 == 1' | cut -d, -f1,7 |
	    tr '\n' ' ')" = "9,b -8,c " ]
	train -o d.model data.csv
	run ad-score -m d.model --inspect
	assert_output --partial '"k": 5'
	assert_output --partial '"method": "largest"'
	assert_output --partial '"threshold": 3,'
}

@test "knn scores and models do not depend on --threads" {
	same_on_threads
}

@test "a truncated or corrupt knn model is refused (exit 3)" {
	truncated_refused
}

@test "knn options are checked and only go with -a knn or lof" {
	neighbors_fixture data.csv
	for bad in "--k 0" "--k 10001" "--k x" "--knn-method max"; do
		run --separate-stderr ad-train -a knn $bad -o m data.csv
		assert_failure 2
		[[ "$stderr" == "ad-train: "* ]]
		[ ! -e m ]
	done
	run --separate-stderr ad-train -a knn --knn-method max -o m data.csv
	[[ "$stderr" == "ad-train: --knn-method takes largest, mean or median, not \"max\""* ]]
	run --separate-stderr ad-train --k 3 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --k needs -a knn or lof"* ]]
	run --separate-stderr ad-train -a lof --knn-method mean -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --knn-method needs -a knn"* ]]
	[ ! -e m ]
}
