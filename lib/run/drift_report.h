#ifndef ADKIT_DRIFT_REPORT_H
#define ADKIT_DRIFT_REPORT_H
/*
 * ad-drift's outputs: the run (lib/run/drift.c) compares and fills a struct
 * ad_drift_results after each comparison; these functions render it. The
 * report streams: begun before the first comparison, a row or object per
 * window with --window, ended after the last. Outputs are borrowed, never
 * opened or closed here; on failure err says why.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "drift.h"

struct ad_out;
struct ad_schema;
struct ad_writer;
struct ad_block;

/* What the run found so far, as the outputs show it; pointers borrowed. */
struct ad_drift_results {
	const struct ad_drift_opts *o;       /* format, window, critical, -d */
	const struct ad_drift_rule *rule;    /* the rule applied, defaults in */
	const char *method;                  /* the rule's method's name */
	const char *reference, *input;       /* their names */
	uint64_t rows_ref;                   /* rows of the reference */
	uint64_t rows_cur;                   /* rows of the input compared last */
	const struct ad_drift_col *cols;     /* the last comparison's columns */
	size_t ncols;
	struct ad_drift_verdict v;           /* the last comparison's verdict */
	uint64_t window;                     /* --window: windows so far */
	uint64_t first_line, last_line;      /* the last window's input lines */
	uint64_t rows;                       /* the last window's rows */
	const struct ad_drift_result *res;   /* the run's verdict so far */
};

/* A report being written: the output and, for CSV and binary, the table
 * writer, which the report owns. Zero it before ad_drift_report_begin. */
struct ad_drift_report {
	struct ad_out *out;          /* borrowed */
	struct ad_schema *outs;      /* the table's columns */
	struct ad_writer *w;
	struct ad_block *row;        /* the row being written */
};

/* Starts the report in x->o->format on out (borrowed until the report is
 * freed): a table's header, or the JSON report's head. */
enum ad_status ad_drift_report_begin(struct ad_drift_report *rep,
    const struct ad_drift_results *x, struct ad_out *out,
    struct ad_error *err);

/* Writes the row (CSV, binary, text) or object (JSON) of the window just
 * compared. */
enum ad_status ad_drift_report_window(struct ad_drift_report *rep,
    const struct ad_drift_results *x, struct ad_error *err);

/* Ends the report: the columns (without --window) and the verdict. */
enum ad_status ad_drift_report_end(struct ad_drift_report *rep,
    const struct ad_drift_results *x, struct ad_error *err);

/* Frees what the report owns (not its output); NULL is a no-op. */
void ad_drift_report_free(struct ad_drift_report *rep);

/* Writes the Prometheus textfile metrics. */
enum ad_status ad_drift_report_prom(const struct ad_drift_results *x,
    struct ad_out *out, struct ad_error *err);

/* Writes the --verdict file: "true" or "false" and a newline. */
enum ad_status ad_drift_report_verdict(const struct ad_drift_results *x,
    struct ad_out *out, struct ad_error *err);

/* The drifted columns' names, comma-separated, into buf[cap] (cut with
 * "..." when they do not fit). */
void ad_drift_report_drifted_names(const struct ad_drift_col *cols, size_t ncols,
    char *buf, size_t cap);

#endif
