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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "eval.h"
#include "hashmap.h"
#include "io.h"
#include "json.h"
#include "metrics.h"
#include "outset.h"
#include "num.h"
#include "prom.h"
#include "svg.h"
#include "table.h"
#include "writer.h"

/* The input columns ad-eval reads. */
enum cell { C_LABEL, C_SCORE, C_COMPARE, C_PRED, C_BY, CELLS };

/* A label or a prediction. */
enum mark { M_NEG = 0, M_POS = 1, M_MISSING = 2, M_BAD = 3 };

/* What flags rows, once the input's columns are known. */
enum decision { D_NONE, D_PRED, D_THRESHOLD, D_TOP_K, D_CONTAMINATION };

/* Above every key: a threshold that flags nothing. */
#define FLAG_NONE UINT64_MAX

/* Curve points for drawing are kept this far apart (in x or in y), a third
 * of a pixel in the plot. */
#define STEP 0.001

static const char no_decision[] = "no decision: give --pred, --threshold, "
    "--top-k or --contamination";

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

/* The results of one score column for one group. */
struct model {
	int decided;                /* conf holds the decision's counts */
	struct ad_confusion conf;
	double threshold;           /* NaN: none (a column, or nothing flagged) */
	struct ad_decision_metrics dm;
	struct ad_rank_metrics rm;
};

struct group {
	char *value;                /* the --by value; NULL for all rows */
	size_t len;
	uint64_t missing[CELLS];    /* rows skipped for a missing cell */
	uint64_t used;              /* rows evaluated */
	uint64_t npos, nneg;        /* of them, labelled anomalous and normal */
	struct keys k[2];           /* [0]: --score, [1]: --compare */
	struct ad_confusion pred;   /* the prediction column against labels */
	struct model m[2];
	struct ad_delong delong;
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
	enum decision decision;
	uint64_t k;                  /* top-k or contamination: rows flagged */
	uint64_t tkey[2];            /* the thresholds' keys (FLAG_NONE) */
	int paired;                  /* --compare */
	int with_flags;              /* keep decisions per row for the bootstrap */
	struct group all;
	struct group **groups;
	size_t ngroups, capgroups;
	struct ad_hashmap *group_index; /* --by value -> its index in groups,
	                                   until the groups are sorted */
	struct ad_bootstrap boot;
	struct ad_outset *outset;    /* the outputs below */
	struct ad_out *out, *curves, *plot, *kfp_metrics, *kfp_ui, *prom;
	struct points roc[2], pr[2];
	char by_num[AD_NUM_MAXLEN];  /* a numeric --by value as text */
};

/* Whether column name is one of the score columns. */
static int is_score_column(const struct ad_eval_opts *o, const char *name)
{
	return strcmp(name, o->score) == 0 ||
	    (o->compare != NULL && strcmp(name, o->compare) == 0);
}

/* The types of a CSV input's columns: the score columns numeric, the
 * others text, whatever their values look like. */
static enum ad_status choose_types(struct run *r, struct ad_error *err)
{
	const struct ad_schema *names = ad_reader_schema(r->rd);
	enum ad_status st = ad_schema_new(&r->types, err);

	for (size_t c = 0; c < names->ncols && st == AD_OK; c++) {
		const char *n = names->cols[c].name;
		st = ad_schema_add(r->types, n, strlen(n),
		    is_score_column(r->o, n) ? AD_NUMERIC : AD_TEXT, err);
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
	if (r->col[c] == SIZE_MAX)
		return ad_error_at(err, AD_EDATA, ad_reader_name(r->rd), 0, 0,
		    "column \"%s\" is not in the input", name);
	if ((c == C_SCORE || c == C_COMPARE) &&
	    r->in->cols[r->col[c]].type != AD_NUMERIC)
		return ad_error_at(err, AD_EDATA, ad_reader_name(r->rd), 0,
		    r->col[c] + 1, "column \"%s\" holds text, not scores", name);
	return AD_OK;
}

static const char *const gate_option[AD_GATES] = {
	"--min-f1", "--min-auc", "--min-precision", "--min-recall"
};

/* Picks the columns and the decision, now that the header is known. */
static enum ad_status choose(struct run *r, struct ad_error *err)
{
	const struct ad_eval_opts *o = r->o;
	enum ad_status st;

	if ((st = find_column(r, C_LABEL, o->label, err)) != AD_OK ||
	    (st = find_column(r, C_SCORE, o->score, err)) != AD_OK)
		return st;
	if (o->compare != NULL &&
	    (st = find_column(r, C_COMPARE, o->compare, err)) != AD_OK)
		return st;
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
			    gate_option[g]);
	r->paired = o->compare != NULL;
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

/* Up to 40 bytes of s for a message, control bytes escaped. */
static void excerpt(char *buf, size_t cap, const char *s, size_t len)
{
	size_t n = len > 40 ? 40 : len, o = 0;

	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (len > n && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
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
		excerpt(ex, sizeof ex, s, len);
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
	keys_free(&g->k[0]);
	keys_free(&g->k[1]);
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
	double score, compare;
};

static void count_row(struct run *r, struct group *g, const struct row *w)
{
	uint64_t miss[CELLS] = { 0 };

	miss[C_LABEL] = w->label == M_MISSING;
	miss[C_SCORE] = isnan(w->score);
	miss[C_COMPARE] = r->paired && isnan(w->compare);
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
	uint64_t k0 = ad_metrics_key(w->score);
	uint64_t k1 = r->paired ? ad_metrics_key(w->compare) : 0;
	int flags = g == &r->all && r->with_flags;

	g->used++;
	g->npos += (uint64_t)pos;
	g->nneg += (uint64_t)!pos;
	if (r->decision == D_PRED)
		count_pred(&g->pred, w->label, w->pred);
	if (keys_push(&g->k[0], pos, k0, flags, w->pred == M_POS) != 0 ||
	    (r->paired && keys_push(&g->k[1], pos, k1, 0, 0) != 0))
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
	w.score = num[r->col[C_SCORE]];
	w.compare = r->paired ? num[r->col[C_COMPARE]] : 0;
	if (r->name[C_BY] != NULL) {
		if ((st = row_group(r, b, i, &g, err)) != AD_OK)
			return st;
		r->res->missing_by += g == NULL;
	}
	count_row(r, g, &w);
	if (w.label == M_MISSING || isnan(w.score) || isnan(w.compare) ||
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

	r->tkey[0] = r->tkey[1] = FLAG_NONE;
	switch (r->decision) {
	case D_NONE:
		return AD_OK;
	case D_THRESHOLD:
		r->tkey[0] = r->tkey[1] = ad_metrics_key(r->o->threshold);
		return AD_OK;
	case D_PRED:
		/* the challenger flags as many rows as the column does */
		k = r->all.pred.tp + r->all.pred.fp;
		if (r->paired && k > 0)
			return kth_key(&r->all.k[1], k, &r->tkey[1], err);
		return AD_OK;
	case D_TOP_K:
	case D_CONTAMINATION:
		r->k = k = rows_to_flag(r);
		break;
	}
	for (int m = 0; m < 1 + r->paired && k > 0; m++)
		if ((st = kth_key(&r->all.k[m], k, &r->tkey[m], err)) != AD_OK)
			return st;
	return AD_OK;
}

/* Fills in the totals' decisions per row for the bootstrap. */
static void set_flags(struct run *r)
{
	struct keys *a = &r->all.k[0], *b = &r->all.k[1];
	int by_threshold = r->decision != D_PRED;

	for (size_t i = 0; i < a->npos; i++)
		a->pos_flag[i] = (unsigned char)((by_threshold ?
		    a->pos[i] >= r->tkey[0] : a->pos_flag[i] & 1) |
		    (b->pos[i] >= r->tkey[1]) << 1);
	for (size_t j = 0; j < a->nneg; j++)
		a->neg_flag[j] = (unsigned char)((by_threshold ?
		    a->neg[j] >= r->tkey[0] : a->neg_flag[j] & 1) |
		    (b->neg[j] >= r->tkey[1]) << 1);
}

static struct ad_paired paired_of(const struct group *g, int flags)
{
	struct ad_paired p = {
		g->k[0].pos, g->k[1].pos, flags ? g->k[0].pos_flag : NULL,
		g->k[0].npos,
		g->k[0].neg, g->k[1].neg, flags ? g->k[0].neg_flag : NULL,
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
	int model;
	uint64_t npos, nneg;
};

static double rate(uint64_t num, uint64_t den)
{
	return den ? (double)num / (double)den : NAN;
}

static enum ad_status curve_field(struct ad_out *o, double v,
    struct ad_error *err)
{
	char buf[AD_NUM_MAXLEN + 1];
	size_t n = 1;

	buf[0] = ',';
	if (!isnan(v))
		n += ad_num_format(v, buf + 1);
	return ad_out_write(o, buf, n, err);
}

static enum ad_status curve_row(struct curve_ctx *c, double t, uint64_t tp,
    uint64_t fp, struct ad_error *err)
{
	struct ad_out *o = c->r->curves;
	const char *name = c->r->name[c->model ? C_COMPARE : C_SCORE];
	double v[] = { t, (double)tp, (double)fp, rate(fp, c->nneg),
	    rate(tp, c->npos), rate(tp, tp + fp), rate(tp, c->npos) };
	enum ad_status st;

	st = ad_csv_write_field(o, name, strlen(name), ',', err);
	for (size_t i = 0; i < sizeof v / sizeof v[0] && st == AD_OK; i++)
		st = curve_field(o, v[i], err);
	return st != AD_OK ? st : ad_out_write(o, "\n", 1, err);
}

static enum ad_status on_point(void *ctx, double t, uint64_t tp, uint64_t fp,
    struct ad_error *err)
{
	struct curve_ctx *c = ctx;
	struct run *r = c->r;
	enum ad_status st;

	if (r->curves != NULL && (st = curve_row(c, t, tp, fp, err)) != AD_OK)
		return st;
	if (r->plot == NULL && r->kfp_ui == NULL)
		return AD_OK;
	if (c->npos > 0 && c->nneg > 0 && points_add(&r->roc[c->model],
	    rate(fp, c->nneg), rate(tp, c->npos), t) != 0)
		return ad_error_nomem(err);
	if (c->npos > 0 && tp + fp > 0 && points_add(&r->pr[c->model],
	    rate(tp, c->npos), rate(tp, tp + fp), t) != 0)
		return ad_error_nomem(err);
	return AD_OK;
}

/* ---- metrics ---- */

static void decide(struct run *r, struct group *g, int m)
{
	struct model *md = &g->m[m];
	struct ad_ranked x = ranked(&g->k[m]);

	md->threshold = NAN;
	md->decided = r->decision != D_NONE;
	if (r->decision == D_PRED && m == 0)
		md->conf = g->pred;
	else if (md->decided)
		ad_metrics_confusion_at(&x, r->tkey[m], &md->conf);
	if (md->decided && r->decision != D_PRED && r->tkey[m] != FLAG_NONE)
		md->threshold = ad_metrics_unkey(r->tkey[m]);
	if (r->decision == D_PRED && m == 1 && r->tkey[1] != FLAG_NONE)
		md->threshold = ad_metrics_unkey(r->tkey[1]);
	ad_metrics_of_confusion(&md->conf, &md->dm);
}

static enum ad_status evaluate(struct run *r, struct group *g, int m,
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

	if (r->paired) {
		p = paired_of(g, 0);
		if ((st = ad_metrics_delong(&p, &g->delong, err)) != AD_OK)
			return st;
	}
	if (g == &r->all && r->paired) {
		if (r->with_flags)
			set_flags(r);
		p = paired_of(g, r->with_flags);
		st = ad_metrics_bootstrap(&p, r->o->bootstrap, r->o->seed, 0.95,
		    &r->boot, err);
		if (st != AD_OK)
			return st;
	}
	for (int m = 0; m < 1 + r->paired; m++)
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
	if (r->curves != NULL && (st = ad_json_raw(r->curves, "score,threshold,"
	    "tp,fp,fpr,tpr,precision,recall\n", err)) != AD_OK)
		return st;
	if ((st = compute_group(r, &r->all, err)) != AD_OK)
		return st;
	/* the totals' keys are no longer needed: make room for the groups' */
	keys_free(&r->all.k[0]);
	keys_free(&r->all.k[1]);
	if (r->ngroups > 0)
		qsort(r->groups, r->ngroups, sizeof *r->groups, cmp_group);
	for (size_t i = 0; i < r->ngroups; i++) {
		st = compute_group(r, r->groups[i], err);
		keys_free(&r->groups[i]->k[0]);
		keys_free(&r->groups[i]->k[1]);
		if (st != AD_OK)
			return st;
	}
	return AD_OK;
}

/* ---- the report's items ---- */

/* One reported value. */
struct item {
	const char *key;
	struct ad_value v;   /* NaN without why: null, and no reason given */
	int count;           /* a whole number */
};

struct items {
	struct item a[48];
	size_t n;
};

static struct ad_value value(double v)
{
	struct ad_value x = { v, NULL };

	return x;
}

static void put(struct items *it, const char *key, struct ad_value v,
    int count)
{
	struct item *x;

	if (it->n == sizeof it->a / sizeof it->a[0])
		return;     /* cannot happen: the lists are fixed and shorter */
	x = &it->a[it->n++];

	x->key = key;
	x->v = v;
	x->count = count;
}

static void put_count(struct items *it, const char *key, uint64_t n)
{
	put(it, key, value((double)n), 1);
}

static struct ad_value undecided(void)
{
	struct ad_value x = { NAN, no_decision };

	return x;
}

static void model_items(const struct model *m, struct items *it)
{
	const struct ad_confusion *c = &m->conf;
	const struct ad_decision_metrics *d = &m->dm;
	const struct ad_rank_metrics *k = &m->rm;
	struct ad_value u = undecided();

	put(it, "threshold", value(m->threshold), 0);
	put(it, "tp", m->decided ? value((double)c->tp) : u, 1);
	put(it, "fp", m->decided ? value((double)c->fp) : u, 1);
	put(it, "tn", m->decided ? value((double)c->tn) : u, 1);
	put(it, "fn", m->decided ? value((double)c->fn) : u, 1);
	put(it, "precision", m->decided ? d->precision : u, 0);
	put(it, "recall", m->decided ? d->recall : u, 0);
	put(it, "f1", m->decided ? d->f1 : u, 0);
	put(it, "accuracy", m->decided ? d->accuracy : u, 0);
	put(it, "specificity", m->decided ? d->specificity : u, 0);
	put(it, "mcc", m->decided ? d->mcc : u, 0);
	put(it, "roc_auc", k->roc_auc, 0);
	put(it, "pr_auc", k->pr_auc, 0);
	put(it, "precision_at_k", k->precision_at_k, 0);
	put(it, "best_f1", k->best_f1, 0);
	put(it, "best_f1_threshold", k->best_f1_threshold, 0);
}

static void group_items(const struct run *r, const struct group *g,
    struct items *it)
{
	put_count(it, "rows_missing_label", g->missing[C_LABEL]);
	put_count(it, "rows_missing_score", g->missing[C_SCORE]);
	if (r->paired)
		put_count(it, "rows_missing_compare", g->missing[C_COMPARE]);
	if (r->decision == D_PRED)
		put_count(it, "rows_missing_pred", g->missing[C_PRED]);
	put_count(it, "rows_used", g->used);
	put_count(it, "positives", g->npos);
	put_count(it, "negatives", g->nneg);
	model_items(&g->m[0], it);
}

/* b - a, undefined when either is. */
static struct ad_value diff(struct ad_value a, struct ad_value b)
{
	if (a.why != NULL)
		return a;
	if (b.why != NULL)
		return b;
	return value(b.v - a.v);
}

static void compare_items(const struct run *r, const struct group *g,
    struct items *it)
{
	const struct model *a = &g->m[0], *b = &g->m[1];
	struct ad_value u = undecided();

	model_items(b, it);
	put(it, "roc_auc_diff", diff(a->rm.roc_auc, b->rm.roc_auc), 0);
	put(it, "pr_auc_diff", diff(a->rm.pr_auc, b->rm.pr_auc), 0);
	put(it, "f1_diff", a->decided ? diff(a->dm.f1, b->dm.f1) : u, 0);
	put(it, "delong_se", g->delong.se, 0);
	put(it, "delong_z", g->delong.z, 0);
	put(it, "delong_p_value", g->delong.p, 0);
	if (g != &r->all)
		return;
	put_count(it, "bootstrap_resamples", r->boot.resamples);
	put_count(it, "bootstrap_seed", r->boot.seed);
	put(it, "bootstrap_level", value(r->boot.level), 0);
	put(it, "f1_diff_low", r->boot.f1_low, 0);
	put(it, "f1_diff_high", r->boot.f1_high, 0);
	put(it, "pr_auc_diff_low", r->boot.ap_low, 0);
	put(it, "pr_auc_diff_high", r->boot.ap_high, 0);
}

static const struct item *find_item(const struct items *it, const char *key)
{
	for (size_t i = 0; i < it->n; i++)
		if (strcmp(it->a[i].key, key) == 0)
			return &it->a[i];
	return NULL;
}

/* ---- gates ---- */

static const char *const gate_metric[AD_GATES] = {
	"f1", "roc_auc", "precision", "recall"
};

static const char *const gate_name[AD_GATES] = {
	"min_f1", "min_auc", "min_precision", "min_recall"
};

static struct ad_value gate_value(const struct run *r, int g)
{
	struct items it = { .n = 0 };

	model_items(&r->all.m[0], &it);
	return find_item(&it, gate_metric[g])->v;
}

static int gate_passed(const struct run *r, int g)
{
	struct ad_value v = gate_value(r, g);

	return v.why == NULL && !isnan(v.v) && v.v >= r->o->min[g];
}

/* Names every missed gate in err; returns AD_ECHECK if any was. */
static enum ad_status check_gates(const struct run *r, struct ad_error *err)
{
	char msg[sizeof err->msg] = "", num[AD_NUM_MAXLEN], min[AD_NUM_MAXLEN];
	size_t len = 0;
	int missed = 0;

	for (int g = 0; g < AD_GATES; g++) {
		struct ad_value v = gate_value(r, g);
		int n;

		if (isnan(r->o->min[g]) || gate_passed(r, g))
			continue;
		ad_num_format(r->o->min[g], min);
		if (v.why != NULL) {
			n = snprintf(msg + len, sizeof msg - len, "%s%s is undefined "
			    "(%s), %s %s", missed ? "; " : "", gate_metric[g], v.why,
			    gate_option[g], min);
		} else {
			ad_num_format(v.v, num);
			n = snprintf(msg + len, sizeof msg - len, "%s%s %s is below "
			    "%s %s", missed ? "; " : "", gate_metric[g], num,
			    gate_option[g], min);
		}
		len += (size_t)n;
		if (len >= sizeof msg)
			len = sizeof msg - 1;
		missed++;
	}
	if (!missed)
		return AD_OK;
	return ad_error_set(err, AD_ECHECK, "quality gate%s missed: %s",
	    missed > 1 ? "s" : "", msg);
}

/* ---- JSON ---- */

struct jw {
	struct ad_out *o;
	struct ad_error *err;
	enum ad_status st;
};

static void jraw(struct jw *w, const char *s)
{
	if (w->st == AD_OK)
		w->st = ad_json_raw(w->o, s, w->err);
}

static void jstr(struct jw *w, const char *s)
{
	if (w->st == AD_OK)
		w->st = s ? ad_json_string(w->o, s, strlen(s), w->err) :
		    ad_json_raw(w->o, "null", w->err);
}

static void jnum(struct jw *w, double v)
{
	if (w->st == AD_OK)
		w->st = ad_json_number(w->o, v, w->err);
}

/* ",\n<indent>"key": " */
static void jkey(struct jw *w, const char *indent, const char *key)
{
	jraw(w, ",\n");
	jraw(w, indent);
	jstr(w, key);
	jraw(w, ": ");
}

static void json_items(struct jw *w, const struct items *it,
    const char *indent)
{
	int first = 1;

	for (size_t i = 0; i < it->n; i++) {
		jkey(w, indent, it->a[i].key);
		jnum(w, it->a[i].v.v);
	}
	jkey(w, indent, "undefined");
	jraw(w, "{");
	for (size_t i = 0; i < it->n; i++) {
		if (it->a[i].v.why == NULL)
			continue;
		jraw(w, first ? "" : ", ");
		jstr(w, it->a[i].key);
		jraw(w, ": ");
		jstr(w, it->a[i].v.why);
		first = 0;
	}
	jraw(w, "}");
}

static void json_compare(struct jw *w, const struct run *r,
    const struct group *g, const char *indent, const char *inner)
{
	struct items it = { .n = 0 };

	compare_items(r, g, &it);
	jkey(w, indent, "compare");
	jraw(w, "{\n");
	jraw(w, inner);
	jraw(w, "\"score\": ");
	jstr(w, r->name[C_COMPARE]);
	json_items(w, &it, inner);
	jraw(w, "\n");
	jraw(w, indent);
	jraw(w, "}");
}

static const char *decision_name(enum decision d)
{
	static const char *const names[] = {
		"none", "pred", "threshold", "top_k", "contamination"
	};

	return names[d];
}

static void json_head(struct jw *w, const struct run *r)
{
	const char *in = ad_reader_name(r->rd);

	jraw(w, "{\n  \"input\": ");
	jstr(w, in);
	jkey(w, "  ", "label");
	jstr(w, r->name[C_LABEL]);
	jkey(w, "  ", "score");
	jstr(w, r->name[C_SCORE]);
	jkey(w, "  ", "decision");
	jstr(w, decision_name(r->decision));
	jkey(w, "  ", "decision_column");
	jstr(w, r->name[C_PRED]);
	jkey(w, "  ", "top_k");
	jnum(w, r->decision == D_TOP_K || r->decision == D_CONTAMINATION ?
	    (double)r->k : NAN);
	jkey(w, "  ", "contamination");
	jnum(w, r->decision == D_CONTAMINATION ? r->o->contamination : NAN);
	jkey(w, "  ", "rows_read");
	jnum(w, (double)r->res->rows_read);
	jkey(w, "  ", "rows_rejected");
	jnum(w, (double)r->res->rows_rejected);
}

static void json_gates(struct jw *w, const struct run *r)
{
	int first = 1;

	jkey(w, "  ", "gates");
	jraw(w, "[");
	for (int g = 0; g < AD_GATES; g++) {
		struct ad_value v = gate_value(r, g);

		if (isnan(r->o->min[g]))
			continue;
		jraw(w, first ? "\n    {\"gate\": " : ",\n    {\"gate\": ");
		jstr(w, gate_name[g]);
		jraw(w, ", \"metric\": ");
		jstr(w, gate_metric[g]);
		jraw(w, ", \"min\": ");
		jnum(w, r->o->min[g]);
		jraw(w, ", \"value\": ");
		jnum(w, v.v);
		jraw(w, gate_passed(r, g) ? ", \"passed\": true}" :
		    ", \"passed\": false}");
		first = 0;
	}
	jraw(w, first ? "]" : "\n  ]");
}

static void json_groups(struct jw *w, const struct run *r)
{
	jkey(w, "  ", "by");
	jstr(w, r->name[C_BY]);
	jkey(w, "  ", "rows_missing_by");
	jnum(w, (double)r->res->missing_by);
	jkey(w, "  ", "groups");
	jraw(w, "[");
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct group *g = r->groups[i];
		struct items it = { .n = 0 };

		group_items(r, g, &it);
		jraw(w, i ? ",\n    {\n      \"value\": " :
		    "\n    {\n      \"value\": ");
		jstr(w, g->value);
		json_items(w, &it, "      ");
		if (r->paired)
			json_compare(w, r, g, "      ", "        ");
		jraw(w, "\n    }");
	}
	jraw(w, r->ngroups ? "\n  ]" : "]");
}

static enum ad_status write_json(struct run *r, struct ad_error *err)
{
	struct jw w = { r->out, err, AD_OK };
	struct items it = { .n = 0 };

	json_head(&w, r);
	group_items(r, &r->all, &it);
	json_items(&w, &it, "  ");
	if (r->paired)
		json_compare(&w, r, &r->all, "  ", "    ");
	json_gates(&w, r);
	if (r->name[C_BY] != NULL)
		json_groups(&w, r);
	jraw(&w, "\n}\n");
	return w.st;
}

/* ---- CSV ---- */

static void csv_row(struct jw *w, const struct run *r, const char *group,
    const char *prefix, const struct item *x)
{
	char key[96];

	if (r->name[C_BY] != NULL && w->st == AD_OK) {
		if (group == NULL)
			group = "";     /* the totals */
		w->st = ad_csv_write_field(w->o, group, strlen(group), ',', w->err);
		jraw(w, ",");
	}
	snprintf(key, sizeof key, "%s%s", prefix, x->key);
	jraw(w, key);
	jraw(w, ",");
	if (!isnan(x->v.v))
		jnum(w, x->v.v);
	jraw(w, ",");
	if (x->v.why != NULL && w->st == AD_OK)
		w->st = ad_csv_write_field(w->o, x->v.why, strlen(x->v.why), ',',
		    w->err);
	jraw(w, "\n");
}

static void csv_group(struct jw *w, const struct run *r, const struct group *g)
{
	struct items it = { .n = 0 };

	if (g == &r->all) {
		struct item read = { "rows_read",
		    value((double)r->res->rows_read), 1 };
		struct item rej = { "rows_rejected",
		    value((double)r->res->rows_rejected), 1 };
		csv_row(w, r, NULL, "", &read);
		csv_row(w, r, NULL, "", &rej);
		if (r->name[C_BY] != NULL) {
			struct item mb = { "rows_missing_by",
			    value((double)r->res->missing_by), 1 };
			csv_row(w, r, NULL, "", &mb);
		}
	}
	group_items(r, g, &it);
	for (size_t i = 0; i < it.n; i++)
		csv_row(w, r, g->value, "", &it.a[i]);
	if (!r->paired)
		return;
	it.n = 0;
	compare_items(r, g, &it);
	for (size_t i = 0; i < it.n; i++)
		csv_row(w, r, g->value, "compare.", &it.a[i]);
}

static enum ad_status write_csv(struct run *r, struct ad_error *err)
{
	struct jw w = { r->out, err, AD_OK };

	jraw(&w, r->name[C_BY] != NULL ? "group,metric,value,note\n" :
	    "metric,value,note\n");
	csv_group(&w, r, &r->all);
	for (int g = 0; g < AD_GATES; g++) {
		struct item x = { gate_name[g], value(gate_passed(r, g)), 1 };
		char key[32];

		if (isnan(r->o->min[g]))
			continue;
		snprintf(key, sizeof key, "gate_%s_passed", gate_name[g]);
		x.key = key;
		csv_row(&w, r, NULL, "", &x);
	}
	for (size_t i = 0; i < r->ngroups; i++)
		csv_group(&w, r, r->groups[i]);
	return w.st;
}

/* ---- text ---- */

/* Writes printf-style text (short pieces). */
static void tprintf(struct jw *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tprintf(struct jw *w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	if (w->st == AD_OK)
		w->st = ad_out_write(w->o, buf, (size_t)n, w->err);
}

/* A value for people: counts whole, rates to 4 decimals, "-" if undefined. */
static void show(char *buf, size_t cap, const struct item *x, int sign)
{
	if (isnan(x->v.v))
		snprintf(buf, cap, "-");
	else if (x->count)
		snprintf(buf, cap, "%.0f", x->v.v);
	else if (strcmp(x->key, "threshold") == 0 ||
	    strcmp(x->key, "best_f1_threshold") == 0)
		snprintf(buf, cap, "%.6g", x->v.v);
	else
		snprintf(buf, cap, sign ? "%+.4f" : "%.4f", x->v.v);
}

static void text_decision(struct jw *w, const struct run *r)
{
	char t[64] = "";

	if (r->decision != D_PRED && r->decision != D_NONE &&
	    !isnan(r->all.m[0].threshold))
		snprintf(t, sizeof t, " (score >= %.6g)", r->all.m[0].threshold);
	switch (r->decision) {
	case D_NONE:
		tprintf(w, "decision   none (give --pred, --threshold, --top-k or "
		    "--contamination)\n");
		break;
	case D_PRED:
		tprintf(w, "decision   column \"%s\"\n", r->name[C_PRED]);
		break;
	case D_THRESHOLD:
		tprintf(w, "decision   score >= %.6g\n", r->o->threshold);
		break;
	case D_TOP_K:
		tprintf(w, "decision   the top %llu scores%s\n",
		    (unsigned long long)r->k, t);
		break;
	case D_CONTAMINATION:
		tprintf(w, "decision   the top %.6g%% (%llu rows)%s\n",
		    r->o->contamination * 100, (unsigned long long)r->k, t);
		break;
	}
}

static void text_head(struct jw *w, const struct run *r)
{
	const struct ad_eval_result *s = r->res;

	tprintf(w, "input      %s\n", ad_reader_name(r->rd));
	tprintf(w, "columns    label %s, score %s", r->name[C_LABEL],
	    r->name[C_SCORE]);
	if (r->paired)
		tprintf(w, ", compare %s", r->name[C_COMPARE]);
	tprintf(w, "\n");
	text_decision(w, r);
	tprintf(w, "rows       %llu read, %llu used, %llu rejected\n",
	    (unsigned long long)s->rows_read, (unsigned long long)s->rows_used,
	    (unsigned long long)s->rows_rejected);
	tprintf(w, "skipped    %llu missing label, %llu missing score",
	    (unsigned long long)s->missing_label,
	    (unsigned long long)s->missing_score);
	if (r->paired)
		tprintf(w, ", %llu missing compare",
		    (unsigned long long)s->missing_compare);
	if (r->decision == D_PRED)
		tprintf(w, ", %llu missing prediction",
		    (unsigned long long)s->missing_pred);
	tprintf(w, "\nlabels     %llu anomalous, %llu normal\n\n",
	    (unsigned long long)r->all.npos, (unsigned long long)r->all.nneg);
}

static void text_metrics(struct jw *w, const struct run *r)
{
	struct items a = { .n = 0 }, b = { .n = 0 };
	char va[64], vb[64], vd[64];
	int wa, wb;

	model_items(&r->all.m[0], &a);
	if (r->paired)
		compare_items(r, &r->all, &b);
	wa = (int)strlen(r->name[C_SCORE]) + 2;
	wa = wa < 12 ? 12 : wa;
	wb = r->paired ? (int)strlen(r->name[C_COMPARE]) + 2 : 0;
	wb = r->paired && wb < 12 ? 12 : wb;
	tprintf(w, "%-18s %-*s", "metric", wa, r->name[C_SCORE]);
	if (r->paired)
		tprintf(w, " %-*s difference", wb, r->name[C_COMPARE]);
	tprintf(w, "\n");
	for (size_t i = 0; i < a.n; i++) {
		const struct item *x = &a.a[i];
		show(va, sizeof va, x, 0);
		tprintf(w, "%-18s %-*s", x->key, wa, va);
		if (r->paired) {
			char key[48];
			const struct item *d;
			show(vb, sizeof vb, &b.a[i], 0);
			snprintf(key, sizeof key, "%s_diff", x->key);
			d = find_item(&b, key);
			if (d != NULL)
				show(vd, sizeof vd, d, 1);
			tprintf(w, " %-*s %s", wb, vb, d ? vd : "");
		}
		tprintf(w, "\n");
	}
}

static void text_compare(struct jw *w, const struct run *r)
{
	struct items b = { .n = 0 };
	static const char *const keys[] = { "delong_z", "delong_p_value" };
	char v1[64], v2[64];

	compare_items(r, &r->all, &b);
	for (size_t i = 0; i < 2; i++) {
		show(v1, sizeof v1, find_item(&b, keys[i]), 0);
		tprintf(w, "%-18s %s\n", keys[i], v1);
	}
	for (int k = 0; k < 2; k++) {
		const char *m = k ? "pr_auc" : "f1";
		char lo[48], hi[48];
		snprintf(lo, sizeof lo, "%s_diff_low", m);
		snprintf(hi, sizeof hi, "%s_diff_high", m);
		show(v1, sizeof v1, find_item(&b, lo), 1);
		show(v2, sizeof v2, find_item(&b, hi), 1);
		tprintf(w, "%-18s %s .. %s  (95%%, %llu resamples, seed %llu)\n",
		    k ? "pr_auc_diff CI" : "f1_diff CI", v1, v2,
		    (unsigned long long)r->boot.resamples,
		    (unsigned long long)r->boot.seed);
	}
}

static void text_undefined(struct jw *w, const struct run *r)
{
	struct items a = { .n = 0 }, b = { .n = 0 };
	const char *last = NULL;

	group_items(r, &r->all, &a);
	if (r->paired)
		compare_items(r, &r->all, &b);
	for (int k = 0; k < 2; k++) {
		const struct items *it = k ? &b : &a;
		for (size_t i = 0; i < it->n; i++) {
			const char *why = it->a[i].v.why;
			if (why == NULL)
				continue;
			if (last == NULL || strcmp(last, why) != 0)
				tprintf(w, "%s%s: %s", last ? "\n" : "\nundefined: ",
				    why, k ? "compare." : "");
			else
				tprintf(w, ", %s", k ? "compare." : "");
			tprintf(w, "%s", it->a[i].key);
			last = why;
		}
	}
	if (last != NULL)
		tprintf(w, "\n");
}

static void text_gates(struct jw *w, const struct run *r)
{
	int any = 0;

	for (int g = 0; g < AD_GATES; g++) {
		struct item x = { gate_metric[g], gate_value(r, g), 0 };
		char v[64];

		if (isnan(r->o->min[g]))
			continue;
		show(v, sizeof v, &x, 0);
		tprintf(w, "%s%-15s %-10.6g %-7s %s %s\n", any ? "" : "\ngates\n",
		    gate_option[g], r->o->min[g], gate_passed(r, g) ? "passed" :
		    "MISSED", gate_metric[g], v);
		any = 1;
	}
}

static void text_groups(struct jw *w, const struct run *r)
{
	static const char *const cols[] = {
		"precision", "recall", "f1", "roc_auc", "pr_auc"
	};
	int wk = (int)strlen(r->name[C_BY]);

	for (size_t i = 0; i < r->ngroups; i++)
		if ((int)r->groups[i]->len > wk)
			wk = (int)r->groups[i]->len;
	tprintf(w, "\n%-*s %10s %10s", wk, r->name[C_BY], "rows", "anomalous");
	for (size_t c = 0; c < 5; c++)
		tprintf(w, " %10s", cols[c]);
	tprintf(w, "\n");
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct group *g = r->groups[i];
		struct items it = { .n = 0 };
		char v[64];

		group_items(r, g, &it);
		tprintf(w, "%-*s %10llu %10llu", wk, g->value,
		    (unsigned long long)g->used,
		    (unsigned long long)g->npos);
		for (size_t c = 0; c < 5; c++) {
			show(v, sizeof v, find_item(&it, cols[c]), 0);
			tprintf(w, " %10s", v);
		}
		tprintf(w, "\n");
	}
	if (r->res->missing_by > 0)
		tprintf(w, "rows without a %s: %llu (in the totals only)\n",
		    r->name[C_BY], (unsigned long long)r->res->missing_by);
}

static enum ad_status write_text(struct run *r, struct ad_error *err)
{
	struct jw w = { r->out, err, AD_OK };

	text_head(&w, r);
	text_metrics(&w, r);
	if (r->paired)
		text_compare(&w, r);
	text_undefined(&w, r);
	text_gates(&w, r);
	if (r->name[C_BY] != NULL)
		text_groups(&w, r);
	return w.st;
}

/* ---- Kubeflow ---- */

static enum ad_status write_kfp_metrics(struct run *r, struct ad_error *err)
{
	static const char *const keys[] = {
		"roc_auc", "pr_auc", "f1", "precision", "recall", "accuracy",
		"specificity", "mcc", "precision_at_k", "best_f1"
	};
	static const char *const cmp_keys[] = {
		"roc_auc", "pr_auc", "f1", "roc_auc_diff", "pr_auc_diff",
		"f1_diff", "delong_p_value"
	};
	struct jw w = { r->kfp_metrics, err, AD_OK };
	struct items a = { .n = 0 }, b = { .n = 0 };
	int first = 1;

	model_items(&r->all.m[0], &a);
	if (r->paired)
		compare_items(r, &r->all, &b);
	jraw(&w, "{\"metrics\": [");
	for (int k = 0; k < 2; k++) {
		size_t n = k ? sizeof cmp_keys / sizeof *cmp_keys :
		    sizeof keys / sizeof *keys;
		for (size_t i = 0; i < n && (k == 0 || r->paired); i++) {
			const char *key = k ? cmp_keys[i] : keys[i];
			const struct item *x = find_item(k ? &b : &a, key);
			char name[64];
			size_t j;

			if (isnan(x->v.v))
				continue;   /* Kubeflow takes numbers only */
			j = (size_t)snprintf(name, sizeof name, "%s%s",
			    k && !strstr(key, "diff") && !strstr(key, "delong") ?
			    "compare-" : "", key);
			for (size_t c = 0; c < j; c++)
				if (name[c] == '_')
					name[c] = '-';
			jraw(&w, first ? "\n  {\"name\": " : ",\n  {\"name\": ");
			jstr(&w, name);
			jraw(&w, ", \"numberValue\": ");
			jnum(&w, x->v.v);
			jraw(&w, ", \"format\": \"RAW\"}");
			first = 0;
		}
	}
	jraw(&w, first ? "]}\n" : "\n]}\n");
	return w.st;
}

static void kfp_number(struct jw *w, double v)
{
	char buf[AD_NUM_MAXLEN];

	ad_num_format(v, buf);
	jraw(w, buf);
}

static enum ad_status write_kfp_ui(struct run *r, struct ad_error *err)
{
	const struct model *m = &r->all.m[0];
	const struct points *p = &r->roc[0];
	struct jw w = { r->kfp_ui, err, AD_OK };
	int sep = 0;

	jraw(&w, "{\n  \"version\": 1,\n  \"outputs\": [");
	if (m->decided && m->conf.tp + m->conf.fp + m->conf.tn + m->conf.fn) {
		tprintf(&w, "\n    {\n      \"type\": \"confusion_matrix\",\n"
		    "      \"format\": \"csv\",\n      \"schema\": [\n"
		    "        {\"name\": \"target\", \"type\": \"CATEGORY\"},\n"
		    "        {\"name\": \"predicted\", \"type\": \"CATEGORY\"},\n"
		    "        {\"name\": \"count\", \"type\": \"NUMBER\"}\n      ],\n"
		    "      \"labels\": [\"normal\", \"anomaly\"],\n"
		    "      \"storage\": \"inline\",\n      \"source\": "
		    "\"normal,normal,%llu\\nnormal,anomaly,%llu\\nanomaly,normal,"
		    "%llu\\nanomaly,anomaly,%llu\\n\"\n    }",
		    (unsigned long long)m->conf.tn, (unsigned long long)m->conf.fp,
		    (unsigned long long)m->conf.fn, (unsigned long long)m->conf.tp);
		sep = 1;
	}
	if (p->n > 0) {
		tprintf(&w, "%s\n    {\n      \"type\": \"roc\",\n"
		    "      \"format\": \"csv\",\n      \"schema\": [\n"
		    "        {\"name\": \"fpr\", \"type\": \"NUMBER\"},\n"
		    "        {\"name\": \"tpr\", \"type\": \"NUMBER\"},\n"
		    "        {\"name\": \"thresholds\", \"type\": \"NUMBER\"}\n"
		    "      ],\n      \"storage\": \"inline\",\n"
		    "      \"source\": \"", sep ? "," : "");
		for (size_t i = 0; i < p->n; i++) {
			kfp_number(&w, p->x[i]);
			jraw(&w, ",");
			kfp_number(&w, p->y[i]);
			jraw(&w, ",");
			kfp_number(&w, p->t[i]);
			jraw(&w, "\\n");
		}
		jraw(&w, "\"\n    }");
		sep = 1;
	}
	jraw(&w, sep ? "\n  ]\n}\n" : "]\n}\n");
	return w.st;
}

/* ---- Prometheus ---- */

struct family {
	const char *key;     /* the item */
	const char *name;    /* after adkit_eval_ */
	const char *help;
};

static const struct family families[] = {
	{ "rows_used", "rows_used", "Rows evaluated (with a label and a "
	    "score) in the last run." },
	{ "positives", "positives", "Evaluated rows labelled anomalous." },
	{ "negatives", "negatives", "Evaluated rows labelled normal." },
	{ "threshold", "threshold", "Score at or above which a row is "
	    "flagged (NaN: a prediction column decides)." },
	{ "tp", "true_positives", "Anomalous rows flagged." },
	{ "fp", "false_positives", "Normal rows flagged." },
	{ "tn", "true_negatives", "Normal rows not flagged." },
	{ "fn", "false_negatives", "Anomalous rows not flagged." },
	{ "precision", "precision", "Share of the flagged rows that are "
	    "anomalous." },
	{ "recall", "recall", "Share of the anomalous rows flagged." },
	{ "f1", "f1", "Harmonic mean of precision and recall." },
	{ "accuracy", "accuracy", "Share of the rows decided right." },
	{ "specificity", "specificity", "Share of the normal rows not "
	    "flagged." },
	{ "mcc", "mcc", "Matthews correlation of the decisions and labels." },
	{ "roc_auc", "roc_auc", "Area under the ROC curve of the scores." },
	{ "pr_auc", "pr_auc", "Average precision of the scores." },
	{ "precision_at_k", "precision_at_k", "Precision of the k highest "
	    "scores, k the number of anomalous rows." },
	{ "best_f1", "best_f1", "Highest F1 of any score threshold." },
	{ "best_f1_threshold", "best_f1_threshold", "Threshold giving the "
	    "highest F1." },
};

static const struct family diff_families[] = {
	{ "roc_auc_diff", "roc_auc_diff", "ROC-AUC of the challenger minus "
	    "the model's." },
	{ "pr_auc_diff", "pr_auc_diff", "Average precision of the challenger "
	    "minus the model's." },
	{ "f1_diff", "f1_diff", "F1 of the challenger minus the model's." },
	{ "delong_p_value", "delong_p_value", "Two-sided p-value of DeLong's "
	    "test of equal ROC-AUCs." },
};

/* One sample of adkit_eval_<name>, labelled with the model, the
 * challenger, the group and one more label (xname="xvalue"), each where
 * given. */
static void prom_sample(struct jw *w, const char *name, const char *model,
    const char *challenger, const struct group *g, const char *xname,
    const char *xvalue, double v)
{
	const struct ad_prom_label labels[] = {
		{ "model", model }, { "challenger", challenger },
		{ "group", g != NULL ? g->value : NULL },
		{ xname, xname != NULL ? xvalue : NULL },
	};
	char full[128];

	snprintf(full, sizeof full, "adkit_eval_%s", name);
	if (w->st == AD_OK)
		w->st = ad_prom_sample(w->o, full, labels, 4, v, w->err);
}

static void prom_family(struct jw *w, const char *name, const char *help)
{
	char full[128];

	snprintf(full, sizeof full, "adkit_eval_%s", name);
	if (w->st == AD_OK)
		w->st = ad_prom_family(w->o, full, help, w->err);
}

static const char *model_name(const struct run *r)
{
	return r->o->name ? r->o->name : r->name[C_SCORE];
}

static void prom_group_family(struct jw *w, const struct run *r,
    const struct family *f, int diff)
{
	const char *model = model_name(r);

	prom_family(w, f->name, f->help);
	for (size_t i = 0; i <= r->ngroups; i++) {
		const struct group *g = i ? r->groups[i - 1] : &r->all;
		struct items a = { .n = 0 }, b = { .n = 0 };
		const struct item *x;

		group_items(r, g, &a);
		if (r->paired)
			compare_items(r, g, &b);
		if (!diff && (x = find_item(&a, f->key)) != NULL)
			prom_sample(w, f->name, model, NULL, g, NULL, NULL, x->v.v);
		if (!diff && r->paired && (x = find_item(&b, f->key)) != NULL &&
		    strcmp(f->key, "rows_used") != 0 &&
		    strcmp(f->key, "positives") != 0 &&
		    strcmp(f->key, "negatives") != 0)
			prom_sample(w, f->name, r->name[C_COMPARE], NULL, g, NULL,
			    NULL, x->v.v);
		if (diff && (x = find_item(&b, f->key)) != NULL)
			prom_sample(w, f->name, model, r->name[C_COMPARE], g, NULL,
			    NULL, x->v.v);
	}
}

static enum ad_status write_prom(struct run *r, struct ad_error *err)
{
	struct jw w = { r->prom, err, AD_OK };
	const char *model = model_name(r);
	static const char *const cells[] = { "label", "score", "compare",
	    "pred" };

	prom_family(&w, "rows_read", "Data records read in the last run, "
	    "rejected ones included.");
	prom_sample(&w, "rows_read", model, NULL, NULL, NULL, NULL,
	    (double)r->res->rows_read);
	prom_family(&w, "rows_rejected", "Records rejected for their field "
	    "count in the last run.");
	prom_sample(&w, "rows_rejected", model, NULL, NULL, NULL, NULL,
	    (double)r->res->rows_rejected);
	prom_family(&w, "rows_skipped", "Rows skipped for a missing cell in a "
	    "column, in the last run.");
	for (int c = C_LABEL; c <= C_PRED; c++) {
		if ((c == C_COMPARE && !r->paired) ||
		    (c == C_PRED && r->decision != D_PRED))
			continue;
		prom_sample(&w, "rows_skipped", model, NULL, NULL, "column",
		    cells[c], (double)r->all.missing[c]);
	}
	for (size_t i = 0; i < sizeof families / sizeof *families; i++)
		prom_group_family(&w, r, &families[i], 0);
	for (size_t i = 0; r->paired &&
	    i < sizeof diff_families / sizeof *diff_families; i++)
		prom_group_family(&w, r, &diff_families[i], 1);
	for (int g = 0, first = 1; g < AD_GATES; g++) {
		if (isnan(r->o->min[g]))
			continue;
		if (first)
			prom_family(&w, "gate_passed", "Whether a quality gate "
			    "passed (1) or was missed (0) in the last run.");
		first = 0;
		prom_sample(&w, "gate_passed", model, NULL, NULL, "gate",
		    gate_name[g], gate_passed(r, g));
	}
	prom_family(&w, "last_success_timestamp_seconds", "When ad-eval last "
	    "finished successfully, in Unix time.");
	prom_sample(&w, "last_success_timestamp_seconds", model, NULL, NULL,
	    NULL, NULL, ad_prom_run_time());
	return w.st;
}

/* ---- the plot ---- */

static void legend_text(char *buf, size_t cap, const char *column,
    const char *what, struct ad_value v)
{
	if (isnan(v.v))
		snprintf(buf, cap, "%s (%s undefined)", column, what);
	else
		snprintf(buf, cap, "%s (%s %.4f)", column, what, v.v);
}

static void point_label(char *buf, size_t cap, const struct run *r)
{
	if (r->decision == D_PRED)
		snprintf(buf, cap, "decision: %s", r->name[C_PRED]);
	else
		snprintf(buf, cap, "decision: %s >= %.4g", r->name[C_SCORE],
		    r->all.m[0].threshold);
}

static enum ad_status write_plot(struct run *r, struct ad_error *err)
{
	const struct model *m = &r->all.m[0];
	struct ad_svg_curve roc[2], pr[2];
	struct ad_svg_panel pan[2];
	char leg[4][256], op[128], title[512], note[2][160];
	uint64_t P = r->all.npos, N = r->all.nneg;

	memset(roc, 0, sizeof roc);
	memset(pr, 0, sizeof pr);
	memset(pan, 0, sizeof pan);
	for (int k = 0; k < 1 + r->paired; k++) {
		const char *col = r->name[k ? C_COMPARE : C_SCORE];
		legend_text(leg[k], sizeof leg[k], col, "AUC",
		    r->all.m[k].rm.roc_auc);
		legend_text(leg[2 + k], sizeof leg[2 + k], col, "AP",
		    r->all.m[k].rm.pr_auc);
		roc[k] = (struct ad_svg_curve){ leg[k], r->roc[k].x, r->roc[k].y,
		    r->roc[k].n, 0, k };
		pr[k] = (struct ad_svg_curve){ leg[2 + k], r->pr[k].x, r->pr[k].y,
		    r->pr[k].n, 1, k };
	}
	point_label(op, sizeof op, r);
	pan[0] = (struct ad_svg_panel){ "ROC curve", "False positive rate",
	    "True positive rate", roc, (size_t)(1 + r->paired), 1, NAN,
	    m->decided && P > 0 && N > 0,
	    rate(m->conf.fp, N), rate(m->conf.tp, P), op, 0, NULL };
	pan[1] = (struct ad_svg_panel){ "Precision-recall curve", "Recall",
	    "Precision", pr, (size_t)(1 + r->paired), 0,
	    P + N > 0 ? (double)P / (double)(P + N) : NAN,
	    m->decided && P > 0 && m->conf.tp + m->conf.fp > 0,
	    rate(m->conf.tp, P), rate(m->conf.tp, m->conf.tp + m->conf.fp), op,
	    1, NULL };
	if (m->rm.roc_auc.why != NULL) {
		snprintf(note[0], sizeof note[0], "undefined: %s",
		    m->rm.roc_auc.why);
		pan[0].note = note[0];
	}
	if (m->rm.pr_auc.why != NULL) {
		snprintf(note[1], sizeof note[1], "undefined: %s",
		    m->rm.pr_auc.why);
		pan[1].note = note[1];
	}
	snprintf(title, sizeof title, "%s: %llu rows, %llu anomalous",
	    ad_reader_name(r->rd), (unsigned long long)(P + N),
	    (unsigned long long)P);
	return ad_svg_write(r->plot, title, pan, 2, err);
}

/* ---- the run ---- */

void ad_eval_defaults(struct ad_eval_opts *o)
{
	memset(o, 0, sizeof *o);
	o->label = "label";
	o->score = "score";
	o->bootstrap = 1000;
	o->seed = 1;
	for (int g = 0; g < AD_GATES; g++)
		o->min[g] = NAN;
}

static enum ad_status check_options(const struct ad_eval_opts *o,
    struct ad_error *err)
{
	const char *clash = NULL;

	if (o->compare != NULL && strcmp(o->compare, o->score) == 0)
		return ad_error_set(err, AD_EUSAGE, "--compare names the --score "
		    "column \"%s\"", o->score);
	if (strcmp(o->label, o->score) == 0 ||
	    (o->compare != NULL && strcmp(o->label, o->compare) == 0))
		clash = "--label";
	else if (o->pred != NULL && (strcmp(o->pred, o->score) == 0 ||
	    (o->compare != NULL && strcmp(o->pred, o->compare) == 0)))
		clash = "--pred";
	if (clash != NULL)
		return ad_error_set(err, AD_EUSAGE, "%s names a score column",
		    clash);
	if (o->pred != NULL && o->decide != AD_DECIDE_AUTO)
		return ad_error_set(err, AD_EUSAGE, "--pred cannot be combined "
		    "with --threshold, --top-k or --contamination");
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
		{ &r->out, o->output ? o->output : "-" },
	};

	return ad_outset_open(&r->outset, e, sizeof e / sizeof e[0], err);
}

static enum ad_status write_report(struct run *r, struct ad_error *err)
{
	switch (r->o->format) {
	case AD_EVAL_TEXT:
		return write_text(r, err);
	case AD_EVAL_CSV:
		return write_csv(r, err);
	case AD_EVAL_JSON:
		break;
	}
	return write_json(r, err);
}

/* Writes and commits every output, the report last; on failure the rest
 * are dropped. */
static enum ad_status commit(struct run *r, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	if (r->plot != NULL)
		st = write_plot(r, err);
	if (st == AD_OK && r->kfp_metrics != NULL)
		st = write_kfp_metrics(r, err);
	if (st == AD_OK && r->kfp_ui != NULL)
		st = write_kfp_ui(r, err);
	if (st == AD_OK && r->prom != NULL)
		st = write_prom(r, err);
	if (st == AD_OK)
		st = write_report(r, err);
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
	for (int m = 0; m < 2; m++) {
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
	run_free(&r);
	return st;
}
