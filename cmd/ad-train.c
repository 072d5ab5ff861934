/* ad-train: options and wiring; the work is in lib/run/train.c. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
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

/* Progress on a terminal: one line, rewritten at most five times a second. */
struct progress {
	int shown;
	struct timespec last;
	size_t epoch, epochs;       /* the autoencoder's last epoch, or 0 */
	double loss, validation;
};

struct args {
	struct ad_train_opts o;
	struct ad_cli_common c;
	struct ad_forest_opts forest;   /* the detectors' options blocks */
	struct ad_ocsvm_opts ocsvm;
	struct ad_autoenc_opts autoenc;
	int merge;
	char training_opt[32];      /* an option --merge cannot take, or "" */
	char ocsvm_opt[32];         /* an option only -a ocsvm takes, or "" */
	char forest_opt[32];        /* an option only forests take, or "" */
	char autoenc_opt[32];       /* an option only -a autoencoder takes */
	char rows_opt[32];          /* an option forests do not take, or "" */
	struct progress progress;
};

/* Row tags: the algorithms an option is for. */
enum {
	FOREST = 1,     /* -a iforest or eif */
	OCSVM = 2,
	AUTOENC = 4,
	ROWS = 8        /* detectors trained on rows (not forests) */
};

#define A(field) AD_OPT_AT(struct args, field)
#define OCSVM_ROW(field) AD_OPT_AT(struct args, ocsvm.field), .tags = OCSVM
#define AUTOENC_ROW(field) AD_OPT_AT(struct args, autoenc.params.field), \
	AD_OPT_GIVEN(struct args, autoenc.set), .tags = AUTOENC

static enum ad_status take_algorithm(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	const struct ad_detector *d = ad_detector_named(arg);

	(void)row;
	if (d == NULL)
		return ad_error_set(err, AD_EUSAGE, "--algorithm takes %s, not "
		    "\"%s\"", ad_detector_names(), arg);
	((struct args *)opts)->o.algo = (enum ad_algo)d->algo;
	return AD_OK;
}

static enum ad_status take_contamination(const struct ad_opt *row,
    void *opts, const char *arg, struct ad_error *err)
{
	struct ad_train_opts *o = &((struct args *)opts)->o;

	(void)row;
	o->contamination_auto = strcmp(arg, "auto") == 0;
	if (o->contamination_auto)
		return AD_OK;
	if (ad_opt_parse_double("--contamination", arg, 0, 0.5,
	    &o->contamination, err) != AD_OK)
		return AD_EUSAGE;
	if (o->contamination == 0)
		return ad_error_set(err, AD_EUSAGE, "--contamination must be "
		    "auto or above 0, not %s", arg);
	return AD_OK;
}

static const struct ad_opt train_opts[] = {
	AD_OPT_HEADING("Training:"),
	{ "algorithm", 'a', "ALG", AD_OPT_CUSTOM, .hook = take_algorithm,
	    .def = "iforest", .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_STRING,
	    .help = "iforest (default), eif (Extended Isolation Forest), ocsvm "
	    "(One-Class SVM, libsvm), autoencoder (OpenBLAS) or zscore "
	    "(largest absolute z-score)" },
	{ "trees", 0, "N", AD_OPT_U64, A(forest.trees), .umin = 1,
	    .umax = AD_IFOREST_MAX_TREES, .def = "100", .tags = FOREST,
	    .kfp = AD_KFP_INTEGER, .help = "trees in the forest" },
	{ "sample-size", 0, "N", AD_OPT_U64, A(forest.sample_size), .umin = 2,
	    .umax = AD_IFOREST_MAX_SAMPLE, .def = "256", .tags = FOREST,
	    .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_INTEGER,
	    .help = "rows each tree is grown on (default 256, or all rows if "
	    "fewer)" },
	{ "extension-level", 0, "N", AD_OPT_U64, A(forest.ext_level),
	    AD_OPT_GIVEN(struct args, forest.ext_level_set), .umax = 1048575,
	    .kfp = AD_KFP_INTEGER, .help = "eif: features per split, minus one "
	    "(default: all features, minus one)" },
	{ "contamination", 0, "C", AD_OPT_CUSTOM, .hook = take_contamination,
	    .def = "auto", .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_STRING,
	    .help = "auto (default: threshold 0.5) or the share of training rows "
	    "to call anomalous, up to 0.5" },
	{ "seed", 0, "N", AD_OPT_U64, A(o.seed), .umax = UINT64_MAX, .def = "0",
	    .kfp = AD_KFP_INTEGER, .help = "seed of the random choices" },
	AD_OPT_THREADS_ROW(struct args, o.threads, "worker threads"),
};

static enum ad_status take_kernel(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	int k = ad_ocsvm_kernel_named(arg);

	(void)row;
	if (k < 0)
		return ad_error_set(err, AD_EUSAGE, "--kernel takes rbf, linear, "
		    "poly or sigmoid, not \"%s\"", arg);
	((struct args *)opts)->ocsvm.kernel = (enum ad_ocsvm_kernel)k;
	return AD_OK;
}

static enum ad_status take_gamma(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	struct ad_ocsvm_opts *o = &((struct args *)opts)->ocsvm;

	(void)row;
	if (strcmp(arg, "scale") == 0)
		o->gamma_mode = AD_OCSVM_GAMMA_SCALE;
	else if (strcmp(arg, "auto") == 0)
		o->gamma_mode = AD_OCSVM_GAMMA_AUTO;
	else {
		o->gamma_mode = AD_OCSVM_GAMMA_VALUE;
		return ad_opt_parse_double("--gamma", arg, 0, DBL_MAX, &o->gamma,
		    err);
	}
	return AD_OK;
}

static const struct ad_opt ocsvm_opts[] = {
	AD_OPT_HEADING("One-Class SVM (-a ocsvm; scikit-learn's meanings and "
	    "defaults):"),
	{ "kernel", 0, "K", AD_OPT_CUSTOM, .hook = take_kernel, .tags = OCSVM,
	    .def = "rbf", .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_STRING,
	    .help = "rbf (default), linear, poly or sigmoid" },
	{ "nu", 0, "NU", AD_OPT_DOUBLE, OCSVM_ROW(nu), .dmin = 0, .dmax = 1,
	    .flags = AD_OPT_ABOVE_MIN, .def = "0.5", .kfp = AD_KFP_FLOAT,
	    .help = "bound on the share of outliers, in (0, 1]" },
	{ "gamma", 0, "G", AD_OPT_CUSTOM, .hook = take_gamma, .tags = OCSVM,
	    .def = "scale", .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_STRING,
	    .help = "scale (default: 1/(features * variance)), auto "
	    "(1/features) or a number" },
	{ "degree", 0, "N", AD_OPT_UINT, OCSVM_ROW(degree),
	    .umax = AD_OCSVM_MAX_DEGREE, .def = "3", .kfp = AD_KFP_INTEGER,
	    .help = "poly: the degree" },
	{ "coef0", 0, "C", AD_OPT_DOUBLE, OCSVM_ROW(coef0), .dmin = -DBL_MAX,
	    .dmax = DBL_MAX, .def = "0", .kfp = AD_KFP_FLOAT,
	    .help = "poly, sigmoid: the constant term" },
	{ "tol", 0, "T", AD_OPT_DOUBLE, OCSVM_ROW(tol), .dmin = 0,
	    .dmax = DBL_MAX, .flags = AD_OPT_ABOVE_MIN, .def = "0.001",
	    .kfp = AD_KFP_FLOAT, .help = "stopping tolerance" },
	{ "cache-mb", 0, "MB", AD_OPT_DOUBLE, OCSVM_ROW(cache_mb), .dmin = 0,
	    .dmax = 1048576, .flags = AD_OPT_ABOVE_MIN, .def = "200",
	    .kfp = AD_KFP_FLOAT, .help = "libsvm's kernel cache" },
	{ "max-train-rows", 0, "N", AD_OPT_U64, A(o.max_train_rows), .umin = 2,
	    .umax = INT32_MAX, .def = "20000", .tags = ROWS,
	    .kfp = AD_KFP_INTEGER, .help = "train on a uniform sample of N rows "
	    "when there are more (also autoencoder)" },
};

static enum ad_status take_hidden(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	(void)row;
	if (ad_autoenc_parse_hidden(arg,
	    &((struct args *)opts)->autoenc.params) != 0)
		return ad_error_set(err, AD_EUSAGE, "--hidden takes 1 to %d widths "
		    "of 1 to %d, separated by commas, not \"%s\"",
		    AD_AUTOENC_MAX_HIDDEN, AD_AUTOENC_MAX_WIDTH, arg);
	return AD_OK;
}

static enum ad_status take_activation(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	(void)row;
	if (ad_autoenc_act_parse(arg,
	    &((struct args *)opts)->autoenc.params.act) != 0)
		return ad_error_set(err, AD_EUSAGE, "--activation takes "
		    "relu|tanh|sigmoid, not \"%s\"", arg);
	return AD_OK;
}

static enum ad_status take_learning_rate(const struct ad_opt *row,
    void *opts, const char *arg, struct ad_error *err)
{
	double *lr = &((struct args *)opts)->autoenc.params.learning_rate;

	(void)row;
	if (ad_opt_parse_double("--learning-rate", arg, 0, 10, lr, err) !=
	    AD_OK || *lr == 0)
		return ad_error_set(err, AD_EUSAGE, "--learning-rate must be "
		    "above 0 and at most 10, not \"%s\"", arg);
	return AD_OK;
}

/* A share of the autoencoder, at least 0 and below 1. */
static enum ad_status take_share(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	double *out = (double *)(void *)((char *)opts + row->dst);
	char opt[32];

	snprintf(opt, sizeof opt, "--%s", row->name);
	if (ad_opt_parse_double(opt, arg, 0, 1, out, err) != AD_OK || *out == 1)
		return ad_error_set(err, AD_EUSAGE, "%s must be at least 0 and "
		    "below 1, not \"%s\"", opt, arg);
	return AD_OK;
}

/* A whole number option of the autoencoder, 1..1000000. */
#define COUNT .umin = 1, .umax = 1000000, .kfp = AD_KFP_INTEGER

static const struct ad_opt autoenc_opts[] = {
	AD_OPT_HEADING("Autoencoder (-a autoencoder; inputs are standardized in "
	    "the model):"),
	{ "hidden", 0, "LIST", AD_OPT_CUSTOM, .hook = take_hidden,
	    AUTOENC_ROW(hidden), .def = "64,16,64", .kfp = AD_KFP_STRING,
	    .help = "hidden layer widths" },
	{ "activation", 0, "F", AD_OPT_CUSTOM, .hook = take_activation,
	    AUTOENC_ROW(act), .def = "relu", .flags = AD_OPT_DEF_UNSHOWN,
	    .kfp = AD_KFP_STRING, .help = "relu (default), tanh or sigmoid" },
	{ "epochs", 0, "N", AD_OPT_SIZE, AUTOENC_ROW(epochs), COUNT,
	    .def = "100", .help = "passes over the rows" },
	{ "batch-size", 0, "N", AD_OPT_SIZE, AUTOENC_ROW(batch_size), COUNT,
	    .def = "200", .help = "rows per Adam step" },
	{ "learning-rate", 0, "X", AD_OPT_CUSTOM, .hook = take_learning_rate,
	    AUTOENC_ROW(learning_rate), .def = "0.001", .kfp = AD_KFP_FLOAT,
	    .help = "Adam's step size" },
	{ "weight-decay", 0, "X", AD_OPT_DOUBLE, AUTOENC_ROW(weight_decay),
	    .dmin = 0, .dmax = 1e6, .def = "0.0001", .kfp = AD_KFP_FLOAT,
	    .help = "L2 penalty, scikit-learn's alpha" },
	{ "dropout", 0, "X", AD_OPT_CUSTOM, .hook = take_share,
	    AUTOENC_ROW(dropout), .def = "0", .kfp = AD_KFP_FLOAT,
	    .help = "share of hidden units dropped" },
	{ "validation-fraction", 0, "X", AD_OPT_CUSTOM, .hook = take_share,
	    AUTOENC_ROW(validation_fraction), .def = "0.1",
	    .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_FLOAT,
	    .help = "rows held out for early stopping (default 0.1; 0: none)" },
	{ "patience", 0, "N", AD_OPT_SIZE, AUTOENC_ROW(patience), COUNT,
	    .def = "10", .help = "epochs without a better validation error "
	    "before stopping" },
};

/* The component trains only: --merge takes any number of models as
 * operands, which a component cannot declare. */
static const struct ad_opt input_opts[] = {
	AD_OPT_HEADING("Features (default: every numeric column):"),
	{ "label", 0, "COL", AD_OPT_STRING, A(o.label), .kfp = AD_KFP_STRING,
	    .help = "the label column, never a feature" },
	{ "ignore", 0, "COLS",
	    AD_OPT_LIST_AT(struct args, o.ignore, o.n_ignore),
	    .kfp = AD_KFP_STRING,
	    .help = "columns that are not features" },
	{ "features", 0, "COLS",
	    AD_OPT_LIST_AT(struct args, o.features, o.n_features),
	    .kfp = AD_KFP_STRING,
	    .help = "exactly these features, in this order" },
	AD_CLI_OPT_REJECTS,
	AD_OPT_HEADING("Merging:"),
	{ "merge", 0, NULL, AD_OPT_FLAG, A(merge), .kfp = AD_KFP_NONE,
	    .help = "the operands are models trained on shards of one data set: "
	    "write one model with all their trees" },
	AD_OPT_HEADING("Common options:"),
	AD_CLI_OPT_INPUT,
	AD_CLI_OPT_OUTPUT("MODEL", AD_KFP_OUT_MODEL, "model", "write the model "
	    "to MODEL, complete or not at all (default: standard output)"),
	AD_CLI_OPT_DELIMITER,
	AD_CLI_OPT_NO_HEADERS,
	AD_CLI_OPT_QUIET("no progress and no notes on stderr"),
};

static const struct ad_cli_block blocks[] = {
	AD_CLI_BLOCK(train_opts),
	AD_CLI_BLOCK(ocsvm_opts),
	AD_CLI_BLOCK(autoenc_opts),
	AD_CLI_BLOCK(input_opts),
};

static void seen(void *opts, const struct ad_opt *row);

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
	.blocks = blocks,
	.nblocks = sizeof blocks / sizeof blocks[0],
	.footer = "Exit status: 0 success, 2 usage error, 3 bad input data or "
	    "models that\ncannot be merged, 4 I/O or system error. See "
	    "ad-train(1).\n",
	.column = 26,
	.seen = seen,
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

static void note(char *first, size_t cap, const char *name)
{
	if (first[0] == '\0')
		snprintf(first, cap, "--%s", name);
}

/* Remembers the first option given that --merge cannot take, and the
 * first that only some algorithms take. */
static void seen(void *opts, const struct ad_opt *row)
{
	struct args *a = opts;

	if (row->key == 'o' || row->key == 'q' || strcmp(row->name, "merge") == 0)
		return;
	note(a->training_opt, sizeof a->training_opt, row->name);
	if (row->tags & OCSVM)
		note(a->ocsvm_opt, sizeof a->ocsvm_opt, row->name);
	if (row->tags & ROWS)
		note(a->rows_opt, sizeof a->rows_opt, row->name);
	if (row->tags & FOREST)
		note(a->forest_opt, sizeof a->forest_opt, row->name);
	if (row->tags & AUTOENC)
		note(a->autoenc_opt, sizeof a->autoenc_opt, row->name);
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
	if (a->forest.ext_level_set && a->o.algo != AD_ALGO_EIF)
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

static void summarize(const struct args *a, const struct ad_train_result *r)
{
	const char *in = a->o.in.path ? a->o.in.path : "<stdin>";

	if (a->progress.epoch > 0)
		print_epoch(&a->progress);  /* where early stopping ended */
	if (a->progress.shown)
		fputc('\n', stderr);
	if (a->c.quiet)
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

	memset(&a, 0, sizeof a);
	ad_error_clear(&err);
	ad_cli_init();
	if ((code = ad_cli_parse(&cmd, argc, argv, &a, &a.c, &first)) >= 0)
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
	} else if (ad_cli_one_input(argc, argv, first, &a.c.in.path, &err) !=
	    AD_OK) {
		goto fail;
	}
	a.o.in = a.c.in;
	a.o.output = a.c.output;
	a.o.rejects_path = a.c.rejects;
	if ((a.o.output == NULL || strcmp(a.o.output, "-") == 0) &&
	    isatty(STDOUT_FILENO)) {
		ad_error_set(&err, AD_EUSAGE, "a model is binary: write it to a "
		    "file with -o MODEL, or into a pipe");
		goto fail;
	}
	if (!a.c.quiet && isatty(STDERR_FILENO)) {
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
	ad_cli_free(&cmd, &a, &a.c);
	return code;
}
