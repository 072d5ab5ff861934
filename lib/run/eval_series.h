#ifndef ADKIT_EVAL_SERIES_H
#define ADKIT_EVAL_SERIES_H
/*
 * ad-eval --plot-time: the rows along a time column, kept as read (8 bytes
 * a row for the time and for the score, 8 more per --plot-values column,
 * 2 bytes of label and prediction), then drawn by lib/io/svg.c, which
 * thins them to a pixel column at a time.
 */
#include <stddef.h>

#include "ad.h"

struct ad_out;
struct ad_eval_series;

/* How the rows are drawn. */
struct ad_eval_series_look {
	const char *title;
	const char *time;             /* the time column's name */
	const char *score;            /* the score's label */
	const char *const *values;    /* the value columns' names */
	double threshold;             /* flag score >= threshold; NaN: none */
	int by_pred;                  /* flag the rows whose prediction is
	                                 positive instead */
};

/* A new, empty series of rows with nvalues value columns. */
enum ad_status ad_eval_series_new(struct ad_eval_series **s, size_t nvalues,
    struct ad_error *err);

/* Frees s; NULL is a no-op. */
void ad_eval_series_free(struct ad_eval_series *s);

/* Reads a time cell: ISO-8601 text (UTC, see timeparse.h) or a plain
 * number, the same kind in every row. Returns NULL and sets *t (NaN for an
 * empty cell), or a static phrase saying what is wrong. */
const char *ad_eval_series_time(struct ad_eval_series *s, const char *text,
    size_t len, double *t);

/* Whether the times read were ISO-8601 text (else plain numbers). */
int ad_eval_series_is_time(const struct ad_eval_series *s);

/* Appends a row: its time, score, values (nvalues), whether it is labelled
 * anomalous and whether its prediction is positive. */
enum ad_status ad_eval_series_add(struct ad_eval_series *s, double t,
    double score, const double *values, int label, int pred,
    struct ad_error *err);

/* Draws the rows into out as SVG. */
enum ad_status ad_eval_series_write(const struct ad_eval_series *s,
    const struct ad_eval_series_look *look, struct ad_out *out,
    struct ad_error *err);

#endif
