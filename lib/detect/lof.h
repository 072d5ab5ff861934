#ifndef ADKIT_LOF_H
#define ADKIT_LOF_H
/*
 * Local outlier factor (Breunig et al., 2000) of new rows against the
 * reference sample the model stores, with scikit-learn's
 * LocalOutlierFactor(novelty=True) semantics and defaults (n_neighbors 20,
 * Euclidean distance). With N_k(x) the k nearest reference rows of x
 * (exact, lib/detect/neighbors.h), kdist(o) the distance from reference
 * row o to its k-th nearest other reference row, and
 *   reach(x, o) = max(|x - o|, kdist(o)),
 *   lrd(x)      = 1 / (mean_{o in N_k(x)} reach(x, o) + 1e-10),
 * a row's score is mean_{o in N_k(x)} lrd(o) / lrd(x): -score_samples(x),
 * about 1 inside a cluster, higher = more anomalous. Fitting computes
 * each reference row's kdist and lrd (each row without itself), which the
 * model stores.
 *
 * Training rows: scoring a reference row drops one reference row at
 * distance exactly 0 (neighbors.h), so it gives scikit-learn's fit-time
 * -negative_outlier_factor_ (ad_lof_train_scores) bit for bit; a new row
 * equal to a reference row scores as that row does.
 *
 * Explanations: as knn's, each feature's mean squared difference to the k
 * nearest reference rows (not normalised; they add up to the mean squared
 * distance to them). It says which features take the row away from its
 * neighbours, not how the neighbours' own density weighs in.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_lof;

/* Largest n_neighbors. */
#define AD_LOF_MAX_K 10000

/* ad-train -a lof's options. */
struct ad_lof_opts {
	size_t k;    /* n_neighbors, 1..AD_LOF_MAX_K: 20 */
};

/* Fills o with scikit-learn's defaults: k 20. */
void ad_lof_defaults(struct ad_lof_opts *o);

/* Keeps n standardized rows of x (row-major, d wide, finite) as the
 * reference and computes their kdist and lrd; k above n - 1 is lowered to
 * n - 1 (as scikit-learn does). The fit is exact, so seed is not used.
 * AD_EUSAGE for a bad k, AD_EDATA for fewer than 2 rows or non-finite
 * values, AD_ENOMEM. */
enum ad_status ad_lof_fit(const struct ad_lof_opts *o, const double *x,
    size_t n, size_t d, uint64_t seed, struct ad_lof **lof,
    struct ad_error *err);

/* Frees lof; NULL is a no-op. */
void ad_lof_free(struct ad_lof *lof);

/* The k used, reference rows, features. */
size_t ad_lof_k(const struct ad_lof *lof);
size_t ad_lof_nref(const struct ad_lof *lof);
size_t ad_lof_nfeat(const struct ad_lof *lof);

/* Bytes of workspace ad_lof_score and ad_lof_explain need (SIZE_MAX if
 * that overflows); independent of the number of rows scored. */
size_t ad_lof_workspace_size(const struct ad_lof *lof);

/* Scores n standardized rows of x (row i at x + i * ld, ld >= nfeat) into
 * score[0..n); a row holding a NaN scores NaN. Reads lof only, allocates
 * nothing (work: ad_lof_workspace_size bytes, the caller's), so threads
 * may score at once, each with its workspace. */
void ad_lof_score(const struct ad_lof *lof, const double *x, size_t n,
    size_t ld, void *work, double *score);

/* The fit-time scores of the reference rows (-negative_outlier_factor_)
 * into score[0..ad_lof_nref), in the order given to ad_lof_fit: copied
 * from what fitting kept, or (a decoded detector) searched again, to the
 * same bits. */
void ad_lof_train_scores(const struct ad_lof *lof, void *work,
    double *score);

/* Writes the explanation above of standardized row x to contrib[0..nfeat)
 * (>= 0; all NaN for a row holding a NaN). */
void ad_lof_explain(const struct ad_lof *lof, const double *x, void *work,
    double *contrib);

/* Bytes ad_lof_encode writes. */
size_t ad_lof_encoded_size(const struct ad_lof *lof);

/* Writes lof to p (ad_lof_encoded_size bytes): k (u32), the reference
 * (neighbors.h), then each reference row's kdist and lrd (doubles),
 * little-endian. */
void ad_lof_encode(const struct ad_lof *lof, unsigned char *p);

/* Reads a lof detector for nfeat features from p[0..len), exactly: k in
 * range, every kdist finite and >= 0, every lrd finite and > 0; else
 * AD_EDATA ("corrupt model: ...") about file name; AD_ENOMEM. */
enum ad_status ad_lof_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_lof **lof,
    struct ad_error *err);

#endif
