#!/usr/bin/env bats
# The metrics adkit writes and what watches them (pipelines/monitoring):
# every --prom output, ad-serve's /metrics and the nightly job's textfile pass
# `promtool check metrics` and follow Prometheus' naming; the alerting rules
# pass promtool's check and unit tests, the Alertmanager route amtool's
# check, and the rules, the dashboard and the man pages name only metrics
# adkit writes.

load helper

MON="$ROOT/pipelines/monitoring"

# Metrics the rules and the man pages name that adkit does not write yet
# (none now). The last test fails once one is written: then take it out.
PENDING=""

# Scrapes ad-serve's /metrics, after one request, into $2, serving store $1.
scrape_serve() {
	local pid port="" rc=0
	ad-serve -q --listen 127.0.0.1:0 --store "$1" > "$1.port" &
	pid=$!
	for _ in $(seq 100); do
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1.port")
		[ -n "$port" ] && break
		sleep 0.1
	done
	curl -sS -f --max-time 20 -H 'Content-Type: text/csv' --data-binary "@$3" \
		"http://127.0.0.1:$port/v2/models/m/infer" > /dev/null &&
		curl -sS -f --max-time 20 "http://127.0.0.1:$port/metrics" > "$2" || rc=1
	kill "$pid"
	wait "$pid" || true
	return "$rc"
}

# Writes every kind of metrics file once, with the options that add series
# (--by, --compare, gates, --window), into $BATS_FILE_TMPDIR/prom.
setup_file() {
	local p="$BATS_FILE_TMPDIR/prom" d="$BATS_FILE_TMPDIR"
	mkdir -p "$p"
	ad-clean -q --impute median,label=none --dedupe --prom "$p/clean.prom" \
		-o "$d/clean.csv" "$ROOT/data/servers.csv"
	ad-eval -q --by host --compare challenger --min-auc 0.9 --min-f1 0.1 \
		--min-precision 0.1 --min-recall 0.1 --prom "$p/eval.prom" \
		-o "$d/eval.json" "$FIX/eval-basic.csv" || [ $? -eq 1 ]
	ad-drift -q -r "$FIX/drift-ref.csv" --window 50 --prom "$p/drift.prom" \
		-o "$d/drift.csv" "$FIX/drift-shift.csv" || [ $? -eq 1 ]
	ad-train -q --label label --ignore timestamp,host --seed 1 -o "$d/model" "$d/clean.csv"
	ad-score -q -m "$d/model" -o "$d/scored.csv" "$d/clean.csv"
	ad-drift -q -m "$d/model" --prom "$p/score-drift.prom" -o "$d/score-drift.csv" \
		"$d/scored.csv" || [ $? -eq 1 ]
	mkdir -p "$d/store/m/releases/r1"
	cp "$d/model" "$d/store/m/releases/r1/"
	ln -s releases/r1 "$d/store/m/current"
	scrape_serve "$d/store" "$p/serve.prom" "$d/clean.csv"
	# The nightly job on a drifted day: its own file and the commands'.
	export ADKIT_STATE="$d/state" ADKIT_INCOMING="$d/incoming" ADKIT_TEXTFILE_DIR="$p/nightly"
	mkdir -p "$ADKIT_INCOMING"
	{ head -n 1 "$ROOT/data/servers.csv"; sed -n '1154,2305p' "$ROOT/data/servers.csv"; } > "$d/monday.csv"
	head -n 1153 "$ROOT/data/servers.csv" > "$ADKIT_INCOMING/2026-11-01.csv"
	"$ROOT/pipelines/cron/adkit-nightly" --init "$d/monday.csv" 2>/dev/null
	"$ROOT/pipelines/cron/adkit-nightly" --date 2026-11-01 2>/dev/null || [ $? -eq 1 ]
	# Every metric name adkit writes, one a line (a histogram's own name
	# too, besides its samples' _bucket, _sum and _count).
	cat "$p"/*.prom "$p"/nightly/*.prom |
		sed -n -e 's/^\(adkit_[a-z0-9_]*\)[{ ].*/\1/p' \
			-e 's/^# TYPE \(adkit_[a-z0-9_]*\) histogram$/\1/p' |
		sort -u > "$d/written"
}

PROMS() {
	ls "$BATS_FILE_TMPDIR"/prom/*.prom "$BATS_FILE_TMPDIR"/prom/nightly/*.prom
}

# Metric names in file $1 (rules, a dashboard, a man page) adkit never writes
# (the pending ones aside).
unknown_names() {
	grep -o 'adkit_[a-z0-9_]*[a-z0-9]' "$1" | sort -u | comm -23 - "$BATS_FILE_TMPDIR/written" |
		grep -vxF "$(printf '%s\n' $PENDING)" || true
}

@test "every metrics file adkit writes passes promtool check metrics" {
	[ "$(PROMS | wc -l)" -eq 9 ]
	for f in $(PROMS); do
		run promtool check metrics < "$f"
		assert_success
		assert_output ""
	done
}

@test "metric names: adkit_ prefix, HELP and TYPE, _total exactly for counters, base units" {
	[ "$(wc -l < "$BATS_FILE_TMPDIR/written")" -gt 60 ]
	for f in $(PROMS); do
		run awk '
			/^# HELP / { help[$3] = 1; next }
			/^# TYPE / { type[$3] = $4; next }
			/^#/ || NF == 0 { next }
			{
				name = $0; sub(/[{ ].*/, "", name)
				# a histogram'"'"'s samples are named after it, with a suffix
				base = name; sub(/_(bucket|sum|count)$/, "", base)
				if (!(name in type) && type[base] == "histogram") name = base
				if (name !~ /^adkit_[a-z0-9_]+$/) print FILENAME ": bad name " name
				if (!help[name]) print FILENAME ": no HELP for " name
				if (!(name in type)) print FILENAME ": no TYPE for " name
				if ((type[name] == "counter") != (name ~ /_total$/))
					print FILENAME ": " name " is a " type[name]
				if (name ~ /_(ms|milliseconds|minutes|hours|days|percent|kb|mb|kilobytes|megabytes)(_|$)/)
					print FILENAME ": " name " is not in base units"
			}' "$f"
		assert_success
		assert_output ""
	done
}

@test "the nightly job's metrics are labelled cronjob, not job, which Prometheus owns" {
	run grep -c '{cronjob="nightly"}' "$BATS_FILE_TMPDIR/prom/nightly/adkit_nightly.prom"
	assert_output 10
	run grep -c '{job=' "$BATS_FILE_TMPDIR/prom/nightly/adkit_nightly.prom"
	assert_output 0
}

@test "the alerting rules pass promtool's check and unit tests" {
	run promtool check rules "$MON/adkit-rules.yml"
	assert_success
	assert_output --partial "SUCCESS: 15 rules found"
	cd "$MON"
	run promtool test rules adkit-rules.test.yml
	assert_success
	assert_output --partial "SUCCESS"
}

@test "every alerting rule is unit-tested both ways" {
	for a in $(sed -n 's/^ *- alert: //p' "$MON/adkit-rules.yml"); do
		grep -A1 "alertname: $a\$" "$MON/adkit-rules.test.yml" | grep -q 'exp_alerts: \[\]' ||
			fail "$a is never tested quiet"
		grep -A1 "alertname: $a\$" "$MON/adkit-rules.test.yml" | grep -q 'exp_alerts:$' ||
			fail "$a is never tested firing"
	done
}

@test "the rules, the dashboard and the man pages name only metrics adkit writes" {
	for f in "$MON/adkit-rules.yml" "$MON/grafana-dashboard.json" "$ROOT"/man/*.[157]; do
		run unknown_names "$f"
		assert_output ""
	done
}

@test "the Alertmanager example passes amtool and routes by severity" {
	run amtool check-config "$MON/alertmanager.yml"
	assert_success
	run --separate-stderr amtool config routes test --config.file="$MON/alertmanager.yml" \
		alertname=AdkitJobFailed severity=critical
	assert_output adkit-oncall
	run --separate-stderr amtool config routes test --config.file="$MON/alertmanager.yml" \
		alertname=AdkitDriftDetected severity=warning
	assert_output adkit-data-team
	run --separate-stderr amtool config routes test --config.file="$MON/alertmanager.yml" \
		alertname=Other severity=critical
	assert_output default
}

@test "the Grafana dashboard parses and every panel queries Prometheus" {
	run jq -e '.uid == "adkit" and (.panels | length) > 10' "$MON/grafana-dashboard.json"
	assert_success
	run jq -r '.panels[] | select(.type != "row")
		| select((.targets | length) == 0 or any(.targets[]; (.expr // "") == ""))
		| .title' "$MON/grafana-dashboard.json"
	assert_success
	assert_output ""
	# Panel ids are unique, and so are the places they take.
	run jq -r '[.panels[].id] | length == (unique | length)' "$MON/grafana-dashboard.json"
	assert_output true
	run jq -r '[.panels[].gridPos | "\(.x),\(.y)"] | length == (unique | length)' \
		"$MON/grafana-dashboard.json"
	assert_output true
}

@test "a pending metric is not written yet (once it is, empty PENDING)" {
	for m in $PENDING; do
		run grep -qx "$m" "$BATS_FILE_TMPDIR/written"
		assert_failure
	done
}
