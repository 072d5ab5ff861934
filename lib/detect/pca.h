#ifndef ADKIT_PCA_H
#define ADKIT_PCA_H
/*
 * PyOD's PCA detector, transcribed (pyod/models/pca.py with scikit-learn
 * 1.2's PCA, svd_solver "full"). Fitting standardizes the rows
 * (standardize: scikit-learn's StandardScaler, population sd, a constant
 * feature's scale 1; otherwise mean 0, scale 1), centres them and takes
 * the eigenvectors of their covariance (LAPACK dsyevr from OpenBLAS) as
 * the principal components, by decreasing variance. It keeps the first
 * ncomp of them and of those the last nsel (the least variance): the
 * selected components c_j. A row x, standardized to z, scores
 *   sum_j |z - c_j| / w_j
 * (higher = more anomalous): as PyOD, the Euclidean distance from z to
 * each selected component taken as a point (cdist), divided by w_j, the
 * component's explained variance ratio (weighted) or 1. That is PyOD's
 * formula, not the textbook sum of squared projections weighted by
 * eigenvalues; it depends on each component's sign, which is
 * scikit-learn's (svd_flip, u_based_decision): the row whose projection
 * on c_j is largest in magnitude (the first such) projects positively.
 *
 * A direction without variance has a rounding-noise eigenvalue, positive
 * or not; PyOD divides by its (noise) ratio. Here an eigenvalue below
 * largest * DBL_EPSILON^2 (what an SVD's rounding leaves in such a
 * direction) is raised to it, so such a component weighs hugely, as in
 * PyOD, but deterministically and finitely.
 *
 * Training rows are scored the same way as new rows, as PyOD's fit does.
 * Standardized values are clipped to +-1e150 before scoring (so that an
 * infinite or huge cell, which the model standardizes to +-DBL_MAX, still
 * scores finitely), and scores and shares above DBL_MAX are DBL_MAX.
 *
 * Explanation: the score splits exactly into per-feature terms, since
 * |z - c_j| = sum_f (z_f - c_jf)^2 / |z - c_j|:
 *   contrib_f = sum_j (z_f - c_jf)^2 / (|z - c_j| w_j)
 * (>= 0; a component at distance 0 contributes nothing).
 *
 * Numerics: the passes over the rows work on x - mean and apply the
 * scales to the sums (the covariance of the standardized rows is the raw
 * one divided by scale_f scale_g), and scoring multiplies by reciprocals:
 * scores agree with PyOD's to about 1e-13 relative, except where a
 * direction without variance makes them huge (1e6 relative at 1e12).
 * OpenBLAS runs on one thread (ad_autoenc_blas_init) and rows go through
 * it in fixed blocks, so a fit is the same for any thread count.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_pca;

/* Most features (the covariance is features^2 doubles). */
#define AD_PCA_MAX_FEATURES 4096

/* PyOD's PCA parameters. */
struct ad_pca_opts {
	size_t ncomp;      /* components kept, 0: min(rows, features) */
	size_t nsel;       /* of those, the last used, 0: all kept */
	int weighted;      /* divide by the explained variance ratio: 1 */
	int standardize;   /* standardize the rows first: 1 */
};

/* Fills o with PyOD's defaults: every component, weighted, standardized. */
void ad_pca_defaults(struct ad_pca_opts *o);

/* Fits on n >= 2 standardized rows of x (row-major, d wide, finite); seed
 * is unused (the decomposition is exact). Options beyond the rows and
 * features are AD_EUSAGE, fewer than 2 rows or rows without variance
 * AD_EDATA, a failed decomposition AD_EDATA. */
enum ad_status ad_pca_fit(const struct ad_pca_opts *o, const double *x,
    size_t n, size_t d, uint64_t seed, struct ad_pca **out,
    struct ad_error *err);

/* Frees p; NULL is a no-op. */
void ad_pca_free(struct ad_pca *p);

/* Features, components kept, and components selected (scored). */
size_t ad_pca_nfeat(const struct ad_pca *p);
size_t ad_pca_ncomp(const struct ad_pca *p);
size_t ad_pca_nsel(const struct ad_pca *p);

/* Selected component j (0 = the first selected: most variance among
 * them), d values, and its divisor w_j. */
const double *ad_pca_component(const struct ad_pca *p, size_t j);
double ad_pca_weight(const struct ad_pca *p, size_t j);

/* Scores n standardized rows of x (row i at x + i * ld, ld >= d) into
 * score[0..n). Reads p only and allocates nothing: threads may score at
 * once. Training rows need nothing else. */
void ad_pca_score(const struct ad_pca *p, const double *x, size_t n,
    size_t ld, double *score);

/* Writes each feature's term of row x's score to contrib[0..d) (see the
 * top of this file; their sum is the score). */
void ad_pca_explain(const struct ad_pca *p, const double *x,
    double *contrib);

/* Bytes ad_pca_encode writes. */
size_t ad_pca_encoded_size(const struct ad_pca *p);

/* Writes p to buf (ad_pca_encoded_size bytes), little-endian: u32
 * features, u32 ncomp, u32 nsel, u32 flags (1 weighted, 2 standardize),
 * then f64: mean and scale per feature, the selected components (nsel x
 * features, row-major) and their divisors. */
void ad_pca_encode(const struct ad_pca *p, unsigned char *buf);

/* Reads a PCA for nfeat features from buf[0..len), exactly: counts in
 * range and adding up to len, flags known, values finite, scales and
 * divisors > 0 (1 when not weighted); else AD_EDATA ("corrupt model:
 * ...") about file name. */
enum ad_status ad_pca_decode(const unsigned char *buf, size_t len,
    size_t nfeat, const char *name, struct ad_pca **out,
    struct ad_error *err);

#endif
