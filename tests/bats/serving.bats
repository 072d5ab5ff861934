#!/usr/bin/env bats
# pipelines/serving/: the KServe and plain Kubernetes manifests for
# ad-serve, checked offline by pipelines/serving/check-manifests.py
# (python3-kubernetes' API models, and the KServe fields we use as written
# in kserve-fields.yaml; validate.sh checks against a real KServe CRD), and
# the ad-serve command line each manifest runs, started for real on a
# store laid out as the claim is.

load helper

SERVING="$ROOT/pipelines/serving"
MANIFESTS=("$SERVING"/kserve/*.yaml "$SERVING"/plain/*.yaml)

check() {
	/usr/bin/python3 "$SERVING/check-manifests.py" "$@"
}

# The check once for the file (a Python start costs half a second): its
# verdict, and one JSON line per container of each workload (--facts).
setup_file() {
	check --facts "${MANIFESTS[@]}" > "$BATS_FILE_TMPDIR/facts" \
		2> "$BATS_FILE_TMPDIR/verdict"
	echo $? > "$BATS_FILE_TMPDIR/status"
}

facts() {
	cat "$BATS_FILE_TMPDIR/facts"
}

@test "every manifest is valid against the Kubernetes models and KServe's fields" {
	[ "$(cat "$BATS_FILE_TMPDIR/status")" = 0 ]
	[ "$(cat "$BATS_FILE_TMPDIR/verdict")" = "7 documents, 0 problems" ]
}

@test "a misspelled field, a wrong type or an unknown value fails the check, naming it" {
	sed 's/livenessProbe:/livenesProbe:/' "$SERVING/plain/ad-serve.yaml" > plain.yaml
	sed 's/scaleTarget: 32/scaleTarget: "32"/; s/protocolVersion: v2/protocolVersion: v3/' \
		"$SERVING/kserve/inferenceservice.yaml" > isvc.yaml
	sed 's/protocolVersions:/protocolVersion:/; s/containerPort: 8080/containerPort: "8080"/' \
		"$SERVING/kserve/servingruntime.yaml" > runtime.yaml
	sed 's/claimName: adkit-models/claim: adkit-models/' "$SERVING/plain/ad-serve.yaml" > claim.yaml
	run check plain.yaml isvc.yaml runtime.yaml claim.yaml
	assert_failure 1
	assert_line 'plain.yaml: Deployment adkit-serve.spec.template.spec.containers[0]: unknown field "livenesProbe" (V1Container)'
	assert_line "isvc.yaml: InferenceService servers: spec.predictor.scaleTarget: '32' is not of type 'integer'"
	assert_line --partial "spec.predictor.model.protocolVersion: 'v3' is not one of"
	assert_line --partial "runtime.yaml: ServingRuntime adkit: spec: Additional properties are not allowed ('protocolVersion' was unexpected)"
	assert_line "runtime.yaml: ServingRuntime adkit: spec.containers[0].ports[0].containerPort: int expected, not '8080'"
	assert_line --partial 'claim.yaml: Deployment adkit-serve.spec.template.spec.volumes[0].persistentVolumeClaim: Invalid value for `claim_name`, must not be `None`'
}

@test "the manifests run the image's ad-serve as its user, from the pipelines' claim" {
	version=$(sed -n 's/^#define AD_VERSION "\(.*\)"$/\1/p' "$ROOT/lib/common/ad.h")
	user=$(sed -n 's/^USER \([0-9]*\):.*/\1/p' "$ROOT/pipelines/Dockerfile")
	claim=$(sed -n "s/.*store_pvc: str = '\([^']*\)'.*/\1/p" "$ROOT"/pipelines/*.py | sort -u)
	[ -n "$version" ] && [ -n "$user" ] && [ "$(echo "$claim" | wc -l)" -eq 1 ]
	run facts
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	for f in "${lines[@]}"; do
		echo "$f"
		[ "$(jq -r '[.image, (.command | join(" ")), .user, .nonroot,
			(.mounts[] | sub("/.*"; ""))] | join(" ")' <<< "$f")" = \
			"adkit:$version ad-serve $user true $claim" ]
	done
}

@test "probes ask the V2 health endpoints on the port ad-serve listens on, and the drain fits the grace period" {
	run facts
	assert_success
	for f in "${lines[@]}"; do
		echo "$f"
		# port, containerPort, both probes' paths and ports, drain, grace
		set -- $(jq -r '.args as $a | [($a[($a | index("--listen")) + 1] |
			sub(".*:"; "")), .ports[0], .probes.livenessProbe.path,
			.probes.livenessProbe.port, .probes.readinessProbe.path,
			.probes.readinessProbe.port, $a[($a | index("--drain-timeout")) + 1],
			.grace] | map(tostring) | join(" ")' <<< "$f")
		[ "$1 $2" = "$1 $1" ]
		[ "$3 $4 $5 $6" = "/v2/health/live $1 /v2/health/ready $1" ]
		[ "$7" -lt "$8" ]
	done
}

# Starts ad-serve -q with the arguments given (a --listen on port 0) and
# waits, at most 10 s, for the address it prints; sets SERVER and url.
start_server() {
	ad-serve -q "$@" > port.txt &
	SERVER=$!
	for _ in $(seq 100); do
		grep -q '^listening on ' port.txt && break
		kill -0 "$SERVER" 2>/dev/null || break
		sleep 0.1
	done
	url="http://$(sed -n 's/^listening on //p' port.txt)"
}

stop_server() {
	if [ -n "${SERVER:-}" ]; then
		kill "$SERVER" 2>/dev/null || true
		wait "$SERVER" 2>/dev/null || true
	fi
	SERVER=
}

teardown() {
	stop_server
}

# The claim as the pipelines fill it: model servers, release RUN-NEW (the
# one canary.yaml pins), current pointing at it.
make_claim() {
	local d=claim/servers/releases/RUN-NEW
	mkdir -p "$d"
	cut -d, -f3,4 "$FIX/train-small.csv" > cpu-mem.csv
	ad-clean -q -s "$d/clean.params" -o clean.csv cpu-mem.csv
	ad-features -q --scale standard -s "$d/features.params" -o features.csv clean.csv
	ad-train -q -a zscore -o "$d/model" features.csv
	ln -s releases/RUN-NEW claim/servers/current
}

@test "each manifest's ad-serve command line serves the model on the claim" {
	make_claim
	run facts
	assert_success
	for f in "${lines[@]}"; do
		# the claim's folders where the pod mounts them; port 0 on loopback
		mapfile -t args < <(jq -r --arg claim "$PWD/claim" '
			.mounts as $m | .args[] |
			reduce ($m | to_entries[]) as $e (.;
				if startswith($e.key) then
					($claim + ($e.value | sub("^[^/]*"; ""))) + .[($e.key | length):]
				else . end) |
			sub("^0\\.0\\.0\\.0:[0-9]+$"; "127.0.0.1:0")' <<< "$f")
		name=$(jq -r .name <<< "$f")
		[ "$name" = adkit-serve ] && name=servers
		echo "ad-serve ${args[*]}"
		start_server "${args[@]}"
		run curl -sS --max-time 20 -o /dev/null -w '%{http_code}' "$url/v2/health/ready"
		assert_output 200
		run curl -sS --max-time 20 -d '{"inputs":[{"name":"cpu","datatype":"FP64","shape":[1],"data":[17.3]},{"name":"mem","datatype":"FP64","shape":[1],"data":[51]}]}' \
			"$url/v2/models/$name/infer"
		assert_output --regexp '"outputs":\[\{"name":"score","datatype":"FP64","shape":\[1\]'
		stop_server
	done
}

# pipelines/README.md, Serving: the cron job's state is a model's folder
# once models/ is also its releases/.
@test "the cron job's state, linked into a store as pipelines/README.md says, is served" {
	export ADKIT_STATE="$PWD/state" ADKIT_TEXTFILE_DIR="$PWD/textfile"
	head -n 400 "$ROOT/data/servers.csv" > day.csv
	run "$ROOT/pipelines/cron/adkit-nightly" --init day.csv
	assert_success
	ln -s models state/releases
	mkdir -p store && ln -s "$PWD/state" store/servers
	start_server --store store --listen 127.0.0.1:0
	run curl -sS --max-time 20 "$url/v2/models/servers"
	assert_output --partial "\"version\":\"$(basename "$(readlink state/current)")\""
	head -n 3 day.csv > two.csv
	run curl -sS --max-time 20 -H 'Content-Type: text/csv' --data-binary @two.csv \
		"$url/v2/models/servers/infer"
	assert_line --index 0 score,is_anomaly
	[ "${#lines[@]}" -eq 3 ]
}

@test "validate.sh needs a CRD" {
	run "$SERVING/validate.sh"
	assert_failure 2
	assert_output --partial "usage:"
}
