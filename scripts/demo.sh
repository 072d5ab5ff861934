#!/bin/sh
# The sample pipeline on data/servers.csv, run by `make demo`.
# Everything it writes goes to build/demo/.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/bin:$PATH"
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

printf '\nDone. Outputs are in %s/.\n' "$out"
