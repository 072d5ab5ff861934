"""Sharded training, for data that does not fit one machine.

Cleaning and feature parameters are fitted once on a sample, so every shard
is turned into the same features. Then, in parallel (dsl.ParallelFor), each
shard is cleaned, turned into features and grown its own forest with its own
seed; ad-train --merge puts all their trees into one model, which is
evaluated on a holdout and published when ROC-AUC reaches min_auc, as in
training.py.

Compile (KFP SDK 2.x; see README.md):
    python3 pipelines/sharded_training.py    # writes pipelines/sharded_training.yaml
Run: upload sharded_training.yaml in the Kubeflow Pipelines UI, or
    kfp run create -e adkit -f pipelines/sharded_training.yaml \
        sample_uri=minio://data/servers/sample.csv \
        holdout_uri=minio://data/servers/holdout.csv \
        shards='[{"uri": "minio://data/servers/part-0.csv", "seed": 1},
                 {"uri": "minio://data/servers/part-1.csv", "seed": 2}]'
"""

from kfp import compiler, dsl

import adkit_kfp as ak

# Shards trained at once; a constant, as Kubeflow requires.
PARALLELISM = 8


@dsl.pipeline(name='adkit-sharded-training',
              description='Grow a forest per shard in parallel, merge them, '
              'evaluate and publish the merged model.')
def sharded_training(sample_uri: str, holdout_uri: str, shards: list,
                     model_name: str = 'servers',
                     store_pvc: str = 'adkit-models', label: str = 'label',
                     impute: str = 'median,label=none', scale: str = 'robust',
                     onehot: str = 'host', keep: str = 'timestamp,label',
                     trees_per_shard: int = 100,
                     min_auc: float = 0.8):
    sample = ak.import_data(sample_uri, 'sample')
    clean, feats = ak.fit_prep(sample, impute, scale, onehot, keep,
                               ' sample')
    params = (clean.outputs['params'], feats.outputs['params'])
    with dsl.ParallelFor(shards, parallelism=PARALLELISM) as shard:
        part = ak.import_data(shard.uri, 'shard')
        tree = ak.train(ak.prepare(part, *params, ' shard'), label,
                        trees_per_shard, shard.seed, 'train shard')
    merged = ak.sized(ak.merge_models_op(
        models=dsl.Collected(tree.outputs['model'])), 'stream', 'merge')
    holdout = ak.import_data(holdout_uri, 'holdout data')
    scored = ak.score(ak.prepare(holdout, *params, ' holdout'),
                      merged.output, 'score holdout')
    gate = ak.sized(ak.eval_op(input=scored, label=label, min_auc=min_auc),
                    'eval', 'evaluate (quality gate)')
    ak.publish(store_pvc, model_name, *params, merged.output).after(gate)


if __name__ == '__main__':
    compiler.Compiler().compile(sharded_training,
                                __file__.replace('.py', '.yaml'))
