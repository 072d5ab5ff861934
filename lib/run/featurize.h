#ifndef ADKIT_FEATURIZE_H
#define ADKIT_FEATURIZE_H
/*
 * ad-features' logic: numeric columns scaled (and log-transformed),
 * categorical columns one-hot or frequency encoded, time-context features
 * per group, and calendar features, all fitted once (-s) and applied the
 * same way later (-r). See ad-features(1) for what each option does.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "reader.h"
#include "scale.h"

struct ad_out;
struct ad_featurize_model;

/* Default and largest --memory, in MiB: rows held while fitting. */
#define AD_FEATURIZE_MEMORY 256
#define AD_FEATURIZE_MEMORY_LIMIT 1048576

/* Default and largest --max-categories. */
#define AD_FEATURIZE_MAX_CATEGORIES 20
#define AD_FEATURIZE_MAX_CATEGORIES_LIMIT 100000

/* One --scale item: method for column (NULL: every numeric feature). */
struct ad_scale_spec {
	char *column;                 /* owned */
	enum ad_scale_method method;
};

struct ad_featurize_opts {
	struct ad_reader_opts in;     /* input; in.types and in.strict are set
	                                 by ad_featurize_run */
	const char *output;           /* NULL or "-": stdout */
	struct ad_out *to;            /* instead of output: a stream the caller
	                                 owns (it flushes and closes it) */
	enum ad_format format;
	int format_set;               /* else the input's format */
	const struct ad_scale_spec *scale;
	size_t n_scale;
	char **log;                   /* --log: signed log1p first */
	size_t n_log;
	char **onehot;
	size_t n_onehot;
	uint64_t max_categories;      /* 0: the default */
	char **freq;
	size_t n_freq;
	const char *time;             /* --time column, or NULL */
	const char *group;            /* --group column, or NULL */
	char **context;               /* --context: the columns that get
	                                 context features; NULL: all */
	size_t n_context;
	const uint64_t *lags;
	size_t n_lags;
	int diff;
	const uint64_t *windows;      /* --rolling */
	size_t n_windows;
	const double *alphas;         /* --ewm */
	size_t n_alphas;
	int calendar;
	int sort;                     /* hold the input and sort it by time */
	uint64_t memory;              /* MiB of rows held while fitting before
	                                 the rest is spilled to TMPDIR */
	int memory_set;               /* else AD_FEATURIZE_MEMORY */
	char **keep;
	size_t n_keep;
	char **select;
	size_t n_select;
	char **drop;
	size_t n_drop;
	const char *save_path;        /* -s */
	const char *restore_path;     /* -r */
	const char *applied_path;     /* --applied: a copy of -r's file */
};

/* What a run did, for the command's notes. */
struct ad_featurize_result {
	uint64_t rows_read;
	uint64_t rows_written;
	uint64_t unseen;              /* cells whose category the fit never saw */
	char unseen_column[256];      /* the first column that had one */
	size_t constant;              /* scaled columns found constant */
	char constant_column[256];
	size_t empty;                 /* scaled columns with no value to fit */
	char empty_column[256];
};

/* Where rows transformed in memory go: b's rows, output column j being b's
 * column map[j] (NULL: j); b is the caller's only for the call. */
typedef enum ad_status (*ad_featurize_sink_fn)(void *ctx,
    const struct ad_block *b, const size_t *map, struct ad_error *err);

/* Parses one --scale argument ("standard", "cpu=robust,mem=none") into
 * items appended to *specs (free with ad_featurize_free_scale). */
enum ad_status ad_featurize_parse_scale(const char *arg,
    struct ad_scale_spec **specs, size_t *n, struct ad_error *err);

/* Frees what ad_featurize_parse_scale built; NULL is a no-op. */
void ad_featurize_free_scale(struct ad_scale_spec *specs, size_t n);

/* Runs ad-features; on failure no output file is left behind. opts->in.from,
 * if set, is taken: closed whatever happens. */
enum ad_status ad_featurize_run(const struct ad_featurize_opts *opts,
    struct ad_featurize_result *res, struct ad_error *err);

/* ---- the params file, on its own (for tests and the fuzz target) ---- */

/* Everything -s saves: the input's columns, the settings and every fitted
 * value. */
struct ad_featurize_model;

/* Loads and checks an ad-features params file. */
enum ad_status ad_featurize_model_load(struct ad_featurize_model **m,
    const char *path, struct ad_error *err);

/* Writes m as a params file to out. */
enum ad_status ad_featurize_model_save(const struct ad_featurize_model *m,
    struct ad_out *out, struct ad_error *err);

/* Frees m; NULL is a no-op. */
void ad_featurize_model_free(struct ad_featurize_model *m);

/* ---- the params applied to rows in memory (ad-serve) ----
 *
 * An ad_featurize_apply is a params file's model (loaded once) made ready
 * to transform rows; it is only read after ad_featurize_apply_new, so any
 * number of sessions on any threads use it at once. A session is one run:
 * ad-features -r on the rows given to it, in order, with its own groups,
 * time order and context state, and the runner's own per-block transform,
 * so its rows equal the batch command's. */
struct ad_featurize_apply;
struct ad_featurize_session;
struct ad_block;

/* Makes m (borrowed, only read; it must outlive *a) ready to apply; name
 * names the params file in messages. */
enum ad_status ad_featurize_apply_new(struct ad_featurize_apply **a,
    const struct ad_featurize_model *m, const char *name,
    struct ad_error *err);

/* Frees a; NULL is a no-op. */
void ad_featurize_apply_free(struct ad_featurize_apply *a);

/* The columns a session's blocks carry, in order, and the columns it
 * hands on (valid while a lives). */
const struct ad_schema *ad_featurize_apply_inputs(
    const struct ad_featurize_apply *a);
const struct ad_schema *ad_featurize_apply_outputs(
    const struct ad_featurize_apply *a);

/* The groups (entities) of sessions over one apply, kept from one session
 * to the next: each group's context state and last time, for at most max
 * groups once a block is done (the least recently seen evicted, down to
 * max - max/8, so that evicting is paid once per max/8 new groups). Used
 * by one session at a time. */
struct ad_featurize_entities;

/* Entities for sessions over a (borrowed; it must outlive *e); *e is NULL
 * when a's params have no context features, so there is nothing to keep. */
enum ad_status ad_featurize_entities_new(struct ad_featurize_entities **e,
    const struct ad_featurize_apply *a, size_t max, struct ad_error *err);

/* Frees e; NULL is a no-op. */
void ad_featurize_entities_free(struct ad_featurize_entities *e);

/* Changes the bound; it applies from the next block on. */
void ad_featurize_entities_set_max(struct ad_featurize_entities *e,
    size_t max);

/* Groups evicted so far, and groups kept (NULL: 0). */
uint64_t ad_featurize_entities_evicted(const struct ad_featurize_entities *e);
size_t ad_featurize_entities_count(const struct ad_featurize_entities *e);

/* Starts a run over a (borrowed for the session's life) for blocks of at
 * most rows rows (0 or above AD_BLOCK_ROWS: AD_BLOCK_ROWS), handing its
 * rows on to sink. With ents (NULL: a run's own groups, as ad-features'),
 * the groups are ents' and carry on from the sessions before: a group's
 * row earlier than its last one fails (AD_EDATA, naming the group), and
 * after any failed block the groups its rows named start afresh. */
enum ad_status ad_featurize_session_new(struct ad_featurize_session **s,
    const struct ad_featurize_apply *a, size_t rows,
    struct ad_featurize_entities *ents, ad_featurize_sink_fn sink,
    void *ctx, struct ad_error *err);

/* Transforms b (the inputs' columns, at most the session's rows, or
 * AD_BLOCK_ROWS for 0; changed in place) and hands the rows on; errors name b's lines, as the runner's
 * do. */
enum ad_status ad_featurize_session_block(struct ad_featurize_session *s,
    struct ad_block *b, struct ad_error *err);

/* Hands on the rows still held; call once after the last block. */
enum ad_status ad_featurize_session_end(struct ad_featurize_session *s,
    struct ad_error *err);

/* What the session did so far (valid while s lives). */
const struct ad_featurize_result *ad_featurize_session_result(
    const struct ad_featurize_session *s);

/* Frees s; NULL is a no-op. */
void ad_featurize_session_free(struct ad_featurize_session *s);

#endif
