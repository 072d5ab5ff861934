/* ad-score: options and wiring; the work is in lib/run/score.c. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "score.h"

enum {
	OPT_EXPLAIN = CHAR_MAX + 1,
	OPT_INSPECT,
	OPT_KEEP,
	OPT_REJECTS,
	OPT_THREADS,
	OPT_THRESHOLD
};

static const struct ad_cli_opt opts[] = {
	AD_CLI_HEADING("Scoring:"),
	{ "model", 'm', "MODEL", AD_KFP_IN_MODEL, NULL,
	    "the model file written by ad-train", .kfp_required = 1 },
	AD_CLI_OPT("keep", OPT_KEEP, "COLS", AD_KFP_STRING, NULL,
	    "write only these input columns, in this order (an empty list: "
	    "none), then the scores"),
	AD_CLI_OPT("threshold", OPT_THRESHOLD, "T", AD_KFP_FLOAT, NULL,
	    "call rows scoring above T anomalies (default: the model's "
	    "threshold)"),
	AD_CLI_OPT("explain", OPT_EXPLAIN, "K", AD_KFP_INTEGER, NULL,
	    "add columns explain_1..explain_K naming the K features that "
	    "isolate each row fastest"),
	AD_CLI_OPT("threads", OPT_THREADS, "N", AD_KFP_INTEGER, NULL,
	    "threads scoring (default: all cores)"),
	AD_CLI_OPT_REJECTS(OPT_REJECTS),
	AD_CLI_OPT("inspect", OPT_INSPECT, NULL, AD_KFP_NONE, NULL,
	    "print the model's metadata as JSON and exit"),
	AD_CLI_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	AD_CLI_OPT_OUTPUT_ROWS,
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT_FORMAT_ROWS,
	AD_CLI_OPT("quiet", 'q', NULL, AD_KFP_NONE, NULL,
	    "no progress and no notes on stderr"),
};

static const struct ad_cli_cmd cmd = {
	.name = "ad-score",
	.summary = "score a CSV or adkit binary stream with a model from "
	    "ad-train; each row gets a score in [0, 1] (higher is more "
	    "anomalous) and a 0/1 anomaly flag.",
	.usage = "ad-score [-nqV] [-d char] [-F csv|bin] [-i file] [-o file] "
	    "[options] -m model [file]",
	.examples = "Examples:\n"
	    "  ad-score -m servers.model servers.csv > scored.csv\n"
	    "  ad-score -m servers.model --keep host,timestamp --explain 2 "
	    "new.csv\n"
	    "  ad-score -m servers.model --inspect\n",
	.opts = opts,
	.nopts = sizeof opts / sizeof opts[0],
	.footer = "Exit status: 0 success, 2 usage error, 3 bad input data or a "
	    "model that\ndoes not fit it, 4 I/O or system error. See "
	    "ad-score(1).\n",
};

/* Progress on a terminal: one line, rewritten at most five times a second. */
struct progress {
	int shown;
	struct timespec last;
};

static void show_progress(void *ctx, const char *what, uint64_t done,
    uint64_t total)
{
	struct progress *p = ctx;
	struct timespec now;

	(void)total;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p->shown && (now.tv_sec - p->last.tv_sec) * 1000 +
	    (now.tv_nsec - p->last.tv_nsec) / 1000000 < 200)
		return;
	p->last = now;
	p->shown = 1;
	fprintf(stderr, "\r%s: %s %llu\033[K", cmd.name, what,
	    (unsigned long long)done);
}

struct args {
	struct ad_score_opts o;
	int quiet;
	struct progress progress;
};

static void args_free(struct args *a)
{
	ad_cli_free_list(a->o.keep, a->o.n_keep);
}

/* Handles one option; returns AD_OK, or AD_EUSAGE with err set. */
static enum ad_status take(void *ctx, int c, const char *arg,
    struct ad_error *err)
{
	struct args *a = ctx;
	struct ad_score_opts *o = &a->o;
	uint64_t n;
	enum ad_status st = AD_OK;

	switch (c) {
	case 'd': st = ad_cli_parse_delim(arg, &o->in.delim, err); break;
	case 'F':
		st = ad_cli_parse_format(arg, &o->format, err);
		o->format_set = 1;
		break;
	case 'i': o->in.path = arg; break;
	case 'm': o->model_path = arg; break;
	case 'n': o->in.no_header = 1; break;
	case 'o': o->output = arg; break;
	case 'q': a->quiet = 1; break;
	case OPT_EXPLAIN:
		st = ad_cli_parse_u64("--explain", arg, 0, 1048576, &n, err);
		o->explain = (size_t)n;
		break;
	case OPT_INSPECT: o->inspect = 1; break;
	case OPT_KEEP:
		ad_cli_free_list(o->keep, o->n_keep);
		o->keep = NULL;
		st = ad_cli_split_list("--keep", arg, 1, &o->keep, &o->n_keep,
		    err);
		o->keep_set = 1;
		break;
	case OPT_REJECTS: o->rejects_path = arg; break;
	case OPT_THREADS:
		st = ad_cli_parse_u64("--threads", arg, 1, 256, &n, err);
		o->threads = (unsigned)n;
		break;
	case OPT_THRESHOLD:
		/* the model's detector says which range (lib/run/score.c) */
		st = ad_cli_parse_double("--threshold", arg, -DBL_MAX, DBL_MAX,
		    &o->threshold, err);
		o->threshold_set = 1;
		break;
	}
	return st;
}

/* Options that only make sense with data to score. */
static enum ad_status check_inspect(const struct ad_score_opts *o,
    struct ad_error *err)
{
	if (o->model_path == NULL)
		return ad_error_set(err, AD_EUSAGE, "give the model with -m MODEL");
	if (o->inspect && (o->in.path != NULL || o->keep_set || o->explain ||
	    o->threshold_set || o->rejects_path || o->format_set))
		return ad_error_set(err, AD_EUSAGE, "--inspect reads only the "
		    "model: no input or scoring options");
	for (size_t i = 0; o->keep_set && o->n_keep > 1 && i < o->n_keep; i++)
		if (o->keep[i][0] == '\0')
			return ad_error_set(err, AD_EUSAGE, "--keep: empty name");
	return AD_OK;
}

static void summarize(const struct args *a, const struct ad_score_result *r)
{
	const char *in = a->o.in.path ? a->o.in.path : "<stdin>";

	/* the last progress line may have been skipped as too soon */
	if (a->progress.shown)
		fprintf(stderr, "\r%s: rows scored %llu\033[K\n", cmd.name,
		    (unsigned long long)r->rows);
	if (a->quiet)
		return;
	if (r->rejected || r->invalid)
		ad_cli_note(cmd.name, "%s: %llu rows scored; %llu rejected (not "
		    "scored), %llu invalid feature cells (scored as missing)", in,
		    (unsigned long long)r->rows, (unsigned long long)r->rejected,
		    (unsigned long long)r->invalid);
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_score_result res;
	struct ad_error err;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int code, first;

	memset(&a, 0, sizeof a);
	a.o.threads = cores < 1 ? 1 : cores > 256 ? 256 : (unsigned)cores;
	ad_error_clear(&err);
	ad_cli_init();
	if ((code = ad_cli_parse(&cmd, argc, argv, take, &a, &first)) >= 0)
		goto out;
	if (ad_cli_one_input(argc, argv, first, &a.o.in.path, &err) != AD_OK)
		goto fail;
	if (check_inspect(&a.o, &err) != AD_OK)
		goto fail;
	if (!a.quiet && !a.o.inspect && isatty(STDERR_FILENO)) {
		a.o.progress = show_progress;
		a.o.progress_ctx = &a.progress;
	}
	if (ad_score_run(&a.o, &res, &err) != AD_OK) {
		if (a.progress.shown)
			fputc('\n', stderr);
		goto fail;
	}
	summarize(&a, &res);
	code = AD_EXIT_OK;
	goto out;
fail:
	code = ad_cli_fail(&cmd, &err);
out:
	args_free(&a);
	return code;
}
