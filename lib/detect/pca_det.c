/*
 * -a pca: PyOD's PCA detector (lib/detect/pca.h) as a detector, with
 * PyOD's defaults (every component, weighted, standardized) and no
 * options. The model's standardizer is scikit-learn's StandardScaler, the
 * one PyOD's PCA applies, so standardizing again inside changes nothing
 * but rounding and scores are PyOD's on the raw rows.
 */
#include <float.h>
#include <stddef.h>

#include "alloc.h"
#include "detector.h"
#include "pca.h"

static enum ad_status pca_fit(const void *opts, const struct ad_fit_env *env,
    const double *x, size_t n, struct ad_param **params, size_t *nparams,
    void **state, struct ad_error *err)
{
	struct ad_pca_opts o;
	struct ad_pca *p = NULL;
	enum ad_status st;

	(void)opts;
	ad_pca_defaults(&o);
	if ((st = ad_detector_param_new(params, 0, NULL, NULL, err)) != AD_OK)
		return st;
	*nparams = 0;
	st = ad_pca_fit(&o, x, n, env->nfeat, env->seed, &p, err);
	*state = p;
	return st;
}

static enum ad_status pca_load(const unsigned char *buf, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	struct ad_pca *p = NULL;
	enum ad_status st;

	(void)params;
	if (nparams != 0)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: "
		    "unknown hyper-parameter");
	st = ad_pca_decode(buf, len, nfeat, name, &p, err);
	*state = p;
	return st;
}

static size_t pca_save_size(const void *state)
{
	return ad_pca_encoded_size(state);
}

static void pca_save(const void *state, unsigned char *buf)
{
	ad_pca_encode(state, buf);
}

static void pca_free(void *state)
{
	ad_pca_free(state);
}

static void pca_score(const void *state, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	(void)work;
	ad_pca_score(state, x, n, ld, score);
}

static void pca_explain(const void *state, const double *x, void *work,
    double *contrib)
{
	(void)work;
	ad_pca_explain(state, x, contrib);
}

static uint64_t pca_size(const void *state)
{
	return ad_pca_nsel(state);
}

const struct ad_detector ad_pca_detector = {
	.algo = 10,                /* the next free code of enum ad_algo */
	.name = "pca",
	.phrase = "principal components, PyOD's PCA",
	.sampling = AD_SAMPLE_ROWS,
	.auto_share = 0.1,
	.score_lo = 0,
	.score_hi = DBL_MAX,
	.size_key = "components",
	.fit = pca_fit,
	.load = pca_load,
	.save_size = pca_save_size,
	.save = pca_save,
	.free = pca_free,
	.score = pca_score,
	.explain = pca_explain,
	.size = pca_size
};
