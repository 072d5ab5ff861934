/* lib/scale: fitting and applying, constant and empty columns, NaN,
 * accuracy, and the order statistics behind robust scaling. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scale.h"

#include "check.h"

/* Fits method on x[0..n) added in chunks of chunk values. */
static enum ad_status fit(enum ad_scale_method m, const double *x, size_t n,
    size_t chunk, struct ad_scale *s, int *constant)
{
	struct ad_scaler *sc = NULL;
	struct ad_error err;
	enum ad_status st = ad_scaler_new(&sc, m, &err);

	for (size_t i = 0; st == AD_OK && i < n; i += chunk)
		st = ad_scaler_add(sc, x + i, n - i < chunk ? n - i : chunk, 1,
		    &err);
	if (st == AD_OK)
		st = ad_scaler_fit(sc, s, constant, &err);
	ad_scaler_free(sc);
	return st;
}

static int close_to(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) || a == b;
}

static void test_names(void)
{
	enum ad_scale_method m = AD_SCALE_NONE;

	for (int i = AD_SCALE_NONE; i <= AD_SCALE_ROBUST; i++) {
		CHECK(ad_scale_parse(ad_scale_name((enum ad_scale_method)i), &m) == 0);
		CHECK(m == (enum ad_scale_method)i);
	}
	CHECK(ad_scale_parse("Standard", &m) == -1);
	CHECK(ad_scale_parse("", &m) == -1);
}

static void test_standard(void)
{
	double x[] = { 1, NAN, 2, 3, 4 }, y[5];
	struct ad_scale s;
	int c;

	CHECK(fit(AD_SCALE_STANDARD, x, 5, 5, &s, &c) == AD_OK);
	CHECK(s.p1 == 2.5 && s.p2 == sqrt(1.25) && !c);
	memcpy(y, x, sizeof y);
	ad_scale_apply(&s, y, 5, 1);
	CHECK(y[0] == (1 - 2.5) / sqrt(1.25) && isnan(y[1]));
	CHECK(y[4] == (4 - 2.5) / sqrt(1.25));
	/* strided: every other value of an interleaved pair */
	double xy[] = { 1, 10, 2, 20, 3, 30 };
	struct ad_scaler *sc;
	struct ad_error err;
	CHECK(ad_scaler_new(&sc, AD_SCALE_STANDARD, &err) == AD_OK);
	CHECK(ad_scaler_add(sc, xy + 1, 3, 2, &err) == AD_OK);
	CHECK(ad_scaler_count(sc) == 3);
	CHECK(ad_scaler_fit(sc, &s, &c, &err) == AD_OK);
	CHECK(s.p1 == 20 && close_to(s.p2, sqrt(200.0 / 3), 1e-15));
	ad_scale_apply(&s, xy + 1, 3, 2);
	CHECK(xy[0] == 1 && xy[2] == 2 && xy[3] == 0);
	ad_scaler_free(sc);
}

static void test_constant_columns(void)
{
	double k[7], y;
	struct ad_scale s;
	int c;

	for (int i = 0; i < 7; i++)
		k[i] = 0.1;             /* its sum is not exactly 0.7 */
	for (int m = AD_SCALE_STANDARD; m <= AD_SCALE_ROBUST; m++) {
		CHECK(fit((enum ad_scale_method)m, k, 7, 3, &s, &c) == AD_OK);
		CHECK(c == 1);
		y = 0.1;
		ad_scale_apply(&s, &y, 1, 1);
		CHECK(fabs(y) < 1e-15);  /* centred, never divided by ~0 */
		y = 1.1;                 /* a new value keeps its distance */
		ad_scale_apply(&s, &y, 1, 1);
		CHECK(close_to(y, 1.0, 1e-14));
	}
	/* one value is a constant column too */
	CHECK(fit(AD_SCALE_STANDARD, k, 1, 1, &s, &c) == AD_OK && c && s.p2 == 1);
	CHECK(fit(AD_SCALE_ROBUST, k, 1, 1, &s, &c) == AD_OK && c && s.p1 == 0.1);
	/* a spread just above sklearn's threshold is kept */
	double tiny[] = { 0, 3e-15 };
	CHECK(fit(AD_SCALE_MINMAX, tiny, 2, 2, &s, &c) == AD_OK && !c);
	CHECK(s.a == 1 / 3e-15);
	double tinier[] = { 0, 2e-15 };
	CHECK(fit(AD_SCALE_MINMAX, tinier, 2, 2, &s, &c) == AD_OK && c);
	CHECK(s.a == 1 && s.b == 0);
}

static void test_empty_column(void)
{
	double x[] = { NAN, NAN }, y = 5;
	struct ad_scale s;
	int c;

	for (int m = AD_SCALE_STANDARD; m <= AD_SCALE_ROBUST; m++) {
		CHECK(fit((enum ad_scale_method)m, x, 2, 2, &s, &c) == AD_OK);
		CHECK(isnan(s.p1) && isnan(s.p2) && !c);
		CHECK(ad_scale_check(&s) == NULL);
		y = 5;
		ad_scale_apply(&s, &y, 1, 1);
		CHECK(isnan(y));
	}
	CHECK(fit(AD_SCALE_STANDARD, x, 0, 1, &s, &c) == AD_OK && isnan(s.p1));
}

static void test_minmax(void)
{
	double x[] = { 6, 2, NAN, 4 };
	struct ad_scale s;
	int c;

	CHECK(fit(AD_SCALE_MINMAX, x, 4, 1, &s, &c) == AD_OK);
	CHECK(s.p1 == 2 && s.p2 == 6 && !c);
	ad_scale_apply(&s, x, 4, 1);
	CHECK(x[0] == 1 && x[1] == 0 && isnan(x[2]) && x[3] == 0.5);
	/* sklearn's arithmetic, not a division: x * (1 / range) + m */
	double v[] = { 0, 3, 1 };
	CHECK(fit(AD_SCALE_MINMAX, v, 3, 3, &s, &c) == AD_OK);
	ad_scale_apply(&s, v + 2, 1, 1);
	CHECK(v[2] == 1 * (1.0 / 3) + 0.0);
}

/* The quantile of sorted a[0..n) at q, numpy's "linear" method. */
static double ref_quantile(const double *a, size_t n, double q)
{
	double vi = (double)(n - 1) * q, lo = floor(vi), t = vi - lo;
	size_t i = (size_t)lo, j = i + 1 < n ? i + 1 : n - 1;
	double d = a[j] - a[i];

	return t >= 0.5 ? a[j] - d * (1 - t) : a[i] + d * t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void test_robust_against_sorting(void)
{
	static double x[5000], sorted[5000];
	struct ad_scale s;
	unsigned seed = 12345;
	int bad = 0, c;

	for (size_t n = 1; n <= 5000; n = n < 40 ? n + 1 : n * 3 / 2) {
		for (int pattern = 0; pattern < 4; pattern++) {
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245 + 12345;
				switch (pattern) {
				case 0: x[i] = (double)(seed >> 8) / 1e4; break;
				case 1: x[i] = (double)((seed >> 16) % 5); break; /* ties */
				case 2: x[i] = (double)i; break;                  /* sorted */
				default: x[i] = (double)(n - i) * 0.5; break;     /* reversed */
				}
			}
			memcpy(sorted, x, n * sizeof *x);
			qsort(sorted, n, sizeof *sorted, cmp);
			if (fit(AD_SCALE_ROBUST, x, n, 1000, &s, &c) != AD_OK) {
				bad++;
				continue;
			}
			double med = n % 2 ? sorted[n / 2] :
			    (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
			double iqr = ref_quantile(sorted, n, 0.75) -
			    ref_quantile(sorted, n, 0.25);
			if (s.p1 != med || s.p2 != (iqr < 10 * DBL_EPSILON ? 1 : iqr)) {
				bad++;
				fprintf(stderr, "robust n=%zu pattern %d: %.17g %.17g "
				    "want %.17g %.17g\n", n, pattern, s.p1, s.p2, med, iqr);
			}
		}
	}
	CHECK(bad == 0);
	/* NaN is skipped: the median of 1, 2, 3 */
	double y[] = { NAN, 3, 1, NAN, 2 };
	CHECK(fit(AD_SCALE_ROBUST, y, 5, 2, &s, &c) == AD_OK);
	CHECK(s.p1 == 2 && s.p2 == 1);
}

/* Data far from zero with a small spread: the one-pass merge keeps the
 * accuracy of two passes. */
static void test_accuracy(void)
{
	enum { N = 100000 };
	static double x[N];
	long double sum = 0, sq = 0, mean;
	struct ad_scale s;
	unsigned seed = 7;
	int c;

	for (size_t i = 0; i < N; i++) {
		seed = seed * 1103515245 + 12345;
		x[i] = 1e9 + (double)(seed >> 8) / (1 << 24);
		sum += x[i];
	}
	mean = sum / N;
	for (size_t i = 0; i < N; i++)
		sq += (x[i] - mean) * (x[i] - mean);
	/* whatever the chunking, the mean is within an ulp or two and the
	 * deviation within what the data's conditioning (mean / std about
	 * 3e9) allows */
	for (size_t chunk = 1; chunk <= 4096; chunk *= 4) {
		CHECK(fit(AD_SCALE_STANDARD, x, N, chunk, &s, &c) == AD_OK);
		CHECK(close_to(s.p1, (double)mean, 3e-16));
		CHECK(close_to(s.p2, sqrt((double)(sq / N)), 2e-9));
	}
	/* well-conditioned data is exact to a few ulps */
	sum = sq = 0;
	for (size_t i = 0; i < N; i++) {
		x[i] = sin((double)i) * 100 + 3;
		sum += x[i];
	}
	mean = sum / N;
	for (size_t i = 0; i < N; i++)
		sq += (x[i] - mean) * (x[i] - mean);
	for (size_t chunk = 1; chunk <= 4096; chunk *= 4) {
		CHECK(fit(AD_SCALE_STANDARD, x, N, chunk, &s, &c) == AD_OK);
		CHECK(close_to(s.p1, (double)mean, 1e-14));
		CHECK(close_to(s.p2, sqrt((double)(sq / N)), 1e-14));
	}
}

static void test_overflow_and_checks(void)
{
	double big[] = { DBL_MAX, DBL_MAX, -DBL_MAX };
	struct ad_scale s;
	int c;

	CHECK(fit(AD_SCALE_STANDARD, big, 3, 3, &s, &c) == AD_EDATA);
	CHECK(fit(AD_SCALE_ROBUST, big, 3, 3, &s, &c) == AD_EDATA);
	CHECK(fit(AD_SCALE_MINMAX, big, 3, 3, &s, &c) == AD_OK);

	struct ad_scale k = { AD_SCALE_STANDARD, 1, 2, 0, 0 };
	CHECK(ad_scale_check(&k) == NULL);
	k.p2 = 0;
	CHECK(ad_scale_check(&k) != NULL);
	k.p2 = -1;
	CHECK(ad_scale_check(&k) != NULL);
	k.p2 = INFINITY;
	CHECK(ad_scale_check(&k) != NULL);
	k.p2 = NAN;
	CHECK(ad_scale_check(&k) != NULL);   /* only both NaN is allowed */
	k.p1 = NAN;
	CHECK(ad_scale_check(&k) == NULL);
	struct ad_scale mm = { AD_SCALE_MINMAX, 3, 2, 0, 0 };
	CHECK(ad_scale_check(&mm) != NULL);
	mm.p2 = 3;
	CHECK(ad_scale_check(&mm) == NULL);
	ad_scale_prepare(&mm);
	double v = 3;
	ad_scale_apply(&mm, &v, 1, 1);
	CHECK(v == 0);
}

/* A NaN in a chunk (of up to 2048 values) is noticed from the chunk's
 * sum: the fit equals, bit for bit, the fit of the same values without the
 * NaN, wherever it lies; and a chunk whose sum overflows both ways (NaN
 * too, with no NaN among the values) still fails as too large. */
static void test_nan_anywhere_in_a_chunk(void)
{
	enum { N = 2000 };
	static double x[N], y[N + 1];
	struct ad_scale want, got;
	int c;

	for (size_t i = 0; i < N; i++)
		x[i] = sin((double)i) * 1000 + (double)(i % 7);
	CHECK(fit(AD_SCALE_STANDARD, x, N, N, &want, &c) == AD_OK);
	for (size_t at = 0; at <= N; at += 125) {
		size_t k = 0;
		for (size_t i = 0; i < N; i++) {
			if (i == at)
				y[k++] = NAN;
			y[k++] = x[i];
		}
		if (at == N)
			y[k++] = NAN;
		CHECK(fit(AD_SCALE_STANDARD, y, k, k, &got, &c) == AD_OK);
		CHECK(memcmp(&got.p1, &want.p1, sizeof got.p1) == 0);
		CHECK(memcmp(&got.p2, &want.p2, sizeof got.p2) == 0);
	}
	double both[16];
	for (size_t i = 0; i < 16; i++)
		both[i] = i % 8 < 4 ? DBL_MAX : -DBL_MAX;
	CHECK(fit(AD_SCALE_STANDARD, both, 16, 16, &got, &c) == AD_EDATA);
}

/* ad_scale_apply_rows scales the chosen values of each row exactly as
 * ad_scale_one does, for every method, and leaves the others alone. */
static void test_apply_rows(void)
{
	enum { ROWS = 5, STRIDE = 6 };
	struct ad_scale s[4] = {
		{ AD_SCALE_STANDARD, 2.5, 3, 0, 0 },
		{ AD_SCALE_ROBUST, -1, 0.25, 0, 0 },
		{ AD_SCALE_MINMAX, -3, 7, 0, 0 },
		{ AD_SCALE_NONE, 0, 0, 0, 0 },
	};
	size_t col[4] = { 4, 0, 2, 5 };
	double x[ROWS * STRIDE], orig[ROWS * STRIDE];
	int same = 1;

	for (size_t k = 0; k < 4; k++)
		ad_scale_prepare(&s[k]);
	for (size_t i = 0; i < ROWS * STRIDE; i++)
		orig[i] = i % 5 == 3 ? NAN : (double)i * 0.37 - 4;
	/* all four methods, then only the dividing ones (its own path) */
	for (size_t ns = 4; ns >= 2; ns -= 2) {
		memcpy(x, orig, sizeof x);
		ad_scale_apply_rows(s, col, ns, x, ROWS, STRIDE);
		for (size_t r = 0; r < ROWS; r++)
			for (size_t c = 0; c < STRIDE; c++) {
				double want = orig[r * STRIDE + c], got = x[r * STRIDE + c];
				for (size_t k = 0; k < ns; k++)
					if (col[k] == c)
						want = ad_scale_one(&s[k], want);
				same &= memcmp(&want, &got, sizeof want) == 0;
			}
	}
	CHECK(same);
}

int main(void)
{
	test_names();
	test_standard();
	test_constant_columns();
	test_empty_column();
	test_minmax();
	test_robust_against_sorting();
	test_accuracy();
	test_overflow_and_checks();
	test_nan_anywhere_in_a_chunk();
	test_apply_rows();
	return CHECK_DONE("test_scale");
}
