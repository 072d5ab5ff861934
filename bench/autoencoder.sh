#!/bin/sh
# The autoencoder (ad-train -a autoencoder) against scikit-learn's
# MLPRegressor trained X -> X on standardized X, with the same hidden
# layers, activation, epochs, batch size, learning rate and L2 penalty,
# Adam, no early stopping on either side.
#
# Accuracy: the mean ROC-AUC over SEEDS seeds (default 5) of the squared
# reconstruction error, on
#   wdbc      ../shared/data/wdbc.csv (malignant = 1), 569 x 30, 200 epochs
#   blobs     generated: 5000 x 10, three Gaussian clusters, 2% of the points
#             pushed 3 to 6 sd out on two features, 50 epochs
#   subspace  generated: 5000 x 20 near a 3-dimensional linear subspace,
#             2% of the points moved off it by noise 2.5 times the normal
#             points' (their values stay in range), 50 epochs
# The issue's bar: adkit >= sklearn - 0.02 on each.
#
# Speed: a 100,000 x 20 input (bench/gen-numeric.sh), hidden 64,16,64,
# batch 200, EPOCHS epochs (default 5), side by side REPEAT times (default
# 3), alternating; the median time per epoch of each. sklearn's per epoch
# is its fit time over its epochs (reading and scaling not counted);
# adkit's is (ad-train with EPOCHS epochs - ad-train with 1 epoch) /
# (EPOCHS - 1), so reading, sampling, standardizing and scoring the
# training rows are not counted either; the whole ad-train run per epoch
# is printed too. The issue's bar: at least 5x. adkit trains on one core
# (OpenBLAS on one thread, for reproducibility); numpy's OpenBLAS uses every
# core. On a busy machine the times swing by 2x from run to run: the
# repeats and medians are there for that.
# Exits 1 if a bar is missed.
# usage: [SEEDS=n] [EPOCHS=n] [REPEAT=n] bench/autoencoder.sh [WDBC.csv]
# Needs /usr/bin/python3 with Debian's python3-sklearn, numpy and pandas.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/bin:$PATH"
wdbc=${1:-../shared/data/wdbc.csv}
seeds=${SEEDS:-5}
epochs=${EPOCHS:-5}
repeat=${REPEAT:-3}
dir=${TMPDIR:-/tmp}/adkit-ae.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT INT TERM
py=/usr/bin/python3

$py - "$dir" <<'PY'
import sys
import numpy as np
d = sys.argv[1]
rng = np.random.default_rng(20261129)

def write(name, x, y):
    p = rng.permutation(len(x))
    cols = ["x%d" % i for i in range(x.shape[1])]
    with open("%s/%s.csv" % (d, name), "w") as f:
        f.write(",".join(cols) + ",label\n")
        for row, lab in zip(x[p], y[p]):
            f.write(",".join("%.6f" % v for v in row) + ",%d\n" % lab)

n, dim, k = 5000, 10, 3
out = int(n * 0.02)
centers = rng.uniform(-10, 10, size=(k, dim))
x = centers[rng.integers(0, k, n)] + rng.normal(0, 1.5, size=(n, dim))
y = np.zeros(n)
y[:out] = 1
for i in range(out):
    dims = rng.choice(dim, 2, replace=False)
    x[i, dims] += rng.choice([-1, 1], 2) * rng.uniform(3, 6, 2) * 1.5
write("blobs", x, y)

n, dim, latent = 5000, 20, 3
mix = rng.normal(0, 1, size=(latent, dim))
x = rng.normal(0, 1, size=(n, latent)) @ mix + rng.normal(0, 0.1, size=(n, dim))
y = np.zeros(n)
y[:out] = 1
# off the subspace, within the range of the normal points
x[:out] = rng.normal(0, 1, size=(out, latent)) @ mix + rng.normal(0, 0.25, size=(out, dim))
write("subspace", x, y)
PY

cat > "$dir/sk.py" <<'PY'
import sys, time, warnings
import numpy as np, pandas as pd
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score
warnings.filterwarnings("ignore")  # "did not converge": epochs are fixed

def fit(X, seed, epochs, hidden="64,16,64", batch=200):
    Z = StandardScaler().fit_transform(X)
    m = MLPRegressor(hidden_layer_sizes=tuple(int(h) for h in hidden.split(",")),
                     activation="relu", solver="adam", alpha=0.0001,
                     learning_rate_init=0.001, batch_size=batch,
                     max_iter=epochs, tol=0, n_iter_no_change=10**9,
                     shuffle=True, random_state=seed)
    t = time.perf_counter()
    m.fit(Z, Z)
    return m, Z, (time.perf_counter() - t) / m.n_iter_

if sys.argv[1] == "auc":
    name, csv, d, seeds, epochs = sys.argv[2:]
    seeds, epochs = int(seeds), int(epochs)
    df = pd.read_csv(csv)
    y = df["label"].to_numpy()
    X = df.drop(columns=["label"]).to_numpy()
    ours, theirs = [], []
    for seed in range(1, seeds + 1):
        s = pd.read_csv("%s/%s.%d.csv" % (d, name, seed))
        ours.append(roc_auc_score(s["label"], s["score"]))
        m, Z, _ = fit(X, seed, epochs)
        theirs.append(roc_auc_score(y, ((m.predict(Z) - Z) ** 2).mean(axis=1)))
    a, b = np.mean(ours), np.mean(theirs)
    ok = a >= b - 0.02
    print("%-9s %3d epochs  adkit %.4f  sklearn %.4f  adkit - sklearn %+.4f"
          "  (sd over seeds %.4f / %.4f)  %s" % (name, epochs, a, b, a - b,
          np.std(ours, ddof=1), np.std(theirs, ddof=1), "ok" if ok else "MISSED"))
    sys.exit(0 if ok else 1)
else:
    csv, epochs = sys.argv[2], int(sys.argv[3])
    X = pd.read_csv(csv).to_numpy()
    print("%.6f" % fit(X, 1, epochs)[2])
PY

status=0
echo "accuracy: mean ROC-AUC over $seeds seeds (bar: adkit >= sklearn - 0.02)"
for set in wdbc blobs subspace; do
	case $set in
	wdbc) csv=$wdbc; ep=200 ;;
	*) csv=$dir/$set.csv; ep=50 ;;
	esac
	seed=1
	while [ "$seed" -le "$seeds" ]; do
		ad-train -q -a autoencoder --seed "$seed" --epochs "$ep" \
		    --validation-fraction 0 --max-train-rows 1000000 --label label \
		    -o "$dir/m" "$csv"
		ad-score -q -m "$dir/m" --keep label "$csv" > "$dir/$set.$seed.csv"
		seed=$((seed + 1))
	done
	$py "$dir/sk.py" auc "$set" "$csv" "$dir" "$seeds" "$ep" || status=1
done

echo "speed: 100000 x 20, hidden 64,16,64, batch 200, $epochs epochs, median of $repeat (bar: 5x)"
bench/gen-numeric.sh 100000 20 > "$dir/big.csv"
now() { date +%s.%N; }
train() {
	ad-train -q -a autoencoder --epochs "$1" --validation-fraction 0 \
	    --max-train-rows 100000 -o "$dir/big.model" "$dir/big.csv"
}
i=0
: > "$dir/times"
while [ "$i" -lt "$repeat" ]; do
	t0=$(now); train 1; t1=$(now); train "$epochs"; t2=$(now)
	sk=$($py "$dir/sk.py" speed "$dir/big.csv" "$epochs")
	echo "$t0 $t1 $t2 $sk" >> "$dir/times"
	i=$((i + 1))
done
$py - "$dir/times" "$epochs" <<'PY' || status=1
import sys
import numpy as np
rows = np.loadtxt(sys.argv[1], ndmin=2)
e = int(sys.argv[2])
ours = np.median((rows[:, 2] - rows[:, 1] - (rows[:, 1] - rows[:, 0])) / (e - 1))
whole = np.median((rows[:, 2] - rows[:, 1]) / e)
theirs = np.median(rows[:, 3])
ok = theirs / ours >= 5
print("per epoch: adkit %.3f s  sklearn %.3f s  sklearn / adkit %.1fx  %s"
      % (ours, theirs, theirs / ours, "ok" if ok else "MISSED"))
print("whole ad-train run per epoch: %.3f s (%.1fx)" % (whole, theirs / whole))
sys.exit(0 if ok else 1)
PY
exit $status
