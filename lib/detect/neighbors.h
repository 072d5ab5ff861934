#ifndef ADKIT_NEIGHBORS_H
#define ADKIT_NEIGHBORS_H
/*
 * Exact k-nearest-neighbour search in a reference sample of standardized
 * rows (Euclidean distance), shared by the knn and lof detectors.
 *
 * Speed and exactness. A query block of up to AD_NEIGHBORS_BLOCK rows is
 * compared with the reference in tiles of AD_NEIGHBORS_TILE rows through
 * cblas_dgemm: |x - y|^2 ~ |x|^2 + |y|^2 - 2 x.y. That formula loses the
 * low bits of near pairs, so it only picks candidates: every reference row
 * whose approximate squared distance is within twice a rounding bound,
 * (4d + 16) eps (|x|^2 + max |y|^2), of the (k+1)-th smallest, a set
 * proven to hold the true k+1 nearest. The candidates' squared distances
 * are then recomputed as sum_f (x_f - y_f)^2 in feature order, sorted by
 * (distance, reference index), and the first ones kept. A row with more
 * near-ties than its candidate list holds (8(k+1), at least 512: copies
 * of one reference row, say) is ranked against every reference row
 * instead. So the result is the same for any block, tile, thread or
 * OpenBLAS kernel: dgemm's rounding decides which rows are looked at
 * again, never the answer. The workspace holds a tile and the candidate
 * lists of a block, about 2.2 MB for k = 5, whatever the reference size.
 *
 * Self-exclusion ("a training row is not its own neighbour"). The search
 * finds the k+1 nearest; when the nearest is at distance exactly 0 it is
 * dropped, else the (k+1)-th is. Scoring a reference row thus gives the
 * distances scikit-learn's kneighbors() (no X: each row without itself)
 * gives at fit time, duplicates included: n copies of a row see n-1 zeros.
 * The price: a new row that equals a reference row exactly gets that
 * row's fit-time neighbours, the copy not counted, where scikit-learn and
 * PyOD count it at distance 0 and score the new row lower (a copy of the
 * training data is taken as no more normal than the data it copies).
 *
 * Rows must be finite to be found normally: a row holding a NaN gets NaN
 * distances; one with an infinite value, or too large for |x|^2, is
 * compared with every reference row directly (infinite distances, the
 * first k+1 reference rows by index).
 */
#include <stddef.h>

#include "ad.h"

struct ad_neighbors;
struct ad_wire;

/* The --k row knn and lof both declare (a row of lib/common/opt.h; two
 * rows of one name must be the same): a size_t field of type, 0 when not
 * given, so that each detector applies its own default. 10000 is
 * AD_KNN_MAX_K and AD_LOF_MAX_K. */
#define AD_NEIGHBORS_K_ROW(type, field) { "k", 0, "K", AD_OPT_SIZE, \
	.dst = offsetof(type, field), .umin = 1, .umax = 10000, \
	.kfp = AD_KFP_INTEGER, .help = "neighbours (default 5 for knn, 20 for " \
	"lof; at most the training rows less 1)" }

/* Query rows per ad_neighbors_query call, reference rows per dgemm tile. */
#define AD_NEIGHBORS_BLOCK 256
#define AD_NEIGHBORS_TILE 256

/* Most reference rows (indices fit 32 bits). */
#define AD_NEIGHBORS_MAX_ROWS ((size_t)1 << 31)

/* Copies n rows of x (row-major, d wide, all finite) as the reference;
 * AD_EDATA for no rows, a non-finite value, or a row whose squared norm
 * overflows; AD_ENOMEM. Sets OpenBLAS to one thread (autoenc.h). */
enum ad_status ad_neighbors_new(const double *x, size_t n, size_t d,
    struct ad_neighbors **nb, struct ad_error *err);

/* Frees nb; NULL is a no-op. */
void ad_neighbors_free(struct ad_neighbors *nb);

/* Reference rows, their width, and row i (d values, borrowed). */
size_t ad_neighbors_count(const struct ad_neighbors *nb);
size_t ad_neighbors_nfeat(const struct ad_neighbors *nb);
const double *ad_neighbors_row(const struct ad_neighbors *nb, size_t i);

/* Bytes of workspace ad_neighbors_query needs for k neighbours, results
 * included (SIZE_MAX if that overflows); the caller allocates it, suitably
 * aligned (malloc). */
size_t ad_neighbors_workspace_size(const struct ad_neighbors *nb, size_t k);

/* Finds the k nearest reference rows (1 <= k < count) of each of nq <=
 * AD_NEIGHBORS_BLOCK rows of x (row r at x + r * ld, ld >= nfeat), with
 * the self-exclusion rule above: row r's Euclidean distances, ascending,
 * are (*dist)[r * k ..], their reference indices (*idx)[r * k ..], both
 * in work until the next query. Reads nb only; work is the caller's
 * (ad_neighbors_workspace_size bytes), so threads may query at once with
 * a workspace each. */
void ad_neighbors_query(const struct ad_neighbors *nb, size_t k,
    const double *x, size_t nq, size_t ld, void *work, const double **dist,
    const size_t **idx);

/* The detectors' explanation of row x (nfeat wide): each feature's mean
 * squared difference to the row's k nearest reference rows,
 *   contrib_f = (1/k) sum_{j in N_k(x)} (x_f - y_jf)^2,
 * all NaN for a row holding a NaN. work as for ad_neighbors_query. */
void ad_neighbors_explain(const struct ad_neighbors *nb, size_t k,
    const double *x, void *work, double *contrib);

/* Makes v[0..n) values a model can hold: an infinity (a row far beyond
 * the reference) becomes DBL_MAX, a NaN nan_as. */
void ad_neighbors_clip(double *v, size_t n, double nan_as);

/* Bytes ad_neighbors_encode writes: the row count (u32), then the rows,
 * little-endian IEEE doubles. */
size_t ad_neighbors_encoded_size(const struct ad_neighbors *nb);

/* Writes nb to p (ad_neighbors_encoded_size bytes); returns p past them. */
unsigned char *ad_neighbors_encode(const struct ad_neighbors *nb,
    unsigned char *p);

/* Reads a reference of nfeat-wide rows from w, advancing it past them;
 * AD_EDATA ("corrupt model: ...") about file name when truncated, empty,
 * too large or not finite; AD_ENOMEM. */
enum ad_status ad_neighbors_decode(struct ad_wire *w, size_t nfeat,
    const char *name, struct ad_neighbors **nb, struct ad_error *err);

#endif
