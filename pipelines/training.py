"""Training: clean -> features -> train -> score -> eval -> publish.

The model is published to the model store only when ad-eval's quality gate
passes: ad-eval --min-auc exits 1 when the holdout's ROC-AUC is below it,
the step fails, and the run stops before the publish step.

Compile (KFP SDK 2.x; see README.md):
    python3 pipelines/training.py            # writes pipelines/training.yaml
Run: upload training.yaml in the Kubeflow Pipelines UI, or
    kfp run create -e adkit -f pipelines/training.yaml \
        data_uri=minio://data/servers/train.csv holdout_uri=minio://data/servers/holdout.csv
Needs the model store's PersistentVolumeClaim (store_pvc) in the namespace.
"""

from kfp import compiler, dsl

import adkit_kfp as ak


@dsl.pipeline(name='adkit-training',
              description='Train an Isolation Forest, evaluate it on a '
              'holdout, publish it when ROC-AUC reaches min_auc.')
def training(data_uri: str, holdout_uri: str, model_name: str = 'servers',
             store_pvc: str = 'adkit-models', label: str = 'label',
             impute: str = 'median,label=none', scale: str = 'robust',
             onehot: str = 'host', keep: str = 'timestamp,label',
             trees: int = 100, seed: int = 1, min_auc: float = 0.8):
    data = ak.import_data(data_uri, 'training data')
    holdout = ak.import_data(holdout_uri, 'holdout data')
    clean, feats = ak.fit_prep(data, impute, scale, onehot, keep)
    model = ak.train(feats.outputs['output'], label, trees, seed)
    scored = ak.score(ak.prepare(holdout, clean.outputs['params'],
                                 feats.outputs['params'], ' holdout'),
                      model.outputs['model'], 'score holdout')
    gate = ak.sized(ak.eval_op(input=scored, label=label, min_auc=min_auc),
                    'eval', 'evaluate (quality gate)')
    ak.publish(store_pvc, model_name, clean.outputs['params'],
               feats.outputs['params'], model.outputs['model']).after(gate)


if __name__ == '__main__':
    compiler.Compiler().compile(training, __file__.replace('.py', '.yaml'))
