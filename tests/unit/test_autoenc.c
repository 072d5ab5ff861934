/*
 * Unit tests of lib/autoenc: the backward pass against finite differences,
 * byte-identical training for a seed, the payload's round trip and its
 * refusal of corrupt bytes, scores (a row's alone as in a batch) and their
 * explanation, extreme and missing values, and the parsing of options.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "autoenc.h"
#include "rng.h"

#include "check.h"
#include "detopts.h"

/* n rows near a line in 4-d space: (t, 2t, -t, t/2) plus small noise,
 * roughly standardized. */
static double *line_rows(size_t n, uint64_t seed)
{
	double *x = malloc(n * 4 * sizeof *x);
	struct ad_rng r;

	ad_rng_seed(&r, seed, 99);
	for (size_t i = 0; i < n; i++) {
		double t = ad_rng_normal(&r);
		x[i * 4 + 0] = t + 0.05 * ad_rng_normal(&r);
		x[i * 4 + 1] = 2 * t + 0.05 * ad_rng_normal(&r);
		x[i * 4 + 2] = -t + 0.05 * ad_rng_normal(&r);
		x[i * 4 + 3] = 0.5 * t + 0.05 * ad_rng_normal(&r);
	}
	return x;
}

static void small_params(struct ad_autoenc_params *p,
    enum ad_autoenc_act act)
{
	autoenc_defaults(p);
	p->nfeat = 4;
	p->nhidden = 2;
	p->hidden[0] = 6;
	p->hidden[1] = 2;
	p->act = act;
	p->epochs = 40;
	p->batch_size = 16;
	p->learning_rate = 0.01;
	p->seed = 7;
}

/* Trains on n line rows; NULL on failure (a CHECK fails). */
static struct ad_autoenc *train(const struct ad_autoenc_params *p, size_t n,
    struct ad_autoenc_report *rep)
{
	struct ad_autoenc *ae = NULL;
	struct ad_error err;
	double *x = line_rows(n, 1);

	if (ad_autoenc_train(p, x, n, NULL, NULL, &ae, rep, &err) != AD_OK) {
		fprintf(stderr, "train: %s\n", err.msg);
		ae = NULL;
	}
	CHECK(ae != NULL);
	free(x);
	return ae;
}

static unsigned char *encode(const struct ad_autoenc *ae, size_t *len)
{
	unsigned char *p;

	*len = ad_autoenc_encoded_size(ae);
	p = malloc(*len);
	ad_autoenc_encode(ae, p);
	return p;
}

/* ---- the gradient ---- */

/* Compares the backward pass with central differences of the objective,
 * for every weight and bias; returns the share that agree. */
static double gradient_agreement(enum ad_autoenc_act act)
{
	struct ad_autoenc_params p;
	struct ad_autoenc *ae;
	struct ad_error err;
	struct ad_rng r;
	float x[5 * 4], *w, *grad;
	size_t n, agree = 0;
	double loss, wd = 0.3;

	small_params(&p, act);
	p.epochs = 1;
	ae = train(&p, 50, NULL);
	if (ae == NULL)
		return 0;
	w = ad_autoenc_weights(ae, &n);
	ad_rng_seed(&r, 3, 0);
	for (size_t i = 0; i < n; i++)        /* away from the start */
		w[i] += (float)(0.3 * ad_rng_normal(&r));
	for (size_t i = 0; i < 20; i++)
		x[i] = (float)ad_rng_normal(&r);
	grad = calloc(n, sizeof *grad);
	CHECK(ad_autoenc_objective(ae, x, 5, wd, &loss, grad, &err) == AD_OK);
	for (size_t i = 0; i < n; i++) {
		float keep = w[i], h = 1e-2f;
		double up, down, num;

		w[i] = keep + h;
		ad_autoenc_objective(ae, x, 5, wd, &up, NULL, &err);
		w[i] = keep - h;
		ad_autoenc_objective(ae, x, 5, wd, &down, NULL, &err);
		w[i] = keep;
		num = (up - down) / (2.0 * (double)h);
		if (fabs(num - grad[i]) <= 1e-3 + 2e-2 * fabs(num))
			agree++;
		else if (act != AD_AUTOENC_RELU)
			fprintf(stderr, "%s: weight %zu: backward %g, differences "
			    "%g\n", ad_autoenc_act_name(act), i, (double)grad[i], num);
	}
	free(grad);
	ad_autoenc_free(ae);
	return (double)agree / (double)n;
}

static void test_gradient(void)
{
	/* smooth activations agree everywhere; relu's kinks may fall inside
	 * a difference's interval for a few weights */
	CHECK(gradient_agreement(AD_AUTOENC_TANH) == 1);
	CHECK(gradient_agreement(AD_AUTOENC_SIGMOID) == 1);
	CHECK(gradient_agreement(AD_AUTOENC_RELU) >= 0.9);
}

/* The comparison is sharp enough to catch a gradient off by a factor of
 * two, and the weight decay term is part of the objective. */
static void test_gradient_check_can_fail(void)
{
	struct ad_autoenc_params p;
	struct ad_autoenc *ae;
	struct ad_error err;
	float x[8] = { 1, 2, 3, 4, -1, 0, 1, 2 }, *w, *grad, keep;
	size_t n, big = 0;
	double loss, up, down, num;

	small_params(&p, AD_AUTOENC_TANH);
	p.epochs = 1;
	if ((ae = train(&p, 50, NULL)) == NULL)
		return;
	w = ad_autoenc_weights(ae, &n);
	grad = calloc(n, sizeof *grad);
	CHECK(ad_autoenc_objective(ae, x, 2, 0, &loss, grad, &err) == AD_OK);
	CHECK(ad_autoenc_objective(ae, x, 2, 1, &up, NULL, &err) == AD_OK);
	CHECK(up > loss);
	for (size_t i = 1; i < n; i++)
		if (fabsf(grad[i]) > fabsf(grad[big]))
			big = i;
	keep = w[big];
	w[big] = keep + 1e-2f;
	CHECK(ad_autoenc_objective(ae, x, 2, 0, &up, NULL, &err) == AD_OK);
	w[big] = keep - 1e-2f;
	CHECK(ad_autoenc_objective(ae, x, 2, 0, &down, NULL, &err) == AD_OK);
	w[big] = keep;
	num = (up - down) / 2e-2;
	CHECK(fabs(num - grad[big]) <= 1e-3 + 2e-2 * fabs(num));
	CHECK(fabs(num - 2 * grad[big]) > 1e-3 + 2e-2 * fabs(num));
	free(grad);
	ad_autoenc_free(ae);
}

/* ---- training ---- */

static void test_determinism(void)
{
	struct ad_autoenc_params p;
	struct ad_autoenc *a, *b, *c;
	struct ad_autoenc_report ra, rb;
	unsigned char *pa, *pb, *pc;
	size_t la, lb, lc;

	small_params(&p, AD_AUTOENC_RELU);
	p.dropout = 0.2;
	a = train(&p, 300, &ra);
	b = train(&p, 300, &rb);
	p.seed = 8;
	c = train(&p, 300, NULL);
	if (a == NULL || b == NULL || c == NULL)
		goto out;
	pa = encode(a, &la);
	pb = encode(b, &lb);
	pc = encode(c, &lc);
	CHECK(la == lb && memcmp(pa, pb, la) == 0);
	CHECK(la == lc && memcmp(pa, pc, la) != 0);
	CHECK(ra.epochs_run == rb.epochs_run && ra.best_epoch == rb.best_epoch);
	CHECK(memcmp(&ra.validation_loss, &rb.validation_loss, sizeof(double))
	    == 0);
	free(pa);
	free(pb);
	free(pc);
out:
	ad_autoenc_free(a);
	ad_autoenc_free(b);
	ad_autoenc_free(c);
}

static void test_report(void)
{
	struct ad_autoenc_params p;
	struct ad_autoenc_report r;
	struct ad_autoenc *ae;

	small_params(&p, AD_AUTOENC_TANH);
	p.validation_fraction = 0.25;
	p.patience = 2;
	p.epochs = 500;
	ae = train(&p, 101, &r);
	CHECK(r.rows_validation == 25 && r.rows_train == 76);
	CHECK(r.best_epoch >= 1 && r.best_epoch <= r.epochs_run);
	/* patience 2 stops two epochs after the best one, or at the end */
	CHECK(r.epochs_run == r.best_epoch + 2 || r.epochs_run == 500);
	CHECK(isfinite(r.validation_loss) && isfinite(r.train_loss));
	ad_autoenc_free(ae);

	p.validation_fraction = 0;
	p.epochs = 3;
	ae = train(&p, 10, &r);
	CHECK(r.rows_validation == 0 && r.epochs_run == 3 && r.best_epoch == 3);
	CHECK(isnan(r.validation_loss));
	ad_autoenc_free(ae);
}

/* Rows off the line the model learned score far higher than rows on it,
 * and a row's explanation averages to its score. */
static void test_scores_find_outliers(void)
{
	struct ad_autoenc_params p;
	struct ad_autoenc *ae;
	double *x = line_rows(201, 5), score[201], sq[4], worst = 0;

	small_params(&p, AD_AUTOENC_TANH);
	p.epochs = 200;
	if ((ae = train(&p, 1000, NULL)) == NULL)
		goto out;
	x[800] = 2, x[801] = -2, x[802] = 2, x[803] = -1;
	ad_autoenc_score(ae, x, 201, 4, score);
	for (size_t i = 0; i < 200; i++)
		worst = score[i] > worst ? score[i] : worst;
	CHECK(score[200] > 3 * worst);
	for (size_t i = 0; i < 201; i++) {
		ad_autoenc_explain(ae, x + 4 * i, sq);
		CHECK(fabs((sq[0] + sq[1] + sq[2] + sq[3]) / 4 - score[i]) <=
		    1e-12 * (1 + score[i]));
	}
	/* the outlier's worst feature is one it breaks the line on */
	ad_autoenc_explain(ae, x + 800, sq);
	CHECK(sq[0] + sq[1] + sq[2] + sq[3] > 0);
out:
	ad_autoenc_free(ae);
	free(x);
}

/* Rows the seam hands over are finite, but NaN, infinities and the
 * largest doubles still give finite, non-negative scores. */
static void test_extreme_values(void)
{
	struct ad_autoenc_params p;
	struct ad_autoenc *ae;
	double x[4 * 4] = {
		0, NAN, 0, 0,
		NAN, NAN, NAN, NAN,
		1e300, -INFINITY, INFINITY, 0,
		-DBL_MAX, DBL_MAX, 0, 0,
	}, zero[4] = { 0, 0, 0, 0 }, score[4], z, sq[4];

	small_params(&p, AD_AUTOENC_RELU);
	p.epochs = 5;
	if ((ae = train(&p, 100, NULL)) == NULL)
		return;
	ad_autoenc_score(ae, x, 4, 4, score);
	ad_autoenc_score(ae, zero, 1, 4, &z);
	/* a missing value counts as 0, the mean */
	CHECK(memcmp(&score[0], &z, sizeof z) == 0);
	CHECK(memcmp(&score[1], &z, sizeof z) == 0);
	CHECK(isfinite(score[2]) && score[2] > 1e6);
	CHECK(isfinite(score[3]) && score[3] > 1e6);
	for (size_t i = 0; i < 4; i++) {
		ad_autoenc_explain(ae, x + 4 * i, sq);
		for (size_t f = 0; f < 4; f++)
			CHECK(isfinite(sq[f]) && sq[f] >= 0);
	}
	ad_autoenc_free(ae);
}

/* A row's score depends on the row only: alone, in a batch, anywhere in
 * it, now or later. */
static void test_scores_row_by_row(void)
{
	struct ad_autoenc_params p;
	struct ad_autoenc *ae;
	double *x = line_rows(1000, 9), *a = malloc(1000 * sizeof *a),
	    *b = malloc(1000 * sizeof *b), one;

	small_params(&p, AD_AUTOENC_SIGMOID);
	p.epochs = 3;
	if ((ae = train(&p, 300, NULL)) == NULL)
		goto out;
	ad_autoenc_score(ae, x, 1000, 4, a);
	ad_autoenc_score(ae, x + 4 * 7, 993, 4, b);
	CHECK(memcmp(a + 7, b, 993 * sizeof *a) == 0);
	for (size_t i = 0; i < 1000; i += 37) {
		ad_autoenc_score(ae, x + 4 * i, 1, 4, &one);
		CHECK(memcmp(&one, &a[i], sizeof one) == 0);
	}
out:
	ad_autoenc_free(ae);
	free(x);
	free(a);
	free(b);
}

static void test_training_input(void)
{
	struct ad_autoenc_params p;
	struct ad_autoenc *ae = NULL, *be = NULL;
	struct ad_error err;
	double *x = line_rows(50, 2), *y = line_rows(50, 2);
	unsigned char *pa, *pb;
	size_t la, lb;

	small_params(&p, AD_AUTOENC_RELU);
	p.epochs = 3;
	CHECK(ad_autoenc_train(&p, x, 0, NULL, NULL, &ae, NULL, &err) ==
	    AD_EDATA && ae == NULL);
	/* one row trains (nothing held out); a missing value is a 0 */
	CHECK(ad_autoenc_train(&p, x, 1, NULL, NULL, &ae, NULL, &err) == AD_OK);
	ad_autoenc_free(ae);
	ae = NULL;
	x[5] = NAN;
	y[5] = 0;
	CHECK(ad_autoenc_train(&p, x, 50, NULL, NULL, &ae, NULL, &err) == AD_OK);
	CHECK(ad_autoenc_train(&p, y, 50, NULL, NULL, &be, NULL, &err) == AD_OK);
	if (ae != NULL && be != NULL) {
		pa = encode(ae, &la);
		pb = encode(be, &lb);
		CHECK(la == lb && memcmp(pa, pb, la) == 0);
		free(pa);
		free(pb);
	}
	ad_autoenc_free(ae);
	ad_autoenc_free(be);
	free(x);
	free(y);
}

/* ---- the payload ---- */

static void test_round_trip(void)
{
	struct ad_autoenc_params p;
	struct ad_autoenc *ae, *back = NULL;
	struct ad_error err;
	unsigned char *b1, *b2;
	size_t l1, l2;
	double *x = line_rows(50, 4), a[50], b[50];

	small_params(&p, AD_AUTOENC_SIGMOID);
	p.epochs = 2;
	if ((ae = train(&p, 100, NULL)) == NULL)
		goto out;
	b1 = encode(ae, &l1);
	CHECK(l1 == 8 + 4 * 4 + 4 * (4 * 6 + 6 + 6 * 2 + 2 + 2 * 4 + 4));
	CHECK(ad_autoenc_nweights(ae) == (l1 - 24) / 4);
	CHECK(ad_autoenc_decode(b1, l1, 4, "m", &back, &err) == AD_OK);
	if (back != NULL) {
		b2 = encode(back, &l2);
		CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
		free(b2);
		CHECK(ad_autoenc_nhidden(back) == 2 && ad_autoenc_width(back, 1) == 2);
		CHECK(ad_autoenc_act(back) == AD_AUTOENC_SIGMOID);
		CHECK(ad_autoenc_nfeat(back) == 4);
		ad_autoenc_score(ae, x, 50, 4, a);
		ad_autoenc_score(back, x, 50, 4, b);
		CHECK(memcmp(a, b, sizeof a) == 0);
	}
	free(b1);
out:
	ad_autoenc_free(back);
	ad_autoenc_free(ae);
	free(x);
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Decoding buf must fail with AD_EDATA about "m" and no model. */
static int refused(const unsigned char *buf, size_t len, size_t nfeat)
{
	struct ad_autoenc *ae = NULL;
	struct ad_error err;
	enum ad_status st = ad_autoenc_decode(buf, len, nfeat, "m", &ae, &err);

	ad_autoenc_free(ae);
	return st == AD_EDATA && ae == NULL && err.code == AD_EDATA &&
	    strcmp(err.file, "m") == 0 &&
	    strncmp(err.msg, "corrupt model: ", 15) == 0;
}

static void test_corrupt_payloads(void)
{
	struct ad_autoenc_params p;
	struct ad_autoenc *ae;
	unsigned char *b, *c;
	size_t len, head = 8 + 4 * 4;
	float nan = NAN, inf = INFINITY;

	small_params(&p, AD_AUTOENC_RELU);
	p.epochs = 1;
	if ((ae = train(&p, 50, NULL)) == NULL)
		return;
	b = encode(ae, &len);
	c = malloc(len + 1);
	/* every truncation, and a byte too many */
	for (size_t n = 0; n < len; n++)
		CHECK(refused(b, n, 4));
	memcpy(c, b, len);
	c[len] = 0;
	CHECK(refused(c, len + 1, 4));
	/* the wrong feature count */
	CHECK(refused(b, len, 3));
	CHECK(refused(b, len, 5));
#define MUTATE(stmt) do { memcpy(c, b, len); stmt; CHECK(refused(c, len, 4)); \
	} while (0)
	MUTATE(put32(c, 0));                 /* activation */
	MUTATE(put32(c, 4));
	MUTATE(put32(c + 4, 0));             /* layer count */
	MUTATE(put32(c + 4, 1));
	MUTATE(put32(c + 4, 34));
	MUTATE(put32(c + 4, 0xFFFFFFFFu));
	MUTATE(put32(c + 12, 0));            /* a zero-width layer */
	MUTATE(put32(c + 12, 7));            /* sizes no longer add up */
	MUTATE(put32(c + 12, 8193));
	MUTATE(put32(c + 20, 5));            /* output wider than input */
	MUTATE(memcpy(c + head + 4 * 10, &nan, 4));   /* weights */
	MUTATE(memcpy(c + len - 4, &inf, 4));
#undef MUTATE
	/* a lying header: huge layers, a few bytes; refused without
	 * allocating for them */
	{
		unsigned char lie[8 + 4 * 4];
		put32(lie, 1);
		put32(lie + 4, 3);
		put32(lie + 8, 4);
		put32(lie + 12, 8192);
		put32(lie + 16, 8192);
		put32(lie + 20, 4);
		CHECK(refused(lie, sizeof lie, 4));
	}
	free(b);
	free(c);
	ad_autoenc_free(ae);
}

/* ---- options ---- */

static void test_options(void)
{
	struct ad_autoenc_params p;
	enum ad_autoenc_act a;

	autoenc_defaults(&p);
	CHECK(p.nhidden == 3 && p.hidden[1] == 16);
	CHECK(ad_autoenc_parse_hidden("8", &p) == 0 && p.nhidden == 1 &&
	    p.hidden[0] == 8);
	CHECK(ad_autoenc_parse_hidden("32,4,32", &p) == 0 && p.nhidden == 3 &&
	    p.hidden[2] == 32);
	CHECK(ad_autoenc_parse_hidden("8192", &p) == 0);
	CHECK(ad_autoenc_parse_hidden("8193", &p) == -1);
	CHECK(ad_autoenc_parse_hidden("99999999999999999999999", &p) == -1);
	CHECK(ad_autoenc_parse_hidden("", &p) == -1);
	CHECK(ad_autoenc_parse_hidden("4,", &p) == -1);
	CHECK(ad_autoenc_parse_hidden(",4", &p) == -1);
	CHECK(ad_autoenc_parse_hidden("4,0", &p) == -1);
	CHECK(ad_autoenc_parse_hidden("4 ,2", &p) == -1);
	CHECK(ad_autoenc_parse_hidden("-4", &p) == -1);
	CHECK(ad_autoenc_parse_hidden("1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
	    "1,1,1,1,1,1,1,1,1,1,1,1", &p) == 0 && p.nhidden == 32);
	CHECK(ad_autoenc_parse_hidden("1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
	    "1,1,1,1,1,1,1,1,1,1,1,1,1", &p) == -1 && p.nhidden == 32);
	CHECK(ad_autoenc_act_parse("tanh", &a) == 0 && a == AD_AUTOENC_TANH);
	CHECK(ad_autoenc_act_parse("Tanh", &a) == -1);
	CHECK_STR(ad_autoenc_act_name(AD_AUTOENC_SIGMOID), "sigmoid");

	autoenc_defaults(&p);
	CHECK(ad_autoenc_check(&p) != NULL);        /* no features yet */
	p.nfeat = 3;
	CHECK(ad_autoenc_check(&p) == NULL);
	p.dropout = 1;
	CHECK(ad_autoenc_check(&p) != NULL);
	p.dropout = 0;
	p.validation_fraction = 1;
	CHECK(ad_autoenc_check(&p) != NULL);
	p.validation_fraction = 0;
	p.learning_rate = NAN;
	CHECK(ad_autoenc_check(&p) != NULL);
	p.learning_rate = 0.1;
	p.epochs = 0;
	CHECK(ad_autoenc_check(&p) != NULL);
}

int main(void)
{
	test_gradient();
	test_gradient_check_can_fail();
	test_determinism();
	test_report();
	test_scores_find_outliers();
	test_extreme_values();
	test_scores_row_by_row();
	test_training_input();
	test_round_trip();
	test_corrupt_payloads();
	test_options();
	return CHECK_DONE("test_autoenc");
}
