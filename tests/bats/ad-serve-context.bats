#!/usr/bin/env bats
# ad-serve's time-context features across requests: each release keeps
# every entity's (group key's) context state and last time, so a grouped
# series sent in time order over several requests scores as the batch
# pipeline scores it at once; a row earlier than its entity's last one is
# 400; --max-entities bounds the entities kept, evictions counted in
# /metrics. Servers listen on 127.0.0.1, port 0, and are stopped by PID in
# teardown.

load helper
load serve

TS="$FIX/features-ts.csv"
BATCH="$BATS_FILE_TMPDIR/batch.csv"

# A release whose features have a lag, a diff and a rolling window grouped
# by host, and the batch pipeline's answer.
setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	ad-clean -q --impute median,label=none -s clean.params -o clean.csv "$TS"
	ad-features -q --time timestamp --group host --lags 1 --rolling 3 --diff \
		--onehot host --scale robust --keep label -s features.params \
		-o features.csv clean.csv
	ad-train -q -a zscore --seed 1 -o model features.csv
	ad-clean -q -r clean.params "$TS" | ad-features -q -r features.params |
		ad-score -q -m model --keep '' > batch.csv
}

# Starts ad-serve on the release with the arguments given, on 127.0.0.1,
# port 0, and waits (at most 10 s) for the port it prints; sets URL and
# SERVER.
start_server() {
	local d="$BATS_FILE_TMPDIR"
	serve_start -q -m "$d/model" --clean-params "$d/clean.params" \
		--features-params "$d/features.params" --name m "$@" &&
		URL="$URL/v2/models/m"
}

teardown() {
	serve_stop
}

# POSTs CSV file $1 to the model; the answer goes to stdout.
post() {
	curl -sS --max-time 20 -H 'Content-Type: text/csv' --data-binary "@$1" "$URL/infer"
}

# The fixture's rows $1..$2 (the header is line 1) as a CSV of their own.
rows() {
	sed -n "1p;$1,$2p" "$TS"
}

@test "a grouped series sent in time order over 3 requests scores as the batch pipeline" {
	start_server
	rows 2 13 > r1.csv
	rows 14 25 > r2.csv
	rows 26 37 > r3.csv
	post r1.csv > s1.csv
	post r2.csv > s2.csv
	post r3.csv > s3.csv
	{ cat s1.csv; tail -n +2 s2.csv; tail -n +2 s3.csv; } > online.csv
	[ "$(wc -l < online.csv)" -eq 37 ]
	cmp online.csv "$BATCH"
	# the state is the release's: a new server starts every host afresh,
	# so its first request's answer is the first one's again, not batch's
	kill "$SERVER"
	wait "$SERVER" || true
	start_server
	post r2.csv > fresh.csv
	! cmp -s fresh.csv s2.csv
}

@test "a row earlier than its entity's last one is 400, naming the row and the entity" {
	start_server
	rows 2 25 > later.csv
	rows 14 16 > earlier.csv
	post later.csv > /dev/null
	run curl -sS --max-time 20 -o answer.json -w '%{http_code}' \
		-H 'Content-Type: text/csv' --data-binary @earlier.csv "$URL/infer"
	assert_output 400
	run cat answer.json
	assert_output --partial "row 1 "
	assert_output --partial 'time goes back for entity \"db1\"'
}

@test "--max-entities 1 evicts the least recently seen entity, counted in /metrics" {
	start_server --max-entities 1
	rows 2 13 > r1.csv
	rows 14 25 > r2.csv
	post r1.csv > s1.csv
	post r2.csv > s2.csv
	# 3 hosts in each request: after each, the 2 seen least recently are
	# evicted (a request's own rows keep their state within it), so the
	# second request's db1 and web1 start afresh, unlike batch's
	curl -sS -f --max-time 10 "${URL%/v2/models/m}/metrics" > m.prom
	grep -qx 'adkit_serve_entities_evicted_total{model="m",version="1"} 4' m.prom
	cmp s1.csv <(sed -n '1,13p' "$BATCH")
	! cmp -s s2.csv <(sed -n '1p;14,25p' "$BATCH")
	# web2, seen last, is kept: an earlier row of it is 400; db1 was
	# evicted and starts afresh, so an earlier row of it is no error
	grep -e timestamp -e web2 r1.csv > web2.csv
	grep -e timestamp -e db1 r1.csv > db1.csv
	run curl -sS --max-time 20 -o /dev/null -w '%{http_code}' \
		-H 'Content-Type: text/csv' --data-binary @web2.csv "$URL/infer"
	assert_output 400
	run curl -sS --max-time 20 -o /dev/null -w '%{http_code}' \
		-H 'Content-Type: text/csv' --data-binary @db1.csv "$URL/infer"
	assert_output 200
}
