#ifndef ADKIT_EVAL_REPORT_H
#define ADKIT_EVAL_REPORT_H
/*
 * ad-eval's outputs: the run (lib/run/eval.c) computes and fills a struct
 * ad_eval_report; these functions render it. Each writes one output to an
 * ad_out it borrows and neither opens nor closes it; on failure err says
 * why and the output is left for the caller to abort.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "eval.h"
#include "metrics.h"

struct ad_out;

/* The input columns ad-eval reads, as indexes of the report's names. */
enum ad_eval_column {
	AD_EVAL_LABEL,
	AD_EVAL_SCORE,
	AD_EVAL_COMPARE,
	AD_EVAL_PRED,
	AD_EVAL_BY,
	AD_EVAL_COLUMNS
};

/* What flagged rows, once the input's columns were known. */
enum ad_eval_decision {
	AD_DECISION_NONE,          /* nothing: decision metrics are undefined */
	AD_DECISION_PRED,          /* a prediction column */
	AD_DECISION_THRESHOLD,     /* score >= --threshold */
	AD_DECISION_TOP_K,         /* the k highest scores */
	AD_DECISION_CONTAMINATION  /* the highest scores, a share of the rows */
};

/* The results of one score column for one group. */
struct ad_eval_model {
	int decided;                /* conf holds the decision's counts */
	struct ad_confusion conf;
	double threshold;           /* NaN: none (a column, or nothing flagged) */
	struct ad_decision_metrics dm;
	struct ad_rank_metrics rm;
};

/* The results of one --by group, or of all rows. */
struct ad_eval_group {
	const char *value;          /* the --by value; NULL for all rows */
	size_t len;                 /* of value */
	uint64_t missing[AD_EVAL_COLUMNS];  /* rows skipped for a missing cell */
	uint64_t used;              /* rows evaluated */
	uint64_t npos, nneg;        /* of them, labelled anomalous and normal */
	struct ad_eval_model m[AD_EVAL_MODELS];  /* [0]: --score, then each
	                                           --compare */
	struct ad_delong delong[AD_EVAL_MODELS]; /* [j]: DeLong's test of
	                                           model j against [0] */
};

/* A curve of all rows thinned for drawing: n points and their thresholds. */
struct ad_eval_curve {
	const double *x, *y, *t;
	size_t n;
};

/* What a run found, as the outputs show it; every pointer is borrowed. */
struct ad_eval_report {
	const struct ad_eval_opts *o;        /* gates, decision options, name */
	const struct ad_eval_result *res;    /* rows read, rejected, skipped */
	const char *input;                   /* the input's name */
	const char *name[AD_EVAL_COLUMNS];   /* the columns; NULL: not used */
	enum ad_eval_decision decision;
	uint64_t k;                          /* top-k, contamination: flagged */
	int paired;                          /* --compare */
	size_t nmodels;                      /* --score and each --compare */
	const char *column[AD_EVAL_MODELS];  /* their columns */
	const char *label[AD_EVAL_MODELS];   /* and labels (--name) */
	struct ad_eval_group all;            /* the totals */
	const struct ad_eval_group *groups;  /* the --by groups, in byte order */
	size_t ngroups;
	struct ad_bootstrap boot[AD_EVAL_MODELS]; /* [j]: the totals', model j
	                                            against [0] */
	struct ad_eval_curve roc[AD_EVAL_MODELS], pr[AD_EVAL_MODELS];
	                                     /* of all rows, per score column */
};

/* A curve's coordinate: num / den, or NaN when den is 0 (the run's curves
 * and the report's rows and plot agree on it). */
double ad_eval_report_rate(uint64_t num, uint64_t den);

/* Writes the report in the format o->format names (JSON, text or CSV). */
enum ad_status ad_eval_report_write(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err);

/* Writes the JSON report. */
enum ad_status ad_eval_report_json(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err);

/* Writes the text report, aligned for people. */
enum ad_status ad_eval_report_text(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err);

/* Writes the CSV report: a metric (and group) per line. */
enum ad_status ad_eval_report_csv(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err);

/* Writes Kubeflow Pipelines' metrics JSON (defined metrics only). */
enum ad_status ad_eval_report_kfp_metrics(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err);

/* Writes Kubeflow Pipelines' UI metadata: the confusion matrix and ROC. */
enum ad_status ad_eval_report_kfp_ui(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err);

/* Writes the Prometheus textfile metrics. */
enum ad_status ad_eval_report_prom(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err);

/* Writes the SVG plot of the ROC and precision-recall curves. */
enum ad_status ad_eval_report_plot(const struct ad_eval_report *r,
    struct ad_out *out, struct ad_error *err);

/* Writes the --curves CSV header. */
enum ad_status ad_eval_report_curves_head(struct ad_out *out, struct ad_error *err);

/* Writes one --curves row: flagging the scores of column at or above t
 * catches tp of the npos anomalous rows and fp of the nneg normal ones. */
enum ad_status ad_eval_report_curves_row(struct ad_out *out, const char *column,
    double t, uint64_t tp, uint64_t fp, uint64_t npos, uint64_t nneg,
    struct ad_error *err);

/* Returns AD_ECHECK, err naming every missed gate, if any gate of r->o
 * was missed; else AD_OK. Reads only r->o and r->all. */
enum ad_status ad_eval_report_check_gates(const struct ad_eval_report *r,
    struct ad_error *err);

/* The option that sets gate g ("--min-f1"). */
const char *ad_eval_report_gate_option(enum ad_eval_gate g);

#endif
