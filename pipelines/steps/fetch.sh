# Copies the model store's current release out as the step's artifacts.
# usage: fetch.sh STORE CLEAN_PARAMS FEATURES_PARAMS MODEL
set -eu
cur=$1/current
for f in clean.params features.params model; do
	[ -f "$cur/$f" ] || { echo "$0: $cur/$f: no such file: nothing published yet?" >&2; exit 4; }
done
cp "$cur/clean.params" "$2"
cp "$cur/features.params" "$3"
cp "$cur/model" "$4"
echo "$0: fetched release $(basename "$(readlink "$cur")")"
