/*
 * -a iforest and -a eif: the forests' entries of the detector table
 * (detector.h) over lib/detect/iforest.h. A forest is trained from
 * subsamples: one reservoir of --sample-size rows per tree. Its
 * hyper-parameters are trees, sample_size and (EIF) extension_level.
 */
#include <math.h>
#include <string.h>

#include "detector.h"
#include "forest.h"
#include "iforest.h"

/* ---- options ---- */

#define FOREST_AT(field) AD_OPT_AT(struct ad_forest_opts, field)

/* Both forests' rows; -a iforest declares all but the last. */
static const struct ad_opt forest_rows[] = {
	AD_OPT_HEADING("Forests (-a iforest or eif):"),
	{ "trees", 0, "N", AD_OPT_U64, FOREST_AT(trees), .umin = 1,
	    .umax = AD_IFOREST_MAX_TREES, .def = "100", .kfp = AD_KFP_INTEGER,
	    .help = "trees in the forest" },
	{ "sample-size", 0, "N", AD_OPT_U64, FOREST_AT(sample_size), .umin = 2,
	    .umax = AD_IFOREST_MAX_SAMPLE, .def = "256",
	    .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_INTEGER,
	    .help = "rows each tree is grown on (default 256, or all rows if "
	    "fewer)" },
	{ "extension-level", 0, "N", AD_OPT_U64, FOREST_AT(ext_level),
	    AD_OPT_GIVEN(struct ad_forest_opts, ext_level_set), .umax = 1048575,
	    .kfp = AD_KFP_INTEGER, .help = "eif: features per split, minus one "
	    "(default: all features, minus one)" },
};

#define EIF_NOPTS (sizeof forest_rows / sizeof forest_rows[0])
#define IFOREST_NOPTS (EIF_NOPTS - 1)

/* The block is eif's too: a caller filling it by hand (not through the
 * rows) may set what iforest does not take. */
static enum ad_status iforest_check(const void *opts, size_t nfeat,
    struct ad_error *err)
{
	const struct ad_forest_opts *o = opts;

	(void)nfeat;
	if (o->ext_level_set)
		return ad_error_set(err, AD_EUSAGE, "--extension-level needs "
		    "-a eif");
	return AD_OK;
}

static enum ad_status eif_check(const void *opts, size_t nfeat,
    struct ad_error *err)
{
	const struct ad_forest_opts *o = opts;

	if (nfeat > 0 && o->ext_level_set && o->ext_level >= nfeat)
		return ad_error_set(err, AD_EUSAGE, "--extension-level must be "
		    "below the number of features (%zu)", nfeat);
	return AD_OK;
}

/* ---- training ---- */

static void subsamples(const void *opts, size_t *count, size_t *rows)
{
	const struct ad_forest_opts *o = opts;

	*count = (size_t)o->trees;
	*rows = (size_t)o->sample_size;
}

static enum ad_status begin(enum ad_iforest_kind kind,
    const struct ad_forest_opts *o, const struct ad_fit_env *env,
    struct ad_param **params, size_t *nparams, void **state,
    struct ad_error *err)
{
	static const char *const names[] = { "trees", "sample_size",
		"extension_level" };
	struct ad_iforest_params p;
	double values[3];
	struct ad_iforest *f;
	enum ad_status st;

	memset(&p, 0, sizeof p);
	p.kind = kind;
	p.nfeat = env->nfeat;
	p.ntrees = (size_t)o->trees;
	p.sample_size = (size_t)o->sample_size;
	if (kind == AD_IFOREST_EIF)
		p.ext_level = o->ext_level_set ? (size_t)o->ext_level :
		    env->nfeat - 1;
	values[0] = (double)o->trees;
	values[1] = (double)o->sample_size;
	values[2] = (double)p.ext_level;
	if ((st = ad_detector_param_new(params, kind == AD_IFOREST_EIF ? 3 : 2, names,
	    values, err)) != AD_OK)
		return st;
	*nparams = kind == AD_IFOREST_EIF ? 3 : 2;
	if ((st = ad_iforest_new(&f, &p, err)) != AD_OK)
		return st;
	*state = f;
	return AD_OK;
}

static enum ad_status iforest_begin(const void *opts,
    const struct ad_fit_env *env, struct ad_param **params, size_t *nparams,
    void **state, struct ad_error *err)
{
	return begin(AD_IFOREST_IF, opts, env, params, nparams, state, err);
}

static enum ad_status eif_begin(const void *opts,
    const struct ad_fit_env *env, struct ad_param **params, size_t *nparams,
    void **state, struct ad_error *err)
{
	return begin(AD_IFOREST_EIF, opts, env, params, nparams, state, err);
}

static enum ad_status grow(void *state, size_t t, const double *x, size_t n,
    struct ad_rng *rng, struct ad_error *err)
{
	return ad_iforest_build(state, t, x, n, rng, err);
}

/* ---- merging ---- */

static const char *iforest_mismatch(const struct ad_param *a, size_t na,
    const struct ad_param *b, size_t nb)
{
	if (ad_detector_param_get(a, na, "sample_size") !=
	    ad_detector_param_get(b, nb, "sample_size"))
		return "another --sample-size";
	return NULL;
}

static const char *eif_mismatch(const struct ad_param *a, size_t na,
    const struct ad_param *b, size_t nb)
{
	const char *why = iforest_mismatch(a, na, b, nb);

	if (why == NULL && ad_detector_param_get(a, na, "extension_level") !=
	    ad_detector_param_get(b, nb, "extension_level"))
		return "another --extension-level";
	return why;
}

/* The trees in order; the hyper-parameter trees becomes their count. */
static enum ad_status merge(const void *const *states, size_t n,
    struct ad_param *params, size_t nparams, void **state,
    struct ad_error *err)
{
	struct ad_iforest *f;
	enum ad_status st = ad_iforest_merge(
	    (const struct ad_iforest *const *)states, n, &f, err);

	if (st != AD_OK)
		return st;
	for (size_t i = 0; i < nparams; i++)
		if (strcmp(params[i].name, "trees") == 0)
			params[i].value = (double)ad_iforest_params(f)->ntrees;
	*state = f;
	return AD_OK;
}

/* ---- the model file ---- */

/* Checks a hyper-parameter that must be a whole number in [lo, hi]. */
static enum ad_status whole_param(const struct ad_param *params,
    size_t nparams, const char *name, double lo, double hi, const char *file,
    size_t *out, struct ad_error *err)
{
	double v = ad_detector_param_get(params, nparams, name);

	if (!(v >= lo && v <= hi) || v != floor(v))
		return ad_error_at(err, AD_EDATA, file, 0, 0, "corrupt model: "
		    "hyper-parameter %s missing or out of range", name);
	*out = (size_t)v;
	return AD_OK;
}

/* The forest's parameters from the model's hyper-parameters, all checked. */
static enum ad_status forest_params(enum ad_iforest_kind kind,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *file, struct ad_iforest_params *p, struct ad_error *err)
{
	size_t expect = kind == AD_IFOREST_EIF ? 3 : 2;
	enum ad_status st;

	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->nfeat = nfeat;
	if ((st = whole_param(params, nparams, "trees", 1,
	    AD_IFOREST_MAX_TREES, file, &p->ntrees, err)) != AD_OK ||
	    (st = whole_param(params, nparams, "sample_size", 2,
	    AD_IFOREST_MAX_SAMPLE, file, &p->sample_size, err)) != AD_OK)
		return st;
	if (kind == AD_IFOREST_EIF && (st = whole_param(params, nparams,
	    "extension_level", 0, (double)nfeat - 1, file, &p->ext_level,
	    err)) != AD_OK)
		return st;
	if (nparams != expect)
		return ad_error_at(err, AD_EDATA, file, 0, 0, "corrupt model: "
		    "unknown hyper-parameter");
	return AD_OK;
}

static enum ad_status load(enum ad_iforest_kind kind, const unsigned char *p,
    size_t len, const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	struct ad_iforest_params par;
	struct ad_iforest *f;
	enum ad_status st = forest_params(kind, params, nparams, nfeat, name,
	    &par, err);

	if (st != AD_OK ||
	    (st = ad_iforest_decode(p, len, &par, name, &f, err)) != AD_OK)
		return st;
	*state = f;
	return AD_OK;
}

static enum ad_status iforest_load(const unsigned char *p, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	return load(AD_IFOREST_IF, p, len, params, nparams, nfeat, name, state,
	    err);
}

static enum ad_status eif_load(const unsigned char *p, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	return load(AD_IFOREST_EIF, p, len, params, nparams, nfeat, name, state,
	    err);
}

static size_t save_size(const void *state)
{
	return ad_iforest_encoded_size(state);
}

static void save(const void *state, unsigned char *p)
{
	ad_iforest_encode(state, p);
}

static void forest_free(void *state)
{
	ad_iforest_free(state);
}

/* ---- using it ---- */

static void score(const void *state, const double *x, size_t n, size_t ld,
    void *work, double *out)
{
	(void)work;
	ad_iforest_score(state, x, n, ld, out);
}

static void explain(const void *state, const double *x, void *work,
    double *contrib)
{
	(void)work;
	ad_iforest_explain(state, x, contrib);
}

static uint64_t size(const void *state)
{
	return ad_iforest_nodes(state);
}

#define FOREST(code, nm, pre, what, n, chk) { \
	.algo = code, .name = nm, .phrase = what, \
	.sampling = AD_SAMPLE_SUBSAMPLES, \
	.auto_threshold = 0.5, .score_lo = 0, .score_hi = 1, \
	.size_key = "nodes", \
	.opts_size = sizeof(struct ad_forest_opts), \
	.opts = forest_rows, .nopts = n, .check = chk, \
	.subsamples = subsamples, .begin = pre##_begin, .grow = grow, \
	.mismatch = pre##_mismatch, .merge = merge, .load = pre##_load, \
	.save_size = save_size, .save = save, .free = forest_free, \
	.score = score, .explain = explain, .size = size }

const struct ad_detector ad_iforest_detector = FOREST(AD_ALGO_IFOREST,
    "iforest", iforest, "Isolation Forest", IFOREST_NOPTS, iforest_check);
const struct ad_detector ad_eif_detector = FOREST(AD_ALGO_EIF, "eif", eif,
    "Extended Isolation Forest", EIF_NOPTS, eif_check);
