#ifndef ADKIT_TRAITS_H
#define ADKIT_TRAITS_H
/*
 * The traits of a data set that -a auto chooses a detector from when it
 * has no labels (lib/run/choose.c): its size and shape, and how its
 * features look (constant, categorical, missing, skewed, duplicated), on
 * a sample of its rows.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

/* A feature with at most this many distinct values is categorical. */
#define AD_TRAITS_CATEGORICAL 10

struct ad_traits {
	uint64_t rows;              /* rows of the input (not of the sample) */
	size_t features;
	double constant_share;      /* features with at most one value */
	double categorical_share;   /* features with 2..AD_TRAITS_CATEGORICAL
	                               values */
	double missing_share;       /* cells missing (NaN) */
	double skew;                /* median |sample skewness| of the
	                               non-constant features (0 without any) */
	double duplicate_share;     /* sample rows equal to an earlier one */
	int time_column;            /* the input has a time column */
};

/* Computes t from n >= 1 rows of x (row i at x + i * ld, d features, NaN
 * missing); t->rows is set to n, for the caller to correct, and
 * t->time_column to 0. */
enum ad_status ad_traits_compute(const double *x, size_t n, size_t d,
    size_t ld, struct ad_traits *t, struct ad_error *err);

/* Whether a column named name is a time column: time, timestamp, date,
 * datetime or ts, in any case. */
int ad_traits_time_name(const char *name);

#endif
