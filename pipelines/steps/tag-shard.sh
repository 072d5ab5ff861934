# Puts a shard's number in front of its scored rows, so join-shards.sh can
# put the shards back in input order whatever order dsl.Collected lists them
# in (Kubeflow does not promise the loop's order).
# usage: tag-shard.sh PART SCORED OUT
set -eu
case $1 in
'' | *[!0-9]*) echo "$0: part \"$1\" is not a whole number" >&2; exit 3 ;;
esac
{ printf 'adkit-part %s\n' "$1"; cat "$2"; } > "$3"
