/*
 * The autoencoder of autoenc.h: training with Adam on mini-batches, scoring
 * in fixed chunks, and the payload's encoding. Every matrix product goes to
 * cblas_sgemm; a bias is broadcast as ones(n x 1) * b and summed as
 * ones^T * delta, so that no loop here runs over a matrix's rows and columns
 * but elementwise.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "alloc.h"
#include "autoenc.h"
#include "rng.h"
#include "scale.h"

/* Weight layers at most, and the widths array's length. */
#define MAX_LAYERS (AD_AUTOENC_MAX_HIDDEN + 1)

/* Standardized inputs are clipped to this, so scores stay finite. */
#define CLIP 1e6

/* Rows scored per product, and the most floats a scratch's layers take. */
#define SCORE_CHUNK 256
#define SCRATCH_FLOATS ((size_t)1 << 22)

/* Random streams of a seed, one per use, so that one does not shift
 * another. */
enum { STREAM_RESERVOIR = 1, STREAM_INIT, STREAM_SPLIT, STREAM_SHUFFLE,
	STREAM_DROPOUT };

/* Adam's constants, scikit-learn's and Kingma and Ba's. */
#define BETA1 0.9
#define BETA2 0.999
#define ADAM_EPS 1e-8

struct ad_autoenc {
	size_t nlayers;               /* weight layers: hidden + 1 */
	size_t width[MAX_LAYERS + 1]; /* width[0] == width[nlayers] == nfeat */
	enum ad_autoenc_act act;
	double *mean;                 /* per feature, the standardization */
	double *std;                  /* per feature, > 0 */
	float *theta;                 /* layer l: W (width[l] x width[l+1]),
	                                 then b (width[l+1]) */
	size_t ntheta;
	size_t woff[MAX_LAYERS];      /* W of layer l at theta + woff[l] */
	size_t boff[MAX_LAYERS];      /* b of layer l at theta + boff[l] */
};

struct ad_autoenc_data {
	struct ad_autoenc_params p;
	struct ad_rng rng;            /* the reservoir's draws */
	struct ad_scaler **sc;        /* per feature, over every row read */
	double *ref;                  /* per feature, first value seen, or NaN */
	float *rows;                  /* kept rows, float(x - ref) */
	size_t kept, cap;             /* rows kept and room for */
	uint64_t read;
};

/* The buffers of a forward (and backward) pass over up to cap rows. */
struct pass {
	size_t cap;
	float *ones;                   /* cap ones */
	float *present;                /* cap x nfeat: 1, or 0 where missing */
	float *act[MAX_LAYERS + 1];    /* act[0] input, act[l] layer l's output */
	float *keep[MAX_LAYERS];       /* dropout multipliers, hidden layers */
	float *dropped[MAX_LAYERS];    /* act[l] * keep[l] */
	float *delta[MAX_LAYERS + 1];  /* d objective / d pre-activation */
	float *mem;
};

struct ad_autoenc_scratch {
	struct pass pass;
};

/* ---- parameters ---- */

void ad_autoenc_defaults(struct ad_autoenc_params *p)
{
	memset(p, 0, sizeof *p);
	p->nhidden = 3;
	p->hidden[0] = 64;
	p->hidden[1] = 16;
	p->hidden[2] = 64;
	p->act = AD_AUTOENC_RELU;
	p->epochs = 100;
	p->batch_size = 200;
	p->learning_rate = 0.001;
	p->weight_decay = 0.0001;
	p->dropout = 0;
	p->validation_fraction = 0.1;
	p->patience = 10;
	p->max_rows = 0;
	p->seed = 0;
}

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
		return "the feature count must be 1 to 65536";
	if (p->nhidden < 1 || p->nhidden > AD_AUTOENC_MAX_HIDDEN)
		return "there must be 1 to 32 hidden layers";
	for (size_t i = 0; i < p->nhidden; i++)
		if (p->hidden[i] < 1 || p->hidden[i] > AD_AUTOENC_MAX_WIDTH)
			return "a hidden layer must be 1 to 65536 wide";
	if (p->act < AD_AUTOENC_RELU || p->act > AD_AUTOENC_SIGMOID)
		return "unknown activation";
	if (p->epochs < 1)
		return "epochs must be at least 1";
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
	if (p->patience < 1)
		return "patience must be at least 1";
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

/* Counts the weights and biases of widths w[0..L], or returns -1 if that
 * overflows. */
static int count_theta(const size_t *w, size_t L, size_t *n)
{
	size_t t = 0, m;

	for (size_t l = 0; l < L; l++)
		if (ad_mul_size(w[l], w[l + 1], &m) || ad_add_size(t, m, &t) ||
		    ad_add_size(t, w[l + 1], &t))
			return -1;
	*n = t;
	return 0;
}

/* A network with widths w[0..L] and room for its weights. */
static enum ad_status net_new(const size_t *w, size_t L,
    enum ad_autoenc_act act, struct ad_autoenc **out, struct ad_error *err)
{
	struct ad_autoenc *ae = ad_calloc(1, sizeof *ae);
	size_t d = w[0];

	if (ae == NULL)
		return ad_error_nomem(err);
	ae->nlayers = L;
	memcpy(ae->width, w, (L + 1) * sizeof *w);
	ae->act = act;
	layout(ae);
	ae->mean = ad_calloc(d, sizeof *ae->mean);
	ae->std = ad_calloc(d, sizeof *ae->std);
	ae->theta = ad_calloc(ae->ntheta, sizeof *ae->theta);
	if (ae->mean == NULL || ae->std == NULL || ae->theta == NULL) {
		ad_autoenc_free(ae);
		return ad_error_nomem(err);
	}
	*out = ae;
	return AD_OK;
}

void ad_autoenc_free(struct ad_autoenc *ae)
{
	if (ae == NULL)
		return;
	ad_free(ae->mean);
	ad_free(ae->std);
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

void ad_autoenc_scaler(const struct ad_autoenc *ae, size_t f, double *mean,
    double *std)
{
	*mean = ae->mean[f];
	*std = ae->std[f];
}

float *ad_autoenc_weights(struct ad_autoenc *ae, size_t *n)
{
	*n = ae->ntheta;
	return ae->theta;
}

/* ---- passes ---- */

static void pass_free(struct pass *ps)
{
	ad_free(ps->mem);
	memset(ps, 0, sizeof *ps);
}

/* Buffers for up to cap rows through ae; train adds what backpropagation
 * needs, dropout what dropout needs. */
static enum ad_status pass_new(struct pass *ps, const struct ad_autoenc *ae,
    size_t cap, int train, int dropout, struct ad_error *err)
{
	size_t L = ae->nlayers, total = 0, off = 0, per_row = 0, bytes;
	size_t sizes[4 * MAX_LAYERS + 4];
	float **slots[4 * MAX_LAYERS + 4];
	size_t k = 0;

	memset(ps, 0, sizeof *ps);
	ps->cap = cap;
	sizes[k] = 1, slots[k++] = &ps->ones;
	sizes[k] = ae->width[0], slots[k++] = &ps->present;
	for (size_t l = 0; l <= L; l++)
		sizes[k] = ae->width[l], slots[k++] = &ps->act[l];
	if (train && dropout) {
		for (size_t l = 1; l < L; l++) {
			sizes[k] = ae->width[l], slots[k++] = &ps->keep[l];
			sizes[k] = ae->width[l], slots[k++] = &ps->dropped[l];
		}
	}
	if (train) {
		for (size_t l = 1; l <= L; l++)
			sizes[k] = ae->width[l], slots[k++] = &ps->delta[l];
	}
	for (size_t i = 0; i < k; i++)
		if (ad_add_size(per_row, sizes[i], &per_row))
			return ad_error_nomem(err);
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

/* What layer l reads: the input, or the previous layer's output after
 * dropout. */
static const float *layer_input(const struct pass *ps, size_t l)
{
	return l > 0 && ps->dropped[l] != NULL ? ps->dropped[l] : ps->act[l];
}

/* Runs n rows of ps->act[0] through ae; with drop (the dropout rate, when a
 * generator is given), draws each hidden unit's multiplier. */
static void forward(const struct ad_autoenc *ae, struct pass *ps, size_t n,
    double drop, struct ad_rng *rng)
{
	size_t L = ae->nlayers;

	for (size_t l = 0; l < L; l++) {
		int in = (int)ae->width[l], out = (int)ae->width[l + 1];
		float *z = ps->act[l + 1];

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n,
		    out, 1, 1.0f, ps->ones, 1, ae->theta + ae->boff[l], out,
		    0.0f, z, out);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n,
		    out, in, 1.0f, layer_input(ps, l), in,
		    ae->theta + ae->woff[l], out, 1.0f, z, out);
		if (l + 1 == L)
			break;
		activate(ae->act, z, n * (size_t)out);
		if (ps->dropped[l + 1] == NULL)
			continue;
		float *keep = ps->keep[l + 1], *dz = ps->dropped[l + 1];
		float scale = (float)(1 / (1 - drop));
		for (size_t i = 0; i < n * (size_t)out; i++) {
			keep[i] = rng != NULL && ad_rng_uniform(rng) < drop ?
			    0 : (rng != NULL ? scale : 1);
			dz[i] = z[i] * keep[i];
		}
	}
}

/* The sum of squared errors of the n rows just run forward, over the
 * values present, and how many there were. */
static double squared_error(const struct ad_autoenc *ae,
    const struct pass *ps, size_t n, double *count)
{
	size_t m = n * ae->width[0];
	const float *o = ps->act[ae->nlayers], *t = ps->act[0];
	double s = 0, c = 0;

	for (size_t i = 0; i < m; i++) {
		double e = (double)o[i] - (double)t[i];
		s += ps->present[i] * e * e;
		c += ps->present[i];
	}
	*count = c;
	return s;
}

/* The objective's gradient for the n rows just run forward, into grad
 * (laid out as theta); the weight decay term is added by the caller. */
static void backward(const struct ad_autoenc *ae, struct pass *ps, size_t n,
    float *grad)
{
	size_t L = ae->nlayers, m = n * ae->width[0];
	float *d = ps->delta[L], inv = (float)(1.0 / (double)n);
	const float *o = ps->act[L], *t = ps->act[0];

	for (size_t i = 0; i < m; i++)
		d[i] = (o[i] - t[i]) * ps->present[i] * inv;
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
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, in,
		    out, 1.0f, dz, out, ae->theta + ae->woff[l], out, 0.0f, da,
		    in);
		if (ps->keep[l] != NULL)
			for (size_t i = 0; i < n * (size_t)in; i++)
				da[i] *= ps->keep[l][i];
		derive(ae->act, ps->act[l], da, n * (size_t)in);
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

		for (size_t i = 0; i < cnt; i++) {
			g[i] += k * w[i];
			pen += (double)w[i] * w[i];
		}
	}
	return pen * wd / (2.0 * (double)n);
}

/* Loads standardized row values into the pass's input: missing ones as 0,
 * with present[] saying which. */
static void load_standardized(struct pass *ps, size_t row, const float *z,
    size_t d)
{
	float *a = ps->act[0] + row * d, *pr = ps->present + row * d;

	for (size_t f = 0; f < d; f++) {
		int miss = isnan(z[f]);
		a[f] = miss ? 0 : z[f];
		pr[f] = miss ? 0 : 1;
	}
}

enum ad_status ad_autoenc_objective(const struct ad_autoenc *ae,
    const float *x, size_t n, double weight_decay, double *loss, float *grad,
    struct ad_error *err)
{
	struct pass ps;
	size_t d = ae->width[0];
	double count, sse;
	enum ad_status st;

	if (n == 0)
		return ad_error_set(err, AD_EDATA, "no rows");
	if ((st = pass_new(&ps, ae, n, grad != NULL, 0, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < n; i++)
		load_standardized(&ps, i, x + i * d, d);
	forward(ae, &ps, n, 0, NULL);
	sse = squared_error(ae, &ps, n, &count);
	*loss = sse / (2.0 * (double)n);
	if (grad != NULL) {
		backward(ae, &ps, n, grad);
		*loss += decay(ae, grad, weight_decay, n);
	} else if (weight_decay > 0) {
		float *tmp = ad_calloc(ae->ntheta, sizeof *tmp);
		if (tmp == NULL) {
			pass_free(&ps);
			return ad_error_nomem(err);
		}
		*loss += decay(ae, tmp, weight_decay, n);
		ad_free(tmp);
	}
	pass_free(&ps);
	return AD_OK;
}

/* ---- training data ---- */

enum ad_status ad_autoenc_data_new(struct ad_autoenc_data **data,
    const struct ad_autoenc_params *p, struct ad_error *err)
{
	struct ad_autoenc_data *t = ad_calloc(1, sizeof *t);
	enum ad_status st;

	if (t == NULL)
		return ad_error_nomem(err);
	t->p = *p;
	ad_rng_seed(&t->rng, p->seed, STREAM_RESERVOIR);
	t->sc = ad_calloc(p->nfeat, sizeof *t->sc);
	t->ref = ad_malloc(p->nfeat * sizeof *t->ref);
	if (t->sc == NULL || t->ref == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	for (size_t f = 0; f < p->nfeat; f++) {
		t->ref[f] = NAN;
		if ((st = ad_scaler_new(&t->sc[f], AD_SCALE_STANDARD, err)) !=
		    AD_OK)
			goto out;
	}
	*data = t;
	return AD_OK;
out:
	ad_autoenc_data_free(t);
	return st;
}

void ad_autoenc_data_free(struct ad_autoenc_data *data)
{
	if (data == NULL)
		return;
	if (data->sc != NULL)
		for (size_t f = 0; f < data->p.nfeat; f++)
			ad_scaler_free(data->sc[f]);
	ad_free(data->sc);
	ad_free(data->ref);
	ad_free(data->rows);
	ad_free(data);
}

uint64_t ad_autoenc_data_read(const struct ad_autoenc_data *data)
{
	return data->read;
}

size_t ad_autoenc_data_kept(const struct ad_autoenc_data *data)
{
	return data->kept;
}

void ad_autoenc_data_row(const struct ad_autoenc_data *data, size_t i,
    double *row)
{
	const float *r = data->rows + i * data->p.nfeat;

	for (size_t f = 0; f < data->p.nfeat; f++)
		row[f] = (double)r[f] + data->ref[f];
}

/* Stores row x in slot i as float(x - ref), within float's range. */
static void store_row(struct ad_autoenc_data *t, size_t i, const double *x)
{
	float *r = t->rows + i * t->p.nfeat;

	for (size_t f = 0; f < t->p.nfeat; f++) {
		double v = x[f];

		if (!isnan(v) && isnan(t->ref[f]))
			t->ref[f] = v;
		v -= t->ref[f];
		r[f] = (float)(v > FLT_MAX ? FLT_MAX : v < -FLT_MAX ? -FLT_MAX :
		    v);
	}
}

/* The slot row number read (0-based) goes to, or SIZE_MAX for none. */
static enum ad_status reservoir_slot(struct ad_autoenc_data *t, size_t *slot,
    struct ad_error *err)
{
	uint64_t cap = t->p.max_rows;
	size_t need;

	if (cap > 0 && t->read >= cap) {
		uint64_t j = ad_rng_below(&t->rng, t->read + 1);
		*slot = j < cap ? (size_t)j : SIZE_MAX;
		return AD_OK;
	}
	if (ad_add_size(t->kept, 1, &need) ||
	    ad_mul_size(need, t->p.nfeat, &need))
		return ad_error_nomem(err);
	if (need > t->cap) {
		size_t cap_f = t->cap;
		float *p = ad_grow(t->rows, &cap_f, need, sizeof *p);
		if (p == NULL)
			return ad_error_nomem(err);
		t->rows = p;
		t->cap = cap_f;
	}
	*slot = t->kept++;
	return AD_OK;
}

enum ad_status ad_autoenc_data_add(struct ad_autoenc_data *data,
    const double *x, size_t n, size_t ld, struct ad_error *err)
{
	size_t d = data->p.nfeat;
	enum ad_status st;

	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < d; f++)
			if (isinf(x[i * ld + f]))
				return ad_error_at(err, AD_EDATA, NULL, i + 1, f + 1,
				    "an infinite value cannot be standardized");
	for (size_t f = 0; f < d; f++)
		if ((st = ad_scaler_add(data->sc[f], x + f, n, ld, err)) != AD_OK)
			return st;
	for (size_t i = 0; i < n; i++) {
		size_t slot = SIZE_MAX;

		if ((st = reservoir_slot(data, &slot, err)) != AD_OK)
			return st;
		if (slot != SIZE_MAX)
			store_row(data, slot, x + i * ld);
		data->read++;
	}
	return AD_OK;
}

/* ---- training ---- */

struct trainer {
	const struct ad_autoenc_data *data;
	const struct ad_autoenc_params *p;
	struct ad_autoenc *ae;
	struct pass ps;
	float *grad, *m, *v, *best;
	size_t *order;                /* validation rows, then training rows */
	size_t nval, ntrain;
	float *shift, *invstd;        /* per feature: mean - ref, 1 / std */
	struct ad_rng shuffle, drop;
	uint64_t step;                /* Adam steps taken */
};

static void trainer_free(struct trainer *tr)
{
	pass_free(&tr->ps);
	ad_free(tr->grad);
	ad_free(tr->m);
	ad_free(tr->v);
	ad_free(tr->best);
	ad_free(tr->order);
	ad_free(tr->shift);
	ad_free(tr->invstd);
}

/* Fits the standardization from every row read: a feature never seen gets
 * mean 0 and deviation 1. */
static enum ad_status fit_scaler(const struct ad_autoenc_data *t,
    struct ad_autoenc *ae, struct ad_error *err)
{
	for (size_t f = 0; f < t->p.nfeat; f++) {
		struct ad_scale s;
		int constant;
		enum ad_status st = ad_scaler_fit(t->sc[f], &s, &constant, err);

		if (st != AD_OK) {
			char msg[sizeof err->msg];
			memcpy(msg, err->msg, sizeof msg);
			return ad_error_at(err, st, NULL, 0, f + 1, "%s", msg);
		}
		ae->mean[f] = isnan(s.p1) ? 0 : s.p1;
		ae->std[f] = isnan(s.p2) ? 1 : s.p2;
	}
	return AD_OK;
}

/* Glorot's uniform initialization, as scikit-learn's. */
static void init_weights(struct ad_autoenc *ae, uint64_t seed)
{
	struct ad_rng rng;

	ad_rng_seed(&rng, seed, STREAM_INIT);
	for (size_t l = 0; l < ae->nlayers; l++) {
		double fan = (double)(ae->width[l] + ae->width[l + 1]);
		double bound = sqrt((ae->act == AD_AUTOENC_SIGMOID ? 2 : 6) / fan);
		size_t nw = ae->width[l] * ae->width[l + 1];
		float *w = ae->theta + ae->woff[l];

		for (size_t i = 0; i < nw + ae->width[l + 1]; i++)
			w[i] = (float)((2 * ad_rng_uniform(&rng) - 1) * bound);
	}
}

/* Loads kept rows idx[0..n) into the pass, standardized. */
static void gather(struct trainer *tr, const size_t *idx, size_t n)
{
	size_t d = tr->p->nfeat;
	const float *c = tr->shift, *k = tr->invstd;
	const float clip = (float)CLIP;

	for (size_t i = 0; i < n; i++) {
		const float *r = tr->data->rows + idx[i] * d;
		float *a = tr->ps.act[0] + i * d, *pr = tr->ps.present + i * d;

		/* rows are visited in random order: ask for later ones early */
		if (i + 8 < n)
			for (size_t f = 0; f < d; f += 16)
				__builtin_prefetch(tr->data->rows + idx[i + 8] * d + f);
		for (size_t f = 0; f < d; f++) {
			float z = (r[f] - c[f]) * k[f];
			int miss = z != z;

			z = z > clip ? clip : z;
			z = z < -clip ? -clip : z;
			a[f] = miss ? 0 : z;
			pr[f] = miss ? 0 : 1;
		}
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

	for (size_t i = 0; i < ae->ntheta; i++) {
		float g = tr->grad[i];
		tr->m[i] = b1 * tr->m[i] + (1 - b1) * g;
		tr->v[i] = b2 * tr->v[i] + (1 - b2) * g * g;
		ae->theta[i] -= lr * tr->m[i] / (sqrtf(tr->v[i]) + eps);
	}
}

/* One epoch over the training rows; returns their mean squared error. */
static double train_epoch(struct trainer *tr)
{
	size_t *idx = tr->order + tr->nval, B = tr->ps.cap;
	double sse = 0, count = 0, c;

	shuffle(idx, tr->ntrain, &tr->shuffle);
	for (size_t s = 0; s < tr->ntrain; s += B) {
		size_t n = tr->ntrain - s < B ? tr->ntrain - s : B;

		gather(tr, idx + s, n);
		forward(tr->ae, &tr->ps, n, tr->p->dropout,
		    tr->p->dropout > 0 ? &tr->drop : NULL);
		sse += squared_error(tr->ae, &tr->ps, n, &c);
		count += c;
		backward(tr->ae, &tr->ps, n, tr->grad);
		decay(tr->ae, tr->grad, tr->p->weight_decay, n);
		adam(tr);
	}
	return count > 0 ? sse / count : 0;
}

/* The mean squared error of the validation rows, without dropout. */
static double validate(struct trainer *tr)
{
	size_t B = tr->ps.cap;
	double sse = 0, count = 0, c;

	for (size_t s = 0; s < tr->nval; s += B) {
		size_t n = tr->nval - s < B ? tr->nval - s : B;

		gather(tr, tr->order + s, n);
		forward(tr->ae, &tr->ps, n, 0, NULL);
		sse += squared_error(tr->ae, &tr->ps, n, &c);
		count += c;
	}
	return count > 0 ? sse / count : 0;
}

static enum ad_status trainer_init(struct trainer *tr,
    const struct ad_autoenc_data *data, struct ad_error *err)
{
	const struct ad_autoenc_params *p = &data->p;
	size_t w[MAX_LAYERS + 1], n = data->kept, B;
	enum ad_status st;

	memset(tr, 0, sizeof *tr);
	tr->data = data;
	tr->p = p;
	w[0] = w[p->nhidden + 1] = p->nfeat;
	memcpy(w + 1, p->hidden, p->nhidden * sizeof *w);
	if ((st = net_new(w, p->nhidden + 1, p->act, &tr->ae, err)) != AD_OK)
		return st;
	if ((st = fit_scaler(data, tr->ae, err)) != AD_OK)
		return st;
	tr->shift = ad_malloc(p->nfeat * sizeof *tr->shift);
	tr->invstd = ad_malloc(p->nfeat * sizeof *tr->invstd);
	if (tr->shift == NULL || tr->invstd == NULL)
		return ad_error_nomem(err);
	/* in float, so that gathering a batch is vectorized */
	for (size_t f = 0; f < p->nfeat; f++) {
		tr->shift[f] = (float)(tr->ae->mean[f] - data->ref[f]);
		tr->invstd[f] = (float)(1 / tr->ae->std[f]);
	}
	init_weights(tr->ae, p->seed);
	tr->nval = (size_t)floor(p->validation_fraction * (double)n);
	tr->ntrain = n - tr->nval;
	/* ntrain >= 1: the validation fraction is below 1 */
	B = p->batch_size < tr->ntrain ? p->batch_size : tr->ntrain;
	if ((st = pass_new(&tr->ps, tr->ae, B, 1, p->dropout > 0, err)) !=
	    AD_OK)
		return st;
	tr->grad = ad_calloc(tr->ae->ntheta, sizeof *tr->grad);
	tr->m = ad_calloc(tr->ae->ntheta, sizeof *tr->m);
	tr->v = ad_calloc(tr->ae->ntheta, sizeof *tr->v);
	tr->best = ad_calloc(tr->ae->ntheta, sizeof *tr->best);
	tr->order = ad_calloc(n, sizeof *tr->order);
	if (tr->grad == NULL || tr->m == NULL || tr->v == NULL ||
	    tr->best == NULL || tr->order == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < n; i++)
		tr->order[i] = i;
	{
		struct ad_rng split;
		ad_rng_seed(&split, p->seed, STREAM_SPLIT);
		shuffle(tr->order, n, &split);
	}
	ad_rng_seed(&tr->shuffle, p->seed, STREAM_SHUFFLE);
	ad_rng_seed(&tr->drop, p->seed, STREAM_DROPOUT);
	return AD_OK;
}

enum ad_status ad_autoenc_train(const struct ad_autoenc_data *data,
    ad_autoenc_progress_fn progress, void *ctx, struct ad_autoenc **ae,
    struct ad_autoenc_report *rep, struct ad_error *err)
{
	const struct ad_autoenc_params *p = &data->p;
	struct ad_autoenc_report r;
	struct trainer tr;
	double best = INFINITY;
	size_t wait = 0;
	enum ad_status st;

	if (data->kept == 0)
		return ad_error_set(err, AD_EDATA, "no rows to train on");
	ad_autoenc_blas_init();
	if ((st = trainer_init(&tr, data, err)) != AD_OK)
		goto out;
	memset(&r, 0, sizeof r);
	r.rows_read = data->read;
	r.rows_train = tr.ntrain;
	r.rows_validation = tr.nval;
	r.validation_loss = NAN;
	for (size_t e = 1; e <= p->epochs; e++) {
		double loss = train_epoch(&tr);
		double val = tr.nval > 0 ? validate(&tr) : NAN;

		if (!isfinite(loss) || (tr.nval > 0 && !isfinite(val))) {
			st = ad_error_set(err, AD_EDATA, "training diverged in epoch "
			    "%zu (try a smaller learning rate)", e);
			goto out;
		}
		r.epochs_run = e;
		if (progress != NULL)
			progress(ctx, e, p->epochs, loss, val);
		if (tr.nval == 0 || val < best) {
			best = tr.nval > 0 ? val : best;
			r.best_epoch = e;
			r.train_loss = loss;
			r.validation_loss = val;
			wait = 0;
			if (tr.nval > 0)
				memcpy(tr.best, tr.ae->theta,
				    tr.ae->ntheta * sizeof *tr.best);
		} else if (++wait >= p->patience)
			break;
	}
	if (tr.nval > 0)
		memcpy(tr.ae->theta, tr.best, tr.ae->ntheta * sizeof *tr.best);
	*ae = tr.ae;
	tr.ae = NULL;
	if (rep != NULL)
		*rep = r;
out:
	ad_autoenc_free(tr.ae);
	trainer_free(&tr);
	return st;
}

/* ---- scoring ---- */

enum ad_status ad_autoenc_scratch_new(const struct ad_autoenc *ae,
    struct ad_autoenc_scratch **s, struct ad_error *err)
{
	struct ad_autoenc_scratch *sc = ad_calloc(1, sizeof *sc);
	size_t per_row = 0, rows;
	enum ad_status st;

	if (sc == NULL)
		return ad_error_nomem(err);
	for (size_t l = 0; l <= ae->nlayers; l++)
		per_row += ae->width[l];
	per_row += ae->width[0] + 1;
	rows = SCRATCH_FLOATS / per_row;
	rows = rows < 1 ? 1 : rows > SCORE_CHUNK ? SCORE_CHUNK : rows;
	if ((st = pass_new(&sc->pass, ae, rows, 0, 0, err)) != AD_OK) {
		ad_free(sc);
		return st;
	}
	*s = sc;
	return AD_OK;
}

void ad_autoenc_scratch_free(struct ad_autoenc_scratch *s)
{
	if (s == NULL)
		return;
	pass_free(&s->pass);
	ad_free(s);
}

/* Loads n raw rows of x into the pass, standardized and clipped. */
static void load_raw(const struct ad_autoenc *ae, struct pass *ps,
    const double *x, size_t n, size_t ld)
{
	size_t d = ae->width[0];

	for (size_t i = 0; i < n; i++) {
		float *a = ps->act[0] + i * d, *pr = ps->present + i * d;

		for (size_t f = 0; f < d; f++) {
			double z = (x[i * ld + f] - ae->mean[f]) / ae->std[f];
			int miss = isnan(z);

			z = z > CLIP ? CLIP : z < -CLIP ? -CLIP : z;
			a[f] = miss ? 0 : (float)z;
			pr[f] = miss ? 0 : 1;
		}
	}
}

static double finite_or_max(double v)
{
	return isfinite(v) ? v : DBL_MAX;
}

void ad_autoenc_score(const struct ad_autoenc *ae,
    struct ad_autoenc_scratch *s, const double *x, size_t n, size_t ld,
    double *score, double *sqerr)
{
	struct pass *ps = &s->pass;
	size_t d = ae->width[0];

	for (size_t at = 0; at < n; at += ps->cap) {
		size_t m = n - at < ps->cap ? n - at : ps->cap;
		const float *o = ps->act[ae->nlayers];

		load_raw(ae, ps, x + at * ld, m, ld);
		forward(ae, ps, m, 0, NULL);
		for (size_t i = 0; i < m; i++) {
			double sum = 0, cnt = 0;

			for (size_t f = 0; f < d; f++) {
				size_t k = i * d + f;
				double e = (double)o[k] - (double)ps->act[0][k];
				double se = ps->present[k] > 0 ? finite_or_max(e * e) : 0;

				sum += se;
				cnt += ps->present[k];
				if (sqerr != NULL)
					sqerr[(at + i) * d + f] = se;
			}
			score[at + i] = cnt > 0 ? finite_or_max(sum / cnt) : 0;
		}
	}
}

/* ---- payload ---- */

static unsigned char *put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
	return p + 4;
}

static unsigned char *put_f64(unsigned char *p, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * i));
	return p + 8;
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static double get_f64(const unsigned char *p)
{
	uint64_t u = 0;
	double v;

	for (int i = 7; i >= 0; i--)
		u = u << 8 | p[i];
	memcpy(&v, &u, sizeof v);
	return v;
}

size_t ad_autoenc_encoded_size(const struct ad_autoenc *ae)
{
	return 8 + 4 * (ae->nlayers + 1) + 16 * ae->width[0] + 4 * ae->ntheta;
}

void ad_autoenc_encode(const struct ad_autoenc *ae, unsigned char *p)
{
	size_t d = ae->width[0];

	p = put_u32(p, (uint32_t)ae->act);
	p = put_u32(p, (uint32_t)ae->nlayers);
	for (size_t l = 0; l <= ae->nlayers; l++)
		p = put_u32(p, (uint32_t)ae->width[l]);
	for (size_t f = 0; f < d; f++)
		p = put_f64(p, ae->mean[f]);
	for (size_t f = 0; f < d; f++)
		p = put_f64(p, ae->std[f]);
	for (size_t i = 0; i < ae->ntheta; i++) {
		uint32_t u;
		memcpy(&u, &ae->theta[i], sizeof u);
		p = put_u32(p, u);
	}
}

/* Reads and checks the header: activation, layer count and widths. */
static enum ad_status decode_shape(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, enum ad_autoenc_act *act, size_t *L,
    size_t *w, struct ad_error *err)
{
	uint32_t a, nl;

	if (len < 8)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "the autoencoder "
		    "payload is truncated (%zu bytes)", len);
	a = get_u32(p);
	nl = get_u32(p + 4);
	if (a < AD_AUTOENC_RELU || a > AD_AUTOENC_SIGMOID)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "unknown "
		    "autoencoder activation %u", (unsigned)a);
	if (nl < 2 || nl > MAX_LAYERS)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "the autoencoder "
		    "has %u layers (2 to %d allowed)", (unsigned)nl, MAX_LAYERS);
	if (len < 8 + 4 * ((size_t)nl + 1))
		return ad_error_at(err, AD_EDATA, name, 0, 0, "the autoencoder "
		    "payload is truncated (%zu bytes)", len);
	for (size_t l = 0; l <= nl; l++) {
		w[l] = get_u32(p + 8 + 4 * l);
		if (w[l] < 1 || w[l] > AD_AUTOENC_MAX_WIDTH)
			return ad_error_at(err, AD_EDATA, name, 0, 0, "autoencoder "
			    "layer %zu is %zu wide (1 to %d allowed)", l, w[l],
			    AD_AUTOENC_MAX_WIDTH);
	}
	if (w[0] != nfeat || w[nl] != nfeat)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "the autoencoder's "
		    "input and output are %zu and %zu wide, not the model's %zu "
		    "features", w[0], w[nl], nfeat);
	*act = (enum ad_autoenc_act)a;
	*L = nl;
	return AD_OK;
}

enum ad_status ad_autoenc_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_autoenc **out,
    struct ad_error *err)
{
	size_t w[MAX_LAYERS + 1], L = 0, ntheta, want = 0, head;
	enum ad_autoenc_act act = AD_AUTOENC_RELU;
	struct ad_autoenc *ae;
	enum ad_status st;

	if ((st = decode_shape(p, len, nfeat, name, &act, &L, w, err)) != AD_OK)
		return st;
	head = 8 + 4 * (L + 1);
	if (count_theta(w, L, &ntheta) || ad_mul_size(ntheta, 4, &want) ||
	    ad_add_size(want, head + 16 * nfeat, &want) || want != len)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "the autoencoder "
		    "payload has %zu bytes where its layers need %zu", len,
		    want);
	if ((st = net_new(w, L, act, &ae, err)) != AD_OK)
		return st;
	p += head;
	for (size_t f = 0; f < nfeat; f++) {
		ae->mean[f] = get_f64(p + 8 * f);
		ae->std[f] = get_f64(p + 8 * (nfeat + f));
		if (!isfinite(ae->mean[f]) || !isfinite(ae->std[f]) ||
		    !(ae->std[f] > 0)) {
			ad_autoenc_free(ae);
			return ad_error_at(err, AD_EDATA, name, 0, 0, "the "
			    "autoencoder's standardization of feature %zu is not "
			    "finite and positive", f + 1);
		}
	}
	p += 16 * nfeat;
	for (size_t i = 0; i < ntheta; i++) {
		uint32_t u = get_u32(p + 4 * i);
		memcpy(&ae->theta[i], &u, sizeof u);
		if (!isfinite(ae->theta[i])) {
			ad_autoenc_free(ae);
			return ad_error_at(err, AD_EDATA, name, 0, 0, "autoencoder "
			    "weight %zu is not a finite number", i + 1);
		}
	}
	ad_autoenc_blas_init();
	*out = ae;
	return AD_OK;
}
