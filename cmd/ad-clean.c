/* ad-clean: options and wiring; the work is in lib/run/clean.c. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "clean.h"
#include "cli.h"

enum {
	OPT_DEDUPE = CHAR_MAX + 1,
	OPT_DROP,
	OPT_DROP_MISSING,
	OPT_IMPUTE,
	OPT_INFER_ROWS,
	OPT_MAX_REJECTS,
	OPT_NA,
	OPT_PROM,
	OPT_REJECTS,
	OPT_REPORT,
	OPT_SCHEMA,
	OPT_SELECT,
	OPT_STRICT
};

static const struct ad_cli_opt opts[] = {
	AD_CLI_HEADING("Cleaning:"),
	AD_CLI_OPT("schema", OPT_SCHEMA, "FILE", AD_KFP_IN_ARTIFACT, NULL,
	    "column types from a CSV with columns column,type"),
	AD_CLI_OPT("infer-rows", OPT_INFER_ROWS, "N", AD_KFP_INTEGER, "1000",
	    "rows examined to infer types"),
	AD_CLI_OPT("na", OPT_NA, "LIST", AD_KFP_STRING, NULL, "tokens read as "
	    "missing (default: empty,NA,N/A,NaN,nan,null,NULL)"),
	AD_CLI_OPT("strict", OPT_STRICT, NULL, AD_KFP_BOOLEAN, NULL,
	    "a numeric cell that does not parse is an error"),
	AD_CLI_OPT_REJECTS(OPT_REJECTS),
	AD_CLI_OPT("max-rejects", OPT_MAX_REJECTS, "N", AD_KFP_INTEGER, NULL,
	    "fail when more than N rows are rejected"),
	AD_CLI_OPT("impute", OPT_IMPUTE, "SPEC", AD_KFP_STRING, NULL,
	    "fill missing cells: mean, median, mode, zero, none or a value, for "
	    "all columns or COL=METHOD,... (repeatable; named columns "
	    "override)"),
	AD_CLI_OPT("drop-missing", OPT_DROP_MISSING, NULL, AD_KFP_BOOLEAN, NULL,
	    "drop rows still missing a value"),
	AD_CLI_OPT("dedupe", OPT_DEDUPE, NULL, AD_KFP_BOOLEAN, NULL,
	    "drop exact duplicate rows"),
	AD_CLI_OPT("select", OPT_SELECT, "COLS", AD_KFP_STRING, NULL,
	    "keep only these columns, in this order"),
	AD_CLI_OPT("drop", OPT_DROP, "COLS", AD_KFP_STRING, NULL,
	    "remove these columns"),
	{ "save", 's', "PARAMS", AD_KFP_OUT_ARTIFACT, NULL,
	    "write what was learned (types, fills) to PARAMS",
	    .kfp_name = "params", .kfp_unless = 'r' },
	AD_CLI_OPT("restore", 'r', "PARAMS", AD_KFP_IN_ARTIFACT, NULL,
	    "clean exactly as the run that saved PARAMS"),
	AD_CLI_OPT("report", OPT_REPORT, "FILE", AD_KFP_OUT_ARTIFACT, NULL,
	    "write a JSON data-quality report"),
	AD_CLI_OPT("prom", OPT_PROM, "FILE", AD_KFP_OUT_ARTIFACT, NULL,
	    "write Prometheus textfile metrics"),
	AD_CLI_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	AD_CLI_OPT_OUTPUT_ROWS,
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT_FORMAT_ROWS,
	AD_CLI_OPT("quiet", 'q', NULL, AD_KFP_NONE, NULL,
	    "no summary of rejected or invalid data on stderr"),
};

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
	.opts = opts,
	.nopts = sizeof opts / sizeof opts[0],
	.footer = "Exit status: 0 success, 2 usage error, 3 bad input data or "
	    "params,\n4 I/O or system error. See ad-clean(1).\n",
};

struct args {
	struct ad_clean_opts o;
	struct ad_impute_spec *impute;
	size_t n_impute;
	char **na;
	size_t n_na;
	int quiet;
};

static void args_free(struct args *a)
{
	ad_clean_free_impute(a->impute, a->n_impute);
	ad_cli_free_list(a->na, a->n_na);
	ad_cli_free_list(a->o.select, a->o.n_select);
	ad_cli_free_list(a->o.drop, a->o.n_drop);
}

/* Handles one option; returns AD_OK, or AD_EUSAGE with err set. */
static enum ad_status take(void *ctx, int c, const char *arg,
    struct ad_error *err)
{
	struct args *a = ctx;
	struct ad_clean_opts *o = &a->o;
	uint64_t n;
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
	case OPT_DEDUPE: o->dedupe = 1; break;
	case OPT_DROP:
		ad_cli_free_list(o->drop, o->n_drop);
		o->drop = NULL;
		st = ad_cli_split_list("--drop", arg, 0, &o->drop, &o->n_drop, err);
		break;
	case OPT_DROP_MISSING: o->drop_missing = 1; break;
	case OPT_IMPUTE:
		st = ad_clean_parse_impute(arg, &a->impute, &a->n_impute, err);
		break;
	case OPT_INFER_ROWS:
		st = ad_cli_parse_u64("--infer-rows", arg, 1, 100000000, &n, err);
		o->in.infer_rows = (size_t)n;
		break;
	case OPT_MAX_REJECTS:
		st = ad_cli_parse_u64("--max-rejects", arg, 0, UINT64_MAX,
		    &o->in.max_rejects, err);
		o->in.limit_rejects = 1;
		break;
	case OPT_NA:
		ad_cli_free_list(a->na, a->n_na);
		a->na = NULL;
		st = ad_cli_split_list("--na", arg, 1, &a->na, &a->n_na, err);
		o->in.na = (const char *const *)a->na;
		o->in.n_na = a->n_na;
		break;
	case OPT_PROM: o->prom_path = arg; break;
	case OPT_REJECTS: o->rejects_path = arg; break;
	case OPT_REPORT: o->report_path = arg; break;
	case OPT_SCHEMA: o->schema_path = arg; break;
	case OPT_SELECT:
		ad_cli_free_list(o->select, o->n_select);
		o->select = NULL;
		st = ad_cli_split_list("--select", arg, 0, &o->select,
		    &o->n_select, err);
		break;
	case OPT_STRICT: o->in.strict = 1; break;
	}
	return st;
}

static void summarize(const struct args *a, const struct ad_clean_result *r)
{
	const char *in = a->o.in.path ? a->o.in.path : "<stdin>";

	if (a->quiet)
		return;
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
	if (r->unlearned)
		ad_cli_note(cmd.name, "%zu column(s) had no values to learn a fill "
		    "from (\"%s\"); their missing cells stay missing",
		    r->unlearned, r->unlearned_example);
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
	if ((code = ad_cli_parse(&cmd, argc, argv, take, &a, &first)) >= 0)
		goto out;
	if (ad_cli_one_input(argc, argv, first, &a.o.in.path, &err) != AD_OK)
		goto fail;
	if (a.o.save_path != NULL && a.o.restore_path != NULL) {
		ad_error_set(&err, AD_EUSAGE, "--save and --restore cannot be "
		    "combined");
		goto fail;
	}
	a.o.impute = a.impute;
	a.o.n_impute = a.n_impute;
	if (ad_clean_run(&a.o, &res, &err) != AD_OK)
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
