#!/bin/sh
# Chooses the ensemble's default members by measurement: for every tuning set
# (../shared/data/tuning/*.csv and ../shared/data/wdbc.csv, or the files
# given) and every single detector in DETS, fit on all rows without labels,
# score all rows, ROC-AUC by ad-eval; then every combination of 2 to 4 of
# them, combined as -a ensemble does (the mean, max or median of each
# member's calibrated score, the share of training rows scoring lower),
# ROC-AUC by scikit-learn's roc_auc_score on the same rows. Sets above CAP
# rows (default 10000) are cut to a uniform sample of CAP rows (seeded).
# Prints the table per set and the combinations ranked by their mean and
# their worst ROC-AUC over the sets; ENSEMBLE=LIST also runs the real
# -a ensemble=LIST through ad-train and ad-score and adds it to the table.
# usage: [CAP=n] [DETS="iforest knn ..."] [ENSEMBLE=a,b] bench/ensemble.sh [set.csv ...]
# Needs /usr/bin/python3 with numpy and Debian's python3-sklearn.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/bin:$PATH"
cap=${CAP:-10000}
dets=${DETS:-"iforest eif knn lof hbos ecod pca zscore"}
dir=${OUT:-${TMPDIR:-/tmp}/adkit-ens.$$}
mkdir -p "$dir"
[ -n "${OUT:-}" ] || trap 'rm -rf "$dir"' EXIT INT TERM
if [ $# -eq 0 ]; then
	set -- ../shared/data/tuning/*.csv ../shared/data/wdbc.csv
fi
for f in "$@"; do
	name=$(basename "$f" .csv)
	/usr/bin/python3 - "$f" "$dir/$name.csv" "$cap" <<'PY'
import sys, numpy as np
src, dst, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src) as fh:
    head, rows = fh.readline(), fh.readlines()
if len(rows) > cap:
    keep = np.sort(np.random.default_rng(20261207).choice(len(rows), cap, replace=False))
    rows = [rows[i] for i in keep]
with open(dst, "w") as fh:
    fh.write(head)
    fh.writelines(rows)
PY
	for d in $dets; do
		[ -s "$dir/$name.$d.score" ] && continue
		ad-train -q -a "$d" --label label --seed 1 "$dir/$name.csv" -o "$dir/$name.$d.model"
		ad-score -q -m "$dir/$name.$d.model" --keep label "$dir/$name.csv" > "$dir/$name.$d.scored"
		ad-eval -F csv "$dir/$name.$d.scored" > "$dir/$name.$d.eval"
		cut -d, -f2 "$dir/$name.$d.scored" > "$dir/$name.$d.score"
	done
	if [ -n "${ENSEMBLE:-}" ]; then
		ad-train -q -a "ensemble=$ENSEMBLE" --label label --seed 1 "$dir/$name.csv" -o "$dir/$name.ens.model"
		ad-score -q -m "$dir/$name.ens.model" --keep label "$dir/$name.csv" > "$dir/$name.ens.scored"
		ad-eval -F csv "$dir/$name.ens.scored" > "$dir/$name.ens.eval"
	fi
done
/usr/bin/python3 - "$dir" "$dets" "${ENSEMBLE:-}" "$@" <<'PY'
import sys, os, itertools, csv
import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score
d, dets, ens, files = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4:]
sets = [os.path.basename(f)[:-4] for f in files]
def auc_of(evalfile):
    with open(evalfile) as fh:
        r = {row["metric"]: row["value"] for row in csv.DictReader(fh)}
    return float(r["roc_auc"])
table, cal, labels = {}, {}, {}
for s in sets:
    lab = np.loadtxt(os.path.join(d, s + ".csv"), delimiter=",", skiprows=1, usecols=-1)
    labels[s] = lab
    for k in dets:
        table[s, k] = auc_of(os.path.join(d, f"{s}.{k}.eval"))
        x = np.loadtxt(os.path.join(d, f"{s}.{k}.score"), skiprows=1)
        # the share of training rows scoring lower, ties counted half
        cal[s, k] = (rankdata(x, method="average") - 1) / (len(x) - 1)
    if ens:
        table[s, "ensemble"] = auc_of(os.path.join(d, f"{s}.ens.eval"))
cols = dets + (["ensemble"] if ens else [])
print("set," + ",".join(cols))
for s in sets:
    print(s + "," + ",".join(f"{table[s, k]:.3f}" for k in cols))
print("mean," + ",".join(f"{np.mean([table[s, k] for s in sets]):.3f}" for k in cols))
print("worst," + ",".join(f"{min(table[s, k] for s in sets):.3f}" for k in cols))
comb = {"mean": np.mean, "max": np.max, "median": np.median}
res = []
for r in (2, 3, 4):
    for c in itertools.combinations(dets, r):
        for how, fn in comb.items():
            a = [roc_auc_score(labels[s], fn(np.vstack([cal[s, k] for k in c]), axis=0)) for s in sets]
            res.append((np.mean(a), min(a), ",".join(c), how, a))
res.sort(key=lambda t: -t[0])
print("\ncombination,combine,mean,worst")
for m, w, c, how, a in res[:25]:
    print(f"{c},{how},{m:.3f},{w:.3f}")
res.sort(key=lambda t: -t[1])
print("\nby worst set:")
for m, w, c, how, a in res[:10]:
    print(f"{c},{how},{m:.3f},{w:.3f}")
PY
