/*
 * -a ocsvm: see ocsvm.h. libsvm is used for training only, and only in
 * fit(): the problem and libsvm's model (which borrows the problem's
 * nodes) are made and freed together there.
 *
 * The payload (after the standardizer, see adkit(5)): 8 bytes support
 * vector count S, 8 bytes rho, then S times an 8-byte coefficient and
 * nfeat 8-byte coordinates. Hyper-parameters: kernel (libsvm's number),
 * nu, gamma (the value used), degree, coef0, tol, max_train_rows.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <libsvm/svm.h>

#include "alloc.h"
#include "detector.h"
#include "ocsvm.h"

/* The trained state: what f(x) = sum_i coef_i K(sv_i, x) - rho needs. */
struct ocsvm {
	enum ad_ocsvm_kernel kernel;
	double gamma, coef0;
	unsigned degree;
	size_t nsv, d;          /* support vectors, features */
	double rho;
	double *coef;           /* nsv alphas, in (0, 1] */
	double *sv;             /* nsv rows of d standardized features */
};

static const char *const kernel_names[] = { "linear", "poly", "rbf",
	"sigmoid" };

static const char *const param_names[] = { "kernel", "nu", "gamma",
	"degree", "coef0", "tol", "max_train_rows" };
#define NPARAMS (sizeof param_names / sizeof param_names[0])

/* The kernel named name ("rbf"), or -1. */
static int kernel_named(const char *name)
{
	for (int k = 0; k < 4; k++)
		if (strcmp(kernel_names[k], name) == 0)
			return k;
	return -1;
}

static void free_ocsvm(struct ocsvm *s)
{
	if (s == NULL)
		return;
	ad_free(s->coef);
	ad_free(s->sv);
	ad_free(s);
}

static void ocsvm_free(void *state)
{
	free_ocsvm(state);
}

/* ---- options ---- */

static enum ad_status take_kernel(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	int k = kernel_named(arg);

	(void)row;
	if (k < 0)
		return ad_error_set(err, AD_EUSAGE, "--kernel takes rbf, linear, "
		    "poly or sigmoid, not \"%s\"", arg);
	((struct ad_ocsvm_opts *)opts)->kernel = (enum ad_ocsvm_kernel)k;
	return AD_OK;
}

static enum ad_status take_gamma(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	struct ad_ocsvm_opts *o = opts;

	(void)row;
	if (strcmp(arg, "scale") == 0)
		o->gamma_mode = AD_OCSVM_GAMMA_SCALE;
	else if (strcmp(arg, "auto") == 0)
		o->gamma_mode = AD_OCSVM_GAMMA_AUTO;
	else {
		o->gamma_mode = AD_OCSVM_GAMMA_VALUE;
		return ad_opt_parse_double("--gamma", arg, 0, DBL_MAX, &o->gamma,
		    err);
	}
	return AD_OK;
}

#define AT(field) AD_OPT_AT(struct ad_ocsvm_opts, field)

static const struct ad_opt ocsvm_rows[] = {
	AD_OPT_HEADING("One-Class SVM (-a ocsvm; scikit-learn's meanings and "
	    "defaults):"),
	{ "kernel", 0, "K", AD_OPT_CUSTOM, .hook = take_kernel, .def = "rbf",
	    .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_STRING,
	    .help = "rbf (default), linear, poly or sigmoid" },
	{ "nu", 0, "NU", AD_OPT_DOUBLE, AT(nu), .dmin = 0, .dmax = 1,
	    .flags = AD_OPT_ABOVE_MIN, .def = "0.5", .kfp = AD_KFP_FLOAT,
	    .help = "bound on the share of outliers, in (0, 1]" },
	{ "gamma", 0, "G", AD_OPT_CUSTOM, .hook = take_gamma, .def = "scale",
	    .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_STRING,
	    .help = "scale (default: 1/(features * variance)), auto "
	    "(1/features) or a number" },
	{ "degree", 0, "N", AD_OPT_UINT, AT(degree),
	    .umax = AD_OCSVM_MAX_DEGREE, .def = "3", .kfp = AD_KFP_INTEGER,
	    .help = "poly: the degree" },
	{ "coef0", 0, "C", AD_OPT_DOUBLE, AT(coef0), .dmin = -DBL_MAX,
	    .dmax = DBL_MAX, .def = "0", .kfp = AD_KFP_FLOAT,
	    .help = "poly, sigmoid: the constant term" },
	{ "tol", 0, "T", AD_OPT_DOUBLE, AT(tol), .dmin = 0,
	    .dmax = DBL_MAX, .flags = AD_OPT_ABOVE_MIN, .def = "0.001",
	    .kfp = AD_KFP_FLOAT, .help = "stopping tolerance" },
	{ "cache-mb", 0, "MB", AD_OPT_DOUBLE, AT(cache_mb), .dmin = 0,
	    .dmax = 1048576, .flags = AD_OPT_ABOVE_MIN, .def = "200",
	    .kfp = AD_KFP_FLOAT, .help = "libsvm's kernel cache" },
};

/* ---- the kernel and the decision function ---- */

/* base^times by squaring, as libsvm computes it. */
static double powi(double base, unsigned times)
{
	double r = 1;

	for (; times > 0; times /= 2) {
		if (times % 2)
			r *= base;
		base *= base;
	}
	return r;
}

static double dot(const double *a, const double *b, size_t d)
{
	double s = 0;

	for (size_t f = 0; f < d; f++)
		s += a[f] * b[f];
	return s;
}

static double sqdist(const double *a, const double *b, size_t d)
{
	double s = 0;

	for (size_t f = 0; f < d; f++)
		s += (a[f] - b[f]) * (a[f] - b[f]);
	return s;
}

/* The kernel from the rows' dot product (or, for RBF, squared distance). */
static double kernel_of(const struct ocsvm *s, double t)
{
	switch (s->kernel) {
	case AD_OCSVM_LINEAR:
		return t;
	case AD_OCSVM_POLY:
		return powi(s->gamma * t + s->coef0, s->degree);
	case AD_OCSVM_RBF:
		return exp(-s->gamma * t);
	case AD_OCSVM_SIGMOID:
		return tanh(s->gamma * t + s->coef0);
	}
	return 0;
}

/* Rows scored together, and the most features for which they are. */
enum { BLOCK = 8, BLOCK_FEATURES = 256 };

/*
 * f(x) of nb <= BLOCK rows at once: each support vector is read once for
 * all of them, and the rows' sums are independent chains the processor
 * overlaps. Each row's terms are still added in libsvm's order (features,
 * then support vectors), so a row's result is the same bits alone or in
 * a block. xt holds the rows transposed.
 */
static void decision_block(const struct ocsvm *s, const double *x, size_t nb,
    size_t ld, double *out)
{
	double xt[BLOCK_FEATURES][BLOCK], sum[BLOCK] = { 0 };
	int rbf = s->kernel == AD_OCSVM_RBF;

	for (size_t f = 0; f < s->d; f++)
		for (size_t r = 0; r < BLOCK; r++)
			xt[f][r] = r < nb ? x[r * ld + f] : 0;
	for (size_t i = 0; i < s->nsv; i++) {
		const double *sv = s->sv + i * s->d;
		double t[BLOCK] = { 0 };

		if (rbf)
			for (size_t f = 0; f < s->d; f++)
				for (size_t r = 0; r < BLOCK; r++)
					t[r] += (sv[f] - xt[f][r]) * (sv[f] - xt[f][r]);
		else
			for (size_t f = 0; f < s->d; f++)
				for (size_t r = 0; r < BLOCK; r++)
					t[r] += sv[f] * xt[f][r];
		for (size_t r = 0; r < nb; r++)
			sum[r] += s->coef[i] * kernel_of(s, t[r]);
	}
	for (size_t r = 0; r < nb; r++)
		out[r] = sum[r] - s->rho;
}

/* f(x) of one row of any width, in the same order. */
static double decision(const struct ocsvm *s, const double *x)
{
	double sum = 0;

	for (size_t i = 0; i < s->nsv; i++) {
		const double *sv = s->sv + i * s->d;
		sum += s->coef[i] * kernel_of(s, s->kernel == AD_OCSVM_RBF ?
		    sqdist(sv, x, s->d) : dot(sv, x, s->d));
	}
	return sum - s->rho;
}

static void ocsvm_score(const void *state, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	const struct ocsvm *s = state;

	(void)work;

	for (size_t i = 0; i < n; i += BLOCK) {
		size_t nb = n - i < BLOCK ? n - i : BLOCK;

		if (s->d <= BLOCK_FEATURES)
			decision_block(s, x + i * ld, nb, ld, score + i);
		else
			for (size_t r = 0; r < nb; r++)
				score[i + r] = decision(s, x + (i + r) * ld);
		for (size_t r = i; r < i + nb; r++) {
			double v = -score[r] + 0.0;   /* never -0 */

			/* only rows far beyond anything seen overflow: most
			 * anomalous */
			score[r] = isnan(v) || v > DBL_MAX ? DBL_MAX :
			    v < -DBL_MAX ? -DBL_MAX : v;
		}
	}
}

static double finite(double v)
{
	return v <= DBL_MAX ? v : DBL_MAX;
}

static void ocsvm_explain(const void *state, const double *x,
    void *work, double *contrib)
{
	const struct ocsvm *s = state;

	(void)work;
	double dmin = DBL_MAX, wsum = 0;

	for (size_t f = 0; f < s->d; f++)
		contrib[f] = 0;
	/* weights relative to the nearest support vector's, so that a row
	 * far from all of them does not underflow every weight to 0 */
	if (s->kernel == AD_OCSVM_RBF)
		for (size_t i = 0; i < s->nsv; i++) {
			double dist = finite(sqdist(s->sv + i * s->d, x, s->d));
			if (dist < dmin)
				dmin = dist;
		}
	for (size_t i = 0; i < s->nsv; i++) {
		const double *sv = s->sv + i * s->d;
		double w = s->coef[i];

		if (s->kernel == AD_OCSVM_RBF)
			w *= exp(-s->gamma * (finite(sqdist(sv, x, s->d)) - dmin));
		if (!(w > 0))
			continue;
		wsum += w;
		for (size_t f = 0; f < s->d; f++)
			contrib[f] = finite(contrib[f] + w *
			    finite((x[f] - sv[f]) * (x[f] - sv[f])));
	}
	for (size_t f = 0; f < s->d; f++)
		contrib[f] = wsum > 0 ? finite(contrib[f] / wsum) : 0;
}

static uint64_t ocsvm_size(const void *state)
{
	return ((const struct ocsvm *)state)->nsv;
}

static const char *ocsvm_param_word(const char *param, double value)
{
	if (strcmp(param, "kernel") == 0 && value >= 0 && value <= 3 &&
	    value == floor(value))
		return kernel_names[(int)value];
	return NULL;
}

/* ---- training ---- */

/* libsvm prints progress to stdout, which may be the model: silence. */
static void quiet(const char *s)
{
	(void)s;
}

/* gamma for --gamma scale: 1 / (d * variance of all cells), as
 * scikit-learn's X.var(); 1 when the cells do not vary. */
static double gamma_scale(const double *x, size_t n, size_t d)
{
	double sum = 0, ss = 0, mean, var;
	size_t cells = n * d;

	for (size_t i = 0; i < cells; i++)
		sum += x[i];
	mean = sum / (double)cells;
	for (size_t i = 0; i < cells; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	var = ss / (double)cells;
	return var > 0 ? 1 / ((double)d * var) : 1;
}

static enum ad_status set_params(const struct ad_ocsvm_opts *v,
    const struct ad_fit_env *env, double gamma, struct ad_param **params,
    size_t *nparams, struct ad_error *err)
{
	double values[NPARAMS] = { v->kernel, v->nu, gamma, v->degree, v->coef0,
		v->tol, (double)env->max_train_rows };
	enum ad_status st = ad_detector_param_new(params, NPARAMS, param_names, values,
	    err);

	if (st == AD_OK)
		*nparams = NPARAMS;
	return st;
}

/* The problem libsvm trains on: each row's non-zero cells, 1-based, then
 * an index of -1. The nodes must outlive libsvm's model. */
struct problem {
	struct svm_problem p;
	struct svm_node *nodes;
};

static enum ad_status make_problem(struct problem *pb, const double *x,
    size_t n, size_t d, struct ad_error *err)
{
	size_t k = 0, cells;

	if (__builtin_mul_overflow(n, d + 1, &cells))
		return ad_error_nomem(err);
	pb->p.l = (int)n;
	pb->p.y = ad_calloc(n, sizeof *pb->p.y);
	pb->p.x = ad_calloc(n, sizeof *pb->p.x);
	pb->nodes = ad_calloc(cells, sizeof *pb->nodes);
	if (pb->p.y == NULL || pb->p.x == NULL || pb->nodes == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < n; i++) {
		pb->p.x[i] = pb->nodes + k;
		pb->p.y[i] = 1;
		for (size_t f = 0; f < d; f++)
			if (x[i * d + f] != 0) {
				pb->nodes[k].index = (int)f + 1;
				pb->nodes[k++].value = x[i * d + f];
			}
		pb->nodes[k++].index = -1;
	}
	return AD_OK;
}

static void free_problem(struct problem *pb)
{
	ad_free(pb->p.y);
	ad_free(pb->p.x);
	ad_free(pb->nodes);
}

/* Copies what scoring needs out of libsvm's model. */
static enum ad_status keep_model(struct ocsvm *s, const struct svm_model *sm,
    struct ad_error *err)
{
	size_t cells;

	s->nsv = (size_t)sm->l;
	s->rho = sm->rho[0];
	if (__builtin_mul_overflow(s->nsv, s->d, &cells))
		return ad_error_nomem(err);
	s->coef = ad_malloc((s->nsv ? s->nsv : 1) * sizeof *s->coef);
	s->sv = ad_calloc(cells ? cells : 1, sizeof *s->sv);
	if (s->coef == NULL || s->sv == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < s->nsv; i++) {
		s->coef[i] = sm->sv_coef[0][i];
		for (const struct svm_node *nd = sm->SV[i]; nd->index != -1; nd++)
			s->sv[i * s->d + (size_t)nd->index - 1] = nd->value;
	}
	return AD_OK;
}

/* Whether the solution is one a loader accepts: when the kernel overflows
 * (poly with a huge gamma) libsvm's solver gives NaN. */
static int usable(const struct ocsvm *s)
{
	if (!isfinite(s->rho) || s->nsv == 0)
		return 0;
	for (size_t i = 0; i < s->nsv; i++) {
		if (!(s->coef[i] > 0 && s->coef[i] <= 1))
			return 0;
		for (size_t f = 0; f < s->d; f++)
			if (!isfinite(s->sv[i * s->d + f]))
				return 0;
	}
	return 1;
}

static enum ad_status ocsvm_fit(const void *opts,
    const struct ad_fit_env *env, const double *x, size_t n,
    struct ad_param **params, size_t *nparams, void **state,
    struct ad_error *err)
{
	const struct ad_ocsvm_opts *v = opts;
	struct problem pb;
	struct svm_parameter par;
	struct svm_model *sm;
	struct ocsvm *s;
	const char *why;
	enum ad_status st;

	if (n > INT32_MAX)
		return ad_error_set(err, AD_EUSAGE, "--max-train-rows is too "
		    "large for libsvm");
	if ((s = ad_calloc(1, sizeof *s)) == NULL)
		return ad_error_nomem(err);
	*state = s;
	s->d = env->nfeat;
	s->kernel = v->kernel;
	s->degree = v->degree;
	s->coef0 = v->coef0;
	s->gamma = v->gamma_mode == AD_OCSVM_GAMMA_VALUE ? v->gamma :
	    v->gamma_mode == AD_OCSVM_GAMMA_AUTO ? 1 / (double)s->d :
	    gamma_scale(x, n, s->d);
	if ((st = set_params(v, env, s->gamma, params, nparams, err)) != AD_OK)
		return st;
	memset(&par, 0, sizeof par);
	par.svm_type = ONE_CLASS;
	par.kernel_type = (int)v->kernel;
	par.degree = (int)v->degree;
	par.gamma = s->gamma;
	par.coef0 = v->coef0;
	par.cache_size = v->cache_mb;
	par.eps = v->tol;
	par.C = 1;
	par.nu = v->nu;
	par.p = 0.1;
	par.shrinking = 1;
	memset(&pb, 0, sizeof pb);
	if ((st = make_problem(&pb, x, n, s->d, err)) != AD_OK) {
		free_problem(&pb);
		return st;
	}
	if ((why = svm_check_parameter(&pb.p, &par)) != NULL) {
		free_problem(&pb);
		return ad_error_set(err, AD_EUSAGE, "libsvm refuses the "
		    "parameters: %s", why);
	}
	svm_set_print_string_function(quiet);
	sm = svm_train(&pb.p, &par);
	st = sm != NULL ? keep_model(s, sm, err) : ad_error_nomem(err);
	if (st == AD_OK && !usable(s))
		st = ad_error_set(err, AD_EDATA, "libsvm's solution is not finite "
		    "(the kernel overflows on these rows): lower --gamma, "
		    "--degree or --coef0");
	svm_free_and_destroy_model(&sm);
	free_problem(&pb);
	return st;
}

/* ---- the payload ---- */

static void put64(unsigned char **p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		(*p)[i] = (unsigned char)(v >> (8 * i));
	*p += 8;
}

static void put_f64(unsigned char **p, double v)
{
	uint64_t u;

	memcpy(&u, &v, 8);
	put64(p, u);
}

static uint64_t get64(const unsigned char **p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)(*p)[i] << (8 * i);
	*p += 8;
	return v;
}

static double get_f64(const unsigned char **p)
{
	uint64_t u = get64(p);
	double v;

	memcpy(&v, &u, 8);
	return v;
}

static size_t ocsvm_save_size(const void *state)
{
	const struct ocsvm *s = state;

	return 16 + s->nsv * (1 + s->d) * 8;
}

static void ocsvm_save(const void *state, unsigned char *p)
{
	const struct ocsvm *s = state;

	put64(&p, s->nsv);
	put_f64(&p, s->rho);
	for (size_t i = 0; i < s->nsv; i++) {
		put_f64(&p, s->coef[i]);
		for (size_t f = 0; f < s->d; f++)
			put_f64(&p, s->sv[i * s->d + f]);
	}
}

static enum ad_status corrupt(const char *name, const char *what,
    struct ad_error *err)
{
	return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: %s", what);
}

/* The hyper-parameters, checked, into s; *max_rows for the count check. */
static enum ad_status check_params(const struct ad_param *pm, size_t np,
    struct ocsvm *s, double *max_rows, const char *name, struct ad_error *err)
{
	double k = ad_detector_param_get(pm, np, "kernel"), nu = ad_detector_param_get(pm, np, "nu");
	double deg = ad_detector_param_get(pm, np, "degree");
	double tol = ad_detector_param_get(pm, np, "tol");

	s->gamma = ad_detector_param_get(pm, np, "gamma");
	s->coef0 = ad_detector_param_get(pm, np, "coef0");
	*max_rows = ad_detector_param_get(pm, np, "max_train_rows");
	if (np != NPARAMS)
		return corrupt(name, "unknown hyper-parameter", err);
	if (!(k >= 0 && k <= 3) || k != floor(k))
		return corrupt(name, "hyper-parameter kernel out of range", err);
	if (!(nu > 0 && nu <= 1))
		return corrupt(name, "hyper-parameter nu out of range", err);
	if (!(s->gamma >= 0 && s->gamma <= DBL_MAX))
		return corrupt(name, "hyper-parameter gamma out of range", err);
	if (!(deg >= 0 && deg <= AD_OCSVM_MAX_DEGREE) || deg != floor(deg))
		return corrupt(name, "hyper-parameter degree out of range", err);
	if (!isfinite(s->coef0))
		return corrupt(name, "hyper-parameter coef0 out of range", err);
	if (!(tol > 0 && tol <= DBL_MAX))
		return corrupt(name, "hyper-parameter tol out of range", err);
	if (!(*max_rows >= 2 && *max_rows <= INT32_MAX) ||
	    *max_rows != floor(*max_rows))
		return corrupt(name, "hyper-parameter max_train_rows out of "
		    "range", err);
	s->kernel = (enum ad_ocsvm_kernel)k;
	s->degree = (unsigned)deg;
	return AD_OK;
}

static enum ad_status ocsvm_load(const unsigned char *p, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	const unsigned char *end = p + len;
	struct ocsvm *s;
	double max_rows;
	uint64_t nsv;
	enum ad_status st;

	if ((s = ad_calloc(1, sizeof *s)) == NULL)
		return ad_error_nomem(err);
	*state = s;
	s->d = nfeat;
	if ((st = check_params(params, nparams, s, &max_rows, name, err)) !=
	    AD_OK)
		return st;
	if (len < 16)
		return corrupt(name, "truncated support vectors", err);
	nsv = get64(&p);
	s->rho = get_f64(&p);
	/* each support vector takes (1 + d) * 8 bytes: no lying count gets
	 * past this, and none can overflow */
	if (nsv == 0 || nsv > (uint64_t)max_rows ||
	    nsv != (uint64_t)(end - p) / 8 / (1 + s->d) ||
	    (uint64_t)(end - p) != nsv * 8 * (1 + s->d))
		return corrupt(name, "support vector count does not match the "
		    "payload", err);
	if (!isfinite(s->rho))
		return corrupt(name, "rho not finite", err);
	s->nsv = (size_t)nsv;
	s->coef = ad_malloc(s->nsv * sizeof *s->coef);
	s->sv = ad_malloc(s->nsv * s->d * sizeof *s->sv);
	if (s->coef == NULL || s->sv == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < s->nsv; i++) {
		s->coef[i] = get_f64(&p);
		if (!(s->coef[i] > 0 && s->coef[i] <= 1))
			return corrupt(name, "support vector coefficient out of "
			    "(0, 1]", err);
		for (size_t f = 0; f < s->d; f++) {
			s->sv[i * s->d + f] = get_f64(&p);
			if (!isfinite(s->sv[i * s->d + f]))
				return corrupt(name, "support vector not finite",
				    err);
		}
	}
	return AD_OK;
}

const struct ad_detector ad_ocsvm_detector = {
	.algo = AD_ALGO_OCSVM,
	.name = "ocsvm",
	.phrase = "One-Class SVM, libsvm",
	.sampling = AD_SAMPLE_ROWS,
	.auto_threshold = 0,
	.score_lo = -DBL_MAX,
	.score_hi = DBL_MAX,
	.size_key = "support_vectors",
	.opts_size = sizeof(struct ad_ocsvm_opts),
	.opts = ocsvm_rows,
	.nopts = sizeof ocsvm_rows / sizeof ocsvm_rows[0],
	.fit = ocsvm_fit,
	.load = ocsvm_load,
	.save_size = ocsvm_save_size,
	.save = ocsvm_save,
	.free = ocsvm_free,
	.score = ocsvm_score,
	.explain = ocsvm_explain,
	.size = ocsvm_size,
	.param_word = ocsvm_param_word
};
