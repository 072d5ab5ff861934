#!/bin/sh
# KS on autocorrelated time series, and what --ess does about it.
# usage: bench/drift-autocorr.sh [MACHINE_TEMPERATURE_CSV]
#
# 1. A stationary AR(1) series (x[t] = 0.99 x[t-1] + noise, 20000 values,
#    awk's seeded rand), cut into a reference of its first 2016 values and
#    days of 288: nothing about the process changes, so every window that
#    drifts is a false alarm. Counted for --method ks, ks with --ess, psi.
# 2. With the path of NAB's machine_temperature_system_failure.csv
#    (github.com/numenta/NAB, data/realKnownCause; not part of adkit), the
#    same on real data: the first 7 days (2016 rows, before the first
#    labelled anomaly) are the reference and each later day of 288 rows a
#    window; windows are split by whether they overlap one of the four
#    anomaly windows of NAB's labels/combined_windows.json.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/bin:$PATH"
dir=${TMPDIR:-/tmp}/adkit-autocorr.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT INT TERM

# Windows drifted of those compared, for ad-drift options "$1" on ref $2,
# cur $3: "D of N".
count() {
	# shellcheck disable=SC2086
	ad-drift -q $1 --select value --window 288 -r "$2" -F csv "$3" |
		awk -F, 'NR > 1 { n++; d += $8 } END { printf "%d of %d", d, n }'
}

awk 'BEGIN { srand(7); x = 0; print "value"
	for (t = 0; t < 20000; t++) {
		e = rand() + rand() + rand() - 1.5; x = 0.99 * x + e; print x } }' \
	> "$dir/ar.csv"
head -n 2017 "$dir/ar.csv" > "$dir/ar-ref.csv"
{ echo value; tail -n +2018 "$dir/ar.csv"; } > "$dir/ar-cur.csv"
echo "AR(1), rho 0.99, no change: windows of 288 drifted (false alarms)"
for m in "--method ks" "--method ks --ess" "--method psi" "--ess"; do
	printf '  %-20s %s\n' "$m" "$(count "$m" "$dir/ar-ref.csv" "$dir/ar-cur.csv")"
done
ad-drift -q --ess --select value -F json -r "$dir/ar-ref.csv" \
	"$dir/ar-cur.csv" | grep -o '"ks_n_[a-z]*": [0-9.e+]*' | tr '\n' ' '
echo "(effective sizes of 2016 and 17983 values)"

[ $# -ge 1 ] || exit 0
head -n 2017 "$1" > "$dir/mt-ref.csv"
{ head -n 1 "$1"; tail -n +2018 "$1"; } > "$dir/mt-cur.csv"
# 1 for each window (line range of mt-cur.csv) overlapping a labelled one
awk -F, 'NR > 1 { print $1 }' "$dir/mt-cur.csv" > "$dir/times"
labelled() {
	awk -F, -v f="$dir/times" 'BEGIN {
		while ((getline t < f) > 0) time[++n] = t
		w[1] = "2013-12-10 06:25:00"; e[1] = "2013-12-12 05:35:00"
		w[2] = "2013-12-15 17:50:00"; e[2] = "2013-12-17 17:00:00"
		w[3] = "2014-01-27 14:20:00"; e[3] = "2014-01-29 13:30:00"
		w[4] = "2014-02-07 14:55:00"; e[4] = "2014-02-09 14:05:00" }
	FNR > 1 { a = time[$2 - 1]; b = time[$3 - 1]; in_w = 0
		for (k = 1; k <= 4; k++) if (a <= e[k] && b >= w[k]) in_w = 1
		print in_w, $8 }'
}
echo "machine temperature (NAB): windows of 288 drifted, outside / inside labelled anomaly windows"
for m in "--method ks" "--method ks --ess" "--method psi" "" "--ess"; do
	# shellcheck disable=SC2086
	ad-drift -q $m --select value --window 288 -r "$dir/mt-ref.csv" -F csv \
		"$dir/mt-cur.csv" | labelled | awk -v m="${m:---method auto}" '
		{ n[$1]++; d[$1] += $2 }
		END { printf "  %-20s %d of %d / %d of %d\n", m, d[0], n[0], d[1], n[1] }'
done
