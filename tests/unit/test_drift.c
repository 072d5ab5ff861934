/*
 * Tests for lib/drift's decisions and column comparisons: every --method,
 * Bonferroni's divisor (only columns with a p-value count), values on one
 * side only, the share bar (reached counts), critical columns; a numeric
 * column against its own profile; a text column with categories the
 * reference does not list; and score drift against quantiles, whose
 * values SciPy gave (the comments say how). Then whole runs under an OOM
 * loop: comparing data, writing a profile, comparing with it by windows,
 * merging profiles, with every allocation failed in turn, once and for
 * good, must end in AD_ENOMEM (or success) with nothing leaked and no
 * output file left behind.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "drift.h"

#include "check.h"

/* ---- a failing allocator (see tests/unit/test_oom.c) ---- */

#include "failalloc.h"

static struct ad_drift_col col(enum ad_type type, double psi, double p,
    double w, double js)
{
	struct ad_drift_col c;

	memset(&c, 0, sizeof c);
	c.name = "c";
	c.type = type;
	c.n_ref = c.n_cur = 100;
	c.psi = psi;
	c.js = js;
	c.ks = c.ks_p = c.chi2_p = c.wasserstein = NAN;
	if (type == AD_NUMERIC) {
		c.ks_p = p;
		c.wasserstein = w;
	} else {
		c.chi2_p = p;
	}
	return c;
}

static struct ad_drift_rule rule(enum ad_drift_method m, double t)
{
	struct ad_drift_rule r = { m, t, 0.05, 0.5 };

	return r;
}

static void test_methods(void)
{
	struct ad_drift_col c[4];
	struct ad_drift_rule r;
	struct ad_drift_verdict v;

	c[0] = col(AD_NUMERIC, 0.25, 0.5, 0.01, 0.01);   /* PSI only */
	c[1] = col(AD_NUMERIC, 0.01, 0.02, 0.5, 0.5);    /* p 0.02 > 0.05/3 */
	c[2] = col(AD_TEXT, 0.01, 0.001, NAN, 0.2);      /* chi-square */
	c[3] = col(AD_NUMERIC, 0.01, NAN, NAN, NAN);     /* no p-value */
	r = rule(AD_DRIFT_AUTO, 0.2);
	v = ad_drift_decide(c, 4, &r);
	CHECK(v.columns == 4 && v.tests == 3 && v.drifted == 2);
	CHECK(c[0].drifted && !c[1].drifted && c[2].drifted && !c[3].drifted);
	CHECK(v.share == 0.5 && v.drift);   /* the bar reached counts */
	r.share = 0.51;
	CHECK(!ad_drift_decide(c, 4, &r).drift);
	r = rule(AD_DRIFT_PSI, 0.2);
	v = ad_drift_decide(c, 4, &r);
	CHECK(c[0].drifted && !c[1].drifted && !c[2].drifted && v.drifted == 1);
	r = rule(AD_DRIFT_KS, 0.09);   /* 0.03 per test */
	ad_drift_decide(c, 4, &r);
	CHECK(!c[0].drifted && c[1].drifted && c[2].drifted && !c[3].drifted);
	r = rule(AD_DRIFT_WASSERSTEIN, 0.1);
	ad_drift_decide(c, 4, &r);
	CHECK(!c[0].drifted && c[1].drifted && c[2].drifted);
	r = rule(AD_DRIFT_JS, 0.2);
	ad_drift_decide(c, 4, &r);
	CHECK(!c[0].drifted && c[1].drifted && c[2].drifted && !c[3].drifted);
}

static void test_sides_and_critical(void)
{
	struct ad_drift_col c[3];
	struct ad_drift_rule r = rule(AD_DRIFT_AUTO, 0.2);
	struct ad_drift_verdict v;

	c[0] = col(AD_NUMERIC, NAN, NAN, NAN, NAN);
	c[0].n_cur = 0;                      /* values vanished */
	c[1] = col(AD_TEXT, NAN, NAN, NAN, NAN);
	c[1].n_ref = c[1].n_cur = 0;         /* never any */
	c[2] = col(AD_NUMERIC, 0, 1, 0, 0);
	v = ad_drift_decide(c, 3, &r);
	CHECK(c[0].drifted && !c[1].drifted && !c[2].drifted);
	CHECK(v.drifted == 1 && !v.drift && !v.critical_drifted);
	c[0].critical = 1;
	v = ad_drift_decide(c, 3, &r);
	CHECK(v.drift && v.critical_drifted);
	v = ad_drift_decide(c, 0, &r);
	CHECK(v.columns == 0 && v.share == 0 && !v.drift);
}

static void test_parsers(void)
{
	enum ad_drift_method m;
	enum ad_drift_format f;
	struct ad_error err;

	CHECK(ad_drift_parse_method("wasserstein", &m, &err) == AD_OK &&
	    m == AD_DRIFT_WASSERSTEIN);
	CHECK(ad_drift_parse_method("KS", &m, &err) == AD_EUSAGE);
	CHECK(ad_drift_parse_format("text", &f, &err) == AD_OK &&
	    f == AD_DRIFT_TEXT);
	CHECK(ad_drift_parse_format("", &f, &err) == AD_EUSAGE);
}

/* A finished profile of one numeric and one text column. */
static struct ad_profile *profile(const double *x, const char *const *t,
    size_t n, size_t top)
{
	struct ad_schema *s = NULL;
	struct ad_block *b = NULL;
	struct ad_profile *p = NULL;
	struct ad_profile_opts o = { 1000, 4, top, 1 };
	struct ad_error err;

	if (ad_schema_new(&s, &err) != AD_OK ||
	    ad_schema_add(s, "x", 1, AD_NUMERIC, &err) != AD_OK ||
	    ad_schema_add(s, "t", 1, AD_TEXT, &err) != AD_OK ||
	    ad_block_new(&b, 2, n, &err) != AD_OK)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		b->num[2 * i] = x[i];
		b->num[2 * i + 1] = NAN;
		if (ad_block_set_text(b, i, 1, t[i], strlen(t[i]), &err) != AD_OK)
			return NULL;
	}
	b->nrows = n;
	if (ad_profile_new(&p, s, &o, &err) != AD_OK ||
	    ad_profile_add(p, b, NULL, 0, n, &err) != AD_OK ||
	    ad_profile_finish(p, 1, &err) != AD_OK)
		p = NULL;
	ad_block_free(b);
	ad_schema_free(s);
	return p;
}

static void test_columns(void)
{
	const double x[] = { 1, 2, 3, 4, 5, 6, 7, 8 }, y[] = { 5, 6, 7, 8, 9,
	    10, 11, 12 };
	const char *const t[] = { "a", "a", "a", "b", "b", "c", "d", "e" };
	const char *const u[] = { "a", "z", "z", "b", "b", "y", "d", "e" };
	struct ad_profile *r = profile(x, t, 8, 2), *same = profile(x, t, 8, 0);
	struct ad_profile *c = profile(y, u, 8, 0);
	struct ad_drift_col out;
	struct ad_error err;

	if (r == NULL || same == NULL || c == NULL) {
		CHECK(!"profiles");
		return;
	}
	CHECK(ad_drift_compare_numeric(ad_profile_col(r, 0),
	    ad_profile_col(same, 0), NULL, &out, &err) == AD_OK);
	CHECK(out.psi == 0 && out.ks == 0 && out.ks_p == 1 &&
	    out.wasserstein == 0 && out.js == 0 && out.missing_delta == 0);
	CHECK(ad_drift_compare_numeric(ad_profile_col(r, 0),
	    ad_profile_col(c, 0), NULL, &out, &err) == AD_OK);
	/* shifted by 4, half the range: D = 0.5; W1 = 4 over std sqrt(5.25) */
	CHECK(out.ks == 0.5 && fabs(out.wasserstein - 4 / sqrt(5.25)) < 1e-12);
	CHECK(out.ref_mean == 4.5 && out.cur_mean == 8.5);
	/* r lists a (3) and b (2), the rest (3) is other; c has 1 a, 2 b and
	 * 5 values r does not list */
	CHECK(ad_drift_compare_text(r, 1, c, 1, &out, &err) == AD_OK);
	CHECK(out.unseen == 5 && out.n_ref == 8 && out.n_cur == 8);
	CHECK(!isnan(out.chi2_p) && isnan(out.ks));
	CHECK(ad_drift_compare_text(same, 1, same, 1, &out, &err) == AD_OK);
	CHECK(out.unseen == 0 && out.psi == 0 && out.chi2_p == 1);
	ad_profile_free(r);
	ad_profile_free(same);
	ad_profile_free(c);
}

/* Effective sizes and the lag-1 autocorrelation they come from. */
static void test_ess(void)
{
	const double x[] = { 1, 2, 3, 4, 5, 6, 7, 8 }, y[] = { 5, 6, 7, 8, 9,
	    10, 11, 12 }, alt[] = { 1, -1, 1, -1, 1, -1, 1, -1 }, k[] = { 3, 3,
	    3, 3, 3, 3, 3, 3 };
	const char *const t[] = { "a", "a", "a", "b", "b", "c", "d", "e" };
	struct ad_profile *r = profile(x, t, 8, 0), *c = profile(y, t, 8, 0);
	struct ad_profile *a = profile(alt, t, 8, 0), *q = profile(k, t, 8, 0);
	struct ad_drift_col out;
	struct ad_error err;

	CHECK(ad_drift_effective_size(1000, 1000, 0) == 1000);
	CHECK(ad_drift_effective_size(1000, 1000, NAN) == 1000);
	CHECK(ad_drift_effective_size(1000, 1000, -0.5) == 1000);
	CHECK(fabs(ad_drift_effective_size(1000, 1000, 0.5) - 1000.0 / 3) <
	    1e-9);
	/* a sample of 100 of 1000: 1 / (1/100 - 1/1000 + 3/1000) */
	CHECK(fabs(ad_drift_effective_size(100, 1000, 0.5) - 1 / 0.012) < 1e-9);
	CHECK(ad_drift_effective_size(100, 1000, 1) == 1);
	if (r == NULL || c == NULL || a == NULL || q == NULL) {
		CHECK(!"profiles");
		return;
	}
	CHECK(fabs(ad_profile_lag1(ad_profile_col(r, 0)) - 1) < 1e-12);
	CHECK(fabs(ad_profile_lag1(ad_profile_col(a, 0)) + 1) < 1e-12);
	CHECK(isnan(ad_profile_lag1(ad_profile_col(q, 0))));
	CHECK(isnan(ad_profile_lag1(ad_profile_col(r, 1))));  /* text */
	/* both sides a straight line: one effective value each, and D = 0.5
	 * is what one value against one gives */
	CHECK(ad_drift_compare_numeric(ad_profile_col(r, 0),
	    ad_profile_col(c, 0), NULL, &out, &err) == AD_OK);
	CHECK(out.ks_n_ref == 8 && out.ks_n_cur == 8 && out.ks_p < 0.3);
	CHECK(ad_drift_ess(ad_profile_col(r, 0), ad_profile_col(c, 0), &out,
	    &err) == AD_OK);
	CHECK(out.ks_n_ref == 1 && out.ks_n_cur == 1 && out.ks_p == 1 &&
	    out.ks_method == AD_KS_ASYMP);
	/* a side without pairs (a constant here, a profile file in use)
	 * borrows the other's; negative autocorrelation changes nothing */
	CHECK(ad_drift_compare_numeric(ad_profile_col(q, 0),
	    ad_profile_col(c, 0), NULL, &out, &err) == AD_OK);
	CHECK(ad_drift_ess(ad_profile_col(q, 0), ad_profile_col(c, 0), &out,
	    &err) == AD_OK);
	CHECK(out.ks_n_ref == 1 && out.ks_n_cur == 1);
	CHECK(ad_drift_compare_numeric(ad_profile_col(a, 0),
	    ad_profile_col(a, 0), NULL, &out, &err) == AD_OK);
	CHECK(ad_drift_ess(ad_profile_col(a, 0), ad_profile_col(a, 0), &out,
	    &err) == AD_OK);
	CHECK(out.ks_n_ref == 8 && out.ks_n_cur == 8);
	ad_profile_free(r);
	ad_profile_free(c);
	ad_profile_free(a);
	ad_profile_free(q);
}

/* Knots (0, 0), (.25, 1), (.5, 2), (.75, 4), (1, 8) and the sample
 * 0.5 1 1.5 2 2.5 3 5 9. Expected, from SciPy:
 *   W1: the sum over the breakpoints of scipy.integrate.quad of
 *       |ECDF - numpy.interp(t, score, prob)|, 0.53125;
 *   p:  scipy.stats.kstwo.sf(0.125, 8), 0.9975967407226562;
 *   std of the piecewise-uniform distribution: 2.1842237370135265. */
static void test_quantiles(void)
{
	const double prob[] = { 0, 0.25, 0.5, 0.75, 1 }, score[] = { 0, 1, 2, 4,
	    8 };
	const double x[] = { 0.5, 1, 1.5, 2, 2.5, 3, 5, 9 };
	const char *const t[] = { "a", "a", "a", "a", "a", "a", "a", "a" };
	double edges[5];
	struct ad_profile *c = profile(x, t, 8, 0);
	struct ad_drift_col out;
	struct ad_error err;

	CHECK(ad_drift_quantile_edges(prob, score, 5, edges) == 3);
	CHECK(edges[0] == 1 && edges[1] == 2 && edges[2] == 4);
	if (c == NULL) {
		CHECK(!"profile");
		return;
	}
	CHECK(ad_drift_compare_quantiles(prob, score, 5, 1000,
	    ad_profile_col(c, 0), NULL, &out, &err) == AD_OK);
	CHECK(out.n_ref == 1000 && out.n_cur == 8);
	CHECK(out.psi == 0 && out.js == 0);   /* two values in each quarter */
	CHECK(out.ks == 0.125);
	CHECK(fabs(out.ks_p - 0.9975967407226562) < 1e-12);
	CHECK(out.ref_mean == 2.75);
	CHECK(fabs(out.ref_std - 2.1842237370135265) < 1e-12);
	CHECK(fabs(out.wasserstein * out.ref_std - 0.53125) < 1e-12);
	ad_profile_free(c);
}

/* A flat stretch (many levels at one score) is a jump of the CDF: the
 * bins merge and KS compares both sides of the jump. */
static void test_quantiles_with_a_jump(void)
{
	const double prob[] = { 0, 0.5, 0.9, 1 }, score[] = { 0, 0, 0, 1 };
	const double x[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5 };
	const char *const t[] = { "a", "a", "a", "a", "a", "a", "a", "a", "a",
	    "a" };
	double edges[4];
	struct ad_profile *c = profile(x, t, 10, 0);
	struct ad_drift_col out;
	struct ad_error err;

	CHECK(ad_drift_quantile_edges(prob, score, 4, edges) == 1 &&
	    edges[0] == 0);
	if (c == NULL) {
		CHECK(!"profile");
		return;
	}
	CHECK(ad_drift_compare_quantiles(prob, score, 4, 10,
	    ad_profile_col(c, 0), NULL, &out, &err) == AD_OK);
	/* 90% at 0 on both sides: no gap at the knots, nor in the bins */
	CHECK(out.ks == 0 && fabs(out.psi) < 1e-15);
	ad_profile_free(c);
}

/* ---- whole runs, out of memory ---- */

static char dir[64], ref_csv[96], cur_csv[96], prof[96], prof2[96],
    merged[96], report[96], prom[96], verdict[96];

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		exit(2);
}

static void make_files(void)
{
	snprintf(dir, sizeof dir, "%s/test_drift.XXXXXX", getenv("TMPDIR") &&
	    *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		exit(2);
	snprintf(ref_csv, sizeof ref_csv, "%s/ref.csv", dir);
	snprintf(cur_csv, sizeof cur_csv, "%s/cur.csv", dir);
	snprintf(prof, sizeof prof, "%s/ref.prof", dir);
	snprintf(prof2, sizeof prof2, "%s/cur.prof", dir);
	snprintf(merged, sizeof merged, "%s/merged.prof", dir);
	snprintf(report, sizeof report, "%s/report", dir);
	snprintf(prom, sizeof prom, "%s/prom", dir);
	snprintf(verdict, sizeof verdict, "%s/verdict", dir);
	put_file(ref_csv, "x,t,y\n1,a,5\n2,b,\n3,a,7\n4,c,8\n5,a,9\n"
	    "6,b,10\n");
	put_file(cur_csv, "y,x,t\n1,3,a\n2,4,d\n3,5,a\n,6,\n5,9,e\n");
}

static void remove_files(void)
{
	const char *files[] = { ref_csv, cur_csv, prof, prof2, merged, report,
	    prom, verdict };

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		unlink(files[i]);
	rmdir(dir);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static enum ad_status run(struct ad_drift_opts *o)
{
	struct ad_drift_result res;
	struct ad_error err;

	o->threads = 1;   /* the counting allocator is not thread-safe */
	return ad_drift_run(o, &res, &err);
}

/* Compares the data as JSON with metrics and a verdict. */
static enum ad_status compare_data(void)
{
	struct ad_drift_opts o;

	ad_drift_defaults(&o);
	o.reference = ref_csv;
	o.in.path = cur_csv;
	o.output = report;
	o.format = AD_DRIFT_JSON;
	o.format_set = 1;
	o.prom_path = prom;
	o.verdict_path = verdict;
	return run(&o);
}

/* Profiles the reference, then compares with it two rows at a time. */
static enum ad_status profile_then_windows(void)
{
	struct ad_drift_opts o;
	enum ad_status st;

	ad_drift_defaults(&o);
	o.mode = AD_DRIFT_PROFILE;
	o.in.path = ref_csv;
	o.output = prof;
	if ((st = run(&o)) != AD_OK)
		return st;
	ad_drift_defaults(&o);
	o.reference = prof;
	o.in.path = cur_csv;
	o.output = report;
	o.window = 2;
	o.format = AD_DRIFT_TEXT;
	return run(&o);
}

/* Merges the profile with a profile of the input. */
static enum ad_status merge_profiles(void)
{
	struct ad_drift_opts o;
	const char *both[] = { prof, prof2 };
	enum ad_status st;

	ad_drift_defaults(&o);
	o.mode = AD_DRIFT_PROFILE;
	o.in.path = cur_csv;
	o.output = prof2;
	if ((st = run(&o)) != AD_OK)
		return st;
	ad_drift_defaults(&o);
	o.mode = AD_DRIFT_MERGE;
	o.merge = both;
	o.nmerge = 2;
	o.output = merged;
	return run(&o);
}

static void test_runs_out_of_memory(void)
{
	enum ad_status (*scenario[])(void) = { compare_data,
	    profile_then_windows, merge_profiles };
	int clean = 1, right = 1, no_partial = 1;
	long runs = 0;

	make_files();
	for (size_t k = 0; k < sizeof scenario / sizeof scenario[0]; k++)
		for (persistent = 0; persistent <= 1; persistent++)
			for (long n = 1;; n++) {
				enum ad_status st;

				unlink(report);
				unlink(merged);
				calls = 0;
				hit = 0;
				live = 0;
				fail_at = n;
				st = scenario[k]();
				fail_at = 0;
				runs++;
				clean &= live == 0;
				if (!hit) {
					right &= st == AD_OK;
					break;
				}
				right &= st == AD_OK || st == AD_ENOMEM;
				if (persistent)
					right &= st == AD_ENOMEM;
				if (st != AD_OK)
					no_partial &= !exists(k == 2 ? merged : report);
			}
	CHECK(runs > 300);
	CHECK(clean);
	CHECK(right);
	CHECK(no_partial);
	remove_files();
}

int main(void)
{
	test_methods();
	test_sides_and_critical();
	test_parsers();
	test_columns();
	test_ess();
	test_quantiles();
	test_quantiles_with_a_jump();
	test_runs_out_of_memory();
	return CHECK_DONE("test_drift");
}
