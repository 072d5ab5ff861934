# Puts the challenger's scores beside the current model's, row by row, for
# ad-eval --compare: ad-score names its columns score and is_anomaly whatever
# the model, so the challenger's get PREFIX (default challenger_). Joining
# the result with a third model's scores under another PREFIX puts three
# models side by side, and so on.
# usage: join-scores.sh CURRENT_SCORED CHALLENGER_SCORED OUT [PREFIX]
set -eu
prefix=${4:-challenger_}
a=$(wc -l < "$1") b=$(wc -l < "$2")
[ "$a" -eq "$b" ] || { echo "$0: $1 has $a lines, $2 has $b: not the same rows" >&2; exit 3; }
{
	paste -d, "$1" "$2" | head -n 1 |
		awk -F, -v n="$(head -n 1 "$1" | awk -F, '{ print NF }')" -v p="$prefix" \
		    'BEGIN { OFS = "," } { for (i = n + 1; i <= NF; i++) $i = p $i; print }'
	paste -d, "$1" "$2" | tail -n +2
} > "$3"
