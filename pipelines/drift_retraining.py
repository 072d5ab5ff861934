"""Drift-triggered retraining with an A/B evaluation.

1. The current release scores the recent data; ad-drift -m compares those
   scores with the model's training scores and says whether they drifted.
2. Only if they did (dsl.If on the verdict): a challenger is trained on the
   recent data (ad-clean -s, ad-features -s, ad-train).
3. A/B evaluation on a labelled holdout: each model scores it through its
   own params, the scores are put side by side and ad-eval --compare runs
   DeLong's test of the two ROC-AUCs.
4. Only the winner is published: the challenger when its ROC-AUC is higher
   and the difference significant at alpha (steps/ab-winner.sh); otherwise
   the current release stays.

Compile (KFP SDK 2.x; see README.md):
    python3 pipelines/drift_retraining.py    # writes pipelines/drift_retraining.yaml
Run: upload drift_retraining.yaml in the Kubeflow Pipelines UI, or
    kfp run create -e adkit -f pipelines/drift_retraining.yaml \
        recent_uri=minio://data/servers/last-week.csv \
        holdout_uri=minio://data/servers/holdout.csv
"""

from kfp import compiler, dsl

import adkit_kfp as ak


@dsl.pipeline(name='adkit-drift-retraining',
              description='Retrain when the scores drift; publish the '
              'challenger only when it beats the current model.')
def drift_retraining(recent_uri: str, holdout_uri: str,
                     model_name: str = 'servers',
                     store_pvc: str = 'adkit-models', label: str = 'label',
                     impute: str = 'median,label=none', scale: str = 'robust',
                     onehot: str = 'host', keep: str = 'timestamp,label',
                     trees: int = 100, seed: int = 1, alpha: float = 0.05):
    recent = ak.import_data(recent_uri, 'recent data')
    current = ak.fetch_current(store_pvc, model_name)
    cur_params = (current.outputs['clean_params'],
                  current.outputs['features_params'])
    cur_model = current.outputs['model']
    scored = ak.score(ak.prepare(recent, *cur_params, ' recent'), cur_model,
                      'score recent')
    drift = ak.sized(ak.drift_op(input=scored, model=cur_model), 'stream',
                     'drift check')
    with dsl.If(drift.outputs['drift'] == True, name='drift found'):  # noqa: E712
        clean, feats = ak.fit_prep(recent, impute, scale, onehot, keep,
                                   ' challenger')
        new_params = (clean.outputs['params'], feats.outputs['params'])
        challenger = ak.train(feats.outputs['output'], label, trees, seed,
                              'train challenger').outputs['model']
        holdout = ak.import_data(holdout_uri, 'holdout data')
        a = ak.score(ak.prepare(holdout, *cur_params, ' holdout A'),
                     cur_model, 'score holdout A (current)', keep=label)
        b = ak.score(ak.prepare(holdout, *new_params, ' holdout B'),
                     challenger, 'score holdout B (challenger)', keep='')
        both = ak.sized(ak.join_scores_op(current=a, challenger=b), 'glue',
                        'join scores')
        ab = ak.sized(ak.eval_op(input=both.output, label=label,
                                 compare='challenger_score', format='csv',
                                 name='current'),
                      'eval', 'A/B evaluation')
        winner = ak.sized(ak.ab_winner_op(report=ab.outputs['report'],
                                          alpha=alpha), 'glue', 'pick winner')
        with dsl.If(winner.outputs['winner'] == 'challenger',
                    name='challenger wins'):
            ak.publish(store_pvc, model_name, *new_params, challenger)


if __name__ == '__main__':
    compiler.Compiler().compile(drift_retraining,
                                __file__.replace('.py', '.yaml'))
