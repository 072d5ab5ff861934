/*
 * ECOD (ecod.h): the training sample sorted per feature (an LSD radix sort
 * on the values' bits), tail probabilities by binary search in it, and
 * PyOD's combination of the tails.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "ecod.h"
#include "wire.h"

/* A search first finds the block of this many sorted values that holds
 * the answer, among the blocks' first values, then searches the block. */
#define HEAD_EVERY 64

struct ad_ecod {
	enum ad_ecod_aggregate aggregate;
	size_t d;           /* features */
	size_t n;           /* training rows */
	double *sorted;     /* feature f: sorted[f * n .. f * n + n), ascending */
	int *sign;          /* per feature: skewness sign, -1, 0 or 1 */
	double *head;       /* feature f: head[f * nhead + k] = its value
	                       k * HEAD_EVERY, an index that stays in cache */
	size_t nhead;       /* heads per feature */
	double start[2];    /* by enum sample: 1 / N, the first probability */
	double step[2];     /* (1 - 1 / N) / (N - 1), numpy.linspace's step */
};

/* How a feature's tail scores enter the score. */
struct tails {
	double left, right;   /* -log of the left and right probabilities */
	double skew;          /* PyOD's U_skew */
};

/* Which sample a row's probabilities come from. */
enum sample {
	TRAIN = 0,          /* the row is one of the n (N = n) */
	NEW = 1             /* the row joins the n (N = n + 1) */
};

void ad_ecod_defaults(struct ad_ecod_opts *o)
{
	o->aggregate = AD_ECOD_PYOD;
}

/* ---- the state ---- */

static enum ad_status state_new(size_t n, size_t d, struct ad_ecod **out,
    struct ad_error *err)
{
	struct ad_ecod *e;
	size_t cells;

	if (ad_mul_size(n, d, &cells) || (e = ad_calloc(1, sizeof *e)) == NULL)
		return ad_error_nomem(err);
	e->nhead = n / HEAD_EVERY + (n % HEAD_EVERY != 0);
	if ((e->sorted = ad_calloc(cells, sizeof *e->sorted)) == NULL ||
	    (e->sign = ad_calloc(d, sizeof *e->sign)) == NULL ||
	    (e->head = ad_calloc(e->nhead * d, sizeof *e->head)) == NULL) {
		ad_ecod_free(e);
		return ad_error_nomem(err);
	}
	e->n = n;
	e->d = d;
	for (int m = TRAIN; m <= NEW; m++) {
		double N = (double)n + m;
		e->start[m] = 1.0 / N;
		e->step[m] = N > 1 ? (1.0 - e->start[m]) / (N - 1) : 0;
	}
	*out = e;
	return AD_OK;
}

void ad_ecod_free(struct ad_ecod *e)
{
	if (e == NULL)
		return;
	ad_free(e->sorted);
	ad_free(e->sign);
	ad_free(e->head);
	ad_free(e);
}

size_t ad_ecod_nfeat(const struct ad_ecod *e)
{
	return e->d;
}

size_t ad_ecod_nrows(const struct ad_ecod *e)
{
	return e->n;
}

int ad_ecod_skew_sign(const struct ad_ecod *e, size_t f)
{
	return e->sign[f];
}

/* Feature f's heads, from its sorted values. */
static void set_heads(struct ad_ecod *e, size_t f)
{
	for (size_t k = 0; k < e->nhead; k++)
		e->head[f * e->nhead + k] = e->sorted[f * e->n + k * HEAD_EVERY];
}

/* ---- fitting ---- */

/* v's bits, mapped so that unsigned order is numeric order. */
static uint64_t sort_key(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	return u >> 63 ? ~u : u | (uint64_t)1 << 63;
}

static double key_value(uint64_t k)
{
	uint64_t u = k >> 63 ? k & ~((uint64_t)1 << 63) : ~k;
	double v;

	memcpy(&v, &u, sizeof v);
	return v;
}

/* Bits of a key sorted per pass of radix_sort. */
#define DIGIT 11
#define DIGIT_MASK (((uint64_t)1 << DIGIT) - 1)

/* Sorts the n keys of a ascending, DIGIT bits at a time, with tmp (n more)
 * as scratch; returns the one of the two that holds the result. */
static uint64_t *radix_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
	size_t count[(size_t)1 << DIGIT];

	for (unsigned shift = 0; shift < 64; shift += DIGIT) {
		size_t sum = 0;
		uint64_t *t;

		memset(count, 0, sizeof count);
		for (size_t i = 0; i < n; i++)
			count[(a[i] >> shift) & DIGIT_MASK]++;
		if (count[(a[0] >> shift) & DIGIT_MASK] == n)
			continue;            /* every key shares this digit */
		for (size_t k = 0; k < sizeof count / sizeof *count; k++) {
			size_t c = count[k];
			count[k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(a[i] >> shift) & DIGIT_MASK]++] = a[i];
		t = a, a = tmp, tmp = t;
	}
	return a;
}

/* scipy.stats.skew's sign for the n sorted values of s: 0 when the
 * second moment is at most (1e-15 * mean)^2, as scipy's "zero". */
static int skew_sign(const double *s, size_t n)
{
	double mean = 0, m2 = 0, m3 = 0;

	for (size_t i = 0; i < n; i++)
		mean += s[i];
	mean /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double z = s[i] - mean;
		m2 += z * z;
		m3 += z * z * z;
	}
	m2 /= (double)n;
	m3 /= (double)n;
	if (m2 <= (1e-15 * mean) * (1e-15 * mean))
		return 0;
	return m3 > 0 ? 1 : m3 < 0 ? -1 : 0;
}

/* Sorts feature f of the n rows of x into e->sorted (keys, tmp: n
 * scratch each). */
static void fit_feature(struct ad_ecod *e, const double *x, size_t f,
    uint64_t *keys, uint64_t *tmp)
{
	size_t n = e->n, d = e->d;
	double *s = e->sorted + f * n;
	const uint64_t *k;

	for (size_t i = 0; i < n; i++)
		keys[i] = sort_key(x[i * d + f]);
	k = radix_sort(keys, tmp, n);
	for (size_t i = 0; i < n; i++)
		s[i] = key_value(k[i]);
	e->sign[f] = skew_sign(s, n);
	set_heads(e, f);
}

enum ad_status ad_ecod_fit(const struct ad_ecod_opts *o, const double *x,
    size_t n, size_t d, uint64_t seed, struct ad_ecod **out,
    struct ad_error *err)
{
	struct ad_ecod *e = NULL;
	uint64_t *keys = NULL;
	size_t twice;
	enum ad_status st;

	(void)seed;
	if (o->aggregate != AD_ECOD_PYOD && o->aggregate != AD_ECOD_PAPER)
		return ad_error_set(err, AD_EUSAGE, "unknown ECOD aggregate");
	if (n == 0 || d == 0)
		return ad_error_set(err, AD_EDATA, "no rows to fit ECOD on");
	if (ad_mul_size(n, 2, &twice) ||
	    (keys = ad_calloc(twice, sizeof *keys)) == NULL)
		return ad_error_nomem(err);
	if ((st = state_new(n, d, &e, err)) == AD_OK) {
		e->aggregate = o->aggregate;
		for (size_t f = 0; f < d; f++)
			fit_feature(e, x, f, keys, keys + n);
		*out = e;
	}
	ad_free(keys);
	return st;
}

/* ---- scoring ---- */

/* How many of the n >= 1 sorted values s are <= v (or < v with strict):
 * a binary search without branches on the data, which a processor cannot
 * predict. */
static inline size_t count_sorted(const double *s, size_t n, double v,
    int strict)
{
	const double *base = s;

	while (n > 1) {
		size_t half = n / 2;
		double t = base[half];
		int below = (t < v) | ((t == v) & !strict);
		base = below ? base + half : base;
		n -= half;
	}
	return (size_t)(base - s) + (size_t)((*base < v) | ((*base == v) & !strict));
}

/* How many of feature f's values are <= v (or < v with strict): the
 * heads that are say which block to search. */
static size_t count_below(const struct ad_ecod *e, size_t f, double v,
    int strict)
{
	size_t j = count_sorted(e->head + f * e->nhead, e->nhead, v, strict);
	size_t base, len;
	const double *block;

	if (j == 0)
		return 0;
	base = (j - 1) * HEAD_EVERY;
	len = e->n - base < HEAD_EVERY ? e->n - base : HEAD_EVERY;
	block = e->sorted + f * e->n + base;
	/* ask for the block's cache lines at once, not one after another as
	 * the search reaches them */
	for (size_t k = 0; k < len; k += 8)
		__builtin_prefetch(block + k);
	return base + count_sorted(block, len, v, strict);
}

/* numpy.linspace(1/N, 1, N)[c - 1] for the sample of m (c clamped to
 * 1..N). */
static double probability(const struct ad_ecod *e, enum sample m, size_t c)
{
	size_t N = e->n + (size_t)m;

	if (c >= N)
		return 1;
	if (c < 1)
		c = 1;
	return (double)(c - 1) * e->step[m] + e->start[m];
}

static struct tails feature_tails(const struct ad_ecod *e, enum sample m,
    size_t f, double v)
{
	const double *col = e->sorted + f * e->n;
	size_t lt = count_below(e, f, v, 1), le, ge;
	struct tails t;

	/* values equal to v are rare but for discrete features: search for
	 * the end of them only when there is one */
	le = lt < e->n && col[lt] == v ? count_below(e, f, v, 0) : lt;
	le += (size_t)m;
	ge = e->n - lt + (size_t)m;

	t.left = -log(probability(e, m, le));
	t.right = -log(probability(e, m, ge));
	t.skew = e->sign[f] < 0 ? t.left : e->sign[f] > 0 ? t.right :
	    t.left + t.right;
	return t;
}

/* PyOD's term: np.maximum(np.maximum(U_l, U_r), U_skew). */
static double pyod_term(struct tails t)
{
	double m = t.left > t.right ? t.left : t.right;

	return t.skew > m ? t.skew : m;
}

/* The paper's automatic tail: left where the skewness is negative. */
static double auto_term(const struct ad_ecod *e, size_t f, struct tails t)
{
	return e->sign[f] < 0 ? t.left : t.right;
}

/* Row x's score; with contrib, each feature's term too. */
static double score_row(const struct ad_ecod *e, enum sample m,
    const double *x, double *contrib)
{
	double sum = 0, left = 0, right = 0, autos = 0;
	int which;

	for (size_t f = 0; f < e->d; f++) {
		struct tails t = feature_tails(e, m, f, x[f]);

		if (e->aggregate == AD_ECOD_PYOD) {
			double term = pyod_term(t);
			sum += term;
			if (contrib != NULL)
				contrib[f] = term;
		} else {
			left += t.left;
			right += t.right;
			autos += auto_term(e, f, t);
		}
	}
	if (e->aggregate == AD_ECOD_PYOD)
		return sum;
	/* the largest sum, the first of equals */
	which = left >= right && left >= autos ? 0 : right >= autos ? 1 : 2;
	for (size_t f = 0; contrib != NULL && f < e->d; f++) {
		struct tails t = feature_tails(e, m, f, x[f]);
		contrib[f] = which == 0 ? t.left : which == 1 ? t.right :
		    auto_term(e, f, t);
	}
	return which == 0 ? left : which == 1 ? right : autos;
}

static void score_rows(const struct ad_ecod *e, enum sample m,
    const double *x, size_t n, size_t ld, double *score)
{
	if (e->aggregate != AD_ECOD_PYOD) {
		for (size_t i = 0; i < n; i++)
			score[i] = score_row(e, m, x + i * ld, NULL);
		return;
	}
	/* a feature at a time, so its values stay in cache; each row's sum
	 * still adds its terms in feature order, as score_row */
	for (size_t i = 0; i < n; i++)
		score[i] = 0;
	for (size_t f = 0; f < e->d; f++)
		for (size_t i = 0; i < n; i++)
			score[i] += pyod_term(feature_tails(e, m, f, x[i * ld + f]));
}

void ad_ecod_score(const struct ad_ecod *e, const double *x, size_t n,
    size_t ld, double *score)
{
	score_rows(e, NEW, x, n, ld, score);
}

void ad_ecod_score_train(const struct ad_ecod *e, const double *x,
    size_t n, size_t ld, double *score)
{
	score_rows(e, TRAIN, x, n, ld, score);
}

void ad_ecod_explain(const struct ad_ecod *e, const double *x,
    double *contrib)
{
	score_row(e, NEW, x, contrib);
}

void ad_ecod_explain_train(const struct ad_ecod *e, const double *x,
    double *contrib)
{
	score_row(e, TRAIN, x, contrib);
}

/* ---- the payload ---- */

size_t ad_ecod_encoded_size(const struct ad_ecod *e)
{
	return 16 + 4 * e->d + 8 * e->n * e->d;
}

void ad_ecod_encode(const struct ad_ecod *e, unsigned char *p)
{
	p = ad_wire_put_u32(p, (uint32_t)e->d);
	p = ad_wire_put_u32(p, (uint32_t)e->aggregate);
	p = ad_wire_put_u32(p, (uint32_t)((uint64_t)e->n & 0xffffffffu));
	p = ad_wire_put_u32(p, (uint32_t)((uint64_t)e->n >> 32));
	for (size_t f = 0; f < e->d; f++)
		p = ad_wire_put_u32(p, (uint32_t)(e->sign[f] + 1));
	for (size_t i = 0; i < e->n * e->d; i++)
		p = ad_wire_put_f64(p, e->sorted[i]);
}

/* Reads the signs and the sorted values into e; 0, or -1 if one is bad. */
static int decode_sample(struct ad_wire *w, struct ad_ecod *e)
{
	for (size_t f = 0; f < e->d; f++) {
		uint32_t s;
		if (ad_wire_get_u32(w, &s) || s > 2)
			return -1;
		e->sign[f] = (int)s - 1;
	}
	for (size_t f = 0; f < e->d; f++) {
		double *s = e->sorted + f * e->n;
		if (ad_wire_get_finite(w, s, e->n))
			return -1;
		for (size_t i = 1; i < e->n; i++)
			if (!(s[i - 1] <= s[i]))
				return -1;
		set_heads(e, f);
	}
	return 0;
}

enum ad_status ad_ecod_decode(const unsigned char *p, size_t len,
    size_t nfeat, const char *name, struct ad_ecod **out,
    struct ad_error *err)
{
	struct ad_wire w = { p, len };
	uint32_t d, agg, lo, hi;
	uint64_t n;
	struct ad_ecod *e;
	enum ad_status st;

	if (ad_wire_get_u32(&w, &d) || ad_wire_get_u32(&w, &agg) ||
	    ad_wire_get_u32(&w, &lo) || ad_wire_get_u32(&w, &hi))
		return ad_wire_corrupt(err, name, "truncated ECOD sample");
	n = (uint64_t)hi << 32 | lo;
	if (d != nfeat || d == 0)
		return ad_wire_corrupt(err, name,
		    "ECOD feature count is not the model's");
	if (agg != AD_ECOD_PYOD && agg != AD_ECOD_PAPER)
		return ad_wire_corrupt(err, name, "unknown ECOD aggregate");
	/* after the signs, n values per feature, exactly */
	if (n == 0 || w.left / 4 < d || (w.left - 4 * (size_t)d) % 8 != 0 ||
	    (w.left - 4 * (size_t)d) / 8 % d != 0 ||
	    (w.left - 4 * (size_t)d) / 8 / d != n)
		return ad_wire_corrupt(err, name,
		    "ECOD sample does not fill the payload exactly");
	if ((st = state_new((size_t)n, d, &e, err)) != AD_OK)
		return st;
	e->aggregate = (enum ad_ecod_aggregate)agg;
	if (decode_sample(&w, e) != 0) {
		ad_ecod_free(e);
		return ad_wire_corrupt(err, name,
		    "ECOD skewness sign unknown or sample not finite and "
		    "sorted");
	}
	*out = e;
	return AD_OK;
}
