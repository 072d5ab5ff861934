#ifndef ADKIT_KNN_H
#define ADKIT_KNN_H
/*
 * k-nearest-neighbour distance (Ramaswamy et al., 2000; Angiulli and
 * Pizzuti, 2002), as PyOD's KNN defines it: a row's score is the distance
 * to its k-th nearest reference row (method largest), or the mean or
 * median of the distances to its k nearest, in standardized units (higher
 * is more anomalous). The reference is the sample the model stores (the
 * uniform reservoir of --max-train-rows that lib/run/train.c draws),
 * standardized. Distances are exact (lib/detect/neighbors.h) and
 * Euclidean (scikit-learn's minkowski, p = 2).
 *
 * Training rows. PyOD reports, for a training row, the distances to its k
 * nearest other rows (decision_scores_). Here the search drops one
 * reference row at distance exactly 0 (neighbors.h), so scoring the
 * reference rows gives those fit-time scores (ad_knn_train_scores), and a
 * new row that equals a reference row exactly scores as that row does.
 * Every other row scores as PyOD's decision_function would.
 *
 * Explanations: a feature's mean squared difference to the k nearest,
 *   contrib_f = (1/k) sum_{j in N_k(x)} (x_f - y_jf)^2,
 * not normalised: they add up to the mean squared distance to the k
 * nearest (whichever method scores), so the feature that takes the row
 * furthest from its neighbours comes first.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_knn;

enum ad_knn_method {
	AD_KNN_LARGEST = 1,  /* distance to the k-th nearest */
	AD_KNN_MEAN = 2,     /* mean distance to the k nearest */
	AD_KNN_MEDIAN = 3    /* their median (numpy's: mean of the middle two
	                        for even k) */
};

/* Largest k. */
#define AD_KNN_MAX_K 10000

/* ad-train -a knn's options. */
struct ad_knn_opts {
	size_t k;                   /* 1..AD_KNN_MAX_K: 5 */
	enum ad_knn_method method;  /* largest */
};

/* Fills o with PyOD's defaults: k 5, method largest. */
void ad_knn_defaults(struct ad_knn_opts *o);

/* "largest", "mean" or "median" ("?" for anything else). */
const char *ad_knn_method_name(enum ad_knn_method m);

/* Sets *m from a name; returns 0, or -1 for an unknown name. */
int ad_knn_method_parse(const char *name, enum ad_knn_method *m);

/* Keeps n standardized rows of x (row-major, d wide, finite) as the
 * reference; k above n - 1 is lowered to n - 1 (as scikit-learn's LOF
 * does). The search is exact, so seed is not used. AD_EUSAGE for bad
 * options, AD_EDATA for fewer than 2 rows or non-finite values,
 * AD_ENOMEM. */
enum ad_status ad_knn_fit(const struct ad_knn_opts *o, const double *x,
    size_t n, size_t d, uint64_t seed, struct ad_knn **knn,
    struct ad_error *err);

/* Frees knn; NULL is a no-op. */
void ad_knn_free(struct ad_knn *knn);

/* The k used, the method, reference rows, features. */
size_t ad_knn_k(const struct ad_knn *knn);
enum ad_knn_method ad_knn_method(const struct ad_knn *knn);
size_t ad_knn_nref(const struct ad_knn *knn);
size_t ad_knn_nfeat(const struct ad_knn *knn);

/* Bytes of workspace ad_knn_score and ad_knn_explain need (SIZE_MAX if
 * that overflows); independent of the number of rows scored. */
size_t ad_knn_workspace_size(const struct ad_knn *knn);

/* Scores n standardized rows of x (row i at x + i * ld, ld >= nfeat) into
 * score[0..n); a row holding a NaN scores NaN. Reads knn only and
 * allocates nothing (work: ad_knn_workspace_size bytes, the caller's), so
 * threads may score at once, each with its workspace; a row's score
 * depends on that row only. */
void ad_knn_score(const struct ad_knn *knn, const double *x, size_t n,
    size_t ld, void *work, double *score);

/* The fit-time scores of the reference rows (each without itself) into
 * score[0..ad_knn_nref), in the order given to ad_knn_fit: the training
 * scores for the model's quantiles and threshold. */
void ad_knn_train_scores(const struct ad_knn *knn, void *work,
    double *score);

/* Writes the explanation above of standardized row x to contrib[0..nfeat)
 * (>= 0; all NaN for a row holding a NaN). */
void ad_knn_explain(const struct ad_knn *knn, const double *x, void *work,
    double *contrib);

/* Bytes ad_knn_encode writes. */
size_t ad_knn_encoded_size(const struct ad_knn *knn);

/* Writes knn to p (ad_knn_encoded_size bytes): k (u32), method (u32), the
 * reference (neighbors.h), little-endian. */
void ad_knn_encode(const struct ad_knn *knn, unsigned char *p);

/* Reads a knn detector for nfeat features from p[0..len), exactly; else
 * AD_EDATA ("corrupt model: ...") about file name; AD_ENOMEM. */
enum ad_status ad_knn_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_knn **knn,
    struct ad_error *err);

#endif
