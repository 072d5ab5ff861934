/*
 * lib/detect/hbos: histograms and scores worked out by hand, PyOD's
 * scores on a tiny set (bench/detectors-ref.py), the look-up outside the
 * range (tol), explanations summing to the score, the payload's round
 * trip and its refusals, options, and the OOM loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "hbos.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"
#include "payloads.h"

static struct ad_hbos *fit(const struct ad_hbos_opts *o, const double *x,
    size_t n, size_t d)
{
	struct ad_hbos *h = NULL;
	struct ad_error err;

	if (ad_hbos_fit(o, x, n, d, 0, &h, &err) != AD_OK) {
		fprintf(stderr, "fit: %s\n", err.msg);
		h = NULL;
	}
	CHECK(h != NULL);
	return h;
}

static double score1(const struct ad_hbos *h, double v)
{
	double s;

	ad_hbos_score(h, &v, 1, 1, &s);
	return s;
}

/* One feature 0, 1, 2, 3, 3 in two bins: edges 0, 1.5, 3; counts 2 and
 * 3; densities 2 / 1.5 / 5 and 3 / 1.5 / 5 = 0.4, so terms
 * -log2(0.2667 + 0.1) and -log2(0.5) = 1. */
static void test_by_hand(void)
{
	const double x[] = { 0, 1, 2, 3, 3 };
	struct ad_hbos_opts o;
	struct ad_hbos *h;
	double t0 = -log2(2 / 1.5 / 5 + 0.1);

	ad_hbos_defaults(&o);
	o.nbins = 2;
	if ((h = fit(&o, x, 5, 1)) == NULL)
		return;
	CHECK(ad_hbos_nbins(h) == 2 && ad_hbos_nfeat(h) == 1);
	CHECK(score1(h, 0) == t0);      /* on the first edge: bin 1 */
	CHECK(score1(h, 1) == t0);
	CHECK(score1(h, 1.5) == t0);    /* an inner edge counts to its left */
	CHECK(score1(h, 1.6) == 1);
	CHECK(score1(h, 3) == 1);
	CHECK(score1(h, 3.75) == 1);    /* within tol (0.5) bin widths */
	CHECK(score1(h, -0.75) == t0);
	CHECK(score1(h, 3.76) == t0);   /* further: the largest term */
	CHECK(score1(h, -100) == t0);
	ad_hbos_free(h);

	/* in units of 2: every density halved */
	{
		const double two = 2;
		o.unit = &two;
		if ((h = fit(&o, x, 5, 1)) == NULL)
			return;
		CHECK(score1(h, 0) == -log2(2 / 3.0 / 5 + 0.1));
		CHECK(score1(h, 3) == -log2(0.2 + 0.1));
		ad_hbos_free(h);
	}

	/* in units of 1/8: densities 16 / 7.5 and 3.2, terms negative; the
	 * excess over the densest bin's term is not */
	{
		const double eighth = 0.125;
		double c;

		o.unit = &eighth;
		if ((h = fit(&o, x, 5, 1)) == NULL)
			return;
		CHECK(fabs(score1(h, 3) + log2(3.2 + 0.1)) < 1e-12 &&
		    score1(h, 0) < 0);
		ad_hbos_explain_excess(h, (double[]){ 3 }, &c);
		CHECK(c == 0);
		ad_hbos_explain_excess(h, (double[]){ 0 }, &c);
		CHECK(fabs(c - log2(3.3 / (16 / 7.5 + 0.1))) < 1e-12 && c > 0);
		ad_hbos_free(h);
	}
}

/* A constant feature gets the range [v - 0.5, v + 0.5] (numpy's). */
static void test_constant(void)
{
	const double x[] = { 4, 4, 4, 4 };
	struct ad_hbos_opts o;
	struct ad_hbos *h;

	ad_hbos_defaults(&o);
	o.nbins = 2;
	if ((h = fit(&o, x, 4, 1)) == NULL)
		return;
	/* edges 3.5, 4, 4.5: every value in the second bin (4 <= v < 4.5),
	 * density 2; but PyOD's look-up puts v itself on the first bin's
	 * right edge, in the empty bin (checked against the reference) */
	CHECK(score1(h, 4) == -log2(0 + 0.1));
	CHECK(score1(h, 4.2) == -log2(2 + 0.1));
	CHECK(score1(h, 3.6) == -log2(0 + 0.1));
	ad_hbos_free(h);
}

/* bench/detectors-ref.py hbos --raw tiny.csv (and tiny.csv NEW.csv). */
static void test_reference(void)
{
	static const double want[TINY_N] = {
		2.7440845675406509, 2.7440845675406509, 3.5530867188963855,
		2.807649696318117, 3.7633005584456845, 7.7070114275991397,
		1.8501113053753864, 3.2771349796193379, 3.5530867188963846,
		2.7440845675406509, 6.2919739283202967, 2.3195965886766068,
	};
	static const double want_new[TINY_NEW_N] = {
		1.5741595660983387, 9.965784284662087, 7.7070114275991397,
		2.0436448493995587, 5.6685639363163212,
	};
	struct ad_hbos_opts o;
	struct ad_hbos *h;
	struct ad_error err;
	double s[TINY_N], c[TINY_D];

	ad_hbos_defaults(&o);
	if ((h = fit(&o, tiny, TINY_N, TINY_D)) == NULL)
		return;
	ad_hbos_score(h, tiny, TINY_N, TINY_D, s);
	CHECK(close_all(s, want, TINY_N, 1e-14));
	ad_hbos_score(h, tiny_new, TINY_NEW_N, TINY_D, s);
	CHECK(close_all(s, want_new, TINY_NEW_N, 1e-14));
	for (size_t i = 0; i < TINY_NEW_N; i++) {
		ad_hbos_explain(h, tiny_new + i * TINY_D, c);
		CHECK(fabs(c[0] + c[1] + c[2] - s[i]) <= 1e-14 * fabs(s[i]));
	}
	/* rows halved, with 2 as their unit: PyOD on the rows themselves
	 * (halving is exact, so are the edges and densities) */
	{
		double half[TINY_N * TINY_D], two[TINY_D] = { 2, 2, 2 };
		struct ad_hbos *raw;

		for (size_t i = 0; i < TINY_N * TINY_D; i++)
			half[i] = tiny[i] / 2;
		o.unit = two;
		if ((raw = fit(&o, half, TINY_N, TINY_D)) != NULL) {
			double s2[TINY_N];
			ad_hbos_score(raw, half, TINY_N, TINY_D, s2);
			CHECK(close_all(s2, want, TINY_N, 1e-14));
			ad_hbos_free(raw);
		}
		two[1] = 0;
		CHECK(ad_hbos_fit(&o, half, TINY_N, TINY_D, 0, &raw, &err) ==
		    AD_EUSAGE);
		two[1] = NAN;
		CHECK(ad_hbos_fit(&o, half, TINY_N, TINY_D, 0, &raw, &err) ==
		    AD_EUSAGE);
		o.unit = NULL;
	}
	/* a stride wider than the row */
	{
		double wide[2 * 5] = { 0.35, 2, 0.1, 99, 99, 10, -5, 3, 99, 99 };
		ad_hbos_score(h, wide, 2, 5, s);
		CHECK(close_all(s, want_new, 2, 1e-14));
	}
	ad_hbos_free(h);
}

/* ---- the payload ---- */

static enum ad_status decode(const unsigned char *p, size_t len,
    size_t nfeat, struct ad_error *err)
{
	struct ad_hbos *h = NULL;
	enum ad_status st = ad_hbos_decode(p, len, nfeat, "m", &h, err);

	ad_hbos_free(h);
	return st;
}

static unsigned char *encode(const struct ad_hbos *h, size_t *len)
{
	unsigned char *p;

	*len = ad_hbos_encoded_size(h);
	p = malloc(*len);
	ad_hbos_encode(h, p);
	return p;
}

static void test_payload(void)
{
	struct ad_hbos_opts o;
	struct ad_hbos *h, *back = NULL;
	struct ad_error err;
	unsigned char *b, *b2, *c;
	size_t len, len2, feat0 = 24;   /* feature 0's edges start here */
	double s1[TINY_NEW_N], s2[TINY_NEW_N];

	ad_hbos_defaults(&o);
	o.nbins = 4;
	if ((h = fit(&o, tiny, TINY_N, TINY_D)) == NULL)
		return;
	b = encode(h, &len);
	CHECK(len == 24 + 8 * 3 * 9);
	CHECK(ad_hbos_decode(b, len, TINY_D, "m", &back, &err) == AD_OK);
	if (back == NULL)
		return;
	b2 = encode(back, &len2);
	CHECK(len2 == len && memcmp(b, b2, len) == 0);
	ad_hbos_score(h, tiny_new, TINY_NEW_N, TINY_D, s1);
	ad_hbos_score(back, tiny_new, TINY_NEW_N, TINY_D, s2);
	CHECK(memcmp(s1, s2, sizeof s1) == 0);
	payload_check_cuts(decode, b, len, TINY_D);
	c = malloc(len);
#define MUTATE(stmt) do { memcpy(c, b, len); stmt; \
	CHECK(payload_refused(decode, c, len, TINY_D)); } while (0)
	MUTATE(payload_put32(c, 1));             /* bins */
	MUTATE(payload_put32(c, 5));             /* sizes no longer add up */
	MUTATE(payload_put32(c, 0xFFFFFFFFu));
	MUTATE(payload_put32(c + 4, 0));         /* features */
	MUTATE(payload_put32(c + 4, 0xFFFFFFFFu));
	MUTATE(payload_put64(c + 8, 0));         /* alpha */
	MUTATE(payload_put64(c + 8, NAN));
	MUTATE(payload_put64(c + 16, 1));        /* tol */
	MUTATE(payload_put64(c + feat0, INFINITY));          /* an edge */
	MUTATE(payload_put64(c + feat0 + 8, -100));          /* not increasing */
	MUTATE(payload_put64(c + feat0 + 8 * 5, -1));        /* a density */
	MUTATE(payload_put64(c + feat0 + 8 * 6, NAN));
#undef MUTATE
	free(c);
	free(b);
	free(b2);
	ad_hbos_free(h);
	ad_hbos_free(back);
}

static void test_options(void)
{
	struct ad_hbos_opts o;
	struct ad_hbos *h = NULL;
	struct ad_error err;

	ad_hbos_defaults(&o);
	CHECK(o.nbins == 10 && o.alpha == 0.1 && o.tol == 0.5);
	CHECK(ad_hbos_check(&o) == NULL);
	o.nbins = 1;
	CHECK(ad_hbos_check(&o) != NULL);
	CHECK(ad_hbos_fit(&o, tiny, TINY_N, TINY_D, 0, &h, &err) == AD_EUSAGE);
	ad_hbos_defaults(&o);
	o.alpha = 1;
	CHECK(ad_hbos_check(&o) != NULL);
	ad_hbos_defaults(&o);
	o.tol = 0;
	CHECK(ad_hbos_check(&o) != NULL);
	ad_hbos_defaults(&o);
	CHECK(ad_hbos_fit(&o, tiny, 0, TINY_D, 0, &h, &err) == AD_EDATA);
	CHECK(h == NULL);
	/* one row: every feature constant */
	CHECK(ad_hbos_fit(&o, tiny, 1, TINY_D, 0, &h, &err) == AD_OK);
	ad_hbos_free(h);
	ad_hbos_free(NULL);
}

/* ---- out of memory ---- */

static enum ad_status fit_encode_decode(void *ctx, struct ad_error *err)
{
	struct ad_hbos_opts o;
	struct ad_hbos *h = NULL, *back = NULL;
	unsigned char *b = NULL;
	enum ad_status st;

	(void)ctx;
	ad_hbos_defaults(&o);
	if ((st = ad_hbos_fit(&o, tiny, TINY_N, TINY_D, 0, &h, err)) != AD_OK)
		return st;
	if ((b = ad_malloc(ad_hbos_encoded_size(h))) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	ad_hbos_encode(h, b);
	st = ad_hbos_decode(b, ad_hbos_encoded_size(h), TINY_D, "m", &back, err);
out:
	ad_free(b);
	ad_hbos_free(h);
	ad_hbos_free(back);
	return st;
}

int main(void)
{
	(void)put_file;   /* files.h's, which oomloop.h brings along */
	test_by_hand();
	test_constant();
	test_reference();
	test_payload();
	test_options();
	oom_loop("hbos fit, encode, decode", fit_encode_decode, NULL, NULL);
	return CHECK_DONE("test_hbos");
}
