/*
 * FastMCD with scikit-learn MinCovDet's correction and reweighting
 * (mcd.h). Covariances of row subsets through cblas_dsyrk, distances
 * through cblas_dgemm on blocks of rows, eigen-decompositions (the
 * determinant, the pseudo-inverse, the span of the rows) through LAPACK's
 * dsyevr, all from OpenBLAS on one thread.
 *
 * A candidate of the partition scheme is kept as its support, the row
 * indices of its h rows (its location and covariance are theirs), so
 * hundreds of candidates cost kilobytes rather than covariances.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "alloc.h"
#include "autoenc.h"
#include "mcd.h"
#include "rng.h"
#include "stats.h"
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

/* Rows centred and multiplied at a time (memory: BLOCK x features). */
#define BLOCK 256
/* scikit-learn fast_mcd's constants. */
#define SMALL_N 500           /* above: the partition scheme */
#define SUBSET_ROWS 300       /* rows per subset of the partition */
#define TRIALS_TOTAL 500      /* starts over all subsets */
#define BEST_SUB 10           /* candidates kept per subset */
#define MERGED_ROWS 1500      /* rows of the merged set */
#define SMALL_TRIALS 30       /* starts without the partition */
#define SMALL_BEST 10         /* of those, refined */
#define FIRST_STEPS 2         /* C-steps of a start */
#define MAX_STEPS 30          /* C-steps of a refinement */
/* Differences from the location beyond this are clipped when scoring. */
#define CLIP 1e150

struct ad_mcd {
	size_t p;          /* features */
	size_t rank;       /* dimensions the training rows spanned */
	size_t h;          /* rows of the raw estimate */
	size_t nrew;       /* rows of the reweighted estimate */
	double *loc;       /* p: the robust location */
	double *cov;       /* p x p: the robust covariance */
	double *wt;        /* p x p: row k is eigenvector k / sqrt(its floored
	                      eigenvalue); score = |wt (x - loc)|^2 */
};

/* ---- the chi-square quantile ---- */

double ad_mcd_chi2_ppf(double q, double df)
{
	double lo = 0, hi = df + 10;

	/* the survival function falls from 1; bracket 1 - q, then bisect
	 * to the last bit */
	while (ad_stats_chi2_sf(hi, df) > 1 - q && hi < 1e300)
		hi *= 2;
	for (int i = 0; i < 2000 && lo < hi; i++) {
		double mid = lo + (hi - lo) / 2;
		if (mid <= lo || mid >= hi)
			break;
		if (ad_stats_chi2_sf(mid, df) > 1 - q)
			lo = mid;
		else
			hi = mid;
	}
	return lo + (hi - lo) / 2;
}

/* ---- eigen-decompositions ---- */

/* dsyevr's buffers for matrices up to p x p. */
struct eig {
	int p;
	double *a;         /* p x p: the input, destroyed */
	double *val;       /* p: eigenvalues, ascending */
	double *vec;       /* p x p: eigenvector k at vec + k * p */
	double *work;
	int *iwork, *isuppz;
	int lwork, liwork;
};

static void eig_free(struct eig *e)
{
	ad_free(e->a);
	ad_free(e->val);
	ad_free(e->vec);
	ad_free(e->work);
	ad_free(e->iwork);
	ad_free(e->isuppz);
	memset(e, 0, sizeof *e);
}

static enum ad_status eig_init(struct eig *e, size_t p, struct ad_error *err)
{
	int n = (int)p, m = 0, info = 0, lwork = -1, liwork = -1, iw = 0;
	int il = 0, iu = 0;
	double vl = 0, vu = 0, abstol = 0, wq = 0, dummy = 0;

	memset(e, 0, sizeof *e);
	e->p = n;
	dsyevr_("V", "A", "L", &n, &dummy, &n, &vl, &vu, &il, &iu, &abstol, &m,
	    &dummy, &dummy, &n, NULL, &wq, &lwork, &iw, &liwork, &info, 1, 1, 1);
	if (info != 0)
		return ad_error_set(err, AD_EDATA, "MCD: LAPACK's workspace query "
		    "failed (info %d)", info);
	e->lwork = (int)wq;
	e->liwork = iw;
	/* p <= AD_MCD_MAX_FEATURES: no overflow */
	if ((e->a = ad_malloc(p * p * sizeof *e->a)) == NULL ||
	    (e->val = ad_malloc(p * sizeof *e->val)) == NULL ||
	    (e->vec = ad_malloc(p * p * sizeof *e->vec)) == NULL ||
	    (e->work = ad_malloc((size_t)e->lwork * sizeof *e->work)) == NULL ||
	    (e->iwork = ad_malloc((size_t)e->liwork * sizeof *e->iwork)) ==
	    NULL || (e->isuppz = ad_malloc(2 * p * sizeof *e->isuppz)) == NULL) {
		eig_free(e);
		return ad_error_nomem(err);
	}
	return AD_OK;
}

/* Decomposes the symmetric p x p matrix s (p <= e->p); 0, or -1 if LAPACK
 * failed or gave a value that is not finite. */
static int eig_run(struct eig *e, const double *s, size_t p)
{
	int n = (int)p, m = 0, info = 0, il = 0, iu = 0;
	double vl = 0, vu = 0, abstol = 0;

	memcpy(e->a, s, p * p * sizeof *s);
	dsyevr_("V", "A", "L", &n, e->a, &n, &vl, &vu, &il, &iu, &abstol, &m,
	    e->val, e->vec, &n, e->isuppz, e->work, &e->lwork, e->iwork,
	    &e->liwork, &info, 1, 1, 1);
	if (info != 0 || m != n)
		return -1;
	for (size_t i = 0; i < p; i++)
		if (!isfinite(e->val[i]))
			return -1;
	for (size_t i = 0; i < p * p; i++)
		if (!isfinite(e->vec[i]))
			return -1;
	return 0;
}

/* scipy pinvh's cut: eigenvalues at or below it count as zero. */
static double cut_of(const double *val, size_t p)
{
	double top = fabs(val[0]) > fabs(val[p - 1]) ? fabs(val[0]) :
	    fabs(val[p - 1]);

	return top * (double)p * DBL_EPSILON;
}

/* ---- the working state of a fit ---- */

/* A candidate: its support (h row indices into the rotated rows) and the
 * log-determinant of their covariance. */
struct cand {
	size_t *rows;
	double det;
};

/* A list of the best candidates, by increasing determinant. */
struct best {
	struct cand *c;
	size_t n, cap, h;
};

struct fit {
	size_t n, r, h;       /* rows, dimensions, support */
	double floor;         /* eigenvalues at or below it are rounding
	                         noise at the rows' scale: zero */
	double *z;            /* n x r: the rotated rows */
	struct eig e;         /* for r x r */
	struct ad_rng rng;
	double *loc, *cov;    /* r, r x r: the current estimate */
	double *ploc, *pcov;  /* the previous one */
	double *f;            /* r x r: the current pseudo-inverse factor */
	size_t fk;            /* its rows */
	double *blk, *t;      /* BLOCK x r each */
	double *dist, *tmp;   /* n */
	size_t *idx, *pidx;   /* n: a support, the previous one */
	size_t *perm;         /* n: random orders */
	size_t *map;          /* n: local row -> row of z */
	double *sub;          /* n x r: a gathered subset */
};

static void best_free(struct best *b)
{
	for (size_t i = 0; i < b->cap && b->c != NULL; i++)
		ad_free(b->c[i].rows);
	ad_free(b->c);
	memset(b, 0, sizeof *b);
}

static enum ad_status best_init(struct best *b, size_t cap, size_t h,
    struct ad_error *err)
{
	memset(b, 0, sizeof *b);
	if ((b->c = ad_calloc(cap, sizeof *b->c)) == NULL)
		return ad_error_nomem(err);
	b->cap = cap;
	b->h = h;
	for (size_t i = 0; i < cap; i++)
		if ((b->c[i].rows = ad_malloc(h * sizeof *b->c[i].rows)) == NULL) {
			best_free(b);
			return ad_error_nomem(err);
		}
	return AD_OK;
}

/* Offers support rows (h, local indices mapped through map, NULL: none)
 * with log-determinant det to b: kept if among the cap lowest, after the
 * equal ones already there. */
static void best_offer(struct best *b, const size_t *rows, const size_t *map,
    double det)
{
	size_t at = b->n;
	size_t *spare;

	while (at > 0 && b->c[at - 1].det > det)
		at--;
	if (at >= b->cap)
		return;
	spare = b->c[b->n < b->cap ? b->n : b->cap - 1].rows;
	memmove(b->c + at + 1, b->c + at,
	    ((b->n < b->cap ? b->n : b->cap - 1) - at) * sizeof *b->c);
	b->c[at].rows = spare;
	b->c[at].det = det;
	for (size_t i = 0; i < b->h; i++)
		spare[i] = map != NULL ? map[rows[i]] : rows[i];
	if (b->n < b->cap)
		b->n++;
}

/* ---- estimates ---- */

/* Location and covariance (1/m) of m rows of x (w wide: rows idx[0..m),
 * or the first m when idx is NULL) into loc and cov (full, symmetric),
 * the centred rows going through blk (BLOCK x w) to cblas_dsyrk. */
static void moments(const double *x, size_t w, const size_t *idx, size_t m,
    double *loc, double *cov, double *blk)
{
	memset(loc, 0, w * sizeof *loc);
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < w; j++)
			loc[j] += x[(idx != NULL ? idx[i] : i) * w + j];
	for (size_t j = 0; j < w; j++)
		loc[j] /= (double)m;
	memset(cov, 0, w * w * sizeof *cov);
	for (size_t i0 = 0; i0 < m; i0 += BLOCK) {
		size_t b = m - i0 < BLOCK ? m - i0 : BLOCK;
		for (size_t i = 0; i < b; i++) {
			size_t row = idx != NULL ? idx[i0 + i] : i0 + i;
			for (size_t j = 0; j < w; j++)
				blk[i * w + j] = x[row * w + j] - loc[j];
		}
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)w, (int)b,
		    1.0, blk, (int)w, 1.0, cov, (int)w);
	}
	for (size_t j = 0; j < w; j++)
		for (size_t k = j; k < w; k++)
			cov[k * w + j] = cov[j * w + k] = cov[j * w + k] / (double)m;
}

/* moments of rows idx[0..m) of x, r wide, through f->blk. */
static void stats(struct fit *f, const double *x, const size_t *idx,
    size_t m, double *loc, double *cov)
{
	moments(x, f->r, idx, m, loc, cov, f->blk);
}

/* The log-determinant of cov (-inf when singular, at pinvh's cut) and
 * the factor of its pseudo-inverse into f->f (f->fk rows); -1 if the
 * decomposition failed. */
static int factor(struct fit *f, const double *cov, double *det)
{
	size_t r = f->r;
	double cut, sum = 0;
	int singular = 0;

	if (eig_run(&f->e, cov, r) != 0)
		return -1;
	cut = cut_of(f->e.val, r);
	if (cut < f->floor)
		cut = f->floor;
	f->fk = 0;
	for (size_t k = 0; k < r; k++) {
		double v = f->e.val[k];
		if (!(v > cut) || !(v > 0)) {
			singular = 1;
			continue;
		}
		sum += log(v);
		for (size_t j = 0; j < r; j++)
			f->f[f->fk * r + j] = f->e.vec[k * r + j] / sqrt(v);
		f->fk++;
	}
	*det = singular ? -INFINITY : sum;
	return 0;
}

/* Squared distances of rows x[0..n) (r wide) from loc under the factor
 * into f->dist. */
static void distances(struct fit *f, const double *x, size_t n,
    const double *loc)
{
	size_t r = f->r, k = f->fk;

	for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
		size_t b = n - i0 < BLOCK ? n - i0 : BLOCK;
		for (size_t i = 0; i < b; i++)
			for (size_t j = 0; j < r; j++)
				f->blk[i * r + j] = x[(i0 + i) * r + j] - loc[j];
		if (k > 0)
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b,
			    (int)k, (int)r, 1.0, f->blk, (int)r, f->f, (int)r, 0.0,
			    f->t, (int)k);
		for (size_t i = 0; i < b; i++) {
			double s = 0;
			for (size_t j = 0; j < k; j++)
				s += f->t[i * k + j] * f->t[i * k + j];
			/* an estimate without spread: the rows at its point are
			 * nearest (the pseudo-inverse, 0, would make every row
			 * as near) */
			for (size_t j = 0; j < r && k == 0; j++)
				s += f->blk[i * r + j] * f->blk[i * r + j];
			f->dist[i0 + i] = isnan(s) ? INFINITY : s;
		}
	}
}

/* The k-th smallest (0-based) of v[0..n), reordering v. */
static double kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi];
		double pivot = a < b ? (b < c ? b : a < c ? c : a) :
		    (a < c ? a : b < c ? c : b);
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

/* The m rows of the smallest d[0..n) into idx, ascending, ties to the
 * lower row: the same rows whatever the order of the search. */
static void smallest(struct fit *f, const double *d, size_t n, size_t m,
    size_t *idx)
{
	double t;
	size_t c = 0;

	memcpy(f->tmp, d, n * sizeof *d);
	t = kth(f->tmp, n, m - 1);
	for (size_t i = 0; i < n; i++)
		c += d[i] < t;
	for (size_t i = 0, k = 0; i < n && k < m; i++)
		if (d[i] < t || (d[i] == t && c++ < m))
			idx[k++] = i;
}

/* Whether scikit-learn's np.allclose(a, b) holds. */
static int close_to(double a, double b)
{
	return fabs(a - b) <= 1e-8 + 1e-5 * fabs(b);
}

/* C-steps on rows x[0..n) from the estimate in f->loc, f->cov, h rows
 * each, at most steps; the support found into f->idx, its determinant
 * into *det (scikit-learn's _c_step with initial estimates). */
static int csteps(struct fit *f, const double *x, size_t n, size_t h,
    int steps, double *det)
{
	size_t r = f->r;
	double d, prev = INFINITY;

	if (factor(f, f->cov, &d) != 0)
		return -1;
	distances(f, x, n, f->loc);
	smallest(f, f->dist, n, h, f->idx);
	stats(f, x, f->idx, h, f->loc, f->cov);
	if (factor(f, f->cov, &d) != 0)
		return -1;
	while (d < prev && steps > 0 && d != -INFINITY) {
		memcpy(f->ploc, f->loc, r * sizeof *f->loc);
		memcpy(f->pcov, f->cov, r * r * sizeof *f->cov);
		memcpy(f->pidx, f->idx, h * sizeof *f->idx);
		prev = d;
		distances(f, x, n, f->loc);
		smallest(f, f->dist, n, h, f->idx);
		stats(f, x, f->idx, h, f->loc, f->cov);
		if (factor(f, f->cov, &d) != 0)
			return -1;
		steps--;
	}
	if (d != -INFINITY && !close_to(d, prev) && d > prev && steps > 0) {
		/* rounding made it worse: the previous support stands */
		memcpy(f->loc, f->ploc, r * sizeof *f->loc);
		memcpy(f->cov, f->pcov, r * r * sizeof *f->cov);
		memcpy(f->idx, f->pidx, h * sizeof *f->idx);
		d = prev;
	}
	*det = d;
	return 0;
}

/* A random start on rows x[0..n): r + 1 random rows, more while their
 * covariance is singular (up to h, growing by half), as the estimate in
 * f->loc, f->cov. */
static int start(struct fit *f, const double *x, size_t n, size_t h)
{
	size_t m = 0, want = f->r + 1 < n ? f->r + 1 : n;
	double d;

	for (size_t i = 0; i < n; i++)
		f->perm[i] = i;
	for (;;) {
		while (m < want) {
			size_t j = m + (size_t)ad_rng_below(&f->rng, n - m), t;
			t = f->perm[m];
			f->perm[m] = f->perm[j];
			f->perm[j] = t;
			m++;
		}
		stats(f, x, f->perm, m, f->loc, f->cov);
		if (factor(f, f->cov, &d) != 0)
			return -1;
		if (d != -INFINITY || m >= h || m >= n)
			return 0;
		/* the paper adds one row at a time; at least the missing
		 * dimensions, and half again, reach the same kind of start
		 * with a few decompositions instead of hundreds */
		want = m + (f->r - f->fk > m / 2 ? f->r - f->fk : m / 2);
		if (want > h)
			want = h;
	}
}

/* Rows rows[0..m) of z into f->sub, and the map back. */
static void gather(struct fit *f, const size_t *rows, size_t m)
{
	for (size_t i = 0; i < m; i++) {
		memcpy(f->sub + i * f->r, f->z + rows[i] * f->r,
		    f->r * sizeof *f->z);
		f->map[i] = rows[i];
	}
}

/* trials random starts on rows x[0..n) (local rows mapped through map),
 * steps C-steps each, offered to b (scikit-learn's select_candidates
 * with a number of trials). */
static int from_starts(struct fit *f, const double *x, size_t n, size_t h,
    size_t trials, int steps, const size_t *map, struct best *b)
{
	for (size_t t = 0; t < trials; t++) {
		double d;
		if (start(f, x, n, h) != 0 || csteps(f, x, n, h, steps, &d) != 0)
			return -1;
		best_offer(b, f->idx, map, d);
	}
	return 0;
}

/* C-steps on rows x[0..n) from each candidate of in, offered to out
 * (select_candidates with initial estimates). */
static int from_cands(struct fit *f, const double *x, size_t n, size_t h,
    const struct best *in, int steps, const size_t *map, struct best *out)
{
	for (size_t c = 0; c < in->n; c++) {
		double d;
		stats(f, f->z, in->c[c].rows, in->h, f->loc, f->cov);
		if (csteps(f, x, n, h, steps, &d) != 0)
			return -1;
		best_offer(out, f->idx, map, d);
	}
	return 0;
}

/* A uniform random order of 0..n-1 into f->perm, its first m drawn. */
static void shuffle(struct fit *f, size_t n, size_t m)
{
	for (size_t i = 0; i < n; i++)
		f->perm[i] = i;
	for (size_t i = 0; i < m && i + 1 < n; i++) {
		size_t j = i + (size_t)ad_rng_below(&f->rng, n - i), t;
		t = f->perm[i];
		f->perm[i] = f->perm[j];
		f->perm[j] = t;
	}
}

static int by_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* h of m rows scaled to a set of k rows: ceil(k * (h / n)). */
static size_t scaled(size_t k, size_t h, size_t n)
{
	return (size_t)ceil((double)k * ((double)h / (double)n));
}

/* The partition scheme (n > 500): the raw estimate into f->loc, f->cov. */
static enum ad_status partitioned(struct fit *f, struct ad_error *err)
{
	size_t n = f->n, nsub = n / SUBSET_ROWS, per = n / nsub;
	size_t hsub = scaled(per, f->h, n), trials = TRIALS_TOTAL / nsub;
	size_t merged = n < MERGED_ROWS ? n : MERGED_ROWS;
	size_t hm = scaled(merged, f->h, n), keep = n > MERGED_ROWS ? 10 : 1;
	struct best all, mid, fin;
	size_t *rows = NULL;
	enum ad_status st = AD_OK;

	memset(&mid, 0, sizeof mid);
	memset(&fin, 0, sizeof fin);
	if (trials < 10)
		trials = 10;
	if ((st = best_init(&all, nsub * BEST_SUB, hsub, err)) != AD_OK)
		return st;
	if ((st = best_init(&mid, keep, hm, err)) != AD_OK ||
	    (st = best_init(&fin, 1, f->h, err)) != AD_OK ||
	    (rows = ad_malloc(n * sizeof *rows)) == NULL) {
		st = st != AD_OK ? st : ad_error_nomem(err);
		goto out;
	}
	shuffle(f, n, n);
	memcpy(rows, f->perm, n * sizeof *rows);
	for (size_t s = 0; s < nsub; s++) {
		struct best one;
		if ((st = best_init(&one, BEST_SUB, hsub, err)) != AD_OK)
			goto out;
		gather(f, rows + s * per, per);
		if (from_starts(f, f->sub, per, hsub, trials, FIRST_STEPS, f->map,
		    &one) != 0)
			st = ad_error_set(err, AD_EDATA, "MCD: an eigen-"
			    "decomposition failed");
		for (size_t c = 0; c < one.n && st == AD_OK; c++) {
			size_t *tmp = all.c[all.n].rows;
			all.c[all.n].rows = one.c[c].rows;
			one.c[c].rows = tmp;
			all.c[all.n++].det = one.c[c].det;
		}
		best_free(&one);
		if (st != AD_OK)
			goto out;
	}
	shuffle(f, n, merged);
	memcpy(rows, f->perm, merged * sizeof *rows);
	gather(f, rows, merged);
	/* the paper's two C-steps on the merged set when all rows follow
	 * (scikit-learn: up to 30; the refinement converges either way) */
	if (from_cands(f, f->sub, merged, hm, &all, n < MERGED_ROWS ?
	    MAX_STEPS : FIRST_STEPS, f->map, &mid) != 0)
		goto failed;
	if (n < MERGED_ROWS) {
		stats(f, f->z, mid.c[0].rows, hm, f->loc, f->cov);
		goto out;
	}
	if (from_cands(f, f->z, n, f->h, &mid, MAX_STEPS, NULL, &fin) != 0)
		goto failed;
	qsort(fin.c[0].rows, f->h, sizeof *fin.c[0].rows, by_index);
	stats(f, f->z, fin.c[0].rows, f->h, f->loc, f->cov);
	goto out;
failed:
	st = ad_error_set(err, AD_EDATA, "MCD: an eigen-decomposition failed");
out:
	ad_free(rows);
	best_free(&all);
	best_free(&mid);
	best_free(&fin);
	return st;
}

/* Up to 500 rows: 30 starts, the 10 best refined. */
static enum ad_status small(struct fit *f, struct ad_error *err)
{
	struct best first, fin;
	enum ad_status st;

	if ((st = best_init(&first, SMALL_BEST, f->h, err)) != AD_OK)
		return st;
	if ((st = best_init(&fin, 1, f->h, err)) != AD_OK) {
		best_free(&first);
		return st;
	}
	if (from_starts(f, f->z, f->n, f->h, SMALL_TRIALS, FIRST_STEPS, NULL,
	    &first) != 0 ||
	    from_cands(f, f->z, f->n, f->h, &first, MAX_STEPS, NULL, &fin) != 0)
		st = ad_error_set(err, AD_EDATA, "MCD: an eigen-decomposition "
		    "failed");
	else
		stats(f, f->z, fin.c[0].rows, f->h, f->loc, f->cov);
	best_free(&first);
	best_free(&fin);
	return st;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One dimension: the shortest half (scikit-learn's exact case). */
static void univariate(struct fit *f)
{
	size_t n = f->n, h = f->h;
	double *s = f->tmp, best = INFINITY, sum = 0, loc;
	size_t cnt = 0;

	if (h >= n) {
		for (size_t i = 0; i < n; i++)
			f->idx[i] = i;
		stats(f, f->z, f->idx, n, f->loc, f->cov);
		return;
	}
	memcpy(s, f->z, n * sizeof *s);
	qsort(s, n, sizeof *s, by_value);
	for (size_t i = 0; i < n - h; i++)
		if (s[h + i] - s[i] < best)
			best = s[h + i] - s[i];
	for (size_t i = 0; i < n - h; i++)
		if (s[h + i] - s[i] == best) {
			sum += s[h + i] + s[i];
			cnt++;
		}
	loc = 0.5 * (sum / (double)cnt);
	for (size_t i = 0; i < n; i++)
		f->dist[i] = fabs(f->z[i] - loc);
	smallest(f, f->dist, n, h, f->idx);
	stats(f, f->z, f->idx, h, f->loc, f->cov);
	f->loc[0] = loc;
}

/* ---- fitting ---- */

static void fit_free(struct fit *f)
{
	eig_free(&f->e);
	ad_free(f->z);
	ad_free(f->loc);
	ad_free(f->cov);
	ad_free(f->ploc);
	ad_free(f->pcov);
	ad_free(f->f);
	ad_free(f->blk);
	ad_free(f->t);
	ad_free(f->dist);
	ad_free(f->tmp);
	ad_free(f->idx);
	ad_free(f->pidx);
	ad_free(f->perm);
	ad_free(f->map);
	ad_free(f->sub);
}

static enum ad_status fit_init(struct fit *f, size_t n, size_t r,
    struct ad_error *err)
{
	size_t rr = r * r, nr;

	if (n > SIZE_MAX / r / sizeof(double))
		return ad_error_nomem(err);
	nr = n * r;
	if ((f->z = ad_malloc(nr * sizeof *f->z)) == NULL ||
	    (f->loc = ad_malloc(r * sizeof *f->loc)) == NULL ||
	    (f->cov = ad_malloc(rr * sizeof *f->cov)) == NULL ||
	    (f->ploc = ad_malloc(r * sizeof *f->ploc)) == NULL ||
	    (f->pcov = ad_malloc(rr * sizeof *f->pcov)) == NULL ||
	    (f->f = ad_malloc(rr * sizeof *f->f)) == NULL ||
	    (f->blk = ad_malloc(BLOCK * r * sizeof *f->blk)) == NULL ||
	    (f->t = ad_malloc(BLOCK * r * sizeof *f->t)) == NULL ||
	    (f->dist = ad_malloc(n * sizeof *f->dist)) == NULL ||
	    (f->tmp = ad_malloc(n * sizeof *f->tmp)) == NULL ||
	    (f->idx = ad_malloc(n * sizeof *f->idx)) == NULL ||
	    (f->pidx = ad_malloc(n * sizeof *f->pidx)) == NULL ||
	    (f->perm = ad_malloc(n * sizeof *f->perm)) == NULL ||
	    (f->map = ad_malloc(n * sizeof *f->map)) == NULL ||
	    (f->sub = ad_malloc(nr * sizeof *f->sub)) == NULL)
		return ad_error_nomem(err);
	return eig_init(&f->e, r, err);
}

/* The column means of x into mean and the eigen-decomposition of the
 * covariance of x into e; -1 if it failed. */
static int spread(const double *x, size_t n, size_t p, double *mean,
    double *cov, double *blk, struct eig *e)
{
	moments(x, p, NULL, n, mean, cov, blk);
	return eig_run(e, cov, p);
}

/* The rank r of the rows x and the rows turned onto the r directions of
 * most variance into a new f->z (n x r). */
static enum ad_status rotate(struct fit *f, const double *x, size_t n,
    size_t p, struct ad_error *err)
{
	double *mean = ad_malloc(p * sizeof *mean);
	double *cov = ad_malloc(p * p * sizeof *cov);
	double *blk = ad_malloc(BLOCK * p * sizeof *blk);
	double *basis = NULL, cut;
	struct eig e;
	size_t r = 0;
	enum ad_status st;

	memset(&e, 0, sizeof e);
	if (mean == NULL || cov == NULL || blk == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	if ((st = eig_init(&e, p, err)) != AD_OK)
		goto out;
	if (spread(x, n, p, mean, cov, blk, &e) != 0) {
		st = ad_error_set(err, AD_EDATA, "MCD: the eigen-decomposition of "
		    "the covariance failed");
		goto out;
	}
	cut = cut_of(e.val, p);
	for (size_t k = 0; k < p; k++)
		r += e.val[k] > cut && e.val[k] > 0;
	if (r == 0) {
		st = ad_error_set(err, AD_EDATA, "MCD: the training rows do not "
		    "vary");
		goto out;
	}
	f->r = r;
	f->floor = e.val[p - 1] * (double)p * DBL_EPSILON;
	if ((st = fit_init(f, n, r, err)) != AD_OK)
		goto out;
	/* the r largest eigenvectors, as rows of an r x p basis */
	if ((basis = ad_malloc(r * p * sizeof *basis)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	for (size_t k = 0; k < r; k++)
		memcpy(basis + k * p, e.vec + (p - 1 - k) * p, p * sizeof *basis);
	for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
		size_t b = n - i0 < BLOCK ? n - i0 : BLOCK;
		for (size_t i = 0; i < b; i++)
			for (size_t j = 0; j < p; j++)
				blk[i * p + j] = x[(i0 + i) * p + j] - mean[j];
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)r,
		    (int)p, 1.0, blk, (int)p, basis, (int)p, 0.0, f->z + i0 * r,
		    (int)r);
	}
out:
	eig_free(&e);
	ad_free(mean);
	ad_free(cov);
	ad_free(blk);
	ad_free(basis);
	return st;
}

static enum ad_status state_new(size_t p, struct ad_mcd **out,
    struct ad_error *err)
{
	struct ad_mcd *m = ad_calloc(1, sizeof *m);

	if (m == NULL)
		return ad_error_nomem(err);
	m->p = p;
	if ((m->loc = ad_calloc(p, sizeof *m->loc)) == NULL ||
	    (m->cov = ad_calloc(p * p, sizeof *m->cov)) == NULL ||
	    (m->wt = ad_calloc(p * p, sizeof *m->wt)) == NULL) {
		ad_mcd_free(m);
		return ad_error_nomem(err);
	}
	*out = m;
	return AD_OK;
}

void ad_mcd_free(struct ad_mcd *m)
{
	if (m == NULL)
		return;
	ad_free(m->loc);
	ad_free(m->cov);
	ad_free(m->wt);
	ad_free(m);
}

/* The scoring factor of m's covariance (the floored inverse, mcd.h);
 * AD_EDATA (what) if it has no positive eigenvalue or LAPACK fails. */
static enum ad_status derive(struct ad_mcd *m, struct ad_error *err,
    const char *name)
{
	size_t p = m->p;
	struct eig e;
	enum ad_status st;
	double cut;

	if ((st = eig_init(&e, p, err)) != AD_OK)
		return st;
	if (eig_run(&e, m->cov, p) != 0 || !(e.val[p - 1] > 0)) {
		eig_free(&e);
		return name != NULL ? ad_wire_corrupt(err, name, "MCD covariance "
		    "without a positive eigenvalue") : ad_error_set(err, AD_EDATA,
		    "MCD: the reweighted rows do not vary");
	}
	cut = cut_of(e.val, p);
	for (size_t k = 0; k < p; k++) {
		double v = e.val[k] > cut ? e.val[k] : cut, s = 1 / sqrt(v);
		for (size_t j = 0; j < p; j++)
			m->wt[k * p + j] = e.vec[k * p + j] * s;
	}
	eig_free(&e);
	return AD_OK;
}

/* Location and covariance (1/count) of the rows of x (p wide) with
 * keep[i] into m; rows (n) and blk (BLOCK x p) are scratch. */
static void reweighted(struct ad_mcd *m, const double *x, size_t n,
    const unsigned char *keep, size_t *rows, double *blk)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		if (keep[i])
			rows[c++] = i;
	moments(x, m->p, rows, c, m->loc, m->cov, blk);
	m->nrew = c;
}

/* MinCovDet's correction and reweighting of the raw estimate in f: which
 * rows keep (into keep). */
static enum ad_status correct(struct fit *f, unsigned char *keep,
    struct ad_error *err)
{
	double det, med, corr, cut;
	size_t n = f->n;

	if (factor(f, f->cov, &det) != 0)
		return ad_error_set(err, AD_EDATA, "MCD: an eigen-decomposition "
		    "failed");
	if (f->fk == 0)
		return ad_error_set(err, AD_EDATA, "MCD: the %zu rows of the raw "
		    "estimate are all one point (%zu or more of the %zu rows are "
		    "equal); raise --support-fraction", f->h, f->h, n);
	distances(f, f->z, n, f->loc);
	memcpy(f->tmp, f->dist, n * sizeof *f->dist);
	med = kth(f->tmp, n, n / 2);
	if (n % 2 == 0)
		med = (med + kth(f->tmp, n, n / 2 - 1)) / 2;
	corr = med / ad_mcd_chi2_ppf(0.5, (double)f->r);
	if (!(corr > 0) || !isfinite(corr))
		return ad_error_set(err, AD_EDATA, "MCD: more than half the rows "
		    "are at the raw location; raise --support-fraction");
	cut = ad_mcd_chi2_ppf(0.975, (double)f->r);
	for (size_t i = 0; i < n; i++)
		keep[i] = f->dist[i] / corr < cut;
	return AD_OK;
}

enum ad_status ad_mcd_fit(const struct ad_mcd_opts *o, const double *x,
    size_t n, size_t p, uint64_t seed, struct ad_mcd **out,
    struct ad_error *err)
{
	struct fit f;
	struct ad_mcd *m = NULL;
	unsigned char *keep = NULL;
	double *blk = NULL;
	enum ad_status st;

	if (n < 2 || p == 0)
		return ad_error_set(err, AD_EDATA, "MCD needs at least 2 rows");
	if (p > AD_MCD_MAX_FEATURES)
		return ad_error_set(err, AD_EDATA, "MCD takes at most %d features",
		    AD_MCD_MAX_FEATURES);
	if (!(o->support_fraction >= 0 && o->support_fraction <= 1))
		return ad_error_set(err, AD_EUSAGE, "MCD: the support fraction is "
		    "in (0, 1]");
	ad_autoenc_blas_init();
	memset(&f, 0, sizeof f);
	f.n = n;
	ad_rng_seed(&f.rng, seed, 1);
	if ((st = rotate(&f, x, n, p, err)) != AD_OK)
		goto out;
	f.h = o->support_fraction > 0 ?
	    (size_t)(o->support_fraction * (double)n) :
	    (size_t)ceil(0.5 * (double)(n + f.r + 1));
	if (f.h <= f.r || f.h > n) {
		st = ad_error_set(err, AD_EDATA, "MCD: --support-fraction %.17g "
		    "keeps %zu of the %zu rows, which span %zu dimensions: the "
		    "support must exceed them", o->support_fraction, f.h, n, f.r);
		goto out;
	}
	if (f.r == 1)
		univariate(&f);
	else if (n > SMALL_N)
		st = partitioned(&f, err);
	else
		st = small(&f, err);
	if (st != AD_OK)
		goto out;
	if ((keep = ad_malloc(n)) == NULL ||
	    (blk = ad_malloc(BLOCK * p * sizeof *blk)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	if ((st = correct(&f, keep, err)) != AD_OK ||
	    (st = state_new(p, &m, err)) != AD_OK)
		goto out;
	m->rank = f.r;
	m->h = f.h;
	reweighted(m, x, n, keep, f.idx, blk);
	st = derive(m, err, NULL);
out:
	fit_free(&f);
	ad_free(keep);
	ad_free(blk);
	if (st != AD_OK) {
		ad_mcd_free(m);
		return st;
	}
	*out = m;
	return AD_OK;
}

/* ---- accessors ---- */

size_t ad_mcd_nfeat(const struct ad_mcd *m)
{
	return m->p;
}

size_t ad_mcd_rank(const struct ad_mcd *m)
{
	return m->rank;
}

size_t ad_mcd_support(const struct ad_mcd *m)
{
	return m->h;
}

size_t ad_mcd_reweighted(const struct ad_mcd *m)
{
	return m->nrew;
}

const double *ad_mcd_location(const struct ad_mcd *m)
{
	return m->loc;
}

const double *ad_mcd_covariance(const struct ad_mcd *m)
{
	return m->cov;
}

double ad_mcd_cutoff(const struct ad_mcd *m)
{
	return ad_mcd_chi2_ppf(0.975, (double)m->rank);
}

/* ---- scoring ---- */

size_t ad_mcd_work_doubles(const struct ad_mcd *m)
{
	return 2 * m->p;
}

/* x - loc, clipped, into t; wt (x - loc) into y; returns |y|^2. */
static double project(const struct ad_mcd *m, const double *x, double *t,
    double *y)
{
	size_t p = m->p;
	double s = 0;

	for (size_t j = 0; j < p; j++) {
		double v = x[j] - m->loc[j];
		t[j] = v > CLIP ? CLIP : v < -CLIP ? -CLIP : isnan(v) ? 0 : v;
	}
	for (size_t k = 0; k < p; k++) {
		const double *w = m->wt + k * p;
		double a = 0;
		for (size_t j = 0; j < p; j++)
			a += w[j] * t[j];
		y[k] = a;
		s += a * a;
	}
	return s;
}

/* v as a finite number: NaN 0, beyond the limits the limits. */
static double finite(double v)
{
	return isnan(v) ? 0 : v > DBL_MAX ? DBL_MAX : v < -DBL_MAX ? -DBL_MAX : v;
}

void ad_mcd_score(const struct ad_mcd *m, const double *x, size_t n,
    size_t ld, double *work, double *score)
{
	for (size_t i = 0; i < n; i++)
		score[i] = finite(project(m, x + i * ld, work, work + m->p));
}

void ad_mcd_explain(const struct ad_mcd *m, const double *x, double *work,
    double *contrib)
{
	size_t p = m->p;
	double *t = work, *y = work + p;

	(void)project(m, x, t, y);
	for (size_t j = 0; j < p; j++) {
		double a = 0;
		/* (P t)_j = sum_k wt_kj y_k */
		for (size_t k = 0; k < p; k++)
			a += m->wt[k * p + j] * y[k];
		contrib[j] = finite(t[j] * a);
	}
}

/* ---- the payload ---- */

size_t ad_mcd_encoded_size(const struct ad_mcd *m)
{
	return 16 + 8 * (m->p + m->p * m->p);
}

void ad_mcd_encode(const struct ad_mcd *m, unsigned char *buf)
{
	size_t p = m->p;

	buf = ad_wire_put_u32(buf, (uint32_t)p);
	buf = ad_wire_put_u32(buf, (uint32_t)m->rank);
	buf = ad_wire_put_u32(buf, (uint32_t)m->h);
	buf = ad_wire_put_u32(buf, (uint32_t)m->nrew);
	for (size_t j = 0; j < p; j++)
		buf = ad_wire_put_f64(buf, m->loc[j]);
	for (size_t i = 0; i < p * p; i++)
		buf = ad_wire_put_f64(buf, m->cov[i]);
}

/* Whether the p x p matrix c is symmetric with a diagonal >= 0. */
static int symmetric(const double *c, size_t p)
{
	for (size_t j = 0; j < p; j++) {
		if (!(c[j * p + j] >= 0))
			return 0;
		for (size_t k = j + 1; k < p; k++)
			if (c[j * p + k] != c[k * p + j])
				return 0;
	}
	return 1;
}

enum ad_status ad_mcd_decode(const unsigned char *buf, size_t len,
    size_t nfeat, const char *name, struct ad_mcd **out,
    struct ad_error *err)
{
	struct ad_wire w = { buf, len };
	uint32_t p, rank, h, nrew;
	struct ad_mcd *m;
	enum ad_status st;

	if (ad_wire_get_u32(&w, &p) || ad_wire_get_u32(&w, &rank) ||
	    ad_wire_get_u32(&w, &h) || ad_wire_get_u32(&w, &nrew))
		return ad_wire_corrupt(err, name, "truncated MCD");
	if (p != nfeat || p == 0 || p > AD_MCD_MAX_FEATURES)
		return ad_wire_corrupt(err, name,
		    "MCD feature count is not the model's");
	if (rank < 1 || rank > p || h <= rank || nrew < 1)
		return ad_wire_corrupt(err, name, "MCD counts out of range");
	/* p <= 1024: no overflow */
	if (w.left != 8 * ((size_t)p + (size_t)p * p))
		return ad_wire_corrupt(err, name,
		    "MCD estimate does not fill the payload exactly");
	if ((st = state_new(p, &m, err)) != AD_OK)
		return st;
	m->rank = rank;
	m->h = h;
	m->nrew = nrew;
	if (ad_wire_get_finite(&w, m->loc, p) ||
	    ad_wire_get_finite(&w, m->cov, (size_t)p * p) ||
	    !symmetric(m->cov, p)) {
		ad_mcd_free(m);
		return ad_wire_corrupt(err, name, "MCD value not finite or "
		    "covariance not symmetric");
	}
	if ((st = derive(m, err, name)) != AD_OK) {
		ad_mcd_free(m);
		return st;
	}
	*out = m;
	return AD_OK;
}
