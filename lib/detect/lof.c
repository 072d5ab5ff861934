/*
 * The lof detector: scikit-learn's LocalOutlierFactor(novelty=True) over
 * an exact neighbour search.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "detector.h"
#include "lof.h"
#include "neighbors.h"
#include "wire.h"

struct ad_lof {
	size_t k;                    /* n_neighbors, 1..nref - 1 */
	struct ad_neighbors *ref;    /* the reference sample, owned */
	double *kdist;               /* each reference row's k-distance */
	double *lrd;                 /* and local reachability density */
	double *train;               /* their scores, kept by fit (not by
	                                decode): NULL or nref values */
};

/* scikit-learn's guard against an infinite density when more than k
 * reference rows coincide. */
#define LRD_EPS 1e-10

void ad_lof_defaults(struct ad_lof_opts *o)
{
	o->k = 20;
}

void ad_lof_free(struct ad_lof *lof)
{
	if (lof == NULL)
		return;
	ad_neighbors_free(lof->ref);
	ad_free(lof->kdist);
	ad_free(lof->lrd);
	ad_free(lof->train);
	ad_free(lof);
}

size_t ad_lof_k(const struct ad_lof *lof)
{
	return lof->k;
}

size_t ad_lof_nref(const struct ad_lof *lof)
{
	return ad_neighbors_count(lof->ref);
}

size_t ad_lof_nfeat(const struct ad_lof *lof)
{
	return ad_neighbors_nfeat(lof->ref);
}

/* The lrd of a row whose k nearest are at dist[], reference rows idx[];
 * fitting and scoring share it, so a reference row scores bit for bit as
 * it was fitted. */
static double lrd_of(const struct ad_lof *lof, const double *dist,
    const size_t *idx)
{
	double s = 0;

	for (size_t j = 0; j < lof->k; j++)
		s += fmax(dist[j], lof->kdist[idx[j]]);
	return 1 / (s / (double)lof->k + LRD_EPS);
}

static double score_of(const struct ad_lof *lof, const double *dist,
    const size_t *idx)
{
	double lrd, s = 0;

	if (isnan(dist[0]))   /* fmax below would hide it */
		return NAN;
	lrd = lrd_of(lof, dist, idx);
	for (size_t j = 0; j < lof->k; j++)
		s += lof->lrd[idx[j]] / lrd;
	return s / (double)lof->k;
}

/* ---- fitting ---- */

/* The k nearest of every reference row: dist and idx, nref x k. */
static void all_neighbors(const struct ad_lof *lof, void *work, double *dist,
    size_t *idx)
{
	size_t n = ad_neighbors_count(lof->ref), k = lof->k;
	size_t d = ad_neighbors_nfeat(lof->ref);

	for (size_t i0 = 0; i0 < n; i0 += AD_NEIGHBORS_BLOCK) {
		size_t m = n - i0 < AD_NEIGHBORS_BLOCK ? n - i0 :
		    AD_NEIGHBORS_BLOCK;
		const double *bd;
		const size_t *bi;
		ad_neighbors_query(lof->ref, k, ad_neighbors_row(lof->ref, i0),
		    m, d, work, &bd, &bi);
		memcpy(dist + i0 * k, bd, m * k * sizeof *dist);
		memcpy(idx + i0 * k, bi, m * k * sizeof *idx);
	}
}

static enum ad_status fit_densities(struct ad_lof *lof, struct ad_error *err)
{
	size_t n = ad_neighbors_count(lof->ref), k = lof->k, nk;
	size_t ws = ad_neighbors_workspace_size(lof->ref, k);
	double *dist = NULL;
	size_t *idx = NULL;
	void *work = NULL;
	enum ad_status st = AD_OK;

	if (ad_mul_size(n, k, &nk) || ws == SIZE_MAX ||
	    (work = ad_malloc(ws)) == NULL ||
	    (dist = ad_calloc(nk, sizeof *dist)) == NULL ||
	    (idx = ad_calloc(nk, sizeof *idx)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	all_neighbors(lof, work, dist, idx);
	for (size_t i = 0; i < n; i++)
		lof->kdist[i] = dist[i * k + k - 1];
	for (size_t i = 0; i < n; i++)
		lof->lrd[i] = lrd_of(lof, dist + i * k, idx + i * k);
	for (size_t i = 0; i < n; i++)
		lof->train[i] = score_of(lof, dist + i * k, idx + i * k);
out:
	ad_free(work);
	ad_free(dist);
	ad_free(idx);
	return st;
}

static enum ad_status alloc_densities(struct ad_lof *lof, size_t n,
    struct ad_error *err)
{
	lof->kdist = ad_calloc(n, sizeof *lof->kdist);
	lof->lrd = ad_calloc(n, sizeof *lof->lrd);
	return lof->kdist == NULL || lof->lrd == NULL ? ad_error_nomem(err) :
	    AD_OK;
}

static enum ad_status alloc_train(struct ad_lof *lof, size_t n,
    struct ad_error *err)
{
	lof->train = ad_calloc(n, sizeof *lof->train);
	return lof->train == NULL ? ad_error_nomem(err) : AD_OK;
}

enum ad_status ad_lof_fit(const struct ad_lof_opts *o, const double *x,
    size_t n, size_t d, uint64_t seed, struct ad_lof **out,
    struct ad_error *err)
{
	struct ad_lof *lof;
	enum ad_status st;

	(void)seed;
	if (o->k < 1 || o->k > AD_LOF_MAX_K)
		return ad_error_set(err, AD_EUSAGE, "lof: n_neighbors must be 1 "
		    "to %d", AD_LOF_MAX_K);
	if (n < 2)
		return ad_error_set(err, AD_EDATA, "lof needs at least 2 training "
		    "rows");
	if ((lof = ad_calloc(1, sizeof *lof)) == NULL)
		return ad_error_nomem(err);
	lof->k = o->k < n - 1 ? o->k : n - 1;
	if ((st = ad_neighbors_new(x, n, d, &lof->ref, err)) != AD_OK ||
	    (st = alloc_densities(lof, n, err)) != AD_OK ||
	    (st = alloc_train(lof, n, err)) != AD_OK ||
	    (st = fit_densities(lof, err)) != AD_OK) {
		ad_lof_free(lof);
		return st;
	}
	*out = lof;
	return AD_OK;
}

/* ---- scoring ---- */

size_t ad_lof_workspace_size(const struct ad_lof *lof)
{
	return ad_neighbors_workspace_size(lof->ref, lof->k);
}

void ad_lof_score(const struct ad_lof *lof, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	size_t k = lof->k;
	const size_t *idx;
	const double *dist;

	for (size_t i0 = 0; i0 < n; i0 += AD_NEIGHBORS_BLOCK) {
		size_t m = n - i0 < AD_NEIGHBORS_BLOCK ? n - i0 :
		    AD_NEIGHBORS_BLOCK;
		ad_neighbors_query(lof->ref, k, x + i0 * ld, m, ld, work, &dist,
		    &idx);
		for (size_t r = 0; r < m; r++)
			score[i0 + r] = score_of(lof, dist + r * k, idx + r * k);
	}
}

/* Fitting found every reference row's neighbours: their scores are kept,
 * sparing a second search; a decoded detector searches again, to the same
 * bits. */
void ad_lof_train_scores(const struct ad_lof *lof, void *work, double *score)
{
	if (lof->train != NULL) {
		memcpy(score, lof->train, ad_lof_nref(lof) * sizeof *score);
		return;
	}
	ad_lof_score(lof, ad_neighbors_row(lof->ref, 0),
	    ad_neighbors_count(lof->ref), ad_neighbors_nfeat(lof->ref), work,
	    score);
}

void ad_lof_explain(const struct ad_lof *lof, const double *x, void *work,
    double *contrib)
{
	ad_neighbors_explain(lof->ref, lof->k, x, work, contrib);
}

/* ---- the payload ---- */

size_t ad_lof_encoded_size(const struct ad_lof *lof)
{
	return 4 + ad_neighbors_encoded_size(lof->ref) + 16 * ad_lof_nref(lof);
}

void ad_lof_encode(const struct ad_lof *lof, unsigned char *p)
{
	size_t n = ad_lof_nref(lof);

	p = ad_wire_put_u32(p, (uint32_t)lof->k);
	p = ad_neighbors_encode(lof->ref, p);
	for (size_t i = 0; i < n; i++)
		p = ad_wire_put_f64(p, lof->kdist[i]);
	for (size_t i = 0; i < n; i++)
		p = ad_wire_put_f64(p, lof->lrd[i]);
}

/* Reads kdist and lrd (n each, whole in w); a phrase if one is bad. */
static const char *decode_densities(struct ad_lof *lof, struct ad_wire *w,
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		(void)ad_wire_get_f64(w, &lof->kdist[i]);
	for (size_t i = 0; i < n; i++)
		(void)ad_wire_get_f64(w, &lof->lrd[i]);
	for (size_t i = 0; i < n; i++) {
		if (!(isfinite(lof->kdist[i]) && lof->kdist[i] >= 0))
			return "lof k-distance out of range";
		if (!(isfinite(lof->lrd[i]) && lof->lrd[i] > 0))
			return "lof density out of range";
	}
	return NULL;
}

/* Checks what follows the reference: k, and exactly the densities. */
static enum ad_status decode_rest(struct ad_lof *lof, uint32_t k,
    struct ad_wire *w, const char *name, struct ad_error *err)
{
	size_t n = ad_neighbors_count(lof->ref);
	const char *bad;
	enum ad_status st;

	if (k < 1 || k > AD_LOF_MAX_K || k >= n)
		return ad_wire_corrupt(err, name, "lof n_neighbors out of range");
	if (w->left / 16 != n || w->left % 16 != 0)
		return ad_wire_corrupt(err, name, "lof densities do not fill the "
		    "payload exactly");
	if ((st = alloc_densities(lof, n, err)) != AD_OK)
		return st;
	if ((bad = decode_densities(lof, w, n)) != NULL)
		return ad_wire_corrupt(err, name, bad);
	lof->k = k;
	return AD_OK;
}

enum ad_status ad_lof_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_lof **out,
    struct ad_error *err)
{
	struct ad_wire w = { p, len };
	struct ad_lof *lof;
	enum ad_status st;
	uint32_t k;

	if (ad_wire_get_u32(&w, &k))
		return ad_wire_corrupt(err, name, "truncated lof detector");
	if ((lof = ad_calloc(1, sizeof *lof)) == NULL)
		return ad_error_nomem(err);
	if ((st = ad_neighbors_decode(&w, nfeat, name, &lof->ref, err)) !=
	    AD_OK || (st = decode_rest(lof, k, &w, name, err)) != AD_OK) {
		ad_lof_free(lof);
		return st;
	}
	*out = lof;
	return AD_OK;
}

/* ---- -a lof: the detector table's entry (detector.h) ---- */

static const char *const param_names[] = { "k", "max_train_rows" };
#define NPARAMS (sizeof param_names / sizeof param_names[0])

/* The heading and --k as knn declares them: the help shows them once. */
static const struct ad_opt lof_rows[] = {
	AD_OPT_HEADING("Nearest neighbours (-a knn or lof; PyOD's and "
	    "scikit-learn's meanings):"),
	AD_NEIGHBORS_K_ROW(struct ad_lof_opts, k),
};

static enum ad_status lof_fit(const void *opts, const struct ad_fit_env *env,
    const double *x, size_t n, struct ad_param **params, size_t *nparams,
    void **state, struct ad_error *err)
{
	struct ad_lof_opts o = *(const struct ad_lof_opts *)opts;
	struct ad_lof *lof = NULL;
	enum ad_status st;

	if (o.k == 0)   /* --k not given */
		ad_lof_defaults(&o);
	if ((st = ad_lof_fit(&o, x, n, env->nfeat, env->seed, &lof, err)) !=
	    AD_OK)
		return st;
	*state = lof;
	double values[NPARAMS] = { (double)lof->k,
		(double)env->max_train_rows };
	if ((st = ad_detector_param_new(params, NPARAMS, param_names, values, err)) ==
	    AD_OK)
		*nparams = NPARAMS;
	return st;
}

static enum ad_status lof_load(const unsigned char *p, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	double max_rows = ad_detector_param_get(params, nparams, "max_train_rows");
	struct ad_lof *lof = NULL;
	enum ad_status st;

	if (nparams != NPARAMS)
		return ad_wire_corrupt(err, name, "unknown hyper-parameter");
	if ((st = ad_lof_decode(p, len, nfeat, name, &lof, err)) != AD_OK)
		return st;
	*state = lof;
	if (ad_detector_param_get(params, nparams, "k") != (double)lof->k)
		return ad_wire_corrupt(err, name, "hyper-parameter k does not "
		    "match the payload");
	if (!(max_rows >= (double)ad_lof_nref(lof) && max_rows < 0x1p64) ||
	    max_rows != floor(max_rows))
		return ad_wire_corrupt(err, name, "hyper-parameter max_train_rows "
		    "out of range");
	return AD_OK;
}

static size_t lof_save_size(const void *state)
{
	return ad_lof_encoded_size(state);
}

static void lof_save(const void *state, unsigned char *p)
{
	ad_lof_encode(state, p);
}

static void lof_free_state(void *state)
{
	ad_lof_free(state);
}

static size_t lof_work_size(const void *state)
{
	return ad_lof_workspace_size(state);
}

static void lof_score(const void *state, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	ad_lof_score(state, x, n, ld, work, score);
	ad_neighbors_clip(score, n, DBL_MAX);
}

static void lof_explain(const void *state, const double *x, void *work,
    double *contrib)
{
	ad_lof_explain(state, x, work, contrib);
	ad_neighbors_clip(contrib, ad_lof_nfeat(state), 0);
}

static uint64_t lof_size(const void *state)
{
	return ad_lof_nref(state);
}

const struct ad_detector ad_lof_detector = {
	.algo = 7,                 /* the next free code of enum ad_algo */
	.name = "lof",
	.phrase = "local outlier factor, scikit-learn's",
	.sampling = AD_SAMPLE_ROWS,
	/* contamination auto: scikit-learn's offset_ of -1.5 */
	.auto_threshold = 1.5,
	.score_lo = 0,
	.score_hi = DBL_MAX,
	.size_key = "reference_rows",
	.opts_size = sizeof(struct ad_lof_opts),
	.opts = lof_rows,
	.nopts = sizeof lof_rows / sizeof lof_rows[0],
	.fit = lof_fit,
	.load = lof_load,
	.save_size = lof_save_size,
	.save = lof_save,
	.free = lof_free_state,
	.work_size = lof_work_size,
	.score = lof_score,
	.explain = lof_explain,
	.size = lof_size
};
