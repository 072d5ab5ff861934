/* ad-train: options and wiring; the work is in lib/run/train.c. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autoenc.h"
#include "cli.h"
#include "detector.h"
#include "forest.h"
#include "iforest.h"
#include "ocsvm.h"
#include "train.h"

enum {
	OPT_ACTIVATION = CHAR_MAX + 1,
	OPT_BATCH_SIZE,
	OPT_CACHE_MB,
	OPT_COEF0,
	OPT_CONTAMINATION,
	OPT_DEGREE,
	OPT_DROPOUT,
	OPT_EPOCHS,
	OPT_EXTENSION_LEVEL,
	OPT_FEATURES,
	OPT_GAMMA,
	OPT_HIDDEN,
	OPT_IGNORE,
	OPT_KERNEL,
	OPT_LABEL,
	OPT_LEARNING_RATE,
	OPT_MAX_TRAIN_ROWS,
	OPT_MERGE,
	OPT_NU,
	OPT_PATIENCE,
	OPT_REJECTS,
	OPT_SAMPLE_SIZE,
	OPT_SEED,
	OPT_THREADS,
	OPT_TOL,
	OPT_TREES,
	OPT_VALIDATION_FRACTION,
	OPT_WEIGHT_DECAY
};

/* The component trains only: --merge takes any number of models as
 * operands, which a component cannot declare. */
static const struct ad_cli_opt opts[] = {
	AD_CLI_HEADING("Training:"),
	AD_CLI_OPT("algorithm", 'a', "ALG", AD_KFP_STRING, NULL,
	    "iforest (default), eif (Extended Isolation Forest), ocsvm "
	    "(One-Class SVM, libsvm), autoencoder (OpenBLAS) or zscore "
	    "(largest absolute z-score)"),
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
	AD_CLI_HEADING("One-Class SVM (-a ocsvm; scikit-learn's meanings and "
	    "defaults):"),
	AD_CLI_OPT("kernel", OPT_KERNEL, "K", AD_KFP_STRING, NULL,
	    "rbf (default), linear, poly or sigmoid"),
	AD_CLI_OPT("nu", OPT_NU, "NU", AD_KFP_FLOAT, "0.5",
	    "bound on the share of outliers, in (0, 1]"),
	AD_CLI_OPT("gamma", OPT_GAMMA, "G", AD_KFP_STRING, NULL,
	    "scale (default: 1/(features * variance)), auto (1/features) or "
	    "a number"),
	AD_CLI_OPT("degree", OPT_DEGREE, "N", AD_KFP_INTEGER, "3",
	    "poly: the degree"),
	AD_CLI_OPT("coef0", OPT_COEF0, "C", AD_KFP_FLOAT, "0",
	    "poly, sigmoid: the constant term"),
	AD_CLI_OPT("tol", OPT_TOL, "T", AD_KFP_FLOAT, "0.001",
	    "stopping tolerance"),
	AD_CLI_OPT("cache-mb", OPT_CACHE_MB, "MB", AD_KFP_FLOAT, "200",
	    "libsvm's kernel cache"),
	AD_CLI_OPT("max-train-rows", OPT_MAX_TRAIN_ROWS, "N", AD_KFP_INTEGER,
	    "20000", "train on a uniform sample of N rows when there are more "
	    "(also autoencoder)"),
	AD_CLI_HEADING("Autoencoder (-a autoencoder; inputs are standardized in "
	    "the model):"),
	AD_CLI_OPT("hidden", OPT_HIDDEN, "LIST", AD_KFP_STRING, "64,16,64",
	    "hidden layer widths"),
	AD_CLI_OPT("activation", OPT_ACTIVATION, "F", AD_KFP_STRING, NULL,
	    "relu (default), tanh or sigmoid"),
	AD_CLI_OPT("epochs", OPT_EPOCHS, "N", AD_KFP_INTEGER, "100",
	    "passes over the rows"),
	AD_CLI_OPT("batch-size", OPT_BATCH_SIZE, "N", AD_KFP_INTEGER, "200",
	    "rows per Adam step"),
	AD_CLI_OPT("learning-rate", OPT_LEARNING_RATE, "X", AD_KFP_FLOAT,
	    "0.001", "Adam's step size"),
	AD_CLI_OPT("weight-decay", OPT_WEIGHT_DECAY, "X", AD_KFP_FLOAT,
	    "0.0001", "L2 penalty, scikit-learn's alpha"),
	AD_CLI_OPT("dropout", OPT_DROPOUT, "X", AD_KFP_FLOAT, "0",
	    "share of hidden units dropped"),
	AD_CLI_OPT("validation-fraction", OPT_VALIDATION_FRACTION, "X",
	    AD_KFP_FLOAT, NULL, "rows held out for early stopping (default "
	    "0.1; 0: none)"),
	AD_CLI_OPT("patience", OPT_PATIENCE, "N", AD_KFP_INTEGER, "10",
	    "epochs without a better validation error before stopping"),
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
	.summary = "train an anomaly detector (Isolation Forest, One-Class SVM, "
	    "autoencoder) on a CSV or adkit binary stream and save it as a "
	    "model file.",
	.usage = "ad-train [-nqV] [-a iforest|eif|ocsvm|autoencoder|zscore] "
	    "[-d char] [-i file] [-o model] [options] "
	    "[file | --merge model ...]",
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
	size_t epoch, epochs;       /* the autoencoder's last epoch, or 0 */
	double loss, validation;
};

/* Whether a line was shown less than 200 ms ago (else it starts the next
 * period). */
static int too_soon(struct progress *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p->shown && (now.tv_sec - p->last.tv_sec) * 1000 +
	    (now.tv_nsec - p->last.tv_nsec) / 1000000 < 200)
		return 1;
	p->last = now;
	p->shown = 1;
	return 0;
}

static void print_epoch(const struct progress *p)
{
	fprintf(stderr, "\r%s: epoch %zu of %zu: loss %.6g", cmd.name, p->epoch,
	    p->epochs, p->loss);
	if (!isnan(p->validation))
		fprintf(stderr, ", validation %.6g", p->validation);
	fputs("\033[K", stderr);
}

/* The autoencoder's progress: epoch, training and validation error. */
static void show_epoch(void *ctx, size_t epoch, size_t epochs, double loss,
    double validation)
{
	struct progress *p = ctx;

	p->epoch = epoch;
	p->epochs = epochs;
	p->loss = loss;
	p->validation = validation;
	if (too_soon(p) && epoch != epochs)
		return;
	print_epoch(p);
}

static void show_progress(void *ctx, const char *what, uint64_t done,
    uint64_t total)
{
	struct progress *p = ctx;

	if (too_soon(p) && done != total)
		return;
	if (total > 0)
		fprintf(stderr, "\r%s: %s %llu of %llu\033[K", cmd.name, what,
		    (unsigned long long)done, (unsigned long long)total);
	else
		fprintf(stderr, "\r%s: %s %llu\033[K", cmd.name, what,
		    (unsigned long long)done);
}

struct args {
	struct ad_train_opts o;
	struct ad_forest_opts forest;   /* the detectors' options blocks */
	struct ad_ocsvm_opts ocsvm;
	struct ad_autoenc_opts autoenc;
	int quiet, merge;
	char training_opt[32];      /* an option --merge cannot take, or "" */
	char ocsvm_opt[32];         /* an option only -a ocsvm takes, or "" */
	char forest_opt[32];        /* an option only forests take, or "" */
	char autoenc_opt[32];       /* an option only -a autoencoder takes */
	char rows_opt[32];          /* an option forests do not take, or "" */
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
	const struct ad_detector *d = ad_detector_named(arg);

	if (d == NULL)
		return ad_error_set(err, AD_EUSAGE, "--algorithm takes %s, not "
		    "\"%s\"", ad_detector_names(), arg);
	*out = (enum ad_algo)d->algo;
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

static enum ad_status parse_kernel(const char *arg,
    enum ad_ocsvm_kernel *out, struct ad_error *err)
{
	int k = ad_ocsvm_kernel_named(arg);

	if (k < 0)
		return ad_error_set(err, AD_EUSAGE, "--kernel takes rbf, linear, "
		    "poly or sigmoid, not \"%s\"", arg);
	*out = (enum ad_ocsvm_kernel)k;
	return AD_OK;
}

static enum ad_status parse_gamma(struct ad_ocsvm_opts *o, const char *arg,
    struct ad_error *err)
{
	if (strcmp(arg, "scale") == 0)
		o->gamma_mode = AD_OCSVM_GAMMA_SCALE;
	else if (strcmp(arg, "auto") == 0)
		o->gamma_mode = AD_OCSVM_GAMMA_AUTO;
	else {
		o->gamma_mode = AD_OCSVM_GAMMA_VALUE;
		return ad_cli_parse_double("--gamma", arg, 0, DBL_MAX, &o->gamma,
		    err);
	}
	return AD_OK;
}

/* A number in (0, max] for option opt. */
static enum ad_status parse_positive(const char *opt, const char *arg,
    double max, double *out, struct ad_error *err)
{
	if (ad_cli_parse_double(opt, arg, 0, max, out, err) != AD_OK)
		return AD_EUSAGE;
	if (*out == 0)
		return ad_error_set(err, AD_EUSAGE, "%s must be above 0, not %s",
		    opt, arg);
	return AD_OK;
}

/* Handles a -a ocsvm option; returns AD_OK, or AD_EUSAGE with err set. */
static enum ad_status take_ocsvm(struct ad_ocsvm_opts *o, int c,
    const char *arg, struct ad_error *err)
{
	uint64_t n;
	enum ad_status st = AD_OK;

	switch (c) {
	case OPT_CACHE_MB:
		st = parse_positive("--cache-mb", arg, 1048576, &o->cache_mb, err);
		break;
	case OPT_COEF0:
		st = ad_cli_parse_double("--coef0", arg, -DBL_MAX, DBL_MAX,
		    &o->coef0, err);
		break;
	case OPT_DEGREE:
		st = ad_cli_parse_u64("--degree", arg, 0, AD_OCSVM_MAX_DEGREE, &n,
		    err);
		o->degree = (unsigned)n;
		break;
	case OPT_GAMMA: st = parse_gamma(o, arg, err); break;
	case OPT_KERNEL: st = parse_kernel(arg, &o->kernel, err); break;
	case OPT_NU: st = parse_positive("--nu", arg, 1, &o->nu, err); break;
	case OPT_TOL: st = parse_positive("--tol", arg, DBL_MAX, &o->tol, err);
		break;
	}
	return st;
}

/* A whole number option of the autoencoder, 1..1000000. */
static enum ad_status parse_count(const char *opt, const char *arg,
    size_t *out, struct ad_error *err)
{
	uint64_t n;
	enum ad_status st = ad_cli_parse_u64(opt, arg, 1, 1000000, &n, err);

	*out = (size_t)n;
	return st;
}

/* A share of the autoencoder, at least 0 and below 1. */
static enum ad_status parse_share(const char *opt, const char *arg,
    double *out, struct ad_error *err)
{
	if (ad_cli_parse_double(opt, arg, 0, 1, out, err) != AD_OK || *out == 1)
		return ad_error_set(err, AD_EUSAGE, "%s must be at least 0 and "
		    "below 1, not \"%s\"", opt, arg);
	return AD_OK;
}

/* Handles an autoencoder option; returns AD_OK, or AD_EUSAGE with err set. */
static enum ad_status take_autoenc(struct ad_autoenc_opts *a, int c,
    const char *arg, struct ad_error *err)
{
	struct ad_autoenc_params *p = &a->params;

	a->set = 1;
	switch (c) {
	case OPT_ACTIVATION:
		if (ad_autoenc_act_parse(arg, &p->act) != 0)
			return ad_error_set(err, AD_EUSAGE, "--activation takes "
			    "relu|tanh|sigmoid, not \"%s\"", arg);
		return AD_OK;
	case OPT_BATCH_SIZE:
		return parse_count("--batch-size", arg, &p->batch_size, err);
	case OPT_DROPOUT:
		return parse_share("--dropout", arg, &p->dropout, err);
	case OPT_EPOCHS:
		return parse_count("--epochs", arg, &p->epochs, err);
	case OPT_HIDDEN:
		if (ad_autoenc_parse_hidden(arg, p) != 0)
			return ad_error_set(err, AD_EUSAGE, "--hidden takes 1 to %d "
			    "widths of 1 to %d, separated by commas, not \"%s\"",
			    AD_AUTOENC_MAX_HIDDEN, AD_AUTOENC_MAX_WIDTH, arg);
		return AD_OK;
	case OPT_LEARNING_RATE:
		if (ad_cli_parse_double("--learning-rate", arg, 0, 10,
		    &p->learning_rate, err) != AD_OK || p->learning_rate == 0)
			return ad_error_set(err, AD_EUSAGE, "--learning-rate must be "
			    "above 0 and at most 10, not \"%s\"", arg);
		return AD_OK;
	case OPT_PATIENCE:
		return parse_count("--patience", arg, &p->patience, err);
	case OPT_VALIDATION_FRACTION:
		return parse_share("--validation-fraction", arg,
		    &p->validation_fraction, err);
	case OPT_WEIGHT_DECAY:
		return ad_cli_parse_double("--weight-decay", arg, 0, 1e6,
		    &p->weight_decay, err);
	}
	return AD_OK;
}

static void note(char *first, size_t cap, int c)
{
	if (first[0] == '\0')
		snprintf(first, cap, "--%s", ad_cli_opt_name(&cmd, c));
}

/* Remembers the first option given that --merge cannot take, and the
 * first that only some algorithms take. */
static void note_training_opt(struct args *a, int c)
{
	if (c == 'o' || c == 'q' || c == OPT_MERGE)
		return;
	note(a->training_opt, sizeof a->training_opt, c);
	switch (c) {
	case OPT_CACHE_MB: case OPT_COEF0: case OPT_DEGREE: case OPT_GAMMA:
	case OPT_KERNEL: case OPT_NU: case OPT_TOL:
		note(a->ocsvm_opt, sizeof a->ocsvm_opt, c);
		break;
	case OPT_MAX_TRAIN_ROWS:
		note(a->rows_opt, sizeof a->rows_opt, c);
		break;
	case OPT_SAMPLE_SIZE: case OPT_TREES:
		note(a->forest_opt, sizeof a->forest_opt, c);
		break;
	case OPT_ACTIVATION: case OPT_BATCH_SIZE: case OPT_DROPOUT:
	case OPT_EPOCHS: case OPT_HIDDEN: case OPT_LEARNING_RATE:
	case OPT_PATIENCE: case OPT_VALIDATION_FRACTION: case OPT_WEIGHT_DECAY:
		note(a->autoenc_opt, sizeof a->autoenc_opt, c);
		break;
	}
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
		    &a->forest.ext_level, err);
		a->forest.ext_level_set = 1;
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
	case OPT_CACHE_MB: case OPT_COEF0: case OPT_DEGREE: case OPT_GAMMA:
	case OPT_KERNEL: case OPT_NU: case OPT_TOL:
		st = take_ocsvm(&a->ocsvm, c, arg, err);
		break;
	case OPT_ACTIVATION: case OPT_BATCH_SIZE: case OPT_DROPOUT:
	case OPT_EPOCHS: case OPT_HIDDEN: case OPT_LEARNING_RATE:
	case OPT_PATIENCE: case OPT_VALIDATION_FRACTION: case OPT_WEIGHT_DECAY:
		st = take_autoenc(&a->autoenc, c, arg, err);
		break;
	case OPT_LABEL: o->label = arg; break;
	case OPT_MAX_TRAIN_ROWS:
		st = ad_cli_parse_u64("--max-train-rows", arg, 2, INT32_MAX,
		    &o->max_train_rows, err);
		break;
	case OPT_MERGE: a->merge = 1; break;
	case OPT_REJECTS: o->rejects_path = arg; break;
	case OPT_SAMPLE_SIZE:
		st = ad_cli_parse_u64("--sample-size", arg, 2,
		    AD_IFOREST_MAX_SAMPLE, &a->forest.sample_size, err);
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
		    &a->forest.trees, err);
		break;
	}
	return st;
}

/* Refuses options the chosen algorithm does not take. */
static enum ad_status check_algorithm_opts(const struct args *a,
    struct ad_error *err)
{
	int forest = ad_detector_find(a->o.algo)->sampling ==
	    AD_SAMPLE_SUBSAMPLES;

	if (a->ocsvm_opt[0] && a->o.algo != AD_ALGO_OCSVM)
		return ad_error_set(err, AD_EUSAGE, "%s needs -a ocsvm",
		    a->ocsvm_opt);
	if (a->autoenc_opt[0] && a->o.algo != AD_ALGO_AUTOENCODER)
		return ad_error_set(err, AD_EUSAGE, "%s needs -a autoencoder",
		    a->autoenc_opt);
	if (a->forest_opt[0] && !forest)
		return ad_error_set(err, AD_EUSAGE, "%s needs a forest (-a "
		    "iforest or eif)", a->forest_opt);
	if (a->rows_opt[0] && forest)
		return ad_error_set(err, AD_EUSAGE, "%s does not apply to forests "
		    "(each tree samples --sample-size rows)", a->rows_opt);
	if (a->forest.ext_level_set && !forest)
		return ad_error_set(err, AD_EUSAGE, "--extension-level needs "
		    "-a eif");
	return AD_OK;
}

/* The options block of the chosen detector. */
static const void *detector_opts(const struct args *a)
{
	switch (a->o.algo) {
	case AD_ALGO_OCSVM: return &a->ocsvm;
	case AD_ALGO_AUTOENCODER: return &a->autoenc;
	case AD_ALGO_IFOREST: case AD_ALGO_EIF: return &a->forest;
	default: return NULL;
	}
}

static void defaults(struct args *a)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	memset(a, 0, sizeof *a);
	a->o.algo = AD_ALGO_IFOREST;
	ad_forest_defaults(&a->forest);
	a->o.contamination_auto = 1;
	a->o.max_train_rows = 20000;
	ad_ocsvm_defaults(&a->ocsvm);
	ad_autoenc_opts_defaults(&a->autoenc);
	a->o.threads = cores < 1 ? 1 : cores > 256 ? 256 : (unsigned)cores;
}

static void summarize(const struct args *a, const struct ad_train_result *r)
{
	const char *in = a->o.in.path ? a->o.in.path : "<stdin>";

	if (a->progress.epoch > 0)
		print_epoch(&a->progress);  /* where early stopping ended */
	if (a->progress.shown)
		fputc('\n', stderr);
	if (a->quiet)
		return;
	if (r->rejected || r->invalid)
		ad_cli_note(cmd.name, "%s: %llu rows trained on; %llu rejected, %llu "
		    "invalid feature cells (taken as missing)", in,
		    (unsigned long long)r->rows, (unsigned long long)r->rejected,
		    (unsigned long long)r->invalid);
	if (r->infinite)
		ad_cli_note(cmd.name, "%s: %llu infinite feature cells (trained on "
		    "as missing)", in, (unsigned long long)r->infinite);
	if (r->sampled)
		ad_cli_note(cmd.name, "%s: %llu rows; trained on a uniform sample of "
		    "%llu (--max-train-rows)", in, (unsigned long long)r->rows,
		    (unsigned long long)r->sampled);
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
	} else if (check_algorithm_opts(&a, &err) != AD_OK) {
		goto fail;
	} else if (ad_cli_one_input(argc, argv, first, &a.o.in.path, &err) !=
	    AD_OK) {
		goto fail;
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
		a.autoenc.progress = show_epoch;
		a.autoenc.progress_ctx = &a.progress;
	}
	a.o.detector_opts = detector_opts(&a);
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
