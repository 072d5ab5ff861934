#!/usr/bin/python3
"""Reference scores for adkit's detector cores (issue 16), in NumPy.

PyOD is not packaged in Debian, so its detectors are transcribed here,
short and faithful, from pyod/models/{hbos,ecod,pca}.py (github
yzhao062/pyod); scikit-learn, SciPy and NumPy are Debian's.

usage: detectors-ref.py METHOD FILE.csv [--raw] [--scores] [--new FILE.csv]

FILE.csv has a header, feature columns and a last column "label" (the
tuning sets' layout). The rows are standardized as adkit's model does
(mean, population sd, a constant feature's sd 1) unless --raw. The
detector is fitted on every row and scores every row (PyOD's fit-time
scores); stderr gets the ROC-AUC against the labels and the CPU time of
fit+score (standardization excluded).
--scores prints the scores, one a line (%.17g); --new FILE.csv scores the
rows of another file instead, each appended alone to the training sample
where the method cares (ECOD).
"""
import sys
import time

import numpy as np
from scipy.spatial.distance import cdist
from scipy.stats import skew as skew_sp
from sklearn.decomposition import PCA as sklearn_PCA
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler


def load(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return a[:, :-1].copy(), a[:, -1]


def standardize(x):
    """adkit's model standardizer: mean and population sd, 1 if constant."""
    mean = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd == 0] = 1
    return (x - mean) / sd, mean, sd


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


METHODS = {"hbos": hbos, "ecod": ecod, "pca": pca}


def main(argv):
    if len(argv) < 3 or argv[1] not in METHODS:
        sys.stderr.write(__doc__)
        return 2
    method, path = METHODS[argv[1]], argv[2]
    raw, show = "--raw" in argv, "--scores" in argv
    x, y = load(path)
    new = load(argv[argv.index("--new") + 1])[0] if "--new" in argv else None
    if not raw:
        x, mean, sd = standardize(x)
        if new is not None:
            new = (new - mean) / sd
    t0 = time.process_time()
    s = method(x, new)
    t = time.process_time() - t0
    if new is None and len(np.unique(y)) == 2:
        sys.stderr.write("%s %s: auc %.6f time %.3f s\n" % (
            argv[1], path, roc_auc_score(y, s), t))
    if show:
        sys.stdout.write("".join("%.17g\n" % v for v in s))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
