#ifndef ADKIT_AUTOENC_H
#define ADKIT_AUTOENC_H
/*
 * A fully connected autoencoder: the standardized input goes through hidden
 * layers (relu, tanh or sigmoid) to a linear output layer as wide as the
 * input, trained with Adam to reproduce its input. A row's score is its mean
 * squared reconstruction error in standardized units, over the features it
 * has (higher is more anomalous); a feature's share of it explains the row.
 *
 * Standardization is scikit-learn's StandardScaler, fitted on every training
 * row read (not only on a reservoir sample) and stored in the model. Missing
 * values (NaN) enter the network as the feature's mean (0) and are left out
 * of the loss and of the score; a row missing every feature scores 0.
 * Standardized values are clipped to +-1e6 before entering the network, so
 * that extreme inputs give large, finite scores; a score or error that still
 * overflows is reported as DBL_MAX.
 *
 * The objective is scikit-learn MLPRegressor's: per mini-batch of B rows,
 * (1/2B) sum of squared errors + (weight_decay/2B) sum of squared weights
 * (not biases). Weights and biases start uniform in +-sqrt(6 / (fan_in +
 * fan_out)) (+-sqrt(2 / ...) for sigmoid), as Glorot and scikit-learn do.
 * Dropout (inverted: kept values are scaled by 1/(1 - p)) applies to the
 * hidden layers' outputs during training only. With a validation fraction,
 * that share of the rows (drawn once) is held out; training stops when the
 * validation error has not improved for `patience` epochs and the best
 * epoch's weights are kept.
 *
 * Matrices are single precision, row-major; every product, bias broadcast
 * and bias gradient is a cblas_sgemm call (OpenBLAS); only elementwise work
 * (activations, masks, Adam) is written out here.
 *
 * Reproducibility: weights and scores depend on the seed and the data only.
 * OpenBLAS's own threads split products differently for different thread
 * counts and so change their rounding; this module therefore keeps OpenBLAS
 * on one thread (openblas_set_num_threads(1), process-wide, in
 * ad_autoenc_blas_init) and callers get parallelism by scoring separate
 * blocks on separate threads. A row's score may differ in the last bits
 * depending on its position within the block it is scored in (OpenBLAS uses
 * different kernels at the edges of a product), never on threads or runs.
 *
 * Training memory: the rows kept (all, or a reservoir sample of max_rows)
 * take rows x features x 4 bytes, plus up to as much again while the array
 * grows; each is kept as float(x - r) for a per-feature reference value r
 * (the first one seen), so large offsets do not cost precision.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_autoenc;
struct ad_autoenc_data;
struct ad_autoenc_scratch;

/* Most hidden layers, and the widest layer (input included). */
#define AD_AUTOENC_MAX_HIDDEN 32
#define AD_AUTOENC_MAX_WIDTH 65536

enum ad_autoenc_act {
	AD_AUTOENC_RELU = 1,
	AD_AUTOENC_TANH = 2,
	AD_AUTOENC_SIGMOID = 3
};

/* How an autoencoder is trained. */
struct ad_autoenc_params {
	size_t nfeat;                  /* input (and output) width, >= 1 */
	size_t nhidden;                /* 1..AD_AUTOENC_MAX_HIDDEN */
	size_t hidden[AD_AUTOENC_MAX_HIDDEN]; /* widths, 1..MAX_WIDTH */
	enum ad_autoenc_act act;
	size_t epochs;                 /* at least 1 */
	size_t batch_size;             /* rows per step; at least 1 */
	double learning_rate;          /* Adam's step size, > 0 */
	double weight_decay;           /* L2, scikit-learn's alpha, >= 0 */
	double dropout;                /* [0, 1) */
	double validation_fraction;    /* [0, 1); 0: no early stopping */
	size_t patience;               /* epochs without improvement, >= 1 */
	uint64_t max_rows;             /* reservoir size; 0: keep every row */
	uint64_t seed;
};

/* What a training run did. */
struct ad_autoenc_report {
	uint64_t rows_read;            /* rows given to ad_autoenc_data_add */
	uint64_t rows_train;           /* rows trained on */
	uint64_t rows_validation;      /* rows held out */
	size_t epochs_run;
	size_t best_epoch;             /* 1-based; the weights kept */
	double train_loss;             /* mean squared error, best epoch */
	double validation_loss;        /* the same on held-out rows, or NaN */
};

/* Called after each epoch (1-based) with the mean squared reconstruction
 * error of the training rows (with dropout) and of the validation rows
 * (NaN without them). */
typedef void (*ad_autoenc_progress_fn)(void *ctx, size_t epoch,
    size_t epochs, double train_loss, double validation_loss);

/* Fills p with the defaults: hidden 64,16,64, relu, 100 epochs, batch 200,
 * learning rate 0.001, weight decay 0.0001, no dropout, validation 0.1,
 * patience 10, every row kept, seed 0; p->nfeat is set to 0. */
void ad_autoenc_defaults(struct ad_autoenc_params *p);

/* Parses a comma-separated list of widths ("64,16,64") into p; returns 0,
 * or -1 (p unchanged) for junk, a width outside 1..MAX_WIDTH or too many. */
int ad_autoenc_parse_hidden(const char *s, struct ad_autoenc_params *p);

/* "relu", "tanh" or "sigmoid". */
const char *ad_autoenc_act_name(enum ad_autoenc_act a);

/* Sets *a from a name; returns 0, or -1 for an unknown name. */
int ad_autoenc_act_parse(const char *name, enum ad_autoenc_act *a);

/* NULL if p is trainable, else a static phrase saying what is wrong. */
const char *ad_autoenc_check(const struct ad_autoenc_params *p);

/* Sets OpenBLAS to one thread, process-wide (see the top of this file).
 * Training and decoding call it; call it before starting threads that
 * score. */
void ad_autoenc_blas_init(void);

/* Creates an empty training set for p (copied; checked by the caller). */
enum ad_status ad_autoenc_data_new(struct ad_autoenc_data **data,
    const struct ad_autoenc_params *p, struct ad_error *err);

/* Frees data; NULL is a no-op. */
void ad_autoenc_data_free(struct ad_autoenc_data *data);

/* Adds n rows of x (row i at x + i * ld, p->nfeat values, NaN missing),
 * keeping all or a reservoir sample. An infinite value is AD_EDATA with
 * err->line set to its row (1-based, among these n) and err->col to its
 * feature (1-based); nothing of that call is kept then. */
enum ad_status ad_autoenc_data_add(struct ad_autoenc_data *data,
    const double *x, size_t n, size_t ld, struct ad_error *err);

/* Rows added so far, and rows kept. */
uint64_t ad_autoenc_data_read(const struct ad_autoenc_data *data);
size_t ad_autoenc_data_kept(const struct ad_autoenc_data *data);

/* Writes kept row i (< kept), as it was added up to float rounding, to
 * row[0..nfeat). */
void ad_autoenc_data_row(const struct ad_autoenc_data *data, size_t i,
    double *row);

/* Trains an autoencoder on data (borrowed, not changed) with the parameters
 * data was created with; progress may be NULL; rep (may be NULL) says what
 * happened. No rows is AD_EDATA. */
enum ad_status ad_autoenc_train(const struct ad_autoenc_data *data,
    ad_autoenc_progress_fn progress, void *ctx, struct ad_autoenc **ae,
    struct ad_autoenc_report *rep, struct ad_error *err);

/* Frees ae; NULL is a no-op. */
void ad_autoenc_free(struct ad_autoenc *ae);

/* Input width, hidden layer count and widths, activation. */
size_t ad_autoenc_nfeat(const struct ad_autoenc *ae);
size_t ad_autoenc_nhidden(const struct ad_autoenc *ae);
size_t ad_autoenc_width(const struct ad_autoenc *ae, size_t hidden_layer);
enum ad_autoenc_act ad_autoenc_act(const struct ad_autoenc *ae);

/* The standardization of feature f: its mean and standard deviation. */
void ad_autoenc_scaler(const struct ad_autoenc *ae, size_t f, double *mean,
    double *std);

/* Working memory to score with ae (one per thread). */
enum ad_status ad_autoenc_scratch_new(const struct ad_autoenc *ae,
    struct ad_autoenc_scratch **s, struct ad_error *err);

/* Frees s; NULL is a no-op. */
void ad_autoenc_scratch_free(struct ad_autoenc_scratch *s);

/* Scores n rows of x (row i at x + i * ld, ld >= nfeat; NaN missing) into
 * score[0..n); if sqerr is not NULL, also writes each row's squared error
 * per feature to sqerr[i * nfeat + f] (0 where missing). Reads ae only, so
 * threads with their own scratch (made for ae) may score at once. */
void ad_autoenc_score(const struct ad_autoenc *ae,
    struct ad_autoenc_scratch *s, const double *x, size_t n, size_t ld,
    double *score, double *sqerr);

/* Bytes ad_autoenc_encode writes. */
size_t ad_autoenc_encoded_size(const struct ad_autoenc *ae);

/* Writes ae to p (ad_autoenc_encoded_size bytes) in the layout of
 * adkit(5). */
void ad_autoenc_encode(const struct ad_autoenc *ae, unsigned char *p);

/* Reads an autoencoder for nfeat features from p[0..len), exactly: sizes
 * must add up to len, widths and the activation be in range, every number
 * finite and every deviation positive; else AD_EDATA naming file name.
 * Allocates only in proportion to len. */
enum ad_status ad_autoenc_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_autoenc **ae,
    struct ad_error *err);

/* For tests: the objective (see the top of this file) on n rows of x
 * (standardized, float, row-major, nfeat wide, NaN missing) without
 * dropout, and its gradient with respect to every weight and bias, in the
 * order of ad_autoenc_weights, written to grad (NULL: not computed). */
enum ad_status ad_autoenc_objective(const struct ad_autoenc *ae,
    const float *x, size_t n, double weight_decay, double *loss, float *grad,
    struct ad_error *err);

/* For tests: the weights and biases, layer by layer, each layer's weight
 * matrix (inputs x outputs, row-major) then its biases; *n is set to their
 * count. Changing them changes the model. */
float *ad_autoenc_weights(struct ad_autoenc *ae, size_t *n);

#endif
