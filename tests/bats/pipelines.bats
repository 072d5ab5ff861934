#!/usr/bin/env bats
# pipelines/ without Python or the KFP SDK: the compiled pipeline YAML files
# are checked against the committed components and glue scripts they were
# compiled from (so a stale compile fails), and the glue scripts in
# pipelines/steps are run on real adkit output.

load helper

PIPES="$ROOT/pipelines"
STEPS="$PIPES/steps"

# Prints one line per executor of compiled pipeline $1:
# NAME<TAB>IMAGE<TAB>COMMAND<TAB>ARGS, the command's and the args' items
# joined by newlines written as \n (folded lines joined by a space).
executors() {
	awk '
	function flush() {
		if (name != "")
			printf "%s\t%s\t%s\t%s\n", name, image, buf["command"], buf["args"]
		name = image = ""; delete buf
	}
	/^---/ { exit }
	/^  executors:/ { on = 1; next }
	on && /^[^ ]/ { flush(); on = 0 }
	!on { next }
	/^    [^ ]/ { flush(); name = $1; sub(/:$/, "", name); field = ""; next }
	/^        (args|command):/ { field = $1; sub(/:$/, "", field); next }
	/^        image:/ { image = $2; field = ""; next }
	/^        [^ -]/ { field = ""; next }
	field != "" && /^        - / { buf[field] = buf[field] "\\n" substr($0, 11); next }
	field != "" && /^          / { s = $0; sub(/^ +/, "", s); buf[field] = buf[field] " " s; next }
	END { flush() }' "$1"
}

# The arguments of compiled executor args $1 as tokens: options, and
# KIND:NAME for each placeholder (present:NAME for an IfPresent).
compiled_tokens() {
	printf '%s' "$1" | grep -oE "\"InputName\": \"[a-z0-9_]+\"|(inputs|outputs)\.(artifacts|parameters)\['{1,2}[a-z0-9_]+'{1,2}\](\.path|\.output_file)?|--[a-z][a-z0-9-]*=?" |
		sed -E "s/'+/'/g
			s/^\"InputName\": \"(.*)\"$/present:\1/
			s/^inputs\.artifacts\['(.*)'\]\.path$/inputPath:\1/
			s/^outputs\.artifacts\['(.*)'\]\.path$/outputPath:\1/
			s/^outputs\.parameters\['(.*)'\]\.output_file$/outputPath:\1/
			s/^inputs\.parameters\['(.*)'\]$/inputValue:\1/"
}

# The same tokens of component file $1's args.
component_tokens() {
	sed -n '/^    args:/,$p' "$1" |
		grep -oE '(isPresent|inputPath|outputPath|inputValue): "[a-z0-9_]+"|--[a-z][a-z0-9-]*=?' |
		sed -E 's/^isPresent: "(.*)"$/present:\1/; s/^([a-zA-Z]+): "(.*)"$/\1:\2/'
}

# Checks every executor of compiled pipeline $1: an adkit command matches its
# component file, a glue step its script, anything else is an importer.
check_compiled() {
	local yaml=$1 name image cmd args comp steps=0 n=0
	while IFS=$'\t' read -r name image cmd args; do
		n=$((n + 1))
		cmd=${cmd#\\n}
		case $cmd in
		ad-*\\n* | ad-*) cmd=${cmd%%\\n*}
			comp="$PIPES/components/$cmd.yaml"
			[ -f "$comp" ] || { echo "$yaml: $name runs $cmd, which has no $comp"; return 1; }
			grep -qxF "    image: \"$image\"" "$comp" ||
				{ echo "$yaml: $name runs image $image, not $comp's"; return 1; }
			[ -n "$(component_tokens "$comp")" ] || { echo "$comp: no arguments found"; return 1; }
			diff <(compiled_tokens "$args") <(component_tokens "$comp") ||
				{ echo "$yaml: $name's arguments differ from $comp: compile again"; return 1; } ;;
		sh\\n-c\\n*)
			local step=${cmd##*adkit-step:} sha
			sha=${step#*:}; step=${step%%:*}
			[ -f "$STEPS/$step.sh" ] || { echo "$yaml: $name runs glue step $step, which has no $STEPS/$step.sh"; return 1; }
			[ "$(sha256sum < "$STEPS/$step.sh" | cut -c1-16)" = "$sha" ] ||
				{ echo "$yaml: $name embeds an older $STEPS/$step.sh: compile again"; return 1; }
			steps=$((steps + 1)) ;;
		'') [[ $name == exec-importer* ]] ||
				{ echo "$yaml: $name is neither a container nor an importer"; return 1; } ;;
		*) echo "$yaml: $name runs $cmd, not an adkit command or glue step"; return 1 ;;
		esac
	done < <(executors "$yaml")
	[ "$n" -gt 0 ] || { echo "$yaml: no executors found"; return 1; }
}

@test "pipelines: each definition has its compiled YAML, and no YAML lacks one" {
	local py yaml
	for py in "$PIPES"/*.py; do
		[ "$(basename "$py")" = adkit_kfp.py ] && continue
		[ -f "${py%.py}.yaml" ] || { echo "no compiled ${py%.py}.yaml"; false; }
	done
	for yaml in "$PIPES"/*.yaml; do
		[ -f "${yaml%.yaml}.py" ] || { echo "$yaml has no definition"; false; }
	done
}

@test "pipelines: the compiled YAML files were compiled by the SDK version README.md names" {
	local yaml v
	v=$(sed -nE 's/^Compiled with the KFP SDK ([0-9]+(\.[0-9]+)*).*/\1/p' "$PIPES/README.md")
	[ -n "$v" ]
	for yaml in "$PIPES"/*.yaml; do
		grep -qx "sdkVersion: kfp-$v" "$yaml" ||
			{ echo "$yaml: $(grep sdkVersion "$yaml"), README.md says $v"; false; }
	done
}

@test "pipelines: the compiled YAML is what the pinned SDK writes (needs the SDK on PYTHONPATH)" {
	/usr/bin/python3 -c 'import kfp' 2>/dev/null ||
		skip "no KFP SDK on PYTHONPATH (not in Debian): see pipelines/README.md"
	run "$PIPES/verify-compiled.sh"
	assert_success
}

@test "pipelines: every step of every compiled pipeline matches its committed component or glue script" {
	local yaml
	for yaml in "$PIPES"/*.yaml; do
		check_compiled "$yaml"
	done
}

@test "pipelines: the check sees a component changed after the compile" {
	mkdir -p p/components p/steps
	local orig=$PIPES
	cp "$PIPES"/components/*.yaml p/components/
	cp "$STEPS"/*.sh p/steps/
	cp "$PIPES/training.yaml" p/
	PIPES=$PWD/p STEPS=$PWD/p/steps
	run check_compiled p/training.yaml
	assert_success
	sed -i 's/"--min-auc"/"--min-roc-auc"/' p/components/ad-eval.yaml
	run check_compiled p/training.yaml
	assert_failure
	assert_output --partial "differ from $PIPES/components/ad-eval.yaml"
	cp "$orig"/components/ad-eval.yaml p/components/
	echo '# changed' >> p/steps/publish.sh
	run check_compiled p/training.yaml
	assert_failure
	assert_output --partial "embeds an older $PWD/p/steps/publish.sh"
	rm p/components/ad-train.yaml
	run check_compiled p/training.yaml
	assert_failure
	assert_output --partial "which has no $PWD/p/components/ad-train.yaml"
}

@test "publish.sh, fetch.sh: a release becomes current at once, and fetch reads it" {
	printf 'c1\n' > c; printf 'f1\n' > f; printf 'm1\n' > m
	run sh "$STEPS/publish.sh" store run-1 c f m
	assert_success
	[ "$(readlink store/current)" = releases/run-1 ]
	printf 'm2\n' > m
	sh "$STEPS/publish.sh" store run-2 c f m
	[ "$(readlink store/current)" = releases/run-2 ]
	[ "$(cat store/releases/run-1/model)" = m1 ]
	[ ! -e store/.current.tmp ] && [ ! -e store/releases/.run-2.tmp ]
	run sh "$STEPS/fetch.sh" store oc of om
	assert_success
	assert_output --partial "fetched release run-2"
	[ "$(cat om)" = m2 ] && [ "$(cat oc)" = c1 ] && [ "$(cat of)" = f1 ]
	# a release name is used once: a second publish of run-2 changes nothing
	run sh "$STEPS/publish.sh" store run-2 c f m
	assert_failure 4
}

@test "fetch.sh: an empty store fails, naming the missing file" {
	mkdir store
	run sh "$STEPS/fetch.sh" store oc of om
	assert_failure 4
	assert_output --partial "store/current/clean.params"
	[ ! -e oc ]
}

@test "join-scores.sh, ab-winner.sh: the better model wins only when DeLong finds it significantly better" {
	ad-clean -q --impute median,label=none --dedupe -o clean.csv "$ROOT/data/servers.csv"
	ad-train -q --label label --ignore timestamp,host --seed 1 -o good clean.csv
	ad-train -q --label label --features errors --seed 1 -o poor clean.csv
	ad-score -q -m good --keep label -o a.csv clean.csv
	ad-score -q -m poor --keep '' -o b.csv clean.csv
	run sh "$STEPS/join-scores.sh" a.csv b.csv ab.csv
	assert_success
	[ "$(head -n 1 ab.csv)" = label,score,is_anomaly,challenger_score,challenger_is_anomaly ]
	[ "$(wc -l < ab.csv)" = "$(wc -l < a.csv)" ]
	# a third model beside them, under a prefix of its own
	sh "$STEPS/join-scores.sh" ab.csv b.csv abb.csv poor_
	[ "$(head -n 1 abb.csv)" = label,score,is_anomaly,challenger_score,challenger_is_anomaly,poor_score,poor_is_anomaly ]
	[ "$(sed -n 2p abb.csv)" = "$(paste -d, a.csv b.csv b.csv | sed -n 2p)" ]
	# current = good, challenger = poor: the current model stays
	ad-eval -F csv --bootstrap 0 --compare challenger_score -o r.csv ab.csv
	run sh "$STEPS/ab-winner.sh" r.csv 0.05 w
	assert_success
	[ "$(cat w)" = current ]
	# the other way round the challenger wins, and no newline follows it
	ad-score -q -m poor --keep label -o a.csv clean.csv
	ad-score -q -m good --keep '' -o b.csv clean.csv
	sh "$STEPS/join-scores.sh" a.csv b.csv ba.csv
	ad-eval -F csv --bootstrap 0 --compare challenger_score -o r.csv ba.csv
	sh "$STEPS/ab-winner.sh" r.csv 0.05 w
	[ "$(od -An -c w | tr -d ' \n')" = challenger ]
	# ... unless the difference must be significant beyond its p-value
	p=$(awk -F, '$1 == "compare.delong_p_value" { print $2 }' r.csv)
	sh "$STEPS/ab-winner.sh" r.csv "$(awk -v p="$p" 'BEGIN { print p / 2 }')" w
	[ "$(cat w)" = current ]
}

@test "join-scores.sh: files of different lengths are not joined" {
	printf 'score\n1\n2\n' > a; printf 'score\n1\n' > b
	run sh "$STEPS/join-scores.sh" a b out
	assert_failure 3
	assert_output --partial "not the same rows"
}

@test "merge-models.sh: merges the listed input models at the launcher's local paths" {
	mkdir bin
	printf '#!/bin/sh\nprintf "%%s\\n" "$@"\n' > bin/ad-train
	chmod +x bin/ad-train
	json='{"inputs": {"artifacts": {"models": {"artifacts": [{"name": "a", "uri": "minio://b/run/m-1"},{"uri":"gs://b/run/m-2"}, {"uri" : "s3://b/m-3", "metadata": {}}, {"uri": "/local/m-4"}]}}}, "outputs": {"artifacts": {"output": {"artifacts": [{"uri": "minio://b/run/out"}]}}}}'
	PATH=$PWD/bin:$PATH run sh "$STEPS/merge-models.sh" "$json" /minio/b/run/out
	assert_success
	assert_output "--merge
-o
/minio/b/run/out
/minio/b/run/m-1
/gcs/b/run/m-2
/s3/b/m-3
/local/m-4"
	run sh "$STEPS/merge-models.sh" '{"inputs": {"artifacts": {"models": {"artifacts": [{"uri": "file:///m"}]}}}}' out
	assert_failure 4
	run sh "$STEPS/merge-models.sh" '{"inputs": {}, "outputs": {"artifacts": {"output": {"artifacts": [{"uri": "gs://b/o"}]}}}}' out
	assert_failure 3
}

@test "tag-shard.sh, join-shards.sh: shards scored apart join into the whole file's scores, in input order" {
	ad-clean -q -s c.p -o clean.csv "$FIX/train-small.csv"
	ad-train -q --label label --ignore id,host --seed 1 -o m clean.csv
	ad-score -q -m m -o whole.csv clean.csv
	# three shards of the input, collected out of order
	{ head -n 1 clean.csv; sed -n '2,8p' clean.csv; } > s0.csv
	{ head -n 1 clean.csv; sed -n '9,9p' clean.csv; } > s1.csv
	{ head -n 1 clean.csv; tail -n +10 clean.csv; } > s2.csv
	for i in 0 1 2; do
		ad-score -q -m m -o sc$i.csv s$i.csv
		sh "$STEPS/tag-shard.sh" $i sc$i.csv t$i
	done
	json="{\"inputs\": {\"artifacts\": {\"shards\": {\"artifacts\": [{\"uri\": \"$PWD/t2\"}, {\"uri\": \"$PWD/t0\"}, {\"uri\": \"$PWD/t1\"}]}}}, \"outputs\": {\"artifacts\": {\"output\": {\"artifacts\": [{\"uri\": \"minio://b/o\"}]}}}}"
	run sh "$STEPS/join-shards.sh" "$json" joined.csv
	assert_success
	cmp whole.csv joined.csv
	# a part missing, or a shard not tagged: exit 3 and no output
	json="{\"inputs\": {\"artifacts\": {\"shards\": {\"artifacts\": [{\"uri\": \"$PWD/t2\"}, {\"uri\": \"$PWD/t0\"}]}}}}"
	run sh "$STEPS/join-shards.sh" "$json" bad.csv
	assert_failure 3
	assert_output --partial "a part is missing or twice"
	[ ! -e bad.csv ]
	json="{\"inputs\": {\"artifacts\": {\"shards\": {\"artifacts\": [{\"uri\": \"$PWD/sc0.csv\"}]}}}}"
	run sh "$STEPS/join-shards.sh" "$json" bad.csv
	assert_failure 3
	[ ! -e bad.csv ]
	run sh "$STEPS/tag-shard.sh" one sc0.csv t
	assert_failure 3
}
