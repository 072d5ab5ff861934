/* ad-clean: options and wiring; the work is in lib/clean.c. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "clean.h"
#include "cli.h"

static const char *prog = "ad-clean";

static const char usage_line[] =
    "usage: ad-clean [-nqV] [-d char] [-F csv|bin] [-i file] [-o file] "
    "[-r params | -s params] [options] [file]";

static const char help[] =
    "ad-clean: check, type and repair a CSV or adkit binary stream.\n"
    "\n"
    "usage: ad-clean [-nqV] [-d char] [-F csv|bin] [-i file] [-o file] "
    "[-r params | -s params] [options] [file]\n"
    "\n"
    "Examples:\n"
    "  ad-clean --report q.json data.csv > clean.csv\n"
    "  ad-clean --impute median -s clean.params train.csv -o train.clean.csv\n"
    "  ad-clean -r clean.params new.csv | ad-score -m model\n"
    "\n"
    "Cleaning:\n"
    "      --schema FILE     column types from a CSV with columns column,type\n"
    "      --infer-rows N    rows examined to infer types (default 1000)\n"
    "      --na LIST         tokens read as missing (default: empty,NA,N/A,NaN,\n"
    "                        nan,null,NULL)\n"
    "      --strict          a numeric cell that does not parse is an error\n"
    "      --rejects FILE    write rows with the wrong field count here\n"
    "      --max-rejects N   fail when more than N rows are rejected\n"
    "      --impute SPEC     fill missing cells: mean, median, mode, zero, none\n"
    "                        or a value, for all columns or COL=METHOD,...\n"
    "                        (repeatable; named columns override)\n"
    "      --drop-missing    drop rows still missing a value\n"
    "      --dedupe          drop exact duplicate rows\n"
    "      --select COLS     keep only these columns, in this order\n"
    "      --drop COLS       remove these columns\n"
    "  -s, --save PARAMS     write what was learned (types, fills) to PARAMS\n"
    "  -r, --restore PARAMS  clean exactly as the run that saved PARAMS\n"
    "      --report FILE     write a JSON data-quality report\n"
    "      --prom FILE       write Prometheus textfile metrics\n"
    "\n"
    "Common options:\n"
    "  -i, --input FILE      read FILE (default: standard input, also -)\n"
    "  -o, --output FILE     write FILE, complete or not at all (default: stdout)\n"
    "  -d, --delimiter CHAR  CSV field delimiter (default ,; \"tab\" for tab)\n"
    "  -n, --no-headers      CSV has no header row; columns are c1..cN\n"
    "  -F, --format FMT      output csv or bin (default: the input's format)\n"
    "  -q, --quiet           no summary of rejected or invalid data on stderr\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Exit status: 0 success, 2 usage error, 3 bad input data or params,\n"
    "4 I/O or system error. See ad-clean(1).\n";

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

static const struct option longopts[] = {
	{ "dedupe", no_argument, NULL, OPT_DEDUPE },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "drop", required_argument, NULL, OPT_DROP },
	{ "drop-missing", no_argument, NULL, OPT_DROP_MISSING },
	{ "format", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ "impute", required_argument, NULL, OPT_IMPUTE },
	{ "infer-rows", required_argument, NULL, OPT_INFER_ROWS },
	{ "input", required_argument, NULL, 'i' },
	{ "max-rejects", required_argument, NULL, OPT_MAX_REJECTS },
	{ "na", required_argument, NULL, OPT_NA },
	{ "no-headers", no_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "prom", required_argument, NULL, OPT_PROM },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, OPT_REJECTS },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "restore", required_argument, NULL, 'r' },
	{ "save", required_argument, NULL, 's' },
	{ "schema", required_argument, NULL, OPT_SCHEMA },
	{ "select", required_argument, NULL, OPT_SELECT },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
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
static enum ad_status take(struct args *a, int c, const char *arg,
    struct ad_error *err)
{
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
		ad_cli_note(prog, "%s: %llu rows read, %llu written; %llu "
		    "rejected, %llu invalid cells, %llu duplicates, %llu dropped "
		    "for missing values", in, (unsigned long long)r->rows_read,
		    (unsigned long long)r->rows_written,
		    (unsigned long long)r->rows_rejected,
		    (unsigned long long)r->cells_invalid,
		    (unsigned long long)r->rows_duplicate,
		    (unsigned long long)r->rows_dropped_missing);
	if (r->unlearned)
		ad_cli_note(prog, "%zu column(s) had no values to learn a fill "
		    "from (\"%s\"); their missing cells stay missing",
		    r->unlearned, r->unlearned_example);
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_clean_result res;
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
	a.o.impute = a.impute;
	a.o.n_impute = a.n_impute;
	if (ad_clean_run(&a.o, &res, &err) != AD_OK) {
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
	return ad_cli_option_error(prog, usage_line, &err);
}
