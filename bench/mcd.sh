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
#
# 2026-12-07, the tuning sets and wdbc.csv, on the shared 2-core machine
# at a load of 10 to 15 (CPU seconds, one thread each; s_sklearn is
# MinCovDet's fit and mahalanobis only, adkit's includes reading the CSV;
# AUC columns: adkit, scikit-learn, scikit-learn on the independent columns):
#
#   set             rows        p    adkit  sklearn  sk_span  s_adkit s_sklearn
#   wdbc             569       30   0.9212   0.8959   0.8959     0.45    1.001
#   ALOI           49534       27   0.5255   0.5217   0.5217     1.06    3.991
#   Hepatitis         80       19   0.7692   0.7669   0.7669     0.02    0.051
#   PageBlocks      5393       10   0.9240   0.9242   0.9242     0.24    1.194
#   SpamBase        4207       57   0.5032   0.4862   0.4862     1.52    1.753
#   Waveform        3443       21   0.5726   0.5724   0.5724     0.49    1.756
#   Wilt            4819        5   0.8587   0.8587   0.8587     0.13    2.047
#   campaign       41188       62   0.7574   0.7730   0.7780     2.96    5.320
#   celeba        202599       39   0.7914   0.8241   0.8241     2.37    4.724
#   cover         286048       10   0.6947   0.6983   0.6983     0.90    6.218
#   fault           1941       27   0.4569   0.5266   0.4571     0.46    0.684
#   magic.gamma    19020       10   0.6996   0.6995   0.6995     0.47    5.305
#   mnist           7603      100   0.8544   0.8718   0.8890     2.47    2.898
#   musk            3062      166   0.9993   1.0000   1.0000     8.89   13.444
#   optdigits       5216       64   0.3749   0.3903   0.3795     1.89    1.594
#   skin          245057        3   0.8919   0.8922   0.8922     0.47    2.580
#   smtp           95156        3   0.9502   0.9501   0.9501     0.40    3.585
#   vertebral        240        6   0.4000   0.3924   0.3924     0.01    0.054
#   yeast           1484        8   0.4035   0.4126   0.4126     0.10    0.446
#
# Differences above 0.01: wdbc and SpamBase come of the starts (adkit
# starting from random h-subsets, as scikit-learn, gives 0.892 and 0.488);
# fault (27 features, rank 26) and optdigits (2 constant features) of
# MinCovDet's C-steps stalling on singular covariances: on the independent
# columns it agrees within 0.005; celeba and mnist vary as much between
# seeds on either side (celeba: adkit 0.76 to 0.83, scikit-learn 0.79 to
# 0.84). campaign is lower in adkit for every seed tried (0.73 to 0.76
# against 0.77 to 0.79). Not the consistency correction (chi2 of the
# features, as scikit-learn, instead of their rank: the same AUC), nor the
# scoring of the reweighted covariance's null space (rank 36 of 62 there;
# pinvh's ignoring it instead of adkit's floor moves scikit-learn's own
# estimate by -0.02 to +0.01 depending on the seed): the starts. Random
# h-subsets (scikit-learn's) instead of the paper's (p+1)-subsets leave
# campaign as it is, bring wdbc (0.894) and ALOI within 0.01 of
# MinCovDet and take celeba further away (0.764 against 0.813), so the
# paper's starts stay.
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
