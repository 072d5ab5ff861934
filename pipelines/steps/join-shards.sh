# Joins the scored shards of a dsl.ParallelFor in input order: each was
# tagged by tag-shard.sh with its part number, which must run 0, 1, ... with
# none missing or twice; the shards' headers must agree, and the output has
# it once. As in merge-models.sh, the list's URIs come from the executor
# input and map to the launcher's local paths.
# usage: join-shards.sh EXECUTOR_INPUT_JSON OUT
set -eu
uris=$(printf '%s' "$1" | sed 's/"outputs" *:.*//' | grep -o '"uri" *: *"[^"]*"' |
	sed 's/^"uri" *: *"//; s/"$//')
[ -n "$uris" ] || { echo "$0: no scored shards in the executor input" >&2; exit 3; }
list=$(mktemp)
trap 'rm -f "$list" "$2.tmp"' EXIT
for u in $uris; do
	case $u in
	gs://*) p="/gcs/${u#gs://}" ;;
	minio://*) p="/minio/${u#minio://}" ;;
	s3://*) p="/s3/${u#s3://}" ;;
	/*) p=$u ;;
	*) echo "$0: $u: a storage the launcher does not mount" >&2; exit 4 ;;
	esac
	tag=$(head -n 1 "$p")
	case $tag in
	"adkit-part "[0-9]*) printf '%s\t%s\n' "${tag#adkit-part }" "$p" >> "$list" ;;
	*) echo "$0: $p: not a shard tagged by tag-shard.sh" >&2; exit 3 ;;
	esac
done
sort -n -k1,1 "$list" | awk -F '\t' -v me="$0" '$1 != NR - 1 {
	printf "%s: part %d where part %d belongs: a part is missing or twice\n",
	    me, $1, NR - 1 > "/dev/stderr"; exit 3 }' || exit 3
head=
sort -n -k1,1 "$list" | while IFS="$(printf '\t')" read -r part p; do
	h=$(sed -n 2p "$p")
	if [ -z "$head" ]; then head=$h; printf '%s\n' "$h"
	elif [ "$h" != "$head" ]; then
		echo "$0: part $part's header differs from part 0's" >&2; exit 3
	fi
	tail -n +3 "$p"
done > "$2.tmp"
mv "$2.tmp" "$2"
