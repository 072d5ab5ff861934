/*
 * lib/ocsvm: the decision function and the explanation on a hand-made
 * model for every kernel (values worked out by hand below), the payload's
 * refusals, and a model trained through ad_train_run scoring exactly as
 * libsvm's own svm_predict_values does on the same standardized rows;
 * training on a sample above --max-train-rows; the same model for any
 * thread count.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsvm/svm.h>

#include "alloc.h"
#include "detector.h"
#include "model.h"
#include "ocsvm.h"
#include "train.h"

#include "check.h"
#include "detopts.h"
#include "tmpdir.h"

/* ---- a hand-made model: two support vectors in two features ---- */

static void put(unsigned char **p, double v)
{
	uint64_t u;

	memcpy(&u, &v, 8);
	for (int i = 0; i < 8; i++)
		(*p)[i] = (unsigned char)(u >> (8 * i));
	*p += 8;
}

/* nsv 2, rho 0.3; sv (0, 0) with alpha 0.5 and (1, 2) with alpha 0.25. */
static size_t payload(unsigned char *buf, double nsv)
{
	unsigned char *p = buf;
	uint64_t n = (uint64_t)nsv;

	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(n >> (8 * i));
	p += 8;
	put(&p, 0.3);
	put(&p, 0.5);
	put(&p, 0);
	put(&p, 0);
	put(&p, 0.25);
	put(&p, 1);
	put(&p, 2);
	return (size_t)(p - buf);
}

/* A model of kernel k (gamma 0.5, coef0 1, degree 2) decoded from
 * buf[0..len); NULL with *st set if the decoder refuses it. */
static struct ad_model *hand_model(int k, const unsigned char *buf, size_t len,
    enum ad_status *st, struct ad_error *err)
{
	static const char *const names[] = { "kernel", "nu", "gamma",
		"degree", "coef0", "tol", "max_train_rows" };
	double values[] = { k, 0.5, 0.5, 2, 1, 1e-3, 100 };
	struct ad_model *m;

	if (ad_model_new(&m, err) != AD_OK)
		return NULL;
	m->algo = AD_ALGO_OCSVM;
	m->det = ad_detector_named("ocsvm");
	m->nfeat = 2;
	m->params = ad_calloc(7, sizeof *m->params);
	m->nparams = 7;
	for (int i = 0; i < 7; i++) {
		snprintf(m->params[i].name, sizeof m->params[i].name, "%s",
		    names[i]);
		m->params[i].value = values[i];
	}
	if ((*st = m->det->load(buf, len, m->params, m->nparams, m->nfeat,
	    "hand", &m->state, err)) != AD_OK) {
		ad_model_free(m);
		return NULL;
	}
	return m;
}

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-15 * (1 + fabs(b));
}

static void test_hand_model(void)
{
	unsigned char buf[128], *again;
	size_t len = payload(buf, 2);
	double x[2] = { 1, 0 }, s, c[2];
	/* at x = (1, 0): x.sv = 0 and 1; |x - sv|^2 = 1 and 4 */
	double want[4] = {
		-(0.25 - 0.3),                                    /* linear */
		-(0.5 * 1 + 0.25 * 2.25 - 0.3),                   /* poly */
		-(0.5 * exp(-0.5) + 0.25 * exp(-2) - 0.3),        /* rbf */
		-(0.5 * tanh(1) + 0.25 * tanh(1.5) - 0.3)         /* sigmoid */
	};
	struct ad_error err;
	enum ad_status st;

	for (int k = 0; k < 4; k++) {
		struct ad_model *m = hand_model(k, buf, len, &st, &err);

		CHECK(m != NULL);
		if (m == NULL)
			continue;
		ad_model_score(m, x, 1, 2, NULL, &s);
		CHECK(near(s, want[k]));
		CHECK(m->det->size(m->state) == 2);
		CHECK(m->det->save_size(m->state) == len);
		again = calloc(1, len);
		m->det->save(m->state, again);
		CHECK(memcmp(again, buf, len) == 0);
		free(again);
		ad_model_explain(m, x, NULL, c);
		if (k == AD_OCSVM_RBF) {
			/* weights alpha_i exp(-gamma (d_i - d_min)) */
			double w1 = 0.5, w2 = 0.25 * exp(-1.5);
			CHECK(near(c[0], w1 / (w1 + w2)));
			CHECK(near(c[1], 4 * w2 / (w1 + w2)));
		} else {
			CHECK(near(c[0], 0.5 / 0.75));
			CHECK(near(c[1], 1 / 0.75));
		}
		ad_model_free(m);
	}
}

/* Far from every support vector the RBF weights would all underflow; the
 * explanation still names the feature that is off. */
static void test_explain_far(void)
{
	unsigned char buf[128];
	size_t len = payload(buf, 2);
	double x[2] = { 0, 1e4 }, c[2], s;
	struct ad_error err;
	enum ad_status st;
	struct ad_model *m = hand_model(AD_OCSVM_RBF, buf, len, &st, &err);

	CHECK(m != NULL);
	if (m == NULL)
		return;
	ad_model_explain(m, x, NULL, c);
	CHECK(c[1] > c[0] && isfinite(c[1]) && c[0] >= 0);
	ad_model_score(m, x, 1, 2, NULL, &s);
	CHECK(near(s, 0.3));
	x[1] = INFINITY;
	ad_model_explain(m, x, NULL, c);
	CHECK(isfinite(c[0]) && isfinite(c[1]) && c[1] >= c[0]);
	ad_model_free(m);
	/* poly overflow: the most anomalous finite score */
	m = hand_model(AD_OCSVM_POLY, buf, len, &st, &err);
	x[0] = 1e300;
	x[1] = -1e300;
	ad_model_score(m, x, 1, 2, NULL, &s);
	CHECK(isfinite(s));
	ad_model_free(m);
}

static void expect_refusal(int k, const unsigned char *buf, size_t len,
    const char *msg)
{
	struct ad_error err;
	enum ad_status st = AD_OK;
	struct ad_model *m = hand_model(k, buf, len, &st, &err);

	CHECK(m == NULL && st == AD_EDATA);
	CHECK(m == NULL && strstr(err.msg, msg) != NULL);
	if (m == NULL && strstr(err.msg, msg) == NULL)
		fprintf(stderr, "got \"%s\", want \"%s\"\n", err.msg, msg);
	ad_model_free(m);
}

static void test_refusals(void)
{
	unsigned char buf[160];
	size_t len = payload(buf, 2);

	expect_refusal(4, buf, len, "hyper-parameter kernel out of range");
	expect_refusal(2, buf, 8, "truncated support vectors");
	expect_refusal(2, buf, len - 1, "support vector count does not match");
	memset(buf + len, 0, 8);
	expect_refusal(2, buf, len + 8, "support vector count does not match");
	payload(buf, 3);
	expect_refusal(2, buf, len, "support vector count does not match");
	payload(buf, 0);
	expect_refusal(2, buf, 16, "support vector count does not match");
	payload(buf, 1e6);   /* above max_train_rows */
	expect_refusal(2, buf, len, "support vector count does not match");
	payload(buf, 2);
	buf[16 + 7] ^= 0x80;  /* alpha 0.5 -> -0.5 */
	expect_refusal(2, buf, len, "coefficient out of (0, 1]");
	payload(buf, 2);
	memset(buf + 24, 0xff, 8);  /* a NaN coordinate */
	expect_refusal(2, buf, len, "support vector not finite");
	payload(buf, 2);
	memset(buf + 8, 0xff, 8);   /* NaN rho */
	expect_refusal(2, buf, len, "rho not finite");
}

/* ---- trained through ad_train_run ---- */


/* n rows of three features, one of them constant, one row far out. */
static void write_csv(const char *name, int n)
{
	FILE *f = fopen(path_of(name), "w");

	fprintf(f, "a,b,c,label\n");
	for (int i = 0; i < n; i++)
		fprintf(f, "%d.%d,%g,7,0\n", i % 13, i % 7,
		    i == 5 ? 90.0 : (double)((i * 37) % 11));
	fclose(f);
}

/* The options block of opts(): reset to the defaults by each call. */
static struct ad_ocsvm_opts svm;

static struct ad_train_opts opts(const char *in, const char *out)
{
	struct ad_train_opts o;

	memset(&o, 0, sizeof o);
	o.in.path = path_of(in);
	o.output = path_of(out);
	o.algo = AD_ALGO_OCSVM;
	o.contamination_auto = 1;
	o.threads = 1;
	o.label = "label";
	o.max_train_rows = 20000;
	detector_defaults("ocsvm", &svm, sizeof svm);
	o.detector_opts = &svm;
	return o;
}

static int same_files(const char *a, const char *b)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, b);
	return system(cmd) == 0;
}

static void quiet(const char *s)
{
	(void)s;
}

/* Our scores against libsvm's svm_predict_values on the model's own
 * standardized training rows, and libsvm trained on them directly. */
static void compare_with_libsvm(int kernel)
{
	struct ad_train_opts o = opts("t.csv", "k.model");
	struct ad_train_result r;
	struct ad_model *m = NULL;
	struct ad_error err;
	struct svm_problem pb;
	struct svm_parameter par;
	struct svm_model *sm;
	struct svm_node nodes[60][4];
	struct svm_node *rows[60];
	double y[60], x[60][3];
	double worst = 0;
	FILE *f;
	int n = 0;

	svm.kernel = (enum ad_ocsvm_kernel)kernel;
	svm.nu = 0.3;
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(ad_model_load(path_of("k.model"), &m, &err) == AD_OK);
	if (m == NULL)
		return;
	CHECK(m->scale[2] == 1 && m->center[2] == 7);  /* the constant one */
	f = fopen(path_of("t.csv"), "r");
	fscanf(f, "%*s");
	while (n < 60 && fscanf(f, "%lf,%lf,%lf,%*d", &x[n][0], &x[n][1],
	    &x[n][2]) == 3) {
		int k = 0;
		for (int j = 0; j < 3; j++) {
			x[n][j] = (x[n][j] - m->center[j]) / m->scale[j];
			nodes[n][k].index = j + 1;
			nodes[n][k++].value = x[n][j];
		}
		nodes[n][k].index = -1;
		rows[n] = nodes[n];
		y[n] = 1;
		n++;
	}
	fclose(f);
	CHECK(n == 60);
	memset(&par, 0, sizeof par);
	par.svm_type = ONE_CLASS;
	par.kernel_type = kernel;
	par.degree = 3;
	par.gamma = ad_model_param(m, "gamma");
	par.cache_size = 200;
	par.eps = 1e-3;
	par.nu = 0.3;
	par.shrinking = 1;
	pb.l = n;
	pb.y = y;
	pb.x = rows;
	svm_set_print_string_function(quiet);
	sm = svm_train(&pb, &par);
	CHECK((uint64_t)svm_get_nr_sv(sm) == m->det->size(m->state));
	for (int i = 0; i < n; i++) {
		double dec, s;
		svm_predict_values(sm, rows[i], &dec);
		ad_model_score(m, x[i], 1, 3, NULL, &s);
		if (fabs(-s - dec) > worst)
			worst = fabs(-s - dec);
	}
	CHECK(worst <= 1e-12);
	if (worst > 1e-12)
		fprintf(stderr, "kernel %d: |ours - libsvm| up to %g\n", kernel,
		    worst);
	svm_free_and_destroy_model(&sm);
	ad_model_free(m);
}

static void test_trained(void)
{
	struct ad_train_opts o = opts("t.csv", "a.model");
	struct ad_train_result r;
	struct ad_model *m = NULL;
	struct ad_error err;

	write_csv("t.csv", 60);
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(r.rows == 60 && r.sampled == 0 && r.threshold == 0);
	o.threads = 3;
	o.output = path_of("b.model");
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(same_files(path_of("a.model"), path_of("b.model")));
	for (int k = 0; k < 4; k++)
		compare_with_libsvm(k);
	/* above --max-train-rows: a sample, drawn by the seed */
	o = opts("t.csv", "s.model");
	o.max_train_rows = 20;
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(r.rows == 60 && r.sampled == 20);
	CHECK(ad_model_load(path_of("s.model"), &m, &err) == AD_OK);
	if (m != NULL) {
		CHECK(m->rows == 60 && m->det->size(m->state) <= 20);
		CHECK(ad_model_param(m, "max_train_rows") == 20);
		ad_model_free(m);
	}
	o.seed = 1;
	o.output = path_of("s1.model");
	CHECK(ad_train_run(&o, &r, &err) == AD_OK);
	CHECK(!same_files(path_of("s.model"), path_of("s1.model")));
	/* libsvm's own check of the parameters */
	svm.cache_mb = 0;
	o.output = path_of("never");
	CHECK(ad_train_run(&o, &r, &err) == AD_EUSAGE);
	CHECK(strstr(err.msg, "libsvm refuses") != NULL);
	CHECK(access(path_of("never"), F_OK) != 0);
}

int main(void)
{
	test_hand_model();
	test_explain_far();
	test_refusals();
	if (tmpdir_make("ocsvm") != 0)
		return 2;
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	test_trained();
	{
		const char *names[] = { "t.csv", "a.model", "b.model", "k.model",
		    "s.model", "s1.model" };
		tmpdir_remove(names, sizeof names / sizeof names[0]);
	}
	return CHECK_DONE("test_ocsvm");
}
