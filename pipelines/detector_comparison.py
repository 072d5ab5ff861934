"""Detector comparison: several detectors on the same features, in one report.

1. The cleaning and feature params are fitted once, on the training data,
   so every detector sees the same features.
2. One model per detector in DETECTORS (ad-train --algorithm), each scoring
   the holdout prepared with those params.
3. The scores are put side by side (steps/join-scores.sh, one column prefix
   per detector), and one ad-eval compares the first detector with each of
   the others: the metrics of every model, DeLong's test of each ROC-AUC
   against the first, and one ROC and precision-recall plot with a curve
   per detector, labelled with its name (--compare and --name repeated,
   through the component's compare, compare_2, ... and name, name_2, ...).
Nothing is published: the report and plot are there to choose a detector,
which the training pipeline then trains (its algorithm is iforest).

Compile (KFP SDK 2.x; see README.md):
    python3 pipelines/detector_comparison.py   # writes pipelines/detector_comparison.yaml
Run: upload detector_comparison.yaml in the Kubeflow Pipelines UI, or
    kfp run create -e adkit -f pipelines/detector_comparison.yaml \\
        data_uri=minio://data/servers/train.csv holdout_uri=minio://data/servers/holdout.csv
"""

from kfp import compiler, dsl

import adkit_kfp as ak

# ad-train --algorithm of each model; the first is the one the others are
# tested against. Deterministic for a --seed, and quick on one core.
DETECTORS = ('iforest', 'ecod', 'hbos')


def eval_names(detectors):
    """ad-eval's compare and name inputs for the joined score columns."""
    names = {'name': detectors[0]}
    for k, d in enumerate(detectors[1:], start=2):
        names['compare' if k == 2 else f'compare_{k - 1}'] = f'{d}_score'
        names[f'name_{k}'] = d
    return names


@dsl.pipeline(name='adkit-detector-comparison',
              description='Train several detectors on the same features and '
              'compare them on a holdout in one ad-eval report and plot.')
def detector_comparison(data_uri: str, holdout_uri: str, label: str = 'label',
                        impute: str = 'median,label=none',
                        scale: str = 'robust', onehot: str = 'host',
                        keep: str = 'timestamp,label', seed: int = 1):
    data = ak.import_data(data_uri, 'training data')
    holdout = ak.import_data(holdout_uri, 'holdout data')
    clean, feats = ak.fit_prep(data, impute, scale, onehot, keep)
    features = ak.prepare(holdout, clean.outputs['params'],
                          feats.outputs['params'], ' holdout')
    joined = None
    for d in DETECTORS:
        model = ak.sized(ak.train_op(input=feats.outputs['output'],
                                     label=label, algorithm=d, seed=seed,
                                     threads=ak.THREADS),
                         'forest', f'train {d}').outputs['model']
        # the first keeps the label; the others add their scores only
        scored = ak.score(features, model, f'score holdout ({d})',
                          keep=label if joined is None else '')
        if joined is None:
            joined = scored
        else:
            joined = ak.sized(ak.join_scores_op(current=joined,
                                                challenger=scored,
                                                prefix=f'{d}_'),
                              'glue', f'join {d} scores').output
    ak.sized(ak.eval_op(input=joined, label=label, **eval_names(DETECTORS)),
             'eval', 'compare detectors')


if __name__ == '__main__':
    compiler.Compiler().compile(detector_comparison,
                                __file__.replace('.py', '.yaml'))
