/*
 * ad-eval --plot-time: rows kept in input order, then one SVG of the value
 * columns and the score along the time column (see eval_series.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "eval_series.h"
#include "num.h"
#include "svg.h"
#include "timeparse.h"

enum kind { K_UNKNOWN, K_TIME, K_NUMBER };

struct ad_eval_series {
	size_t nvalues;
	size_t n, cap;
	double *t, *score;
	double *values;           /* row-major, nvalues a row */
	unsigned char *label;     /* 1: labelled anomalous */
	unsigned char *pred;      /* 1: its prediction is positive */
	enum kind kind;
};

enum ad_status ad_eval_series_new(struct ad_eval_series **s, size_t nvalues,
    struct ad_error *err)
{
	if ((*s = ad_calloc(1, sizeof **s)) == NULL)
		return ad_error_nomem(err);
	(*s)->nvalues = nvalues;
	return AD_OK;
}

void ad_eval_series_free(struct ad_eval_series *s)
{
	if (s == NULL)
		return;
	ad_free(s->t);
	ad_free(s->score);
	ad_free(s->values);
	ad_free(s->label);
	ad_free(s->pred);
	ad_free(s);
}

const char *ad_eval_series_time(struct ad_eval_series *s, const char *text,
    size_t len, double *t)
{
	struct ad_time at;
	double v;

	if (len == 0) {
		*t = NAN;
		return NULL;
	}
	if (s->kind != K_NUMBER && ad_timeparse_parse_iso(text, len, &at) ==
	    NULL) {
		s->kind = K_TIME;
		*t = ad_timeparse_epoch(&at);
		return NULL;
	}
	if (s->kind != K_TIME && ad_num_parse(text, len, &v) == AD_NUM_OK &&
	    isfinite(v)) {
		s->kind = K_NUMBER;
		*t = v;
		return NULL;
	}
	return s->kind == K_TIME ? "expected an ISO-8601 time like the rows "
	    "before" : s->kind == K_NUMBER ? "expected a number like the rows "
	    "before" : "expected an ISO-8601 time or a number";
}

int ad_eval_series_is_time(const struct ad_eval_series *s)
{
	return s->kind == K_TIME;
}

/* Grows every array to hold one more row. */
static int grow(struct ad_eval_series *s)
{
	size_t cap = s->cap, need = s->n + 1;
	double *t, *score, *values;
	unsigned char *label, *pred;

	if (need <= cap)
		return 0;
	/* each array grows alike from cap; one grown before a failure is
	 * merely larger than cap says */
	if ((t = ad_grow(s->t, &cap, need, sizeof *t)) == NULL)
		return -1;
	s->t = t;
	cap = s->cap;
	if ((score = ad_grow(s->score, &cap, need, sizeof *score)) == NULL)
		return -1;
	s->score = score;
	cap = s->cap;
	if ((label = ad_grow(s->label, &cap, need, 1)) == NULL)
		return -1;
	s->label = label;
	cap = s->cap;
	if ((pred = ad_grow(s->pred, &cap, need, 1)) == NULL)
		return -1;
	s->pred = pred;
	if (s->nvalues > 0) {
		size_t vcap = s->cap * s->nvalues;
		if (cap > SIZE_MAX / sizeof *values / s->nvalues ||
		    (values = ad_grow(s->values, &vcap, cap * s->nvalues,
		    sizeof *values)) == NULL)
			return -1;
		s->values = values;
	}
	s->cap = cap;
	return 0;
}

enum ad_status ad_eval_series_add(struct ad_eval_series *s, double t,
    double score, const double *values, int label, int pred,
    struct ad_error *err)
{
	if (grow(s) != 0)
		return ad_error_nomem(err);
	s->t[s->n] = t;
	s->score[s->n] = score;
	if (s->nvalues > 0)
		memcpy(s->values + s->n * s->nvalues, values,
		    s->nvalues * sizeof *values);
	s->label[s->n] = (unsigned char)(label != 0);
	s->pred[s->n] = (unsigned char)(pred != 0);
	s->n++;
	return AD_OK;
}

/* Value column j as its own array (the panels take one array each). */
static double *column(const struct ad_eval_series *s, size_t j)
{
	double *v = ad_calloc(s->n ? s->n : 1, sizeof *v);

	for (size_t i = 0; v != NULL && i < s->n; i++)
		v[i] = s->values[i * s->nvalues + j];
	return v;
}

enum ad_status ad_eval_series_write(const struct ad_eval_series *s,
    const struct ad_eval_series_look *look, struct ad_out *out,
    struct ad_error *err)
{
	struct ad_svg_series_panel *panels;
	struct ad_svg_series g;
	unsigned char *flag;
	double **cols;
	char xlabel[300], tlabel[64];
	enum ad_status st = AD_OK;
	size_t np = s->nvalues + 1;

	panels = ad_calloc(np, sizeof *panels);
	cols = ad_calloc(np, sizeof *cols);
	flag = ad_calloc(s->n ? s->n : 1, 1);
	if (panels == NULL || cols == NULL || flag == NULL)
		st = ad_error_nomem(err);
	for (size_t j = 0; st == AD_OK && j < s->nvalues; j++)
		if ((cols[j] = column(s, j)) == NULL)
			st = ad_error_nomem(err);
	if (st != AD_OK)
		goto out;
	for (size_t i = 0; i < s->n; i++)
		flag[i] = (unsigned char)(look->by_pred ? s->pred[i] :
		    !isnan(look->threshold) && s->score[i] >= look->threshold);
	for (size_t j = 0; j < s->nvalues; j++)
		panels[j] = (struct ad_svg_series_panel){ look->values[j], cols[j],
		    NAN, NULL, 0 };
	if (isnan(look->threshold))
		snprintf(tlabel, sizeof tlabel, "threshold");
	else
		snprintf(tlabel, sizeof tlabel, "threshold %.6g", look->threshold);
	panels[s->nvalues] = (struct ad_svg_series_panel){ look->score, s->score,
	    look->threshold, tlabel, 1 };
	snprintf(xlabel, sizeof xlabel, "%s%s", look->time,
	    s->kind == K_TIME ? " (UTC)" : "");
	g = (struct ad_svg_series){ look->title, xlabel, s->kind == K_TIME, s->t,
	    s->n, s->label, flag, "labelled anomalous", look->by_pred ?
	    "flagged (prediction)" : "flagged (score >= threshold)", panels, np };
	st = ad_svg_write_series(out, &g, err);
out:
	for (size_t j = 0; cols != NULL && j < s->nvalues; j++)
		ad_free(cols[j]);
	ad_free(cols);
	ad_free(panels);
	ad_free(flag);
	return st;
}
