"""Batch scoring: new data through the current release's params and model.

The store's current release (clean.params, features.params, model) is
fetched, the new data cleaned and turned into features exactly as the
training data was (ad-clean -r, ad-features -r), then scored. The scores are
the run's output artifact. New data needs the training data's columns; a
label column may be empty.

Compile (KFP SDK 2.x; see README.md):
    python3 pipelines/batch_scoring.py       # writes pipelines/batch_scoring.yaml
Run: upload batch_scoring.yaml in the Kubeflow Pipelines UI, or
    kfp run create -e adkit -f pipelines/batch_scoring.yaml \
        data_uri=minio://data/servers/today.csv
"""

from kfp import compiler, dsl

import adkit_kfp as ak


@dsl.pipeline(name='adkit-batch-scoring',
              description='Score new data with the published params and '
              'model.')
def batch_scoring(data_uri: str, model_name: str = 'servers',
                  store_pvc: str = 'adkit-models'):
    data = ak.import_data(data_uri, 'new data')
    current = ak.fetch_current(store_pvc, model_name)
    ak.score(ak.prepare(data, current.outputs['clean_params'],
                        current.outputs['features_params']),
             current.outputs['model'])


if __name__ == '__main__':
    compiler.Compiler().compile(batch_scoring, __file__.replace('.py', '.yaml'))
