/*
 * lib/run/score: ad_score_run with a z-score model (whose scores are worked
 * out by hand) on small temporary files: the counts it returns (rows,
 * rejected, invalid cells, rows missing a feature, anomalies), the model's
 * threshold and --threshold, the output's bytes for 1, 4 and
 * AD_THREADS_MAX threads, --keep and --explain, and the usage errors that
 * leave no output file.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector.h"
#include "pool.h"
#include "score.h"
#include "train.h"

#include "check.h"
#include "tmpdir.h"

/* Reads a whole file (at most 1 MB) into buf; returns its length. */
static size_t slurp(const char *name, char *buf, size_t cap)
{
	FILE *f = fopen(path_of(name), "rb");
	size_t n = f ? fread(buf, 1, cap - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return n;
}

/* a: 0, 2, 4, 6, 8 (mean 4, population sd sqrt(8)); b: 1 everywhere
 * (mean 1, scale 1). */
static const char train_csv[] = "a,b\n0,1\n2,1\n4,1\n6,1\n8,1\n";

/* |z| of a is |a - 4| / sqrt(8), of b |b - 1|: the scores are 0, 5 (b),
 * 8 / sqrt(8) = 2.83 (a = 12), 4 / sqrt(8) = 1.41 (a = 0, b missing) and
 * 0 (a invalid), as doubles divide (8 / 2.8284271247461903 is
 * 2.82842712474619). */
static const char score_csv[] =
    "id,a,b\n"
    "1,4,1\n"
    "2,4,6\n"
    "3,12,1\n"
    "4,0,\n"
    "5,x,1\n"
    "6,1,1,extra\n";

static void train_model(void)
{
	struct ad_train_opts o;
	struct ad_train_result r;
	struct ad_error err;

	put_file("train.csv", train_csv);
	memset(&o, 0, sizeof o);
	o.in.path = path_of("train.csv");
	o.output = path_of("z.model");
	o.algo = ad_detector_named("zscore")->algo;
	o.contamination_auto = 1;
	o.threads = 1;
	o.max_train_rows = 100;
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
}

static struct ad_score_opts opts(const char *out, unsigned threads)
{
	struct ad_score_opts o;

	memset(&o, 0, sizeof o);
	o.in.path = path_of("score.csv");
	o.model_path = path_of("z.model");
	o.output = path_of(out);
	o.threads = threads;
	return o;
}

static void test_counts(void)
{
	struct ad_score_opts o = opts("s.csv", 1);
	struct ad_score_result r;
	struct ad_error err;
	char out[4096];

	CHECK(ad_score_run(&o, &r, &err) == AD_OK);
	CHECK(r.rows == 5 && r.rejected == 1 && r.invalid == 1);
	CHECK(r.missing == 2);          /* b missing; a not a number */
	CHECK(r.anomalies == 1);        /* above 3: the b = 6 row */
	slurp("s.csv", out, sizeof out);
	CHECK_STR(out, "id,a,b,score,is_anomaly\n"
	    "1,4,1,0,0\n"
	    "2,4,6,5,1\n"
	    "3,12,1,2.82842712474619,0\n"
	    "4,0,,1.414213562373095,0\n"
	    "5,,1,0,0\n");
	/* a threshold of one's own */
	o.threshold_set = 1;
	o.threshold = 1;
	CHECK(ad_score_run(&o, &r, &err) == AD_OK);
	CHECK(r.anomalies == 3);
	/* --keep id and --explain 1 */
	o = opts("k.csv", 1);
	o.keep = (char *[]){ "id" };
	o.n_keep = 1;
	o.keep_set = 1;
	o.explain = 1;
	CHECK(ad_score_run(&o, &r, &err) == AD_OK);
	slurp("k.csv", out, sizeof out);
	CHECK_STR(out, "id,score,is_anomaly,explain_1\n"
	    "1,0,0,a\n"
	    "2,5,1,b\n"
	    "3,2.82842712474619,0,a\n"
	    "4,1.414213562373095,0,a\n"
	    "5,0,0,a\n");
}

/* The same bytes for 1, 4 and AD_THREADS_MAX threads, on enough rows to
 * fill several blocks. */
static void test_threads(void)
{
	static const unsigned threads[] = { 1, 4, AD_THREADS_MAX };
	static char want[1 << 20], got[1 << 20];
	struct ad_score_result r;
	struct ad_error err;
	uint64_t anomalies = 0;
	size_t n = 0;
	FILE *f = fopen(path_of("big.csv"), "w");

	/* an anomaly: b = 9 (z = 8), or a >= 13 (z >= 9 / sqrt(8) > 3) */
	fprintf(f, "a,b\n");
	for (int i = 0; i < 20000; i++) {
		fprintf(f, "%d,%d\n", i % 17, i % 13 == 0 ? 9 : 1);
		anomalies += i % 13 == 0 || i % 17 >= 13;
	}
	fclose(f);
	for (int t = 0; t < 3; t++) {
		struct ad_score_opts o = opts("big.out", threads[t]);

		o.in.path = path_of("big.csv");
		o.explain = 2;
		CHECK(ad_score_run(&o, &r, &err) == AD_OK);
		CHECK(r.rows == 20000 && r.anomalies == anomalies);
		if (t == 0)
			n = slurp("big.out", want, sizeof want);
		else
			CHECK(slurp("big.out", got, sizeof got) == n &&
			    memcmp(got, want, n) == 0);
	}
	CHECK(n > 100000);
}

static void test_refusals(void)
{
	struct ad_score_opts o = opts("never", AD_THREADS_MAX + 1);
	struct ad_score_result r;
	struct ad_error err;

	CHECK(ad_score_run(&o, &r, &err) == AD_EUSAGE);
	CHECK(strstr(err.msg, "--threads") != NULL);
	o = opts("never", 2);
	o.threshold_set = 1;
	o.threshold = -1;
	CHECK(ad_score_run(&o, &r, &err) == AD_EUSAGE);
	o = opts("never", 2);
	o.explain = 3;
	CHECK(ad_score_run(&o, &r, &err) == AD_EUSAGE);
	CHECK(access(path_of("never"), F_OK) != 0);
}

int main(void)
{
	const char *names[] = { "train.csv", "z.model", "score.csv", "s.csv",
		"k.csv", "big.csv", "big.out" };

	if (tmpdir_make("score") != 0)
		return 2;
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	train_model();
	put_file("score.csv", score_csv);
	test_counts();
	test_threads();
	test_refusals();
	tmpdir_remove(names, sizeof names / sizeof *names);
	return CHECK_DONE("test_score");
}
