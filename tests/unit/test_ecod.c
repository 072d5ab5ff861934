/*
 * lib/detect/ecod: tail probabilities and scores worked out by hand (ties,
 * skewness signs, both aggregates), PyOD's scores on a tiny set
 * (bench/detectors-ref.py) for training rows and new rows, explanations
 * summing to the score, the payload's round trip and its refusals, and
 * the OOM loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "ecod.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"
#include "payloads.h"

static struct ad_ecod *fit(enum ad_ecod_aggregate agg, const double *x,
    size_t n, size_t d)
{
	struct ad_ecod_opts o;
	struct ad_ecod *e = NULL;
	struct ad_error err;

	ad_ecod_defaults(&o);
	o.aggregate = agg;
	if (ad_ecod_fit(&o, x, n, d, 0, &e, &err) != AD_OK) {
		fprintf(stderr, "fit: %s\n", err.msg);
		e = NULL;
	}
	CHECK(e != NULL);
	return e;
}

static int near(double got, double want)
{
	return fabs(got - want) <= 1e-15 * fabs(want) + 1e-300;
}

/* One feature 1, 2, 2, 3: zero skewness, so a term is U_l + U_r. In the
 * sample (N = 4, probabilities .25 .5 .75 1): 2 has 3 values <= and 3 >=
 * it; a new row joins it (N = 5: .2 .4 .6 .8 1). */
static void test_by_hand(void)
{
	const double x[] = { 1, 2, 2, 3 }, v2 = 2, v10 = 10, v1 = 1;
	struct ad_ecod *e;
	double s;

	if ((e = fit(AD_ECOD_PYOD, x, 4, 1)) == NULL)
		return;
	CHECK(ad_ecod_nrows(e) == 4 && ad_ecod_nfeat(e) == 1);
	CHECK(ad_ecod_skew_sign(e, 0) == 0);
	ad_ecod_score_train(e, &v2, 1, 1, &s);
	CHECK(near(s, -2 * log(0.75)));
	ad_ecod_score_train(e, &v1, 1, 1, &s);
	CHECK(near(s, log(4)));
	ad_ecod_score(e, &v2, 1, 1, &s);
	CHECK(near(s, -2 * log(0.8)));
	ad_ecod_score(e, &v10, 1, 1, &s);
	CHECK(near(s, log(5)));
	ad_ecod_free(e);
}

/* Features A = 1, 2, 3, 4 (skewness 0) and B = 0, 0, 0, 10 (positive).
 * Row (1, 10): A's U_l = log 4, U_r = 0; B's U_l = 0, U_r = log 4. PyOD
 * sums per-feature terms (A: U_l + U_r, B: the larger): 2 log 4; the
 * paper takes the largest of sum U_l = log 4, sum U_r = log 4 and the
 * automatic sum (A's and B's U_r) = log 4: log 4, from the left tails. */
static void test_aggregates(void)
{
	const double x[] = { 1, 0, 2, 0, 3, 0, 4, 10 }, row[] = { 1, 10 };
	struct ad_ecod *p, *q;
	double s, c[2];

	if ((p = fit(AD_ECOD_PYOD, x, 4, 2)) == NULL ||
	    (q = fit(AD_ECOD_PAPER, x, 4, 2)) == NULL)
		return;
	CHECK(ad_ecod_skew_sign(p, 0) == 0 && ad_ecod_skew_sign(p, 1) == 1);
	ad_ecod_score_train(p, row, 1, 2, &s);
	CHECK(near(s, 2 * log(4)));
	ad_ecod_explain_train(p, row, c);
	CHECK(near(c[0], log(4)) && near(c[1], log(4)));
	ad_ecod_score_train(q, row, 1, 2, &s);
	CHECK(near(s, log(4)));
	ad_ecod_explain_train(q, row, c);
	CHECK(near(c[0], log(4)) && c[1] == 0);
	ad_ecod_free(p);
	ad_ecod_free(q);
}

/* bench/detectors-ref.py ecod --raw tiny.csv (and tiny.csv NEW.csv). */
static void test_reference(void)
{
	static const double want[TINY_N] = {
		2.4849066497880004, 2.6026896854443837, 3.0239031505206873,
		3.5835189384561099, 3.9889840465642745, 6.0684255882441107,
		2.1564025828159643, 3.3603753871419002, 4.9698132995760007,
		3.7658404952500648, 7.4547199493640015, 2.0430738975089611,
	};
	static const double want_new[TINY_NEW_N] = {
		2.0964261133862356, 7.6948480723846107, 4.8044763144884453,
		2.0600584692153605, 5.9030886031565544,
	};
	struct ad_ecod *e;
	double s[TINY_N], c[TINY_D];

	if ((e = fit(AD_ECOD_PYOD, tiny, TINY_N, TINY_D)) == NULL)
		return;
	ad_ecod_score_train(e, tiny, TINY_N, TINY_D, s);
	CHECK(close_all(s, want, TINY_N, 1e-14));
	ad_ecod_score(e, tiny_new, TINY_NEW_N, TINY_D, s);
	CHECK(close_all(s, want_new, TINY_NEW_N, 1e-14));
	for (size_t i = 0; i < TINY_NEW_N; i++) {
		ad_ecod_explain(e, tiny_new + i * TINY_D, c);
		CHECK(fabs(c[0] + c[1] + c[2] - s[i]) <= 1e-14 * s[i]);
	}
	ad_ecod_explain_train(e, tiny + 10 * TINY_D, c);
	CHECK(fabs(c[0] + c[1] + c[2] - want[10]) <= 1e-14 * want[10]);
	/* a training row scored as a new one joins the sample again */
	ad_ecod_score(e, tiny, 1, TINY_D, s);
	CHECK(s[0] != want[0]);
	ad_ecod_free(e);
}

/* ---- the payload ---- */

static enum ad_status decode(const unsigned char *p, size_t len,
    size_t nfeat, struct ad_error *err)
{
	struct ad_ecod *e = NULL;
	enum ad_status st = ad_ecod_decode(p, len, nfeat, "m", &e, err);

	ad_ecod_free(e);
	return st;
}

static unsigned char *encode(const struct ad_ecod *e, size_t *len)
{
	unsigned char *p;

	*len = ad_ecod_encoded_size(e);
	p = malloc(*len);
	ad_ecod_encode(e, p);
	return p;
}

static void test_payload(void)
{
	struct ad_ecod *e, *back = NULL;
	struct ad_error err;
	unsigned char *b, *b2, *c;
	size_t len, len2, vals = 16 + 4 * TINY_D;
	double s1[TINY_NEW_N], s2[TINY_NEW_N];

	if ((e = fit(AD_ECOD_PAPER, tiny, TINY_N, TINY_D)) == NULL)
		return;
	b = encode(e, &len);
	CHECK(len == vals + 8 * TINY_N * TINY_D);
	CHECK(ad_ecod_decode(b, len, TINY_D, "m", &back, &err) == AD_OK);
	if (back == NULL)
		return;
	b2 = encode(back, &len2);
	CHECK(len2 == len && memcmp(b, b2, len) == 0);
	ad_ecod_score(e, tiny_new, TINY_NEW_N, TINY_D, s1);
	ad_ecod_score(back, tiny_new, TINY_NEW_N, TINY_D, s2);
	CHECK(memcmp(s1, s2, sizeof s1) == 0);
	payload_check_cuts(decode, b, len, TINY_D);
	c = malloc(len);
#define MUTATE(stmt) do { memcpy(c, b, len); stmt; \
	CHECK(payload_refused(decode, c, len, TINY_D)); } while (0)
	MUTATE(payload_put32(c, 0));             /* features */
	MUTATE(payload_put32(c + 4, 2));         /* aggregate */
	MUTATE(payload_put32(c + 8, 0));         /* rows */
	MUTATE(payload_put32(c + 8, 11));
	MUTATE(payload_put32(c + 8, 0xFFFFFFFFu));
	MUTATE(payload_put32(c + 12, 1));
	MUTATE(payload_put32(c + 16, 3));        /* a skewness sign */
	MUTATE(payload_put64(c + vals, NAN));    /* a value */
	MUTATE(payload_put64(c + vals + 8, -1e300));   /* out of order */
#undef MUTATE
	free(c);
	free(b);
	free(b2);
	ad_ecod_free(e);
	ad_ecod_free(back);
}

static void test_options(void)
{
	struct ad_ecod_opts o;
	struct ad_ecod *e = NULL;
	struct ad_error err;

	ad_ecod_defaults(&o);
	CHECK(o.aggregate == AD_ECOD_PYOD);
	CHECK(ad_ecod_fit(&o, tiny, 0, TINY_D, 0, &e, &err) == AD_EDATA);
	o.aggregate = (enum ad_ecod_aggregate)7;
	CHECK(ad_ecod_fit(&o, tiny, TINY_N, TINY_D, 0, &e, &err) == AD_EUSAGE);
	CHECK(e == NULL);
	ad_ecod_free(NULL);
}

/* Many rows, many ties: the index of block heads and the search agree
 * with counting. */
static void test_many_rows(void)
{
	size_t n = 1000;
	double *x = malloc(n * sizeof *x), s, want;
	struct ad_ecod *e;

	for (size_t i = 0; i < n; i++)
		x[i] = (double)((i * 7919) % 37);      /* 0..36, ties */
	if ((e = fit(AD_ECOD_PYOD, x, n, 1)) == NULL)
		return;
	for (double v = -1; v <= 37; v += 0.5) {
		size_t le = 0, ge = 0;
		double pl, pr, N = (double)n + 1;
		for (size_t i = 0; i < n; i++) {
			le += x[i] <= v;
			ge += x[i] >= v;
		}
		pl = le + 1 >= n + 1 ? 1 : (double)le * ((1 - 1 / N) / (N - 1)) + 1 / N;
		pr = ge + 1 >= n + 1 ? 1 : (double)ge * ((1 - 1 / N) / (N - 1)) + 1 / N;
		want = ad_ecod_skew_sign(e, 0) == 0 ? -log(pl) - log(pr) :
		    fmax(-log(pl), -log(pr));
		ad_ecod_score(e, &v, 1, 1, &s);
		CHECK(near(s, want));
	}
	ad_ecod_free(e);
	free(x);
}

/* ---- out of memory ---- */

static enum ad_status fit_encode_decode(void *ctx, struct ad_error *err)
{
	struct ad_ecod_opts o;
	struct ad_ecod *e = NULL, *back = NULL;
	unsigned char *b = NULL;
	enum ad_status st;

	(void)ctx;
	ad_ecod_defaults(&o);
	if ((st = ad_ecod_fit(&o, tiny, TINY_N, TINY_D, 0, &e, err)) != AD_OK)
		return st;
	if ((b = ad_malloc(ad_ecod_encoded_size(e))) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	ad_ecod_encode(e, b);
	st = ad_ecod_decode(b, ad_ecod_encoded_size(e), TINY_D, "m", &back, err);
out:
	ad_free(b);
	ad_ecod_free(e);
	ad_ecod_free(back);
	return st;
}

int main(void)
{
	(void)put_file;   /* files.h's, which oomloop.h brings along */
	test_by_hand();
	test_aggregates();
	test_reference();
	test_payload();
	test_options();
	test_many_rows();
	oom_loop("ecod fit, encode, decode", fit_encode_decode, NULL, NULL);
	return CHECK_DONE("test_ecod");
}
