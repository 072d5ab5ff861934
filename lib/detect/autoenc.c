/*
 * The autoencoder of autoenc.h: training with Adam on mini-batches (every
 * product a cblas_sgemm; a bias gradient is ones^T * delta), scoring one
 * row at a time (cblas_sgemv), the payload, and the detector's entry in
 * lib/detect/detector.h's table.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "alloc.h"
#include "autoenc.h"
#include "detector.h"
#include "rng.h"

/* Weight layers at most. */
#define MAX_LAYERS (AD_AUTOENC_MAX_HIDDEN + 1)

/* Standardized inputs are clipped to this, so scores stay finite. */
#define CLIP 1e6

/* Random streams of the seed, one per use, so that one does not shift
 * another. Stream 0 is lib/run/train.c's reservoir. */
enum { STREAM_INIT = 1, STREAM_SPLIT, STREAM_SHUFFLE, STREAM_DROPOUT };

/* Adam's constants, as scikit-learn's (Kingma and Ba's). */
#define BETA1 0.9
#define BETA2 0.999
#define ADAM_EPS 1e-8

struct ad_autoenc {
	size_t nlayers;               /* weight layers: hidden + 1 */
	size_t width[MAX_LAYERS + 1]; /* width[0] == width[nlayers] == nfeat */
	enum ad_autoenc_act act;
	float *theta;                 /* layer l: W (width[l] x width[l+1]),
	                                 then b (width[l+1]) */
	size_t ntheta;
	size_t woff[MAX_LAYERS];      /* W of layer l at theta + woff[l] */
	size_t boff[MAX_LAYERS];      /* b of layer l at theta + boff[l] */
};

/* The buffers of a forward and backward pass over up to cap rows. */
struct pass {
	size_t cap;
	float *ones;                   /* cap ones */
	float *act[MAX_LAYERS + 1];    /* act[0] input, act[l] layer l's output */
	float *keep[MAX_LAYERS];       /* dropout multipliers, hidden layers */
	float *dropped[MAX_LAYERS];    /* act[l] * keep[l] */
	float *delta[MAX_LAYERS + 1];  /* d objective / d pre-activation */
	float *mem;
};

/* ---- parameters ---- */

int ad_autoenc_parse_hidden(const char *s, struct ad_autoenc_params *p)
{
	size_t w[AD_AUTOENC_MAX_HIDDEN], n = 0;

	for (;;) {
		size_t v = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (size_t)(*s++ - '0');
			if (v > AD_AUTOENC_MAX_WIDTH)
				return -1;
			digits++;
		}
		if (digits == 0 || v == 0 || n == AD_AUTOENC_MAX_HIDDEN)
			return -1;
		w[n++] = v;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			return -1;
	}
	p->nhidden = n;
	memcpy(p->hidden, w, n * sizeof *w);
	return 0;
}

static const char *const act_names[] = { NULL, "relu", "tanh", "sigmoid" };

const char *ad_autoenc_act_name(enum ad_autoenc_act a)
{
	return a >= AD_AUTOENC_RELU && a <= AD_AUTOENC_SIGMOID ?
	    act_names[a] : "?";
}

int ad_autoenc_act_parse(const char *name, enum ad_autoenc_act *a)
{
	for (int i = AD_AUTOENC_RELU; i <= AD_AUTOENC_SIGMOID; i++)
		if (strcmp(name, act_names[i]) == 0) {
			*a = (enum ad_autoenc_act)i;
			return 0;
		}
	return -1;
}

const char *ad_autoenc_check(const struct ad_autoenc_params *p)
{
	if (p->nfeat < 1 || p->nfeat > AD_AUTOENC_MAX_WIDTH)
		return "an autoencoder takes 1 to 8192 features";
	if (p->nhidden < 1 || p->nhidden > AD_AUTOENC_MAX_HIDDEN)
		return "there must be 1 to 32 hidden layers";
	for (size_t i = 0; i < p->nhidden; i++)
		if (p->hidden[i] < 1 || p->hidden[i] > AD_AUTOENC_MAX_WIDTH)
			return "a hidden layer must be 1 to 8192 wide";
	if (p->act < AD_AUTOENC_RELU || p->act > AD_AUTOENC_SIGMOID)
		return "unknown activation";
	if (p->epochs < 1 || p->epochs > 1000000)
		return "the epochs must be 1 to 1000000";
	if (p->batch_size < 1 || p->batch_size > 1000000)
		return "the batch size must be 1 to 1000000";
	if (!(p->learning_rate > 0 && p->learning_rate <= 10))
		return "the learning rate must be in (0, 10]";
	if (!(p->weight_decay >= 0 && p->weight_decay <= 1e6))
		return "the weight decay must be in [0, 1e6]";
	if (!(p->dropout >= 0 && p->dropout < 1))
		return "dropout must be in [0, 1)";
	if (!(p->validation_fraction >= 0 && p->validation_fraction < 1))
		return "the validation fraction must be in [0, 1)";
	if (p->patience < 1 || p->patience > 1000000)
		return "patience must be 1 to 1000000";
	return NULL;
}

void ad_autoenc_blas_init(void)
{
	openblas_set_num_threads(1);
}

/* ---- the network ---- */

static void layout(struct ad_autoenc *ae)
{
	size_t off = 0;

	for (size_t l = 0; l < ae->nlayers; l++) {
		ae->woff[l] = off;
		off += ae->width[l] * ae->width[l + 1];
		ae->boff[l] = off;
		off += ae->width[l + 1];
	}
	ae->ntheta = off;
}

/* A network with widths w[0..L] (each at most MAX_WIDTH, so their
 * products cannot overflow) and zeroed weights. */
static enum ad_status net_new(const size_t *w, size_t L,
    enum ad_autoenc_act act, struct ad_autoenc **out, struct ad_error *err)
{
	struct ad_autoenc *ae = ad_calloc(1, sizeof *ae);

	if (ae == NULL)
		return ad_error_nomem(err);
	ae->nlayers = L;
	memcpy(ae->width, w, (L + 1) * sizeof *w);
	ae->act = act;
	layout(ae);
	if ((ae->theta = ad_calloc(ae->ntheta, sizeof *ae->theta)) == NULL) {
		ad_free(ae);
		return ad_error_nomem(err);
	}
	*out = ae;
	return AD_OK;
}

void ad_autoenc_free(struct ad_autoenc *ae)
{
	if (ae == NULL)
		return;
	ad_free(ae->theta);
	ad_free(ae);
}

size_t ad_autoenc_nfeat(const struct ad_autoenc *ae)
{
	return ae->width[0];
}

size_t ad_autoenc_nhidden(const struct ad_autoenc *ae)
{
	return ae->nlayers - 1;
}

size_t ad_autoenc_width(const struct ad_autoenc *ae, size_t hidden_layer)
{
	return ae->width[hidden_layer + 1];
}

enum ad_autoenc_act ad_autoenc_act(const struct ad_autoenc *ae)
{
	return ae->act;
}

size_t ad_autoenc_nweights(const struct ad_autoenc *ae)
{
	return ae->ntheta;
}

float *ad_autoenc_weights(struct ad_autoenc *ae, size_t *n)
{
	*n = ae->ntheta;
	return ae->theta;
}

/* A standardized value as the network takes it: clipped, NaN as 0. */
static float input_value(double z)
{
	if (isnan(z))
		return 0;
	return (float)(z > CLIP ? CLIP : z < -CLIP ? -CLIP : z);
}

static void activate(enum ad_autoenc_act act, float *a, size_t n)
{
	switch (act) {
	case AD_AUTOENC_RELU:
		for (size_t i = 0; i < n; i++)
			a[i] = a[i] > 0 ? a[i] : 0;
		break;
	case AD_AUTOENC_TANH:
		for (size_t i = 0; i < n; i++)
			a[i] = tanhf(a[i]);
		break;
	case AD_AUTOENC_SIGMOID:
		for (size_t i = 0; i < n; i++)
			a[i] = 1 / (1 + expf(-a[i]));
		break;
	}
}

/* delta *= the activation's derivative, from its output a. */
static void derive(enum ad_autoenc_act act, const float *a, float *delta,
    size_t n)
{
	switch (act) {
	case AD_AUTOENC_RELU:
		for (size_t i = 0; i < n; i++)
			delta[i] = a[i] > 0 ? delta[i] : 0;
		break;
	case AD_AUTOENC_TANH:
		for (size_t i = 0; i < n; i++)
			delta[i] *= 1 - a[i] * a[i];
		break;
	case AD_AUTOENC_SIGMOID:
		for (size_t i = 0; i < n; i++)
			delta[i] *= a[i] * (1 - a[i]);
		break;
	}
}

/* ---- batches (training) ---- */

static void pass_free(struct pass *ps)
{
	ad_free(ps->mem);
	memset(ps, 0, sizeof *ps);
}

/* Buffers for up to cap rows through ae: activations, deltas and, with
 * dropout, its multipliers. */
static enum ad_status pass_new(struct pass *ps, const struct ad_autoenc *ae,
    size_t cap, int dropout, struct ad_error *err)
{
	size_t L = ae->nlayers, total = 0, off = 0, per_row = 0, bytes, k = 0;
	size_t sizes[4 * MAX_LAYERS + 4];
	float **slots[4 * MAX_LAYERS + 4];

	memset(ps, 0, sizeof *ps);
	ps->cap = cap;
	sizes[k] = 1, slots[k++] = &ps->ones;
	for (size_t l = 0; l <= L; l++)
		sizes[k] = ae->width[l], slots[k++] = &ps->act[l];
	for (size_t l = 1; dropout && l < L; l++) {
		sizes[k] = ae->width[l], slots[k++] = &ps->keep[l];
		sizes[k] = ae->width[l], slots[k++] = &ps->dropped[l];
	}
	for (size_t l = 1; l <= L; l++)
		sizes[k] = ae->width[l], slots[k++] = &ps->delta[l];
	for (size_t i = 0; i < k; i++)
		per_row += sizes[i];      /* at most 4 * 33 * 8192 */
	if (ad_mul_size(per_row, cap, &total) ||
	    ad_mul_size(total, sizeof(float), &bytes) ||
	    (ps->mem = ad_malloc(bytes)) == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < k; i++) {
		*slots[i] = ps->mem + off;
		off += sizes[i] * cap;
	}
	for (size_t i = 0; i < cap; i++)
		ps->ones[i] = 1;
	return AD_OK;
}

/* What layer l reads: the input, or the previous layer's output after
 * dropout. */
static const float *layer_input(const struct pass *ps, size_t l)
{
	return ps->dropped[l] != NULL ? ps->dropped[l] : ps->act[l];
}

/* Runs n rows of ps->act[0] through ae; with dropout buffers and a
 * generator, draws each hidden unit's multiplier (rate drop). */
static void forward(const struct ad_autoenc *ae, struct pass *ps, size_t n,
    double drop, struct ad_rng *rng)
{
	size_t L = ae->nlayers;

	for (size_t l = 0; l < L; l++) {
		int in = (int)ae->width[l], out = (int)ae->width[l + 1];
		size_t m = n * (size_t)out;
		float *z = ps->act[l + 1];

		/* each row starts as the bias: a copy, cheaper than a product */
		for (size_t i = 0; i < n; i++)
			memcpy(z + i * (size_t)out, ae->theta + ae->boff[l],
			    (size_t)out * sizeof *z);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n,
		    out, in, 1.0f, layer_input(ps, l), in,
		    ae->theta + ae->woff[l], out, 1.0f, z, out);
		if (l + 1 == L)
			break;
		activate(ae->act, z, m);
		if (ps->dropped[l + 1] == NULL)
			continue;
		float *keep = ps->keep[l + 1], *dz = ps->dropped[l + 1];
		float scale = (float)(1 / (1 - drop));
		for (size_t i = 0; i < m; i++)
			keep[i] = rng == NULL ? 1 : ad_rng_uniform(rng) < drop ? 0 :
			    scale;
		for (size_t i = 0; i < m; i++)
			dz[i] = z[i] * keep[i];
	}
}

/* The sum of squared errors of the n rows just run forward. */
static double squared_error(const struct ad_autoenc *ae,
    const struct pass *ps, size_t n)
{
	size_t m = n * ae->width[0];
	const float *o = ps->act[ae->nlayers], *t = ps->act[0];
	double s = 0;

	for (size_t i = 0; i < m; i++) {
		double e = (double)o[i] - (double)t[i];
		s += e * e;
	}
	return s;
}

/* The gradient of the squared error term of the objective for the n rows
 * just run forward, into grad (laid out as theta). */
static void backward(const struct ad_autoenc *ae, struct pass *ps, size_t n,
    float *grad)
{
	size_t L = ae->nlayers, m = n * ae->width[0];
	float *d = ps->delta[L], inv = (float)(1.0 / (double)n);
	const float *o = ps->act[L], *t = ps->act[0];

	for (size_t i = 0; i < m; i++)
		d[i] = (o[i] - t[i]) * inv;
	for (size_t l = L; l-- > 0;) {
		int in = (int)ae->width[l], out = (int)ae->width[l + 1];
		const float *dz = ps->delta[l + 1];

		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, out,
		    (int)n, 1.0f, layer_input(ps, l), in, dz, out, 0.0f,
		    grad + ae->woff[l], out);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 1, out,
		    (int)n, 1.0f, ps->ones, 1, dz, out, 0.0f,
		    grad + ae->boff[l], out);
		if (l == 0)
			break;
		float *da = ps->delta[l];
		size_t k = n * (size_t)in;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, in,
		    out, 1.0f, dz, out, ae->theta + ae->woff[l], out, 0.0f, da,
		    in);
		if (ps->keep[l] != NULL)
			for (size_t i = 0; i < k; i++)
				da[i] *= ps->keep[l][i];
		derive(ae->act, ps->act[l], da, k);
	}
}

/* Adds (wd / n) W to the weights' gradient and returns the penalty
 * (wd / 2n) sum W^2. */
static double decay(const struct ad_autoenc *ae, float *grad, double wd,
    size_t n)
{
	double pen = 0;
	float k = (float)(wd / (double)n);

	if (wd == 0)
		return 0;
	for (size_t l = 0; l < ae->nlayers; l++) {
		size_t cnt = ae->width[l] * ae->width[l + 1];
		const float *w = ae->theta + ae->woff[l];
		float *g = grad + ae->woff[l];

		for (size_t i = 0; i < cnt; i++)
			g[i] += k * w[i];
		for (size_t i = 0; i < cnt; i++)
			pen += (double)w[i] * w[i];
	}
	return pen * wd / (2.0 * (double)n);
}

enum ad_status ad_autoenc_objective(const struct ad_autoenc *ae,
    const float *x, size_t n, double weight_decay, double *loss, float *grad,
    struct ad_error *err)
{
	struct pass ps;
	float *scratch = grad;
	enum ad_status st;

	if (n == 0)
		return ad_error_set(err, AD_EDATA, "no rows");
	if ((st = pass_new(&ps, ae, n, 0, err)) != AD_OK)
		return st;
	if (scratch == NULL &&
	    (scratch = ad_calloc(ae->ntheta, sizeof *scratch)) == NULL) {
		pass_free(&ps);
		return ad_error_nomem(err);
	}
	for (size_t i = 0; i < n * ae->width[0]; i++)
		ps.act[0][i] = input_value(x[i]);
	forward(ae, &ps, n, 0, NULL);
	backward(ae, &ps, n, scratch);
	*loss = squared_error(ae, &ps, n) / (2.0 * (double)n) +
	    decay(ae, scratch, weight_decay, n);
	if (scratch != grad)
		ad_free(scratch);
	pass_free(&ps);
	return AD_OK;
}

/* ---- training ---- */

struct trainer {
	const struct ad_autoenc_params *p;
	struct ad_autoenc *ae;
	struct pass ps;
	float *rows;                  /* the training rows, as the net takes
	                                 them */
	float *grad, *m, *v, *best;   /* gradient, Adam's moments, best weights */
	size_t *order;                /* validation rows, then training rows */
	size_t nval, ntrain;
	struct ad_rng shuffle, drop;
	uint64_t step;                /* Adam steps taken */
};

static void trainer_free(struct trainer *tr)
{
	ad_autoenc_free(tr->ae);
	pass_free(&tr->ps);
	ad_free(tr->rows);
	ad_free(tr->grad);
	ad_free(tr->m);
	ad_free(tr->v);
	ad_free(tr->best);
	ad_free(tr->order);
}

/* Glorot's uniform initialization, as scikit-learn's (biases too). */
static void init_weights(struct ad_autoenc *ae, uint64_t seed)
{
	struct ad_rng rng;

	ad_rng_seed(&rng, seed, STREAM_INIT);
	for (size_t l = 0; l < ae->nlayers; l++) {
		double fan = (double)(ae->width[l] + ae->width[l + 1]);
		double bound = sqrt((ae->act == AD_AUTOENC_SIGMOID ? 2 : 6) / fan);
		size_t nw = ae->width[l] * ae->width[l + 1] + ae->width[l + 1];
		float *w = ae->theta + ae->woff[l];

		for (size_t i = 0; i < nw; i++)
			w[i] = (float)((2 * ad_rng_uniform(&rng) - 1) * bound);
	}
}

/* Copies rows idx[0..n) into the pass's input. */
static void gather(struct trainer *tr, const size_t *idx, size_t n)
{
	size_t d = tr->p->nfeat;

	for (size_t i = 0; i < n; i++) {
		/* rows are visited in random order: ask for later ones early */
		if (i + 8 < n)
			for (size_t f = 0; f < d; f += 16)
				__builtin_prefetch(tr->rows + idx[i + 8] * d + f);
		memcpy(tr->ps.act[0] + i * d, tr->rows + idx[i] * d,
		    d * sizeof *tr->rows);
	}
}

static void shuffle(size_t *a, size_t n, struct ad_rng *rng)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)ad_rng_below(rng, i), t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* One Adam step on the gradient in tr->grad. */
static void adam(struct trainer *tr)
{
	struct ad_autoenc *ae = tr->ae;
	double t = (double)++tr->step;
	float lr = (float)(tr->p->learning_rate * sqrt(1 - pow(BETA2, t)) /
	    (1 - pow(BETA1, t)));
	const float b1 = (float)BETA1, b2 = (float)BETA2, eps = (float)ADAM_EPS;
	float *m = tr->m, *v = tr->v, *g = tr->grad, *w = ae->theta;

	for (size_t i = 0; i < ae->ntheta; i++) {
		m[i] = b1 * m[i] + (1 - b1) * g[i];
		v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
		w[i] -= lr * m[i] / (sqrtf(v[i]) + eps);
	}
}

/* One epoch over the training rows; returns their mean squared error. */
static double train_epoch(struct trainer *tr)
{
	size_t *idx = tr->order + tr->nval, B = tr->ps.cap;
	double sse = 0;

	shuffle(idx, tr->ntrain, &tr->shuffle);
	for (size_t s = 0; s < tr->ntrain; s += B) {
		size_t n = tr->ntrain - s < B ? tr->ntrain - s : B;

		gather(tr, idx + s, n);
		forward(tr->ae, &tr->ps, n, tr->p->dropout, &tr->drop);
		sse += squared_error(tr->ae, &tr->ps, n);
		backward(tr->ae, &tr->ps, n, tr->grad);
		decay(tr->ae, tr->grad, tr->p->weight_decay, n);
		adam(tr);
	}
	return sse / ((double)tr->ntrain * (double)tr->p->nfeat);
}

/* The mean squared error of the validation rows, without dropout. */
static double validate(struct trainer *tr)
{
	size_t B = tr->ps.cap;
	double sse = 0;
	float *keep[MAX_LAYERS];

	/* no dropout: the pass reads the activations themselves */
	memcpy(keep, tr->ps.dropped, sizeof keep);
	memset(tr->ps.dropped, 0, sizeof tr->ps.dropped);
	for (size_t s = 0; s < tr->nval; s += B) {
		size_t n = tr->nval - s < B ? tr->nval - s : B;

		gather(tr, tr->order + s, n);
		forward(tr->ae, &tr->ps, n, 0, NULL);
		sse += squared_error(tr->ae, &tr->ps, n);
	}
	memcpy(tr->ps.dropped, keep, sizeof keep);
	return sse / ((double)tr->nval * (double)tr->p->nfeat);
}

static enum ad_status trainer_init(struct trainer *tr,
    const struct ad_autoenc_params *p, const double *x, size_t n,
    struct ad_error *err)
{
	size_t w[MAX_LAYERS + 1], B, cells;
	struct ad_rng split;
	enum ad_status st;

	memset(tr, 0, sizeof *tr);
	tr->p = p;
	w[0] = w[p->nhidden + 1] = p->nfeat;
	memcpy(w + 1, p->hidden, p->nhidden * sizeof *w);
	if ((st = net_new(w, p->nhidden + 1, p->act, &tr->ae, err)) != AD_OK)
		return st;
	init_weights(tr->ae, p->seed);
	tr->nval = (size_t)floor(p->validation_fraction * (double)n);
	tr->ntrain = n - tr->nval;     /* >= 1: the fraction is below 1 */
	B = p->batch_size < tr->ntrain ? p->batch_size : tr->ntrain;
	if ((st = pass_new(&tr->ps, tr->ae, B, p->dropout > 0, err)) != AD_OK)
		return st;
	if (ad_mul_size(n, p->nfeat, &cells) ||
	    (tr->rows = ad_calloc(cells, sizeof *tr->rows)) == NULL ||
	    (tr->grad = ad_calloc(tr->ae->ntheta, sizeof *tr->grad)) == NULL ||
	    (tr->m = ad_calloc(tr->ae->ntheta, sizeof *tr->m)) == NULL ||
	    (tr->v = ad_calloc(tr->ae->ntheta, sizeof *tr->v)) == NULL ||
	    (tr->best = ad_calloc(tr->ae->ntheta, sizeof *tr->best)) == NULL ||
	    (tr->order = ad_calloc(n, sizeof *tr->order)) == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < cells; i++)
		tr->rows[i] = input_value(x[i]);
	for (size_t i = 0; i < n; i++)
		tr->order[i] = i;
	ad_rng_seed(&split, p->seed, STREAM_SPLIT);
	shuffle(tr->order, n, &split);
	ad_rng_seed(&tr->shuffle, p->seed, STREAM_SHUFFLE);
	ad_rng_seed(&tr->drop, p->seed, STREAM_DROPOUT);
	return AD_OK;
}

/* Keeps the weights of the best epoch so far; returns whether epoch e,
 * with validation error val, is it. */
static int keep_best(struct trainer *tr, size_t e, double loss, double val,
    struct ad_autoenc_report *r)
{
	if (tr->nval > 0 && !(val < r->validation_loss ||
	    isnan(r->validation_loss)))
		return 0;
	r->best_epoch = e;
	r->train_loss = loss;
	r->validation_loss = val;
	if (tr->nval > 0)
		memcpy(tr->best, tr->ae->theta, tr->ae->ntheta * sizeof *tr->best);
	return 1;
}

enum ad_status ad_autoenc_train(const struct ad_autoenc_params *p,
    const double *x, size_t n, ad_autoenc_progress_fn progress, void *ctx,
    struct ad_autoenc **ae, struct ad_autoenc_report *rep,
    struct ad_error *err)
{
	struct ad_autoenc_report r;
	struct trainer tr;
	size_t wait = 0;
	enum ad_status st;

	if (n == 0)
		return ad_error_set(err, AD_EDATA, "no rows to train on");
	ad_autoenc_blas_init();
	if ((st = trainer_init(&tr, p, x, n, err)) != AD_OK)
		goto out;
	memset(&r, 0, sizeof r);
	r.rows_train = tr.ntrain;
	r.rows_validation = tr.nval;
	r.validation_loss = NAN;
	for (size_t e = 1; e <= p->epochs; e++) {
		double loss = train_epoch(&tr);
		double val = tr.nval > 0 ? validate(&tr) : NAN;

		if (!isfinite(loss) || (tr.nval > 0 && !isfinite(val))) {
			st = ad_error_set(err, AD_EDATA, "the autoencoder diverged in "
			    "epoch %zu (try a smaller --learning-rate)", e);
			goto out;
		}
		r.epochs_run = e;
		if (progress != NULL)
			progress(ctx, e, p->epochs, loss, val);
		if (keep_best(&tr, e, loss, val, &r))
			wait = 0;
		else if (++wait >= p->patience)
			break;
	}
	if (tr.nval > 0)
		memcpy(tr.ae->theta, tr.best, tr.ae->ntheta * sizeof *tr.best);
	*ae = tr.ae;
	tr.ae = NULL;
	if (rep != NULL)
		*rep = r;
out:
	trainer_free(&tr);
	return st;
}

/* ---- scoring, one row at a time ---- */

/* Runs standardized row x through ae with buffers a and b (MAX_WIDTH
 * each); returns the one holding the output. */
static const float *forward_row(const struct ad_autoenc *ae, const double *x,
    float *a, float *b)
{
	float *in = a, *out = b, *t;

	for (size_t f = 0; f < ae->width[0]; f++)
		in[f] = input_value(x[f]);
	for (size_t l = 0; l < ae->nlayers; l++) {
		size_t w = ae->width[l + 1];

		memcpy(out, ae->theta + ae->boff[l], w * sizeof *out);
		cblas_sgemv(CblasRowMajor, CblasTrans, (int)ae->width[l], (int)w,
		    1.0f, ae->theta + ae->woff[l], (int)w, in, 1, 1.0f, out, 1);
		if (l + 1 < ae->nlayers)
			activate(ae->act, out, w);
		t = in, in = out, out = t;
	}
	return in;
}

static double finite_or_max(double v)
{
	return isfinite(v) ? v : DBL_MAX;
}

/* Squared error of feature f of row x against output o. */
static double feature_error(const double *x, const float *o, size_t f)
{
	double e = (double)o[f] - (double)input_value(x[f]);

	return finite_or_max(e * e);
}

void ad_autoenc_score(const struct ad_autoenc *ae, const double *x, size_t n,
    size_t ld, double *score)
{
	float a[AD_AUTOENC_MAX_WIDTH], b[AD_AUTOENC_MAX_WIDTH];
	size_t d = ae->width[0];

	for (size_t i = 0; i < n; i++) {
		const double *r = x + i * ld;
		const float *o = forward_row(ae, r, a, b);
		double sum = 0;

		for (size_t f = 0; f < d; f++)
			sum += feature_error(r, o, f);
		score[i] = finite_or_max(sum / (double)d);
	}
}

void ad_autoenc_explain(const struct ad_autoenc *ae, const double *x,
    double *sqerr)
{
	float a[AD_AUTOENC_MAX_WIDTH], b[AD_AUTOENC_MAX_WIDTH];
	const float *o = forward_row(ae, x, a, b);

	for (size_t f = 0; f < ae->width[0]; f++)
		sqerr[f] = feature_error(x, o, f);
}

/* ---- the payload ---- */

static unsigned char *put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
	return p + 4;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

size_t ad_autoenc_encoded_size(const struct ad_autoenc *ae)
{
	return 8 + 4 * (ae->nlayers + 1) + 4 * ae->ntheta;
}

void ad_autoenc_encode(const struct ad_autoenc *ae, unsigned char *p)
{
	p = put_u32(p, (uint32_t)ae->act);
	p = put_u32(p, (uint32_t)ae->nlayers);
	for (size_t l = 0; l <= ae->nlayers; l++)
		p = put_u32(p, (uint32_t)ae->width[l]);
	for (size_t i = 0; i < ae->ntheta; i++) {
		uint32_t u;
		memcpy(&u, &ae->theta[i], sizeof u);
		p = put_u32(p, u);
	}
}

static enum ad_status corrupt(struct ad_error *err, const char *name,
    const char *what)
{
	return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: %s", what);
}

/* Reads and checks the activation, layer count and widths. */
static enum ad_status decode_shape(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, enum ad_autoenc_act *act, size_t *L,
    size_t *w, struct ad_error *err)
{
	uint32_t a, nl;

	if (len < 8)
		return corrupt(err, name, "truncated autoencoder");
	a = get_u32(p);
	nl = get_u32(p + 4);
	if (a < AD_AUTOENC_RELU || a > AD_AUTOENC_SIGMOID)
		return corrupt(err, name, "unknown autoencoder activation");
	if (nl < 2 || nl > MAX_LAYERS)
		return corrupt(err, name, "autoencoder layer count out of range");
	if ((len - 8) / 4 < (size_t)nl + 1)
		return corrupt(err, name, "truncated autoencoder");
	for (size_t l = 0; l <= nl; l++) {
		w[l] = get_u32(p + 8 + 4 * l);
		if (w[l] < 1 || w[l] > AD_AUTOENC_MAX_WIDTH)
			return corrupt(err, name, "autoencoder layer width out of "
			    "range");
	}
	if (w[0] != nfeat || w[nl] != nfeat)
		return corrupt(err, name, "autoencoder input or output width is "
		    "not the feature count");
	*act = (enum ad_autoenc_act)a;
	*L = nl;
	return AD_OK;
}

enum ad_status ad_autoenc_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_autoenc **out,
    struct ad_error *err)
{
	size_t w[MAX_LAYERS + 1], L = 0, ntheta = 0, head;
	enum ad_autoenc_act act = AD_AUTOENC_RELU;
	struct ad_autoenc *ae;
	enum ad_status st;

	if ((st = decode_shape(p, len, nfeat, name, &act, &L, w, err)) != AD_OK)
		return st;
	head = 8 + 4 * (L + 1);
	for (size_t l = 0; l < L; l++)   /* widths <= 8192: no overflow */
		ntheta += w[l] * w[l + 1] + w[l + 1];
	if ((len - head) / 4 != ntheta || (len - head) % 4 != 0)
		return corrupt(err, name, "autoencoder weights do not fill the "
		    "payload exactly");
	if ((st = net_new(w, L, act, &ae, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < ntheta; i++) {
		uint32_t u = get_u32(p + head + 4 * i);
		memcpy(&ae->theta[i], &u, sizeof u);
		if (!isfinite(ae->theta[i])) {
			ad_autoenc_free(ae);
			return corrupt(err, name, "autoencoder weight not finite");
		}
	}
	ad_autoenc_blas_init();
	*out = ae;
	return AD_OK;
}

/* ---- the detector (lib/detect/detector.h) ---- */

/* The hyper-parameters a model keeps, in order; hidden_1.. follow. */
static const char *const param_names[] = {
	"activation", "hidden_layers", "epochs", "batch_size",
	"learning_rate", "weight_decay", "dropout", "validation_fraction",
	"patience", "epochs_run", "best_epoch"
};
#define NPARAM_FIXED (sizeof param_names / sizeof *param_names)

static void param_values(const struct ad_autoenc_params *p,
    const struct ad_autoenc_report *r, double *v)
{
	v[0] = p->act;
	v[1] = (double)p->nhidden;
	v[2] = (double)p->epochs;
	v[3] = (double)p->batch_size;
	v[4] = p->learning_rate;
	v[5] = p->weight_decay;
	v[6] = p->dropout;
	v[7] = p->validation_fraction;
	v[8] = (double)p->patience;
	v[9] = (double)r->epochs_run;
	v[10] = (double)r->best_epoch;
}

static enum ad_status set_params(const struct ad_autoenc_params *p,
    const struct ad_autoenc_report *r, struct ad_param **params,
    size_t *nparams, struct ad_error *err)
{
	double v[NPARAM_FIXED];
	size_t n = NPARAM_FIXED + p->nhidden;

	if ((*params = ad_calloc(n, sizeof **params)) == NULL)
		return ad_error_nomem(err);
	param_values(p, r, v);
	for (size_t i = 0; i < n; i++) {
		struct ad_param *q = &(*params)[i];
		if (i < NPARAM_FIXED) {
			snprintf(q->name, sizeof q->name, "%s", param_names[i]);
			q->value = v[i];
		} else {
			snprintf(q->name, sizeof q->name, "hidden_%zu",
			    i - NPARAM_FIXED + 1);
			q->value = (double)p->hidden[i - NPARAM_FIXED];
		}
	}
	*nparams = n;
	return AD_OK;
}

static enum ad_status ae_fit(const void *opts, const struct ad_fit_env *env,
    const double *x, size_t n, struct ad_param **params, size_t *nparams,
    void **state, struct ad_error *err)
{
	const struct ad_autoenc_opts *o = opts;
	struct ad_autoenc_params p = o->params;
	struct ad_autoenc_report r;
	struct ad_autoenc *ae = NULL;
	const char *why;
	enum ad_status st;

	p.nfeat = env->nfeat;
	p.seed = env->seed;
	if ((why = ad_autoenc_check(&p)) != NULL)
		return ad_error_set(err, AD_EUSAGE, "%s", why);
	if ((st = ad_autoenc_train(&p, x, n, env->epoch, env->progress_ctx, &ae,
	    &r, err)) != AD_OK)
		return st;
	*state = ae;
	return set_params(&p, &r, params, nparams, err);
}

/* The hyper-parameters of m, checked as training would and against the
 * network decoded (ae). */
static enum ad_status check_params(const struct ad_param *params,
    size_t nparams, size_t nfeat, const struct ad_autoenc *ae,
    const char *name, struct ad_error *err)
{
	struct ad_autoenc_params p;
	struct ad_autoenc_report r;
	double v[NPARAM_FIXED];

	memset(&p, 0, sizeof p);
	memset(&r, 0, sizeof r);
	p.nfeat = nfeat;
	if (nparams != NPARAM_FIXED + ae->nlayers - 1)
		return corrupt(err, name, "autoencoder hyper-parameters do not "
		    "match its layers");
	for (size_t i = 0; i < nparams; i++) {
		const struct ad_param *q = &params[i];
		char want[AD_PARAM_NAME_MAX + 1];

		if (i < NPARAM_FIXED)
			snprintf(want, sizeof want, "%s", param_names[i]);
		else
			snprintf(want, sizeof want, "hidden_%zu", i - NPARAM_FIXED + 1);
		if (strcmp(q->name, want) != 0 || !isfinite(q->value))
			return corrupt(err, name, "unknown or missing autoencoder "
			    "hyper-parameter");
		if (i < NPARAM_FIXED)
			v[i] = q->value;
	}
	/* whole numbers where training takes whole numbers */
	for (size_t i = 0; i < NPARAM_FIXED; i++)
		if (i != 4 && i != 5 && i != 6 && i != 7 &&
		    (v[i] != floor(v[i]) || v[i] < 0 || v[i] > 1e6))
			return corrupt(err, name, "autoencoder hyper-parameter out "
			    "of range");
	p.act = (enum ad_autoenc_act)v[0];
	p.nhidden = (size_t)v[1];
	p.epochs = (size_t)v[2];
	p.batch_size = (size_t)v[3];
	p.learning_rate = v[4];
	p.weight_decay = v[5];
	p.dropout = v[6];
	p.validation_fraction = v[7];
	p.patience = (size_t)v[8];
	r.epochs_run = (size_t)v[9];
	r.best_epoch = (size_t)v[10];
	if (p.nhidden != ae->nlayers - 1)
		return corrupt(err, name, "autoencoder hyper-parameters do not "
		    "match its layers");
	for (size_t l = 0; l < p.nhidden; l++) {
		double h = params[NPARAM_FIXED + l].value;
		p.hidden[l] = h == floor(h) && h >= 1 && h <= 1e6 ? (size_t)h : 0;
		if (p.hidden[l] != ae->width[l + 1])
			return corrupt(err, name, "autoencoder hyper-parameters do "
			    "not match its layers");
	}
	if (ad_autoenc_check(&p) != NULL || p.act != ae->act ||
	    r.epochs_run < 1 ||
	    r.epochs_run > p.epochs || r.best_epoch < 1 ||
	    r.best_epoch > r.epochs_run)
		return corrupt(err, name, "autoencoder hyper-parameter out of "
		    "range");
	return AD_OK;
}

static enum ad_status ae_load(const unsigned char *p, size_t len,
    const struct ad_param *params, size_t nparams, size_t nfeat,
    const char *name, void **state, struct ad_error *err)
{
	struct ad_autoenc *ae;
	enum ad_status st = ad_autoenc_decode(p, len, nfeat, name, &ae, err);

	if (st != AD_OK)
		return st;
	if ((st = check_params(params, nparams, nfeat, ae, name, err)) !=
	    AD_OK) {
		ad_autoenc_free(ae);
		return st;
	}
	*state = ae;
	return AD_OK;
}

static size_t ae_save_size(const void *state)
{
	return ad_autoenc_encoded_size(state);
}

static void ae_save(const void *state, unsigned char *p)
{
	ad_autoenc_encode(state, p);
}

static void ae_free(void *state)
{
	ad_autoenc_free(state);
}

static void ae_score(const void *state, const double *x, size_t n,
    size_t ld, void *work, double *score)
{
	(void)work;
	ad_autoenc_score(state, x, n, ld, score);
}

static void ae_explain(const void *state, const double *x, void *work,
    double *contrib)
{
	(void)work;
	ad_autoenc_explain(state, x, contrib);
}

static uint64_t ae_size(const void *state)
{
	return ad_autoenc_nweights(state);
}

static const char *ae_param_word(const char *param, double value)
{
	if (strcmp(param, "activation") != 0 || value != floor(value) ||
	    value < AD_AUTOENC_RELU || value > AD_AUTOENC_SIGMOID)
		return NULL;
	return act_names[(int)value];
}

/* ---- options ---- */

static enum ad_status take_hidden(const struct ad_opt *row, void *opts,
    const char *arg, struct ad_error *err)
{
	(void)row;
	if (ad_autoenc_parse_hidden(arg,
	    &((struct ad_autoenc_opts *)opts)->params) != 0)
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
	    &((struct ad_autoenc_opts *)opts)->params.act) != 0)
		return ad_error_set(err, AD_EUSAGE, "--activation takes "
		    "relu|tanh|sigmoid, not \"%s\"", arg);
	return AD_OK;
}

static enum ad_status take_learning_rate(const struct ad_opt *row,
    void *opts, const char *arg, struct ad_error *err)
{
	double *lr = &((struct ad_autoenc_opts *)opts)->params.learning_rate;

	(void)row;
	if (ad_opt_parse_double("--learning-rate", arg, 0, 10, lr, err) !=
	    AD_OK || *lr == 0)
		return ad_error_set(err, AD_EUSAGE, "--learning-rate must be "
		    "above 0 and at most 10, not \"%s\"", arg);
	return AD_OK;
}

/* A share, at least 0 and below 1. */
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

#define AT(field) AD_OPT_AT(struct ad_autoenc_opts, params.field)
/* A whole number option, 1..1000000. */
#define COUNT .umin = 1, .umax = 1000000, .kfp = AD_KFP_INTEGER

static const struct ad_opt ae_rows[] = {
	AD_OPT_HEADING("Autoencoder (-a autoencoder; inputs are standardized in "
	    "the model):"),
	{ "hidden", 0, "LIST", AD_OPT_CUSTOM, .hook = take_hidden, AT(hidden),
	    .def = "64,16,64", .kfp = AD_KFP_STRING,
	    .help = "hidden layer widths" },
	{ "activation", 0, "F", AD_OPT_CUSTOM, .hook = take_activation, AT(act),
	    .def = "relu", .flags = AD_OPT_DEF_UNSHOWN, .kfp = AD_KFP_STRING,
	    .help = "relu (default), tanh or sigmoid" },
	{ "epochs", 0, "N", AD_OPT_SIZE, AT(epochs), COUNT, .def = "100",
	    .help = "passes over the rows" },
	{ "batch-size", 0, "N", AD_OPT_SIZE, AT(batch_size), COUNT,
	    .def = "200", .help = "rows per Adam step" },
	{ "learning-rate", 0, "X", AD_OPT_CUSTOM, .hook = take_learning_rate,
	    AT(learning_rate), .def = "0.001", .kfp = AD_KFP_FLOAT,
	    .help = "Adam's step size" },
	{ "weight-decay", 0, "X", AD_OPT_DOUBLE, AT(weight_decay), .dmin = 0,
	    .dmax = 1e6, .def = "0.0001", .kfp = AD_KFP_FLOAT,
	    .help = "L2 penalty, scikit-learn's alpha" },
	{ "dropout", 0, "X", AD_OPT_CUSTOM, .hook = take_share, AT(dropout),
	    .def = "0", .kfp = AD_KFP_FLOAT,
	    .help = "share of hidden units dropped" },
	{ "validation-fraction", 0, "X", AD_OPT_CUSTOM, .hook = take_share,
	    AT(validation_fraction), .def = "0.1", .flags = AD_OPT_DEF_UNSHOWN,
	    .kfp = AD_KFP_FLOAT, .help = "rows held out for early stopping "
	    "(default 0.1; 0: none)" },
	{ "patience", 0, "N", AD_OPT_SIZE, AT(patience), COUNT, .def = "10",
	    .help = "epochs without a better validation error before stopping" },
};

const struct ad_detector ad_autoencoder_detector = {
	.algo = AD_ALGO_AUTOENCODER,
	.name = "autoencoder",
	.phrase = "OpenBLAS",
	.sampling = AD_SAMPLE_ROWS,
	/* contamination auto: a row reconstructed no better than by the mean
	 * of every feature (error 1 in standardized units) is an anomaly */
	.auto_threshold = 1.0,
	.score_lo = 0,
	.score_hi = INFINITY,
	.size_key = "weights",
	.opts_size = sizeof(struct ad_autoenc_opts),
	.opts = ae_rows,
	.nopts = sizeof ae_rows / sizeof ae_rows[0],
	.fit = ae_fit,
	.load = ae_load,
	.save_size = ae_save_size,
	.save = ae_save,
	.free = ae_free,
	.score = ae_score,
	.explain = ae_explain,
	.size = ae_size,
	.param_word = ae_param_word,
};
