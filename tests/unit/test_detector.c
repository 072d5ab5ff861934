/*
 * lib/detect/detector.c and the detectors' table: names generated from the
 * rows, codes and names unique, every row has the entries its sampling mode
 * needs; and the z-score detector trained through ad_train_run on a small
 * matrix, its scores and explanations against values worked out by hand,
 * its model's round trip and refusals.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "detector.h"
#include "forest.h"
#include "model.h"
#include "ocsvm.h"
#include "train.h"

#include "check.h"
#include "tmpdir.h"

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-15 * (1 + fabs(b));
}

/* ---- the table ---- */

static void test_table(void)
{
	char joined[256] = "";
	size_t n = 0;
	const struct ad_detector *d;

	for (size_t i = 0; (d = ad_detector_at(i)) != NULL; i++, n++) {
		if (i > 0)
			strcat(joined, "|");
		strcat(joined, d->name);
		CHECK(ad_detector_find(d->algo) == d);
		CHECK(ad_detector_named(d->name) == d);
		for (size_t k = 0; k < i; k++) {
			CHECK(ad_detector_at(k)->algo != d->algo);
			CHECK(strcmp(ad_detector_at(k)->name, d->name) != 0);
		}
		CHECK(d->phrase != NULL && (d->nopts == 0 || (d->opts != NULL &&
		    d->opts[0].name == NULL)) && d->load != NULL &&
		    d->save_size != NULL && d->save != NULL && d->free != NULL &&
		    d->score != NULL && d->explain != NULL && d->size != NULL &&
		    d->size_key != NULL);
		CHECK((d->merge == NULL) == (d->mismatch == NULL));
		CHECK(d->auto_threshold >= d->score_lo &&
		    d->auto_threshold <= d->score_hi);
		CHECK(d->auto_share >= 0 && d->auto_share <= 0.5);
		if (d->sampling == AD_SAMPLE_ROWS)
			CHECK(d->fit != NULL && d->grow == NULL);
		else
			CHECK(d->fit == NULL && d->score_train == NULL &&
			    d->subsamples != NULL &&
			    d->begin != NULL && d->grow != NULL);
	}
	CHECK(n == 12);
	CHECK_STR(ad_detector_names(), joined);
	CHECK_STR(ad_detector_names(),
	    "iforest|eif|ocsvm|autoencoder|zscore|knn|lof|hbos|ecod|pca|mcd|"
	    "ensemble");
	CHECK(ad_detector_named("knn")->algo == 6 &&
	    ad_detector_named("lof")->algo == 7);
	CHECK(ad_detector_find(0) == NULL && ad_detector_find(99) == NULL);
	CHECK(ad_detector_named("forest") == NULL);
	CHECK(ad_detector_at(n) == NULL);
}

static void test_params(void)
{
	static const char *const names[] = { "a", "bb" };
	const double values[] = { 1.5, -2 };
	struct ad_param *p = NULL;
	struct ad_error err;

	CHECK(ad_detector_param_new(&p, 2, names, values, &err) == AD_OK);
	if (p == NULL)
		return;
	CHECK(ad_detector_param_get(p, 2, "a") == 1.5 && ad_detector_param_get(p, 2, "bb") == -2);
	CHECK(isnan(ad_detector_param_get(p, 2, "b")) && isnan(ad_detector_param_get(p, 1, "bb")));
	ad_free(p);
}

/* ---- the z-score detector on a small matrix ---- */

/* a: 1, 2, 3, 6 (mean 3, population variance 14 / 4 = 3.5); b does not
 * vary (mean 10, scale 1). */
static const char matrix[] = "a,b\n1,10\n2,10\n3,10\n6,10\n";

static struct ad_model *train_zscore(const char *out)
{
	struct ad_train_opts o;
	struct ad_train_result r;
	struct ad_error err;
	struct ad_model *m = NULL;

	put_file("m.csv", matrix);
	memset(&o, 0, sizeof o);
	o.in.path = path_of("m.csv");
	o.output = path_of(out);
	o.algo = ad_detector_named("zscore")->algo;
	o.contamination_auto = 1;
	o.threads = 1;
	o.max_train_rows = 100;
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(r.rows == 4 && r.nfeat == 2 && r.trees == 0 && r.threshold == 3);
	CHECK(ad_model_load(path_of(out), &m, &err) == AD_OK);
	return m;
}

static void test_zscore(void)
{
	double sd = sqrt(3.5);
	double train[4][2] = { { 1, 10 }, { 2, 10 }, { 3, 10 }, { 6, 10 } };
	double rows[4][2] = { { 3, 14 }, { NAN, 7 }, { -INFINITY, 10 },
		{ 6, 12 } };
	double want_train[4] = { 2 / sd, 1 / sd, 0, 3 / sd };
	double want[4] = { 4, 3, DBL_MAX, 2 };
	double s[4], c[2];
	struct ad_model *m = train_zscore("z.model");
	unsigned char *buf = NULL;
	size_t len = 0;
	struct ad_error err;

	if (m == NULL)
		return;
	CHECK(strcmp(m->det->name, "zscore") == 0 && m->nparams == 0);
	CHECK(ad_model_work_size(m) == 0);   /* no workspace: NULL will do */
	CHECK(m->center[0] == 3 && near(m->scale[0], sd));
	CHECK(m->center[1] == 10 && m->scale[1] == 1);
	CHECK(m->det->size(m->state) == 2);
	CHECK(m->threshold == 3 && near(m->qscore[m->nquantiles - 1], 3 / sd));
	ad_model_standardize(m, &train[0][0], 4, 2);
	ad_model_score(m, &train[0][0], 4, 2, NULL, s);
	for (int i = 0; i < 4; i++)
		CHECK(near(s[i], want_train[i]));
	ad_model_standardize(m, &rows[0][0], 4, 2);
	ad_model_score(m, &rows[0][0], 4, 2, NULL, s);
	for (int i = 0; i < 4; i++)
		CHECK(near(s[i], want[i]));
	ad_model_explain(m, rows[3], NULL, c);
	CHECK(near(c[0], 3 / sd) && c[1] == 2);
	ad_model_explain(m, rows[1], NULL, c);
	CHECK(c[0] == 0 && c[1] == 3);
	/* the file is the model: encoding it again gives the same bytes */
	CHECK(ad_model_encode(m, &buf, &len, &err) == AD_OK);
	CHECK(len == m->bytes);
	ad_free(buf);
	ad_model_free(m);
}

/* The payload must be empty and the hyper-parameters none. */
static void test_zscore_refusals(void)
{
	const struct ad_detector *d = ad_detector_named("zscore");
	struct ad_param p = { "x", 1 };
	unsigned char byte = 0;
	void *state = NULL;
	struct ad_error err;

	CHECK(d->load(&byte, 1, NULL, 0, 2, "f", &state, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "corrupt model: ") == err.msg);
	CHECK(d->load(NULL, 0, &p, 1, 2, "f", &state, &err) == AD_EDATA);
	CHECK(state == NULL);
	CHECK(d->load(NULL, 0, NULL, 0, 2, "f", &state, &err) == AD_OK);
	CHECK(state != NULL && d->save_size(state) == 0);
	d->free(state);
	d->free(NULL);
}

/* An option the chosen detector does not declare is refused, naming the
 * detectors that do; the defaults come from the rows. */
static void test_options(void)
{
	const struct ad_detector *iforest = ad_detector_named("iforest");
	const struct ad_detector *eif = ad_detector_named("eif");
	const struct ad_detector *ocsvm = ad_detector_named("ocsvm");
	const struct ad_detector *zscore = ad_detector_named("zscore");
	const struct ad_detector *d;
	struct ad_error err;
	void *block = NULL;

	ad_error_clear(&err);
	CHECK(ad_detector_check_option(ocsvm, "nu", &err) == AD_OK);
	CHECK(ad_detector_check_option(zscore, "nu", &err) == AD_EUSAGE);
	CHECK_STR(err.msg, "--nu needs -a ocsvm");
	CHECK(ad_detector_check_option(ocsvm, "trees", &err) == AD_EUSAGE);
	CHECK_STR(err.msg, "--trees needs -a iforest or eif");
	CHECK(ad_detector_check_option(eif, "trees", &err) == AD_OK);
	CHECK(ad_detector_check_option(iforest, "extension-level", &err) ==
	    AD_EUSAGE);
	CHECK_STR(err.msg, "--extension-level needs -a eif");
	CHECK(ad_detector_check_option(eif, "extension-level", &err) == AD_OK);
	CHECK(ad_detector_check_option(iforest, "epochs", &err) == AD_EUSAGE);
	CHECK_STR(err.msg, "--epochs needs -a autoencoder");
	CHECK(ad_detector_check_option(iforest, "nothing", &err) == AD_EUSAGE);
	CHECK(ad_detector_takes(eif, "sample-size") &&
	    ad_detector_takes(iforest, "sample-size") &&
	    !ad_detector_takes(zscore, "sample-size"));

	/* rows declared by several detectors are the same option */
	for (size_t i = 0; (d = ad_detector_at(i)) != NULL; i++)
		for (size_t j = 0; j < d->nopts; j++) {
			const struct ad_opt *o = &d->opts[j];
			const struct ad_detector *e;

			for (size_t k = 0; o->name && (e = ad_detector_at(k)); k++)
				for (size_t m = 0; m < e->nopts; m++)
					if (e->opts[m].name != NULL &&
					    strcmp(e->opts[m].name, o->name) == 0)
						CHECK(strcmp(e->opts[m].help, o->help) == 0 &&
						    e->opts[m].kind == o->kind);
		}

	/* a block with its rows' defaults */
	CHECK(ad_detector_opts_new(ocsvm, &block, &err) == AD_OK);
	{
		const struct ad_ocsvm_opts *o = block;

		CHECK(o->kernel == AD_OCSVM_RBF && o->nu == 0.5 &&
		    o->gamma_mode == AD_OCSVM_GAMMA_SCALE && o->degree == 3 &&
		    o->coef0 == 0 && o->tol == 1e-3 && o->cache_mb == 200);
	}
	ad_detector_opts_free(ocsvm, block);
	CHECK(ad_detector_opts_new(eif, &block, &err) == AD_OK);
	{
		const struct ad_forest_opts *o = block;

		CHECK(o->trees == 100 && o->sample_size == 256 &&
		    !o->ext_level_set);
	}
	ad_detector_opts_free(eif, block);
	block = NULL;
	CHECK(ad_detector_opts_new(zscore, &block, &err) == AD_OK &&
	    block != NULL);
	ad_detector_opts_free(zscore, block);
	ad_detector_opts_free(zscore, NULL);
}

int main(void)
{
	test_table();
	test_params();
	test_options();
	test_zscore_refusals();
	if (tmpdir_make("detector") != 0)
		return 2;
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	test_zscore();
	tmpdir_remove((const char *const[]){ "m.csv", "z.model" }, 2);
	return CHECK_DONE("test_detector");
}
