/*
 * lib/detect/ensemble: -a ensemble=LIST's refusals, a fit through the
 * detector table (scores in [0, 1], max >= mean, the same bytes for the
 * same seed, members' own options), explanations that sum to 1, the
 * payload's round trip, every truncation and bad hyper-parameter refused,
 * and the OOM loop.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "detector.h"
#include "ensemble.h"
#include "forest.h"
#include "rng.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"

#define N 120
#define D 3

static double rows[N * D];

/* Standardized rows: two clusters and a few far points. */
static void make_rows(void)
{
	struct ad_rng rng;

	ad_rng_seed(&rng, 11, 0);
	for (size_t i = 0; i < N; i++)
		for (size_t f = 0; f < D; f++)
			rows[i * D + f] = (i < 5 ? 4 : i % 2 ? 0.7 : -0.7) +
			    0.3 * ad_rng_normal(&rng);
}

static const struct ad_detector *ens(void)
{
	return ad_detector_named("ensemble");
}

static void *opts_with(const char *list, struct ad_error *err)
{
	void *o = NULL;

	if (ad_detector_opts_new(ens(), &o, err) != AD_OK)
		return NULL;
	if (list != NULL && ens()->take_arg(o, list, err) != AD_OK) {
		ad_detector_opts_free(ens(), o);
		return NULL;
	}
	return o;
}

static void test_lists(void)
{
	static const char *const bad[] = { "iforest", "iforest,iforest",
		"ensemble,knn", "knn,nope", "knn,", "iforest,eif,ocsvm,autoencoder,"
		"zscore,knn,lof,hbos,ecod" };
	struct ad_error err;
	void *o;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		o = opts_with(NULL, &err);
		CHECK(ens()->take_arg(o, bad[i], &err) == AD_EUSAGE);
		ad_detector_opts_free(ens(), o);
	}
	o = opts_with(NULL, &err);
	/* the default members until a list is given */
	CHECK(ad_ensemble_member(o, 0) != NULL && ad_ensemble_member(o, 2) !=
	    NULL && ad_ensemble_member(o, 3) == NULL);
	CHECK(ad_ensemble_set_members(o, "pca,zscore", &err) == AD_OK);
	CHECK(ad_ensemble_member(o, 0) == ad_detector_named("pca") &&
	    ad_ensemble_member(o, 1) == ad_detector_named("zscore") &&
	    ad_ensemble_member(o, 2) == NULL);
	ad_detector_opts_free(ens(), o);
}

struct fitted {
	void *state;
	struct ad_param *params;
	size_t nparams;
};

static enum ad_status fit(const void *o, const void *const *table,
    uint64_t seed, struct fitted *f, struct ad_error *err)
{
	static const double center[D] = { 1, 2, 3 }, scale[D] = { 1, 2, 0.5 };
	struct ad_fit_env env;

	memset(&env, 0, sizeof env);
	memset(f, 0, sizeof *f);
	env.nfeat = D;
	env.seed = seed;
	env.max_train_rows = N;
	env.center = center;
	env.scale = scale;
	env.table_opts = table;
	return ens()->fit(o, &env, rows, N, &f->params, &f->nparams, &f->state,
	    err);
}

static void fitted_free(struct fitted *f)
{
	ens()->free(f->state);
	ad_free(f->params);
}

static unsigned char *encode(const void *state, size_t *len)
{
	unsigned char *b;

	*len = ens()->save_size(state);
	b = malloc(*len + 1);
	ens()->save(state, b);
	return b;
}

static void scores(const void *state, double *s)
{
	size_t ws = ens()->work_size(state);
	void *work = malloc(ws ? ws : 1);

	ens()->score(state, rows, N, D, work, s);
	free(work);
}

static void test_fit(void)
{
	struct ad_error err;
	void *o = opts_with("iforest,knn,hbos,ecod", &err);
	struct fitted a, b, mx;
	double sa[N], sb[N], smax[N], contrib[D];
	unsigned char *ba, *bb;
	size_t la, lb;
	void *work, *back = NULL;

	CHECK(fit(o, NULL, 5, &a, &err) == AD_OK);
	CHECK(fit(o, NULL, 5, &b, &err) == AD_OK);
	ba = encode(a.state, &la);
	bb = encode(b.state, &lb);
	CHECK(la == lb && memcmp(ba, bb, la) == 0);
	CHECK(a.nparams == 6 && ens()->size(a.state) == 4);
	CHECK_STR(ens()->param_word("member_1", a.params[2].value), "iforest");
	CHECK_STR(ens()->param_word("combine", 0), "mean");
	scores(a.state, sa);
	for (size_t i = 0; i < N; i++)
		CHECK(sa[i] >= 0 && sa[i] <= 1);
	/* the far points score above the clusters */
	CHECK(sa[0] > 0.8 && sa[50] < sa[0]);
	/* round trip: the same scores and the same bytes again */
	CHECK(ens()->load(ba, la, a.params, a.nparams, D, "m", &back, &err) ==
	    AD_OK);
	scores(back, sb);
	CHECK(memcmp(sa, sb, sizeof sa) == 0);
	free(bb);
	bb = encode(back, &lb);
	CHECK(la == lb && memcmp(ba, bb, la) == 0);
	/* explanations: each member's scaled to 1, averaged */
	work = malloc(ens()->work_size(a.state));
	ens()->explain(a.state, rows, work, contrib);
	CHECK(fabs(contrib[0] + contrib[1] + contrib[2] - 1) < 1e-12);
	for (size_t f = 0; f < D; f++)
		CHECK(contrib[f] >= 0);
	free(work);
	/* another seed: other forests */
	fitted_free(&b);
	CHECK(fit(o, NULL, 6, &b, &err) == AD_OK);
	free(bb);
	bb = encode(b.state, &lb);
	CHECK(la != lb || memcmp(ba, bb, la) != 0);
	/* max of the same members is at least their mean */
	ad_detector_opts_free(ens(), o);
	o = opts_with("iforest,knn,hbos,ecod", &err);
	CHECK(ad_opt_set(&ens()->opts[1], o, "max", &err) == AD_OK);
	CHECK(fit(o, NULL, 5, &mx, &err) == AD_OK);
	scores(mx.state, smax);
	for (size_t i = 0; i < N; i++)
		CHECK(smax[i] >= sa[i] - 1e-15);
	fitted_free(&a);
	fitted_free(&b);
	fitted_free(&mx);
	ens()->free(back);
	ad_detector_opts_free(ens(), o);
	free(ba);
	free(bb);
}

/* A member takes ad-train's block of its detector: --trees 3 there. */
static void test_member_opts(void)
{
	struct ad_error err;
	void *o = opts_with("iforest,zscore", &err);
	const void **table = calloc(16, sizeof *table);
	struct ad_forest_opts fo;
	struct fitted a;
	const struct ad_detector *d;

	memset(&fo, 0, sizeof fo);
	CHECK(ad_detector_opts_defaults(ad_detector_named("iforest"), &fo,
	    &err) == AD_OK);
	fo.trees = 3;
	for (size_t i = 0; (d = ad_detector_at(i)) != NULL; i++)
		if (d == ad_detector_named("iforest"))
			table[i] = &fo;
	CHECK(fit(o, table, 1, &a, &err) == AD_OK);
	/* the member's params lead its payload: "trees" 3 */
	{
		size_t len;
		unsigned char *b = encode(a.state, &len);
		double v;
		unsigned char *at = memmem(b, len, "trees", 5);
		CHECK(at != NULL);
		if (at != NULL) {
			memcpy(&v, at + 5, 8);
			CHECK(v == 3);
		}
		free(b);
	}
	fitted_free(&a);
	free(table);
	ad_detector_opts_free(ens(), o);
}

static void test_refusals(void)
{
	struct ad_error err;
	void *o = opts_with("knn,hbos", &err), *st = NULL;
	struct fitted a;
	unsigned char *b;
	size_t len;
	struct ad_param p[4];

	CHECK(fit(o, NULL, 1, &a, &err) == AD_OK);
	b = encode(a.state, &len);
	/* every truncation, and a byte too many */
	for (size_t n = 0; n < len; n++) {
		CHECK(ens()->load(b, n, a.params, a.nparams, D, "m", &st, &err) ==
		    AD_EDATA);
		ens()->free(st);
		st = NULL;
	}
	b[len] = 0;
	CHECK(ens()->load(b, len + 1, a.params, a.nparams, D, "m", &st,
	    &err) == AD_EDATA);
	ens()->free(st);
	st = NULL;
	CHECK(strstr(err.msg, "corrupt model") != NULL);
	/* bad hyper-parameters: combine, members, member codes */
	for (int k = 0; k < 5; k++) {
		memcpy(p, a.params, sizeof p);
		if (k == 0)
			p[0].value = 3;
		else if (k == 1)
			p[1].value = 1;
		else if (k == 2)
			p[2].value = 12;          /* an ensemble in an ensemble */
		else if (k == 3)
			p[3].value = p[2].value;  /* twice */
		else
			p[2].value = 0.5;
		CHECK(ens()->load(b, len, p, 4, D, "m", &st, &err) == AD_EDATA);
		ens()->free(st);
		st = NULL;
	}
	CHECK(ens()->load(b, len, a.params, a.nparams, D + 1, "m", &st,
	    &err) == AD_EDATA);
	ens()->free(st);
	fitted_free(&a);
	free(b);
	ad_detector_opts_free(ens(), o);
}

static enum ad_status fit_encode_load_score(void *ctx, struct ad_error *err)
{
	void *o = NULL, *back = NULL, *work = NULL;
	struct fitted a = { NULL, NULL, 0 };
	unsigned char *b = NULL;
	double s[N];
	enum ad_status st;

	(void)ctx;
	if ((st = ad_detector_opts_new(ens(), &o, err)) != AD_OK)
		return st;
	if ((st = ens()->take_arg(o, "iforest,knn,hbos", err)) != AD_OK ||
	    (st = fit(o, NULL, 2, &a, err)) != AD_OK)
		goto out;
	if ((b = ad_malloc(ens()->save_size(a.state))) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	ens()->save(a.state, b);
	if ((st = ens()->load(b, ens()->save_size(a.state), a.params,
	    a.nparams, D, "m", &back, err)) != AD_OK)
		goto out;
	if ((work = ad_malloc(ens()->work_size(back))) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	ens()->score(back, rows, N, D, work, s);
out:
	ad_free(work);
	ad_free(b);
	ens()->free(back);
	ens()->free(a.state);
	ad_free(a.params);
	ad_detector_opts_free(ens(), o);
	return st;
}

int main(void)
{
	(void)put_file;   /* files.h's, which oomloop.h brings along */
	make_rows();
	test_lists();
	test_fit();
	test_member_opts();
	test_refusals();
	oom_loop("ensemble fit, encode, load, score", fit_encode_load_score,
	    NULL, NULL);
	return CHECK_DONE("test_ensemble");
}
