/* ad-score: options and wiring; the work is in lib/run/score.c. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "score.h"

/* Progress on a terminal: one line, rewritten at most five times a second. */
struct progress {
	int shown;
	struct timespec last;
};

struct args {
	struct ad_score_opts o;
	struct ad_cli_common c;
	struct progress progress;
};

#define A(field) AD_OPT_AT(struct args, field)

static const struct ad_opt opts[] = {
	AD_OPT_HEADING("Scoring:"),
	{ "model", 'm', "MODEL", AD_OPT_STRING, A(o.model_path),
	    .kfp = AD_KFP_IN_MODEL, .kfp_required = 1,
	    .help = "the model file written by ad-train" },
	{ "keep", 0, "COLS", AD_OPT_LIST_AT(struct args, o.keep, o.n_keep),
	    .flags = AD_OPT_EMPTY_OK,
	    AD_OPT_GIVEN(struct args, o.keep_set), .kfp = AD_KFP_STRING,
	    .help = "write only these input columns, in this order (an empty "
	    "list: none), then the scores" },
	/* the model's detector says which range (lib/run/score.c) */
	{ "threshold", 0, "T", AD_OPT_DOUBLE, A(o.threshold), .dmin = -DBL_MAX,
	    .dmax = DBL_MAX, AD_OPT_GIVEN(struct args, o.threshold_set),
	    .kfp = AD_KFP_FLOAT, .help = "call rows scoring T or more anomalies "
	    "(default: the model's threshold)" },
	{ "calibrated", 0, NULL, AD_OPT_FLAG, A(o.calibrated),
	    .kfp = AD_KFP_BOOLEAN, .help = "write the calibrated score instead: "
	    "the share of training rows scoring lower, in [0, 1] for every "
	    "detector; --threshold is then on that scale" },
	{ "explain", 0, "K", AD_OPT_SIZE, A(o.explain), .umax = 1048576,
	    .kfp = AD_KFP_INTEGER, .help = "add columns explain_1..explain_K "
	    "naming the K features that isolate each row fastest" },
	AD_CLI_OPT_THREADS,
	AD_CLI_OPT_REJECTS,
	{ "inspect", 0, NULL, AD_OPT_FLAG, A(o.inspect), .kfp = AD_KFP_NONE,
	    .help = "print the model's metadata as JSON and exit" },
	{ "strict-lineage", 0, NULL, AD_OPT_FLAG, A(o.strict_lineage),
	    .kfp = AD_KFP_NONE, .help = "exit 3 when the input's features "
	    "were made with other params than the model's (default: a "
	    "warning)" },
	AD_OPT_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	AD_CLI_OPT_OUTPUT_ROWS,
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT_FORMAT_ROWS,
	AD_CLI_OPT_QUIET("no progress and no notes on stderr"),
};

static const struct ad_cli_block blocks[] = { AD_CLI_BLOCK(opts) };

static const struct ad_cli_cmd cmd = {
	.name = "ad-score",
	.summary = "score a CSV or adkit binary stream with a model from "
	    "ad-train; each row gets the detector's score (higher is more "
	    "anomalous) and a 0/1 anomaly flag, 1 from the threshold up. "
	    "Scores range over [0, 1] for iforest, eif and ensembles, "
	    "[0, inf) for autoencoder, zscore, knn, lof, ecod, pca and mcd, "
	    "and any number for ocsvm and hbos: not one scale across "
	    "detectors; --calibrated puts every one on [0, 1] (ad-score(1)).",
	.usage = "ad-score [-nqV] [-d char] [-F csv|bin] [-i file] [-o file] "
	    "[options] -m model [file]",
	.examples = "Examples:\n"
	    "  ad-score -m servers.model servers.csv > scored.csv\n"
	    "  ad-score -m servers.model --keep host,timestamp --explain 2 "
	    "new.csv\n"
	    "  ad-score -m servers.model --inspect\n",
	.blocks = blocks,
	.nblocks = sizeof blocks / sizeof blocks[0],
	.footer = "Exit status: 0 success, 2 usage error, 3 bad input data or a "
	    "model that\ndoes not fit it, 4 I/O or system error. See "
	    "ad-score(1).\n",
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

/* Options that only make sense with data to score. */
static enum ad_status check_inspect(const struct ad_score_opts *o,
    struct ad_error *err)
{
	if (o->model_path == NULL)
		return ad_error_set(err, AD_EUSAGE, "give the model with -m MODEL");
	if (o->inspect && (o->in.path != NULL || o->keep_set || o->explain ||
	    o->threshold_set || o->rejects_path || o->format_set ||
	    o->calibrated))
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
	if (a->c.quiet)
		return;
	if (r->lineage_note[0])
		ad_cli_note(cmd.name, "%s", r->lineage_note);
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
	int code, first;

	memset(&a, 0, sizeof a);
	ad_error_clear(&err);
	ad_cli_init();
	if ((code = ad_cli_parse(&cmd, argc, argv, &a, &a.c, &first)) >= 0)
		goto out;
	if (ad_cli_one_input(argc, argv, first, &a.c.in.path, &err) != AD_OK)
		goto fail;
	a.o.in = a.c.in;
	a.o.threads = a.c.in.threads;
	a.o.output = a.c.output;
	a.o.format = a.c.format;
	a.o.format_set = a.c.format_set;
	a.o.rejects_path = a.c.rejects;
	if (check_inspect(&a.o, &err) != AD_OK)
		goto fail;
	if (!a.c.quiet && !a.o.inspect && isatty(STDERR_FILENO)) {
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
	ad_cli_free(&cmd, &a, &a.c);
	return code;
}
