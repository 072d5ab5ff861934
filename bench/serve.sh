#!/bin/sh
# ad-serve's speed over loopback, and a Python server's beside it.
# usage: bench/serve.sh [SECONDS] [RSS_SECONDS]   (default 5 and 20)
#
#   one-row   requests/s and p50/p99 latency of one-row JSON requests at
#             concurrency 1, 8 and 64 (wrk, Debian wrk), SECONDS each;
#   bulk      rows/s of 1,000-row requests as JSON, CSV and adkit's binary
#             stream (concurrency 8), against ad-score's own rows/s on the
#             same rows (featurized, 200,000 of them, one process) and the
#             batch pipeline's (ad-clean -r | ad-features -r | ad-score);
#   rss       ad-serve's resident memory each second over RSS_SECONDS of
#             one-row requests at concurrency 8, with a SIGHUP (a rescan
#             of the store) every second: first, largest and last;
#   jansson   the CPU time json_loadb takes on the one-row body, against
#             the server's CPU time per one-row request at concurrency 1
#             (its user + system time over the run / requests);
#   python    the same one-row and 1,000-row JSON requests answered by
#             bench/serve_ref.py: FastAPI + uvicorn (Debian python3-fastapi,
#             uvicorn) with scikit-learn's IsolationForest on the raw
#             numeric columns (no cleaning or features: less work than
#             ad-serve does).
#
# The model: iforest (seed 1) over the features of
# tests/fixtures/features-ts.csv, through ad-clean and ad-features params
# with a time, a group, a rolling window, a difference and one-hot hosts,
# as tests/bats/ad-serve.bats builds it. Servers listen on 127.0.0.1 only.
# The machine may be shared: the load average is printed before and after.
set -eu

SECS=${1:-5}
RSS_SECS=${2:-20}
HERE=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ADKIT_BIN:-$HERE/build/bin}
TS=$HERE/tests/fixtures/features-ts.csv
PY=/usr/bin/python3
command -v wrk > /dev/null || { echo "bench: wrk is missing (scripts/deps.sh bench)" >&2; exit 1; }
. "$HERE/bench/measure.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/adkit-serve-bench.XXXXXX")
SERVER=
cleanup() {
	[ -z "$SERVER" ] || kill "$SERVER" 2> /dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT INT TERM
cd "$W"

echo "load before: $(load)"

# ---- the model store and the request bodies ----
"$BIN/ad-clean" -q --impute median,label=none -s clean.params -o clean.csv "$TS"
"$BIN/ad-features" -q --time timestamp --group host --rolling 3 --diff \
	--onehot host --scale robust --keep label -s features.params \
	-o features.csv clean.csv
mkdir -p store/m/releases/r1
"$BIN/ad-train" -q -a iforest --seed 1 -o store/m/releases/r1/model features.csv
cp clean.params features.params store/m/releases/r1/
ln -s releases/r1 store/m/current

# N rows in time order, two hosts taking turns
gen() {
	"$PY" - "$1" <<'EOF'
import random, sys, datetime
random.seed(1)
t0 = datetime.datetime(2026, 11, 2)
print("timestamp,host,cpu,lat,label")
for i in range(int(sys.argv[1])):
    t = (t0 + datetime.timedelta(minutes=i // 2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    print("%s,%s,%.2f,%.2f,0" % (t, ("db1", "web1")[i % 2],
          random.uniform(10, 90), random.uniform(5, 20)))
EOF
}
gen 1000 > bulk.csv
gen 200000 > big.csv
"$BIN/ad-clean" -q -F bin bulk.csv > bulk.bin
# CSV rows as one JSON request, a tensor per column
tojson() {
	"$PY" - "$1" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
types = {"timestamp": "BYTES", "host": "BYTES", "label": "INT64"}
ins = []
for c in ["timestamp", "host", "cpu", "lat", "label"]:
    t = types.get(c, "FP64")
    conv = str if t == "BYTES" else (int if t == "INT64" else float)
    ins.append({"name": c, "datatype": t, "shape": [len(rows)],
                "data": [conv(r[c]) for r in rows]})
print(json.dumps({"inputs": ins}, separators=(",", ":")))
EOF
}
tojson bulk.csv > bulk.json
head -n 2 bulk.csv > one.csv
tojson one.csv > one.json

cat > post.lua <<'EOF'
wrk.method = "POST"
local f = io.open(os.getenv("BODY"), "rb"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = os.getenv("CT")
EOF

# wrk's figures: "REQ_PER_S P50_MS P99_MS NON_2XX"
bench() {
	_c=$1 _url=$2 _body=$3 _ct=$4
	_t=2; [ "$_c" -ge 2 ] || _t=1
	BODY=$_body CT=$_ct wrk -t$_t -c"$_c" -d"${SECS}s" -s post.lua --latency \
		--timeout 10s "$_url" > wrk.out
	awk 'function ms(v) {
		if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000; return v }
	/^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
	/Non-2xx/ { bad = $NF } /^Requests\/sec/ { rps = $2 }
	END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, bad }' wrk.out
}

# The same rows are sent again and again, so each request stands alone
# (--max-entities 0): kept, the entities' times would go back.
start_adserve() {
	"$BIN/ad-serve" -q --listen 127.0.0.1:0 --max-entities 0 --store store > port.txt 2> server.log &
	SERVER=$!
	for _ in $(seq 100); do
		grep -q '^listening on ' port.txt 2> /dev/null && break
		sleep 0.1
	done
	URL="http://127.0.0.1:$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' port.txt)"
}

stop_server() { kill "$SERVER"; wait "$SERVER" 2> /dev/null || true; SERVER=; }

JSON=application/json CSV=text/csv BINT=application/vnd.adkit.stream

# ---- ad-serve ----
start_adserve
INF=$URL/v2/models/m/infer
echo
echo "ad-serve (one-row JSON)      req/s    p50 ms   p99 ms  non-2xx"
# CPU seconds (user + system) the server used so far
cpu() { awk '{ print $14 + $15 }' "/proc/$SERVER/stat"; }
TICK=$(getconf CLK_TCK)
for c in 1 8 64; do
	T0=$(cpu)
	set -- $(bench "$c" "$INF" one.json "$JSON")
	printf "  concurrency %-3s      %10s %9s %9s %8s\n" "$c" "$1" "$2" "$3" "$4"
	[ "$c" != 1 ] || CPU_C1=$(awk -v a="$T0" -v b="$(cpu)" -v r="$1" -v s="$SECS" \
		-v t="$TICK" 'BEGIN { printf "%.1f", (b - a) / t / (r * s) * 1e6 }')
done
echo "  server CPU per one-row request at c=1: $CPU_C1 us"
echo
echo "ad-serve (1,000-row bodies, c=8)   rows/s   p50 ms"
for f in json csv bin; do
	case $f in json) ct=$JSON ;; csv) ct=$CSV ;; bin) ct=$BINT ;; esac
	set -- $(bench 8 "$INF" "bulk.$f" "$ct")
	printf "  %-5s            %14s %8s  (%s non-2xx)\n" "$f" "$(($1 * 1000))" "$2" "$4"
	[ "$f" != bin ] || BULK_BIN=$(($1 * 1000))
done

# ad-score alone on the same rows, featurized, and the batch pipeline
"$BIN/ad-clean" -q -r clean.params big.csv | "$BIN/ad-features" -q -r features.params \
	-F bin > big.features.bin
set -- $(run3 "'$BIN/ad-score' -q -m store/m/releases/r1/model --keep '' -F bin big.features.bin")
SCORE_RPS=$(awk -v w="$1" 'BEGIN { printf "%.0f", 200000 / w }')
set -- $(run3 "'$BIN/ad-clean' -q -r clean.params -F bin big.csv | '$BIN/ad-features' -q -r features.params | '$BIN/ad-score' -q -m store/m/releases/r1/model --keep '' -F bin")
PIPE_RPS=$(awk -v w="$1" 'BEGIN { printf "%.0f", 200000 / w }')
echo "  ad-score alone (200,000 rows)  $SCORE_RPS rows/s; bulk binary is $(awk -v a="$BULK_BIN" -v b="$SCORE_RPS" 'BEGIN { printf "%.0f", 100 * a / b }')% of it"
echo "  batch pipeline (200,000 rows)  $PIPE_RPS rows/s"

# ---- resident memory with a reload every second ----
PID=$SERVER
BODY=one.json CT=$JSON wrk -t2 -c8 -d"${RSS_SECS}s" -s post.lua "$INF" > wrk.rss &
WRK=$!
: > rss.txt
i=0
while [ "$i" -lt "$RSS_SECS" ]; do
	kill -HUP "$PID"
	awk '/^VmRSS/ { print $2 }' "/proc/$PID/status" >> rss.txt
	sleep 1
	i=$((i + 1))
done
wait "$WRK" || true
awk 'NR == 1 { f = $1 } { if ($1 > m) m = $1; l = $1 }
	END { printf "\nad-serve RSS, %d s of one-row requests (c=8), SIGHUP each second: first %d KiB, largest %d KiB, last %d KiB\n", NR, f, m, l }' rss.txt
echo "  requests in that run: $(awk '/requests in/ { print $1 }' wrk.rss), non-2xx: $(awk '/Non-2xx/ { n = $NF } END { print n + 0 }' wrk.rss)"
stop_server

# ---- jansson's share of a one-row request ----
cat > jl.c <<'EOF'
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv)
{
	FILE *f = fopen(argv[1], "rb");
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf, f);
	int reps = atoi(argv[2]);
	struct timespec a, b;
	fclose(f);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (int i = 0; i < reps; i++) {
		json_error_t e;
		json_t *j = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &e);
		if (j == NULL)
			return 1;
		json_decref(j);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	printf("%.3f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / reps / 1000);
	return 0;
}
EOF
cc -O2 -o jl jl.c -ljansson
JUS=$(./jl one.json 200000)
echo
echo "jansson: json_loadb of the one-row body takes $JUS us of CPU; the server's CPU per one-row request (c=1) $CPU_C1 us: $(awk -v j="$JUS" -v p="$CPU_C1" 'BEGIN { printf "%.0f", 100 * j / p }')%"
echo "  (1,000-row JSON body: $(./jl bulk.json 200) us of CPU per json_loadb)"

# ---- the Python server ----
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" "$HERE/bench/serve_ref.py" features.csv "$PORT" 2> py.log &
SERVER=$!
for _ in $(seq 100); do
	curl -s -o /dev/null -d @one.json -H "Content-Type: $JSON" \
		"http://127.0.0.1:$PORT/v2/models/m/infer" && break
	sleep 0.2
done
PINF=http://127.0.0.1:$PORT/v2/models/m/infer
echo
echo "python FastAPI + uvicorn + IsolationForest (one-row JSON)   req/s    p50 ms   p99 ms  non-2xx"
for c in 1 8 64; do
	set -- $(bench "$c" "$PINF" one.json "$JSON")
	printf "  concurrency %-3s                                    %10s %9s %9s %8s\n" "$c" "$1" "$2" "$3" "$4"
done
set -- $(bench 8 "$PINF" bulk.json "$JSON")
echo "  1,000-row JSON, c=8: $(($1 * 1000)) rows/s, p50 $2 ms ($4 non-2xx)"
stop_server
echo
echo "load after: $(load)"
