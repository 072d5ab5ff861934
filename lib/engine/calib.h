#ifndef ADKIT_CALIB_H
#define ADKIT_CALIB_H
/*
 * Calibrated scores: a detector's training-score distribution, kept as up
 * to AD_CALIB_MAX_POINTS points of its quantile function, and the map from
 * a raw score to the share of training scores below it, in [0, 1]. The
 * same number means the same for every detector: 0.99 is "higher than 99%
 * of the training rows", whatever the raw scale.
 *
 * The points: with n <= AD_CALIB_MAX_POINTS sorted scores, every score s_i
 * at level i / (n - 1); with more, AD_CALIB_MAX_POINTS scores at the evenly
 * spaced levels j / (M - 1), each the quantile numpy's percentile
 * interpolates. A run of equal scores (ties) keeps its first and its last
 * point only, so no two points sharing a score lie inside the run.
 *
 * The calibrated score c(x) of a raw score x:
 *  - 0 below the smallest stored score, 1 above the largest;
 *  - at a stored score, the middle of the levels of the points holding it
 *    (ties count half, as mid-ranks do; a lone point its own level);
 *  - between two stored scores, linear in x between their levels (the
 *    inverse of numpy's interpolated percentile).
 * It is non-decreasing in x and, with every score kept, equals the
 * mid-rank (rank - 1) / (n - 1) of x among the training scores.
 *
 * The encoded form (the model section CALB, adkit(5)): u32 format (1), u64
 * scores it was made from, u32 points, then per point f64 level and f64
 * score, all little-endian.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

/* The model section that holds a detector's calibration: "CALB". */
#define AD_CALIB_TAG 0x424c4143u

/* Most points a calibration keeps. */
#define AD_CALIB_MAX_POINTS 1000

struct ad_calib {
	uint64_t scores;    /* training scores it was made from, >= 1 */
	size_t n;           /* points, 2 .. AD_CALIB_MAX_POINTS */
	double *level;      /* increasing: 0 first, 1 last */
	double *score;      /* non-decreasing, finite */
};

/* The q-quantile of sorted s[0..n), n >= 1, interpolated linearly as
 * numpy's percentile does. */
double ad_calib_percentile(const double *s, size_t n, double q);

/* Makes *c from sorted, finite s[0..n), n >= 1; free with ad_calib_free. */
enum ad_status ad_calib_fit(const double *s, size_t n, struct ad_calib **c,
    struct ad_error *err);

/* Makes *c the calibration of n >= 1 calibrations pooled, each weighted
 * by the scores it was made from (models of one data set's shards merged):
 * each is re-sampled at evenly spaced levels, its extremes included, in
 * proportion to its scores (AD_CALIB_MAX_POINTS * 4 points in all, at
 * least 2 each), and the pooled points fitted as scores are; c->scores is
 * the inputs' total. Free with ad_calib_free. */
enum ad_status ad_calib_merge(const struct ad_calib *const *cs, size_t n,
    struct ad_calib **c, struct ad_error *err);

/* Frees c; NULL is a no-op. */
void ad_calib_free(struct ad_calib *c);

/* The calibrated score of raw score x, in [0, 1] (NaN stays NaN). */
double ad_calib_apply(const struct ad_calib *c, double x);

/* The raw score at level p in [0, 1]: the inverse of ad_calib_apply
 * between the stored points. */
double ad_calib_quantile(const struct ad_calib *c, double p);

/* Bytes ad_calib_encode writes. */
size_t ad_calib_size(const struct ad_calib *c);

/* Writes c's encoded form into p[0..ad_calib_size(c)). */
void ad_calib_encode(const struct ad_calib *c, unsigned char *p);

/* Decodes p[0..len) into *c, checking every count and value (AD_EDATA
 * naming name, "corrupt model: ..."); *used (if not NULL) gets the bytes
 * read, else len must be exactly the encoded size. */
enum ad_status ad_calib_decode(const unsigned char *p, size_t len,
    const char *name, size_t *used, struct ad_calib **c,
    struct ad_error *err);

#endif
