#ifndef ADKIT_DETECTOR_H
#define ADKIT_DETECTOR_H
/*
 * The seam between the model file, ad-train and ad-score on one side and
 * the detectors (forests, One-Class SVM, ...) on the other: one table of
 * functions per algorithm over an opaque trained state (void *). The
 * model (lib/detect/model.c) and the runners (lib/run/train.c,
 * lib/run/score.c) call a detector only through it, and a detector sees
 * neither the model nor a runner: only its options, the rows, its
 * hyper-parameters and its state.
 *
 * Adding a detector is one new file in lib/detect that defines
 * `const struct ad_detector ad_NAME_detector` (NAME being its -a name,
 * with its phrase and its option rows) and one row, X(NAME), in the table
 * of lib/detect/detector.c: ad-train's usage line, -a's help, its options,
 * their help and component, and the "--x needs -a NAME" checks all come
 * from the table. adkit(5) gives the model file it is stored in.
 *
 * Two ways to be trained:
 *  - AD_SAMPLE_SUBSAMPLES (forests): lib/run/train.c draws `subsamples`
 *    small reservoirs in its one pass, lets `begin` make an empty state
 *    and has `grow` build part t from reservoir t, on several threads;
 *  - AD_SAMPLE_ROWS (everything else): lib/run/train.c draws ONE uniform
 *    reservoir of --max-train-rows rows in the single pass over the input,
 *    standardizes it (mean and population standard deviation per feature,
 *    stored in the model; missing values become 0, the mean) and hands it
 *    to fit. Scoring standardizes rows the same way before score/explain.
 *
 * Options: each detector owns its options block (opts_size bytes) and
 * declares its options as rows (lib/common/opt.h) whose destinations are
 * offsets into that block, a heading row first. ad-train hands the rows
 * to lib/cli's driver, which parses them into the block and generates
 * the help and the component from them; the rows' defaults are the
 * block's (ad_detector_opts_new). Detectors that share an option declare
 * a row of the same name (the forests share one array): the driver shows
 * it once and writes every declaring detector's block. The block is
 * passed as a const void * to check, fit, subsamples and begin.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "opt.h"

struct ad_rng;

/* Algorithm codes as stored in the file; each detector's file sets its
 * own (.algo) and lib/detect/detector.c maps each to its detector. A new
 * detector takes the next free code. */
enum ad_algo {
	AD_ALGO_IFOREST = 1,   /* Isolation Forest */
	AD_ALGO_EIF = 2,       /* Extended Isolation Forest */
	AD_ALGO_OCSVM = 3,     /* One-Class SVM (libsvm) */
	AD_ALGO_AUTOENCODER = 4 /* autoencoder */
};

/* Longest hyper-parameter name, in bytes. */
#define AD_PARAM_NAME_MAX 64

/* A named hyper-parameter as the model file stores it; all are numbers. */
struct ad_param {
	char name[AD_PARAM_NAME_MAX + 1];
	double value;
};

enum ad_sampling {
	AD_SAMPLE_SUBSAMPLES = 1,  /* a reservoir per part, grown in parallel */
	AD_SAMPLE_ROWS = 2         /* one reservoir, standardized, to fit */
};

/* Called by a detector trained in epochs after each one (1-based), with
 * its training error and its validation error (NaN without one). */
typedef void (*ad_epoch_fn)(void *ctx, size_t epoch, size_t epochs,
    double loss, double validation);

/* What training tells a detector besides its options. */
struct ad_fit_env {
	size_t nfeat;               /* features per row, at least 1 */
	uint64_t seed;              /* --seed; stream 0 is the reservoir's */
	uint64_t max_train_rows;    /* AD_SAMPLE_ROWS: the reservoir's size */
	const double *scale;        /* AD_SAMPLE_ROWS: per feature, the sd the
	                               rows were divided by (> 0), for a
	                               detector that works in raw units */
	const double *center;       /* AD_SAMPLE_ROWS: per feature, the mean
	                               subtracted first */
	const void *const *table_opts; /* optional: each detector's options
	                               block in table order (ad_detector_at),
	                               for an ensemble's members; NULL
	                               entries or array: their defaults */
	ad_progress_fn progress;    /* optional; from the calling thread */
	void *progress_ctx;
	ad_epoch_fn epoch;          /* optional; from the calling thread, with
	                               progress_ctx */
};

struct ad_detector {
	int algo;                  /* enum ad_algo, as stored in the file */
	const char *name;          /* -a NAME, and "algorithm" in --inspect */
	const char *phrase;        /* what it is, for -a's help: "Extended
	                              Isolation Forest" */
	enum ad_sampling sampling;
	double auto_threshold;     /* the threshold of --contamination auto */
	double auto_share;         /* > 0: --contamination auto is instead this
	                              share of the calibration sample (PyOD's
	                              0.1), for scores without a natural cut */
	/* optional: the threshold of --contamination auto for a fitted state,
	 * when it depends on the fit (mcd: a chi-square quantile of the
	 * dimensions the rows span); NULL: auto_share or auto_threshold */
	double (*auto_threshold_of)(const void *state);
	double score_lo, score_hi; /* every score, quantile and threshold lies
	                              in [score_lo, score_hi] (may be
	                              infinite: then finite is all we check) */
	const char *size_key;      /* --inspect's key for size(): "nodes" */

	/* ---- options ---- */

	size_t opts_size;          /* bytes of the options block */
	const struct ad_opt *opts; /* its options: a heading, then rows into
	                              the block (scope AD_OPT_OWN) */
	size_t nopts;
	/* Refuses options that cannot train on nfeat features (AD_EUSAGE):
	 * called with nfeat 0 before the input is opened (what does not
	 * depend on it), then with the feature count before the first row
	 * is read. May be NULL. */
	enum ad_status (*check)(const void *opts, size_t nfeat,
	    struct ad_error *err);

	/* -a NAME=ARG: stores ARG into the options block (an ensemble's
	 * members); NULL: NAME takes no =ARG. */
	enum ad_status (*take_arg)(void *opts, const char *arg,
	    struct ad_error *err);
	/* A detector made of others (ensemble): the i-th detector its options
	 * block names, or NULL past the last; their options apply too. NULL:
	 * none. */
	const struct ad_detector *(*member)(const void *opts, size_t i);

	/* ---- training ---- */

	/* AD_SAMPLE_ROWS: fits a state from n standardized rows x (row-major,
	 * env->nfeat columns, no NaN) and sets *params and *nparams (ad_malloc'd,
	 * the caller's). On failure *state and *params may hold partial
	 * results the caller frees. */
	enum ad_status (*fit)(const void *opts, const struct ad_fit_env *env,
	    const double *x, size_t n, struct ad_param **params,
	    size_t *nparams, void **state, struct ad_error *err);

	/* AD_SAMPLE_ROWS, optional: scores rows of the sample fit was given,
	 * as score does, for a detector that scores its training rows
	 * differently (ECOD counts such a row once, as itself):
	 * lib/run/train.c scores the calibration sample, which is that
	 * sample, through it. NULL: score. */
	void (*score_train)(const void *state, const double *x, size_t n,
	    size_t ld, double *score);

	/* AD_SAMPLE_SUBSAMPLES: how many reservoirs (parts) and how many rows
	 * each. */
	void (*subsamples)(const void *opts, size_t *count, size_t *rows);
	/* AD_SAMPLE_SUBSAMPLES: an empty state of `subsamples` parts, and its
	 * hyper-parameters, as fit sets them. */
	enum ad_status (*begin)(const void *opts, const struct ad_fit_env *env,
	    struct ad_param **params, size_t *nparams, void **state,
	    struct ad_error *err);
	/* AD_SAMPLE_SUBSAMPLES: grows part t from n raw rows x (row-major,
	 * nfeat columns, NaN missing) with rng; different parts may grow on
	 * different threads at once. */
	enum ad_status (*grow)(void *state, size_t t, const double *x,
	    size_t n, struct ad_rng *rng, struct ad_error *err);

	/* ---- merging (ad-train --merge); NULL: models do not merge ---- */

	/* Why hyper-parameters b cannot join a merge with a ("another
	 * --sample-size"), or NULL. */
	const char *(*mismatch)(const struct ad_param *a, size_t na,
	    const struct ad_param *b, size_t nb);
	/* A new state holding states[0..n) in order; params (the first
	 * model's, copied) are updated to describe it. */
	enum ad_status (*merge)(const void *const *states, size_t n,
	    struct ad_param *params, size_t nparams, void **state,
	    struct ad_error *err);

	/* ---- the model file ---- */

	/* Loads the payload p[0..len) of a model with hyper-parameters params
	 * and nfeat features: checks the hyper-parameters and every count and
	 * value (AD_EDATA about file name, message starting "corrupt model:
	 * "), then sets *state. On failure *state may hold a partial state the
	 * caller frees. */
	enum ad_status (*load)(const unsigned char *p, size_t len,
	    const struct ad_param *params, size_t nparams, size_t nfeat,
	    const char *name, void **state, struct ad_error *err);
	/* Bytes save writes, and the writing (the exact inverse of load). */
	size_t (*save_size)(const void *state);
	void (*save)(const void *state, unsigned char *p);

	/* Frees the state; NULL is a no-op. */
	void (*free)(void *state);

	/* ---- using it ---- */

	/* Bytes of workspace score and explain need, whatever the rows
	 * (SIZE_MAX if that overflows): the caller's, one per thread at once,
	 * suitably aligned (ad_malloc). NULL: none (work may then be NULL). */
	size_t (*work_size)(const void *state);

	/* Scores n rows of x (row i at x + i * ld), standardized if the model
	 * is, into score: higher is more anomalous. Only reads the state, so
	 * threads may score at once, each with its work; never allocates. */
	void (*score)(const void *state, const double *x, size_t n, size_t ld,
	    void *work, double *score);

	/* Fills contrib[0..nfeat) with how much each feature makes row x
	 * anomalous (finite, >= 0, higher = more); as thread-safe as score. */
	void (*explain)(const void *state, const double *x, void *work,
	    double *contrib);

	/* A size shown by --inspect under size_key (nodes, support vectors). */
	uint64_t (*size)(const void *state);

	/* A hyper-parameter's value as a word for --inspect ("rbf" for
	 * kernel 2), or NULL to show the number. May itself be NULL. */
	const char *(*param_word)(const char *param, double value);
};

/* The detector of algorithm code algo, or NULL if there is none. */
const struct ad_detector *ad_detector_find(int algo);

/* The detector named name (-a), or NULL. */
const struct ad_detector *ad_detector_named(const char *name);

/* The names of all detectors in table order, "iforest|eif|...", for
 * messages. */
const char *ad_detector_names(void);

/* The i-th detector of the table, or NULL past its end. */
const struct ad_detector *ad_detector_at(size_t i);

/* Sets the defaults of d's rows into opts (opts_size bytes, zeroed). */
enum ad_status ad_detector_opts_defaults(const struct ad_detector *d,
    void *opts, struct ad_error *err);

/* A new options block of d (ad_malloc'd, at least one byte) holding the
 * defaults of its rows; free with ad_detector_opts_free. */
enum ad_status ad_detector_opts_new(const struct ad_detector *d, void **opts,
    struct ad_error *err);

/* Frees a block of ad_detector_opts_new and the lists its rows hold; NULL
 * is a no-op. */
void ad_detector_opts_free(const struct ad_detector *d, void *opts);

/* Whether d declares the option of long name. */
int ad_detector_takes(const struct ad_detector *d, const char *name);

/* AD_OK when d declares option name; else AD_EUSAGE naming the detectors
 * that do: "--nu needs -a ocsvm", "--trees needs -a iforest or eif". */
enum ad_status ad_detector_check_option(const struct ad_detector *d,
    const char *name, struct ad_error *err);

/* The value of hyper-parameter name among p[0..n), or NaN. */
double ad_detector_param_get(const struct ad_param *p, size_t n, const char *name);

/* New hyper-parameters names[i] = values[i], i < n, into *p (ad_malloc'd);
 * names must be shorter than AD_PARAM_NAME_MAX. */
enum ad_status ad_detector_param_new(struct ad_param **p, size_t n,
    const char *const *names, const double *values, struct ad_error *err);

#endif
