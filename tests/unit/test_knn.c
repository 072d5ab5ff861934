/*
 * Unit tests of lib/detect/knn and the exact search under it
 * (lib/detect/neighbors): hand-checked scores, agreement with PyOD KNN
 * (scikit-learn NearestNeighbors), the search against brute force over
 * ties, duplicates and several tiles, self-exclusion, non-finite rows,
 * explanations, the payload's round trip and refusal of corrupt bytes, and
 * the OOM loop.
 */
#include "files.h"   /* first: it asks for POSIX */

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"
#include "refsample.h"

#include "knn.h"
#include "neighbors.h"
#include "pool.h"
#include "rng.h"
#include "wire.h"

static struct ad_knn *fit(const double *x, size_t n, size_t d, size_t k,
    enum ad_knn_method m)
{
	struct ad_knn_opts o = { k, m };
	struct ad_knn *knn = NULL;
	struct ad_error err;

	CHECK(ad_knn_fit(&o, x, n, d, 0, &knn, &err) == AD_OK);
	return knn;
}

static void score(const struct ad_knn *knn, const double *x, size_t n,
    double *s)
{
	void *w = malloc(ad_knn_workspace_size(knn));

	ad_knn_score(knn, x, n, ad_knn_nfeat(knn), w, s);
	free(w);
}

static void train_scores(const struct ad_knn *knn, double *s)
{
	void *w = malloc(ad_knn_workspace_size(knn));

	ad_knn_train_scores(knn, w, s);
	free(w);
}

/* ---- hand-checked ---- */

/* 1-d reference {0, 1, 3, 7}: each point's distances to the others are
 * 0: 1 3 7, 1: 1 2 6, 3: 2 3 4, 7: 4 6 7. */
static void test_hand(void)
{
	double x[] = { 0, 1, 3, 7 }, s[4], q[] = { 2, 10 };
	struct ad_knn *knn;

	knn = fit(x, 4, 1, 1, AD_KNN_LARGEST);
	train_scores(knn, s);
	CHECK(s[0] == 1 && s[1] == 1 && s[2] == 2 && s[3] == 4);
	score(knn, q, 2, s);
	CHECK(s[0] == 1 && s[1] == 3);
	ad_knn_free(knn);

	knn = fit(x, 4, 1, 2, AD_KNN_LARGEST);
	train_scores(knn, s);
	CHECK(s[0] == 3 && s[1] == 2 && s[2] == 3 && s[3] == 6);
	score(knn, q, 2, s);
	CHECK(s[0] == 1 && s[1] == 7);
	ad_knn_free(knn);

	knn = fit(x, 4, 1, 2, AD_KNN_MEAN);
	train_scores(knn, s);
	CHECK(s[0] == 2 && s[1] == 1.5 && s[2] == 2.5 && s[3] == 5);
	ad_knn_free(knn);

	/* median of three: the middle one; k above n - 1 is lowered */
	knn = fit(x, 4, 1, 50, AD_KNN_MEDIAN);
	CHECK(ad_knn_k(knn) == 3);
	train_scores(knn, s);
	CHECK(s[0] == 3 && s[1] == 2 && s[2] == 3 && s[3] == 6);
	ad_knn_free(knn);
}

/* Duplicates: {0, 0, 5}. Each 0 has the other at distance 0; a new row at
 * 0 drops one of them and keeps the other; a new row at 5 is taken for
 * the reference row 5, without itself. */
static void test_self_exclusion(void)
{
	double x[] = { 0, 0, 5 }, s[3], q[] = { 0, 5, 4 };
	struct ad_knn *knn = fit(x, 3, 1, 1, AD_KNN_LARGEST);

	train_scores(knn, s);
	CHECK(s[0] == 0 && s[1] == 0 && s[2] == 5);
	score(knn, q, 3, s);
	CHECK(s[0] == 0 && s[1] == 5 && s[2] == 1);
	ad_knn_free(knn);
}

/* ---- agreement with PyOD KNN ---- */

/* refsample.h's rows, standardized: 16 training rows, then 4 new. */
static double *rows20(void)
{
	double *x = malloc(sizeof refsample_rows);

	memcpy(x, refsample_rows, sizeof refsample_rows);
	refsample_standardize(x, 16, 4, 3);
	return x;
}

/* Computed by bench/detectors-ref.py knn --k K --method M --algorithm
 * kd_tree on refsample.h's training rows as a CSV (training scores) and
 * with its new rows as the second CSV (new rows); scikit-learn 1.2.1,
 * numpy 1.24.2. */
static const struct {
	size_t k;
	enum ad_knn_method m;
	double train[16];
	double fresh[4];
} pyod[] = {
	{ 3, AD_KNN_LARGEST, {
	    1.5289684156566734, 0.93126580976363904, 1.2859762492594942,
	    1.2859762492594942, 1.1043884309760024, 1.564759353373701,
	    1.0382977066757537, 1.4995532919776111, 1.1043884309760024,
	    1.5692098560884191, 1.7696275581224064, 1.4794356978552086,
	    1.9614195858087025, 1.3887857570491644, 1.4794356978552086,
	    3.1275450644670975 },
	  { 0.79493458207709344, 0.8765330106725735, 2.8976287061448782,
	    1.290699039008383 } },
	{ 3, AD_KNN_MEAN, {
	    1.1120486994074315, 0.73027993204806518, 0.64527947487529824,
	    0.64527947487529824, 0.83054945000958236, 1.1004526831392754,
	    0.77934068580285165, 1.3458014302103252, 0.85430140864493731,
	    1.2781762079367189, 1.5821934363807901, 1.1489597097737878,
	    1.8427964018905587, 1.1203612056387027, 1.4327882445589379,
	    2.8884331866529842 },
	  { 0.66399433536057173, 0.57886623201470844, 2.5292711138108235,
	    1.2774358172258091 } },
	{ 3, AD_KNN_MEDIAN, {
	    0.93126580976363904, 0.74822594012979426, 0.64986217536640045,
	    0.64986217536640045, 0.87591187280198224, 0.8765330106725735,
	    0.64986217536640045, 1.4995532919776111, 0.74822594012979426,
	    1.3887857570491644, 1.5692098560884191, 1.2571535766371396,
	    1.8576479729656326, 1.1122321744953922, 1.4123491936283701,
	    3.0233319665832457 },
	  { 0.72205548896952165, 0.86006568537155181, 2.3827395313531077,
	    1.281702293274269 } },
	{ 4, AD_KNN_MEDIAN, {
	    1.2301171127101562, 0.8397458749467166, 0.96791921231294731,
	    0.96791921231294731, 0.99015015188899236, 1.2206461820231373,
	    0.84407994102107708, 1.4995532919776111, 0.92630718555289837,
	    1.4789978065687919, 1.6694187071054127, 1.3682946372461742,
	    1.9095337793871674, 1.2505089657722783, 1.4458924457417894,
	    3.0754385155251716 },
	  { 0.75849503552330755, 0.86829934802206266, 2.6401841187489929,
	    1.2862006661413261 } },
};

static void test_pyod(void)
{
	double *x = rows20(), s[16];

	for (size_t c = 0; c < sizeof pyod / sizeof *pyod; c++) {
		struct ad_knn *knn = fit(x, 16, 3, pyod[c].k, pyod[c].m);
		train_scores(knn, s);
		for (size_t i = 0; i < 16; i++)
			CHECK(close_rel(s[i], pyod[c].train[i], 1e-12));
		score(knn, x + 48, 4, s);
		/* new row 1 repeats training row 5: it scores as row 5
		 * (PyOD counts the copy at distance 0) */
		CHECK(close_rel(s[1], pyod[c].train[5], 1e-12));
		CHECK(!close_rel(s[1], pyod[c].fresh[1], 1e-6));
		for (size_t i = 0; i < 4; i++)
			if (i != 1)
				CHECK(close_rel(s[i], pyod[c].fresh[i], 1e-12));
		ad_knn_free(knn);
	}
	free(x);
}

/* ---- the search against brute force ---- */

struct pair {
	double d2;
	size_t i;
};

static int by_distance(const void *a, const void *b)
{
	const struct pair *p = a, *q = b;

	if (p->d2 != q->d2)
		return p->d2 < q->d2 ? -1 : 1;
	return p->i < q->i ? -1 : p->i > q->i;
}

/* The k nearest of x among n rows of y by sorting every distance, with
 * neighbors.h's rule (drop the nearest at distance 0, else the k+1-th). */
static void brute(const double *y, size_t n, size_t d, const double *x,
    size_t k, double *dist, size_t *idx)
{
	struct pair *p = malloc(n * sizeof *p);
	size_t skip;

	for (size_t j = 0; j < n; j++) {
		double s = 0;
		for (size_t f = 0; f < d; f++) {
			double t = x[f] - y[j * d + f];
			s += t * t;
		}
		p[j].d2 = s;
		p[j].i = j;
	}
	qsort(p, n, sizeof *p, by_distance);
	skip = p[0].d2 == 0;
	for (size_t j = 0; j < k; j++) {
		dist[j] = sqrt(p[j + skip].d2);
		idx[j] = p[j + skip].i;
	}
	free(p);
}

/* n rows on a coarse grid (many ties and duplicates), a third of them
 * one point (more copies than a candidate list starts with), and one far
 * out. */
static double *grid_rows(size_t n, size_t d, uint64_t seed)
{
	double *x = malloc(n * d * sizeof *x);
	struct ad_rng r;

	ad_rng_seed(&r, seed, 7);
	for (size_t i = 0; i < n * d; i++)
		x[i] = round(2 * ad_rng_normal(&r)) / 2;
	for (size_t i = n / 10; i < n / 10 + n / 3; i++)
		for (size_t f = 0; f < d; f++)
			x[i * d + f] = 0.5;
	for (size_t f = 0; f < d; f++)
		x[7 * d + f] = 40 + (double)f;
	return x;
}

static void check_against_brute(const struct ad_neighbors *nb,
    const double *y, size_t n, size_t d, const double *q, size_t nq,
    size_t k)
{
	void *w = malloc(ad_neighbors_workspace_size(nb, k));
	double *bd = malloc(k * sizeof *bd);
	size_t *bi = malloc(k * sizeof *bi), bad = 0;
	const double *dist;
	const size_t *idx;

	for (size_t i0 = 0; i0 < nq; i0 += AD_NEIGHBORS_BLOCK) {
		size_t m = nq - i0 < AD_NEIGHBORS_BLOCK ? nq - i0 :
		    AD_NEIGHBORS_BLOCK;
		ad_neighbors_query(nb, k, q + i0 * d, m, d, w, &dist, &idx);
		for (size_t r = 0; r < m; r++) {
			brute(y, n, d, q + (i0 + r) * d, k, bd, bi);
			if (memcmp(bd, dist + r * k, k * sizeof *bd) != 0 ||
			    memcmp(bi, idx + r * k, k * sizeof *bi) != 0)
				bad++;
		}
	}
	CHECK(bad == 0);
	free(w);
	free(bd);
	free(bi);
}

static void test_search_exact(void)
{
	size_t n = 2500, d = 3;
	double *y = grid_rows(n, d, 1), *q = grid_rows(300, d, 2);
	struct ad_neighbors *nb = NULL;
	struct ad_error err;

	CHECK(ad_neighbors_new(y, n, d, &nb, &err) == AD_OK);
	/* the first 800 rows hold the far one and 550 copies of one point */
	check_against_brute(nb, y, n, d, y, 800, 1);
	check_against_brute(nb, y, n, d, y, 800, 7);
	check_against_brute(nb, y, n, d, q, 300, 7);
	check_against_brute(nb, y, n, d, q, 300, 1000);
	ad_neighbors_free(nb);
	free(y);
	free(q);
}

/* Near points far from the origin: |x|^2 + |y|^2 - 2 x.y cancels (its
 * rounding, about 1e-3, dwarfs distances of 1e-6), the exact
 * recomputation does not. */
static void test_search_cancellation(void)
{
	double y[100 * 2], q[2] = { 1e6, 1e6 + 57.2e-6 };
	const double *dist;
	const size_t *idx;
	size_t n = 100;
	struct ad_neighbors *nb = NULL;
	struct ad_error err;
	void *w;

	for (size_t i = 0; i < n; i++) {
		y[i * 2] = 1e6;
		y[i * 2 + 1] = 1e6 + 1e-6 * (double)i;
	}
	CHECK(ad_neighbors_new(y, n, 2, &nb, &err) == AD_OK);
	w = malloc(ad_neighbors_workspace_size(nb, 2));
	ad_neighbors_query(nb, 2, q, 1, 2, w, &dist, &idx);
	CHECK(idx[0] == 57 && idx[1] == 58);
	CHECK(dist[0] == fabs(q[1] - y[57 * 2 + 1]));
	free(w);
	ad_neighbors_free(nb);
}

/* A tight cluster far from the origin: squared distances of about 1e-10
 * against rounding of about 1e-10 in the dgemm formula, so its ranking is
 * noise that only the exact recomputation sorts out. */
static void test_search_far_cluster(void)
{
	size_t n = 500, d = 3, nq = 64;
	double *y = malloc(n * d * sizeof *y), *q = malloc(nq * d * sizeof *q);
	const double c[3] = { 100, -200, 300 };
	struct ad_neighbors *nb = NULL;
	struct ad_error err;
	struct ad_rng r;

	ad_rng_seed(&r, 5, 0);
	for (size_t i = 0; i < n * d; i++)
		y[i] = c[i % 3] + 1e-5 * ad_rng_normal(&r);
	for (size_t i = 0; i < nq * d; i++)
		q[i] = c[i % 3] + 1e-5 * ad_rng_normal(&r);
	CHECK(ad_neighbors_new(y, n, d, &nb, &err) == AD_OK);
	check_against_brute(nb, y, n, d, q, nq, 5);
	check_against_brute(nb, y, n, d, y, n, 5);
	ad_neighbors_free(nb);
	free(y);
	free(q);
}

/* A row's score is the same alone as in a block, and as a reference row. */
static void test_block_independence(void)
{
	size_t n = 700, d = 3;
	double *y = grid_rows(n, d, 3), *a = malloc(n * sizeof *a);
	double *b = malloc(n * sizeof *b);
	struct ad_knn *knn = fit(y, n, d, 5, AD_KNN_MEAN);

	train_scores(knn, a);
	score(knn, y, n, b);
	CHECK(memcmp(a, b, n * sizeof *a) == 0);
	for (size_t i = 0; i < n; i++)
		score(knn, y + i * d, 1, b + i);
	CHECK(memcmp(a, b, n * sizeof *a) == 0);
	ad_knn_free(knn);
	free(y);
	free(a);
	free(b);
}

/* Threads scoring at once, a workspace each, give the scores one thread
 * gives: the search reads the detector only. */
struct threads_ctx {
	const struct ad_knn *knn;
	const double *q;     /* 8 slices of 100 rows */
	double *s;
};

static enum ad_status score_slice(void *ctx, size_t i, struct ad_error *err)
{
	struct threads_ctx *c = ctx;
	size_t d = ad_knn_nfeat(c->knn);
	void *w = malloc(ad_knn_workspace_size(c->knn));

	(void)err;
	ad_knn_score(c->knn, c->q + i * 100 * d, 100, d, w, c->s + i * 100);
	free(w);
	return AD_OK;
}

static void test_threads(void)
{
	size_t d = 3;
	double *y = grid_rows(1500, d, 8), *q = grid_rows(800, d, 9);
	double *a = malloc(800 * sizeof *a), *b = malloc(800 * sizeof *b);
	struct ad_knn *knn = fit(y, 1500, d, 5, AD_KNN_LARGEST);
	struct threads_ctx c = { knn, q, b };
	struct ad_error err;

	score(knn, q, 800, a);
	CHECK(ad_pool_for(4, 8, score_slice, &c, &err) == AD_OK);
	CHECK(memcmp(a, b, 800 * sizeof *a) == 0);
	ad_knn_free(knn);
	free(y);
	free(q);
	free(a);
	free(b);
}

/* ---- non-finite rows, explanations, fitting errors ---- */

static void test_nonfinite(void)
{
	double x[] = { 0, 0, 1, 0, 0, 1, 1, 1 }, s[4];
	double q[] = { NAN, 0, INFINITY, 0, 1e200, 0, 0.5, -INFINITY };
	struct ad_knn *knn = fit(x, 4, 2, 2, AD_KNN_LARGEST);

	score(knn, q, 4, s);
	CHECK(isnan(s[0]));
	CHECK(isinf(s[1]) && s[1] > 0);
	CHECK(isinf(s[2]) && s[2] > 0);   /* its square overflows */
	CHECK(isinf(s[3]) && s[3] > 0);
	ad_knn_free(knn);
}

static void test_explain(void)
{
	/* reference (0,0) (1,0) (0,2) (5,5); row (0,0) is reference row 0,
	 * so its 2 nearest are (1,0) and (0,2): contributions (1 + 0) / 2
	 * and (0 + 4) / 2 */
	double x[] = { 0, 0, 1, 0, 0, 2, 5, 5 }, c[2], q[] = { 0, 0 };
	double r[] = { 1, 1 };
	struct ad_knn *knn = fit(x, 4, 2, 2, AD_KNN_LARGEST);
	void *w = malloc(ad_knn_workspace_size(knn));

	ad_knn_explain(knn, q, w, c);
	CHECK(c[0] == 0.5 && c[1] == 2);
	/* (1,1): nearest (1,0) at 1, then (0,0) at sqrt 2 */
	ad_knn_explain(knn, r, w, c);
	CHECK(c[0] == 0.5 && c[1] == 1);
	r[1] = NAN;
	ad_knn_explain(knn, r, w, c);
	CHECK(isnan(c[0]) && isnan(c[1]));
	free(w);
	ad_knn_free(knn);
}

static void test_fit_errors(void)
{
	double x[] = { 0, 1, NAN };
	struct ad_knn_opts o;
	struct ad_knn *knn = NULL;
	struct ad_error err;

	ad_knn_defaults(&o);
	CHECK(o.k == 5 && o.method == AD_KNN_LARGEST);
	CHECK(ad_knn_fit(&o, x, 1, 1, 0, &knn, &err) == AD_EDATA);
	CHECK(ad_knn_fit(&o, x, 3, 1, 0, &knn, &err) == AD_EDATA);
	o.k = 0;
	CHECK(ad_knn_fit(&o, x, 2, 1, 0, &knn, &err) == AD_EUSAGE);
	o.k = 1;
	o.method = (enum ad_knn_method)9;
	CHECK(ad_knn_fit(&o, x, 2, 1, 0, &knn, &err) == AD_EUSAGE);
	CHECK(knn == NULL);
}

static void test_method_names(void)
{
	enum ad_knn_method m = AD_KNN_LARGEST;

	CHECK(ad_knn_method_parse("median", &m) == 0 && m == AD_KNN_MEDIAN);
	CHECK(ad_knn_method_parse("max", &m) == -1 && m == AD_KNN_MEDIAN);
	CHECK_STR(ad_knn_method_name(AD_KNN_MEAN), "mean");
	CHECK_STR(ad_knn_method_name((enum ad_knn_method)0), "?");
}

/* ---- the payload ---- */

static unsigned char *encode(const struct ad_knn *knn, size_t *len)
{
	unsigned char *p;

	*len = ad_knn_encoded_size(knn);
	p = malloc(*len);
	ad_knn_encode(knn, p);
	return p;
}

static int decode_fails(const unsigned char *p, size_t len, size_t nfeat)
{
	struct ad_knn *knn = NULL;
	struct ad_error err;
	enum ad_status st;

	memset(&err, 0, sizeof err);
	st = ad_knn_decode(p, len, nfeat, "m.adm", &knn, &err);
	if (st == AD_OK)
		ad_knn_free(knn);
	return st == AD_EDATA && knn == NULL &&
	    strncmp(err.msg, "corrupt model: ", 15) == 0 &&
	    strcmp(err.file, "m.adm") == 0;
}

static void test_roundtrip(void)
{
	double *x = rows20(), a[4], b[4];
	struct ad_knn *knn = fit(x, 16, 3, 3, AD_KNN_MEDIAN), *back = NULL;
	struct ad_error err;
	size_t len, len2;
	unsigned char *p = encode(knn, &len), *p2;

	CHECK(len == 8 + 4 + 16 * 3 * 8);
	CHECK(ad_knn_decode(p, len, 3, "m", &back, &err) == AD_OK);
	p2 = encode(back, &len2);
	CHECK(len2 == len && memcmp(p, p2, len) == 0);
	CHECK(ad_knn_k(back) == 3 && ad_knn_method(back) == AD_KNN_MEDIAN &&
	    ad_knn_nref(back) == 16 && ad_knn_nfeat(back) == 3);
	score(knn, x + 48, 4, a);
	score(back, x + 48, 4, b);
	CHECK(memcmp(a, b, sizeof a) == 0);
	ad_knn_free(back);
	free(p2);

	for (size_t l = 0; l < len; l++)
		CHECK(decode_fails(p, l, 3));
	p2 = malloc(len + 1);
	memcpy(p2, p, len);
	p2[len] = 0;
	CHECK(decode_fails(p2, len + 1, 3));   /* a byte too many */
	CHECK(decode_fails(p, len, 2));        /* another width */
	CHECK(decode_fails(p, len, 4));
	memcpy(p2, p, len);
	ad_wire_put_u32(p2, 0);           /* k 0 */
	CHECK(decode_fails(p2, len, 3));
	ad_wire_put_u32(p2, 16);          /* k = n */
	CHECK(decode_fails(p2, len, 3));
	memcpy(p2, p, len);
	ad_wire_put_u32(p2 + 4, 4);       /* method */
	CHECK(decode_fails(p2, len, 3));
	ad_wire_put_u32(p2 + 4, 0);
	CHECK(decode_fails(p2, len, 3));
	memcpy(p2, p, len);
	ad_wire_put_u32(p2 + 8, 0);       /* no rows */
	CHECK(decode_fails(p2, len, 3));
	ad_wire_put_u32(p2 + 8, 17);      /* more rows than bytes */
	CHECK(decode_fails(p2, len, 3));
	ad_wire_put_u32(p2 + 8, UINT32_MAX);
	CHECK(decode_fails(p2, len, 3));
	ad_wire_put_u32(p2 + 8, 15);      /* fewer: bytes left over */
	CHECK(decode_fails(p2, len, 3));
	memcpy(p2, p, len);
	ad_wire_put_f64(p2 + 12 + 8 * 20, NAN);
	CHECK(decode_fails(p2, len, 3));
	ad_wire_put_f64(p2 + 12 + 8 * 20, 1e200);   /* norm overflows */
	CHECK(decode_fails(p2, len, 3));
	free(p2);
	free(p);
	ad_knn_free(knn);
	free(x);
}

/* ---- out of memory ---- */

struct oom_ctx {
	const double *x;
	size_t n, d;
};

static enum ad_status oom_knn(void *ctx, struct ad_error *err)
{
	struct oom_ctx *c = ctx;
	struct ad_knn_opts o = { 4, AD_KNN_MEAN };
	struct ad_knn *knn = NULL, *back = NULL;
	unsigned char *p = NULL;
	double *s = NULL;
	void *w = NULL;
	enum ad_status st;

	if ((st = ad_knn_fit(&o, c->x, c->n, c->d, 0, &knn, err)) != AD_OK)
		return st;
	w = ad_malloc(ad_knn_workspace_size(knn));
	s = ad_malloc(c->n * sizeof *s);
	p = ad_malloc(ad_knn_encoded_size(knn));
	if (w == NULL || s == NULL || p == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	ad_knn_train_scores(knn, w, s);
	ad_knn_encode(knn, p);
	if ((st = ad_knn_decode(p, ad_knn_encoded_size(knn), c->d, "m", &back,
	    err)) != AD_OK)
		goto out;
	ad_knn_score(back, c->x, c->n, c->d, w, s);
out:
	ad_free(w);
	ad_free(s);
	ad_free(p);
	ad_knn_free(knn);
	ad_knn_free(back);
	return st;
}

static void test_oom(void)
{
	double *x = grid_rows(50, 3, 4);
	struct oom_ctx c = { x, 50, 3 };

	oom_loop("knn", oom_knn, &c, NULL);
	free(x);
}

int main(void)
{
	test_hand();
	test_self_exclusion();
	test_pyod();
	test_search_exact();
	test_search_cancellation();
	test_search_far_cluster();
	test_block_independence();
	test_threads();
	test_nonfinite();
	test_explain();
	test_fit_errors();
	test_method_names();
	test_roundtrip();
	test_oom();
	(void)put_file;   /* files.h's, not needed here */
	return CHECK_DONE("test_knn");
}
