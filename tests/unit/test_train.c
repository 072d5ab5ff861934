/*
 * lib/run/train: ad_train_run on a small temporary CSV file: the counts it
 * returns (rows, rejected, invalid and infinite cells, features, trees,
 * the sampled rows), the threshold under auto and a contamination, the
 * --rejects file, byte-identical models for 1, 4 and AD_THREADS_MAX
 * threads for every detector, each detector's defaults when no options
 * block is given, the detectors' option checks, merging, and the usage
 * errors that leave no model file.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector.h"
#include "forest.h"
#include "model.h"
#include "parallel.h"
#include "train.h"

#include "check.h"
#include "detopts.h"
#include "tmpdir.h"

/* 30 rows of a, b and a label: row 7 has b "x" (invalid), row 12 a = inf,
 * row 20 a field too many (rejected); row 25 is far out. */
static void write_input(void)
{
	FILE *f = fopen(path_of("in.csv"), "w");

	fprintf(f, "a,b,label\n");
	for (int i = 1; i <= 30; i++) {
		if (i == 7)
			fprintf(f, "%d,x,0\n", i % 5);
		else if (i == 12)
			fprintf(f, "inf,%d,0\n", i % 3);
		else if (i == 20)
			fprintf(f, "1,2,0,extra\n");
		else if (i == 25)
			fprintf(f, "90,-40,1\n");
		else
			fprintf(f, "%d,%d,0\n", i % 5, (i * 7) % 3);
	}
	fclose(f);
}

static int same_files(const char *a, const char *b)
{
	FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
	int same = f != NULL && g != NULL, c;

	while (same && (c = getc(f)) == getc(g))
		if (c == EOF)
			break;
	if (same && c != EOF)
		same = 0;
	if (f)
		fclose(f);
	if (g)
		fclose(g);
	return same;
}

static struct ad_train_opts opts(const char *algo, const char *out)
{
	struct ad_train_opts o;

	memset(&o, 0, sizeof o);
	o.in.path = path_of("in.csv");
	o.output = path_of(out);
	o.algo = ad_detector_named(algo)->algo;
	o.contamination_auto = 1;
	o.seed = 4;
	o.threads = 1;
	o.max_train_rows = 20000;
	o.label = "label";
	return o;
}

static void test_counts(void)
{
	struct ad_train_opts o = opts("iforest", "i.model");
	struct ad_train_result r;
	struct ad_error err;
	struct ad_model *m = NULL;
	FILE *f;
	char line[64] = "";

	o.rejects_path = path_of("rejects.csv");
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(r.rows == 29 && r.rejected == 1 && r.invalid == 1);
	CHECK(r.infinite == 1 && r.nfeat == 2 && r.sampled == 0);
	CHECK(r.trees == 100 && r.threshold == 0.5 && r.same_seed == NULL);
	f = fopen(path_of("rejects.csv"), "r");
	CHECK(f != NULL && fgets(line, sizeof line, f) != NULL);
	CHECK(strstr(line, "1,2,0,extra") != NULL);
	if (f)
		fclose(f);
	CHECK(ad_model_load(path_of("i.model"), &m, &err) == AD_OK);
	if (m != NULL) {
		CHECK(m->rows == 29 && m->nfeat == 2 && m->threshold == 0.5);
		CHECK(ad_model_param(m, "trees") == 100 &&
		    ad_model_param(m, "sample_size") == 256);
		ad_model_free(m);
	}
	/* a contamination: the threshold is the training scores' quantile */
	o = opts("iforest", "c.model");
	o.contamination_auto = 0;
	o.contamination = 0.1;
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(ad_model_load(path_of("c.model"), &m, &err) == AD_OK);
	if (m != NULL) {
		CHECK(r.threshold == m->threshold);
		CHECK(m->threshold > m->qscore[6] &&
		    m->threshold <= m->qscore[m->nquantiles - 1]);
		ad_model_free(m);
	}
	/* detectors trained on rows: a sample above --max-train-rows */
	o = opts("zscore", "z.model");
	o.max_train_rows = 10;
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(r.rows == 29 && r.sampled == 10 && r.trees == 0 &&
	    r.threshold == 3);
}

/* The same model for 1, 4 and AD_THREADS_MAX threads, every detector. */
static void test_threads(void)
{
	static const char *const algos[] = { "iforest", "eif", "ocsvm",
		"autoencoder", "zscore" };
	struct ad_forest_opts few;
	struct ad_train_result r;
	struct ad_error err;

	detector_defaults("iforest", &few, sizeof few);
	few.trees = 20;
	for (size_t a = 0; a < sizeof algos / sizeof *algos; a++) {
		static const unsigned threads[] = { 1, 4, AD_THREADS_MAX };
		const struct ad_detector *d = ad_detector_named(algos[a]);
		char name[3][32];

		for (int t = 0; t < 3; t++) {
			struct ad_train_opts o;

			snprintf(name[t], sizeof name[t], "%s.%u", algos[a],
			    threads[t]);
			o = opts(algos[a], name[t]);
			o.threads = threads[t];
			if (d->sampling == AD_SAMPLE_SUBSAMPLES)
				o.detector_opts = &few;
			CHECK(ad_train_run(&o, &r, &err) == AD_OK);
		}
		CHECK(same_files(path_of(name[0]), path_of(name[1])));
		CHECK(same_files(path_of(name[0]), path_of(name[2])));
	}
}

static void test_refusals(void)
{
	struct ad_forest_opts fo;
	struct ad_train_opts o;
	struct ad_train_result r;
	struct ad_error err;

	o = opts("iforest", "never");
	o.threads = AD_THREADS_MAX + 1;
	CHECK(ad_train_run(&o, &r, &err) == AD_EUSAGE);
	CHECK(strstr(err.msg, "--threads") != NULL);
	detector_defaults("iforest", &fo, sizeof fo);
	fo.ext_level_set = 1;
	fo.ext_level = 1;
	o = opts("iforest", "never");
	o.detector_opts = &fo;
	CHECK(ad_train_run(&o, &r, &err) == AD_EUSAGE);
	CHECK_STR(err.msg, "--extension-level needs -a eif");
	fo.ext_level = 2;
	o.algo = AD_ALGO_EIF;
	CHECK(ad_train_run(&o, &r, &err) == AD_EUSAGE);
	CHECK_STR(err.msg, "--extension-level must be below the number of "
	    "features (2)");
	fo.ext_level = 1;
	o.output = path_of("e.model");
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	o = opts("zscore", "never");
	o.max_train_rows = 1;
	CHECK(ad_train_run(&o, &r, &err) == AD_EUSAGE);
	o = opts("zscore", "never");
	o.algo = (enum ad_algo)77;
	CHECK(ad_train_run(&o, &r, &err) == AD_EUSAGE);
	CHECK(access(path_of("never"), F_OK) != 0);
}

static void test_merge(void)
{
	struct ad_forest_opts fo;
	struct ad_train_opts o;
	struct ad_train_result r;
	struct ad_error err;
	const char *two[2];

	detector_defaults("iforest", &fo, sizeof fo);
	fo.trees = 7;
	o = opts("eif", "p1.model");
	o.detector_opts = &fo;
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	fo.trees = 5;
	o.seed = 9;
	o.output = path_of("p2.model");
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	two[0] = path_of("p1.model");
	two[1] = path_of("p2.model");
	memset(&o, 0, sizeof o);
	o.merge = two;
	o.n_merge = 2;
	o.output = path_of("merged.model");
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(r.rows == 58 && r.trees == 12 && r.nfeat == 2 &&
	    r.same_seed == NULL && r.threshold == 0.5);
	two[1] = path_of("z.model");
	CHECK(ad_train_run(&o, &r, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "cannot merge") != NULL);
}

int main(void)
{
	const char *names[] = { "in.csv", "rejects.csv", "i.model", "c.model",
		"z.model", "e.model", "p1.model", "p2.model", "merged.model" };
	const char *algos[] = { "iforest", "eif", "ocsvm", "autoencoder",
		"zscore" };
	char name[32];

	if (tmpdir_make("train") != 0)
		return 2;
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	write_input();
	test_counts();
	test_threads();
	test_refusals();
	test_merge();
	for (size_t a = 0; a < sizeof algos / sizeof *algos; a++)
		for (unsigned t = 1; t <= AD_THREADS_MAX; t = t == 1 ? 4 :
		    t == 4 ? AD_THREADS_MAX : AD_THREADS_MAX + 1) {
			snprintf(name, sizeof name, "%s.%u", algos[a], t);
			unlink(path_of(name));
		}
	tmpdir_remove(names, sizeof names / sizeof *names);
	return CHECK_DONE("test_train");
}
