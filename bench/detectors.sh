#!/bin/sh
# Accuracy and speed of every detector on the tuning sets, next to its
# reference, and of ad-train -a auto:
#   for each set (../shared/data/wdbc.csv and ../shared/data/tuning/*.csv,
#   or the CSV files given) and each detector of ad-train, fit on all rows
#   without labels and score all rows: ROC-AUC and PR-AUC (average
#   precision) of adkit and of its reference (bench/detectors-ref.py:
#   scikit-learn's IsolationForest, OneClassSVM, LocalOutlierFactor,
#   NearestNeighbors kNN, MinCovDet where it has the detector, NumPy
#   transcriptions of PyOD's HBOS, ECOD and PCA), with the seconds of fit
#   and score (adkit: wall clock of ad-train and ad-score on one thread;
#   reference: CPU of fit + score, standardizing excluded);
#   then -a auto: "auto" fits without labels (--no-label --ignore label)
#   and scores all rows; "auto-label" chooses with the labels of a seeded
#   half of the rows (stratified) and is scored on the other half.
# Sets above CAP rows (default 10000) are cut to a seeded uniform sample of
# CAP rows first, the same for every detector (QUICK=1: CAP 2000 and no
# ocsvm or autoencoder). Prints one line per set and detector, then the mean
# per detector over the sets and the best single detector per set in
# hindsight. AUTO=0 leaves out the -a auto rows, DETS="" the detectors;
# SUMMARIZE=FILE only summarizes the lines of earlier runs (cat'ed);
# SCORES=DIR keeps every score file there (SET.DETECTOR.adkit and
# SET.DETECTOR.ref, one score a line, rows as in SET.csv, kept there too)
# for working out ensembles and rules afterwards.
# usage: [DATA=dir] [CAP=n] [QUICK=1] [DETS="iforest knn ..."] [AUTO=0] [SEED=n] bench/detectors.sh [SET.csv ...]
# Run it niced: it takes about an hour on one free core at CAP 10000.
# Needs /usr/bin/python3 with Debian's python3-sklearn and numpy.
set -eu
cd "$(dirname "$0")/.."
bin=${ADKIT_BIN:-$PWD/build/bin}
seed=${SEED:-1}
cap=${CAP:-10000}
# every detector, from ad-train's own list ("--algorithm takes a|b|... or auto")
dets=${DETS-$("$bin/ad-train" -a '?' 2>&1 | sed -n 's/.*takes \([a-z|]*\) or auto.*/\1/p' | tr '|' ' ')}
if [ "${QUICK:-0}" = 1 ]; then
	cap=${CAP:-2000}
	dets=$(echo "$dets" | tr ' ' '\n' | grep -v -e '^ocsvm$' -e '^autoencoder$' | tr '\n' ' ')
fi
dir=${TMPDIR:-/tmp}/adkit-detectors.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT INT TERM
py=/usr/bin/python3

cat > "$dir/prep.py" <<'PY'
# prep.py SRC CAP SEED OUT HALF_A HALF_B: OUT holds at most CAP rows of SRC
# (a seeded uniform sample, in order); HALF_A and HALF_B split them in two,
# stratified by the label.
import sys
import numpy as np
src, cap, seed, out, ha, hb = sys.argv[1:7]
cap, seed = int(cap), int(seed)
with open(src) as f:
    head = f.readline()
    lines = f.readlines()
rng = np.random.default_rng(seed)
if len(lines) > cap:
    lines = [lines[i] for i in np.sort(rng.choice(len(lines), cap, replace=False))]
with open(out, "w") as f:
    f.write(head)
    f.writelines(lines)
lab = np.array([float(l.rsplit(",", 1)[1]) != 0 for l in lines])
a = np.zeros(len(lines), bool)
for c in (False, True):
    idx = np.flatnonzero(lab == c)
    rng.shuffle(idx)
    a[idx[: len(idx) // 2]] = True
for path, keep in ((ha, a), (hb, ~a)):
    with open(path, "w") as f:
        f.write(head)
        f.writelines(l for l, k in zip(lines, keep) if k)
PY
cat > "$dir/metrics.py" <<'PY'
# metrics.py LABELLED.csv SCORES [skip]: ROC-AUC and PR-AUC of the scores
# (first column; "skip": the file has a header) against the last column.
import sys
import numpy as np
from sklearn.metrics import roc_auc_score, average_precision_score
y = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, ndmin=2)[:, -1]
s = np.loadtxt(sys.argv[2], delimiter=",", ndmin=2,
               skiprows=1 if len(sys.argv) > 3 else 0)[:, 0]
print("%.4f %.4f" % (roc_auc_score(y, s), average_precision_score(y, s)))
PY

now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{ printf "%.2f", $2 - $1 }'; }

# adkit SET DETECTOR: "roc pr fit score" of ad-train -a DETECTOR
adkit() {
	t0=$(now)
	"$bin/ad-train" -q --threads 1 --seed "$seed" -a "$2" "$1" -o "$dir/m" || { echo "- - - -"; return; }
	t1=$(now)
	"$bin/ad-score" -q --threads 1 -m "$dir/m" --keep '' "$1" -o "$dir/s"
	t2=$(now)
	[ -z "${SCORES:-}" ] || tail -n +2 "$dir/s" > "$SCORES/$3.$2.adkit"
	echo "$($py "$dir/metrics.py" "$1" "$dir/s" skip) $(secs "$t0" "$t1") $(secs "$t1" "$t2")"
}

# reference SET DETECTOR: "roc pr seconds", or dashes without one
reference() {
	case $2 in
	iforest|ocsvm|knn|lof|hbos|ecod|pca|mcd) ;;
	*) echo "- - -"; return ;;
	esac
	$py bench/detectors-ref.py "$2" --auc --seed "$seed" "$1" > "$dir/r" 2> "$dir/rerr" ||
		{ echo "- - -"; return; }
	t=$(sed -n 's/.* time \([0-9.]*\) s$/\1/p' "$dir/rerr")
	[ -z "${SCORES:-}" ] || cp "$dir/r" "$SCORES/$3.$2.ref"
	echo "$($py "$dir/metrics.py" "$1" "$dir/r") $t"
}

# auto SET: the two -a auto rows (choice, roc, pr, fit, score)
auto() {
	t0=$(now)
	"$bin/ad-train" --threads 1 --seed "$seed" -a auto --no-label --ignore label "$1" \
		-o "$dir/m" 2> "$dir/table"
	t1=$(now)
	"$bin/ad-score" -q --threads 1 -m "$dir/m" --keep '' "$1" -o "$dir/s"
	t2=$(now)
	echo "auto $(sed -n 's/^choice: //p' "$dir/table") $($py "$dir/metrics.py" "$1" "$dir/s" skip)" \
		"$(secs "$t0" "$t1") $(secs "$t1" "$t2")"
	t0=$(now)
	"$bin/ad-train" --threads 1 --seed "$seed" -a auto "$dir/a.csv" -o "$dir/m" 2> "$dir/table"
	t1=$(now)
	"$bin/ad-score" -q --threads 1 -m "$dir/m" --keep '' "$dir/b.csv" -o "$dir/s"
	t2=$(now)
	echo "auto-label $(sed -n 's/^choice: //p' "$dir/table")" \
		"$($py "$dir/metrics.py" "$dir/b.csv" "$dir/s" skip)" \
		"$(secs "$t0" "$t1") $(secs "$t1" "$t2")"
}

summarize() {
	echo "# mean per detector over the sets (ROC-AUC, PR-AUC, fit s, score s; reference's)"
	awk '$1 != "#" && $1 != "mean" { d = $2; sub(/:.*/, "", d); n[d]++; r[d] += $3; p[d] += $4
		ft[d] += $5; st[d] += $6
		if ($7 != "-") { m[d]++; rr[d] += $7; rp[d] += $8; rt[d] += $9 } }
	END { for (d in n) printf "mean %s %.4f %.4f %.2f %.2f %s %s %s (%d sets)\n", d, r[d] / n[d],
		p[d] / n[d], ft[d] / n[d], st[d] / n[d],
		m[d] ? sprintf("%.4f", rr[d] / m[d]) : "-", m[d] ? sprintf("%.4f", rp[d] / m[d]) : "-",
		m[d] ? sprintf("%.2f", rt[d] / m[d]) : "-", n[d] }' "$1" | sort -k3 -r
	awk '$1 != "#" && $1 != "mean" && $2 !~ /^auto/ { if (!($1 in b) || $3 > b[$1]) b[$1] = $3 }
	END { for (s in b) { t += b[s]; n++ }
		printf "# best single detector per set, in hindsight: mean ROC-AUC %.4f (%d sets)\n", t / n, n }' "$1"
}

if [ -n "${SUMMARIZE:-}" ]; then
	summarize "$SUMMARIZE"
	exit 0
fi
if [ $# -eq 0 ]; then
	data=${DATA:-../shared/data}
	set -- "$data/wdbc.csv" "$data"/tuning/*.csv
fi
echo "# cap $cap rows, seed $seed"
echo "# set detector adkit_roc adkit_pr fit_s score_s ref_roc ref_pr ref_s"
: > "$dir/all"
for f in "$@"; do
	s=$(basename "$f" .csv)
	$py "$dir/prep.py" "$f" "$cap" "$seed" "$dir/set.csv" "$dir/a.csv" "$dir/b.csv"
	[ -z "${SCORES:-}" ] || cp "$dir/set.csv" "$SCORES/$s.csv"
	for a in $dets; do
		line="$s $a $(adkit "$dir/set.csv" "$a" "$s") $(reference "$dir/set.csv" "$a" "$s")"
		echo "$line"
		echo "$line" >> "$dir/all"
	done
	[ "${AUTO:-1}" = 0 ] && continue
	auto "$dir/set.csv" | while read -r kind choice roc pr fit score; do
		line="$s $kind:$choice $roc $pr $fit $score - - -"
		echo "$line"
		echo "$line" >> "$dir/all"
	done
done
summarize "$dir/all"
