#ifndef ADKIT_EVAL_H
#define ADKIT_EVAL_H
/*
 * ad-eval's logic: read scored, labelled rows once; decide which rows are
 * flagged (a prediction column, a threshold, the top k or a top fraction);
 * compute the exact metrics of lib/engine/metrics.h for all rows and per --by
 * group; compare challenger score columns with the --score column, each on
 * its own (DeLong, paired bootstrap); write the report (JSON, text or CSV),
 * curves, SVG plots (ROC and precision-recall; the series along a time
 * column), Kubeflow and Prometheus files; and check the quality gates.
 *
 * Memory: 8 bytes per evaluated row for each score column (plus a byte of
 * decisions for the bootstrap with --compare), the same again for the row's
 * --by group, in arrays grown by doubling; sorting takes as much again for a
 * while. Each --compare sorts copies for the thresholds (16 bytes a row),
 * DeLong (32) and the bootstrap (24, then 12 while it resamples), one after
 * the other. --plot-time keeps a fixed number of points per pixel column of
 * the plot, whatever the input's length (see eval_plot.c).
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "reader.h"

/* The --score column and up to 8 challengers (--compare). */
#define AD_EVAL_MODELS 9

/* Names given by a repeated option, in order. */
struct ad_eval_names {
	const char *v[AD_EVAL_MODELS];
	size_t n;
};

enum ad_eval_format {
	AD_EVAL_JSON = 0,
	AD_EVAL_TEXT,
	AD_EVAL_CSV
};

/* Where the decision (flagged or not) comes from. */
enum ad_eval_decide {
	AD_DECIDE_AUTO = 0,      /* --pred, else its default column if present */
	AD_DECIDE_THRESHOLD,     /* score >= threshold */
	AD_DECIDE_TOP_K,         /* the top_k highest scores, ties included */
	AD_DECIDE_CONTAMINATION  /* the top fraction of the rows */
};

/* The quality gates; a NaN minimum is no gate. */
enum ad_eval_gate {
	AD_GATE_F1 = 0,
	AD_GATE_AUC,
	AD_GATE_PRECISION,
	AD_GATE_RECALL,
	AD_GATES
};

struct ad_eval_opts {
	struct ad_reader_opts in;     /* path, delim, no_header */
	const char *output;           /* the report; NULL or "-": stdout */
	enum ad_eval_format format;
	const char *label;            /* label column (NULL: "label") */
	const char *score;            /* score column (NULL: "score") */
	const char *pred;             /* prediction column; NULL: is_anomaly,
	                                 if present */
	struct ad_eval_names compare; /* challenger score columns */
	const char *by;               /* group column, or NULL */
	enum ad_eval_decide decide;
	double threshold;             /* AD_DECIDE_THRESHOLD */
	uint64_t top_k;               /* AD_DECIDE_TOP_K, at least 1 */
	double contamination;         /* AD_DECIDE_CONTAMINATION, (0, 1] */
	double min[AD_GATES];         /* gate minimums, NaN: none */
	uint64_t bootstrap;           /* resamples with --compare */
	uint64_t seed;
	const char *curves_path;      /* --curves CSV */
	const char *plot_path;        /* --plot SVG */
	const char *kfp_metrics_path; /* --kfp-metrics JSON */
	const char *kfp_ui_path;      /* --kfp-ui JSON */
	const char *prom_path;        /* --prom textfile */
	struct ad_eval_names name;    /* labels of the --score column, then of
	                                 each challenger (default: the columns) */
	const char *plot_series_path; /* --plot-series SVG */
	const char *plot_time;        /* --plot-time: its time column */
	struct ad_eval_names plot_values; /* --plot-values: columns drawn */
};

/* What a run saw, for the command's summary line. */
struct ad_eval_result {
	uint64_t rows_read;        /* data records, rejected ones included */
	uint64_t rows_rejected;    /* records with the wrong field count */
	uint64_t rows_used;        /* rows evaluated */
	uint64_t missing_label;    /* rows skipped for each missing cell */
	uint64_t missing_score;
	uint64_t missing_compare;
	uint64_t missing_pred;
	uint64_t missing_by;       /* rows in no group (still in the totals) */
	char input[4096];          /* the input's name for messages */
};

/* Sets opts to the defaults (no decision given, no gates, 1000 resamples,
 * seed 1). */
void ad_eval_defaults(struct ad_eval_opts *opts);

/* Runs ad-eval. Every output is written, or none is. A missed gate returns
 * AD_ECHECK after the outputs are written, err naming each gate missed. */
enum ad_status ad_eval_run(const struct ad_eval_opts *opts,
    struct ad_eval_result *res, struct ad_error *err);

#endif
