/* ad-drift: options and wiring; the work is in lib/drift.c. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "drift.h"

static const char *prog = "ad-drift";

static const char usage_line[] =
    "usage: ad-drift [-nqV] [-d char] [-F format] [-i file] [-o file] "
    "[-m model | -r reference | --profile | --merge] [options] [file ...]";

static const char help[] =
    "ad-drift: tell whether data (or scores) drifted from a reference.\n"
    "\n"
    "usage: ad-drift [-nqV] [-d char] [-F format] [-i file] [-o file] "
    "[-m model | -r reference | --profile | --merge] [options] [file ...]\n"
    "\n"
    "Examples:\n"
    "  ad-drift -r train.csv today.csv || retrain\n"
    "  ad-drift --profile --drop timestamp train.csv -o train.prof\n"
    "  ad-drift -r train.prof -F json --prom drift.prom today.csv\n"
    "  ad-drift --merge shard1.prof shard2.prof -o all.prof\n"
    "  ad-score -m model today.csv | ad-drift -m model\n"
    "\n"
    "Exit status 0 means no drift and 1 drift found, so a pipeline can branch\n"
    "on it.\n"
    "\n"
    "What to compare with (one of):\n"
    "  -r, --reference FILE  data (CSV or binary) or a profile of it\n"
    "  -m, --model FILE      the training-score quantiles of a model, for the\n"
    "                        input's score column\n"
    "      --profile         write the input's profile instead of comparing\n"
    "      --merge           merge the profiles given as operands into one\n"
    "\n"
    "Profiles:\n"
    "      --sample N        values sampled per numeric column (default 100000)\n"
    "      --bins N          quantile bins for PSI and JS (default 10)\n"
    "      --top N           text categories kept (default 100)\n"
    "      --seed N          seed of the sampling (default 1)\n"
    "      --select COLS     compare or profile only these columns\n"
    "      --drop COLS       leave these columns out\n"
    "\n"
    "Deciding:\n"
    "      --method M        auto (PSI, or KS/chi-square p-value), psi, ks,\n"
    "                        wasserstein or js (default auto)\n"
    "      --threshold X     the method's bar: PSI 0.2, ks the significance\n"
    "                        level, wasserstein and js 0.1\n"
    "      --alpha X         significance level before Bonferroni (0.05)\n"
    "      --drift-share X   share of drifted columns that is data set drift\n"
    "                        (default 0.5)\n"
    "      --critical COLS   any of these drifting is data set drift\n"
    "      --window N        compare each run of N input rows on its own\n"
    "      --threads N       threads sorting and comparing columns (default:\n"
    "                        all cores)\n"
    "\n"
    "Output:\n"
    "  -F, --format FMT      csv, bin, json or text (default csv)\n"
    "      --prom FILE       write Prometheus textfile metrics\n"
    "      --verdict FILE    write \"true\" or \"false\": drift found\n"
    "\n"
    "Common options:\n"
    "  -i, --input FILE      read FILE (default: standard input, also -)\n"
    "  -o, --output FILE     write FILE, complete or not at all (default: stdout)\n"
    "  -d, --delimiter CHAR  CSV field delimiter (default ,; \"tab\" for tab)\n"
    "  -n, --no-headers      CSV has no header row; columns are c1..cN\n"
    "  -q, --quiet           no summary of the drift found on stderr\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Exit status: 0 no drift, 1 drift found, 2 usage error, 3 bad input data,\n"
    "4 I/O or system error. See ad-drift(1).\n";

enum {
	OPT_ALPHA = CHAR_MAX + 1,
	OPT_BINS,
	OPT_CRITICAL,
	OPT_DRIFT_SHARE,
	OPT_DROP,
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

static const struct option longopts[] = {
	{ "alpha", required_argument, NULL, OPT_ALPHA },
	{ "bins", required_argument, NULL, OPT_BINS },
	{ "critical", required_argument, NULL, OPT_CRITICAL },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "drift-share", required_argument, NULL, OPT_DRIFT_SHARE },
	{ "drop", required_argument, NULL, OPT_DROP },
	{ "format", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ "input", required_argument, NULL, 'i' },
	{ "merge", no_argument, NULL, OPT_MERGE },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "model", required_argument, NULL, 'm' },
	{ "no-headers", no_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "profile", no_argument, NULL, OPT_PROFILE },
	{ "prom", required_argument, NULL, OPT_PROM },
	{ "quiet", no_argument, NULL, 'q' },
	{ "reference", required_argument, NULL, 'r' },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "select", required_argument, NULL, OPT_SELECT },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "verdict", required_argument, NULL, OPT_VERDICT },
	{ "version", no_argument, NULL, 'V' },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ NULL, 0, NULL, 0 }
};

struct args {
	struct ad_drift_opts o;
	int profile, merge, quiet;
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
static enum ad_status take(struct args *a, int c, const char *arg,
    struct ad_error *err)
{
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
static enum ad_status operands(struct args *a, int argc, char **argv,
    struct ad_error *err)
{
	struct ad_drift_opts *o = &a->o;

	if (a->merge) {
		if (o->in.path != NULL)
			return ad_error_set(err, AD_EUSAGE, "--merge reads the "
			    "profiles given as operands, not -i");
		if (optind >= argc)
			return ad_error_set(err, AD_EUSAGE, "--merge needs at least "
			    "one profile");
		o->merge = (const char *const *)(argv + optind);
		o->nmerge = (size_t)(argc - optind);
		return AD_OK;
	}
	if (optind < argc) {
		if (o->in.path != NULL || optind + 1 < argc)
			return ad_error_set(err, AD_EUSAGE, "give one input, as -i "
			    "FILE or FILE");
		o->in.path = argv[optind];
	}
	return AD_OK;
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
		ad_cli_note(prog, "%llu rows rejected for their field count (left "
		    "out)", (unsigned long long)r->rejected);
	if (a->quiet || !r->drift)
		return;
	if (a->o.window > 0)
		ad_cli_note(prog, "drift in %llu of %llu windows, first at line "
		    "%llu", (unsigned long long)r->windows_drifted,
		    (unsigned long long)r->windows,
		    (unsigned long long)r->first_drift_line);
	else
		ad_cli_note(prog, "drift: %zu of %zu columns drifted (%s)",
		    r->drifted, r->columns, r->names);
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_drift_result res;
	struct ad_error err;
	int c, code;

	memset(&a, 0, sizeof a);
	ad_drift_defaults(&a.o);
	a.o.threads = default_threads();
	ad_error_clear(&err);
	ad_cli_init();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:F:hi:m:no:qr:V", longopts,
	    NULL)) != -1) {
		if (c == 'h') {
			args_free(&a);
			return ad_cli_help(help);
		}
		if (c == 'V') {
			args_free(&a);
			return ad_cli_version(prog);
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			args_free(&a);
			if (c == ':')
				return ad_cli_usage_error(prog, usage_line,
				    "option %s needs a value", bad);
			return ad_cli_usage_error(prog, usage_line,
			    "unknown option %s", bad);
		}
		if (take(&a, c, optarg, &err) != AD_OK)
			goto usage;
	}
	if (a.profile && a.merge) {
		ad_error_set(&err, AD_EUSAGE, "--profile and --merge cannot be "
		    "combined");
		goto usage;
	}
	a.o.mode = a.profile ? AD_DRIFT_PROFILE : a.merge ? AD_DRIFT_MERGE :
	    AD_DRIFT_COMPARE;
	if (operands(&a, argc, argv, &err) != AD_OK)
		goto usage;
	if (ad_drift_run(&a.o, &res, &err) != AD_OK) {
		if (err.code == AD_EUSAGE)
			goto usage;
		code = ad_cli_report(prog, &err);
		args_free(&a);
		return code;
	}
	summarize(&a, &res);
	args_free(&a);
	return res.drift ? AD_EXIT_CHECK : AD_EXIT_OK;
usage:
	args_free(&a);
	return ad_cli_option_error(prog, usage_line, &err);
}
