/*
 * lib/engine/calib: the calibrated score (an ECDF over stored quantile
 * points) by hand on small samples, ties as mid-ranks, the extremes, a
 * large sample thinned to AD_CALIB_MAX_POINTS points, monotonicity and
 * range on a tied random sample, the encoding's round trip and refusals,
 * pooling (ad_train --merge), and the OOM loops.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "calib.h"
#include "num.h"
#include "rng.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"

static struct ad_calib *fit(const double *s, size_t n)
{
	struct ad_calib *c = NULL;
	struct ad_error err;

	CHECK(ad_calib_fit(s, n, &c, &err) == AD_OK);
	return c;
}

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-12;
}

static void test_by_hand(void)
{
	static const double s[] = { 1, 2, 2, 2, 3 };
	struct ad_calib *c = fit(s, 5);

	/* the run of 2s keeps its first and last point */
	CHECK(c->n == 4);
	CHECK(c->level[1] == 0.25 && c->level[2] == 0.75);
	CHECK(ad_calib_apply(c, 0.5) == 0);
	CHECK(ad_calib_apply(c, 1) == 0);
	CHECK(ad_calib_apply(c, 1.5) == 0.125);
	/* three of five tied: mid-rank (3 - 1) / (5 - 1) */
	CHECK(ad_calib_apply(c, 2) == 0.5);
	CHECK(ad_calib_apply(c, 2.5) == 0.875);
	CHECK(ad_calib_apply(c, 3) == 1);
	CHECK(ad_calib_apply(c, 1e300) == 1);
	CHECK(ad_calib_apply(c, -INFINITY) == 0);
	CHECK(ad_calib_apply(c, INFINITY) == 1);
	CHECK(isnan(ad_calib_apply(c, NAN)));
	CHECK(ad_calib_quantile(c, 0) == 1 && ad_calib_quantile(c, 1) == 3);
	CHECK(ad_calib_quantile(c, 0.125) == 1.5);
	CHECK(c->scores == 5);
	ad_calib_free(c);
}

static void test_one_and_constant(void)
{
	static const double one[] = { 5 };
	struct ad_calib *c = fit(one, 1);
	double *same = malloc(5000 * sizeof *same);

	CHECK(c->n == 2);
	CHECK(ad_calib_apply(c, 5) == 0.5);
	CHECK(ad_calib_apply(c, 4.999) == 0 && ad_calib_apply(c, 5.001) == 1);
	ad_calib_free(c);
	for (size_t i = 0; i < 5000; i++)
		same[i] = 7;
	c = fit(same, 5000);
	CHECK(c->n == 2 && c->scores == 5000);
	CHECK(ad_calib_apply(c, 7) == 0.5);
	ad_calib_free(c);
	free(same);
}

/* With every score kept, a stored score maps to its mid-rank. */
static void test_mid_ranks(void)
{
	double s[200];
	struct ad_calib *c;

	for (size_t i = 0; i < 200; i++)
		s[i] = floor((double)i / 7);        /* runs of 7 ties */
	c = fit(s, 200);
	for (size_t i = 0; i < 200; i++) {
		size_t lo = i, hi = i;
		while (lo > 0 && s[lo - 1] == s[i])
			lo--;
		while (hi + 1 < 200 && s[hi + 1] == s[i])
			hi++;
		CHECK(near(ad_calib_apply(c, s[i]), ((double)lo + (double)hi) /
		    2 / 199));
	}
	ad_calib_free(c);
}

/* More scores than points: evenly spaced levels, linear in between. */
static void test_thinned(void)
{
	size_t n = 20000;
	double *s = malloc(n * sizeof *s);
	struct ad_calib *c;

	for (size_t i = 0; i < n; i++)
		s[i] = (double)i;
	c = fit(s, n);
	CHECK(c->n == AD_CALIB_MAX_POINTS);
	CHECK(near(ad_calib_apply(c, 1000), 1000.0 / 19999));
	CHECK(near(ad_calib_apply(c, 12345.5), 12345.5 / 19999));
	CHECK(ad_calib_apply(c, 0) == 0 && ad_calib_apply(c, 19999) == 1);
	ad_calib_free(c);
	free(s);
}

/* Non-decreasing and in [0, 1] on a sample with many ties, thinned. */
static void test_monotone(void)
{
	size_t n = 7000;
	double *s = malloc(n * sizeof *s), prev = 0;
	struct ad_rng rng;
	struct ad_calib *c;

	ad_rng_seed(&rng, 3, 0);
	for (size_t i = 0; i < n; i++)
		s[i] = floor(ad_rng_normal(&rng) * 4) / 4;
	qsort(s, n, sizeof *s, ad_num_cmp);
	c = fit(s, n);
	for (double x = -10; x <= 10; x += 0.001) {
		double v = ad_calib_apply(c, x);
		CHECK(v >= 0 && v <= 1 && v >= prev);
		prev = v;
	}
	for (double p = 0; p <= 1; p += 0.01)
		CHECK(ad_calib_quantile(c, p) >= s[0] &&
		    ad_calib_quantile(c, p) <= s[n - 1]);
	ad_calib_free(c);
	free(s);
}

static enum ad_status decode(const unsigned char *b, size_t len,
    struct ad_error *err)
{
	struct ad_calib *c = NULL;
	enum ad_status st = ad_calib_decode(b, len, "m", NULL, &c, err);

	ad_calib_free(c);
	return st;
}

static void put_f64(unsigned char *p, double v)
{
	uint64_t u;

	memcpy(&u, &v, 8);
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * i));
}

static void test_encoding(void)
{
	static const double s[] = { 1, 2, 2, 2, 3 };
	struct ad_calib *c = fit(s, 5), *back = NULL;
	size_t len = ad_calib_size(c), used = 0;
	unsigned char *b = malloc(len + 1), *t = malloc(len + 1);
	struct ad_error err;

	ad_calib_encode(c, b);
	b[len] = 0xab;
	CHECK(ad_calib_decode(b, len, "m", NULL, &back, &err) == AD_OK);
	CHECK(back->n == c->n && back->scores == 5 &&
	    memcmp(back->level, c->level, c->n * 8) == 0 &&
	    memcmp(back->score, c->score, c->n * 8) == 0);
	ad_calib_free(back);
	/* inside a longer payload: used says where it ends */
	CHECK(ad_calib_decode(b, len + 1, "m", &used, &back, &err) == AD_OK);
	CHECK(used == len);
	ad_calib_free(back);
	CHECK(decode(b, len + 1, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "corrupt model: calibration") != NULL);
	CHECK(decode(b, len - 1, &err) == AD_EDATA);
	CHECK(decode(b, 10, &err) == AD_EDATA);
	memcpy(t, b, len);
	t[0] = 2;                            /* format */
	CHECK(decode(t, len, &err) == AD_EDATA);
	memcpy(t, b, len);
	put_f64(t + 16, 0.1);                /* first level not 0 */
	CHECK(decode(t, len, &err) == AD_EDATA);
	memcpy(t, b, len);
	put_f64(t + 16 + 8, NAN);            /* a score */
	CHECK(decode(t, len, &err) == AD_EDATA);
	memcpy(t, b, len);
	put_f64(t + 16 + 16 + 8, 0.5);       /* scores out of order */
	CHECK(decode(t, len, &err) == AD_EDATA);
	memcpy(t, b, len);
	put_f64(t + 16 + 48 + 8, 2);         /* a third point tied at 2 */
	CHECK(decode(t, len, &err) == AD_EDATA);
	memcpy(t, b, len);
	put_f64(t + 16 + 32, 0.25);          /* levels not increasing */
	CHECK(decode(t, len, &err) == AD_EDATA);
	memcpy(t, b, len);
	t[12] = 1;                           /* one point */
	CHECK(decode(t, len, &err) == AD_EDATA);
	ad_calib_free(c);
	ad_calib_free(NULL);
	free(b);
	free(t);
}

/* Two calibrations pooled: the scores add up, the extremes are the
 * inputs', and each input weighs by its scores: 0..999 three times over
 * and 1000..1999 once put 1000 at level 3/4. */
static void test_merge(void)
{
	double a[1000], b[1000];
	struct ad_calib *c[2], *m = NULL;
	struct ad_error err;

	for (size_t i = 0; i < 1000; i++) {
		a[i] = (double)i;
		b[i] = 1000 + (double)i;
	}
	c[0] = fit(a, 1000);
	c[1] = fit(b, 1000);
	c[0]->scores = 3000;
	CHECK(ad_calib_merge((const struct ad_calib *const *)c, 2, &m, &err) ==
	    AD_OK);
	CHECK(m->scores == 4000);
	CHECK(ad_calib_quantile(m, 0) == 0 && ad_calib_quantile(m, 1) == 1999);
	CHECK(fabs(ad_calib_apply(m, 999.5) - 0.75) < 0.002);
	CHECK(fabs(ad_calib_apply(m, 500) - 0.375) < 0.002);
	ad_calib_free(m);
	/* one input: its own distribution back */
	CHECK(ad_calib_merge((const struct ad_calib *const *)c, 1, &m, &err) ==
	    AD_OK);
	CHECK(m->scores == 3000 && fabs(ad_calib_apply(m, 250) - 0.25) < 0.002);
	ad_calib_free(m);
	ad_calib_free(c[0]);
	ad_calib_free(c[1]);
}

static enum ad_status merge_two(void *ctx, struct ad_error *err)
{
	static const double s[] = { 1, 2, 2, 2, 3 };
	struct ad_calib *c[2] = { NULL, NULL }, *m = NULL;
	enum ad_status st;

	(void)ctx;
	if ((st = ad_calib_fit(s, 5, &c[0], err)) == AD_OK &&
	    (st = ad_calib_fit(s + 1, 4, &c[1], err)) == AD_OK)
		st = ad_calib_merge((const struct ad_calib *const *)c, 2, &m,
		    err);
	ad_calib_free(c[0]);
	ad_calib_free(c[1]);
	ad_calib_free(m);
	return st;
}

static enum ad_status fit_encode_decode(void *ctx, struct ad_error *err)
{
	static const double s[] = { 1, 2, 2, 2, 3 };
	struct ad_calib *c = NULL, *back = NULL;
	unsigned char *b = NULL;
	enum ad_status st;

	(void)ctx;
	if ((st = ad_calib_fit(s, 5, &c, err)) != AD_OK)
		return st;
	if ((b = ad_malloc(ad_calib_size(c))) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	ad_calib_encode(c, b);
	st = ad_calib_decode(b, ad_calib_size(c), "m", NULL, &back, err);
out:
	ad_free(b);
	ad_calib_free(c);
	ad_calib_free(back);
	return st;
}

int main(void)
{
	(void)put_file;   /* files.h's, which oomloop.h brings along */
	test_by_hand();
	test_one_and_constant();
	test_mid_ranks();
	test_thinned();
	test_monotone();
	test_encoding();
	test_merge();
	oom_loop("calib fit, encode, decode", fit_encode_decode, NULL, NULL);
	oom_loop("calib merge", merge_two, NULL, NULL);
	return CHECK_DONE("test_calib");
}
