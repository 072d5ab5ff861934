/* A release: see release.h. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "block.h"
#include "clean.h"
#include "counter.h"
#include "featurize.h"
#include "featurize_model.h"
#include "in.h"
#include "model.h"
#include "out.h"
#include "params.h"
#include "release.h"
#include "score.h"
#include "writer.h"

/* The params files are read and parsed once, when the release is opened,
 * so a release removed from the store (or replaced) while it is served goes
 * on answering with the files it was loaded with, and a request reads no
 * file. */
struct ad_release {
	char *clean_path;            /* the params' paths, for messages; NULL:
	                                no ad-clean stage */
	char *features_path;         /* the same, for ad-features */
	struct ad_params *clean;     /* the ad-clean params, or NULL */
	struct ad_featurize_model *features; /* the ad-features params, or
	                                NULL */
	struct ad_model *model;
	struct ad_schema *inputs;    /* the first stage's input columns */
	struct ad_clean_apply *clean_apply;  /* clean made ready, or NULL */
	struct ad_featurize_apply *features_apply; /* the same, features */
	size_t *to_features;         /* features input c is clean's input
	                                column to_features[c] (clean's outputs
	                                bound to the features' inputs) */
	const struct ad_schema *mid; /* what clean hands on: the features'
	                                inputs, or clean's outputs */
	size_t *fcol;                /* feature f is column fcol[f] of what
	                                the model gets */
	size_t work_size;            /* the detector's workspace */
	struct keep *keep;           /* entities kept across requests, or
	                                NULL (no context features) */
};

/* The features' groups (entities) carried from one request to the next;
 * requests take the lock for their whole pass, so one release's requests
 * with context features run one after the other. Its own allocation, so a
 * release only read can still take it. */
struct keep {
	pthread_mutex_t lock;
	struct ad_featurize_entities *ents;
	size_t max;                     /* 0: none kept, requests run apart */
	atomic_uint_least64_t evicted;  /* ents' count after the last pass:
	                                   read without waiting for the lock */
};

static void keep_free(struct keep *k)
{
	if (k == NULL)
		return;
	pthread_mutex_destroy(&k->lock);
	ad_featurize_entities_free(k->ents);
	ad_free(k);
}

/* rel->keep, when its features have context state to carry. */
static enum ad_status keep_open(struct ad_release *rel, struct ad_error *err)
{
	struct ad_featurize_entities *e;
	enum ad_status st;

	if (rel->features_apply == NULL)
		return AD_OK;
	if ((st = ad_featurize_entities_new(&e, rel->features_apply,
	    AD_RELEASE_MAX_ENTITIES, err)) != AD_OK || e == NULL)
		return st;
	if ((rel->keep = ad_calloc(1, sizeof *rel->keep)) == NULL) {
		ad_featurize_entities_free(e);
		return ad_error_nomem(err);
	}
	if (pthread_mutex_init(&rel->keep->lock, NULL) != 0) {
		ad_featurize_entities_free(e);
		ad_free(rel->keep);
		rel->keep = NULL;
		return ad_error_set(err, AD_EIO, "cannot make a lock");
	}
	rel->keep->ents = e;
	rel->keep->max = AD_RELEASE_MAX_ENTITIES;
	atomic_init(&rel->keep->evicted, 0);
	return AD_OK;
}

void ad_release_set_max_entities(struct ad_release *rel, size_t max)
{
	if (rel->keep == NULL)
		return;
	pthread_mutex_lock(&rel->keep->lock);
	rel->keep->max = max;
	if (max > 0)
		ad_featurize_entities_set_max(rel->keep->ents, max);
	pthread_mutex_unlock(&rel->keep->lock);
}

uint64_t ad_release_evicted(const struct ad_release *rel)
{
	if (rel == NULL || rel->keep == NULL)
		return 0;
	return atomic_load(&rel->keep->evicted);
}

size_t ad_release_entities(const struct ad_release *rel)
{
	size_t n;

	if (rel == NULL || rel->keep == NULL)
		return 0;
	pthread_mutex_lock(&rel->keep->lock);
	n = ad_featurize_entities_count(rel->keep->ents);
	pthread_mutex_unlock(&rel->keep->lock);
	return n;
}

/* A copy of path (NULL: none) in *name, to name the file in messages. */
static enum ad_status name_of(const char *path, char **name,
    struct ad_error *err)
{
	if (path != NULL && (*name = ad_strndup(path, strlen(path))) == NULL)
		return ad_error_nomem(err);
	return AD_OK;
}

/* The "input NAME TYPE" lines of the ad-clean params. */
static enum ad_status inputs_of_params(struct ad_release *rel,
    const struct ad_params *p, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (size_t i = 0; i < ad_params_count(p) && st == AD_OK; i++) {
		const struct ad_pline *l = ad_params_line(p, i);

		if (strcmp(l->tok[0], "input") != 0 || l->ntok < 3)
			continue;
		st = ad_schema_add(rel->inputs, l->tok[1], l->len[1],
		    strcmp(l->tok[2], "text") == 0 ? AD_TEXT : AD_NUMERIC, err);
	}
	return st;
}

/* The input columns of the ad-features params, in their order. */
static enum ad_status inputs_of_features(struct ad_release *rel,
    struct ad_error *err)
{
	const struct ad_featurize_model *m = rel->features;
	enum ad_status st = AD_OK;

	for (size_t c = 0; c < m->ncols && st == AD_OK; c++)
		st = ad_schema_add(rel->inputs, m->cols[c].name,
		    strlen(m->cols[c].name), m->cols[c].type, err);
	return st;
}

static enum ad_status inputs_of_model(struct ad_release *rel,
    struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (size_t f = 0; f < rel->model->nfeat && st == AD_OK; f++)
		st = ad_schema_add(rel->inputs, rel->model->features[f],
		    strlen(rel->model->features[f]), AD_NUMERIC, err);
	return st;
}

/* Column c of want, by name, is column map[c] of have; a column of want
 * that have lacks is AD_EDATA naming it and what stage. */
static enum ad_status bind(const struct ad_schema *want,
    const struct ad_schema *have, const char *what, size_t **map,
    struct ad_error *err)
{
	if ((*map = ad_calloc(want->ncols + 1, sizeof **map)) == NULL)
		return ad_error_nomem(err);
	for (size_t c = 0; c < want->ncols; c++)
		if (((*map)[c] = ad_schema_find(have, want->cols[c].name)) ==
		    SIZE_MAX)
			return ad_error_set(err, AD_EDATA, "%s column \"%s\" is not "
			    "among the columns the stage before gives", what,
			    want->cols[c].name);
	return AD_OK;
}

/* The stages made ready once: clean's and the features' params compiled,
 * clean's outputs bound to the features' inputs, and the model's features
 * to the columns it is given. */
static enum ad_status make_ready(struct ad_release *rel, struct ad_error *err)
{
	const struct ad_schema *last = rel->inputs;
	size_t *out_to_in = NULL;
	enum ad_status st;

	if (rel->clean != NULL) {
		if ((st = ad_clean_apply_new(&rel->clean_apply, rel->clean,
		    rel->clean_path, err)) != AD_OK)
			return st;
		last = ad_clean_apply_outputs(rel->clean_apply);
	}
	if (rel->features != NULL) {
		const struct ad_schema *fin;

		if ((st = ad_featurize_apply_new(&rel->features_apply,
		    rel->features, rel->features_path, err)) != AD_OK)
			return st;
		fin = ad_featurize_apply_inputs(rel->features_apply);
		if (rel->clean_apply != NULL) {
			const size_t *cmap = ad_clean_apply_map(rel->clean_apply);

			if (last->ncols != fin->ncols)
				return ad_error_set(err, AD_EDATA, "the clean params "
				    "give %zu columns, the features params take %zu",
				    last->ncols, fin->ncols);
			if ((st = bind(fin, last, "the features params'",
			    &out_to_in, err)) != AD_OK) {
				ad_free(out_to_in);
				return st;
			}
			for (size_t c = 0; c < fin->ncols; c++)
				out_to_in[c] = cmap[out_to_in[c]];
			rel->to_features = out_to_in;
		}
		rel->mid = fin;
		last = ad_featurize_apply_outputs(rel->features_apply);
	} else if (rel->clean_apply != NULL)
		rel->mid = last;
	{
		const struct ad_model *m = rel->model;
		size_t n = m->nfeat;

		if ((rel->fcol = ad_calloc(n + 1, sizeof *rel->fcol)) == NULL)
			return ad_error_nomem(err);
		for (size_t f = 0; f < n; f++)
			if ((rel->fcol[f] = ad_schema_find(last, m->features[f])) ==
			    SIZE_MAX)
				return ad_error_set(err, AD_EDATA, "the model's feature "
				    "\"%s\" is not among the columns its params give",
				    m->features[f]);
	}
	rel->work_size = ad_model_work_size(rel->model);
	if (rel->work_size == SIZE_MAX)
		return ad_error_nomem(err);
	return AD_OK;
}

enum ad_status ad_release_open(struct ad_release **out,
    const char *clean_params, const char *features_params,
    const char *model, struct ad_error *err)
{
	struct ad_release *rel = ad_calloc(1, sizeof *rel);
	enum ad_status st;

	if (rel == NULL)
		return ad_error_nomem(err);
	if ((st = name_of(clean_params, &rel->clean_path, err)) != AD_OK ||
	    (st = name_of(features_params, &rel->features_path, err)) != AD_OK)
		goto out;
	if ((st = ad_schema_new(&rel->inputs, err)) != AD_OK ||
	    (st = ad_model_load(model, &rel->model, err)) != AD_OK)
		goto out;
	if (clean_params != NULL && (st = ad_params_load(&rel->clean,
	    clean_params, "ad-clean", err)) != AD_OK)
		goto out;
	if (features_params != NULL && (st = ad_featurize_model_load(
	    &rel->features, features_params, err)) != AD_OK)
		goto out;
	if (clean_params != NULL)
		st = inputs_of_params(rel, rel->clean, err);
	else if (features_params != NULL)
		st = inputs_of_features(rel, err);
	else
		st = inputs_of_model(rel, err);
	if (st == AD_OK)
		st = make_ready(rel, err);
	if (st == AD_OK)
		st = keep_open(rel, err);
out:
	if (st != AD_OK) {
		ad_release_free(rel);
		return st;
	}
	*out = rel;
	return AD_OK;
}

void ad_release_free(struct ad_release *rel)
{
	if (rel == NULL)
		return;
	ad_free(rel->clean_path);
	ad_free(rel->features_path);
	ad_clean_apply_free(rel->clean_apply);
	keep_free(rel->keep);
	ad_featurize_apply_free(rel->features_apply);
	ad_free(rel->to_features);
	ad_free(rel->fcol);
	ad_params_free(rel->clean);
	ad_featurize_model_free(rel->features);
	ad_model_free(rel->model);
	ad_schema_free(rel->inputs);
	ad_free(rel);
}

const struct ad_schema *ad_release_inputs(const struct ad_release *rel)
{
	return rel->inputs;
}

const struct ad_model *ad_release_model(const struct ad_release *rel)
{
	return rel->model;
}


const char *const *ad_release_na(const struct ad_release *rel, size_t *n)
{
	if (rel->clean_apply != NULL)
		return ad_clean_apply_na(rel->clean_apply, n);
	*n = ad_reader_default_na_count;
	return ad_reader_default_na;
}

void ad_release_scores_free(struct ad_release_scores *s)
{
	if (s == NULL)
		return;
	ad_free(s->score);
	ad_free(s->flag);
	ad_free(s->names);
	memset(s, 0, sizeof *s);
}

/* ---- one request's pass through the stages ---- */

/* A request's rows on their way: each stage's state for this request. */
struct pass {
	const struct ad_release *rel;
	struct ad_release_tally *t;
	struct ad_release_scores *out;
	struct ad_counter *seen;      /* clean's rows seen (dedupe) */
	struct ad_clean_result clean; /* clean's counts */
	struct ad_block *mid;         /* clean's rows, as the next stage takes
	                                 them */
	uint64_t mid_rows;            /* ...numbered as a stream's rows */
	struct ad_featurize_session *fs;
	struct keep *locked;          /* the release's entities, held */
	double *x;                    /* features of a block's rows */
	size_t xrows;                 /* rows x holds */
	double *contrib;              /* explain: one row's contributions */
	size_t *order;                /* explain: features, best first */
	void *work;                   /* the detector's workspace */
};

/* Room in p->out for n more rows. */
static enum ad_status grow_scores(struct pass *p, size_t n,
    struct ad_error *err)
{
	struct ad_release_scores *o = p->out;
	size_t need = o->n + n, cap = o->cap, k = o->explain ? o->explain : 1;
	double *sc, *fl;
	const char **nm;

	if (need <= o->cap)
		return AD_OK;
	if (need > SIZE_MAX / sizeof(double) / k)
		return ad_error_nomem(err);
	while (cap < need)
		cap = cap ? cap * 2 : 64;
	if ((sc = ad_realloc(o->score, cap * sizeof *sc)) == NULL)
		return ad_error_nomem(err);
	o->score = sc;
	if ((fl = ad_realloc(o->flag, cap * sizeof *fl)) == NULL)
		return ad_error_nomem(err);
	o->flag = fl;
	if ((nm = ad_realloc(o->names, cap * k * sizeof *nm)) == NULL)
		return ad_error_nomem(err);
	o->names = nm;
	o->cap = cap;
	return AD_OK;
}

/* The model's stage: b's rows, column j of what the model gets being b's
 * column map[j] (NULL: j), scored and explained into p->out. */
static enum ad_status score_block(void *ctx, const struct ad_block *b,
    const size_t *map, struct ad_error *err)
{
	struct pass *p = ctx;
	const struct ad_model *m = p->rel->model;
	struct ad_release_scores *o = p->out;
	size_t d = m->nfeat, n = b->nrows, k = o->explain;
	enum ad_status st;

	if (n == 0)
		return AD_OK;
	if (n > p->xrows) {
		double *x;

		if (d > 0 && n > SIZE_MAX / sizeof *x / d)
			return ad_error_nomem(err);
		if ((x = ad_realloc(p->x, n * (d ? d : 1) * sizeof *x)) == NULL)
			return ad_error_nomem(err);
		p->x = x;
		p->xrows = n;
	}
	if ((st = grow_scores(p, n, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < d; f++) {
			size_t c = p->rel->fcol[f];
			p->x[i * d + f] = b->num[i * b->ncols + (map ? map[c] : c)];
		}
	ad_score_rows(m, p->x, n, p->work, o->score + o->n);
	for (size_t i = 0; i < n; i++) {
		double *fl = &o->flag[o->n + i];

		*fl = o->score[o->n + i] >= m->threshold;
		p->t->anomalies += *fl != 0;
		if (k == 0)
			continue;
		ad_score_explain_row(m, p->x + i * d, p->work, p->contrib, k,
		    p->order);
		for (size_t j = 0; j < k; j++)
			o->names[(o->n + i) * k + j] = m->features[p->order[j]];
	}
	o->n += n;
	p->t->rows_scored += n;
	return AD_OK;
}

static void pass_free(struct pass *p)
{
	ad_counter_free(p->seen);
	ad_block_free(p->mid);
	ad_featurize_session_free(p->fs);
	if (p->locked != NULL) {
		atomic_store(&p->locked->evicted,
		    ad_featurize_entities_evicted(p->locked->ents));
		pthread_mutex_unlock(&p->locked->lock);
	}
	ad_free(p->x);
	ad_free(p->contrib);
	ad_free(p->order);
	ad_free(p->work);
}

/* A pass for blocks of up to rows rows. */
static enum ad_status pass_open(struct pass *p, const struct ad_release *rel,
    size_t rows, struct ad_release_tally *t, struct ad_release_scores *out,
    struct ad_error *err)
{
	size_t d = rel->model->nfeat;
	enum ad_status st;

	memset(p, 0, sizeof *p);
	p->rel = rel;
	p->t = t;
	p->out = out;
	if (out->explain > d)
		return ad_error_set(err, AD_EUSAGE, "explain is %zu, but the model "
		    "has %zu features", out->explain, d);
	p->contrib = ad_calloc(d + 1, sizeof *p->contrib);
	p->order = ad_calloc(d + 1, sizeof *p->order);
	if (p->contrib == NULL || p->order == NULL)
		return ad_error_nomem(err);
	if (rel->work_size > 0 && (p->work = ad_malloc(rel->work_size)) == NULL)
		return ad_error_nomem(err);
	if (rel->clean_apply != NULL && ad_clean_apply_dedupes(rel->clean_apply) &&
	    (st = ad_counter_new(&p->seen, err)) != AD_OK)
		return st;
	if (rel->mid != NULL && (st = ad_block_new(&p->mid, rel->mid->ncols,
	    rows ? rows : 1, err)) != AD_OK)
		return st;
	if (rel->keep != NULL) {
		pthread_mutex_lock(&rel->keep->lock);
		if (rel->keep->max > 0)
			p->locked = rel->keep;
		else
			pthread_mutex_unlock(&rel->keep->lock);
	}
	if (rel->features_apply != NULL && (st = ad_featurize_session_new(
	    &p->fs, rel->features_apply, rows, p->locked ? p->locked->ents :
	    NULL, score_block, p, err)) != AD_OK)
		return st;
	return AD_OK;
}

/* Clean's rows, moved into p->mid in the next stage's order and numbered
 * as the rows of the stream ad-clean would write. */
static enum ad_status to_mid(struct pass *p, const struct ad_block *b,
    struct ad_error *err)
{
	const struct ad_release *rel = p->rel;
	const size_t *map = rel->to_features ? rel->to_features :
	    ad_clean_apply_map(rel->clean_apply);
	enum ad_status st;

	if (b->nrows > p->mid->cap)
		return ad_error_set(err, AD_EUSAGE, "internal: a block of %zu rows "
		    "for %zu", b->nrows, p->mid->cap);
	ad_block_clear(p->mid);
	for (size_t i = 0; i < b->nrows; i++) {
		if ((st = ad_block_copy_row(rel->mid, p->mid, i, b, i, map,
		    err)) != AD_OK)
			return st;
		p->mid->line[i] = ++p->mid_rows;
	}
	p->mid->nrows = b->nrows;
	return AD_OK;
}

/* One block of the request's rows (the release's inputs, in order; at
 * most the pass's rows) through every stage. */
static enum ad_status pass_block(struct pass *p, struct ad_block *b,
    struct ad_error *err)
{
	const struct ad_release *rel = p->rel;
	struct ad_block *next = b;
	enum ad_status st;

	p->t->rows_in += b->nrows;
	p->t->first_stage_failed = 1;
	if (rel->clean_apply != NULL) {
		if ((st = ad_clean_apply_block(rel->clean_apply, b, p->seen,
		    &p->clean, err)) != AD_OK || (st = to_mid(p, b, err)) != AD_OK)
			return st;
		next = p->mid;
		p->t->first_stage_failed = 0;
	}
	if (rel->features_apply != NULL)
		return ad_featurize_session_block(p->fs, next, err);
	return score_block(p, next, NULL, err);
}

static enum ad_status pass_end(struct pass *p, struct ad_error *err)
{
	return p->fs == NULL ? AD_OK : ad_featurize_session_end(p->fs, err);
}

enum ad_status ad_release_score_rows(const struct ad_release *rel,
    struct ad_block *const *blocks, size_t n, size_t explain,
    struct ad_release_scores *out, struct ad_release_tally *t,
    struct ad_error *err)
{
	size_t rows = 0;
	struct pass p;
	enum ad_status st;

	memset(t, 0, sizeof *t);
	memset(out, 0, sizeof *out);
	out->explain = explain;
	for (size_t i = 0; i < n; i++)
		rows = blocks[i]->nrows > rows ? blocks[i]->nrows : rows;
	st = pass_open(&p, rel, rows, t, out, err);
	for (size_t i = 0; i < n && st == AD_OK; i++)
		st = pass_block(&p, blocks[i], err);
	if (st == AD_OK)
		st = pass_end(&p, err);
	pass_free(&p);
	if (st != AD_OK)
		ad_release_scores_free(out);
	return st;
}

/* ---- a CSV or binary body ---- */

/* The reader's settings of the first stage's runner, so the body's rows
 * are read as the batch command reads them. */
static void first_stage_reader(const struct ad_release *rel,
    struct ad_reader_opts *ro)
{
	ro->types = rel->inputs;
	if (rel->clean_apply != NULL) {
		ro->na = ad_clean_apply_na(rel->clean_apply, &ro->n_na);
	} else if (rel->features_apply != NULL) {
		ro->strict = 1;
		ro->limit_rejects = 1;
		ro->max_rejects = 0;
	}
}

/* Checks the body's columns against the first stage's, as its runner
 * does, and maps them: input column c is the body's column (*map)[c]. */
static enum ad_status body_columns(const struct ad_release *rel,
    const struct ad_reader *rd, size_t **map, struct ad_error *err)
{
	const struct ad_schema *have = ad_reader_schema(rd);
	const char *name = ad_reader_name(rd);
	enum ad_status st;

	if (rel->clean_apply != NULL || rel->features_apply != NULL)
		for (size_t c = 0; c < have->ncols; c++)
			if (ad_schema_find(rel->inputs, have->cols[c].name) == SIZE_MAX)
				return ad_error_at(err, AD_EDATA, name, 0, c + 1, "column "
				    "\"%s\" is not in the params file",
				    have->cols[c].name);
	if ((*map = ad_calloc(rel->inputs->ncols + 1, sizeof **map)) == NULL)
		return ad_error_nomem(err);
	for (size_t c = 0; c < rel->inputs->ncols; c++)
		if (((*map)[c] = ad_schema_find(have, rel->inputs->cols[c].name)) ==
		    SIZE_MAX) {
			st = ad_schema_not_found(have, name, "",
			    rel->inputs->cols[c].name, err);
			return st;
		}
	return AD_OK;
}

/* Whether map is the identity of n columns. */
static int identity(const size_t *map, size_t n)
{
	for (size_t c = 0; c < n; c++)
		if (map[c] != c)
			return 0;
	return 1;
}

/* The scores as a stream: score, is_anomaly, explain_1..explain_K. */
static enum ad_status write_scores(const struct ad_release_scores *s,
    enum ad_format format, struct ad_out *out, struct ad_error *err)
{
	struct ad_schema *sch = NULL;
	struct ad_writer *w = NULL;
	struct ad_writer_opts wo = { 0 };
	struct ad_block *b = NULL;
	size_t k = s->explain, rows;
	char name[32];
	enum ad_status st;

	if ((st = ad_schema_new(&sch, err)) != AD_OK)
		return st;
	if ((st = ad_schema_add(sch, "score", 5, AD_NUMERIC, err)) == AD_OK)
		st = ad_schema_add(sch, "is_anomaly", 10, AD_NUMERIC, err);
	for (size_t j = 0; j < k && st == AD_OK; j++) {
		snprintf(name, sizeof name, "explain_%zu", j + 1);
		st = ad_schema_add(sch, name, strlen(name), AD_TEXT, err);
	}
	wo.format = format;
	rows = ad_block_rows(sch->ncols);
	if (st == AD_OK && (st = ad_block_new(&b, sch->ncols, rows, err)) ==
	    AD_OK)
		st = ad_writer_open(&w, out, sch, &wo, err);
	for (size_t i = 0; i < s->n && st == AD_OK; i++) {
		size_t r = b->nrows;

		b->num[r * b->ncols] = s->score[i];
		b->num[r * b->ncols + 1] = s->flag[i];
		b->text[r * b->ncols].len = AD_TEXT_MISSING;
		b->text[r * b->ncols + 1].len = AD_TEXT_MISSING;
		for (size_t j = 0; j < k && st == AD_OK; j++) {
			const char *nm = s->names[i * k + j];
			b->num[r * b->ncols + 2 + j] = NAN;
			st = ad_block_set_text(b, r, 2 + j, nm, strlen(nm), err);
		}
		b->line[r] = i + 1;
		if (st == AD_OK && ++b->nrows == b->cap) {
			st = ad_writer_write(w, b, NULL, err);
			ad_block_clear(b);
		}
	}
	if (st == AD_OK && b->nrows > 0)
		st = ad_writer_write(w, b, NULL, err);
	if (st == AD_OK)
		st = ad_writer_finish(w, err);
	ad_writer_free(w);
	ad_block_free(b);
	ad_schema_free(sch);
	return st;
}

/* Reads the body's blocks through the pass, each in the inputs' order. */
static enum ad_status read_body(struct pass *p, struct ad_reader *rd,
    struct ad_error *err)
{
	const struct ad_release *rel = p->rel;
	struct ad_block *b, *ordered = NULL;
	size_t *map = NULL;
	enum ad_status st;
	int same;

	if ((st = body_columns(rel, rd, &map, err)) != AD_OK)
		goto out;
	same = ad_reader_schema(rd)->ncols == rel->inputs->ncols &&
	    identity(map, rel->inputs->ncols);
	if (!same && (st = ad_block_new(&ordered, rel->inputs->ncols,
	    ad_block_rows(rel->inputs->ncols), err)) != AD_OK)
		goto out;
	while ((st = ad_reader_next(rd, &b, err)) == AD_OK && b->nrows > 0) {
		if (!same) {
			ad_block_clear(ordered);
			for (size_t i = 0; i < b->nrows && st == AD_OK; i++)
				st = ad_block_copy_row(rel->inputs, ordered, i, b, i, map,
				    err);
			if (st != AD_OK)
				break;
			ordered->nrows = b->nrows;
			b = ordered;
		}
		if ((st = pass_block(p, b, err)) != AD_OK)
			break;
	}
	if (st == AD_OK)
		st = pass_end(p, err);
out:
	ad_block_free(ordered);
	ad_free(map);
	return st;
}

enum ad_status ad_release_score(const struct ad_release *rel,
    struct ad_in *in, const struct ad_release_call *call, struct ad_out *out,
    struct ad_release_tally *t, struct ad_error *err)
{
	struct ad_reader_opts ro;
	struct ad_reader *rd = NULL;
	struct ad_release_scores s;
	struct pass p;
	enum ad_status st;

	memset(t, 0, sizeof *t);
	memset(&s, 0, sizeof s);
	memset(&ro, 0, sizeof ro);
	t->first_stage_failed = 1;
	s.explain = call->explain;
	ro.from = in;
	first_stage_reader(rel, &ro);
	if ((st = ad_reader_open(&rd, &ro, err)) != AD_OK)
		return st;
	st = pass_open(&p, rel, ad_block_rows(rel->inputs->ncols), t, &s, err);
	if (st == AD_OK)
		st = read_body(&p, rd, err);
	pass_free(&p);
	if (st == AD_OK) {
		/* rejected rows (the wrong field count) were read too */
		t->rows_in = ad_reader_rows(rd) + ad_reader_rejected(rd);
		st = write_scores(&s, call->format, out, err);
	} else if (t->first_stage_failed)
		ad_reader_locate(rd, err);
	ad_reader_free(rd);
	ad_release_scores_free(&s);
	return st;
}
