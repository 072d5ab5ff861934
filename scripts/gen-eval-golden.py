#!/usr/bin/python3
"""Makes ad-eval's test fixtures and its golden files with scikit-learn.

usage: /usr/bin/python3 scripts/gen-eval-golden.py

Writes the generated fixtures tests/fixtures/eval-{ties,random,...}.csv
(eval-basic.csv is written by hand), and for each case in CASES the values
ad-eval must report, as tests/golden/eval-<case>.ref.csv, with the list of
cases in tests/golden/eval-cases.txt for tests/bats/ad-eval.bats, which
compares `ad-eval -F csv` with them to 1e-9.

The values come from scikit-learn where it has the metric (roc_auc_score,
average_precision_score, precision_recall_fscore_support, matthews_corrcoef,
accuracy_score, with sample weights for the bootstrap), and otherwise from
code written here independently of ad-eval's C: precision at k and the best
F1 with exact fractions, DeLong's test in the fast form of Sun and Xu (2014)
checked against the O(PN) definition, and the bootstrap with a port of its
documented random numbers. Where scikit-learn warns that a metric is
ill-defined and returns a stand-in number, the golden value is empty
(undefined), as ad-eval reports null.

Needs Debian's python3-sklearn, python3-scipy and python3-numpy; uses only
the standard library's random for the fixtures, so they are reproducible.
"""
import csv
import math
import os
import random
import sys
import warnings
from fractions import Fraction

import numpy as np
from scipy.stats import norm, rankdata
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (accuracy_score, average_precision_score,
                             confusion_matrix, f1_score, matthews_corrcoef,
                             precision_recall_fscore_support, roc_auc_score)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
GOLD = os.path.join(ROOT, "tests", "golden")
TOL = 1e-12          # self-checks here; the tests allow 1e-9

NA = {"", "NA", "N/A", "NaN", "nan", "null", "NULL"}
POS_WORDS = {"true", "yes", "anomaly"}
NEG_WORDS = {"false", "no", "normal"}


# ---- fixtures ----

def write_csv(name, header, rows):
    with open(os.path.join(FIX, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def num(v):
    """Shortest text that reads back as v."""
    return repr(float(v))


def gen_ties():
    """400 rows, scores on a grid of 0.1: heavy ties in both columns."""
    rng = random.Random(6)
    rows = []
    for _ in range(400):
        s = round(rng.random(), 1)
        label = 1 if rng.random() < 0.05 + 0.5 * s * s else 0
        pred = 1 if (s >= 0.7) != (rng.random() < 0.1) else 0
        c = round(0.5 * s + 0.5 * rng.random(), 1)
        rows.append([num(s), label, pred, rng.choice("abc"), num(c)])
    write_csv("eval-ties.csv", ["score", "label", "is_anomaly", "host",
                                "challenger"], rows)


def gen_random():
    """2000 rows, six-decimal scores, 10% anomalies, a correlated
    challenger: for DeLong and the bootstrap."""
    rng = random.Random(42)
    rows = []
    for _ in range(2000):
        label = 1 if rng.random() < 0.1 else 0
        base = rng.gauss(1.2 if label else 0.0, 1.0)
        s = 1 / (1 + math.exp(-base))
        c = 1 / (1 + math.exp(-(0.8 * base + rng.gauss(0.3 * label, 0.7))))
        rows.append([round(s, 6), label, round(c, 6)])
    write_csv("eval-random.csv", ["score", "label", "challenger"],
              [[num(s), y, num(c)] for s, y, c in rows])


def gen_edges():
    head = ["score", "label", "is_anomaly"]
    write_csv("eval-allpos.csv", head, [["0.9", "1", "1"], ["0.5", "1", "0"],
                                        ["0.5", "yes", "1"], ["0.1", "1", "0"]])
    write_csv("eval-nopos.csv", head, [["0.9", "0", "1"], ["0.5", "0", "0"],
                                       ["0.2", "no", "0"]])
    write_csv("eval-nopred.csv", head, [["0.9", "1", "0"], ["0.5", "0", "0"],
                                        ["0.2", "1", "0"]])
    write_csv("eval-single.csv", head, [["0.7", "1", "1"]])
    write_csv("eval-const.csv", head, [["0.5", "1", "1"], ["0.5", "0", "1"],
                                       ["0.5", "0", "1"], ["0.5", "1", "1"]])
    write_csv("eval-empty.csv", head, [])


# ---- reading, as ad-eval documents it ----

def parse_label(cell):
    """1 positive, 0 negative, None missing; anything else is an error."""
    if cell in NA:
        return None
    t = cell.strip(" \t").lower()
    if t in POS_WORDS:
        return 1
    if t in NEG_WORDS:
        return 0
    v = float(t)
    if v in (0.0, 1.0):
        return int(v)
    raise ValueError("not a label: %r" % cell)


def parse_score(cell):
    return None if cell in NA else float(cell)


def load(fixture, pred=None, compare=None, by=None):
    """The rows ad-eval evaluates, and what it skips."""
    with open(os.path.join(FIX, fixture), newline="") as f:
        rows = list(csv.DictReader(f))
    d = {"y": [], "s": [], "p": [], "c": [], "g": [], "rows_read": len(rows),
         "missing": {"label": 0, "score": 0, "compare": 0, "pred": 0},
         "gmissing": {}, "rows_missing_by": 0}
    for r in rows:
        y = parse_label(r["label"])
        s = parse_score(r["score"])
        p = parse_label(r[pred]) if pred else 0
        c = parse_score(r[compare]) if compare else 0.0
        g = r[by] if by else None
        if by and g in NA:
            g = None
            d["rows_missing_by"] += 1
        miss = {"label": y is None, "score": s is None,
                "compare": c is None, "pred": p is None}
        for k, v in miss.items():
            d["missing"][k] += v
            if g is not None:
                gm = d["gmissing"].setdefault(g, dict.fromkeys(miss, 0))
                gm[k] += v
        if any(miss.values()):
            continue
        for k, v in (("y", y), ("s", s), ("p", p), ("c", c), ("g", g)):
            d[k].append(v)
    for k in "yspc":
        d[k] = np.array(d[k], dtype=float if k in "sc" else int)
    return d


# ---- reference metrics ----

def decision_metrics(y, flag):
    """Metrics of a decision from scikit-learn; None where it warns."""
    n, P = len(y), int(y.sum())
    if n == 0:
        out = dict.fromkeys(["precision", "recall", "f1", "accuracy",
                             "specificity", "mcc"], None)
        out.update(tp=0, fp=0, tn=0, fn=0)
        return out
    tn, fp, fn, tp = (int(v) for v in
                      confusion_matrix(y, flag, labels=[0, 1]).ravel())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        pr, rc, f1, _ = precision_recall_fscore_support(
            y, flag, average="binary", pos_label=1, zero_division=0)
        spec = precision_recall_fscore_support(
            y, flag, average="binary", pos_label=0, zero_division=0)[1]
    N = n - P
    mcc_defined = P and N and tp + fp and tn + fn
    return {"tp": tp, "fp": fp, "tn": tn, "fn": fn,
            "precision": pr if tp + fp else None,
            "recall": rc if P else None,
            "f1": f1 if 2 * tp + fp + fn else None,
            "accuracy": accuracy_score(y, flag),
            "specificity": spec if N else None,
            "mcc": matthews_corrcoef(y, flag) if mcc_defined else None}


def tie_groups(y, s):
    """(score, positives, negatives) per distinct score, highest first."""
    groups = {}
    for yi, si in zip(y, s):
        g = groups.setdefault(si + 0.0, [0, 0])
        g[0 if yi else 1] += 1
    return [(v, p, q) for v, (p, q) in sorted(groups.items(), reverse=True)]


def precision_at_k(y, s):
    """Expected precision of the top k = P rows, ties cut at random."""
    k = int(y.sum())
    above = tp = 0
    for _, dp, dn in tie_groups(y, s):
        g = dp + dn
        if above + g >= k:
            return (Fraction(tp) + Fraction(k - above) * Fraction(dp, g)) / k
        above += g
        tp += dp


def best_f1(y, s):
    """Highest 2tp / (tp + fp + P) over thresholds; ties: the highest."""
    P = int(y.sum())
    tp = fp = 0
    best = None
    for v, dp, dn in tie_groups(y, s):
        tp += dp
        fp += dn
        f = Fraction(2 * tp, tp + fp + P)
        if best is None or f > best[0]:
            best = (f, v)
    # scikit-learn agrees on the F1 of that threshold
    f1 = f1_score(y, (s >= best[1]).astype(int))
    assert abs(f1 - float(best[0])) < TOL, (f1, best)
    return float(best[0]), best[1]


def rank_metrics(y, s):
    n, P = len(y), int(y.sum())
    N = n - P
    if P == 0:
        return dict.fromkeys(["roc_auc", "pr_auc", "precision_at_k",
                              "best_f1", "best_f1_threshold"], None)
    f1, t = best_f1(y, s)
    return {"roc_auc": roc_auc_score(y, s) if N else None,
            "pr_auc": average_precision_score(y, s),
            "precision_at_k": float(precision_at_k(y, s)),
            "best_f1": f1, "best_f1_threshold": t}


def delong_fast(y, a, b):
    """DeLong's test (fast form of Sun and Xu 2014) of AUC(b) - AUC(a)."""
    m = int(y.sum())
    n = len(y) - m
    aucs, v10, v01 = [], [], []
    for s in (a, b):
        x, z = s[y == 1], s[y == 0]
        tx, tz, t = rankdata(x), rankdata(z), rankdata(np.concatenate([x, z]))
        aucs.append((t[:m].sum() - m * (m + 1) / 2) / (m * n))
        v10.append((t[:m] - tx) / n)
        v01.append(1 - (t[m:] - tz) / m)
    diff = aucs[1] - aucs[0]
    if m < 2 or n < 2:
        return {"delong_se": None, "delong_z": None, "delong_p_value": None}
    S = np.cov(np.array(v10)) / m + np.cov(np.array(v01)) / n
    var = S[0, 0] + S[1, 1] - 2 * S[0, 1]
    if not var > 1e-300:
        return {"delong_se": None, "delong_z": None, "delong_p_value": None}
    se = math.sqrt(var)
    z = diff / se
    return {"delong_se": se, "delong_z": z,
            "delong_p_value": 2 * norm.sf(abs(z))}


def delong_brute(y, a, b):
    """The same from the definition: O(PN) kernel matrices."""
    out = []
    for s in (a, b):
        x, z = s[y == 1], s[y == 0]
        psi = (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])
        out.append((psi.mean(), psi.mean(axis=1), psi.mean(axis=0)))
    m, n = len(out[0][1]), len(out[0][2])
    s10 = np.cov(np.array([out[0][1], out[1][1]]))
    s01 = np.cov(np.array([out[0][2], out[1][2]]))
    S = s10 / m + s01 / n
    return out[1][0] - out[0][0], math.sqrt(S[0, 0] + S[1, 1] - 2 * S[0, 1])


M64 = (1 << 64) - 1


class Rng:
    """xoshiro256** seeded by splitmix64, indexes by Lemire's method: the
    generator metrics.h documents for the bootstrap."""

    def __init__(self, seed):
        self.s = []
        x = seed
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & M64

    def next(self):
        s = self.s
        r = (self.rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self.rotl(s[3], 45)
        return r

    def below(self, n):
        m = self.next() * n
        if (m & M64) < n:
            floor = ((1 << 64) - n) % n
            while (m & M64) < floor:
                m = self.next() * n
        return m >> 64


def bootstrap(y, a, b, fa, fb, resamples, seed, level=0.95):
    """Stratified paired bootstrap of F1(b) - F1(a) and AP(b) - AP(a)."""
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    m, n = len(pos), len(neg)
    g = Rng(seed)
    d_f1, d_ap = [], []
    for _ in range(resamples):
        w = np.zeros(len(y))
        for _ in range(m):
            w[pos[g.below(m)]] += 1
        for _ in range(n):
            w[neg[g.below(n)]] += 1
        d_ap.append(average_precision_score(y, b, sample_weight=w) -
                    average_precision_score(y, a, sample_weight=w))
        if fa is not None:
            d_f1.append(f1_score(y, fb, sample_weight=w) -
                        f1_score(y, fa, sample_weight=w))
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    out = {"bootstrap_resamples": resamples, "bootstrap_seed": seed,
           "bootstrap_level": level}
    lo, hi = np.quantile(d_ap, q)
    out.update(pr_auc_diff_low=lo, pr_auc_diff_high=hi)
    if fa is not None:
        lo, hi = np.quantile(d_f1, q)
        out.update(f1_diff_low=lo, f1_diff_high=hi)
    else:
        out.update(f1_diff_low=None, f1_diff_high=None)
    return out


# ---- decisions ----

def kth_highest(s, k):
    return np.sort(s)[::-1][k - 1]


def thresholds(d, kind, arg, paired):
    """Threshold of the score and of the challenger (None: flag nothing),
    and k for top-k and contamination; from all the rows evaluated."""
    n = len(d["y"])
    if kind == "none":
        return None, None, None
    if kind == "pred":
        k = int(d["p"].sum())
        return None, (kth_highest(d["c"], k) if paired and k else None), None
    if kind == "threshold":
        return arg, arg, None
    if kind == "top_k":
        k = min(int(arg), n)
    else:
        k = min(max(int(math.floor(arg * n + 0.5)), 1), n)
    if k == 0:
        return None, None, k
    return kth_highest(d["s"], k), (kth_highest(d["c"], k) if paired
                                     else None), k


def flags(s, t):
    return np.zeros(len(s), int) if t is None else (s >= t).astype(int)


def model_values(y, s, flag, threshold, decided):
    v = {"threshold": threshold}
    dm = decision_metrics(y, flag)
    for k, x in dm.items():
        v[k] = x if decided else None
    v.update(rank_metrics(y, s))
    return v


def diff(a, b):
    return None if a is None or b is None else b - a


def group_values(d, idx, kind, t, paired, boot, missing):
    y, s = d["y"][idx], d["s"][idx]
    decided = kind != "none"
    fa = d["p"][idx] if kind == "pred" else flags(s, t[0])
    v = {"rows_missing_label": missing["label"],
         "rows_missing_score": missing["score"]}
    if paired:
        v["rows_missing_compare"] = missing["compare"]
    if kind == "pred":
        v["rows_missing_pred"] = missing["pred"]
    v.update(rows_used=len(y), positives=int(y.sum()),
             negatives=int(len(y) - y.sum()))
    v.update(model_values(y, s, fa, None if kind == "pred" else t[0],
                          decided))
    if not paired:
        return v
    c = d["c"][idx]
    fb = flags(c, t[1])
    cv = model_values(y, c, fb, t[1], decided)
    cv.update(roc_auc_diff=diff(v["roc_auc"], cv["roc_auc"]),
              pr_auc_diff=diff(v["pr_auc"], cv["pr_auc"]),
              f1_diff=diff(v["f1"], cv["f1"]))
    m = int(y.sum())
    if m and len(y) - m:
        dl = delong_fast(y, s, c)
        if m * (len(y) - m) <= 40000 and dl["delong_se"] is not None:
            dd, se = delong_brute(y, s, c)
            assert abs(dd - cv["roc_auc_diff"]) < TOL
            assert abs(se - dl["delong_se"]) < TOL, (se, dl)
        cv.update(dl)
    else:
        cv.update(delong_se=None, delong_z=None, delong_p_value=None)
    if boot is not None:
        if m:
            cv.update(bootstrap(y, s, c, fa if decided else None,
                                fb if decided else None, *boot))
        else:
            cv.update(bootstrap_resamples=boot[0], bootstrap_seed=boot[1],
                      bootstrap_level=0.95, f1_diff_low=None,
                      f1_diff_high=None, pr_auc_diff_low=None,
                      pr_auc_diff_high=None)
    for k, x in cv.items():
        v["compare." + k] = x
    return v


# ---- cases ----

# name: (fixture, ad-eval arguments)
CASES = [
    ("basic", "eval-basic.csv", []),
    ("basic-threshold", "eval-basic.csv", ["--threshold", "0.5"]),
    ("basic-topk", "eval-basic.csv", ["--top-k", "3"]),
    ("basic-contamination", "eval-basic.csv", ["--contamination", "0.25"]),
    ("basic-compare", "eval-basic.csv",
     ["--compare", "challenger", "--bootstrap", "100", "--seed", "3"]),
    ("basic-by", "eval-basic.csv", ["--by", "host", "--threshold", "0.6"]),
    ("ties", "eval-ties.csv", []),
    ("ties-topk", "eval-ties.csv", ["--top-k", "50"]),
    ("ties-by-compare", "eval-ties.csv",
     ["--by", "host", "--compare", "challenger", "--bootstrap", "50",
      "--seed", "1"]),
    ("random-compare", "eval-random.csv",
     ["--compare", "challenger", "--threshold", "0.6", "--bootstrap", "200",
      "--seed", "42"]),
    ("random-none", "eval-random.csv", ["--compare", "challenger",
                                        "--bootstrap", "20", "--seed", "1"]),
    ("allpos", "eval-allpos.csv", []),
    ("nopos", "eval-nopos.csv", []),
    ("nopred", "eval-nopred.csv", []),
    ("single", "eval-single.csv", []),
    ("const", "eval-const.csv", ["--contamination", "0.5"]),
    ("empty", "eval-empty.csv", ["--top-k", "2"]),
]


def option(args, name, default=None):
    return args[args.index(name) + 1] if name in args else default


def case_values(fixture, args):
    compare, by = option(args, "--compare"), option(args, "--by")
    with open(os.path.join(FIX, fixture)) as f:
        header = f.readline().strip().split(",")
    if "--threshold" in args:
        kind, arg = "threshold", float(option(args, "--threshold"))
    elif "--top-k" in args:
        kind, arg = "top_k", int(option(args, "--top-k"))
    elif "--contamination" in args:
        kind, arg = "contamination", float(option(args, "--contamination"))
    elif "is_anomaly" in header:
        kind, arg = "pred", None
    else:
        kind, arg = "none", None
    d = load(fixture, "is_anomaly" if kind == "pred" else None, compare, by)
    t = thresholds(d, kind, arg, compare is not None)
    boot = None
    if compare:
        boot = (int(option(args, "--bootstrap", 1000)),
                int(option(args, "--seed", 0)))
    rows = []
    every = np.arange(len(d["y"]))
    top = {"rows_read": d["rows_read"], "rows_rejected": 0}
    if by:
        top["rows_missing_by"] = d["rows_missing_by"]
    top.update(group_values(d, every, kind, t, compare is not None, boot,
                            d["missing"]))
    rows += [("", k, v) for k, v in top.items()]
    for g in sorted(set(x for x in d["g"] if x is not None)):
        idx = np.array([i for i, x in enumerate(d["g"]) if x == g], int)
        gv = group_values(d, idx, kind, t, compare is not None, None,
                          d["gmissing"][g])
        rows += [(g, k, v) for k, v in gv.items()]
    return rows, by is not None


def fmt(v):
    if v is None:
        return ""
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return repr(float(v))


def main():
    os.makedirs(GOLD, exist_ok=True)
    gen_ties()
    gen_random()
    gen_edges()
    with open(os.path.join(GOLD, "eval-cases.txt"), "w") as man:
        for name, fixture, args in CASES:
            rows, grouped = case_values(fixture, args)
            path = os.path.join(GOLD, "eval-%s.ref.csv" % name)
            with open(path, "w", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(["group", "metric", "value"] if grouped else
                           ["metric", "value"])
                for g, k, v in rows:
                    w.writerow([g, k, fmt(v)] if grouped else [k, fmt(v)])
            man.write("%s\t%s\t%s\n" % (name, fixture, " ".join(args)))
            print("%-20s %4d values" % (name, len(rows)), file=sys.stderr)


if __name__ == "__main__":
    main()
