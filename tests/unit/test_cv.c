/*
 * Tests for lib/engine/cv: the stratified split (each class dealt evenly,
 * the same for a seed, another for another seed, the bounds on k) and the
 * ROC-AUC against scikit-learn's roc_auc_score, ties included.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "cv.h"

#include "check.h"

static void test_folds_stratified(void)
{
	unsigned char y[103];
	size_t fold[103], again[103], other[103];
	size_t pos[5] = { 0 }, all[5] = { 0 };
	struct ad_error err;

	for (size_t i = 0; i < 103; i++)
		y[i] = i % 10 == 3;   /* 10 anomalies, 93 normal rows */
	CHECK(ad_cv_folds(y, 103, 5, 7, fold, &err) == AD_OK);
	for (size_t i = 0; i < 103; i++) {
		CHECK(fold[i] < 5);
		all[fold[i]]++;
		pos[fold[i]] += y[i];
	}
	for (size_t f = 0; f < 5; f++) {
		CHECK(pos[f] == 2);               /* 10 anomalies over 5 folds */
		CHECK(all[f] == 20 || all[f] == 21);
	}
	CHECK(ad_cv_folds(y, 103, 5, 7, again, &err) == AD_OK);
	CHECK(memcmp(fold, again, sizeof fold) == 0);
	CHECK(ad_cv_folds(y, 103, 5, 8, other, &err) == AD_OK);
	CHECK(memcmp(fold, other, sizeof fold) != 0);
}

static void test_folds_bounds(void)
{
	unsigned char y[6] = { 1, 0, 1, 0, 0, 0 };
	size_t fold[6];
	struct ad_error err;

	CHECK(ad_cv_folds(y, 6, 2, 1, fold, &err) == AD_OK);
	CHECK(ad_cv_folds(y, 6, 3, 1, fold, &err) == AD_EUSAGE);
	CHECK(ad_cv_folds(y, 6, 1, 1, fold, &err) == AD_EUSAGE);
	memset(y, 0, sizeof y);
	CHECK(ad_cv_folds(y, 6, 2, 1, fold, &err) == AD_EUSAGE);
}

static void test_auc(void)
{
	/* sklearn.metrics.roc_auc_score([0,0,1,1,0,1], [.1,.4,.35,.8,.4,.4])
	 * = 0.6666666666666667 (ties at .4 count one half) */
	double s[] = { .1, .4, .35, .8, .4, .4 };
	unsigned char y[] = { 0, 0, 1, 1, 0, 1 };
	double perfect[] = { 0, 0, 1, 1, 0, 1 };
	double nan_low[] = { NAN, 1, 2, 3, 0, 4 };

	struct ad_error err;
	double auc = 0;

	CHECK(ad_cv_auc(s, y, 6, &auc, &err) == AD_OK);
	CHECK(fabs(auc - 0.6666666666666667) < 1e-15);
	CHECK(ad_cv_auc(perfect, y, 6, &auc, &err) == AD_OK && auc == 1);
	/* a NaN score ranks lowest: 2, 3, 4 against NaN, 1, 0 */
	CHECK(ad_cv_auc(nan_low, y, 6, &auc, &err) == AD_OK && auc == 1);
	CHECK(ad_cv_auc(s, y, 1, &auc, &err) == AD_OK && isnan(auc));
}

int main(void)
{
	test_folds_stratified();
	test_folds_bounds();
	test_auc();
	return CHECK_DONE("test_cv");
}
