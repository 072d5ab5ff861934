"""Sharded batch scoring: the day's input, scored shard by shard in parallel.

For data that outgrows one pod. The day's input comes as shards, a list of
{"uri": ..., "part": N} with parts 0, 1, ... in input order (hourly files,
or a split of one file). The current release is fetched once; each shard is
cleaned, turned into features and scored with it in a dsl.ParallelFor, as in
batch_scoring (scoring is row-wise, so a shard's scores are the rows' scores
of a whole-file run). Each scored shard is tagged with its part number and
steps/join-shards.sh joins them in part order under one header: the output is
what batch_scoring gives for the shards' rows concatenated, whatever order
the loop's iterations finish or are collected in.

Compile (KFP SDK 2.x; see README.md):
    python3 pipelines/sharded_scoring.py     # writes pipelines/sharded_scoring.yaml
Run: upload sharded_scoring.yaml in the Kubeflow Pipelines UI, or
    kfp run create -e adkit -f pipelines/sharded_scoring.yaml \
        shards='[{"uri": "minio://data/servers/today-00.csv", "part": 0},
                 {"uri": "minio://data/servers/today-01.csv", "part": 1}]'
"""

from kfp import compiler, dsl

import adkit_kfp as ak

# Shards scored at once; a constant, as Kubeflow requires.
PARALLELISM = 8


@dsl.pipeline(name='adkit-sharded-scoring',
              description='Score the shards of new data in parallel with the '
              'published params and model, and join them in input order.')
def sharded_scoring(shards: list, model_name: str = 'servers',
                    store_pvc: str = 'adkit-models'):
    current = ak.fetch_current(store_pvc, model_name)
    with dsl.ParallelFor(shards, parallelism=PARALLELISM) as shard:
        part = ak.import_data(shard.uri, 'shard')
        scored = ak.score(ak.prepare(part, current.outputs['clean_params'],
                                     current.outputs['features_params'],
                                     ' shard'),
                          current.outputs['model'], 'score shard')
        tagged = ak.sized(ak.tag_shard_op(part=shard.part, scored=scored),
                          'glue', 'tag shard')
    ak.sized(ak.join_shards_op(shards=dsl.Collected(tagged.output)),
             'stream', 'join shards')


if __name__ == '__main__':
    compiler.Compiler().compile(sharded_scoring,
                                __file__.replace('.py', '.yaml'))
