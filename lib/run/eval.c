/*
 * ad-eval: one pass over scored, labelled rows, then exact metrics.
 *
 * Reading. The label, prediction and --by columns are read as text, so that
 * "yes" or "anomaly" are labels and a bad cell can be named by line and
 * field; the score columns are read as numbers, strictly, so a score that is
 * not a number is an error at its cell rather than a silent gap: the
 * reader is opened, its header read, and then the types set from the
 * column names. A binary stream carries its types and needs none of this.
 *
 * Memory. Each evaluated row leaves its score's order key (8 bytes) in the
 * array of its label, for all rows and again for its --by group; nothing
 * else of the row is kept. See eval.h for --compare.
 *
 * Computing. The key arrays are sorted (radix, O(n)) and walked once per
 * score column (lib/engine/metrics.c). With --compare the two columns stay paired
 * row by row until DeLong's test and the bootstrap have run; the decision
 * thresholds they need are taken from sorted copies.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "block.h"
#include "eval.h"
#include "eval_report.h"
#include "eval_series.h"
#include "hashmap.h"
#include "metrics.h"
#include "num.h"
#include "opt.h"
#include "out.h"
#include "outset.h"
#include "schema.h"

/* The input columns ad-eval reads. */
enum cell {
	C_LABEL = AD_EVAL_LABEL, C_SCORE = AD_EVAL_SCORE,
	C_COMPARE = AD_EVAL_COMPARE, C_PRED = AD_EVAL_PRED, C_BY = AD_EVAL_BY,
	CELLS = AD_EVAL_COLUMNS
};

/* A label or a prediction. */
enum mark { M_NEG = 0, M_POS = 1, M_MISSING = 2, M_BAD = 3 };

/* What flags rows, once the input's columns are known. */
enum decision {
	D_NONE = AD_DECISION_NONE, D_PRED = AD_DECISION_PRED,
	D_THRESHOLD = AD_DECISION_THRESHOLD, D_TOP_K = AD_DECISION_TOP_K,
	D_CONTAMINATION = AD_DECISION_CONTAMINATION
};

/* Above every key: a threshold that flags nothing. */
#define FLAG_NONE UINT64_MAX

/* Curve points for drawing are kept this far apart (in x or in y), a third
 * of a pixel in the plot. */
#define STEP 0.001

/* One score column's order keys for one group, by label; beside them, for
 * the totals with --compare, the rows' decisions (bits as in ad_paired). */
struct keys {
	uint64_t *pos, *neg;
	unsigned char *pos_flag, *neg_flag;
	size_t npos, nneg;
	size_t cap_pos, cap_neg;    /* of pos and neg */
	size_t capf_pos, capf_neg;  /* of pos_flag and neg_flag */
	int sorted;
};

struct group {
	char *value;                /* the --by value; NULL for all rows */
	size_t len;
	uint64_t missing[CELLS];    /* rows skipped for a missing cell */
	uint64_t used;              /* rows evaluated */
	uint64_t npos, nneg;        /* of them, labelled anomalous and normal */
	struct keys k[AD_EVAL_MODELS];  /* [0]: --score, then each --compare */
	struct ad_confusion pred;   /* the prediction column against labels */
	struct ad_eval_model m[AD_EVAL_MODELS];
	struct ad_delong delong[AD_EVAL_MODELS];  /* [j]: model j against [0] */
};

/* Curve points thinned for drawing (see STEP). */
struct points {
	double *x, *y, *t;
	size_t n, cap;
	double lx, ly, lt;          /* the last point skipped, if pending */
	int pending;
};

struct run {
	const struct ad_eval_opts *o;
	struct ad_eval_result *res;
	struct ad_reader *rd;
	struct ad_schema *types;
	const struct ad_schema *in;
	const char *name[CELLS];     /* the columns' names; NULL: not used */
	size_t col[CELLS];           /* their input indexes */
	size_t nmodels;              /* the --score column and challengers */
	const char *model[AD_EVAL_MODELS];  /* their columns */
	size_t mcol[AD_EVAL_MODELS]; /* and input indexes */
	enum decision decision;
	uint64_t k;                  /* top-k or contamination: rows flagged */
	uint64_t tkey[AD_EVAL_MODELS]; /* the thresholds' keys (FLAG_NONE) */
	int paired;                  /* --compare */
	int with_flags;              /* keep decisions per row for the bootstrap */
	struct group all;
	struct group **groups;
	size_t ngroups, capgroups;
	struct ad_hashmap *group_index; /* --by value -> its index in groups,
	                                   until the groups are sorted */
	struct ad_bootstrap boot[AD_EVAL_MODELS];  /* [j]: model j against [0] */
	struct ad_outset *outset;    /* the outputs below */
	struct ad_out *out, *curves, *plot, *kfp_metrics, *kfp_ui, *prom;
	struct ad_out *series;       /* --plot-series */
	struct ad_eval_series *rows; /* --plot-time: the rows as read */
	size_t tcol;                 /* the time column's input index */
	size_t vcol[AD_EVAL_MODELS]; /* the --plot-values columns' */
	double vbuf[AD_EVAL_MODELS]; /* a row's values */
	uint64_t series_rows;        /* rows drawn by their number so far */
	struct points roc[AD_EVAL_MODELS], pr[AD_EVAL_MODELS];
	char by_num[AD_NUM_MAXLEN];  /* a numeric --by value as text */
};

/* Whether column name is one of the score columns. */
static int is_score_column(const struct ad_eval_opts *o, const char *name)
{
	if (strcmp(name, o->score) == 0)
		return 1;
	for (size_t j = 0; j < o->compare.n; j++)
		if (strcmp(name, o->compare.v[j]) == 0)
			return 1;
	return 0;
}

/* Whether column name is drawn by --plot-values. */
static int is_value_column(const struct ad_eval_opts *o, const char *name)
{
	for (size_t j = 0; j < o->plot_values.n; j++)
		if (strcmp(name, o->plot_values.v[j]) == 0)
			return 1;
	return 0;
}

/* The types of a CSV input's columns: the score and --plot-values columns
 * numeric, the others text, whatever their values look like. */
static enum ad_status choose_types(struct run *r, struct ad_error *err)
{
	const struct ad_schema *names = ad_reader_schema(r->rd);
	enum ad_status st = ad_schema_new(&r->types, err);

	for (size_t c = 0; c < names->ncols && st == AD_OK; c++) {
		const char *n = names->cols[c].name;
		st = ad_schema_add(r->types, n, strlen(n),
		    is_score_column(r->o, n) || is_value_column(r->o, n) ?
		    AD_NUMERIC : AD_TEXT, err);
	}
	return st;
}

/* Opens the input, reads its header and sets the types: strict, so a score
 * that is not a number stops the run at its cell. A binary stream's types
 * are its own. */
static enum ad_status open_input(struct run *r, struct ad_error *err)
{
	struct ad_reader_opts ro = r->o->in;
	enum ad_status st;

	ro.strict = 1;
	if ((st = ad_reader_open_schema(&r->rd, &ro, err)) != AD_OK)
		return st;
	if (ad_reader_format(r->rd) == AD_FORMAT_CSV &&
	    (st = choose_types(r, err)) != AD_OK)
		return st;
	if ((st = ad_reader_set_types(r->rd, r->types, err)) != AD_OK)
		return st;
	r->in = ad_reader_schema(r->rd);
	snprintf(r->res->input, sizeof r->res->input, "%s",
	    ad_reader_name(r->rd));
	return AD_OK;
}

/* ---- columns and the decision ---- */

static enum ad_status find_column(struct run *r, enum cell c, const char *name,
    struct ad_error *err)
{
	r->name[c] = name;
	r->col[c] = ad_schema_find(r->in, name);
	/* the default score column missing: most likely unscored data */
	if (r->col[c] == SIZE_MAX && c == C_SCORE &&
	    strcmp(name, "score") == 0) {
		size_t n;

		ad_schema_not_found(r->in, ad_reader_name(r->rd), "score", name,
		    err);
		n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, "; ad-eval reads "
		    "scores: run ad-score -m MODEL on the data first, or name "
		    "the score column with --score");
		return AD_EDATA;
	}
	if (r->col[c] == SIZE_MAX)
		return ad_schema_not_found(r->in, ad_reader_name(r->rd), "",
		    name, err);
	if ((c == C_SCORE || c == C_COMPARE) &&
	    r->in->cols[r->col[c]].type != AD_NUMERIC)
		return ad_error_at(err, AD_EDATA, ad_reader_name(r->rd), 0,
		    r->col[c] + 1, "column \"%s\" holds text, not scores", name);
	return AD_OK;
}

/* The time and value columns of --plot-series (without --plot-time, the
 * rows are drawn by their number), and the rows' store. */
static enum ad_status choose_series(struct run *r, struct ad_error *err)
{
	const struct ad_eval_opts *o = r->o;
	const char *name = ad_reader_name(r->rd);

	r->tcol = SIZE_MAX;
	if (o->plot_time != NULL &&
	    (r->tcol = ad_schema_find(r->in, o->plot_time)) == SIZE_MAX)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "--plot-time: column "
		    "\"%s\" is not in the input", o->plot_time);
	for (size_t j = 0; j < o->plot_values.n; j++) {
		size_t c = ad_schema_find(r->in, o->plot_values.v[j]);
		if (c == SIZE_MAX)
			return ad_error_at(err, AD_EDATA, name, 0, 0, "--plot-values: "
			    "column \"%s\" is not in the input", o->plot_values.v[j]);
		if (r->in->cols[c].type != AD_NUMERIC)
			return ad_error_at(err, AD_EDATA, name, 0, c + 1,
			    "--plot-values: column \"%s\" holds text, not numbers",
			    o->plot_values.v[j]);
		r->vcol[j] = c;
	}
	return ad_eval_series_new(&r->rows, o->plot_values.n, err);
}

/* Keeps row i for --plot-time: its time, score, values, label and
 * prediction (missing ones as gaps). */
static enum ad_status keep_row(struct run *r, const struct ad_block *b,
    size_t i, enum mark label, enum mark pred, struct ad_error *err)
{
	const double *num = b->num + i * b->ncols;
	const char *s, *why;
	size_t len;
	double t;

	if (r->tcol == SIZE_MAX) {
		t = (double)++r->series_rows;
	} else if (r->in->cols[r->tcol].type == AD_NUMERIC) {
		t = num[r->tcol];
	} else {
		s = ad_block_text(b, i, r->tcol, &len);
		if ((why = ad_eval_series_time(r->rows, s ? s : "", s ? len : 0,
		    &t)) != NULL) {
			char ex[200];
			ad_error_excerpt(ex, sizeof ex, s, len, "\"\\");
			return ad_error_at(err, AD_EDATA, ad_reader_name(r->rd),
			    b->line[i], r->tcol + 1, "--plot-time column \"%s\": %s, "
			    "got \"%s\"", r->o->plot_time, why, ex);
		}
	}
	for (size_t j = 0; j < r->o->plot_values.n; j++)
		r->vbuf[j] = num[r->vcol[j]];
	return ad_eval_series_add(r->rows, t, num[r->mcol[0]], r->vbuf,
	    label == M_POS, pred == M_POS, err);
}

/* Picks the columns and the decision, now that the header is known. */
static enum ad_status choose(struct run *r, struct ad_error *err)
{
	const struct ad_eval_opts *o = r->o;
	enum ad_status st;

	if ((st = find_column(r, C_LABEL, o->label, err)) != AD_OK ||
	    (st = find_column(r, C_SCORE, o->score, err)) != AD_OK)
		return st;
	r->nmodels = 1 + o->compare.n;
	r->model[0] = o->score;
	r->mcol[0] = r->col[C_SCORE];
	for (size_t j = 0; j < o->compare.n; j++) {
		if ((st = find_column(r, C_COMPARE, o->compare.v[j], err)) != AD_OK)
			return st;
		r->model[1 + j] = o->compare.v[j];
		r->mcol[1 + j] = r->col[C_COMPARE];
	}
	if (o->by != NULL && (st = find_column(r, C_BY, o->by, err)) != AD_OK)
		return st;
	switch (o->decide) {
	case AD_DECIDE_THRESHOLD: r->decision = D_THRESHOLD; break;
	case AD_DECIDE_TOP_K: r->decision = D_TOP_K; break;
	case AD_DECIDE_CONTAMINATION: r->decision = D_CONTAMINATION; break;
	case AD_DECIDE_AUTO:
		if (o->pred != NULL) {
			if ((st = find_column(r, C_PRED, o->pred, err)) != AD_OK)
				return st;
			r->decision = D_PRED;
		} else if (ad_schema_find(r->in, "is_anomaly") != SIZE_MAX &&
		    !is_score_column(o, "is_anomaly")) {
			r->name[C_PRED] = "is_anomaly";
			r->col[C_PRED] = ad_schema_find(r->in, "is_anomaly");
			r->decision = D_PRED;
		} else {
			r->decision = D_NONE;
		}
		break;
	}
	for (int g = 0; g < AD_GATES && r->decision == D_NONE; g++)
		if (g != AD_GATE_AUC && !isnan(o->min[g]))
			return ad_error_set(err, AD_EUSAGE, "%s needs a decision: "
			    "the input has no is_anomaly column; give --pred, "
			    "--threshold, --top-k or --contamination",
			    ad_eval_report_gate_option(g));
	r->paired = r->nmodels > 1;
	if (o->plot_series_path != NULL && (st = choose_series(r, err)) != AD_OK)
		return st;
	r->with_flags = r->paired && o->bootstrap > 0 && r->decision != D_NONE;
	return AD_OK;
}

/* ---- labels ---- */

static int word_is(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	if (len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[i])
			return 0;
	}
	return 1;
}

static enum mark mark_of_number(double v)
{
	if (isnan(v))
		return M_MISSING;
	return v == 1 ? M_POS : v == 0 ? M_NEG : M_BAD;
}

/* 1, true, yes, anomaly: positive; 0, false, no, normal: negative (words
 * in any case, numbers in any form equal to 1 or 0, spaces around). */
static enum mark mark_of_text(const char *s, size_t len)
{
	double v;

	if (len == 1 && (s[0] == '0' || s[0] == '1'))
		return s[0] == '1' ? M_POS : M_NEG;     /* the common case */
	while (len > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (word_is(s, len, "true") || word_is(s, len, "yes") ||
	    word_is(s, len, "anomaly"))
		return M_POS;
	if (word_is(s, len, "false") || word_is(s, len, "no") ||
	    word_is(s, len, "normal"))
		return M_NEG;
	if (len == 0)
		return M_MISSING;
	if (ad_num_parse(s, len, &v) == AD_NUM_OK && !isnan(v))
		return mark_of_number(v);
	return M_BAD;
}

static enum ad_status bad_mark(struct run *r, const struct ad_block *b,
    size_t i, enum cell c, struct ad_error *err)
{
	size_t col = r->col[c], len;
	char ex[200];
	const char *s;

	if (r->in->cols[col].type == AD_NUMERIC) {
		ad_num_format(b->num[i * b->ncols + col], ex);
	} else {
		s = ad_block_text(b, i, col, &len);
		ad_error_excerpt(ex, sizeof ex, s, len, "\"\\");
	}
	return ad_error_at(err, AD_EDATA, ad_reader_name(r->rd), b->line[i],
	    col + 1, "column \"%s\": expected %s (1, true, yes or anomaly; 0, "
	    "false, no or normal), got \"%s\"", r->name[c],
	    c == C_LABEL ? "a label" : "a prediction", ex);
}

static enum mark mark_at(const struct run *r, const struct ad_block *b,
    size_t i, enum cell c)
{
	size_t col = r->col[c], len;
	const char *s;

	if (r->in->cols[col].type == AD_NUMERIC)
		return mark_of_number(b->num[i * b->ncols + col]);
	s = ad_block_text(b, i, col, &len);
	return s == NULL ? M_MISSING : mark_of_text(s, len);
}

/* ---- groups ---- */

static void keys_free(struct keys *k)
{
	ad_free(k->pos);
	ad_free(k->neg);
	ad_free(k->pos_flag);
	ad_free(k->neg_flag);
	memset(k, 0, sizeof *k);
}

static void group_free(struct group *g)
{
	if (g == NULL)
		return;
	for (size_t m = 0; m < AD_EVAL_MODELS; m++)
		keys_free(&g->k[m]);
	ad_free(g->value);
}

/* Appends key (and flag, if with_flags) to k's positives or negatives. */
static int keys_push(struct keys *k, int pos, uint64_t key, int with_flags,
    unsigned char flag)
{
	uint64_t **a = pos ? &k->pos : &k->neg;
	unsigned char **f = pos ? &k->pos_flag : &k->neg_flag;
	size_t *n = pos ? &k->npos : &k->nneg;
	size_t *cap = pos ? &k->cap_pos : &k->cap_neg;
	size_t *capf = pos ? &k->capf_pos : &k->capf_neg;

	if (*n == *cap) {
		uint64_t *na = ad_grow(*a, cap, *n + 1, sizeof **a);
		if (na == NULL)
			return -1;
		*a = na;
	}
	if (with_flags && *n == *capf) {
		unsigned char *nf = ad_grow(*f, capf, *n + 1, 1);
		if (nf == NULL)
			return -1;
		*f = nf;
	}
	(*a)[*n] = key;
	if (with_flags)
		(*f)[*n] = flag;
	(*n)++;
	return 0;
}

/* Finds or adds the group of value s[0..len). */
static enum ad_status group_of(struct run *r, const char *s, size_t len,
    struct group **out, struct ad_error *err)
{
	struct group *g, **ng;
	size_t i;
	enum ad_status st;

	if (r->group_index == NULL &&
	    (st = ad_hashmap_new(&r->group_index, 0, err)) != AD_OK)
		return st;
	if ((i = ad_hashmap_find(r->group_index, s, len)) != SIZE_MAX) {
		*out = r->groups[i];
		return AD_OK;
	}
	if ((ng = ad_grow(r->groups, &r->capgroups, r->ngroups + 1,
	    sizeof *ng)) == NULL)
		return ad_error_nomem(err);
	r->groups = ng;
	if ((g = ad_calloc(1, sizeof *g)) == NULL ||
	    (g->value = ad_malloc(len + 1)) == NULL) {
		ad_free(g);
		return ad_error_nomem(err);
	}
	memcpy(g->value, s, len);
	g->value[len] = '\0';
	g->len = len;
	/* the map's index of a new key is ngroups, the group's place */
	if ((st = ad_hashmap_add(r->group_index, s, len, &i, NULL, err)) !=
	    AD_OK) {
		group_free(g);
		ad_free(g);
		return st;
	}
	r->groups[r->ngroups++] = g;
	*out = g;
	return AD_OK;
}

/* The --by group of row i, or NULL when its cell is missing. */
static enum ad_status row_group(struct run *r, const struct ad_block *b,
    size_t i, struct group **g, struct ad_error *err)
{
	size_t col = r->col[C_BY], len;
	const char *s;

	*g = NULL;
	if (r->in->cols[col].type == AD_NUMERIC) {
		double v = b->num[i * b->ncols + col];
		if (isnan(v))
			return AD_OK;
		s = r->by_num;
		len = ad_num_format(v == 0 ? 0 : v, r->by_num);
	} else if ((s = ad_block_text(b, i, col, &len)) == NULL || len == 0) {
		return AD_OK;
	}
	return group_of(r, s, len, g, err);
}

/* ---- reading ---- */

/* One row's cells, as read. */
struct row {
	enum mark label, pred;
	double score[AD_EVAL_MODELS];  /* of each model */
	int missing_score, missing_compare;
};

static void count_row(struct run *r, struct group *g, const struct row *w)
{
	uint64_t miss[CELLS] = { 0 };

	miss[C_LABEL] = w->label == M_MISSING;
	miss[C_SCORE] = w->missing_score;
	miss[C_COMPARE] = w->missing_compare;
	miss[C_PRED] = r->decision == D_PRED && w->pred == M_MISSING;
	for (int c = 0; c < CELLS; c++) {
		r->all.missing[c] += miss[c];
		if (g != NULL)
			g->missing[c] += miss[c];
	}
}

static void count_pred(struct ad_confusion *c, enum mark label,
    enum mark pred)
{
	if (label == M_POS)
		*(pred == M_POS ? &c->tp : &c->fn) += 1;
	else
		*(pred == M_POS ? &c->fp : &c->tn) += 1;
}

static enum ad_status add_row(struct run *r, struct group *g,
    const struct row *w, struct ad_error *err)
{
	int pos = w->label == M_POS;
	int flags = g == &r->all && r->with_flags;

	g->used++;
	g->npos += (uint64_t)pos;
	g->nneg += (uint64_t)!pos;
	if (r->decision == D_PRED)
		count_pred(&g->pred, w->label, w->pred);
	for (size_t m = 0; m < r->nmodels; m++)
		if (keys_push(&g->k[m], pos, ad_metrics_key(w->score[m]),
		    m == 0 && flags, w->pred == M_POS) != 0)
			return ad_error_nomem(err);
	return AD_OK;
}

static enum ad_status take_row(struct run *r, const struct ad_block *b,
    size_t i, struct ad_error *err)
{
	const double *num = b->num + i * b->ncols;
	struct group *g = NULL;
	struct row w;
	enum ad_status st;

	w.label = mark_at(r, b, i, C_LABEL);
	w.pred = r->decision == D_PRED ? mark_at(r, b, i, C_PRED) : M_NEG;
	if (w.label == M_BAD)
		return bad_mark(r, b, i, C_LABEL, err);
	if (w.pred == M_BAD)
		return bad_mark(r, b, i, C_PRED, err);
	if (r->rows != NULL && (st = keep_row(r, b, i, w.label, w.pred, err)) !=
	    AD_OK)
		return st;
	w.missing_score = w.missing_compare = 0;
	for (size_t m = 0; m < r->nmodels; m++) {
		w.score[m] = num[r->mcol[m]];
		*(m ? &w.missing_compare : &w.missing_score) |= isnan(w.score[m]);
	}
	if (r->name[C_BY] != NULL) {
		if ((st = row_group(r, b, i, &g, err)) != AD_OK)
			return st;
		r->res->missing_by += g == NULL;
	}
	count_row(r, g, &w);
	if (w.label == M_MISSING || w.missing_score || w.missing_compare ||
	    w.pred == M_MISSING)
		return AD_OK;
	if ((st = add_row(r, &r->all, &w, err)) != AD_OK)
		return st;
	return g != NULL ? add_row(r, g, &w, err) : AD_OK;
}

static enum ad_status read_rows(struct run *r, struct ad_error *err)
{
	struct ad_block *b;
	enum ad_status st;

	while ((st = ad_reader_next(r->rd, &b, err)) == AD_OK && b->nrows > 0)
		for (size_t i = 0; i < b->nrows; i++)
			if ((st = take_row(r, b, i, err)) != AD_OK)
				return st;
	/* as ad-clean counts them: every data record, rejected ones too */
	r->res->rows_rejected = ad_reader_rejected(r->rd);
	r->res->rows_read = ad_reader_rows(r->rd) + r->res->rows_rejected;
	r->res->rows_used = r->all.used;
	r->res->missing_label = r->all.missing[C_LABEL];
	r->res->missing_score = r->all.missing[C_SCORE];
	r->res->missing_compare = r->all.missing[C_COMPARE];
	r->res->missing_pred = r->all.missing[C_PRED];
	return st;
}

/* ---- decisions ---- */

static struct ad_ranked ranked(const struct keys *k)
{
	struct ad_ranked x = { k->pos, k->npos, k->neg, k->nneg };

	return x;
}

static enum ad_status sort_keys(struct keys *k, struct ad_error *err)
{
	enum ad_status st;

	if (k->sorted)
		return AD_OK;
	if ((st = ad_metrics_sort(k->pos, k->npos, err)) != AD_OK ||
	    (st = ad_metrics_sort(k->neg, k->nneg, err)) != AD_OK)
		return st;
	k->sorted = 1;
	return AD_OK;
}

/* The k-th highest key of k (1 <= n <= rows); unsorted keys are left in
 * their order, which --compare needs, and a sorted copy is used. */
static enum ad_status kth_key(struct keys *k, uint64_t n, uint64_t *out,
    struct ad_error *err)
{
	struct ad_ranked x = ranked(k);
	size_t rows = k->npos + k->nneg;
	uint64_t *all;
	enum ad_status st;

	if (k->sorted) {
		*out = ad_metrics_kth_highest(&x, n);
		return AD_OK;
	}
	if ((all = ad_calloc(rows, sizeof *all)) == NULL)
		return ad_error_nomem(err);
	memcpy(all, k->pos, k->npos * sizeof *all);
	memcpy(all + k->npos, k->neg, k->nneg * sizeof *all);
	if ((st = ad_metrics_sort(all, rows, err)) == AD_OK)
		*out = all[rows - n];
	ad_free(all);
	return st;
}

/* How many rows the top-k or contamination decision flags: k at most the
 * rows, or the fraction of them rounded to the nearest (at least one). */
static uint64_t rows_to_flag(const struct run *r)
{
	uint64_t n = r->all.used, k;

	if (r->decision == D_TOP_K)
		return r->o->top_k < n ? r->o->top_k : n;
	k = (uint64_t)floor(r->o->contamination * (double)n + 0.5);
	if (k == 0)
		k = 1;
	return k < n ? k : n;
}

/* The totals' thresholds; every group uses them. */
static enum ad_status thresholds(struct run *r, struct ad_error *err)
{
	uint64_t k = 0;
	enum ad_status st;

	size_t first = 0;

	for (size_t m = 0; m < AD_EVAL_MODELS; m++)
		r->tkey[m] = FLAG_NONE;
	switch (r->decision) {
	case D_NONE:
		return AD_OK;
	case D_THRESHOLD:
		for (size_t m = 0; m < r->nmodels; m++)
			r->tkey[m] = ad_metrics_key(r->o->threshold);
		return AD_OK;
	case D_PRED:
		/* each challenger flags as many rows as the column does */
		k = r->all.pred.tp + r->all.pred.fp;
		first = 1;
		break;
	case D_TOP_K:
	case D_CONTAMINATION:
		r->k = k = rows_to_flag(r);
		break;
	}
	for (size_t m = first; m < r->nmodels && k > 0; m++)
		if ((st = kth_key(&r->all.k[m], k, &r->tkey[m], err)) != AD_OK)
			return st;
	return AD_OK;
}

/* Fills in the totals' decisions per row for the bootstrap of challenger
 * m: bit 0 the --score column's (kept: a prediction column's), bit 1 m's. */
static void set_flags(struct run *r, size_t m)
{
	struct keys *a = &r->all.k[0], *b = &r->all.k[m];
	int by_threshold = r->decision != D_PRED;

	for (size_t i = 0; i < a->npos; i++)
		a->pos_flag[i] = (unsigned char)((by_threshold ?
		    a->pos[i] >= r->tkey[0] : a->pos_flag[i] & 1) |
		    (b->pos[i] >= r->tkey[m]) << 1);
	for (size_t j = 0; j < a->nneg; j++)
		a->neg_flag[j] = (unsigned char)((by_threshold ?
		    a->neg[j] >= r->tkey[0] : a->neg_flag[j] & 1) |
		    (b->neg[j] >= r->tkey[m]) << 1);
}

/* The --score column and challenger m, row by row. */
static struct ad_paired paired_of(const struct group *g, size_t m, int flags)
{
	struct ad_paired p = {
		g->k[0].pos, g->k[m].pos, flags ? g->k[0].pos_flag : NULL,
		g->k[0].npos,
		g->k[0].neg, g->k[m].neg, flags ? g->k[0].neg_flag : NULL,
		g->k[0].nneg
	};

	return p;
}

/* ---- curves ---- */

static void points_free(struct points *p)
{
	ad_free(p->x);
	ad_free(p->y);
	ad_free(p->t);
}

static int points_append(struct points *p, double x, double y, double t)
{
	if (p->n == p->cap) {
		double **arrays[] = { &p->x, &p->y, &p->t };
		size_t cap = p->cap;

		/* the three grow alike; one that grew before a failure is
		 * merely larger than cap says */
		for (size_t i = 0; i < 3; i++) {
			double *na;
			cap = p->cap;
			if ((na = ad_grow(*arrays[i], &cap, p->n + 1, sizeof *na)) ==
			    NULL)
				return -1;
			*arrays[i] = na;
		}
		p->cap = cap;
	}
	p->x[p->n] = x;
	p->y[p->n] = y;
	p->t[p->n] = t;
	p->n++;
	p->pending = 0;
	return 0;
}

/* Keeps (x, y) if it is at least STEP from the last point kept. */
static int points_add(struct points *p, double x, double y, double t)
{
	if (p->n > 0 && fabs(x - p->x[p->n - 1]) < STEP &&
	    fabs(y - p->y[p->n - 1]) < STEP) {
		p->lx = x;
		p->ly = y;
		p->lt = t;
		p->pending = 1;
		return 0;
	}
	return points_append(p, x, y, t);
}

/* Ends a curve at its true last point. */
static int points_end(struct points *p)
{
	return p->pending ? points_append(p, p->lx, p->ly, p->lt) : 0;
}

struct curve_ctx {
	struct run *r;
	size_t model;
	uint64_t npos, nneg;
};

static enum ad_status on_point(void *ctx, double t, uint64_t tp, uint64_t fp,
    struct ad_error *err)
{
	struct curve_ctx *c = ctx;
	struct run *r = c->r;
	enum ad_status st;

	if (r->curves != NULL && (st = ad_eval_report_curves_row(r->curves,
	    r->model[c->model], t, tp, fp, c->npos, c->nneg,
	    err)) != AD_OK)
		return st;
	if (r->plot == NULL && r->kfp_ui == NULL)
		return AD_OK;
	if (c->npos > 0 && c->nneg > 0 && points_add(&r->roc[c->model],
	    ad_eval_report_rate(fp, c->nneg), ad_eval_report_rate(tp, c->npos), t) != 0)
		return ad_error_nomem(err);
	if (c->npos > 0 && tp + fp > 0 && points_add(&r->pr[c->model],
	    ad_eval_report_rate(tp, c->npos), ad_eval_report_rate(tp, tp + fp), t) != 0)
		return ad_error_nomem(err);
	return AD_OK;
}

/* ---- metrics ---- */

static void decide(struct run *r, struct group *g, size_t m)
{
	struct ad_eval_model *md = &g->m[m];
	struct ad_ranked x = ranked(&g->k[m]);

	md->threshold = NAN;
	md->decided = r->decision != D_NONE;
	if (r->decision == D_PRED && m == 0)
		md->conf = g->pred;
	else if (md->decided)
		ad_metrics_confusion_at(&x, r->tkey[m], &md->conf);
	if (md->decided && r->decision != D_PRED && r->tkey[m] != FLAG_NONE)
		md->threshold = ad_metrics_unkey(r->tkey[m]);
	if (r->decision == D_PRED && m > 0 && r->tkey[m] != FLAG_NONE)
		md->threshold = ad_metrics_unkey(r->tkey[m]);
	ad_metrics_of_confusion(&md->conf, &md->dm);
}

static enum ad_status evaluate(struct run *r, struct group *g, size_t m,
    struct ad_error *err)
{
	struct curve_ctx c = { r, m, g->k[m].npos, g->k[m].nneg };
	struct ad_ranked x;
	int draw = g == &r->all && (r->curves || r->plot || r->kfp_ui);
	enum ad_status st;

	if ((st = sort_keys(&g->k[m], err)) != AD_OK)
		return st;
	x = ranked(&g->k[m]);
	decide(r, g, m);
	if (draw && (st = on_point(&c, INFINITY, 0, 0, err)) != AD_OK)
		return st;
	st = ad_metrics_rank(&x, &g->m[m].rm, draw ? on_point : NULL, &c, err);
	if (st == AD_OK && draw && (points_end(&r->roc[m]) != 0 ||
	    points_end(&r->pr[m]) != 0))
		st = ad_error_nomem(err);
	return st;
}

static enum ad_status compute_group(struct run *r, struct group *g,
    struct ad_error *err)
{
	struct ad_paired p;
	enum ad_status st;

	for (size_t m = 1; m < r->nmodels; m++) {
		p = paired_of(g, m, 0);
		if ((st = ad_metrics_delong(&p, &g->delong[m], err)) != AD_OK)
			return st;
		if (g != &r->all)
			continue;
		if (r->with_flags)
			set_flags(r, m);
		p = paired_of(g, m, r->with_flags);
		st = ad_metrics_bootstrap(&p, r->o->bootstrap, r->o->seed, 0.95,
		    &r->boot[m], err);
		if (st != AD_OK)
			return st;
	}
	for (size_t m = 0; m < r->nmodels; m++)
		if ((st = evaluate(r, g, m, err)) != AD_OK)
			return st;
	return AD_OK;
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = *(struct group *const *)a;
	const struct group *y = *(struct group *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->value, y->value, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static enum ad_status compute(struct run *r, struct ad_error *err)
{
	enum ad_status st;

	if (!r->paired && (st = sort_keys(&r->all.k[0], err)) != AD_OK)
		return st;
	if ((st = thresholds(r, err)) != AD_OK)
		return st;
	if (r->curves != NULL && (st = ad_eval_report_curves_head(r->curves, err)) !=
	    AD_OK)
		return st;
	if ((st = compute_group(r, &r->all, err)) != AD_OK)
		return st;
	/* the totals' keys are no longer needed: make room for the groups' */
	for (size_t m = 0; m < r->nmodels; m++)
		keys_free(&r->all.k[m]);
	if (r->ngroups > 0)
		qsort(r->groups, r->ngroups, sizeof *r->groups, cmp_group);
	for (size_t i = 0; i < r->ngroups; i++) {
		st = compute_group(r, r->groups[i], err);
		for (size_t m = 0; m < r->nmodels; m++)
			keys_free(&r->groups[i]->k[m]);
		if (st != AD_OK)
			return st;
	}
	return AD_OK;
}

/* ---- the run ---- */

void ad_eval_defaults(struct ad_eval_opts *o)
{
	memset(o, 0, sizeof *o);
	o->label = "label";
	o->score = "score";
	o->bootstrap = 1000;
	o->seed = AD_SEED_DEFAULT;
	for (int g = 0; g < AD_GATES; g++)
		o->min[g] = NAN;
}

static enum ad_status check_options(const struct ad_eval_opts *o,
    struct ad_error *err)
{
	const char *clash = NULL;

	for (size_t j = 0; j < o->compare.n; j++) {
		if (strcmp(o->compare.v[j], o->score) == 0)
			return ad_error_set(err, AD_EUSAGE, "--compare names the "
			    "--score column \"%s\"", o->score);
		for (size_t i = 0; i < j; i++)
			if (strcmp(o->compare.v[i], o->compare.v[j]) == 0)
				return ad_error_set(err, AD_EUSAGE, "--compare names "
				    "\"%s\" twice", o->compare.v[j]);
	}
	if (o->name.n > 1 + o->compare.n)
		return ad_error_set(err, AD_EUSAGE, "%zu --name for %zu score "
		    "column%s (--score and each --compare)", o->name.n,
		    1 + o->compare.n, o->compare.n ? "s" : "");
	if (is_score_column(o, o->label))
		clash = "--label";
	else if (o->pred != NULL && is_score_column(o, o->pred))
		clash = "--pred";
	if (clash != NULL)
		return ad_error_set(err, AD_EUSAGE, "%s names a score column",
		    clash);
	if (o->pred != NULL && o->decide != AD_DECIDE_AUTO)
		return ad_error_set(err, AD_EUSAGE, "--pred cannot be combined "
		    "with --threshold, --top-k or --contamination");
	if (o->plot_series_path == NULL && (o->plot_time != NULL ||
	    o->plot_values.n > 0))
		return ad_error_set(err, AD_EUSAGE, "%s needs --plot-series, the "
		    "SVG file to draw in", o->plot_time != NULL ? "--plot-time" :
		    "--plot-values");
	return AD_OK;
}

/* Opens every output before the first row is read, so a bad path fails
 * early; they are committed in this order, the report last. */
static enum ad_status open_outputs(struct run *r, struct ad_error *err)
{
	const struct ad_eval_opts *o = r->o;
	const struct ad_outset_entry e[] = {
		{ &r->curves, o->curves_path }, { &r->plot, o->plot_path },
		{ &r->kfp_metrics, o->kfp_metrics_path },
		{ &r->kfp_ui, o->kfp_ui_path }, { &r->prom, o->prom_path },
		{ &r->series, o->plot_series_path },
		{ &r->out, o->output ? o->output : "-" },
	};

	return ad_outset_open(&r->outset, e, sizeof e / sizeof e[0], err);
}


/* ---- the report ---- */

static void report_group(const struct group *g, struct ad_eval_group *out)
{
	out->value = g->value;
	out->len = g->len;
	memcpy(out->missing, g->missing, sizeof out->missing);
	out->used = g->used;
	out->npos = g->npos;
	out->nneg = g->nneg;
	memcpy(out->m, g->m, sizeof out->m);
	memcpy(out->delong, g->delong, sizeof out->delong);
}

static struct ad_eval_curve curve_of(const struct points *p)
{
	struct ad_eval_curve c = { p->x, p->y, p->t, p->n };

	return c;
}

/* Fills rep with what the outputs show, but the groups. */
static void report_of(const struct run *r, struct ad_eval_report *rep)
{
	memset(rep, 0, sizeof *rep);
	rep->o = r->o;
	rep->res = r->res;
	rep->input = ad_reader_name(r->rd);
	memcpy(rep->name, r->name, sizeof rep->name);
	rep->decision = (enum ad_eval_decision)r->decision;
	rep->k = r->k;
	rep->paired = r->paired;
	rep->nmodels = r->nmodels;
	report_group(&r->all, &rep->all);
	memcpy(rep->boot, r->boot, sizeof rep->boot);
	for (size_t m = 0; m < r->nmodels; m++) {
		rep->column[m] = r->model[m];
		rep->label[m] = m < r->o->name.n ? r->o->name.v[m] : r->model[m];
		rep->roc[m] = curve_of(&r->roc[m]);
		rep->pr[m] = curve_of(&r->pr[m]);
	}
}

/* The groups of the report, in a new array (NULL when there are none). */
static enum ad_status report_groups(const struct run *r,
    struct ad_eval_group **groups, struct ad_error *err)
{
	*groups = NULL;
	if (r->ngroups == 0)
		return AD_OK;
	if ((*groups = ad_calloc(r->ngroups, sizeof **groups)) == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < r->ngroups; i++)
		report_group(r->groups[i], &(*groups)[i]);
	return AD_OK;
}

static enum ad_status check_gates(const struct run *r, struct ad_error *err)
{
	struct ad_eval_report rep;

	report_of(r, &rep);
	return ad_eval_report_check_gates(&rep, err);
}

/* The --plot-series SVG: flagged rows as the decision flags them. */
static enum ad_status write_series(const struct run *r,
    const struct ad_eval_report *rep, struct ad_error *err)
{
	struct ad_eval_series_look look;
	char title[1024];

	const char *along = r->o->plot_time ? r->o->plot_time : "row";

	snprintf(title, sizeof title, "%s along %s: %llu rows, %llu anomalous",
	    rep->label[0], along,
	    (unsigned long long)(r->all.npos + r->all.nneg),
	    (unsigned long long)r->all.npos);
	look.title = title;
	look.time = along;
	look.score = rep->label[0];
	look.values = r->o->plot_values.v;
	look.by_pred = r->decision == D_PRED;
	look.threshold = r->decision == D_PRED ? NAN : r->all.m[0].threshold;
	return ad_eval_series_write(r->rows, &look, r->series, err);
}

/* Writes and commits every output, the report last; on failure the rest
 * are dropped. */
static enum ad_status commit(struct run *r, struct ad_error *err)
{
	struct ad_eval_report rep;
	struct ad_eval_group *groups;
	enum ad_status st;

	report_of(r, &rep);
	st = report_groups(r, &groups, err);
	rep.groups = groups;
	rep.ngroups = r->ngroups;
	if (st == AD_OK && r->plot != NULL)
		st = ad_eval_report_plot(&rep, r->plot, err);
	if (st == AD_OK && r->series != NULL)
		st = write_series(r, &rep, err);
	if (st == AD_OK && r->kfp_metrics != NULL)
		st = ad_eval_report_kfp_metrics(&rep, r->kfp_metrics, err);
	if (st == AD_OK && r->kfp_ui != NULL)
		st = ad_eval_report_kfp_ui(&rep, r->kfp_ui, err);
	if (st == AD_OK && r->prom != NULL)
		st = ad_eval_report_prom(&rep, r->prom, err);
	if (st == AD_OK)
		st = ad_eval_report_write(&rep, r->out, err);
	ad_free(groups);
	return st != AD_OK ? st : ad_outset_commit(r->outset, err);
}

static void run_free(struct run *r)
{
	ad_outset_free(r->outset);
	ad_reader_free(r->rd);
	ad_schema_free(r->types);
	group_free(&r->all);
	for (size_t i = 0; i < r->ngroups; i++) {
		group_free(r->groups[i]);
		ad_free(r->groups[i]);
	}
	ad_free(r->groups);
	ad_hashmap_free(r->group_index);
	ad_eval_series_free(r->rows);
	for (size_t m = 0; m < AD_EVAL_MODELS; m++) {
		points_free(&r->roc[m]);
		points_free(&r->pr[m]);
	}
}

enum ad_status ad_eval_run(const struct ad_eval_opts *o,
    struct ad_eval_result *res, struct ad_error *err)
{
	struct run r;
	enum ad_status st;

	memset(&r, 0, sizeof r);
	memset(res, 0, sizeof *res);
	r.o = o;
	r.res = res;
	if ((st = check_options(o, err)) != AD_OK)
		return st;
	st = open_outputs(&r, err);
	if (st == AD_OK)
		st = open_input(&r, err);
	if (st == AD_OK)
		st = choose(&r, err);
	if (st == AD_OK)
		st = read_rows(&r, err);
	if (st == AD_OK)
		st = compute(&r, err);
	if (st == AD_OK)
		st = commit(&r, err);
	if (st == AD_OK)
		st = check_gates(&r, err);
	if (st != AD_OK)
		ad_reader_locate(r.rd, err);
	run_free(&r);
	return st;
}
