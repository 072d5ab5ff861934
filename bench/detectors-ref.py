#!/usr/bin/python3
"""Reference scores of adkit's detectors, from scikit-learn and NumPy.

    bench/detectors-ref.py DETECTOR [options] TRAIN.csv [SCORE.csv]

fits DETECTOR on the rows of TRAIN.csv (header line; a last column named
"label" is left out) and prints one score per line, %.17g, higher = more
anomalous: for the rows of SCORE.csv when it is given (new rows), else the
training rows' fit-time scores. Features are standardized as adkit's model
does it: mean and population deviation (ddof 0) of TRAIN.csv, a constant
column divided by 1 (--raw: not at all; hbos never, as PyOD).

Needs /usr/bin/python3 with Debian's python3-numpy, python3-scipy and
python3-sklearn. PyOD is not packaged: what is taken from it is
transcribed here in NumPy, short and faithful, following its source
(pyod/models/*.py, pyod/utils/stat_models.py; github yzhao062/pyod).

Detectors:
  iforest scikit-learn IsolationForest(n_estimators=100, max_samples=256,
        random_state=--seed): -score_samples().
  ocsvm scikit-learn OneClassSVM(nu=0.5, gamma="scale"):
        -decision_function().
  knn   PyOD KNN (pyod/models/knn.py): --k (n_neighbors, 5), --method
        largest|mean|median (largest); training rows get the distances to
        their k nearest other rows (kneighbors() without X), new rows to
        their k nearest training rows.
  lof   scikit-learn LocalOutlierFactor(novelty=True): --k (n_neighbors,
        20); training rows get -negative_outlier_factor_, new rows
        -score_samples().
  hbos  PyOD HBOS (pyod/models/hbos.py), static bins, its defaults, on
        the raw rows as PyOD fits it (it standardizes nothing; its
        alpha makes the scores depend on each feature's unit).
  ecod  PyOD ECOD (pyod/models/ecod.py); each new row is appended alone to
        the training sample (adkit's definition, lib/detect/ecod.h).
  pca   PyOD PCA (pyod/models/pca.py), its defaults.
  mcd   scikit-learn MinCovDet(support_fraction=--support-fraction,
        random_state=--seed).fit(X).mahalanobis(rows): squared robust
        distances; --max-rows N fits on the first N rows of a random
        permutation (--seed) of TRAIN.csv when sklearn is too slow on all;
        --independent drops constant and linearly dependent columns first
        (QR with pivoting, scipy pinvh's rank cut), the span adkit's
        estimate works in, where MinCovDet's C-steps would stall on
        singular covariances.
--algorithm passes scikit-learn's neighbour algorithm to knn and lof (auto,
as PyOD and scikit-learn default): kd_tree and ball_tree compute each
distance as sqrt(sum (x_f - y_f)^2), exactly as adkit does, where brute
goes through |x|^2 + |y|^2 - 2 x.y and loses the low bits of near pairs.
--auc writes to stderr, for the training rows' scores, the ROC-AUC against
the label column and the CPU time of fit and score (standardizing
excluded).
"""
import argparse
import sys
import time
import warnings

import numpy as np
from scipy.spatial.distance import cdist
from scipy.stats import skew as skew_sp
from sklearn.decomposition import PCA as sklearn_PCA
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler


def read_csv(path):
    """The feature rows of path, and its label column (None without one)."""
    with open(path) as f:
        header = f.readline().strip().split(",")
    x = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    if header and header[-1] == "label":
        return x[:, :-1].copy(), x[:, -1]
    return x, None


def standardizer(x):
    mean = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd == 0] = 1
    return lambda y: (y - mean) / sd


# ---- knn (PyOD KNN) ----

def knn_by_method(dist, method):
    """PyOD KNN._get_dist_by_method on (rows, k) ascending distances."""
    if method == "largest":
        return dist[:, -1]
    if method == "mean":
        return np.mean(dist, axis=1)
    return np.median(dist, axis=1)


def knn_scores(args, x, y):
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=args.k, algorithm=args.algorithm,
                          metric="minkowski", p=2).fit(x)
    if y is None:
        dist, _ = nn.kneighbors(n_neighbors=args.k)
    else:
        dist, _ = nn.kneighbors(y, n_neighbors=args.k)
    return knn_by_method(dist, args.method)


# ---- lof (scikit-learn LocalOutlierFactor, novelty) ----

def lof_scores(args, x, y):
    from sklearn.neighbors import LocalOutlierFactor

    lof = LocalOutlierFactor(n_neighbors=args.k, algorithm=args.algorithm,
                             metric="minkowski", p=2, novelty=True).fit(x)
    if y is None:
        return -lof.negative_outlier_factor_
    return -lof.score_samples(y)


# ---- HBOS (pyod/models/hbos.py, static bins) ----

def hbos_fit(x, n_bins=10):
    edges, hist = [], []
    for i in range(x.shape[1]):
        h, e = np.histogram(x[:, i], bins=n_bins, density=True)
        hist.append(h)
        edges.append(e)
    return edges, hist


def hbos_terms(x, model, alpha=0.1, tol=0.5):
    """Per-feature terms -log2(density + alpha) (PyOD's
    _calculate_outlier_scores, vectorized; their sum is the score)."""
    edges, hist = model
    n_bins = len(hist[0])
    out = np.zeros(x.shape)
    for i in range(x.shape[1]):
        e, v = edges[i], x[:, i]
        inds = np.digitize(v, e, right=True)
        s = np.log2(hist[i] + alpha)
        col = s[np.clip(inds - 1, 0, n_bins - 1)]
        low, high = inds == 0, inds == n_bins + 1
        col[low & ~(e[0] - v <= (e[1] - e[0]) * tol)] = s.min()
        col[high & ~(v - e[-1] <= (e[-1] - e[-2]) * tol)] = s.min()
        out[:, i] = col
    return -out


def hbos(x, new=None):
    model = hbos_fit(x)
    return hbos_terms(x if new is None else new, model).sum(axis=1)


# ---- ECOD (pyod/models/ecod.py, pyod/utils/stat_models.py) ----

def column_ecdf(m):
    n = m.shape[0]
    p = np.linspace(np.ones(m.shape[1]) / n, np.ones(m.shape[1]), n)
    idx = np.argsort(m, axis=0)
    s = np.take_along_axis(m, idx, axis=0)
    for c in range(p.shape[1]):
        eq = s[:-1, c] == s[1:, c]
        for r in np.flatnonzero(eq)[::-1]:
            p[r, c] = p[r + 1, c]
    out = np.ones_like(p)
    np.put_along_axis(out, idx, p, axis=0)
    return out


def ecod_terms(x, skew_of=None):
    """PyOD's decision_function on x (no X_train): per-feature O; the
    skewness signs from skew_of (x if None)."""
    u_l = -np.log(column_ecdf(x))
    u_r = -np.log(column_ecdf(-x))
    sk = np.sign(np.nan_to_num(skew_sp(x if skew_of is None else skew_of,
                                       axis=0)))
    u_skew = u_l * -1 * np.sign(sk - 1) + u_r * np.sign(sk + 1)
    return np.maximum(np.maximum(u_l, u_r), u_skew)


def ecod(x, new=None):
    if new is None:
        return ecod_terms(x).sum(axis=1)
    # each new row appended alone to the training sample, the training
    # sample's skewness signs (adkit's definition, see lib/detect/ecod.h)
    return np.array([ecod_terms(np.vstack([x, r]), x)[-1].sum()
                     for r in new])


# ---- PCA (pyod/models/pca.py, defaults) ----

def pca(x, new=None):
    scaler = StandardScaler().fit(x)
    z = scaler.transform(x)
    det = sklearn_PCA().fit(z)
    sel = det.components_
    w = det.explained_variance_ratio_
    q = z if new is None else scaler.transform(new)
    return np.sum(cdist(q, sel) / w, axis=1).ravel()


# ---- scikit-learn's own (bench/detectors.sh) ----

def iforest_scores(args, x, y):
    """IsolationForest(100 trees, 256 rows each), as adkit's defaults."""
    from sklearn.ensemble import IsolationForest
    det = IsolationForest(n_estimators=100, max_samples=min(256, len(x)),
                          random_state=args.seed).fit(x)
    return -det.score_samples(x if y is None else y)


def ocsvm_scores(args, x, y):
    """OneClassSVM(nu=0.5, gamma="scale"), as adkit's defaults."""
    from sklearn.svm import OneClassSVM
    det = OneClassSVM(nu=0.5, gamma="scale").fit(x)
    return -det.decision_function(x if y is None else y)
# ---- MCD (scikit-learn MinCovDet) ----

def mcd(args, x, y):
    from sklearn.covariance import MinCovDet

    if args.independent:
        from scipy.linalg import qr

        ev = np.linalg.eigvalsh(np.cov(x.T, bias=True))
        rank = int((ev > ev.max() * x.shape[1] * np.finfo(float).eps).sum())
        keep = np.sort(qr(x - x.mean(axis=0), pivoting=True,
                          mode="economic")[2][:rank])
        x = x[:, keep]
        y = None if y is None else y[:, keep]
    fit_rows = x
    if args.max_rows and x.shape[0] > args.max_rows:
        perm = np.random.RandomState(args.seed).permutation(x.shape[0])
        fit_rows = x[perm[:args.max_rows]]
    est = MinCovDet(support_fraction=args.support_fraction,
                    random_state=args.seed).fit(fit_rows)
    return est.mahalanobis(x if y is None else y)


DETECTORS = {
    "iforest": (iforest_scores, {}),
    "ocsvm": (ocsvm_scores, {}),
    "knn": (knn_scores, {"k": 5}),
    "lof": (lof_scores, {"k": 20}),
    "hbos": (lambda args, x, y: hbos(x, y), {}),
    "ecod": (lambda args, x, y: ecod(x, y), {}),
    "pca": (lambda args, x, y: pca(x, y), {}),
    "mcd": (mcd, {}),
}


# detectors whose reference sees the rows unstandardized: PyOD's HBOS
# adds alpha to densities per unit of the raw values (adkit's hbos keeps
# those units, lib/detect/hbos_det.c)
RAW = {"hbos"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("detector", choices=sorted(DETECTORS))
    ap.add_argument("train")
    ap.add_argument("score", nargs="?")
    ap.add_argument("--k", type=int)
    ap.add_argument("--method", default="largest",
                    choices=["largest", "mean", "median"])
    ap.add_argument("--algorithm", default="auto",
                    choices=["auto", "brute", "kd_tree", "ball_tree"])
    ap.add_argument("--support-fraction", type=float)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-rows", type=int)
    ap.add_argument("--independent", action="store_true")
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--auc", action="store_true")
    args = ap.parse_args()
    # MinCovDet warns on every C-step whose determinant rose by rounding
    warnings.simplefilter("ignore", RuntimeWarning)
    fn, defaults = DETECTORS[args.detector]
    for key, value in defaults.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    x, label = read_csv(args.train)
    raw = args.raw or args.detector in RAW
    scale = (lambda v: v) if raw else standardizer(x)
    y = scale(read_csv(args.score)[0]) if args.score else None
    t0 = time.process_time()
    scores = fn(args, scale(x), y)
    t = time.process_time() - t0
    if args.auc and y is None and label is not None:
        sys.stderr.write("%s %s: auc %.6f time %.3f s\n" % (
            args.detector, args.train, roc_auc_score(label, scores), t))
    out = sys.stdout
    for s in scores:
        out.write("%.17g\n" % s)


if __name__ == "__main__":
    main()
