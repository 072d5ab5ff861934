/*
 * lib/iforest and lib/rng: a tiny forest written byte by byte whose path
 * lengths and scores are worked out by hand (missing values included), the
 * decoder's refusals, and forests grown from data: outliers found,
 * determinism, constant and missing data, explanations, merging, and the
 * fast scoring walk against the plain one.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "iforest.h"
#include "rng.h"

#include "check.h"

#define NEAR(a, b) (fabs((a) - (b)) <= 1e-12 * (1 + fabs((double)(b))))

/* ---- building payloads by hand ---- */

struct bytes {
	unsigned char p[4096];
	size_t n;
};

static void u32(struct bytes *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->p[b->n++] = (unsigned char)(v >> (8 * i));
}

static void f64(struct bytes *b, double v)
{
	uint64_t u;

	memcpy(&u, &v, 8);
	for (int i = 0; i < 8; i++)
		b->p[b->n++] = (unsigned char)(u >> (8 * i));
}

#define LEAF 0xFFFFFFFFu

/* How to spoil the hand-made forest, to see the decoder refuse it. */
enum spoil {
	FINE, BAD_CHILD, BAD_FEATURE, NAN_THRESHOLD, BAD_COUNT, EMPTY_CHILD,
	TOO_DEEP, BIG_PSI, FEW_NODES, TRUNCATED, TRAILING, TREE_COUNT
};

/*
 * Tree 1, grown on psi = 4 rows (depth limit 2):
 *
 *   node 0: 4 rows, x0 <= 5 ?
 *     node 1: leaf, 1 row                      (depth 1)
 *     node 2: 3 rows, x1 <= 2 ?
 *       node 3: leaf, 1 row                    (depth 2)
 *       node 4: leaf, 2 rows                   (depth 2)
 *
 * Tree 2: four equal rows, so the root is a leaf of 4 rows.
 */
static void tiny_forest(struct bytes *b, enum spoil s)
{
	b->n = 0;
	u32(b, s == TREE_COUNT ? 3 : 2);
	u32(b, s == BIG_PSI ? 5 : 4);                   /* tree 1: psi */
	u32(b, s == FEW_NODES ? 4 : 5);                 /* nodes */
	u32(b, 4); u32(b, s == BAD_FEATURE ? 2 : 0);    /* node 0 */
	u32(b, s == BAD_CHILD ? 2 : 1);
	f64(b, s == NAN_THRESHOLD ? NAN : 5);
	u32(b, s == EMPTY_CHILD ? 0 : 1); u32(b, LEAF); /* node 1 */
	u32(b, s == EMPTY_CHILD ? 4 : 3); u32(b, 1);    /* node 2 */
	u32(b, 3); f64(b, 2);
	u32(b, 1);                                      /* node 3 */
	if (s == TOO_DEEP) {
		u32(b, 0); u32(b, 5); f64(b, 0);
	} else {
		u32(b, LEAF);
	}
	u32(b, s == BAD_COUNT ? 3 : 2); u32(b, LEAF);  /* node 4 */
	u32(b, 4);                                      /* tree 2: psi */
	u32(b, 1);
	u32(b, 4); u32(b, LEAF);
	if (s == TRUNCATED)
		b->n -= 3;
	if (s == TRAILING)
		u32(b, 0);
}

static const struct ad_iforest_params tiny_params = {
	AD_IFOREST_IF, 2, 2, 4, 0
};

/* c(4) = 2 (ln 3 + Euler's gamma) - 2 * 3/4, by hand. */
static const double c4 = 2 * (1.0986122886681098 + 0.5772156649015329) - 1.5;

static void test_c(void)
{
	CHECK(ad_iforest_c(0) == 0);
	CHECK(ad_iforest_c(1) == 0);
	CHECK(ad_iforest_c(2) == 1);
	CHECK(NEAR(ad_iforest_c(4), c4));
	CHECK(fabs(ad_iforest_c(4) - 1.8516559071392854) < 1e-15);
	/* scikit-learn's _average_path_length([256]) */
	CHECK(fabs(ad_iforest_c(256) - 10.244770920119917) < 1e-12);
}

static void test_hand_paths(void)
{
	struct bytes b;
	struct ad_iforest *f = NULL;
	struct ad_error err;
	double x[][2] = {
		{ 1, 0 }, { 9, 1 }, { 9, 3 }, { 5, 2 },   /* 5 <= 5, 2 <= 2 */
		{ NAN, 1 }, { 9, NAN }, { NAN, NAN }
	};
	/* tree 1: depth + c(n of the leaf); missing values weighted by the
	 * training rows: 1/4 left at the root, 1/3 left at node 2 */
	double h1[] = {
		1, 2, 2 + 1, 1,
		0.25 * 1 + 0.75 * 2,
		(1.0 / 3) * 2 + (2.0 / 3) * 3,
		0.25 * 1 + 0.75 * ((1.0 / 3) * 2 + (2.0 / 3) * 3)
	};
	double score[7];

	tiny_forest(&b, FINE);
	CHECK(ad_iforest_decode(b.p, b.n, &tiny_params, "tiny", &f, &err) ==
	    AD_OK);
	if (f == NULL)
		return;
	CHECK(ad_iforest_nodes(f) == 6);
	ad_iforest_score(f, &x[0][0], 7, 2, score);
	for (size_t i = 0; i < 7; i++) {
		double e = (h1[i] / c4 + c4 / c4) / 2;
		CHECK(NEAR(ad_iforest_path(f, 0, x[i]), h1[i]));
		CHECK(NEAR(ad_iforest_path(f, 1, x[i]), c4));
		CHECK(NEAR(score[i], pow(2, -e)));
	}
	/* one row alone scores as in a batch */
	ad_iforest_score(f, x[2], 1, 2, score);
	CHECK(NEAR(score[0], pow(2, -((3 / c4 + 1) / 2))));
	ad_iforest_free(f);
}

static void test_hand_explain(void)
{
	struct bytes b;
	struct ad_iforest *f = NULL;
	struct ad_error err;
	double c[2], far[2] = { 9, 1 }, near[2] = { 1, 0 }, miss[2] = { NAN, 1 };

	tiny_forest(&b, FINE);
	CHECK(ad_iforest_decode(b.p, b.n, &tiny_params, "tiny", &f, &err) ==
	    AD_OK);
	if (f == NULL)
		return;
	/* two splits on a path of length 2: 1/2 each */
	ad_iforest_explain(f, far, c);
	CHECK(NEAR(c[0], 0.5) && NEAR(c[1], 0.5));
	/* one split, path length 1 */
	ad_iforest_explain(f, near, c);
	CHECK(NEAR(c[0], 1) && c[1] == 0);
	/* the split x0 missed earns nothing; 3/4 of the weight goes on to the
	 * x1 split on a path of length 2 */
	ad_iforest_explain(f, miss, c);
	CHECK(c[0] == 0 && NEAR(c[1], 0.75 / 2));
	ad_iforest_free(f);
}

static void test_decode_refusals(void)
{
	static const struct { enum spoil s; const char *msg; } cases[] = {
		{ BAD_CHILD, "child index out of order" },
		{ BAD_FEATURE, "feature index out of range" },
		{ NAN_THRESHOLD, "threshold is NaN" },
		{ BAD_COUNT, "counts do not add up" },
		{ EMPTY_CHILD, "" },
		{ TOO_DEEP, "below the depth limit" },
		{ BIG_PSI, "sample size out of range" },
		{ FEW_NODES, "" },
		{ TRUNCATED, "" },
		{ TRAILING, "bytes after the last tree" },
		{ TREE_COUNT, "3 trees stored, 2 announced" },
	};
	struct bytes b;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ad_iforest *f = NULL;
		struct ad_error err;

		tiny_forest(&b, cases[i].s);
		CHECK(ad_iforest_decode(b.p, b.n, &tiny_params, "bad", &f, &err) ==
		    AD_EDATA);
		CHECK(f == NULL);
		CHECK(strstr(err.msg, cases[i].msg) != NULL);
		CHECK(strcmp(err.file, "bad") == 0);
	}
	/* every prefix is refused, never read past */
	tiny_forest(&b, FINE);
	for (size_t n = 0; n < b.n; n++) {
		struct ad_iforest *f = NULL;
		struct ad_error err;
		unsigned char *copy = malloc(n ? n : 1);

		memcpy(copy, b.p, n);
		CHECK(ad_iforest_decode(copy, n, &tiny_params, "cut", &f, &err) ==
		    AD_EDATA);
		free(copy);
	}
}

/* A hyperplane split x0 - x1 < 0.5 - 1, and one whose left side is empty. */
static void test_hand_plane(void)
{
	static const struct ad_iforest_params p = { AD_IFOREST_EIF, 2, 2, 2, 1 };
	struct bytes b = { { 0 }, 0 };
	struct ad_iforest *f = NULL;
	struct ad_error err;
	double a[2] = { 0, 1 }, c[2] = { 1, 0 }, m[2] = { NAN, 0 }, e[2];

	u32(&b, 2);
	u32(&b, 2); u32(&b, 3);                         /* tree 1 */
	u32(&b, 2); u32(&b, 2); u32(&b, 1);
	u32(&b, 0); f64(&b, 1); f64(&b, 0.5);
	u32(&b, 1); f64(&b, -1); f64(&b, 1);
	u32(&b, 1); u32(&b, LEAF);
	u32(&b, 1); u32(&b, LEAF);
	u32(&b, 2); u32(&b, 3);                         /* tree 2 */
	u32(&b, 2); u32(&b, 1); u32(&b, 1);
	u32(&b, 0); f64(&b, 1); f64(&b, -7);
	u32(&b, 0); u32(&b, LEAF);
	u32(&b, 2); u32(&b, LEAF);
	CHECK(ad_iforest_decode(b.p, b.n, &p, "plane", &f, &err) == AD_OK);
	if (f == NULL)
		return;
	CHECK(ad_iforest_path(f, 0, a) == 1 && ad_iforest_path(f, 0, c) == 1);
	CHECK(ad_iforest_path(f, 0, m) == 1);
	/* empty left leaf: 1 + c(0); right: 1 + c(2) */
	CHECK(ad_iforest_path(f, 1, a) == 2);
	CHECK(ad_iforest_path(f, 1, m) == 0.5 * 1 + 0.5 * 2 ||
	    ad_iforest_path(f, 1, m) == 2);   /* x0 is all tree 2 looks at */
	ad_iforest_explain(f, a, e);
	/* tree 1: |1 * (0 - 0.5)| = 0.5 and |-1 * (1 - 1)| = 0: all to x0 */
	CHECK(NEAR(e[0], 1 + 0.5) && e[1] == 0);
	ad_iforest_free(f);
}

/* ---- grown forests ---- */

/* n rows of d features: a Gaussian cloud, and row 0 far out on feature
 * `far` only. */
static double *cloud(size_t n, size_t d, size_t far, uint64_t seed)
{
	double *x = malloc(n * d * sizeof *x);
	struct ad_rng r;

	ad_rng_seed(&r, seed, 0);
	for (size_t i = 0; i < n * d; i++)
		x[i] = ad_rng_normal(&r);
	x[far] = 9;
	return x;
}

static struct ad_iforest *grow(enum ad_iforest_kind kind, size_t ext,
    const double *x, size_t n, size_t d, size_t trees, size_t psi,
    uint64_t seed)
{
	struct ad_iforest_params p = { kind, d, trees, psi, ext };
	struct ad_iforest *f;
	struct ad_error err;

	if (ad_iforest_new(&f, &p, &err) != AD_OK)
		return NULL;
	for (size_t t = 0; t < trees; t++) {
		struct ad_rng r;
		ad_rng_seed(&r, seed, t);
		/* each tree on a different window of the rows */
		size_t start = (t * 7) % (n - psi + 1);
		if (ad_iforest_build(f, t, x + start * d, psi, &r, &err) != AD_OK) {
			ad_iforest_free(f);
			return NULL;
		}
	}
	return f;
}

static size_t argmax(const double *v, size_t n)
{
	size_t best = 0;

	for (size_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

static void test_outlier_found(enum ad_iforest_kind kind, size_t ext)
{
	size_t n = 300, d = 3;
	double *x = cloud(n, d, 1, 11), *s = malloc(n * sizeof *s), c[3];
	/* every tree sees every row: a point outside a tree's sample is only
	 * as odd to it as the sample's most extreme one */
	struct ad_iforest *f = grow(kind, ext, x, n, d, 60, n, 5);

	CHECK(f != NULL);
	if (f == NULL)
		goto out;
	ad_iforest_score(f, x, n, d, s);
	CHECK(argmax(s, n) == 0);
	CHECK(s[0] > 0.6);
	for (size_t i = 0; i < n; i++)
		CHECK(s[i] > 0 && s[i] < 1);
	ad_iforest_explain(f, x, c);
	CHECK(argmax(c, 3) == 1);
	ad_iforest_free(f);
out:
	free(x);
	free(s);
}

static int same_encoding(const struct ad_iforest *a, const struct ad_iforest *b)
{
	size_t na = ad_iforest_encoded_size(a), nb = ad_iforest_encoded_size(b);
	unsigned char *pa = malloc(na), *pb = malloc(nb);
	int same;

	ad_iforest_encode(a, pa);
	ad_iforest_encode(b, pb);
	same = na == nb && memcmp(pa, pb, na) == 0;
	free(pa);
	free(pb);
	return same;
}

static void test_deterministic(void)
{
	double *x = cloud(200, 4, 0, 3);
	struct ad_iforest *a = grow(AD_IFOREST_IF, 0, x, 200, 4, 20, 32, 9);
	struct ad_iforest *b = grow(AD_IFOREST_IF, 0, x, 200, 4, 20, 32, 9);
	struct ad_iforest *c = grow(AD_IFOREST_IF, 0, x, 200, 4, 20, 32, 10);

	CHECK(a && b && c);
	if (a && b && c) {
		CHECK(same_encoding(a, b));
		CHECK(!same_encoding(a, c));
	}
	ad_iforest_free(a);
	ad_iforest_free(b);
	ad_iforest_free(c);
	free(x);
}

/* Every node of a grown forest passes the decoder's checks. */
static void test_round_trip(enum ad_iforest_kind kind, size_t ext,
    int with_nan)
{
	size_t n = 150, d = 3;
	double *x = cloud(n, d, 2, 4);
	struct ad_iforest *f, *g = NULL;
	struct ad_error err;
	unsigned char *p;
	size_t len;

	for (size_t i = 0; with_nan && i < n; i += 3)
		x[i * d + i % d] = NAN;
	f = grow(kind, ext, x, n, d, 10, 100, 2);
	CHECK(f != NULL);
	if (f == NULL)
		goto out;
	len = ad_iforest_encoded_size(f);
	p = malloc(len);
	ad_iforest_encode(f, p);
	CHECK(ad_iforest_decode(p, len, ad_iforest_params(f), "rt", &g, &err) ==
	    AD_OK);
	if (g != NULL) {
		double s1[150], s2[150];
		CHECK(same_encoding(f, g));
		ad_iforest_score(f, x, n, d, s1);
		ad_iforest_score(g, x, n, d, s2);
		CHECK(memcmp(s1, s2, sizeof s1) == 0);
	}
	free(p);
	ad_iforest_free(f);
	ad_iforest_free(g);
out:
	free(x);
}

/* The fast walk (all rows, several chunks and a ragged end) agrees with
 * path lengths taken one row and one tree at a time. */
static void test_fast_equals_plain(enum ad_iforest_kind kind, size_t ext)
{
	size_t n = 700, d = 5, trees = 7;
	double *x = cloud(n, d, 3, 8), *s = malloc(n * sizeof *s);
	struct ad_iforest *f = grow(kind, ext, x, n, d, trees, 128, 1);
	int bad = 0;

	CHECK(f != NULL);
	if (f == NULL)
		goto out;
	x[5 * d + 2] = NAN;
	x[6 * d] = INFINITY;
	ad_iforest_score(f, x, n, d, s);
	for (size_t i = 0; i < n; i++) {
		double e = 0;
		for (size_t t = 0; t < trees; t++)
			e += ad_iforest_path(f, t, x + i * d) / ad_iforest_c(128);
		bad += !NEAR(s[i], pow(2, -e / trees));
	}
	CHECK(bad == 0);
	ad_iforest_free(f);
out:
	free(x);
	free(s);
}

static void test_constant_data(void)
{
	double x[64 * 2];
	double probe[2] = { 1, 2 }, s;
	struct ad_iforest *f;

	for (size_t i = 0; i < 64; i++) {
		x[2 * i] = 3;
		x[2 * i + 1] = NAN;     /* never varies either */
	}
	f = grow(AD_IFOREST_IF, 0, x, 64, 2, 5, 64, 1);
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(ad_iforest_nodes(f) == 5);    /* one leaf per tree */
	ad_iforest_score(f, probe, 1, 2, &s);
	CHECK(NEAR(s, 0.5));                /* 2^-(c(64)/c(64)) */
	ad_iforest_free(f);
}

static void test_merge(void)
{
	double *x = cloud(200, 2, 0, 6), sa[200], sb[200], sm[200];
	struct ad_iforest *a = grow(AD_IFOREST_IF, 0, x, 200, 2, 3, 64, 1);
	struct ad_iforest *b = grow(AD_IFOREST_IF, 0, x, 200, 2, 5, 32, 2);
	const struct ad_iforest *parts[2] = { a, b };
	struct ad_iforest *m = NULL;
	struct ad_error err;
	int bad = 0;

	CHECK(a && b);
	if (a && b && ad_iforest_merge(parts, 2, &m, &err) == AD_OK) {
		CHECK(ad_iforest_params(m)->ntrees == 8);
		ad_iforest_score(a, x, 200, 2, sa);
		ad_iforest_score(b, x, 200, 2, sb);
		ad_iforest_score(m, x, 200, 2, sm);
		/* the mean of normalized path lengths, over all 8 trees */
		for (size_t i = 0; i < 200; i++)
			bad += !(fabs(log2(sm[i]) - (3 * log2(sa[i]) +
			    5 * log2(sb[i])) / 8) < 1e-12);
		CHECK(bad == 0);
	} else {
		CHECK(0);
	}
	ad_iforest_free(a);
	ad_iforest_free(b);
	ad_iforest_free(m);
	free(x);
}

static void test_rng(void)
{
	struct ad_rng a, b, c;
	int differ = 0, same = 0, inrange = 1;
	double mean = 0, var = 0;

	ad_rng_seed(&a, 42, 0);
	ad_rng_seed(&b, 42, 0);
	ad_rng_seed(&c, 42, 1);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = ad_rng_next(&a), y = ad_rng_next(&b);
		same += x == y;
		differ += ad_rng_next(&c) != x;
	}
	CHECK(same == 1000 && differ == 1000);
	for (int i = 0; i < 100000; i++) {
		double u = ad_rng_uniform(&a), o = ad_rng_open(&a);
		uint64_t k = ad_rng_below(&a, 7);
		double z = ad_rng_normal(&a);
		inrange &= u >= 0 && u < 1 && o > 0 && o < 1 && k < 7;
		mean += z;
		var += z * z;
	}
	CHECK(inrange);
	CHECK(fabs(mean / 100000) < 0.02);
	CHECK(fabs(var / 100000 - 1) < 0.03);
	CHECK(ad_rng_below(&a, 1) == 0);
}

int main(void)
{
	test_c();
	test_hand_paths();
	test_hand_explain();
	test_decode_refusals();
	test_hand_plane();
	test_outlier_found(AD_IFOREST_IF, 0);
	test_outlier_found(AD_IFOREST_EIF, 0);
	test_outlier_found(AD_IFOREST_EIF, 2);
	test_deterministic();
	test_round_trip(AD_IFOREST_IF, 0, 0);
	test_round_trip(AD_IFOREST_IF, 0, 1);
	test_round_trip(AD_IFOREST_EIF, 1, 1);
	test_round_trip(AD_IFOREST_EIF, 2, 0);
	test_fast_equals_plain(AD_IFOREST_IF, 0);
	test_fast_equals_plain(AD_IFOREST_EIF, 4);
	test_constant_data();
	test_merge();
	test_rng();
	return CHECK_DONE("test_iforest");
}
