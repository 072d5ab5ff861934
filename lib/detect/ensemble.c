/*
 * -a ensemble[=LIST]: several detectors in one model, combined on their
 * calibrated scores (lib/engine/calib.h). Each member is fitted on the
 * rows ad-train hands a row-sampling detector (one uniform reservoir of
 * --max-train-rows rows, standardized by the model), with its own options
 * (ad-train's options block of that detector), its own seed and, for the
 * forests, raw rows again: the ensemble keeps the standardizer and undoes
 * it for them, so a forest sees the units it would see alone (a missing
 * value as the training mean). A forest grows tree t from a uniform
 * subsample of --sample-size reservoir rows drawn with stream t of its
 * seed, tree after tree, so the model depends on the seed only.
 *
 * Member k (1-based) gets seed + k * 0x9E3779B97F4A7C15 (mod 2^64). After
 * fitting, it scores the reservoir (as its own calibration would: ECOD
 * counts a training row once) and keeps the distribution of those scores
 * (ad_calib_fit). A row's score is then the mean (or max, or median) over
 * the members of each one's calibrated score: in [0, 1].
 *
 * --explain: each member's attributions, scaled to sum 1 (a member whose
 * attributions are all 0 adds nothing), averaged over the members.
 *
 * Hyper-parameters: combine (0 mean, 1 max, 2 median), members (their
 * count) and member_1.. (each one's algorithm code). The payload (adkit(5)):
 * u32 members; nfeat f64 centers and nfeat f64 scales (the model's
 * standardizer); then per member u32 algorithm, u32 hyper-parameter count,
 * each as u32 name length, name, f64 value; its calibration (calib.h's
 * encoding); u64 payload length and its payload.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "calib.h"
#include "detector.h"
#include "ensemble.h"
#include "num.h"
#include "rng.h"
#include "wire.h"

/* The members when -a ensemble gives no list: see ad-train(1) and
 * bench/ensemble.sh for the measurement that chose them. */
#define DEFAULT_MEMBERS "eif,knn,hbos"
static const char *const default_members[] = { "eif", "knn", "hbos" };
#define NDEFAULT (sizeof default_members / sizeof default_members[0])

/* Rows scored per member call: bounds the workspace. */
#define CHUNK 64

/* The algorithm code of -a ensemble. */
#define ENSEMBLE_ALGO 12

enum combine { MEAN = 0, MAX = 1, MEDIAN = 2 };

static const char *const combine_words[] = { "mean", "max", "median", NULL };

/* ---- options ---- */

struct ensemble_opts {
	size_t n;                         /* members; 0: the default ones */
	int algo[AD_ENSEMBLE_MAX];        /* their algorithm codes */
	int combine;                      /* enum combine */
};

static enum ad_status take_members(void *opts, const char *list,
    struct ad_error *err)
{
	struct ensemble_opts *o = opts;
	char **names = NULL;
	size_t n = 0;
	enum ad_status st;

	if ((st = ad_opt_split_list("algorithm", list, 0, &names, &n, err)) !=
	    AD_OK)
		return st;
	if (n < 2 || n > AD_ENSEMBLE_MAX)
		st = ad_error_set(err, AD_EUSAGE, "an ensemble takes 2 to %d "
		    "detectors, not %zu", AD_ENSEMBLE_MAX, n);
	for (size_t i = 0; i < n && st == AD_OK; i++) {
		const struct ad_detector *d = ad_detector_named(names[i]);

		if (d == NULL || d->algo == ENSEMBLE_ALGO)
			st = ad_error_set(err, AD_EUSAGE, "an ensemble's members "
			    "are detectors other than ensemble, not \"%s\"",
			    names[i]);
		for (size_t k = 0; k < i && st == AD_OK; k++)
			if (o->algo[k] == d->algo)
				st = ad_error_set(err, AD_EUSAGE, "the ensemble "
				    "names \"%s\" twice", names[i]);
		if (st == AD_OK)
			o->algo[i] = d->algo;
	}
	if (st == AD_OK)
		o->n = n;
	ad_opt_free_list(names, n);
	return st;
}

#define AT(field) AD_OPT_AT(struct ensemble_opts, field)

static const struct ad_opt ensemble_rows[] = {
	AD_OPT_HEADING("Ensembles (-a ensemble[=LIST], LIST default "
	    DEFAULT_MEMBERS "):"),
	{ "combine", 0, "HOW", AD_OPT_CHOICE, AT(combine),
	    .words = combine_words, .def = "mean", .kfp = AD_KFP_STRING,
	    .help = "mean, max or median of the members' calibrated scores" },
};

const struct ad_detector *ad_ensemble_member(const void *opts, size_t i)
{
	const struct ensemble_opts *o = opts;

	if (o->n == 0)
		return i < NDEFAULT ? ad_detector_named(default_members[i]) : NULL;
	return i < o->n ? ad_detector_find(o->algo[i]) : NULL;
}

enum ad_status ad_ensemble_set_members(void *opts, const char *list,
    struct ad_error *err)
{
	return take_members(opts, list, err);
}

enum ad_status ad_ensemble_set_combine(void *opts, const char *how,
    struct ad_error *err)
{
	struct ensemble_opts *o = opts;

	for (int i = 0; combine_words[i] != NULL; i++)
		if (strcmp(combine_words[i], how) == 0) {
			o->combine = i;
			return AD_OK;
		}
	return ad_error_set(err, AD_EUSAGE, "an ensemble combines by mean, max "
	    "or median, not \"%s\"", how);
}

/* ---- the state ---- */

struct member {
	const struct ad_detector *det;
	struct ad_param *params;
	size_t nparams;
	void *state;
	struct ad_calib *calib;
	size_t work_at;         /* its workspace's offset in the ensemble's */
};

struct ensemble {
	size_t nfeat;
	size_t n;                         /* members */
	int combine;                      /* enum combine */
	double *center, *scale;           /* the model's standardizer */
	int any_raw;                      /* a member takes raw rows */
	struct member m[AD_ENSEMBLE_MAX];
	size_t work;                      /* bytes of workspace, or SIZE_MAX */
};

static void ensemble_free(void *state)
{
	struct ensemble *e = state;

	if (e == NULL)
		return;
	for (size_t k = 0; k < e->n; k++) {
		if (e->m[k].det != NULL)
			e->m[k].det->free(e->m[k].state);
		ad_free(e->m[k].params);
		ad_calib_free(e->m[k].calib);
	}
	ad_free(e->center);
	ad_free(e->scale);
	ad_free(e);
}

static enum ad_status state_new(size_t nfeat, struct ensemble **out,
    struct ad_error *err)
{
	struct ensemble *e = ad_calloc(1, sizeof *e);

	if (e == NULL)
		return ad_error_nomem(err);
	e->nfeat = nfeat;
	e->center = ad_calloc(nfeat, sizeof *e->center);
	e->scale = ad_calloc(nfeat, sizeof *e->scale);
	if (e->center == NULL || e->scale == NULL) {
		ensemble_free(e);
		return ad_error_nomem(err);
	}
	*out = e;
	return AD_OK;
}

static int takes_raw(const struct ad_detector *d)
{
	return d->sampling == AD_SAMPLE_SUBSAMPLES;
}

/* Rounds n up to a multiple of 64 (the members' workspaces' alignment). */
static int round64(size_t n, size_t *out)
{
	if (n > SIZE_MAX - 63)
		return -1;
	*out = (n + 63) & ~(size_t)63;
	return 0;
}

/* The workspace: raw rows and member scores for CHUNK rows, one row's
 * attributions, then each member's own. */
static void plan_work(struct ensemble *e)
{
	size_t at, w;

	e->work = SIZE_MAX;
	if (e->nfeat > SIZE_MAX / 8 / (CHUNK + 1) - AD_ENSEMBLE_MAX * CHUNK)
		return;
	at = 8 * (CHUNK * e->nfeat + AD_ENSEMBLE_MAX * CHUNK + e->nfeat);
	for (size_t k = 0; k < e->n; k++) {
		const struct member *m = &e->m[k];
		w = m->det->work_size != NULL ? m->det->work_size(m->state) : 0;
		if (w == SIZE_MAX || round64(at, &at) != 0 || at > SIZE_MAX - w)
			return;
		e->m[k].work_at = at;
		at += w;
	}
	e->work = at;
}

/* Undoes the standardizer for rows x[0..n) (row i at x + i * ld) into
 * out (nfeat columns). */
static void unstandardize(const struct ensemble *e, const double *x, size_t n,
    size_t ld, double *out)
{
	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < e->nfeat; f++) {
			double v = x[i * ld + f] * e->scale[f] + e->center[f];
			out[i * e->nfeat + f] = v > DBL_MAX ? DBL_MAX :
			    v < -DBL_MAX ? -DBL_MAX : v;
		}
}

/* ---- training ---- */

/* Member k's seed: its own stream of choices whatever the others draw. */
static uint64_t member_seed(uint64_t seed, size_t k)
{
	return seed + (uint64_t)(k + 1) * UINT64_C(0x9E3779B97F4A7C15);
}

/* Grows forest member m from raw rows x[0..n): tree t from a uniform
 * subsample drawn with stream t of the member's seed. */
static enum ad_status grow_forest(struct member *m, const void *mo,
    const struct ad_fit_env *env, const double *x, size_t n,
    struct ad_error *err)
{
	size_t trees, rows, d = env->nfeat;
	size_t *idx = NULL;
	double *sub = NULL;
	enum ad_status st;

	m->det->subsamples(mo, &trees, &rows);
	if (rows > n)
		rows = n;
	if ((st = m->det->begin(mo, env, &m->params, &m->nparams, &m->state,
	    err)) != AD_OK)
		return st;
	idx = ad_malloc(n * sizeof *idx);
	sub = ad_malloc(rows * d * sizeof *sub);
	if (idx == NULL || sub == NULL)
		st = ad_error_nomem(err);
	for (size_t t = 0; t < trees && st == AD_OK; t++) {
		struct ad_rng rng;

		ad_rng_seed(&rng, env->seed, t);
		for (size_t i = 0; i < n; i++)
			idx[i] = i;
		/* the first rows of a partial Fisher-Yates shuffle */
		for (size_t i = 0; i < rows; i++) {
			size_t j = i + (size_t)ad_rng_below(&rng, n - i), tmp = idx[i];
			idx[i] = idx[j];
			idx[j] = tmp;
			memcpy(sub + i * d, x + idx[i] * d, d * sizeof *sub);
		}
		st = m->det->grow(m->state, t, sub, rows, &rng, err);
	}
	ad_free(idx);
	ad_free(sub);
	return st;
}

/* Scores the n training rows x (raw for forests) with member m and keeps
 * the distribution of its scores. */
static enum ad_status calibrate_member(struct member *m, const double *x,
    size_t n, size_t d, struct ad_error *err)
{
	size_t ws = m->det->work_size != NULL ? m->det->work_size(m->state) : 0;
	double *s = ad_malloc(n * sizeof *s);
	void *work = NULL;
	enum ad_status st = AD_OK;

	if (s == NULL || (ws > 0 && (ws == SIZE_MAX ||
	    (work = ad_malloc(ws)) == NULL)))
		st = ad_error_nomem(err);
	else if (m->det->score_train != NULL)
		m->det->score_train(m->state, x, n, d, s);
	else
		m->det->score(m->state, x, n, d, work, s);
	if (st == AD_OK) {
		qsort(s, n, sizeof *s, ad_num_cmp);
		st = ad_calib_fit(s, n, &m->calib, err);
	}
	ad_free(work);
	ad_free(s);
	return st;
}

/* Member k's options: ad-train's block of its detector, else defaults in
 * *own (the caller frees). */
static enum ad_status member_opts(const struct ad_fit_env *env,
    const struct ad_detector *d, const void **mo, void **own,
    struct ad_error *err)
{
	const struct ad_detector *t;

	*own = NULL;
	for (size_t i = 0; env->table_opts != NULL &&
	    (t = ad_detector_at(i)) != NULL; i++)
		if (t == d && env->table_opts[i] != NULL) {
			*mo = env->table_opts[i];
			return AD_OK;
		}
	if (ad_detector_opts_new(d, own, err) != AD_OK)
		return AD_ENOMEM;
	*mo = *own;
	return AD_OK;
}

static enum ad_status fit_member(struct ensemble *e, size_t k,
    const struct ad_fit_env *env, const double *x, const double *raw,
    size_t n, struct ad_error *err)
{
	struct member *m = &e->m[k];
	struct ad_fit_env menv = *env;
	const void *mo;
	void *own;
	enum ad_status st;

	if ((st = member_opts(env, m->det, &mo, &own, err)) != AD_OK)
		return st;
	menv.seed = member_seed(env->seed, k);
	if (m->det->check != NULL)
		st = m->det->check(mo, env->nfeat, err);
	if (st == AD_OK && takes_raw(m->det))
		st = grow_forest(m, mo, &menv, raw, n, err);
	else if (st == AD_OK)
		st = m->det->fit(mo, &menv, x, n, &m->params, &m->nparams,
		    &m->state, err);
	if (st == AD_OK)
		st = calibrate_member(m, takes_raw(m->det) ? raw : x, n,
		    env->nfeat, err);
	ad_detector_opts_free(m->det, own);
	return st;
}

/* The ensemble's hyper-parameters: combine, members, member_1.. */
static enum ad_status ensemble_params(const struct ensemble *e,
    struct ad_param **params, size_t *nparams, struct ad_error *err)
{
	struct ad_param *p = ad_calloc(2 + e->n, sizeof *p);

	if (p == NULL)
		return ad_error_nomem(err);
	snprintf(p[0].name, sizeof p[0].name, "combine");
	p[0].value = e->combine;
	snprintf(p[1].name, sizeof p[1].name, "members");
	p[1].value = (double)e->n;
	for (size_t k = 0; k < e->n; k++) {
		snprintf(p[2 + k].name, sizeof p[2 + k].name, "member_%zu", k + 1);
		p[2 + k].value = e->m[k].det->algo;
	}
	*params = p;
	*nparams = 2 + e->n;
	return AD_OK;
}

static enum ad_status fit(const void *opts, const struct ad_fit_env *env,
    const double *x, size_t n, struct ad_param **params, size_t *nparams,
    void **state, struct ad_error *err)
{
	const struct ensemble_opts *o = opts;
	struct ensemble *e;
	double *raw = NULL;
	enum ad_status st;

	if ((st = state_new(env->nfeat, &e, err)) != AD_OK)
		return st;
	*state = e;
	e->combine = o->combine;
	for (size_t f = 0; f < env->nfeat; f++) {
		e->center[f] = env->center != NULL ? env->center[f] : 0;
		e->scale[f] = env->scale != NULL ? env->scale[f] : 1;
	}
	for (size_t k = 0; ad_ensemble_member(o, k) != NULL; k++) {
		e->m[k].det = ad_ensemble_member(o, k);
		e->any_raw |= takes_raw(e->m[k].det);
		e->n = k + 1;
	}
	if (e->any_raw) {
		if ((raw = ad_malloc(n * env->nfeat * sizeof *raw)) == NULL)
			return ad_error_nomem(err);
		unstandardize(e, x, n, env->nfeat, raw);
	}
	for (size_t k = 0; k < e->n && st == AD_OK; k++)
		st = fit_member(e, k, env, x, raw, n, err);
	ad_free(raw);
	if (st != AD_OK)
		return st;
	plan_work(e);
	return ensemble_params(e, params, nparams, err);
}

/* ---- the model file ---- */

static size_t params_size(const struct member *m)
{
	size_t n = 8;

	for (size_t i = 0; i < m->nparams; i++)
		n += 4 + strlen(m->params[i].name) + 8;
	return n;
}

static size_t save_size(const void *state)
{
	const struct ensemble *e = state;
	size_t n = 4 + 16 * e->nfeat;

	for (size_t k = 0; k < e->n; k++) {
		const struct member *m = &e->m[k];
		n += params_size(m) + ad_calib_size(m->calib) + 8 +
		    m->det->save_size(m->state);
	}
	return n;
}

static unsigned char *put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
	return p + 8;
}

static void save(const void *state, unsigned char *p)
{
	const struct ensemble *e = state;

	p = ad_wire_put_u32(p, (uint32_t)e->n);
	for (size_t f = 0; f < e->nfeat; f++)
		p = ad_wire_put_f64(p, e->center[f]);
	for (size_t f = 0; f < e->nfeat; f++)
		p = ad_wire_put_f64(p, e->scale[f]);
	for (size_t k = 0; k < e->n; k++) {
		const struct member *m = &e->m[k];
		size_t len = m->det->save_size(m->state);

		p = ad_wire_put_u32(p, (uint32_t)m->det->algo);
		p = ad_wire_put_u32(p, (uint32_t)m->nparams);
		for (size_t i = 0; i < m->nparams; i++) {
			size_t nl = strlen(m->params[i].name);
			p = ad_wire_put_u32(p, (uint32_t)nl);
			memcpy(p, m->params[i].name, nl);
			p = ad_wire_put_f64(p + nl, m->params[i].value);
		}
		ad_calib_encode(m->calib, p);
		p = put_u64(p + ad_calib_size(m->calib), len);
		m->det->save(m->state, p);
		p += len;
	}
}

/* Reads the ensemble's own hyper-parameters into e (members' detectors). */
static enum ad_status load_params(struct ensemble *e,
    const struct ad_param *params, size_t nparams, const char *name,
    struct ad_error *err)
{
	double c = ad_detector_param_get(params, nparams, "combine");
	double n = ad_detector_param_get(params, nparams, "members");
	char key[AD_PARAM_NAME_MAX + 1];

	if (!(c == MEAN || c == MAX || c == MEDIAN) || !(n >= 2 &&
	    n <= AD_ENSEMBLE_MAX && n == floor(n)) || nparams != 2 + (size_t)n)
		return ad_wire_corrupt(err, name, "ensemble hyper-parameters out "
		    "of range");
	e->combine = (int)c;
	for (size_t k = 0; k < (size_t)n; k++) {
		double a;
		const struct ad_detector *d;

		snprintf(key, sizeof key, "member_%zu", k + 1);
		a = ad_detector_param_get(params, nparams, key);
		d = a >= 0 && a <= INT32_MAX && a == floor(a) ?
		    ad_detector_find((int)a) : NULL;
		if (d == NULL || d->algo == ENSEMBLE_ALGO)
			return ad_wire_corrupt(err, name, "ensemble member "
			    "unknown");
		for (size_t i = 0; i < k; i++)
			if (e->m[i].det == d)
				return ad_wire_corrupt(err, name, "ensemble member "
				    "listed twice");
		e->m[k].det = d;
		e->any_raw |= takes_raw(d);
	}
	return AD_OK;
}

static int get_u64(struct ad_wire *w, uint64_t *v)
{
	if (w->left < 8)
		return -1;
	*v = 0;
	for (int i = 0; i < 8; i++)
		*v |= (uint64_t)w->p[i] << (8 * i);
	w->p += 8;
	w->left -= 8;
	return 0;
}

/* A member's hyper-parameters: printable names, each once. */
static enum ad_status load_member_params(struct member *m, struct ad_wire *w,
    const char *name, struct ad_error *err)
{
	uint32_t n, nl;

	if (ad_wire_get_u32(w, &n) != 0 || n > 64 || w->left / 12 < n)
		return ad_wire_corrupt(err, name, "ensemble member "
		    "hyper-parameter count out of range");
	if ((m->params = ad_calloc(n ? n : 1, sizeof *m->params)) == NULL)
		return ad_error_nomem(err);
	for (uint32_t i = 0; i < n; i++) {
		struct ad_param *p = &m->params[i];

		if (ad_wire_get_u32(w, &nl) != 0 || nl == 0 ||
		    nl > AD_PARAM_NAME_MAX || w->left < nl)
			return ad_wire_corrupt(err, name, "ensemble member "
			    "hyper-parameter name");
		memcpy(p->name, w->p, nl);
		p->name[nl] = '\0';
		w->p += nl;
		w->left -= nl;
		for (uint32_t c = 0; c < nl; c++)
			if ((unsigned char)p->name[c] < 0x21 ||
			    (unsigned char)p->name[c] > 0x7e)
				return ad_wire_corrupt(err, name, "ensemble member "
				    "hyper-parameter name");
		for (uint32_t k = 0; k < i; k++)
			if (strcmp(m->params[k].name, p->name) == 0)
				return ad_wire_corrupt(err, name, "ensemble member "
				    "hyper-parameter listed twice");
		if (ad_wire_get_f64(w, &p->value) != 0)
			return ad_wire_corrupt(err, name, "truncated ensemble");
		m->nparams++;
	}
	return AD_OK;
}

static enum ad_status load_member(struct member *m, struct ad_wire *w,
    size_t nfeat, const char *name, struct ad_error *err)
{
	uint32_t algo;
	uint64_t len;
	size_t used;
	enum ad_status st;

	if (ad_wire_get_u32(w, &algo) != 0 || (int)algo != m->det->algo)
		return ad_wire_corrupt(err, name, "ensemble member does not match "
		    "its hyper-parameter");
	if ((st = load_member_params(m, w, name, err)) != AD_OK ||
	    (st = ad_calib_decode(w->p, w->left, name, &used, &m->calib,
	    err)) != AD_OK)
		return st;
	w->p += used;
	w->left -= used;
	if (get_u64(w, &len) != 0 || len > w->left)
		return ad_wire_corrupt(err, name, "ensemble member payload "
		    "length out of range");
	st = m->det->load(w->p, (size_t)len, m->params, m->nparams, nfeat, name,
	    &m->state, err);
	w->p += len;
	w->left -= (size_t)len;
	return st;
}

static enum ad_status load(const unsigned char *p, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	struct ad_wire w = { p, len };
	struct ensemble *e;
	uint32_t n;
	enum ad_status st;

	if ((st = state_new(nfeat, &e, err)) != AD_OK)
		return st;
	*state = e;
	if ((st = load_params(e, params, nparams, name, err)) != AD_OK)
		return st;
	if (ad_wire_get_u32(&w, &n) != 0 || n != (uint32_t)(nparams - 2))
		return ad_wire_corrupt(err, name, "ensemble member count does not "
		    "match its hyper-parameters");
	if (w.left / 16 < nfeat || ad_wire_get_finite(&w, e->center, nfeat) ||
	    ad_wire_get_finite(&w, e->scale, nfeat))
		return ad_wire_corrupt(err, name, "ensemble standardizer");
	for (size_t f = 0; f < nfeat; f++)
		if (!(e->scale[f] > 0))
			return ad_wire_corrupt(err, name, "ensemble standardizer");
	for (size_t k = 0; k < n; k++) {
		/* counted before it loads, so a partial member is freed */
		e->n = k + 1;
		if ((st = load_member(&e->m[k], &w, nfeat, name, err)) != AD_OK)
			return st;
	}
	if (w.left != 0)
		return ad_wire_corrupt(err, name, "bytes after the ensemble");
	plan_work(e);
	return AD_OK;
}

/* ---- using it ---- */

static size_t work_size(const void *state)
{
	return ((const struct ensemble *)state)->work;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double combine(const struct ensemble *e, double *v)
{
	double acc = 0;

	switch (e->combine) {
	case MAX:
		for (size_t k = 0; k < e->n; k++)
			acc = v[k] > acc ? v[k] : acc;
		return acc;
	case MEDIAN:
		qsort(v, e->n, sizeof *v, cmp_double);
		return e->n % 2 ? v[e->n / 2] : (v[e->n / 2 - 1] + v[e->n / 2]) / 2;
	default:
		for (size_t k = 0; k < e->n; k++)
			acc += v[k];
		return acc / (double)e->n;
	}
}

static void score_chunk(const struct ensemble *e, const double *x, size_t n,
    size_t ld, unsigned char *work, double *out)
{
	double *raw = (double *)work;
	double *ms = raw + CHUNK * e->nfeat;
	double v[AD_ENSEMBLE_MAX];

	if (e->any_raw)
		unstandardize(e, x, n, ld, raw);
	for (size_t k = 0; k < e->n; k++) {
		const struct member *m = &e->m[k];
		int r = takes_raw(m->det);

		m->det->score(m->state, r ? raw : x, n, r ? e->nfeat : ld,
		    work + m->work_at, ms + k * CHUNK);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < e->n; k++)
			v[k] = ad_calib_apply(e->m[k].calib, ms[k * CHUNK + i]);
		out[i] = combine(e, v);
	}
}

static void score(const void *state, const double *x, size_t n, size_t ld,
    void *work, double *out)
{
	const struct ensemble *e = state;

	for (size_t i = 0; i < n; i += CHUNK)
		score_chunk(e, x + i * ld, n - i < CHUNK ? n - i : CHUNK, ld, work,
		    out + i);
}

static void explain(const void *state, const double *x, void *work,
    double *contrib)
{
	const struct ensemble *e = state;
	unsigned char *w = work;
	double *raw = (double *)work;
	double *one = raw + CHUNK * e->nfeat + AD_ENSEMBLE_MAX * CHUNK;

	if (e->any_raw)
		unstandardize(e, x, 1, e->nfeat, raw);
	memset(contrib, 0, e->nfeat * sizeof *contrib);
	for (size_t k = 0; k < e->n; k++) {
		const struct member *m = &e->m[k];
		double sum = 0;

		m->det->explain(m->state, takes_raw(m->det) ? raw : x,
		    w + m->work_at, one);
		for (size_t f = 0; f < e->nfeat; f++)
			sum += one[f];
		if (!(sum > 0 && isfinite(sum)))
			continue;
		for (size_t f = 0; f < e->nfeat; f++)
			contrib[f] += one[f] / sum / (double)e->n;
	}
}

static uint64_t size(const void *state)
{
	return ((const struct ensemble *)state)->n;
}

static const char *param_word(const char *param, double value)
{
	const struct ad_detector *d;

	if (strcmp(param, "combine") == 0)
		return value >= 0 && value <= 2 ? combine_words[(int)value] : NULL;
	if (strncmp(param, "member_", 7) != 0 || !(value >= 0 &&
	    value <= INT32_MAX))
		return NULL;
	d = ad_detector_find((int)value);
	return d != NULL ? d->name : NULL;
}

const struct ad_detector ad_ensemble_detector = {
	.algo = ENSEMBLE_ALGO,
	.name = "ensemble",
	.phrase = "detectors combined on calibrated scores",
	.sampling = AD_SAMPLE_ROWS,
	.auto_share = 0.1,
	.score_lo = 0,
	.score_hi = 1,
	.size_key = "members",
	.opts_size = sizeof(struct ensemble_opts),
	.opts = ensemble_rows,
	.nopts = sizeof ensemble_rows / sizeof ensemble_rows[0],
	.take_arg = ad_ensemble_set_members,
	.member = ad_ensemble_member,
	.fit = fit,
	.load = load,
	.save_size = save_size,
	.save = save,
	.free = ensemble_free,
	.work_size = work_size,
	.score = score,
	.explain = explain,
	.size = size,
	.param_word = param_word
};
