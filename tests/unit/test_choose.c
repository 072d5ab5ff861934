/*
 * lib/run/choose through ad_train_run -a auto on a small temporary CSV
 * file: the choice with labels (a forest among the candidates, so the
 * sample is replayed into its reservoirs) and without, the table recorded
 * in the model, and the OOM loop of STYLE.md over both (each failing
 * allocation ends in AD_ENOMEM and no model, or the same model bytes).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "choose.h"
#include "detector.h"
#include "model.h"
#include "train.h"

#include "check.h"
#include "failalloc.h"
#include "oomloop.h"

static char in_path[FILES_PATH_MAX], l_path[FILES_PATH_MAX],
    u_path[FILES_PATH_MAX];

/* 20 rows of a, b and a label; every 4th row is an anomaly far out in a. */
static void write_input(void)
{
	char text[2048];
	size_t len = 0;

	len += (size_t)snprintf(text, sizeof text, "a,b,label\n");
	for (int i = 1; i <= 20; i++)
		len += (size_t)snprintf(text + len, sizeof text - len,
		    "%d,%d,%d\n", i % 4 == 0 ? 50 + i : i % 5, (i * 7) % 3,
		    i % 4 == 0);
	put_file(in_path, "choose", text);
}

/* iforest first: it wins the tie of perfect ROC-AUCs, so the forest path
 * (the sample replayed into its reservoirs) is the one trained */
static char *candidates[] = { "iforest", "zscore", "hbos" };

static struct ad_train_opts opts(int labelled, char *out)
{
	struct ad_train_opts o;

	memset(&o, 0, sizeof o);
	o.in.path = in_path;
	o.output = out;
	o.choose = 1;
	o.choice.candidates = candidates;
	o.choice.ncandidates = 3;
	o.choice.budget = 60;
	o.choice.cv_rows = 4000;
	o.contamination_auto = 1;
	o.seed = 4;
	o.threads = 2;
	o.max_train_rows = 20000;
	o.label = labelled ? "label" : NULL;
	o.no_label = !labelled;
	if (!labelled) {
		static char *ignore[] = { "label" };

		o.ignore = ignore;
		o.n_ignore = 1;
	}
	return o;
}

static enum ad_status run(void *ctx, struct ad_error *err)
{
	const struct ad_train_opts *o = ctx;
	struct ad_train_result r;

	return ad_train_run(o, &r, err);
}

/* The model's AUTO section holds want. */
static int records(const char *model, const char *want)
{
	struct ad_model *m = NULL;
	struct ad_error err;
	const unsigned char *data;
	size_t len;
	int ok;

	if (ad_model_load(model, &m, &err) != AD_OK)
		return 0;
	ok = ad_model_section_get(m, AD_CHOICE_TAG, &data, &len) &&
	    memmem(data, len, want, strlen(want)) != NULL;
	ad_model_free(m);
	return ok;
}

static void test_choices(void)
{
	struct ad_train_opts o = opts(1, l_path);
	struct ad_train_result r;
	struct ad_error err;

	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(r.rows == 20 && r.nfeat == 2);
	CHECK(records(l_path, "5-fold cross-validated ROC-AUC on 20 "
	    "labelled rows (5 anomalies), 2 features"));
	CHECK(records(l_path, "\nchoice: iforest"));
	CHECK(r.algo == AD_ALGO_IFOREST && r.trees == 100);
	o = opts(0, u_path);
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(records(u_path, "no labels; the traits of 20 sampled rows"));
	/* neither the ensemble nor knn among the candidates: iforest */
	CHECK(records(u_path, "categorical share  1.000"));
	CHECK(records(u_path, "ensemble   not a candidate"));
	CHECK(records(u_path, "choice: iforest\n"));
	CHECK(r.algo == AD_ALGO_IFOREST);
}

static void test_oom(void)
{
	struct ad_train_opts l = opts(1, l_path), u = opts(0, u_path);

	l.threads = u.threads = 1;
	oom_loop("-a auto with labels", run, &l, l_path);
	oom_loop("-a auto without labels", run, &u, u_path);
}

int main(void)
{
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	write_input();
	put_file(l_path, "choose", "");
	put_file(u_path, "choose", "");
	test_choices();
	test_oom();
	unlink(in_path);
	unlink(l_path);
	unlink(u_path);
	return CHECK_DONE("test_choose");
}
