#!/bin/sh
# Instructions each command executes on the same small inputs, counted by
# valgrind's callgrind: unlike wall time, the count repeats to a fraction of
# a percent on a loaded machine, so it shows whether a change made a stage
# cheaper or dearer. With a second bin directory, the two builds side by
# side and their ratio (new / old; below 1 is faster).
#   - ad-clean: 20,000 x 20 numeric CSV to the binary stream (CSV parsing);
#   - ad-features: standardize that stream;
#   - ad-train / ad-score: Isolation Forest on it, one thread;
#   - ad-eval: the scores against a generated label;
#   - ad-drift: profile of the first half against the second.
# usage: bench/icount.sh [BIN] [OLD_BIN]   (BIN default: bin)
# Needs valgrind (Debian's package).
set -eu
cd "$(dirname "$0")/.."
new=$(cd "${1:-bin}" && pwd)
old=${2:+$(cd "$2" && pwd)}
command -v valgrind >/dev/null || { echo "icount.sh: needs valgrind" >&2; exit 2; }
dir=${TMPDIR:-/tmp}/adkit-icount.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT INT TERM

bench/gen-numeric.sh 20000 20 > "$dir/data.csv"
"$new/ad-clean" -q -F bin -o "$dir/data.bin" "$dir/data.csv"
"$new/ad-train" -q --threads 1 -o "$dir/m.model" "$dir/data.bin"
"$new/ad-score" -q --threads 1 -m "$dir/m.model" "$dir/data.csv" |
	awk -F, 'NR == 1 { print $0 ",label"; next }
	{ print $0 "," (NR % 50 == 0 ? 1 : 0) }' > "$dir/scored.csv"
head -n 10001 "$dir/data.csv" > "$dir/ref.csv"
{ head -n 1 "$dir/data.csv"; tail -n 10000 "$dir/data.csv"; } > "$dir/cur.csv"

# Prints the instructions (Ir) one command line executes with bin dir $1.
count() {
	b=$1; shift
	valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
		"$b/$@" >/dev/null 2>"$dir/cg.err" ||
		{ cat "$dir/cg.err" >&2; exit 1; }
	sed -n 's/^summary: \([0-9]*\).*/\1/p' "$dir/cg.out"
}

printf '%-12s %14s' stage instructions
[ -n "$old" ] && printf ' %14s %7s' old new/old
printf '\n'
while IFS='|' read -r stage cmd; do
	n=$(eval "count \"\$new\" $cmd")
	printf '%-12s %14s' "$stage" "$n"
	if [ -n "$old" ]; then
		o=$(eval "count \"\$old\" $cmd")
		printf ' %14s %7.4f' "$o" "$(echo "$n / $o" | bc -l)"
	fi
	printf '\n'
done <<EOF
ad-clean|ad-clean -q -F bin -o $dir/out.bin $dir/data.csv
ad-features|ad-features -q --scale standard -o $dir/out.bin $dir/data.bin
ad-train|ad-train -q --threads 1 --seed 3 -o $dir/out.model $dir/data.bin
ad-score|ad-score -q --threads 1 -m $dir/m.model -o $dir/out.csv $dir/data.bin
ad-eval|ad-eval -q -o $dir/out.json $dir/scored.csv
ad-drift|ad-drift -q --exit-zero -r $dir/ref.csv -o $dir/out.txt $dir/cur.csv
EOF
