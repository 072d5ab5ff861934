/* ad-train: options and wiring; the work is in lib/train.c. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autoenc.h"
#include "cli.h"
#include "detector.h"
#include "iforest.h"
#include "ocsvm.h"
#include "train.h"

static const char *prog = "ad-train";

static const char usage_line[] =
    "usage: ad-train [-nqV] [-a iforest|eif|ocsvm|autoencoder] [-d char] "
    "[-i file] [-o model] [options] [file | --merge model ...]";

static const char help[] =
    "ad-train: train an anomaly detector (Isolation Forest, One-Class SVM,\n"
    "autoencoder) on a CSV or adkit binary stream and save it as a model file.\n"
    "\n"
    "usage: ad-train [-nqV] [-a iforest|eif|ocsvm|autoencoder] [-d char] "
    "[-i file] [-o model] [options] [file | --merge model ...]\n"
    "\n"
    "Examples:\n"
    "  ad-train --label label -o servers.model servers.csv\n"
    "  ad-clean -r clean.params -F bin new.csv | ad-train --seed 7 -o m.model\n"
    "  ad-train --merge shard1.model shard2.model -o all.model\n"
    "\n"
    "Training:\n"
    "  -a, --algorithm ALG     iforest (default), eif (Extended Isolation\n"
    "                          Forest), ocsvm (One-Class SVM, libsvm) or\n"
    "                          autoencoder (OpenBLAS)\n"
    "      --trees N           trees in the forest (default 100)\n"
    "      --sample-size N     rows each tree is grown on (default 256, or all\n"
    "                          rows if fewer)\n"
    "      --extension-level N eif: features per split, minus one (default:\n"
    "                          all features, minus one)\n"
    "      --contamination C   auto (default: threshold 0.5) or the share of\n"
    "                          training rows to call anomalous, up to 0.5\n"
    "      --seed N            seed of the random choices (default 0)\n"
    "      --threads N         threads growing trees (default: all cores)\n"
    "\n"
    "One-Class SVM (-a ocsvm; scikit-learn's meanings and defaults):\n"
    "      --kernel K          rbf (default), linear, poly or sigmoid\n"
    "      --nu NU             bound on the share of outliers, in (0, 1]\n"
    "                          (default 0.5)\n"
    "      --gamma G           scale (default: 1/(features * variance)),\n"
    "                          auto (1/features) or a number\n"
    "      --degree N          poly: the degree (default 3)\n"
    "      --coef0 C           poly, sigmoid: the constant term (default 0)\n"
    "      --tol T             stopping tolerance (default 0.001)\n"
    "      --cache-mb MB       libsvm's kernel cache (default 200)\n"
    "      --max-train-rows N  train on a uniform sample of N rows when there\n"
    "                          are more (default 20000; also autoencoder)\n"
    "\n"
    "Autoencoder (-a autoencoder; inputs are standardized in the model):\n"
    "      --hidden LIST       hidden layer widths (default 64,16,64)\n"
    "      --activation F      relu (default), tanh or sigmoid\n"
    "      --epochs N          passes over the rows (default 100)\n"
    "      --batch-size N      rows per Adam step (default 200)\n"
    "      --learning-rate X   Adam's step size (default 0.001)\n"
    "      --weight-decay X    L2 penalty, scikit-learn's alpha (default 0.0001)\n"
    "      --dropout X         share of hidden units dropped (default 0)\n"
    "      --validation-fraction X  rows held out for early stopping\n"
    "                          (default 0.1; 0: none)\n"
    "      --patience N        epochs without a better validation error\n"
    "                          before stopping (default 10)\n"
    "\n"
    "Features (default: every numeric column):\n"
    "      --label COL         the label column, never a feature\n"
    "      --ignore COLS       columns that are not features\n"
    "      --features COLS     exactly these features, in this order\n"
    "      --rejects FILE      write rows with the wrong field count here\n"
    "\n"
    "Merging:\n"
    "      --merge             the operands are models trained on shards of\n"
    "                          one data set: write one model with all their\n"
    "                          trees\n"
    "\n"
    "Common options:\n"
    "  -i, --input FILE        read FILE (default: standard input, also -)\n"
    "  -o, --output MODEL      write the model to MODEL, complete or not at all\n"
    "                          (default: standard output)\n"
    "  -d, --delimiter CHAR    CSV field delimiter (default ,; \"tab\" for tab)\n"
    "  -n, --no-headers        CSV has no header row; columns are c1..cN\n"
    "  -q, --quiet             no progress and no notes on stderr\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n"
    "\n"
    "Exit status: 0 success, 2 usage error, 3 bad input data or models that\n"
    "cannot be merged, 4 I/O or system error. See ad-train(1).\n";

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

static const struct option longopts[] = {
	{ "activation", required_argument, NULL, OPT_ACTIVATION },
	{ "algorithm", required_argument, NULL, 'a' },
	{ "batch-size", required_argument, NULL, OPT_BATCH_SIZE },
	{ "cache-mb", required_argument, NULL, OPT_CACHE_MB },
	{ "coef0", required_argument, NULL, OPT_COEF0 },
	{ "contamination", required_argument, NULL, OPT_CONTAMINATION },
	{ "degree", required_argument, NULL, OPT_DEGREE },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "dropout", required_argument, NULL, OPT_DROPOUT },
	{ "epochs", required_argument, NULL, OPT_EPOCHS },
	{ "extension-level", required_argument, NULL, OPT_EXTENSION_LEVEL },
	{ "features", required_argument, NULL, OPT_FEATURES },
	{ "gamma", required_argument, NULL, OPT_GAMMA },
	{ "help", no_argument, NULL, 'h' },
	{ "hidden", required_argument, NULL, OPT_HIDDEN },
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ "input", required_argument, NULL, 'i' },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "learning-rate", required_argument, NULL, OPT_LEARNING_RATE },
	{ "max-train-rows", required_argument, NULL, OPT_MAX_TRAIN_ROWS },
	{ "merge", no_argument, NULL, OPT_MERGE },
	{ "no-headers", no_argument, NULL, 'n' },
	{ "nu", required_argument, NULL, OPT_NU },
	{ "output", required_argument, NULL, 'o' },
	{ "patience", required_argument, NULL, OPT_PATIENCE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, OPT_REJECTS },
	{ "sample-size", required_argument, NULL, OPT_SAMPLE_SIZE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "tol", required_argument, NULL, OPT_TOL },
	{ "trees", required_argument, NULL, OPT_TREES },
	{ "validation-fraction", required_argument, NULL,
	    OPT_VALIDATION_FRACTION },
	{ "version", no_argument, NULL, 'V' },
	{ "weight-decay", required_argument, NULL, OPT_WEIGHT_DECAY },
	{ NULL, 0, NULL, 0 }
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
	fprintf(stderr, "\r%s: epoch %zu of %zu: loss %.6g", prog, p->epoch,
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
		fprintf(stderr, "\r%s: %s %llu of %llu\033[K", prog, what,
		    (unsigned long long)done, (unsigned long long)total);
	else
		fprintf(stderr, "\r%s: %s %llu\033[K", prog, what,
		    (unsigned long long)done);
}

struct args {
	struct ad_train_opts o;
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

/* Handles one option; returns AD_OK, or AD_EUSAGE with err set. */
static enum ad_status take(struct args *a, int c, const char *arg,
    struct ad_error *err)
{
	struct ad_train_opts *o = &a->o;
	uint64_t n;
	enum ad_status st = AD_OK;

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
	case OPT_CACHE_MB: case OPT_COEF0: case OPT_DEGREE: case OPT_GAMMA:
	case OPT_KERNEL: case OPT_NU: case OPT_TOL:
		st = take_ocsvm(&o->ocsvm, c, arg, err);
		break;
	case OPT_ACTIVATION: case OPT_BATCH_SIZE: case OPT_DROPOUT:
	case OPT_EPOCHS: case OPT_HIDDEN: case OPT_LEARNING_RATE:
	case OPT_PATIENCE: case OPT_VALIDATION_FRACTION: case OPT_WEIGHT_DECAY:
		st = take_autoenc(&o->autoenc, c, arg, err);
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

static void note(char *first, size_t cap, int c, int li)
{
	if (first[0])
		return;
	if (c > CHAR_MAX)
		snprintf(first, cap, "--%s", longopts[li].name);
	else
		snprintf(first, cap, "-%c", c);
}

/* Remembers the first option given that --merge cannot take, and the
 * first that only some algorithms take. */
static void note_training_opt(struct args *a, int c, int li)
{
	if (c == 'o' || c == 'q' || c == OPT_MERGE)
		return;
	note(a->training_opt, sizeof a->training_opt, c, li);
	switch (c) {
	case OPT_CACHE_MB: case OPT_COEF0: case OPT_DEGREE: case OPT_GAMMA:
	case OPT_KERNEL: case OPT_NU: case OPT_TOL:
		note(a->ocsvm_opt, sizeof a->ocsvm_opt, c, li);
		break;
	case OPT_MAX_TRAIN_ROWS:
		note(a->rows_opt, sizeof a->rows_opt, c, li);
		break;
	case OPT_SAMPLE_SIZE: case OPT_TREES:
		note(a->forest_opt, sizeof a->forest_opt, c, li);
		break;
	case OPT_ACTIVATION: case OPT_BATCH_SIZE: case OPT_DROPOUT:
	case OPT_EPOCHS: case OPT_HIDDEN: case OPT_LEARNING_RATE:
	case OPT_PATIENCE: case OPT_VALIDATION_FRACTION: case OPT_WEIGHT_DECAY:
		note(a->autoenc_opt, sizeof a->autoenc_opt, c, li);
		break;
	}
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
	return AD_OK;
}

static void defaults(struct args *a)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	memset(a, 0, sizeof *a);
	a->o.algo = AD_ALGO_IFOREST;
	a->o.trees = 100;
	a->o.sample_size = 256;
	a->o.contamination_auto = 1;
	a->o.max_train_rows = 20000;
	ad_ocsvm_defaults(&a->o.ocsvm);
	ad_autoenc_defaults(&a->o.autoenc.params);
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
		ad_cli_note(prog, "%s: %llu rows trained on; %llu rejected, %llu "
		    "invalid feature cells (taken as missing)", in,
		    (unsigned long long)r->rows, (unsigned long long)r->rejected,
		    (unsigned long long)r->invalid);
	if (r->sampled)
		ad_cli_note(prog, "%s: %llu rows; trained on a uniform sample of "
		    "%llu (--max-train-rows)", in, (unsigned long long)r->rows,
		    (unsigned long long)r->sampled);
	if (r->same_seed != NULL)
		ad_cli_note(prog, "%s was trained with the same seed as an "
		    "earlier model: their trees are correlated (give each shard "
		    "its own --seed)", r->same_seed);
}

int main(int argc, char **argv)
{
	struct args a;
	struct ad_train_result res;
	struct ad_error err;
	int c, code, li = 0;

	defaults(&a);
	ad_error_clear(&err);
	ad_cli_init();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:d:hi:no:qV", longopts,
	    &li)) != -1) {
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
		note_training_opt(&a, c, li);
	}
	if (a.merge) {
		if (a.training_opt[0]) {
			ad_error_set(&err, AD_EUSAGE, "--merge takes model files, "
			    "-o and -q only, not %s", a.training_opt);
			goto usage;
		}
		a.o.merge = (const char *const *)argv + optind;
		a.o.n_merge = (size_t)(argc - optind);
		if (a.o.n_merge < 2) {
			ad_error_set(&err, AD_EUSAGE, "--merge needs at least two "
			    "model files");
			goto usage;
		}
	} else if (check_algorithm_opts(&a, &err) != AD_OK) {
		goto usage;
	} else if (optind < argc) {
		if (a.o.in.path != NULL || optind + 1 < argc) {
			ad_error_set(&err, AD_EUSAGE, "give one input, as -i FILE "
			    "or FILE");
			goto usage;
		}
		a.o.in.path = argv[optind];
	}
	if ((a.o.output == NULL || strcmp(a.o.output, "-") == 0) &&
	    isatty(STDOUT_FILENO)) {
		ad_error_set(&err, AD_EUSAGE, "a model is binary: write it to a "
		    "file with -o MODEL, or into a pipe");
		goto usage;
	}
	if (!a.quiet && isatty(STDERR_FILENO)) {
		a.o.progress = show_progress;
		a.o.progress_ctx = &a.progress;
		a.o.autoenc.progress = show_epoch;
		a.o.autoenc.progress_ctx = &a.progress;
	}
	if (ad_train_run(&a.o, &res, &err) != AD_OK) {
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
