#!/usr/bin/env bats
# Kubeflow Pipelines components: each binary prints its own (--kfp-component),
# the committed pipelines/components/*.yaml are exactly what they print, the
# YAML has the shape KFP's v1 component loader takes, and every component's
# command line runs: kfp_run below plays the part of KFP's launcher.

load helper

CMDS="ad-clean ad-features ad-train ad-score ad-eval ad-drift"

# The component's args for the given inputs (NAME=VALUE; a path for a path
# input), one per line; outputs go to kfp/NAME. Fails on an item it does not
# know, so it checks the args' shape too.
kfp_args() {
	local yaml=$1 line on=0 re_lit re_ph re_cat re_if n
	shift
	declare -A V
	for kv in "$@"; do V[${kv%%=*}]=${kv#*=}; done
	re_lit='^    - "([^"\\]*)"$'
	re_ph='^    - \{(inputPath|outputPath|inputValue): "([a-z0-9_]+)"\}$'
	re_cat='^    - \{concat: \["(--[a-z0-9-]+=)", \{inputValue: "([a-z0-9_]+)"\}\]\}$'
	re_if='^    - \{if: \{cond: \{isPresent: "([a-z0-9_]+)"\}, then: \["(--[a-z0-9-]+)", \{(inputPath|inputValue): "([a-z0-9_]+)"\}(, "(--[a-z0-9-]+)", \{outputPath: "([a-z0-9_]+)"\})?\](, else: \["(--[a-z0-9-]+)", \{outputPath: "([a-z0-9_]+)"\}\])?\}\}$'
	mkdir -p kfp
	while IFS= read -r line; do
		if [ "$line" = "    args:" ]; then on=1; continue; fi
		[ $on = 1 ] || continue
		if [[ $line =~ $re_lit ]]; then
			echo "${BASH_REMATCH[1]}"
		elif [[ $line =~ $re_ph ]]; then
			n=${BASH_REMATCH[2]}
			if [ "${BASH_REMATCH[1]}" = outputPath ]; then echo "kfp/$n"
			else [ -n "${V[$n]+set}" ] || { echo "required input $n not given" >&2; return 1; }
				echo "${V[$n]}"; fi
		elif [[ $line =~ $re_cat ]]; then
			echo "${BASH_REMATCH[1]}${V[${BASH_REMATCH[2]}]-false}"
		elif [[ $line =~ $re_if ]]; then
			n=${BASH_REMATCH[1]}
			[ "$n" = "${BASH_REMATCH[4]}" ] || { echo "if on $n passes another input" >&2; return 1; }
			# an output written either way: by one option with the
			# input, by another without it
			[ -z "${BASH_REMATCH[5]}" ] || [ "${BASH_REMATCH[7]}" = "${BASH_REMATCH[10]}" ] ||
				{ echo "if on $n writes ${BASH_REMATCH[7]} but not in else" >&2; return 1; }
			if [ -n "${V[$n]+set}" ]; then
				echo "${BASH_REMATCH[2]}"; echo "${V[$n]}"
				[ -z "${BASH_REMATCH[5]}" ] ||
					{ echo "${BASH_REMATCH[6]}"; echo "kfp/${BASH_REMATCH[7]}"; }
			elif [ -n "${BASH_REMATCH[8]}" ]; then
				echo "${BASH_REMATCH[9]}"; echo "kfp/${BASH_REMATCH[10]}"
			fi
		else
			echo "unknown args item: $line" >&2; return 1
		fi
	done < "$yaml"
	[ $on = 1 ]
}

# Runs the component of a command (the committed file) as KFP would.
kfp_run() {
	local cmd=$1 args
	shift
	args=$(kfp_args "$ROOT/pipelines/components/$cmd.yaml" "$@") || return 99
	mapfile -t argv <<< "$args"
	"$cmd" "${argv[@]}"
}

@test "the committed components are what the binaries print" {
	for c in $CMDS; do
		run env -u ADKIT_IMAGE "$c" --kfp-component
		assert_success
		diff <(echo "$output") "$ROOT/pipelines/components/$c.yaml" ||
			{ echo "pipelines/components/$c.yaml is stale: run make components"; false; }
	done
	[ "$(ls "$ROOT"/pipelines/components/*.yaml | wc -l)" -eq "$(ls "$ROOT"/cmd/ad-*.c | wc -l)" ]
}

@test "each component has the keys, types and placeholders KFP's loader needs" {
	for c in $CMDS; do
		y="$ROOT/pipelines/components/$c.yaml"
		grep -qx "name: \"$c\"" "$y"
		grep -q '^description: "..*"$' "$y"
		grep -qx 'implementation:' "$y" && grep -qx '  container:' "$y"
		grep -qx '    image: "adkit:[0-9.]*"' "$y"
		grep -qx "    - \"$c\"" "$y"
		# types are KFP's
		run grep -v -E '^  type: "(Dataset|Model|Artifact|Metrics|String|Integer|Float|Boolean)"$' \
			<(grep '^  type:' "$y")
		assert_output ""
		# names are unique and each placeholder names an input or output of
		# its kind
		names=$(sed -n 's/^- name: "\(.*\)"$/\1/p' "$y")
		[ "$(echo "$names" | sort | uniq -d)" = "" ]
		ins=$(sed -n '/^inputs:/,/^outputs:/s/^- name: "\(.*\)"$/\1/p' "$y")
		outs=$(sed -n '/^outputs:/,/^implementation:/s/^- name: "\(.*\)"$/\1/p' "$y")
		for n in $(grep -o -E '(inputPath|inputValue|isPresent): "[a-z0-9_]+"' "$y" | cut -d'"' -f2); do
			grep -qx "$n" <<< "$ins" || { echo "$c: $n is no input"; false; }
		done
		for n in $(grep -o -E 'outputPath: "[a-z0-9_]+"' "$y" | cut -d'"' -f2); do
			grep -qx "$n" <<< "$outs" || { echo "$c: $n is no output"; false; }
		done
		# every input and output is used by the args
		for n in $ins $outs; do
			grep -q -E "(Path|Value|isPresent): \"$n\"" "$y" || { echo "$c: $n unused"; false; }
		done
		kfp_args "$y" input=in model=m > /dev/null
	done
}

@test "the image: adkit:VERSION, else ADKIT_IMAGE, else --image" {
	version=$(ad-clean --version | sed 's/.* //')
	run env -u ADKIT_IMAGE ad-clean --kfp-component
	assert_line "    image: \"adkit:$version\""
	ADKIT_IMAGE=registry.example/adkit:7 run ad-clean --kfp-component
	assert_line '    image: "registry.example/adkit:7"'
	ADKIT_IMAGE=registry.example/adkit:7 run ad-clean --image my/adkit:8 --kfp-component
	assert_line '    image: "my/adkit:8"'
}

@test "strings are quoted safely whatever they hold" {
	run ad-drift --kfp-component --image $'a"b\\c: #d\ne\tf'
	assert_success
	assert_line '    image: "a\"b\\c: #d\ne\tf"'
	run ad-drift --kfp-component
	assert_line '  description: "--verdict: write \"true\" or \"false\": drift found"'
}

@test "--kfp-component and --image misused are usage errors" {
	run -2 ad-clean --kfp-component --strict
	[[ "$output" == "ad-clean: --kfp-component takes no other option than --image"* ]]
	run -2 ad-clean --kfp-component data.csv
	run -2 ad-eval --image x
	[[ "$output" == "ad-eval: --image goes with --kfp-component"* ]]
	run -2 ad-eval --kfp-component --image ''
	run -2 ad-train --kfp-component=yes
	[[ "$output" == "ad-train: option --kfp-component takes no value"* ]]
}

@test "a flag's long form takes true or false, as a Boolean input passes it" {
	cp "$FIX/train-small.csv" t.csv
	ad-clean -q t.csv > plain.csv
	ad-clean -q --dedupe=false --strict=False t.csv > off.csv
	cmp plain.csv off.csv
	ad-clean -q -n t.csv > short.csv
	ad-clean -q --no-headers=TRUE t.csv > long.csv
	ad-clean -q --no-headers=1 t.csv > one.csv
	cmp short.csv long.csv && cmp short.csv one.csv
	! cmp -s plain.csv short.csv
	run -2 ad-clean --strict=maybe t.csv
	[[ "$output" == 'ad-clean: --strict takes true or false, not "maybe"'* ]]
	[[ "$output" == *"usage: ad-clean"* ]]
}

@test "--help lists --kfp-component and --image in every command" {
	for c in $CMDS; do
		run "$c" --help
		assert_success
		assert_output --partial "--kfp-component"
		assert_output --partial "--image IMAGE"
		# the help stays within 78 columns, but for the usage line
		[ "$(grep -v '^usage:' <<< "$output" | awk 'length > 78' | wc -l)" -eq 0 ]
	done
}

@test "ad-clean's and ad-features' components fit, then apply with the params" {
	kfp_run ad-clean input="$FIX/train-small.csv" impute=median dedupe=true
	[ -s kfp/output ] && [ -s kfp/params ] && [ -s kfp/report ] && [ -s kfp/prom ]
	[ -e kfp/rejects ]
	mv kfp fit
	kfp_run ad-clean input="$FIX/train-small.csv" restore=fit/params
	# the params output is written with restore too: the params applied
	cmp fit/params kfp/params
	cmp fit/output kfp/output
	rm -rf kfp
	kfp_run ad-features input=fit/output scale=standard keep=id,label,host
	[ -s kfp/output ] && [ -s kfp/params ]
	mv kfp ffit
	kfp_run ad-features input=fit/output restore=ffit/params
	cmp ffit/params kfp/params
	cmp ffit/output kfp/output
}

@test "ad-train's, ad-score's and ad-eval's components run one after the other" {
	kfp_run ad-train input="$FIX/train-small.csv" label=label ignore=id,host \
		trees=20 seed=3
	[ -s kfp/model ] && [ -e kfp/rejects ]
	mv kfp train
	kfp_run ad-score input="$FIX/train-small.csv" model=train/model keep=id,label
	head -n1 kfp/output | grep -q '^id,label,score'
	mv kfp score
	kfp_run ad-eval input=score/output min_auc=0 name=forest
	grep -q '^{"metrics": \[' kfp/mlpipeline_metrics
	grep -q '"numberValue": ' kfp/mlpipeline_metrics
	grep -q '"type": "confusion_matrix"' kfp/mlpipeline_ui_metadata
	grep -q '"type": "roc"' kfp/mlpipeline_ui_metadata
	[ -s kfp/report ] && [ -s kfp/curves ] && [ -s kfp/plot ] && [ -s kfp/prom ]
	# a missed gate fails the step: a pipeline stops before publishing
	rm -rf kfp
	run -1 kfp_run ad-eval input=score/output min_f1=0.9
}

@test "ad-eval's component passes every challenger and name it is given" {
	# three models' scores of the same rows
	echo label,score,b,c > s.csv
	for i in $(seq 1 24); do
		echo "$((i % 4 == 0)),$i,$((i * 7 % 24)),$((24 - i))"
	done >> s.csv
	kfp_run ad-eval input=s.csv compare=b compare_2=c name=A name_2=B \
		name_3=C format=csv bootstrap=0
	grep -q '^compare\.b\.roc_auc,' kfp/report
	grep -q '^compare\.c\.roc_auc,' kfp/report
	grep -q '>A (AUC ' kfp/plot && grep -q '>B (AUC ' kfp/plot &&
		grep -q '>C (AUC ' kfp/plot
	# as many copies of an input as the command takes the option
	y="$ROOT/pipelines/components/ad-eval.yaml"
	for o in compare:8 name:9 plot_values:9; do
		n=$(grep -cE "^- name: \"${o%:*}(_[0-9]+)?\"$" "$y")
		[ "$n" -eq "${o#*:}" ] || { echo "${o%:*}: $n inputs"; false; }
	done
	run -2 ad-eval $(printf -- '--compare b %.0s' $(seq 9)) s.csv
	assert_output --partial "--compare: at most 8"
}

@test "ad-drift's component succeeds either way; its drift output says which" {
	run kfp_run ad-drift input="$FIX/drift-shift.csv" reference="$FIX/drift-ref.csv"
	assert_success
	[ "$(cat kfp/drift)" = true ]
	[ -s kfp/report ] && [ -s kfp/prom ]
	rm -rf kfp
	kfp_run ad-drift input="$FIX/drift-same.csv" reference="$FIX/drift-ref.csv"
	[ "$(cat kfp/drift)" = false ]
}

@test "--exit-zero: drift found exits 0, the verdict still says true" {
	run -1 ad-drift -q -r "$FIX/drift-ref.csv" -o /dev/null "$FIX/drift-shift.csv"
	run -0 ad-drift -q --exit-zero --verdict v -r "$FIX/drift-ref.csv" -o /dev/null \
		"$FIX/drift-shift.csv"
	[ "$(cat v)" = true ]
	# errors keep their codes
	run -2 ad-drift --exit-zero "$FIX/drift-shift.csv"
	run -4 ad-drift --exit-zero -r no-such.csv "$FIX/drift-shift.csv"
}

@test "--kfp-component: a write error is exit 4, a closed pipe is quiet" {
	run bash -c 'ad-score --kfp-component > /dev/full'
	[ "$status" -eq 4 ]
	[[ "$output" == *"write error"* ]]
	run_pipe 'ad-eval --kfp-component | head -n1'
	assert_success
	assert_output "# The Kubeflow Pipelines component of ad-eval, written by \`ad-eval --kfp-component\`."
}
