/*
 * Scalers; see scale.h for the conventions, which follow scikit-learn 1.2
 * (StandardScaler, MinMaxScaler, RobustScaler) so that the numbers agree to
 * rounding.
 *
 * The mean and variance are merged block by block (Chan, Golub and LeVeque):
 * each call's values are summed about their own mean in two passes, which
 * is exact to rounding for the block, and blocks are then combined with the
 * pairwise update. This keeps one pass over the input and the accuracy of a
 * two-pass algorithm within each block.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "num.h"
#include "scale.h"

struct ad_scaler {
	enum ad_scale_method method;
	uint64_t n;          /* values added, NaN not counted */
	double mean, m2;     /* standard: mean and sum of squared deviations */
	double sum, comp;    /* standard: the values' sum, Neumaier-compensated */
	double min, max;     /* minmax */
	double *vals;        /* robust: every value added */
	size_t cap;
};

/* Values merged at a time: the chunk stays in the L1 cache. */
enum { CHUNK = 2048 };

/* Below this a range or IQR counts as zero (sklearn's
 * _handle_zeros_in_scale). */
#define ZERO_SCALE (10 * DBL_EPSILON)

const char *ad_scale_name(enum ad_scale_method m)
{
	switch (m) {
	case AD_SCALE_STANDARD: return "standard";
	case AD_SCALE_MINMAX: return "minmax";
	case AD_SCALE_ROBUST: return "robust";
	case AD_SCALE_NONE: break;
	}
	return "none";
}

int ad_scale_parse(const char *name, enum ad_scale_method *m)
{
	static const enum ad_scale_method all[] = { AD_SCALE_NONE,
	    AD_SCALE_STANDARD, AD_SCALE_MINMAX, AD_SCALE_ROBUST };

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strcmp(name, ad_scale_name(all[i])) == 0) {
			*m = all[i];
			return 0;
		}
	return -1;
}

const char *ad_scale_check(const struct ad_scale *s)
{
	if (s->method == AD_SCALE_NONE || (isnan(s->p1) && isnan(s->p2)))
		return NULL;
	if (!isfinite(s->p1) || !isfinite(s->p2))
		return "scale parameters must be finite numbers (or both nan)";
	if (s->method == AD_SCALE_MINMAX)
		return s->p1 <= s->p2 ? NULL : "minmax: min is above max";
	return s->p2 > 0 ? NULL : "the scale must be above 0";
}

void ad_scale_prepare(struct ad_scale *s)
{
	double range;

	switch (s->method) {
	case AD_SCALE_MINMAX:
		range = s->p2 - s->p1;
		if (range < ZERO_SCALE)
			range = 1;
		s->a = 1.0 / range;
		s->b = 0.0 - s->p1 * s->a;
		break;
	case AD_SCALE_STANDARD:
	case AD_SCALE_ROBUST:
		s->a = s->p1;
		s->b = s->p2;
		break;
	case AD_SCALE_NONE:
		s->a = 0;
		s->b = 1;
		break;
	}
}

void ad_scale_apply(const struct ad_scale *s, double *x, size_t n,
    size_t stride)
{
	for (size_t i = 0; i < n; i++)
		x[i * stride] = ad_scale_one(s, x[i * stride]);
}

/* Rows of at most this many columns may be scaled as one flat run. */
enum { FLAT_COLS = 256 };

/* Scales x[0..n), row after row of ncols values all scaled by division
 * (standard, robust), as one flat run: eight values at a time, which
 * vectorizes, each with its column's parameters from a copy that wraps
 * around past the last column. */
static void divide_flat(const struct ad_scale *s, size_t ncols, double *x,
    size_t n)
{
	double a[FLAT_COLS + 8], b[FLAT_COLS + 8];
	size_t j = 0, o = 0;

	for (size_t t = 0; t < ncols + 8; t++) {
		a[t] = s[t % ncols].a;
		b[t] = s[t % ncols].b;
	}
	for (; j + 8 <= n; j += 8) {
		for (int t = 0; t < 8; t++)
			x[j + t] = (x[j + t] - a[o + t]) / b[o + t];
		for (o += 8; o >= ncols; o -= ncols)
			;
	}
	for (; j < n; j++, o++)
		x[j] = (x[j] - a[o]) / b[o];
}

void ad_scale_apply_rows(const struct ad_scale *s, const size_t *col,
    size_t ns, double *x, size_t nrows, size_t stride)
{
	int divide = 1, flat = ns == stride && ns > 0 && ns <= FLAT_COLS;

	for (size_t k = 0; k < ns; k++) {
		divide &= s[k].method == AD_SCALE_STANDARD ||
		    s[k].method == AD_SCALE_ROBUST;
		flat &= col[k] == k;
	}
	if (divide && flat) {
		divide_flat(s, ns, x, nrows * ns);
		return;
	}
	for (size_t i = 0; i < nrows; i++) {
		double *row = x + i * stride;

		/* the usual case without the per-value switch */
		if (divide)
			for (size_t k = 0; k < ns; k++)
				row[col[k]] = (row[col[k]] - s[k].a) / s[k].b;
		else
			for (size_t k = 0; k < ns; k++)
				row[col[k]] = ad_scale_one(&s[k], row[col[k]]);
	}
}

enum ad_status ad_scaler_new(struct ad_scaler **out, enum ad_scale_method m,
    struct ad_error *err)
{
	struct ad_scaler *sc = ad_calloc(1, sizeof *sc);

	if (sc == NULL)
		return ad_error_nomem(err);
	sc->method = m;
	*out = sc;
	return AD_OK;
}

void ad_scaler_free(struct ad_scaler *sc)
{
	if (sc == NULL)
		return;
	ad_free(sc->vals);
	ad_free(sc);
}

uint64_t ad_scaler_count(const struct ad_scaler *sc)
{
	return sc->n;
}

/* Adds v to the sum *s, keeping in *c the low-order bits it loses. */
static void neumaier(double *s, double *c, double v)
{
	double t = *s + v;

	if (fabs(*s) >= fabs(v))
		*c += (*s - t) + v;
	else
		*c += (v - t) + *s;
	*s = t;
}

/* numpy's pairwise summation: eight running sums over runs of up to 128
 * values, halves added recursively above that. Its error grows with
 * log n rather than n, and the eight independent sums vectorize. They are
 * eight variables rather than an array, which the compiler would keep in
 * memory, every addition waiting on the store before it. */
static double pairwise(const double *v, size_t n)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
	double t;
	size_t i;

	if (n > 128) {
		size_t h = n / 2;
		h -= h % 8;
		return pairwise(v, h) + pairwise(v + h, n - h);
	}
	for (i = 0; i + 8 <= n; i += 8) {
		s0 += v[i];
		s1 += v[i + 1];
		s2 += v[i + 2];
		s3 += v[i + 3];
		s4 += v[i + 4];
		s5 += v[i + 5];
		s6 += v[i + 6];
		s7 += v[i + 7];
	}
	t = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
	for (; i < n; i++)
		t += v[i];
	return t;
}

/* One lane of pairwise_dev: x's deviation from c added to *s, its square
 * to *q. */
static inline void dev_lane(double *s, double *q, double x, double c)
{
	double d = x - c;

	*s += d;
	*q += d * d;
}

/* The sums of v[i] - c and of its squares, pairwise as above. */
static void pairwise_dev(const double *v, size_t n, double c, double *dev,
    double *sq)
{
	double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
	double q0 = 0, q1 = 0, q2 = 0, q3 = 0, q4 = 0, q5 = 0, q6 = 0, q7 = 0;
	size_t i;

	if (n > 128) {
		size_t h = n / 2;
		double dh, qh;
		h -= h % 8;
		pairwise_dev(v, h, c, dev, sq);
		pairwise_dev(v + h, n - h, c, &dh, &qh);
		*dev += dh;
		*sq += qh;
		return;
	}
	for (i = 0; i + 8 <= n; i += 8) {
		dev_lane(&a0, &q0, v[i], c);
		dev_lane(&a1, &q1, v[i + 1], c);
		dev_lane(&a2, &q2, v[i + 2], c);
		dev_lane(&a3, &q3, v[i + 3], c);
		dev_lane(&a4, &q4, v[i + 4], c);
		dev_lane(&a5, &q5, v[i + 5], c);
		dev_lane(&a6, &q6, v[i + 6], c);
		dev_lane(&a7, &q7, v[i + 7], c);
	}
	*dev = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
	*sq = ((q0 + q1) + (q2 + q3)) + ((q4 + q5) + (q6 + q7));
	for (; i < n; i++) {
		double d = v[i] - c;
		*dev += d;
		*sq += d * d;
	}
}

/* Merges the count, mean and squared deviations of v[0..n) (no NaN) into
 * sc: two passes over the chunk, with the correction of the second for the
 * rounding of the first, then Chan's pairwise update. */
static void merge_chunk(struct ad_scaler *sc, const double *v, size_t n,
    double sum)
{
	double nb = (double)n, mean = sum / nb, dev, sq, na, delta;

	pairwise_dev(v, n, mean, &dev, &sq);
	sq -= dev * dev / nb;
	mean += dev / nb;
	na = (double)sc->n;
	delta = mean - sc->mean;
	sc->n += n;
	sc->m2 += sq + delta * delta * (na * nb / (double)sc->n);
	/* the running mean comes from a compensated sum of the chunks' sums,
	 * so its error does not grow with the number of chunks */
	neumaier(&sc->sum, &sc->comp, mean * nb);
	sc->mean = (sc->sum + sc->comp) / (double)sc->n;
}

/* Merges the values in chunks: contiguous ones as they lie unless their
 * sum shows a NaN among them, others gathered first, NaN left out. (A sum
 * of finite values that overflowed both ways is NaN too; gathering then
 * finds every value and merges the same chunk.) */
static void add_moments(struct ad_scaler *sc, const double *x, size_t n,
    size_t stride)
{
	double buf[CHUNK];

	for (size_t i = 0; i < n; i += CHUNK) {
		size_t len = n - i < CHUNK ? n - i : CHUNK, k = 0;
		double sum = stride == 1 ? pairwise(x + i, len) : NAN;

		if (!isnan(sum)) {
			merge_chunk(sc, x + i, len, sum);
			continue;
		}
		for (size_t j = i; j < i + len; j++)
			if (x[j * stride] == x[j * stride])
				buf[k++] = x[j * stride];
		if (k > 0)
			merge_chunk(sc, buf, k, pairwise(buf, k));
	}
}

static void add_range(struct ad_scaler *sc, const double *x, size_t n,
    size_t stride)
{
	for (size_t i = 0; i < n; i++) {
		double v = x[i * stride];
		if (v != v)
			continue;
		if (sc->n == 0 || v < sc->min)
			sc->min = v;
		if (sc->n == 0 || v > sc->max)
			sc->max = v;
		sc->n++;
	}
}

static enum ad_status add_values(struct ad_scaler *sc, const double *x,
    size_t n, size_t stride, struct ad_error *err)
{
	double *v = ad_grow(sc->vals, &sc->cap, (size_t)sc->n + n, sizeof *v);

	if (v == NULL)
		return ad_error_nomem(err);
	sc->vals = v;
	for (size_t i = 0; i < n; i++)
		if (x[i * stride] == x[i * stride])
			v[sc->n++] = x[i * stride];
	return AD_OK;
}

enum ad_status ad_scaler_add(struct ad_scaler *sc, const double *x, size_t n,
    size_t stride, struct ad_error *err)
{
	switch (sc->method) {
	case AD_SCALE_STANDARD:
		add_moments(sc, x, n, stride);
		break;
	case AD_SCALE_MINMAX:
		add_range(sc, x, n, stride);
		break;
	case AD_SCALE_ROBUST:
		return add_values(sc, x, n, stride, err);
	case AD_SCALE_NONE:
		break;
	}
	return AD_OK;
}

/* ---- order statistics for robust ---- */

/* Hoare's partition of v[lo..hi] about the median of three; returns p with
 * v[lo..p] <= pivot <= v[p+1..hi], both parts non-empty. */
static ptrdiff_t partition(double *v, ptrdiff_t lo, ptrdiff_t hi)
{
	ptrdiff_t mid = lo + (hi - lo) / 2, i = lo - 1, j = hi + 1;
	double t, pivot;

	if (v[mid] < v[lo]) { t = v[mid]; v[mid] = v[lo]; v[lo] = t; }
	if (v[hi] < v[lo]) { t = v[hi]; v[hi] = v[lo]; v[lo] = t; }
	if (v[hi] < v[mid]) { t = v[hi]; v[hi] = v[mid]; v[mid] = t; }
	pivot = v[mid];
	for (;;) {
		do i++; while (v[i] < pivot);
		do j--; while (v[j] > pivot);
		if (i >= j)
			return j;
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

/* Moves the k-th smallest of v[lo..hi] to v[k], with no larger value
 * before it and no smaller one after it. Quickselect, falling back to a
 * sort when partitions keep coming out lopsided, so it is O(n log n) at
 * worst and O(n) as a rule. */
static void select_kth(double *v, ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t k)
{
	int budget = 2;

	for (ptrdiff_t n = hi - lo + 1; n > 1; n >>= 1)
		budget += 2;
	while (hi - lo > 16) {
		ptrdiff_t p;

		if (budget-- == 0) {
			qsort(v + lo, (size_t)(hi - lo + 1), sizeof *v,
			    ad_num_cmp);
			return;
		}
		p = partition(v, lo, hi);
		if (k <= p)
			hi = p;
		else
			lo = p + 1;
	}
	qsort(v + lo, (size_t)(hi - lo + 1), sizeof *v, ad_num_cmp);
}

/* numpy's linear interpolation between a and b at t in [0, 1]. */
static double lerp(double a, double b, double t)
{
	double d = b - a;

	return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/* Order statistics of v[0..n) at the ascending, distinct indexes k[]. */
static void order_stats(double *v, size_t n, const size_t *k, size_t nk,
    double *out)
{
	ptrdiff_t lo = 0;

	for (size_t i = 0; i < nk; i++) {
		select_kth(v, lo, (ptrdiff_t)n - 1, (ptrdiff_t)k[i]);
		out[i] = v[k[i]];
		lo = (ptrdiff_t)k[i] + 1;
	}
}

/* Adds index x to the ascending distinct list k[0..*nk). */
static void want_index(size_t *k, size_t *nk, size_t x)
{
	size_t i = 0;

	while (i < *nk && k[i] < x)
		i++;
	if (i < *nk && k[i] == x)
		return;
	memmove(k + i + 1, k + i, (*nk - i) * sizeof *k);
	k[i] = x;
	(*nk)++;
}

static double stat_at(const size_t *k, const double *val, size_t nk, size_t x)
{
	for (size_t i = 0; i < nk; i++)
		if (k[i] == x)
			return val[i];
	return NAN;
}

/* numpy.percentile(v, 100 q), method "linear": the order statistics at
 * floor((n - 1) q) and the next, interpolated. */
static double quantile(const size_t *k, const double *val, size_t nk,
    size_t n, double q)
{
	double vi = (double)(n - 1) * q, prev = floor(vi);
	size_t i = (size_t)prev, j = i + 1 < n ? i + 1 : n - 1;

	return lerp(stat_at(k, val, nk, i), stat_at(k, val, nk, j), vi - prev);
}

static void fit_robust(struct ad_scaler *sc, struct ad_scale *s, int *constant)
{
	size_t n = (size_t)sc->n, k[6], nk = 0;
	double val[6], lo, hi, q25, q75;

	want_index(k, &nk, (n - 1) / 2);
	want_index(k, &nk, n / 2);
	for (int q = 1; q <= 3; q += 2) {
		size_t i = (size_t)floor((double)(n - 1) * (q / 4.0));
		want_index(k, &nk, i);
		want_index(k, &nk, i + 1 < n ? i + 1 : n - 1);
	}
	order_stats(sc->vals, n, k, nk, val);
	lo = stat_at(k, val, nk, (n - 1) / 2);
	hi = stat_at(k, val, nk, n / 2);
	/* numpy's median is the mean of the middle two; halve first only when
	 * their sum would overflow */
	s->p1 = n % 2 ? hi : isfinite(lo + hi) ? (lo + hi) / 2 : lo / 2 + hi / 2;
	q25 = quantile(k, val, nk, n, 0.25);
	q75 = quantile(k, val, nk, n, 0.75);
	s->p2 = q75 - q25;
	if (s->p2 < ZERO_SCALE) {
		*constant = 1;
		s->p2 = 1;
	}
}

enum ad_status ad_scaler_fit(struct ad_scaler *sc, struct ad_scale *s,
    int *constant, struct ad_error *err)
{
	double var, n = (double)sc->n;

	s->method = sc->method;
	*constant = 0;
	if (sc->n == 0) {
		s->p1 = s->p2 = NAN;
		ad_scale_prepare(s);
		return AD_OK;
	}
	switch (sc->method) {
	case AD_SCALE_STANDARD:
		var = sc->m2 > 0 ? sc->m2 / n : 0;
		s->p1 = sc->mean;
		/* sklearn's _is_constant_feature: the variance a two-pass
		 * algorithm could have made of a constant column */
		if (var <= n * DBL_EPSILON * var +
		    (n * sc->mean * DBL_EPSILON) * (n * sc->mean * DBL_EPSILON)) {
			*constant = 1;
			s->p2 = 1;
		} else
			s->p2 = sqrt(var);
		break;
	case AD_SCALE_MINMAX:
		s->p1 = sc->min;
		s->p2 = sc->max;
		*constant = !(sc->max - sc->min >= ZERO_SCALE);
		break;
	case AD_SCALE_ROBUST:
		fit_robust(sc, s, constant);
		break;
	case AD_SCALE_NONE:
		break;
	}
	if (!isfinite(s->p1) || !isfinite(s->p2))
		return ad_error_set(err, AD_EDATA, "values too large to scale "
		    "(their %s overflows)", sc->method == AD_SCALE_MINMAX ?
		    "range" : sc->method == AD_SCALE_ROBUST ? "spread" : "sum");
	ad_scale_prepare(s);
	return AD_OK;
}
