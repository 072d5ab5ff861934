#!/usr/bin/env bats
# ad-serve's operations from the outside: /metrics (promtool-clean, every
# count checked against the batch pipeline's answers), the store watched
# for releases published, moved and removed while a bounded client loop
# sends requests, --shadow scores read by ad-eval --compare, and the
# defaults (listen address, threads, access log). Servers listen on
# 127.0.0.1, port 0, and are stopped by PID in teardown.

load helper
load serve

TS="$FIX/features-ts.csv"

# Two releases of the fixture's pipeline, zscore and iforest, and the batch
# pipeline's answer of each.
setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	ad-clean -q --impute median,label=none -s clean.params -o clean.csv "$TS"
	ad-features -q --time timestamp --group host --rolling 3 --diff \
		--onehot host --scale robust --keep label -s features.params \
		-o features.csv clean.csv
	for a in zscore iforest; do
		mkdir -p "rel/$a"
		ad-train -q -a "$a" --seed 1 -o "rel/$a/model" features.csv
		cp clean.params features.params "rel/$a/"
		ad-clean -q -r clean.params "$TS" | ad-features -q -r features.params |
			ad-score -q -m "rel/$a/model" --keep '' > "batch.$a.csv"
	done
}

REL() { echo "$BATS_FILE_TMPDIR/rel/$1"; }
BATCH() { echo "$BATS_FILE_TMPDIR/batch.$1.csv"; }

# Publishes release $3 of model store $1 as release $2 the way
# pipelines/steps/publish.sh does: files under a dot name, one rename, then
# current moved by another.
publish() {
	cp -r "$3" "$1/releases/.$2.tmp"
	mv "$1/releases/.$2.tmp" "$1/releases/$2"
	ln -s "releases/$2" "$1/.current.tmp"
	mv -T "$1/.current.tmp" "$1/current"
}

# A store of model m whose release a (zscore) is current; b (iforest) too
# when $1 is "two".
make_store() {
	mkdir -p live/m/releases
	cp -r "$(REL zscore)" live/m/releases/a
	[ "${1:-}" != two ] || cp -r "$(REL iforest)" live/m/releases/b
	ln -s releases/a live/m/current
}

# Starts ad-serve with the arguments given on 127.0.0.1, port 0, and waits
# (at most 10 s) for the port it prints; sets PORT, URL and SERVER. The
# tests here send the fixture's series again and again, so each request
# stands alone (--max-entities 0); ad-serve-context.bats tests the entities'
# state kept from one request to the next.
start_server() {
	serve_start --max-entities 0 "$@"
}

teardown() {
	serve_stop
}

# POSTs the fixture as CSV to path $1; the answer goes to stdout.
score_csv() {
	curl -sS -f --max-time 20 -H 'Content-Type: text/csv' --data-binary "@$TS" "$URL$1"
}

# The value of the sample $1 (name and labels, as written) in /metrics.
metric() {
	curl -sS -f --max-time 10 "$URL/metrics" | awk -v k="$1" 'index($0, k " ") == 1 { print $NF }'
}

# Waits (at most 10 s) until sample $1 reads $2.
wait_metric() {
	for _ in $(seq 100); do
		[ "$(metric "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "$1 is $(metric "$1"), not $2" >&2
	return 1
}

# Waits (at most 10 s) until the unversioned metadata of m names version $1.
wait_current() {
	for _ in $(seq 100); do
		curl -sS --max-time 10 "$URL/v2/models/m" | grep -q "\"version\":\"$1\"" && return 0
		sleep 0.1
	done
	return 1
}

@test "/metrics is promtool-clean and counts requests, latency, rows, anomalies and scores per version" {
	make_store two
	start_server -q --store live
	score_csv /v2/models/m/infer > a1.csv
	score_csv /v2/models/m/versions/a/infer > a2.csv
	score_csv /v2/models/m/versions/b/infer > b.csv
	curl -sS -o /dev/null -d '{"inputs": [' "$URL/v2/models/m/infer"
	curl -sS -o /dev/null "$URL/v2/models/nope"
	curl -sS -o /dev/null "$URL/v2/health/live"
	curl -sS -f "$URL/metrics" > m.prom
	run promtool check metrics < m.prom
	assert_success
	assert_output ""
	grep -qx 'adkit_serve_requests_total{model="m",version="a",code="200"} 2' m.prom
	grep -qx 'adkit_serve_requests_total{model="m",version="a",code="400"} 1' m.prom
	grep -qx 'adkit_serve_requests_total{model="m",version="b",code="200"} 1' m.prom
	grep -qx 'adkit_serve_requests_total{code="404"} 1' m.prom
	grep -qx 'adkit_serve_requests_total{code="200"} 1' m.prom
	grep -qx 'adkit_serve_request_duration_seconds_count{model="m",version="a"} 3' m.prom
	grep -qx 'adkit_serve_request_duration_seconds_bucket{model="m",version="a",le="+Inf"} 3' m.prom
	# rows and flags: the batch answers', twice for a
	rows=$(($(wc -l < "$(BATCH zscore)") - 1))
	flagged=$(awk -F, 'NR > 1 { n += $2 } END { print n }' "$(BATCH zscore)")
	grep -qx "adkit_serve_rows_scored_total{model=\"m\",version=\"a\"} $((2 * rows))" m.prom
	grep -qx "adkit_serve_rows_anomalous_total{model=\"m\",version=\"a\"} $((2 * flagged))" m.prom
	grep -qx "adkit_serve_score_count{model=\"m\",version=\"b\"} $rows" m.prom
	# each score bucket holds the batch scores at most its bound, the bound
	# being the release's training quantile at that level
	grep -q 'adkit_serve_score_training_quantile{model="m",version="b",level="0.5"}' m.prom
	for level in 0.1 0.5 0.9 0.99; do
		q=$(awk -v k="adkit_serve_score_training_quantile{model=\"m\",version=\"b\",level=\"$level\"}" \
			'index($0, k " ") == 1 { print $2 }' m.prom)
		want=$(awk -F, -v q="$q" 'NR > 1 && $1 <= q + 0 { n++ } END { print n + 0 }' "$(BATCH iforest)")
		grep -qx "adkit_serve_score_bucket{model=\"m\",version=\"b\",le=\"$q\"} $want" m.prom
	done
	grep -qx 'adkit_serve_release_current{model="m",version="a"} 1' m.prom
	grep -qx 'adkit_serve_release_current{model="m",version="b"} 0' m.prom
	grep -qx 'adkit_serve_release_loads_total{model="m"} 2' m.prom
	grep -qx 'adkit_serve_requests_in_flight 0' m.prom
	# the scrape itself is counted, in no model
	run metric 'adkit_serve_requests_total{code="200"}'
	assert_output 2
}

@test "threads default to the cores; the listen address to 127.0.0.1:8080" {
	make_store
	start_server -q --store live
	run metric adkit_serve_threads
	assert_output "$(nproc)"
	kill "$SERVER"; wait "$SERVER" || true
	start_server -q --store live --threads 3
	run metric adkit_serve_threads
	assert_output 3
	kill "$SERVER"; wait "$SERVER" || true
	SERVER=
	# without --listen: 127.0.0.1:8080, unless something holds it already
	ad-serve -q --store live > port.txt 2> server.log &
	SERVER=$!
	for _ in $(seq 100); do
		[ -s port.txt ] && break
		kill -0 "$SERVER" 2>/dev/null || break
		sleep 0.1
	done
	if [ -s port.txt ]; then
		assert_equal "$(cat port.txt)" "listening on 127.0.0.1:8080"
	else
		rc=0; wait "$SERVER" || rc=$?
		SERVER=
		[ "$rc" -eq 4 ]
		grep -q '^ad-serve: 127.0.0.1:8080: cannot listen' server.log
	fi
}

@test "the access log: one logfmt line per request on stderr, with the request id" {
	make_store
	start_server --store live
	curl -sS -f -o /dev/null -d '{"id": "req-7", "inputs": [{"name": "x", "datatype": "FP64", "shape": [1], "data": [1]}]}' \
		"$URL/v2/models/m/infer" || true
	score_csv /v2/models/m/infer > /dev/null
	kill "$SERVER"; wait "$SERVER" || true
	SERVER=
	run grep -c '^ad-serve: method=' server.log
	assert_output 2
	grep -Eq '^ad-serve: method=POST path=/v2/models/m/infer status=400 model=m version=a rows=0 bytes_in=[0-9]+ bytes_out=[0-9]+ ms=[0-9.]+ id="req-7"$' server.log
	grep -Eq '^ad-serve: method=POST path=/v2/models/m/infer status=200 model=m version=a rows=36 bytes_in=[0-9]+ bytes_out=[0-9]+ ms=[0-9.]+$' server.log
}

@test "model names from URLs stay in the store: an encoded slash or dot-dot is 400" {
	make_store
	start_server -q --store live
	for path in '..%2F..%2Fetc' '%2e%2e' 'm%2F..'; do
		code=$(curl -sS --path-as-is -o out -w '%{http_code}' "$URL/v2/models/$path/ready")
		[ "$code" = 400 ] || [ "$code" = 404 ]
		run cat out
		assert_output --partial '"error":'
	done
	code=$(curl -sS --path-as-is -o /dev/null -w '%{http_code}' "$URL/v2/models/../../etc/ready")
	[ "$code" = 404 ]
}

@test "a release published while a client loop sends requests is served by itself: none fails" {
	make_store
	start_server -q --store live --reload-interval 0.1
	# a bounded client loop: its status codes go to codes, answers to out.N
	(
		for i in $(seq 400); do
			curl -sS --max-time 20 -o "out.$i" -w '%{http_code}\n' -H 'Content-Type: text/csv' \
				--data-binary "@$TS" "$URL/v2/models/m/infer" >> codes || echo failed >> codes
			[ -e stop ] && break
		done
	) &
	loop=$!
	for _ in $(seq 50); do [ -s codes ] && break; sleep 0.1; done
	publish live/m b "$(REL iforest)"
	wait_current b
	sleep 0.3
	touch stop
	wait "$loop"
	run sort -u codes
	assert_output 200
	# every answer is one release's, whole; the last ones b's
	for f in out.*; do
		cmp -s "$f" "$(BATCH zscore)" || cmp -s "$f" "$(BATCH iforest)" || fail "$f is neither"
	done
	last=$(ls out.* | sort -t. -k2 -n | tail -n 1)
	cmp "$last" "$(BATCH iforest)"
	score_csv /v2/models/m/versions/a/infer | cmp - "$(BATCH zscore)"
	grep -q '^ad-serve: store changed: reloaded, 1 models$' server.log
	# a was kept, not loaded again
	run metric 'adkit_serve_release_loads_total{model="m"}'
	assert_output 2
	run metric 'adkit_serve_requests_total{model="m",version="a",code="200"}'
	[ "$output" -ge 1 ]
}

@test "a release that fails to load is logged once and counted, the one before stays served; removal is seen" {
	make_store
	start_server -q --store live --reload-interval 0.1
	mkdir live/m/releases/.c.tmp
	echo junk > live/m/releases/.c.tmp/model
	mv live/m/releases/.c.tmp live/m/releases/c
	ln -s releases/c live/m/.current.tmp
	mv -T live/m/.current.tmp live/m/current
	wait_metric 'adkit_serve_release_load_failures_total{model="m"}' 1
	sleep 0.3   # a few more rescans: told once
	run grep -c 'm/releases/c left out' server.log
	assert_output 1
	score_csv /v2/models/m/infer | cmp - "$(BATCH zscore)"
	run curl -sS "$URL/v2/models/m"
	assert_output --partial '"versions":["a"],"version":"a"'
	# fixed in place: its files change, so it is tried again, and serves
	cp "$(REL iforest)"/* live/m/releases/c/.
	wait_current c
	score_csv /v2/models/m/infer | cmp - "$(BATCH iforest)"
	run metric 'adkit_serve_release_load_failures_total{model="m"}'
	assert_output 1
	# a release removed goes away
	rm -r live/m/releases/a
	for _ in $(seq 100); do
		[ "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/v2/models/m/versions/a/ready")" = 404 ] && break
		sleep 0.1
	done
	run curl -sS "$URL/v2/models/m"
	assert_output --partial '"versions":["c"],"version":"c"'
	# SIGHUP still rescans at once
	kill -HUP "$SERVER"
	for _ in $(seq 100); do
		grep -q 'SIGHUP: reloaded, 1 models, nothing changed' server.log && break
		sleep 0.1
	done
	grep -q 'SIGHUP: reloaded, 1 models, nothing changed' server.log
}

@test "--reload-interval 0 leaves the store alone until SIGHUP" {
	make_store
	start_server -q --store live --reload-interval 0
	publish live/m b "$(REL iforest)"
	sleep 0.5
	run curl -sS "$URL/v2/models/m"
	assert_output --partial '"versions":["a"],"version":"a"'
	kill -HUP "$SERVER"
	wait_current b
}

@test "--shadow scores every request to the model with the shadow version too, for ad-eval --compare" {
	make_store two
	start_server -q --store live --shadow m:b --shadow-output shadow.csv
	rows=$(($(wc -l < "$(BATCH zscore)") - 1))
	score_csv /v2/models/m/infer | cmp - "$(BATCH zscore)"
	ad-clean -q -F bin "$TS" > ts.bin
	curl -sS -f -H 'Content-Type: application/vnd.adkit.stream' --data-binary @ts.bin \
		"$URL/v2/models/m/versions/a/infer" > /dev/null
	# the shadow version itself is not shadowed
	score_csv /v2/models/m/versions/b/infer > /dev/null
	wait_metric 'adkit_serve_shadow_rows_total{model="m",version="a"}' $((2 * rows))
	run metric 'adkit_serve_shadow_failures_total{model="m",version="a"}'
	assert_output 0
	run grep -c '^time,' shadow.csv
	assert_output 1
	[ "$(wc -l < shadow.csv)" -eq $((2 * rows + 1)) ]
	# each request's rows: label, the served scores and the shadow's, as batch gives them
	head -n $((rows + 1)) shadow.csv > first.csv
	expected() {
		paste -d, <(cut -d, -f5 "$TS") <(cat "$(BATCH zscore)") <(cut -d, -f1,2 "$(BATCH iforest)") |
			tail -n +2
	}
	cut -d, -f2-4,6 first.csv | tail -n +2 | sort -u > keys
	assert_equal "$(cat keys)" "$(seq "$rows" | sed 's/^/m,a,b,/' | sort -u)"
	cmp <(cut -d, -f7-11 first.csv | tail -n +2) <(expected)
	# ad-eval --compare reads it as it is: the same report as on the batch answers
	{ echo label,score,is_anomaly,challenger,challenger_is_anomaly; expected; } > batch-ab.csv
	ad-eval -q --compare challenger -o live.json first.csv
	ad-eval -q --compare challenger -o batch.json batch-ab.csv
	cmp <(grep -v '"input"' live.json) <(grep -v '"input"' batch.json)
	grep -q '"compare"' live.json
	# a JSON request: its id and its rows' labels
	curl -sS -f -o /dev/null -d '{"id": "j1", "inputs": [
		{"name": "timestamp", "datatype": "BYTES", "shape": [2], "data": ["2026-11-01T23:30:00Z", "2026-11-01T23:30:00Z"]},
		{"name": "host", "datatype": "BYTES", "shape": [2], "data": ["db1", "web1"]},
		{"name": "cpu", "datatype": "FP64", "shape": [2], "data": [60.98, 18.33]},
		{"name": "lat", "datatype": "FP64", "shape": [2], "data": [14.37, 11.96]},
		{"name": "label", "datatype": "INT64", "shape": [2], "data": [0, 1]}]}' \
		"$URL/v2/models/m/infer"
	wait_metric 'adkit_serve_shadow_rows_total{model="m",version="a"}' $((2 * rows + 2))
	run grep -c ',m,a,b,j1,[12],[01],' shadow.csv
	assert_output 2
	grep -q ',m,a,b,j1,2,1,' shadow.csv
	# a restart appends, under the one header
	kill "$SERVER"; wait "$SERVER" || true
	start_server -q --store live --shadow m:b --shadow-output shadow.csv
	score_csv /v2/models/m/infer > /dev/null
	wait_metric 'adkit_serve_shadow_rows_total{model="m",version="a"}' "$rows"
	run grep -c '^time,' shadow.csv
	assert_output 1
	[ "$(wc -l < shadow.csv)" -eq $((3 * rows + 3)) ]
}

@test "--shadow errors: usage 2, a version not in the store or a foreign file 3, an unwritable file 4" {
	make_store two
	run ad-serve --store live --listen 127.0.0.1:0 --shadow m:b
	assert_failure 2
	assert_output --partial "--shadow and --shadow-output go together"
	run ad-serve --store live --listen 127.0.0.1:0 --shadow m --shadow-output s.csv
	assert_failure 2
	assert_output --partial "--shadow: expected MODEL:VERSION"
	run ad-serve --store live --listen 127.0.0.1:0 --shadow m:../b --shadow-output s.csv
	assert_failure 2
	run ad-serve --store live --listen 127.0.0.1:0 --shadow m:zz --shadow-output s.csv
	assert_failure 3
	assert_output --partial "--shadow m:zz: the store has no such model version"
	echo "a,b" > foreign.csv
	run ad-serve --store live --listen 127.0.0.1:0 --shadow m:b --shadow-output foreign.csv
	assert_failure 3
	assert_output --partial "foreign.csv:1: not a shadow scores file"
	run ad-serve --store live --listen 127.0.0.1:0 --shadow m:b --shadow-output nodir/s.csv
	assert_failure 4
	assert_output --partial "nodir/s.csv"
}
