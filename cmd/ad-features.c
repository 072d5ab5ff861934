/* ad-features: options and wiring; the work is in lib/run/featurize.c. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cli.h"
#include "context.h"
#include "featurize.h"

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

static const struct ad_cli_opt opts[] = {
	AD_CLI_HEADING("Numeric columns:"),
	AD_CLI_OPT("scale", OPT_SCALE, "SPEC", AD_KFP_STRING, NULL,
	    "standard, minmax, robust or none, for every numeric column or "
	    "COL=METHOD,... (repeatable; named columns override; default "
	    "none)"),
	AD_CLI_OPT("log", OPT_LOG, "COLS", AD_KFP_STRING, NULL,
	    "signed log1p first: sign(x) log(1 + |x|)"),
	AD_CLI_HEADING("Categorical columns:"),
	AD_CLI_OPT("onehot", OPT_ONEHOT, "COLS", AD_KFP_STRING, NULL,
	    "one column per frequent category, plus COL=other"),
	AD_CLI_OPT("max-categories", OPT_MAX_CATEGORIES, "K", AD_KFP_INTEGER,
	    "20", "categories given a column"),
	AD_CLI_OPT("freq", OPT_FREQ, "COLS", AD_KFP_STRING, NULL,
	    "COL_freq: the category's share when fitted"),
	AD_CLI_HEADING("Time context:"),
	AD_CLI_OPT("time", OPT_TIME, "COL", AD_KFP_STRING, NULL,
	    "ISO-8601 or epoch seconds; rows of a group must not go back in "
	    "time"),
	AD_CLI_OPT("sort", OPT_SORT, NULL, AD_KFP_BOOLEAN, NULL,
	    "hold the input in memory and sort it by time"),
	AD_CLI_OPT("group", OPT_GROUP, "COL", AD_KFP_STRING, NULL,
	    "one history per value of COL (a host, say)"),
	AD_CLI_OPT("context", OPT_CONTEXT, "COLS", AD_KFP_STRING, NULL,
	    "numeric columns that get the features below (default: all)"),
	AD_CLI_OPT("lags", OPT_LAGS, "LIST", AD_KFP_STRING, NULL,
	    "COL_lagK: the value K rows back in the group"),
	AD_CLI_OPT("diff", OPT_DIFF, NULL, AD_KFP_BOOLEAN, NULL,
	    "COL_diff: the change since the previous row"),
	AD_CLI_OPT("rolling", OPT_ROLLING, "LIST", AD_KFP_STRING, NULL,
	    "COL_rollN_{mean,std,min,max,z} over the N rows before"),
	AD_CLI_OPT("ewm", OPT_EWM, "LIST", AD_KFP_STRING, NULL,
	    "COL_ewmA: exponentially weighted mean of the rows before, alpha A "
	    "in (0, 1]"),
	AD_CLI_OPT("calendar", OPT_CALENDAR, NULL, AD_KFP_BOOLEAN, NULL,
	    "hour_{sin,cos} and dow_{sin,cos} of the time"),
	AD_CLI_HEADING("Columns:"),
	AD_CLI_OPT("keep", OPT_KEEP, "COLS", AD_KFP_STRING, NULL,
	    "pass these through untouched (ids, labels)"),
	AD_CLI_OPT("select", OPT_SELECT, "COLS", AD_KFP_STRING, NULL,
	    "write only these columns' outputs, in this order"),
	AD_CLI_OPT("drop", OPT_DROP, "COLS", AD_KFP_STRING, NULL,
	    "write none of these columns' outputs"),
	{ "save", 's', "PARAMS", AD_KFP_OUT_ARTIFACT, NULL,
	    "write everything fitted to PARAMS",
	    .kfp_name = "params", .kfp_unless = 'r' },
	AD_CLI_OPT("memory", OPT_MEMORY, "MIB", AD_KFP_INTEGER, "256",
	    "while fitting, hold this much of the input in memory, then spill "
	    "to TMPDIR (a binary file is read twice instead)"),
	AD_CLI_OPT("restore", 'r', "PARAMS", AD_KFP_IN_ARTIFACT, NULL,
	    "transform exactly as the run that saved PARAMS"),
	AD_CLI_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	AD_CLI_OPT_OUTPUT_ROWS,
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT_FORMAT_ROWS,
	AD_CLI_OPT("quiet", 'q', NULL, AD_KFP_NONE, NULL, "no notes on stderr"),
};

static const struct ad_cli_cmd cmd = {
	.name = "ad-features",
	.summary = "turn clean rows into the numeric features a detector "
	    "learns from.",
	.usage = "ad-features [-nqV] [-d char] [-F csv|bin] [-i file] [-o file] "
	    "[-r params | -s params] [options] [file]",
	.examples = "Examples:\n"
	    "  ad-features --scale standard --keep id,label -s f.params "
	    "train.csv\n"
	    "  ad-features --time timestamp --group host --rolling 12 "
	    "--calendar \\\n"
	    "      --onehot host --keep timestamp,label data.csv\n"
	    "  ad-features -r f.params new.csv | ad-score -m model\n",
	.opts = opts,
	.nopts = sizeof opts / sizeof opts[0],
	.footer = "Exit status: 0 success, 2 usage error, 3 bad input data or "
	    "params,\n4 I/O or system error. See ad-features(1).\n",
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
static enum ad_status take(void *ctx, int c, const char *arg,
    struct ad_error *err)
{
	struct args *a = ctx;
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
		ad_cli_note(cmd.name, "%llu cell(s) held categories not seen when "
		    "fitting (first in column \"%s\"); they count as other, "
		    "frequency 0", (unsigned long long)r->unseen,
		    r->unseen_column);
	if (r->constant)
		ad_cli_note(cmd.name, "%zu scaled column(s) are constant (\"%s\"); "
		    "they are only centred", r->constant, r->constant_column);
	if (r->empty)
		ad_cli_note(cmd.name, "%zu scaled column(s) had no values to fit "
		    "(\"%s\"); their values stay missing", r->empty,
		    r->empty_column);
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_featurize_result res;
	struct ad_error err;
	int code, first;

	memset(&a, 0, sizeof a);
	ad_error_clear(&err);
	ad_cli_init();
	if ((code = ad_cli_parse(&cmd, argc, argv, take, &a, &first)) >= 0)
		goto out;
	if (ad_cli_one_input(argc, argv, first, &a.o.in.path, &err) != AD_OK)
		goto fail;
	if (a.o.save_path != NULL && a.o.restore_path != NULL) {
		ad_error_set(&err, AD_EUSAGE, "--save and --restore cannot be "
		    "combined");
		goto fail;
	}
	a.o.scale = a.scale;
	a.o.n_scale = a.n_scale;
	if (ad_featurize_run(&a.o, &res, &err) != AD_OK)
		goto fail;
	summarize(&a, &res);
	code = AD_EXIT_OK;
	goto out;
fail:
	code = ad_cli_fail(&cmd, &err);
out:
	args_free(&a);
	return code;
}
