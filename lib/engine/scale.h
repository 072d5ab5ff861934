#ifndef ADKIT_SCALE_H
#define ADKIT_SCALE_H
/*
 * Scalers of one numeric column, with scikit-learn's conventions:
 *
 *   standard  y = (x - mean) / std, std the population deviation (ddof 0);
 *             a column whose variance is within rounding of zero, by
 *             sklearn's bound var <= n eps var + (n mean eps)^2, gets std 1
 *   minmax    y = x * s + m with s = 1 / (max - min), m = 0 - min * s;
 *             a range below 10 eps is taken as 1
 *   robust    y = (x - median) / iqr, iqr = q75 - q25, the quartiles
 *             interpolated linearly between order statistics (numpy's
 *             "linear"); an iqr below 10 eps is taken as 1
 *
 * so a constant column is only centred: 0 on the data it was fitted on, and
 * the distance from that constant on new data; nothing is divided by zero.
 * Missing values (NaN) are skipped when fitting and stay NaN when applied.
 * A column fitted on no values has NaN parameters and scales every value to
 * NaN. Fitting takes one pass; standard and minmax keep a few numbers,
 * robust keeps every value (8 bytes each) until ad_scaler_fit.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

enum ad_scale_method {
	AD_SCALE_NONE = 0,
	AD_SCALE_STANDARD,
	AD_SCALE_MINMAX,
	AD_SCALE_ROBUST
};

/* A fitted scaler: p1 and p2 are what a params file keeps, a and b what
 * ad_scale_prepare derives from them for applying. */
struct ad_scale {
	enum ad_scale_method method;
	double p1;   /* standard: mean; minmax: min; robust: median */
	double p2;   /* standard: std (1 if constant); minmax: max;
	                robust: iqr (1 if within rounding of 0) */
	double a, b; /* standard, robust: centre and divisor; minmax: s and m */
};

struct ad_scaler;

/* The method's name: "none", "standard", "minmax" or "robust". */
const char *ad_scale_name(enum ad_scale_method m);

/* Sets *m from a name; returns 0, or -1 for an unknown name. */
int ad_scale_parse(const char *name, enum ad_scale_method *m);

/* Checks parameters read from a file; returns NULL if they are ones a fit
 * can produce, else a static phrase saying what is wrong. */
const char *ad_scale_check(const struct ad_scale *s);

/* Derives s->a and s->b from s->method, s->p1 and s->p2. */
void ad_scale_prepare(struct ad_scale *s);

/* Scales one value (s prepared). The operations and their order are
 * scikit-learn's, for equal rounding. */
static inline double ad_scale_one(const struct ad_scale *s, double x)
{
	switch (s->method) {
	case AD_SCALE_MINMAX: return x * s->a + s->b;
	case AD_SCALE_STANDARD:
	case AD_SCALE_ROBUST: return (x - s->a) / s->b;
	case AD_SCALE_NONE: break;
	}
	return x;
}

/* Scales n values, x[0], x[stride], ..., in place (s prepared). */
void ad_scale_apply(const struct ad_scale *s, double *x, size_t n,
    size_t stride);

/* Scales, in place, value col[k] of each of nrows rows by s[k] (prepared),
 * k < ns; row i starts at x + i * stride. */
void ad_scale_apply_rows(const struct ad_scale *s, const size_t *col,
    size_t ns, double *x, size_t nrows, size_t stride);

/* Creates an empty accumulator for method (not AD_SCALE_NONE). */
enum ad_status ad_scaler_new(struct ad_scaler **sc, enum ad_scale_method m,
    struct ad_error *err);

/* Frees sc; NULL is a no-op. */
void ad_scaler_free(struct ad_scaler *sc);

/* Adds n values x[0], x[stride], ...; NaN is skipped. Infinite values must
 * not be given. Fails only for robust, when memory runs out. */
enum ad_status ad_scaler_add(struct ad_scaler *sc, const double *x, size_t n,
    size_t stride, struct ad_error *err);

/* Values added so far, NaN not counted. */
uint64_t ad_scaler_count(const struct ad_scaler *sc);

/* Fills *s (prepared) from the values added; *constant is set when the
 * column's scale was within rounding of zero and taken as 1. Fails
 * (AD_EDATA) when values near the largest doubles overflow the statistics.
 * Robust reorders its values; adding more afterwards starts from them. */
enum ad_status ad_scaler_fit(struct ad_scaler *sc, struct ad_scale *s,
    int *constant, struct ad_error *err);

#endif
