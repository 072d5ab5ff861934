/*
 * The model of an ad-features run: building it, its output columns, and
 * its params file (saving, and loading with every check a restored run
 * relies on). See featurize_model.h; the passes are in featurize.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "context.h"
#include "encode.h"
#include "featurize.h"
#include "featurize_model.h"
#include "hashmap.h"
#include "out.h"
#include "params.h"
#include "schema.h"

#define COMMAND "ad-features"

/* Column names must be shorter than this, as the binary stream requires. */
enum { MAX_NAME = 65536 };

/* ---- the model ---- */

/* Calendar outputs, after the time column, in ad_context_calendar's order. */
static const char *const calendar_names[AD_CAL_WIDTH] = { "hour_sin",
    "hour_cos", "dow_sin", "dow_cos" };

static void model_free(struct ad_featurize_model *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->ncols; i++) {
		ad_free(m->cols[i].name);
		ad_encode_free(m->cols[i].cats);
	}
	for (size_t i = 0; i < m->nparts; i++)
		ad_free(m->parts[i].chosen);
	ad_free(m->cols);
	ad_hashmap_free(m->names);
	ad_free(m->lags);
	ad_free(m->windows);
	ad_free(m->alphas);
	ad_free(m->parts);
	ad_free(m);
}

void ad_featurize_model_free(struct ad_featurize_model *m)
{
	model_free(m);
}

enum ad_status ad_featurize_model_new(struct ad_featurize_model **out,
    struct ad_error *err)
{
	struct ad_featurize_model *m = ad_calloc(1, sizeof *m);
	enum ad_status st;

	if (m == NULL)
		return ad_error_nomem(err);
	m->time = m->group = SIZE_MAX;
	if ((st = ad_hashmap_new(&m->names, 0, err)) != AD_OK) {
		ad_free(m);
		return st;
	}
	*out = m;
	return AD_OK;
}

/* Adds an input column; *dup is set (and nothing added) if the name is
 * taken. */
enum ad_status ad_featurize_model_add_col(struct ad_featurize_model *m,
    const char *name, size_t len, enum ad_type type, int *dup,
    struct ad_error *err)
{
	struct mcol *c;
	size_t idx;
	int added;
	enum ad_status st;

	if ((c = ad_grow(m->cols, &m->colcap, m->ncols + 1, sizeof *c)) == NULL)
		return ad_error_nomem(err);
	m->cols = c;
	if ((st = ad_hashmap_add(m->names, name, len, &idx, &added, err)) != AD_OK)
		return st;
	*dup = !added;
	if (!added)
		return AD_OK;
	memset(&c[m->ncols], 0, sizeof *c);
	/* the map and the array stay in step: the name is added first, so
	 * an index without its column means a failed allocation below */
	if ((c[m->ncols].name = ad_strndup(name, len)) == NULL)
		return ad_error_nomem(err);
	c[m->ncols].type = type;
	m->ncols++;
	return AD_OK;
}

size_t ad_featurize_model_find(const struct ad_featurize_model *m,
    const char *name)
{
	size_t i = ad_hashmap_find(m->names, name, strlen(name));

	return i < m->ncols ? i : SIZE_MAX;
}

enum ad_status ad_featurize_model_add_part(struct ad_featurize_model *m,
    const struct part *p, struct ad_error *err)
{
	struct part *np = ad_grow(m->parts, &m->partcap, m->nparts + 1,
	    sizeof *np);

	if (np == NULL)
		return ad_error_nomem(err);
	m->parts = np;
	np[m->nparts++] = *p;
	return AD_OK;
}

struct ad_context_spec ad_featurize_model_spec(
    const struct ad_featurize_model *m)
{
	struct ad_context_spec s = { m->lags, m->nlags, m->diff, m->windows,
	    m->nwindows, m->alphas, m->nalphas };

	return s;
}

size_t ad_featurize_model_context_width(const struct ad_featurize_model *m)
{
	struct ad_context_spec s = ad_featurize_model_spec(m);

	return ad_context_width(&s);
}

/* Appends output column name (taking it) to s, refusing a repeated name. */
static enum ad_status add_output(struct ad_schema *s, struct ad_hashmap *seen,
    char *name, enum ad_type type, struct ad_error *err)
{
	size_t idx, len = strlen(name);
	int added;
	enum ad_status st = ad_hashmap_add(seen, name, len, &idx, &added, err);

	if (st == AD_OK && !added)
		st = ad_error_set(err, AD_EDATA, "output column \"%s\" would "
		    "appear twice; rename the input column", name);
	if (st == AD_OK && len >= MAX_NAME)
		st = ad_error_set(err, AD_EDATA, "output column name too long "
		    "(%zu bytes)", len);
	if (st == AD_OK)
		st = ad_schema_add(s, name, len, type, err);
	ad_free(name);
	return st;
}

/* The output columns of part p. */
static enum ad_status part_outputs(const struct ad_featurize_model *m,
    const struct part *p, struct ad_schema *s, struct ad_hashmap *seen,
    struct ad_error *err)
{
	const struct mcol *c = &m->cols[p->col];
	struct ad_context_spec spec = ad_featurize_model_spec(m);
	enum ad_status st = AD_OK;
	char *name = NULL;
	size_t len;

	switch (p->kind) {
	case P_KEEP:
		if ((name = ad_strndup(c->name, strlen(c->name))) == NULL)
			return ad_error_nomem(err);
		return add_output(s, seen, name, c->type, err);
	case P_NUMERIC:
		if ((name = ad_strndup(c->name, strlen(c->name))) == NULL)
			return ad_error_nomem(err);
		st = add_output(s, seen, name, AD_NUMERIC, err);
		for (size_t f = 0; st == AD_OK && p->context &&
		    f < ad_context_width(&spec); f++)
			if ((st = ad_context_name(&spec, c->name, f, &name,
			    err)) == AD_OK)
				st = add_output(s, seen, name, AD_NUMERIC, err);
		return st;
	case P_ONEHOT:
		for (size_t j = 0; st == AD_OK && j <= p->nchosen; j++) {
			const char *k = j < p->nchosen ? ad_hashmap_key(c->cats->cats,
			    p->chosen[j], &len) : AD_ONEHOT_OTHER;
			if (j == p->nchosen)
				len = sizeof AD_ONEHOT_OTHER - 1;
			if ((st = ad_encode_name(c->name, k, len, &name,
			    err)) == AD_OK)
				st = add_output(s, seen, name, AD_NUMERIC, err);
		}
		return st;
	case P_FREQ:
		len = strlen(c->name);
		if ((name = ad_malloc(len + 6)) == NULL)
			return ad_error_nomem(err);
		memcpy(name, c->name, len);
		memcpy(name + len, "_freq", 6);
		return add_output(s, seen, name, AD_NUMERIC, err);
	case P_CALENDAR:
		for (size_t f = 0; st == AD_OK && f < AD_CAL_WIDTH; f++) {
			if ((name = ad_strndup(calendar_names[f],
			    strlen(calendar_names[f]))) == NULL)
				return ad_error_nomem(err);
			st = add_output(s, seen, name, AD_NUMERIC, err);
		}
		return st;
	}
	return AD_OK;
}

/* Builds the output schema of m; *first (if not NULL, ad_malloc'd) gets
 * each part's first output column. */
enum ad_status ad_featurize_model_outputs(const struct ad_featurize_model *m,
    struct ad_schema **out, size_t **first, struct ad_error *err)
{
	struct ad_schema *s = NULL;
	struct ad_hashmap *seen = NULL;
	size_t *f = NULL;
	enum ad_status st;

	if ((st = ad_schema_new(&s, err)) != AD_OK)
		return st;
	if ((st = ad_hashmap_new(&seen, 0, err)) != AD_OK)
		goto out;
	if ((f = ad_calloc(m->nparts + 1, sizeof *f)) == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < m->nparts && st == AD_OK; i++) {
		f[i] = s->ncols;
		st = part_outputs(m, &m->parts[i], s, seen, err);
	}
out:
	ad_hashmap_free(seen);
	if (st != AD_OK || first == NULL)
		ad_free(f);
	if (st != AD_OK) {
		ad_schema_free(s);
		return st;
	}
	if (first != NULL)
		*first = f;
	*out = s;
	return AD_OK;
}

/* ---- saving ---- */

static enum ad_status save_text(struct ad_out *o, const char *s,
    struct ad_error *err)
{
	return ad_params_text(o, s, strlen(s), err);
}

static enum ad_status save_line(struct ad_out *o, const char *key,
    const char *a, const char *b, struct ad_error *err)
{
	enum ad_status st = ad_params_key(o, key, err);

	if (st == AD_OK && a != NULL)
		st = save_text(o, a, err);
	if (st == AD_OK && b != NULL)
		st = save_text(o, b, err);
	return st != AD_OK ? st : ad_params_end(o, err);
}

static enum ad_status save_part(const struct ad_featurize_model *m,
    const struct part *p, struct ad_out *o, struct ad_error *err)
{
	static const char *const kinds[] = { "keep", "numeric", "onehot", "freq",
	    "calendar" };
	const struct mcol *c = &m->cols[p->col];
	enum ad_status st = ad_params_key(o, "column", err);
	size_t len;

	if (st == AD_OK)
		st = save_text(o, c->name, err);
	if (st == AD_OK)
		st = save_text(o, kinds[p->kind], err);
	if (st == AD_OK && p->kind == P_NUMERIC) {
		st = save_text(o, ad_scale_name(p->scale.method), err);
		if (st == AD_OK && p->scale.method != AD_SCALE_NONE &&
		    (st = ad_params_num(o, p->scale.p1, err)) == AD_OK)
			st = ad_params_num(o, p->scale.p2, err);
		if (st == AD_OK && p->log)
			st = save_text(o, "log", err);
		if (st == AD_OK && p->context)
			st = save_text(o, "context", err);
	}
	for (size_t j = 0; st == AD_OK && p->kind == P_ONEHOT && j < p->nchosen;
	    j++) {
		const char *k = ad_hashmap_key(c->cats->cats, p->chosen[j], &len);
		st = ad_params_text(o, k, len, err);
	}
	return st != AD_OK ? st : ad_params_end(o, err);
}

static enum ad_status save_list(struct ad_out *o, const char *key,
    const uint64_t *u, const double *d, size_t n, struct ad_error *err)
{
	enum ad_status st = ad_params_key(o, key, err);

	for (size_t i = 0; i < n && st == AD_OK; i++)
		st = ad_params_num(o, u ? (double)u[i] : d[i], err);
	return st != AD_OK ? st : ad_params_end(o, err);
}

static enum ad_status save_categories(const struct mcol *c, struct ad_out *o,
    struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (size_t i = 0; c->cats && i < ad_hashmap_size(c->cats->cats) &&
	    st == AD_OK; i++) {
		size_t len;
		const char *k = ad_hashmap_key(c->cats->cats, i, &len);

		if ((st = ad_params_key(o, "category", err)) == AD_OK &&
		    (st = save_text(o, c->name, err)) == AD_OK &&
		    (st = ad_params_text(o, k, len, err)) == AD_OK &&
		    (st = ad_params_num(o, (double)c->cats->count[i], err)) == AD_OK)
			st = ad_params_end(o, err);
	}
	return st;
}

enum ad_status ad_featurize_model_save(const struct ad_featurize_model *m,
    struct ad_out *o, struct ad_error *err)
{
	enum ad_status st = ad_params_begin(o, COMMAND, err);

	for (size_t i = 0; i < m->ncols && st == AD_OK; i++)
		st = save_line(o, "input", m->cols[i].name,
		    ad_schema_type_name(m->cols[i].type), err);
	if (st == AD_OK && m->time != SIZE_MAX)
		st = save_line(o, "time", m->cols[m->time].name, NULL, err);
	if (st == AD_OK && m->group != SIZE_MAX)
		st = save_line(o, "group", m->cols[m->group].name, NULL, err);
	if (st == AD_OK)
		st = save_list(o, "lags", m->lags, NULL, m->nlags, err);
	if (st == AD_OK)
		st = save_line(o, "diff", m->diff ? "1" : "0", NULL, err);
	if (st == AD_OK)
		st = save_list(o, "rolling", m->windows, NULL, m->nwindows, err);
	if (st == AD_OK)
		st = save_list(o, "ewm", NULL, m->alphas, m->nalphas, err);
	for (size_t i = 0; i < m->nparts && st == AD_OK; i++)
		st = save_part(m, &m->parts[i], o, err);
	for (size_t i = 0; i < m->ncols && st == AD_OK; i++)
		st = save_categories(&m->cols[i], o, err);
	return st != AD_OK ? st : save_line(o, "end", NULL, NULL, err);
}

/* ---- loading ---- */

/* What loading keeps between lines. */
struct loader {
	struct ad_featurize_model *m;
	const struct ad_params *p;
	int seen[5];             /* SEEN_*: the lines that must be there */
	unsigned char *role;     /* per column: ROLE_* bits of its parts */
};

enum { SEEN_LAGS, SEEN_DIFF, SEEN_ROLLING, SEEN_EWM, SEEN_END };
enum { ROLE_VALUE = 1, ROLE_ONEHOT = 2, ROLE_FREQ = 4 };

static enum ad_status bad_line(const struct loader *L,
    const struct ad_pline *l, size_t tok, const char *what,
    struct ad_error *err)
{
	return ad_error_at(err, AD_EDATA, ad_params_name(L->p), l->line, tok,
	    "%s: %s", l->tok[0], what);
}

/* The model column named by token i of l. */
static enum ad_status column_of(const struct loader *L,
    const struct ad_pline *l, size_t i, size_t *c, struct ad_error *err)
{
	if (i >= l->ntok)
		return bad_line(L, l, 0, "a column name is missing", err);
	*c = ad_hashmap_find(L->m->names, l->tok[i], l->len[i]);
	if (*c >= L->m->ncols)
		return ad_error_at(err, AD_EDATA, ad_params_name(L->p), l->line,
		    i + 1, "%s: \"%s\" is not an input column", l->tok[0],
		    l->tok[i]);
	return AD_OK;
}

static enum ad_status load_input(struct loader *L, const struct ad_pline *l,
    struct ad_error *err)
{
	enum ad_type t;
	int dup;
	enum ad_status st;

	if ((st = ad_params_expect(L->p, l, 3, err)) != AD_OK)
		return st;
	if (L->m->nparts > 0 || L->m->time != SIZE_MAX || L->m->group != SIZE_MAX)
		return bad_line(L, l, 1, "input lines must come first", err);
	if (strcmp(l->tok[2], "numeric") == 0)
		t = AD_NUMERIC;
	else if (strcmp(l->tok[2], "text") == 0)
		t = AD_TEXT;
	else
		return bad_line(L, l, 3, "type must be numeric or text", err);
	if (l->len[1] == 0 || memchr(l->tok[1], '\0', l->len[1]) != NULL)
		return bad_line(L, l, 2, "bad column name", err);
	if ((st = ad_featurize_model_add_col(L->m, l->tok[1], l->len[1], t,
	    &dup, err)) != AD_OK)
		return st;
	return dup ? bad_line(L, l, 2, "column listed twice", err) : AD_OK;
}

static enum ad_status load_role_column(struct loader *L,
    const struct ad_pline *l, size_t *which, struct ad_error *err)
{
	enum ad_status st = ad_params_expect(L->p, l, 2, err);

	if (st == AD_OK && *which != SIZE_MAX)
		return bad_line(L, l, 1, "given twice", err);
	if (st == AD_OK)
		st = column_of(L, l, 1, which, err);
	return st;
}

/* A whole number in [1, max], or a number in (0, 1] when alpha. */
static enum ad_status load_list(struct loader *L, const struct ad_pline *l,
    int which, struct ad_error *err)
{
	struct ad_featurize_model *m = L->m;
	enum ad_status st;

	if (L->seen[which]++)
		return bad_line(L, l, 1, "given twice", err);
	for (size_t i = 1; i < l->ntok; i++) {
		double v;
		if ((st = ad_params_number(L->p, l, i, &v, err)) != AD_OK)
			return st;
		/* by value: "1" and "1e0" would name the same feature */
		for (size_t j = 1; j < i; j++) {
			double u;
			(void)ad_params_number(L->p, l, j, &u, err);
			if (u == v)
				return bad_line(L, l, i + 1, "a value is repeated", err);
		}
		if (which == SEEN_EWM) {
			if (!(v > 0 && v <= 1))
				return bad_line(L, l, i + 1, "alpha must be above 0 "
				    "and at most 1", err);
		} else if (!(v >= 1 && v <= AD_CONTEXT_MAX_SPAN && v == floor(v)))
			return bad_line(L, l, i + 1, "expected a whole number from "
			    "1 to 100000", err);
		if (which == SEEN_EWM) {
			double *a = ad_grow(m->alphas, &m->alphacap, m->nalphas + 1,
			    sizeof *a);
			if (a == NULL)
				return ad_error_nomem(err);
			m->alphas = a;
			a[m->nalphas++] = v;
		} else {
			uint64_t **arr = which == SEEN_LAGS ? &m->lags : &m->windows;
			size_t *n = which == SEEN_LAGS ? &m->nlags : &m->nwindows;
			size_t *cap = which == SEEN_LAGS ? &m->lagcap : &m->wincap;
			uint64_t *a = ad_grow(*arr, cap, *n + 1, sizeof *a);
			if (a == NULL)
				return ad_error_nomem(err);
			*arr = a;
			a[(*n)++] = (uint64_t)v;
		}
	}
	return AD_OK;
}

/* A one-hot line's categories, resolved once the tables are read. */
struct pending {
	size_t part;
	const struct ad_pline *line;
};

struct load_state {
	struct loader L;
	struct pending *pend;
	size_t npend, pendcap;
	size_t calendars;
};

static enum ad_status load_numeric(struct loader *L, const struct ad_pline *l,
    struct part *p, struct ad_error *err)
{
	size_t i = 4;
	const char *why;
	enum ad_status st;

	if (L->m->cols[p->col].type != AD_NUMERIC)
		return bad_line(L, l, 2, "a numeric part of a text column", err);
	if (l->ntok < 4 || ad_scale_parse(l->tok[3], &p->scale.method) != 0)
		return bad_line(L, l, 4, "expected a scale method: none, "
		    "standard, minmax or robust", err);
	if (p->scale.method != AD_SCALE_NONE) {
		if ((st = ad_params_number(L->p, l, 4, &p->scale.p1, err)) !=
		    AD_OK ||
		    (st = ad_params_number(L->p, l, 5, &p->scale.p2, err)) != AD_OK)
			return st;
		if ((why = ad_scale_check(&p->scale)) != NULL)
			return bad_line(L, l, 5, why, err);
		i = 6;
	}
	for (; i < l->ntok; i++) {
		int *flag = strcmp(l->tok[i], "log") == 0 ? &p->log :
		    strcmp(l->tok[i], "context") == 0 ? &p->context : NULL;
		if (flag == NULL || *flag)
			return bad_line(L, l, i + 1, "expected log or context, "
			    "once each", err);
		*flag = 1;
	}
	ad_scale_prepare(&p->scale);
	return AD_OK;
}

static enum ad_status load_column(struct load_state *S,
    const struct ad_pline *l, struct ad_error *err)
{
	struct loader *L = &S->L;
	struct part p;
	unsigned char bit;
	enum ad_status st;

	memset(&p, 0, sizeof p);
	if (l->ntok < 3)
		return ad_params_expect(L->p, l, 3, err);
	if ((st = column_of(L, l, 1, &p.col, err)) != AD_OK)
		return st;
	if (strcmp(l->tok[2], "keep") == 0) {
		p.kind = P_KEEP;
		bit = ROLE_VALUE;
	} else if (strcmp(l->tok[2], "numeric") == 0) {
		p.kind = P_NUMERIC;
		bit = ROLE_VALUE;
		if ((st = load_numeric(L, l, &p, err)) != AD_OK)
			return st;
	} else if (strcmp(l->tok[2], "onehot") == 0) {
		p.kind = P_ONEHOT;
		bit = ROLE_ONEHOT;
	} else if (strcmp(l->tok[2], "freq") == 0) {
		p.kind = P_FREQ;
		bit = ROLE_FREQ;
	} else if (strcmp(l->tok[2], "calendar") == 0) {
		p.kind = P_CALENDAR;
		bit = 0;
		if (p.col != L->m->time || S->calendars++ > 0)
			return bad_line(L, l, 2, "calendar parts belong to the time "
			    "column, once", err);
	} else
		return bad_line(L, l, 3, "expected keep, numeric, onehot, freq or "
		    "calendar", err);
	if (p.kind != P_NUMERIC && p.kind != P_ONEHOT && l->ntok != 3)
		return ad_params_expect(L->p, l, 3, err);
	if (bit != 0 && ((L->role[p.col] & bit) ||
	    (bit == ROLE_VALUE && L->role[p.col]) ||
	    (bit != ROLE_VALUE && (L->role[p.col] & ROLE_VALUE))))
		return bad_line(L, l, 2, "the column already has a part that "
		    "excludes this one", err);
	L->role[p.col] |= bit;
	if (p.kind == P_ONEHOT) {
		struct pending *np = ad_grow(S->pend, &S->pendcap, S->npend + 1,
		    sizeof *np);
		if (np == NULL)
			return ad_error_nomem(err);
		S->pend = np;
		np[S->npend].part = L->m->nparts;
		np[S->npend++].line = l;
	}
	return ad_featurize_model_add_part(L->m, &p, err);
}

static enum ad_status load_category(struct loader *L,
    const struct ad_pline *l, struct ad_error *err)
{
	struct mcol *col;
	size_t c;
	double v;
	enum ad_status st;

	if ((st = ad_params_expect(L->p, l, 4, err)) != AD_OK ||
	    (st = column_of(L, l, 1, &c, err)) != AD_OK ||
	    (st = ad_params_number(L->p, l, 3, &v, err)) != AD_OK)
		return st;
	if (!(L->role[c] & (ROLE_ONEHOT | ROLE_FREQ)))
		return bad_line(L, l, 2, "categories must follow the column's "
		    "onehot or freq part", err);
	if (!(v >= 1 && v <= 9007199254740992.0 && v == floor(v)))
		return bad_line(L, l, 4, "a count is a whole number from 1 to "
		    "2^53", err);
	col = &L->m->cols[c];
	if (col->cats == NULL && (st = ad_encode_new(&col->cats, err)) != AD_OK)
		return st;
	if ((st = ad_encode_add(col->cats, l->tok[2], l->len[2], (uint64_t)v,
	    err)) == AD_EDATA) {
		char why[sizeof err->msg];
		snprintf(why, sizeof why, "%s", err->msg);
		return bad_line(L, l, 3, why, err);
	}
	return st;
}

/* Resolves a one-hot line's category names to table indexes. */
static enum ad_status resolve_onehot(struct loader *L,
    const struct pending *pe, struct ad_error *err)
{
	const struct ad_pline *l = pe->line;
	struct part *p = &L->m->parts[pe->part];
	struct ad_encode_table *t = L->m->cols[p->col].cats;
	enum ad_status st;

	if ((p->chosen = ad_calloc(l->ntok, sizeof *p->chosen)) == NULL)
		return ad_error_nomem(err);
	for (size_t i = 3; i < l->ntok; i++) {
		size_t k = ad_hashmap_find(t->cats, l->tok[i], l->len[i]);

		if (k == SIZE_MAX)
			return bad_line(L, l, i + 1, "a category without its "
			    "category line", err);
		if (strcmp(l->tok[i], AD_ONEHOT_OTHER) == 0)
			return bad_line(L, l, i + 1, "\"other\" cannot have a "
			    "column of its own", err);
		for (size_t j = 0; j < p->nchosen; j++)
			if (p->chosen[j] == k)
				return bad_line(L, l, i + 1, "a category is repeated",
				    err);
		p->chosen[p->nchosen++] = k;
	}
	if ((st = ad_encode_set_onehot(t, p->chosen, p->nchosen, err)) != AD_OK)
		return st;
	return AD_OK;
}

/* The checks that need the whole file. */
static enum ad_status load_finish(struct load_state *S, struct ad_error *err)
{
	struct loader *L = &S->L;
	struct ad_featurize_model *m = L->m;
	const char *name = ad_params_name(L->p);
	static const char *const keys[] = { "lags", "diff", "rolling", "ewm",
	    "end" };
	struct ad_schema *outs = NULL;
	enum ad_status st;

	for (int k = 0; k < 5; k++)
		if (!L->seen[k])
			return ad_error_at(err, AD_EDATA, name, 0, 0, "params file "
			    "lacks its \"%s\" line%s", keys[k], k == SEEN_END ?
			    " (truncated?)" : "");
	if (m->ncols == 0 || m->nparts == 0)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "params file lacks "
		    "its \"input\" or \"column\" lines");
	for (size_t c = 0; c < m->ncols; c++)
		if ((L->role[c] & (ROLE_ONEHOT | ROLE_FREQ)) &&
		    m->cols[c].cats == NULL &&
		    (st = ad_encode_new(&m->cols[c].cats, err)) != AD_OK)
			return st;
	for (size_t i = 0; i < S->npend; i++)
		if ((st = resolve_onehot(L, &S->pend[i], err)) != AD_OK)
			return st;
	for (size_t i = 0; i < m->nparts; i++)
		if (m->parts[i].context &&
		    ad_featurize_model_context_width(m) == 0)
			return ad_error_at(err, AD_EDATA, name, 0, 0, "column \"%s\" "
			    "has context features but no lags, diff, rolling or "
			    "ewm are set", m->cols[m->parts[i].col].name);
	if (m->group != SIZE_MAX && ad_featurize_model_context_width(m) == 0)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "a group is set "
		    "but no context features");
	if (m->time != SIZE_MAX && m->time == m->group)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "the time and group "
		    "columns are the same");
	if ((st = ad_featurize_model_outputs(m, &outs, NULL, err)) != AD_OK) {
		snprintf(err->file, sizeof err->file, "%s", name);
		return st;
	}
	ad_schema_free(outs);
	return AD_OK;
}

static enum ad_status load_line(struct load_state *S,
    const struct ad_pline *l, struct ad_error *err)
{
	struct loader *L = &S->L;
	const char *k = l->tok[0];
	unsigned char *role;

	if (L->seen[SEEN_END])
		return bad_line(L, l, 1, "nothing may follow \"end\"", err);
	/* roles grow with the columns */
	if ((role = ad_realloc(L->role, L->m->ncols + 1)) == NULL)
		return ad_error_nomem(err);
	L->role = role;
	role[L->m->ncols] = 0;
	if (strcmp(k, "input") == 0)
		return load_input(L, l, err);
	if (strcmp(k, "time") == 0)
		return load_role_column(L, l, &L->m->time, err);
	if (strcmp(k, "group") == 0)
		return load_role_column(L, l, &L->m->group, err);
	if (strcmp(k, "lags") == 0)
		return load_list(L, l, SEEN_LAGS, err);
	if (strcmp(k, "rolling") == 0)
		return load_list(L, l, SEEN_ROLLING, err);
	if (strcmp(k, "ewm") == 0)
		return load_list(L, l, SEEN_EWM, err);
	if (strcmp(k, "diff") == 0) {
		enum ad_status st = ad_params_expect(L->p, l, 2, err);
		if (st != AD_OK)
			return st;
		if (L->seen[SEEN_DIFF]++)
			return bad_line(L, l, 1, "given twice", err);
		if (strcmp(l->tok[1], "0") != 0 && strcmp(l->tok[1], "1") != 0)
			return bad_line(L, l, 2, "must be 0 or 1", err);
		L->m->diff = l->tok[1][0] == '1';
		return AD_OK;
	}
	if (strcmp(k, "column") == 0)
		return load_column(S, l, err);
	if (strcmp(k, "category") == 0)
		return load_category(L, l, err);
	if (strcmp(k, "end") == 0) {
		L->seen[SEEN_END] = 1;
		return ad_params_expect(L->p, l, 1, err);
	}
	return bad_line(L, l, 1, "unknown key", err);
}

/* Loads path into *m, keeping the parsed file in *pp for messages. */
static enum ad_status model_load(struct ad_featurize_model **out,
    const char *path, struct ad_params **pp, struct ad_error *err)
{
	struct load_state S;
	struct ad_params *p = NULL;
	enum ad_status st;

	memset(&S, 0, sizeof S);
	if ((st = ad_params_load(&p, path, COMMAND, err)) != AD_OK)
		return st;
	S.L.p = p;
	if ((st = ad_featurize_model_new(&S.L.m, err)) != AD_OK)
		goto out;
	for (size_t i = 0; i < ad_params_count(p) && st == AD_OK; i++)
		st = load_line(&S, ad_params_line(p, i), err);
	if (st == AD_OK)
		st = load_finish(&S, err);
out:
	ad_free(S.pend);
	ad_free(S.L.role);
	if (st != AD_OK) {
		model_free(S.L.m);
		ad_params_free(p);
		return st;
	}
	memcpy(S.L.m->sha256, ad_params_sha256(p), 32);
	*out = S.L.m;
	if (pp != NULL)
		*pp = p;
	else
		ad_params_free(p);
	return AD_OK;
}

enum ad_status ad_featurize_model_load(struct ad_featurize_model **m,
    const char *path, struct ad_error *err)
{
	return model_load(m, path, NULL, err);
}
