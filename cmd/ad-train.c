/* ad-train: options and wiring; the work is in lib/run/train.c. The
 * detectors' options are their own rows (lib/detect/detector.h), which
 * this file lists after its own without knowing any detector. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "detector.h"
#include "train.h"

#define PROG "ad-train"

/* Progress on a terminal: one line, rewritten at most five times a second. */
struct progress {
	int shown;
	struct timespec last;
	size_t epoch, epochs;       /* the last epoch reported, or 0 */
	double loss, validation;
};

/* The detectors' part of the option table, made at run time. */
struct detectors {
	size_t n;                   /* detectors in the table */
	void **opts;                /* each one's options block, table order */
	const struct ad_opt **given; /* the detector options given (each
	                               option's first row), in order */
	size_t ngiven;
};

struct args {
	struct ad_train_opts o;
	struct ad_cli_common c;
	struct detectors det;
	int merge;
	char training_opt[32];      /* an option --merge cannot take, or "" */
	char rows_opt[32];          /* an option forests do not take, or "" */
	char auto_opt[32];          /* an option only -a auto takes, or "" */
	struct progress progress;
	char features[1024];        /* the summary's list of features, or "" */
	char row_numbers[256];      /* features that look like row numbers,
	                               quoted, or "" */
	size_t row_numbers_len;
};

/* Row tags. */
enum {
	ROWS = 1,       /* for detectors trained on rows (not forests) */
	AUTO = 2        /* for -a auto only */
};

#define A(field) AD_OPT_AT(struct args, field)

/* -a NAME or -a NAME=ARG (ARG into NAME's options block). */
static enum ad_status take_algorithm(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	struct args *a = opts;
	const char *eq = strchr(arg, '=');
	char name[64];
	const struct ad_detector *d;

	(void)row;
	a->o.choose = strcmp(arg, "auto") == 0;
	if (a->o.choose)
		return AD_OK;
	snprintf(name, sizeof name, "%.*s", eq != NULL ? (int)(eq - arg) :
	    (int)strlen(arg), arg);
	if ((d = ad_detector_named(name)) == NULL)
		return ad_error_set(err, AD_EUSAGE, "--algorithm takes %s or "
		    "auto, not \"%s\"", ad_detector_names(), arg);
	if (eq != NULL && d->take_arg == NULL)
		return ad_error_set(err, AD_EUSAGE, "-a %s takes no =LIST", name);
	a->o.algo = (enum ad_algo)d->algo;
	for (size_t i = 0; eq != NULL && i < a->det.n; i++)
		if (ad_detector_at(i) == d)
			return d->take_arg(a->det.opts[i], eq + 1, err);
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

/* The -a row; its help, listing the detectors, is made by algorithm_help. */
#define ALGORITHM_ROW(text) { "algorithm", 'a', "ALG", AD_OPT_CUSTOM, \
	.hook = take_algorithm, .def = "iforest", .flags = AD_OPT_DEF_UNSHOWN, \
	.kfp = AD_KFP_STRING, .help = (text) }

static const struct ad_opt train_opts[] = {
	{ "contamination", 0, "C", AD_OPT_CUSTOM, .hook = take_contamination,
	    .def = "auto", .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_STRING,
	    .help = "auto (default: threshold 0.5) or the share of training rows "
	    "to call anomalous, up to 0.5" },
	{ AD_OPT_SEED(struct args, o.seed, "seed of the random choices "
	    "(detectors that draw nothing use it only to sample more than "
	    "--max-train-rows rows)") },
	AD_CLI_OPT_THREADS,
	{ "max-train-rows", 0, "N", AD_OPT_U64, A(o.max_train_rows), .umin = 2,
	    .umax = INT32_MAX, .def = "20000", .tags = ROWS,
	    .kfp = AD_KFP_INTEGER, .help = "train on a uniform sample of N rows "
	    "when there are more (not forests)" },
	AD_OPT_HEADING("Choosing the detector (-a auto):"),
	{ "candidates", 0, "ALGS",
	    AD_OPT_LIST_AT(struct args, o.choice.candidates,
	    o.choice.ncandidates), .tags = AUTO, .kfp = AD_KFP_STRING,
	    .help = "choose among these detectors only (default: iforest, "
	    "eif, knn, lof, hbos, ecod, pca, zscore, and mcd and ensemble "
	    "where built)" },
	{ "budget", 0, "SECONDS", AD_OPT_DOUBLE, A(o.choice.budget), .dmin = 0,
	    .dmax = 1e9, .def = "60", .tags = AUTO, .kfp = AD_KFP_FLOAT,
	    .help = "skip candidates whose cross-validation is estimated to "
	    "take longer than what is left of SECONDS" },
	{ "cv-rows", 0, "N", AD_OPT_SIZE, A(o.choice.cv_rows), .umin = 10,
	    .umax = INT32_MAX, .def = "4000", .tags = AUTO,
	    .kfp = AD_KFP_INTEGER, .help = "cross-validate on a seeded uniform "
	    "sample of N labelled rows when there are more" },
};

/* The component trains only: --merge takes any number of models as
 * operands, which a component cannot declare. */
static const struct ad_opt input_opts[] = {
	AD_OPT_HEADING("Features (default: every numeric column but "
	    "\"label\"):"),
	{ "label", 0, "COL", AD_OPT_STRING, A(o.label), .kfp = AD_KFP_STRING,
	    .help = "the label column, never a feature (default: a column "
	    "named \"label\")" },
	{ "no-label", 0, NULL, AD_OPT_FLAG, A(o.no_label), .kfp = AD_KFP_BOOLEAN,
	    .help = "no label column: a column named \"label\" is a feature "
	    "like any other" },
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

static void seen(void *opts, const struct ad_opt *row);

/* The command but its table, which main makes. */
static const struct ad_cli_cmd cmd_base = {
	.name = PROG,
	.summary = "train an anomaly detector (Isolation Forest, One-Class SVM, "
	    "autoencoder) on a CSV or adkit binary stream and save it as a "
	    "model file.",
	.usage = "ad-train [-nqV] [-a algorithm] [-d char] [-i file] [-o model] "
	    "[options] [file | --merge model ...]",
	.examples = "Examples:\n"
	    "  ad-train --label label -o servers.model servers.csv\n"
	    "  ad-clean -r clean.params -F bin new.csv | ad-train --seed 7 -o "
	    "m.model\n"
	    "  ad-train --merge shard1.model shard2.model -o all.model\n",
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
	fprintf(stderr, "\r%s: epoch %zu of %zu: loss %.6g", PROG, p->epoch,
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
		fprintf(stderr, "\r%s: %s %llu of %llu\033[K", PROG, what,
		    (unsigned long long)done, (unsigned long long)total);
	else
		fprintf(stderr, "\r%s: %s %llu\033[K", PROG, what,
		    (unsigned long long)done);
}

static void note(char *first, size_t cap, const char *name)
{
	if (first[0] == '\0')
		snprintf(first, cap, "--%s", name);
}

/* Whether row is one of a detector's. */
static int detector_row(const struct ad_opt *row)
{
	const struct ad_detector *d;

	for (size_t i = 0; (d = ad_detector_at(i)) != NULL; i++)
		for (size_t k = 0; k < d->nopts; k++)
			if (&d->opts[k] == row)
				return 1;
	return 0;
}

/* Remembers the first option given that --merge cannot take, the first
 * that forests do not take, and every detector option given. */
static void seen(void *opts, const struct ad_opt *row)
{
	struct args *a = opts;
	struct detectors *t = &a->det;

	if (row->key == 'o' || row->key == 'q' || strcmp(row->name, "merge") == 0)
		return;
	note(a->training_opt, sizeof a->training_opt, row->name);
	if (row->tags & ROWS)
		note(a->rows_opt, sizeof a->rows_opt, row->name);
	if (row->tags & AUTO)
		note(a->auto_opt, sizeof a->auto_opt, row->name);
	if (!detector_row(row))
		return;
	for (size_t i = 0; i < t->ngiven; i++)
		if (t->given[i] == row)
			return;
	t->given[t->ngiven++] = row;
}

static const void *detector_opts(const struct args *a);

/* Whether d, or one of its members (an ensemble's), takes option name. */
static int takes(const struct ad_detector *d, const void *opts,
    const char *name)
{
	const struct ad_detector *m;

	if (ad_detector_takes(d, name))
		return 1;
	for (size_t i = 0; d->member != NULL &&
	    (m = d->member(opts, i)) != NULL; i++)
		if (ad_detector_takes(m, name))
			return 1;
	return 0;
}

/* Refuses options the chosen detector does not take. */
static enum ad_status check_algorithm_opts(const struct args *a,
    struct ad_error *err)
{
	const struct ad_detector *d = ad_detector_find(a->o.algo);

	if (a->auto_opt[0] && !a->o.choose)
		return ad_error_set(err, AD_EUSAGE, "%s needs -a auto",
		    a->auto_opt);
	if (a->o.choose && a->det.ngiven > 0)
		return ad_error_set(err, AD_EUSAGE, "--%s cannot be combined with "
		    "-a auto: every candidate trains with its defaults",
		    a->det.given[0]->name);
	if (a->o.choose)
		return AD_OK;
	for (size_t i = 0; i < a->det.ngiven; i++)
		if (!takes(d, detector_opts(a), a->det.given[i]->name) &&
		    ad_detector_check_option(d, a->det.given[i]->name, err) !=
		    AD_OK)
			return AD_EUSAGE;
	if (a->rows_opt[0] && d->sampling == AD_SAMPLE_SUBSAMPLES)
		return ad_error_set(err, AD_EUSAGE, "%s does not apply to forests "
		    "(each tree samples --sample-size rows)", a->rows_opt);
	return AD_OK;
}

/* The options block of the chosen detector. */
static const void *detector_opts(const struct args *a)
{
	for (size_t i = 0; i < a->det.n; i++)
		if (ad_detector_at(i)->algo == (int)a->o.algo)
			return a->det.opts[i];
	return NULL;
}

/* Appends s to buf[*len..cap), as far as it fits. */
static void append(char *buf, size_t cap, size_t *len, const char *s)
{
	int n = snprintf(buf + *len, cap - *len, "%s", s);

	*len += n < 0 || (size_t)n >= cap - *len ? cap - 1 - *len : (size_t)n;
}

/* -a's help: each detector with its phrase, the default's "default". */
static void algorithm_help(char *buf, size_t cap, const char *dflt)
{
	const struct ad_detector *d;
	size_t len = 0, n = 0;

	buf[0] = '\0';
	while (ad_detector_at(n) != NULL)
		n++;
	for (size_t i = 0; (d = ad_detector_at(i)) != NULL; i++) {
		append(buf, cap, &len, i == 0 ? "" : ", ");
		append(buf, cap, &len, d->name);
		append(buf, cap, &len, " (");
		append(buf, cap, &len, strcmp(d->name, dflt) == 0 ? "default" :
		    d->phrase);
		append(buf, cap, &len, ")");
	}
	append(buf, cap, &len, " or auto (chosen for the data: by "
	    "cross-validation with labels, else by its traits)");
}

/* The command's table: its own rows, each detector's (into
 * the detector's options block, allocated here with its defaults), then
 * the input's and the common rows. */
struct table {
	char algorithm[1024];       /* -a's help */
	struct ad_opt head[2];      /* "Training:" and -a */
	struct ad_cli_block *blocks;
	struct ad_cli_cmd cmd;
};

static enum ad_status make_table(struct table *t, struct args *a,
    struct ad_error *err)
{
	const struct ad_opt heading = AD_OPT_HEADING("Training:");
	const struct ad_opt algorithm = ALGORITHM_ROW(t->algorithm);
	const struct ad_detector *d;
	struct detectors *det = &a->det;
	size_t nrows = 0, nb = 0;
	enum ad_status st;

	while (ad_detector_at(det->n) != NULL)
		nrows += ad_detector_at(det->n++)->nopts;
	t->blocks = ad_calloc(det->n + 3, sizeof *t->blocks);
	det->opts = ad_calloc(det->n, sizeof *det->opts);
	det->given = ad_calloc(nrows ? nrows : 1, sizeof *det->given);
	if (t->blocks == NULL || det->opts == NULL || det->given == NULL)
		return ad_error_nomem(err);
	algorithm_help(t->algorithm, sizeof t->algorithm, algorithm.def);
	t->head[0] = heading;
	t->head[1] = algorithm;
	t->blocks[nb++] = (struct ad_cli_block)AD_CLI_BLOCK(t->head);
	t->blocks[nb++] = (struct ad_cli_block)AD_CLI_BLOCK(train_opts);
	for (size_t i = 0; (d = ad_detector_at(i)) != NULL; i++) {
		if ((st = ad_detector_opts_new(d, &det->opts[i], err)) != AD_OK)
			return st;
		t->blocks[nb++] = (struct ad_cli_block){ d->opts, d->nopts,
		    det->opts[i] };
	}
	t->blocks[nb++] = (struct ad_cli_block)AD_CLI_BLOCK(input_opts);
	t->cmd = cmd_base;
	t->cmd.blocks = t->blocks;
	t->cmd.nblocks = nb;
	return AD_OK;
}

static void free_table(struct table *t, struct args *a)
{
	ad_cli_free(&t->cmd, a, &a->c);
	for (size_t i = 0; a->det.opts != NULL && i < a->det.n; i++)
		ad_detector_opts_free(ad_detector_at(i), a->det.opts[i]);
	ad_free(a->det.opts);
	ad_free(a->det.given);
	ad_free(t->blocks);
}

/* At most this many feature names in the summary. */
#define SHOWN_FEATURES 10

/* The summary's "3 features: a, b, c", the first few names only. */
static void name_features(void *ctx, const char *const *names, size_t n)
{
	struct args *a = ctx;
	size_t shown = n < SHOWN_FEATURES ? n : SHOWN_FEATURES, len = 0;
	char count[64];

	snprintf(count, sizeof count, "%zu feature%s: ", n, n == 1 ? "" : "s");
	append(a->features, sizeof a->features, &len, count);
	for (size_t i = 0; i < shown; i++) {
		append(a->features, sizeof a->features, &len, i ? ", " : "");
		append(a->features, sizeof a->features, &len, names[i]);
	}
	if (shown < n) {
		snprintf(count, sizeof count, " and %zu more", n - shown);
		append(a->features, sizeof a->features, &len, count);
	}
}

/* Keeps a feature that looks like a row number for the summary. */
static void name_row_number(void *ctx, const char *name)
{
	struct args *a = ctx;

	append(a->row_numbers, sizeof a->row_numbers, &a->row_numbers_len,
	    a->row_numbers_len ? ", \"" : "\"");
	append(a->row_numbers, sizeof a->row_numbers, &a->row_numbers_len, name);
	append(a->row_numbers, sizeof a->row_numbers, &a->row_numbers_len,
	    "\"");
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
	if (a->features[0] != '\0')
		ad_cli_note(PROG, "%s: %s%s", in, a->features, r->label_default ?
		    " (column \"label\" left out as the label; --no-label makes "
		    "it a feature)" : "");
	if (a->row_numbers[0] != '\0')
		ad_cli_note(PROG, "%s: feature %s rises by whole numbers on every "
		    "row, like a row number or a time: leave it out with --ignore "
		    "unless its value says something about a row", in,
		    a->row_numbers);
	if (r->rejected || r->invalid)
		ad_cli_note(PROG, "%s: %llu rows trained on; %llu rejected, %llu "
		    "invalid feature cells (taken as missing)", in,
		    (unsigned long long)r->rows, (unsigned long long)r->rejected,
		    (unsigned long long)r->invalid);
	if (r->infinite)
		ad_cli_note(PROG, "%s: %llu infinite feature cells (trained on "
		    "as missing)", in, (unsigned long long)r->infinite);
	if (r->sampled)
		ad_cli_note(PROG, "%s: %llu rows; trained on a uniform sample of "
		    "%llu (--max-train-rows)", in, (unsigned long long)r->rows,
		    (unsigned long long)r->sampled);
	if (r->same_seed != NULL)
		ad_cli_note(PROG, "%s was trained with the same seed as an "
		    "earlier model: their trees are correlated (give each shard "
		    "its own --seed)", r->same_seed);
}

/* -a auto's table, on stderr. */
static void show_choice(void *ctx, const char *table)
{
	struct args *a = ctx;

	if (a->progress.shown) {
		fputc('\n', stderr);
		a->progress.shown = 0;
	}
	fputs(table, stderr);
}

int main(int argc, char **argv)
{
	struct args a;
	struct table t;
	struct ad_train_result res;
	struct ad_error err;
	int code, first;

	memset(&a, 0, sizeof a);
	memset(&t, 0, sizeof t);
	ad_error_clear(&err);
	ad_cli_init();
	if (make_table(&t, &a, &err) != AD_OK) {
		code = ad_cli_report(PROG, &err);
		goto out;
	}
	if ((code = ad_cli_parse(&t.cmd, argc, argv, &a, &a.c, &first)) >= 0)
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
	a.o.threads = a.c.in.threads;
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
		a.o.epoch = show_epoch;
	}
	a.o.detector_opts = detector_opts(&a);
	a.o.table_opts = (const void *const *)a.det.opts;
	a.o.features_named = name_features;
	if (!a.c.quiet)
		a.o.chose = show_choice;
	a.o.features_ctx = &a;
	a.o.row_number_named = name_row_number;
	if (ad_train_run(&a.o, &res, &err) != AD_OK) {
		if (a.progress.shown)
			fputc('\n', stderr);
		goto fail;
	}
	summarize(&a, &res);
	code = AD_EXIT_OK;
	goto out;
fail:
	code = ad_cli_fail(&t.cmd, &err);
out:
	free_table(&t, &a);
	return code;
}
