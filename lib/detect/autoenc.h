#ifndef ADKIT_AUTOENC_H
#define ADKIT_AUTOENC_H
/*
 * A fully connected autoencoder: standardized rows go through hidden layers
 * (relu, tanh or sigmoid) to a linear output layer as wide as the input,
 * trained with Adam to reproduce their input. A row's score is its mean
 * squared reconstruction error over the features, in standardized units
 * (higher is more anomalous); a feature's squared error explains the row.
 * Standardization is the model's (lib/run/train.c fits it on the training
 * sample, lib/detect/model.c stores it; a missing value becomes 0, the mean).
 * Inputs are clipped to +-1e6 before entering the network, so extreme rows
 * get large, finite scores; an error that still overflows is DBL_MAX.
 *
 * The objective is scikit-learn MLPRegressor's: per mini-batch of B rows,
 * (1/2B) sum of squared errors + (weight_decay/2B) sum of squared weights
 * (biases excluded). Weights and biases start uniform in +-sqrt(6 / (fan_in
 * + fan_out)) (+-sqrt(2 / ...) for sigmoid), as Glorot and scikit-learn.
 * Dropout (inverted: kept values are scaled by 1/(1 - p)) applies to the
 * hidden layers' outputs in training only. With a validation fraction, that
 * share of the rows (drawn once) is held out; training stops when their
 * error has not improved for `patience` epochs and the best epoch's
 * weights are kept. Rows are shuffled every epoch.
 *
 * Training holds a float copy of the rows (rows x features x 4 bytes, on
 * top of the caller's) and runs every product of a batch and its bias
 * gradient (ones^T x delta) through cblas_sgemm; only elementwise work
 * (copying the bias into each row, activations, dropout, Adam) is written
 * out here.
 *
 * Reproducibility. OpenBLAS's own threads split a product differently for
 * different thread counts, and its kernels round a row's product
 * differently depending on the row's position in a block (measured on
 * OpenBLAS 0.3.21: most rows differ in the last bits between a block of
 * 1000 and a block of 1). So OpenBLAS runs on one thread
 * (openblas_set_num_threads(1), process-wide, in ad_autoenc_blas_init):
 * training is byte-identical for a seed, whatever --threads. And scoring
 * takes each row through cblas_sgemv on its own, so that a row's score
 * never depends on its neighbours, the block it came in or the thread that
 * scored it; ad-score gets parallelism from scoring blocks on threads.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"

struct ad_autoenc;

/* Most hidden layers, and the widest layer (the input included). */
#define AD_AUTOENC_MAX_HIDDEN 32
#define AD_AUTOENC_MAX_WIDTH 8192

enum ad_autoenc_act {
	AD_AUTOENC_RELU = 1,
	AD_AUTOENC_TANH = 2,
	AD_AUTOENC_SIGMOID = 3
};

/* How an autoencoder is trained. */
struct ad_autoenc_params {
	size_t nfeat;                  /* input (and output) width */
	size_t nhidden;                /* 1..AD_AUTOENC_MAX_HIDDEN */
	size_t hidden[AD_AUTOENC_MAX_HIDDEN]; /* widths, 1..MAX_WIDTH */
	enum ad_autoenc_act act;
	size_t epochs;                 /* 1..1000000 */
	size_t batch_size;             /* rows per step, 1..1000000 */
	double learning_rate;          /* Adam's step size, (0, 10] */
	double weight_decay;           /* L2, scikit-learn's alpha, [0, 1e6] */
	double dropout;                /* [0, 1) */
	double validation_fraction;    /* [0, 1); 0: no early stopping */
	size_t patience;               /* epochs without improvement, >= 1 */
	uint64_t seed;
};

/* What a training run did. */
struct ad_autoenc_report {
	size_t rows_train;             /* rows trained on */
	size_t rows_validation;        /* rows held out */
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

/* -a autoencoder's options block (detector.h); its rows set the defaults:
 * hidden 64,16,64, relu, 100 epochs, batch 200, learning rate 0.001,
 * weight decay 0.0001, no dropout, validation 0.1, patience 10. */
struct ad_autoenc_opts {
	struct ad_autoenc_params params;  /* nfeat and seed are set by fit */
};

/* Parses a comma-separated list of widths ("64,16,64") into p; returns 0,
 * or -1 (p unchanged) for junk, a width outside 1..MAX_WIDTH or too many. */
int ad_autoenc_parse_hidden(const char *s, struct ad_autoenc_params *p);

/* "relu", "tanh" or "sigmoid" ("?" for anything else). */
const char *ad_autoenc_act_name(enum ad_autoenc_act a);

/* Sets *a from a name; returns 0, or -1 for an unknown name. */
int ad_autoenc_act_parse(const char *name, enum ad_autoenc_act *a);

/* NULL if p is trainable, else a static phrase saying what is wrong. */
const char *ad_autoenc_check(const struct ad_autoenc_params *p);

/* Sets OpenBLAS to one thread, process-wide (see the top of this file).
 * Training and decoding call it, before any thread scores. */
void ad_autoenc_blas_init(void);

/* Trains an autoencoder with p (checked by the caller) on n standardized
 * rows of x (row-major, p->nfeat wide; NaN taken as 0); progress may be
 * NULL; rep (may be NULL) says what happened. Fewer than one row is
 * AD_EDATA, and so is a run whose error overflows. */
enum ad_status ad_autoenc_train(const struct ad_autoenc_params *p,
    const double *x, size_t n, ad_autoenc_progress_fn progress, void *ctx,
    struct ad_autoenc **ae, struct ad_autoenc_report *rep,
    struct ad_error *err);

/* Frees ae; NULL is a no-op. */
void ad_autoenc_free(struct ad_autoenc *ae);

/* Input width, hidden layer count and widths, activation, weight count. */
size_t ad_autoenc_nfeat(const struct ad_autoenc *ae);
size_t ad_autoenc_nhidden(const struct ad_autoenc *ae);
size_t ad_autoenc_width(const struct ad_autoenc *ae, size_t hidden_layer);
enum ad_autoenc_act ad_autoenc_act(const struct ad_autoenc *ae);
size_t ad_autoenc_nweights(const struct ad_autoenc *ae);

/* Scores n standardized rows of x (row i at x + i * ld, ld >= nfeat) into
 * score[0..n). Reads ae only and allocates nothing, so threads may score
 * at once; a row's score depends on that row only. */
void ad_autoenc_score(const struct ad_autoenc *ae, const double *x, size_t n,
    size_t ld, double *score);

/* Writes the squared reconstruction error of each feature of standardized
 * row x to sqerr[0..nfeat) (finite, >= 0; their mean is the row's score). */
void ad_autoenc_explain(const struct ad_autoenc *ae, const double *x,
    double *sqerr);

/* Bytes ad_autoenc_encode writes. */
size_t ad_autoenc_encoded_size(const struct ad_autoenc *ae);

/* Writes ae to p (ad_autoenc_encoded_size bytes) in the layout of
 * adkit(5). */
void ad_autoenc_encode(const struct ad_autoenc *ae, unsigned char *p);

/* Reads an autoencoder for nfeat features from p[0..len), exactly: sizes
 * must add up to len, widths and the activation be in range and every
 * weight finite; else AD_EDATA ("corrupt model: ...") about file name.
 * Allocates only in proportion to len. */
enum ad_status ad_autoenc_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_autoenc **ae,
    struct ad_error *err);

/* For tests: the objective (see the top of this file) on n standardized
 * rows of x (float, row-major, nfeat wide) without dropout, and its
 * gradient with respect to every weight and bias, in the order of
 * ad_autoenc_weights, written to grad (NULL: not computed). */
enum ad_status ad_autoenc_objective(const struct ad_autoenc *ae,
    const float *x, size_t n, double weight_decay, double *loss, float *grad,
    struct ad_error *err);

/* For tests: the weights and biases, layer by layer, each layer's weight
 * matrix (inputs x outputs, row-major) then its biases; *n is set to their
 * count. Changing them changes the model. */
float *ad_autoenc_weights(struct ad_autoenc *ae, size_t *n);

#endif
