/*
 * Data traits for -a auto: see traits.h. Distinct values are counted on a
 * sorted copy of each feature, duplicates on a sorted 64-bit hash of each
 * row (a collision, about n^2 / 2^65, would only count a row twice).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "num.h"
#include "traits.h"

/* The distinct values of sorted v[0..m), counted up to cap + 1. */
static size_t distinct(const double *v, size_t m, size_t cap)
{
	size_t k = m > 0;

	for (size_t i = 1; i < m && k <= cap; i++)
		k += v[i] != v[i - 1];
	return k;
}

/* |skewness| of v[0..m), population moments as scipy.stats.skew. */
static double abs_skew(const double *v, size_t m)
{
	long double mean = 0, m2 = 0, m3 = 0;

	for (size_t i = 0; i < m; i++)
		mean += v[i];
	mean /= (long double)m;
	for (size_t i = 0; i < m; i++) {
		long double e = v[i] - mean;

		m2 += e * e;
		m3 += e * e * e;
	}
	m2 /= (long double)m;
	m3 /= (long double)m;
	return m2 > 0 ? fabs((double)(m3 / powl(m2, 1.5L))) : 0;
}

/* FNV-1a over a row's values, -0 as 0 and every NaN alike. */
static uint64_t row_hash(const double *x, size_t d)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t f = 0; f < d; f++) {
		double v = isnan(x[f]) ? NAN : x[f] == 0 ? 0 : x[f];
		unsigned char b[sizeof v];

		memcpy(b, &v, sizeof v);
		for (size_t i = 0; i < sizeof v; i++)
			h = (h ^ b[i]) * UINT64_C(1099511628211);
	}
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static double duplicates(const double *x, size_t n, size_t d, size_t ld,
    uint64_t *h)
{
	size_t dup = 0;

	for (size_t i = 0; i < n; i++)
		h[i] = row_hash(x + i * ld, d);
	qsort(h, n, sizeof *h, cmp_u64);
	for (size_t i = 1; i < n; i++)
		dup += h[i] == h[i - 1];
	return (double)dup / (double)n;
}

enum ad_status ad_traits_compute(const double *x, size_t n, size_t d,
    size_t ld, struct ad_traits *t, struct ad_error *err)
{
	double *v = ad_malloc((n ? n : 1) * sizeof *v);
	double *skews = ad_malloc((d ? d : 1) * sizeof *skews);
	uint64_t *h = ad_malloc((n ? n : 1) * sizeof *h);
	size_t missing = 0, constant = 0, categorical = 0, nskew = 0;

	memset(t, 0, sizeof *t);
	if (v == NULL || skews == NULL || h == NULL) {
		ad_free(v);
		ad_free(skews);
		ad_free(h);
		return ad_error_nomem(err);
	}
	for (size_t f = 0; f < d; f++) {
		size_t m = 0, k;

		for (size_t i = 0; i < n; i++) {
			double e = x[i * ld + f];

			if (isfinite(e))
				v[m++] = e;
			else
				missing += isnan(e) != 0;
		}
		qsort(v, m, sizeof *v, ad_num_cmp);
		k = distinct(v, m, AD_TRAITS_CATEGORICAL);
		constant += k <= 1;
		categorical += k >= 2 && k <= AD_TRAITS_CATEGORICAL;
		if (k > 1)
			skews[nskew++] = abs_skew(v, m);
	}
	qsort(skews, nskew, sizeof *skews, ad_num_cmp);
	t->rows = n;
	t->features = d;
	t->constant_share = d ? (double)constant / (double)d : 0;
	t->categorical_share = d ? (double)categorical / (double)d : 0;
	t->missing_share = n && d ? (double)missing / ((double)n * (double)d) : 0;
	t->skew = nskew == 0 ? 0 : nskew % 2 ? skews[nskew / 2] :
	    (skews[nskew / 2 - 1] + skews[nskew / 2]) / 2;
	t->duplicate_share = n ? duplicates(x, n, d, ld, h) : 0;
	ad_free(v);
	ad_free(skews);
	ad_free(h);
	return AD_OK;
}

int ad_traits_time_name(const char *name)
{
	static const char *const names[] = {
		"time", "timestamp", "date", "datetime", "ts"
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}
