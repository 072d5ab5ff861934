#!/bin/bash
# make soak: streams SIZE bytes of CSV, generated on the fly and never
# stored, through ad-clean | ad-features -r | ad-score and through ad-drift,
# and checks each stage's peak RSS stays under a fixed bound, whatever SIZE.
# Usage: tests/soak/soak.sh [SIZE_GB ...]   (default: 10)
# Prints one line per stage and size: seconds, MB/s, peak RSS.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${ADKIT_BIN:-$PWD/bin}
PATH="$BIN:$PATH"
# Bound on each stage's peak RSS, in kB: blocks of 4096 rows and buffers,
# not the stream. The measured peaks are well below (tests/README.md).
BOUND_KB=${SOAK_BOUND_KB:-65536}
work=$(mktemp -d "${TMPDIR:-/tmp}/adkit-soak.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One block of 50000 varied rows (about 2 MB), repeated; the header once.
awk 'BEGIN { srand(7)
    for (i = 0; i < 50000; i++)
        printf "%s,%.2f,%.2f,%.3f,%d,%d\n", "h" int(rand() * 20),
            rand() * 100, 20 + rand() * 60, -log(1 - rand()) * 30,
            int(rand() * 1e6), (rand() < 0.01) }' > "$work/block"
header='host,cpu,mem,latency_ms,bytes_out,label'
{ echo "$header"; cat "$work/block"; } > "$work/sample.csv"

# Fitted once on the sample, as a cron job would have them.
ad-clean -q -s "$work/clean.params" -o "$work/clean.csv" "$work/sample.csv"
ad-features -q --onehot host --scale standard --keep label \
	-s "$work/features.params" -o "$work/features.csv" "$work/clean.csv"
ad-train -q --trees 50 --seed 1 --label label -o "$work/model" \
	"$work/features.csv"
ad-drift -q --profile -o "$work/ref.prof" "$work/sample.csv"

# About SIZE bytes of CSV (whole blocks): the header, then the block over
# and over.
gen() {
	local n i
	n=$(( $1 / $(wc -c < "$work/block") ))
	echo "$header"
	for ((i = 0; i < n; i++)); do cat "$work/block"; done
}

# Runs one stage under /usr/bin/time, its peak RSS (kB) into $work/rss.NAME.
stage() {
	local name=$1
	shift
	/usr/bin/time -f %M -o "$work/rss.$name" "$@"
}

fail=0
check() {
	local name=$1 gb=$2 secs=$3 kb
	kb=$(cat "$work/rss.$name")
	printf '%-12s %5s GB %7.1f s %7.1f MB/s  peak RSS %6d kB\n' "$name" \
	    "$gb" "$secs" "$(echo "$gb * 1024 / $secs" | bc -l)" "$kb"
	if [ "$kb" -gt "$BOUND_KB" ]; then
		echo "soak: $name peak RSS $kb kB is over the bound $BOUND_KB kB" >&2
		fail=1
	fi
}

for gb in "${@:-10}"; do
	bytes=$(echo "$gb * 1073741824 / 1" | bc)
	start=$(date +%s.%N)
	gen "$bytes" |
	    stage ad-clean ad-clean -q -r "$work/clean.params" -F bin |
	    stage ad-features ad-features -q -r "$work/features.params" -F bin |
	    stage ad-score ad-score -q -m "$work/model" -F bin |
	    stage count wc -c > "$work/scored.bytes"
	end=$(date +%s.%N)
	secs=$(echo "$end - $start" | bc -l)
	for s in ad-clean ad-features ad-score; do check $s "$gb" "$secs"; done
	start=$(date +%s.%N)
	st=0
	gen "$bytes" | stage ad-drift ad-drift -q -r "$work/ref.prof" -F csv \
	    > "$work/drift.csv" || st=$?
	end=$(date +%s.%N)
	# 0 (no drift) or 1 (drift): both are a finished run
	[ "$st" -le 1 ] || { echo "soak: ad-drift exit $st" >&2; fail=1; }
	check ad-drift "$gb" "$(echo "$end - $start" | bc -l)"
done
exit $fail
