"""What adkit's pipelines share: the components, step sizes, the model store.

The adkit steps are the components the binaries print (ad-<cmd>
--kfp-component, committed in components/). The few steps that are not an
adkit command -- publishing to and fetching from the model store, joining
two models' scores, deciding an A/B evaluation, merging shard models -- are
POSIX sh scripts in steps/, run by sh in the same image. Each gets as $0
the name adkit-step:NAME:SHA, SHA the first 16 hex digits of the script's
sha256, so tests/bats/pipelines.bats can tell a compiled pipeline that is
older than its scripts.

The model store is a directory on a PersistentVolumeClaim: STORE/current is
a symlink to STORE/releases/RUN (clean.params, features.params, model), moved
atomically by publish.sh, as the cron job does on a plain file system.

Caching: every adkit step is deterministic (same inputs and --seed, same
bytes, whatever the thread count), so Kubeflow's cache stays on for them.
Data comes in through dsl.importer with reimport=True, so new contents at
the same URI are a new artifact and never hit a stale cache entry. Fetching
from and publishing to the store read or change state outside the run:
their caching is off.
"""

import hashlib
import os

from kfp import components, dsl, kubernetes

HERE = os.path.dirname(os.path.abspath(__file__))
# ADKIT_COMPONENTS: compile against components printed with another --image.
COMPONENTS = os.environ.get('ADKIT_COMPONENTS',
                            os.path.join(HERE, 'components'))
STEPS = os.path.join(HERE, 'steps')

STORE_MOUNT = '/adkit-store'


def _load(cmd):
    return components.load_component_from_file(
        os.path.join(COMPONENTS, f'ad-{cmd}.yaml'))


clean_op = _load('clean')
features_op = _load('features')
train_op = _load('train')
score_op = _load('score')
eval_op = _load('eval')
drift_op = _load('drift')

# The glue steps run in the adkit image too (sh, coreutils, awk).
IMAGE = clean_op.component_spec.implementation.container.image

# (cpu request, cpu limit, memory request, memory limit) per kind of step.
# Streaming steps use flat memory; ad-eval holds the scores (about 24 bytes
# a row, 50 with --compare); ad-train and ad-score use --threads = the limit.
SIZES = {
    'stream': ('500m', '1', '256Mi', '512Mi'),
    'features': ('500m', '1', '512Mi', '1Gi'),
    'forest': ('2', '4', '1Gi', '2Gi'),
    'eval': ('1', '1', '1Gi', '2Gi'),
    'glue': ('100m', '250m', '64Mi', '128Mi'),
}
THREADS = 4  # the 'forest' cpu limit


def sized(task, kind, name=None):
    """Sets the step's resource requests and limits; returns the task."""
    cpu_req, cpu_lim, mem_req, mem_lim = SIZES[kind]
    task.set_cpu_request(cpu_req).set_cpu_limit(cpu_lim)
    task.set_memory_request(mem_req).set_memory_limit(mem_lim)
    if name is not None:
        task.set_display_name(name)
    return task


def _step(name):
    """The command of glue step NAME: sh running steps/NAME.sh."""
    with open(os.path.join(STEPS, f'{name}.sh'), encoding='utf-8') as f:
        script = f.read()
    sha = hashlib.sha256(script.encode('utf-8')).hexdigest()[:16]
    return ['sh', '-c', script, f'adkit-step:{name}:{sha}']


@dsl.container_component
def publish_op(store: str, release: str,
               clean_params: dsl.Input[dsl.Artifact],
               features_params: dsl.Input[dsl.Artifact],
               model: dsl.Input[dsl.Model]):
    """Publishes params and model as the store's current release."""
    return dsl.ContainerSpec(image=IMAGE, command=_step('publish'), args=[
        store, release, clean_params.path, features_params.path, model.path])


@dsl.container_component
def fetch_op(store: str, clean_params: dsl.Output[dsl.Artifact],
             features_params: dsl.Output[dsl.Artifact],
             model: dsl.Output[dsl.Model]):
    """The store's current release as artifacts."""
    return dsl.ContainerSpec(image=IMAGE, command=_step('fetch'), args=[
        store, clean_params.path, features_params.path, model.path])


@dsl.container_component
def join_scores_op(current: dsl.Input[dsl.Dataset],
                   challenger: dsl.Input[dsl.Dataset],
                   output: dsl.Output[dsl.Dataset],
                   prefix: str = 'challenger_'):
    """The two models' scores of the same rows side by side, the
    challenger's columns named with prefix."""
    return dsl.ContainerSpec(image=IMAGE, command=_step('join-scores'),
                             args=[current.path, challenger.path, output.path,
                                   prefix])


@dsl.container_component
def ab_winner_op(report: dsl.Input[dsl.Artifact], alpha: float,
                 winner: dsl.OutputPath(str)):
    """"challenger" or "current", from ad-eval --compare's CSV report."""
    return dsl.ContainerSpec(image=IMAGE, command=_step('ab-winner'),
                             args=[report.path, alpha, winner])


@dsl.container_component
def merge_models_op(models: dsl.Input[list[dsl.Model]],
                    output: dsl.Output[dsl.Model]):
    """One model holding all the shard models' trees (ad-train --merge)."""
    # '{{$}}' is the executor input: the only place a list's URIs show.
    return dsl.ContainerSpec(image=IMAGE, command=_step('merge-models'),
                             args=['{{$}}', output.path])


@dsl.container_component
def tag_shard_op(part: int, scored: dsl.Input[dsl.Dataset],
                 output: dsl.Output[dsl.Dataset]):
    """A shard's scored rows behind its part number, for join_shards_op."""
    return dsl.ContainerSpec(image=IMAGE, command=_step('tag-shard'),
                             args=[part, scored.path, output.path])


@dsl.container_component
def join_shards_op(shards: dsl.Input[list[dsl.Dataset]],
                   output: dsl.Output[dsl.Dataset]):
    """The tagged shards' rows in part order, under one header."""
    # '{{$}}': the executor input, as in merge_models_op.
    return dsl.ContainerSpec(image=IMAGE, command=_step('join-shards'),
                             args=['{{$}}', output.path])


def import_data(uri, name):
    """A data set at uri (gs://, s3://, minio://) as a Dataset artifact."""
    task = dsl.importer(artifact_uri=uri, artifact_class=dsl.Dataset,
                        reimport=True)
    task.set_display_name(name)
    return task.output


def on_store(task, pvc):
    """Mounts the model store's claim into the task; returns the task."""
    kubernetes.mount_pvc(task, pvc_name=pvc, mount_path=STORE_MOUNT)
    return task


def store_dir(model_name):
    """The store directory of the model called model_name."""
    return f'{STORE_MOUNT}/{model_name}'


def fetch_current(pvc, model_name):
    """Adds the step fetching the current release; returns its task."""
    task = sized(fetch_op(store=store_dir(model_name)), 'glue',
                 'fetch current model')
    task.set_caching_options(False)
    return on_store(task, pvc)


def publish(pvc, model_name, clean_params, features_params, model):
    """Adds the step publishing a release named after the run."""
    task = sized(publish_op(store=store_dir(model_name),
                            release=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
                            clean_params=clean_params,
                            features_params=features_params, model=model),
                 'glue', 'publish model')
    task.set_caching_options(False)
    return on_store(task, pvc)


def fit_prep(data, impute, scale, onehot, keep, name=''):
    """Adds ad-clean -s and ad-features -s on data; returns both tasks."""
    clean = sized(clean_op(input=data, impute=impute, dedupe=True), 'stream',
                  f'clean{name}')
    feats = sized(features_op(input=clean.outputs['output'], scale=scale,
                              onehot=onehot, keep=keep),
                  'features', f'features{name}')
    return clean, feats


def prepare(data, clean_params, features_params, name=''):
    """Adds ad-clean -r and ad-features -r: data as the model's features."""
    clean = sized(clean_op(input=data, restore=clean_params), 'stream',
                  f'clean{name}')
    feats = sized(features_op(input=clean.outputs['output'],
                              restore=features_params), 'features',
                  f'features{name}')
    return feats.outputs['output']


def train(features, label, trees, seed, name='train'):
    """Adds ad-train on features; returns the task."""
    return sized(train_op(input=features, label=label, trees=trees, seed=seed,
                          threads=THREADS), 'forest', name)


def score(features, model, name='score', **opts):
    """Adds ad-score; returns the scored Dataset."""
    return sized(score_op(input=features, model=model, threads=THREADS,
                          **opts), 'forest', name).outputs['output']
