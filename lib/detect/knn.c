/*
 * The knn detector: PyOD KNN's scores over an exact neighbour search.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "detector.h"
#include "knn.h"
#include "neighbors.h"
#include "wire.h"

struct ad_knn {
	size_t k;                    /* neighbours, 1..nref - 1 */
	enum ad_knn_method method;
	struct ad_neighbors *ref;    /* the reference sample, owned */
};

static const char *const method_names[] = {
	[AD_KNN_LARGEST] = "largest",
	[AD_KNN_MEAN] = "mean",
	[AD_KNN_MEDIAN] = "median"
};

void ad_knn_defaults(struct ad_knn_opts *o)
{
	o->k = 5;
	o->method = AD_KNN_LARGEST;
}

const char *ad_knn_method_name(enum ad_knn_method m)
{
	return m >= AD_KNN_LARGEST && m <= AD_KNN_MEDIAN ? method_names[m] : "?";
}

int ad_knn_method_parse(const char *name, enum ad_knn_method *m)
{
	for (int i = AD_KNN_LARGEST; i <= AD_KNN_MEDIAN; i++)
		if (strcmp(name, method_names[i]) == 0) {
			*m = (enum ad_knn_method)i;
			return 0;
		}
	return -1;
}

static int method_ok(uint32_t m)
{
	return m >= AD_KNN_LARGEST && m <= AD_KNN_MEDIAN;
}

enum ad_status ad_knn_fit(const struct ad_knn_opts *o, const double *x,
    size_t n, size_t d, uint64_t seed, struct ad_knn **out,
    struct ad_error *err)
{
	struct ad_knn *knn;
	enum ad_status st;

	(void)seed;
	if (o->k < 1 || o->k > AD_KNN_MAX_K || !method_ok(o->method))
		return ad_error_set(err, AD_EUSAGE, "knn: k must be 1 to %d and "
		    "the method largest, mean or median", AD_KNN_MAX_K);
	if (n < 2)
		return ad_error_set(err, AD_EDATA, "knn needs at least 2 training "
		    "rows");
	if ((knn = ad_calloc(1, sizeof *knn)) == NULL)
		return ad_error_nomem(err);
	if ((st = ad_neighbors_new(x, n, d, &knn->ref, err)) != AD_OK) {
		ad_free(knn);
		return st;
	}
	knn->k = o->k < n - 1 ? o->k : n - 1;
	knn->method = o->method;
	*out = knn;
	return AD_OK;
}

void ad_knn_free(struct ad_knn *knn)
{
	if (knn == NULL)
		return;
	ad_neighbors_free(knn->ref);
	ad_free(knn);
}

size_t ad_knn_k(const struct ad_knn *knn)
{
	return knn->k;
}

enum ad_knn_method ad_knn_method(const struct ad_knn *knn)
{
	return knn->method;
}

size_t ad_knn_nref(const struct ad_knn *knn)
{
	return ad_neighbors_count(knn->ref);
}

size_t ad_knn_nfeat(const struct ad_knn *knn)
{
	return ad_neighbors_nfeat(knn->ref);
}

/* ---- scoring ---- */

/* The search's workspace, then BLOCK x k distances and indices. */
size_t ad_knn_workspace_size(const struct ad_knn *knn)
{
	return ad_neighbors_workspace_size(knn->ref, knn->k);
}

/* numpy's median of the ascending d[0..k). */
static double median(const double *d, size_t k)
{
	if (k % 2 == 1)
		return d[k / 2];
	return (d[k / 2 - 1] + d[k / 2]) / 2;
}

static double mean(const double *d, size_t k)
{
	double s = 0;

	for (size_t j = 0; j < k; j++)
		s += d[j];
	return s / (double)k;
}

static double score_of(enum ad_knn_method m, const double *d, size_t k)
{
	if (m == AD_KNN_MEAN)
		return mean(d, k);
	if (m == AD_KNN_MEDIAN)
		return median(d, k);
	return d[k - 1];
}

void ad_knn_score(const struct ad_knn *knn, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	size_t k = knn->k;
	const size_t *idx;
	const double *dist;

	for (size_t i0 = 0; i0 < n; i0 += AD_NEIGHBORS_BLOCK) {
		size_t m = n - i0 < AD_NEIGHBORS_BLOCK ? n - i0 :
		    AD_NEIGHBORS_BLOCK;
		ad_neighbors_query(knn->ref, k, x + i0 * ld, m, ld, work, &dist,
		    &idx);
		for (size_t r = 0; r < m; r++)
			score[i0 + r] = score_of(knn->method, dist + r * k, k);
	}
}

void ad_knn_train_scores(const struct ad_knn *knn, void *work, double *score)
{
	size_t d = ad_neighbors_nfeat(knn->ref);

	ad_knn_score(knn, ad_neighbors_row(knn->ref, 0),
	    ad_neighbors_count(knn->ref), d, work, score);
}

void ad_knn_explain(const struct ad_knn *knn, const double *x, void *work,
    double *contrib)
{
	ad_neighbors_explain(knn->ref, knn->k, x, work, contrib);
}

/* ---- the payload ---- */

size_t ad_knn_encoded_size(const struct ad_knn *knn)
{
	return 8 + ad_neighbors_encoded_size(knn->ref);
}

void ad_knn_encode(const struct ad_knn *knn, unsigned char *p)
{
	p = ad_wire_put_u32(p, (uint32_t)knn->k);
	p = ad_wire_put_u32(p, (uint32_t)knn->method);
	ad_neighbors_encode(knn->ref, p);
}

enum ad_status ad_knn_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_knn **out,
    struct ad_error *err)
{
	struct ad_wire w = { p, len };
	struct ad_knn *knn;
	enum ad_status st;
	uint32_t k, m;

	if (ad_wire_get_u32(&w, &k) || ad_wire_get_u32(&w, &m))
		return ad_wire_corrupt(err, name, "truncated knn detector");
	if (!method_ok(m))
		return ad_wire_corrupt(err, name, "unknown knn method");
	if ((knn = ad_calloc(1, sizeof *knn)) == NULL)
		return ad_error_nomem(err);
	if ((st = ad_neighbors_decode(&w, nfeat, name, &knn->ref, err)) !=
	    AD_OK) {
		ad_free(knn);
		return st;
	}
	if (w.left != 0)
		st = ad_wire_corrupt(err, name, "knn reference does not fill the "
		    "payload exactly");
	else if (k < 1 || k > AD_KNN_MAX_K || k >= ad_neighbors_count(knn->ref))
		st = ad_wire_corrupt(err, name, "knn k out of range");
	if (st != AD_OK) {
		ad_knn_free(knn);
		return st;
	}
	knn->k = k;
	knn->method = (enum ad_knn_method)m;
	*out = knn;
	return AD_OK;
}

/* ---- -a knn: the detector table's entry (detector.h) ---- */

static const char *const param_names[] = { "k", "method", "max_train_rows" };
#define NPARAMS (sizeof param_names / sizeof param_names[0])

static enum ad_status take_method(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	(void)row;
	if (ad_knn_method_parse(arg, &((struct ad_knn_opts *)opts)->method))
		return ad_error_set(err, AD_EUSAGE, "--knn-method takes largest, "
		    "mean or median, not \"%s\"", arg);
	return AD_OK;
}

static const struct ad_opt knn_rows[] = {
	AD_OPT_HEADING("Nearest neighbours (-a knn or lof; PyOD's and "
	    "scikit-learn's meanings):"),
	AD_NEIGHBORS_K_ROW(struct ad_knn_opts, k),
	{ "knn-method", 0, "M", AD_OPT_CUSTOM, .hook = take_method,
	    .def = "largest", .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_STRING,
	    .help = "largest (default: the distance to the k-th nearest), "
	    "mean or median of the k distances" },
};

static enum ad_status knn_fit(const void *opts, const struct ad_fit_env *env,
    const double *x, size_t n, struct ad_param **params, size_t *nparams,
    void **state, struct ad_error *err)
{
	struct ad_knn_opts o = *(const struct ad_knn_opts *)opts;
	struct ad_knn *knn = NULL;
	enum ad_status st;

	if (o.k == 0) {   /* --k not given */
		struct ad_knn_opts def;
		ad_knn_defaults(&def);
		o.k = def.k;
	}
	if ((st = ad_knn_fit(&o, x, n, env->nfeat, env->seed, &knn, err)) !=
	    AD_OK)
		return st;
	*state = knn;
	double values[NPARAMS] = { (double)knn->k, (double)knn->method,
		(double)env->max_train_rows };
	if ((st = ad_detector_param_new(params, NPARAMS, param_names, values, err)) ==
	    AD_OK)
		*nparams = NPARAMS;
	return st;
}

static enum ad_status knn_load(const unsigned char *p, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	double max_rows = ad_detector_param_get(params, nparams, "max_train_rows");
	struct ad_knn *knn = NULL;
	enum ad_status st;

	if (nparams != NPARAMS)
		return ad_wire_corrupt(err, name, "unknown hyper-parameter");
	if ((st = ad_knn_decode(p, len, nfeat, name, &knn, err)) != AD_OK)
		return st;
	*state = knn;
	if (ad_detector_param_get(params, nparams, "k") != (double)knn->k ||
	    ad_detector_param_get(params, nparams, "method") != (double)knn->method)
		return ad_wire_corrupt(err, name, "hyper-parameters k and method "
		    "do not match the payload");
	if (!(max_rows >= (double)ad_knn_nref(knn) && max_rows < 0x1p64) ||
	    max_rows != floor(max_rows))
		return ad_wire_corrupt(err, name, "hyper-parameter max_train_rows "
		    "out of range");
	return AD_OK;
}

static size_t knn_save_size(const void *state)
{
	return ad_knn_encoded_size(state);
}

static void knn_save(const void *state, unsigned char *p)
{
	ad_knn_encode(state, p);
}

static void knn_free(void *state)
{
	ad_knn_free(state);
}

static size_t knn_work_size(const void *state)
{
	return ad_knn_workspace_size(state);
}

static void knn_score(const void *state, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	ad_knn_score(state, x, n, ld, work, score);
	ad_neighbors_clip(score, n, DBL_MAX);
}

static void knn_explain(const void *state, const double *x, void *work,
    double *contrib)
{
	ad_knn_explain(state, x, work, contrib);
	ad_neighbors_clip(contrib, ad_knn_nfeat(state), 0);
}

static uint64_t knn_size(const void *state)
{
	return ad_knn_nref(state);
}

static const char *knn_param_word(const char *param, double value)
{
	if (strcmp(param, "method") == 0 && value >= AD_KNN_LARGEST &&
	    value <= AD_KNN_MEDIAN && value == floor(value))
		return ad_knn_method_name((enum ad_knn_method)value);
	return NULL;
}

const struct ad_detector ad_knn_detector = {
	.algo = 6,                 /* the next free code of enum ad_algo */
	.name = "knn",
	.phrase = "k nearest neighbours' distance, PyOD's KNN",
	.sampling = AD_SAMPLE_ROWS,
	/* contamination auto: the k-th neighbour three standard deviations
	 * away, as zscore's three */
	.auto_threshold = 3,
	.score_lo = 0,
	.score_hi = DBL_MAX,
	.size_key = "reference_rows",
	.opts_size = sizeof(struct ad_knn_opts),
	.opts = knn_rows,
	.nopts = sizeof knn_rows / sizeof knn_rows[0],
	.fit = knn_fit,
	.load = knn_load,
	.save_size = knn_save_size,
	.save = knn_save,
	.free = knn_free,
	.work_size = knn_work_size,
	.score = knn_score,
	.explain = knn_explain,
	.size = knn_size,
	.param_word = knn_param_word
};
