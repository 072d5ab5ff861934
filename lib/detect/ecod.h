#ifndef ADKIT_ECOD_H
#define ADKIT_ECOD_H
/*
 * ECOD, outlier detection by empirical cumulative distributions (Li et
 * al. 2022), transcribed from PyOD's ECOD; parameter-free. The state is
 * the training sample, sorted per feature, and each feature's skewness
 * sign (scipy.stats.skew, biased; 0 for a feature without variance).
 *
 * For value v of feature f in a sample of N values, the left and right
 * tail probabilities are PyOD's column_ecdf: with c = #{values <= v}
 * (resp. >= v), p = numpy.linspace(1/N, 1, N)[c - 1]; U_l = -log p_left,
 * U_r = -log p_right. PyOD's skewness term is U_skew = U_l if the sign is
 * negative, U_r if positive, U_l + U_r if zero, and a row's score is
 *   sum_f max(U_l, U_r, U_skew)
 * (higher = more anomalous). Note what that transcription does: for a
 * skewed feature max(U_l, U_r, U_skew) is max(U_l, U_r), so PyOD's
 * "correction" changes only zero-skew features. The paper instead takes
 * the largest of three sums over the features, sum U_l, sum U_r and sum
 * U_auto (U_l where the skewness is negative, else U_r):
 * AD_ECOD_PAPER.
 *
 * Training rows and new rows. PyOD scores its training rows within the
 * training sample (N = n, the row counted once, as itself): use
 * ad_ecod_score_train for them. PyOD scores new rows by appending them to
 * the training sample, all at once, so a row's score depends on the others
 * in its batch; here a new row is appended alone (N = n + 1, c counting
 * the row itself): PyOD's score for a batch of that one row, except that
 * the skewness signs stay the training sample's. Its probabilities are
 * then at least 1 / (n + 1), so scores are finite.
 *
 * Explanation: the PyOD score is a sum over features of max(U_l, U_r,
 * U_skew), each feature's term its contribution; for AD_ECOD_PAPER, the
 * terms of the sum that was largest.
 *
 * Memory: the state holds the sample (rows x features doubles, and a
 * sixty-fourth more for an index that keeps the searches in cache). The
 * model's reservoir bounds the rows.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_ecod;

/* How the per-feature tail scores combine into a row's score. */
enum ad_ecod_aggregate {
	AD_ECOD_PYOD = 0,   /* sum over features of the largest of three */
	AD_ECOD_PAPER = 1   /* the largest of three sums over features */
};

/* ECOD's options. */
struct ad_ecod_opts {
	enum ad_ecod_aggregate aggregate;   /* AD_ECOD_PYOD */
};

/* Fills o with the defaults: PyOD's aggregate. */
void ad_ecod_defaults(struct ad_ecod_opts *o);

/* Keeps (a copy of) the n >= 1 standardized rows of x (row-major, d wide,
 * finite), sorted per feature, and their skewness signs; seed is unused.
 * No rows is AD_EDATA, an unknown aggregate AD_EUSAGE. */
enum ad_status ad_ecod_fit(const struct ad_ecod_opts *o, const double *x,
    size_t n, size_t d, uint64_t seed, struct ad_ecod **out,
    struct ad_error *err);

/* Frees e; NULL is a no-op. */
void ad_ecod_free(struct ad_ecod *e);

/* Features, and training rows kept. */
size_t ad_ecod_nfeat(const struct ad_ecod *e);
size_t ad_ecod_nrows(const struct ad_ecod *e);

/* A feature's skewness sign: -1, 0 or 1. */
int ad_ecod_skew_sign(const struct ad_ecod *e, size_t f);

/* Scores n new standardized rows of x (row i at x + i * ld, ld >= d) into
 * score[0..n), each as if appended alone to the training sample. Reads e
 * only and allocates nothing: threads may score at once. */
void ad_ecod_score(const struct ad_ecod *e, const double *x, size_t n,
    size_t ld, double *score);

/* Scores rows of the training sample as PyOD's fit does (each row counted
 * once, as itself). A row not in the sample is scored as if its values
 * were (counts below 1 taken as 1). */
void ad_ecod_score_train(const struct ad_ecod *e, const double *x,
    size_t n, size_t ld, double *score);

/* Writes each feature's term of new row x's score to contrib[0..d) (their
 * sum is the score). */
void ad_ecod_explain(const struct ad_ecod *e, const double *x,
    double *contrib);

/* ad_ecod_explain for a row of the training sample. */
void ad_ecod_explain_train(const struct ad_ecod *e, const double *x,
    double *contrib);

/* Bytes ad_ecod_encode writes. */
size_t ad_ecod_encoded_size(const struct ad_ecod *e);

/* Writes e to p (ad_ecod_encoded_size bytes), little-endian: u32 features,
 * u32 aggregate, u32 rows (low), u32 rows (high), per feature u32 skewness
 * sign + 1, then per feature its sorted values (f64). */
void ad_ecod_encode(const struct ad_ecod *e, unsigned char *p);

/* Reads a sample for nfeat features from p[0..len), exactly: counts in
 * range and adding up to len, signs and aggregate known, values finite and
 * sorted; else AD_EDATA ("corrupt model: ...") about file name. Allocates
 * only in proportion to len. */
enum ad_status ad_ecod_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_ecod **out,
    struct ad_error *err);

#endif
