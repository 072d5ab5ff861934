/* ad-score: options and wiring; the work is in lib/score.c. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "score.h"

static const char *prog = "ad-score";

static const char usage_line[] =
    "usage: ad-score [-nqV] [-d char] [-F csv|bin] [-i file] [-o file] "
    "[options] -m model [file]";

static const char help[] =
    "ad-score: score a CSV or adkit binary stream with a model from ad-train;\n"
    "each row gets a score in [0, 1] (higher is more anomalous) and a 0/1\n"
    "anomaly flag.\n"
    "\n"
    "usage: ad-score [-nqV] [-d char] [-F csv|bin] [-i file] [-o file] "
    "[options] -m model [file]\n"
    "\n"
    "Examples:\n"
    "  ad-score -m servers.model servers.csv > scored.csv\n"
    "  ad-score -m servers.model --keep host,timestamp --explain 2 new.csv\n"
    "  ad-score -m servers.model --inspect\n"
    "\n"
    "Scoring:\n"
    "  -m, --model MODEL     the model file written by ad-train\n"
    "      --keep COLS       write only these input columns, in this order\n"
    "                        (an empty list: none), then the scores\n"
    "      --threshold T     call rows scoring above T anomalies (default:\n"
    "                        the model's threshold)\n"
    "      --explain K       add columns explain_1..explain_K naming the K\n"
    "                        features that isolate each row fastest\n"
    "      --threads N       threads scoring (default: all cores)\n"
    "      --rejects FILE    write rows with the wrong field count here\n"
    "      --inspect         print the model's metadata as JSON and exit\n"
    "\n"
    "Common options:\n"
    "  -i, --input FILE      read FILE (default: standard input, also -)\n"
    "  -o, --output FILE     write FILE, complete or not at all (default: stdout)\n"
    "  -d, --delimiter CHAR  CSV field delimiter (default ,; \"tab\" for tab)\n"
    "  -n, --no-headers      CSV has no header row; columns are c1..cN\n"
    "  -F, --format FMT      output csv or bin (default: the input's format)\n"
    "  -q, --quiet           no progress and no notes on stderr\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Exit status: 0 success, 2 usage error, 3 bad input data or a model that\n"
    "does not fit it, 4 I/O or system error. See ad-score(1).\n";

enum {
	OPT_EXPLAIN = CHAR_MAX + 1,
	OPT_INSPECT,
	OPT_KEEP,
	OPT_REJECTS,
	OPT_THREADS,
	OPT_THRESHOLD
};

static const struct option longopts[] = {
	{ "delimiter", required_argument, NULL, 'd' },
	{ "explain", required_argument, NULL, OPT_EXPLAIN },
	{ "format", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ "input", required_argument, NULL, 'i' },
	{ "inspect", no_argument, NULL, OPT_INSPECT },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "model", required_argument, NULL, 'm' },
	{ "no-headers", no_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, OPT_REJECTS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
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
	fprintf(stderr, "\r%s: %s %llu\033[K", prog, what,
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
static enum ad_status take(struct args *a, int c, const char *arg,
    struct ad_error *err)
{
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
		/* the model's detector says which range (lib/score.c) */
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
		fprintf(stderr, "\r%s: rows scored %llu\033[K\n", prog,
		    (unsigned long long)r->rows);
	if (a->quiet)
		return;
	if (r->rejected || r->invalid)
		ad_cli_note(prog, "%s: %llu rows scored; %llu rejected (not "
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
	int c, code;

	memset(&a, 0, sizeof a);
	a.o.threads = cores < 1 ? 1 : cores > 256 ? 256 : (unsigned)cores;
	ad_error_clear(&err);
	ad_cli_init();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:F:hi:m:no:qV", longopts,
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
	if (check_inspect(&a.o, &err) != AD_OK)
		goto usage;
	if (!a.quiet && !a.o.inspect && isatty(STDERR_FILENO)) {
		a.o.progress = show_progress;
		a.o.progress_ctx = &a.progress;
	}
	if (ad_score_run(&a.o, &res, &err) != AD_OK) {
		if (a.progress.shown)
			fputc('\n', stderr);
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
