/*
 * ad-score: see score.h.
 *
 * With one thread, each block is read, scored and written in turn. With
 * more, three kinds of threads share a ring of slots: the calling thread
 * reads blocks into free slots, workers score them (several at a time, in
 * any order), and a writer thread writes them out strictly in input order;
 * the writer and the workers are jobs of one pool (lib/common/pool.h).
 * A slot's rows are scored by one worker and a row's score depends only on
 * the row and the model, so the output is the same byte for byte whatever
 * the thread count. Memory is the ring: a few blocks, never the input.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "calib.h"
#include "detector.h"
#include "in.h"
#include "lineage.h"
#include "model.h"
#include "out.h"
#include "outset.h"
#include "pool.h"
#include "score.h"
#include "writer.h"

enum slot_state {
	FREE = 0,      /* the reader may fill it */
	READ,          /* filled, waiting for a worker */
	SCORING,       /* a worker has it */
	SCORED         /* waiting for the writer */
};

struct slot {
	struct ad_block *b;     /* input columns, then score, is_anomaly and
	                           the explain columns */
	double *x;              /* the rows' features, row-major */
	double *score;
	double *contrib;        /* explain: one row's contributions */
	size_t *order;          /* explain: features, best first */
	void *work;             /* the detector's workspace, or NULL */
	uint64_t seq;           /* block number in the input */
	uint64_t missing;       /* rows missing a feature */
	enum slot_state state;
};

struct run {
	const struct ad_score_opts *o;
	struct ad_score_result *res;
	const struct ad_model *model;
	struct ad_model *owned;     /* the model loaded from model_path */
	struct ad_lineage trained;  /* what made the training input, if known */
	struct ad_schema *types;    /* the features, numeric */
	struct ad_reader *rd;
	int *from_taken;            /* set: o->in.from went to the reader */
	struct ad_schema *outs;     /* output columns */
	size_t *colmap;             /* output column -> slot block column */
	size_t *col;                /* feature -> input column */
	size_t d, nin;              /* features, input columns */
	size_t score_col;           /* in the slot block; is_anomaly follows */
	double threshold;           /* on the raw scale, or the calibrated one
	                               with --calibrated --threshold */
	struct ad_calib *calib;     /* --calibrated: the model's calibration */
	struct ad_outset *outset;   /* the two outputs below */
	struct ad_out *out;
	struct ad_reject_out rej;   /* --rejects */
	struct ad_writer *w;
	char delim;
	/* the ring */
	struct slot *slots;
	size_t nslots;
	pthread_mutex_t lock;
	pthread_cond_t changed;     /* any slot changed state, or failed */
	uint64_t next_score, next_write, total;
	int eof;                    /* total is known */
	int failed;
	enum ad_status st;          /* the first failure */
	struct ad_error err;
};

/* ---- options, model and columns ---- */

static enum ad_status check_options(struct run *r, struct ad_error *err)
{
	const struct ad_score_opts *o = r->o;

	if (o->explain > r->model->nfeat)
		return ad_error_set(err, AD_EUSAGE, "--explain %zu is more than "
		    "the model's %zu features", o->explain, r->model->nfeat);
	if (o->calibrated && o->threshold_set && !(o->threshold >= 0 &&
	    o->threshold <= 1))
		return ad_error_set(err, AD_EUSAGE, "--threshold must be from 0 "
		    "to 1 with --calibrated, not %.17g", o->threshold);
	if (!o->calibrated && o->threshold_set &&
	    !(o->threshold >= r->model->det->score_lo &&
	    o->threshold <= r->model->det->score_hi))
		return ad_error_set(err, AD_EUSAGE, "--threshold must be from "
		    "%.17g to %.17g for %s models, not %.17g",
		    r->model->det->score_lo, r->model->det->score_hi,
		    r->model->det->name, o->threshold);
	r->threshold = o->threshold_set ? o->threshold : r->model->threshold;
	return AD_OK;
}

/* Whether --keep '' leaves out every input column. */
static int keeps_none(const struct ad_score_opts *o)
{
	return o->keep_set && o->n_keep == 1 && o->keep[0][0] == '\0';
}

/* ---- lineage ---- */

static enum ad_status load_lineage(struct run *r, struct ad_error *err)
{
	const unsigned char *p;
	size_t len;

	if (!ad_model_section_get(r->model, AD_LINEAGE_MODEL_TAG, &p, &len))
		return AD_OK;
	return ad_lineage_decode(p, len, &r->trained, r->o->model_path, err);
}

/* Compares the input's lineage with the model's: a note, or with
 * --strict-lineage an error, when they disagree. */
static enum ad_status check_lineage(struct run *r, struct ad_error *err)
{
	const struct ad_lineage *have = ad_reader_lineage(r->rd);
	char *note = r->res->lineage_note;
	size_t cap = sizeof r->res->lineage_note;

	if (r->trained.n == 0)
		return AD_OK;
	if (have == NULL) {
		snprintf(note, cap, "%s has no lineage (CSV, or an older binary "
		    "stream): it is not checked against the params the model's "
		    "features were made with", ad_reader_name(r->rd));
		return AD_OK;
	}
	if (!ad_lineage_mismatch(have, &r->trained, note, cap))
		return AD_OK;
	if (r->o->strict_lineage) {
		ad_error_at(err, AD_EDATA, ad_reader_name(r->rd), 0, 0, "%s",
		    note);
		note[0] = '\0';
		return AD_EDATA;
	}
	return AD_OK;
}

/* Names every feature of the model the input lacks, and where features
 * come from: the params file of the model's lineage when it has one. */
static enum ad_status have_features(struct run *r, struct ad_error *err)
{
	const struct ad_model *m = r->model;
	const char *p;
	size_t n;

	if (ad_schema_require(ad_reader_schema(r->rd), ad_reader_name(r->rd),
	    "the model's feature", (const char *const *)m->features, m->nfeat,
	    err) == AD_OK)
		return AD_OK;
	p = ad_lineage_params_of(&r->trained, AD_LINEAGE_FEATURES);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof err->msg - n, "; make the features as "
	    "the training data's were, with ad-features -r %s",
	    p != NULL ? p : "PARAMS");
	return AD_EDATA;
}

static enum ad_status open_input(struct run *r, struct ad_error *err)
{
	struct ad_reader_opts ro = r->o->in;
	const struct ad_model *m = r->model;
	enum ad_status st;

	if ((st = ad_schema_new(&r->types, err)) != AD_OK)
		return st;
	for (size_t f = 0; f < m->nfeat; f++)
		if ((st = ad_schema_add(r->types, m->features[f],
		    strlen(m->features[f]), AD_NUMERIC, err)) != AD_OK)
			return st;
	ro.types = r->types;
	/* kept numbers are copied, not formatted again; a binary stream
	 * stores the doubles, so it needs no text */
	ro.number_text = !keeps_none(r->o) &&
	    !(r->o->format_set && r->o->format == AD_FORMAT_BIN);
	r->delim = ro.delim ? ro.delim : ',';
	if (r->rej.out != NULL) {
		r->rej.delim = r->delim;
		ro.on_reject = ad_writer_reject;
		ro.reject_ctx = &r->rej;
	}
	*r->from_taken = 1;
	if ((st = ad_reader_open_schema(&r->rd, &ro, err)) != AD_OK ||
	    (st = have_features(r, err)) != AD_OK ||
	    (st = ad_reader_set_types(r->rd, r->types, err)) != AD_OK ||
	    (st = check_lineage(r, err)) != AD_OK)
		return st;
	r->nin = ad_reader_schema(r->rd)->ncols;
	r->d = m->nfeat;
	if ((r->col = ad_calloc(r->d, sizeof *r->col)) == NULL)
		return ad_error_nomem(err);
	for (size_t f = 0; f < r->d; f++)
		r->col[f] = ad_schema_find(ad_reader_schema(r->rd),
		    m->features[f]);
	return AD_OK;
}

static enum ad_status add_output(struct run *r, const char *name,
    enum ad_type type, size_t from, struct ad_error *err)
{
	size_t j = r->outs->ncols;

	if (ad_schema_find(r->outs, name) != SIZE_MAX)
		return ad_error_at(err, AD_EDATA, ad_reader_name(r->rd), 0, 0,
		    "the input already has a column \"%s\"; leave it out with "
		    "--keep", name);
	r->colmap[j] = from;
	return ad_schema_add(r->outs, name, strlen(name), type, err);
}

/* The kept input columns, then score, is_anomaly, explain_1.. */
static enum ad_status choose_outputs(struct run *r, struct ad_error *err)
{
	const struct ad_score_opts *o = r->o;
	const struct ad_schema *in = ad_reader_schema(r->rd);
	int none = keeps_none(o);
	size_t nkeep = !o->keep_set ? in->ncols : none ? 0 : o->n_keep;
	enum ad_status st;
	char name[32];

	if ((st = ad_schema_new(&r->outs, err)) != AD_OK)
		return st;
	if ((r->colmap = ad_calloc(nkeep + 2 + o->explain,
	    sizeof *r->colmap)) == NULL)
		return ad_error_nomem(err);
	for (size_t k = 0; k < nkeep; k++) {
		size_t c = o->keep_set ? ad_schema_find(in, o->keep[k]) : k;

		if (c == SIZE_MAX)
			return ad_schema_not_found(in, ad_reader_name(r->rd), "",
			    o->keep[k], err);
		if (ad_schema_find(r->outs, in->cols[c].name) != SIZE_MAX)
			return ad_error_set(err, AD_EUSAGE, "--keep names \"%s\" "
			    "twice", in->cols[c].name);
		if ((st = add_output(r, in->cols[c].name, in->cols[c].type, c,
		    err)) != AD_OK)
			return st;
	}
	r->score_col = r->nin;
	if ((st = add_output(r, "score", AD_NUMERIC, r->nin, err)) != AD_OK ||
	    (st = add_output(r, "is_anomaly", AD_NUMERIC, r->nin + 1,
	    err)) != AD_OK)
		return st;
	for (size_t k = 0; k < o->explain; k++) {
		snprintf(name, sizeof name, "explain_%zu", k + 1);
		if ((st = add_output(r, name, AD_TEXT, r->nin + 2 + k, err)) !=
		    AD_OK)
			return st;
	}
	return AD_OK;
}

/* ---- one block ---- */

static void slot_free(struct slot *s)
{
	ad_block_free(s->b);
	ad_free(s->x);
	ad_free(s->score);
	ad_free(s->contrib);
	ad_free(s->order);
	ad_free(s->work);
}

static enum ad_status slot_init(struct run *r, struct slot *s,
    struct ad_error *err)
{
	size_t cap = ad_block_rows(r->nin), ws = ad_model_work_size(r->model);
	enum ad_status st;

	if ((st = ad_block_new(&s->b, r->nin + 2 + r->o->explain, cap,
	    err)) != AD_OK)
		return st;
	s->x = ad_calloc(cap * r->d, sizeof *s->x);
	s->score = ad_calloc(cap, sizeof *s->score);
	s->contrib = ad_calloc(r->d, sizeof *s->contrib);
	s->order = ad_calloc(r->d, sizeof *s->order);
	if (s->x == NULL || s->score == NULL || s->contrib == NULL ||
	    s->order == NULL)
		return ad_error_nomem(err);
	if (ws > 0 && (ws == SIZE_MAX || (s->work = ad_malloc(ws)) == NULL))
		return ad_error_nomem(err);
	return AD_OK;
}

/* Copies the reader's block into the slot: cells, text and lines. */
static enum ad_status fill_slot(struct run *r, struct slot *s,
    const struct ad_block *in, struct ad_error *err)
{
	struct ad_block *b = s->b;
	const struct ad_schema *sc = ad_reader_schema(r->rd);
	size_t w = b->ncols;
	int text = in->num_text;

	/* numbers without their text are written from the doubles: only
	 * text columns and kept number text need the cells' text */
	for (size_t c = 0; c < r->nin && !text; c++)
		text = sc->cols[c].type == AD_TEXT;
	ad_block_clear(b);
	if (in->arena_len > 0) {
		char *a = ad_grow(b->arena, &b->arena_cap, in->arena_len, 1);
		if (a == NULL)
			return ad_error_nomem(err);
		b->arena = a;
		memcpy(b->arena, in->arena, in->arena_len);
		b->arena_len = in->arena_len;
	}
	for (size_t i = 0; i < in->nrows; i++) {
		const double *src = in->num + i * in->ncols;
		double *x = s->x + i * r->d;

		memcpy(b->num + i * w, src, r->nin * sizeof *b->num);
		if (text)
			memcpy(b->text + i * w, in->text + i * in->ncols,
			    r->nin * sizeof *b->text);
		/* no source text: score and is_anomaly are formatted */
		b->text[i * w + r->score_col].len = AD_TEXT_MISSING;
		b->text[i * w + r->score_col + 1].len = AD_TEXT_MISSING;
		for (size_t f = 0; f < r->d; f++)
			x[f] = src[r->col[f]];
	}
	memcpy(b->line, in->line, in->nrows * sizeof *b->line);
	b->nrows = in->nrows;
	b->num_text = in->num_text;
	return AD_OK;
}

/* Puts the k features with the largest contributions first in order
 * (ties: the earlier feature). */
static void top_features(const double *contrib, size_t d, size_t k,
    size_t *order)
{
	for (size_t f = 0; f < d; f++)
		order[f] = f;
	for (size_t i = 0; i < k; i++) {
		size_t best = i, t;

		for (size_t j = i + 1; j < d; j++)
			if (contrib[order[j]] > contrib[order[best]] ||
			    (contrib[order[j]] == contrib[order[best]] &&
			    order[j] < order[best]))
				best = j;
		t = order[i];
		order[i] = order[best];
		order[best] = t;
	}
}

void ad_score_explain_row(const struct ad_model *m, const double *x,
    void *work, double *contrib, size_t k, size_t *order)
{
	ad_model_explain(m, x, work, contrib);
	top_features(contrib, m->nfeat, k, order);
}

uint64_t ad_score_rows(const struct ad_model *m, double *x, size_t n,
    void *work, double *score)
{
	size_t d = m->nfeat;
	uint64_t missing = 0;

	/* counted before standardizing, which fills missing values in */
	for (size_t i = 0; i < n; i++) {
		const double *row = x + i * d;
		for (size_t f = 0; f < d; f++)
			if (isnan(row[f])) {
				missing++;
				break;
			}
	}
	ad_model_standardize(m, x, n, d);
	ad_model_score(m, x, n, d, work, score);
	return missing;
}

static enum ad_status explain_rows(struct run *r, struct slot *s,
    struct ad_error *err)
{
	struct ad_block *b = s->b;
	size_t k = r->o->explain;
	enum ad_status st;

	for (size_t i = 0; i < b->nrows; i++) {
		ad_score_explain_row(r->model, s->x + i * r->d, s->work,
		    s->contrib, k, s->order);
		for (size_t j = 0; j < k; j++) {
			const char *name = r->model->features[s->order[j]];
			st = ad_block_set_text(b, i, r->score_col + 2 + j, name,
			    strlen(name), err);
			if (st != AD_OK)
				return st;
		}
	}
	return AD_OK;
}

/* Scores the slot's rows into its block's score and is_anomaly columns. */
static enum ad_status score_slot(struct run *r, struct slot *s,
    struct ad_error *err)
{
	struct ad_block *b = s->b;
	size_t w = b->ncols;

	s->missing = ad_score_rows(r->model, s->x, b->nrows, s->work,
	    s->score);
	for (size_t i = 0; i < b->nrows; i++) {
		double raw = s->score[i], shown = r->o->calibrated ?
		    ad_calib_apply(r->calib, raw) : raw;

		b->num[i * w + r->score_col] = shown;
		/* the model's own threshold is on the raw scale, so its
		 * decisions stay the same with --calibrated; what is compared
		 * stays in score for write_slot's count */
		s->score[i] = r->o->calibrated && r->o->threshold_set ? shown :
		    raw;
		b->num[i * w + r->score_col + 1] = s->score[i] >= r->threshold;
	}
	return r->o->explain > 0 ? explain_rows(r, s, err) : AD_OK;
}

/* Counts and writes the slot's rows. */
static enum ad_status write_slot(struct run *r, struct slot *s,
    struct ad_error *err)
{
	const struct ad_block *b = s->b;

	for (size_t i = 0; i < b->nrows; i++)
		r->res->anomalies += s->score[i] >= r->threshold;
	r->res->missing += s->missing;
	r->res->rows += b->nrows;
	if (r->o->progress != NULL)
		r->o->progress(r->o->progress_ctx, "rows scored", r->res->rows, 0);
	return ad_writer_write(r->w, b, r->colmap, err);
}

/* ---- one thread ---- */

static enum ad_status run_serial(struct run *r, struct ad_error *err)
{
	struct slot *s = &r->slots[0];
	struct ad_block *b;
	enum ad_status st;

	while ((st = ad_reader_next(r->rd, &b, err)) == AD_OK && b->nrows > 0)
		if ((st = fill_slot(r, s, b, err)) != AD_OK ||
		    (st = score_slot(r, s, err)) != AD_OK ||
		    (st = write_slot(r, s, err)) != AD_OK)
			return st;
	return st;
}

/* ---- several threads ---- */

/* Records the first failure and wakes everyone; call with the lock held. */
static void fail_locked(struct run *r, enum ad_status st,
    const struct ad_error *err)
{
	if (!r->failed) {
		r->failed = 1;
		r->st = st;
		r->err = *err;
	}
	pthread_cond_broadcast(&r->changed);
}

static void *worker_main(void *arg)
{
	struct run *r = arg;
	struct ad_error err;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct slot *s = &r->slots[r->next_score % r->nslots];
		enum ad_status st;

		if (r->failed || (r->eof && r->next_score == r->total))
			break;
		if (s->state != READ || s->seq != r->next_score) {
			pthread_cond_wait(&r->changed, &r->lock);
			continue;
		}
		s->state = SCORING;
		r->next_score++;
		pthread_mutex_unlock(&r->lock);
		st = score_slot(r, s, &err);
		pthread_mutex_lock(&r->lock);
		if (st != AD_OK)
			fail_locked(r, st, &err);
		s->state = SCORED;
		pthread_cond_broadcast(&r->changed);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void *writer_main(void *arg)
{
	struct run *r = arg;
	struct ad_error err;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct slot *s = &r->slots[r->next_write % r->nslots];
		enum ad_status st;

		if (r->failed || (r->eof && r->next_write == r->total))
			break;
		if (s->state != SCORED || s->seq != r->next_write) {
			pthread_cond_wait(&r->changed, &r->lock);
			continue;
		}
		pthread_mutex_unlock(&r->lock);
		st = write_slot(r, s, &err);
		pthread_mutex_lock(&r->lock);
		if (st != AD_OK)
			fail_locked(r, st, &err);
		s->state = FREE;
		r->next_write++;
		pthread_cond_broadcast(&r->changed);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Reads blocks into free slots, in the calling thread. */
static enum ad_status feed(struct run *r, struct ad_error *err)
{
	struct ad_block *b;
	uint64_t seq = 0;
	enum ad_status st;

	while ((st = ad_reader_next(r->rd, &b, err)) == AD_OK && b->nrows > 0) {
		struct slot *s = &r->slots[seq % r->nslots];

		int stop;

		pthread_mutex_lock(&r->lock);
		while (!r->failed && s->state != FREE)
			pthread_cond_wait(&r->changed, &r->lock);
		stop = r->failed;
		pthread_mutex_unlock(&r->lock);
		if (stop)
			return AD_OK;       /* the failure is recorded */
		/* a FREE slot is the reader's alone */
		if ((st = fill_slot(r, s, b, err)) != AD_OK)
			return st;
		pthread_mutex_lock(&r->lock);
		s->seq = seq++;
		s->state = READ;
		pthread_cond_broadcast(&r->changed);
		pthread_mutex_unlock(&r->lock);
	}
	if (st == AD_OK) {
		pthread_mutex_lock(&r->lock);
		r->total = seq;
		r->eof = 1;
		pthread_cond_broadcast(&r->changed);
		pthread_mutex_unlock(&r->lock);
	}
	return st;
}

/* The pipeline's jobs on the pool: 0 writes, the others score. A job
 * records a failure in r, where the others see it; the pool's own status
 * stays AD_OK. */
static enum ad_status pipeline_job(void *ctx, size_t i, struct ad_error *err)
{
	(void)err;
	if (i == 0)
		writer_main(ctx);
	else
		worker_main(ctx);
	return AD_OK;
}

static enum ad_status run_parallel(struct run *r, struct ad_error *err)
{
	size_t jobs = (size_t)r->o->threads + 1;
	struct ad_pool *pool;
	struct ad_error perr;
	unsigned started;
	enum ad_status st;

	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->changed, NULL);
	/* one thread per job: each runs until the input is written */
	st = ad_pool_start(&pool, (unsigned)jobs, jobs, pipeline_job, r,
	    &started, err);
	if (st != AD_OK) {
		pthread_cond_destroy(&r->changed);
		pthread_mutex_destroy(&r->lock);
		return st;
	}
	/* the writer and at least one worker, or nothing moves */
	if (started < 2)
		st = ad_error_set(err, AD_EIO, "cannot start threads");
	else
		st = feed(r, err);
	pthread_mutex_lock(&r->lock);
	if (st != AD_OK)
		fail_locked(r, st, err);
	else if (!r->eof) {
		r->eof = 1;
		r->total = 0;
	}
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
	(void)ad_pool_wait(pool, &perr);
	pthread_cond_destroy(&r->changed);
	pthread_mutex_destroy(&r->lock);
	if (r->failed) {
		*err = r->err;
		return r->st;
	}
	return AD_OK;
}

/* ---- the run ---- */

static enum ad_status inspect(const struct ad_score_opts *o,
    const struct ad_model *m, struct ad_error *err)
{
	struct ad_out *out;
	struct ad_outset *set;
	const struct ad_outset_entry e = { &out, o->output ? o->output : "-" };
	enum ad_status st;

	if ((st = ad_outset_open(&set, &e, 1, err)) != AD_OK)
		return st;
	if ((st = ad_model_write_json(m, o->model_path, out, err)) == AD_OK)
		st = ad_outset_commit(set, err);
	ad_outset_free(set);
	return st;
}

/* Opens both outputs before the first row is read, so a bad path fails
 * early; they are committed in this order, the scores last. */
static enum ad_status open_outputs(struct run *r, struct ad_error *err)
{
	const struct ad_score_opts *o = r->o;
	const struct ad_outset_entry e[] = {
		{ &r->rej.out, o->rejects_path },
		{ &r->out, o->to ? NULL : o->output ? o->output : "-" },
	};

	return ad_outset_open(&r->outset, e, sizeof e / sizeof e[0], err);
}

static enum ad_status prepare(struct run *r, struct ad_error *err)
{
	const struct ad_score_opts *o = r->o;
	struct ad_writer_opts wo = { 0 };
	enum ad_status st;

	if ((st = open_outputs(r, err)) != AD_OK ||
	    (st = open_input(r, err)) != AD_OK ||
	    (st = choose_outputs(r, err)) != AD_OK)
		return st;
	r->nslots = o->threads > 1 ? 2 * (size_t)o->threads + 2 : 1;
	if ((r->slots = ad_calloc(r->nslots, sizeof *r->slots)) == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < r->nslots; i++)
		if ((st = slot_init(r, &r->slots[i], err)) != AD_OK)
			return st;
	wo.format = o->format_set ? o->format : ad_reader_format(r->rd);
	wo.delim = r->delim;
	wo.no_header = o->in.no_header;
	return ad_writer_open(&r->w, o->to ? o->to : r->out, r->outs, &wo,
	    err);
}

static enum ad_status finish(struct run *r, struct ad_error *err)
{
	enum ad_status st = ad_writer_finish(r->w, err);

	r->res->rejected = ad_reader_rejected(r->rd);
	for (size_t f = 0; f < r->d; f++)
		r->res->invalid += ad_reader_invalid(r->rd)[r->col[f]];
	return st != AD_OK ? st : ad_outset_commit(r->outset, err);
}

static void run_free(struct run *r)
{
	ad_outset_free(r->outset);
	ad_writer_free(r->w);
	ad_reader_free(r->rd);
	for (size_t i = 0; r->slots != NULL && i < r->nslots; i++)
		slot_free(&r->slots[i]);
	ad_free(r->slots);
	ad_schema_free(r->types);
	ad_schema_free(r->outs);
	ad_free(r->colmap);
	ad_free(r->col);
	ad_model_free(r->owned);
	ad_calib_free(r->calib);
	ad_lineage_clear(&r->trained);
}

/* The model's calibration, checked whenever the model has one (--inspect
 * shows it) and needed by --calibrated, which models trained before it was
 * recorded (and merged ones) lack. */
static enum ad_status load_calibration(struct run *r, struct ad_error *err)
{
	const unsigned char *p;
	size_t len;

	if (!ad_model_section_get(r->model, AD_CALIB_TAG, &p, &len))
		return !r->o->calibrated ? AD_OK : ad_error_at(err, AD_EDATA,
		    r->o->model_path, 0, 0, "the model records no training-score "
		    "distribution for --calibrated (it was merged, or written by "
		    "an older adkit): train it again");
	return ad_calib_decode(p, len, r->o->model_path, NULL, &r->calib, err);
}

static enum ad_status run_score(const struct ad_score_opts *o,
    struct ad_score_result *res, int *taken, struct ad_error *err)
{
	struct run r;
	enum ad_status st;

	memset(&r, 0, sizeof r);
	r.from_taken = taken;
	memset(res, 0, sizeof *res);
	r.o = o;
	r.res = res;
	if (o->threads > AD_THREADS_MAX)
		return ad_error_set(err, AD_EUSAGE, "--threads must be at most "
		    "%d", AD_THREADS_MAX);
	if (o->model == NULL) {
		if ((st = ad_model_load(o->model_path, &r.owned, err)) != AD_OK)
			return st;
		r.model = r.owned;
	} else
		r.model = o->model;
	/* --inspect shows a model whose lineage does not decode, as null */
	if ((st = load_lineage(&r, err)) != AD_OK &&
	    !(o->inspect && st == AD_EDATA))
		goto out;
	if ((st = load_calibration(&r, err)) != AD_OK)
		;
	else if (o->inspect)
		st = inspect(o, r.model, err);
	else if ((st = check_options(&r, err)) == AD_OK &&
	    (st = prepare(&r, err)) == AD_OK) {
		st = o->threads > 1 ? run_parallel(&r, err) : run_serial(&r, err);
		if (st == AD_OK)
			st = finish(&r, err);
	}
out:
	if (st != AD_OK)
		ad_reader_locate(r.rd, err);
	run_free(&r);
	return st;
}

/* The stream in o->in.from is the run's whatever happens: closed here when
 * the run ended before handing it to the reader. */
enum ad_status ad_score_run(const struct ad_score_opts *o,
    struct ad_score_result *res, struct ad_error *err)
{
	int taken = 0;
	enum ad_status st = run_score(o, res, &taken, err);

	if (!taken)
		ad_in_close(o->in.from);
	return st;
}
