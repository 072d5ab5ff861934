# Decides the A/B evaluation from ad-eval -F csv --compare: the challenger
# wins when its ROC-AUC is higher and DeLong's test finds the difference
# significant at ALPHA; otherwise (no difference, or undefined) the current
# model stays. Writes "challenger" or "current", without a newline, since
# Kubeflow reads a String output parameter byte for byte.
# usage: ab-winner.sh REPORT_CSV ALPHA OUT
set -eu
winner=$(awk -F, -v alpha="$2" '
	$1 == "compare.roc_auc_diff" { diff = $2 }
	$1 == "compare.delong_p_value" { p = $2 }
	END {
		if (diff != "" && p != "" && diff + 0 > 0 && p + 0 <= alpha + 0)
			print "challenger"
		else
			print "current"
		printf "ROC-AUC difference %s, DeLong p-value %s, alpha %s\n", \
		    diff == "" ? "undefined" : diff, p == "" ? "undefined" : p, alpha > "/dev/stderr"
	}' "$1")
printf '%s' "$winner" > "$3"
echo "$0: the $winner model wins" >&2
