/*
 * lib/detect/mcd: scores and explanations worked out by hand from a
 * payload with a known location and covariance, chi-square quantiles
 * against scipy's, fits on each of FastMCD's regimes (one dimension, up
 * to 500 rows, the partition with and without the merged set's second
 * stage), the same seed giving the same bytes, rows that span fewer
 * dimensions than features (a constant feature, fewer rows than
 * features), the data it refuses, the payload's round trip and
 * refusals, and the OOM loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "mcd.h"
#include "rng.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"
#include "payloads.h"

static int near(double got, double want)
{
	return fabs(got - want) <= 1e-12 * (fabs(want) + 1);
}

/* A payload of p features: rank p, h 3, 3 rows, loc, cov. */
static unsigned char *payload(size_t p, const double *loc, const double *cov,
    size_t *len)
{
	unsigned char *b;

	*len = 16 + 8 * (p + p * p);
	b = calloc(1, *len);
	payload_put32(b, (uint32_t)p);
	payload_put32(b + 4, (uint32_t)p);
	payload_put32(b + 8, 3);
	payload_put32(b + 12, 3);
	for (size_t j = 0; j < p; j++)
		payload_put64(b + 16 + 8 * j, loc[j]);
	for (size_t j = 0; j < p * p; j++)
		payload_put64(b + 16 + 8 * (p + j), cov[j]);
	return b;
}

static enum ad_status decode(const unsigned char *p, size_t len, size_t nfeat,
    struct ad_error *err)
{
	struct ad_mcd *m = NULL;
	enum ad_status st = ad_mcd_decode(p, len, nfeat, "m", &m, err);

	ad_mcd_free(m);
	return st;
}

/* Location (0, 0), covariance [[2, 1], [1, 2]]: the precision is
 * [[2, -1], [-1, 2]] / 3, so row (1, 2) has P t = (0, 1), shares 0 and 2,
 * score 2; row (2, 0): P t = (4/3, -2/3), shares 8/3 and 0; row (1, 0.2):
 * P t = (0.6, -0.2), shares 0.6 and -0.04 (the second feature pulls the
 * row back along the correlation), score 0.56. */
static void test_by_hand(void)
{
	const double loc[] = { 0, 0 }, cov[] = { 2, 1, 1, 2 };
	const double rows[] = { 1, 2, 2, 0, 1, 0.2, 0, 0 };
	const double want[] = { 2, 8.0 / 3, 0.56, 0 };
	const double share[] = { 0, 2, 8.0 / 3, 0, 0.6, -0.04, 0, 0 };
	size_t len;
	unsigned char *b = payload(2, loc, cov, &len);
	struct ad_mcd *m = NULL;
	struct ad_error err;
	double s[4], work[4], c[2];

	CHECK(ad_mcd_decode(b, len, 2, "m", &m, &err) == AD_OK);
	if (m == NULL) {
		free(b);
		return;
	}
	CHECK(ad_mcd_work_doubles(m) == 4);
	ad_mcd_score(m, rows, 4, 2, work, s);
	for (size_t i = 0; i < 4; i++) {
		CHECK(near(s[i], want[i]));
		ad_mcd_explain(m, rows + 2 * i, work, c);
		CHECK(near(c[0], share[2 * i]) && near(c[1], share[2 * i + 1]));
		CHECK(near(c[0] + c[1], s[i]));
	}
	CHECK(ad_mcd_rank(m) == 2 && ad_mcd_nfeat(m) == 2);
	/* chi2.ppf(0.975, 2) */
	CHECK(near(ad_mcd_cutoff(m), 7.3777589082278725));
	payload_check_cuts(decode, b, len, 2);
	ad_mcd_free(m);
	free(b);
}

/* A covariance of rank 1, [[1, 1], [1, 1]]: within its span, (1, 1)
 * scores as the pseudo-inverse says (|t|^2 / 4 along (1, 1) / sqrt 2 with
 * variance 2: 1); off it, (1, -1) scores of the order of 1 / (2 * 2 *
 * DBL_EPSILON): far out, not ignored. */
static void test_singular(void)
{
	const double loc[] = { 0, 0 }, cov[] = { 1, 1, 1, 1 };
	const double rows[] = { 1, 1, 1, -1 };
	size_t len;
	unsigned char *b = payload(2, loc, cov, &len);
	struct ad_mcd *m = NULL;
	struct ad_error err;
	double s[2], work[4];

	CHECK(ad_mcd_decode(b, len, 2, "m", &m, &err) == AD_OK);
	if (m != NULL) {
		ad_mcd_score(m, rows, 2, 2, work, s);
		CHECK(near(s[0], 1));
		CHECK(s[1] > 1e14 && isfinite(s[1]));
	}
	ad_mcd_free(m);
	free(b);
}

static void test_chi2(void)
{
	/* scipy.stats.chi2.ppf */
	CHECK(near(ad_mcd_chi2_ppf(0.975, 1), 5.0238861873148863));
	CHECK(near(ad_mcd_chi2_ppf(0.5, 1), 0.45493642311957283));
	CHECK(near(ad_mcd_chi2_ppf(0.5, 2), 1.3862943611198906));
	CHECK(near(ad_mcd_chi2_ppf(0.975, 30), 46.979242243671159));
	CHECK(near(ad_mcd_chi2_ppf(0.5, 100), 99.334129235988003));
}

/* n rows of p features: Gaussian with correlated features (seeded), the
 * last `out` rows shifted far along a direction the correlation makes
 * rare. */
static double *gaussian(size_t n, size_t p, size_t out, uint64_t seed)
{
	double *x = malloc(n * p * sizeof *x);
	struct ad_rng r;

	ad_rng_seed_one(&r, seed);
	for (size_t i = 0; i < n; i++) {
		double common = ad_rng_normal(&r);
		for (size_t j = 0; j < p; j++)
			x[i * p + j] = common + 0.3 * ad_rng_normal(&r) + (double)j;
		if (i >= n - out)
			for (size_t j = 0; j < p; j++)
				x[i * p + j] += p == 1 ? -8 : j % 2 ? 3 : -3;
	}
	return x;
}

/* Fits x, checks that its `out` last rows score above every other and
 * that a second fit with the same seed encodes to the same bytes. */
static struct ad_mcd *fit_check(const double *x, size_t n, size_t p,
    size_t out, double frac)
{
	struct ad_mcd_opts o = { frac };
	struct ad_mcd *m = NULL, *again = NULL;
	struct ad_error err;
	double *s = malloc(n * sizeof *s), *work = malloc(2 * p * sizeof *work);
	double inner = 0, outer = INFINITY;

	if (ad_mcd_fit(&o, x, n, p, 7, &m, &err) != AD_OK) {
		fprintf(stderr, "fit %zu x %zu: %s\n", n, p, err.msg);
		CHECK(0);
		free(s);
		free(work);
		return NULL;
	}
	ad_mcd_score(m, x, n, p, work, s);
	for (size_t i = 0; i < n; i++) {
		CHECK(s[i] >= 0 && isfinite(s[i]));
		if (i < n - out && s[i] > inner)
			inner = s[i];
		if (i >= n - out && s[i] < outer)
			outer = s[i];
	}
	CHECK(out == 0 || outer > inner);
	if (!(out == 0 || outer > inner))
		fprintf(stderr, "%zu x %zu: inner %g, outer %g\n", n, p, inner,
		    outer);
	CHECK(ad_mcd_fit(&o, x, n, p, 7, &again, &err) == AD_OK);
	if (again != NULL) {
		size_t len = ad_mcd_encoded_size(m);
		unsigned char *a = malloc(len), *b = malloc(len);
		ad_mcd_encode(m, a);
		ad_mcd_encode(again, b);
		CHECK(ad_mcd_encoded_size(again) == len && memcmp(a, b, len) == 0);
		payload_check_cuts(decode, a, len, p);
		free(a);
		free(b);
	}
	ad_mcd_free(again);
	free(s);
	free(work);
	return m;
}

static void test_regimes(void)
{
	/* one dimension, few rows, the partition (merged set only), the
	 * partition then all rows */
	const size_t n[] = { 300, 60, 900, 2000 }, p[] = { 1, 3, 4, 3 };

	for (size_t k = 0; k < 4; k++) {
		double *x = gaussian(n[k], p[k], n[k] / 50, k);
		struct ad_mcd *m = fit_check(x, n[k], p[k], n[k] / 50, 0);
		if (m != NULL) {
			size_t h = (n[k] + p[k] + 2) / 2;
			CHECK(ad_mcd_rank(m) == p[k] && ad_mcd_support(m) == h);
			/* the reweighted rows: more than h, without the far ones */
			CHECK(ad_mcd_reweighted(m) > h &&
			    ad_mcd_reweighted(m) <= n[k] - n[k] / 50);
		}
		ad_mcd_free(m);
		free(x);
	}
}

static void test_support_fraction(void)
{
	double *x = gaussian(100, 2, 2, 9);
	struct ad_mcd_opts o = { 0.9 };
	struct ad_mcd *m = fit_check(x, 100, 2, 2, 0.9);
	struct ad_error err;

	CHECK(m != NULL && ad_mcd_support(m) == 90);
	ad_mcd_free(m);
	m = NULL;
	/* 0.02 of 100 rows: 2, not above the 2 dimensions */
	o.support_fraction = 0.02;
	CHECK(ad_mcd_fit(&o, x, 100, 2, 0, &m, &err) == AD_EDATA);
	CHECK(m == NULL && strstr(err.msg, "support must exceed") != NULL);
	o.support_fraction = 1.5;
	CHECK(ad_mcd_fit(&o, x, 100, 2, 0, &m, &err) == AD_EUSAGE);
	free(x);
}

/* A constant feature and a copy of another: the rows span 2 of 4
 * dimensions; training rows score as without them, a new row that
 * changes the constant or breaks the copy scores far out. */
static void test_degenerate(void)
{
	size_t n = 80;
	double *x2 = gaussian(n, 2, 1, 3), *x4 = malloc(n * 4 * sizeof *x4);
	double s2[80], s4[80], work[8], row[4];
	struct ad_mcd_opts o = { 0 };
	struct ad_mcd *m2 = NULL, *m4 = NULL;
	struct ad_error err;

	for (size_t i = 0; i < n; i++) {
		x4[i * 4] = x2[i * 2];
		x4[i * 4 + 1] = 5;
		x4[i * 4 + 2] = x2[i * 2 + 1];
		x4[i * 4 + 3] = x2[i * 2];
	}
	CHECK(ad_mcd_fit(&o, x2, n, 2, 1, &m2, &err) == AD_OK);
	CHECK(ad_mcd_fit(&o, x4, n, 4, 1, &m4, &err) == AD_OK);
	if (m2 != NULL && m4 != NULL) {
		int same = 1;
		CHECK(ad_mcd_rank(m4) == 2);
		ad_mcd_score(m2, x2, n, 2, work, s2);
		ad_mcd_score(m4, x4, n, 4, work, s4);
		for (size_t i = 0; i < n; i++)
			same &= fabs(s2[i] - s4[i]) <= 1e-6 * (s2[i] + 1);
		CHECK(same);
		memcpy(row, x4, sizeof row);
		row[1] = 5.5;
		ad_mcd_score(m4, row, 1, 4, work, s4);
		CHECK(s4[0] > 1e10);
		memcpy(row, x4, sizeof row);
		row[3] += 0.5;
		ad_mcd_score(m4, row, 1, 4, work, s4);
		CHECK(s4[0] > 1e10);
	}
	ad_mcd_free(m2);
	ad_mcd_free(m4);
	m2 = NULL;
	/* fewer rows than features: 5 rows span 4 dimensions of 8 */
	{
		double *x = gaussian(5, 8, 0, 4);
		CHECK(ad_mcd_fit(&o, x, 5, 8, 0, &m2, &err) == AD_OK);
		CHECK(m2 != NULL && ad_mcd_rank(m2) == 4 &&
		    ad_mcd_support(m2) == 5);
		ad_mcd_free(m2);
		m2 = NULL;
		free(x);
	}
	/* no variance at all; one row; most rows one point */
	for (size_t i = 0; i < n * 4; i++)
		x4[i] = 1;
	CHECK(ad_mcd_fit(&o, x4, n, 4, 0, &m2, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "do not vary") != NULL);
	CHECK(ad_mcd_fit(&o, x4, 1, 4, 0, &m2, &err) == AD_EDATA);
	for (size_t i = 0; i < 20; i++)
		x2[i * 2] = x2[i * 2 + 1] = (double)i;
	for (size_t i = 20; i < n; i++)
		x2[i * 2] = x2[i * 2 + 1] = x2[i * 2 + 1] * 0 + 1;
	x2[0] = 3;
	CHECK(ad_mcd_fit(&o, x2, n, 2, 0, &m2, &err) == AD_EDATA);
	CHECK(m2 == NULL);
	free(x2);
	free(x4);
}

/* Payloads refused: counts, values, an asymmetric or zero covariance. */
static void test_refused(void)
{
	const double loc[] = { 0, 0 }, cov[] = { 2, 1, 1, 2 };
	const double asym[] = { 2, 1, 0.5, 2 }, zero[] = { 0, 0, 0, 0 };
	const double neg[] = { -1, 0, 0, 2 };
	size_t len;
	unsigned char *b;

	b = payload(2, loc, asym, &len);
	CHECK(payload_refused(decode, b, len, 2));
	free(b);
	b = payload(2, loc, zero, &len);
	CHECK(payload_refused(decode, b, len, 2));
	free(b);
	b = payload(2, loc, neg, &len);
	CHECK(payload_refused(decode, b, len, 2));
	free(b);
	b = payload(2, loc, cov, &len);
	payload_put32(b + 4, 3);           /* rank above the features */
	CHECK(payload_refused(decode, b, len, 2));
	payload_put32(b + 4, 2);
	payload_put32(b + 8, 2);           /* h not above the rank */
	CHECK(payload_refused(decode, b, len, 2));
	payload_put32(b + 8, 3);
	payload_put64(b + 16, NAN);
	CHECK(payload_refused(decode, b, len, 2));
	free(b);
}

/* ---- out of memory ---- */

static enum ad_status fit_encode_decode(void *ctx, struct ad_error *err)
{
	const double *x = ctx;
	struct ad_mcd_opts o = { 0 };
	struct ad_mcd *m = NULL, *back = NULL;
	unsigned char *b = NULL;
	enum ad_status st;

	if ((st = ad_mcd_fit(&o, x, 600, 2, 0, &m, err)) != AD_OK)
		return st;
	if ((b = ad_malloc(ad_mcd_encoded_size(m))) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	ad_mcd_encode(m, b);
	st = ad_mcd_decode(b, ad_mcd_encoded_size(m), 2, "m", &back, err);
out:
	ad_free(b);
	ad_mcd_free(m);
	ad_mcd_free(back);
	return st;
}

int main(void)
{
	double *x = gaussian(600, 2, 6, 11);

	(void)put_file;   /* files.h's, which oomloop.h brings along */
	(void)close_all;  /* payloads.h's, for reference scores */
	test_by_hand();
	test_singular();
	test_chi2();
	test_regimes();
	test_support_fraction();
	test_degenerate();
	test_refused();
	oom_loop("mcd fit (partition), encode, decode", fit_encode_decode, x,
	    NULL);
	free(x);
	ad_mcd_free(NULL);
	return CHECK_DONE("test_mcd");
}
