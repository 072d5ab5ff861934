/* ad-train: options and wiring; the work is in lib/train.c. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "iforest.h"
#include "train.h"

enum {
	OPT_CONTAMINATION = CHAR_MAX + 1,
	OPT_EXTENSION_LEVEL,
	OPT_FEATURES,
	OPT_IGNORE,
	OPT_LABEL,
	OPT_MERGE,
	OPT_REJECTS,
	OPT_SAMPLE_SIZE,
	OPT_SEED,
	OPT_THREADS,
	OPT_TREES
};

/* The component trains only: --merge takes any number of models as
 * operands, which a component cannot declare. */
static const struct ad_cli_opt opts[] = {
	AD_CLI_HEADING("Training:"),
	AD_CLI_OPT("algorithm", 'a', "ALG", AD_KFP_STRING, NULL,
	    "iforest (default) or eif (Extended Isolation Forest)"),
	AD_CLI_OPT("trees", OPT_TREES, "N", AD_KFP_INTEGER, "100",
	    "trees in the forest"),
	AD_CLI_OPT("sample-size", OPT_SAMPLE_SIZE, "N", AD_KFP_INTEGER, NULL,
	    "rows each tree is grown on (default 256, or all rows if fewer)"),
	AD_CLI_OPT("extension-level", OPT_EXTENSION_LEVEL, "N", AD_KFP_INTEGER,
	    NULL, "eif: features per split, minus one (default: all features, "
	    "minus one)"),
	AD_CLI_OPT("contamination", OPT_CONTAMINATION, "C", AD_KFP_STRING, NULL,
	    "auto (default: threshold 0.5) or the share of training rows to "
	    "call anomalous, up to 0.5"),
	AD_CLI_OPT("seed", OPT_SEED, "N", AD_KFP_INTEGER, "0",
	    "seed of the random choices"),
	AD_CLI_OPT("threads", OPT_THREADS, "N", AD_KFP_INTEGER, NULL,
	    "threads growing trees (default: all cores)"),
	AD_CLI_HEADING("Features (default: every numeric column):"),
	AD_CLI_OPT("label", OPT_LABEL, "COL", AD_KFP_STRING, NULL,
	    "the label column, never a feature"),
	AD_CLI_OPT("ignore", OPT_IGNORE, "COLS", AD_KFP_STRING, NULL,
	    "columns that are not features"),
	AD_CLI_OPT("features", OPT_FEATURES, "COLS", AD_KFP_STRING, NULL,
	    "exactly these features, in this order"),
	AD_CLI_OPT_REJECTS(OPT_REJECTS),
	AD_CLI_HEADING("Merging:"),
	AD_CLI_OPT("merge", OPT_MERGE, NULL, AD_KFP_NONE, NULL,
	    "the operands are models trained on shards of one data set: write "
	    "one model with all their trees"),
	AD_CLI_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	{ "output", 'o', "MODEL", AD_KFP_OUT_MODEL, NULL,
	    "write the model to MODEL, complete or not at all (default: "
	    "standard output)", .kfp_name = "model" },
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT("quiet", 'q', NULL, AD_KFP_NONE, NULL,
	    "no progress and no notes on stderr"),
};

static const struct ad_cli_cmd cmd = {
	.name = "ad-train",
	.summary = "train an anomaly detector (Isolation Forest) on a CSV or "
	    "adkit binary stream and save it as a model file.",
	.usage = "ad-train [-nqV] [-a iforest|eif] [-d char] [-i file] "
	    "[-o model] [options] [file | --merge model ...]",
	.examples = "Examples:\n"
	    "  ad-train --label label -o servers.model servers.csv\n"
	    "  ad-clean -r clean.params -F bin new.csv | ad-train --seed 7 -o "
	    "m.model\n"
	    "  ad-train --merge shard1.model shard2.model -o all.model\n",
	.opts = opts,
	.nopts = sizeof opts / sizeof opts[0],
	.footer = "Exit status: 0 success, 2 usage error, 3 bad input data or "
	    "models that\ncannot be merged, 4 I/O or system error. See "
	    "ad-train(1).\n",
	.column = 26,
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

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p->shown && done != total && (now.tv_sec - p->last.tv_sec) * 1000 +
	    (now.tv_nsec - p->last.tv_nsec) / 1000000 < 200)
		return;
	p->last = now;
	p->shown = 1;
	if (total > 0)
		fprintf(stderr, "\r%s: %s %llu of %llu\033[K", cmd.name, what,
		    (unsigned long long)done, (unsigned long long)total);
	else
		fprintf(stderr, "\r%s: %s %llu\033[K", cmd.name, what,
		    (unsigned long long)done);
}

struct args {
	struct ad_train_opts o;
	int quiet, merge;
	char training_opt[32];      /* an option --merge cannot take, or "" */
	struct progress progress;
};

static void args_free(struct args *a)
{
	ad_cli_free_list(a->o.ignore, a->o.n_ignore);
	ad_cli_free_list(a->o.features, a->o.n_features);
}

static enum ad_status parse_algorithm(const char *arg, enum ad_algo *out,
    struct ad_error *err)
{
	if (strcmp(arg, "iforest") == 0)
		*out = AD_ALGO_IFOREST;
	else if (strcmp(arg, "eif") == 0)
		*out = AD_ALGO_EIF;
	else
		return ad_error_set(err, AD_EUSAGE, "--algorithm takes iforest "
		    "or eif, not \"%s\"", arg);
	return AD_OK;
}

static enum ad_status parse_contamination(struct ad_train_opts *o,
    const char *arg, struct ad_error *err)
{
	o->contamination_auto = strcmp(arg, "auto") == 0;
	if (o->contamination_auto)
		return AD_OK;
	if (ad_cli_parse_double("--contamination", arg, 0, 0.5,
	    &o->contamination, err) != AD_OK)
		return AD_EUSAGE;
	if (o->contamination == 0)
		return ad_error_set(err, AD_EUSAGE, "--contamination must be "
		    "auto or above 0, not %s", arg);
	return AD_OK;
}

/* Remembers the first option given that --merge cannot take. */
static void note_training_opt(struct args *a, int c)
{
	if (c == 'o' || c == 'q' || c == OPT_MERGE || a->training_opt[0])
		return;
	snprintf(a->training_opt, sizeof a->training_opt, "--%s",
	    ad_cli_opt_name(&cmd, c));
}

/* Handles one option; returns AD_OK, or AD_EUSAGE with err set. */
static enum ad_status take(void *ctx, int c, const char *arg,
    struct ad_error *err)
{
	struct args *a = ctx;
	struct ad_train_opts *o = &a->o;
	uint64_t n;
	enum ad_status st = AD_OK;

	note_training_opt(a, c);

	switch (c) {
	case 'a': st = parse_algorithm(arg, &o->algo, err); break;
	case 'd': st = ad_cli_parse_delim(arg, &o->in.delim, err); break;
	case 'i': o->in.path = arg; break;
	case 'n': o->in.no_header = 1; break;
	case 'o': o->output = arg; break;
	case 'q': a->quiet = 1; break;
	case OPT_CONTAMINATION: st = parse_contamination(o, arg, err); break;
	case OPT_EXTENSION_LEVEL:
		st = ad_cli_parse_u64("--extension-level", arg, 0, 1048575,
		    &o->ext_level, err);
		o->ext_level_set = 1;
		break;
	case OPT_FEATURES:
		ad_cli_free_list(o->features, o->n_features);
		o->features = NULL;
		st = ad_cli_split_list("--features", arg, 0, &o->features,
		    &o->n_features, err);
		break;
	case OPT_IGNORE:
		ad_cli_free_list(o->ignore, o->n_ignore);
		o->ignore = NULL;
		st = ad_cli_split_list("--ignore", arg, 0, &o->ignore,
		    &o->n_ignore, err);
		break;
	case OPT_LABEL: o->label = arg; break;
	case OPT_MERGE: a->merge = 1; break;
	case OPT_REJECTS: o->rejects_path = arg; break;
	case OPT_SAMPLE_SIZE:
		st = ad_cli_parse_u64("--sample-size", arg, 2,
		    AD_IFOREST_MAX_SAMPLE, &o->sample_size, err);
		break;
	case OPT_SEED:
		st = ad_cli_parse_u64("--seed", arg, 0, UINT64_MAX, &o->seed, err);
		break;
	case OPT_THREADS:
		st = ad_cli_parse_u64("--threads", arg, 1, 256, &n, err);
		o->threads = (unsigned)n;
		break;
	case OPT_TREES:
		st = ad_cli_parse_u64("--trees", arg, 1, AD_IFOREST_MAX_TREES,
		    &o->trees, err);
		break;
	}
	return st;
}

static void defaults(struct args *a)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	memset(a, 0, sizeof *a);
	a->o.algo = AD_ALGO_IFOREST;
	a->o.trees = 100;
	a->o.sample_size = 256;
	a->o.contamination_auto = 1;
	a->o.threads = cores < 1 ? 1 : cores > 256 ? 256 : (unsigned)cores;
}

static void summarize(const struct args *a, const struct ad_train_result *r)
{
	const char *in = a->o.in.path ? a->o.in.path : "<stdin>";

	if (a->progress.shown)
		fputc('\n', stderr);
	if (a->quiet)
		return;
	if (r->rejected || r->invalid)
		ad_cli_note(cmd.name, "%s: %llu rows trained on; %llu rejected, %llu "
		    "invalid feature cells (taken as missing)", in,
		    (unsigned long long)r->rows, (unsigned long long)r->rejected,
		    (unsigned long long)r->invalid);
	if (r->same_seed != NULL)
		ad_cli_note(cmd.name, "%s was trained with the same seed as an "
		    "earlier model: their trees are correlated (give each shard "
		    "its own --seed)", r->same_seed);
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_train_result res;
	struct ad_error err;
	int code, first;

	defaults(&a);
	ad_error_clear(&err);
	ad_cli_init();
	if ((code = ad_cli_parse(&cmd, argc, argv, take, &a, &first)) >= 0)
		goto out;
	if (a.merge) {
		if (a.training_opt[0]) {
			ad_error_set(&err, AD_EUSAGE, "--merge takes model files, "
			    "-o and -q only, not %s", a.training_opt);
			goto fail;
		}
		a.o.merge = (const char *const *)argv + first;
		a.o.n_merge = (size_t)(argc - first);
		if (a.o.n_merge < 2) {
			ad_error_set(&err, AD_EUSAGE, "--merge needs at least two "
			    "model files");
			goto fail;
		}
	} else if (first < argc) {
		if (a.o.in.path != NULL || first + 1 < argc) {
			ad_error_set(&err, AD_EUSAGE, "give one input, as -i FILE "
			    "or FILE");
			goto fail;
		}
		a.o.in.path = argv[first];
	}
	if ((a.o.output == NULL || strcmp(a.o.output, "-") == 0) &&
	    isatty(STDOUT_FILENO)) {
		ad_error_set(&err, AD_EUSAGE, "a model is binary: write it to a "
		    "file with -o MODEL, or into a pipe");
		goto fail;
	}
	if (!a.quiet && isatty(STDERR_FILENO)) {
		a.o.progress = show_progress;
		a.o.progress_ctx = &a.progress;
	}
	if (ad_train_run(&a.o, &res, &err) != AD_OK) {
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
