/*
 * The detector table (see detector.h), and the forests' entries: they
 * predate the seam, so their glue to lib/iforest lives here. Other
 * detectors export their entry from their own module.
 */
#include <math.h>
#include <string.h>

#include "autoenc.h"
#include "detector.h"
#include "iforest.h"
#include "model.h"
#include "ocsvm.h"

/* ---- forests ---- */

/* Checks a hyper-parameter that must be a whole number in [lo, hi]. */
static enum ad_status whole_param(const struct ad_model *m, const char *name,
    double lo, double hi, const char *file, size_t *out, struct ad_error *err)
{
	double v = ad_model_param(m, name);

	if (!(v >= lo && v <= hi) || v != floor(v))
		return ad_error_at(err, AD_EDATA, file, 0, 0, "corrupt model: "
		    "hyper-parameter %s missing or out of range", name);
	*out = (size_t)v;
	return AD_OK;
}

/* The forest's parameters from the model's hyper-parameters, all checked. */
static enum ad_status forest_params(const struct ad_model *m,
    const char *file, struct ad_iforest_params *p, struct ad_error *err)
{
	size_t expect = m->algo == AD_ALGO_EIF ? 3 : 2;
	enum ad_status st;

	memset(p, 0, sizeof *p);
	p->kind = m->algo == AD_ALGO_EIF ? AD_IFOREST_EIF : AD_IFOREST_IF;
	p->nfeat = m->nfeat;
	if ((st = whole_param(m, "trees", 1, AD_IFOREST_MAX_TREES, file,
	    &p->ntrees, err)) != AD_OK ||
	    (st = whole_param(m, "sample_size", 2, AD_IFOREST_MAX_SAMPLE, file,
	    &p->sample_size, err)) != AD_OK)
		return st;
	if (m->algo == AD_ALGO_EIF && (st = whole_param(m, "extension_level",
	    0, (double)m->nfeat - 1, file, &p->ext_level, err)) != AD_OK)
		return st;
	if (m->nparams != expect)
		return ad_error_at(err, AD_EDATA, file, 0, 0, "corrupt model: "
		    "unknown hyper-parameter");
	return AD_OK;
}

static enum ad_status forest_decode(struct ad_model *m, const unsigned char *p,
    size_t len, const char *name, struct ad_error *err)
{
	struct ad_iforest_params par;
	enum ad_status st = forest_params(m, name, &par, err);

	if (st != AD_OK)
		return st;
	return ad_iforest_decode(p, len, &par, name, &m->forest, err);
}

static size_t forest_encoded_size(const struct ad_model *m)
{
	return ad_iforest_encoded_size(m->forest);
}

static void forest_encode(const struct ad_model *m, unsigned char *p)
{
	ad_iforest_encode(m->forest, p);
}

static void forest_free(struct ad_model *m)
{
	ad_iforest_free(m->forest);
	m->forest = NULL;
}

static void forest_score(const struct ad_model *m, const double *x, size_t n,
    size_t ld, double *score)
{
	ad_iforest_score(m->forest, x, n, ld, score);
}

static void forest_explain(const struct ad_model *m, const double *x,
    double *contrib)
{
	ad_iforest_explain(m->forest, x, contrib);
}

static uint64_t forest_size(const struct ad_model *m)
{
	return ad_iforest_nodes(m->forest);
}

#define FOREST(code, nm) { \
	.algo = code, .name = nm, .sampling = AD_SAMPLE_SUBSAMPLES, \
	.can_merge = 1, .auto_threshold = 0.5, .score_lo = 0, .score_hi = 1, \
	.size_key = "nodes", .fit = NULL, .decode = forest_decode, \
	.encoded_size = forest_encoded_size, .encode = forest_encode, \
	.free_state = forest_free, .score = forest_score, \
	.explain = forest_explain, .size = forest_size, .param_word = NULL }

static const struct ad_detector iforest = FOREST(AD_ALGO_IFOREST, "iforest");
static const struct ad_detector eif = FOREST(AD_ALGO_EIF, "eif");

/* ---- the table ---- */

static const struct ad_detector *const table[] = {
	&iforest,
	&eif,
	&ad_ocsvm_detector,
	&ad_autoenc_detector
};

#define NDET (sizeof table / sizeof table[0])

const struct ad_detector *ad_detector_find(int algo)
{
	for (size_t i = 0; i < NDET; i++)
		if (table[i]->algo == algo)
			return table[i];
	return NULL;
}

const struct ad_detector *ad_detector_named(const char *name)
{
	for (size_t i = 0; i < NDET; i++)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}

const char *ad_detector_names(void)
{
	return "iforest|eif|ocsvm|autoencoder";
}
