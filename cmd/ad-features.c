/* ad-features: options and wiring; the work is in lib/featurize.c. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cli.h"
#include "context.h"
#include "featurize.h"

static const char *prog = "ad-features";

static const char usage_line[] =
    "usage: ad-features [-nqV] [-d char] [-F csv|bin] [-i file] [-o file] "
    "[-r params | -s params] [options] [file]";

static const char help[] =
    "ad-features: turn clean rows into the numeric features a detector "
    "learns from.\n"
    "\n"
    "usage: ad-features [-nqV] [-d char] [-F csv|bin] [-i file] [-o file] "
    "[-r params | -s params] [options] [file]\n"
    "\n"
    "Examples:\n"
    "  ad-features --scale standard --keep id,label -s f.params train.csv\n"
    "  ad-features --time timestamp --group host --rolling 12 --calendar \\\n"
    "      --onehot host --keep timestamp,label data.csv\n"
    "  ad-features -r f.params new.csv | ad-score -m model\n"
    "\n"
    "Numeric columns:\n"
    "      --scale SPEC      standard, minmax, robust or none, for every\n"
    "                        numeric column or COL=METHOD,... (repeatable;\n"
    "                        named columns override; default none)\n"
    "      --log COLS        signed log1p first: sign(x) log(1 + |x|)\n"
    "Categorical columns:\n"
    "      --onehot COLS     one column per frequent category, plus COL=other\n"
    "      --max-categories K  categories given a column (default 20)\n"
    "      --freq COLS       COL_freq: the category's share when fitted\n"
    "Time context:\n"
    "      --time COL        ISO-8601 or epoch seconds; rows of a group must\n"
    "                        not go back in time\n"
    "      --sort            hold the input in memory and sort it by time\n"
    "      --group COL       one history per value of COL (a host, say)\n"
    "      --context COLS    numeric columns that get the features below\n"
    "                        (default: all)\n"
    "      --lags LIST       COL_lagK: the value K rows back in the group\n"
    "      --diff            COL_diff: the change since the previous row\n"
    "      --rolling LIST    COL_rollN_{mean,std,min,max,z} over the N rows\n"
    "                        before\n"
    "      --ewm LIST        COL_ewmA: exponentially weighted mean of the\n"
    "                        rows before, alpha A in (0, 1]\n"
    "      --calendar        hour_{sin,cos} and dow_{sin,cos} of the time\n"
    "Columns:\n"
    "      --keep COLS       pass these through untouched (ids, labels)\n"
    "      --select COLS     write only these columns' outputs, in this order\n"
    "      --drop COLS       write none of these columns' outputs\n"
    "  -s, --save PARAMS     write everything fitted to PARAMS\n"
    "      --memory MIB      while fitting, hold this much of the input in\n"
    "                        memory, then spill to TMPDIR (default 256; a\n"
    "                        binary file is read twice instead)\n"
    "  -r, --restore PARAMS  transform exactly as the run that saved PARAMS\n"
    "\n"
    "Common options:\n"
    "  -i, --input FILE      read FILE (default: standard input, also -)\n"
    "  -o, --output FILE     write FILE, complete or not at all (default:\n"
    "                        stdout)\n"
    "  -d, --delimiter CHAR  CSV field delimiter (default ,; \"tab\" for tab)\n"
    "  -n, --no-headers      CSV has no header row; columns are c1..cN\n"
    "  -F, --format FMT      output csv or bin (default: the input's format)\n"
    "  -q, --quiet           no notes on stderr\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Exit status: 0 success, 2 usage error, 3 bad input data or params,\n"
    "4 I/O or system error. See ad-features(1).\n";

enum {
	OPT_CALENDAR = CHAR_MAX + 1,
	OPT_CONTEXT,
	OPT_DIFF,
	OPT_DROP,
	OPT_EWM,
	OPT_FREQ,
	OPT_GROUP,
	OPT_KEEP,
	OPT_LAGS,
	OPT_LOG,
	OPT_MAX_CATEGORIES,
	OPT_MEMORY,
	OPT_ONEHOT,
	OPT_ROLLING,
	OPT_SCALE,
	OPT_SELECT,
	OPT_SORT,
	OPT_TIME
};

static const struct option longopts[] = {
	{ "calendar", no_argument, NULL, OPT_CALENDAR },
	{ "context", required_argument, NULL, OPT_CONTEXT },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "diff", no_argument, NULL, OPT_DIFF },
	{ "drop", required_argument, NULL, OPT_DROP },
	{ "ewm", required_argument, NULL, OPT_EWM },
	{ "format", required_argument, NULL, 'F' },
	{ "freq", required_argument, NULL, OPT_FREQ },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "help", no_argument, NULL, 'h' },
	{ "input", required_argument, NULL, 'i' },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "lags", required_argument, NULL, OPT_LAGS },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "max-categories", required_argument, NULL, OPT_MAX_CATEGORIES },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "no-headers", no_argument, NULL, 'n' },
	{ "onehot", required_argument, NULL, OPT_ONEHOT },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "restore", required_argument, NULL, 'r' },
	{ "rolling", required_argument, NULL, OPT_ROLLING },
	{ "save", required_argument, NULL, 's' },
	{ "scale", required_argument, NULL, OPT_SCALE },
	{ "select", required_argument, NULL, OPT_SELECT },
	{ "sort", no_argument, NULL, OPT_SORT },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct args {
	struct ad_featurize_opts o;
	struct ad_scale_spec *scale;
	size_t n_scale;
	uint64_t *lags, *windows;
	double *alphas;
	int quiet;
};

static void args_free(struct args *a)
{
	struct ad_featurize_opts *o = &a->o;

	ad_featurize_free_scale(a->scale, a->n_scale);
	ad_cli_free_list(o->log, o->n_log);
	ad_cli_free_list(o->onehot, o->n_onehot);
	ad_cli_free_list(o->freq, o->n_freq);
	ad_cli_free_list(o->context, o->n_context);
	ad_cli_free_list(o->keep, o->n_keep);
	ad_cli_free_list(o->select, o->n_select);
	ad_cli_free_list(o->drop, o->n_drop);
	ad_free(a->lags);
	ad_free(a->windows);
	ad_free(a->alphas);
}

/* Replaces *list with the names in arg (the last option given counts). */
static enum ad_status names(const char *opt, const char *arg, char ***list,
    size_t *n, struct ad_error *err)
{
	ad_cli_free_list(*list, *n);
	*list = NULL;
	*n = 0;
	return ad_cli_split_list(opt, arg, 0, list, n, err);
}

/* Parses a list of whole numbers from 1 to AD_CONTEXT_MAX_SPAN, or of
 * alphas in (0, 1] when out_d is given. */
static enum ad_status numbers(const char *opt, const char *arg,
    uint64_t **out_u, double **out_d, size_t *n, struct ad_error *err)
{
	char **items = NULL;
	size_t k = 0;
	enum ad_status st = ad_cli_split_list(opt, arg, 0, &items, &k, err);
	uint64_t *u = NULL;
	double *d = NULL;

	if (st != AD_OK)
		return st;
	if ((out_u && (u = ad_calloc(k, sizeof *u)) == NULL) ||
	    (out_d && (d = ad_calloc(k, sizeof *d)) == NULL)) {
		st = ad_error_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < k && st == AD_OK; i++) {
		if (out_u)
			st = ad_cli_parse_u64(opt, items[i], 1, AD_CONTEXT_MAX_SPAN,
			    &u[i], err);
		else if ((st = ad_cli_parse_double(opt, items[i], 0, 1, &d[i],
		    err)) == AD_OK && d[i] == 0)
			st = ad_error_set(err, AD_EUSAGE, "%s must be above 0 and at "
			    "most 1, not %s", opt, items[i]);
	}
out:
	ad_cli_free_list(items, k);
	if (st != AD_OK) {
		ad_free(u);
		ad_free(d);
		return st;
	}
	if (out_u) {
		ad_free(*out_u);
		*out_u = u;
	} else {
		ad_free(*out_d);
		*out_d = d;
	}
	*n = k;
	return AD_OK;
}

/* Handles one option; returns AD_OK, or AD_EUSAGE with err set. */
static enum ad_status take(struct args *a, int c, const char *arg,
    struct ad_error *err)
{
	struct ad_featurize_opts *o = &a->o;
	enum ad_status st = AD_OK;

	switch (c) {
	case 'd': st = ad_cli_parse_delim(arg, &o->in.delim, err); break;
	case 'F':
		st = ad_cli_parse_format(arg, &o->format, err);
		o->format_set = 1;
		break;
	case 'i': o->in.path = arg; break;
	case 'n': o->in.no_header = 1; break;
	case 'o': o->output = arg; break;
	case 'q': a->quiet = 1; break;
	case 'r': o->restore_path = arg; break;
	case 's': o->save_path = arg; break;
	case OPT_CALENDAR: o->calendar = 1; break;
	case OPT_CONTEXT:
		st = names("--context", arg, &o->context, &o->n_context, err);
		break;
	case OPT_DIFF: o->diff = 1; break;
	case OPT_DROP: st = names("--drop", arg, &o->drop, &o->n_drop, err); break;
	case OPT_EWM:
		st = numbers("--ewm", arg, NULL, &a->alphas, &o->n_alphas, err);
		o->alphas = a->alphas;
		break;
	case OPT_FREQ: st = names("--freq", arg, &o->freq, &o->n_freq, err); break;
	case OPT_GROUP: o->group = arg; break;
	case OPT_KEEP: st = names("--keep", arg, &o->keep, &o->n_keep, err); break;
	case OPT_LAGS:
		st = numbers("--lags", arg, &a->lags, NULL, &o->n_lags, err);
		o->lags = a->lags;
		break;
	case OPT_LOG: st = names("--log", arg, &o->log, &o->n_log, err); break;
	case OPT_MAX_CATEGORIES:
		st = ad_cli_parse_u64("--max-categories", arg, 1,
		    AD_FEATURIZE_MAX_CATEGORIES_LIMIT, &o->max_categories, err);
		break;
	case OPT_MEMORY:
		st = ad_cli_parse_u64("--memory", arg, 0, AD_FEATURIZE_MEMORY_LIMIT,
		    &o->memory, err);
		o->memory_set = 1;
		break;
	case OPT_ONEHOT:
		st = names("--onehot", arg, &o->onehot, &o->n_onehot, err);
		break;
	case OPT_ROLLING:
		st = numbers("--rolling", arg, &a->windows, NULL, &o->n_windows,
		    err);
		o->windows = a->windows;
		break;
	case OPT_SCALE:
		st = ad_featurize_parse_scale(arg, &a->scale, &a->n_scale, err);
		break;
	case OPT_SELECT:
		st = names("--select", arg, &o->select, &o->n_select, err);
		break;
	case OPT_SORT: o->sort = 1; break;
	case OPT_TIME: o->time = arg; break;
	}
	return st;
}

static void summarize(const struct args *a,
    const struct ad_featurize_result *r)
{
	if (a->quiet)
		return;
	if (r->unseen)
		ad_cli_note(prog, "%llu cell(s) held categories not seen when "
		    "fitting (first in column \"%s\"); they count as other, "
		    "frequency 0", (unsigned long long)r->unseen,
		    r->unseen_column);
	if (r->constant)
		ad_cli_note(prog, "%zu scaled column(s) are constant (\"%s\"); "
		    "they are only centred", r->constant, r->constant_column);
	if (r->empty)
		ad_cli_note(prog, "%zu scaled column(s) had no values to fit "
		    "(\"%s\"); their values stay missing", r->empty,
		    r->empty_column);
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_featurize_result res;
	struct ad_error err;
	int c, code;

	memset(&a, 0, sizeof a);
	ad_error_clear(&err);
	ad_cli_init();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:F:hi:no:qr:s:V", longopts,
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
	if (optind < argc) {
		if (a.o.in.path != NULL || optind + 1 < argc) {
			ad_error_set(&err, AD_EUSAGE, "give one input, as -i FILE "
			    "or FILE");
			goto usage;
		}
		a.o.in.path = argv[optind];
	}
	if (a.o.save_path != NULL && a.o.restore_path != NULL) {
		ad_error_set(&err, AD_EUSAGE, "--save and --restore cannot be "
		    "combined");
		goto usage;
	}
	a.o.scale = a.scale;
	a.o.n_scale = a.n_scale;
	if (ad_featurize_run(&a.o, &res, &err) != AD_OK) {
		if (err.code == AD_EUSAGE)
			goto usage;
		code = ad_cli_report(prog, &err);
		args_free(&a);
		return code;
	}
	summarize(&a, &res);
	args_free(&a);
	return AD_EXIT_OK;
usage:
	args_free(&a);
	return ad_cli_usage_error(prog, usage_line, "%s", err.msg);
}
