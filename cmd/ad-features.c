/* ad-features: options and wiring; the work is in lib/run/featurize.c. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cli.h"
#include "context.h"
#include "featurize.h"

struct args {
	struct ad_featurize_opts o;
	struct ad_cli_common c;
	struct ad_scale_spec *scale;
	size_t n_scale;
	uint64_t *lags, *windows;
	double *alphas;
};

#define A(field) AD_OPT_AT(struct args, field)
#define NAMES(field, n_field) \
	AD_OPT_LIST_AT(struct args, o.field, o.n_field), .kfp = AD_KFP_STRING

static enum ad_status take_scale(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err);
static enum ad_status take_numbers(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err);

static const struct ad_opt opts[] = {
	AD_OPT_HEADING("Numeric columns:"),
	{ "scale", 0, "SPEC", AD_OPT_CUSTOM, .hook = take_scale,
	    .kfp = AD_KFP_STRING, .help = "standard, minmax, robust or none, for "
	    "every numeric column or COL=METHOD,... (repeatable; named columns "
	    "override; default none)" },
	{ "log", 0, "COLS", NAMES(log, n_log),
	    .help = "signed log1p first: sign(x) log(1 + |x|)" },
	AD_OPT_HEADING("Categorical columns:"),
	{ "onehot", 0, "COLS", NAMES(onehot, n_onehot),
	    .help = "one column per frequent category, plus COL=other" },
	{ "max-categories", 0, "K", AD_OPT_U64, A(o.max_categories), .umin = 1,
	    .umax = AD_FEATURIZE_MAX_CATEGORIES_LIMIT, .def = "20",
	    .flags = AD_OPT_DEF_SHOWN, .kfp = AD_KFP_INTEGER,
	    .help = "categories given a column" },
	{ "freq", 0, "COLS", NAMES(freq, n_freq),
	    .help = "COL_freq: the category's share when fitted" },
	AD_OPT_HEADING("Time context:"),
	{ "time", 0, "COL", AD_OPT_STRING, A(o.time), .kfp = AD_KFP_STRING,
	    .help = "ISO-8601 or epoch seconds; rows of a group must not go back "
	    "in time" },
	{ "sort", 0, NULL, AD_OPT_FLAG, A(o.sort), .kfp = AD_KFP_BOOLEAN,
	    .help = "hold the input in memory and sort it by time" },
	{ "group", 0, "COL", AD_OPT_STRING, A(o.group), .kfp = AD_KFP_STRING,
	    .help = "one history per value of COL (a host, say)" },
	{ "context", 0, "COLS", NAMES(context, n_context),
	    .help = "numeric columns that get the features below (default: all)" },
	{ "lags", 0, "LIST", AD_OPT_CUSTOM, .hook = take_numbers,
	    .kfp = AD_KFP_STRING,
	    .help = "COL_lagK: the value K rows back in the group" },
	{ "diff", 0, NULL, AD_OPT_FLAG, A(o.diff), .kfp = AD_KFP_BOOLEAN,
	    .help = "COL_diff: the change since the previous row" },
	{ "rolling", 0, "LIST", AD_OPT_CUSTOM, .hook = take_numbers,
	    .kfp = AD_KFP_STRING,
	    .help = "COL_rollN_{mean,std,min,max,z} over the N rows before" },
	{ "ewm", 0, "LIST", AD_OPT_CUSTOM, .hook = take_numbers,
	    .kfp = AD_KFP_STRING, .help = "COL_ewmA: exponentially weighted mean "
	    "of the rows before, alpha A in (0, 1]" },
	{ "calendar", 0, NULL, AD_OPT_FLAG, A(o.calendar), .kfp = AD_KFP_BOOLEAN,
	    .help = "hour_{sin,cos} and dow_{sin,cos} of the time" },
	AD_OPT_HEADING("Columns:"),
	{ "keep", 0, "COLS", NAMES(keep, n_keep),
	    .help = "pass these through untouched (ids, labels)" },
	{ "select", 0, "COLS", NAMES(select, n_select),
	    .help = "write only these columns' outputs, in this order" },
	{ "drop", 0, "COLS", NAMES(drop, n_drop),
	    .help = "write none of these columns' outputs" },
	{ "save", 's', "PARAMS", AD_OPT_STRING, A(o.save_path),
	    .kfp = AD_KFP_OUT_ARTIFACT, .kfp_name = "params",
	    .kfp_unless = "restore", .kfp_instead = "applied",
	    .help = "write everything fitted to PARAMS" },
	{ "memory", 0, "MIB", AD_OPT_U64, A(o.memory),
	    AD_OPT_GIVEN(struct args, o.memory_set),
	    .umax = AD_FEATURIZE_MEMORY_LIMIT, .def = "256",
	    .flags = AD_OPT_DEF_SHOWN, .kfp = AD_KFP_INTEGER,
	    .help = "while fitting, hold this much of the input in memory, then "
	    "spill to TMPDIR (a binary file is read twice instead)" },
	{ "restore", 'r', "PARAMS", AD_OPT_STRING, A(o.restore_path),
	    .kfp = AD_KFP_IN_ARTIFACT,
	    .help = "transform exactly as the run that saved PARAMS" },
	{ "applied", 0, "FILE", AD_OPT_STRING, A(o.applied_path),
	    .help = "with --restore: copy the params applied to FILE" },
	AD_OPT_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	AD_CLI_OPT_OUTPUT_ROWS,
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT_THREADS,
	AD_CLI_OPT_FORMAT_ROWS,
	AD_CLI_OPT_QUIET("no notes on stderr"),
};

static const struct ad_cli_block blocks[] = { AD_CLI_BLOCK(opts) };

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
	.blocks = blocks,
	.nblocks = sizeof blocks / sizeof blocks[0],
	.footer = "Exit status: 0 success, 2 usage error, 3 bad input data or "
	    "params,\n4 I/O or system error. See ad-features(1).\n",
};

/* Parses a list of whole numbers from 1 to AD_CONTEXT_MAX_SPAN, or of
 * alphas in (0, 1] when out_d is given. */
static enum ad_status numbers(const char *opt, const char *arg,
    uint64_t **out_u, double **out_d, size_t *n, struct ad_error *err)
{
	char **items = NULL;
	size_t k = 0;
	enum ad_status st = ad_opt_split_list(opt, arg, 0, &items, &k, err);
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
			st = ad_opt_parse_u64(opt, items[i], 1, AD_CONTEXT_MAX_SPAN,
			    &u[i], err);
		else
			st = ad_opt_parse_double_above(opt, items[i], 0, 1, &d[i],
			    err);
	}
out:
	ad_opt_free_list(items, k);
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

static enum ad_status take_scale(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	struct args *a = opts;

	(void)row;
	return arg == NULL ? AD_OK : ad_featurize_parse_scale(arg, &a->scale,
	    &a->n_scale, err);
}

/* --lags and --rolling: whole numbers; --ewm: alphas. */
static enum ad_status take_numbers(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	struct args *a = opts;
	struct ad_featurize_opts *o = &a->o;
	char opt[32];

	if (arg == NULL)
		return AD_OK;
	snprintf(opt, sizeof opt, "--%s", row->name);
	if (strcmp(row->name, "lags") == 0)
		return numbers(opt, arg, &a->lags, NULL, &o->n_lags, err);
	if (strcmp(row->name, "rolling") == 0)
		return numbers(opt, arg, &a->windows, NULL, &o->n_windows, err);
	return numbers(opt, arg, NULL, &a->alphas, &o->n_alphas, err);
}

static void summarize(const struct args *a,
    const struct ad_featurize_result *r)
{
	if (a->c.quiet)
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
	if ((code = ad_cli_parse(&cmd, argc, argv, &a, &a.c, &first)) >= 0)
		goto out;
	if (ad_cli_one_input(argc, argv, first, &a.c.in.path, &err) != AD_OK)
		goto fail;
	a.o.in = a.c.in;
	a.o.output = a.c.output;
	a.o.format = a.c.format;
	a.o.format_set = a.c.format_set;
	a.o.scale = a.scale;
	a.o.n_scale = a.n_scale;
	a.o.lags = a.lags;
	a.o.windows = a.windows;
	a.o.alphas = a.alphas;
	if (ad_featurize_run(&a.o, &res, &err) != AD_OK)
		goto fail;
	summarize(&a, &res);
	code = AD_EXIT_OK;
	goto out;
fail:
	code = ad_cli_fail(&cmd, &err);
out:
	ad_featurize_free_scale(a.scale, a.n_scale);
	ad_free(a.lags);
	ad_free(a.windows);
	ad_free(a.alphas);
	ad_cli_free(&cmd, &a, &a.c);
	return code;
}
