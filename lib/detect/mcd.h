#ifndef ADKIT_MCD_H
#define ADKIT_MCD_H
/*
 * The minimum covariance determinant (MCD) estimate of location and
 * scatter, by FastMCD (Rousseeuw and Van Driessen, "A Fast Algorithm for
 * the Minimum Covariance Determinant Estimator", Technometrics 41, 1999),
 * with scikit-learn's MinCovDet (1.2) around it: its consistency
 * correction and reweighting, its --support-fraction and its large-n
 * scheme (sklearn/covariance/_robust_covariance.py, fast_mcd). A row
 * scores its squared Mahalanobis distance under the reweighted estimate,
 * as MinCovDet(...).mahalanobis(X).
 *
 * Fitting, on n rows of p features:
 *  1. The rows are centred and turned onto the eigenvectors of their
 *     covariance, keeping the r directions in which they vary (an
 *     eigenvalue above largest * p * DBL_EPSILON, scipy's pinvh cut):
 *     constant features and exactly collinear ones drop out, so the MCD
 *     runs on the r-dimensional span of the rows. With r = p this is a
 *     rotation, which the MCD is equivariant to.
 *  2. h rows: ceil((n + r + 1) / 2), or floor(support_fraction * n);
 *     h must exceed r.
 *  3. FastMCD: starts from random (r + 1)-subsets, extended by random
 *     rows while their covariance is singular (the paper's rule, growing
 *     by the missing dimensions or half the rows, whichever is more, up
 *     to h; scikit-learn starts from random h-subsets), each followed by
 *     C-steps (the h rows closest under the current estimate); with
 *     r = 1 the exact shortest-half solution. Up to 500 rows: 30 starts,
 *     2 C-steps each, the 10 best (lowest determinant) refined to
 *     convergence (at most 30 steps). Above 500 rows, scikit-learn's
 *     partition scheme: n / 300 random subsets, each max(10, 500 /
 *     subsets) starts with 2 C-steps, its 10 best pooled; those refined
 *     on a random merged set of min(1500, n) rows (the 10 best kept, 1
 *     when n < 1500), then on all rows (n >= 1500). On the merged set
 *     the paper's 2 C-steps when all rows follow, else up to 30
 *     (scikit-learn always runs up to 30 there: the final refinement
 *     converges either way, and this is most of its time). A singular
 *     covariance has log-determinant -infinity and ends its C-steps;
 *     distances under it use its pseudo-inverse (scipy's pinvh; an
 *     eigenvalue also counts as zero at or below the rows' largest
 *     * p * DBL_EPSILON, rounding noise at their scale).
 *  4. The raw distances d_i are divided by median(d) / chi2_r.ppf(0.5)
 *     (consistency); the rows with d_i < chi2_r.ppf(0.975) give the
 *     final location (their mean) and covariance (their covariance, 1/m),
 *     as MinCovDet's reweighting.
 * Fails (AD_EDATA) when the rows do not vary, when h does not exceed r,
 * or when the h rows of the raw estimate do not vary (more than h rows
 * are one point: scikit-learn refuses it too).
 *
 * Scoring: the precision is the inverse of the final covariance with its
 * eigenvalues raised to at least largest * p * DBL_EPSILON. Within the
 * span of the reweighted rows that is the inverse (scikit-learn's pinvh,
 * the same cut), and a row stepping out of that span (a feature constant
 * in training that changes, a relation that held exactly in every row
 * that breaks) is far out in proportion, not ignored as pinvh would.
 * Differences from the location are clipped to +-1e150 and scores above
 * DBL_MAX are DBL_MAX.
 *
 * Explanation: feature j's share is (x - mu)_j (P (x - mu))_j; the
 * shares add up to the score, and a feature whose deviation is explained
 * by a correlated one may have a negative share.
 *
 * Randomness comes from one stream of the seed, and fitting runs on one
 * thread (OpenBLAS on one thread, ad_autoenc_blas_init): the same rows
 * and seed give the same model for any --threads.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_mcd;

/* Most features (a covariance is features^2 doubles, and fitting keeps
 * hundreds of candidates). */
#define AD_MCD_MAX_FEATURES 1024

/* MinCovDet's parameters. */
struct ad_mcd_opts {
	double support_fraction;  /* in (0, 1]; 0: (n + r + 1) / 2 rows */
};

/* Fits on n rows of x (row-major, p wide, finite), drawing from stream 1
 * of seed. AD_EDATA as above, AD_ENOMEM. */
enum ad_status ad_mcd_fit(const struct ad_mcd_opts *o, const double *x,
    size_t n, size_t p, uint64_t seed, struct ad_mcd **out,
    struct ad_error *err);

/* Frees m; NULL is a no-op. */
void ad_mcd_free(struct ad_mcd *m);

/* Features, the dimensions the training rows spanned, the rows of the raw
 * estimate (h) and of the reweighted one. */
size_t ad_mcd_nfeat(const struct ad_mcd *m);
size_t ad_mcd_rank(const struct ad_mcd *m);
size_t ad_mcd_support(const struct ad_mcd *m);
size_t ad_mcd_reweighted(const struct ad_mcd *m);

/* The robust location (p values) and covariance (p x p, row-major). */
const double *ad_mcd_location(const struct ad_mcd *m);
const double *ad_mcd_covariance(const struct ad_mcd *m);

/* The chi-square(rank) 0.975 quantile: the classic cut of the squared
 * robust distance (Rousseeuw and Van Zomeren 1990). */
double ad_mcd_cutoff(const struct ad_mcd *m);

/* The q-quantile of the chi-square distribution with df > 0 degrees of
 * freedom, 0 < q < 1: scipy.stats.chi2.ppf(q, df). */
double ad_mcd_chi2_ppf(double q, double df);

/* Doubles of workspace ad_mcd_score and ad_mcd_explain need. */
size_t ad_mcd_work_doubles(const struct ad_mcd *m);

/* Squared robust distances of n rows of x (row i at x + i * ld) into
 * score; reads m only, allocates nothing (work: ad_mcd_work_doubles). */
void ad_mcd_score(const struct ad_mcd *m, const double *x, size_t n,
    size_t ld, double *work, double *score);

/* Each feature's share of row x's score into contrib[0..p) (see above). */
void ad_mcd_explain(const struct ad_mcd *m, const double *x, double *work,
    double *contrib);

/* Bytes ad_mcd_encode writes. */
size_t ad_mcd_encoded_size(const struct ad_mcd *m);

/* Writes m to buf, little-endian: u32 features, u32 rank, u32 h, u32
 * reweighted rows, then f64: the location (p) and the covariance (p x p,
 * row-major). */
void ad_mcd_encode(const struct ad_mcd *m, unsigned char *buf);

/* Reads an MCD for nfeat features from buf[0..len), exactly: counts in
 * range and filling len, values finite, the covariance symmetric with a
 * positive largest eigenvalue; else AD_EDATA ("corrupt model: ...") about
 * file name. AD_ENOMEM. */
enum ad_status ad_mcd_decode(const unsigned char *buf, size_t len,
    size_t nfeat, const char *name, struct ad_mcd **out,
    struct ad_error *err);

#endif
