/*
 * Tests for lib/stats: every branch of the KS distributions against values
 * SciPy 1.10.1 computed (scipy.stats.kstwo.sf, scipy.special.smirnov and
 * kolmogorov, the exact two-sample p-values of ks_2samp), the incomplete
 * gamma and chi-square tests, the KS statistic bit for bit on ties and
 * signed zeros, Wasserstein, PSI with its epsilon, Jensen-Shannon, numpy's
 * quantiles, the radix sort, and the boundaries: one value, a constant
 * sample, empty sides.
 *
 * The expected values were printed by SciPy (see the comment of each
 * table); p-values must agree to 1e-10, relative.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#include "check.h"

/* Whether got is want to rel, relatively (or both are 0, or tiny). */
static int near(double got, double want, double rel)
{
	if (got == want)
		return 1;
	if (isnan(got) || isnan(want))
		return 0;
	return fabs(got - want) <= rel * fabs(want) || fabs(got - want) < 1e-300;
}

#define CHECK_NEAR(got, want, rel, what) do { \
	double g_ = (got), w_ = (want); \
	if (near(g_, w_, rel)) check_passed++; \
	else { check_failed++; \
		fprintf(stderr, "%s:%d: %s: got %.17g, want %.17g\n", __FILE__, \
		    __LINE__, (what), g_, w_); } \
} while (0)

/* Printed by tests' generator from SciPy 1.10.1 (see the file comment). */
static const struct { double d; uint64_t n; double want; const char *what; } kstwo_cases[] = {
	{ 0.08571428571428572, 7, 0.9999999216652925, "Ruben-Gambino, t <= 1, n <= 140" },
	{ 0.0045000000000000005, 200, 1.0, "Ruben-Gambino, t <= 1, n > 140" },
	{ 0.95, 30, 1.8626451492464766e-39, "Ruben-Gambino, t >= n - 1" },
	{ 0.55, 60, 1.424358696931096e-17, "x >= 0.5: 2 smirnov" },
	{ 0.1, 50, 0.6623112704658186, "n <= 140, nx^2 <= 0.754693: Durbin matrix" },
	{ 0.2, 60, 0.014023403960275127, "n <= 140, nx^2 <= 4: Pomeranz" },
	{ 0.35, 100, 1.865228719089831e-11, "n <= 140, nx^2 > 4: 2 smirnov" },
	{ 0.9, 1000, 0.0, "n > 140, nx^2 >= 370: 0" },
	{ 0.06, 1000, 0.001428597887952891, "n > 140, nx^2 >= 2.2: 2 smirnov" },
	{ 0.012, 1000, 0.9984464668620097, "n > 140, Durbin matrix" },
	{ 0.02, 5000, 0.03613941395325637, "n > 140, Pelz-Good" },
	{ 0.001, 500000, 0.698980144366366, "n > 100000, Pelz-Good" },
	{ 0.002, 2000000, 2.247704493692889e-07, "n > 1e6: 2 smirnov, approximated" },
	{ 0.004, 200, 1.0, "at or below the support: 1" },
};
static const struct { double d; uint64_t n; double want; const char *what; } smirnov_cases[] = {
	{ 0.3, 1, 0.7, "n = 1" },
	{ 0.0, 10, 1.0, "x = 0" },
	{ 1.0, 10, 0.0, "x = 1" },
	{ 0.05, 10, 0.9224335892010742, "x <= 1/n" },
	{ 0.95, 10, 9.765625000000086e-14, "x >= 1 - 1/n" },
	{ 0.02, 400, 0.7166402294554718, "upper sum" },
	{ 0.2, 50, 0.01571942744940561, "lower sum" },
	{ 0.05, 2000, 4.371547897947515e-05, "n >= 1013" },
	{ 0.001, 2000000, 0.018303432023617325, "n > 1e6: approximation" },
	{ 0.3, 1000, 1.2953578528684224e-80, "deep tail" },
};
static const struct { double x, want; } kolmogorov_cases[] = {
	{ 0.0, 1.0 },
	{ 0.03, 1.0 },
	{ 0.3, 0.9999906941986655 },
	{ 0.82, 0.5119717052984973 },
	{ 0.83, 0.4961909953505036 },
	{ 1.5, 0.022217962616525127 },
	{ 3.0, 3.045995948942526e-08 },
};
static const struct { double a, x, want; } gamma_cases[] = {
	{ 0.5, 0.1, 0.6547208460185768 },
	{ 1.0, 1.0, 0.36787944117144245 },
	{ 3.0, 2.0, 0.6766764161830634 },
	{ 3.0, 10.0, 0.0027693957155115775 },
	{ 10.0, 9.5, 0.5218260222372076 },
	{ 50.0, 60.0, 0.08440668109369177 },
	{ 0.01, 0.5, 0.005626756193967183 },
	{ 100.0, 100.0, 0.48670120172085135 },
	{ 500.0, 450.0, 0.9892827619087102 },
	{ 2.5, 0.0, 1.0 },
};
static const struct { uint64_t n1, n2; double d, want, dr; } exact_cases[] = {
	{ 5, 5, 0.4, 0.873015873015873, 0.4 },
	{ 10, 10, 0.7, 0.012340600575894691, 0.7 },
	{ 300, 300, 0.05, 0.8483422371364409, 0.05 },
	{ 3, 7, 0.5, 0.5333333333333334, 0.47619047619047616 },
	{ 300, 250, 0.38133333333333336, 3.520122276305615e-18, 0.38133333333333336 },
	{ 17, 23, 0.2, 0.7421921767299673, 0.19948849104859334 },
	{ 1, 1, 1.0, 1.0, 1.0 },
	{ 10, 10, 0.0, 1.0, 0.0 },
};
/* chi2_contingency([[30,20,10],[10,25,15]], correction=False) */
#define CHI2_STAT 10.73518518518519
#define CHI2_P 0.004665349198069888
#define CHI2_2X2_P 0.015534341414683461
#define CHI2SF_10_3 0.01856613546304325
#define W_AB 5.666666666666666
static const double quantile_want[] = { 1.0, 1.5, 2.0, 2.5, 5.0, 8.5, 10.0 };
#define JS_AB 0.354703515198132

static void test_kstwo_every_branch(void)
{
	struct ad_error err;

	for (size_t i = 0; i < sizeof kstwo_cases / sizeof kstwo_cases[0]; i++) {
		double p = -1;
		CHECK(ad_stats_kstwo_sf(kstwo_cases[i].d, kstwo_cases[i].n, &p,
		    &err) == AD_OK);
		CHECK_NEAR(p, kstwo_cases[i].want, 1e-10, kstwo_cases[i].what);
	}
}

static void test_kstwo_edges(void)
{
	struct ad_error err;
	double p;

	CHECK(ad_stats_kstwo_sf(1.0, 10, &p, &err) == AD_OK && p == 0);
	CHECK(ad_stats_kstwo_sf(0.0, 10, &p, &err) == AD_OK && p == 1);
	CHECK(ad_stats_kstwo_sf(NAN, 10, &p, &err) == AD_OK && isnan(p));
	CHECK(ad_stats_kstwo_sf(0.5, 0, &p, &err) == AD_OK && isnan(p));
	/* n = 1: the support is [0.5, 1] */
	CHECK(ad_stats_kstwo_sf(0.5, 1, &p, &err) == AD_OK && p == 1);
}

static void test_smirnov(void)
{
	for (size_t i = 0; i < sizeof smirnov_cases / sizeof smirnov_cases[0];
	    i++)
		CHECK_NEAR(ad_stats_smirnov(smirnov_cases[i].n, smirnov_cases[i].d),
		    smirnov_cases[i].want, 1e-10, smirnov_cases[i].what);
	CHECK(isnan(ad_stats_smirnov(10, -0.1)));
	CHECK(isnan(ad_stats_smirnov(0, 0.5)));
}

static void test_kolmogorov(void)
{
	for (size_t i = 0; i < sizeof kolmogorov_cases /
	    sizeof kolmogorov_cases[0]; i++)
		CHECK_NEAR(ad_stats_kolmogorov(kolmogorov_cases[i].x),
		    kolmogorov_cases[i].want, 1e-12, "kolmogorov");
	CHECK(isnan(ad_stats_kolmogorov(NAN)));
}

static void test_gammaincc_and_chi2(void)
{
	double stat, dof;
	const double ref[] = { 30, 20, 10, 0 }, cur[] = { 10, 25, 15, 0 };
	const double r2[] = { 12, 5 }, c2[] = { 3, 9 };
	const double one_r[] = { 5, 0 }, one_c[] = { 7, 0 }, none[] = { 0, 0 };

	for (size_t i = 0; i < sizeof gamma_cases / sizeof gamma_cases[0]; i++)
		CHECK_NEAR(ad_stats_gammaincc(gamma_cases[i].a, gamma_cases[i].x),
		    gamma_cases[i].want, 1e-12, "gammaincc");
	CHECK(isnan(ad_stats_gammaincc(0, 1)));
	CHECK(isnan(ad_stats_gammaincc(1, -1)));
	CHECK(ad_stats_gammaincc(2, INFINITY) == 0);
	CHECK_NEAR(ad_stats_chi2_sf(10, 3), CHI2SF_10_3, 1e-12, "chi2.sf");
	CHECK(ad_stats_chi2_sf(0, 3) == 1);
	/* a category empty on both sides is left out, as chi2_contingency
	 * would refuse it */
	CHECK_NEAR(ad_stats_chi2_test(ref, cur, 4, &stat, &dof), CHI2_P, 1e-12,
	    "chi2 test");
	CHECK_NEAR(stat, CHI2_STAT, 1e-12, "chi2 statistic");
	CHECK(dof == 2);
	CHECK_NEAR(ad_stats_chi2_test(r2, c2, 2, NULL, NULL), CHI2_2X2_P, 1e-12,
	    "2x2, no continuity correction");
	CHECK(ad_stats_chi2_test(one_r, one_c, 2, &stat, &dof) == 1 &&
	    stat == 0 && dof == 0);
	CHECK(isnan(ad_stats_chi2_test(one_r, none, 2, NULL, NULL)));
}

static void test_ks_exact(void)
{
	struct ad_error err;

	for (size_t i = 0; i < sizeof exact_cases / sizeof exact_cases[0]; i++) {
		enum ad_status st;
		double dr = -1, p = ad_stats_ks_exact(exact_cases[i].n1,
		    exact_cases[i].n2, exact_cases[i].d, &dr, &st, &err);
		CHECK(st == AD_OK);
		CHECK_NEAR(p, exact_cases[i].want, 1e-12, "exact p");
		CHECK(dr == exact_cases[i].dr);
		/* symmetric in the sizes */
		p = ad_stats_ks_exact(exact_cases[i].n2, exact_cases[i].n1,
		    exact_cases[i].d, &dr, &st, &err);
		CHECK_NEAR(p, exact_cases[i].want, 1e-12, "exact p, swapped");
	}
}

static void test_ks_statistic(void)
{
	/* ties across the samples, and -0 equal to +0 */
	const double a[] = { -0.0, 1, 1, 2, 5 }, b[] = { 0.0, 1, 3, 3 };
	const double one[] = { 7 };
	struct ad_ks ks;
	struct ad_error err;

	/* at 0: 1/5 - 1/4; at 1: 3/5 - 2/4; at 2: 4/5 - 2/4 = 0.3;
	 * at 3: 4/5 - 1 = -0.2; at 5: 0 */
	CHECK(ad_stats_ks_d(a, 5, b, 4) == 4.0 / 5 - 2.0 / 4);
	CHECK(ad_stats_ks_d(a, 5, a, 5) == 0);
	CHECK(ad_stats_ks_d(one, 1, one, 1) == 0);
	CHECK(ad_stats_ks_d(one, 1, a, 5) == 1);
	CHECK(ad_stats_ks(a, 5, a, 5, &ks, &err) == AD_OK && ks.d == 0 &&
	    ks.p == 1 && ks.method == AD_KS_EXACT);
	CHECK(ad_stats_ks(one, 1, one, 1, &ks, &err) == AD_OK && ks.p == 1);
}

static void test_ks_asymptotic_above_10000(void)
{
	enum { N = 10001 };
	double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
	struct ad_ks ks;
	struct ad_error err;
	double p;

	for (size_t i = 0; i < N; i++) {
		a[i] = (double)i;
		b[i] = (double)i + 100;
	}
	CHECK(ad_stats_ks(a, N, b, N, &ks, &err) == AD_OK);
	CHECK(ks.method == AD_KS_ASYMP);
	CHECK_NEAR(ks.d, 100.0 / N, 1e-12, "D of a shift by 100");
	/* n = round(N * N / 2N), half to even */
	CHECK(ad_stats_kstwo_sf(ks.d, 5000, &p, &err) == AD_OK && ks.p == p);
	CHECK(ad_stats_ks(a, 10000, b, 10000, &ks, &err) == AD_OK &&
	    ks.method == AD_KS_EXACT);
	free(a);
	free(b);
}

static void test_wasserstein(void)
{
	const double a[] = { 0, 1, 3 }, b[] = { 5, 6, 8, 9 }, z[] = { 0 },
	    o[] = { 1 };

	CHECK_NEAR(ad_stats_wasserstein(a, 3, b, 4), W_AB, 1e-15, "W(a, b)");
	CHECK(ad_stats_wasserstein(a, 3, a, 3) == 0);
	CHECK(ad_stats_wasserstein(z, 1, o, 1) == 1);
	CHECK(ad_stats_wasserstein(b, 4, a, 3) == ad_stats_wasserstein(a, 3, b,
	    4));
}

static void test_psi_and_js(void)
{
	const double same[] = { 10, 20, 30 }, rev[] = { 30, 20, 10 };
	const double r[] = { 10, 0 }, c[] = { 5, 5 }, zero[] = { 0, 0 };
	const double x[] = { 1, 0 }, y[] = { 0, 1 };
	double want;

	CHECK(ad_stats_psi(same, same, 3) == 0);
	CHECK(ad_stats_js(same, same, 3) == 0);
	/* PSI is symmetric; an empty bin counts as 1e-4 */
	CHECK_NEAR(ad_stats_psi(same, rev, 3), ad_stats_psi(rev, same, 3),
	    1e-15, "psi symmetric");
	want = (0.5 - 1) * log(0.5 / 1) + (0.5 - AD_STATS_PSI_EPS) *
	    log(0.5 / AD_STATS_PSI_EPS);
	CHECK_NEAR(ad_stats_psi(r, c, 2), want, 1e-15, "psi epsilon");
	CHECK(isnan(ad_stats_psi(r, zero, 2)));
	CHECK_NEAR(ad_stats_js(same, rev, 3), JS_AB, 1e-15, "js");
	CHECK(ad_stats_js(x, y, 2) == 1);
	CHECK(isnan(ad_stats_js(zero, x, 2)));
}

static void test_quantile(void)
{
	const double v[] = { 1, 2, 2, 3, 7, 10 }, q[] = { 0, 0.1, 0.25, 0.5,
	    0.7, 0.9, 1 }, one[] = { 4 };

	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
		CHECK(ad_stats_quantile(v, 6, q[i]) == quantile_want[i]);
	CHECK(ad_stats_quantile(one, 1, 0.3) == 4);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static void test_sort(void)
{
	enum { N = 5000 };
	double *v = malloc(N * sizeof *v), *w = malloc(N * sizeof *w);
	size_t z = 0;
	const double special[] = { -INFINITY, -1e300, -1, -0.0, 0.0, 5e-324,
	    1, 1e300, INFINITY };
	struct ad_error err;
	uint64_t x = 88172645463325252ULL;
	int sorted = 1;

	for (size_t i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = i < 9 ? special[8 - i] : ((double)(x >> 11) /
		    9007199254740992.0 - 0.5) * pow(10, (double)(x % 20) - 10);
		w[i] = v[i];
	}
	CHECK(ad_stats_sort(v, N, &err) == AD_OK);
	qsort(w, N, sizeof *w, cmp_double);
	for (size_t i = 1; i < N; i++)
		sorted &= v[i - 1] <= v[i] && v[i] == w[i];
	CHECK(sorted);
	while (z + 1 < N && v[z] != 0)
		z++;
	CHECK(signbit(v[z]) && v[z + 1] == 0 && !signbit(v[z + 1])); /* -0, 0 */
	CHECK(ad_stats_sort(v, 0, &err) == AD_OK);
	CHECK(ad_stats_sort(v, 1, &err) == AD_OK && v[0] == -INFINITY);
	/* a constant sample sorts to itself */
	for (size_t i = 0; i < N; i++)
		v[i] = 3.5;
	CHECK(ad_stats_sort(v, N, &err) == AD_OK && v[0] == 3.5 &&
	    v[N - 1] == 3.5);
	free(v);
	free(w);
}

int main(void)
{
	test_kstwo_every_branch();
	test_kstwo_edges();
	test_smirnov();
	test_kolmogorov();
	test_gammaincc_and_chi2();
	test_ks_exact();
	test_ks_statistic();
	test_ks_asymptotic_above_10000();
	test_wasserstein();
	test_psi_and_js();
	test_quantile();
	test_sort();
	return CHECK_DONE("test_stats");
}
