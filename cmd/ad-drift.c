/* ad-drift: options and wiring; the work is in lib/run/drift.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "drift.h"

struct args {
	struct ad_drift_opts o;
	struct ad_cli_common c;
	int profile, merge, exit_zero;
};

#define A(field) AD_OPT_AT(struct args, field)
#define GIVEN(field) AD_OPT_GIVEN(struct args, o.field)

static enum ad_status take_method(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	(void)row;
	return ad_drift_parse_method(arg, &((struct args *)opts)->o.rule.method,
	    err);
}

static enum ad_status take_format(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	(void)row;
	return arg == NULL ? AD_OK : ad_drift_parse_format(arg,
	    &((struct args *)opts)->o.format, err);
}

/* The component compares only: --profile and --merge make no verdict,
 * and --merge takes any number of profiles as operands. */
static const struct ad_opt opts[] = {
	AD_OPT_HEADING("What to compare with (one of):"),
	{ "reference", 'r', "FILE", AD_OPT_STRING, A(o.reference),
	    .kfp = AD_KFP_IN_ARTIFACT,
	    .help = "data (CSV or binary) or a profile of it" },
	{ "model", 'm', "FILE", AD_OPT_STRING, A(o.model), .kfp = AD_KFP_IN_MODEL,
	    .help = "the training-score quantiles of a model, for the input's "
	    "score column" },
	{ "profile", 0, NULL, AD_OPT_FLAG, A(profile), .kfp = AD_KFP_NONE,
	    .help = "write the input's profile instead of comparing" },
	{ "merge", 0, NULL, AD_OPT_FLAG, A(merge), .kfp = AD_KFP_NONE,
	    .help = "merge the profiles given as operands into one" },
	AD_OPT_HEADING("Profiles:"),
	{ "sample", 0, "N", AD_OPT_U64, A(o.prof.sample), GIVEN(sample_set),
	    .umin = 1, .umax = AD_PROFILE_SAMPLE_MAX, .def = "100000",
	    .kfp = AD_KFP_INTEGER, .help = "values sampled per numeric column" },
	{ "bins", 0, "N", AD_OPT_SIZE, A(o.prof.bins), GIVEN(bins_set),
	    .umin = 2, .umax = AD_PROFILE_BINS_MAX, .def = "10",
	    .kfp = AD_KFP_INTEGER, .help = "quantile bins for PSI and JS" },
	{ "top", 0, "N", AD_OPT_SIZE, A(o.prof.top), GIVEN(top_set),
	    .umax = AD_PROFILE_TOP_MAX, .def = "100", .kfp = AD_KFP_INTEGER,
	    .help = "text categories kept" },
	{ AD_OPT_SEED(struct args, o.prof.seed, "seed of the sampling") },
	{ "select", 0, "COLS", AD_OPT_LIST_AT(struct args, o.select, o.nselect),
	    .kfp = AD_KFP_STRING,
	    .help = "compare or profile only these columns" },
	{ "drop", 0, "COLS", AD_OPT_LIST_AT(struct args, o.drop, o.ndrop),
	    .kfp = AD_KFP_STRING,
	    .help = "leave these columns out" },
	AD_OPT_HEADING("Deciding:"),
	{ "method", 0, "M", AD_OPT_CUSTOM, .hook = take_method,
	    GIVEN(method_set), .def = "auto", .kfp = AD_KFP_STRING,
	    .help = "auto (PSI, or KS/chi-square p-value), psi, ks, wasserstein "
	    "or js" },
	/* without it, the method's own (lib/run/drift.c) */
	{ "threshold", 0, "X", AD_OPT_DOUBLE, A(o.rule.threshold),
	    GIVEN(threshold_set), .dmin = 0, .dmax = 1e300, .kfp = AD_KFP_FLOAT,
	    .help = "the method's bar: PSI 0.2, ks the significance level, "
	    "wasserstein and js 0.1" },
	{ "alpha", 0, "X", AD_OPT_DOUBLE, A(o.rule.alpha), GIVEN(alpha_set),
	    .dmin = 1e-300, .dmax = 1, .def = "0.05", .flags = AD_OPT_DEF_UNSHOWN,
	    .kfp = AD_KFP_FLOAT,
	    .help = "significance level before Bonferroni (0.05)" },
	{ "drift-share", 0, "X", AD_OPT_DOUBLE, A(o.rule.share),
	    GIVEN(share_set), .dmin = 1e-300, .dmax = 1, .def = "0.5",
	    .kfp = AD_KFP_FLOAT,
	    .help = "share of drifted columns that is data set drift" },
	{ "critical", 0, "COLS",
	    AD_OPT_LIST_AT(struct args, o.critical, o.ncritical),
	    .kfp = AD_KFP_STRING,
	    .help = "any of these drifting is data set drift" },
	{ "ess", 0, NULL, AD_OPT_FLAG, A(o.ess), .kfp = AD_KFP_NONE,
	    .help = "KS p-values on effective sample sizes, from each side's "
	    "lag-1 autocorrelation (for time series)" },
	{ "window", 0, "N", AD_OPT_U64, A(o.window), .umin = 1,
	    .umax = UINT64_MAX, .kfp = AD_KFP_INTEGER,
	    .help = "compare each run of N input rows on its own" },
	AD_CLI_OPT_THREADS,
	{ "exit-zero", 0, NULL, AD_OPT_FLAG, A(exit_zero), .kfp = AD_KFP_FIXED,
	    .help = "exit 0 when drift is found too (what a pipeline step needs; "
	    "--verdict tells)" },
	AD_OPT_HEADING("Output:"),
	{ "format", 'F', "FMT", AD_OPT_CUSTOM, .hook = take_format,
	    GIVEN(format_set), .kfp = AD_KFP_STRING,
	    .help = "csv, bin, json or text (default csv)" },
	{ "prom", 0, "FILE", AD_OPT_STRING, A(o.prom_path),
	    .kfp = AD_KFP_OUT_ARTIFACT, .help = "write Prometheus textfile metrics" },
	{ "verdict", 0, "FILE", AD_OPT_STRING, A(o.verdict_path),
	    .kfp = AD_KFP_OUT_BOOLEAN, .kfp_name = "drift",
	    .help = "write \"true\" or \"false\": drift found" },
	AD_OPT_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	AD_CLI_OPT_OUTPUT("FILE", AD_KFP_OUT_ARTIFACT, "report", "write FILE, "
	    "complete or not at all (default: stdout)"),
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT_QUIET("no summary of the drift found on stderr"),
};

static const struct ad_cli_block blocks[] = { AD_CLI_BLOCK(opts) };

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
	.blocks = blocks,
	.nblocks = sizeof blocks / sizeof blocks[0],
	.footer = "Exit status: 0 no drift, 1 drift found, 2 usage error, 3 bad "
	    "input data,\n4 I/O or system error. See ad-drift(1).\n",
};

/* Takes the operands: one input, or the profiles of --merge. */
static enum ad_status operands(struct args *a, int first, int argc,
    char **argv, struct ad_error *err)
{
	struct ad_drift_opts *o = &a->o;

	if (a->merge) {
		if (a->c.in.path != NULL)
			return ad_error_set(err, AD_EUSAGE, "--merge reads the "
			    "profiles given as operands, not -i");
		if (first >= argc)
			return ad_error_set(err, AD_EUSAGE, "--merge needs at least "
			    "one profile");
		o->merge = (const char *const *)(argv + first);
		o->nmerge = (size_t)(argc - first);
		return AD_OK;
	}
	return ad_cli_one_input(argc, argv, first, &a->c.in.path, err);
}

static void summarize(const struct args *a, const struct ad_drift_result *r)
{
	if (!a->c.quiet && r->rejected > 0)
		ad_cli_note(cmd.name, "%llu rows rejected for their field count (left "
		    "out)", (unsigned long long)r->rejected);
	if (a->c.quiet || !r->drift)
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
	ad_error_clear(&err);
	ad_cli_init();
	if ((code = ad_cli_parse(&cmd, argc, argv, &a, &a.c, &first)) >= 0)
		goto out;
	if (a.profile && a.merge) {
		ad_error_set(&err, AD_EUSAGE, "--profile and --merge cannot be "
		    "combined");
		goto fail;
	}
	a.o.mode = a.profile ? AD_DRIFT_PROFILE : a.merge ? AD_DRIFT_MERGE :
	    AD_DRIFT_COMPARE;
	if (operands(&a, first, argc, argv, &err) != AD_OK)
		goto fail;
	a.o.in = a.c.in;
	a.o.threads = a.c.in.threads;
	a.o.output = a.c.output;
	if (ad_drift_run(&a.o, &res, &err) != AD_OK)
		goto fail;
	summarize(&a, &res);
	code = res.drift && !a.exit_zero ? AD_EXIT_CHECK : AD_EXIT_OK;
	goto out;
fail:
	code = ad_cli_fail(&cmd, &err);
out:
	ad_cli_free(&cmd, &a, &a.c);
	return code;
}
