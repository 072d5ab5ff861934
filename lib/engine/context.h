#ifndef ADKIT_CONTEXT_H
#define ADKIT_CONTEXT_H
/*
 * Time-context features: for each row, what the recent past of its group
 * looked like, and where in the day and week it falls, so that a value
 * normal overall but unusual for its moment stands out to a detector that
 * sees one row at a time.
 *
 * Each group (a host, say) has its own state, and each row is a step of its
 * group: the features describe the group's earlier rows, never the row
 * itself, then the row joins the history. For a column x at step t:
 *
 *   lag k         x[t-k]                      (NaN before step k)
 *   diff          x[t] - x[t-1]
 *   rolling N     over the values among x[t-N..t-1] that are not missing:
 *                 mean, std (sample, n - 1), min, max, and
 *                 z = (x[t] - mean) / std
 *   ewm alpha     the exponentially weighted mean of x[0..t-1]:
 *                 m = x for the first value, then m = (1 - alpha) m + alpha x
 *
 * as pandas computes shift(k), diff(), shift(1).rolling(N, min_periods=1)
 * and shift(1).ewm(alpha=alpha, adjust=False, ignore_na=True). Missing
 * values (NaN) propagate through lags and diff and are skipped by the
 * rolling and ewm statistics; a statistic with no values is NaN (std and z
 * need two). When a window's values are all equal (its variance within
 * rounding of zero, by scikit-learn's bound for constant features), z is
 * x - mean, as the scalers treat a constant column.
 *
 * Each step costs O(1) amortized per feature: running moments with an
 * exact recomputation every N steps (so rounding cannot build up),
 * monotonic deques for min and max, rings for lags. A group's memory is
 * fixed by the settings, about 8 (max(N, k) + 2 N) bytes per column and
 * window, whatever the length of the input.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_time;

/* Largest lag and rolling window accepted. */
#define AD_CONTEXT_MAX_SPAN 100000

/* The features asked for, in the order each column's outputs come. */
struct ad_context_spec {
	const uint64_t *lags;     /* each 1..AD_CONTEXT_MAX_SPAN */
	size_t nlags;
	int diff;
	const uint64_t *windows;  /* each 1..AD_CONTEXT_MAX_SPAN */
	size_t nwindows;
	const double *alphas;     /* each in (0, 1] */
	size_t nalphas;
};

/* Outputs of one rolling window, in this order. */
enum { AD_ROLL_MEAN, AD_ROLL_STD, AD_ROLL_MIN, AD_ROLL_MAX, AD_ROLL_Z,
	AD_ROLL_WIDTH };

struct ad_context;

/* Number of features each column gets. */
size_t ad_context_width(const struct ad_context_spec *spec);

/* The name of feature f (0..width-1) of column col, as "cpu_lag1",
 * "cpu_diff", "cpu_roll12_z" or "cpu_ewm0.5", in *name (ad_malloc'd). */
enum ad_status ad_context_name(const struct ad_context_spec *spec,
    const char *col, size_t f, char **name, struct ad_error *err);

/* Creates the state for ncols columns (1 or more); spec's arrays are
 * copied. */
enum ad_status ad_context_new(struct ad_context **c,
    const struct ad_context_spec *spec, size_t ncols, struct ad_error *err);

/* Frees c; NULL is a no-op. */
void ad_context_free(struct ad_context *c);

/* One step of group g (0, 1, ...; a new one starts empty): writes the
 * features of column k from values x[0..ncols) to out[k][0..width), then
 * adds x to the group's history. Fails only when a new group's memory
 * cannot be had. */
enum ad_status ad_context_step(struct ad_context *c, size_t g,
    const double *x, double *const *out, struct ad_error *err);

/* Forgets group g's history: its next step is as a new group's (NULL or
 * a group never stepped: a no-op). */
void ad_context_reset(struct ad_context *c, size_t g);

/* Number of groups with state. */
size_t ad_context_groups(const struct ad_context *c);

/* Calendar features, in this order. */
enum { AD_CAL_HOUR_SIN, AD_CAL_HOUR_COS, AD_CAL_DOW_SIN, AD_CAL_DOW_COS,
	AD_CAL_WIDTH };

/* Writes the calendar features of t to out[0..AD_CAL_WIDTH): the local
 * hour of day (fraction included) and day of the week (Monday 0) as points
 * on circles, sin and cos of 2 pi hour / 24 and of 2 pi day / 7, exact at
 * quarter turns (midnight is 0 and 1, not 0 and 6e-17). */
void ad_context_calendar(const struct ad_time *t, double *out);

#endif
