#!/bin/sh
# Runs the training pipeline, batch scoring with the model it published,
# drift retraining on shifted data (the dsl.If branches) and the detector
# comparison, in the KFP SDK's local runner (kfp.local.DockerRunner): every
# step a container of the adkit image, under podman's Docker-compatible API.
# Not part of `make test`: it needs the SDK (see README.md, "Compiling"),
# python3-docker, podman and the image (`make image`).
#
# What a stock KFP SDK 2.17.0 local run lacks, and what this script does
# about it (README.md, "Running locally", has the upstream issue numbers):
#   - the steps run as the image's user 10001: the pipeline root and the
#     model store are made its own;
#   - the model store's claim is Kubernetes config, which local runs ignore:
#     the store directory is bind-mounted at /adkit-store into every step;
#   - importers read local paths only, and a step sees only the pipeline
#     root: the data is copied into it and given as paths;
#   - the runner looks the image up by exactly the name the component gives
#     and pulls it when no image has that name (podman then finds
#     localhost/adkit:VERSION for adkit:VERSION; a Docker engine would try
#     Docker Hub): the components are printed with the image's full name
#     (--image) and the pipelines loaded from them;
#   - an optional Integer input left out crashes the runner (int(None)):
#     such inputs are dropped from the executor input, as a cluster does;
#   - nothing makes a container step's output directories (a cluster's
#     launcher does): each step makes them before the command runs;
#   - a container step's output artifacts are not collected (only Python
#     steps' are): the artifacts the step declares are taken as its outputs;
#   - a step's container is removed as it exits, and a failed step whose
#     exit status was lost with it counts as a success: containers are kept
#     until their status is read;
#   - a dsl.If on a task's named output (drift, winner) is always false:
#     the condition's channel is looked up among the tasks' outputs.
# usage: pipelines/run-local.sh [DIR]
#   DIR (default: a new directory under /tmp) gets outputs/ (the pipeline
#   root, with the data in outputs/data), store/ (the model store) and
#   components/.
#   DOCKER_HOST: a Docker API to use; without it, podman's is started for
#   the run and stopped after it.
#   ADKIT_IMAGE: an image to run the steps in, as the Docker API names it;
#   without it, `make image` builds localhost/adkit:VERSION.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$(mktemp -d /tmp/adkit-kfp-local.XXXXXX)}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
say() { printf 'run-local.sh: %s\n' "$*" >&2; }

/usr/bin/python3 -c 'import kfp, docker' 2>/dev/null || {
	say "needs the KFP SDK on PYTHONPATH (README.md, Compiling) and python3-docker"
	exit 2; }
[ "$(id -u)" -eq 0 ] || { say "run it as root: the steps' user 10001 must own the outputs"; exit 2; }

make -C "$root" --no-print-directory -s all >/dev/null
image=${ADKIT_IMAGE:-}
if [ -z "$image" ]; then
	make -C "$root" --no-print-directory -s image >/dev/null
	version=$(sed -n 's/^#define AD_VERSION "\(.*\)"$/\1/p' "$root/lib/common/ad.h")
	image=localhost/adkit:$version
fi

mkdir -p "$dir/components"
for c in "$root"/cmd/ad-*.c; do
	c=${c##*/}
	"$root/build/bin/${c%.c}" --kfp-component --image "$image" \
		> "$dir/components/${c%.c}.yaml"
done

# Two rows in three to train on, the third to hold out; both labelled.
# The steps see only the pipeline root (and the store): the data goes in it.
mkdir -p "$dir/outputs/data" "$dir/store"
awk 'NR == 1 || NR % 3 != 0' "$root/data/servers.csv" > "$dir/outputs/data/train.csv"
awk 'NR == 1 || NR % 3 == 0' "$root/data/servers.csv" > "$dir/outputs/data/holdout.csv"
# The holdout with cpu and mem shifted: recent data the model's scores drift on.
awk -F, 'BEGIN { OFS = "," } NR > 1 && $3 + 0 == $3 { $3 = $3 * 3 + 40; $4 = $4 * 1.5 } { print }' \
	"$dir/outputs/data/holdout.csv" > "$dir/outputs/data/recent.csv"
chown 10001:10001 "$dir/outputs" "$dir/store"

service=
if [ -z "${DOCKER_HOST:-}" ]; then
	export DOCKER_HOST="unix://$dir/podman.sock"
	CONTAINERS_CONF="$root/pipelines/containers.conf" \
		podman system service --time=0 "$DOCKER_HOST" > "$dir/podman.log" 2>&1 &
	service=$!
	trap 'kill "$service" 2>/dev/null || :' EXIT
	i=0
	until [ -S "$dir/podman.sock" ]; do
		i=$((i + 1)); [ $i -le 50 ] || { say "podman's API did not start: $dir/podman.log"; exit 4; }
		sleep 0.2
	done
fi

say "$image, $DOCKER_HOST, in $dir"
cd "$dir"
ADKIT_COMPONENTS="$dir/components" /usr/bin/python3 - "$root/pipelines" "$dir" <<'EOF'
import os
import sys
import time

import docker
from docker.types import Mount
from kfp import local
from kfp.local import (docker_task_handler, executor_input_utils,
                       executor_output_utils)
from kfp.local.orchestrator import enhanced_dag_orchestrator

pipelines, here = sys.argv[1], sys.argv[2]
sys.path.insert(0, pipelines)
import batch_scoring  # noqa: E402  (they load ADKIT_COMPONENTS)
import detector_comparison  # noqa: E402
import drift_retraining  # noqa: E402
import training  # noqa: E402

unpatched_to_dict = executor_input_utils.executor_input_to_dict


def without_unset(executor_input, component_spec):
    """Drops the optional inputs left out, which 2.17.0 gives int(None)."""
    values = executor_input.inputs.parameter_values
    for name in [k for k, v in values.items() if v.WhichOneof('kind') is None]:
        del values[name]
    return unpatched_to_dict(executor_input, component_spec)


# Makes the parent directory of every argument under the pipeline root, then
# runs the step: what a cluster's launcher does before the command.
MKDIRS = ('for a; do case $a in "$KFP_LOCAL_ROOT"/*) mkdir -p "${a%/*}";; '
          'esac; done; exec "$@"')


def run_and_keep(client, image, command, volumes, **run_args):
    """Runs a step; its exit status, read before the container goes."""
    root = next(iter(volumes))
    env = dict(run_args.pop('environment', None) or {}, KFP_LOCAL_ROOT=root)
    container = client.containers.run(
        image=image, command=command, entrypoint=['sh', '-c', MKDIRS, 'sh'],
        environment=env, detach=True, volumes=volumes, **run_args)
    try:
        for line in container.logs(stream=True):
            print(line.decode(), end='')
        return container.wait()['StatusCode']
    finally:
        try:
            container.remove(force=True)
        except docker.errors.NotFound:
            pass


def with_declared_artifacts(executor_input, component_spec):
    """The step's outputs: its declared output artifacts too.

    2.17.0 takes output artifacts only from the executor_output.json that
    KFP's Python executor writes, so a container step's are lost."""
    executor_output = executor_output_utils.load_executor_output(
        executor_input.outputs.output_file)
    for name, artifacts in executor_input.outputs.artifacts.items():
        if name not in executor_output.artifacts:
            executor_output.artifacts[name].CopyFrom(artifacts)
    return executor_output_utils.get_outputs_from_executor_output(
        executor_output=executor_output, executor_input=executor_input,
        component_spec=component_spec)


conditions = enhanced_dag_orchestrator.ConditionEvaluator
unpatched_resolve = conditions._resolve_pipeline_channel


def task_output_first(channel, io_store):
    """A dsl.If's value: the output of a task if a channel names one.

    2.17.0 reads pipelinechannel--TASK-OUTPUT as a task output only when
    OUTPUT is 'Output', else as a missing pipeline input: the condition is
    then false and the branch skipped, with a warning."""
    parts = channel.replace('pipelinechannel--', '', 1).split('-')
    for i in range(len(parts) - 1, 0, -1):
        try:
            return io_store.get_task_output('-'.join(parts[:i]),
                                            '-'.join(parts[i:]))
        except ValueError:
            pass
    return unpatched_resolve(channel, io_store)


conditions._resolve_pipeline_channel = staticmethod(task_output_first)
executor_input_utils.executor_input_to_dict = without_unset
executor_output_utils.get_outputs_for_task = with_declared_artifacts
docker_task_handler.run_docker_container = run_and_keep

local.init(runner=local.DockerRunner(
               mounts=[Mount('/adkit-store', os.path.join(here, 'store'),
                             type='bind')]),
           pipeline_root=os.path.join(here, 'outputs'))
start = time.monotonic()
data = os.path.join(here, 'outputs', 'data')
training.training(data_uri=os.path.join(data, 'train.csv'),
                  holdout_uri=os.path.join(data, 'holdout.csv'))
trained = time.monotonic()
batch_scoring.batch_scoring(data_uri=os.path.join(data, 'holdout.csv'))
scored = time.monotonic()
drift_retraining.drift_retraining(recent_uri=os.path.join(data, 'recent.csv'),
                                  holdout_uri=os.path.join(data, 'holdout.csv'))
retrained = time.monotonic()
detector_comparison.detector_comparison(
    data_uri=os.path.join(data, 'train.csv'),
    holdout_uri=os.path.join(data, 'holdout.csv'))
done = time.monotonic()
print(f'run-local.sh: training {trained - start:.0f} s, batch scoring '
      f'{scored - trained:.0f} s, drift retraining {retrained - scored:.0f} '
      f's, detector comparison {done - retrained:.0f} s', file=sys.stderr)
EOF
