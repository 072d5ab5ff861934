# Merges the shard models of a dsl.ParallelFor with ad-train --merge. A list
# of artifacts has no path placeholder in Kubeflow Pipelines, so the step is
# given the executor input (JSON): its input artifacts' URIs, before the
# "outputs" object, map to the local paths the launcher downloaded them to
# (gs://B/K is /gcs/B/K, minio:// /minio/, s3:// /s3/; kfp.local's URIs are
# the paths themselves).
# usage: merge-models.sh EXECUTOR_INPUT_JSON OUT_MODEL
set -eu
uris=$(printf '%s' "$1" | sed 's/"outputs" *:.*//' | grep -o '"uri" *: *"[^"]*"' |
	sed 's/^"uri" *: *"//; s/"$//')
[ -n "$uris" ] || { echo "$0: no input models in the executor input" >&2; exit 3; }
set --  "$2"
for u in $uris; do
	case $u in
	gs://*) set -- "$@" "/gcs/${u#gs://}" ;;
	minio://*) set -- "$@" "/minio/${u#minio://}" ;;
	s3://*) set -- "$@" "/s3/${u#s3://}" ;;
	/*) set -- "$@" "$u" ;;
	*) echo "$0: $u: a storage the launcher does not mount" >&2; exit 4 ;;
	esac
done
out=$1
shift
exec ad-train --merge -o "$out" "$@"
