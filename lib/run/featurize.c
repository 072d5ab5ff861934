/*
 * ad-features.
 *
 * What a run does is described by a model (struct ad_featurize_model,
 * built and saved or restored by featurize_model.c): the input's columns
 * and, in output order, the parts each contributes (a column kept as it
 * is, a numeric feature with its scale, one-hot or frequency columns,
 * calendar columns), with the context settings and the category tables.
 * With -s the model is built from the options and fitted; with -r it is
 * read from the params file. Either way one transform turns rows into
 * output from it, so a restored run repeats the fitting run.
 *
 * Passes: when nothing needs fitting (or -r supplies it), the input streams
 * through in one pass with flat memory. When scales or categories must be
 * learned from the whole input, a binary stream in a regular file is simply
 * read twice, fitting and then transforming: reading it again from the page
 * cache costs less than keeping a copy, and memory stays flat. Other input
 * (a pipe, or CSV, which would have to be parsed again) waits while the
 * statistics accumulate: the first --memory MiB of the rows the transform
 * needs in memory, the rest spilled to an unnamed temporary binary stream
 * (lib/io/replay.c); then both are replayed, in order. Holding the first
 * rows spares moderate inputs the round trip through the kernel, which
 * costs more than the fit itself; the spill keeps memory bounded whatever
 * the input's length. Memory beyond
 * that grows only with robust scaling (8 bytes per value of each robust
 * column), the category tables and the context state of each group. With
 * --sort every row is held, sorted by time (stably) and then transformed.
 *
 * Every check that can fail on the data (cells, times, their order) runs in
 * the first pass, where each row still has its line in the input, so a
 * replay cannot fail except for I/O.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "in.h"
#include "block.h"
#include "context.h"
#include "counter.h"
#include "encode.h"
#include "featurize.h"
#include "featurize_model.h"
#include "hashmap.h"
#include "num.h"
#include "out.h"
#include "outset.h"
#include "params.h"
#include "replay.h"
#include "schema.h"
#include "timeparse.h"
#include "writer.h"

/* ---- options ---- */

enum ad_status ad_featurize_parse_scale(const char *arg,
    struct ad_scale_spec **specs, size_t *n, struct ad_error *err)
{
	const char *p = arg;

	for (;;) {
		const char *end = strchr(p, ','), *eq = NULL;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct ad_scale_spec sp = { NULL, AD_SCALE_NONE }, *ns;
		char *method;

		/* the last '=' splits, so a column may be named "host=web1" */
		for (const char *q = p; q < p + len; q++)
			if (*q == '=')
				eq = q;
		if (len == 0 || eq == p || (eq != NULL && eq == p + len - 1))
			return ad_error_set(err, AD_EUSAGE, "--scale: expected "
			    "METHOD or COLUMN=METHOD items, got \"%s\"", arg);
		method = eq ? ad_strndup(eq + 1, len - (size_t)(eq + 1 - p)) :
		    ad_strndup(p, len);
		if (method == NULL)
			return ad_error_nomem(err);
		if (ad_scale_parse(method, &sp.method) != 0) {
			enum ad_status st = ad_error_set(err, AD_EUSAGE, "--scale: "
			    "unknown method \"%s\" (standard, minmax, robust or "
			    "none)", method);
			ad_free(method);
			return st;
		}
		ad_free(method);
		if (eq != NULL &&
		    (sp.column = ad_strndup(p, (size_t)(eq - p))) == NULL)
			return ad_error_nomem(err);
		if ((ns = ad_realloc(*specs, (*n + 1) * sizeof *ns)) == NULL) {
			ad_free(sp.column);
			return ad_error_nomem(err);
		}
		ns[(*n)++] = sp;
		*specs = ns;
		if (end == NULL)
			return AD_OK;
		p = end + 1;
	}
}

void ad_featurize_free_scale(struct ad_scale_spec *specs, size_t n)
{
	if (specs == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		ad_free(specs[i].column);
	ad_free(specs);
}

static int in_list(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; s != NULL && i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* Whether --scale names column s. */
static int scale_names(const struct ad_featurize_opts *o, const char *s)
{
	for (size_t i = 0; i < o->n_scale; i++)
		if (o->scale[i].column != NULL && strcmp(o->scale[i].column, s) == 0)
			return 1;
	return 0;
}

/* A column list given with an option, for the checks below. */
struct named {
	const char *opt;
	char *const *names;
	size_t n;
};

static enum ad_status no_repeats(const struct named *l, struct ad_error *err)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(l->names[i], l->names[j]) == 0)
				return ad_error_set(err, AD_EUSAGE, "%s names \"%s\" "
				    "twice", l->opt, l->names[i]);
	return AD_OK;
}

/* The treatments of a column; a column named in options of two different
 * classes is a contradiction. */
enum treat { T_KEEP, T_NUMERIC, T_ENCODE };

/* The first option other than those of class cls naming column c, or NULL. */
static const char *other_class(const struct ad_featurize_opts *o,
    const struct named *l, size_t nl, const enum treat *cls, enum treat mine,
    const char *c)
{
	for (size_t j = 0; j < nl; j++)
		if (cls[j] != mine && in_list(l[j].names, l[j].n, c))
			return l[j].opt;
	if (mine != T_NUMERIC && scale_names(o, c))
		return "--scale";
	if (mine != T_KEEP && o->time != NULL && strcmp(c, o->time) == 0)
		return "--time";
	if (mine == T_NUMERIC && o->group != NULL && strcmp(c, o->group) == 0)
		return "--group";
	return NULL;
}

/* Whether --select or --drop leaves column c out; says which in *opt. */
static int left_out(const struct ad_featurize_opts *o, const char *c,
    const char **opt)
{
	*opt = o->n_select ? "--select leaves out" : "--drop removes";
	return in_list(o->drop, o->n_drop, c) ||
	    (o->n_select > 0 && !in_list(o->select, o->n_select, c));
}

/* Checks the column names of the options against each other: no list
 * repeats a name, no column gets two kinds of treatment (kept, numeric:
 * --log, --context and --scale, encoded: --onehot and --freq), --time is
 * only kept, --group is kept or encoded, and nothing treated is left out. */
static enum ad_status check_names(const struct ad_featurize_opts *o,
    struct ad_error *err)
{
	const struct named l[] = {
		{ "--keep", o->keep, o->n_keep },
		{ "--log", o->log, o->n_log },
		{ "--context", o->context, o->n_context },
		{ "--onehot", o->onehot, o->n_onehot },
		{ "--freq", o->freq, o->n_freq },
		{ "--select", o->select, o->n_select },
		{ "--drop", o->drop, o->n_drop },
	};
	const enum treat cls[] = { T_KEEP, T_NUMERIC, T_NUMERIC, T_ENCODE,
	    T_ENCODE };
	const size_t ntreat = sizeof cls / sizeof cls[0];
	const char *why, *out;
	enum ad_status st;

	for (size_t i = 0; i < sizeof l / sizeof l[0]; i++)
		if ((st = no_repeats(&l[i], err)) != AD_OK)
			return st;
	if (o->time != NULL && o->group != NULL && strcmp(o->time, o->group) == 0)
		return ad_error_set(err, AD_EUSAGE, "--time and --group name the "
		    "same column");
	for (size_t i = 0; i < ntreat; i++)
		for (size_t k = 0; k < l[i].n; k++) {
			const char *c = l[i].names[k];

			if ((why = other_class(o, l, ntreat, cls, cls[i], c)) != NULL)
				return ad_error_set(err, AD_EUSAGE, "%s and %s both "
				    "name \"%s\"", l[i].opt, why, c);
			if (left_out(o, c, &out))
				return ad_error_set(err, AD_EUSAGE, "%s names \"%s\", "
				    "which %s", l[i].opt, c, out);
		}
	for (size_t i = 0; i < o->n_scale; i++) {
		const char *c = o->scale[i].column;

		if (c == NULL)
			continue;
		if ((why = other_class(o, l, ntreat, cls, T_NUMERIC, c)) != NULL)
			return ad_error_set(err, AD_EUSAGE, "--scale and %s both "
			    "name \"%s\"", why, c);
		if (left_out(o, c, &out))
			return ad_error_set(err, AD_EUSAGE, "--scale names \"%s\", "
			    "which %s", c, out);
	}
	return AD_OK;
}

static int repeats_u64(const uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (v[i] == v[j])
				return 1;
	return 0;
}

static enum ad_status check_options(const struct ad_featurize_opts *o,
    struct ad_error *err)
{
	struct ad_context_spec spec = { o->lags, o->n_lags, o->diff, o->windows,
	    o->n_windows, o->alphas, o->n_alphas };
	int context = ad_context_width(&spec) > 0;
	const char *clash = NULL;

	if (o->restore_path != NULL && o->save_path != NULL)
		return ad_error_set(err, AD_EUSAGE, "--save and --restore cannot "
		    "be combined");
	if (o->restore_path == NULL && o->applied_path != NULL)
		return ad_error_set(err, AD_EUSAGE, "--applied needs --restore");
	if (o->restore_path != NULL) {
		const struct { int set; const char *opt; } fixed[] = {
			{ o->n_scale > 0, "--scale" }, { o->n_log > 0, "--log" },
			{ o->n_onehot > 0, "--onehot" },
			{ o->max_categories > 0, "--max-categories" },
			{ o->n_freq > 0, "--freq" }, { o->time != NULL, "--time" },
			{ o->group != NULL, "--group" },
			{ o->context != NULL, "--context" },
			{ o->n_lags > 0, "--lags" }, { o->diff, "--diff" },
			{ o->n_windows > 0, "--rolling" },
			{ o->n_alphas > 0, "--ewm" }, { o->calendar, "--calendar" },
			{ o->n_keep > 0, "--keep" }, { o->n_select > 0, "--select" },
			{ o->n_drop > 0, "--drop" },
		};
		for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
			if (fixed[i].set && clash == NULL)
				clash = fixed[i].opt;
		if (clash != NULL)
			return ad_error_set(err, AD_EUSAGE, "%s cannot be combined "
			    "with --restore: the params file fixes it", clash);
		return AD_OK;
	}
	if (o->n_select > 0 && o->n_drop > 0)
		return ad_error_set(err, AD_EUSAGE, "--select and --drop cannot be "
		    "combined");
	if (o->max_categories > 0 && o->n_onehot == 0)
		clash = "--max-categories needs --onehot";
	else if (o->calendar && o->time == NULL)
		clash = "--calendar needs --time";
	else if (o->sort && o->time == NULL)
		clash = "--sort needs --time";
	else if (o->context != NULL && !context)
		clash = "--context needs --lags, --diff, --rolling or --ewm";
	else if (o->group != NULL && !context)
		clash = "--group needs --lags, --diff, --rolling or --ewm";
	else if (repeats_u64(o->lags, o->n_lags))
		clash = "--lags repeats a value";
	else if (repeats_u64(o->windows, o->n_windows))
		clash = "--rolling repeats a value";
	for (size_t i = 0; clash == NULL && i < o->n_alphas; i++)
		for (size_t j = 0; j < i; j++)
			if (o->alphas[i] == o->alphas[j])
				clash = "--ewm repeats a value";
	if (clash != NULL)
		return ad_error_set(err, AD_EUSAGE, "%s", clash);
	return check_names(o, err);
}

/* ---- the run ---- */

/* Rows held for --sort, and where each one is. */
struct skey {
	struct ad_time t;
	uint32_t block, row;
};

struct store {
	struct ad_block **blocks;
	size_t nblocks, bcap;
	struct skey *keys;
	size_t nkeys, kcap;
};

struct run {
	const struct ad_featurize_opts *o;
	struct ad_featurize_result *res;
	struct ad_featurize_model *m;
	int m_borrowed;              /* m is the caller's (applying in
	                                memory) */
	struct ad_schema *types;     /* -r: the input's types */
	int fitting;                 /* the model is learned from this input */
	int learning;                /* ...and something needs the whole input */
	struct ad_reader *rd;
	int *from_taken;             /* set: o->in.from went to the reader */
	const struct ad_schema *in;
	size_t *in_of;               /* model column -> input column */
	size_t *used;                /* model columns the transform reads */
	size_t nused;
	size_t *slot_of;             /* model column -> place among used */
	size_t *spill_map;           /* place among used -> input column */
	struct ad_schema *used_schema;
	struct ad_schema *outs;
	size_t *first;               /* part -> its first output column */
	size_t *colmap;              /* in place: output column -> block column */
	size_t *counter;             /* model column -> the one encoding part
	                                that counts its unseen categories */
	int in_place;                /* only kept and plain numeric parts */
	int deferred;                /* rows wait for the fit: held, spilled
	                                or read again from the file */
	struct ad_replay *replay;    /* ...there */
	int plain_copy;              /* rows held are copied whole (all the
	                                input's columns, numeric, in order) */
	/* groups and order */
	struct ad_hashmap *groups;    /* group key -> id - 1; id 0: missing */
	struct ad_time *last;        /* per group id: the last time seen */
	uint64_t *last_line;         /* per group id: its line; 0: none yet */
	size_t lastcap;
	/* context */
	struct ad_context *ctx;
	size_t nctx;
	size_t *ctx_part;            /* context column -> part */
	double *ctx_x;               /* a row's values of the context columns */
	double **ctx_out;            /* where their features go in the row */
	size_t *finite, nfinite;     /* input columns whose values must be
	                                finite: those of computed parts */
	size_t *fit, nfit;           /* parts being fitted a scale */
	size_t *fit_in;              /* ...and their input columns */
	size_t *value, nvalue;       /* numeric parts with a log or a scale */
	int value_log;               /* some of them with a log */
	struct ad_scale *vscale;     /* in place: their scales, once fitted */
	size_t *vcol;                /* in place: their block columns */
	/* per block */
	struct ad_time *times;
	size_t *gids;
	size_t state_rows;           /* rows times and gids hold (in memory:
	                                a session's; else AD_BLOCK_ROWS) */
	double *tmp;
	/* fitting */
	struct ad_scaler **scalers;  /* per part */
	struct ad_counter **counts;  /* per model column */
	/* outputs */
	struct ad_outset *outset;    /* out and save */
	struct ad_out *out, *save;
	struct ad_out *applied;      /* --applied */
	struct ad_chain chain;       /* the output's lineage */
	struct ad_writer *w;
	ad_featurize_sink_fn sink;   /* instead of w: where rows go (applying
	                                to rows in memory) */
	void *sink_ctx;
	struct ad_block *ob;         /* output rows (unless in place) */
	struct ad_block *stage;      /* --sort: rows replayed in time order */
	struct ad_featurize_entities *ents;  /* groups kept across sessions
	                                        (ad-serve), or NULL */
	struct store store;
	char delim;                  /* the CSV delimiter, in and out */
};

/* The input's name in messages: the reader's, or (rows in memory) the
 * params file's. */
static const char *in_name(const struct run *r)
{
	return r->rd != NULL ? ad_reader_name(r->rd) : r->o->restore_path;
}

/* Rows in memory are numbered as in a binary stream. */
static enum ad_format in_format(const struct run *r)
{
	return r->rd != NULL ? ad_reader_format(r->rd) : AD_FORMAT_BIN;
}

/* Hands transformed rows on: to the writer, or to the caller's sink. */
static enum ad_status emit(struct run *r, const struct ad_block *b,
    const size_t *map, struct ad_error *err)
{
	if (r->sink != NULL)
		return r->sink(r->sink_ctx, b, map, err);
	return ad_writer_write(r->w, b, map, err);
}

/* sign(x) log(1 + |x|): defined everywhere, odd, and near x at 0. */
static double signed_log1p(double x)
{
	return copysign(log1p(fabs(x)), x);
}

/* The category of cell (i, col) of b: its text, or a number's shortest
 * form in buf; NULL if missing. */
static const char *category(const struct ad_block *b, size_t i, size_t col,
    enum ad_type type, char *buf, size_t *len)
{
	double v;

	if (type == AD_TEXT)
		return ad_block_text(b, i, col, len);
	v = b->num[i * b->ncols + col];
	if (isnan(v))
		return NULL;
	*len = ad_num_format(v == 0 ? 0 : v, buf);  /* -0 and 0 are one */
	return buf;
}

/* The column map from the used columns to the input's, or NULL when they
 * are every input column, in order. */
static const size_t *spill_colmap(const struct run *r)
{
	if (r->nused != r->in->ncols)
		return r->spill_map;
	for (size_t u = 0; u < r->nused; u++)
		if (r->spill_map[u] != u)
			return r->spill_map;
	return NULL;
}

/* A part whose values are computed, so they must be finite. */
static int computed(const struct part *p)
{
	return p->kind == P_NUMERIC && (p->log || p->context ||
	    p->scale.method != AD_SCALE_NONE);
}

/* ---- the first pass: times, groups and checks ---- */

static enum ad_status grow_groups(struct run *r, size_t id,
    struct ad_error *err)
{
	size_t cap = r->lastcap;
	struct ad_time *t;
	uint64_t *l;

	if (id < r->lastcap)
		return AD_OK;
	if ((t = ad_grow(r->last, &cap, id + 1, sizeof *t)) == NULL)
		return ad_error_nomem(err);
	r->last = t;
	cap = r->lastcap;
	if ((l = ad_grow(r->last_line, &cap, id + 1, sizeof *l)) == NULL)
		return ad_error_nomem(err);
	r->last_line = l;
	memset(l + r->lastcap, 0, (cap - r->lastcap) * sizeof *l);
	r->lastcap = cap;
	return AD_OK;
}

/* ---- groups kept across sessions (ad-serve's entities) ----
 *
 * An entity (a group key) has a slot: its group id, which indexes the
 * times last seen and the context state, and stays its own while the
 * entity is kept. keys maps the key to its index there, slot_of the index
 * to the slot; an eviction rebuilds keys from the entities kept, and the
 * slots freed are reset and given to new entities. Id 0 (a missing key)
 * is never evicted. */
struct ad_featurize_entities {
	size_t max;                  /* entities kept at most */
	uint64_t evicted;
	uint64_t tick;               /* rows seen: the clock of seen[] */
	struct ad_hashmap *keys;     /* key -> index */
	size_t *slot_of, slotcap;    /* index -> group id */
	size_t *key_of, keycap;      /* group id -> index */
	uint64_t *seen;              /* group id -> tick last seen */
	size_t *free, nfree, freecap;  /* group ids freed */
	size_t nids;                 /* group ids handed out: 1..nids */
	/* the run's state that persists */
	struct ad_context *ctx;
	struct ad_time *last;
	uint64_t *last_line;
	size_t lastcap;
};

/* Room for one more entity in e's arrays, so adding it cannot fail
 * half-way. */
static enum ad_status entity_room(struct ad_featurize_entities *e,
    struct ad_error *err)
{
	size_t idx = ad_hashmap_size(e->keys), g = e->nids + 1, cap;
	void *p;

	cap = e->slotcap;
	if ((p = ad_grow(e->slot_of, &cap, idx + 1, sizeof *e->slot_of)) == NULL)
		return ad_error_nomem(err);
	e->slot_of = p;
	e->slotcap = cap;
	cap = e->keycap;
	if ((p = ad_grow(e->key_of, &cap, g + 1, sizeof *e->key_of)) == NULL)
		return ad_error_nomem(err);
	e->key_of = p;
	cap = e->keycap;
	if ((p = ad_grow(e->seen, &cap, g + 1, sizeof *e->seen)) == NULL)
		return ad_error_nomem(err);
	e->seen = p;
	e->keycap = cap;
	return AD_OK;
}

/* The group id of a key in e, a new entity getting one. */
static enum ad_status entity_of(struct ad_featurize_entities *e,
    const char *k, size_t len, size_t *id, struct ad_error *err)
{
	size_t idx, g;
	enum ad_status st;

	if ((idx = ad_hashmap_find(e->keys, k, len)) != SIZE_MAX) {
		*id = e->slot_of[idx];
		e->seen[*id] = ++e->tick;
		return AD_OK;
	}
	if ((st = entity_room(e, err)) != AD_OK ||
	    (st = ad_hashmap_add(e->keys, k, len, &idx, NULL, err)) != AD_OK)
		return st;
	if (e->nfree > 0)
		g = e->free[--e->nfree];
	else
		g = ++e->nids;
	e->slot_of[idx] = g;
	e->key_of[g] = idx;
	e->seen[g] = ++e->tick;
	*id = g;
	return AD_OK;
}

/* Forgets entity id's times and context: it starts afresh. */
static void entity_reset(struct ad_featurize_entities *e, size_t id)
{
	ad_context_reset(e->ctx, id);
	if (id < e->lastcap)
		e->last_line[id] = 0;
}

struct aged {
	uint64_t seen;
	size_t id;
};

/* The most recently seen first. */
static int by_recency(const void *pa, const void *pb)
{
	const struct aged *a = pa, *b = pb;

	return (a->seen < b->seen) - (a->seen > b->seen);
}

/* Keys of the entities a[0..keep) in a new map (*keys, their ids in
 * *slot_of), e unchanged. */
static enum ad_status rebuild_keys(const struct ad_featurize_entities *e,
    const struct aged *a, size_t keep, struct ad_hashmap **keys,
    size_t **slot_of, struct ad_error *err)
{
	enum ad_status st;

	*keys = NULL;
	if ((*slot_of = ad_calloc(keep + 1, sizeof **slot_of)) == NULL)
		return ad_error_nomem(err);
	if ((st = ad_hashmap_new(keys, 0, err)) != AD_OK)
		return st;
	for (size_t j = 0; j < keep; j++) {
		size_t len, idx;
		const char *k = ad_hashmap_key(e->keys, e->key_of[a[j].id], &len);

		if ((st = ad_hashmap_add(*keys, k, len, &idx, NULL, err)) != AD_OK)
			return st;
		(*slot_of)[idx] = a[j].id;
	}
	return AD_OK;
}

/* With more than max entities, the least recently seen are evicted, down
 * to max - max/8: the rebuild of the keys an eviction costs is paid once
 * per max/8 new entities, not for each. */
static enum ad_status evict(struct ad_featurize_entities *e,
    struct ad_error *err)
{
	size_t n = ad_hashmap_size(e->keys), keep, cap = e->freecap;
	struct ad_hashmap *keys = NULL;
	size_t *slot_of = NULL, *fr;
	struct aged *a;
	enum ad_status st;

	if (n <= e->max)
		return AD_OK;
	keep = e->max - e->max / 8;
	if ((fr = ad_grow(e->free, &cap, e->nfree + n - keep, sizeof *fr)) ==
	    NULL)
		return ad_error_nomem(err);
	e->free = fr;
	e->freecap = cap;
	if ((a = ad_malloc(n * sizeof *a)) == NULL)
		return ad_error_nomem(err);
	for (size_t idx = 0; idx < n; idx++) {
		a[idx].id = e->slot_of[idx];
		a[idx].seen = e->seen[a[idx].id];
	}
	qsort(a, n, sizeof *a, by_recency);
	if ((st = rebuild_keys(e, a, keep, &keys, &slot_of, err)) != AD_OK) {
		ad_hashmap_free(keys);
		ad_free(slot_of);
		ad_free(a);
		return st;
	}
	for (size_t j = keep; j < n; j++) {
		entity_reset(e, a[j].id);
		e->free[e->nfree++] = a[j].id;
		e->evicted++;
	}
	for (size_t idx = 0; idx < keep; idx++)
		e->key_of[slot_of[idx]] = idx;
	ad_hashmap_free(e->keys);
	e->keys = keys;
	ad_free(e->slot_of);
	e->slot_of = slot_of;
	e->slotcap = keep + 1;
	ad_free(a);
	return AD_OK;
}

/* The group id of row i: 0 for a missing key or without --group. */
static enum ad_status group_of(struct run *r, const struct ad_block *b,
    size_t i, const size_t *map, size_t *id, struct ad_error *err)
{
	const struct mcol *g;
	char buf[AD_NUM_MAXLEN];
	const char *k;
	size_t len, idx;
	enum ad_status st;

	*id = 0;
	if (r->m->group == SIZE_MAX)
		return AD_OK;
	g = &r->m->cols[r->m->group];
	if ((k = category(b, i, map[r->m->group], g->type, buf, &len)) == NULL)
		return AD_OK;
	if (r->ents != NULL)
		return entity_of(r->ents, k, len, id, err);
	if ((st = ad_hashmap_add(r->groups, k, len, &idx, NULL, err)) != AD_OK)
		return st;
	*id = idx + 1;
	return AD_OK;
}

static enum ad_status time_error(struct run *r, const struct ad_block *b,
    size_t i, size_t col, const char *why, struct ad_error *err)
{
	char ex[200] = "";
	size_t len;
	const struct mcol *t = &r->m->cols[r->m->time];
	const char *s;

	if (t->type == AD_TEXT && (s = ad_block_text(b, i, col, &len)) != NULL)
		ad_error_excerpt(ex, sizeof ex, s, len, NULL);
	return ad_error_at(err, AD_EDATA, in_name(r), b->line[i],
	    r->in_of[r->m->time] + 1, "column \"%s\": %s%s%s%s", t->name, why,
	    ex[0] ? ", got \"" : "", ex, ex[0] ? "\"" : "");
}

/* The time of row i. */
static enum ad_status time_of(struct run *r, const struct ad_block *b,
    size_t i, const size_t *map, int check, struct ad_error *err)
{
	size_t col = map[r->m->time], len;
	const char *why, *s;

	if (r->m->cols[r->m->time].type == AD_NUMERIC)
		why = ad_timeparse_from_epoch(b->num[i * b->ncols + col], &r->times[i]);
	else if ((s = ad_block_text(b, i, col, &len)) == NULL)
		why = "missing time";
	else
		why = ad_timeparse_parse_iso(s, len, &r->times[i]);
	if (why != NULL && check)
		return time_error(r, b, i, col, why, err);
	return AD_OK;
}

/* Rows of a group must not go back in time (without --sort). */
static enum ad_status check_order(struct run *r, const struct ad_block *b,
    size_t i, struct ad_error *err)
{
	size_t id = r->gids[i], len = 0;
	const char *key = NULL;
	char ex[200];
	enum ad_status st;

	if ((st = grow_groups(r, id, err)) != AD_OK)
		return st;
	if (r->last_line[id] != 0 && ad_timeparse_cmp(&r->times[i], &r->last[id]) < 0) {
		if (id > 0)
			key = ad_hashmap_key(r->groups, r->ents != NULL ?
			    r->ents->key_of[id] : id - 1, &len);
		ad_error_excerpt(ex, sizeof ex, key ? key : "", len, NULL);
		if (r->ents != NULL)
			return ad_error_at(err, AD_EDATA, in_name(r), b->line[i],
			    r->in_of[r->m->time] + 1, "column \"%s\": time goes "
			    "back for entity \"%s\" (earlier than its last row, "
			    "sent before)", r->m->cols[r->m->time].name,
			    key ? ex : "");
		return ad_error_at(err, AD_EDATA, in_name(r),
		    b->line[i], r->in_of[r->m->time] + 1, "column \"%s\": time "
		    "goes back%s%s%s (the previous row is %s %llu); sort the "
		    "input or give --sort", r->m->cols[r->m->time].name,
		    key ? " in group \"" : "", key ? ex : "", key ? "\"" : "",
		    in_format(r) == AD_FORMAT_BIN ? "row" : "line",
		    (unsigned long long)r->last_line[id]);
	}
	r->last[id] = r->times[i];
	r->last_line[id] = b->line[i];
	return AD_OK;
}

/* Whether any of v[0..n) is infinite: the largest magnitude, NaN passed
 * over, in eight lanes that vectorize. */
static int any_infinite(const double *v, size_t n)
{
	double m[8] = { 0 };
	size_t i = 0;
	int inf = 0;

	for (; i + 8 <= n; i += 8)
		for (int k = 0; k < 8; k++) {
			double a = fabs(v[i + k]);
			m[k] = a > m[k] ? a : m[k];
		}
	for (int k = 0; k < 8; k++)
		inf |= m[k] == INFINITY;
	for (; i < n; i++)
		inf |= fabs(v[i]) == INFINITY;
	return inf;
}

static enum ad_status check_finite(struct run *r, const struct ad_block *b,
    struct ad_error *err)
{
	/* the whole block at once first: as a rule nothing is infinite */
	if (r->nfinite == 0 || !any_infinite(b->num, b->nrows * b->ncols))
		return AD_OK;
	/* row by row, as the numbers lie in memory */
	for (size_t i = 0; i < b->nrows; i++) {
		const double *row = b->num + i * b->ncols;
		int bad = 0;

		for (size_t k = 0; k < r->nfinite; k++)
			bad |= isinf(row[r->finite[k]]) != 0;
		if (!bad)
			continue;
		for (size_t k = 0; k < r->nfinite; k++)
			if (isinf(row[r->finite[k]]))
				return ad_error_at(err, AD_EDATA, in_name(r),
				    b->line[i], r->finite[k] + 1, "column \"%s\": an "
				    "infinite value cannot be made a feature",
				    r->in->cols[r->finite[k]].name);
	}
	return AD_OK;
}

/* Fills r->times and r->gids for b's rows; with check (the first pass),
 * also checks them and the cells, naming each bad one. */
static enum ad_status prepare(struct run *r, const struct ad_block *b,
    const size_t *map, int check, struct ad_error *err)
{
	enum ad_status st;

	if (check && (st = check_finite(r, b, err)) != AD_OK)
		return st;
	if (r->m->group == SIZE_MAX && r->m->time == SIZE_MAX) {
		memset(r->gids, 0, b->nrows * sizeof *r->gids);
		return AD_OK;
	}
	for (size_t i = 0; i < b->nrows; i++) {
		if ((st = group_of(r, b, i, map, &r->gids[i], err)) != AD_OK)
			return st;
		if (r->m->time == SIZE_MAX)
			continue;
		if ((st = time_of(r, b, i, map, check, err)) != AD_OK)
			return st;
		if (check && !r->o->sort &&
		    (st = check_order(r, b, i, err)) != AD_OK)
			return st;
	}
	return AD_OK;
}

/* ---- fitting ---- */

/* Adds b's values to the scalers. The scaled columns are first copied
 * out of the rows into one contiguous run each, so each scaler reads its
 * values in order; then logged. The copy goes by tiles of rows: column by
 * column over the whole block, the runs' stores (a power of two apart)
 * would all fall in the same few cache sets. */
static enum ad_status add_to_scalers(struct run *r, const struct ad_block *b,
    struct ad_error *err)
{
	enum { TILE = 64 };
	size_t n = b->nrows;
	enum ad_status st;

	for (size_t i0 = 0; i0 < n; i0 += TILE) {
		size_t i1 = n - i0 < TILE ? n : i0 + TILE;
		for (size_t k = 0; k < r->nfit; k++) {
			const double *src = b->num + r->fit_in[k];
			double *dst = r->tmp + k * n;
			for (size_t i = i0; i < i1; i++)
				dst[i] = src[i * b->ncols];
		}
	}
	for (size_t k = 0; k < r->nfit; k++) {
		double *v = r->tmp + k * n;

		if (r->m->parts[r->fit[k]].log)
			for (size_t i = 0; i < n; i++)
				v[i] = signed_log1p(v[i]);
		if ((st = ad_scaler_add(r->scalers[r->fit[k]], v, n, 1, err)) !=
		    AD_OK)
			return st;
	}
	return AD_OK;
}

static enum ad_status accumulate(struct run *r, const struct ad_block *b,
    struct ad_error *err)
{
	char buf[AD_NUM_MAXLEN];
	enum ad_status st;

	if ((st = add_to_scalers(r, b, err)) != AD_OK)
		return st;
	for (size_t c = 0; c < r->m->ncols; c++) {
		if (r->counts[c] == NULL)
			continue;
		for (size_t i = 0; i < b->nrows; i++) {
			size_t len;
			const char *k = category(b, i, r->in_of[c], r->m->cols[c].type,
			    buf, &len);
			if (k != NULL && (st = ad_counter_add(r->counts[c], k, len,
			    NULL, err)) != AD_OK)
				return st;
		}
	}
	return AD_OK;
}

static void note(char *dst, size_t cap, size_t *count, const char *name)
{
	if ((*count)++ == 0)
		snprintf(dst, cap, "%s", name);
}

static enum ad_status finish_fit(struct run *r, struct ad_error *err)
{
	struct ad_featurize_model *m = r->m;
	struct ad_featurize_result *res = r->res;
	uint64_t k = r->o->max_categories ? r->o->max_categories :
	    AD_FEATURIZE_MAX_CATEGORIES;
	enum ad_status st;
	int constant;

	for (size_t p = 0; p < m->nparts; p++) {
		struct part *pt = &m->parts[p];
		const char *name = m->cols[pt->col].name;

		if (r->scalers[p] == NULL)
			continue;
		if (ad_scaler_count(r->scalers[p]) == 0)
			note(res->empty_column, sizeof res->empty_column, &res->empty,
			    name);
		if ((st = ad_scaler_fit(r->scalers[p], &pt->scale, &constant,
		    err)) != AD_OK)
			return ad_error_at(err, st, in_name(r), 0, 0,
			    "column \"%s\": values too large to scale", name);
		if (constant)
			note(res->constant_column, sizeof res->constant_column,
			    &res->constant, name);
	}
	for (size_t c = 0; c < m->ncols; c++)
		if (r->counts[c] != NULL && (st = ad_encode_from_counter(
		    r->counts[c], &m->cols[c].cats, err)) != AD_OK)
			return st;
	for (size_t p = 0; p < m->nparts; p++) {
		struct part *pt = &m->parts[p];
		struct ad_encode_table *t = m->cols[pt->col].cats;

		if (pt->kind == P_ONEHOT &&
		    ((st = ad_encode_top(t, (size_t)k, &pt->chosen, &pt->nchosen,
		    err)) != AD_OK ||
		    (st = ad_encode_set_onehot(t, pt->chosen, pt->nchosen,
		    err)) != AD_OK))
			return st;
	}
	return AD_OK;
}

/* ---- the transform ---- */

/* Writes the output block when full (or, with force, when not empty). */
static enum ad_status flush(struct run *r, int force, struct ad_error *err)
{
	enum ad_status st;

	if (r->ob->nrows == 0 || (!force && r->ob->nrows < r->ob->cap))
		return AD_OK;
	st = emit(r, r->ob, NULL, err);
	ad_block_clear(r->ob);
	return st;
}

/* The feature value of a numeric part. */
static double numeric_value(const struct part *p, double v)
{
	return ad_scale_one(&p->scale, p->log ? signed_log1p(v) : v);
}

/* Counts a cell whose category the fit never saw. */
static void count_unseen(struct run *r, size_t col)
{
	if (r->res->unseen++ == 0)
		snprintf(r->res->unseen_column, sizeof r->res->unseen_column, "%s",
		    r->m->cols[col].name);
}

static void emit_onehot(struct run *r, size_t pi, const char *k, size_t len,
    double *o)
{
	const struct part *p = &r->m->parts[pi];
	int unseen = 0;
	size_t j;

	if (k == NULL) {
		for (j = 0; j <= p->nchosen; j++)
			o[j] = NAN;
		return;
	}
	j = ad_encode_column(r->m->cols[p->col].cats, k, len, &unseen);
	for (size_t x = 0; x <= p->nchosen; x++)
		o[x] = x == j;
	if (unseen && r->counter[p->col] == pi)
		count_unseen(r, p->col);
}

/* Writes the outputs of part p for row i of b into output row o. */
static enum ad_status emit_part(struct run *r, size_t pi,
    const struct ad_block *b, size_t i, const size_t *map, size_t o,
    struct ad_error *err)
{
	const struct part *p = &r->m->parts[pi];
	const struct mcol *c = &r->m->cols[p->col];
	size_t col = map[p->col], j = r->first[pi], len;
	double *row = r->ob->num + o * r->ob->ncols;
	char buf[AD_NUM_MAXLEN];
	const char *k;
	int unseen;

	switch (p->kind) {
	case P_KEEP:
		if (c->type == AD_NUMERIC) {
			row[j] = b->num[i * b->ncols + col];
			return AD_OK;
		}
		k = ad_block_text(b, i, col, &len);
		return ad_block_set_text(r->ob, o, j, k, k ? len :
		    AD_TEXT_MISSING, err);
	case P_NUMERIC:
		row[j] = numeric_value(p, b->num[i * b->ncols + col]);
		break;
	case P_ONEHOT:
		k = category(b, i, col, c->type, buf, &len);
		emit_onehot(r, pi, k, len, row + j);
		break;
	case P_FREQ:
		k = category(b, i, col, c->type, buf, &len);
		row[j] = k ? ad_encode_freq(c->cats, k, len, &unseen) : NAN;
		if (k && unseen && r->counter[p->col] == pi)
			count_unseen(r, p->col);
		break;
	case P_CALENDAR:
		ad_context_calendar(&r->times[i], row + j);
		break;
	}
	return AD_OK;
}

/* Transforms b's rows into the output block, a row at a time. */
static enum ad_status emit_rows(struct run *r, const struct ad_block *b,
    const size_t *map, struct ad_error *err)
{
	enum ad_status st;

	for (size_t i = 0; i < b->nrows; i++) {
		size_t o = r->ob->nrows;
		double *row = r->ob->num + o * r->ob->ncols;

		r->ob->line[o] = b->line[i];
		r->ob->nrows++;
		for (size_t p = 0; p < r->m->nparts; p++)
			if ((st = emit_part(r, p, b, i, map, o, err)) != AD_OK)
				return st;
		for (size_t k = 0; k < r->nctx; k++) {
			size_t at = r->first[r->ctx_part[k]];
			r->ctx_x[k] = row[at];
			r->ctx_out[k] = row + at + 1;
		}
		if (r->nctx > 0 && (st = ad_context_step(r->ctx, r->gids[i],
		    r->ctx_x, r->ctx_out, err)) != AD_OK)
			return st;
		if ((st = flush(r, 0, err)) != AD_OK)
			return st;
	}
	return AD_OK;
}

/* Only kept and plain numeric parts: the numbers are scaled where they lie
 * and the block written as it is, through a column map. */
static enum ad_status transform_in_place(struct run *r, struct ad_block *b,
    const size_t *map, struct ad_error *err)
{
	int identity = b->ncols == r->m->nparts;

	for (size_t p = 0; p < r->m->nparts; p++) {
		r->colmap[p] = map[r->m->parts[p].col];
		identity &= r->colmap[p] == p;
	}
	for (size_t k = 0; k < r->nvalue; k++)
		r->vcol[k] = r->colmap[r->value[k]];
	if (!r->value_log)
		ad_scale_apply_rows(r->vscale, r->vcol, r->nvalue, b->num,
		    b->nrows, b->ncols);
	/* row by row, as the numbers lie in memory */
	for (size_t i = 0; r->value_log && i < b->nrows; i++) {
		double *row = b->num + i * b->ncols;
		for (size_t k = 0; k < r->nvalue; k++) {
			double *v = &row[r->vcol[k]];
			*v = numeric_value(&r->m->parts[r->value[k]], *v);
		}
	}
	return emit(r, b, identity ? NULL : r->colmap, err);
}

/* Transforms and writes a block whose model column c is block column
 * map[c]; r->times and r->gids are ready. */
static enum ad_status transform(struct run *r, struct ad_block *b,
    const size_t *map, struct ad_error *err)
{
	if (r->in_place)
		return transform_in_place(r, b, map, err);
	return emit_rows(r, b, map, err);
}

/* ---- setting up ---- */

/* Finds the input column an option names, of the type it needs. */
static enum ad_status find_column(struct run *r, const char *opt,
    const char *name, enum ad_type need, size_t *c, struct ad_error *err)
{
	*c = ad_featurize_model_find(r->m, name);
	if (*c == SIZE_MAX)
		return ad_schema_not_found(r->in, in_name(r), "",
		    name, err);
	if (need == AD_NUMERIC && r->m->cols[*c].type != AD_NUMERIC)
		return ad_error_at(err, AD_EDATA, in_name(r), 0, *c + 1,
		    "%s: column \"%s\" is text; it needs numbers", opt, name);
	return AD_OK;
}

static enum ad_status check_list(struct run *r, const char *opt,
    char *const *names, size_t n, enum ad_type need, struct ad_error *err)
{
	size_t c;
	enum ad_status st;

	for (size_t i = 0; i < n; i++)
		if ((st = find_column(r, opt, names[i], need, &c, err)) != AD_OK)
			return st;
	return AD_OK;
}

/* The scale method of numeric column name: the last item naming it, else
 * the last one naming no column. */
static enum ad_scale_method method_for(const struct ad_featurize_opts *o,
    const char *name)
{
	enum ad_scale_method all = AD_SCALE_NONE, mine = AD_SCALE_NONE;
	int named = 0;

	for (size_t i = 0; i < o->n_scale; i++) {
		if (o->scale[i].column == NULL)
			all = o->scale[i].method;
		else if (strcmp(o->scale[i].column, name) == 0) {
			mine = o->scale[i].method;
			named = 1;
		}
	}
	return named ? mine : all;
}

/* Appends the parts of model column c. */
static enum ad_status column_parts(struct run *r, size_t c,
    struct ad_error *err)
{
	const struct ad_featurize_opts *o = r->o;
	struct ad_featurize_model *m = r->m;
	const char *name = m->cols[c].name;
	struct part p;
	enum ad_status st = AD_OK;

	memset(&p, 0, sizeof p);
	p.col = c;
	p.kind = P_KEEP;
	if (c == m->time) {
		if ((st = ad_featurize_model_add_part(m, &p, err)) == AD_OK &&
		    o->calendar) {
			p.kind = P_CALENDAR;
			st = ad_featurize_model_add_part(m, &p, err);
		}
		return st;
	}
	if (in_list(o->onehot, o->n_onehot, name) ||
	    in_list(o->freq, o->n_freq, name)) {
		p.kind = P_ONEHOT;
		if (in_list(o->onehot, o->n_onehot, name))
			st = ad_featurize_model_add_part(m, &p, err);
		p.kind = P_FREQ;
		if (st == AD_OK && in_list(o->freq, o->n_freq, name))
			st = ad_featurize_model_add_part(m, &p, err);
		return st;
	}
	if (m->cols[c].type == AD_NUMERIC && c != m->group &&
	    !in_list(o->keep, o->n_keep, name)) {
		p.kind = P_NUMERIC;
		p.scale.method = method_for(o, name);
		p.scale.p1 = NAN;
		p.scale.p2 = NAN;
		ad_scale_prepare(&p.scale);
		p.log = in_list(o->log, o->n_log, name);
		p.context = ad_featurize_model_context_width(m) > 0 &&
		    (o->context == NULL || in_list(o->context, o->n_context,
		    name));
	}
	return ad_featurize_model_add_part(m, &p, err);
}

static int copy_u64(uint64_t **dst, size_t *cap, const uint64_t *src,
    size_t n)
{
	if (n == 0)
		return 0;
	if ((*dst = ad_grow(NULL, cap, n, sizeof **dst)) == NULL)
		return -1;
	memcpy(*dst, src, n * sizeof **dst);
	return 0;
}

/* Builds the model from the options against the input's columns. */
static enum ad_status model_from_options(struct run *r, struct ad_error *err)
{
	const struct ad_featurize_opts *o = r->o;
	struct ad_featurize_model *m;
	size_t c;
	int dup;
	enum ad_status st;

	if ((st = ad_featurize_model_new(&r->m, err)) != AD_OK)
		return st;
	m = r->m;
	for (size_t i = 0; i < r->in->ncols; i++) {
		const struct ad_column *col = &r->in->cols[i];
		if ((st = ad_featurize_model_add_col(m, col->name,
		    strlen(col->name), col->type, &dup, err)) != AD_OK)
			return st;
	}
	if ((st = check_list(r, "--select", o->select, o->n_select, AD_TEXT,
	    err)) != AD_OK ||
	    (st = check_list(r, "--drop", o->drop, o->n_drop, AD_TEXT, err)) !=
	    AD_OK ||
	    (st = check_list(r, "--keep", o->keep, o->n_keep, AD_TEXT, err)) !=
	    AD_OK ||
	    (st = check_list(r, "--onehot", o->onehot, o->n_onehot, AD_TEXT,
	    err)) != AD_OK ||
	    (st = check_list(r, "--freq", o->freq, o->n_freq, AD_TEXT, err)) !=
	    AD_OK ||
	    (st = check_list(r, "--log", o->log, o->n_log, AD_NUMERIC, err)) !=
	    AD_OK ||
	    (st = check_list(r, "--context", o->context, o->n_context,
	    AD_NUMERIC, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < o->n_scale; i++)
		if (o->scale[i].column != NULL && (st = find_column(r, "--scale",
		    o->scale[i].column, AD_NUMERIC, &c, err)) != AD_OK)
			return st;
	if (o->time != NULL &&
	    (st = find_column(r, "--time", o->time, AD_TEXT, &m->time, err)) !=
	    AD_OK)
		return st;
	if (o->group != NULL &&
	    (st = find_column(r, "--group", o->group, AD_TEXT, &m->group, err)) !=
	    AD_OK)
		return st;
	m->diff = o->diff;
	m->nlags = o->n_lags;
	m->nwindows = o->n_windows;
	m->nalphas = o->n_alphas;
	if (copy_u64(&m->lags, &m->lagcap, o->lags, o->n_lags) != 0 ||
	    copy_u64(&m->windows, &m->wincap, o->windows, o->n_windows) != 0 ||
	    (o->n_alphas > 0 && (m->alphas = ad_grow(NULL, &m->alphacap,
	    o->n_alphas, sizeof *m->alphas)) == NULL))
		return ad_error_nomem(err);
	if (o->n_alphas > 0)
		memcpy(m->alphas, o->alphas, o->n_alphas * sizeof *m->alphas);
	/* the parts, in output order: --select's, else the input's */
	if (o->n_select > 0) {
		for (size_t i = 0; i < o->n_select && st == AD_OK; i++)
			st = column_parts(r, ad_featurize_model_find(m,
			    o->select[i]), err);
		if (st == AD_OK && o->calendar &&
		    !in_list(o->select, o->n_select, o->time)) {
			struct part p = { P_CALENDAR, m->time, { 0 }, 0, 0, NULL, 0 };
			st = ad_featurize_model_add_part(m, &p, err);
		}
	} else {
		for (c = 0; c < m->ncols && st == AD_OK; c++) {
			if (!in_list(o->drop, o->n_drop, m->cols[c].name))
				st = column_parts(r, c, err);
			else if (c == m->time && o->calendar) {
				struct part p = { P_CALENDAR, c, { 0 }, 0, 0, NULL, 0 };
				st = ad_featurize_model_add_part(m, &p, err);
			}
		}
	}
	if (st != AD_OK)
		return st;
	if (m->nparts == 0)
		return ad_error_set(err, AD_EUSAGE, "nothing to write: every "
		    "column is left out");
	return AD_OK;
}

/* Checks that the input has exactly the model's columns (restore). */
static enum ad_status bind_model(struct run *r, struct ad_error *err)
{
	for (size_t c = 0; c < r->in->ncols; c++)
		if (ad_featurize_model_find(r->m, r->in->cols[c].name) ==
		    SIZE_MAX)
			return ad_error_at(err, AD_EDATA, in_name(r), 0,
			    c + 1, "column \"%s\" is not in the params file %s",
			    r->in->cols[c].name, r->o->restore_path);
	for (size_t c = 0; c < r->m->ncols; c++)
		if (ad_schema_find(r->in, r->m->cols[c].name) == SIZE_MAX)
			return ad_schema_not_found(r->in, in_name(r),
			    "", r->m->cols[c].name, err);
	return AD_OK;
}

/* Maps model columns to the input, and picks the columns the transform
 * reads (those of a part, and the time and group columns). */
static enum ad_status map_columns(struct run *r, struct ad_error *err)
{
	struct ad_featurize_model *m = r->m;
	size_t n = m->ncols + 1;
	enum ad_status st;

	r->in_of = ad_calloc(n, sizeof *r->in_of);
	r->slot_of = ad_calloc(n, sizeof *r->slot_of);
	r->used = ad_calloc(n, sizeof *r->used);
	r->spill_map = ad_calloc(n, sizeof *r->spill_map);
	if (r->in_of == NULL || r->slot_of == NULL || r->used == NULL ||
	    r->spill_map == NULL)
		return ad_error_nomem(err);
	for (size_t c = 0; c < m->ncols; c++) {
		int use = c == m->time || c == m->group;
		r->in_of[c] = ad_schema_find(r->in, m->cols[c].name);
		r->slot_of[c] = SIZE_MAX;
		for (size_t p = 0; p < m->nparts && !use; p++)
			use = m->parts[p].col == c;
		if (use) {
			r->slot_of[c] = r->nused;
			r->spill_map[r->nused] = r->in_of[c];
			r->used[r->nused++] = c;
		}
	}
	if ((st = ad_schema_new(&r->used_schema, err)) != AD_OK)
		return st;
	r->plain_copy = spill_colmap(r) == NULL;
	for (size_t u = 0; u < r->nused; u++) {
		const struct mcol *c = &m->cols[r->used[u]];
		if ((st = ad_schema_add(r->used_schema, c->name, strlen(c->name),
		    c->type, err)) != AD_OK)
			return st;
		r->plain_copy &= c->type == AD_NUMERIC;
	}
	return AD_OK;
}

/* Scratch for one block, and the fitting state. */
static enum ad_status alloc_work(struct run *r, struct ad_error *err)
{
	struct ad_featurize_model *m = r->m;
	enum ad_status st;

	r->times = ad_calloc(AD_BLOCK_ROWS, sizeof *r->times);
	r->gids = ad_calloc(AD_BLOCK_ROWS, sizeof *r->gids);
	/* the scaled columns of a block: at most its cells */
	r->tmp = ad_calloc(AD_BLOCK_CELLS > AD_BLOCK_ROWS ? AD_BLOCK_CELLS :
	    AD_BLOCK_ROWS, sizeof *r->tmp);
	r->finite = ad_calloc(m->nparts + 1, sizeof *r->finite);
	r->fit = ad_calloc(m->nparts + 1, sizeof *r->fit);
	r->fit_in = ad_calloc(m->nparts + 1, sizeof *r->fit_in);
	r->value = ad_calloc(m->nparts + 1, sizeof *r->value);
	r->vscale = ad_calloc(m->nparts + 1, sizeof *r->vscale);
	r->vcol = ad_calloc(m->nparts + 1, sizeof *r->vcol);
	r->scalers = ad_calloc(m->nparts + 1, sizeof *r->scalers);
	r->counts = ad_calloc(m->ncols + 1, sizeof *r->counts);
	if (r->times == NULL || r->gids == NULL || r->tmp == NULL ||
	    r->scalers == NULL || r->counts == NULL || r->finite == NULL ||
	    r->fit == NULL || r->fit_in == NULL || r->value == NULL ||
	    r->vscale == NULL || r->vcol == NULL)
		return ad_error_nomem(err);
	for (size_t p = 0; p < m->nparts; p++) {
		const struct part *pt = &m->parts[p];
		if (computed(pt))
			r->finite[r->nfinite++] = r->in_of[pt->col];
		if (pt->kind == P_NUMERIC && (pt->log ||
		    pt->scale.method != AD_SCALE_NONE)) {
			r->value[r->nvalue++] = p;
			r->value_log |= pt->log;
		}
	}
	if ((st = ad_hashmap_new(&r->groups, 0, err)) != AD_OK)
		return st;
	for (size_t p = 0; r->fitting && p < m->nparts; p++) {
		const struct part *pt = &m->parts[p];

		if (pt->kind == P_NUMERIC && pt->scale.method != AD_SCALE_NONE) {
			if ((st = ad_scaler_new(&r->scalers[p], pt->scale.method,
			    err)) != AD_OK)
				return st;
			r->fit_in[r->nfit] = r->in_of[pt->col];
			r->fit[r->nfit++] = p;
			r->learning = 1;
		}
		if ((pt->kind == P_ONEHOT || pt->kind == P_FREQ) &&
		    r->counts[pt->col] == NULL) {
			if ((st = ad_counter_new(&r->counts[pt->col], err)) != AD_OK)
				return st;
			r->learning = 1;
		}
	}
	return AD_OK;
}

/* The output schema and what the transform needs of it: once the model is
 * complete. */
static enum ad_status plan_outputs(struct run *r, struct ad_error *err)
{
	struct ad_featurize_model *m = r->m;
	enum ad_status st;

	if ((st = ad_featurize_model_outputs(m, &r->outs, &r->first, err)) !=
	    AD_OK) {
		snprintf(err->file, sizeof err->file, "%s", in_name(r));
		return st;
	}
	r->in_place = 1;
	for (size_t p = 0; p < m->nparts; p++) {
		const struct part *pt = &m->parts[p];
		r->in_place &= pt->kind == P_KEEP ||
		    (pt->kind == P_NUMERIC && !pt->context);
		r->nctx += pt->kind == P_NUMERIC && pt->context;
	}
	r->colmap = ad_calloc(m->nparts + 1, sizeof *r->colmap);
	r->counter = ad_calloc(m->ncols + 1, sizeof *r->counter);
	r->ctx_part = ad_calloc(r->nctx + 1, sizeof *r->ctx_part);
	r->ctx_x = ad_calloc(r->nctx + 1, sizeof *r->ctx_x);
	r->ctx_out = ad_calloc(r->nctx + 1, sizeof *r->ctx_out);
	if (r->colmap == NULL || r->counter == NULL || r->ctx_part == NULL ||
	    r->ctx_x == NULL || r->ctx_out == NULL)
		return ad_error_nomem(err);
	for (size_t c = 0; c < m->ncols; c++)
		r->counter[c] = SIZE_MAX;
	for (size_t p = m->nparts; p-- > 0;)
		if (m->parts[p].kind == P_ONEHOT || m->parts[p].kind == P_FREQ)
			r->counter[m->parts[p].col] = p;
	for (size_t p = 0, k = 0; p < m->nparts; p++)
		if (m->parts[p].kind == P_NUMERIC && m->parts[p].context)
			r->ctx_part[k++] = p;
	for (size_t k = 0; k < r->nvalue; k++)
		r->vscale[k] = m->parts[r->value[k]].scale;
	return AD_OK;
}

/* The context state and the output block (of up to rows rows). */
static enum ad_status open_state(struct run *r, size_t rows,
    struct ad_error *err)
{
	struct ad_context_spec spec = ad_featurize_model_spec(r->m);
	enum ad_status st;

	if (r->nctx > 0 && (st = ad_context_new(&r->ctx, &spec, r->nctx,
	    err)) != AD_OK)
		return st;
	if (!r->in_place && (st = ad_block_new(&r->ob, r->outs->ncols,
	    rows, err)) != AD_OK)
		return st;
	return AD_OK;
}

/* The output schema, the writer and the context state: once the model is
 * complete. */
static enum ad_status open_writer(struct run *r, struct ad_error *err)
{
	struct ad_writer_opts wo = { 0 };
	enum ad_status st;

	if ((st = plan_outputs(r, err)) != AD_OK ||
	    (st = open_state(r, ad_block_rows(r->outs->ncols), err)) != AD_OK)
		return st;
	wo.format = r->o->format_set ? r->o->format : ad_reader_format(r->rd);
	wo.delim = r->delim;
	wo.no_header = r->o->in.no_header;
	if ((st = ad_chain_begin(&r->chain, r->rd, wo.format,
	    AD_LINEAGE_FEATURES, r->fitting ? NULL : r->o->restore_path,
	    r->fitting ? NULL : r->m->sha256, r->save, r->o->save_path,
	    err)) != AD_OK)
		return st;
	wo.lineage = ad_chain_lineage(&r->chain);
	return ad_writer_open(&r->w, r->o->to ? r->o->to : r->out, r->outs,
	    &wo, err);
}

/* ---- rows held in memory: --sort, and while fitting ---- */

/* --sort: keeps a copy of b's used columns in the store, and each row's
 * time and place. */
static enum ad_status store_block(struct run *r, const struct ad_block *b,
    struct ad_error *err)
{
	struct store *s = &r->store;
	struct ad_block *copy = NULL, **nb;
	struct skey *nk;
	enum ad_status st;

	if (b->nrows == 0)
		return AD_OK;
	if (s->nblocks >= UINT32_MAX)
		return ad_error_nomem(err);
	if ((nb = ad_grow(s->blocks, &s->bcap, s->nblocks + 1, sizeof *nb)) ==
	    NULL)
		return ad_error_nomem(err);
	s->blocks = nb;
	if ((nk = ad_grow(s->keys, &s->kcap, s->nkeys + b->nrows,
	    sizeof *nk)) == NULL)
		return ad_error_nomem(err);
	s->keys = nk;
	/* every input column, all numeric, in order: b, the block the
	 * reader last returned, is kept as it is, sparing a copy */
	if (r->plain_copy)
		st = ad_reader_take_block(r->rd, &copy, err);
	else
		st = ad_block_new(&copy, r->nused, b->nrows, err);
	if (st != AD_OK)
		return st;
	for (size_t i = 0; !r->plain_copy && i < b->nrows && st == AD_OK; i++)
		st = ad_block_copy_row(r->used_schema, copy, i, b, i,
		    r->spill_map, err);
	if (st != AD_OK) {
		ad_block_free(copy);
		return st;
	}
	copy->nrows = b->nrows;
	for (size_t i = 0; i < b->nrows; i++) {
		s->keys[s->nkeys].t = r->times[i];
		s->keys[s->nkeys].block = (uint32_t)s->nblocks;
		s->keys[s->nkeys++].row = (uint32_t)i;
	}
	s->blocks[s->nblocks++] = copy;
	return AD_OK;
}

/* By time; equal times keep their input order. */
static int by_time(const void *x, const void *y)
{
	const struct skey *a = x, *b = y;
	int c = ad_timeparse_cmp(&a->t, &b->t);

	if (c != 0)
		return c;
	if (a->block != b->block)
		return a->block < b->block ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

/* Prepares and transforms the staged rows. */
static enum ad_status run_stage(struct run *r, struct ad_error *err)
{
	enum ad_status st = prepare(r, r->stage, r->slot_of, 0, err);

	if (st == AD_OK)
		st = transform(r, r->stage, r->slot_of, err);
	ad_block_clear(r->stage);
	return st;
}

static enum ad_status replay_sorted(struct run *r, struct ad_error *err)
{
	struct store *s = &r->store;
	enum ad_status st;

	qsort(s->keys, s->nkeys, sizeof *s->keys, by_time);
	st = ad_block_new(&r->stage, r->nused, ad_block_rows(r->nused), err);
	for (size_t k = 0; k < s->nkeys && st == AD_OK; k++) {
		const struct ad_block *b = s->blocks[s->keys[k].block];

		st = ad_block_copy_row(r->used_schema, r->stage,
		    r->stage->nrows, b, s->keys[k].row, NULL, err);
		if (st == AD_OK && ++r->stage->nrows == r->stage->cap)
			st = run_stage(r, err);
	}
	if (st == AD_OK && r->stage->nrows > 0)
		st = run_stage(r, err);
	return st;
}

/* ---- the passes ---- */

/* Transforms the rows put aside while fitting, in order: the input's own
 * blocks when the file is read again, else copies of the used columns. */
static enum ad_status replay(struct run *r, struct ad_error *err)
{
	const size_t *map = ad_replay_rereads(r->replay) ? r->in_of : r->slot_of;
	struct ad_block *b;
	enum ad_status st;

	while ((st = ad_replay_next(r->replay, &b, err)) == AD_OK && b->nrows > 0)
		if ((st = prepare(r, b, map, 0, err)) != AD_OK ||
		    (st = transform(r, b, map, err)) != AD_OK)
			break;
	return st;
}

/* Reads the input once: checks every row, then fits, holds, spills or
 * transforms it. */
static enum ad_status first_pass(struct run *r, struct ad_error *err)
{
	struct ad_block *b;
	enum ad_status st;

	while ((st = ad_reader_next(r->rd, &b, err)) == AD_OK && b->nrows > 0) {
		if ((st = prepare(r, b, r->in_of, 1, err)) != AD_OK)
			break;
		if (r->learning && (st = accumulate(r, b, err)) != AD_OK)
			break;
		if (r->o->sort)
			st = store_block(r, b, err);
		else if (r->deferred)
			st = ad_replay_add(r->replay, b, r->plain_copy ? NULL :
			    r->spill_map, err);
		else
			st = transform(r, b, r->in_of, err);
		if (st != AD_OK)
			break;
	}
	if (st == AD_OK && r->replay != NULL)
		st = ad_replay_end(r->replay, err);
	return st;
}

static enum ad_status stream(struct run *r, struct ad_error *err)
{
	int later = r->o->sort || r->deferred;
	enum ad_status st;

	if (!later && (st = open_writer(r, err)) != AD_OK)
		return st;
	if ((st = first_pass(r, err)) != AD_OK)
		return st;
	if (r->learning && (st = finish_fit(r, err)) != AD_OK)
		return st;
	if (later && (st = open_writer(r, err)) != AD_OK)
		return st;
	if (r->o->sort)
		st = replay_sorted(r, err);
	else if (r->deferred)
		st = replay(r, err);
	if (st == AD_OK && !r->in_place)
		st = flush(r, 1, err);
	return st;
}

/* ---- opening, committing, freeing ---- */

/* Opens the outputs before the input; they are committed in this order,
 * the data last. */
static enum ad_status open_outputs(struct run *r, struct ad_error *err)
{
	const struct ad_outset_entry e[] = {
		{ &r->save, r->o->save_path },
		{ &r->applied, r->o->applied_path },
		{ &r->out, r->o->to ? NULL : r->o->output ? r->o->output : "-" },
	};

	return ad_outset_open(&r->outset, e, sizeof e / sizeof e[0], err);
}

static enum ad_status open_input(struct run *r, struct ad_error *err)
{
	struct ad_reader_opts ro = r->o->in;
	enum ad_status st;

	ro.types = r->types;
	ro.strict = 1;
	/* features of a row with missing fields would be made up */
	ro.limit_rejects = 1;
	ro.max_rejects = 0;
	r->delim = ro.delim ? ro.delim : ',';
	if ((st = ad_chain_open_input(&r->chain, &ro, err)) != AD_OK)
		return st;
	*r->from_taken = 1;
	if ((st = ad_reader_open(&r->rd, &ro, err)) != AD_OK)
		return st;
	r->in = ad_reader_schema(r->rd);
	return AD_OK;
}

/* The input types a params file fixes. */
static enum ad_status types_of_model(struct run *r, struct ad_error *err)
{
	enum ad_status st = ad_schema_new(&r->types, err);

	for (size_t c = 0; c < r->m->ncols && st == AD_OK; c++)
		st = ad_schema_add(r->types, r->m->cols[c].name,
		    strlen(r->m->cols[c].name), r->m->cols[c].type, err);
	return st;
}

static enum ad_status commit(struct run *r, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	r->res->rows_read = ad_reader_rows(r->rd);
	r->res->rows_written = ad_writer_rows(r->w);
	if (r->save != NULL)
		st = ad_featurize_model_save(r->m, r->save, err);
	if (st == AD_OK && r->applied != NULL)
		st = ad_params_copy(r->applied, r->o->restore_path, "ad-features",
		    err);
	/* the end record has the saved params' digest */
	if (st == AD_OK &&
	    (st = ad_chain_end(&r->chain, r->rd, r->save, err)) == AD_OK)
		st = ad_writer_finish(r->w, err);
	return st != AD_OK ? st : ad_outset_commit(r->outset, err);
}

static void run_free(struct run *r)
{
	ad_outset_free(r->outset);
	ad_replay_free(r->replay);
	ad_writer_free(r->w);
	ad_reader_free(r->rd);
	ad_chain_free(&r->chain);
	for (size_t p = 0; r->scalers != NULL && p < r->m->nparts; p++)
		ad_scaler_free(r->scalers[p]);
	for (size_t c = 0; r->counts != NULL && c < r->m->ncols; c++)
		ad_counter_free(r->counts[c]);
	for (size_t i = 0; i < r->store.nblocks; i++)
		ad_block_free(r->store.blocks[i]);
	ad_free(r->store.blocks);
	ad_free(r->store.keys);
	ad_free(r->scalers);
	ad_free(r->counts);
	ad_block_free(r->ob);
	ad_block_free(r->stage);
	ad_context_free(r->ctx);
	ad_free(r->ctx_part);
	ad_free(r->ctx_x);
	ad_free(r->ctx_out);
	ad_free(r->times);
	ad_free(r->gids);
	ad_free(r->tmp);
	ad_free(r->finite);
	ad_free(r->fit);
	ad_free(r->fit_in);
	ad_free(r->value);
	ad_free(r->vscale);
	ad_free(r->vcol);
	ad_hashmap_free(r->groups);
	ad_free(r->last);
	ad_free(r->last_line);
	ad_free(r->colmap);
	ad_free(r->counter);
	ad_free(r->first);
	ad_schema_free(r->outs);
	ad_schema_free(r->used_schema);
	ad_free(r->in_of);
	ad_free(r->slot_of);
	ad_free(r->used);
	ad_free(r->spill_map);
	ad_schema_free(r->types);
	if (!r->m_borrowed)
		ad_featurize_model_free(r->m);
}

static enum ad_status run_featurize(const struct ad_featurize_opts *o,
    struct ad_featurize_result *res, int *taken, struct ad_error *err)
{
	struct run r;
	enum ad_status st;

	memset(&r, 0, sizeof r);
	r.from_taken = taken;
	memset(res, 0, sizeof *res);
	r.o = o;
	r.res = res;
	r.fitting = o->restore_path == NULL;
	if ((st = check_options(o, err)) != AD_OK)
		return st;
	if (!r.fitting && ((st = ad_featurize_model_load(&r.m, o->restore_path,
	    err)) != AD_OK || (st = types_of_model(&r, err)) != AD_OK))
		goto out;
	if (!r.fitting && o->sort && r.m->time == SIZE_MAX) {
		st = ad_error_set(err, AD_EUSAGE, "--sort needs a time column, and "
		    "the params file %s has none", o->restore_path);
		goto out;
	}
	if ((st = open_outputs(&r, err)) != AD_OK ||
	    (st = open_input(&r, err)) != AD_OK)
		goto out;
	st = r.fitting ? model_from_options(&r, err) : bind_model(&r, err);
	if (st == AD_OK)
		st = map_columns(&r, err);
	if (st == AD_OK)
		st = alloc_work(&r, err);
	if (st != AD_OK)
		goto out;
	r.deferred = r.learning && !o->sort;
	if (r.deferred && (st = ad_replay_new(&r.replay, r.used_schema,
	    (uint64_t)(o->memory_set ? o->memory : AD_FEATURIZE_MEMORY) << 20,
	    r.rd, err)) != AD_OK)
		goto out;
	if ((st = stream(&r, err)) == AD_OK)
		st = commit(&r, err);
out:
	if (st != AD_OK)
		ad_reader_locate(r.rd, err);
	run_free(&r);
	return st;
}

/* The stream in o->in.from is the run's whatever happens: closed here when
 * the run ended before handing it to the reader. */
enum ad_status ad_featurize_run(const struct ad_featurize_opts *o,
    struct ad_featurize_result *res, struct ad_error *err)
{
	int taken = 0;
	enum ad_status st = run_featurize(o, res, &taken, err);

	if (!taken)
		ad_in_close(o->in.from);
	return st;
}

/* ---- the params applied to rows in memory (ad-serve) ---- */

struct ad_featurize_apply {
	struct ad_featurize_opts o;
	struct ad_featurize_result res;  /* unused: sessions count their own */
	struct run r;                    /* set up once; sessions copy it */
};

struct ad_featurize_session {
	struct run r;                    /* the apply's, with its own state */
	struct ad_featurize_result res;
};

/* Frees what one run's rows change (groups, times, context, output
 * rows...), leaving what the params fixed; the fields are NULL after. */
static void drop_state(struct run *r)
{
	ad_block_free(r->ob);
	ad_context_free(r->ctx);
	ad_hashmap_free(r->groups);
	ad_free(r->ctx_x);
	ad_free(r->ctx_out);
	ad_free(r->times);
	ad_free(r->gids);
	ad_free(r->tmp);
	ad_free(r->vcol);
	ad_free(r->last);
	ad_free(r->last_line);
	ad_free(r->colmap);
	r->ob = NULL;
	r->ctx = NULL;
	r->groups = NULL;
	r->ctx_x = NULL;
	r->ctx_out = NULL;
	r->times = NULL;
	r->tmp = NULL;
	r->gids = NULL;
	r->vcol = NULL;
	r->last = NULL;
	r->last_line = NULL;
	r->colmap = NULL;
	r->lastcap = 0;
}

/* A fresh state for a run of up to rows rows (at least 1) per block. */
static enum ad_status new_state(struct run *r, size_t rows,
    struct ad_error *err)
{
	size_t np = r->m->nparts + 1;
	enum ad_status st;

	/* a one-row request needs no 4096 rows of scratch zeroed */
	if (rows == 0 || rows > AD_BLOCK_ROWS)
		rows = AD_BLOCK_ROWS;
	r->state_rows = rows;
	r->times = ad_calloc(rows, sizeof *r->times);
	r->gids = ad_calloc(rows, sizeof *r->gids);
	r->vcol = ad_calloc(np, sizeof *r->vcol);
	r->colmap = ad_calloc(np, sizeof *r->colmap);
	r->ctx_x = ad_calloc(r->nctx + 1, sizeof *r->ctx_x);
	r->ctx_out = ad_calloc(r->nctx + 1, sizeof *r->ctx_out);
	if (r->times == NULL || r->gids == NULL || r->vcol == NULL ||
	    r->colmap == NULL || r->ctx_x == NULL || r->ctx_out == NULL)
		return ad_error_nomem(err);
	if (rows > ad_block_rows(r->outs->ncols))
		rows = ad_block_rows(r->outs->ncols);
	if ((st = ad_hashmap_new(&r->groups, 0, err)) != AD_OK)
		return st;
	return open_state(r, rows ? rows : 1, err);
}

enum ad_status ad_featurize_apply_new(struct ad_featurize_apply **out,
    const struct ad_featurize_model *m, const char *name,
    struct ad_error *err)
{
	struct ad_featurize_apply *a = ad_calloc(1, sizeof *a);
	struct run *r;
	enum ad_status st;

	if (a == NULL)
		return ad_error_nomem(err);
	r = &a->r;
	a->o.restore_path = name;
	r->o = &a->o;
	r->res = &a->res;
	/* a model restored is only read: nothing here writes it unless
	 * fitting */
	r->m = (struct ad_featurize_model *)m;
	r->m_borrowed = 1;
	if ((st = types_of_model(r, err)) == AD_OK) {
		r->in = r->types;
		st = bind_model(r, err);
	}
	if (st == AD_OK)
		st = map_columns(r, err);
	if (st == AD_OK)
		st = alloc_work(r, err);
	if (st == AD_OK)
		st = plan_outputs(r, err);
	drop_state(r);
	if (st != AD_OK) {
		ad_featurize_apply_free(a);
		return st;
	}
	*out = a;
	return AD_OK;
}

void ad_featurize_apply_free(struct ad_featurize_apply *a)
{
	if (a == NULL)
		return;
	run_free(&a->r);
	ad_free(a);
}

const struct ad_schema *ad_featurize_apply_inputs(
    const struct ad_featurize_apply *a)
{
	return a->r.types;
}

const struct ad_schema *ad_featurize_apply_outputs(
    const struct ad_featurize_apply *a)
{
	return a->r.outs;
}

enum ad_status ad_featurize_entities_new(struct ad_featurize_entities **out,
    const struct ad_featurize_apply *a, size_t max, struct ad_error *err)
{
	struct ad_context_spec spec = ad_featurize_model_spec(a->r.m);
	struct ad_featurize_entities *e;
	enum ad_status st;

	*out = NULL;
	if (a->r.nctx == 0)
		return AD_OK;
	if ((e = ad_calloc(1, sizeof *e)) == NULL)
		return ad_error_nomem(err);
	e->max = max;
	if ((st = ad_hashmap_new(&e->keys, 0, err)) != AD_OK ||
	    (st = ad_context_new(&e->ctx, &spec, a->r.nctx, err)) != AD_OK) {
		ad_featurize_entities_free(e);
		return st;
	}
	*out = e;
	return AD_OK;
}

void ad_featurize_entities_free(struct ad_featurize_entities *e)
{
	if (e == NULL)
		return;
	ad_hashmap_free(e->keys);
	ad_context_free(e->ctx);
	ad_free(e->slot_of);
	ad_free(e->key_of);
	ad_free(e->seen);
	ad_free(e->free);
	ad_free(e->last);
	ad_free(e->last_line);
	ad_free(e);
}

void ad_featurize_entities_set_max(struct ad_featurize_entities *e,
    size_t max)
{
	e->max = max;
}

uint64_t ad_featurize_entities_evicted(const struct ad_featurize_entities *e)
{
	return e == NULL ? 0 : e->evicted;
}

size_t ad_featurize_entities_count(const struct ad_featurize_entities *e)
{
	return e == NULL ? 0 : ad_hashmap_size(e->keys);
}

/* The session's state becomes e's: its groups, times and context. */
static void adopt_entities(struct run *r, struct ad_featurize_entities *e)
{
	ad_hashmap_free(r->groups);
	ad_context_free(r->ctx);
	ad_free(r->last);
	ad_free(r->last_line);
	r->ents = e;
	r->groups = e->keys;
	r->ctx = e->ctx;
	r->last = e->last;
	r->last_line = e->last_line;
	r->lastcap = e->lastcap;
}

/* The session's times, which growing may have moved, back in its
 * entities. */
static void keep_times(struct run *r)
{
	r->ents->last = r->last;
	r->ents->last_line = r->last_line;
	r->ents->lastcap = r->lastcap;
}

/* Gives the session's state back to its entities, so that the session's
 * end frees none of it. */
static void release_entities(struct run *r)
{
	keep_times(r);
	r->groups = NULL;
	r->ctx = NULL;
	r->last = NULL;
	r->last_line = NULL;
	r->lastcap = 0;
}

/* After a block: the times handed back, entities above the bound evicted;
 * after a failed one, the entities its rows named start afresh, as the
 * block left their times and context apart. */
static enum ad_status settle_entities(struct run *r, size_t n,
    enum ad_status st, struct ad_error *err)
{
	struct ad_featurize_entities *e = r->ents;

	keep_times(r);
	if (st != AD_OK)
		for (size_t i = 0; i < n; i++)
			if (r->gids[i] != SIZE_MAX)
				entity_reset(e, r->gids[i]);
	if (st == AD_OK)
		st = evict(e, err);
	r->groups = e->keys;
	return st;
}

enum ad_status ad_featurize_session_new(struct ad_featurize_session **out,
    const struct ad_featurize_apply *a, size_t rows,
    struct ad_featurize_entities *ents, ad_featurize_sink_fn sink, void *ctx,
    struct ad_error *err)
{
	struct ad_featurize_session *s = ad_calloc(1, sizeof *s);
	enum ad_status st;

	if (s == NULL)
		return ad_error_nomem(err);
	s->r = a->r;
	s->r.res = &s->res;
	s->r.sink = sink;
	s->r.sink_ctx = ctx;
	s->r.ob = NULL;
	s->r.ctx = NULL;
	s->r.groups = NULL;
	if ((st = new_state(&s->r, rows, err)) != AD_OK) {
		ad_featurize_session_free(s);
		return st;
	}
	if (ents != NULL)
		adopt_entities(&s->r, ents);
	*out = s;
	return AD_OK;
}

enum ad_status ad_featurize_session_block(struct ad_featurize_session *s,
    struct ad_block *b, struct ad_error *err)
{
	struct run *r = &s->r;
	enum ad_status st;

	if (b->nrows > r->state_rows)
		return ad_error_set(err, AD_EUSAGE, "internal: a block of %zu "
		    "rows for a session of %zu", b->nrows, r->state_rows);
	r->res->rows_read += b->nrows;
	if (r->ents != NULL)
		for (size_t i = 0; i < b->nrows; i++)
			r->gids[i] = SIZE_MAX;
	if ((st = prepare(r, b, r->in_of, 1, err)) == AD_OK)
		st = transform(r, b, r->in_of, err);
	if (r->ents != NULL)
		st = settle_entities(r, b->nrows, st, err);
	return st;
}

enum ad_status ad_featurize_session_end(struct ad_featurize_session *s,
    struct ad_error *err)
{
	return s->r.in_place ? AD_OK : flush(&s->r, 1, err);
}

const struct ad_featurize_result *ad_featurize_session_result(
    const struct ad_featurize_session *s)
{
	return &s->res;
}

void ad_featurize_session_free(struct ad_featurize_session *s)
{
	if (s == NULL)
		return;
	if (s->r.ents != NULL)
		release_entities(&s->r);
	drop_state(&s->r);
	ad_free(s);
}
