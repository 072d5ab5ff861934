/*
 * -a hbos: the histogram-based outlier score of lib/detect/hbos.h as a
 * detector. It fits on the model's standardized reservoir with the
 * standardizer's sds as the histograms' unit, so densities are per raw
 * unit and scores PyOD's HBOS on the raw rows (hbos.h says why that
 * matters with alpha). --bins is PyOD's n_bins; alpha 0.1 and tol 0.5 are
 * PyOD's defaults, kept in the payload. A feature's share in the
 * explanation is its term above that of its densest bin: the raw terms
 * may be negative (densities per raw unit above 1 - alpha), and the seam
 * wants shares >= 0.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "alloc.h"
#include "detector.h"
#include "hbos.h"

/* ad-train's options for -a hbos. */
struct hbos_opts {
	size_t bins;   /* bins per feature */
};

static const struct ad_opt hbos_rows[] = {
	AD_OPT_HEADING("HBOS (-a hbos; PyOD's meanings and defaults):"),
	{ "bins", 0, "N", AD_OPT_SIZE, AD_OPT_AT(struct hbos_opts, bins),
	    .umin = 2, .umax = AD_HBOS_MAX_BINS, .def = "10",
	    .kfp = AD_KFP_INTEGER,
	    .help = "equal-width bins per feature's histogram" },
};

static enum ad_status hbos_fit(const void *opts, const struct ad_fit_env *env,
    const double *x, size_t n, struct ad_param **params, size_t *nparams,
    void **state, struct ad_error *err)
{
	static const char *const keys[] = { "bins" };
	const struct hbos_opts *v = opts;
	struct ad_hbos_opts o;
	double values[1];
	struct ad_hbos *h = NULL;
	enum ad_status st;

	ad_hbos_defaults(&o);
	o.nbins = v->bins;
	o.unit = env->scale;
	values[0] = (double)v->bins;
	if ((st = ad_detector_param_new(params, 1, keys, values, err)) != AD_OK)
		return st;
	*nparams = 1;
	st = ad_hbos_fit(&o, x, n, env->nfeat, env->seed, &h, err);
	*state = h;
	return st;
}

static enum ad_status hbos_load(const unsigned char *p, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	double bins = ad_detector_param_get(params, nparams, "bins");
	struct ad_hbos *h = NULL;
	enum ad_status st;

	if (nparams != 1 || isnan(bins))
		return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: "
		    "unknown hyper-parameter");
	st = ad_hbos_decode(p, len, nfeat, name, &h, err);
	*state = h;
	if (st != AD_OK)
		return st;
	if (bins != (double)ad_hbos_nbins(h))
		return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: "
		    "hyper-parameter bins is not the histograms'");
	return AD_OK;
}

static size_t hbos_save_size(const void *state)
{
	return ad_hbos_encoded_size(state);
}

static void hbos_save(const void *state, unsigned char *p)
{
	ad_hbos_encode(state, p);
}

static void hbos_free(void *state)
{
	ad_hbos_free(state);
}

static void hbos_score(const void *state, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	(void)work;
	ad_hbos_score(state, x, n, ld, score);
}

static void hbos_explain(const void *state, const double *x, void *work,
    double *contrib)
{
	(void)work;
	ad_hbos_explain_excess(state, x, contrib);
}

static uint64_t hbos_size(const void *state)
{
	return (uint64_t)ad_hbos_nfeat(state) * ad_hbos_nbins(state);
}

const struct ad_detector ad_hbos_detector = {
	.algo = 8,                 /* the next free code of enum ad_algo */
	.name = "hbos",
	.phrase = "histogram-based outlier score, PyOD's HBOS",
	.sampling = AD_SAMPLE_ROWS,
	.auto_share = 0.1,
	.score_lo = -DBL_MAX,
	.score_hi = DBL_MAX,
	.size_key = "histogram_bins",
	.opts_size = sizeof(struct hbos_opts),
	.opts = hbos_rows,
	.nopts = sizeof hbos_rows / sizeof hbos_rows[0],
	.fit = hbos_fit,
	.load = hbos_load,
	.save_size = hbos_save_size,
	.save = hbos_save,
	.free = hbos_free,
	.score = hbos_score,
	.explain = hbos_explain,
	.size = hbos_size
};
