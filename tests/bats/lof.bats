#!/usr/bin/env bats
# ad-train -a lof and ad-score with its models, from the outside: the
# scores against an independent computation in awk, the model's metadata,
# explanations, threads, corrupt models, options.

load helper
load neighbors

# Trains a lof model on the fixture; extra arguments go to ad-train.
train() {
	SOURCE_DATE_EPOCH=0 ad-train -q -a lof --label label "$@"
}

# Each row's local outlier factor among the other rows with k = $1 (as
# scikit-learn's -negative_outlier_factor_), the columns standardized by
# their mean and population standard deviation.
expected() {
	awk -F, -v k="$1" 'NR > 1 {
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
		# nb[i, 1..k]: the k nearest other rows, ascending
		for (i = 1; i <= n; i++) {
			c = 0
			for (j = 1; j <= n; j++) {
				if (j == i) continue
				d = 0
				for (f = 1; f <= 3; f++) d += (z[i, f] - z[j, f]) ^ 2
				dist[i, j] = d = sqrt(d)
				if (c == k && d >= dist[i, nb[i, k]]) continue
				p = c < k ? ++c : k
				for (; p > 1 && dist[i, nb[i, p - 1]] > d; p--)
					nb[i, p] = nb[i, p - 1]
				nb[i, p] = j
			}
			kdist[i] = dist[i, nb[i, k]]
		}
		for (i = 1; i <= n; i++) {
			t = 0
			for (p = 1; p <= k; p++) {
				o = nb[i, p]
				t += dist[i, o] > kdist[o] ? dist[i, o] : kdist[o]
			}
			lrd[i] = 1 / (t / k + 1e-10)
		}
		for (i = 1; i <= n; i++) {
			t = 0
			for (p = 1; p <= k; p++) t += lrd[nb[i, p]] / lrd[i]
			printf "%.10g\n", t / k
		}
	}' data.csv
}

@test "lof scores are scikit-learn's local outlier factors" {
	neighbors_fixture data.csv
	for k in 20 3; do
		if [ "$k" = 20 ]; then train -o l.model data.csv
		else train --k "$k" -o l.model data.csv; fi
		ad-score -q -m l.model --keep '' data.csv | awk -F, 'NR > 1 {
			printf "%.10g\n", $1 }' > got
		expected "$k" > want
		[ "$(wc -l < want)" -eq 62 ]
		run diff got want
		assert_success
	done
}

@test "a lof model: its parameters, the far rows flagged and explained" {
	neighbors_fixture data.csv
	train --k 10 -o l.model data.csv
	run ad-score -m l.model --inspect
	assert_success
	assert_output --partial '"algorithm": "lof"'
	assert_output --partial '"hyperparameters": {"k": 10, '
	assert_output --partial '"threshold": 1.5,'
	assert_output --partial '"reference_rows": 62'
	run ad-score -q -m l.model --explain 1 data.csv
	assert_success
	[ "$(printf '%s\n' "${lines[@]}" | awk -F, '$6 == 1' | cut -d, -f1,7 |
	    tr '\n' ' ')" = "9,b -8,c " ]
	train --k 100 -o big.model data.csv
	run ad-score -m big.model --inspect
	assert_output --partial '"k": 61'
}

@test "lof scores and models do not depend on --threads" {
	same_on_threads
}

@test "a truncated or corrupt lof model is refused (exit 3)" {
	truncated_refused
}

@test "lof's --k is checked and only goes with -a knn or lof" {
	neighbors_fixture data.csv
	for bad in "--k 0" "--k 10001" "--k 2.5"; do
		run --separate-stderr ad-train -a lof $bad -o m data.csv
		assert_failure 2
		[[ "$stderr" == "ad-train: "* ]]
		[ ! -e m ]
	done
	run --separate-stderr ad-train -a eif --k 3 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --k needs -a knn or lof"* ]]
	[ ! -e m ]
}
