#ifndef ADKIT_CLEAN_H
#define ADKIT_CLEAN_H
/*
 * ad-clean's logic: types, rejected rows, missing values, imputation learned
 * once (-s) and applied the same way later (-r), duplicates, column choice,
 * and a data-quality report.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "reader.h"

struct ad_out;
struct ad_params;

enum ad_impute_method {
	AD_IMPUTE_NONE = 0,
	AD_IMPUTE_MEAN,
	AD_IMPUTE_MEDIAN,
	AD_IMPUTE_MODE,
	AD_IMPUTE_ZERO,
	AD_IMPUTE_VALUE
};

/* One --impute item: for column (NULL: every column it fits), a method. */
struct ad_impute_spec {
	char *column;           /* owned */
	enum ad_impute_method method;
	char *value;            /* AD_IMPUTE_VALUE: the text given; owned */
};

struct ad_clean_opts {
	struct ad_reader_opts in;   /* input; in.types is set by ad_clean_run */
	const char *output;         /* NULL or "-": stdout */
	struct ad_out *to;          /* instead of output: a stream the caller
	                               owns (it flushes and closes it) */
	enum ad_format format;
	int format_set;             /* else the input's format */
	const char *schema_path;    /* --schema: CSV of column,type */
	const char *rejects_path;
	const struct ad_impute_spec *impute;
	size_t n_impute;
	int drop_missing;
	int dedupe;
	char **select;
	size_t n_select;
	char **drop;
	size_t n_drop;
	const char *save_path;      /* -s */
	const char *restore_path;   /* -r */
	const struct ad_params *restore_params; /* optional: -r's file loaded
	                               already (borrowed; restore_path still
	                               names it), so a server reads it once */
	const char *applied_path;   /* --applied: a copy of -r's file */
	const char *report_path;    /* --report JSON */
	const char *prom_path;      /* --prom textfile metrics */
	void (*invalid_named)(void *ctx, const char *column, uint64_t cells,
	    const char *const *examples, size_t n);
	                            /* optional: once the outputs are in place,
	                               each input column with cells that were
	                               not numbers (made missing): how many, and
	                               the first few distinct ones */
	void *invalid_ctx;
};

/* What a run did, for the command's summary line. */
struct ad_clean_result {
	uint64_t rows_read;        /* data records seen, rejected ones included */
	uint64_t rows_written;
	uint64_t rows_rejected;
	uint64_t rows_duplicate;
	uint64_t rows_dropped_missing;
	uint64_t cells_invalid;
	uint64_t cells_imputed;
	size_t unlearned;          /* columns with no value to learn a fill from */
	char unlearned_example[256]; /* the first such column's name */
};

/* Parses one --impute argument ("mean", "bytes=median,host=unknown") into
 * specs appended to *specs (grown with ad_realloc; free with
 * ad_clean_free_impute). */
enum ad_status ad_clean_parse_impute(const char *arg,
    struct ad_impute_spec **specs, size_t *n, struct ad_error *err);

/* Frees what ad_clean_parse_impute built; NULL is a no-op. */
void ad_clean_free_impute(struct ad_impute_spec *specs, size_t n);

/* Runs ad-clean; on failure no output file is left behind. opts->in.from,
 * if set, is taken: closed whatever happens. */
enum ad_status ad_clean_run(const struct ad_clean_opts *opts,
    struct ad_clean_result *res, struct ad_error *err);

/* ---- the params applied to rows in memory (ad-serve) ----
 *
 * An ad_clean_apply is an ad-clean params file made ready to apply to rows
 * a caller decoded itself; it is only read after ad_clean_apply_new, so any
 * number of threads apply it at once. Each call runs the runner's own
 * per-block steps (duplicates, fills, --drop-missing), so the rows equal
 * ad-clean -r's. */
struct ad_clean_apply;
struct ad_block;
struct ad_counter;

/* Makes p (borrowed; it must outlive *a) ready to apply; name names it in
 * messages. */
enum ad_status ad_clean_apply_new(struct ad_clean_apply **a,
    const struct ad_params *p, const char *name, struct ad_error *err);

/* Frees a; NULL is a no-op. */
void ad_clean_apply_free(struct ad_clean_apply *a);

/* The columns a block must carry, in order, with the types the params
 * fix; and the output columns (valid while a lives). */
const struct ad_schema *ad_clean_apply_inputs(const struct ad_clean_apply *a);
const struct ad_schema *ad_clean_apply_outputs(const struct ad_clean_apply *a);

/* Output column j of a block applied to is its column map[j]. */
const size_t *ad_clean_apply_map(const struct ad_clean_apply *a);

/* The cells read as missing (the params' "na" line): n of them. */
const char *const *ad_clean_apply_na(const struct ad_clean_apply *a,
    size_t *n);

/* Whether the params drop repeated rows (ad_clean_apply_block then needs
 * the set of rows seen). */
int ad_clean_apply_dedupes(const struct ad_clean_apply *a);

/* Applies a to b (its columns the inputs', read with the params' types and
 * "na"): repeated rows (counted in seen, a run's own) and rows still
 * missing a cell under --drop-missing are dropped, missing cells filled;
 * b keeps the rows left, the outputs at ad_clean_apply_map. Adds to res's
 * rows_read, rows_written, rows_duplicate, rows_dropped_missing and
 * cells_imputed. */
enum ad_status ad_clean_apply_block(const struct ad_clean_apply *a,
    struct ad_block *b, struct ad_counter *seen, struct ad_clean_result *res,
    struct ad_error *err);

#endif
