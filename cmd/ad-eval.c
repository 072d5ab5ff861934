/* ad-eval: options and wiring; the work is in lib/run/eval.c. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "eval.h"

enum {
	OPT_BOOTSTRAP = CHAR_MAX + 1,
	OPT_BY,
	OPT_COMPARE,
	OPT_CONTAMINATION,
	OPT_CURVES,
	OPT_KFP_METRICS,
	OPT_KFP_UI,
	OPT_LABEL,
	OPT_MIN_AUC,
	OPT_MIN_F1,
	OPT_MIN_PRECISION,
	OPT_MIN_RECALL,
	OPT_NAME,
	OPT_PLOT,
	OPT_PRED,
	OPT_PROM,
	OPT_SCORE,
	OPT_SEED,
	OPT_THRESHOLD,
	OPT_TOP_K
};

static const struct ad_cli_opt opts[] = {
	AD_CLI_HEADING("Columns:"),
	AD_CLI_OPT("label", OPT_LABEL, "COL", AD_KFP_STRING, "label",
	    "labels: 1, true, yes, anomaly or 0, false, no, normal"),
	AD_CLI_OPT("score", OPT_SCORE, "COL", AD_KFP_STRING, "score",
	    "scores, higher = more anomalous"),
	AD_CLI_OPT("pred", OPT_PRED, "COL", AD_KFP_STRING, NULL,
	    "the decision, labelled like --label (default is_anomaly, when the "
	    "input has it)"),
	AD_CLI_OPT("by", OPT_BY, "COL", AD_KFP_STRING, NULL,
	    "also evaluate each value of COL apart"),
	AD_CLI_HEADING("Decision, instead of --pred:"),
	AD_CLI_OPT("threshold", OPT_THRESHOLD, "T", AD_KFP_FLOAT, NULL,
	    "flag the rows scoring T or more"),
	AD_CLI_OPT("top-k", OPT_TOP_K, "K", AD_KFP_INTEGER, NULL,
	    "flag the K highest scores (ties included)"),
	AD_CLI_OPT("contamination", OPT_CONTAMINATION, "F", AD_KFP_FLOAT, NULL,
	    "flag the top fraction F of the rows, 0 < F <= 1"),
	AD_CLI_HEADING("Comparing a challenger scored on the same rows:"),
	AD_CLI_OPT("compare", OPT_COMPARE, "COL", AD_KFP_STRING, NULL,
	    "evaluate COL too; DeLong's test of the ROC-AUCs"),
	AD_CLI_OPT("bootstrap", OPT_BOOTSTRAP, "N", AD_KFP_INTEGER, NULL,
	    "paired resamples for the F1 and AP intervals (default 1000; 0: "
	    "none)"),
	AD_CLI_OPT("seed", OPT_SEED, "N", AD_KFP_INTEGER, "1",
	    "the bootstrap's random seed"),
	AD_CLI_HEADING("Quality gates (exit 1 when one is missed):"),
	AD_CLI_OPT("min-auc", OPT_MIN_AUC, "X", AD_KFP_FLOAT, NULL,
	    "ROC-AUC at least X"),
	AD_CLI_OPT("min-f1", OPT_MIN_F1, "X", AD_KFP_FLOAT, NULL, "F1 at least X"),
	AD_CLI_OPT("min-precision", OPT_MIN_PRECISION, "X", AD_KFP_FLOAT, NULL,
	    "precision at least X"),
	AD_CLI_OPT("min-recall", OPT_MIN_RECALL, "X", AD_KFP_FLOAT, NULL,
	    "recall at least X"),
	AD_CLI_HEADING("Other outputs:"),
	AD_CLI_OPT("curves", OPT_CURVES, "FILE", AD_KFP_OUT_DATASET, NULL,
	    "ROC and precision-recall points as CSV"),
	AD_CLI_OPT("plot", OPT_PLOT, "FILE", AD_KFP_OUT_ARTIFACT, NULL,
	    "the ROC and precision-recall curves as SVG"),
	{ "kfp-metrics", OPT_KFP_METRICS, "FILE", AD_KFP_OUT_METRICS, NULL,
	    "Kubeflow Pipelines metrics JSON",
	    .kfp_name = "mlpipeline_metrics" },
	{ "kfp-ui", OPT_KFP_UI, "FILE", AD_KFP_OUT_ARTIFACT, NULL,
	    "Kubeflow Pipelines UI metadata: confusion matrix and ROC curve",
	    .kfp_name = "mlpipeline_ui_metadata" },
	AD_CLI_OPT("prom", OPT_PROM, "FILE", AD_KFP_OUT_ARTIFACT, NULL,
	    "Prometheus textfile metrics"),
	AD_CLI_OPT("name", OPT_NAME, "NAME", AD_KFP_STRING, NULL,
	    "the model label of the metrics (default: the score column)"),
	AD_CLI_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	{ "output", 'o', "FILE", AD_KFP_OUT_ARTIFACT, NULL,
	    "write the report to FILE, complete or not at all (default: stdout)",
	    .kfp_name = "report" },
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT("format", 'F', "FMT", AD_KFP_STRING, NULL,
	    "the report as json (default), text or csv"),
	AD_CLI_OPT("quiet", 'q', NULL, AD_KFP_NONE, NULL,
	    "no summary of skipped or rejected rows on stderr"),
};

static const struct ad_cli_cmd cmd = {
	.name = "ad-eval",
	.summary = "measure anomaly scores against labels, exactly.",
	.usage = "ad-eval [-nqV] [-d char] [-F json|text|csv] [-i file] "
	    "[-o file] [options] [file]",
	.examples = "Examples:\n"
	    "  ad-score -m model new.csv | ad-eval -F text\n"
	    "  ad-eval --min-auc 0.9 --prom /var/lib/node/adkit.prom scored.csv "
	    "|| alert\n"
	    "  ad-eval --compare challenger --plot roc.svg scored.csv\n",
	.opts = opts,
	.nopts = sizeof opts / sizeof opts[0],
	.footer = "Exit status: 0 success, 1 a quality gate missed, 2 usage "
	    "error, 3 bad\ninput data, 4 I/O or system error. See ad-eval(1).\n",
};

struct args {
	struct ad_eval_opts o;
	int quiet;
	int decisions;         /* --threshold, --top-k, --contamination given */
	int bootstrap_set;     /* --bootstrap or --seed given */
};

static enum ad_status parse_format(const char *arg, enum ad_eval_format *f,
    struct ad_error *err)
{
	if (strcmp(arg, "json") == 0)
		*f = AD_EVAL_JSON;
	else if (strcmp(arg, "text") == 0)
		*f = AD_EVAL_TEXT;
	else if (strcmp(arg, "csv") == 0)
		*f = AD_EVAL_CSV;
	else
		return ad_error_set(err, AD_EUSAGE, "--format takes json, text or "
		    "csv, not \"%s\"", arg);
	return AD_OK;
}

static enum ad_status parse_gate(const char *opt, const char *arg,
    double *min, struct ad_error *err)
{
	return ad_cli_parse_double(opt, arg, 0, 1, min, err);
}

static enum ad_status parse_contamination(const char *arg, double *f,
    struct ad_error *err)
{
	enum ad_status st = ad_cli_parse_double("--contamination", arg, 0, 1, f,
	    err);

	if (st == AD_OK && *f == 0)
		st = ad_error_set(err, AD_EUSAGE, "--contamination must be above "
		    "0, not %s", arg);
	return st;
}

/* Handles one option; returns AD_OK, or AD_EUSAGE with err set. */
static enum ad_status take(void *ctx, int c, const char *arg,
    struct ad_error *err)
{
	struct args *a = ctx;
	struct ad_eval_opts *o = &a->o;
	enum ad_status st = AD_OK;

	switch (c) {
	case 'd': st = ad_cli_parse_delim(arg, &o->in.delim, err); break;
	case 'F': st = parse_format(arg, &o->format, err); break;
	case 'i': o->in.path = arg; break;
	case 'n': o->in.no_header = 1; break;
	case 'o': o->output = arg; break;
	case 'q': a->quiet = 1; break;
	case OPT_BOOTSTRAP:
		st = ad_cli_parse_u64("--bootstrap", arg, 0, 1000000,
		    &o->bootstrap, err);
		a->bootstrap_set = 1;
		break;
	case OPT_BY: o->by = arg; break;
	case OPT_COMPARE: o->compare = arg; break;
	case OPT_CONTAMINATION:
		st = parse_contamination(arg, &o->contamination, err);
		o->decide = AD_DECIDE_CONTAMINATION;
		a->decisions++;
		break;
	case OPT_CURVES: o->curves_path = arg; break;
	case OPT_KFP_METRICS: o->kfp_metrics_path = arg; break;
	case OPT_KFP_UI: o->kfp_ui_path = arg; break;
	case OPT_LABEL: o->label = arg; break;
	case OPT_MIN_AUC:
		st = parse_gate("--min-auc", arg, &o->min[AD_GATE_AUC], err);
		break;
	case OPT_MIN_F1:
		st = parse_gate("--min-f1", arg, &o->min[AD_GATE_F1], err);
		break;
	case OPT_MIN_PRECISION:
		st = parse_gate("--min-precision", arg, &o->min[AD_GATE_PRECISION],
		    err);
		break;
	case OPT_MIN_RECALL:
		st = parse_gate("--min-recall", arg, &o->min[AD_GATE_RECALL], err);
		break;
	case OPT_NAME: o->name = arg; break;
	case OPT_PLOT: o->plot_path = arg; break;
	case OPT_PRED: o->pred = arg; break;
	case OPT_PROM: o->prom_path = arg; break;
	case OPT_SCORE: o->score = arg; break;
	case OPT_SEED:
		st = ad_cli_parse_u64("--seed", arg, 0, UINT64_MAX, &o->seed, err);
		a->bootstrap_set = 1;
		break;
	case OPT_THRESHOLD:
		st = ad_cli_parse_double("--threshold", arg, -DBL_MAX, DBL_MAX,
		    &o->threshold, err);
		o->decide = AD_DECIDE_THRESHOLD;
		a->decisions++;
		break;
	case OPT_TOP_K:
		st = ad_cli_parse_u64("--top-k", arg, 1, UINT64_MAX, &o->top_k,
		    err);
		o->decide = AD_DECIDE_TOP_K;
		a->decisions++;
		break;
	}
	return st;
}

/* Checks what one option alone cannot. */
static enum ad_status check(const struct args *a, struct ad_error *err)
{
	if (a->decisions > 1)
		return ad_error_set(err, AD_EUSAGE, "give one of --threshold, "
		    "--top-k and --contamination");
	if (a->bootstrap_set && a->o.compare == NULL)
		return ad_error_set(err, AD_EUSAGE, "--bootstrap and --seed need "
		    "--compare");
	if (a->o.name != NULL && a->o.name[0] == '\0')
		return ad_error_set(err, AD_EUSAGE, "--name must not be empty");
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

	if (a->quiet)
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

int main(int argc, char **argv)
{
	struct args a;
	struct ad_eval_result res;
	struct ad_error err;
	int code, first;

	memset(&a, 0, sizeof a);
	ad_eval_defaults(&a.o);
	ad_error_clear(&err);
	ad_cli_init();
	if ((code = ad_cli_parse(&cmd, argc, argv, take, &a, &first)) >= 0)
		return code;
	if (ad_cli_one_input(argc, argv, first, &a.o.in.path, &err) != AD_OK)
		return ad_cli_fail(&cmd, &err);
	if (check(&a, &err) != AD_OK)
		return ad_cli_fail(&cmd, &err);
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
