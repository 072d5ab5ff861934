#!/usr/bin/python3
"""Generate adkit's sample dataset: per-host server metrics with labelled
anomalies and a handful of deliberate data-quality problems.

Standard library only, and deterministic: the same options always give a
byte-identical file, so the committed data/servers.csv can be checked with

    /usr/bin/python3 scripts/gen-sample.py && git diff --exit-code data/

A summary of what was injected (and where) goes to stderr.
"""
import argparse
import datetime
import math
import os
import random
import sys

START = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)  # a Sunday
STEP = datetime.timedelta(minutes=5)
SLOTS_PER_DAY = 24 * 12
PEAK_HOUR = 15.0       # load peaks mid-afternoon UTC
WEEKEND_LOAD = 0.65    # Saturday and Sunday carry less traffic
METRICS = ["cpu", "mem", "latency_ms", "req_per_s", "bytes_out", "errors"]
HEADER = ["timestamp", "host"] + METRICS + ["label"]

# Per-kind baselines. Requests drive cpu, bytes and errors; latency grows with
# cpu. resp_bytes and err_rate are per request.
PROFILES = {
    "web":   dict(req_peak=220.0, cpu_idle=6.0, cpu_per_req=0.28, mem=55.0,
                  lat=45.0, resp_bytes=18000.0, err_rate=2e-5),
    "db":    dict(req_peak=140.0, cpu_idle=10.0, cpu_per_req=0.35, mem=78.0,
                  lat=12.0, resp_bytes=6000.0, err_rate=1e-5),
    "cache": dict(req_peak=900.0, cpu_idle=3.0, cpu_per_req=0.03, mem=62.0,
                  lat=1.5, resp_bytes=2500.0, err_rate=2e-6),
}
KIND_CYCLE = ["web", "web", "db", "cache"]

# Data-quality problems, as fixed counts so the README can state them.
N_EMPTY, N_NA = 6, 5
INVALID_CELLS = ["abc", "12..5", "1.2.3", "0x1F"]
N_DUPLICATES = 3


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=42, help="random seed (42)")
    p.add_argument("--days", type=int, default=3, help="days to simulate (3)")
    p.add_argument("--hosts", type=int, default=4, help="number of hosts (4)")
    p.add_argument("--out", default="data/servers.csv",
                   help="output file (data/servers.csv)")
    a = p.parse_args()
    if a.days < 1 or a.hosts < 1:
        p.error("--days and --hosts must be at least 1")
    return a


def make_hosts(rng, n):
    """Names cycle web, web, db, cache; each host gets its own scale factors
    so that two hosts of one kind are similar but not identical."""
    hosts, seen = [], {}
    for i in range(n):
        kind = KIND_CYCLE[i % len(KIND_CYCLE)]
        seen[kind] = seen.get(kind, 0) + 1
        prof = dict(PROFILES[kind])
        prof["req_peak"] *= rng.uniform(0.8, 1.2)
        prof["mem"] += rng.uniform(-6.0, 6.0)
        prof["lat"] *= rng.uniform(0.85, 1.15)
        hosts.append(("%s%d" % (kind, seen[kind]), prof))
    return hosts


def load_level(ts):
    """Fraction of peak traffic at ts: a daily sinusoid from 0.2 at night to
    1.0 at PEAK_HOUR, scaled down at weekends."""
    hour = ts.hour + ts.minute / 60.0
    wave = 0.5 + 0.5 * math.cos(2 * math.pi * (hour - PEAK_HOUR) / 24)
    level = 0.2 + 0.8 * wave ** 1.5
    return level * (WEEKEND_LOAD if ts.weekday() >= 5 else 1.0)


def poisson(rng, lam):
    # Knuth's method is exact and fine for the small rates used here.
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def clip(x, lo, hi):
    return max(lo, min(hi, x))


def metrics(rng, prof, ts, day_index):
    """One normal observation for a host at ts."""
    req = prof["req_peak"] * load_level(ts) * rng.lognormvariate(0, 0.08)
    cpu = prof["cpu_idle"] + prof["cpu_per_req"] * req + rng.gauss(0, 2.0)
    cpu = clip(cpu, 0.5, 100.0)
    # Memory follows load a little and creeps up slowly (a mild leak).
    mem = (prof["mem"] + 4.0 * load_level(ts) + 1.5 * day_index
           + rng.gauss(0, 0.8))
    # Queueing makes latency rise steeply near saturation; the log-normal
    # factor gives it the long right tail real latencies have.
    util = cpu / 100.0
    lat = prof["lat"] * (1 + 1.5 * util ** 3) * rng.lognormvariate(0, 0.3)
    out = req * prof["resp_bytes"] * rng.lognormvariate(0, 0.35)
    errors = poisson(rng, req * 300 * prof["err_rate"])
    return dict(cpu=cpu, mem=clip(mem, 0.0, 100.0), latency_ms=lat,
                req_per_s=req, bytes_out=out, errors=errors)


def simulate(rng, hosts, days):
    """Rows in exporter order: by time, then host."""
    rows = []
    for slot in range(days * SLOTS_PER_DAY):
        ts = START + slot * STEP
        for name, prof in hosts:
            m = metrics(rng, prof, ts, slot // SLOTS_PER_DAY)
            rows.append(dict(ts=ts, host=name, label=0, kind=None, **m))
    return rows


def mark(row, kind):
    row["label"], row["kind"] = 1, kind


def free_run(used, idxs):
    # Anomalies never overlap, so each labelled row has exactly one kind.
    return all(i not in used for i in idxs)


def inject_point(rng, rows, used, count):
    """Single-row spikes: cpu pegged with ordinary traffic, or a latency
    outlier far beyond the normal tail, or both."""
    while count > 0:
        i = rng.randrange(len(rows))
        if i in used:
            continue
        r, what = rows[i], rng.choice(["cpu", "latency", "both"])
        if what in ("cpu", "both"):
            r["cpu"] = rng.uniform(96.0, 100.0)
        if what in ("latency", "both"):
            r["latency_ms"] *= rng.uniform(10.0, 25.0)
        mark(r, "point")
        used.add(i)
        count -= 1


def inject_contextual(rng, rows, used, hosts, days, episodes):
    """Short runs between 02:00 and 04:30 whose values are what the same
    host shows at the afternoon peak: ordinary globally, wrong for 3 a.m."""
    nh = len(hosts)
    while episodes > 0:
        h, day = rng.randrange(nh), rng.randrange(days)
        start = day * SLOTS_PER_DAY + rng.randrange(2 * 12, 4 * 12)
        idxs = [(start + k) * nh + h for k in range(rng.randint(3, 4))]
        if not free_run(used, idxs):
            continue
        prof = hosts[h][1]
        for i in idxs:
            peak_ts = rows[i]["ts"].replace(hour=int(PEAK_HOUR))
            rows[i].update(metrics(rng, prof, peak_ts, day))
            mark(rows[i], "contextual")
            used.add(i)
        episodes -= 1


def inject_collective(rng, rows, used, hosts):
    """One 30-60 minute incident on one host: errors and latency jump while
    throughput sags, for a detector that looks at runs rather than rows."""
    nh, nslots = len(hosts), len(rows) // len(hosts)
    while True:
        h, length = rng.randrange(nh), rng.randint(6, 12)
        start = rng.randrange(nslots - length)
        idxs = [(start + k) * nh + h for k in range(length)]
        if free_run(used, idxs):
            break
    for i in idxs:
        r = rows[i]
        r["errors"] = rng.randint(25, 90)
        r["latency_ms"] *= rng.uniform(4.0, 8.0)
        r["req_per_s"] *= rng.uniform(0.6, 0.8)
        r["bytes_out"] *= rng.uniform(0.5, 0.7)
        mark(r, "collective")
        used.add(i)
    return rows[idxs[0]]["host"], rows[idxs[0]]["ts"], length


def fmt_row(r):
    """Fields as an exporter would write them: two decimals, counts whole."""
    return [r["ts"].strftime("%Y-%m-%dT%H:%M:%SZ"), r["host"],
            "%.2f" % r["cpu"], "%.2f" % r["mem"], "%.2f" % r["latency_ms"],
            "%.2f" % r["req_per_s"], "%d" % round(r["bytes_out"]),
            "%d" % r["errors"], "%d" % r["label"]]


def malformations():
    """(description, function) pairs; each returns the damaged field list.
    Where a label survives it is still the row's true label."""
    return [
        ("truncated (write cut off)", lambda f: f[:5]),
        ("field missing (mem dropped)", lambda f: f[:3] + f[4:]),
        ("extra field (cpu repeated)", lambda f: f[:3] + f[2:]),
        ("trailing comma", lambda f: f + [""]),
    ]


def inject_problems(rng, rows, used):
    """Damage normal rows only, each at most once, so every labelled anomaly
    stays intact and countable. Returns field lists and a problem log."""
    lines = [fmt_row(r) for r in rows]
    fixes = malformations()
    n_cells = N_EMPTY + N_NA + len(INVALID_CELLS)
    need = n_cells + len(fixes) + N_DUPLICATES + 1
    normal = [i for i in range(len(rows)) if i not in used]
    picks = rng.sample(normal, need)
    cells, picks = picks[:n_cells], picks[n_cells:]
    bad = [""] * N_EMPTY + ["NA"] * N_NA + INVALID_CELLS
    log = dict(cells=[], malformed={}, duplicates=[], quoted=None)
    for i, text in zip(cells, bad):
        col = rng.randrange(2, 2 + len(METRICS))
        lines[i][col] = text
        log["cells"].append((i, HEADER[col], text))
    for (desc, fn), i in zip(fixes, picks):
        lines[i] = fn(lines[i])
        log["malformed"][i] = desc
    picks = picks[len(fixes):]
    # Host names need no quotes, but some exporters quote text anyway.
    log["quoted"] = picks.pop()
    lines[log["quoted"]][1] = '"%s"' % lines[log["quoted"]][1]
    log["duplicates"] = sorted(picks)
    return lines, log


def assemble(lines, log):
    """Join fields into text; a duplicate follows its original, as when an
    exporter retries a send. Returns the lines and the original-row index of
    each output line."""
    dup = set(log["duplicates"])
    out, origin = [",".join(HEADER)], [None]
    for i, fields in enumerate(lines):
        for _ in range(2 if i in dup else 1):
            out.append(",".join(fields))
            origin.append(i)
    return out, origin


def write(path, out):
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(path, "w", encoding="ascii", newline="") as f:
        f.write("\n".join(out) + "\n")


def report(rows, out, origin, log, burst):
    kinds = {}
    for r in rows:
        if r["kind"]:
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    lineno = {}
    for n, i in enumerate(origin):
        lineno.setdefault(i, n + 1)
    e = sys.stderr
    total = sum(kinds.values())
    print("data lines: %d (%d simulated rows + %d duplicates)"
          % (len(out) - 1, len(rows), len(log["duplicates"])), file=e)
    print("anomalous rows: %d (%.1f%%): %s" % (
        total, 100.0 * total / len(rows),
        ", ".join("%s %d" % kv for kv in sorted(kinds.items()))), file=e)
    print("collective burst: %s from %s, %d rows" % (
        burst[0], burst[1].strftime("%Y-%m-%dT%H:%M:%SZ"), burst[2]), file=e)
    notes = [(lineno[i], "%s = %r" % (col, text))
             for i, col, text in log["cells"]]
    notes += [(lineno[i], "malformed, " + desc)
              for i, desc in log["malformed"].items()]
    notes += [(lineno[i] + 1, "exact duplicate of line %d" % lineno[i])
              for i in log["duplicates"]]
    notes.append((lineno[log["quoted"]], "quoted host"))
    for n, text in sorted(notes):
        print("line %d: %s" % (n, text), file=e)

def main():
    args = parse_args()
    rng = random.Random(args.seed)
    hosts = make_hosts(rng, args.hosts)
    rows = simulate(rng, hosts, args.days)
    used = set()
    # Counts scale with the data so that about 2-3% of rows are anomalous.
    inject_point(rng, rows, used, max(1, len(rows) // 80))
    inject_contextual(rng, rows, used, hosts, args.days,
                      max(1, len(rows) // 400))
    burst = inject_collective(rng, rows, used, hosts)
    lines, log = inject_problems(rng, rows, used)
    out, origin = assemble(lines, log)
    write(args.out, out)
    report(rows, out, origin, log, burst)


if __name__ == "__main__":
    main()
