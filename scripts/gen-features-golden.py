#!/usr/bin/python3
"""Reference outputs for ad-features, made without adkit.

Writes to tests/golden/:

  features-standard.csv, features-minmax.csv, features-robust.csv
      scikit-learn's StandardScaler, MinMaxScaler and RobustScaler
      (fit_transform) on the numeric columns a..e of
      tests/fixtures/features-num.csv, id and label kept;
  features-log-robust.csv
      the same with b and e log-transformed first (sign(x) log1p(|x|));
  features-context-ref.csv
      tests/fixtures/features-ts.csv through
      --time timestamp --group host --scale standard --lags 1,2 --diff
      --rolling 3,5 --ewm 0.5 --calendar --onehot host --freq host
      --keep label, computed here from the definitions in ad-features(1):
      the scaled values by scikit-learn, the rolling statistics exactly
      with fractions, the rest in plain floating point.

tests/bats/ad-features.bats compares ad-features' output with these files
to 1e-12 relative (to the larger of 1 and the values' magnitudes), so
`make test` does not need Python. The script also checks the context
reference against pandas (shift, diff, rolling, ewm), which computes the
same definitions with its own rounding, and fails if they disagree beyond
1e-9.

Run it from the repository with Debian's python3 (numpy, pandas, sklearn):

    /usr/bin/python3 scripts/gen-features-golden.py
"""
import csv
import datetime as dt
import math
import os
import sys
from fractions import Fraction

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "tests", "fixtures")
GOLD = os.path.join(ROOT, "tests", "golden")


def fmt(v):
    """A cell as adkit writes it: shortest repr, empty for missing."""
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    v = float(v)
    if v == int(v) and abs(v) < 1e16:
        return str(int(v)) if v != 0 or math.copysign(1, v) > 0 else "-0"
    return repr(v)


def write(name, header, rows):
    with open(os.path.join(GOLD, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([fmt(v) for v in r])


def read(name):
    return pd.read_csv(os.path.join(FIX, name), float_precision="round_trip",
                       keep_default_na=True, dtype={"host": str})


def signed_log1p(x):
    return np.sign(x) * np.log1p(np.abs(x))


def scalers():
    df = read("features-num.csv")
    cols = ["a", "b", "c", "d", "e"]
    X = df[cols].to_numpy(dtype=np.float64)
    header = ["id"] + cols + ["label"]
    for name, sc in (("standard", StandardScaler()), ("minmax", MinMaxScaler()),
                     ("robust", RobustScaler())):
        Y = sc.fit_transform(X)
        write("features-%s.csv" % name, header,
              [[df["id"][i]] + list(Y[i]) + [df["label"][i]]
               for i in range(len(df))])
    L = X.copy()
    for j in (1, 4):
        L[:, j] = signed_log1p(L[:, j])
    Y = RobustScaler().fit_transform(L)
    write("features-log-robust.csv", header,
          [[df["id"][i]] + list(Y[i]) + [df["label"][i]] for i in range(len(df))])


def parse_time(s):
    """Epoch seconds and local hour and weekday, as ad-features reads them."""
    t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    local = t.replace(tzinfo=None)
    hour = local.hour + local.minute / 60 + local.second / 3600
    return t.timestamp(), hour, local.weekday()


def turn(frac):
    return math.sin(2 * math.pi * frac), math.cos(2 * math.pi * frac)


def window_stats(hist, n, x):
    """mean, std, min, max, z of the values among the last n of hist."""
    w = [Fraction(v) for v in hist[-n:] if not math.isnan(v)]
    if not w:
        return [math.nan] * 5
    mean = sum(w) / len(w)
    lo, hi = min(w), max(w)
    if len(w) < 2:
        return [float(mean), math.nan, float(lo), float(hi), math.nan]
    var = sum((v - mean) ** 2 for v in w) / (len(w) - 1)
    std = math.sqrt(float(var))
    if math.isnan(x):
        z = math.nan
    elif lo == hi:          # a constant window: the distance from it
        z = float(Fraction(x) - mean)
    else:
        z = float(Fraction(x) - mean) / std
    return [float(mean), std, float(lo), float(hi), z]


def context():
    df = read("features-ts.csv")
    cols = ["cpu", "lat"]
    scaled = StandardScaler().fit_transform(df[cols].to_numpy(dtype=np.float64))
    lags, windows, alphas = (1, 2), (3, 5), (0.5,)
    counts = df["host"].value_counts()
    cats = sorted(counts.index)
    header = ["timestamp", "hour_sin", "hour_cos", "dow_sin", "dow_cos"]
    header += ["host=" + c for c in cats] + ["host=other", "host_freq"]
    for c in cols:
        header.append(c)
        header += ["%s_lag%d" % (c, k) for k in lags] + [c + "_diff"]
        for n in windows:
            header += ["%s_roll%d_%s" % (c, n, s)
                       for s in ("mean", "std", "min", "max", "z")]
        header += ["%s_ewm%s" % (c, a) for a in alphas]
    header.append("label")
    hist = {}
    ewm = {}
    rows = []
    for i in range(len(df)):
        host = df["host"][i]
        _, hour, wd = parse_time(df["timestamp"][i])
        row = [df["timestamp"][i], *turn(hour / 24), *turn(wd / 7)]
        row += [1.0 if host == c else 0.0 for c in cats] + [0.0]
        row.append(counts[host] / len(df))
        for j, c in enumerate(cols):
            x = float(scaled[i, j])
            h = hist.setdefault((host, c), [])
            row.append(x)
            row += [h[-k] if len(h) >= k else math.nan for k in lags]
            row.append(x - h[-1] if h else math.nan)
            for n in windows:
                row += window_stats(h, n, x)
            for a in alphas:
                m = ewm.get((host, c, a), math.nan)
                row.append(m)
                if not math.isnan(x):
                    ewm[(host, c, a)] = x if math.isnan(m) else (1 - a) * m + a * x
            h.append(x)
        row.append(df["label"][i])
        rows.append(row)
    write("features-context-ref.csv", header, rows)
    check_against_pandas(df, cols, scaled, rows, header, lags, windows, alphas)


def check_against_pandas(df, cols, scaled, rows, header, lags, windows, alphas):
    """pandas computes the same definitions; the two must agree closely."""
    ours = pd.DataFrame([[np.nan if v == "" else v for v in r] for r in rows],
                        columns=header)
    s = pd.DataFrame(scaled, columns=cols)
    s["host"] = df["host"]
    worst = 0.0
    for c in cols:
        g = s.groupby("host")[c]
        ref = {"%s_lag%d" % (c, k): g.shift(k) for k in lags}
        ref[c + "_diff"] = g.diff()
        for n in windows:
            for stat, mp in (("mean", 1), ("std", 2), ("min", 1), ("max", 1)):
                ref["%s_roll%d_%s" % (c, n, stat)] = g.transform(
                    lambda v, n=n, stat=stat, mp=mp:
                    getattr(v.shift(1).rolling(n, min_periods=mp), stat)())
        for a in alphas:
            ref["%s_ewm%s" % (c, a)] = g.transform(
                lambda v, a=a: v.shift(1).ewm(alpha=a, adjust=False,
                                              ignore_na=True).mean())
        for k, v in ref.items():
            x = pd.to_numeric(ours[k]).to_numpy(dtype=float)
            y = v.to_numpy(dtype=float)
            if not (np.isnan(x) == np.isnan(y)).all():
                sys.exit("pandas disagrees on which %s are missing" % k)
            ok = ~np.isnan(x)
            if ok.any():
                rel = np.abs(x[ok] - y[ok]) / np.maximum(
                    1, np.maximum(np.abs(x[ok]), np.abs(y[ok])))
                worst = max(worst, float(rel.max()))
    if worst > 1e-9:
        sys.exit("pandas disagrees with the reference by %g" % worst)
    print("context reference agrees with pandas to %.3g" % worst)


if __name__ == "__main__":
    scalers()
    context()
    print("golden files written to tests/golden/")
