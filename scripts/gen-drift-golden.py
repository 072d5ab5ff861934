#!/usr/bin/python3
"""Fixtures and SciPy golden files for ad-drift's tests.

usage: /usr/bin/python3 scripts/gen-drift-golden.py [--check BIN]

Writes tests/fixtures/drift-*.csv (seeded, so the files come out the same
every time) and, for each comparison the bats tests make, the statistics
SciPy computes, to tests/golden/drift-scipy-*.csv:

  ks, ks_p      scipy.stats.ks_2samp(ref, cur)  (two-sided, method 'auto')
  psi           over numpy.quantile(ref, i/bins) edges (unique), values
                binned with searchsorted(side='left'), empty bins 1e-4
  js            scipy.spatial.distance.jensenshannon(.., base=2), same bins
  wasserstein   scipy.stats.wasserstein_distance(ref, cur) / numpy.std(ref)
  chi2_p        scipy.stats.chi2_contingency(correction=False) over the
                reference's categories plus one for all others, categories
                empty on both sides dropped
  missing_delta missing rate of cur minus that of ref

With -m the reference is a model's score quantiles: KS is
scipy.stats.ks_1samp against the piecewise-linear CDF through them.

With --check BIN it also runs BIN/ad-drift on each comparison and prints
the largest relative difference per statistic (the bats test checks the
same with awk, without Python).
"""
import argparse
import csv
import math
import os
import subprocess
import sys

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
GOLD = os.path.join(ROOT, "tests", "golden")
EPS = 1e-4
BINS = 10


def fmt(v, places):
    return "" if v is None else ("%.*f" % (places, v))


def write_csv(name, header, rows):
    with open(os.path.join(FIX, name), "w", newline="") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")


def gen_fixtures():
    """Small tables: same, shifted; a big one for the asymptotic KS."""
    def table(rng, n, shift):
        cats = ["alpha", "beta", "gamma", "delta"]
        p = [0.4, 0.3, 0.2, 0.1]
        if shift:
            cats = cats + ["epsilon"]
            p = [0.25, 0.25, 0.2, 0.1, 0.2]
        rows = []
        for _ in range(n):
            x = rng.normal(10 + (1.5 if shift else 0), 2)
            k = rng.integers(0, 10 if not shift else 12)
            m = None if rng.random() < (0.3 if shift else 0.1) else rng.gamma(2, 3)
            g = cats[rng.choice(len(cats), p=p)]
            rows.append([fmt(x, 3), str(k), fmt(m, 2), "6" if shift else "5", g])
        return rows

    header = ["x", "k", "m", "c", "g"]
    write_csv("drift-ref.csv", header, table(np.random.default_rng(1), 300, False))
    write_csv("drift-same.csv", header, table(np.random.default_rng(2), 300, False))
    write_csv("drift-shift.csv", header, table(np.random.default_rng(3), 250, True))
    rng = np.random.default_rng(4)
    write_csv("drift-big-ref.csv", ["v"],
              [[fmt(v, 2)] for v in rng.normal(0, 1, 10001)])
    write_csv("drift-big-cur.csv", ["v"],
              [[fmt(v, 2)] for v in rng.normal(0.1, 1, 700)])
    write_csv("drift-big-small.csv", ["v"],
              [[fmt(v, 2)] for v in rng.normal(0.3, 1, 60)])


def read_table(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        cols = {h: [] for h in header}
        for row in r:
            for h, v in zip(header, row):
                cols[h].append(v)
    return header, cols


def numeric(vals):
    """Values and missing count, as ad-drift reads them."""
    out, missing = [], 0
    for v in vals:
        try:
            x = float(v)
        except ValueError:
            x = math.nan
        if math.isfinite(x):
            out.append(x)
        else:
            missing += 1
    return np.array(out), missing


def is_numeric(vals):
    ok = 0
    seen = 0
    for v in vals:
        if v in ("", "NA", "N/A", "NaN", "nan", "null", "NULL"):
            continue
        seen += 1
        try:
            float(v)
            ok += 1
        except ValueError:
            pass
    return seen == 0 or ok * 2 > seen


def psi(rb, cb):
    p = rb / rb.sum()
    q = cb / cb.sum()
    p = np.where(rb > 0, p, EPS)
    q = np.where(cb > 0, q, EPS)
    return float(np.sum((q - p) * np.log(q / p)))


def compare_numeric(ref, mref, cur, mcur):
    out = {"n_ref": len(ref), "n_cur": len(cur),
           "missing_delta": mcur / (len(cur) + mcur) - mref / (len(ref) + mref)}
    edges = np.unique(np.quantile(ref, np.arange(1, BINS) / BINS))
    k = len(edges) + 1
    rb = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=k)
    cb = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=k)
    res = stats.ks_2samp(ref, cur)
    sd = np.std(ref)
    w = stats.wasserstein_distance(ref, cur)
    out.update(psi=psi(rb, cb), js=float(jensenshannon(rb, cb, base=2)),
               ks=float(res.statistic), ks_p=float(res.pvalue),
               wasserstein=(w / sd if sd > 0 else (0.0 if w == 0 else math.inf)))
    return out


def compare_text(ref, cur, top=100):
    present = lambda vs: [v for v in vs if v not in
                          ("", "NA", "N/A", "NaN", "nan", "null", "NULL")]
    r, c = present(ref), present(cur)
    counts = {}
    for v in r:
        counts[v] = counts.get(v, 0) + 1
    listed = sorted(counts, key=lambda v: (-counts[v], v.encode()))[:top]
    rb = [counts[v] for v in listed] + [len(r) - sum(counts[v] for v in listed)]
    cb = [sum(1 for v in c if v == name) for name in listed]
    cb.append(len(c) - sum(cb))
    rb, cb = np.array(rb, float), np.array(cb, float)
    keep = (rb + cb) > 0
    table = np.array([rb[keep], cb[keep]])
    p = 1.0 if table.shape[1] < 2 else float(
        stats.chi2_contingency(table, correction=False)[1])
    return {"n_ref": len(r), "n_cur": len(c), "psi": psi(rb, cb),
            "js": float(jensenshannon(rb, cb, base=2)), "chi2_p": p,
            "missing_delta": (len(cur) - len(c)) / len(cur) -
            (len(ref) - len(r)) / len(ref)}


FIELDS = ["column", "n_ref", "n_cur", "psi", "ks", "ks_p", "chi2_p",
          "wasserstein", "js", "missing_delta"]


def golden(name, ref_file, cur_file):
    header, rc = read_table(os.path.join(FIX, ref_file))
    _, cc = read_table(os.path.join(FIX, cur_file))
    rows = []
    for h in header:
        if is_numeric(rc[h]):
            ref, mr = numeric(rc[h])
            cur, mc = numeric(cc[h])
            row = compare_numeric(ref, mr, cur, mc)
        else:
            row = compare_text(rc[h], cc[h])
        row["column"] = h
        rows.append(row)
    path = os.path.join(GOLD, "drift-scipy-%s.csv" % name)
    with open(path, "w") as f:
        f.write(",".join(FIELDS) + "\n")
        for row in rows:
            f.write(",".join(str(row[k]) if k == "column" else
                             ("" if row.get(k) is None else repr(row[k]))
                             for k in FIELDS) + "\n")
    return path, ref_file, cur_file


COMPARISONS = [
    ("same", "drift-ref.csv", "drift-same.csv"),        # exact, n1 == n2
    ("shift", "drift-ref.csv", "drift-shift.csv"),      # exact, n1 != n2
    ("big", "drift-big-ref.csv", "drift-big-cur.csv"),  # kstwo, n > 140
    ("small", "drift-big-ref.csv", "drift-big-small.csv"),  # kstwo, n <= 140
]


def check(bindir, made):
    worst = {}
    for path, ref, cur in made:
        want = list(csv.DictReader(open(path)))
        out = subprocess.run(
            [os.path.join(bindir, "ad-drift"), "-q", "-r",
             os.path.join(FIX, ref), os.path.join(FIX, cur)],
            capture_output=True, text=True)
        got = list(csv.DictReader(out.stdout.splitlines()))
        for w, g in zip(want, got):
            for k in FIELDS[1:]:
                if w[k] == "" and g[k] == "":
                    continue
                a, b = float(w[k]), float(g[k])
                rel = 0.0 if a == b else abs(a - b) / max(abs(a), 1e-300)
                worst[k] = max(worst.get(k, 0.0), rel)
    for k in FIELDS[1:]:
        print("%-14s largest relative difference %.3g" % (k, worst.get(k, 0)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", metavar="BIN")
    args = ap.parse_args()
    gen_fixtures()
    made = [golden(*c) for c in COMPARISONS]
    for path, _, _ in made:
        print("wrote", os.path.relpath(path, ROOT))
    if args.check:
        check(args.check, made)


if __name__ == "__main__":
    sys.exit(main())
