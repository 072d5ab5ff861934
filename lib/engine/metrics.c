/*
 * Exact metrics; see metrics.h for the definitions they follow.
 *
 * Everything threshold-free comes from one walk down the two sorted key
 * arrays (positives, negatives), a tie group at a time: at each distinct
 * score the walk knows how many positives (tp) and negatives (fp) score at
 * least that much. Then, as in scikit-learn:
 *
 *   ROC-AUC = sum over groups of dfp * (tp_before + dtp / 2) / (P * N),
 *             the trapezoids of the ROC curve, kept in integers as
 *             sum dfp * (2 tp_before + dtp) over 2PN;
 *   AP      = sum over groups of dtp / P * tp / (tp + fp), Neumaier-summed;
 *   best F1 = max over groups of 2 tp / (tp + fp + P), compared exactly as
 *             fractions (ties keep the highest threshold).
 *
 * Precision at k (k = P) is the expected precision of the k highest rows
 * when the tie group straddling position k is cut at random: it counts that
 * group's positives in proportion to the part of it that is taken.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "metrics.h"
#include "num.h"
#include "rng.h"

/* Why a metric is undefined: the texts the reports show. */
static const char no_rows[] = "no rows to evaluate";
static const char no_pos[] = "no row is labelled anomalous";
static const char no_neg[] = "no row is labelled normal";
static const char no_flag[] = "no row is flagged";
static const char no_pos_flag[] = "no row is labelled anomalous or flagged";
static const char one_label[] = "every row has the same label";
static const char one_decision[] = "every row has the same decision";
static const char few_rows[] = "needs at least two rows of each label";
static const char no_var[] = "the two scores rank the rows alike "
    "(zero variance)";
static const char no_resamples[] = "no resamples";
static const char no_decision[] = "no decision to compare";

/* ---- values and sums ---- */

static struct ad_value defined(double v)
{
	struct ad_value x = { v, NULL };

	return x;
}

static struct ad_value undefined(const char *why)
{
	struct ad_value x = { NAN, why };

	return x;
}

/* A Neumaier-compensated sum: the low-order bits a plain sum drops. */
struct sum {
	double s, c;
};

static void sum_add(struct sum *a, double v)
{
	double t = a->s + v;

	if (fabs(a->s) >= fabs(v))
		a->c += (a->s - t) + v;
	else
		a->c += (v - t) + a->s;
	a->s = t;
}

static double sum_value(const struct sum *a)
{
	return a->s + a->c;
}

/* ---- order keys and sorting ---- */

#define SIGN_BIT (UINT64_C(1) << 63)

uint64_t ad_metrics_key(double v)
{
	uint64_t u;

	if (v == 0)
		v = 0;          /* -0 and 0 are one score */
	memcpy(&u, &v, sizeof u);
	/* negative numbers: all bits flipped, so larger magnitudes sort
	 * lower; non-negative ones: above every negative */
	return (u & SIGN_BIT) ? ~u : u | SIGN_BIT;
}

double ad_metrics_unkey(uint64_t k)
{
	uint64_t u = (k & SIGN_BIT) ? k & ~SIGN_BIT : ~k;
	double v;

	memcpy(&v, &u, sizeof v);
	return v;
}

/* 11-bit digits: six passes over 64 bits, histograms small enough to stay
 * in cache. */
enum { DIGIT_BITS = 11, DIGITS = 1 << DIGIT_BITS, PASSES = 6 };

static unsigned digit(uint64_t k, int pass)
{
	return (unsigned)(k >> (pass * DIGIT_BITS)) & (DIGITS - 1);
}

static void insertion_sort(uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = a[i];
		size_t j = i;

		for (; j > 0 && a[j - 1] > x; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* A radix sort's buffers: keys and, if idx is not NULL, row indexes moved
 * along with them. A sort leaves its result in key (and idx), which may
 * have traded places with ktmp (and itmp). */
struct radix {
	uint64_t *key, *ktmp;
	uint32_t *idx, *itmp;
	size_t (*hist)[DIGITS];
};

static enum ad_status radix_new(struct radix *r, size_t n, int with_idx,
    struct ad_error *err)
{
	memset(r, 0, sizeof *r);
	r->key = ad_calloc(n + 1, sizeof *r->key);
	r->ktmp = ad_calloc(n + 1, sizeof *r->ktmp);
	r->hist = ad_calloc(PASSES, sizeof *r->hist);
	if (with_idx) {
		r->idx = ad_calloc(n + 1, sizeof *r->idx);
		r->itmp = ad_calloc(n + 1, sizeof *r->itmp);
	}
	if (r->key == NULL || r->ktmp == NULL || r->hist == NULL ||
	    (with_idx && (r->idx == NULL || r->itmp == NULL)))
		return ad_error_nomem(err);
	return AD_OK;
}

static void radix_free(struct radix *r)
{
	ad_free(r->key);
	ad_free(r->ktmp);
	ad_free(r->idx);
	ad_free(r->itmp);
	ad_free(r->hist);
}

/* Sorts r->key[0..n) ascending, stably, LSD by 11-bit digits; a digit that
 * every key shares costs no pass. */
static void radix_sort(struct radix *r, size_t n)
{
	memset(r->hist, 0, PASSES * sizeof *r->hist);
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < PASSES; p++)
			r->hist[p][digit(r->key[i], p)]++;
	for (int p = 0; p < PASSES && n > 0; p++) {
		size_t *h = r->hist[p], pos = 0;
		uint64_t *kt;
		uint32_t *it;

		if (h[digit(r->key[0], p)] == n)
			continue;
		for (size_t d = 0; d < DIGITS; d++) {
			size_t c = h[d];
			h[d] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t to = h[digit(r->key[i], p)]++;
			r->ktmp[to] = r->key[i];
			if (r->idx != NULL)
				r->itmp[to] = r->idx[i];
		}
		kt = r->key;
		r->key = r->ktmp;
		r->ktmp = kt;
		it = r->idx;
		r->idx = r->itmp;
		r->itmp = it;
	}
}

enum ad_status ad_metrics_sort(uint64_t *keys, size_t n,
    struct ad_error *err)
{
	struct radix r;
	enum ad_status st;

	if (n < 64) {
		insertion_sort(keys, n);
		return AD_OK;
	}
	if ((st = radix_new(&r, n, 0, err)) == AD_OK) {
		memcpy(r.key, keys, n * sizeof *keys);
		radix_sort(&r, n);
		memcpy(keys, r.key, n * sizeof *keys);
	}
	radix_free(&r);
	return st;
}

/* First index of a (sorted ascending) whose key is >= x. */
static size_t lower_bound(const uint64_t *a, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- a decision's metrics ---- */

static struct ad_value ratio(uint64_t num, uint64_t den, const char *why)
{
	return den == 0 ? undefined(why) : defined((double)num / (double)den);
}

static struct ad_value matthews(const struct ad_confusion *c)
{
	uint64_t pos = c->tp + c->fn, neg = c->tn + c->fp;
	uint64_t flagged = c->tp + c->fp, kept = c->tn + c->fn;
	__int128 num = (__int128)c->tp * c->tn - (__int128)c->fp * c->fn;
	double den;

	if (pos == 0 && neg == 0)
		return undefined(no_rows);
	if (pos == 0 || neg == 0)
		return undefined(one_label);
	if (flagged == 0 || kept == 0)
		return undefined(one_decision);
	den = sqrt((double)flagged * (double)pos) *
	    sqrt((double)neg * (double)kept);
	return defined((double)num / den);
}

void ad_metrics_of_confusion(const struct ad_confusion *c,
    struct ad_decision_metrics *m)
{
	uint64_t all = c->tp + c->fp + c->tn + c->fn;

	m->precision = ratio(c->tp, c->tp + c->fp, all ? no_flag : no_rows);
	m->recall = ratio(c->tp, c->tp + c->fn, all ? no_pos : no_rows);
	/* 2tp / (2tp + fp + fn) equals 2PR / (P + R) where both are defined
	 * and is 0, as in scikit-learn, where only one of them is */
	m->f1 = ratio(2 * c->tp, 2 * c->tp + c->fp + c->fn,
	    all ? no_pos_flag : no_rows);
	m->accuracy = ratio(c->tp + c->tn, all, no_rows);
	m->specificity = ratio(c->tn, c->tn + c->fp, all ? no_neg : no_rows);
	m->mcc = matthews(c);
}

void ad_metrics_confusion_at(const struct ad_ranked *r, uint64_t t,
    struct ad_confusion *c)
{
	c->tp = r->npos - lower_bound(r->pos, r->npos, t);
	c->fp = r->nneg - lower_bound(r->neg, r->nneg, t);
	c->fn = r->npos - c->tp;
	c->tn = r->nneg - c->fp;
}

uint64_t ad_metrics_kth_highest(const struct ad_ranked *r, uint64_t k)
{
	size_t i = r->npos, j = r->nneg;
	uint64_t t = 0;

	for (; k > 0; k--) {
		if (j == 0 || (i > 0 && r->pos[i - 1] >= r->neg[j - 1]))
			t = r->pos[--i];
		else
			t = r->neg[--j];
	}
	return t;
}

/* ---- the walk ---- */

struct walk {
	uint64_t npos;
	uint64_t tp, fp;            /* at or above the current group */
	unsigned __int128 auc2;     /* twice the ROC area, times P * N */
	struct sum ap;              /* times P */
	uint64_t best_tp, best_fp;  /* of the best F1 so far */
	uint64_t best_key;
	int have_best;
	double at_k;                /* precision at k, once reached */
	int have_k;
};

/* Precision of the top k = P rows, once the group that reaches k is
 * known: the part of the group taken brings its share of positives. */
static void reach_k(struct walk *w, uint64_t dtp, uint64_t dfp)
{
	uint64_t k = w->npos, above = w->tp + w->fp, g = dtp + dfp;
	unsigned __int128 num, den;

	if (w->have_k || k == 0 || above + g < k)
		return;
	num = (unsigned __int128)w->tp * g + (unsigned __int128)(k - above) * dtp;
	den = (unsigned __int128)k * g;
	w->at_k = (double)num / (double)den;
	w->have_k = 1;
}

/* Whether 2tp / (tp + fp + P) beats the best so far, exactly. */
static int beats_best(const struct walk *w)
{
	unsigned __int128 a, b;

	if (!w->have_best)
		return 1;
	a = (unsigned __int128)w->tp * (w->best_tp + w->best_fp + w->npos);
	b = (unsigned __int128)w->best_tp * (w->tp + w->fp + w->npos);
	return a > b;
}

static void step(struct walk *w, uint64_t key, uint64_t dtp, uint64_t dfp)
{
	reach_k(w, dtp, dfp);
	w->auc2 += (unsigned __int128)dfp * (2 * (unsigned __int128)w->tp + dtp);
	w->tp += dtp;
	w->fp += dfp;
	if (dtp > 0)
		sum_add(&w->ap, (double)dtp * ((double)w->tp /
		    (double)(w->tp + w->fp)));
	if (w->npos > 0 && beats_best(w)) {
		w->best_tp = w->tp;
		w->best_fp = w->fp;
		w->best_key = key;
		w->have_best = 1;
	}
}

static void finish(const struct walk *w, uint64_t nneg,
    struct ad_rank_metrics *m)
{
	uint64_t P = w->npos;

	if (P == 0) {
		m->roc_auc = m->pr_auc = m->precision_at_k = m->best_f1 =
		    m->best_f1_threshold = undefined(nneg ? no_pos : no_rows);
		return;
	}
	m->roc_auc = nneg == 0 ? undefined(no_neg) : defined((double)w->auc2 /
	    (2.0 * (double)P * (double)nneg));
	m->pr_auc = defined(sum_value(&w->ap) / (double)P);
	m->precision_at_k = defined(w->at_k);
	m->best_f1 = defined(2.0 * (double)w->best_tp /
	    (double)(w->best_tp + w->best_fp + P));
	m->best_f1_threshold = defined(ad_metrics_unkey(w->best_key));
}

enum ad_status ad_metrics_rank(const struct ad_ranked *r,
    struct ad_rank_metrics *m, ad_curve_fn fn, void *ctx,
    struct ad_error *err)
{
	struct walk w;
	size_t i = r->npos, j = r->nneg;
	enum ad_status st;

	memset(&w, 0, sizeof w);
	w.npos = r->npos;
	while (i > 0 || j > 0) {
		uint64_t t, dtp = 0, dfp = 0;

		if (j == 0 || (i > 0 && r->pos[i - 1] >= r->neg[j - 1]))
			t = r->pos[i - 1];
		else
			t = r->neg[j - 1];
		for (; i > 0 && r->pos[i - 1] == t; i--)
			dtp++;
		for (; j > 0 && r->neg[j - 1] == t; j--)
			dfp++;
		step(&w, t, dtp, dfp);
		if (fn != NULL && (st = fn(ctx, ad_metrics_unkey(t), w.tp, w.fp,
		    err)) != AD_OK)
			return st;
	}
	finish(&w, r->nneg, m);
	return AD_OK;
}

/* ---- DeLong ---- */

/* Rows are numbered positives first: 0..P-1, then the negatives. Indexes
 * are 32-bit, so that a row costs 4 bytes in the sorts below. */
#define MAX_ROWS ((UINT64_C(1) << 31) - 1)

/* Sorts the rows of p by model's keys into r: r->key the keys ascending,
 * r->idx the rows. */
static void sort_rows(const struct ad_paired *p, int model, struct radix *r)
{
	size_t P = p->npos, R = p->npos + p->nneg;

	memcpy(r->key, model ? p->pos_b : p->pos_a, P * sizeof *r->key);
	memcpy(r->key + P, model ? p->neg_b : p->neg_a,
	    p->nneg * sizeof *r->key);
	for (size_t i = 0; i < R; i++)
		r->idx[i] = (uint32_t)i;
	radix_sort(r, R);
}

/* Adds sign times each row's structural component under the model r was
 * sorted by to d: for a positive row 2N V10 = twice the negatives below it
 * plus those tied with it; for a negative row 2P V01 = twice the positives
 * above it plus those tied. One walk, a tie group at a time. */
static void add_components(const struct radix *r, size_t P, size_t R,
    int64_t sign, int64_t *d)
{
	size_t pos_below = 0, neg_below = 0;

	for (size_t lo = 0, hi; lo < R; lo = hi) {
		size_t dp = 0, dn;
		int64_t u10, u01;

		for (hi = lo; hi < R && r->key[hi] == r->key[lo]; hi++)
			dp += r->idx[hi] < P;
		dn = hi - lo - dp;
		u10 = (int64_t)(2 * neg_below + dn);
		u01 = (int64_t)(2 * (P - pos_below - dp) + dp);
		for (size_t k = lo; k < hi; k++)
			d[r->idx[k]] += sign * (r->idx[k] < P ? u10 : u01);
		pos_below += dp;
		neg_below += dn;
	}
}

/* The sum of d[0..n) and the sum of squares about its mean: two passes,
 * so centred squares lose nothing to cancellation. */
static void spread(const int64_t *d, size_t n, __int128 *sum, double *ss)
{
	struct sum a = { 0, 0 };
	double mean;

	*sum = 0;
	for (size_t i = 0; i < n; i++)
		*sum += d[i];
	mean = (double)*sum / (double)n;
	for (size_t i = 0; i < n; i++) {
		double x = (double)d[i] - mean;
		sum_add(&a, x * x);
	}
	*ss = sum_value(&a);
}

/* The structural components of DeLong's variance, for the difference of
 * the two models, per row: d = component under a minus under b. Their
 * sample variances, scaled back, give the variance of AUC(a) - AUC(b);
 * the positives' sum, over 2NP, is AUC(a) - AUC(b) itself. */
static enum ad_status delong_components(const struct ad_paired *p,
    __int128 *sum10, double *ss10, double *ss01, struct ad_error *err)
{
	size_t P = p->npos, R = p->npos + p->nneg;
	struct radix r;
	int64_t *d = NULL;
	__int128 sum01;
	enum ad_status st;

	if ((st = radix_new(&r, R, 1, err)) == AD_OK &&
	    (d = ad_calloc(R + 1, sizeof *d)) == NULL)
		st = ad_error_nomem(err);
	if (st == AD_OK) {
		sort_rows(p, 0, &r);
		add_components(&r, P, R, 1, d);
		sort_rows(p, 1, &r);
		add_components(&r, P, R, -1, d);
		spread(d, P, sum10, ss10);
		spread(d + P, R - P, &sum01, ss01);
	}
	ad_free(d);
	radix_free(&r);
	return st;
}

enum ad_status ad_metrics_delong(const struct ad_paired *p,
    struct ad_delong *out, struct ad_error *err)
{
	size_t m = p->npos, n = p->nneg;
	double dm = (double)m, dn = (double)n, ss10, ss01, var, diff;
	__int128 sum10;
	enum ad_status st;

	if (m == 0 || n == 0) {
		out->diff = undefined(m ? no_neg : n ? no_pos : no_rows);
		out->se = out->z = out->p = out->diff;
		return AD_OK;
	}
	if ((uint64_t)m + n > MAX_ROWS)
		return ad_error_set(err, AD_EDATA, "comparing scores takes at "
		    "most %llu rows", (unsigned long long)MAX_ROWS);
	if ((st = delong_components(p, &sum10, &ss10, &ss01, err)) != AD_OK)
		return st;
	/* sum10 / (2N P) is AUC(a) - AUC(b) */
	diff = -(double)sum10 / (2.0 * dn * dm);
	out->diff = defined(diff);
	if (m < 2 || n < 2) {
		out->se = out->z = out->p = undefined(few_rows);
		return AD_OK;
	}
	var = ss10 / (dm - 1) / (4.0 * dn * dn) / dm +
	    ss01 / (dn - 1) / (4.0 * dm * dm) / dn;
	if (!(var > 0)) {
		out->se = out->z = out->p = undefined(no_var);
		return AD_OK;
	}
	out->se = defined(sqrt(var));
	out->z = defined(diff / out->se.v);
	out->p = defined(erfc(fabs(out->z.v) / sqrt(2.0)));
	return AD_OK;
}

/* ---- the bootstrap ---- */


/* The top bit of a perm entry marks the last row of a tie group in
 * descending order. */
#define GROUP_END (UINT32_C(1) << 31)

/* The rows in ascending order of model's keys, each tie group's lowest
 * entry marked, sorted in r. */
static void order_rows(const struct ad_paired *p, int model, struct radix *r,
    uint32_t *perm)
{
	size_t R = p->npos + p->nneg;

	sort_rows(p, model, r);
	/* walking down, a group ends where the next key down differs */
	for (size_t k = 0; k < R; k++)
		perm[k] = r->idx[k] | (k == 0 || r->key[k - 1] != r->key[k] ?
		    GROUP_END : 0);
}

/* Average precision of one resample: w[row] copies of each row. */
static double weighted_ap(const uint32_t *perm, uint32_t rows, uint32_t npos,
    const uint32_t *w)
{
	uint64_t tp = 0, fp = 0, tp_before = 0;
	struct sum ap = { 0, 0 };

	for (uint32_t k = rows; k-- > 0;) {
		uint32_t r = perm[k] & ~GROUP_END;

		if (r < npos)
			tp += w[r];
		else
			fp += w[r];
		if ((perm[k] & GROUP_END) && tp > tp_before) {
			sum_add(&ap, (double)(tp - tp_before) *
			    ((double)tp / (double)(tp + fp)));
			tp_before = tp;
		}
	}
	return sum_value(&ap) / (double)npos;
}

/* F1 of one resample for the decisions in flag bit `bit`. */
static double weighted_f1(const struct ad_paired *p, const uint32_t *w,
    int bit)
{
	uint64_t tp = 0, fp = 0, npos = p->npos;

	for (size_t i = 0; i < p->npos; i++)
		if (p->pos_flag[i] >> bit & 1)
			tp += w[i];
	for (size_t j = 0; j < p->nneg; j++)
		if (p->neg_flag[j] >> bit & 1)
			fp += w[npos + j];
	/* the positives' weights add up to npos in every resample */
	return 2.0 * (double)tp / (double)(2 * tp + fp + (npos - tp));
}

/* The q-quantile of sorted x[0..n), interpolating between neighbours. */
static double quantile(const double *x, size_t n, double q)
{
	double h = (double)(n - 1) * q, lo = floor(h);
	size_t i = (size_t)lo;

	if (i + 1 >= n)
		return x[n - 1];
	return x[i] + (h - lo) * (x[i + 1] - x[i]);
}

static void interval(double *d, size_t n, double level, struct ad_value *lo,
    struct ad_value *hi)
{
	qsort(d, n, sizeof *d, ad_num_cmp);
	*lo = defined(quantile(d, n, (1 - level) / 2));
	*hi = defined(quantile(d, n, 1 - (1 - level) / 2));
}

struct boot {
	uint32_t *perm_a, *perm_b, *w;
	double *f1d, *apd;
};

static void boot_free(struct boot *b)
{
	ad_free(b->perm_a);
	ad_free(b->perm_b);
	ad_free(b->w);
	ad_free(b->f1d);
	ad_free(b->apd);
}

/* The rows in the order of each model's scores, into b->perm_a and
 * perm_b; the sort's buffers are freed before the resamples need room. */
static enum ad_status order_both(const struct ad_paired *p, struct boot *b,
    struct ad_error *err)
{
	size_t R = p->npos + p->nneg;
	struct radix r;
	enum ad_status st;

	b->perm_a = ad_calloc(R, sizeof *b->perm_a);
	b->perm_b = ad_calloc(R, sizeof *b->perm_b);
	if (b->perm_a == NULL || b->perm_b == NULL)
		return ad_error_nomem(err);
	if ((st = radix_new(&r, R, 1, err)) == AD_OK) {
		order_rows(p, 0, &r, b->perm_a);
		order_rows(p, 1, &r, b->perm_b);
	}
	radix_free(&r);
	return st;
}

static void resample(struct ad_rng *g, uint32_t *w, uint32_t npos,
    uint32_t nneg)
{
	memset(w, 0, ((size_t)npos + nneg) * sizeof *w);
	for (uint32_t i = 0; i < npos; i++)
		w[ad_rng_below(g, npos)]++;
	for (uint32_t j = 0; j < nneg; j++)
		w[npos + ad_rng_below(g, nneg)]++;
}

enum ad_status ad_metrics_bootstrap(const struct ad_paired *p,
    uint64_t resamples, uint64_t seed, double level, struct ad_bootstrap *out,
    struct ad_error *err)
{
	struct boot b = { NULL, NULL, NULL, NULL, NULL };
	uint64_t rows = (uint64_t)p->npos + p->nneg;
	struct ad_rng g;
	enum ad_status st = AD_OK;

	out->resamples = resamples;
	out->seed = seed;
	out->level = level;
	out->f1_low = out->f1_high = out->ap_low = out->ap_high =
	    undefined(resamples == 0 ? no_resamples : rows ? no_pos : no_rows);
	if (resamples == 0 || p->npos == 0)
		return AD_OK;
	if (rows > MAX_ROWS)
		return ad_error_set(err, AD_EDATA, "comparing scores takes at "
		    "most %llu rows", (unsigned long long)MAX_ROWS);
	if ((st = order_both(p, &b, err)) != AD_OK)
		goto out;
	b.w = ad_calloc(rows, sizeof *b.w);
	b.f1d = ad_calloc(resamples, sizeof *b.f1d);
	b.apd = ad_calloc(resamples, sizeof *b.apd);
	if (b.w == NULL || b.f1d == NULL || b.apd == NULL) {
		st = ad_error_nomem(err);
		goto out;
	}
	ad_rng_seed_one(&g, seed);
	for (uint64_t i = 0; i < resamples; i++) {
		uint32_t P = (uint32_t)p->npos, R = (uint32_t)rows;

		resample(&g, b.w, P, (uint32_t)p->nneg);
		b.apd[i] = weighted_ap(b.perm_b, R, P, b.w) -
		    weighted_ap(b.perm_a, R, P, b.w);
		if (p->pos_flag != NULL)
			b.f1d[i] = weighted_f1(p, b.w, 1) - weighted_f1(p, b.w, 0);
	}
	interval(b.apd, resamples, level, &out->ap_low, &out->ap_high);
	if (p->pos_flag != NULL)
		interval(b.f1d, resamples, level, &out->f1_low, &out->f1_high);
	else
		out->f1_low = out->f1_high = undefined(no_decision);
out:
	boot_free(&b);
	return st;
}
