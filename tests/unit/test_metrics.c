/*
 * Tests for lib/metrics (and lib/eval under memory failure): order keys,
 * the radix sort, a decision's metrics and their undefined cases, the
 * threshold-free metrics on hand-worked examples with ties, thresholds,
 * DeLong's test and the bootstrap against values of the independent
 * Python references in scripts/gen-eval-golden.py, and an OOM loop (as in
 * test_oom.c) over the sort, DeLong, the bootstrap and a whole ad-eval run
 * with every output, which must end in AD_OK or AD_ENOMEM, leak nothing
 * and leave no output file behind when it fails.
 *
 * scikit-learn's agreement on many inputs is tested by the golden files
 * (tests/bats/ad-eval.bats); here the arithmetic is checked by hand.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "eval.h"
#include "metrics.h"

#include "check.h"

/* ---- the failing allocator (see test_oom.c) ---- */

#include "failalloc.h"

/* ---- helpers ---- */

#define NEAR(a, b) (fabs((a) - (b)) <= 1e-12)

/* Splits scores by label into sorted key arrays. */
static void rank_of(const double *s, const int *y, size_t n, uint64_t *pos,
    uint64_t *neg, struct ad_ranked *r)
{
	struct ad_error err;

	r->npos = r->nneg = 0;
	for (size_t i = 0; i < n; i++) {
		if (y[i])
			pos[r->npos++] = ad_metrics_key(s[i]);
		else
			neg[r->nneg++] = ad_metrics_key(s[i]);
	}
	CHECK(ad_metrics_sort(pos, r->npos, &err) == AD_OK);
	CHECK(ad_metrics_sort(neg, r->nneg, &err) == AD_OK);
	r->pos = pos;
	r->neg = neg;
}

/* ---- keys and sorting ---- */

static void test_keys_order_like_numbers(void)
{
	static const double v[] = { -INFINITY, -1e308, -2.5, -1, -1e-300,
	    -4.9e-324, 0, 4.9e-324, 1e-300, 0.1, 1, 2.5, 1e308, INFINITY };
	size_t n = sizeof v / sizeof v[0];

	for (size_t i = 0; i < n; i++) {
		CHECK(ad_metrics_unkey(ad_metrics_key(v[i])) == v[i]);
		if (i > 0)
			CHECK(ad_metrics_key(v[i - 1]) < ad_metrics_key(v[i]));
	}
	/* -0 is 0: one tie group, and it comes back as +0 */
	CHECK(ad_metrics_key(-0.0) == ad_metrics_key(0.0));
	CHECK(!signbit(ad_metrics_unkey(ad_metrics_key(-0.0))));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void test_sort_matches_qsort(void)
{
	static const size_t sizes[] = { 0, 1, 2, 63, 64, 65, 1000, 100000 };
	struct ad_error err;
	uint64_t seed = 88172645463325252u;

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s];
		uint64_t *a = malloc((n + 1) * sizeof *a);
		uint64_t *b = malloc((n + 1) * sizeof *b);

		for (size_t i = 0; i < n; i++) {
			double v;
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			/* a mix of ties, signs and magnitudes */
			v = (i % 3 == 0) ? (double)(seed % 7) :
			    ((double)(int64_t)seed / 1e15);
			a[i] = b[i] = ad_metrics_key(v);
		}
		CHECK(ad_metrics_sort(a, n, &err) == AD_OK);
		qsort(b, n, sizeof *b, cmp_u64);
		CHECK(n == 0 || memcmp(a, b, n * sizeof *a) == 0);
		free(a);
		free(b);
	}
}

static void test_sort_of_equal_keys(void)
{
	uint64_t a[200];
	struct ad_error err;

	for (size_t i = 0; i < 200; i++)
		a[i] = ad_metrics_key(0.5);
	CHECK(ad_metrics_sort(a, 200, &err) == AD_OK);
	CHECK(a[0] == ad_metrics_key(0.5) && a[199] == ad_metrics_key(0.5));
}

/* ---- a decision's metrics ---- */

static void test_confusion_metrics(void)
{
	struct ad_confusion c = { 3, 2, 10, 4 };
	struct ad_decision_metrics m;

	ad_metrics_of_confusion(&c, &m);
	CHECK(NEAR(m.precision.v, 0.6) && m.precision.why == NULL);
	CHECK(NEAR(m.recall.v, 3.0 / 7));
	CHECK(NEAR(m.f1.v, 0.5));
	CHECK(NEAR(m.accuracy.v, 13.0 / 19));
	CHECK(NEAR(m.specificity.v, 10.0 / 12));
	/* (3 * 10 - 2 * 4) / sqrt(5 * 7 * 12 * 14) */
	CHECK(NEAR(m.mcc.v, 22 / sqrt(5.0 * 7 * 12 * 14)));
}

static void test_confusion_undefined_cases(void)
{
	struct ad_confusion none_flagged = { 0, 0, 5, 2 };
	struct ad_confusion no_pos = { 0, 1, 4, 0 };
	struct ad_confusion nothing = { 0, 0, 3, 0 };
	struct ad_confusion empty = { 0, 0, 0, 0 };
	struct ad_confusion no_neg = { 2, 0, 0, 1 };
	struct ad_decision_metrics m;

	ad_metrics_of_confusion(&none_flagged, &m);
	CHECK(isnan(m.precision.v));
	CHECK_STR(m.precision.why, "no row is flagged");
	CHECK(m.f1.v == 0 && m.f1.why == NULL);  /* as scikit-learn */
	CHECK(m.recall.v == 0);
	CHECK_STR(m.mcc.why, "every row has the same decision");

	ad_metrics_of_confusion(&no_pos, &m);
	CHECK_STR(m.recall.why, "no row is labelled anomalous");
	CHECK(m.precision.v == 0 && m.f1.v == 0);
	CHECK_STR(m.mcc.why, "every row has the same label");

	ad_metrics_of_confusion(&nothing, &m);
	CHECK_STR(m.f1.why, "no row is labelled anomalous or flagged");
	CHECK(m.accuracy.v == 1 && m.specificity.v == 1);

	ad_metrics_of_confusion(&no_neg, &m);
	CHECK_STR(m.specificity.why, "no row is labelled normal");
	CHECK(NEAR(m.recall.v, 2.0 / 3) && m.precision.v == 1);

	ad_metrics_of_confusion(&empty, &m);
	CHECK_STR(m.accuracy.why, "no rows to evaluate");
	CHECK_STR(m.precision.why, "no rows to evaluate");
	CHECK_STR(m.mcc.why, "no rows to evaluate");
}

/* ---- threshold-free metrics ---- */

/* The example of the header comment's formulas, worked by hand. */
static const double ex_a[] = { 0.9, 0.5, 0.5, 0.5, 0.3, 0.2, 0.1 };
static const double ex_b[] = { 0.8, 0.7, 0.3, 0.6, 0.4, 0.1, 0.0 };
static const int ex_y[] = { 1, 1, 1, 0, 0, 0, 0 };

struct point_log {
	int n;
	double t[8];
	uint64_t tp[8], fp[8];
};

static enum ad_status log_point(void *ctx, double t, uint64_t tp,
    uint64_t fp, struct ad_error *err)
{
	struct point_log *l = ctx;

	(void)err;
	l->t[l->n] = t;
	l->tp[l->n] = tp;
	l->fp[l->n] = fp;
	l->n++;
	return AD_OK;
}

static void test_rank_metrics_with_ties(void)
{
	uint64_t pos[8], neg[8];
	struct ad_ranked r;
	struct ad_rank_metrics m;
	struct point_log log = { 0 };
	struct ad_error err;

	rank_of(ex_a, ex_y, 7, pos, neg, &r);
	CHECK(ad_metrics_rank(&r, &m, log_point, &log, &err) == AD_OK);
	/* 0.9 beats 4 negatives; each 0.5 beats 3 and ties 1: 11 of 12 */
	CHECK(NEAR(m.roc_auc.v, 11.0 / 12));
	/* groups 0.9 (1, 0) and 0.5 (2, 1): 1/3 * 1 + 2/3 * 3/4 */
	CHECK(NEAR(m.pr_auc.v, 1.0 / 3 + 2.0 / 3 * 0.75));
	/* k = 3: 0.9, then two of the three rows at 0.5 (two positive) */
	CHECK(NEAR(m.precision_at_k.v, (1 + 2 * 2.0 / 3) / 3));
	/* F1 at 0.5: 2 * 3 / (4 + 3) */
	CHECK(NEAR(m.best_f1.v, 6.0 / 7) && m.best_f1_threshold.v == 0.5);
	CHECK(log.n == 5 && log.t[0] == 0.9 && log.tp[1] == 3 &&
	    log.fp[1] == 1 && log.t[4] == 0.1 && log.fp[4] == 4);

	rank_of(ex_b, ex_y, 7, pos, neg, &r);
	CHECK(ad_metrics_rank(&r, &m, NULL, NULL, &err) == AD_OK);
	CHECK(NEAR(m.roc_auc.v, 10.0 / 12));
	CHECK(NEAR(m.pr_auc.v, 0.8666666666666667));
	CHECK(NEAR(m.precision_at_k.v, 2.0 / 3));
	CHECK(NEAR(m.best_f1.v, 0.8) && m.best_f1_threshold.v == 0.7);
}

static void test_rank_constant_score(void)
{
	static const double s[] = { 0.5, 0.5, 0.5, 0.5 };
	static const int y[] = { 1, 0, 0, 1 };
	uint64_t pos[4], neg[4];
	struct ad_ranked r;
	struct ad_rank_metrics m;
	struct ad_error err;

	rank_of(s, y, 4, pos, neg, &r);
	CHECK(ad_metrics_rank(&r, &m, NULL, NULL, &err) == AD_OK);
	CHECK(m.roc_auc.v == 0.5 && m.pr_auc.v == 0.5);
	CHECK(m.precision_at_k.v == 0.5);
	CHECK(NEAR(m.best_f1.v, 2.0 / 3));
}

static void test_rank_best_f1_ties_keep_highest_threshold(void)
{
	/* F1 at 0.9 is 2/3 (tp 1 of P 2), at 0.1 it is 2/3 as well (tp 2,
	 * fp 2): the higher threshold is kept */
	static const double s[] = { 0.9, 0.5, 0.1, 0.1 };
	static const int y[] = { 1, 0, 1, 0 };
	uint64_t pos[4], neg[4];
	struct ad_ranked r;
	struct ad_rank_metrics m;
	struct ad_error err;

	rank_of(s, y, 4, pos, neg, &r);
	CHECK(ad_metrics_rank(&r, &m, NULL, NULL, &err) == AD_OK);
	CHECK(NEAR(m.best_f1.v, 2.0 / 3) && m.best_f1_threshold.v == 0.9);
}

static void test_rank_undefined_cases(void)
{
	static const double s[] = { 0.3, 0.2 };
	static const int neg_only[] = { 0, 0 }, pos_only[] = { 1, 1 };
	uint64_t pos[2], neg[2];
	struct ad_ranked r;
	struct ad_rank_metrics m;
	struct ad_error err;

	rank_of(s, neg_only, 2, pos, neg, &r);
	CHECK(ad_metrics_rank(&r, &m, NULL, NULL, &err) == AD_OK);
	CHECK(isnan(m.roc_auc.v) && isnan(m.pr_auc.v) && isnan(m.best_f1.v));
	CHECK_STR(m.roc_auc.why, "no row is labelled anomalous");
	CHECK_STR(m.precision_at_k.why, "no row is labelled anomalous");

	rank_of(s, pos_only, 2, pos, neg, &r);
	CHECK(ad_metrics_rank(&r, &m, NULL, NULL, &err) == AD_OK);
	CHECK_STR(m.roc_auc.why, "no row is labelled normal");
	CHECK(m.pr_auc.v == 1 && m.precision_at_k.v == 1);

	r.npos = r.nneg = 0;
	CHECK(ad_metrics_rank(&r, &m, NULL, NULL, &err) == AD_OK);
	CHECK_STR(m.roc_auc.why, "no rows to evaluate");
	CHECK_STR(m.best_f1_threshold.why, "no rows to evaluate");
}

static void test_thresholds(void)
{
	uint64_t pos[8], neg[8];
	struct ad_ranked r;
	struct ad_confusion c;

	rank_of(ex_a, ex_y, 7, pos, neg, &r);
	ad_metrics_confusion_at(&r, ad_metrics_key(0.5), &c);
	CHECK(c.tp == 3 && c.fp == 1 && c.tn == 3 && c.fn == 0);
	ad_metrics_confusion_at(&r, ad_metrics_key(0.55), &c);
	CHECK(c.tp == 1 && c.fp == 0 && c.tn == 4 && c.fn == 2);
	ad_metrics_confusion_at(&r, UINT64_MAX, &c);
	CHECK(c.tp == 0 && c.fp == 0);
	CHECK(ad_metrics_unkey(ad_metrics_kth_highest(&r, 1)) == 0.9);
	CHECK(ad_metrics_unkey(ad_metrics_kth_highest(&r, 2)) == 0.5);
	CHECK(ad_metrics_unkey(ad_metrics_kth_highest(&r, 4)) == 0.5);
	CHECK(ad_metrics_unkey(ad_metrics_kth_highest(&r, 5)) == 0.3);
	CHECK(ad_metrics_unkey(ad_metrics_kth_highest(&r, 7)) == 0.1);
}

/* ---- DeLong and the bootstrap ---- */

struct pair_data {
	uint64_t pa[8], pb[8], na[8], nb[8];
	unsigned char pf[8], nf[8];
	struct ad_paired p;
};

/* The example as paired rows; decisions a >= 0.5 and b >= 0.6. */
static void paired_example(struct pair_data *d)
{
	size_t m = 0, n = 0;

	for (size_t i = 0; i < 7; i++) {
		unsigned char f = (unsigned char)((ex_a[i] >= 0.5) |
		    (ex_b[i] >= 0.6) << 1);
		if (ex_y[i]) {
			d->pa[m] = ad_metrics_key(ex_a[i]);
			d->pb[m] = ad_metrics_key(ex_b[i]);
			d->pf[m++] = f;
		} else {
			d->na[n] = ad_metrics_key(ex_a[i]);
			d->nb[n] = ad_metrics_key(ex_b[i]);
			d->nf[n++] = f;
		}
	}
	d->p = (struct ad_paired){ d->pa, d->pb, d->pf, m, d->na, d->nb, d->nf,
	    n };
}

static void test_delong_matches_reference(void)
{
	struct pair_data d;
	struct ad_delong out;
	struct ad_error err;

	paired_example(&d);
	CHECK(ad_metrics_delong(&d.p, &out, &err) == AD_OK);
	/* scripts/gen-eval-golden.py: delong_fast and delong_brute agree */
	CHECK(NEAR(out.diff.v, -1.0 / 12));
	CHECK(NEAR(out.se.v, 0.1717960677340692));
	CHECK(NEAR(out.z.v, -0.4850712500726655));
	CHECK(NEAR(out.p.v, 0.6276258050283596));
}

static void test_delong_undefined_cases(void)
{
	struct pair_data d;
	struct ad_delong out;
	struct ad_error err;

	paired_example(&d);
	d.p.pos_b = d.p.pos_a;     /* the same scores twice */
	d.p.neg_b = d.p.neg_a;
	CHECK(ad_metrics_delong(&d.p, &out, &err) == AD_OK);
	CHECK(out.diff.v == 0);
	CHECK_STR(out.p.why, "the two scores rank the rows alike (zero "
	    "variance)");
	paired_example(&d);
	d.p.npos = 1;
	CHECK(ad_metrics_delong(&d.p, &out, &err) == AD_OK);
	CHECK(!isnan(out.diff.v));
	CHECK_STR(out.se.why, "needs at least two rows of each label");
	d.p.nneg = 0;
	CHECK(ad_metrics_delong(&d.p, &out, &err) == AD_OK);
	CHECK_STR(out.diff.why, "no row is labelled normal");
}

static void test_bootstrap_matches_reference(void)
{
	struct pair_data d;
	struct ad_bootstrap a, b;
	struct ad_error err;

	paired_example(&d);
	CHECK(ad_metrics_bootstrap(&d.p, 10, 5, 0.95, &a, &err) == AD_OK);
	/* the Python port of the generator, with scikit-learn's weighted
	 * average_precision_score and f1_score */
	CHECK(NEAR(a.ap_low.v, -0.2666666666666666));
	CHECK(NEAR(a.ap_high.v, 0.16666666666666674));
	CHECK(NEAR(a.f1_low.v, -0.5));
	CHECK(NEAR(a.f1_high.v, 0.0));
	CHECK(a.resamples == 10 && a.seed == 5 && a.level == 0.95);
	/* the same seed gives the same intervals; another seed others */
	CHECK(ad_metrics_bootstrap(&d.p, 10, 5, 0.95, &b, &err) == AD_OK);
	CHECK(a.ap_low.v == b.ap_low.v && a.f1_high.v == b.f1_high.v);
	CHECK(ad_metrics_bootstrap(&d.p, 200, 6, 0.95, &b, &err) == AD_OK);
	CHECK(b.ap_low.v != a.ap_low.v || b.ap_high.v != a.ap_high.v);
}

static void test_bootstrap_undefined_cases(void)
{
	struct pair_data d;
	struct ad_bootstrap b;
	struct ad_error err;

	paired_example(&d);
	CHECK(ad_metrics_bootstrap(&d.p, 0, 1, 0.95, &b, &err) == AD_OK);
	CHECK_STR(b.ap_low.why, "no resamples");
	d.p.pos_flag = d.p.neg_flag = NULL;
	CHECK(ad_metrics_bootstrap(&d.p, 5, 1, 0.95, &b, &err) == AD_OK);
	CHECK(!isnan(b.ap_low.v));
	CHECK_STR(b.f1_low.why, "no decision to compare");
	d.p.npos = 0;
	CHECK(ad_metrics_bootstrap(&d.p, 5, 1, 0.95, &b, &err) == AD_OK);
	CHECK_STR(b.ap_high.why, "no row is labelled anomalous");
}

/* ---- the OOM loop ---- */

static enum ad_status sort_scenario(struct ad_error *err)
{
	uint64_t k[300];
	enum ad_status st;

	for (size_t i = 0; i < 300; i++)
		k[i] = ad_metrics_key((double)((i * 7919) % 300));
	st = ad_metrics_sort(k, 300, err);
	for (size_t i = 1; st == AD_OK && i < 300; i++)
		if (k[i - 1] > k[i])
			return AD_ECHECK;
	return st;
}

static enum ad_status delong_scenario(struct ad_error *err)
{
	struct pair_data d;
	struct ad_delong out;
	enum ad_status st;

	paired_example(&d);
	st = ad_metrics_delong(&d.p, &out, err);
	return st == AD_OK && !NEAR(out.p.v, 0.6276258050283596) ? AD_ECHECK :
	    st;
}

static enum ad_status bootstrap_scenario(struct ad_error *err)
{
	struct pair_data d;
	struct ad_bootstrap b;
	enum ad_status st;

	paired_example(&d);
	st = ad_metrics_bootstrap(&d.p, 10, 5, 0.95, &b, err);
	return st == AD_OK && !NEAR(b.ap_low.v, -0.2666666666666666) ?
	    AD_ECHECK : st;
}

static char out_dir[64];

static int dir_entries(void)
{
	DIR *d = opendir(out_dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void clear_dir(void)
{
	static const char *const names[] = { "report.json", "curves.csv",
	    "plot.svg", "kfp-metrics.json", "kfp-ui.json", "eval.prom",
	    "series.svg" };
	char path[128];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", out_dir, names[i]);
		unlink(path);
	}
}

/* A whole ad-eval run with every output; on failure no file may remain. */
static enum ad_status eval_scenario(struct ad_error *err)
{
	struct ad_eval_opts o;
	struct ad_eval_result res;
	char paths[7][128];
	static const char *const names[] = { "report.json", "curves.csv",
	    "plot.svg", "kfp-metrics.json", "kfp-ui.json", "eval.prom",
	    "series.svg" };
	enum ad_status st;

	for (size_t i = 0; i < 7; i++)
		snprintf(paths[i], sizeof paths[i], "%s/%s", out_dir, names[i]);
	ad_eval_defaults(&o);
	/* two challengers, and the series plot along the row number */
	o.in.path = "tests/fixtures/eval-three.csv";
	o.output = paths[0];
	o.curves_path = paths[1];
	o.plot_path = paths[2];
	o.kfp_metrics_path = paths[3];
	o.kfp_ui_path = paths[4];
	o.prom_path = paths[5];
	o.compare.v[0] = "challenger";
	o.compare.v[1] = "c2";
	o.compare.n = 2;
	o.plot_series_path = paths[6];
	o.plot_values.v[0] = "challenger";
	o.plot_values.n = 1;
	o.by = "host";
	o.bootstrap = 5;
	st = ad_eval_run(&o, &res, err);
	if (st != AD_OK && dir_entries() != 0)
		st = AD_ECHECK;     /* a failed run left a file */
	if (st == AD_OK && (dir_entries() != 7 || res.rows_used != 19))
		st = AD_ECHECK;
	clear_dir();
	return st;
}

static int run_once(enum ad_status (*scenario)(struct ad_error *), long n,
    int persist, const char *name)
{
	struct ad_error err;
	enum ad_status st;
	int ok;

	memset(&err, 0, sizeof err);
	calls = 0;
	live = 0;
	hit = 0;
	fail_at = n;
	persistent = persist;
	st = scenario(&err);
	fail_at = 0;
	ok = st == AD_OK || st == AD_ENOMEM;
	if (persist && hit)
		ok = st == AD_ENOMEM;
	if (!hit)
		ok = st == AD_OK;
	if (ok && st == AD_ENOMEM)
		ok = err.code == AD_ENOMEM;
	if (!ok)
		fprintf(stderr, "%s: failing allocation %ld (%s): status %d, "
		    "error %d %s\n", name, n, persist ? "persistent" :
		    "transient", (int)st, (int)err.code, err.msg);
	if (live != 0)
		fprintf(stderr, "%s: failing allocation %ld (%s): %ld blocks "
		    "leaked\n", name, n, persist ? "persistent" : "transient",
		    live);
	/* one check per run would swamp the counts: only failures count */
	if (!ok || live != 0)
		CHECK(ok && live == 0);
	return hit;
}

static void oom_loop(enum ad_status (*scenario)(struct ad_error *),
    const char *name)
{
	for (int persist = 0; persist <= 1; persist++) {
		long n = 1;

		while (run_once(scenario, n, persist, name) && n < 100000)
			n++;
		CHECK(n > 1);          /* the scenario does allocate */
		CHECK(n < 100000);
	}
}

static void test_scenarios_pass_without_failures(void)
{
	struct ad_error err;

	CHECK(sort_scenario(&err) == AD_OK);
	CHECK(delong_scenario(&err) == AD_OK);
	CHECK(bootstrap_scenario(&err) == AD_OK);
	CHECK(eval_scenario(&err) == AD_OK);
	CHECK(live == 0);
}

int main(void)
{
	test_keys_order_like_numbers();
	test_sort_matches_qsort();
	test_sort_of_equal_keys();
	test_confusion_metrics();
	test_confusion_undefined_cases();
	test_rank_metrics_with_ties();
	test_rank_constant_score();
	test_rank_best_f1_ties_keep_highest_threshold();
	test_rank_undefined_cases();
	test_thresholds();
	test_delong_matches_reference();
	test_delong_undefined_cases();
	test_bootstrap_matches_reference();
	test_bootstrap_undefined_cases();

	snprintf(out_dir, sizeof out_dir, "/tmp/adkit-eval-oom-XXXXXX");
	if (mkdtemp(out_dir) == NULL) {
		perror(out_dir);
		return 2;
	}
	test_scenarios_pass_without_failures();
	oom_loop(sort_scenario, "sort");
	oom_loop(delong_scenario, "DeLong");
	oom_loop(bootstrap_scenario, "bootstrap");
	oom_loop(eval_scenario, "ad-eval run");
	rmdir(out_dir);
	return CHECK_DONE("test_metrics");
}
