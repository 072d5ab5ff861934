#!/bin/sh
# Writes a ROWS x COLS numeric CSV to stdout, deterministic, for benchmarks.
# usage: bench/gen-numeric.sh [ROWS] [COLS]
# Values look like exported metrics: mixed magnitudes, 2 to 8 decimals,
# a few negatives and integers.
rows=${1:-1000000}
cols=${2:-20}
exec awk -v rows="$rows" -v cols="$cols" 'BEGIN {
	srand(42)
	for (j = 1; j <= cols; j++)
		printf "%s%s", (j > 1 ? "," : ""), "f" j
	printf "\n"
	for (i = 0; i < rows; i++) {
		for (j = 1; j <= cols; j++) {
			k = j % 5
			if (k == 0) v = sprintf("%.4f", rand() * 100)
			else if (k == 1) v = sprintf("%d", int(rand() * 100000))
			else if (k == 2) v = sprintf("%.6f", (rand() - 0.5) * 20)
			else if (k == 3) v = sprintf("%.2f", rand() * 1000)
			else v = sprintf("%.8g", rand() * 1e6)
			printf "%s%s", (j > 1 ? "," : ""), v
		}
		printf "\n"
	}
}'
