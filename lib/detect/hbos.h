#ifndef ADKIT_HBOS_H
#define ADKIT_HBOS_H
/*
 * Histogram-based outlier score (Goldstein and Dengel 2012) with static
 * bins, transcribed from PyOD's HBOS (n_bins, alpha, tol; not its "auto"
 * bins). Each feature gets an equal-width histogram of nbins bins over
 * its training range [min, max] (numpy.histogram: edges from linspace,
 * bin k holds edge_k <= v < edge_k+1, the last bin its right edge too, a
 * constant feature the range [v - 0.5, v + 0.5]), kept as densities
 * count / (n * width). A row's score is
 *   sum_f -log2(density_f(bin of v_f) + alpha),
 * higher = more anomalous, with PyOD's look-up (numpy.digitize, right=True:
 * v belongs to the bin with edge_k-1 < v <= edge_k, so a value on an inner
 * edge counts in the bin to its left): a value at most tol bin widths
 * below the first edge (or above the last) takes the first (last) bin's
 * density, one further out the smallest density of the feature. Training
 * rows are scored the same way as new rows, as PyOD's fit does.
 *
 * Explanation: the score is a sum over features; a feature's term
 * -log2(density + alpha) is its contribution (it may be negative when a
 * density exceeds 1 - alpha).
 *
 * Standardization. The model standardizes rows (z = (v - mean) / sd) before
 * fit and score; PyOD's HBOS takes raw values. The map is linear per
 * feature, so the bins hold the same rows (up to rounding on an edge) and
 * each density is the raw one times sd_f. Without alpha that would shift
 * every row's term for f by the same -log2(sd_f), leaving the ranking
 * unchanged; with alpha it does not: density + alpha weighs the bins of a
 * feature differently on the two scales. So scores (and their ranking)
 * equal PyOD's on the standardized rows, not on the raw ones
 * (bench/detectors-ref.py computes both; the ROC-AUC moves by up to 0.11
 * on the tuning sets), unless the options give the sds (unit): then the
 * densities are per raw unit and scores PyOD's on the raw rows, but for
 * values on an edge, which standardizing's rounding may move across it
 * (discrete data: PageBlocks and cover's ROC-AUC within 0.001 of PyOD's
 * on the raw rows).
 *
 * Fitting needs each feature's range before its counts, so it reads the
 * rows it is given twice (the model's reservoir); no one-pass variant.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_hbos;

/* Most bins per feature, and most features. */
#define AD_HBOS_MAX_BINS 1000000
#define AD_HBOS_MAX_FEATURES 1000000

/* How the histograms are built and read (PyOD's parameters). */
struct ad_hbos_opts {
	size_t nbins;     /* bins per feature, 2..AD_HBOS_MAX_BINS: 10 */
	double alpha;     /* added to each density before the log, (0, 1): 0.1 */
	double tol;       /* bin widths outside the range still read, (0, 1): 0.5 */
	const double *unit; /* NULL, or per feature the sd the rows were
	                       divided by (> 0, borrowed for the fit): the
	                       densities are then per unit of the raw values */
};

/* Fills o with PyOD's defaults: 10 bins, alpha 0.1, tol 0.5; no unit. */
void ad_hbos_defaults(struct ad_hbos_opts *o);

/* NULL if o is usable, else a static phrase saying what is wrong. */
const char *ad_hbos_check(const struct ad_hbos_opts *o);

/* Builds the histograms of n >= 1 standardized rows of x (row-major, d
 * wide, finite) with o (checked here: AD_EUSAGE, as a unit not finite and
 * > 0); seed is unused (the method draws nothing). No rows is AD_EDATA. */
enum ad_status ad_hbos_fit(const struct ad_hbos_opts *o, const double *x,
    size_t n, size_t d, uint64_t seed, struct ad_hbos **out,
    struct ad_error *err);

/* Frees h; NULL is a no-op. */
void ad_hbos_free(struct ad_hbos *h);

/* Features, and bins per feature. */
size_t ad_hbos_nfeat(const struct ad_hbos *h);
size_t ad_hbos_nbins(const struct ad_hbos *h);

/* Scores n standardized rows of x (row i at x + i * ld, ld >= d) into
 * score[0..n). Reads h only and allocates nothing: threads may score at
 * once. Training rows need nothing else. */
void ad_hbos_score(const struct ad_hbos *h, const double *x, size_t n,
    size_t ld, double *score);

/* Writes each feature's term of standardized row x's score to
 * contrib[0..d) (their sum is the score). */
void ad_hbos_explain(const struct ad_hbos *h, const double *x,
    double *contrib);

/* Writes each feature's term of standardized row x's score less the
 * term of the feature's densest bin to contrib[0..d): >= 0, how much less
 * usual the value is than the feature's most usual one, whatever the
 * feature's unit (whose densities may exceed 1, making terms negative). */
void ad_hbos_explain_excess(const struct ad_hbos *h, const double *x,
    double *contrib);

/* Bytes ad_hbos_encode writes. */
size_t ad_hbos_encoded_size(const struct ad_hbos *h);

/* Writes h to p (ad_hbos_encoded_size bytes), little-endian: u32 nbins,
 * u32 features, f64 alpha, f64 tol, then per feature its nbins + 1 edges
 * and nbins densities (f64). */
void ad_hbos_encode(const struct ad_hbos *h, unsigned char *p);

/* Reads histograms for nfeat features from p[0..len), exactly: counts in
 * range and adding up to len, alpha and tol in range, edges finite and
 * increasing, densities finite and >= 0; else AD_EDATA ("corrupt model:
 * ...") about file name. */
enum ad_status ad_hbos_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_hbos **out,
    struct ad_error *err);

#endif
