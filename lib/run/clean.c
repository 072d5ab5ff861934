/*
 * ad-clean. One pass over the input when nothing has to be learned first
 * (or -r supplies it). When a fill value must be learned from the whole input
 * (mean, median, mode without -r), the projected rows wait while the
 * statistics accumulate, the first AD_REPLAY_MEMORY MiB in memory and the
 * rest in an unnamed temporary binary stream (lib/io/replay.c), and are then
 * replayed; memory stays bounded, except for median (8 bytes per value of
 * the column), mode (the distinct values) and --dedupe (16 bytes per
 * distinct row).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "alloc.h"
#include "chain.h"
#include "in.h"
#include "clean.h"
#include "counter.h"
#include "emit.h"
#include "num.h"
#include "out.h"
#include "outset.h"
#include "params.h"
#include "prom.h"
#include "replay.h"
#include "writer.h"

#define COMMAND "ad-clean"

/* Input statistics of one column, for the report (before any filling). */
struct colstat {
	uint64_t missing;        /* NaN or missing text, invalid cells included */
	uint64_t n;              /* numbers seen */
	double min, max;
	double sum, comp;        /* Neumaier-compensated sum */
};

/* How one output column's missing cells are filled. */
struct fill {
	enum ad_impute_method method;
	int has;                 /* a fill value is known */
	double num;
	char *text;
	size_t len;
	struct colstat acc;      /* mean: the values seen */
	double *vals;            /* median: the values seen */
	size_t nvals, capvals;
	struct ad_counter *modes; /* mode: counts of values seen */
};

struct run {
	const struct ad_clean_opts *o;
	struct ad_clean_result *res;
	const struct ad_params *params; /* -r's, loaded here or the caller's */
	struct ad_params *owned_params;
	struct ad_schema *types;      /* fixed types, from -r or --schema */
	char **na;                    /* from -r */
	size_t n_na;
	int drop_missing, dedupe;
	char **restore_out;           /* -r: output columns, in order */
	size_t n_restore_out;
	struct ad_reader *rd;
	int *from_taken;              /* set: o->in.from went to the reader */
	const struct ad_schema *in;
	struct ad_schema *outs;
	size_t *colmap;               /* output column -> input column */
	struct fill *fills;
	struct colstat *stats;
	struct ad_counter *seen;
	unsigned char *keep;
	char *rowbuf;
	size_t rowcap;
	struct ad_outset *outset;     /* the outputs below */
	struct ad_out *out, *save, *report, *prom;
	struct ad_out *applied;       /* --applied */
	struct ad_chain chain;        /* the output's lineage */
	struct ad_replay *replay;     /* rows waiting for the fills learned */
	struct ad_reject_out rej;   /* --rejects */
	struct ad_writer *w;
	char delim;
};

/* ---- --impute parsing ---- */

static int method_of(const char *s, enum ad_impute_method *m)
{
	static const struct { const char *name; enum ad_impute_method m; } t[] = {
		{ "mean", AD_IMPUTE_MEAN }, { "median", AD_IMPUTE_MEDIAN },
		{ "mode", AD_IMPUTE_MODE }, { "zero", AD_IMPUTE_ZERO },
		{ "none", AD_IMPUTE_NONE },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(s, t[i].name) == 0) {
			*m = t[i].m;
			return 1;
		}
	return 0;
}

static const char *method_name(enum ad_impute_method m)
{
	switch (m) {
	case AD_IMPUTE_MEAN: return "mean";
	case AD_IMPUTE_MEDIAN: return "median";
	case AD_IMPUTE_MODE: return "mode";
	case AD_IMPUTE_ZERO: return "zero";
	case AD_IMPUTE_VALUE: return "value";
	case AD_IMPUTE_NONE: break;
	}
	return "none";
}

enum ad_status ad_clean_parse_impute(const char *arg,
    struct ad_impute_spec **specs, size_t *n, struct ad_error *err)
{
	const char *p = arg;

	for (;;) {
		const char *end = strchr(p, ','), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct ad_impute_spec sp = { NULL, AD_IMPUTE_VALUE, NULL }, *ns;
		char *what;

		eq = memchr(p, '=', len);
		if (len == 0 || eq == p || (eq != NULL && eq == p + len - 1))
			return ad_error_set(err, AD_EUSAGE, "--impute: expected "
			    "METHOD or COLUMN=METHOD items, got \"%s\"", arg);
		if (eq != NULL &&
		    (sp.column = ad_strndup(p, (size_t)(eq - p))) == NULL)
			return ad_error_nomem(err);
		what = eq ? ad_strndup(eq + 1, len - (size_t)(eq + 1 - p)) :
		    ad_strndup(p, len);
		if (what == NULL) {
			ad_free(sp.column);
			return ad_error_nomem(err);
		}
		if (method_of(what, &sp.method))
			ad_free(what);
		else
			sp.value = what;
		ns = ad_realloc(*specs, (*n + 1) * sizeof *ns);
		if (ns == NULL) {
			ad_free(sp.column);
			ad_free(sp.value);
			return ad_error_nomem(err);
		}
		ns[(*n)++] = sp;
		*specs = ns;
		if (end == NULL)
			return AD_OK;
		p = end + 1;
	}
}

void ad_clean_free_impute(struct ad_impute_spec *specs, size_t n)
{
	if (specs == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		ad_free(specs[i].column);
		ad_free(specs[i].value);
	}
	ad_free(specs);
}

/* ---- params and schema files ---- */

static enum ad_status add_type(struct run *r, const char *name,
    const char *type, const char *file, uint64_t line, struct ad_error *err)
{
	enum ad_type t;

	if (strcmp(type, "numeric") == 0)
		t = AD_NUMERIC;
	else if (strcmp(type, "text") == 0)
		t = AD_TEXT;
	else
		return ad_error_at(err, AD_EDATA, file, line, 2,
		    "type must be numeric or text, not \"%s\"", type);
	if (ad_schema_find(r->types, name) != SIZE_MAX)
		return ad_error_at(err, AD_EDATA, file, line, 1,
		    "column \"%s\" is listed twice", name);
	return ad_schema_add(r->types, name, strlen(name), t, err);
}

/* --schema FILE: a CSV (or binary stream) with columns "column" and "type". */
static enum ad_status load_schema(struct run *r, struct ad_error *err)
{
	struct ad_reader_opts ro = { 0 };
	struct ad_reader *sr;
	struct ad_block *b;
	size_t ci, ti;
	enum ad_status st;

	struct ad_schema *text = NULL;

	/* both columns are text, whatever their values look like */
	if ((st = ad_schema_new(&text, err)) != AD_OK ||
	    (st = ad_schema_add(text, "column", 6, AD_TEXT, err)) != AD_OK ||
	    (st = ad_schema_add(text, "type", 4, AD_TEXT, err)) != AD_OK) {
		ad_schema_free(text);
		return st;
	}
	ro.path = r->o->schema_path;
	ro.delim = r->o->in.delim;
	ro.types = text;
	st = ad_reader_open(&sr, &ro, err);
	ad_schema_free(text);
	if (st != AD_OK) {
		if (strstr(err->msg, "is not in the input") != NULL)
			ad_error_at(err, AD_EDATA, r->o->schema_path, 1, 0,
			    "a schema file needs columns \"column\" and \"type\"");
		return st;
	}
	ci = ad_schema_find(ad_reader_schema(sr), "column");
	ti = ad_schema_find(ad_reader_schema(sr), "type");
	if (ad_reader_schema(sr)->cols[ci].type != AD_TEXT ||
	    ad_reader_schema(sr)->cols[ti].type != AD_TEXT) {
		st = ad_error_at(err, AD_EDATA, ad_reader_name(sr), 1, 0,
		    "a schema file needs text columns \"column\" and \"type\"");
		goto out;
	}
	while (st == AD_OK && (st = ad_reader_next(sr, &b, err)) == AD_OK &&
	    b->nrows > 0)
		for (size_t i = 0; i < b->nrows && st == AD_OK; i++) {
			size_t nl, tl;
			const char *n = ad_block_text(b, i, ci, &nl);
			const char *t = ad_block_text(b, i, ti, &tl);
			char *name, *type;

			if (n == NULL || t == NULL) {
				st = ad_error_at(err, AD_EDATA, ad_reader_name(sr),
				    b->line[i], n == NULL ? ci + 1 : ti + 1,
				    "missing column name or type");
				break;
			}
			name = ad_strndup(n, nl);
			type = ad_strndup(t, tl);
			st = name && type ? add_type(r, name, type,
			    ad_reader_name(sr), b->line[i], err) :
			    ad_error_nomem(err);
			ad_free(name);
			ad_free(type);
		}
	if (st == AD_OK && ad_reader_rejected(sr) > 0)
		st = ad_error_at(err, AD_EDATA, ad_reader_name(sr), 0, 0,
		    "schema file has rows with the wrong number of fields");
out:
	ad_reader_free(sr);
	return st;
}

static enum ad_status add_string(char ***list, size_t *n, const char *s,
    size_t len, struct ad_error *err)
{
	char **nl = ad_realloc(*list, (*n + 1) * sizeof *nl);

	if (nl == NULL)
		return ad_error_nomem(err);
	*list = nl;
	if ((nl[*n] = ad_strndup(s, len)) == NULL)
		return ad_error_nomem(err);
	(*n)++;
	return AD_OK;
}

static int has_string(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static void free_strings(char **list, size_t n)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		ad_free(list[i]);
	ad_free(list);
}

static enum ad_status restore_flag(const struct ad_params *p,
    const struct ad_pline *l, int *flag, struct ad_error *err)
{
	double v;
	enum ad_status st = ad_params_expect(p, l, 2, err);

	if (st == AD_OK)
		st = ad_params_number(p, l, 1, &v, err);
	if (st == AD_OK && v != 0 && v != 1)
		st = ad_error_at(err, AD_EDATA, ad_params_name(p), l->line, 2,
		    "%s must be 0 or 1", l->tok[0]);
	if (st == AD_OK)
		*flag = v != 0;
	return st;
}

/* Reads what -s wrote; fills are attached to output columns later. */
static enum ad_status load_params(struct run *r, struct ad_error *err)
{
	const struct ad_params *p;
	int seen_na = 0;
	enum ad_status st;

	if (r->o->restore_params != NULL)
		r->params = r->o->restore_params;
	else if ((st = ad_params_load(&r->owned_params, r->o->restore_path,
	    COMMAND, err)) != AD_OK)
		return st;
	else
		r->params = r->owned_params;
	p = r->params;
	st = AD_OK;
	for (size_t i = 0; i < ad_params_count(p) && st == AD_OK; i++) {
		const struct ad_pline *l = ad_params_line(p, i);
		const char *k = l->tok[0];

		if (strcmp(k, "na") == 0) {
			seen_na = 1;
			for (size_t t = 1; t < l->ntok && st == AD_OK; t++)
				st = add_string(&r->na, &r->n_na, l->tok[t],
				    l->len[t], err);
		} else if (strcmp(k, "drop_missing") == 0) {
			st = restore_flag(p, l, &r->drop_missing, err);
		} else if (strcmp(k, "dedupe") == 0) {
			st = restore_flag(p, l, &r->dedupe, err);
		} else if (strcmp(k, "input") == 0) {
			st = ad_params_expect(p, l, 3, err);
			if (st == AD_OK)
				st = add_type(r, l->tok[1], l->tok[2],
				    ad_params_name(p), l->line, err);
		} else if (strcmp(k, "output") == 0) {
			if (l->ntok < 3 || l->ntok > 4)
				st = ad_params_expect(p, l, 4, err);
			else if (has_string(r->restore_out, r->n_restore_out,
			    l->tok[1]))
				st = ad_error_at(err, AD_EDATA, ad_params_name(p),
				    l->line, 2, "output column \"%s\" is listed twice",
				    l->tok[1]);
			else
				st = add_string(&r->restore_out, &r->n_restore_out,
				    l->tok[1], l->len[1], err);
		} else {
			st = ad_error_at(err, AD_EDATA, ad_params_name(p), l->line,
			    1, "unknown key \"%s\"", k);
		}
	}
	if (st == AD_OK && (!seen_na || r->types->ncols == 0))
		st = ad_error_at(err, AD_EDATA, ad_params_name(p), 0, 0,
		    "params file lacks its \"na\" or \"input\" lines");
	return st;
}

/* ---- output columns and fills ---- */

/* The input's name in messages: the reader's, or (rows in memory) the
 * params file's. */
static const char *in_name(const struct run *r)
{
	return r->rd != NULL ? ad_reader_name(r->rd) : r->o->restore_path;
}

static enum ad_status find_input(struct run *r, const char *name, size_t *c,
    struct ad_error *err)
{
	*c = ad_schema_find(r->in, name);
	if (*c == SIZE_MAX)
		return ad_schema_not_found(r->in, in_name(r), "",
		    name, err);
	return AD_OK;
}

static enum ad_status choose_columns(struct run *r, struct ad_error *err)
{
	const struct ad_clean_opts *o = r->o;
	size_t n = 0, c;
	enum ad_status st;

	if ((r->colmap = ad_calloc(r->in->ncols + 1, sizeof *r->colmap)) == NULL)
		return ad_error_nomem(err);
	if (r->params != NULL) {
		for (c = 0; c < r->in->ncols; c++)
			if (ad_schema_find(r->types, r->in->cols[c].name) == SIZE_MAX)
				return ad_error_at(err, AD_EDATA,
				    in_name(r), 0, c + 1, "column \"%s\" "
				    "is not in the params file %s",
				    r->in->cols[c].name, ad_params_name(r->params));
		for (size_t i = 0; i < r->n_restore_out; i++) {
			if ((st = find_input(r, r->restore_out[i], &c, err)) != AD_OK)
				return st;
			r->colmap[n++] = c;
		}
	} else if (o->n_select > 0) {
		for (size_t i = 0; i < o->n_select; i++) {
			if ((st = find_input(r, o->select[i], &c, err)) != AD_OK)
				return st;
			for (size_t k = 0; k < n; k++)
				if (r->colmap[k] == c)
					return ad_error_set(err, AD_EUSAGE,
					    "--select names \"%s\" twice", o->select[i]);
			r->colmap[n++] = c;
		}
	} else {
		for (size_t i = 0; i < o->n_drop; i++)
			if ((st = find_input(r, o->drop[i], &c, err)) != AD_OK)
				return st;
		for (c = 0; c < r->in->ncols; c++) {
			int dropped = 0;
			for (size_t i = 0; i < o->n_drop; i++)
				dropped |= strcmp(o->drop[i], r->in->cols[c].name) == 0;
			if (!dropped)
				r->colmap[n++] = c;
		}
	}
	if ((st = ad_schema_new(&r->outs, err)) != AD_OK)
		return st;
	for (size_t j = 0; j < n; j++) {
		const struct ad_column *col = &r->in->cols[r->colmap[j]];
		if ((st = ad_schema_add(r->outs, col->name, strlen(col->name),
		    col->type, err)) != AD_OK)
			return st;
	}
	return AD_OK;
}

static enum ad_status set_fill_value(struct fill *f, enum ad_type type,
    const char *v, size_t len, const char *col, struct ad_error *err)
{
	if (type == AD_NUMERIC) {
		if (ad_num_parse(v, len, &f->num) != AD_NUM_OK)
			return ad_error_set(err, AD_EDATA, "column \"%s\" is "
			    "numeric; its fill value \"%s\" is not a number", col, v);
		f->has = !isnan(f->num);
		return AD_OK;
	}
	if ((f->text = ad_strndup(v, len)) == NULL)
		return ad_error_nomem(err);
	f->len = len;
	f->has = 1;
	return AD_OK;
}

/* Whether an --impute method can fill a column of this type. */
static int spec_fits(const struct ad_impute_spec *sp, enum ad_type type)
{
	double v;

	switch (sp->method) {
	case AD_IMPUTE_MEAN:
	case AD_IMPUTE_MEDIAN:
	case AD_IMPUTE_ZERO:
		return type == AD_NUMERIC;
	case AD_IMPUTE_VALUE:
		return type == AD_TEXT || ad_num_parse(sp->value,
		    strlen(sp->value), &v) == AD_NUM_OK;
	case AD_IMPUTE_MODE:
	case AD_IMPUTE_NONE:
		break;
	}
	return 1;
}

/* Applies one --impute item to output column j. A column-wide item skips
 * the columns it does not fit (a text value, the text columns); a named
 * one that does not fit is an error. */
static enum ad_status apply_spec(struct run *r, size_t j,
    const struct ad_impute_spec *sp, int named, struct ad_error *err)
{
	struct fill *f = &r->fills[j];
	enum ad_type type = r->outs->cols[j].type;
	const char *name = r->outs->cols[j].name;

	if (!spec_fits(sp, type)) {
		if (!named)
			return AD_OK;
		if (sp->method == AD_IMPUTE_VALUE)
			return ad_error_set(err, AD_EDATA, "--impute: column "
			    "\"%s\" is numeric; its fill value \"%s\" is not a "
			    "number", name, sp->value);
		return ad_error_set(err, AD_EDATA, "--impute: column \"%s\" is "
		    "text; %s needs numbers", name, method_name(sp->method));
	}
	if (!named && sp->method == AD_IMPUTE_VALUE && type == AD_TEXT &&
	    spec_fits(sp, AD_NUMERIC))
		return AD_OK;   /* a bare number fills numeric columns only */
	ad_free(f->text);
	f->text = NULL;
	f->has = 0;
	f->method = sp->method;
	if (sp->method == AD_IMPUTE_ZERO) {
		f->num = 0;
		f->has = 1;
	} else if (sp->method == AD_IMPUTE_VALUE) {
		return set_fill_value(f, type, sp->value, strlen(sp->value),
		    name, err);
	}
	return AD_OK;
}

static enum ad_status fills_from_options(struct run *r, struct ad_error *err)
{
	const struct ad_clean_opts *o = r->o;
	enum ad_status st;

	/* column-wide items first, so named ones override them */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < o->n_impute; i++) {
			const struct ad_impute_spec *sp = &o->impute[i];
			size_t j;

			if ((sp->column != NULL) != pass)
				continue;
			if (sp->column == NULL) {
				for (j = 0; j < r->outs->ncols; j++)
					if ((st = apply_spec(r, j, sp, 0, err)) != AD_OK)
						return st;
				continue;
			}
			j = ad_schema_find(r->outs, sp->column);
			if (j == SIZE_MAX)
				return ad_error_at(err, AD_EDATA,
				    ad_reader_name(r->rd), 0, 0, "--impute: column "
				    "\"%s\" is not in the output", sp->column);
			if ((st = apply_spec(r, j, sp, 1, err)) != AD_OK)
				return st;
		}
	for (size_t j = 0; j < r->outs->ncols; j++) {
		struct fill *f = &r->fills[j];
		if (f->method == AD_IMPUTE_MODE &&
		    (st = ad_counter_new(&f->modes, err)) != AD_OK)
			return st;
	}
	return AD_OK;
}

static enum ad_status fills_from_params(struct run *r, struct ad_error *err)
{
	size_t j = 0;
	enum ad_status st;

	for (size_t i = 0; i < ad_params_count(r->params); i++) {
		const struct ad_pline *l = ad_params_line(r->params, i);
		struct fill *f;

		if (strcmp(l->tok[0], "output") != 0)
			continue;
		f = &r->fills[j];
		if (!method_of(l->tok[2], &f->method) &&
		    strcmp(l->tok[2], "value") != 0 && strcmp(l->tok[2], "none") != 0)
			return ad_error_at(err, AD_EDATA, ad_params_name(r->params),
			    l->line, 3, "unknown fill method \"%s\"", l->tok[2]);
		if (l->ntok == 4 && (st = set_fill_value(f, r->outs->cols[j].type,
		    l->tok[3], l->len[3], l->tok[1], err)) != AD_OK) {
			err->line = l->line;
			snprintf(err->file, sizeof err->file, "%s",
			    ad_params_name(r->params));
			return st;
		}
		j++;
	}
	return AD_OK;
}

static int needs_learning(const struct run *r)
{
	for (size_t j = 0; r->params == NULL && j < r->outs->ncols; j++)
		switch (r->fills[j].method) {
		case AD_IMPUTE_MEAN:
		case AD_IMPUTE_MEDIAN:
		case AD_IMPUTE_MODE:
			return 1;
		default:
			break;
		}
	return 0;
}

/* ---- statistics and learning ---- */

/* Written as selects, not branches: on a column whose sum stays near
 * zero, which of the two is larger is a coin toss the processor would
 * guess wrong half the time. The same operations on the same values. */
static inline void stat_add(struct colstat *s, double v)
{
	double sum = s->sum, t = sum + v;
	int sum_larger = fabs(sum) >= fabs(v);
	double big = sum_larger ? sum : v, small = sum_larger ? v : sum;

	if (s->n == 0) {
		s->min = v;
		s->max = v;
	}
	s->min = v < s->min ? v : s->min;
	s->max = v > s->max ? v : s->max;
	/* Neumaier: keep the low-order bits the plain sum loses */
	s->comp += (big - t) + small;
	s->sum = t;
	s->n++;
}

static void update_stats(struct run *r, const struct ad_block *b)
{
	for (size_t i = 0; i < b->nrows; i++)
		for (size_t c = 0; c < r->in->ncols; c++) {
			struct colstat *s = &r->stats[c];
			size_t len;

			if (r->in->cols[c].type == AD_TEXT) {
				s->missing += ad_block_text(b, i, c, &len) == NULL;
				continue;
			}
			if (isnan(b->num[i * b->ncols + c]))
				s->missing++;
			else
				stat_add(s, b->num[i * b->ncols + c]);
		}
}

static enum ad_status learn(struct run *r, const struct ad_block *b,
    struct ad_error *err)
{
	enum ad_status st;

	for (size_t j = 0; j < r->outs->ncols; j++) {
		struct fill *f = &r->fills[j];
		size_t c = r->colmap[j], len;

		for (size_t i = 0; i < b->nrows; i++) {
			double v = b->num[i * b->ncols + c];
			const char *t;

			if (f->method == AD_IMPUTE_MEAN && !isnan(v)) {
				stat_add(&f->acc, v);
			} else if (f->method == AD_IMPUTE_MEDIAN && !isnan(v)) {
				double *nv = ad_grow(f->vals, &f->capvals,
				    f->nvals + 1, sizeof *f->vals);
				if (nv == NULL)
					return ad_error_nomem(err);
				f->vals = nv;
				f->vals[f->nvals++] = v;
			} else if (f->method == AD_IMPUTE_MODE) {
				if (r->outs->cols[j].type == AD_NUMERIC) {
					if (isnan(v))
						continue;
					if (v == 0)
						v = 0;  /* -0 and 0 are one value */
					st = ad_counter_add(f->modes, &v, sizeof v,
					    NULL, err);
				} else {
					if ((t = ad_block_text(b, i, c, &len)) == NULL)
						continue;
					st = ad_counter_add(f->modes, t, len, NULL, err);
				}
				if (st != AD_OK)
					return st;
			}
		}
	}
	return AD_OK;
}

struct mode_pick {
	enum ad_type type;
	const void *key;
	size_t len;
	uint64_t count;
};

/* Keeps the most frequent value; ties go to the smallest, so the choice
 * does not depend on hash order. */
static void pick_mode(void *ctx, const void *key, size_t len, uint64_t count)
{
	struct mode_pick *m = ctx;
	int smaller;

	if (m->key != NULL && count < m->count)
		return;
	if (m->key != NULL && count == m->count) {
		if (m->type == AD_NUMERIC) {
			double a, b;
			memcpy(&a, key, sizeof a);
			memcpy(&b, m->key, sizeof b);
			smaller = a < b;
		} else {
			size_t n = len < m->len ? len : m->len;
			int c = n ? memcmp(key, m->key, n) : 0;
			smaller = c < 0 || (c == 0 && len < m->len);
		}
		if (!smaller)
			return;
	}
	m->key = key;
	m->len = len;
	m->count = count;
}

static enum ad_status finish_learning(struct run *r, struct ad_error *err)
{
	for (size_t j = 0; j < r->outs->ncols; j++) {
		struct fill *f = &r->fills[j];
		const struct colstat *s = &f->acc;

		if (f->method == AD_IMPUTE_MEAN && s->n > 0) {
			f->num = (s->sum + s->comp) / (double)s->n;
			f->has = 1;
		} else if (f->method == AD_IMPUTE_MEDIAN && f->nvals > 0) {
			size_t m = f->nvals / 2;
			qsort(f->vals, f->nvals, sizeof *f->vals, ad_num_cmp);
			f->num = f->nvals % 2 ? f->vals[m] :
			    f->vals[m - 1] / 2 + f->vals[m] / 2;
			f->has = 1;
		} else if (f->method == AD_IMPUTE_MODE &&
		    ad_counter_size(f->modes) > 0) {
			struct mode_pick m = { r->outs->cols[j].type, NULL, 0, 0 };
			ad_counter_each(f->modes, pick_mode, &m);
			if (m.type == AD_NUMERIC)
				memcpy(&f->num, m.key, sizeof f->num);
			else if ((f->text = ad_strndup(m.key, m.len)) == NULL)
				return ad_error_nomem(err);
			f->len = m.len;
			f->has = 1;
		}
		if (f->method != AD_IMPUTE_NONE && !f->has &&
		    r->res->unlearned++ == 0)
			snprintf(r->res->unlearned_example,
			    sizeof r->res->unlearned_example, "%s",
			    r->outs->cols[j].name);
	}
	return AD_OK;
}

/* ---- applying: fill, drop, dedupe ---- */

/* Serializes output row i for hashing; returns its length or 0 on OOM. */
static size_t row_key(struct run *r, const struct ad_block *b, size_t i,
    const size_t *map)
{
	size_t n = 0;

	for (size_t j = 0; j < r->outs->ncols; j++) {
		size_t c = map ? map[j] : j, len = 0, need;
		const char *t = NULL;

		if (r->outs->cols[j].type == AD_TEXT) {
			t = ad_block_text(b, i, c, &len);
			if (t == NULL)
				len = 0;
		}
		need = n + 9 + len;
		char *nb = ad_grow(r->rowbuf, &r->rowcap, need, 1);

		if (nb == NULL)
			return 0;
		r->rowbuf = nb;
		if (r->outs->cols[j].type == AD_NUMERIC) {
			r->rowbuf[n++] = 'n';
			memcpy(r->rowbuf + n, &b->num[i * b->ncols + c], 8);
			n += 8;
		} else {
			uint64_t l = t == NULL ? UINT64_MAX : len;
			r->rowbuf[n++] = 't';
			memcpy(r->rowbuf + n, &l, 8);
			n += 8;
			if (len > 0)
				memcpy(r->rowbuf + n, t, len);
			n += len;
		}
	}
	return n;
}

static enum ad_status is_duplicate(struct run *r, const struct ad_block *b,
    size_t i, const size_t *map, int *dup, struct ad_error *err)
{
	size_t n = row_key(r, b, i, map);
	XXH128_hash_t h;
	unsigned char digest[16];
	uint64_t count;
	enum ad_status st;

	if (n == 0 && r->outs->ncols > 0)
		return ad_error_nomem(err);
	h = XXH3_128bits(r->rowbuf, n);
	memcpy(digest, &h.low64, 8);
	memcpy(digest + 8, &h.high64, 8);
	if ((st = ad_counter_add(r->seen, digest, sizeof digest, &count,
	    err)) != AD_OK)
		return st;
	*dup = count > 1;
	return AD_OK;
}

/* Drops rows seen before, comparing the values as read (before any fill),
 * so fill values are learned from distinct rows only. */
static enum ad_status dedupe(struct run *r, struct ad_block *b,
    const size_t *map, struct ad_error *err)
{
	enum ad_status st;
	int dup = 0;

	if (!r->dedupe)
		return AD_OK;
	for (size_t i = 0; i < b->nrows; i++) {
		if ((st = is_duplicate(r, b, i, map, &dup, err)) != AD_OK)
			return st;
		r->keep[i] = !dup;
		r->res->rows_duplicate += (uint64_t)dup;
	}
	ad_block_compact(b, r->keep);
	return AD_OK;
}

/* Fills missing cells and drops rows still missing one (with
 * --drop-missing); map takes output columns to b's (NULL: the same). */
static enum ad_status fill(struct run *r, struct ad_block *b,
    const size_t *map, struct ad_error *err)
{
	enum ad_status st;

	for (size_t i = 0; i < b->nrows; i++) {
		int missing = 0;

		for (size_t j = 0; j < r->outs->ncols; j++) {
			const struct fill *f = &r->fills[j];
			size_t c = map ? map[j] : j, len;

			if (r->outs->cols[j].type == AD_NUMERIC) {
				double *v = &b->num[i * b->ncols + c];
				if (!isnan(*v))
					continue;
				if (f->has) {
					*v = f->num;
					r->res->cells_imputed++;
				} else
					missing = 1;
			} else if (ad_block_text(b, i, c, &len) == NULL) {
				if (!f->has) {
					missing = 1;
					continue;
				}
				st = ad_block_set_text(b, i, c, f->text, f->len, err);
				if (st != AD_OK)
					return st;
				r->res->cells_imputed++;
			}
		}
		r->keep[i] = !(missing && r->drop_missing);
		r->res->rows_dropped_missing += (uint64_t)!r->keep[i];
	}
	ad_block_compact(b, r->keep);
	return AD_OK;
}

/* Fills (see fill) and writes the rows left. */
static enum ad_status fill_and_write(struct run *r, struct ad_block *b,
    const size_t *map, struct ad_error *err)
{
	enum ad_status st = fill(r, b, map, err);

	return st != AD_OK ? st : ad_writer_write(r->w, b, map, err);
}

/* ---- rejected rows ---- */

/* ---- outputs: params, report, metrics ---- */

static enum ad_status save_params(struct run *r, struct ad_error *err)
{
	struct ad_out *o = r->save;
	const char *const *na = r->o->in.na ? r->o->in.na : ad_reader_default_na;
	size_t n_na = r->o->in.na ? r->o->in.n_na : ad_reader_default_na_count;
	enum ad_status st = ad_params_begin(o, COMMAND, err);

	if (st == AD_OK)
		st = ad_params_key(o, "na", err);
	for (size_t i = 0; i < n_na && st == AD_OK; i++)
		st = ad_params_text(o, na[i], strlen(na[i]), err);
	if (st == AD_OK)
		st = ad_params_end(o, err);
	if (st == AD_OK && (st = ad_params_key(o, "drop_missing", err)) == AD_OK &&
	    (st = ad_params_num(o, r->drop_missing, err)) == AD_OK)
		st = ad_params_end(o, err);
	if (st == AD_OK && (st = ad_params_key(o, "dedupe", err)) == AD_OK &&
	    (st = ad_params_num(o, r->dedupe, err)) == AD_OK)
		st = ad_params_end(o, err);
	for (size_t c = 0; c < r->in->ncols && st == AD_OK; c++) {
		const struct ad_column *col = &r->in->cols[c];
		const char *t = ad_schema_type_name(col->type);
		if ((st = ad_params_key(o, "input", err)) == AD_OK &&
		    (st = ad_params_text(o, col->name, strlen(col->name),
		    err)) == AD_OK &&
		    (st = ad_params_text(o, t, strlen(t), err)) == AD_OK)
			st = ad_params_end(o, err);
	}
	for (size_t j = 0; j < r->outs->ncols && st == AD_OK; j++) {
		const struct fill *f = &r->fills[j];
		const char *name = r->outs->cols[j].name;
		const char *m = method_name(f->has ? f->method : AD_IMPUTE_NONE);

		if ((st = ad_params_key(o, "output", err)) != AD_OK ||
		    (st = ad_params_text(o, name, strlen(name), err)) != AD_OK ||
		    (st = ad_params_text(o, m, strlen(m), err)) != AD_OK)
			break;
		if (f->has && r->outs->cols[j].type == AD_NUMERIC)
			st = ad_params_num(o, f->num, err);
		else if (f->has)
			st = ad_params_text(o, f->text, f->len, err);
		if (st == AD_OK)
			st = ad_params_end(o, err);
	}
	return st;
}

/* The report's "invalid_examples" of input column c: its first few
 * distinct invalid cells. */
static void report_examples(const struct run *r, struct ad_emit *e, size_t c)
{
	size_t n;
	const char *const *ex = ad_reader_invalid_examples(r->rd, c, &n);

	ad_emit_raw(e, ", \"invalid_examples\": [");
	for (size_t i = 0; i < n; i++) {
		ad_emit_raw(e, i ? ", " : "");
		ad_emit_json_str(e, ex[i]);
	}
	ad_emit_raw(e, "]");
}

/* The JSON report. */
static enum ad_status write_report(struct run *r, struct ad_error *err)
{
	const struct ad_clean_result *s = r->res;
	const uint64_t *inv = ad_reader_invalid(r->rd);
	struct ad_emit e;
	struct { const char *key; uint64_t v; } counts[] = {
		{ "rows_read", s->rows_read }, { "rows_written", s->rows_written },
		{ "rows_rejected", s->rows_rejected },
		{ "rows_duplicate", s->rows_duplicate },
		{ "rows_dropped_missing", s->rows_dropped_missing },
		{ "cells_invalid", s->cells_invalid },
		{ "cells_imputed", s->cells_imputed },
	};

	ad_emit_init(&e, r->report, err);
	ad_emit_raw(&e, "{\n  \"input\": ");
	ad_emit_json_str(&e, ad_reader_name(r->rd));
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		ad_emit_json_key(&e, ",\n  ", counts[i].key);
		ad_emit_json_uint(&e, counts[i].v);
	}
	ad_emit_raw(&e, ",\n  \"columns\": [");
	for (size_t c = 0; c < r->in->ncols; c++) {
		const struct colstat *cs = &r->stats[c];
		const struct ad_column *col = &r->in->cols[c];

		ad_emit_json_key(&e, c ? ",\n    {" : "\n    {", "name");
		ad_emit_json_str(&e, col->name);
		ad_emit_raw(&e, ", \"type\": \"");
		ad_emit_raw(&e, ad_schema_type_name(col->type));
		ad_emit_raw(&e, "\", \"missing\": ");
		ad_emit_json_uint(&e, cs->missing - inv[c]);
		ad_emit_raw(&e, ", \"invalid\": ");
		ad_emit_json_uint(&e, inv[c]);
		if (inv[c] > 0)
			report_examples(r, &e, c);
		if (col->type == AD_NUMERIC) {
			ad_emit_raw(&e, ", \"min\": ");
			ad_emit_json_num(&e, cs->n ? cs->min : NAN);
			ad_emit_raw(&e, ", \"max\": ");
			ad_emit_json_num(&e, cs->n ? cs->max : NAN);
			ad_emit_raw(&e, ", \"mean\": ");
			ad_emit_json_num(&e, cs->n ? (cs->sum + cs->comp) /
			    (double)cs->n : NAN);
		}
		ad_emit_raw(&e, "}");
	}
	ad_emit_raw(&e, "\n  ]\n}\n");
	return ad_emit_status(&e);
}

/* One gauge sample labelled with the input (and the column, if any),
 * headed by its HELP and TYPE when first. */
static void prom_metric(struct ad_emit *e, const char *name,
    const char *help, const char *input, const char *column, double v,
    int first)
{
	const struct ad_prom_label labels[] = {
		{ "input", input }, { "column", column }
	};

	if (first)
		ad_emit_prom_family(e, name, help);
	ad_emit_prom_sample(e, name, labels, 2, v);
}

static enum ad_status write_prom(struct run *r, struct ad_error *err)
{
	const struct ad_clean_result *s = r->res;
	const uint64_t *inv = ad_reader_invalid(r->rd);
	const char *in = ad_reader_name(r->rd);
	struct { const char *name, *help; uint64_t v; } rows[] = {
		{ "adkit_clean_rows_read", "Data rows read in the last run.",
		    s->rows_read },
		{ "adkit_clean_rows_written", "Rows written in the last run.",
		    s->rows_written },
		{ "adkit_clean_rows_rejected", "Rows rejected for their field "
		    "count in the last run.", s->rows_rejected },
		{ "adkit_clean_rows_duplicate", "Duplicate rows dropped in the "
		    "last run.", s->rows_duplicate },
		{ "adkit_clean_rows_dropped_missing", "Rows dropped for missing "
		    "values in the last run.", s->rows_dropped_missing },
		{ "adkit_clean_cells_invalid", "Cells that did not parse as "
		    "numbers in the last run.", s->cells_invalid },
		{ "adkit_clean_cells_imputed", "Missing cells filled in the last "
		    "run.", s->cells_imputed },
	};
	uint64_t rows_kept = s->rows_read - s->rows_rejected;
	struct ad_emit e;

	ad_emit_init(&e, r->prom, err);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		prom_metric(&e, rows[i].name, rows[i].help, in, NULL,
		    (double)rows[i].v, 1);
	for (size_t c = 0; c < r->in->ncols; c++)
		prom_metric(&e, "adkit_clean_column_missing_ratio",
		    "Share of a column's cells missing or invalid in the last run.",
		    in, r->in->cols[c].name, rows_kept ?
		    (double)r->stats[c].missing / (double)rows_kept : 0, c == 0);
	for (size_t c = 0; c < r->in->ncols; c++)
		prom_metric(&e, "adkit_clean_column_invalid_cells",
		    "Cells of a column that did not parse as numbers in the last "
		    "run.", in, r->in->cols[c].name, (double)inv[c], c == 0);
	prom_metric(&e, "adkit_clean_last_success_timestamp_seconds",
	    "When ad-clean last finished successfully, in Unix time.", in,
	    NULL, ad_prom_run_time(), 1);
	return ad_emit_status(&e);
}

/* ---- the run ---- */

static enum ad_status check_options(const struct ad_clean_opts *o,
    struct ad_error *err)
{
	const char *clash = NULL;

	if (o->restore_path == NULL && o->applied_path != NULL)
		return ad_error_set(err, AD_EUSAGE, "--applied needs --restore");
	if (o->restore_path == NULL)
		return o->n_select > 0 && o->n_drop > 0 ? ad_error_set(err,
		    AD_EUSAGE, "--select and --drop cannot be combined") : AD_OK;
	if (o->save_path != NULL)
		return ad_error_set(err, AD_EUSAGE, "--save and --restore cannot "
		    "be combined");
	if (o->n_impute > 0)
		clash = "--impute";
	else if (o->drop_missing)
		clash = "--drop-missing";
	else if (o->dedupe)
		clash = "--dedupe";
	else if (o->n_select > 0)
		clash = "--select";
	else if (o->n_drop > 0)
		clash = "--drop";
	else if (o->schema_path != NULL)
		clash = "--schema";
	else if (o->in.na != NULL)
		clash = "--na";
	if (clash != NULL)
		return ad_error_set(err, AD_EUSAGE, "%s cannot be combined with "
		    "--restore: the params file fixes it", clash);
	return AD_OK;
}

/* Opens every output before the first row is read, so a bad path fails
 * early and leaves the input unread; they are committed in this order, the
 * data last. */
static enum ad_status open_outputs(struct run *r, struct ad_error *err)
{
	const struct ad_clean_opts *o = r->o;
	const struct ad_outset_entry e[] = {
		{ &r->save, o->save_path }, { &r->applied, o->applied_path },
		{ &r->report, o->report_path },
		{ &r->prom, o->prom_path }, { &r->rej.out, o->rejects_path },
		{ &r->out, o->to ? NULL : o->output ? o->output : "-" },
	};

	return ad_outset_open(&r->outset, e, sizeof e / sizeof e[0], err);
}

static enum ad_status open_input(struct run *r, struct ad_error *err)
{
	struct ad_reader_opts ro = r->o->in;
	enum ad_status st;

	ro.types = r->types;
	if (r->params != NULL) {
		ro.na = (const char *const *)r->na;
		ro.n_na = r->n_na;
	}
	r->delim = ro.delim ? ro.delim : ',';
	if (r->rej.out != NULL) {
		r->rej.delim = r->delim;
		ro.on_reject = ad_writer_reject;
		ro.reject_ctx = &r->rej;
	}
	if ((st = ad_chain_open_input(&r->chain, &ro, err)) != AD_OK)
		return st;
	*r->from_taken = 1;
	if ((st = ad_reader_open(&r->rd, &ro, err)) != AD_OK)
		return st;
	r->in = ad_reader_schema(r->rd);
	r->stats = ad_calloc(r->in->ncols + 1, sizeof *r->stats);
	r->keep = ad_malloc(AD_BLOCK_ROWS);
	if (r->stats == NULL || r->keep == NULL)
		return ad_error_nomem(err);
	return AD_OK;
}

static enum ad_status prepare(struct run *r, struct ad_error *err)
{
	struct ad_writer_opts wo = { 0 };
	enum ad_status st;

	if ((st = choose_columns(r, err)) != AD_OK)
		return st;
	if ((r->fills = ad_calloc(r->outs->ncols + 1, sizeof *r->fills)) == NULL)
		return ad_error_nomem(err);
	st = r->params ? fills_from_params(r, err) : fills_from_options(r, err);
	if (st != AD_OK)
		return st;
	if (r->dedupe && (st = ad_counter_new(&r->seen, err)) != AD_OK)
		return st;
	wo.format = r->o->format_set ? r->o->format : ad_reader_format(r->rd);
	wo.delim = r->delim;
	wo.no_header = r->o->in.no_header;
	if ((st = ad_chain_begin(&r->chain, r->rd, wo.format, AD_LINEAGE_CLEAN,
	    r->params ? r->o->restore_path : NULL, r->params ?
	    ad_params_sha256(r->params) : NULL, r->save, r->o->save_path,
	    err)) != AD_OK)
		return st;
	wo.lineage = ad_chain_lineage(&r->chain);
	return ad_writer_open(&r->w, r->o->to ? r->o->to : r->out, r->outs,
	    &wo, err);
}

/* Reads the rows put aside back and applies the learned fills. */
static enum ad_status replay(struct run *r, struct ad_error *err)
{
	struct ad_block *b;
	enum ad_status st;

	while ((st = ad_replay_next(r->replay, &b, err)) == AD_OK && b->nrows > 0)
		if ((st = fill_and_write(r, b, NULL, err)) != AD_OK)
			break;
	return st;
}

static enum ad_status stream(struct run *r, struct ad_error *err)
{
	struct ad_block *b;
	int learning = needs_learning(r);
	enum ad_status st;

	if (learning && (st = ad_replay_new(&r->replay, r->outs,
	    (uint64_t)AD_REPLAY_MEMORY << 20, NULL, err)) != AD_OK)
		return st;
	while ((st = ad_reader_next(r->rd, &b, err)) == AD_OK && b->nrows > 0) {
		update_stats(r, b);
		if ((st = dedupe(r, b, r->colmap, err)) != AD_OK)
			return st;
		if (!learning)
			st = fill_and_write(r, b, r->colmap, err);
		else if ((st = learn(r, b, err)) == AD_OK)
			st = ad_replay_add(r->replay, b, r->colmap, err);
		if (st != AD_OK)
			return st;
	}
	if (st != AD_OK)
		return st;
	if (r->params == NULL && (st = finish_learning(r, err)) != AD_OK)
		return st;
	if (learning && ((st = ad_replay_end(r->replay, err)) != AD_OK ||
	    (st = replay(r, err)) != AD_OK))
		return st;
	return AD_OK;
}

static void tally(struct run *r)
{
	const uint64_t *inv = ad_reader_invalid(r->rd);

	r->res->rows_rejected = ad_reader_rejected(r->rd);
	r->res->rows_read = ad_reader_rows(r->rd) + r->res->rows_rejected;
	r->res->rows_written = ad_writer_rows(r->w);
	for (size_t c = 0; c < r->in->ncols; c++)
		r->res->cells_invalid += inv[c];
}

/* Writes the side outputs, ends the stream (its end record has the saved
 * params' digest) and commits every output; on failure the rest are
 * dropped. */
static enum ad_status commit(struct run *r, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	if (r->save != NULL)
		st = save_params(r, err);
	if (st == AD_OK && r->applied != NULL)
		st = ad_params_copy(r->applied, r->o->restore_path, COMMAND, err);
	if (st == AD_OK &&
	    (st = ad_chain_end(&r->chain, r->rd, r->save, err)) == AD_OK)
		st = ad_writer_finish(r->w, err);
	if (st == AD_OK && r->report != NULL)
		st = write_report(r, err);
	if (st == AD_OK && r->prom != NULL)
		st = write_prom(r, err);
	return st != AD_OK ? st : ad_outset_commit(r->outset, err);
}

/* Tells the caller of each column that lost cells, and a few of them. */
static void name_invalid(const struct run *r)
{
	const uint64_t *inv = ad_reader_invalid(r->rd);

	for (size_t c = 0; c < r->in->ncols; c++) {
		size_t n;
		const char *const *ex;

		if (inv[c] == 0)
			continue;
		ex = ad_reader_invalid_examples(r->rd, c, &n);
		r->o->invalid_named(r->o->invalid_ctx, r->in->cols[c].name,
		    inv[c], ex, n);
	}
}

static void run_free(struct run *r)
{
	ad_outset_free(r->outset);
	ad_replay_free(r->replay);
	ad_writer_free(r->w);
	ad_reader_free(r->rd);
	ad_chain_free(&r->chain);
	for (size_t j = 0; r->fills != NULL && j < r->outs->ncols; j++) {
		ad_free(r->fills[j].text);
		ad_free(r->fills[j].vals);
		ad_counter_free(r->fills[j].modes);
	}
	ad_free(r->fills);
	ad_schema_free(r->outs);
	ad_schema_free(r->types);
	ad_params_free(r->owned_params);
	free_strings(r->na, r->n_na);
	free_strings(r->restore_out, r->n_restore_out);
	ad_counter_free(r->seen);
	ad_free(r->colmap);
	ad_free(r->stats);
	ad_free(r->keep);
	ad_free(r->rowbuf);
}

static enum ad_status run_clean(const struct ad_clean_opts *o,
    struct ad_clean_result *res, int *taken, struct ad_error *err)
{
	struct run r;
	enum ad_status st;

	memset(&r, 0, sizeof r);
	r.from_taken = taken;
	memset(res, 0, sizeof *res);
	r.o = o;
	r.res = res;
	r.drop_missing = o->drop_missing;
	r.dedupe = o->dedupe;
	if ((st = check_options(o, err)) != AD_OK)
		return st;
	if ((st = ad_schema_new(&r.types, err)) != AD_OK)
		return st;
	if (o->restore_path != NULL)
		st = load_params(&r, err);
	else if (o->schema_path != NULL)
		st = load_schema(&r, err);
	if (st == AD_OK)
		st = open_outputs(&r, err);
	if (st == AD_OK)
		st = open_input(&r, err);
	if (st == AD_OK)
		st = prepare(&r, err);
	if (st == AD_OK)
		st = stream(&r, err);
	if (st == AD_OK) {
		tally(&r);
		st = commit(&r, err);
	}
	if (st == AD_OK && o->invalid_named != NULL)
		name_invalid(&r);
	if (st != AD_OK)
		ad_reader_locate(r.rd, err);
	run_free(&r);
	return st;
}

/* The stream in o->in.from is the run's whatever happens: closed here when
 * the run ended before handing it to the reader. */
enum ad_status ad_clean_run(const struct ad_clean_opts *o,
    struct ad_clean_result *res, struct ad_error *err)
{
	int taken = 0;
	enum ad_status st = run_clean(o, res, &taken, err);

	if (!taken)
		ad_in_close(o->in.from);
	return st;
}

/* ---- the params applied to rows in memory (ad-serve) ---- */

struct ad_clean_apply {
	struct ad_clean_opts o;
	struct ad_clean_result res;   /* unused: each call counts its own */
	struct run r;                 /* set up once; each call copies it */
};

enum ad_status ad_clean_apply_new(struct ad_clean_apply **out,
    const struct ad_params *p, const char *name, struct ad_error *err)
{
	struct ad_clean_apply *a = ad_calloc(1, sizeof *a);
	struct run *r;
	enum ad_status st;

	if (a == NULL)
		return ad_error_nomem(err);
	r = &a->r;
	a->o.restore_path = name;
	a->o.restore_params = p;
	r->o = &a->o;
	r->res = &a->res;
	if ((st = ad_schema_new(&r->types, err)) == AD_OK &&
	    (st = load_params(r, err)) == AD_OK) {
		r->in = r->types;
		st = choose_columns(r, err);
	}
	if (st == AD_OK && (r->fills = ad_calloc(r->outs->ncols + 1,
	    sizeof *r->fills)) == NULL)
		st = ad_error_nomem(err);
	if (st == AD_OK)
		st = fills_from_params(r, err);
	if (st != AD_OK) {
		ad_clean_apply_free(a);
		return st;
	}
	*out = a;
	return AD_OK;
}

void ad_clean_apply_free(struct ad_clean_apply *a)
{
	if (a == NULL)
		return;
	run_free(&a->r);
	ad_free(a);
}

const struct ad_schema *ad_clean_apply_inputs(const struct ad_clean_apply *a)
{
	return a->r.types;
}

const struct ad_schema *ad_clean_apply_outputs(const struct ad_clean_apply *a)
{
	return a->r.outs;
}

const size_t *ad_clean_apply_map(const struct ad_clean_apply *a)
{
	return a->r.colmap;
}

const char *const *ad_clean_apply_na(const struct ad_clean_apply *a,
    size_t *n)
{
	*n = a->r.n_na;
	return (const char *const *)a->r.na;
}

int ad_clean_apply_dedupes(const struct ad_clean_apply *a)
{
	return a->r.dedupe;
}

enum ad_status ad_clean_apply_block(const struct ad_clean_apply *a,
    struct ad_block *b, struct ad_counter *seen, struct ad_clean_result *res,
    struct ad_error *err)
{
	struct run r = a->r;    /* this call's counts, scratch and seen rows */
	enum ad_status st;

	if (r.dedupe && seen == NULL)
		return ad_error_set(err, AD_EUSAGE, "internal: the params dedupe "
		    "rows, and no set of rows seen is given");
	r.res = res;
	r.seen = seen;
	r.rowbuf = NULL;
	r.rowcap = 0;
	if ((r.keep = ad_malloc(b->nrows + 1)) == NULL)
		return ad_error_nomem(err);
	res->rows_read += b->nrows;
	if ((st = dedupe(&r, b, r.colmap, err)) == AD_OK)
		st = fill(&r, b, r.colmap, err);
	if (st == AD_OK)
		res->rows_written += b->nrows;
	ad_free(r.keep);
	ad_free(r.rowbuf);
	return st;
}
