/*
 * -a ecod: ECOD (lib/detect/ecod.h) as a detector, PyOD's aggregate, no
 * options. The state is the model's standardized reservoir itself, sorted
 * per feature: --max-train-rows bounds the model (rows x features x 8
 * bytes of payload). ECOD's tails are ranks, which standardizing keeps, so
 * scores are PyOD's on the raw rows. The calibration sample is that
 * reservoir, scored as PyOD's fit scores its rows (score_train).
 */
#include <float.h>
#include <stddef.h>

#include "alloc.h"
#include "detector.h"
#include "ecod.h"

static enum ad_status ecod_fit(const void *opts, const struct ad_fit_env *env,
    const double *x, size_t n, struct ad_param **params, size_t *nparams,
    void **state, struct ad_error *err)
{
	struct ad_ecod_opts o;
	struct ad_ecod *e = NULL;
	enum ad_status st;

	(void)opts;
	ad_ecod_defaults(&o);
	if ((st = ad_detector_param_new(params, 0, NULL, NULL, err)) != AD_OK)
		return st;
	*nparams = 0;
	st = ad_ecod_fit(&o, x, n, env->nfeat, env->seed, &e, err);
	*state = e;
	return st;
}

static enum ad_status ecod_load(const unsigned char *p, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	struct ad_ecod *e = NULL;
	enum ad_status st;

	(void)params;
	if (nparams != 0)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: "
		    "unknown hyper-parameter");
	st = ad_ecod_decode(p, len, nfeat, name, &e, err);
	*state = e;
	return st;
}

static size_t ecod_save_size(const void *state)
{
	return ad_ecod_encoded_size(state);
}

static void ecod_save(const void *state, unsigned char *p)
{
	ad_ecod_encode(state, p);
}

static void ecod_free(void *state)
{
	ad_ecod_free(state);
}

static void ecod_score(const void *state, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	(void)work;
	ad_ecod_score(state, x, n, ld, score);
}

static void ecod_score_train(const void *state, const double *x, size_t n,
    size_t ld, double *score)
{
	ad_ecod_score_train(state, x, n, ld, score);
}

static void ecod_explain(const void *state, const double *x, void *work,
    double *contrib)
{
	(void)work;
	ad_ecod_explain(state, x, contrib);
}

static uint64_t ecod_size(const void *state)
{
	return ad_ecod_nrows(state);
}

const struct ad_detector ad_ecod_detector = {
	.algo = 9,                 /* the next free code of enum ad_algo */
	.name = "ecod",
	.phrase = "empirical cumulative distributions, PyOD's ECOD",
	.sampling = AD_SAMPLE_ROWS,
	.auto_share = 0.1,
	.score_lo = 0,
	.score_hi = DBL_MAX,
	.size_key = "training_rows",
	.fit = ecod_fit,
	.score_train = ecod_score_train,
	.load = ecod_load,
	.save_size = ecod_save_size,
	.save = ecod_save,
	.free = ecod_free,
	.score = ecod_score,
	.explain = ecod_explain,
	.size = ecod_size
};
