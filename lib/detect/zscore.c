/*
 * -a zscore: a baseline detector. Training standardizes the rows it
 * samples as every row-sampling detector's (detector.h): each feature's
 * mean and population standard deviation over at most --max-train-rows
 * rows, a feature that does not vary getting scale 1. Those are the whole
 * model, stored as its standardizer: no hyper-parameters, an empty
 * payload. A row's score is the largest absolute z over its features,
 *   score = max_f |x_f - mean_f| / sd_f,
 * a missing value counting as the mean (z = 0); a feature's share in the
 * explanation is its |z|. --contamination auto flags rows more than three
 * standard deviations out in some feature.
 */
#include <float.h>
#include <math.h>

#include "alloc.h"
#include "detector.h"

/* The trained state: the model's standardizer does the work. */
struct zscore {
	size_t nfeat;
};

/* |z| as a finite score: standardizing already clipped infinities. */
static double abs_z(double z)
{
	double v = fabs(z);

	return v <= DBL_MAX ? v : isnan(v) ? 0 : DBL_MAX;
}

static enum ad_status new_state(size_t nfeat, void **state,
    struct ad_error *err)
{
	struct zscore *s = ad_malloc(sizeof *s);

	if (s == NULL)
		return ad_error_nomem(err);
	s->nfeat = nfeat;
	*state = s;
	return AD_OK;
}

static enum ad_status fit(const void *opts, const struct ad_fit_env *env,
    const double *x, size_t n, struct ad_param **params, size_t *nparams,
    void **state, struct ad_error *err)
{
	enum ad_status st;

	(void)opts;
	(void)x;
	(void)n;
	if ((st = ad_detector_param_new(params, 0, NULL, NULL, err)) != AD_OK)
		return st;
	*nparams = 0;
	return new_state(env->nfeat, state, err);
}

static enum ad_status load(const unsigned char *p, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	(void)p;
	(void)params;
	if (nparams != 0)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: "
		    "unknown hyper-parameter");
	if (len != 0)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: "
		    "a z-score model has no payload");
	return new_state(nfeat, state, err);
}

static size_t save_size(const void *state)
{
	(void)state;
	return 0;
}

static void save(const void *state, unsigned char *p)
{
	(void)state;
	(void)p;
}

static void zscore_free(void *state)
{
	ad_free(state);
}

static void score(const void *state, const double *x, size_t n, size_t ld,
    void *work, double *out)
{
	const struct zscore *s = state;

	(void)work;

	for (size_t i = 0; i < n; i++) {
		double best = 0;

		for (size_t f = 0; f < s->nfeat; f++) {
			double v = abs_z(x[i * ld + f]);
			if (v > best)
				best = v;
		}
		out[i] = best;
	}
}

static void explain(const void *state, const double *x, void *work,
    double *contrib)
{
	const struct zscore *s = state;

	(void)work;

	for (size_t f = 0; f < s->nfeat; f++)
		contrib[f] = abs_z(x[f]);
}

static uint64_t size(const void *state)
{
	return ((const struct zscore *)state)->nfeat;
}

const struct ad_detector ad_zscore_detector = {
	.algo = 5,                 /* the next free code of enum ad_algo */
	.name = "zscore",
	.phrase = "largest absolute z-score",
	.sampling = AD_SAMPLE_ROWS,
	.auto_threshold = 3,
	.score_lo = 0,
	.score_hi = DBL_MAX,
	.size_key = "scored_features",
	.fit = fit,
	.load = load,
	.save_size = save_size,
	.save = save,
	.free = zscore_free,
	.score = score,
	.explain = explain,
	.size = size
};
