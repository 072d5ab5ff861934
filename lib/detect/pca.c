/*
 * PyOD's PCA detector (pca.h): the covariance of the standardized,
 * centred rows through cblas_dsyrk in blocks of rows, its eigenvectors by
 * LAPACK's dsyevr, scikit-learn's sign rule through cblas_dgemm on the
 * same blocks, and PyOD's distances to the selected components.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "alloc.h"
#include "autoenc.h"
#include "pca.h"
#include "wire.h"

/* LAPACK (in OpenBLAS): eigenvalues and eigenvectors of a symmetric
 * matrix, column-major; the trailing lengths are gfortran's hidden string
 * lengths. */
void dsyevr_(const char *jobz, const char *range, const char *uplo,
    const int *n, double *a, const int *lda, const double *vl,
    const double *vu, const int *il, const int *iu, const double *abstol,
    int *m, double *w, double *z, const int *ldz, int *isuppz, double *work,
    const int *lwork, int *iwork, const int *liwork, int *info,
    size_t jobz_len, size_t range_len, size_t uplo_len);

/* Rows standardized and centred at a time (memory: BLOCK x features). */
#define BLOCK 4096

struct ad_pca {
	size_t d, ncomp, nsel;
	int weighted, standardize;
	double *mean;       /* d: the standardizer's mean (0 without) */
	double *scale;      /* d: its scale (1 without), > 0 */
	double *comp;       /* nsel x d: the selected components */
	double *inv_scale;  /* d: 1 / scale */
	double *inv_w;      /* nsel: 1 / w */
	double *w;          /* nsel: their divisors */
};

void ad_pca_defaults(struct ad_pca_opts *o)
{
	o->ncomp = 0;
	o->nsel = 0;
	o->weighted = 1;
	o->standardize = 1;
}

static enum ad_status state_new(size_t d, size_t ncomp, size_t nsel,
    struct ad_pca **out, struct ad_error *err)
{
	struct ad_pca *p = ad_calloc(1, sizeof *p);

	if (p == NULL)
		return ad_error_nomem(err);
	p->d = d;
	p->ncomp = ncomp;
	p->nsel = nsel;
	/* d <= AD_PCA_MAX_FEATURES: no overflow */
	if ((p->mean = ad_calloc(d, sizeof *p->mean)) == NULL ||
	    (p->scale = ad_calloc(d, sizeof *p->scale)) == NULL ||
	    (p->comp = ad_calloc(nsel * d, sizeof *p->comp)) == NULL ||
	    (p->inv_scale = ad_calloc(d, sizeof *p->inv_scale)) == NULL ||
	    (p->inv_w = ad_calloc(nsel, sizeof *p->inv_w)) == NULL ||
	    (p->w = ad_calloc(nsel, sizeof *p->w)) == NULL) {
		ad_pca_free(p);
		return ad_error_nomem(err);
	}
	*out = p;
	return AD_OK;
}

void ad_pca_free(struct ad_pca *p)
{
	if (p == NULL)
		return;
	ad_free(p->mean);
	ad_free(p->scale);
	ad_free(p->comp);
	ad_free(p->inv_scale);
	ad_free(p->inv_w);
	ad_free(p->w);
	ad_free(p);
}

size_t ad_pca_nfeat(const struct ad_pca *p)
{
	return p->d;
}

size_t ad_pca_ncomp(const struct ad_pca *p)
{
	return p->ncomp;
}

size_t ad_pca_nsel(const struct ad_pca *p)
{
	return p->nsel;
}

const double *ad_pca_component(const struct ad_pca *p, size_t j)
{
	return p->comp + j * p->d;
}

double ad_pca_weight(const struct ad_pca *p, size_t j)
{
	return p->w[j];
}

/* What scoring reads: the reciprocals of the scales and divisors (a
 * product is cheaper than a quotient and differs from it in the last bit
 * at most). */
static void derive(struct ad_pca *p)
{
	for (size_t j = 0; j < p->nsel; j++)
		p->inv_w[j] = 1 / p->w[j];
	for (size_t f = 0; f < p->d; f++)
		p->inv_scale[f] = 1 / p->scale[f];
}

/* ---- fitting ----
 *
 * Standardizing and centring are linear, so the passes work on the rows
 * minus the standardizer's mean, t = x - mean, and apply the scales to
 * the sums afterwards: three passes over the rows (the means, the cross
 * products of t, the projections for the signs) with no division. */

/* What the passes over the rows accumulate. */
struct sums {
	double *colsum;     /* d: sum of t per feature */
	double *cross;      /* d x d: sum of t_f t_g, upper triangle */
	double *blk;        /* BLOCK x d: rows being worked on, as t */
};

/* Rows r0..r0+m of x minus p->mean into blk (m x d). */
static void load_block(const struct ad_pca *p, const double *x, size_t r0,
    size_t m, double *blk)
{
	size_t d = p->d;

	for (size_t i = 0; i < m; i++)
		for (size_t f = 0; f < d; f++)
			blk[i * d + f] = x[(r0 + i) * d + f] - p->mean[f];
}

/* p->mean: the rows' means with standardization, else 0. */
static void set_mean(struct ad_pca *p, const double *x, size_t n)
{
	size_t d = p->d;

	memset(p->mean, 0, d * sizeof *p->mean);
	if (!p->standardize)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < d; f++)
			p->mean[f] += x[i * d + f];
	for (size_t f = 0; f < d; f++)
		p->mean[f] /= (double)n;
}

/* The column sums and cross products of t, through cblas_dsyrk a block
 * of rows at a time. */
static void accumulate(const struct ad_pca *p, const double *x, size_t n,
    struct sums *sm)
{
	int d = (int)p->d;

	memset(sm->colsum, 0, p->d * sizeof *sm->colsum);
	memset(sm->cross, 0, p->d * p->d * sizeof *sm->cross);
	for (size_t r = 0; r < n; r += BLOCK) {
		size_t m = n - r < BLOCK ? n - r : BLOCK;

		load_block(p, x, r, m, sm->blk);
		for (size_t i = 0; i < m; i++)
			for (size_t f = 0; f < p->d; f++)
				sm->colsum[f] += sm->blk[i * p->d + f];
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, (int)m, 1.0,
		    sm->blk, d, 1.0, sm->cross, d);
	}
}

/* scikit-learn StandardScaler's scales (the variance with its correction
 * term; a constant feature's, _is_constant_feature, or a tiny scale taken
 * as 1), or 1 without standardization. */
static void set_scale(struct ad_pca *p, const struct sums *sm, size_t n)
{
	double N = (double)n, eps = DBL_EPSILON;

	for (size_t f = 0; f < p->d; f++) {
		double c = sm->colsum[f], sq = sm->cross[f * p->d + f];
		double var = (sq - c * c / N) / N, sd = sqrt(var);
		double b = N * p->mean[f] * eps;

		p->scale[f] = !p->standardize || var <= N * eps * var + b * b ||
		    sd < 10 * eps ? 1 : sd;
	}
}

/* The covariance (n - 1 in the denominator) of the standardized rows,
 * from the sums, into cov (upper triangle, row-major), and their mean
 * (scikit-learn PCA's mean_) into centre. */
static void covariance(const struct ad_pca *p, const struct sums *sm,
    size_t n, double *cov, double *centre)
{
	size_t d = p->d;
	double N = (double)n;

	for (size_t f = 0; f < d; f++) {
		centre[f] = sm->colsum[f] / N / p->scale[f];
		for (size_t g = f; g < d; g++) {
			double c = sm->cross[f * d + g] -
			    sm->colsum[f] * sm->colsum[g] / N;
			cov[f * d + g] = c / (N - 1) / (p->scale[f] * p->scale[g]);
		}
	}
}

/* Eigenvalues (ascending) into val and eigenvectors (column-major: vector
 * k at vec + k * d) of the d x d symmetric matrix a, whose row-major upper
 * triangle is LAPACK's column-major lower one; destroys a. */
static enum ad_status eigen(double *a, size_t d, double *val, double *vec,
    struct ad_error *err)
{
	int n = (int)d, m = 0, info = 0, lwork = -1, liwork = -1, iw = 0;
	int il = 0, iu = 0, *isuppz = NULL, *iwork = NULL;
	double vl = 0, vu = 0, abstol = 0, wq = 0, *work = NULL;
	enum ad_status st = AD_OK;

	dsyevr_("V", "A", "L", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, val,
	    vec, &n, NULL, &wq, &lwork, &iw, &liwork, &info, 1, 1, 1);
	if (info != 0)
		return ad_error_set(err, AD_EDATA, "PCA: the eigen-decomposition "
		    "failed (LAPACK info %d)", info);
	lwork = (int)wq;
	liwork = iw;
	if ((work = ad_malloc((size_t)lwork * sizeof *work)) == NULL ||
	    (iwork = ad_malloc((size_t)liwork * sizeof *iwork)) == NULL ||
	    (isuppz = ad_malloc(2 * d * sizeof *isuppz)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	dsyevr_("V", "A", "L", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, val,
	    vec, &n, isuppz, work, &lwork, iwork, &liwork, &info, 1, 1, 1);
	if (info != 0 || m != n)
		st = ad_error_set(err, AD_EDATA, "PCA: the eigen-decomposition "
		    "failed (LAPACK info %d)", info);
out:
	ad_free(work);
	ad_free(iwork);
	ad_free(isuppz);
	return st;
}

/* Copies the selected components (by decreasing variance: component k is
 * eigenvector d - 1 - k) and their divisors into p. */
static enum ad_status select_components(struct ad_pca *p, const double *val,
    const double *vec, struct ad_error *err)
{
	size_t d = p->d, first = p->ncomp - p->nsel;
	double top = val[d - 1], floor = top * DBL_EPSILON * DBL_EPSILON;
	double total = 0;

	if (!(top > 0))
		return ad_error_set(err, AD_EDATA, "PCA: the rows have no "
		    "variance");
	for (size_t k = 0; k < d; k++)
		total += val[k] > floor ? val[k] : floor;
	for (size_t j = 0; j < p->nsel; j++) {
		size_t k = d - 1 - (first + j);
		double lambda = val[k] > floor ? val[k] : floor;

		memcpy(p->comp + j * d, vec + k * d, d * sizeof *vec);
		p->w[j] = p->weighted ? lambda / total : 1;
	}
	return AD_OK;
}

/* scikit-learn's svd_flip (u_based_decision): flips each selected
 * component so that the training row with the largest projection in
 * magnitude (the first such) projects positively. A projection of a
 * standardized, centred row is t . (c / scale) - centre . c: cs holds the
 * first factor (nsel x d), proj (BLOCK x nsel) and best (nsel) are
 * scratch. */
static void fix_signs(struct ad_pca *p, const double *x, size_t n,
    const double *centre, double *blk, double *cs, double *proj, double *best)
{
	size_t d = p->d, s = p->nsel;

	for (size_t j = 0; j < s; j++) {
		best[j] = 0;
		for (size_t f = 0; f < d; f++)
			cs[j * d + f] = p->comp[j * d + f] / p->scale[f];
	}
	for (size_t r = 0; r < n; r += BLOCK) {
		size_t m = n - r < BLOCK ? n - r : BLOCK;

		load_block(p, x, r, m, blk);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m,
		    (int)s, (int)d, 1.0, blk, (int)d, cs, (int)d, 0.0, proj,
		    (int)s);
		for (size_t j = 0; j < s; j++) {
			double off = 0;
			for (size_t f = 0; f < d; f++)
				off += centre[f] * p->comp[j * d + f];
			for (size_t i = 0; i < m; i++) {
				double v = proj[i * s + j] - off;
				if (fabs(v) > fabs(best[j]))
					best[j] = v;
			}
		}
	}
	for (size_t j = 0; j < s; j++)
		if (best[j] < 0)
			for (size_t f = 0; f < d; f++)
				p->comp[j * d + f] = -p->comp[j * d + f];
}

static const char *check_opts(const struct ad_pca_opts *o, size_t n,
    size_t d)
{
	size_t most = n < d ? n : d;

	if (o->ncomp > most)
		return "PCA: more components than rows or features";
	if (o->nsel > (o->ncomp ? o->ncomp : most))
		return "PCA: more selected components than components";
	if ((o->weighted != 0 && o->weighted != 1) ||
	    (o->standardize != 0 && o->standardize != 1))
		return "PCA: weighted and standardize are 0 or 1";
	return NULL;
}

/* The fit proper, into p (sized), with scratch from one block. */
static enum ad_status fit_into(struct ad_pca *p, const double *x, size_t n,
    struct ad_error *err)
{
	size_t d = p->d, s = p->nsel, sq = d * d, need;
	double *mem, *centre, *cov, *val, *vec, *proj, *best, *cs;
	struct sums sm;
	enum ad_status st;

	/* colsum, centre, val: d; cross, cov, vec: d^2; blk: BLOCK d; cs:
	 * nsel d; proj: BLOCK nsel; best: nsel (d <= 4096: no overflow) */
	need = 3 * d + 3 * sq + BLOCK * d + s * d + BLOCK * s + s;
	if ((mem = ad_malloc(need * sizeof *mem)) == NULL)
		return ad_error_nomem(err);
	sm.colsum = mem, centre = sm.colsum + d, val = centre + d;
	sm.cross = val + d, cov = sm.cross + sq, vec = cov + sq;
	sm.blk = vec + sq, cs = sm.blk + BLOCK * d, proj = cs + s * d;
	best = proj + BLOCK * s;
	set_mean(p, x, n);
	accumulate(p, x, n, &sm);
	set_scale(p, &sm, n);
	covariance(p, &sm, n, cov, centre);
	if ((st = eigen(cov, d, val, vec, err)) == AD_OK &&
	    (st = select_components(p, val, vec, err)) == AD_OK) {
		fix_signs(p, x, n, centre, sm.blk, cs, proj, best);
		derive(p);
	}
	ad_free(mem);
	return st;
}

enum ad_status ad_pca_fit(const struct ad_pca_opts *o, const double *x,
    size_t n, size_t d, uint64_t seed, struct ad_pca **out,
    struct ad_error *err)
{
	struct ad_pca *p;
	size_t ncomp, nsel;
	const char *why;
	enum ad_status st;

	(void)seed;
	if (n < 2 || d == 0)
		return ad_error_set(err, AD_EDATA, "PCA needs at least 2 rows");
	if (d > AD_PCA_MAX_FEATURES)
		return ad_error_set(err, AD_EDATA, "PCA takes at most %d features",
		    AD_PCA_MAX_FEATURES);
	if ((why = check_opts(o, n, d)) != NULL)
		return ad_error_set(err, AD_EUSAGE, "%s", why);
	ncomp = o->ncomp ? o->ncomp : n < d ? n : d;
	nsel = o->nsel ? o->nsel : ncomp;
	ad_autoenc_blas_init();
	if ((st = state_new(d, ncomp, nsel, &p, err)) != AD_OK)
		return st;
	p->weighted = o->weighted;
	p->standardize = o->standardize;
	if ((st = fit_into(p, x, n, err)) != AD_OK) {
		ad_pca_free(p);
		return st;
	}
	*out = p;
	return AD_OK;
}

/* ---- scoring ---- */

/* Standardized values beyond this are clipped: distances square them,
 * and 4096 squares of 1e150 stay finite. */
#define CLIP 1e150

/* Row x standardized into z, clipped to [-CLIP, CLIP]. */
static void standardize_row(const struct ad_pca *p, const double *x,
    double *z)
{
	for (size_t f = 0; f < p->d; f++) {
		double v = (x[f] - p->mean[f]) * p->inv_scale[f];
		z[f] = v > CLIP ? CLIP : v < -CLIP ? -CLIP : v;
	}
}

/* v, or DBL_MAX if v is above it or NaN (infinite over infinite): what is
 * left to overflow after clipping comes of a divisor or a component near
 * the limits, which only a crafted model has. */
static double capped(double v)
{
	return v <= DBL_MAX ? v : DBL_MAX;
}

/* |z - c_j| for every selected j into dist, each a sum over the features
 * in order, as cdist. Four components at a time, their sums in
 * registers, so four chains of additions overlap. */
static void distances(const struct ad_pca *p, const double *z, double *dist)
{
	size_t s = p->nsel, d = p->d, j = 0;

	for (; j + 4 <= s; j += 4) {
		const double *c0 = p->comp + j * d, *c1 = c0 + d, *c2 = c1 + d;
		const double *c3 = c2 + d;
		double a0 = 0, a1 = 0, a2 = 0, a3 = 0;

		for (size_t f = 0; f < d; f++) {
			double t0 = z[f] - c0[f], t1 = z[f] - c1[f];
			double t2 = z[f] - c2[f], t3 = z[f] - c3[f];
			a0 += t0 * t0;
			a1 += t1 * t1;
			a2 += t2 * t2;
			a3 += t3 * t3;
		}
		dist[j] = sqrt(a0);
		dist[j + 1] = sqrt(a1);
		dist[j + 2] = sqrt(a2);
		dist[j + 3] = sqrt(a3);
	}
	for (; j < s; j++) {
		const double *c = p->comp + j * d;
		double a = 0;

		for (size_t f = 0; f < d; f++)
			a += (z[f] - c[f]) * (z[f] - c[f]);
		dist[j] = sqrt(a);
	}
}

void ad_pca_score(const struct ad_pca *p, const double *x, size_t n,
    size_t ld, double *score)
{
	double z[AD_PCA_MAX_FEATURES], dist[AD_PCA_MAX_FEATURES];

	for (size_t i = 0; i < n; i++) {
		double s = 0;

		standardize_row(p, x + i * ld, z);
		distances(p, z, dist);
		for (size_t j = 0; j < p->nsel; j++)
			s += dist[j] * p->inv_w[j];
		score[i] = capped(s);
	}
}

void ad_pca_explain(const struct ad_pca *p, const double *x,
    double *contrib)
{
	double z[AD_PCA_MAX_FEATURES], dist[AD_PCA_MAX_FEATURES];

	standardize_row(p, x, z);
	distances(p, z, dist);
	memset(contrib, 0, p->d * sizeof *contrib);
	for (size_t j = 0; j < p->nsel; j++) {
		const double *c = p->comp + j * p->d;

		if (dist[j] == 0)
			continue;
		for (size_t f = 0; f < p->d; f++)
			contrib[f] += (z[f] - c[f]) * (z[f] - c[f]) / dist[j] *
			    p->inv_w[j];
	}
	for (size_t f = 0; f < p->d; f++)
		contrib[f] = capped(contrib[f]);
}

/* ---- the payload ---- */

size_t ad_pca_encoded_size(const struct ad_pca *p)
{
	return 16 + 8 * (2 * p->d + p->nsel * p->d + p->nsel);
}

void ad_pca_encode(const struct ad_pca *p, unsigned char *buf)
{
	size_t d = p->d;

	buf = ad_wire_put_u32(buf, (uint32_t)d);
	buf = ad_wire_put_u32(buf, (uint32_t)p->ncomp);
	buf = ad_wire_put_u32(buf, (uint32_t)p->nsel);
	buf = ad_wire_put_u32(buf, (uint32_t)(p->weighted | p->standardize << 1));
	for (size_t f = 0; f < d; f++)
		buf = ad_wire_put_f64(buf, p->mean[f]);
	for (size_t f = 0; f < d; f++)
		buf = ad_wire_put_f64(buf, p->scale[f]);
	for (size_t i = 0; i < p->nsel * d; i++)
		buf = ad_wire_put_f64(buf, p->comp[i]);
	for (size_t j = 0; j < p->nsel; j++)
		buf = ad_wire_put_f64(buf, p->w[j]);
}

/* Whether the n values of v are all > 0. */
static int positive(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(v[i] > 0))
			return 0;
	return 1;
}

static int decode_values(struct ad_wire *w, struct ad_pca *p)
{
	if (ad_wire_get_finite(w, p->mean, p->d) ||
	    ad_wire_get_finite(w, p->scale, p->d) ||
	    ad_wire_get_finite(w, p->comp, p->nsel * p->d) ||
	    ad_wire_get_finite(w, p->w, p->nsel) ||
	    !positive(p->scale, p->d) || !positive(p->w, p->nsel))
		return -1;
	for (size_t j = 0; j < p->nsel && !p->weighted; j++)
		if (p->w[j] != 1)
			return -1;
	for (size_t f = 0; f < p->d && !p->standardize; f++)
		if (p->mean[f] != 0 || p->scale[f] != 1)
			return -1;
	return 0;
}

enum ad_status ad_pca_decode(const unsigned char *buf, size_t len,
    size_t nfeat, const char *name, struct ad_pca **out,
    struct ad_error *err)
{
	struct ad_wire w = { buf, len };
	uint32_t d, ncomp, nsel, flags;
	struct ad_pca *p;
	enum ad_status st;

	if (ad_wire_get_u32(&w, &d) || ad_wire_get_u32(&w, &ncomp) ||
	    ad_wire_get_u32(&w, &nsel) || ad_wire_get_u32(&w, &flags))
		return ad_wire_corrupt(err, name, "truncated PCA");
	if (d != nfeat || d == 0 || d > AD_PCA_MAX_FEATURES)
		return ad_wire_corrupt(err, name,
		    "PCA feature count is not the model's");
	if (ncomp < 1 || ncomp > d || nsel < 1 || nsel > ncomp || flags > 3)
		return ad_wire_corrupt(err, name,
		    "PCA component counts or flags out of range");
	/* counts below 4097: no overflow */
	if (w.left != 8 * (2 * (size_t)d + (size_t)nsel * d + nsel))
		return ad_wire_corrupt(err, name,
		    "PCA components do not fill the payload exactly");
	if ((st = state_new(d, ncomp, nsel, &p, err)) != AD_OK)
		return st;
	p->weighted = flags & 1;
	p->standardize = flags >> 1 & 1;
	if (decode_values(&w, p) != 0) {
		ad_pca_free(p);
		return ad_wire_corrupt(err, name,
		    "PCA value not finite or out of range");
	}
	derive(p);
	*out = p;
	return AD_OK;
}
