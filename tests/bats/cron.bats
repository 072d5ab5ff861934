#!/usr/bin/env bats
# pipelines/cron/adkit-nightly from the outside, on the sample's three days:
# Sunday's lighter weekend traffic drifts from Monday and Tuesday, which
# look alike. What gets published, the exit statuses, the lock, the logs and
# the Prometheus textfile.

load helper

JOBCMD="$ROOT/pipelines/cron/adkit-nightly"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export ADKIT_STATE="$BATS_TEST_TMPDIR/state"
	export ADKIT_INCOMING="$BATS_TEST_TMPDIR/incoming"
	export ADKIT_TEXTFILE_DIR="$BATS_TEST_TMPDIR/textfile"
	mkdir -p "$ADKIT_INCOMING"
	# The days of data/servers.csv, as in scripts/demo.sh.
	S="$ROOT/data/servers.csv"
	head -n 1153 "$S" > sunday.csv
	{ head -n 1 "$S"; sed -n '1154,2305p' "$S"; } > monday.csv
	{ head -n 1 "$S"; sed -n '2306,$p' "$S"; } > tuesday.csv
}

# The value of the job's metric $1 in the textfile.
job_metric() {
	sed -n "s/^$1{cronjob=\"nightly\"} //p" "$ADKIT_TEXTFILE_DIR/adkit_nightly.prom"
}

published() {
	readlink "$ADKIT_STATE/current"
}

@test "--help prints the usage and exits 0; bad arguments exit 2" {
	run "$JOBCMD" --help
	assert_success
	assert_output --partial "usage: adkit-nightly"
	run "$JOBCMD" --no-such-option
	assert_failure 2
	run "$JOBCMD" --date yesterday
	assert_failure 2
	assert_output --partial "YYYY-MM-DD"
	[ ! -e "$ADKIT_STATE/current" ]
}

@test "a quiet day keeps the model (0); a drifted day whose challenger loses keeps it too (1)" {
	run "$JOBCMD" --init monday.csv
	assert_success
	first=$(published)
	[ -s "$ADKIT_STATE/current/model" ]
	[ -s "$ADKIT_STATE/current/clean.params" ]
	[ -s "$ADKIT_STATE/current/reference.prof" ]

	cp tuesday.csv "$ADKIT_INCOMING/2026-11-03.csv"
	run "$JOBCMD" --date 2026-11-03
	assert_success
	assert_output --partial "no drift"
	assert_equal "$(published)" "$first"
	assert_equal "$(job_metric adkit_job_last_exit_status)" 0
	assert_equal "$(job_metric adkit_job_drift_detected)" 0
	assert_equal "$(job_metric adkit_job_rows_scored)" \
		"$(sed -n 's/^adkit_clean_rows_written{input="data.csv"} //p' "$ADKIT_TEXTFILE_DIR/adkit_clean.prom")"
	[ "$(job_metric adkit_job_rows_scored)" -gt 1000 ]
	success=$(job_metric adkit_job_last_success_timestamp_seconds)
	[ "$success" -gt 0 ]
	grep -q '^adkit_eval_gate_passed{model="current",gate="min_auc"} 1$' \
		"$ADKIT_TEXTFILE_DIR/adkit_eval.prom"
	grep -q '^adkit_drift_detected{input="clean.csv"} 0$' "$ADKIT_TEXTFILE_DIR/adkit_drift.prom"
	[ -s "$ADKIT_STATE/runs/2026-11-03/scored.csv" ]

	cp sunday.csv "$ADKIT_INCOMING/2026-11-04.csv"
	run "$JOBCMD" --date 2026-11-04
	assert_failure 1
	assert_output --partial "the challenger loses"
	assert_output --partial "the published model stays"
	assert_equal "$(published)" "$first"
	assert_equal "$(job_metric adkit_job_last_exit_status)" 1
	assert_equal "$(job_metric adkit_job_drift_detected)" 1
	assert_equal "$(job_metric adkit_job_challenger_trained)" 1
	assert_equal "$(job_metric adkit_job_model_published)" 0
	assert_equal "$(job_metric adkit_job_models_published_total)" 1
	assert_equal "$(job_metric adkit_job_last_success_timestamp_seconds)" "$success"
	grep -q '^adkit_drift_detected{input="clean.csv"} 1$' "$ADKIT_TEXTFILE_DIR/adkit_drift.prom"
	assert_equal "$(ls "$ADKIT_STATE/models")" "${first#models/}"
	# Every step and its outcome is in the log.
	grep -q 'day 2026-11-04' "$ADKIT_STATE/nightly.log"
	grep -q 'done, exit status 1' "$ADKIT_STATE/nightly.log"
}

@test "a drifted day whose challenger wins publishes it with one rename (0)" {
	run "$JOBCMD" --init sunday.csv
	assert_success
	first=$(published)
	cp monday.csv "$ADKIT_INCOMING/2026-11-02.csv"
	run "$JOBCMD" --date 2026-11-02
	assert_success
	assert_output --partial "the challenger wins"
	second=$(published)
	[ "$second" != "$first" ]
	assert_equal "$(job_metric adkit_job_model_published)" 1
	assert_equal "$(job_metric adkit_job_models_published_total)" 2
	# The winner comes with the cleaning it was trained under and a profile
	# of its training data, and it scores.
	cmp "$ADKIT_STATE/$first/clean.params" "$ADKIT_STATE/$second/clean.params"
	run ad-drift -q -r "$ADKIT_STATE/current/reference.prof" --drop timestamp,label \
		"$ADKIT_STATE/runs/2026-11-02/clean.csv"
	assert_success
	run ad-score -q -m "$ADKIT_STATE/current/model" "$ADKIT_STATE/runs/2026-11-02/clean.csv"
	assert_success
	# No half-built model is left behind, and models/ keeps the old one.
	assert_equal "$(ls -A "$ADKIT_STATE/models" | wc -l)" 2
}

@test "ADKIT_KEEP_MODELS bounds the models kept, never removing the one in use" {
	export ADKIT_KEEP_MODELS=1
	# both models are published in the same second (a fast machine did so,
	# and the newer one was pruned when its hash sorted first)
	mkdir clock
	printf '#!/bin/sh\ncase "$*" in *%%H%%M%%S*) echo 20261129T000000Z ;; *) exec /usr/bin/date "$@" ;; esac\n' > clock/date
	chmod +x clock/date
	PATH="$PWD/clock:$PATH"
	"$JOBCMD" --init sunday.csv 2>/dev/null
	cp monday.csv "$ADKIT_INCOMING/2026-11-02.csv"
	run "$JOBCMD" --date 2026-11-02
	assert_success
	assert_equal "$(ls "$ADKIT_STATE/models")" "$(basename "$(published)")"
}

@test "a run while another holds the lock exits 4 at once and leaves the metrics" {
	"$JOBCMD" --init monday.csv 2>/dev/null
	cp tuesday.csv "$ADKIT_INCOMING/2026-11-03.csv"
	run flock "$ADKIT_STATE/lock" "$JOBCMD" --date 2026-11-03
	assert_failure 4
	assert_output --partial "another run holds"
	[ ! -e "$ADKIT_STATE/runs/2026-11-03" ]
	[ ! -e "$ADKIT_TEXTFILE_DIR/adkit_nightly.prom" ]
}

@test "a missing day exits 4 and says so in the metrics, keeping the last success" {
	"$JOBCMD" --init monday.csv 2>/dev/null
	cp tuesday.csv "$ADKIT_INCOMING/2026-11-03.csv"
	"$JOBCMD" --date 2026-11-03 2>/dev/null
	success=$(job_metric adkit_job_last_success_timestamp_seconds)
	run "$JOBCMD" --date 2026-11-05
	assert_failure 4
	assert_output --partial "cannot read $ADKIT_INCOMING/2026-11-05.csv"
	assert_equal "$(job_metric adkit_job_last_exit_status)" 4
	assert_equal "$(job_metric adkit_job_last_success_timestamp_seconds)" "$success"
}

@test "bad data exits 3, naming the file, and publishes nothing" {
	"$JOBCMD" --init monday.csv 2>/dev/null
	first=$(published)
	printf 'timestamp,host,cpu\n2026-11-03T00:00:00Z,web1,1\n' > "$ADKIT_INCOMING/2026-11-03.csv"
	run "$JOBCMD" --date 2026-11-03
	assert_failure 3
	assert_output --partial "data.csv"
	assert_equal "$(published)" "$first"
	assert_equal "$(job_metric adkit_job_last_exit_status)" 3
}

@test "drifted data whose labels are not known yet keeps the model: no A/B (1)" {
	"$JOBCMD" --init monday.csv 2>/dev/null
	first=$(published)
	sed '2,$s/,[^,]*$/,/' sunday.csv > "$ADKIT_INCOMING/2026-11-04.csv"
	run "$JOBCMD" --date 2026-11-04
	assert_failure 1
	assert_output --partial "no label values: nothing to evaluate"
	assert_output --partial "no labels to evaluate a challenger with"
	assert_equal "$(published)" "$first"
	assert_equal "$(job_metric adkit_job_challenger_trained)" 0
}

@test "the example crontab line runs the job, quiet on success, one line on failure" {
	line=$(grep -E '^[0-9*]' "$ROOT/pipelines/cron/crontab")
	# minute hour day month weekday user command: the command from field 7.
	cmd=$(echo "$line" | cut -d ' ' -f 7-)
	cmd=${cmd//\/usr\/local\/bin\/adkit-nightly/$JOBCMD}
	[[ "$cmd" == "$JOBCMD "* ]]
	"$JOBCMD" --init monday.csv 2>/dev/null
	cp tuesday.csv "$ADKIT_INCOMING/$(date -u -d yesterday +%F).csv"
	run sh -c "$cmd"
	assert_success
	assert_output ""
	rm "$ADKIT_INCOMING/$(date -u -d yesterday +%F).csv"
	run sh -c "$cmd"
	assert_success
	assert_output --regexp '^adkit-nightly: exit status 4, see '
}
