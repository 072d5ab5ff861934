/*
 * -a mcd: the minimum covariance determinant estimate of lib/detect/mcd.h
 * as a detector, scoring the squared robust Mahalanobis distance. It fits
 * on the model's standardized reservoir; the MCD is affine equivariant,
 * so its distances are those of scikit-learn's MinCovDet on the raw rows.
 * --support-fraction is MinCovDet's (0, the default, its None). Under
 * --contamination auto the threshold is the chi-square 0.975 quantile for
 * the dimensions the rows span (mcd.h), the classic cut of squared robust
 * distances, so it depends on the fit (auto_threshold_of).
 */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "alloc.h"
#include "detector.h"
#include "mcd.h"

/* ad-train's options for -a mcd. */
struct mcd_opts {
	double support_fraction;   /* (0, 1]; 0: not given */
};

static const struct ad_opt mcd_rows[] = {
	AD_OPT_HEADING("MCD (-a mcd; scikit-learn MinCovDet's meanings):"),
	{ "support-fraction", 0, "F", AD_OPT_DOUBLE,
	    AD_OPT_AT(struct mcd_opts, support_fraction), .dmin = 0, .dmax = 1,
	    .flags = AD_OPT_ABOVE_MIN, .kfp = AD_KFP_FLOAT,
	    .help = "share of the rows in the raw MCD estimate, in (0, 1] "
	    "(default: (rows + features + 1) / 2 rows)" },
};

static enum ad_status mcd_fit(const void *opts, const struct ad_fit_env *env,
    const double *x, size_t n, struct ad_param **params, size_t *nparams,
    void **state, struct ad_error *err)
{
	static const char *const keys[] = { "support_fraction" };
	const struct mcd_opts *v = opts;
	struct ad_mcd_opts o = { v->support_fraction };
	struct ad_mcd *m = NULL;
	enum ad_status st;

	if ((st = ad_detector_param_new(params, 1, keys, &o.support_fraction,
	    err)) != AD_OK)
		return st;
	*nparams = 1;
	st = ad_mcd_fit(&o, x, n, env->nfeat, env->seed, &m, err);
	*state = m;
	return st;
}

static enum ad_status mcd_load(const unsigned char *p, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	double f = ad_detector_param_get(params, nparams, "support_fraction");
	struct ad_mcd *m = NULL;
	enum ad_status st;

	if (nparams != 1 || !(f >= 0 && f <= 1))
		return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: "
		    "unknown hyper-parameter or support_fraction out of range");
	st = ad_mcd_decode(p, len, nfeat, name, &m, err);
	*state = m;
	return st;
}

static size_t mcd_save_size(const void *state)
{
	return ad_mcd_encoded_size(state);
}

static void mcd_save(const void *state, unsigned char *p)
{
	ad_mcd_encode(state, p);
}

static void mcd_free(void *state)
{
	ad_mcd_free(state);
}

static size_t mcd_work_size(const void *state)
{
	return ad_mcd_work_doubles(state) * sizeof(double);
}

static void mcd_score(const void *state, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	ad_mcd_score(state, x, n, ld, work, score);
}

static void mcd_explain(const void *state, const double *x, void *work,
    double *contrib)
{
	ad_mcd_explain(state, x, work, contrib);
	/* the seam ranks shares >= 0: a negative share (a feature pulling the
	 * row back along a correlation) ranks last, as a zero */
	for (size_t j = 0; j < ad_mcd_nfeat(state); j++)
		if (!(contrib[j] > 0))
			contrib[j] = 0;
}

static uint64_t mcd_size(const void *state)
{
	return ad_mcd_reweighted(state);
}

static double mcd_auto_threshold(const void *state)
{
	return ad_mcd_cutoff(state);
}

const struct ad_detector ad_mcd_detector = {
	.algo = 11,                /* the next free code of enum ad_algo */
	.name = "mcd",
	.phrase = "robust Mahalanobis distance, scikit-learn's MinCovDet",
	.sampling = AD_SAMPLE_ROWS,
	.auto_threshold_of = mcd_auto_threshold,
	.score_lo = 0,
	.score_hi = DBL_MAX,
	.size_key = "support_rows",
	.opts_size = sizeof(struct mcd_opts),
	.opts = mcd_rows,
	.nopts = sizeof mcd_rows / sizeof mcd_rows[0],
	.fit = mcd_fit,
	.load = mcd_load,
	.save_size = mcd_save_size,
	.save = mcd_save,
	.free = mcd_free,
	.work_size = mcd_work_size,
	.score = mcd_score,
	.explain = mcd_explain,
	.size = mcd_size
};
