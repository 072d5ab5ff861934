#!/usr/bin/env bats
# ad-serve from the outside: a server on 127.0.0.1, port 0, spoken to with
# curl over loopback; every endpoint, every error, JSON, CSV and binary
# bodies, and the online scores against the batch pipeline's, byte for byte,
# for every detector. Each test stops its server by PID in teardown.

load helper
load serve

TS="$FIX/features-ts.csv"
DETECTORS="iforest eif ocsvm autoencoder zscore knn lof hbos ecod pca"

# A model store with one model per detector, each with one release, r1,
# trained on the fixture through ad-clean and ad-features; and the batch
# pipeline's answer for each, as CSV and as binary.
setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	ad-clean -q --impute median,label=none -s clean.params -o clean.csv "$TS"
	ad-features -q --time timestamp --group host --rolling 3 --diff \
		--onehot host --scale robust --keep label -s features.params \
		-o features.csv clean.csv
	for a in $DETECTORS; do
		d=store/$a/releases/r1
		mkdir -p "$d"
		ad-train -q -a "$a" --seed 1 -o "$d/model" features.csv
		cp clean.params features.params "$d/"
		ln -s releases/r1 "store/$a/current"
		ad-clean -q -r clean.params "$TS" | ad-features -q -r features.params |
			ad-score -q -m "$d/model" --keep '' > "batch.$a.csv"
		ad-clean -q -r clean.params "$TS" | ad-features -q -r features.params |
			ad-score -q -m "$d/model" --keep '' --explain 2 -F bin > "batch.$a.bin"
	done
	ad-clean -q -F bin "$TS" > ts.bin
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

STORE() { echo "$BATS_FILE_TMPDIR/store"; }

# curl, bounded, quiet; prints the body then the status code on a line.
req() {
	curl -sS --max-time 20 -w '\n%{http_code}\n' "$@"
}

# The JSON request of the fixture's rows: one tensor per input column.
fixture_json() {
	awk -F, -v extra="${1:-}" 'NR == 1 { for (c = 1; c <= NF; c++) name[c] = $c; next }
	{ n++; for (c = 1; c <= NF; c++) v[n, c] = $c }
	END {
		printf "{\"id\":\"fixture\"%s,\"inputs\":[", extra
		for (c = 1; c <= 5; c++) {
			t = (c <= 2) ? "BYTES" : (c == 5 ? "INT64" : "FP64")
			printf "%s{\"name\":\"%s\",\"datatype\":\"%s\",\"shape\":[%d],\"data\":[",
				(c > 1 ? "," : ""), name[c], t, n
			for (i = 1; i <= n; i++) {
				x = v[i, c]
				if (x == "" || x == "NA") x = "null"
				else if (c <= 2) x = "\"" x "\""
				printf "%s%s", (i > 1 ? "," : ""), x
			}
			printf "]}"
		}
		printf "]}"
	}' "$TS"
}

# The data of output tensor $1 of a JSON answer on stdin, one value a line.
tensor() {
	sed -n "s/.*{\"name\":\"$1\",\"datatype\":\"[A-Z0-9]*\",\"shape\":\[[0-9,]*\],\"data\":\[\([^]]*\)\]}.*/\1/p" |
		tr , '\n' | awk 1
}

@test "ad-serve --help, --version and usage errors" {
	run ad-serve --help
	assert_success
	assert_output --partial "usage: ad-serve"
	assert_output --partial "--max-inflight"
	run ad-serve --version
	assert_success
	assert_output --partial "ad-serve (adkit)"
	run ad-serve --bogus
	assert_failure 2
	assert_line --index 0 --partial "ad-serve: "
	run ad-serve
	assert_failure 2
	assert_output --partial "give either --store DIR or -m MODEL --name N"
	run ad-serve --store "$(STORE)" -m x --name y
	assert_failure 2
	run ad-serve -m "$(STORE)/zscore/releases/r1/model"
	assert_failure 2
	assert_output --partial "-m needs --name"
	run ad-serve -m "$(STORE)/zscore/releases/r1/model" --name ../x
	assert_failure 2
	run ad-serve --store "$(STORE)" --listen localhost
	assert_failure 2
	assert_output --partial "--listen: expected ADDR:PORT"
	run ad-serve --store "$(STORE)" --listen 127.0.0.1:70000
	assert_failure 2
	run ad-serve --store "$(STORE)" --max-body 0
	assert_failure 2
	run ad-serve --store "$(STORE)" extra
	assert_failure 2
}

@test "ad-serve exits 3 for a store with nothing to load and 4 for an address in use" {
	mkdir -p empty/m/releases
	run ad-serve --store empty --listen 127.0.0.1:0
	assert_failure 3
	assert_output --partial "no release loaded"
	run ad-serve --store missing --listen 127.0.0.1:0
	assert_failure 4
	mkdir -p bad/m/releases/r1
	echo junk > bad/m/releases/r1/model
	run ad-serve --store bad --listen 127.0.0.1:0
	assert_failure 3
	assert_output --partial "m/releases/r1 left out"
	start_server -q --store "$(STORE)"
	run ad-serve -q --store "$(STORE)" --listen "127.0.0.1:$PORT"
	assert_failure 4
	assert_output --partial "cannot listen"
}

@test "health, server metadata, model metadata and readiness, unversioned and versioned" {
	start_server --store "$(STORE)"
	run req "$URL/v2/health/live"
	assert_output $'{"live":true}\n200'
	run req "$URL/v2/health/ready"
	assert_output $'{"ready":true}\n200'
	run req "$URL/v2"
	assert_output --regexp '^\{"name":"adkit","version":"[0-9.]+","extensions":\[\]\}'
	assert_line --index 1 200
	run req "$URL/v2/models/zscore"
	assert_line --index 0 --partial '{"name":"zscore","versions":["r1"],"version":"r1","platform":"adkit","inputs":[{"name":"timestamp","datatype":"BYTES","shape":[-1]},{"name":"host","datatype":"BYTES","shape":[-1]},{"name":"cpu","datatype":"FP64"'
	assert_line --index 0 --partial '"outputs":[{"name":"score","datatype":"FP64","shape":[-1]},{"name":"is_anomaly","datatype":"BOOL","shape":[-1]},{"name":"explanation","datatype":"BYTES","shape":[-1,-1]}]}'
	assert_line --index 1 200
	run req "$URL/v2/models/zscore/versions/r1"
	assert_line --index 1 200
	run req "$URL/v2/models/zscore/ready"
	assert_output $'{"ready":true}\n200'
	run req "$URL/v2/models/zscore/versions/r1/ready"
	assert_output $'{"ready":true}\n200'
}

@test "unknown models, versions and paths are 404; bad names 400; wrong methods 405" {
	start_server --store "$(STORE)"
	run req "$URL/v2/models/nope"
	assert_output $'{"error":"no model called \\"nope\\""}\n404'
	run req "$URL/v2/models/zscore/versions/r9/ready"
	assert_output $'{"error":"model \\"zscore\\" has no version \\"r9\\""}\n404'
	run req -d '{}' "$URL/v2/models/nope/infer"
	assert_line --index 1 404
	run req "$URL/v1/models"
	assert_line --index 1 404
	run req "$URL/v2/models/zscore/explain"
	assert_line --index 1 404
	run req --path-as-is "$URL/v2/models/%2e%2e/ready"
	assert_line --index 0 --partial "must not be empty, start with '.' or hold '/'"
	assert_line --index 1 400
	run req "$URL/v2/models/zscore/versions/.hidden/ready"
	assert_line --index 1 400
	run req "$URL/v2/models/zscore/infer"
	assert_output $'{"error":"infer takes POST"}\n405'
	run req -X POST "$URL/v2/models/zscore/ready"
	assert_line --index 1 405
}

@test "online scores equal the batch pipeline's byte for byte, for every detector, JSON and CSV" {
	start_server -q --store "$(STORE)"
	fixture_json > req.json
	for a in $DETECTORS; do
		# CSV in, CSV out: the batch answer itself
		curl -sS --max-time 20 -f -H 'Content-Type: text/csv' \
			--data-binary "@$TS" "$URL/v2/models/$a/infer" > "online.$a.csv"
		cmp "online.$a.csv" "$BATS_FILE_TMPDIR/batch.$a.csv"
		# JSON: the score column's text, and the flags
		curl -sS --max-time 20 -f -H 'Content-Type: application/json' \
			--data-binary @req.json "$URL/v2/models/$a/infer" > "online.$a.json"
		tensor score < "online.$a.json" > got
		tail -n +2 "$BATS_FILE_TMPDIR/batch.$a.csv" | cut -d, -f1 > want
		[ -s want ]
		cmp got want
		tensor is_anomaly < "online.$a.json" | sed 's/true/1/; s/false/0/' > got
		tail -n +2 "$BATS_FILE_TMPDIR/batch.$a.csv" | cut -d, -f2 > want
		cmp got want
	done
}

@test "a binary stream body is answered as one, equal to the batch pipeline's with --explain" {
	start_server -q --store "$(STORE)"
	for a in zscore iforest; do
		curl -sS --max-time 20 -f -H 'Content-Type: application/vnd.adkit.stream' \
			--data-binary @"$BATS_FILE_TMPDIR/ts.bin" \
			"$URL/v2/models/$a/versions/r1/infer?explain=2" > "online.$a.bin"
		cmp "online.$a.bin" "$BATS_FILE_TMPDIR/batch.$a.bin"
	done
	run req -H 'Content-Type: text/csv' --data-binary "@$TS" "$URL/v2/models/zscore/infer?explain=x"
	assert_line --index 1 400
}

@test "one [N, d] tensor in the inputs' order, outputs chosen, explanation and the id echoed" {
	start_server -q --store "$(STORE)"
	body='{"id":"a\"b","parameters":{"explain":2},"outputs":[{"name":"explanation"},{"name":"score"}],
		"inputs":[{"name":"rows","datatype":"BYTES","shape":[1,5],
		"data":["2026-11-01T23:30:00Z","db1",60.98,14.37,0]}]}'
	run req -d "$body" "$URL/v2/models/zscore/infer"
	assert_line --index 1 400
	assert_line --index 0 --partial 'input \"rows\": value 2 is not of datatype BYTES'
	printf 'timestamp,host,cpu,lat,label\n2026-11-01T23:30:00Z,db1,60.98,14.37,0\n' > one.csv
	want=$(curl -sS -f -H 'Content-Type: text/csv' --data-binary @one.csv \
		"$URL/v2/models/zscore/infer?explain=2" | tail -n 1)
	body='{"id":"a\"b","parameters":{"explain":2},"outputs":[{"name":"explanation"},{"name":"score"}],
		"inputs":[{"name":"timestamp","datatype":"BYTES","shape":[1,1],"data":[["2026-11-01T23:30:00Z"]]},
		{"name":"host","datatype":"BYTES","shape":[1],"data":["db1"]},
		{"name":"cpu","datatype":"FP64","shape":[1],"data":[60.98]},
		{"name":"lat","datatype":"FP64","shape":[1],"data":[14.37]},
		{"name":"label","datatype":"BOOL","shape":[1],"data":[false]}]}'
	run req -d "$body" "$URL/v2/models/zscore/infer"
	assert_line --index 1 200
	assert_line --index 0 --partial '{"model_name":"zscore","model_version":"r1","id":"a\"b","outputs":[{"name":"score","datatype":"FP64","shape":[1],"data":['
	assert_line --index 0 --partial '{"name":"explanation","datatype":"BYTES","shape":[1,2],"data":["'
	refute_line --index 0 --partial is_anomaly
	echo "$output" | head -n 1 | tensor explanation | tr -d '"' > got
	echo "$want" | cut -d, -f3,4 | tr , '\n' > want
	cmp got want
	fp32=$(echo "$body" | sed 's/"FP64","shape":\[1\],"data":\[14.37\]/"FP32","shape":[1],"data":[14.37]/')
	[ "$fp32" != "$body" ]
	run req -d "$fp32" "$URL/v2/models/zscore/infer"
	assert_line --index 1 200
	body='{"inputs":[{"name":"all","datatype":"FP64","shape":[1,3],"data":[1,2,3]}]}'
	run req -d "$body" "$URL/v2/models/zscore/infer"
	assert_output --partial 'input \"all\": shape [1, 3], but the model takes 5 columns'
	assert_line --index 1 400
}

@test "bad requests are 400 naming what is wrong, and never affect the next one" {
	start_server --store "$(STORE)"
	run req -d '{"inputs":[' "$URL/v2/models/zscore/infer"
	assert_output $'{"error":"malformed JSON at line 1, column 11 (byte 11): \']\' expected near end of file"}\n400'
	run req -d '[1]' "$URL/v2/models/zscore/infer"
	assert_output --partial "the request must be a JSON object"
	run req -d '{"inputs":[]}' "$URL/v2/models/zscore/infer"
	assert_output --partial '\"inputs\" must be a non-empty array'
	fixture_json | sed 's/"name":"cpu"/"name":"cpu2"/' > r.json
	run req --data-binary @r.json "$URL/v2/models/zscore/infer"
	assert_output --partial 'input \"cpu2\" is not a column of the model'
	fixture_json | sed 's/"datatype":"FP64"/"datatype":"FP16"/' > r.json
	run req --data-binary @r.json "$URL/v2/models/zscore/infer"
	assert_output --partial 'input \"cpu\": datatype FP16 is not one of FP64, FP32, INT64, INT32, BOOL, BYTES'
	fixture_json | sed 's/"shape":\[36\],"data":\["2026/"shape":[35],"data":["2026/' > r.json
	run req --data-binary @r.json "$URL/v2/models/zscore/infer"
	assert_output --partial 'input \"timestamp\": data holds more values than its shape says'
	fixture_json | sed 's/"datatype":"BYTES"/"datatype":"FP64"/' > r.json
	run req --data-binary @r.json "$URL/v2/models/zscore/infer"
	assert_output --partial 'column \"timestamp\" is text: its datatype must be BYTES, not FP64'
	fixture_json | sed 's/"datatype":"INT64"/"datatype":"INT32"/; s/,0\]}\]}$/,0.5]}]}/' > r.json
	run req --data-binary @r.json "$URL/v2/models/zscore/infer"
	assert_output --partial 'input \"label\": value 35 is not of datatype INT32'
	body='{"inputs":[{"name":"cpu","datatype":"FP64","shape":[1],"data":[1]}]}'
	run req -d "$body" "$URL/v2/models/zscore/infer"
	assert_output --partial 'input \"timestamp\" is missing'
	fixture_json ',"parameters":{"explain":99}' > r.json
	run req --data-binary @r.json "$URL/v2/models/zscore/infer"
	assert_output --partial '\"explain\" is 99, but the model has'
	fixture_json ',"outputs":[{"name":"shap"}]' > r.json
	run req --data-binary @r.json "$URL/v2/models/zscore/infer"
	assert_output --partial 'outputs[0]: the outputs are score, is_anomaly and explanation'
	# a bad time in the rows: the batch runner's message, with the row
	fixture_json | sed 's/"2026-11-01T23:35:00Z"/"yesterday"/' > r.json
	run req --data-binary @r.json "$URL/v2/models/zscore/infer"
	assert_line --index 1 400
	# (ad-clean passes text on: ad-features, the second stage, finds it)
	assert_line --index 0 --partial "{\"error\":\"row 4 (after the release's params): column \\\"timestamp\\\": expected an ISO-8601 time"
	printf 'timestamp,host,cpu,lat,label\n2026-11-01T23:30:00Z,db1,60.98,14.37,0,9\n' > bad.csv
	run req -H 'Content-Type: text/csv' --data-binary @bad.csv "$URL/v2/models/zscore/infer"
	assert_output $'{"error":"1 of the 1 rows were dropped (rejected for their field count, missing a value, or repeated); the answer would not match the rows sent"}\n400'
	# an invalid number is a missing cell, filled by the clean params, as
	# in batch
	printf 'timestamp,host,cpu,lat,label\n2026-11-01T23:30:00Z,db1,x,14.37,0\n' > bad.csv
	run req -H 'Content-Type: text/csv' --data-binary @bad.csv "$URL/v2/models/zscore/infer"
	[ "${lines[-1]}" = 200 ]
	[ "${#lines[@]}" -eq 3 ]
	run req -H 'Content-Type: text/plain' -d 'x' "$URL/v2/models/zscore/infer"
	assert_line --index 1 415
	# and the server answers the next request as if nothing happened
	fixture_json > r.json
	run req --data-binary @r.json "$URL/v2/models/zscore/infer"
	assert_line --index 1 200
	# one access log line per request, status included
	[ "$(grep -c '^ad-serve: method=POST path=/v2/models/zscore/infer status=400 ' server.log)" -ge 12 ]
	grep -q '^ad-serve: method=POST path=/v2/models/zscore/infer status=200 model=zscore version=r1 rows=36 ' server.log
}

@test "a body above --max-body is 413; -q leaves the log empty" {
	start_server -q --store "$(STORE)" --max-body 100
	fixture_json > r.json
	run req --data-binary @r.json "$URL/v2/models/zscore/infer"
	assert_output --partial '"error":"the body is larger than --max-body (100 bytes)"'
	assert_line --index 1 413
	run req -H 'Transfer-Encoding: chunked' --data-binary @r.json "$URL/v2/models/zscore/infer"
	assert_line --index 1 413
	run req -d '{"inputs":[]}' "$URL/v2/models/zscore/infer"
	assert_line --index 1 400
	[ ! -s server.log ]
}

# Starts a CSV upload to model zscore through the fifo "slow" that stays
# open on fd 7 (bats keeps 3) until finish_slow; its answer goes to slow.out.
start_slow() {
	mkfifo slow
	curl -sS --max-time 30 -o slow.out -w '%{http_code}' -X POST \
		-H 'Content-Type: text/csv' -T slow "$URL/v2/models/zscore/infer" > slow.code &
	SLOW=$!
	exec 7> slow
	head -n 2 "$TS" >&7
}

# Waits (at most 10 s) until the slow request holds the one slot of
# --max-inflight 1: another request is then refused.
wait_busy() {
	for _ in $(seq 100); do
		code=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -d '{}' \
			"$URL/v2/models/zscore/infer")
		[ "$code" = 503 ] && return 0
		sleep 0.1
	done
	return 1
}

finish_slow() {
	tail -n +3 "$TS" >&7
	exec 7>&-
	wait "$SLOW"
}

@test "requests beyond --max-inflight are 503 with Retry-After; the one in flight finishes" {
	start_server -q --store "$(STORE)" --max-inflight 1
	start_slow
	code=
	for _ in $(seq 100); do
		code=$(curl -sS --max-time 20 -o busy.out -D busy.head -w '%{http_code}' \
			-H 'Content-Type: text/csv' --data-binary "@$TS" "$URL/v2/models/zscore/infer")
		[ "$code" = 503 ] && break
		sleep 0.1
	done
	[ "$code" = 503 ]
	grep -qi '^Retry-After: 1' busy.head
	grep -q '"error":"too many requests in flight (--max-inflight); retry"' busy.out
	# health stays up while inference is saturated
	run req "$URL/v2/health/ready"
	assert_line --index 1 200
	finish_slow
	[ "$(cat slow.code)" = 200 ]
	cmp slow.out "$BATS_FILE_TMPDIR/batch.zscore.csv"
}

@test "SIGTERM stops accepting, lets the request in flight finish, and exits 0" {
	start_server -q --store "$(STORE)" --max-inflight 1
	start_slow
	wait_busy
	kill -TERM "$SERVER"
	sleep 0.2
	kill -0 "$SERVER"     # still draining
	finish_slow
	[ "$(cat slow.code)" = 200 ]
	cmp slow.out "$BATS_FILE_TMPDIR/batch.zscore.csv"
	rc=0
	wait "$SERVER" || rc=$?
	SERVER=
	[ "$rc" -eq 0 ]
	run curl -sS --max-time 5 "$URL/v2/health/live"
	assert_failure
}

@test "--drain-timeout cuts a request that does not finish, still exiting 0" {
	start_server -q --store "$(STORE)" --drain-timeout 0.2 --max-inflight 1
	start_slow
	wait_busy
	kill -TERM "$SERVER"
	rc=0
	wait "$SERVER" || rc=$?
	SERVER=
	[ "$rc" -eq 0 ]
	exec 7>&-
	wait "$SLOW" || true
	grep -q 'requests still running after --drain-timeout were cut off' server.log
}

@test "-m with params serves one model; the unversioned path goes to current" {
	d="$(STORE)/iforest/releases/r1"
	start_server -q -m "$d/model" --clean-params "$d/clean.params" \
		--features-params "$d/features.params" --name solo
	curl -sS -f -H 'Content-Type: text/csv' --data-binary "@$TS" \
		"$URL/v2/models/solo/versions/1/infer" > solo.csv
	cmp solo.csv "$BATS_FILE_TMPDIR/batch.iforest.csv"
	run req "$URL/v2/models/solo"
	assert_output --partial '"versions":["1"],"version":"1"'
	kill "$SERVER"; wait "$SERVER" || true
	# two releases; current points at the second
	mkdir -p two/m/releases
	cp -r "$(STORE)/zscore/releases/r1" two/m/releases/a
	cp -r "$(STORE)/pca/releases/r1" two/m/releases/b
	ln -s releases/b two/m/current
	start_server -q --store two
	run req "$URL/v2/models/m"
	assert_output --partial '"versions":["a","b"],"version":"b"'
	curl -sS -f -H 'Content-Type: text/csv' --data-binary "@$TS" \
		"$URL/v2/models/m/infer" > cur.csv
	cmp cur.csv "$BATS_FILE_TMPDIR/batch.pca.csv"
	curl -sS -f -H 'Content-Type: text/csv' --data-binary "@$TS" \
		"$URL/v2/models/m/versions/a/infer" > a.csv
	cmp a.csv "$BATS_FILE_TMPDIR/batch.zscore.csv"
}

@test "SIGHUP loads a new release and a moved current; a store that fails to load keeps the old one" {
	mkdir -p live/m/releases
	cp -r "$(STORE)/zscore/releases/r1" live/m/releases/a
	ln -s releases/a live/m/current
	start_server --store live
	run req "$URL/v2/models/m"
	assert_output --partial '"versions":["a"],"version":"a"'
	# publish b and move current, as the pipelines do
	cp -r "$(STORE)/pca/releases/r1" live/m/releases/b
	ln -s releases/b live/m/.current.tmp
	mv -T live/m/.current.tmp live/m/current
	kill -HUP "$SERVER"
	for _ in $(seq 100); do
		grep -q 'SIGHUP: reloaded, 1 models' server.log && break
		sleep 0.1
	done
	run req "$URL/v2/models/m"
	assert_output --partial '"versions":["a","b"],"version":"b"'
	curl -sS -f -H 'Content-Type: text/csv' --data-binary "@$TS" \
		"$URL/v2/models/m/infer" > cur.csv
	cmp cur.csv "$BATS_FILE_TMPDIR/batch.pca.csv"
	# nothing loads any more: the old store stays served
	rm -r live/m/releases/a live/m/releases/b
	kill -HUP "$SERVER"
	for _ in $(seq 100); do
		grep -q 'SIGHUP: reload failed' server.log && break
		sleep 0.1
	done
	grep -q 'SIGHUP: reload failed, still serving the store loaded before: live: no release loaded' server.log
	curl -sS -f -H 'Content-Type: text/csv' --data-binary "@$TS" \
		"$URL/v2/models/m/versions/a/infer" > a.csv
	cmp a.csv "$BATS_FILE_TMPDIR/batch.zscore.csv"
}

@test "SIGHUP while requests are in flight: the one running finishes on its release" {
	mkdir -p live/zscore/releases
	cp -r "$(STORE)/zscore/releases/r1" live/zscore/releases/a
	ln -s releases/a live/zscore/current
	start_server -q --store live --max-inflight 1
	start_slow
	wait_busy
	rm -r live/zscore/releases/a live/zscore/current
	cp -r "$(STORE)/pca/releases/r1" live/zscore/releases/b
	ln -s releases/b live/zscore/current
	kill -HUP "$SERVER"
	for _ in $(seq 100); do
		code=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' \
			"$URL/v2/models/zscore/versions/b/ready")
		[ "$code" = 200 ] && break
		sleep 0.1
	done
	[ "$code" = 200 ]
	finish_slow
	[ "$(cat slow.code)" = 200 ]
	cmp slow.out "$BATS_FILE_TMPDIR/batch.zscore.csv"
	run req "$URL/v2/models/zscore/versions/a/ready"
	assert_line --index 1 404
}

@test "concurrent requests to every detector each get the batch answer" {
	start_server -q --store "$(STORE)" --threads 4
	pids=()
	for round in 1 2; do
		for a in $DETECTORS; do
			curl -sS --max-time 60 -f -H 'Content-Type: text/csv' --data-binary "@$TS" \
				-o "par.$a.$round.csv" "$URL/v2/models/$a/infer" &
			pids+=($!)
		done
	done
	for p in "${pids[@]}"; do wait "$p"; done
	for round in 1 2; do
		for a in $DETECTORS; do
			cmp "par.$a.$round.csv" "$BATS_FILE_TMPDIR/batch.$a.csv"
		done
	done
}
