#ifndef ADKIT_SCORE_H
#define ADKIT_SCORE_H
/*
 * ad-score's logic: stream rows through a model and write them back with
 * their score, the anomaly flag and, on request, the features that isolate
 * each row fastest; or print a model's metadata as JSON.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "reader.h"

struct ad_model;
struct ad_out;

struct ad_score_opts {
	struct ad_reader_opts in;   /* the rows; in.types is set by ad_score_run */
	const char *model_path;     /* -m */
	const struct ad_model *model; /* instead of model_path: a model
	                               loaded already (borrowed) */
	const char *output;         /* NULL or "-": stdout */
	struct ad_out *to;          /* instead of output: a stream the caller
	                               owns (it flushes and closes it) */
	enum ad_format format;
	int format_set;             /* else the input's format */
	const char *rejects_path;
	char **keep;                /* input columns written, in order */
	size_t n_keep;
	int keep_set;               /* else all; a list of one "" keeps none */
	int threshold_set;          /* else the model's */
	double threshold;
	int calibrated;             /* score: the calibrated score (calib.h),
	                               and threshold on its scale */
	size_t explain;             /* explain_1..explain_K columns */
	unsigned threads;           /* at least 1 */
	int inspect;                /* print the model's metadata instead */
	int strict_lineage;         /* an input made with other params than
	                               the model's training data is AD_EDATA */
	ad_progress_fn progress;    /* optional; with several threads, from
	                               the thread that writes the output */
	void *progress_ctx;
};

struct ad_score_result {
	uint64_t rows;              /* rows scored */
	uint64_t rejected;          /* rows with the wrong field count */
	uint64_t invalid;           /* feature cells that were not numbers */
	uint64_t missing;           /* rows scored with a missing feature */
	uint64_t anomalies;         /* rows above the threshold */
	char lineage_note[1024];    /* the input's lineage disagrees with the
	                               model's, or cannot be checked; or "" */
};

/* Runs ad-score; on failure no output file is left behind. opts->in.from,
 * if set, is taken: closed whatever happens. */
enum ad_status ad_score_run(const struct ad_score_opts *opts,
    struct ad_score_result *res, struct ad_error *err);

/* ---- scoring rows in memory (ad-serve) ---- */

/* Scores n rows of m's features x (row-major, m->nfeat wide; standardized
 * in place, as ad-score does) into score; work is ad_model_work_size(m)
 * bytes (NULL when 0). Returns the rows that missed a feature. */
uint64_t ad_score_rows(const struct ad_model *m, double *x, size_t n,
    void *work, double *score);

/* Puts in order[0..k) the features (indexes) that explain row x (scored
 * by ad_score_rows) most, best first, as --explain does; contrib and order
 * hold m->nfeat values. */
void ad_score_explain_row(const struct ad_model *m, const double *x,
    void *work, double *contrib, size_t k, size_t *order);

#endif
