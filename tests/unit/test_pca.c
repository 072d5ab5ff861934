/*
 * lib/detect/pca: components, divisors and scores worked out by hand
 * (scikit-learn's sign rule, the choice of components), PyOD's scores on a
 * tiny set (bench/detectors-ref.py), standardization's invariance,
 * explanations summing to the score, the payload's round trip and its
 * refusals, options, and the OOM loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "pca.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"
#include "payloads.h"

static struct ad_pca *fit(const struct ad_pca_opts *o, const double *x,
    size_t n, size_t d)
{
	struct ad_pca *p = NULL;
	struct ad_error err;

	if (ad_pca_fit(o, x, n, d, 0, &p, &err) != AD_OK) {
		fprintf(stderr, "fit: %s\n", err.msg);
		p = NULL;
	}
	CHECK(p != NULL);
	return p;
}

static int near(double got, double want)
{
	return fabs(got - want) <= 1e-12 * (fabs(want) + 1);
}

static double score_of(const struct ad_pca *p, double a, double b)
{
	double row[2] = { a, b }, s;

	ad_pca_score(p, row, 1, 2, &s);
	return s;
}

/* Rows (2, 0), (-2, 0), (0, 1), (0, -1), not standardized: covariance
 * diag(8/3, 2/3), components (1, 0) then (0, 1) (row 0, then row 2,
 * projects furthest and first, positively), variance ratios 0.8, 0.2. */
static void test_by_hand(void)
{
	const double x[] = { 2, 0, -2, 0, 0, 1, 0, -1 };
	const double flipped[] = { -2, 0, 2, 0, 0, -1, 0, 1 };
	struct ad_pca_opts o;
	struct ad_pca *p;
	double c[2];

	ad_pca_defaults(&o);
	o.standardize = 0;
	o.weighted = 0;
	if ((p = fit(&o, x, 4, 2)) == NULL)
		return;
	CHECK(ad_pca_ncomp(p) == 2 && ad_pca_nsel(p) == 2);
	CHECK(near(ad_pca_component(p, 0)[0], 1) &&
	    near(ad_pca_component(p, 0)[1], 0));
	CHECK(near(ad_pca_component(p, 1)[0], 0) &&
	    near(ad_pca_component(p, 1)[1], 1));
	CHECK(ad_pca_weight(p, 0) == 1 && ad_pca_weight(p, 1) == 1);
	CHECK(near(score_of(p, 0, 0), 2));
	CHECK(near(score_of(p, 3, 0), 2 + sqrt(10)));
	/* |(2,0)| splits as 4/2 + 0; |(3,-1)| as 9/sqrt10 + 1/sqrt10 */
	ad_pca_explain(p, (double[]){ 3, 0 }, c);
	CHECK(near(c[0], 2 + 9 / sqrt(10)) && near(c[1], 1 / sqrt(10)));
	ad_pca_free(p);

	o.weighted = 1;
	if ((p = fit(&o, x, 4, 2)) == NULL)
		return;
	CHECK(near(ad_pca_weight(p, 0), 0.8) && near(ad_pca_weight(p, 1), 0.2));
	CHECK(near(score_of(p, 0, 0), 1 / 0.8 + 1 / 0.2));
	/* values a model standardizes to +-DBL_MAX: clipped to +-1e150 */
	CHECK(near(score_of(p, DBL_MAX, 0) / 1e150, 1 / 0.8 + 1 / 0.2));
	ad_pca_explain(p, (double[]){ -DBL_MAX, DBL_MAX }, c);
	CHECK(isfinite(c[0]) && isfinite(c[1]) && c[0] > 0 && c[1] > 0);
	ad_pca_free(p);

	/* the sign follows the first row's projection */
	if ((p = fit(&o, flipped, 4, 2)) == NULL)
		return;
	CHECK(near(ad_pca_component(p, 0)[0], -1));
	CHECK(near(ad_pca_component(p, 1)[1], -1));
	ad_pca_free(p);

	/* the last selected: the least variance; the first kept: the most */
	o.weighted = 0;
	o.nsel = 1;
	if ((p = fit(&o, x, 4, 2)) == NULL)
		return;
	CHECK(ad_pca_nsel(p) == 1 && near(ad_pca_component(p, 0)[1], 1));
	CHECK(near(score_of(p, 0, 0), 1));
	ad_pca_free(p);
	o.nsel = 0;
	o.ncomp = 1;
	if ((p = fit(&o, x, 4, 2)) == NULL)
		return;
	CHECK(ad_pca_nsel(p) == 1 && near(ad_pca_component(p, 0)[0], 1));
	CHECK(near(score_of(p, 3, 0), 2));
	ad_pca_free(p);
}

/* bench/detectors-ref.py pca --raw tiny.csv (and tiny.csv NEW.csv); LAPACK's
 * eigenvectors and scikit-learn's SVD differ in the last bits. */
static void test_reference(void)
{
	static const double want[TINY_N] = {
		54.373062343373547, 49.929355469790877, 29.451695143566521,
		63.074640321358174, 59.206710340757866, 58.473793821511137,
		44.678142759874561, 37.983868178132511, 64.39177300428905,
		73.559078261304151, 190.22529146400876, 44.197729467320997,
	};
	static const double want_new[TINY_NEW_N] = {
		46.556125634536428, 326.48210833196805, 58.473793821511137,
		38.114572525401485, 85.17763427644347,
	};
	struct ad_pca_opts o;
	struct ad_pca *p, *q;
	double s[TINY_N], s2[TINY_N], c[TINY_D], moved[TINY_N * TINY_D];

	ad_pca_defaults(&o);
	if ((p = fit(&o, tiny, TINY_N, TINY_D)) == NULL)
		return;
	ad_pca_score(p, tiny, TINY_N, TINY_D, s);
	CHECK(close_all(s, want, TINY_N, 1e-10));
	ad_pca_score(p, tiny_new, TINY_NEW_N, TINY_D, s);
	CHECK(close_all(s, want_new, TINY_NEW_N, 1e-10));
	for (size_t i = 0; i < TINY_NEW_N; i++) {
		ad_pca_explain(p, tiny_new + i * TINY_D, c);
		CHECK(c[0] >= 0 && c[1] >= 0 && c[2] >= 0);
		CHECK(fabs(c[0] + c[1] + c[2] - s[i]) <= 1e-12 * s[i]);
	}
	/* standardized, a feature's unit and origin do not matter */
	for (size_t i = 0; i < TINY_N * TINY_D; i++)
		moved[i] = i % TINY_D == 1 ? 1000 * tiny[i] - 7 : tiny[i];
	if ((q = fit(&o, moved, TINY_N, TINY_D)) != NULL) {
		ad_pca_score(p, tiny, TINY_N, TINY_D, s);
		ad_pca_score(q, moved, TINY_N, TINY_D, s2);
		CHECK(close_all(s2, s, TINY_N, 1e-9));
		ad_pca_free(q);
	}
	ad_pca_free(p);
}

/* ---- the payload ---- */

static enum ad_status decode(const unsigned char *b, size_t len,
    size_t nfeat, struct ad_error *err)
{
	struct ad_pca *p = NULL;
	enum ad_status st = ad_pca_decode(b, len, nfeat, "m", &p, err);

	ad_pca_free(p);
	return st;
}

static unsigned char *encode(const struct ad_pca *p, size_t *len)
{
	unsigned char *b;

	*len = ad_pca_encoded_size(p);
	b = malloc(*len);
	ad_pca_encode(p, b);
	return b;
}

static void test_payload(void)
{
	struct ad_pca_opts o;
	struct ad_pca *p, *back = NULL;
	struct ad_error err;
	unsigned char *b, *b2, *c;
	size_t len, len2, d = TINY_D, scale = 16 + 8 * d, comp = scale + 8 * d;
	size_t w = comp + 8 * 2 * d;
	double s1[TINY_NEW_N], s2[TINY_NEW_N];

	ad_pca_defaults(&o);
	o.nsel = 2;
	if ((p = fit(&o, tiny, TINY_N, TINY_D)) == NULL)
		return;
	b = encode(p, &len);
	CHECK(len == w + 8 * 2);
	CHECK(ad_pca_decode(b, len, TINY_D, "m", &back, &err) == AD_OK);
	if (back == NULL)
		return;
	b2 = encode(back, &len2);
	CHECK(len2 == len && memcmp(b, b2, len) == 0);
	ad_pca_score(p, tiny_new, TINY_NEW_N, TINY_D, s1);
	ad_pca_score(back, tiny_new, TINY_NEW_N, TINY_D, s2);
	CHECK(memcmp(s1, s2, sizeof s1) == 0);
	payload_check_cuts(decode, b, len, TINY_D);
	c = malloc(len);
#define MUTATE(stmt) do { memcpy(c, b, len); stmt; \
	CHECK(payload_refused(decode, c, len, TINY_D)); } while (0)
	MUTATE(payload_put32(c, 0));             /* features */
	MUTATE(payload_put32(c, 5000));
	MUTATE(payload_put32(c + 4, 0));         /* components kept */
	MUTATE(payload_put32(c + 4, 4));
	MUTATE(payload_put32(c + 4, 1));         /* fewer than selected */
	MUTATE(payload_put32(c + 8, 0));         /* selected */
	MUTATE(payload_put32(c + 8, 3));         /* sizes no longer add up */
	MUTATE(payload_put32(c + 12, 4));        /* flags */
	MUTATE(payload_put32(c + 12, 2));        /* unweighted, divisors not 1 */
	MUTATE(payload_put32(c + 12, 1));        /* unstandardized, mean not 0 */
	MUTATE(payload_put64(c + 16, NAN));      /* a mean */
	MUTATE(payload_put64(c + scale, 0));     /* a scale */
	MUTATE(payload_put64(c + comp, INFINITY));
	MUTATE(payload_put64(c + w, 0));         /* a divisor */
	MUTATE(payload_put64(c + w + 8, -1));
#undef MUTATE
	free(c);
	free(b);
	free(b2);
	ad_pca_free(p);
	ad_pca_free(back);
}

static void test_options(void)
{
	const double flat[] = { 1, 2, 1, 2, 1, 2 };
	struct ad_pca_opts o;
	struct ad_pca *p = NULL;
	struct ad_error err;

	ad_pca_defaults(&o);
	CHECK(o.ncomp == 0 && o.nsel == 0 && o.weighted == 1 &&
	    o.standardize == 1);
	CHECK(ad_pca_fit(&o, tiny, 1, TINY_D, 0, &p, &err) == AD_EDATA);
	CHECK(ad_pca_fit(&o, flat, 3, 2, 0, &p, &err) == AD_EDATA);
	o.ncomp = 4;
	CHECK(ad_pca_fit(&o, tiny, TINY_N, TINY_D, 0, &p, &err) == AD_EUSAGE);
	o.ncomp = 2;
	o.nsel = 3;
	CHECK(ad_pca_fit(&o, tiny, TINY_N, TINY_D, 0, &p, &err) == AD_EUSAGE);
	ad_pca_defaults(&o);
	o.weighted = 2;
	CHECK(ad_pca_fit(&o, tiny, TINY_N, TINY_D, 0, &p, &err) == AD_EUSAGE);
	CHECK(p == NULL);
	/* two rows, three features: min(n, d) = 2 components */
	ad_pca_defaults(&o);
	CHECK(ad_pca_fit(&o, tiny, 2, TINY_D, 0, &p, &err) == AD_OK);
	CHECK(p != NULL && ad_pca_ncomp(p) == 2);
	if (p != NULL) {
		double s;
		ad_pca_score(p, tiny_new, 1, TINY_D, &s);
		CHECK(isfinite(s));
	}
	ad_pca_free(p);
	ad_pca_free(NULL);
}

/* ---- out of memory ---- */

static enum ad_status fit_encode_decode(void *ctx, struct ad_error *err)
{
	struct ad_pca_opts o;
	struct ad_pca *p = NULL, *back = NULL;
	unsigned char *b = NULL;
	enum ad_status st;

	(void)ctx;
	ad_pca_defaults(&o);
	if ((st = ad_pca_fit(&o, tiny, TINY_N, TINY_D, 0, &p, err)) != AD_OK)
		return st;
	if ((b = ad_malloc(ad_pca_encoded_size(p))) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	ad_pca_encode(p, b);
	st = ad_pca_decode(b, ad_pca_encoded_size(p), TINY_D, "m", &back, err);
out:
	ad_free(b);
	ad_pca_free(p);
	ad_pca_free(back);
	return st;
}

int main(void)
{
	(void)put_file;   /* files.h's, which oomloop.h brings along */
	test_by_hand();
	test_reference();
	test_payload();
	test_options();
	oom_loop("pca fit, encode, decode", fit_encode_decode, NULL, NULL);
	return CHECK_DONE("test_pca");
}
