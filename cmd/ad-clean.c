/* ad-clean: options and wiring; the work is in lib/run/clean.c. */
#include <stdio.h>
#include <string.h>

#include "clean.h"
#include "cli.h"

struct args {
	struct ad_clean_opts o;
	struct ad_cli_common c;
	struct ad_impute_spec *impute;
	size_t n_impute;
	char **na;
	size_t n_na;
	const struct ad_clean_result *res; /* the run's, for the summary */
	int totals_shown;           /* the summary's counts are printed */
};

#define A(field) AD_OPT_AT(struct args, field)

static enum ad_status take_impute(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	struct args *a = opts;

	(void)row;
	return arg == NULL ? AD_OK : ad_clean_parse_impute(arg, &a->impute,
	    &a->n_impute, err);
}

static const struct ad_opt opts[] = {
	AD_OPT_HEADING("Cleaning:"),
	{ "schema", 0, "FILE", AD_OPT_STRING, A(o.schema_path),
	    .kfp = AD_KFP_IN_ARTIFACT,
	    .help = "column types from a CSV with columns column,type" },
	{ "infer-rows", 0, "N", AD_OPT_SIZE, AD_CLI_COMMON(in.infer_rows),
	    .umin = 1, .umax = 100000000, .def = "1000",
	    .flags = AD_OPT_DEF_SHOWN, .kfp = AD_KFP_INTEGER,
	    .help = "rows examined to infer types" },
	{ "na", 0, "LIST", AD_OPT_LIST_AT(struct args, na, n_na),
	    .flags = AD_OPT_EMPTY_OK, .kfp = AD_KFP_STRING,
	    .help = "tokens read as missing (default: empty,NA,N/A,NaN,nan,null,"
	    "NULL)" },
	{ "strict", 0, NULL, AD_OPT_FLAG, AD_CLI_COMMON(in.strict),
	    .kfp = AD_KFP_BOOLEAN,
	    .help = "a numeric cell that does not parse is an error" },
	AD_CLI_OPT_REJECTS,
	{ "max-rejects", 0, "N", AD_OPT_U64, AD_CLI_COMMON(in.max_rejects),
	    AD_OPT_GIVEN(struct ad_cli_common, in.limit_rejects),
	    .umax = UINT64_MAX, .kfp = AD_KFP_INTEGER,
	    .help = "fail when more than N rows are rejected" },
	{ "impute", 0, "SPEC", AD_OPT_CUSTOM, .hook = take_impute,
	    .kfp = AD_KFP_STRING,
	    .help = "fill missing cells: mean, median, mode, zero, none or a "
	    "value, for all columns or COL=METHOD,... (repeatable; named "
	    "columns override)" },
	{ "drop-missing", 0, NULL, AD_OPT_FLAG, A(o.drop_missing),
	    .kfp = AD_KFP_BOOLEAN, .help = "drop rows still missing a value" },
	{ "dedupe", 0, NULL, AD_OPT_FLAG, A(o.dedupe), .kfp = AD_KFP_BOOLEAN,
	    .help = "drop exact duplicate rows" },
	{ "select", 0, "COLS",
	    AD_OPT_LIST_AT(struct args, o.select, o.n_select),
	    .kfp = AD_KFP_STRING,
	    .help = "keep only these columns, in this order" },
	{ "drop", 0, "COLS", AD_OPT_LIST_AT(struct args, o.drop, o.n_drop),
	    .kfp = AD_KFP_STRING,
	    .help = "remove these columns" },
	{ "save", 's', "PARAMS", AD_OPT_STRING, A(o.save_path),
	    .kfp = AD_KFP_OUT_ARTIFACT, .kfp_name = "params",
	    .kfp_unless = "restore", .kfp_instead = "applied",
	    .help = "write what was learned (types, fills) to PARAMS" },
	{ "restore", 'r', "PARAMS", AD_OPT_STRING, A(o.restore_path),
	    .kfp = AD_KFP_IN_ARTIFACT,
	    .help = "clean exactly as the run that saved PARAMS" },
	{ "applied", 0, "FILE", AD_OPT_STRING, A(o.applied_path),
	    .help = "with --restore: copy the params applied to FILE" },
	{ "report", 0, "FILE", AD_OPT_STRING, A(o.report_path),
	    .kfp = AD_KFP_OUT_ARTIFACT, .help = "write a JSON data-quality report" },
	{ "prom", 0, "FILE", AD_OPT_STRING, A(o.prom_path),
	    .kfp = AD_KFP_OUT_ARTIFACT, .help = "write Prometheus textfile metrics" },
	AD_OPT_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	AD_CLI_OPT_OUTPUT_ROWS,
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT_THREADS,
	AD_CLI_OPT_FORMAT_ROWS,
	AD_CLI_OPT_QUIET("no summary of rejected or invalid data on stderr"),
};

static const struct ad_cli_block blocks[] = { AD_CLI_BLOCK(opts) };

static const struct ad_cli_cmd cmd = {
	.name = "ad-clean",
	.summary = "check, type and repair a CSV or adkit binary stream.",
	.usage = "ad-clean [-nqV] [-d char] [-F csv|bin] [-i file] [-o file] "
	    "[-r params | -s params] [options] [file]",
	.examples = "Examples:\n"
	    "  ad-clean --report q.json data.csv > clean.csv\n"
	    "  ad-clean --impute median -s clean.params train.csv -o "
	    "train.clean.csv\n"
	    "  ad-clean -r clean.params new.csv | ad-score -m model\n",
	.blocks = blocks,
	.nblocks = sizeof blocks / sizeof blocks[0],
	.footer = "Exit status: 0 success, 2 usage error, 3 bad input data or "
	    "params,\n4 I/O or system error. See ad-clean(1).\n",
};

/* The summary's counts, once. */
static void show_totals(struct args *a, const struct ad_clean_result *r)
{
	const char *in = a->o.in.path ? a->o.in.path : "<stdin>";

	if (a->totals_shown)
		return;
	a->totals_shown = 1;
	if (r->rows_rejected || r->cells_invalid || r->rows_duplicate ||
	    r->rows_dropped_missing)
		ad_cli_note(cmd.name, "%s: %llu rows read, %llu written; %llu "
		    "rejected, %llu invalid cells, %llu duplicates, %llu dropped "
		    "for missing values", in, (unsigned long long)r->rows_read,
		    (unsigned long long)r->rows_written,
		    (unsigned long long)r->rows_rejected,
		    (unsigned long long)r->cells_invalid,
		    (unsigned long long)r->rows_duplicate,
		    (unsigned long long)r->rows_dropped_missing);
}

static void summarize(struct args *a, const struct ad_clean_result *r)
{
	if (a->c.quiet)
		return;
	show_totals(a, r);
	if (r->unlearned)
		ad_cli_note(cmd.name, "%zu column(s) had no values to learn a fill "
		    "from (\"%s\"); their missing cells stay missing",
		    r->unlearned, r->unlearned_example);
}

/* Names a column that lost cells, a few of them, and how to keep them,
 * after the counts. */
static void name_invalid(void *ctx, const char *column, uint64_t cells,
    const char *const *examples, size_t n)
{
	struct args *a = ctx;
	const char *in = a->o.in.path ? a->o.in.path : "<stdin>";
	char list[3 * 200 + 16] = "", ex[200];
	size_t len = 0;

	if (a->c.quiet)
		return;
	show_totals(a, a->res);
	for (size_t i = 0; i < n; i++) {
		ad_error_excerpt(ex, sizeof ex, examples[i], strlen(examples[i]),
		    NULL);
		len += (size_t)snprintf(list + len, sizeof list - len, "%s\"%s\"",
		    i ? ", " : "", ex);
		if (len >= sizeof list)
			break;
	}
	ad_cli_note(cmd.name, "%s: column \"%s\": %llu cell%s made missing, "
	    "not read as %s (%s%s); to keep such cells, give --schema a file "
	    "with the line \"%s,text\"", in, column, (unsigned long long)cells,
	    cells == 1 ? "" : "s", cells == 1 ? "a number" : "numbers",
	    cells > n ? "such as " : "", list, column);
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_clean_result res;
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
	a.o.in.na = (const char *const *)a.na;
	a.o.in.n_na = a.n_na;
	a.o.output = a.c.output;
	a.o.format = a.c.format;
	a.o.format_set = a.c.format_set;
	a.o.rejects_path = a.c.rejects;
	a.o.impute = a.impute;
	a.o.n_impute = a.n_impute;
	a.o.invalid_named = name_invalid;
	a.o.invalid_ctx = &a;
	a.res = &res;
	if (ad_clean_run(&a.o, &res, &err) != AD_OK)
		goto fail;
	summarize(&a, &res);
	code = AD_EXIT_OK;
	goto out;
fail:
	code = ad_cli_fail(&cmd, &err);
out:
	ad_clean_free_impute(a.impute, a.n_impute);
	ad_cli_free(&cmd, &a, &a.c);
	return code;
}
