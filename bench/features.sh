#!/bin/sh
# Standard scaling speed: ad-features --scale standard on a binary stream,
# against scikit-learn's StandardScaler.fit_transform + np.save of the result,
# side by side on this machine; then ad-features' peak memory when restoring,
# for growing row counts.
# usage: bench/features.sh [ROWS] [COLS]     (default 1000000 x 20)
#
# Both sides read the same binary stream and write the scaled table to a
# file. Times are the best of 5 wall-clock runs. Two ratios are printed:
#   job    the whole ad-features process against the whole Python process
#          (interpreter start, imports, reading the stream, fit_transform,
#          np.save): what a batch job waits for;
#   core   the whole ad-features process against fit_transform + np.save
#          alone, timed inside Python with the data already in memory.
# The files live on tmpfs (/dev/shm) when there is one, the temporary file
# ad-features fits through included, so that both sides are measured on
# computing and not on the disk's writeback. The issue's bar is a ratio of
# at least 10.
set -eu
cd "$(dirname "$0")/.."
rows=${1:-1000000}
cols=${2:-20}
base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
dir=$base/adkit-bench.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT INT TERM
export TMPDIR="$dir"

bench/gen-numeric.sh "$rows" "$cols" | bin/ad-clean -q -F bin -o "$dir/in.bin"
echo "input: $rows rows x $cols columns, binary stream of $(wc -c < "$dir/in.bin") bytes, in $base"

best() { sort -g | head -n 1; }

# Wall-clock seconds of a command, best of 5.
timed() {
	for i in 1 2 3 4 5; do
		/usr/bin/python3 -c 'import subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(time.perf_counter() - t)' "$@"
	done | best
}

adkit=$(timed bin/ad-features --scale standard -s "$dir/p.txt" -o "$dir/out.bin" "$dir/in.bin")
restore=$(timed bin/ad-features -r "$dir/p.txt" -o "$dir/out2.bin" "$dir/in.bin")
cmp "$dir/out.bin" "$dir/out2.bin"

cat > "$dir/sk.py" <<'PY'
import struct, sys, time
import numpy as np
from sklearn.preprocessing import StandardScaler

def read_stream(path):
    """adkit's binary stream (all numeric columns) as an n x k array."""
    raw = open(path, "rb").read()
    ncols = struct.unpack_from("<I", raw, 12)[0]
    pos = 16
    for _ in range(ncols):
        pos += 5 + struct.unpack_from("<I", raw, pos + 1)[0]
    blocks = []
    while True:
        n, flags, payload = struct.unpack_from("<IIQ", raw, pos)
        pos += 16
        if n == 0:
            break
        blocks.append(np.frombuffer(raw, dtype="<f8", count=n * ncols, offset=pos))
        pos += payload
    return np.concatenate(blocks).reshape(-1, ncols)

X = read_stream(sys.argv[1])
t = time.perf_counter()
Y = StandardScaler().fit_transform(X)
np.save(sys.argv[2], Y)
print(time.perf_counter() - t)
PY
core=$(for i in 1 2 3 4 5; do /usr/bin/python3 "$dir/sk.py" "$dir/in.bin" "$dir/sk.npy"; done | best)
job=$(timed /usr/bin/python3 "$dir/sk.py" "$dir/in.bin" "$dir/sk.npy")

# The same numbers on both sides, to 1e-12 relative to max(1, |value|).
/usr/bin/python3 - "$dir/out.bin" "$dir/sk.npy" <<'PY'
import struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read()
ncols = struct.unpack_from("<I", raw, 12)[0]
pos = 16
for _ in range(ncols):
    pos += 5 + struct.unpack_from("<I", raw, pos + 1)[0]
blocks = []
while True:
    n, flags, payload = struct.unpack_from("<IIQ", raw, pos)
    pos += 16
    if n == 0:
        break
    blocks.append(np.frombuffer(raw, dtype="<f8", count=n * ncols, offset=pos))
    pos += payload
a = np.concatenate(blocks).reshape(-1, ncols)
b = np.load(sys.argv[2])
rel = np.abs(a - b) / np.maximum(1, np.maximum(np.abs(a), np.abs(b)))
print("largest difference from scikit-learn: %.3g (relative); identical values: %.1f%%"
      % (rel.max(), 100 * (a == b).mean()))
sys.exit(1 if rel.max() > 1e-12 else 0)
PY

/usr/bin/python3 -c 'import sys
a, r, c, j = map(float, sys.argv[1:])
print("ad-features --scale standard (fit + transform): %.3f s" % a)
print("ad-features -r (transform only):                %.3f s" % r)
print("sklearn fit_transform + np.save (in memory):    %.3f s" % c)
print("python job (start, import, read, fit, save):    %.3f s" % j)
print("ratio, job:  %.2fx" % (j / a))
print("ratio, core: %.2fx" % (c / a))' "$adkit" "$restore" "$core" "$job"

# Peak memory when restoring: it must not grow with the rows.
echo "peak memory of ad-features -r (KiB) by rows:"
for n in 10000 100000 1000000; do
	[ "$n" -le "$rows" ] || continue
	bench/gen-numeric.sh "$n" "$cols" | bin/ad-clean -q -F bin -o "$dir/m.bin"
	kib=$( { /usr/bin/time -f '%M' bin/ad-features -r "$dir/p.txt" -o /dev/null "$dir/m.bin"; } 2>&1 | tail -n 1)
	printf '  %8d rows: %s\n' "$n" "$kib"
done
