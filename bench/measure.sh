# Shared by the bench scripts (sourced): timings on a machine that may be
# shared. Each figure is the best of 3 runs by wall time, reported with the
# user+sys CPU time of that run, and the load average is printed around
# them, since wall time on a loaded machine says little on its own.
#
#   run3 CMD      prints "WALL CPU" (seconds) of the best of 3 runs of the
#                 shell command CMD (its output discarded; failure aborts)
#   load          prints the load average

run3() {
	_m=${TMPDIR:-/tmp}/adkit-measure.$$
	for _i in 1 2 3; do
		/usr/bin/time -f '%e %U %S' -o "$_m" sh -c "$1" > /dev/null ||
			{ echo "bench: failed: $1" >&2; rm -f "$_m"; exit 1; }
		awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$_m"
	done | sort -g | head -n 1
	rm -f "$_m"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
