/* ad-eval: options and wiring; the work is in lib/run/eval.c. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "eval.h"

struct args {
	struct ad_eval_opts o;
	struct ad_cli_common c;
	int thresholds, top_ks, contaminations;  /* times each was given */
	int bootstrap_set;     /* --bootstrap or --seed given */
};

#define A(field) AD_OPT_AT(struct args, field)

static enum ad_status take_gate(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err);
static enum ad_status take_name(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err);

#define GATE(name, gate, text) { name, 0, "X", AD_OPT_CUSTOM, \
	A(o.min[gate]), .hook = take_gate, .kfp = AD_KFP_FLOAT, .help = text }

static const struct ad_opt opts[] = {
	AD_OPT_HEADING("Columns:"),
	{ "label", 0, "COL", AD_OPT_STRING, A(o.label), .def = "label",
	    .kfp = AD_KFP_STRING,
	    .help = "labels: 1, true, yes, anomaly or 0, false, no, normal" },
	{ "score", 0, "COL", AD_OPT_STRING, A(o.score), .def = "score",
	    .kfp = AD_KFP_STRING, .help = "scores, higher = more anomalous" },
	{ "pred", 0, "COL", AD_OPT_STRING, A(o.pred), .kfp = AD_KFP_STRING,
	    .help = "the decision, labelled like --label (default is_anomaly, "
	    "when the input has it)" },
	{ "by", 0, "COL", AD_OPT_STRING, A(o.by), .kfp = AD_KFP_STRING,
	    .help = "also evaluate each value of COL apart" },
	AD_OPT_HEADING("Decision, instead of --pred:"),
	{ "threshold", 0, "T", AD_OPT_DOUBLE, A(o.threshold), .dmin = -DBL_MAX,
	    .dmax = DBL_MAX, AD_OPT_GIVEN(struct args, thresholds),
	    .kfp = AD_KFP_FLOAT, .help = "flag the rows scoring T or more" },
	{ "top-k", 0, "K", AD_OPT_U64, A(o.top_k), .umin = 1, .umax = UINT64_MAX,
	    AD_OPT_GIVEN(struct args, top_ks), .kfp = AD_KFP_INTEGER,
	    .help = "flag the K highest scores (ties included)" },
	{ "contamination", 0, "F", AD_OPT_DOUBLE, A(o.contamination),
	    .dmin = 0, .dmax = 1, .flags = AD_OPT_ABOVE_MIN,
	    AD_OPT_GIVEN(struct args, contaminations), .kfp = AD_KFP_FLOAT,
	    .help = "flag the top fraction F of the rows, 0 < F <= 1" },
	AD_OPT_HEADING("Comparing a challenger scored on the same rows:"),
	{ "compare", 0, "COL", AD_OPT_CUSTOM, A(o.compare), .hook = take_name,
	    .umax = AD_EVAL_MODELS - 1, .flags = AD_OPT_REPEAT,
	    .kfp = AD_KFP_STRING, .help = "evaluate COL too, against --score: "
	    "DeLong's test of the ROC-AUCs (repeatable, up to 8)" },
	{ "bootstrap", 0, "N", AD_OPT_U64, A(o.bootstrap), .umax = 1000000,
	    AD_OPT_GIVEN(struct args, bootstrap_set), .def = "1000",
	    .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_INTEGER,
	    .help = "paired resamples for the F1 and AP intervals (default 1000; "
	    "0: none)" },
	{ AD_OPT_SEED(struct args, o.seed, "the bootstrap's random seed"),
	    AD_OPT_GIVEN(struct args, bootstrap_set) },
	AD_OPT_HEADING("Quality gates (exit 1 when one is missed):"),
	GATE("min-auc", AD_GATE_AUC, "ROC-AUC at least X"),
	GATE("min-f1", AD_GATE_F1, "F1 at least X"),
	GATE("min-precision", AD_GATE_PRECISION, "precision at least X"),
	GATE("min-recall", AD_GATE_RECALL, "recall at least X"),
	AD_OPT_HEADING("Other outputs:"),
	{ "curves", 0, "FILE", AD_OPT_STRING, A(o.curves_path),
	    .kfp = AD_KFP_OUT_DATASET,
	    .help = "ROC and precision-recall points as CSV" },
	{ "plot", 0, "FILE", AD_OPT_STRING, A(o.plot_path),
	    .kfp = AD_KFP_OUT_ARTIFACT,
	    .help = "the ROC and precision-recall curves as SVG" },
	{ "plot-series", 0, "FILE", AD_OPT_STRING, A(o.plot_series_path),
	    .kfp = AD_KFP_OUT_ARTIFACT, .help = "the rows along --plot-time (or "
	    "their number) as SVG: values, score, threshold, flagged rows, "
	    "labelled windows" },
	{ "plot-time", 0, "COL", AD_OPT_STRING, A(o.plot_time),
	    .kfp = AD_KFP_STRING, .help = "the time column of --plot-series: "
	    "ISO-8601 times (UTC) or plain numbers" },
	{ "plot-values", 0, "COL", AD_OPT_CUSTOM, A(o.plot_values),
	    .hook = take_name, .umax = AD_EVAL_MODELS, .flags = AD_OPT_REPEAT,
	    .kfp = AD_KFP_STRING, .help = "draw column COL "
	    "above the score in --plot-series (repeatable, up to 9)" },
	{ "kfp-metrics", 0, "FILE", AD_OPT_STRING, A(o.kfp_metrics_path),
	    .kfp = AD_KFP_OUT_METRICS, .kfp_name = "mlpipeline_metrics",
	    .help = "Kubeflow Pipelines metrics JSON" },
	{ "kfp-ui", 0, "FILE", AD_OPT_STRING, A(o.kfp_ui_path),
	    .kfp = AD_KFP_OUT_ARTIFACT, .kfp_name = "mlpipeline_ui_metadata",
	    .help = "Kubeflow Pipelines UI metadata: confusion matrix and ROC "
	    "curve" },
	{ "prom", 0, "FILE", AD_OPT_STRING, A(o.prom_path),
	    .kfp = AD_KFP_OUT_ARTIFACT, .help = "Prometheus textfile metrics" },
	{ "name", 0, "NAME", AD_OPT_CUSTOM, A(o.name), .hook = take_name,
	    .umax = AD_EVAL_MODELS, .flags = AD_OPT_REPEAT, .kfp = AD_KFP_STRING,
	    .help = "label the --score column's metrics and curves NAME "
	    "(repeatable: then each --compare's, in order; default: the "
	    "columns)" },
	AD_OPT_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	AD_CLI_OPT_OUTPUT("FILE", AD_KFP_OUT_ARTIFACT, "report", "write the "
	    "report to FILE, complete or not at all (default: stdout)"),
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT_THREADS,
	{ "format", 'F', "FMT", AD_OPT_CHOICE, A(o.format),
	    .words = (const char *const[]){ "json", "text", "csv", NULL },
	    .kfp = AD_KFP_STRING,
	    .help = "the report as json (default), text or csv" },
	AD_CLI_OPT_QUIET("no summary of skipped or rejected rows on stderr"),
};

static const struct ad_cli_block blocks[] = { AD_CLI_BLOCK(opts) };

static const struct ad_cli_cmd cmd = {
	.name = "ad-eval",
	.summary = "measure anomaly scores against labels, exactly.",
	.usage = "ad-eval [-nqV] [-d char] [-F json|text|csv] [-i file] "
	    "[-o file] [options] [file]",
	.examples = "Examples:\n"
	    "  ad-score -m model new.csv | ad-eval -F text\n"
	    "  ad-eval --min-auc 0.9 --prom /var/lib/node/adkit.prom scored.csv "
	    "|| alert\n"
	    "  ad-eval --compare challenger --plot roc.svg scored.csv\n"
	    "  ad-eval --plot-time timestamp --plot-series s.svg scored.csv\n",
	.blocks = blocks,
	.nblocks = sizeof blocks / sizeof blocks[0],
	.footer = "Exit status: 0 success, 1 a quality gate missed, 2 usage "
	    "error, 3 bad\ninput data, 4 I/O or system error. See ad-eval(1).\n",
};

/* A quality gate: a number from 0 to 1; by default none (NaN). */
static enum ad_status take_gate(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	double *min = (double *)(void *)((char *)opts + row->dst);
	char opt[32];

	if (arg == NULL) {
		*min = NAN;
		return AD_OK;
	}
	snprintf(opt, sizeof opt, "--%s", row->name);
	return ad_opt_parse_double(opt, arg, 0, 1, min, err);
}

/* A repeatable name (--compare, --name, --plot-values): appended, never
 * empty, at most the row's umax (--compare: AD_EVAL_MODELS - 1, the --score
 * column being the first model). */
static enum ad_status take_name(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	struct ad_eval_names *n = (struct ad_eval_names *)(void *)
	    ((char *)opts + row->dst);
	size_t cap = (size_t)row->umax;

	if (arg == NULL)
		return AD_OK;
	if (arg[0] == '\0')
		return ad_error_set(err, AD_EUSAGE, "--%s must not be empty",
		    row->name);
	if (n->n == cap)
		return ad_error_set(err, AD_EUSAGE, "--%s: at most %zu", row->name,
		    cap);
	n->v[n->n++] = arg;
	return AD_OK;
}

/* Checks what one option alone cannot. */
static enum ad_status check(const struct args *a, struct ad_error *err)
{
	if (a->thresholds + a->top_ks + a->contaminations > 1)
		return ad_error_set(err, AD_EUSAGE, "give one of --threshold, "
		    "--top-k and --contamination");
	if (a->bootstrap_set && a->o.compare.n == 0)
		return ad_error_set(err, AD_EUSAGE, "--bootstrap and --seed need "
		    "--compare");
	return AD_OK;
}

static void summarize(const struct args *a, const struct ad_eval_result *r)
{
	char skipped[512] = "";
	size_t n = 0;
	struct { const char *what; uint64_t v; } parts[] = {
		{ "missing label", r->missing_label },
		{ "missing score", r->missing_score },
		{ "missing compare score", r->missing_compare },
		{ "missing prediction", r->missing_pred },
	};

	if (a->c.quiet)
		return;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (parts[i].v > 0 && n < sizeof skipped)
			n += (size_t)snprintf(skipped + n, sizeof skipped - n,
			    "%s%llu %s", n ? ", " : "; rows skipped: ",
			    (unsigned long long)parts[i].v, parts[i].what);
	if (n > 0 || r->rows_rejected > 0)
		ad_cli_note(cmd.name, "%s: %llu rows read, %llu used%s; %llu rejected "
		    "for their field count", r->input,
		    (unsigned long long)r->rows_read,
		    (unsigned long long)r->rows_used, skipped,
		    (unsigned long long)r->rows_rejected);
	if (r->missing_by > 0)
		ad_cli_note(cmd.name, "%s: %llu row(s) without a --by value, in the "
		    "totals only", r->input, (unsigned long long)r->missing_by);
}

/* The decision given: at most one of --threshold, --top-k and
 * --contamination, as check() makes sure. */
static enum ad_eval_decide decision(const struct args *a)
{
	return a->thresholds ? AD_DECIDE_THRESHOLD : a->top_ks ?
	    AD_DECIDE_TOP_K : a->contaminations ? AD_DECIDE_CONTAMINATION :
	    AD_DECIDE_AUTO;
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_eval_result res;
	struct ad_error err;
	int code, first;

	memset(&a, 0, sizeof a);
	ad_error_clear(&err);
	ad_cli_init();
	if ((code = ad_cli_parse(&cmd, argc, argv, &a, &a.c, &first)) >= 0)
		return code;
	if (ad_cli_one_input(argc, argv, first, &a.c.in.path, &err) != AD_OK)
		return ad_cli_fail(&cmd, &err);
	if (check(&a, &err) != AD_OK)
		return ad_cli_fail(&cmd, &err);
	a.o.in = a.c.in;
	a.o.output = a.c.output;
	a.o.decide = decision(&a);
	switch (ad_eval_run(&a.o, &res, &err)) {
	case AD_OK:
		summarize(&a, &res);
		return AD_EXIT_OK;
	case AD_ECHECK:
		summarize(&a, &res);
		break;
	default:
		break;
	}
	return ad_cli_fail(&cmd, &err);
}
