#ifndef ADKIT_STATS_H
#define ADKIT_STATS_H
/*
 * Two-sample statistics for drift checks, and the distributions behind
 * their p-values. The Kolmogorov-Smirnov test gives what SciPy 1.10's
 * scipy.stats.ks_2samp(a, b) gives (two-sided, method 'auto'): the same
 * statistic, and a p-value from the same algorithm (exact for samples of at
 * most 10000 values, else the kstwo distribution). Samples passed in are
 * sorted ascending and hold no NaN; nothing here allocates except the exact
 * KS p-value and the sort, which say so.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

/* The proportion an empty bin counts as in ad_stats_psi, on either side,
 * so that the logarithm stays finite; the other proportions are kept. */
#define AD_STATS_PSI_EPS 1e-4

/* Largest sample for which ks_2samp's 'auto' tries the exact p-value. */
#define AD_STATS_KS_EXACT_MAX 10000

/* How a KS p-value was computed. */
enum ad_ks_method {
	AD_KS_EXACT = 0,  /* the exact distribution of D(n1, n2) */
	AD_KS_ASYMP = 1   /* kstwo.sf(d, round(n1 n2 / (n1 + n2))) */
};

/* The result of a two-sample Kolmogorov-Smirnov test. */
struct ad_ks {
	double d;                 /* sup |F_a - F_b|, in [0, 1] */
	double p;                 /* two-sided p-value, in [0, 1] */
	enum ad_ks_method method;
};

/* Tests sorted a[0..na) against sorted b[0..nb), na and nb >= 1, as
 * scipy.stats.ks_2samp(a, b) does; fails only when memory runs out. */
enum ad_status ad_stats_ks(const double *a, size_t na, const double *b,
    size_t nb, struct ad_ks *ks, struct ad_error *err);

/* ad_stats_ks and ad_stats_wasserstein at once, in one walk over the
 * samples; *w is the distance. */
enum ad_status ad_stats_ks_wasserstein(const double *a, size_t na,
    const double *b, size_t nb, struct ad_ks *ks, double *w,
    struct ad_error *err);

/* The KS statistic of sorted a and b (na, nb >= 1), bit for bit as
 * ks_2samp computes it. */
double ad_stats_ks_d(const double *a, size_t na, const double *b, size_t nb);

/* P(D >= d) for the two-sided two-sample statistic of samples of n1 and n2
 * values, exactly, as ks_2samp's exact method; d is first rounded to the
 * nearest multiple of 1/lcm(n1, n2), which *dr receives. Returns -1 when
 * the computation fails (scipy then falls back on kstwo); AD_ENOMEM is
 * reported through *st. */
double ad_stats_ks_exact(uint64_t n1, uint64_t n2, double d, double *dr,
    enum ad_status *st, struct ad_error *err);

/* Sets *p to scipy.stats.kstwo.sf(d, n): P(D_n >= d) for the two-sided
 * one-sample statistic of n >= 1 values (Simard and L'Ecuyer's choice of
 * methods); fails only when memory runs out. */
enum ad_status ad_stats_kstwo_sf(double d, uint64_t n, double *p,
    struct ad_error *err);

/* scipy.special.kolmogorov(x), the limiting P(sqrt(n) D_n >= x). */
double ad_stats_kolmogorov(double x);

/* scipy.special.smirnov(n, d): P(D+_n >= d), the one-sided statistic. */
double ad_stats_smirnov(uint64_t n, double d);

/* The Wasserstein-1 distance between the empirical distributions of sorted
 * a and b (na, nb >= 1), as scipy.stats.wasserstein_distance. */
double ad_stats_wasserstein(const double *a, size_t na, const double *b,
    size_t nb);

/* The population stability index of the counts cur[0..k) against
 * ref[0..k): sum (c - r) ln(c / r) over the proportions, each empty bin
 * counting as AD_STATS_PSI_EPS. NaN if either side has no counts. */
double ad_stats_psi(const double *ref, const double *cur, size_t k);

/* The Jensen-Shannon distance, base 2 (so in [0, 1]), between the
 * distributions given by counts ref[0..k) and cur[0..k), as
 * scipy.spatial.distance.jensenshannon(ref, cur, base=2). NaN if either side
 * has no counts. */
double ad_stats_js(const double *ref, const double *cur, size_t k);

/* Pearson's chi-square test of homogeneity of the 2 x k table of counts
 * ref and cur, without continuity correction, as
 * scipy.stats.chi2_contingency(..., correction=False) after dropping the
 * categories empty on both sides: the p-value, with the statistic in *stat
 * and the degrees of freedom in *dof (either may be NULL). With at most one
 * category left the p-value is 1. NaN if either side has no counts. */
double ad_stats_chi2_test(const double *ref, const double *cur, size_t k,
    double *stat, double *dof);

/* The chi-square survival function, P(X >= x) for df degrees of freedom:
 * scipy.stats.chi2.sf(x, df). */
double ad_stats_chi2_sf(double x, double df);

/* The regularized upper incomplete gamma function Q(a, x), a > 0, x >= 0:
 * scipy.special.gammaincc(a, x). */
double ad_stats_gammaincc(double a, double x);

/* The q-quantile (0 <= q <= 1) of sorted v[0..n), n >= 1, interpolated
 * linearly as numpy.quantile does by default. */
double ad_stats_quantile(const double *v, size_t n, double q);

/* Sorts v[0..n) ascending (no NaN; -0 before +0), by radix; allocates n
 * doubles of scratch. */
enum ad_status ad_stats_sort(double *v, size_t n, struct ad_error *err);

#endif
