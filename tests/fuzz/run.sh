#!/bin/sh
# Run one libFuzzer target until it has used CPU_SECONDS of CPU time, then
# print one line for the runs table of tests/fuzz/README.md.
#
#   tests/fuzz/run.sh BUILD_DIR TARGET CPU_SECONDS
#
# libFuzzer's -max_total_time counts wall time, which on a shared machine
# is not the CPU time the fuzzer got, so it runs in chunks of at most ten
# minutes, each measured by /usr/bin/time, until their CPU time adds up.
# Every chunk starts from the corpus the previous one grew.
set -eu

[ $# -eq 3 ] || { echo "usage: $0 BUILD_DIR TARGET CPU_SECONDS" >&2; exit 2; }
dir=$1 target=$2 budget=$3
bin=$dir/$target
seeds=tests/fuzz/corpus/${target#fuzz_}
work=$dir/corpus-$target
log=$dir/$target.log
[ -x "$bin" ] || { echo "$0: $bin: not built (make fuzz-build)" >&2; exit 2; }
mkdir -p "$work"
: > "$log"

used=0 runs=0 cov= ft= chunk=0
while [ "$used" -lt "$budget" ]; do
	left=$((budget - used))
	wall=$((left < 600 ? left : 600))
	[ "$wall" -ge 10 ] || wall=10
	chunk=$((chunk + 1))
	status=0
	/usr/bin/time -f '%U %S' -o "$dir/$target.time" \
		"$bin" -max_total_time="$wall" -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$dir/$target-" "$work" "$seeds" \
		>> "$log" 2>&1 || status=$?
	cpu=$(awk 'END { printf "%d", $1 + $2 }' "$dir/$target.time")
	used=$((used + cpu))
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	runs=$((runs + ${n:-0}))
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	if [ "$status" -ne 0 ]; then
		echo "$target: FINDING after $used CPU s (chunk $chunk, exit $status); see $log" >&2
		grep -E '^(==[0-9]+==ERROR|artifact_prefix|Test unit written)' "$log" >&2 || :
		exit 1
	fi
done
printf '| %s | %s | %s | %d CPU s (%d runs of at most 600 s) | %s | %s | none |\n' \
	"$(date +%F)" "$target" "$runs" "$used" "$chunk" "$cov" "$ft"
