#!/bin/sh
# Drift checking speed: ad-drift against a SciPy loop over the columns, on
# two ROWS x COLS numeric CSV files (default 1000000 x 20), both including
# reading the files. The loop computes what ad-drift reports per column:
# scipy.stats.ks_2samp, PSI and Jensen-Shannon over the reference's decile
# bins, and scipy.stats.wasserstein_distance over the reference's std.
# usage: bench/drift.sh [ROWS] [COLS]
#
# ad-drift runs twice: with --sample ROWS, so that its samples hold every
# value and its statistics must equal SciPy's (checked here, live: KS to
# 1e-12 and p-values to 1e-9, relative), and with its default sample of
# 100000 values per column, as it runs in production. Prints the best of 3
# wall-clock times of each, the ratios (the issue's goal: at least 5x),
# and the profile's size against the data's.
set -eu
cd "$(dirname "$0")/.."
rows=${1:-1000000}
cols=${2:-20}
dir=${TMPDIR:-/tmp}/adkit-drift-bench.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT INT TERM

# Two halves of one generated table: the same distribution, other values.
bench/gen-numeric.sh $((2 * rows)) "$cols" > "$dir/all.csv"
head -n $((rows + 1)) "$dir/all.csv" > "$dir/ref.csv"
{ head -n 1 "$dir/all.csv"; tail -n "$rows" "$dir/all.csv"; } > "$dir/cur.csv"
rm "$dir/all.csv"
echo "input: 2 files of $rows rows x $cols columns, $(wc -c < "$dir/ref.csv") bytes each"

best() { sort -n | head -n 1; }

# Seconds taken by the command line in "$@", best of 3.
timed() {
	for i in 1 2 3; do
		/usr/bin/python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:])
if r.returncode not in (0, 1):
    sys.exit("failed: %s" % " ".join(sys.argv[1:]))
print(time.perf_counter() - t)
PY
	done | best
}

exact=$(timed bin/ad-drift -q --sample "$rows" -r "$dir/ref.csv" -o "$dir/exact.csv" "$dir/cur.csv")
sampled=$(timed bin/ad-drift -q -r "$dir/ref.csv" -o "$dir/sampled.csv" "$dir/cur.csv")

cat > "$dir/loop.py" <<'PY'
import sys, time
t0 = time.perf_counter()
import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

ref = pd.read_csv(sys.argv[1])
cur = pd.read_csv(sys.argv[2])
out = []
for c in ref.columns:
    x = ref[c].to_numpy(dtype=np.float64)
    y = cur[c].to_numpy(dtype=np.float64)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    ks = stats.ks_2samp(x, y)
    edges = np.unique(np.quantile(x, np.arange(1, 10) / 10))
    k = len(edges) + 1
    rb = np.bincount(np.searchsorted(edges, x, side="left"), minlength=k)
    cb = np.bincount(np.searchsorted(edges, y, side="left"), minlength=k)
    p = np.where(rb > 0, rb / rb.sum(), 1e-4)
    q = np.where(cb > 0, cb / cb.sum(), 1e-4)
    psi = float(np.sum((q - p) * np.log(q / p)))
    js = float(jensenshannon(rb, cb, base=2))
    w = stats.wasserstein_distance(x, y) / np.std(x)
    out.append((c, ks.statistic, ks.pvalue, psi, js, w))
elapsed = time.perf_counter() - t0
with open(sys.argv[3], "w") as f:
    for row in out:
        f.write(",".join([row[0]] + [repr(float(v)) for v in row[1:]]) + "\n")
print(elapsed)
PY
# SciPy's time includes importing it, as a script in a pipeline would pay.
scipy=$(for i in 1 2 3; do /usr/bin/python3 "$dir/loop.py" "$dir/ref.csv" "$dir/cur.csv" "$dir/scipy.csv"; done | best)

# The live comparison: ad-drift with whole samples against SciPy.
/usr/bin/python3 - "$dir/exact.csv" "$dir/scipy.csv" <<'PY'
import csv, sys
got = {r["column"]: r for r in csv.DictReader(open(sys.argv[1]))}
worst = {"ks": 0.0, "ks_p": 0.0, "psi": 0.0, "js": 0.0, "wasserstein": 0.0}
for line in open(sys.argv[2]):
    c, ks, p, psi, js, w = line.strip().split(",")
    want = {"ks": ks, "ks_p": p, "psi": psi, "js": js, "wasserstein": w}
    for k, v in want.items():
        a, b = float(v), float(got[c][k])
        worst[k] = max(worst[k], 0.0 if a == b else abs(a - b) / abs(a))
ok = worst["ks"] <= 1e-12 and worst["ks_p"] <= 1e-9 and all(
    worst[k] <= 1e-9 for k in ("psi", "js", "wasserstein"))
print("agreement with SciPy (largest relative difference): " +
      ", ".join("%s %.2g" % kv for kv in worst.items()) +
      (" -- ok" if ok else " -- MISMATCH"))
sys.exit(0 if ok else 1)
PY

bin/ad-drift --profile -o "$dir/ref.prof" "$dir/ref.csv"
echo "profile: $(wc -c < "$dir/ref.prof") bytes for $(wc -c < "$dir/ref.csv") bytes of CSV"

/usr/bin/python3 -c 'import sys
e, s, p = map(float, sys.argv[1:])
print("ad-drift, whole samples:   %.3f s  (%.1fx faster)" % (e, p / e))
print("ad-drift, default sample:  %.3f s  (%.1fx faster)" % (s, p / s))
print("SciPy loop over columns:   %.3f s" % p)' "$exact" "$sampled" "$scipy"
