/* ad-eval: options and wiring; the work is in lib/eval.c. */
#include <float.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "eval.h"

static const char *prog = "ad-eval";

static const char usage_line[] =
    "usage: ad-eval [-nqV] [-d char] [-F json|text|csv] [-i file] [-o file] "
    "[options] [file]";

static const char help[] =
    "ad-eval: measure anomaly scores against labels, exactly.\n"
    "\n"
    "usage: ad-eval [-nqV] [-d char] [-F json|text|csv] [-i file] [-o file] "
    "[options] [file]\n"
    "\n"
    "Examples:\n"
    "  ad-score -m model new.csv | ad-eval -F text\n"
    "  ad-eval --min-auc 0.9 --prom /var/lib/node/adkit.prom scored.csv || alert\n"
    "  ad-eval --compare challenger --plot roc.svg scored.csv\n"
    "\n"
    "Columns:\n"
    "      --label COL       labels: 1, true, yes, anomaly or 0, false, no,\n"
    "                        normal (default label)\n"
    "      --score COL       scores, higher = more anomalous (default score)\n"
    "      --pred COL        the decision, labelled like --label (default\n"
    "                        is_anomaly, when the input has it)\n"
    "      --by COL          also evaluate each value of COL apart\n"
    "Decision, instead of --pred:\n"
    "      --threshold T     flag the rows scoring T or more\n"
    "      --top-k K         flag the K highest scores (ties included)\n"
    "      --contamination F flag the top fraction F of the rows, 0 < F <= 1\n"
    "Comparing a challenger scored on the same rows:\n"
    "      --compare COL     evaluate COL too; DeLong's test of the ROC-AUCs\n"
    "      --bootstrap N     paired resamples for the F1 and AP intervals\n"
    "                        (default 1000; 0: none)\n"
    "      --seed N          the bootstrap's random seed (default 1)\n"
    "Quality gates (exit 1 when one is missed):\n"
    "      --min-auc X       ROC-AUC at least X\n"
    "      --min-f1 X        F1 at least X\n"
    "      --min-precision X precision at least X\n"
    "      --min-recall X    recall at least X\n"
    "Other outputs:\n"
    "      --curves FILE     ROC and precision-recall points as CSV\n"
    "      --plot FILE       the ROC and precision-recall curves as SVG\n"
    "      --kfp-metrics FILE  Kubeflow Pipelines metrics JSON\n"
    "      --kfp-ui FILE     Kubeflow Pipelines UI metadata: confusion matrix\n"
    "                        and ROC curve\n"
    "      --prom FILE       Prometheus textfile metrics\n"
    "      --name NAME       the model label of the metrics (default: the\n"
    "                        score column)\n"
    "\n"
    "Common options:\n"
    "  -i, --input FILE      read FILE (default: standard input, also -)\n"
    "  -o, --output FILE     write the report to FILE, complete or not at all\n"
    "                        (default: stdout)\n"
    "  -d, --delimiter CHAR  CSV field delimiter (default ,; \"tab\" for tab)\n"
    "  -n, --no-headers      CSV has no header row; columns are c1..cN\n"
    "  -F, --format FMT      the report as json (default), text or csv\n"
    "  -q, --quiet           no summary of skipped or rejected rows on stderr\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Exit status: 0 success, 1 a quality gate missed, 2 usage error, 3 bad\n"
    "input data, 4 I/O or system error. See ad-eval(1).\n";

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

static const struct option longopts[] = {
	{ "bootstrap", required_argument, NULL, OPT_BOOTSTRAP },
	{ "by", required_argument, NULL, OPT_BY },
	{ "compare", required_argument, NULL, OPT_COMPARE },
	{ "contamination", required_argument, NULL, OPT_CONTAMINATION },
	{ "curves", required_argument, NULL, OPT_CURVES },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ "input", required_argument, NULL, 'i' },
	{ "kfp-metrics", required_argument, NULL, OPT_KFP_METRICS },
	{ "kfp-ui", required_argument, NULL, OPT_KFP_UI },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "min-auc", required_argument, NULL, OPT_MIN_AUC },
	{ "min-f1", required_argument, NULL, OPT_MIN_F1 },
	{ "min-precision", required_argument, NULL, OPT_MIN_PRECISION },
	{ "min-recall", required_argument, NULL, OPT_MIN_RECALL },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "no-headers", no_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "pred", required_argument, NULL, OPT_PRED },
	{ "prom", required_argument, NULL, OPT_PROM },
	{ "quiet", no_argument, NULL, 'q' },
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "top-k", required_argument, NULL, OPT_TOP_K },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
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
static enum ad_status take(struct args *a, int c, const char *arg,
    struct ad_error *err)
{
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
		ad_cli_note(prog, "%s: %llu rows read, %llu used%s; %llu rejected "
		    "for their field count", r->input,
		    (unsigned long long)r->rows_read,
		    (unsigned long long)r->rows_used, skipped,
		    (unsigned long long)r->rows_rejected);
	if (r->missing_by > 0)
		ad_cli_note(prog, "%s: %llu row(s) without a --by value, in the "
		    "totals only", r->input, (unsigned long long)r->missing_by);
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_eval_result res;
	struct ad_error err;
	int c, code;

	memset(&a, 0, sizeof a);
	ad_eval_defaults(&a.o);
	ad_error_clear(&err);
	ad_cli_init();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:F:hi:no:qV", longopts,
	    NULL)) != -1) {
		if (c == 'h')
			return ad_cli_help(help);
		if (c == 'V')
			return ad_cli_version(prog);
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			if (c == ':')
				return ad_cli_usage_error(prog, usage_line,
				    "option %s needs a value", bad);
			return ad_cli_usage_error(prog, usage_line,
			    "unknown option %s", bad);
		}
		if (take(&a, c, optarg, &err) != AD_OK)
			goto usage;
	}
	if (optind < argc) {
		if (a.o.in.path != NULL || optind + 1 < argc) {
			ad_error_set(&err, AD_EUSAGE, "give one input, as -i FILE "
			    "or FILE");
			goto usage;
		}
		a.o.in.path = argv[optind];
	}
	if (check(&a, &err) != AD_OK)
		goto usage;
	switch (ad_eval_run(&a.o, &res, &err)) {
	case AD_OK:
		summarize(&a, &res);
		return AD_EXIT_OK;
	case AD_EUSAGE:
		goto usage;
	case AD_ECHECK:
		summarize(&a, &res);
		return ad_cli_report(prog, &err);
	default:
		break;
	}
	code = ad_cli_report(prog, &err);
	return code;
usage:
	return ad_cli_option_error(prog, usage_line, &err);
}
