/*
 * Unit tests of lib/detect/lof: hand-checked factors, agreement with
 * scikit-learn's LocalOutlierFactor(novelty=True), more duplicates than
 * neighbours, training rows scoring as fitted, explanations, the payload's
 * round trip and refusal of corrupt bytes, and the OOM loop.
 */
#include "files.h"   /* first: it asks for POSIX */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"
#include "refsample.h"

#include "lof.h"
#include "rng.h"
#include "wire.h"

static struct ad_lof *fit(const double *x, size_t n, size_t d, size_t k)
{
	struct ad_lof_opts o = { k };
	struct ad_lof *lof = NULL;
	struct ad_error err;

	CHECK(ad_lof_fit(&o, x, n, d, 0, &lof, &err) == AD_OK);
	return lof;
}

static void score(const struct ad_lof *lof, const double *x, size_t n,
    double *s)
{
	void *w = malloc(ad_lof_workspace_size(lof));

	ad_lof_score(lof, x, n, ad_lof_nfeat(lof), w, s);
	free(w);
}

static void train_scores(const struct ad_lof *lof, double *s)
{
	void *w = malloc(ad_lof_workspace_size(lof));

	ad_lof_train_scores(lof, w, s);
	free(w);
}

/* ---- hand-checked ---- */

/* 1-d reference {0, 1, 3, 7}, k 1: nearest 0->1, 1->0, 3->1, 7->3, so
 * kdist 1, 1, 2, 4 and reach distances 1, 1, 2, 4: lrd = 1/(r + 1e-10);
 * each factor is lrd(neighbour) / lrd(row). */
static void test_hand(void)
{
	double x[] = { 0, 1, 3, 7 }, s[4], q[] = { 5, 20 };
	struct ad_lof *lof = fit(x, 4, 1, 1);
	double e = 1e-10;

	train_scores(lof, s);
	CHECK(s[0] == 1 && s[1] == 1);
	CHECK(close_rel(s[2], (2 + e) / (1 + e), 1e-15));
	CHECK(close_rel(s[3], (4 + e) / (2 + e), 1e-15));
	/* 5: nearest 3 or 7 at 2 (3 first, by index); reach max(2, 2) = 2,
	 * ratio lrd(3) / lrd(5) = 1. 20: nearest 7 at 13, ratio
	 * (13 + e) / (4 + e) */
	score(lof, q, 2, s);
	CHECK(close_rel(s[0], 1, 1e-15));
	CHECK(close_rel(s[1], (13 + e) / (4 + e), 1e-15));
	ad_lof_free(lof);
}

/* ---- agreement with scikit-learn ---- */

/* Computed by bench/detectors-ref.py lof --k 4 --algorithm kd_tree on
 * refsample.h's training rows as a CSV, then with its new rows as the
 * second CSV; scikit-learn 1.2.1, numpy 1.24.2. */
static const double sk_train[16] = {
	0.99716306984067971, 1.0303366201837396, 0.98513837850332697,
	0.98513837850332697, 0.98174089010359455, 1.0844867913230736,
	1.0456314869944767, 1.1062918860354425, 0.92831236258058158,
	0.98191501587685315, 1.058916369352825, 1.0142892622838506,
	1.098625341169932, 1.0075360902650186, 1.0638929770646393,
	2.0515349122608995
};
static const double sk_new[4] = {
	0.86653445440219512, 1.0269289973303179, 1.7333466123747217,
	0.92518429284266834
};

static void test_sklearn(void)
{
	double x[20 * 3], s[16];
	struct ad_lof *lof;

	memcpy(x, refsample_rows, sizeof refsample_rows);
	refsample_standardize(x, 16, 4, 3);
	lof = fit(x, 16, 3, 4);
	train_scores(lof, s);
	for (size_t i = 0; i < 16; i++)
		CHECK(close_rel(s[i], sk_train[i], 1e-12));
	score(lof, x + 48, 4, s);
	/* new row 1 repeats training row 5: it scores as row 5 */
	CHECK(close_rel(s[1], sk_train[5], 1e-12));
	for (size_t i = 0; i < 4; i++)
		if (i != 1)
			CHECK(close_rel(s[i], sk_new[i], 1e-12));
	ad_lof_free(lof);
}

/* Five copies of 0 with k 2: their reach distances are 0 and their lrd
 * 1e10 (scikit-learn's 1e-10 guard). Computed by bench/detectors-ref.py
 * lof --k 2 --algorithm kd_tree on the 1-column CSV 0 0 0 0 0 1 2 10, then
 * with 0 0.5 10 20 as new rows. */
static void test_duplicates(void)
{
	double x[12] = { 0, 0, 0, 0, 0, 1, 2, 10, 0, 0.5, 10, 20 }, s[8];
	static const double train[8] = {
		1, 1, 1, 1, 1, 3088365746.9287314, 2316274310.6965489,
		7.0833333316154166
	};
	static const double fresh[4] = {
		1, 1544182873.964366, 3.3333333328296506, 5.4901960775196148
	};
	struct ad_lof *lof;

	refsample_standardize(x, 8, 4, 1);
	lof = fit(x, 8, 1, 2);
	train_scores(lof, s);
	for (size_t i = 0; i < 8; i++)
		CHECK(close_rel(s[i], train[i], 1e-9));
	score(lof, x + 8, 4, s);
	/* new row 10 repeats training row 7: it scores as row 7 */
	CHECK(close_rel(s[0], fresh[0], 1e-12));
	CHECK(close_rel(s[1], fresh[1], 1e-9));
	CHECK(close_rel(s[2], train[7], 1e-9));
	CHECK(close_rel(s[3], fresh[3], 1e-9));
	ad_lof_free(lof);
}

/* A reference row scores bit for bit as fitted, alone or in a block. */
static void test_train_rows(void)
{
	size_t n = 600, d = 2;
	double *x = malloc(n * d * sizeof *x), *a = malloc(n * sizeof *a);
	double *b = malloc(n * sizeof *b);
	struct ad_lof *lof;
	struct ad_rng r;

	ad_rng_seed(&r, 11, 0);
	for (size_t i = 0; i < n * d; i++)
		x[i] = round(4 * ad_rng_normal(&r)) / 4;
	lof = fit(x, n, d, 20);
	train_scores(lof, a);
	for (size_t i = 0; i < n; i++)
		score(lof, x + i * d, 1, b + i);
	CHECK(memcmp(a, b, n * sizeof *a) == 0);
	score(lof, x, n, b);
	CHECK(memcmp(a, b, n * sizeof *a) == 0);
	ad_lof_free(lof);
	free(x);
	free(a);
	free(b);
}

static void test_nonfinite_and_explain(void)
{
	double x[] = { 0, 0, 1, 0, 0, 2, 5, 5 }, s[2], c[2];
	double q[] = { NAN, 0, INFINITY, 0 }, z[] = { 0, 0 };
	struct ad_lof *lof = fit(x, 4, 2, 2);
	void *w = malloc(ad_lof_workspace_size(lof));

	score(lof, q, 2, s);
	CHECK(isnan(s[0]));
	CHECK(isinf(s[1]) && s[1] > 0);
	/* (0,0) is reference row 0: its 2 nearest are (1,0) and (0,2) */
	ad_lof_explain(lof, z, w, c);
	CHECK(c[0] == 0.5 && c[1] == 2);
	ad_lof_explain(lof, q, w, c);
	CHECK(isnan(c[0]) && isnan(c[1]));
	free(w);
	ad_lof_free(lof);
}

static void test_fit_errors(void)
{
	double x[] = { 0, 1, NAN };
	struct ad_lof_opts o;
	struct ad_lof *lof = NULL;
	struct ad_error err;

	ad_lof_defaults(&o);
	CHECK(o.k == 20);
	CHECK(ad_lof_fit(&o, x, 1, 1, 0, &lof, &err) == AD_EDATA);
	CHECK(ad_lof_fit(&o, x, 3, 1, 0, &lof, &err) == AD_EDATA);
	o.k = 0;
	CHECK(ad_lof_fit(&o, x, 2, 1, 0, &lof, &err) == AD_EUSAGE);
	o.k = AD_LOF_MAX_K + 1;
	CHECK(ad_lof_fit(&o, x, 2, 1, 0, &lof, &err) == AD_EUSAGE);
	CHECK(lof == NULL);
	o.k = 20;   /* lowered to n - 1 */
	CHECK(ad_lof_fit(&o, x, 2, 1, 0, &lof, &err) == AD_OK);
	CHECK(ad_lof_k(lof) == 1 && ad_lof_nref(lof) == 2);
	ad_lof_free(lof);
}

/* ---- the payload ---- */

static unsigned char *encode(const struct ad_lof *lof, size_t *len)
{
	unsigned char *p;

	*len = ad_lof_encoded_size(lof);
	p = malloc(*len);
	ad_lof_encode(lof, p);
	return p;
}

static int decode_fails(const unsigned char *p, size_t len, size_t nfeat)
{
	struct ad_lof *lof = NULL;
	struct ad_error err;
	enum ad_status st;

	memset(&err, 0, sizeof err);
	st = ad_lof_decode(p, len, nfeat, "m.adm", &lof, &err);
	if (st == AD_OK)
		ad_lof_free(lof);
	return st == AD_EDATA && lof == NULL &&
	    strncmp(err.msg, "corrupt model: ", 15) == 0 &&
	    strcmp(err.file, "m.adm") == 0;
}

static void test_roundtrip(void)
{
	double x[20 * 3], a[4], b[4], t1[16], t2[16];
	struct ad_lof *lof, *back = NULL;
	struct ad_error err;
	size_t len, len2, dens;
	unsigned char *p, *p2;

	memcpy(x, refsample_rows, sizeof refsample_rows);
	refsample_standardize(x, 16, 4, 3);
	lof = fit(x, 16, 3, 4);
	p = encode(lof, &len);
	CHECK(len == 4 + 4 + 16 * 3 * 8 + 16 * 16);
	CHECK(ad_lof_decode(p, len, 3, "m", &back, &err) == AD_OK);
	p2 = encode(back, &len2);
	CHECK(len2 == len && memcmp(p, p2, len) == 0);
	CHECK(ad_lof_k(back) == 4 && ad_lof_nref(back) == 16);
	score(lof, x + 48, 4, a);
	score(back, x + 48, 4, b);
	CHECK(memcmp(a, b, sizeof a) == 0);
	train_scores(lof, t1);
	train_scores(back, t2);   /* searched again */
	CHECK(memcmp(t1, t2, sizeof t1) == 0);
	ad_lof_free(back);
	free(p2);

	for (size_t l = 0; l < len; l++)
		CHECK(decode_fails(p, l, 3));
	p2 = malloc(len + 1);
	memcpy(p2, p, len);
	p2[len] = 0;
	CHECK(decode_fails(p2, len + 1, 3));   /* a byte too many */
	CHECK(decode_fails(p, len, 2));        /* another width */
	memcpy(p2, p, len);
	ad_wire_put_u32(p2, 0);           /* k 0 */
	CHECK(decode_fails(p2, len, 3));
	ad_wire_put_u32(p2, 16);          /* k = n */
	CHECK(decode_fails(p2, len, 3));
	memcpy(p2, p, len);
	ad_wire_put_u32(p2 + 4, 17);      /* more rows than bytes */
	CHECK(decode_fails(p2, len, 3));
	ad_wire_put_u32(p2 + 4, 0);
	CHECK(decode_fails(p2, len, 3));
	dens = 8 + 16 * 3 * 8;                 /* kdist, then lrd */
	memcpy(p2, p, len);
	ad_wire_put_f64(p2 + dens + 8 * 3, -1);
	CHECK(decode_fails(p2, len, 3));
	ad_wire_put_f64(p2 + dens + 8 * 3, INFINITY);
	CHECK(decode_fails(p2, len, 3));
	memcpy(p2, p, len);
	ad_wire_put_f64(p2 + dens + 8 * 16 + 8 * 5, 0);
	CHECK(decode_fails(p2, len, 3));
	ad_wire_put_f64(p2 + dens + 8 * 16 + 8 * 5, NAN);
	CHECK(decode_fails(p2, len, 3));
	free(p2);
	free(p);
	ad_lof_free(lof);
}

/* ---- out of memory ---- */

struct oom_ctx {
	const double *x;
	size_t n, d;
};

static enum ad_status oom_lof(void *ctx, struct ad_error *err)
{
	struct oom_ctx *c = ctx;
	struct ad_lof_opts o = { 5 };
	struct ad_lof *lof = NULL, *back = NULL;
	unsigned char *p = NULL;
	double *s = NULL;
	void *w = NULL;
	enum ad_status st;

	if ((st = ad_lof_fit(&o, c->x, c->n, c->d, 0, &lof, err)) != AD_OK)
		return st;
	w = ad_malloc(ad_lof_workspace_size(lof));
	s = ad_malloc(c->n * sizeof *s);
	p = ad_malloc(ad_lof_encoded_size(lof));
	if (w == NULL || s == NULL || p == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	ad_lof_train_scores(lof, w, s);
	ad_lof_encode(lof, p);
	if ((st = ad_lof_decode(p, ad_lof_encoded_size(lof), c->d, "m", &back,
	    err)) != AD_OK)
		goto out;
	ad_lof_score(back, c->x, c->n, c->d, w, s);
out:
	ad_free(w);
	ad_free(s);
	ad_free(p);
	ad_lof_free(lof);
	ad_lof_free(back);
	return st;
}

static void test_oom(void)
{
	double x[40 * 2];
	struct oom_ctx c = { x, 40, 2 };
	struct ad_rng r;

	ad_rng_seed(&r, 3, 0);
	for (size_t i = 0; i < 80; i++)
		x[i] = ad_rng_normal(&r);
	oom_loop("lof", oom_lof, &c, NULL);
}

int main(void)
{
	test_hand();
	test_sklearn();
	test_duplicates();
	test_train_rows();
	test_nonfinite_and_explain();
	test_fit_errors();
	test_roundtrip();
	test_oom();
	(void)put_file;   /* files.h's, not needed here */
	return CHECK_DONE("test_lof");
}
