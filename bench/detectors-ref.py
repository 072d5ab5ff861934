#!/usr/bin/python3
"""Reference scores of adkit's detectors, from scikit-learn and NumPy.

    bench/detectors-ref.py DETECTOR [options] TRAIN.csv [SCORE.csv]

fits DETECTOR on the rows of TRAIN.csv (header line; a last column named
"label" is left out) and prints one score per line, %.17g, higher = more
anomalous: for the rows of SCORE.csv when it is given (new rows), else the
training rows' fit-time scores. Features are standardized as adkit's model
does it: mean and population deviation (ddof 0) of TRAIN.csv, a constant
column divided by 1.

Needs /usr/bin/python3 with Debian's python3-numpy, python3-scipy and
python3-sklearn. PyOD is not packaged: what is taken from it is
transcribed here in NumPy, following its source (pyod/models/*.py).

Detectors:
  knn  PyOD KNN (pyod/models/knn.py): --k (n_neighbors, 5), --method
       largest|mean|median (largest); training rows get the distances to
       their k nearest other rows (kneighbors() without X), new rows to
       their k nearest training rows.
  lof  scikit-learn LocalOutlierFactor(novelty=True): --k (n_neighbors,
       20); training rows get -negative_outlier_factor_, new rows
       -score_samples().
--algorithm passes scikit-learn's neighbour algorithm (auto, as PyOD and
scikit-learn default): kd_tree and ball_tree compute each distance as
sqrt(sum (x_f - y_f)^2), exactly as adkit does, where brute goes through
|x|^2 + |y|^2 - 2 x.y and loses the low bits of near pairs.
"""
import argparse
import sys

import numpy as np


def read_csv(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    x = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    if header and header[-1] == "label":
        x = x[:, :-1]
    return x


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


DETECTORS = {
    "knn": (knn_scores, {"k": 5}),
    "lof": (lof_scores, {"k": 20}),
}


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
    args = ap.parse_args()
    fn, defaults = DETECTORS[args.detector]
    for key, value in defaults.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    x = read_csv(args.train)
    scale = standardizer(x)
    y = scale(read_csv(args.score)) if args.score else None
    out = sys.stdout
    for s in fn(args, scale(x), y):
        out.write("%.17g\n" % s)


if __name__ == "__main__":
    main()
