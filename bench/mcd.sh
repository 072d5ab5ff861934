#!/bin/sh
# adkit's -a mcd next to scikit-learn's MinCovDet (bench/detectors-ref.py
# mcd) on CSV sets with features and a last column named label: per set,
# rows, features, ROC-AUC of each on all rows and CPU seconds of fit and
# score. adkit fits on its default sample (--max-train-rows 20000);
# scikit-learn on a random 20000 rows of larger sets (--max-rows) and, in
# a second column, on the independent columns (--independent), the span
# adkit's estimate works in. Both score every row, on one thread.
#
#   bench/mcd.sh [SET.csv ...]
set -eu
BIN=${ADKIT_BIN:-$(dirname "$0")/../build/bin}
REF="$(dirname "$0")/detectors-ref.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1
auc() {
	/usr/bin/python3 -c '
import sys, numpy as np
from sklearn.metrics import roc_auc_score
y = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, usecols=-1)
print("%.4f" % roc_auc_score(y, np.loadtxt(sys.argv[2])))' "$1" "$2"
}
cpu() { # CPU seconds of the command
	/usr/bin/time -f "%U %S" -o "$tmp/t" "$@" && awk '{ printf "%.2f", $1 + $2 }' "$tmp/t"
}
printf 'set rows p auc_adkit auc_sklearn auc_sklearn_indep s_adkit s_sklearn\n'
for f in "$@"; do
	rows=$(($(wc -l < "$f") - 1))
	p=$(($(head -1 "$f" | tr , '\n' | wc -l) - 1))
	t1=$(cpu "$BIN/ad-train" -q -a mcd --threads 1 -o "$tmp/m" "$f")
	t2=$(cpu sh -c "'$BIN/ad-score' -q --threads 1 -m '$tmp/m' --keep '' '$f' | tail -n +2 | cut -d, -f1 > '$tmp/a'")
	/usr/bin/python3 "$REF" mcd --auc --max-rows 20000 "$f" > "$tmp/s" 2> "$tmp/e"
	sk_t=$(sed -n 's/.* time \([0-9.]*\) s$/\1/p' "$tmp/e")
	/usr/bin/python3 "$REF" mcd --independent --max-rows 20000 "$f" > "$tmp/i" 2>/dev/null
	printf '%s %s %s %s %s %s %.2f %s\n' "$(basename "$f" .csv)" "$rows" "$p" \
	    "$(auc "$f" "$tmp/a")" "$(auc "$f" "$tmp/s")" "$(auc "$f" "$tmp/i")" \
	    "$(echo "$t1 + $t2" | bc)" "$sk_t"
done
