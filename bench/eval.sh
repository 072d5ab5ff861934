#!/bin/sh
# ad-eval against scikit-learn: the same metrics of the same scored rows,
# side by side on this machine.
# usage: bench/eval.sh [ROWS] [RUNS]     (default 10000000 rows, best of 3)
#
# The input has a score with three decimals (so many ties), a label (5%
# anomalies) and an is_anomaly decision. adkit's time is `ad-eval -F csv`;
# scikit-learn's is pandas.read_csv plus roc_auc_score,
# average_precision_score, precision_recall_fscore_support and
# matthews_corrcoef (its import not counted). Prints both times, the ratio
# (the issue's goal: at least 5), ad-eval's peak memory per row, and the
# largest absolute difference of each metric, which must be below 1e-9.
set -eu
cd "$(dirname "$0")/.."
rows=${1:-10000000}
runs=${2:-3}
dir=${TMPDIR:-/tmp}/adkit-bench-eval.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT INT TERM

csv="$dir/scored.csv"
awk -v n="$rows" 'BEGIN {
	srand(7); print "score,label,is_anomaly"
	for (i = 0; i < n; i++) {
		y = (rand() < 0.05); s = rand() * 0.7 + y * rand() * 0.5
		printf "%.3f,%d,%d\n", s, y, (s > 0.68)
	}
}' > "$csv"
echo "input: $rows rows, $(wc -c < "$csv") bytes"

best() { sort -n | head -n 1; }

adkit=$(i=0; while [ "$i" -lt "$runs" ]; do
	/usr/bin/python3 - "$csv" "$dir/adkit.csv" <<'PY'
import subprocess, sys, time
t = time.perf_counter()
with open(sys.argv[2], "w") as out:
    subprocess.run(["bin/ad-eval", "-q", "-F", "csv", sys.argv[1]], stdout=out,
                   check=True)
print(time.perf_counter() - t)
PY
	i=$((i + 1)); done | best)

peak=$(/usr/bin/time -f '%M' bin/ad-eval -q "$csv" 2>&1 > /dev/null | tail -n 1)

sklearn=$(i=0; while [ "$i" -lt "$runs" ]; do
	/usr/bin/python3 - "$csv" "$dir/sklearn.txt" <<'PY'
import sys, time
import pandas as pd
from sklearn.metrics import (average_precision_score, matthews_corrcoef,
                             precision_recall_fscore_support, roc_auc_score)
t = time.perf_counter()
df = pd.read_csv(sys.argv[1])
y, s, p = df["label"], df["score"], df["is_anomaly"]
m = {"roc_auc": roc_auc_score(y, s), "pr_auc": average_precision_score(y, s)}
m["precision"], m["recall"], m["f1"], _ = precision_recall_fscore_support(
    y, p, average="binary")
m["mcc"] = matthews_corrcoef(y, p)
elapsed = time.perf_counter() - t
with open(sys.argv[2], "w") as f:
    for k, v in m.items():
        f.write("%s %r\n" % (k, float(v)))
print(elapsed)
PY
	i=$((i + 1)); done | best)

/usr/bin/python3 - "$dir/adkit.csv" "$dir/sklearn.txt" "$adkit" "$sklearn" \
    "$peak" "$rows" <<'PY'
import csv, sys
adkit = {r["metric"]: r["value"] for r in csv.DictReader(open(sys.argv[1]))}
a, s, peak, rows = (float(x) for x in sys.argv[3:7])
print("ad-eval:              %.3f s (peak %.0f MB, %.1f bytes per row)" %
      (a, peak / 1024, peak * 1024 / rows))
print("pandas + sklearn:     %.3f s" % s)
print("ratio (sklearn / adkit): %.1fx" % (s / a))
worst = 0.0
for line in open(sys.argv[2]):
    k, v = line.split()
    d = abs(float(adkit[k]) - float(v))
    worst = max(worst, d)
    print("  %-10s ad-eval %-22s sklearn %-22s |diff| %.3g" %
          (k, adkit[k], v, d))
print("largest difference: %.3g (%s)" % (worst,
      "within 1e-9" if worst <= 1e-9 else "ABOVE 1e-9"))
PY
