#ifndef ADKIT_FEATURIZE_MODEL_H
#define ADKIT_FEATURIZE_MODEL_H
/*
 * The model of an ad-features run, shared by lib/run/featurize.c (the
 * passes) and lib/run/featurize_model.c (building it, its output columns,
 * and the params file that saves and restores it). Nothing else includes
 * this header; featurize.h declares what tests and fuzz targets use.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "context.h"
#include "featurize.h"
#include "scale.h"
#include "schema.h"

struct ad_hashmap;
struct ad_encode_table;

enum part_kind {
	P_KEEP,      /* the column as it came */
	P_NUMERIC,   /* log, scale, then its context features */
	P_ONEHOT,    /* one column per chosen category, then other */
	P_FREQ,      /* the category's fitted frequency */
	P_CALENDAR   /* hour and weekday of the time column, as sin and cos */
};

struct part {
	enum part_kind kind;
	size_t col;              /* model column */
	struct ad_scale scale;   /* P_NUMERIC */
	int log, context;        /* P_NUMERIC */
	size_t *chosen;          /* P_ONEHOT: table indexes, in column order */
	size_t nchosen;
};

struct mcol {
	char *name;
	enum ad_type type;
	struct ad_encode_table *cats;  /* an encoded column's category table */
};

struct ad_featurize_model {
	struct mcol *cols;
	size_t ncols, colcap;
	struct ad_hashmap *names; /* column name -> model column */
	size_t time, group;      /* model columns, or SIZE_MAX */
	uint64_t *lags, *windows;
	double *alphas;
	size_t nlags, nwindows, nalphas;
	size_t lagcap, wincap, alphacap;
	int diff;
	struct part *parts;
	size_t nparts, partcap;
	unsigned char sha256[32]; /* loaded: the params file's SHA-256 */
};

/* Creates an empty model: no columns, no time or group column. */
enum ad_status ad_featurize_model_new(struct ad_featurize_model **m,
    struct ad_error *err);

/* Adds input column name[0..len) of type; *dup is set (and nothing
 * added) if the name is taken. */
enum ad_status ad_featurize_model_add_col(struct ad_featurize_model *m,
    const char *name, size_t len, enum ad_type type, int *dup,
    struct ad_error *err);

/* The model column called name, or SIZE_MAX. */
size_t ad_featurize_model_find(const struct ad_featurize_model *m,
    const char *name);

/* Appends part p (copied; m takes its chosen array). */
enum ad_status ad_featurize_model_add_part(struct ad_featurize_model *m,
    const struct part *p, struct ad_error *err);

/* The context settings of m (borrowing its arrays). */
struct ad_context_spec ad_featurize_model_spec(
    const struct ad_featurize_model *m);

/* Context features per numeric column with context: 0 if none are set. */
size_t ad_featurize_model_context_width(const struct ad_featurize_model *m);

/* Builds the output schema of m (AD_EDATA on a repeated or too long
 * name); *first (if not NULL, ad_malloc'd) gets each part's first output
 * column. */
enum ad_status ad_featurize_model_outputs(const struct ad_featurize_model *m,
    struct ad_schema **out, size_t **first, struct ad_error *err);

#endif
