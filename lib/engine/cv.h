#ifndef ADKIT_CV_H
#define ADKIT_CV_H
/*
 * Cross-validation for -a auto with labels: a stratified, seeded k-fold
 * split and the ROC-AUC of a fold's scores.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

/* Assigns each of n rows a fold in [0, k): the rows of each class
 * (label[i] 0 or 1) are shuffled with seed and dealt round-robin, so every
 * fold holds each class in proportion and the split depends on the seed
 * and the labels only. AD_EUSAGE unless 2 <= k <= the rows of the rarer
 * class. */
enum ad_status ad_cv_folds(const unsigned char *label, size_t n, size_t k,
    uint64_t seed, size_t *fold, struct ad_error *err);

/* Sets *auc to the ROC-AUC of scores s against labels y (0/1) over n
 * rows, ties counted one half (the Mann-Whitney statistic), a NaN score
 * lowest; NaN without both classes. Allocates n pairs for a while. */
enum ad_status ad_cv_auc(const double *s, const unsigned char *y, size_t n,
    double *auc, struct ad_error *err);

#endif
