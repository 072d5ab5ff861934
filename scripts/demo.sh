#!/bin/sh
# The sample pipeline on data/servers.csv, run by `make demo`.
# Everything it writes goes to build/demo/.
set -eu
cd "$(dirname "$0")/.."
PATH="${ADKIT_BIN:-$PWD/bin}:$PATH"
out=build/demo
mkdir -p "$out"

step() { printf '\n== %s\n$ %s\n' "$1" "$2"; }

step "Clean the training data, learning fill values (median) and keeping rejects" \
	"ad-clean --impute median,label=none --dedupe -s $out/clean.params --rejects $out/rejects.csv --report $out/quality.json --prom $out/clean.prom -o $out/clean.csv data/servers.csv"
ad-clean --impute median,label=none --dedupe -s "$out/clean.params" \
	--rejects "$out/rejects.csv" --report "$out/quality.json" \
	--prom "$out/clean.prom" -o "$out/clean.csv" data/servers.csv

step "Rows rejected for their field count (line number first)" "cat $out/rejects.csv"
cat "$out/rejects.csv"

step "Data-quality report" "cat $out/quality.json"
cat "$out/quality.json"

step "Clean new data exactly as the training data was cleaned, as binary" \
	"ad-clean -q -r $out/clean.params -F bin -o $out/clean.bin data/servers.csv"
ad-clean -q -r "$out/clean.params" -F bin -o "$out/clean.bin" data/servers.csv
ad-clean -q -F csv "$out/clean.bin" | cmp - "$out/clean.csv"
echo "binary stream: $(wc -c < "$out/clean.bin") bytes; read back as CSV it equals clean.csv"

step "Build features: robust scales, log of the heavy tails, one-hot host, context per host (the last hour, changes) and calendar" \
	"ad-features --time timestamp --group host --rolling 12 --diff --calendar --onehot host --scale robust --log bytes_out,latency_ms --keep label -s $out/features.params -o $out/features.csv $out/clean.csv"
ad-features --time timestamp --group host --rolling 12 --diff --calendar \
	--onehot host --scale robust --log bytes_out,latency_ms --keep label \
	-s "$out/features.params" -o "$out/features.csv" "$out/clean.csv"
echo "$(head -n 1 "$out/features.csv" | tr , '\n' | wc -l) columns; the first 14 of the header and of a row at 03:00:"
head -n 1 "$out/features.csv" | cut -d, -f1-14
grep -m 1 '^2026-11-02T03:00:00Z' "$out/features.csv" | cut -d, -f1-14

step "Turn new data into features exactly the same way, in one pipe, as binary" \
	"ad-clean -q -r $out/clean.params -F bin data/servers.csv | ad-features -r $out/features.params -o $out/features.bin"
ad-clean -q -r "$out/clean.params" -F bin data/servers.csv |
	ad-features -r "$out/features.params" -o "$out/features.bin"
ad-clean -q -F csv "$out/features.bin" | cmp - "$out/features.csv"
echo "features.bin: $(wc -c < "$out/features.bin") bytes; read back as CSV it equals features.csv"

step "Train an Isolation Forest on the clean training data (label and text columns left out)" \
	"ad-train -a iforest --label label --ignore timestamp,host --seed 1 -o $out/model $out/clean.csv"
ad-train -q -a iforest --label label --ignore timestamp,host --seed 1 -o "$out/model" "$out/clean.csv"

step "Let ad-train choose the detector: with the labels by cross-validation, without them by the data's traits" \
	"ad-train -a auto --ignore timestamp,host --seed 1 -o $out/auto.model $out/clean.csv; ad-train -a auto --no-label --ignore timestamp,host,label --seed 1 -o $out/auto-unlabelled.model $out/clean.csv"
ad-train -a auto --ignore timestamp,host --seed 1 -o "$out/auto.model" "$out/clean.csv"
ad-train -a auto --no-label --ignore timestamp,host,label --seed 1 \
	-o "$out/auto-unlabelled.model" "$out/clean.csv"
echo "the model records the choice: $(ad-score -m "$out/auto.model" --inspect | grep -o '"algorithm": "[a-z]*"')"

step "Score the rows" "ad-score -q -m $out/model -o $out/scored.csv $out/clean.csv"
ad-score -q -m "$out/model" -o "$out/scored.csv" "$out/clean.csv"

step "Evaluate the scores against the labels: a quality gate, plot, curves, Kubeflow and Prometheus files" \
	"ad-eval -F text --min-auc 0.8 --plot $out/eval.svg --curves $out/curves.csv --prom $out/eval.prom --kfp-metrics $out/mlpipeline-metrics.json --kfp-ui $out/mlpipeline-ui-metadata.json $out/scored.csv"
ad-eval -F text --min-auc 0.8 --plot "$out/eval.svg" \
	--curves "$out/curves.csv" --prom "$out/eval.prom" \
	--kfp-metrics "$out/mlpipeline-metrics.json" \
	--kfp-ui "$out/mlpipeline-ui-metadata.json" "$out/scored.csv"
echo "ROC and precision-recall plot: $out/eval.svg"

detectors="iforest ocsvm autoencoder"
for a in $detectors; do
	[ "$a" = iforest ] && continue
	step "Train -a $a on the same rows and score them" \
		"ad-train -a $a --max-train-rows 100000 --label label --ignore timestamp,host --seed 1 -o $out/model.$a $out/clean.csv && ad-score -q -m $out/model.$a -o $out/scored.$a.csv $out/clean.csv"
	ad-train -q -a "$a" --max-train-rows 100000 --label label \
		--ignore timestamp,host --seed 1 -o "$out/model.$a" "$out/clean.csv"
	ad-score -q -m "$out/model.$a" -o "$out/scored.$a.csv" "$out/clean.csv"
done
cp "$out/scored.csv" "$out/scored.iforest.csv"

step "The detectors side by side (measures that need no threshold)" \
	"for a in $detectors; do ad-eval -q -F csv $out/scored.\$a.csv; done"
for a in $detectors; do
	ad-eval -q -F csv "$out/scored.$a.csv" > "$out/eval.$a.csv"
done
{
	printf 'metric'
	for a in $detectors; do printf ',%s' "$a"; done
	printf '\n'
	for metric in roc_auc pr_auc precision_at_k best_f1; do
		printf '%s' "$metric"
		for a in $detectors; do
			awk -F, -v m="$metric" '$1 == m { printf ",%.4f", $2 }' \
				"$out/eval.$a.csv"
		done
		printf '\n'
	done
} | awk -F, '{ printf "%-16s", $1; for (i = 2; i <= NF; i++) printf "%14s", $i; printf "\n" }' 

step "Check the scores against the model's training scores: no drift" \
	"ad-drift -m $out/model -F text $out/scored.csv"
ad-drift -m "$out/model" -F text "$out/scored.csv"

# Sunday (lines 2-1153), Monday (1154-2305) and Tuesday (2306-) of the sample
{ head -n 1 data/servers.csv; sed -n '1154,2305p' data/servers.csv; } > "$out/monday.csv"
{ head -n 1 data/servers.csv; sed -n '2306,$p' data/servers.csv; } > "$out/tuesday.csv"
head -n 1153 data/servers.csv > "$out/sunday.csv"

step "Profile Monday's rows once: the reference for drift checks" \
	"ad-drift --profile --drop timestamp,label -o $out/monday.prof $out/monday.csv"
ad-drift --profile --drop timestamp,label -o "$out/monday.prof" "$out/monday.csv"
echo "profile: $(wc -c < "$out/monday.prof") bytes for $(wc -c < "$out/monday.csv") bytes of CSV"

step "Tuesday looks like Monday: no drift, exit status 0" \
	"ad-drift -r $out/monday.prof --drop timestamp,label -F text $out/tuesday.csv"
ad-drift -r "$out/monday.prof" --drop timestamp,label -F text "$out/tuesday.csv"
echo "exit status: 0"

step "Sunday's lighter weekend traffic is drift: exit status 1, as cron sees it" \
	"ad-drift -r $out/monday.prof --drop timestamp,label -F text --prom $out/drift.prom $out/sunday.csv"
status=0
ad-drift -r "$out/monday.prof" --drop timestamp,label -F text \
	--prom "$out/drift.prom" "$out/sunday.csv" || status=$?
echo "exit status: $status"
test "$status" -eq 1

printf '\nDone. Outputs are in %s/.\n' "$out"
