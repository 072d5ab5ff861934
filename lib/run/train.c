/*
 * ad-train: see train.h.
 *
 * The pass over the input. The input stream's tap feeds every byte it reads
 * to SHA-256 (the model's lineage) before the reader parses it, so the input
 * is read once and never copied for hashing. As blocks of rows arrive, each tree's reservoir (and
 * one more, the calibration sample) takes the rows Algorithm L picks
 * (Li, 1994): a uniform sample without replacement of every row seen so far,
 * with a random skip between takes, so a row that no reservoir wants costs
 * one comparison. Every reservoir draws from its own random stream.
 *
 * Then threads grow the trees, tree t from reservoir t with stream t, and
 * score the calibration sample: with up to CALIB_ROWS training rows that is
 * every row, as scikit-learn does; beyond, a uniform sample of them. Its
 * sorted scores give the contamination threshold and the score quantiles.
 *
 * Detectors trained on rows (AD_SAMPLE_ROWS, see detector.h) have one
 * reservoir instead, of --max-train-rows rows with stream 0: it is
 * standardized, fitted, and is the calibration sample too.
 */
#define _GNU_SOURCE
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "calib.h"
#include "choose.h"
#include "detector.h"
#include "in.h"
#include "lineage.h"
#include "model.h"
#include "num.h"
#include "out.h"
#include "outset.h"
#include "pool.h"
#include "rng.h"
#include "sha256.h"
#include "traits.h"
#include "train.h"
#include "writer.h"

/* Rows a feature of rising integers needs to be named as a likely row
 * number: fewer rise by chance too easily. */
#define ROW_NUMBER_ROWS 10

/* Rows the calibration sample holds at most, and cells (8 bytes each). */
#define CALIB_ROWS 65536
#define CALIB_CELLS (1u << 22)

/* The calibration reservoir's random stream; trees use 0, 1, 2, ... */
#define CALIB_STREAM UINT64_MAX

/* The quantiles of the training scores a model keeps. */
static const double quantile_levels[] = {
	0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1
};
#define NQUANT (sizeof quantile_levels / sizeof quantile_levels[0])

int64_t ad_train_now(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	double v;

	if (e != NULL && ad_num_parse(e, strlen(e), &v) == AD_NUM_OK &&
	    v >= 0 && v < 9.2e18)
		return (int64_t)v;
	return (int64_t)time(NULL);
}

/* ---- the input's SHA-256 (the model's lineage) ---- */

/* The input's tap: hashes the bytes as the reader's stream reads them. */
static void hash_bytes(void *ctx, const unsigned char *p, size_t n)
{
	ad_sha256_update(ctx, p, n);
}

/* ---- reservoirs ---- */

struct reservoir {
	double *rows;           /* n rows of d features */
	size_t n, cap, alloc;   /* held, most held, allocated (rows) */
	uint64_t next;          /* the input row it takes next */
	double w;               /* Algorithm L's W */
	struct ad_rng rng;
};

/* Draws the next row to take after row `after`, once the reservoir is
 * full: a geometric skip with parameter W. */
static void schedule(struct reservoir *r, uint64_t after)
{
	double skip = floor(log(ad_rng_open(&r->rng)) / log1p(-r->w));

	r->next = isfinite(skip) && skip < 4e18 ? after + 1 + (uint64_t)skip :
	    UINT64_MAX;
}

/* Takes row x as input row g: appended while filling, else in a random
 * slot. */
static int take(struct reservoir *r, uint64_t g, const double *x, size_t d)
{
	size_t slot;

	if (r->n < r->cap) {
		if (r->n == r->alloc) {
			double *p = ad_grow(r->rows, &r->alloc, r->n + 1,
			    d * sizeof *r->rows);
			if (p == NULL)
				return -1;
			r->rows = p;
		}
		memcpy(r->rows + r->n * d, x, d * sizeof *x);
		if (++r->n < r->cap) {
			r->next = g + 1;
			return 0;
		}
		r->w = exp(log(ad_rng_open(&r->rng)) / (double)r->cap);
		schedule(r, g);
		return 0;
	}
	slot = (size_t)ad_rng_below(&r->rng, r->cap);
	memcpy(r->rows + slot * d, x, d * sizeof *x);
	r->w *= exp(log(ad_rng_open(&r->rng)) / (double)r->cap);
	schedule(r, g);
	return 0;
}

/* A binary min-heap of reservoirs by the row they take next. */
struct heap {
	struct reservoir **r;
	size_t n;
};

static int before(const struct reservoir *a, const struct reservoir *b)
{
	return a->next < b->next || (a->next == b->next && a < b);
}

static void sift_down(struct heap *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct reservoir *t;

		if (l < h->n && before(h->r[l], h->r[m]))
			m = l;
		if (l + 1 < h->n && before(h->r[l + 1], h->r[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h->r[i];
		h->r[i] = h->r[m];
		h->r[m] = t;
		i = m;
	}
}

/* ---- the run ---- */

struct run {
	const struct ad_train_opts *o;
	const struct ad_detector *det;
	const void *dopts;           /* the detector's options block */
	void *own_dopts;             /* its defaults, when o gave none */
	struct ad_train_result *res;
	struct ad_sha256 *sha; /* of the input, as read */
	struct ad_in *in;      /* the reader's input (it owns it) */
	unsigned char digest[32];
	struct ad_reader *rd;
	const char *label;           /* o->label or the default, or NULL */
	struct ad_outset *outset;    /* the two outputs below */
	struct ad_out *out;
	struct ad_reject_out rej;   /* --rejects */
	char delim;
	size_t d;                    /* features */
	size_t *col;                 /* feature -> input column */
	double *row;                 /* one row's features (and label) */
	size_t w;                    /* doubles a sampled row holds: d, or
	                                d + 1 when -a auto keeps the label */
	size_t label_col;            /* -a auto: the label's input column,
	                                numeric, or SIZE_MAX */
	int choosing;                /* -a auto, until it has chosen */
	char *table;                 /* -a auto's table */
	double *prev;                /* each feature's value in the last row */
	unsigned char *rising;       /* each feature: integers, each above the
	                                last, so far (a row number?) */
	size_t nres;                 /* subsamples + 1, or 1 (AD_SAMPLE_ROWS) */
	size_t sub_rows;             /* rows per subsample */
	struct reservoir *res_all;   /* trees, then calibration */
	struct heap heap;
	struct ad_model *model;
	double *calib_scores;
};

static enum ad_status check_options(const struct ad_train_opts *o,
    struct ad_error *err)
{
	const struct ad_detector *det = ad_detector_find(o->algo);
	enum ad_status st;

	/* what --merge takes is checked by the parser (cmd/ad-train.c), which
	 * alone knows every option given */
	if (o->n_merge > 0)
		return AD_OK;
	if (o->n_features > 0 && o->n_ignore > 0)
		return ad_error_set(err, AD_EUSAGE, "--features and --ignore "
		    "cannot be combined");
	if (det != NULL && det->check != NULL && o->detector_opts != NULL &&
	    (st = det->check(o->detector_opts, 0, err)) != AD_OK)
		return st;
	if (o->label != NULL && o->no_label)
		return ad_error_set(err, AD_EUSAGE, "--label and --no-label "
		    "cannot be combined");
	if (o->choose && (st = ad_choose_check(&o->choice, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < o->n_features && o->label; i++)
		if (strcmp(o->features[i], o->label) == 0)
			return ad_error_set(err, AD_EUSAGE, "the label \"%s\" "
			    "cannot be a feature", o->label);
	for (size_t i = 0; i < o->n_features; i++)
		for (size_t k = 0; k < i; k++)
			if (strcmp(o->features[i], o->features[k]) == 0)
				return ad_error_set(err, AD_EUSAGE, "--features "
				    "names \"%s\" twice", o->features[i]);
	return AD_OK;
}

static enum ad_status open_input(struct run *r, struct ad_error *err)
{
	const struct ad_train_opts *o = r->o;
	struct ad_reader_opts ro = o->in;
	enum ad_status st;

	/* --features are inferred like any column, so that a text one is
	 * refused rather than read as missing numbers (choose_features) */
	r->delim = ro.delim ? ro.delim : ',';
	if (r->rej.out != NULL) {
		r->rej.delim = r->delim;
		ro.on_reject = ad_writer_reject;
		ro.reject_ctx = &r->rej;
	}
	if ((st = ad_sha256_new(&r->sha, err)) != AD_OK ||
	    (st = ad_in_open(&ro.from, o->in.path, err)) != AD_OK)
		return st;
	/* a mapped file is hashed on a thread of its own, beside the parse */
	ad_in_set_tap_behind(ro.from, hash_bytes, r->sha);
	r->in = ro.from;
	return ad_reader_open(&r->rd, &ro, err);   /* it takes ro.from */
}

static enum ad_status must_exist(struct run *r, const char *name,
    const char *what, struct ad_error *err)
{
	if (ad_schema_find(ad_reader_schema(r->rd), name) == SIZE_MAX)
		return ad_schema_not_found(ad_reader_schema(r->rd),
		    ad_reader_name(r->rd), what, name, err);
	return AD_OK;
}

/* What to do with a column that is not numbers, for messages. */
#define MAKE_NUMBERS "ad-train learns from numbers only: ad-features makes " \
	"numbers of text (--onehot or --freq for categories, --time for times)"

/* A named feature must exist and be numbers, not text. */
static enum ad_status must_be_numbers(struct run *r, const char *name,
    struct ad_error *err)
{
	const struct ad_schema *s = ad_reader_schema(r->rd);
	size_t c = ad_schema_find(s, name);
	enum ad_status st;

	if ((st = must_exist(r, name, "feature", err)) != AD_OK)
		return st;
	if (s->cols[c].type != AD_NUMERIC)
		return ad_error_at(err, AD_EDATA, ad_reader_name(r->rd), 0, c + 1,
		    "feature \"%s\" is text, not numbers; " MAKE_NUMBERS, name);
	return AD_OK;
}

static int is_ignored(const struct run *r, const char *name)
{
	const struct ad_train_opts *o = r->o;

	if (r->label != NULL && strcmp(r->label, name) == 0)
		return 1;
	for (size_t i = 0; i < o->n_ignore; i++)
		if (strcmp(o->ignore[i], name) == 0)
			return 1;
	return 0;
}

/* The features: --features in order, else every numeric column but the
 * label and the ignored ones. */
static enum ad_status choose_features(struct run *r, struct ad_error *err)
{
	const struct ad_train_opts *o = r->o;
	const struct ad_schema *s = ad_reader_schema(r->rd);
	enum ad_status st;

	r->label = o->label;
	if (o->label == NULL && !o->no_label && o->n_features == 0 &&
	    ad_schema_find(s, "label") != SIZE_MAX) {
		/* as ad-eval reads it: a label is never something to learn */
		r->label = "label";
		r->res->label_default = 1;
	}
	if (o->label != NULL && (st = must_exist(r, o->label, "label",
	    err)) != AD_OK)
		return st;
	for (size_t i = 0; i < o->n_ignore; i++)
		if ((st = must_exist(r, o->ignore[i], "ignored", err)) != AD_OK)
			return st;
	if ((r->col = ad_calloc(s->ncols + 1, sizeof *r->col)) == NULL)
		return ad_error_nomem(err);
	if (o->n_features > 0) {
		for (size_t i = 0; i < o->n_features; i++) {
			if ((st = must_be_numbers(r, o->features[i], err)) != AD_OK)
				return st;
			r->col[r->d++] = ad_schema_find(s, o->features[i]);
		}
	} else {
		for (size_t c = 0; c < s->ncols; c++)
			if (s->cols[c].type == AD_NUMERIC &&
			    !is_ignored(r, s->cols[c].name))
				r->col[r->d++] = c;
	}
	if (r->d == 0)
		return ad_error_at(err, AD_EDATA, ad_reader_name(r->rd), 0, 0, "no numeric "
		    "column to train on; " MAKE_NUMBERS);
	if (!r->choosing && r->det->check != NULL &&
	    (st = r->det->check(r->dopts, r->d, err)) != AD_OK)
		return st;
	r->label_col = SIZE_MAX;
	r->w = r->d;
	if (r->choosing && r->label != NULL &&
	    s->cols[ad_schema_find(s, r->label)].type == AD_NUMERIC) {
		r->label_col = ad_schema_find(s, r->label);
		r->w = r->d + 1;
	}
	r->row = ad_malloc(r->w * sizeof *r->row);
	r->prev = ad_malloc(r->d * sizeof *r->prev);
	r->rising = ad_malloc(r->d);
	if (r->row == NULL || r->prev == NULL || r->rising == NULL)
		return ad_error_nomem(err);
	memset(r->rising, 1, r->d);
	return AD_OK;
}

static enum ad_status init_reservoirs(struct run *r, struct ad_error *err)
{
	const struct ad_train_opts *o = r->o;
	size_t calib = CALIB_CELLS / r->d;

	size_t parts = 0;

	int rows = r->choosing || r->det->sampling == AD_SAMPLE_ROWS;

	if (!rows)
		r->det->subsamples(r->dopts, &parts, &r->sub_rows);
	if (calib > CALIB_ROWS)
		calib = CALIB_ROWS;
	if (calib < r->sub_rows)
		calib = r->sub_rows;
	if (rows)
		calib = (size_t)o->max_train_rows;
	r->nres = rows ? 1 : parts + 1;
	r->res_all = ad_calloc(r->nres, sizeof *r->res_all);
	r->heap.r = ad_calloc(r->nres, sizeof *r->heap.r);
	if (r->res_all == NULL || r->heap.r == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < r->nres; i++) {
		struct reservoir *v = &r->res_all[i];
		int is_calib = i == r->nres - 1;

		v->cap = is_calib ? calib : r->sub_rows;
		ad_rng_seed(&v->rng, o->seed, is_calib && r->nres > 1 ?
		    CALIB_STREAM : i);
		r->heap.r[i] = v;
	}
	r->heap.n = r->nres;
	return AD_OK;
}

/* Counts the block's infinite feature cells. An infinite cell says nothing
 * a split, a kernel or a weight could use, so every detector trains on it
 * as missing; scoring takes it as the most extreme value of its sign. */
static uint64_t count_infinite(const struct run *r, const struct ad_block *b)
{
	uint64_t n = 0;

	for (size_t i = 0; i < b->nrows; i++)
		for (size_t f = 0; f < r->d; f++)
			n += isinf(b->num[i * b->ncols + r->col[f]]) != 0;
	return n;
}

/* Keeps, for each feature, whether every value so far was an integer
 * above the one before it, as a row number's are. */
static void track_rising(struct run *r, const struct ad_block *b,
    uint64_t first)
{
	for (size_t f = 0; f < r->d; f++) {
		double last = r->prev[f];

		for (size_t i = 0; i < b->nrows && r->rising[f]; i++) {
			double x = b->num[i * b->ncols + r->col[f]];

			r->rising[f] = isfinite(x) && x == floor(x) &&
			    (first + i == 0 || x > last);
			last = x;
		}
		r->prev[f] = last;
	}
}

/* Offers n rows of num (row i at num + i * ld, feature f in column
 * col[f], the label in column label), input rows first, first + 1, ..., infinite cells
 * made missing, to the reservoirs that want them. */
static enum ad_status sample_rows(struct run *r, const double *num, size_t n,
    size_t ld, const size_t *col, size_t label, uint64_t first,
    struct ad_error *err)
{
	struct heap *h = &r->heap;
	uint64_t end = first + n;

	while (h->r[0]->next < end) {
		struct reservoir *v = h->r[0];
		uint64_t g = v->next;
		const double *src = num + (size_t)(g - first) * ld;

		for (size_t f = 0; f < r->d; f++)
			r->row[f] = isinf(src[col[f]]) ? NAN : src[col[f]];
		if (r->w > r->d)
			r->row[r->d] = src[label];
		if (take(v, g, r->row, r->w) != 0)
			return ad_error_nomem(err);
		sift_down(h, 0);
	}
	return AD_OK;
}

static void progress(const struct run *r, const char *what, uint64_t done,
    uint64_t total)
{
	if (r->o->progress != NULL)
		r->o->progress(r->o->progress_ctx, what, done, total);
}

static enum ad_status read_input(struct run *r, struct ad_error *err)
{
	struct ad_block *b;
	uint64_t rows = 0;
	enum ad_status st;

	while ((st = ad_reader_next(r->rd, &b, err)) == AD_OK && b->nrows > 0) {
		if ((st = sample_rows(r, b->num, b->nrows, b->ncols, r->col,
		    r->label_col, rows, err)) != AD_OK)
			return st;
		r->res->infinite += count_infinite(r, b);
		track_rising(r, b, rows);
		rows += b->nrows;
		progress(r, "rows read", rows, 0);
	}
	if (st != AD_OK)
		return st;
	/* the reader read to the end of the input (CSV to end of file, the
	 * binary stream past its end record to check nothing follows), so
	 * the hash covers every byte */
	ad_in_tap_wait(r->in);
	ad_sha256_final(r->sha, r->digest);
	r->res->rows = rows;
	r->res->rejected = ad_reader_rejected(r->rd);
	for (size_t f = 0; f < r->d; f++)
		r->res->invalid += ad_reader_invalid(r->rd)[r->col[f]];
	if (rows < 2)
		return ad_error_at(err, AD_EDATA, ad_reader_name(r->rd), 0, 0, "%s rows "
		    "to train on: %s needs at least two",
		    rows == 0 ? "no" : "one of the", r->choosing ||
		    r->det->sampling == AD_SAMPLE_ROWS ? "a detector" :
		    "an isolation forest");
	if ((r->choosing || r->det->sampling == AD_SAMPLE_ROWS) &&
	    rows > r->res_all[0].n)
		r->res->sampled = r->res_all[0].n;
	return AD_OK;
}

/* ---- parallel work ---- */

struct job {
	struct run *r;
	enum ad_status (*work)(struct run *r, size_t item, struct ad_error *err);
};

static enum ad_status run_item(void *ctx, size_t i, struct ad_error *err)
{
	struct job *j = ctx;

	return j->work(j->r, i, err);
}

/* Runs work on items 0..count-1 on --threads threads, the calling one
 * included, which reports progress (what, if not NULL); the first failure
 * (of the lowest item) stops the rest. */
static enum ad_status parallel(struct run *r, size_t count,
    enum ad_status (*work)(struct run *, size_t, struct ad_error *),
    const char *what, struct ad_error *err)
{
	struct job j = { r, work };
	unsigned n = r->o->threads;
	struct ad_pool *p;
	enum ad_status st;

	if ((size_t)n > count)
		n = (unsigned)count;
	if (n < 1)
		n = 1;
	if ((st = ad_pool_start(&p, n - 1, count, run_item, &j, NULL,
	    err)) != AD_OK)
		return st;
	ad_pool_help(p, what != NULL ? r->o->progress : NULL,
	    r->o->progress_ctx, what);
	if ((st = ad_pool_wait(p, err)) != AD_OK)
		return st;
	/* another thread may have done the last item: say all are done */
	if (what != NULL)
		progress(r, what, count, count);
	return AD_OK;
}

static enum ad_status grow_tree(struct run *r, size_t t, struct ad_error *err)
{
	struct reservoir *v = &r->res_all[t];
	enum ad_status st = r->det->grow(r->model->state, t, v->rows, v->n,
	    &v->rng, err);

	/* the sample is not needed once its tree stands */
	ad_free(v->rows);
	v->rows = NULL;
	return st;
}

/* Rows of the calibration sample scored per work item. */
#define CALIB_CHUNK 1024

static enum ad_status score_chunk(struct run *r, size_t i,
    struct ad_error *err)
{
	const struct reservoir *c = &r->res_all[r->nres - 1];
	size_t lo = i * CALIB_CHUNK, n = c->n - lo;
	size_t ws = ad_model_work_size(r->model);
	void *work = NULL;

	if (ws > 0 && (ws == SIZE_MAX || (work = ad_malloc(ws)) == NULL))
		return ad_error_nomem(err);
	if (n > CALIB_CHUNK)
		n = CALIB_CHUNK;
	/* a row-sampled detector's calibration sample is its training
	 * sample: scored as training rows where the detector tells them
	 * apart */
	if (r->det->sampling == AD_SAMPLE_ROWS && r->det->score_train != NULL)
		r->det->score_train(r->model->state, c->rows + lo * r->d, n,
		    r->d, r->calib_scores + lo);
	else
		ad_model_score(r->model, c->rows + lo * r->d, n, r->d, work,
		    r->calib_scores + lo);
	ad_free(work);
	return AD_OK;
}

/* ---- the model ---- */

static enum ad_status set_features(struct run *r, struct ad_error *err)
{
	const struct ad_schema *s = ad_reader_schema(r->rd);
	struct ad_model *m = r->model;

	if ((m->features = ad_calloc(r->d, sizeof *m->features)) == NULL)
		return ad_error_nomem(err);
	m->nfeat = r->d;
	for (size_t f = 0; f < r->d; f++) {
		const char *name = s->cols[r->col[f]].name;
		size_t n = strlen(name) + 1;

		if ((m->features[f] = ad_malloc(n)) == NULL)
			return ad_error_nomem(err);
		memcpy(m->features[f], name, n);
	}
	return AD_OK;
}

/* What the detector learns of the run besides its options. */
static struct ad_fit_env fit_env(const struct run *r)
{
	struct ad_fit_env env;

	memset(&env, 0, sizeof env);
	env.nfeat = r->d;
	env.seed = r->o->seed;
	env.max_train_rows = r->o->max_train_rows;
	env.progress = r->o->progress;
	env.progress_ctx = r->o->progress_ctx;
	env.epoch = r->o->epoch;
	env.table_opts = r->o->table_opts;
	return env;
}

/* The standardizer of the reservoir (ad_model_fit_scale). */
static enum ad_status fit_standardizer(struct run *r, struct ad_error *err)
{
	const struct reservoir *v = &r->res_all[0];

	return ad_model_fit_scale(r->model, v->rows, v->n, r->d, err);
}

/* Standardizes the one reservoir in place and fits the detector on it;
 * the reservoir stays, standardized, as the calibration sample. */
static enum ad_status fit_rows(struct run *r, struct ad_error *err)
{
	struct reservoir *v = &r->res_all[0];
	enum ad_status st;

	if ((st = fit_standardizer(r, err)) != AD_OK)
		return st;
	ad_model_standardize(r->model, v->rows, v->n, r->d);
	struct ad_fit_env env = fit_env(r);

	env.scale = r->model->scale;
	env.center = r->model->center;
	st = r->det->fit(r->dopts, &env, v->rows, v->n, &r->model->params,
	    &r->model->nparams, &r->model->state, err);
	/* data a detector cannot fit is the input's fault: name it */
	if (st == AD_EDATA && err->file[0] == '\0')
		snprintf(err->file, sizeof err->file, "%s", ad_reader_name(r->rd));
	return st;
}

static enum ad_status new_model(struct run *r, struct ad_error *err)
{
	const struct ad_train_opts *o = r->o;
	struct ad_fit_env env;
	struct ad_model *m;
	enum ad_status st;

	if ((st = ad_model_new(&r->model, err)) != AD_OK)
		return st;
	m = r->model;
	m->algo = (enum ad_algo)r->det->algo;
	m->det = r->det;
	memcpy(m->adkit_version, AD_VERSION, sizeof AD_VERSION);
	m->created = ad_train_now();
	m->seed = o->seed;
	m->contamination_auto = o->contamination_auto;
	m->contamination = o->contamination_auto ? 0 : o->contamination;
	if ((st = set_features(r, err)) != AD_OK)
		return st;
	if (r->det->sampling == AD_SAMPLE_ROWS)
		return fit_rows(r, err);
	env = fit_env(r);
	return r->det->begin(r->dopts, &env, &m->params, &m->nparams,
	    &m->state, err);
}

/* Records the distribution of the sorted calibration scores s[0..n) in the
 * model's calibration section (lib/engine/calib.h), for ad-score
 * --calibrated. */
static enum ad_status record_calibration(struct ad_model *m, const double *s,
    size_t n, struct ad_error *err)
{
	struct ad_calib *c;
	unsigned char *buf;
	enum ad_status st;

	if ((st = ad_calib_fit(s, n, &c, err)) != AD_OK)
		return st;
	if ((buf = ad_malloc(ad_calib_size(c))) == NULL) {
		ad_calib_free(c);
		return ad_error_nomem(err);
	}
	ad_calib_encode(c, buf);
	st = ad_model_section_set(m, AD_CALIB_TAG, buf, ad_calib_size(c), err);
	ad_free(buf);
	ad_calib_free(c);
	return st;
}

/* Scores the calibration sample: the threshold, the quantiles and the
 * calibration. */
static enum ad_status calibrate(struct run *r, struct ad_error *err)
{
	const struct reservoir *c = &r->res_all[r->nres - 1];
	struct ad_model *m = r->model;
	enum ad_status st;

	r->calib_scores = ad_malloc(c->n * sizeof *r->calib_scores);
	m->qprob = ad_malloc(NQUANT * sizeof *m->qprob);
	m->qscore = ad_malloc(NQUANT * sizeof *m->qscore);
	if (r->calib_scores == NULL || m->qprob == NULL || m->qscore == NULL)
		return ad_error_nomem(err);
	st = parallel(r, (c->n + CALIB_CHUNK - 1) / CALIB_CHUNK, score_chunk,
	    NULL, err);
	if (st != AD_OK)
		return st;
	qsort(r->calib_scores, c->n, sizeof *r->calib_scores, ad_num_cmp);
	m->nquantiles = NQUANT;
	for (size_t i = 0; i < NQUANT; i++) {
		m->qprob[i] = quantile_levels[i];
		m->qscore[i] = ad_calib_percentile(r->calib_scores, c->n, quantile_levels[i]);
	}
	m->threshold = !m->contamination_auto ?
	    ad_calib_percentile(r->calib_scores, c->n, 1 - m->contamination) :
	    r->det->auto_threshold_of != NULL ?
	    r->det->auto_threshold_of(m->state) :
	    r->det->auto_share > 0 ?
	    ad_calib_percentile(r->calib_scores, c->n, 1 - r->det->auto_share) :
	    r->det->auto_threshold;
	return record_calibration(m, r->calib_scores, c->n, err);
}

/* What made a binary input (its complete chain, the end record read) goes
 * into the model, for ad-score to check its input against. */
static enum ad_status store_lineage(struct run *r, struct ad_error *err)
{
	const struct ad_lineage *l = ad_reader_lineage(r->rd);
	unsigned char *buf;
	size_t len;
	enum ad_status st;

	if (l == NULL || l->n == 0)
		return AD_OK;
	len = ad_lineage_size(l);
	if ((buf = ad_malloc(len)) == NULL)
		return ad_error_nomem(err);
	ad_lineage_encode(l, buf);
	st = ad_model_section_set(r->model, AD_LINEAGE_MODEL_TAG, buf, len, err);
	ad_free(buf);
	return st;
}

static enum ad_status finish_model(struct run *r, struct ad_error *err)
{
	struct ad_model *m = r->model;

	m->rows = r->res->rows;
	if ((m->sources = ad_calloc(1, sizeof *m->sources)) == NULL)
		return ad_error_nomem(err);
	m->nsources = 1;
	memcpy(m->sources[0].sha256, r->digest, 32);
	m->sources[0].rows = m->rows;
	m->sources[0].seed = m->seed;
	return store_lineage(r, err);
}

/* ---- -a auto ---- */

/* The sample's labels for -a auto, per row 0 normal, 1 anomaly or 2
 * missing; NULL without a label column or a labelled row. AD_EDATA when
 * the labelled rows are all of one class. */
static enum ad_status sample_labels(struct run *r, unsigned char **label,
    struct ad_error *err)
{
	const struct reservoir *v = &r->res_all[0];
	size_t cls[2] = { 0, 0 };
	unsigned char *y;

	*label = NULL;
	if (r->w == r->d)
		return AD_OK;
	if ((y = ad_malloc(v->n ? v->n : 1)) == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < v->n; i++) {
		double l = v->rows[i * r->w + r->d];

		y[i] = isnan(l) ? 2 : l != 0;
		if (y[i] < 2)
			cls[y[i]]++;
	}
	if (cls[0] + cls[1] == 0 || (cls[0] > 0 && cls[1] > 0)) {
		*label = cls[0] + cls[1] ? y : NULL;
		if (*label == NULL)
			ad_free(y);
		return AD_OK;
	}
	ad_free(y);
	return ad_error_at(err, AD_EDATA, ad_reader_name(r->rd), 0, 0, "-a auto: "
	    "the label column \"%s\" has %s rows only; choosing by the labels "
	    "needs both classes (--no-label chooses by the data's traits)",
	    r->label, cls[1] ? "anomalous" : "normal");
}

/* Whether a column of the input is named as a time column. */
static int has_time_column(const struct run *r)
{
	const struct ad_schema *s = ad_reader_schema(r->rd);

	for (size_t c = 0; c < s->ncols; c++)
		if (ad_traits_time_name(s->cols[c].name))
			return 1;
	return 0;
}

/* Drops the labels from the sample's rows: d doubles each from here. */
static void drop_labels(struct run *r)
{
	struct reservoir *v = &r->res_all[0];

	for (size_t i = 0; r->w > r->d && i < v->n; i++)
		memmove(v->rows + i * r->d, v->rows + i * r->w,
		    r->d * sizeof *v->rows);
	r->w = r->d;
}

/* A forest chosen: its reservoirs draw from the sample, offered in the
 * sample's order as the input's rows would have been (with no more rows
 * than --max-train-rows, the sample is the input in order, and the forest
 * is the one -a NAME grows). */
static enum ad_status resample(struct run *r, struct ad_error *err)
{
	struct reservoir held = r->res_all[0];
	size_t *ident = ad_malloc(r->d * sizeof *ident);
	enum ad_status st;

	ad_free(r->res_all);
	ad_free(r->heap.r);
	r->res_all = NULL;
	r->heap.r = NULL;
	if (ident == NULL) {
		st = ad_error_nomem(err);
	} else {
		for (size_t f = 0; f < r->d; f++)
			ident[f] = f;
		if ((st = init_reservoirs(r, err)) == AD_OK)
			st = sample_rows(r, held.rows, held.n, r->d, ident, 0, 0,
			    err);
	}
	ad_free(ident);
	ad_free(held.rows);
	return st;
}

/* -a auto: chooses the detector from the sample (its labels, else its
 * traits), then makes the run the chosen detector's. */
static enum ad_status choose(struct run *r, struct ad_error *err)
{
	const struct reservoir *v = &r->res_all[0];
	struct ad_choose_opts co = r->o->choice;
	struct ad_choose_data dt;
	struct ad_traits tr;
	struct ad_choice choice = { NULL, NULL, NULL };
	const struct ad_detector *det;
	unsigned char *label = NULL;
	enum ad_status st;

	if ((st = sample_labels(r, &label, err)) != AD_OK)
		return st;
	if ((st = ad_traits_compute(v->rows, v->n, r->d, r->w, &tr, err)) ==
	    AD_OK) {
		tr.rows = r->res->rows;
		tr.time_column = has_time_column(r);
		dt = (struct ad_choose_data){ v->rows, v->n, r->d, r->w, label,
		    &tr };
		co.seed = r->o->seed;
		co.threads = r->o->threads;
		st = ad_choose(&co, &dt, &choice, &r->table, err);
	}
	ad_free(label);
	if (st == AD_EDATA && err->file[0] == '\0')
		snprintf(err->file, sizeof err->file, "%s", ad_reader_name(r->rd));
	if (st != AD_OK)
		return st;
	if (r->o->chose != NULL)
		r->o->chose(r->o->features_ctx, r->table);
	r->choosing = 0;
	r->det = det = choice.det;
	if ((st = ad_detector_opts_new(det, &r->own_dopts, err)) != AD_OK)
		return st;
	r->dopts = r->own_dopts;
	if ((st = ad_choice_apply(&choice, r->own_dopts, err)) != AD_OK)
		return st;
	if (det->check != NULL && (st = det->check(r->dopts, r->d, err)) !=
	    AD_OK)
		return st;
	drop_labels(r);
	return det->sampling == AD_SAMPLE_SUBSAMPLES ? resample(r, err) : AD_OK;
}

/* -a auto's table, recorded in the model (ad-score --inspect shows it). */
static enum ad_status record_choice(struct run *r, struct ad_error *err)
{
	if (r->table == NULL)
		return AD_OK;
	return ad_model_section_set(r->model, AD_CHOICE_TAG, r->table,
	    strlen(r->table), err);
}

/* ---- merging ---- */

static enum ad_status merge(const struct ad_train_opts *o,
    struct ad_train_result *res, struct ad_error *err)
{
	struct ad_model **ms = ad_calloc(o->n_merge, sizeof *ms), *m = NULL;
	struct ad_out *out = NULL;
	struct ad_outset *set = NULL;
	const struct ad_outset_entry e = { &out, o->output ? o->output : "-" };
	size_t same;
	enum ad_status st = AD_OK;

	if (ms == NULL)
		return ad_error_nomem(err);
	if ((st = ad_outset_open(&set, &e, 1, err)) != AD_OK)
		goto out;
	for (size_t i = 0; i < o->n_merge && st == AD_OK; i++)
		st = ad_model_load(o->merge[i], &ms[i], err);
	if (st == AD_OK)
		st = ad_model_merge((const struct ad_model *const *)ms, o->merge,
		    o->n_merge, ad_train_now(), &m, &same, err);
	if (st == AD_OK && (st = ad_model_write(m, out, err)) == AD_OK)
		st = ad_outset_commit(set, err);
	if (st == AD_OK) {
		res->rows = m->rows;
		res->nfeat = m->nfeat;
		res->trees = m->det->sampling == AD_SAMPLE_SUBSAMPLES ?
		    (size_t)ad_model_param(m, "trees") : 0;
		res->threshold = m->threshold;
		res->same_seed = same ? o->merge[same] : NULL;
	}
out:
	ad_outset_free(set);
	for (size_t i = 0; i < o->n_merge; i++)
		ad_model_free(ms[i]);
	ad_free(ms);
	ad_model_free(m);
	return st;
}

/* ---- the run ---- */

static void run_free(struct run *r)
{
	ad_outset_free(r->outset);
	ad_reader_free(r->rd);
	ad_sha256_free(r->sha);
	ad_free(r->prev);
	ad_free(r->rising);
	for (size_t i = 0; r->res_all != NULL && i < r->nres; i++)
		ad_free(r->res_all[i].rows);
	ad_free(r->res_all);
	ad_free(r->heap.r);
	ad_free(r->col);
	ad_free(r->row);
	ad_free(r->calib_scores);
	ad_free(r->table);
	ad_model_free(r->model);
	ad_detector_opts_free(r->det, r->own_dopts);
}

static enum ad_status train(struct run *r, struct ad_error *err)
{
	enum ad_status st;

	if ((st = choose_features(r, err)) != AD_OK ||
	    (st = init_reservoirs(r, err)) != AD_OK ||
	    (st = read_input(r, err)) != AD_OK ||
	    (r->choosing && (st = choose(r, err)) != AD_OK) ||
	    (st = new_model(r, err)) != AD_OK ||
	    (r->det->sampling == AD_SAMPLE_SUBSAMPLES && (st = parallel(r,
	    r->nres - 1, grow_tree, "trees grown", err)) != AD_OK) ||
	    (st = calibrate(r, err)) != AD_OK ||
	    (st = finish_model(r, err)) != AD_OK ||
	    (st = record_choice(r, err)) != AD_OK)
		return st;
	r->res->nfeat = r->d;
	r->res->algo = (enum ad_algo)r->det->algo;
	r->res->trees = r->det->sampling == AD_SAMPLE_SUBSAMPLES ?
	    r->nres - 1 : 0;
	r->res->threshold = r->model->threshold;
	if ((st = ad_model_write(r->model, r->out, err)) != AD_OK)
		return st;
	if (r->o->features_named != NULL)
		r->o->features_named(r->o->features_ctx,
		    (const char *const *)r->model->features, r->model->nfeat);
	for (size_t f = 0; f < r->d && r->o->row_number_named != NULL; f++)
		if (r->rising[f] && r->res->rows >= ROW_NUMBER_ROWS)
			r->o->row_number_named(r->o->features_ctx,
			    r->model->features[f]);
	return ad_outset_commit(r->outset, err);
}

/* Opens both outputs before the first row is read, so a bad path fails
 * early; they are committed in this order, the model last. */
static enum ad_status open_outputs(struct run *r, struct ad_error *err)
{
	const struct ad_train_opts *o = r->o;
	const struct ad_outset_entry e[] = {
		{ &r->rej.out, o->rejects_path },
		{ &r->out, o->output ? o->output : "-" },
	};

	return ad_outset_open(&r->outset, e, sizeof e / sizeof e[0], err);
}

enum ad_status ad_train_run(const struct ad_train_opts *o,
    struct ad_train_result *res, struct ad_error *err)
{
	struct run r;
	enum ad_status st;

	memset(res, 0, sizeof *res);
	if ((st = check_options(o, err)) != AD_OK)
		return st;
	if (o->n_merge == 0 && o->threads > AD_THREADS_MAX)
		return ad_error_set(err, AD_EUSAGE, "--threads must be at most "
		    "%d", AD_THREADS_MAX);
	if (o->n_merge > 0)
		return merge(o, res, err);
	memset(&r, 0, sizeof r);
	r.o = o;
	r.choosing = o->choose;
	if (!r.choosing && (r.det = ad_detector_find(o->algo)) == NULL)
		return ad_error_set(err, AD_EUSAGE, "unknown algorithm");
	if ((r.choosing || r.det->sampling == AD_SAMPLE_ROWS) &&
	    o->max_train_rows < 2)
		return ad_error_set(err, AD_EUSAGE, "--max-train-rows must be at "
		    "least 2");
	r.res = res;
	r.dopts = o->detector_opts;
	if (r.dopts == NULL && !r.choosing) {
		if ((st = ad_detector_opts_new(r.det, &r.own_dopts, err)) != AD_OK)
			return st;
		r.dopts = r.own_dopts;
	}
	if (st == AD_OK)
		st = open_outputs(&r, err);
	if (st == AD_OK)
		st = open_input(&r, err);
	if (st == AD_OK)
		st = train(&r, err);
	if (st != AD_OK)
		ad_reader_locate(r.rd, err);
	run_free(&r);
	return st;
}
