#!/bin/sh
# CSV reading speed, side by side on this machine:
#   - ad-clean converting a ROWS x COLS numeric CSV (default 1000000 x 20)
#     to the binary stream, against pandas.read_csv (default engine) on the
#     same file (pandas' time excludes its import); the issue's goal is a
#     ratio of at least 5. The numbers are checked equal to pandas'.
#   - with OLD_BIN=DIR (the commands built from an earlier commit), each
#     command that reads, from the same CSV, before and after:
#     ad-clean, ad-features, ad-train, ad-score, ad-eval, ad-drift.
# Each figure is the best of 3 by wall time, with its user+sys CPU time
# (bench/measure.sh), and the load average around the timings.
# usage: [OLD_BIN=DIR] bench/csv.sh [ROWS] [COLS]
set -eu
cd "$(dirname "$0")/.."
. bench/measure.sh
rows=${1:-1000000}
cols=${2:-20}
new=$PWD/bin
dir=${TMPDIR:-/tmp}/adkit-bench.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT INT TERM

csv="$dir/data.csv"
bench/gen-numeric.sh "$rows" "$cols" > "$csv"
echo "input: $rows rows x $cols columns, $(wc -c < "$csv") bytes; $(nproc) cores"
echo "load average before: $(load)"

set -- $(run3 "$new/ad-clean -q -F bin -o $dir/out.bin $csv")
aw=$1 ac=$2
# one core's speed, and the stream is the same for any thread count
set -- $(run3 "$new/ad-clean -q -F bin --threads 1 -o $dir/out1.bin $csv")
aw1=$1 ac1=$2
cmp -s "$dir/out.bin" "$dir/out1.bin" ||
	{ echo "csv.sh: --threads 1 wrote another stream" >&2; exit 1; }
# pandas: wall and CPU (all its threads) of read_csv alone
pandas=$(for i in 1 2 3; do
	/usr/bin/python3 - "$csv" <<'PY'
import resource, sys, time
import pandas as pd
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t, c = time.perf_counter(), cpu()
df = pd.read_csv(sys.argv[1])
print("%.3f %.2f" % (time.perf_counter() - t, cpu() - c))
PY
done | sort -g | head -n 1)
set -- $pandas
pw=$1 pc=$2

# Both must see the same numbers (exact parse on both sides).
/usr/bin/python3 - "$csv" "$dir/out.bin" <<'PY'
import struct, sys
import numpy as np, pandas as pd
df = pd.read_csv(sys.argv[1], float_precision="round_trip")
raw = open(sys.argv[2], "rb").read()
version, ncols = struct.unpack_from("<II", raw, 8)
pos = 16
for _ in range(ncols):
    pos += 5 + struct.unpack_from("<I", raw, pos + 1)[0]
if version == 2:  # the lineage known before the first row
    pos += 4 + struct.unpack_from("<I", raw, pos)[0]
vals = []
while True:
    n, flags, payload = struct.unpack_from("<IIQ", raw, pos)
    pos += 16
    if n == 0:
        break
    vals.append(np.frombuffer(raw, dtype="<f8", count=n * ncols, offset=pos))
    pos += payload
a = np.concatenate(vals).reshape(-1, ncols)
b = df.to_numpy(dtype=np.float64)
print("values identical to pandas (round_trip):", bool((a == b).all()))
PY

echo "CSV -> binary (wall s, user+sys CPU s):"
bytes=$(wc -c < "$csv")
/usr/bin/python3 -c 'import sys
b, aw, ac, aw1, ac1, pw, pc = map(float, sys.argv[1:])
print("  ad-clean -F bin             %7.3f  %6.2f  %6.0f MB/s" % (aw, ac, b / aw / 1e6))
print("  ad-clean -F bin --threads 1 %7.3f  %6.2f  %6.0f MB/s" % (aw1, ac1, b / aw1 / 1e6))
print("  pandas.read_csv             %7.3f  %6.2f  %6.0f MB/s" % (pw, pc, b / pw / 1e6))
print("  ratio (pandas / adkit), wall: %.2fx, CPU: %.2fx" % (pw / aw, pc / ac))' \
    "$bytes" "$aw" "$ac" "$aw1" "$ac1" "$pw" "$pc"

if [ -n "${OLD_BIN:-}" ]; then
	# inputs the commands need: a model and a scored file, made once
	"$new/ad-train" -q -a iforest -o "$dir/m" "$csv"
	"$new/ad-score" -q -m "$dir/m" -o "$dir/scored.csv" "$csv"
	echo "each command from CSV, before (OLD_BIN) and after (wall s, CPU s):"
	for c in clean features train score eval drift; do
		case $c in
		clean) args="-q -o $dir/o.csv $csv" ;;
		features) args="-q --scale standard -o $dir/o.csv $csv" ;;
		train) args="-q -a iforest -o $dir/o.model $csv" ;;
		score) args="-q -m $dir/m -o $dir/o.csv $csv" ;;
		eval) args="-q --label is_anomaly --score score $dir/scored.csv" ;;
		drift) args="-q -r $csv $csv" ;;
		esac
		set -- $(run3 "$OLD_BIN/ad-$c $args || [ \$? -eq 1 ]")
		ow=$1 oc=$2
		set -- $(run3 "$new/ad-$c $args || [ \$? -eq 1 ]")
		/usr/bin/python3 -c 'import sys
c, ow, oc, nw, nc = sys.argv[1], *map(float, sys.argv[2:])
print("  ad-%-9s before %7.3f %6.2f   after %7.3f %6.2f   %.2fx" % (c, ow, oc, nw, nc, ow / nw))' \
		    "$c" "$ow" "$oc" "$1" "$2"
	done
fi
echo "load average after: $(load)"
