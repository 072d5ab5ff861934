/* ad-drift: options and wiring; the work is in lib/run/drift.c. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "drift.h"

enum {
	OPT_ALPHA = CHAR_MAX + 1,
	OPT_BINS,
	OPT_CRITICAL,
	OPT_DRIFT_SHARE,
	OPT_DROP,
	OPT_EXIT_ZERO,
	OPT_MERGE,
	OPT_METHOD,
	OPT_PROFILE,
	OPT_PROM,
	OPT_SAMPLE,
	OPT_SEED,
	OPT_SELECT,
	OPT_THREADS,
	OPT_THRESHOLD,
	OPT_TOP,
	OPT_VERDICT,
	OPT_WINDOW
};

/* The component compares only: --profile and --merge make no verdict,
 * and --merge takes any number of profiles as operands. */
static const struct ad_cli_opt opts[] = {
	AD_CLI_HEADING("What to compare with (one of):"),
	AD_CLI_OPT("reference", 'r', "FILE", AD_KFP_IN_ARTIFACT, NULL,
	    "data (CSV or binary) or a profile of it"),
	AD_CLI_OPT("model", 'm', "FILE", AD_KFP_IN_MODEL, NULL,
	    "the training-score quantiles of a model, for the input's score "
	    "column"),
	AD_CLI_OPT("profile", OPT_PROFILE, NULL, AD_KFP_NONE, NULL,
	    "write the input's profile instead of comparing"),
	AD_CLI_OPT("merge", OPT_MERGE, NULL, AD_KFP_NONE, NULL,
	    "merge the profiles given as operands into one"),
	AD_CLI_HEADING("Profiles:"),
	AD_CLI_OPT("sample", OPT_SAMPLE, "N", AD_KFP_INTEGER, "100000",
	    "values sampled per numeric column"),
	AD_CLI_OPT("bins", OPT_BINS, "N", AD_KFP_INTEGER, "10",
	    "quantile bins for PSI and JS"),
	AD_CLI_OPT("top", OPT_TOP, "N", AD_KFP_INTEGER, "100",
	    "text categories kept"),
	AD_CLI_OPT("seed", OPT_SEED, "N", AD_KFP_INTEGER, "1",
	    "seed of the sampling"),
	AD_CLI_OPT("select", OPT_SELECT, "COLS", AD_KFP_STRING, NULL,
	    "compare or profile only these columns"),
	AD_CLI_OPT("drop", OPT_DROP, "COLS", AD_KFP_STRING, NULL,
	    "leave these columns out"),
	AD_CLI_HEADING("Deciding:"),
	AD_CLI_OPT("method", OPT_METHOD, "M", AD_KFP_STRING, "auto",
	    "auto (PSI, or KS/chi-square p-value), psi, ks, wasserstein or js"),
	AD_CLI_OPT("threshold", OPT_THRESHOLD, "X", AD_KFP_FLOAT, NULL,
	    "the method's bar: PSI 0.2, ks the significance level, wasserstein "
	    "and js 0.1"),
	AD_CLI_OPT("alpha", OPT_ALPHA, "X", AD_KFP_FLOAT, NULL,
	    "significance level before Bonferroni (0.05)"),
	AD_CLI_OPT("drift-share", OPT_DRIFT_SHARE, "X", AD_KFP_FLOAT, "0.5",
	    "share of drifted columns that is data set drift"),
	AD_CLI_OPT("critical", OPT_CRITICAL, "COLS", AD_KFP_STRING, NULL,
	    "any of these drifting is data set drift"),
	AD_CLI_OPT("window", OPT_WINDOW, "N", AD_KFP_INTEGER, NULL,
	    "compare each run of N input rows on its own"),
	AD_CLI_OPT("threads", OPT_THREADS, "N", AD_KFP_INTEGER, NULL,
	    "threads sorting and comparing columns (default: all cores)"),
	AD_CLI_OPT("exit-zero", OPT_EXIT_ZERO, NULL, AD_KFP_FIXED, NULL,
	    "exit 0 when drift is found too (what a pipeline step needs; "
	    "--verdict tells)"),
	AD_CLI_HEADING("Output:"),
	AD_CLI_OPT("format", 'F', "FMT", AD_KFP_STRING, NULL,
	    "csv, bin, json or text (default csv)"),
	AD_CLI_OPT("prom", OPT_PROM, "FILE", AD_KFP_OUT_ARTIFACT, NULL,
	    "write Prometheus textfile metrics"),
	{ "verdict", OPT_VERDICT, "FILE", AD_KFP_OUT_BOOLEAN, NULL,
	    "write \"true\" or \"false\": drift found", .kfp_name = "drift" },
	AD_CLI_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	{ "output", 'o', "FILE", AD_KFP_OUT_ARTIFACT, NULL,
	    "write FILE, complete or not at all (default: stdout)",
	    .kfp_name = "report" },
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT("quiet", 'q', NULL, AD_KFP_NONE, NULL,
	    "no summary of the drift found on stderr"),
};

static const struct ad_cli_cmd cmd = {
	.name = "ad-drift",
	.summary = "tell whether data (or scores) drifted from a reference.",
	.usage = "ad-drift [-nqV] [-d char] [-F format] [-i file] [-o file] "
	    "[-m model | -r reference | --profile | --merge] [options] "
	    "[file ...]",
	.examples = "Examples:\n"
	    "  ad-drift -r train.csv today.csv || retrain\n"
	    "  ad-drift --profile --drop timestamp train.csv -o train.prof\n"
	    "  ad-drift -r train.prof -F json --prom drift.prom today.csv\n"
	    "  ad-drift --merge shard1.prof shard2.prof -o all.prof\n"
	    "  ad-score -m model today.csv | ad-drift -m model\n"
	    "\n"
	    "Exit status 0 means no drift and 1 drift found, so a pipeline can "
	    "branch\non it.\n",
	.opts = opts,
	.nopts = sizeof opts / sizeof opts[0],
	.footer = "Exit status: 0 no drift, 1 drift found, 2 usage error, 3 bad "
	    "input data,\n4 I/O or system error. See ad-drift(1).\n",
};

struct args {
	struct ad_drift_opts o;
	int profile, merge, quiet, exit_zero;
};

static void args_free(struct args *a)
{
	ad_cli_free_list(a->o.critical, a->o.ncritical);
	ad_cli_free_list(a->o.select, a->o.nselect);
	ad_cli_free_list(a->o.drop, a->o.ndrop);
}

/* Replaces *list with the comma-separated names of arg. */
static enum ad_status take_list(const char *opt, const char *arg,
    char ***list, size_t *n, struct ad_error *err)
{
	ad_cli_free_list(*list, *n);
	*list = NULL;
	*n = 0;
	return ad_cli_split_list(opt, arg, 0, list, n, err);
}

/* Handles one option; returns AD_OK, or AD_EUSAGE with err set. */
static enum ad_status take(void *ctx, int c, const char *arg,
    struct ad_error *err)
{
	struct args *a = ctx;
	struct ad_drift_opts *o = &a->o;
	uint64_t n;
	enum ad_status st = AD_OK;

	switch (c) {
	case 'd': st = ad_cli_parse_delim(arg, &o->in.delim, err); break;
	case 'F':
		st = ad_drift_parse_format(arg, &o->format, err);
		o->format_set = 1;
		break;
	case 'i': o->in.path = arg; break;
	case 'm': o->model = arg; break;
	case 'n': o->in.no_header = 1; break;
	case 'o': o->output = arg; break;
	case 'q': a->quiet = 1; break;
	case 'r': o->reference = arg; break;
	case OPT_ALPHA:
		st = ad_cli_parse_double("--alpha", arg, 1e-300, 1, &o->rule.alpha,
		    err);
		o->alpha_set = 1;
		break;
	case OPT_BINS:
		st = ad_cli_parse_u64("--bins", arg, 2, AD_PROFILE_BINS_MAX, &n, err);
		o->prof.bins = (size_t)n;
		o->bins_set = 1;
		break;
	case OPT_CRITICAL:
		st = take_list("--critical", arg, &o->critical, &o->ncritical, err);
		break;
	case OPT_DRIFT_SHARE:
		st = ad_cli_parse_double("--drift-share", arg, 1e-300, 1,
		    &o->rule.share, err);
		o->share_set = 1;
		break;
	case OPT_DROP:
		st = take_list("--drop", arg, &o->drop, &o->ndrop, err);
		break;
	case OPT_EXIT_ZERO: a->exit_zero = 1; break;
	case OPT_MERGE: a->merge = 1; break;
	case OPT_METHOD:
		st = ad_drift_parse_method(arg, &o->rule.method, err);
		o->method_set = 1;
		break;
	case OPT_PROFILE: a->profile = 1; break;
	case OPT_PROM: o->prom_path = arg; break;
	case OPT_SAMPLE:
		st = ad_cli_parse_u64("--sample", arg, 1, AD_PROFILE_SAMPLE_MAX,
		    &o->prof.sample, err);
		o->sample_set = 1;
		break;
	case OPT_SEED:
		st = ad_cli_parse_u64("--seed", arg, 0, UINT64_MAX, &o->prof.seed,
		    err);
		break;
	case OPT_SELECT:
		st = take_list("--select", arg, &o->select, &o->nselect, err);
		break;
	case OPT_THREADS:
		st = ad_cli_parse_u64("--threads", arg, 1, 64, &n, err);
		o->threads = (unsigned)n;
		break;
	case OPT_THRESHOLD:
		st = ad_cli_parse_double("--threshold", arg, 0, 1e300,
		    &o->rule.threshold, err);
		o->threshold_set = 1;
		break;
	case OPT_TOP:
		st = ad_cli_parse_u64("--top", arg, 0, AD_PROFILE_TOP_MAX, &n, err);
		o->prof.top = (size_t)n;
		o->top_set = 1;
		break;
	case OPT_VERDICT: o->verdict_path = arg; break;
	case OPT_WINDOW:
		st = ad_cli_parse_u64("--window", arg, 1, UINT64_MAX, &o->window,
		    err);
		break;
	}
	return st;
}

/* Takes the operands: one input, or the profiles of --merge. */
static enum ad_status operands(struct args *a, int first, int argc,
    char **argv, struct ad_error *err)
{
	struct ad_drift_opts *o = &a->o;

	if (a->merge) {
		if (o->in.path != NULL)
			return ad_error_set(err, AD_EUSAGE, "--merge reads the "
			    "profiles given as operands, not -i");
		if (first >= argc)
			return ad_error_set(err, AD_EUSAGE, "--merge needs at least "
			    "one profile");
		o->merge = (const char *const *)(argv + first);
		o->nmerge = (size_t)(argc - first);
		return AD_OK;
	}
	return ad_cli_one_input(argc, argv, first, &o->in.path, err);
}

/* All the cores, up to the most --threads takes. */
static unsigned default_threads(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	return cores < 1 ? 1 : cores > 64 ? 64 : (unsigned)cores;
}

static void summarize(const struct args *a, const struct ad_drift_result *r)
{
	if (!a->quiet && r->rejected > 0)
		ad_cli_note(cmd.name, "%llu rows rejected for their field count (left "
		    "out)", (unsigned long long)r->rejected);
	if (a->quiet || !r->drift)
		return;
	if (a->o.window > 0)
		ad_cli_note(cmd.name, "drift in %llu of %llu windows, first at line "
		    "%llu", (unsigned long long)r->windows_drifted,
		    (unsigned long long)r->windows,
		    (unsigned long long)r->first_drift_line);
	else
		ad_cli_note(cmd.name, "drift: %zu of %zu columns drifted (%s)",
		    r->drifted, r->columns, r->names);
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_drift_result res;
	struct ad_error err;
	int code, first;

	memset(&a, 0, sizeof a);
	ad_drift_defaults(&a.o);
	a.o.threads = default_threads();
	ad_error_clear(&err);
	ad_cli_init();
	if ((code = ad_cli_parse(&cmd, argc, argv, take, &a, &first)) >= 0)
		goto out;
	if (a.profile && a.merge) {
		ad_error_set(&err, AD_EUSAGE, "--profile and --merge cannot be "
		    "combined");
		goto fail;
	}
	a.o.mode = a.profile ? AD_DRIFT_PROFILE : a.merge ? AD_DRIFT_MERGE :
	    AD_DRIFT_COMPARE;
	if (operands(&a, first, argc, argv, &err) != AD_OK ||
	    ad_drift_run(&a.o, &res, &err) != AD_OK)
		goto fail;
	summarize(&a, &res);
	code = res.drift && !a.exit_zero ? AD_EXIT_CHECK : AD_EXIT_OK;
	goto out;
fail:
	code = ad_cli_fail(&cmd, &err);
out:
	args_free(&a);
	return code;
}
