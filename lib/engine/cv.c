/*
 * Stratified k-fold split and ROC-AUC: see cv.h.
 */
#include <math.h>
#include <stdlib.h>

#include "alloc.h"
#include "cv.h"
#include "rng.h"

/* Deals the rows of class c, shuffled by rng, to folds k apart, starting
 * where the last class's deal ended so fold sizes stay even. */
static size_t deal(const unsigned char *label, size_t n, unsigned char c,
    size_t k, size_t start, struct ad_rng *rng, size_t *idx, size_t *fold)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (label[i] == c)
			idx[m++] = i;
	for (size_t i = m; i > 1; i--) {
		size_t j = (size_t)ad_rng_below(rng, i);
		size_t t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
	for (size_t i = 0; i < m; i++)
		fold[idx[i]] = (start + i) % k;
	return (start + m) % k;
}

enum ad_status ad_cv_folds(const unsigned char *label, size_t n, size_t k,
    uint64_t seed, size_t *fold, struct ad_error *err)
{
	size_t pos = 0, start;
	size_t *idx;
	struct ad_rng rng;

	for (size_t i = 0; i < n; i++)
		pos += label[i] != 0;
	if (k < 2 || k > pos || k > n - pos)
		return ad_error_set(err, AD_EUSAGE, "%zu folds need at least %zu "
		    "rows of each class, not %zu anomalies and %zu normal rows",
		    k, k < 2 ? (size_t)2 : k, pos, n - pos);
	if ((idx = ad_malloc(n * sizeof *idx)) == NULL)
		return ad_error_nomem(err);
	ad_rng_seed(&rng, seed, 0);
	start = deal(label, n, 1, k, 0, &rng, idx, fold);
	(void)deal(label, n, 0, k, start, &rng, idx, fold);
	ad_free(idx);
	return AD_OK;
}

struct scored {
	double s;
	unsigned char y;
};

static int by_score(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;

	return (x > y) - (x < y);
}

enum ad_status ad_cv_auc(const double *s, const unsigned char *y, size_t n,
    double *auc, struct ad_error *err)
{
	struct scored *v = ad_malloc((n ? n : 1) * sizeof *v);
	double ranks = 0, pos = 0;

	if (v == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < n; i++) {
		/* a NaN score ranks lowest: nothing anomalous was seen */
		v[i].s = isnan(s[i]) ? -INFINITY : s[i];
		v[i].y = y[i] != 0;
		pos += v[i].y;
	}
	qsort(v, n, sizeof *v, by_score);
	for (size_t i = 0; i < n;) {
		size_t j = i, p = 0;

		while (j < n && v[j].s == v[i].s)
			p += v[j++].y;
		/* ranks i+1..j share their mean */
		ranks += (double)p * ((double)i + (double)j + 1) / 2;
		i = j;
	}
	ad_free(v);
	*auc = pos == 0 || pos == (double)n ? NAN :
	    (ranks - pos * (pos + 1) / 2) / (pos * ((double)n - pos));
	return AD_OK;
}
