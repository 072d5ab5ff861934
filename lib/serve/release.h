#ifndef ADKIT_RELEASE_H
#define ADKIT_RELEASE_H
/*
 * One release of a model, as the pipelines publish it: its ad-clean params,
 * its ad-features params and its model, each loaded and parsed once, when
 * the release is opened. A request's rows go through the batch runners'
 * own per-block steps (lib/run: ad_clean_apply, ad_featurize_session,
 * ad_score_rows) in memory, block by block, so a row scored here gets
 * exactly the numbers `ad-clean -r P1 | ad-features -r P2 | ad-score -m M`
 * gives it, and a request reads no file and writes none.
 *
 * A release is read-only once open: any number of threads may score through
 * it at once, but for one thing. Time-context features (lags, diff,
 * rolling, ewm) need the rows an entity (a group key) sent before, so the
 * release keeps each entity's context state and last time from one request
 * to the next, for at most a bound of entities (the least recently seen
 * evicted): its requests' passes take a lock, one after the other, when
 * its features params have context features.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "reader.h"
#include "schema.h"

struct ad_block;
struct ad_in;
struct ad_out;
struct ad_model;
struct ad_release;

/* Opens a release: the params files (NULL: that stage is skipped) and the
 * model are loaded, parsed and made ready to apply, each stage's columns
 * bound to the next's; *rel is set on success. Errors name the file. */
enum ad_status ad_release_open(struct ad_release **rel,
    const char *clean_params, const char *features_params,
    const char *model, struct ad_error *err);

/* Entities kept unless told otherwise. */
#define AD_RELEASE_MAX_ENTITIES 100000

/* Bounds the entities rel keeps to max; applies from the next block of
 * rows on. 0 keeps none: each request starts every entity afresh, and
 * requests run at once again. */
void ad_release_set_max_entities(struct ad_release *rel, size_t max);

/* Entities evicted from rel so far, and entities kept now (0 when its
 * features have no context, or rel is NULL). */
uint64_t ad_release_evicted(const struct ad_release *rel);
size_t ad_release_entities(const struct ad_release *rel);

/* Frees rel; NULL is a no-op. */
void ad_release_free(struct ad_release *rel);

/* The columns a request's rows carry: the first stage's input columns, in
 * its order (valid while rel is open). */
const struct ad_schema *ad_release_inputs(const struct ad_release *rel);

/* The model (valid while rel is open). */
const struct ad_model *ad_release_model(const struct ad_release *rel);

/* What one call asks for. */
struct ad_release_call {
	enum ad_format format;   /* of what is written to out */
	size_t explain;          /* explain_1..explain_K columns */
};

/* What one call did. */
struct ad_release_tally {
	uint64_t rows_in;        /* rows read by the first stage */
	uint64_t rows_scored;    /* rows that reached the model */
	uint64_t anomalies;      /* scored rows above the model's threshold */
	int first_stage_failed;  /* the error is about in's own rows, so its
	                            line is in's (else a later stage's row) */
};

/* The cells a request's rows read as missing, as the first stage's batch
 * runner reads them: n tokens (valid while rel is open). */
const char *const *ad_release_na(const struct ad_release *rel, size_t *n);

/* Rows scored: what a call gives back. */
struct ad_release_scores {
	size_t n;                /* rows scored */
	size_t cap;              /* rows allocated */
	size_t explain;          /* K: feature names per row */
	double *score;           /* n */
	double *flag;            /* n: 1 anomalous, else 0 */
	const char **names;      /* n * K, row by row: the model's feature
	                            names (valid while rel is open) */
};

/* Frees what a call put into s and empties it; NULL is a no-op. */
void ad_release_scores_free(struct ad_release_scores *s);

/* Scores rows decoded already: blocks[0..n), each of at most
 * ad_block_rows(inputs) rows of ad_release_inputs' columns in order, their
 * lines 2, 3, ... as a CSV's (changed: the stages work in place), through
 * rel's stages in memory, into out (free with ad_release_scores_free; empty
 * on failure) with explain names per row. Errors are the batch runners'
 * (AD_EDATA naming the row's line); tally says which stage failed. */
enum ad_status ad_release_score_rows(const struct ad_release *rel,
    struct ad_block *const *blocks, size_t n, size_t explain,
    struct ad_release_scores *out, struct ad_release_tally *tally,
    struct ad_error *err);

/* Scores the rows of in (a CSV with a header, or a binary stream; taken,
 * closed whatever happens) through rel's stages and writes one row per row
 * scored to out (borrowed; not flushed): score, is_anomaly, then
 * explain_1..explain_K. Bad rows fail with the batch runners' errors
 * (AD_EDATA naming line and column of in). */
enum ad_status ad_release_score(const struct ad_release *rel,
    struct ad_in *in, const struct ad_release_call *call, struct ad_out *out,
    struct ad_release_tally *tally, struct ad_error *err);

#endif
