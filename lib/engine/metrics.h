#ifndef ADKIT_METRICS_H
#define ADKIT_METRICS_H
/*
 * Exact metrics of a binary detector: the confusion matrix of a decision
 * and what follows from it, the threshold-free metrics of a score (ROC-AUC,
 * average precision, precision at k, the best F1), DeLong's test for two
 * correlated ROC-AUCs, and a paired bootstrap. Definitions follow
 * scikit-learn's roc_auc_score, average_precision_score,
 * precision_recall_fscore_support and matthews_corrcoef; ties in the scores
 * are handled as there (a tie is half right).
 *
 * Scores travel as order keys (ad_metrics_key): 64-bit integers that sort
 * like the numbers, with -0 equal to 0. They sort in O(n) by radix and
 * compare exactly, so every count here is an exact integer and every ratio
 * is rounded once or is a compensated sum. A score must not be NaN.
 *
 * A metric that is undefined for the data (a precision with no row flagged,
 * an AUC without both labels) is NaN, with a static sentence saying why.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

/* Counts of a decision against the labels. */
struct ad_confusion {
	uint64_t tp;   /* labelled anomalous, flagged */
	uint64_t fp;   /* labelled normal, flagged */
	uint64_t tn;   /* labelled normal, not flagged */
	uint64_t fn;   /* labelled anomalous, not flagged */
};

/* A metric's value, or NaN and the reason it is undefined. */
struct ad_value {
	double v;
	const char *why;   /* NULL when defined; else static text */
};

/* What a confusion matrix says. */
struct ad_decision_metrics {
	struct ad_value precision;    /* tp / (tp + fp) */
	struct ad_value recall;       /* tp / (tp + fn) */
	struct ad_value f1;           /* 2tp / (2tp + fp + fn) */
	struct ad_value accuracy;     /* (tp + tn) / all */
	struct ad_value specificity;  /* tn / (tn + fp) */
	struct ad_value mcc;          /* Matthews correlation */
};

/* Scores of the rows labelled anomalous (pos) and normal (neg), as order
 * keys sorted ascending. */
struct ad_ranked {
	const uint64_t *pos;
	size_t npos;
	const uint64_t *neg;
	size_t nneg;
};

/* The threshold-free metrics of a score. */
struct ad_rank_metrics {
	struct ad_value roc_auc;          /* area under the ROC curve */
	struct ad_value pr_auc;           /* average precision */
	struct ad_value precision_at_k;   /* k = the number of positives */
	struct ad_value best_f1;          /* the highest F1 of any threshold */
	struct ad_value best_f1_threshold; /* the highest threshold giving it */
};

/* One point of the curves: flagging the rows scoring >= threshold catches
 * tp positives and fp negatives. */
typedef enum ad_status (*ad_curve_fn)(void *ctx, double threshold,
    uint64_t tp, uint64_t fp, struct ad_error *err);

/* The order key of score v (not NaN): keys compare as the scores do. */
uint64_t ad_metrics_key(double v);

/* The score whose order key is k (-0 comes back as 0). */
double ad_metrics_unkey(uint64_t k);

/* Sorts n keys ascending (radix sort; allocates n keys for a while). */
enum ad_status ad_metrics_sort(uint64_t *keys, size_t n,
    struct ad_error *err);

/* Fills m from the counts c; never fails. */
void ad_metrics_of_confusion(const struct ad_confusion *c,
    struct ad_decision_metrics *m);

/* Computes the threshold-free metrics of r. If fn is not NULL it is called
 * for each distinct score, highest first, with the counts at that
 * threshold; an error it returns stops the walk and is returned. */
enum ad_status ad_metrics_rank(const struct ad_ranked *r,
    struct ad_rank_metrics *m, ad_curve_fn fn, void *ctx,
    struct ad_error *err);

/* The counts when the rows with key >= t are flagged. */
void ad_metrics_confusion_at(const struct ad_ranked *r, uint64_t t,
    struct ad_confusion *c);

/* The k-th highest key of r, 1 <= k <= npos + nneg. */
uint64_t ad_metrics_kth_highest(const struct ad_ranked *r, uint64_t k);

/* Scores of two models on the same rows: pos_a[i] and pos_b[i] are one
 * positive row's, neg_a[j] and neg_b[j] one negative row's (order keys, in
 * any order). The decisions, if pos_flag is not NULL, are one byte per row
 * beside them: bit 0 says model a flags the row, bit 1 that b does. */
struct ad_paired {
	const uint64_t *pos_a, *pos_b;
	const unsigned char *pos_flag;
	size_t npos;
	const uint64_t *neg_a, *neg_b;
	const unsigned char *neg_flag;
	size_t nneg;
};

/* DeLong's test of AUC(b) - AUC(a) = 0, with the variance of DeLong,
 * DeLong and Clarke-Pearson (1988). */
struct ad_delong {
	struct ad_value diff;   /* AUC(b) - AUC(a) */
	struct ad_value se;     /* its standard error */
	struct ad_value z;      /* diff / se */
	struct ad_value p;      /* two-sided p-value */
};

/* Computes DeLong's test of p in O(rows) after two radix sorts of the
 * rows; allocates 32 bytes a row while it runs. At most 2^31 - 1 rows. */
enum ad_status ad_metrics_delong(const struct ad_paired *p,
    struct ad_delong *out, struct ad_error *err);

/* Percentile intervals of the paired bootstrap of ad_metrics_bootstrap. */
struct ad_bootstrap {
	uint64_t resamples;
	uint64_t seed;
	double level;               /* 0.95 */
	struct ad_value f1_low, f1_high;  /* of F1(b) - F1(a) */
	struct ad_value ap_low, ap_high;  /* of AP(b) - AP(a) */
};

/* Resamples the rows of p with replacement, positives and negatives apart
 * (so each resample keeps both counts), `resamples` times, and gives the
 * central `level` percentile interval of the differences in F1 (decisions
 * from the flags; undefined without them) and in average precision.
 * Random numbers: xoshiro256** seeded by splitmix64 from seed, indexes
 * drawn by Lemire's multiply-and-reject. Quantiles interpolate linearly
 * between order statistics. Allocates 32 bytes a row while it sorts, then
 * 12 while it resamples, taking time in proportion to resamples times
 * rows. At most 2^31 - 1 rows. */
enum ad_status ad_metrics_bootstrap(const struct ad_paired *p,
    uint64_t resamples, uint64_t seed, double level, struct ad_bootstrap *out,
    struct ad_error *err);

#endif
