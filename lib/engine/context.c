/*
 * Time-context state; see context.h for what is computed.
 *
 * A group's state is one allocation: for each column, its rolling windows'
 * running sums and deques, then a ring of its last values, then its
 * exponentially weighted means. Positions (steps of the group) index the
 * ring modulo its size, which is at least every lag and window, so a value
 * stays readable as long as any feature needs it.
 *
 * A window's mean and variance come from sums of x - K and (x - K)^2 over
 * its values, with K the window's mean at the last recomputation. The sums
 * are Neumaier-compensated, so a spike entering and then leaving the window
 * takes its rounding with it. They are recomputed from the ring every N
 * steps, so what little error remains cannot build up over a long stream,
 * and whenever the mean has moved far from K relative to the spread, so
 * the variance never comes from a difference of two large sums. That costs
 * O(N) only when the level shifts by many deviations; on normal data with
 * or without level shifts, recomputations stay near one in N steps.
 * Min and max come from monotonic deques of positions. A window whose values
 * are all equal (min == max) has exactly that value as mean and 0 as std.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "context.h"
#include "num.h"
#include "timeparse.h"

/* One rolling window of one column. */
struct win {
	double k;            /* the shift K */
	double s1, c1;       /* sum of x - K and its compensation */
	double s2, c2;       /* sum of (x - K)^2 and its compensation */
	uint64_t n;          /* values in the window that are not missing */
	uint64_t since;      /* steps since the sums were recomputed */
	uint64_t minh, mins; /* min deque: head slot and size */
	uint64_t maxh, maxs; /* max deque: head slot and size */
};

struct group {
	uint64_t t;          /* steps so far */
	unsigned char *mem;  /* ncols blocks of colbytes */
};

struct ad_context {
	uint64_t *lags, *windows;
	double *alphas;
	struct ad_context_spec spec;  /* pointing at the copies above */
	size_t ncols;
	size_t cap;          /* ring size: the largest lag or window, at least 1 */
	size_t deqwords;     /* deque slots of all windows: 2 sum(N) */
	size_t colbytes;     /* one column's state */
	struct group *groups;
	size_t ngroups, gcap;
};

size_t ad_context_width(const struct ad_context_spec *s)
{
	return s->nlags + (s->diff != 0) + AD_ROLL_WIDTH * s->nwindows +
	    s->nalphas;
}

enum ad_status ad_context_name(const struct ad_context_spec *s,
    const char *col, size_t f, char **name, struct ad_error *err)
{
	static const char *const roll[AD_ROLL_WIDTH] = { "mean", "std", "min",
	    "max", "z" };
	char suffix[AD_NUM_MAXLEN + 32], num[AD_NUM_MAXLEN];
	size_t cl = strlen(col), sl;
	char *p;

	if (f < s->nlags)
		snprintf(suffix, sizeof suffix, "_lag%llu",
		    (unsigned long long)s->lags[f]);
	else if ((f -= s->nlags) < (s->diff != 0))
		snprintf(suffix, sizeof suffix, "_diff");
	else if ((f -= (s->diff != 0)) < AD_ROLL_WIDTH * s->nwindows)
		snprintf(suffix, sizeof suffix, "_roll%llu_%s",
		    (unsigned long long)s->windows[f / AD_ROLL_WIDTH],
		    roll[f % AD_ROLL_WIDTH]);
	else {
		f -= AD_ROLL_WIDTH * s->nwindows;
		ad_num_format(s->alphas[f], num);
		snprintf(suffix, sizeof suffix, "_ewm%s", num);
	}
	sl = strlen(suffix);
	if ((p = ad_malloc(cl + sl + 1)) == NULL)
		return ad_error_nomem(err);
	memcpy(p, col, cl);
	memcpy(p + cl, suffix, sl + 1);
	*name = p;
	return AD_OK;
}

/* Copies n items of size elem from src to a new array in *dst. */
static int copy_array(void **dst, const void *src, size_t n, size_t elem)
{
	*dst = ad_calloc(n + 1, elem);
	if (*dst == NULL)
		return -1;
	if (n > 0)
		memcpy(*dst, src, n * elem);
	return 0;
}

enum ad_status ad_context_new(struct ad_context **out,
    const struct ad_context_spec *spec, size_t ncols, struct ad_error *err)
{
	struct ad_context *c = ad_calloc(1, sizeof *c);
	size_t words = 0;

	if (c == NULL)
		return ad_error_nomem(err);
	if (copy_array((void **)&c->lags, spec->lags, spec->nlags,
	    sizeof *c->lags) != 0 ||
	    copy_array((void **)&c->windows, spec->windows, spec->nwindows,
	    sizeof *c->windows) != 0 ||
	    copy_array((void **)&c->alphas, spec->alphas, spec->nalphas,
	    sizeof *c->alphas) != 0) {
		ad_context_free(c);
		return ad_error_nomem(err);
	}
	c->spec = *spec;
	c->spec.lags = c->lags;
	c->spec.windows = c->windows;
	c->spec.alphas = c->alphas;
	c->ncols = ncols;
	c->cap = 1;
	for (size_t i = 0; i < spec->nlags; i++)
		if (spec->lags[i] > c->cap)
			c->cap = (size_t)spec->lags[i];
	for (size_t i = 0; i < spec->nwindows; i++) {
		if (spec->windows[i] > c->cap)
			c->cap = (size_t)spec->windows[i];
		words += 2 * (size_t)spec->windows[i];
	}
	c->deqwords = words;
	/* spans are bounded by AD_CONTEXT_MAX_SPAN, so this cannot overflow */
	c->colbytes = spec->nwindows * sizeof(struct win) +
	    (c->cap + spec->nalphas) * sizeof(double) + words * sizeof(uint64_t);
	*out = c;
	return AD_OK;
}

void ad_context_free(struct ad_context *c)
{
	if (c == NULL)
		return;
	for (size_t g = 0; g < c->ngroups; g++)
		ad_free(c->groups[g].mem);
	ad_free(c->groups);
	ad_free(c->lags);
	ad_free(c->windows);
	ad_free(c->alphas);
	ad_free(c);
}

size_t ad_context_groups(const struct ad_context *c)
{
	return c->ngroups;
}

/* ---- a column's state inside a group's block ---- */

struct colstate {
	struct win *win;     /* nwindows */
	double *ring;        /* cap */
	double *ewm;         /* nalphas */
	uint64_t *deq;       /* the windows' deques, 2 N each */
};

static struct colstate col_state(const struct ad_context *c,
    const struct group *g, size_t k)
{
	unsigned char *p = g->mem + k * c->colbytes;
	struct colstate s;

	s.win = (struct win *)(void *)p;
	s.ring = (double *)(void *)(p + c->spec.nwindows * sizeof(struct win));
	s.ewm = s.ring + c->cap;
	s.deq = (uint64_t *)(void *)(s.ewm + c->spec.nalphas);
	return s;
}

/* A group with no history yet. */
static void empty_group(const struct ad_context *c, struct group *g)
{
	g->t = 0;
	for (size_t k = 0; k < c->ncols; k++) {
		struct colstate s = col_state(c, g, k);
		memset(s.win, 0, c->spec.nwindows * sizeof *s.win);
		for (size_t a = 0; a < c->spec.nalphas; a++)
			s.ewm[a] = NAN;
	}
}

void ad_context_reset(struct ad_context *c, size_t g)
{
	if (c != NULL && g < c->ngroups)
		empty_group(c, &c->groups[g]);
}

static enum ad_status new_groups(struct ad_context *c, size_t upto,
    struct ad_error *err)
{
	struct group *ng = ad_grow(c->groups, &c->gcap, upto + 1, sizeof *ng);
	size_t bytes;

	if (ng == NULL)
		return ad_error_nomem(err);
	c->groups = ng;
	if (ad_mul_size(c->colbytes, c->ncols, &bytes) != 0)
		return ad_error_nomem(err);
	while (c->ngroups <= upto) {
		struct group *g = &c->groups[c->ngroups];

		if ((g->mem = ad_malloc(bytes ? bytes : 1)) == NULL)
			return ad_error_nomem(err);
		empty_group(c, g);
		c->ngroups++;
	}
	return AD_OK;
}

/* ---- the arithmetic ---- */

static void neumaier(double *s, double *comp, double v)
{
	double t = *s + v;

	if (fabs(*s) >= fabs(v))
		*comp += (*s - t) + v;
	else
		*comp += (v - t) + *s;
	*s = t;
}

static void moments_add(struct win *w, double x, double sign)
{
	double d = x - w->k;

	neumaier(&w->s1, &w->c1, sign * d);
	neumaier(&w->s2, &w->c2, sign * (d * d));
}

/* Recomputes a window's sums over ring positions [from, to), shifting by
 * the values' own mean. */
static void moments_recompute(struct win *w, const double *ring, size_t cap,
    uint64_t from, uint64_t to)
{
	double sum = 0, comp = 0, k;
	uint64_t n = 0;

	for (uint64_t p = from; p < to; p++) {
		double v = ring[p % cap];
		if (v == v) {
			neumaier(&sum, &comp, v);
			n++;
		}
	}
	k = n ? (sum + comp) / (double)n : 0;
	w->k = k;
	w->s1 = w->c1 = w->s2 = w->c2 = 0;
	for (uint64_t p = from; p < to; p++) {
		double v = ring[p % cap];
		if (v == v)
			moments_add(w, v, 1);
	}
	w->since = 0;
}

/* Deque of positions in slots[0..n), as a ring; head and size in *h, *s. */
static uint64_t deq_front(const uint64_t *q, uint64_t h)
{
	return q[h];
}

static uint64_t deq_back(const uint64_t *q, uint64_t n, uint64_t h,
    uint64_t s)
{
	return q[(h + s - 1) % n];
}

static void deq_push(uint64_t *q, uint64_t n, uint64_t h, uint64_t *s,
    uint64_t pos)
{
	q[(h + *s) % n] = pos;
	(*s)++;
}

static void deq_pop_front(uint64_t n, uint64_t *h, uint64_t *s)
{
	*h = (*h + 1) % n;
	(*s)--;
}

/* Writes the five rolling features of window w for the value x. */
static void window_features(const struct win *w, const double *ring,
    size_t cap, const uint64_t *minq, const uint64_t *maxq, double x,
    double *out)
{
	double n = (double)w->n, mean, var, std, lo, hi, s1;

	if (w->n == 0) {
		for (int f = 0; f < AD_ROLL_WIDTH; f++)
			out[f] = NAN;
		return;
	}
	lo = ring[deq_front(minq, w->minh) % cap];
	hi = ring[deq_front(maxq, w->maxh) % cap];
	s1 = w->s1 + w->c1;
	if (lo == hi) {
		/* all equal: exact, whatever the sums say */
		mean = lo;
		std = 0;
	} else {
		mean = w->k + s1 / n;
		var = w->n > 1 ? ((w->s2 + w->c2) - s1 * s1 / n) / (n - 1) : 0;
		std = sqrt(var > 0 ? var : 0);
	}
	out[AD_ROLL_MEAN] = mean;
	out[AD_ROLL_STD] = w->n > 1 ? std : NAN;
	out[AD_ROLL_MIN] = lo;
	out[AD_ROLL_MAX] = hi;
	if (w->n < 2 || x != x)
		out[AD_ROLL_Z] = NAN;
	else
		out[AD_ROLL_Z] = (x - mean) / (std > 0 ? std : 1);
}

/* Moves window w (of size span) from positions [t-span, t) to
 * [t-span+1, t+1): the value leaving is read before x is written. */
static void window_leave(struct win *w, const double *ring, size_t cap,
    uint64_t span, uint64_t t)
{
	double y;

	if (t < span)
		return;
	y = ring[(t - span) % cap];
	if (y != y)
		return;
	moments_add(w, y, -1);
	w->n--;
}

/* Whether the window's mean has wandered so far from the shift K that
 * the sums lose digits to cancellation: (mean - K)^2 above 64 times the
 * variance costs at most some 6 bits, and the window is recomputed first. */
static int drifted(const struct win *w)
{
	double n = (double)w->n, s1 = w->s1 + w->c1, d = s1 / n;

	return w->n > 1 && d * d * n > 64 * ((w->s2 + w->c2) - s1 * d);
}

static void window_enter(struct win *w, const double *ring, size_t cap,
    uint64_t *minq, uint64_t *maxq, uint64_t span, uint64_t t, double x)
{
	if (w->mins > 0 && deq_front(minq, w->minh) + span <= t)
		deq_pop_front(span, &w->minh, &w->mins);
	if (w->maxs > 0 && deq_front(maxq, w->maxh) + span <= t)
		deq_pop_front(span, &w->maxh, &w->maxs);
	if (x == x) {
		while (w->mins > 0 &&
		    ring[deq_back(minq, span, w->minh, w->mins) % cap] >= x)
			w->mins--;
		deq_push(minq, span, w->minh, &w->mins, t);
		while (w->maxs > 0 &&
		    ring[deq_back(maxq, span, w->maxh, w->maxs) % cap] <= x)
			w->maxs--;
		deq_push(maxq, span, w->maxh, &w->maxs, t);
		if (w->n == 0) {        /* an empty window starts afresh at x */
			w->k = x;
			w->s1 = w->c1 = w->s2 = w->c2 = 0;
		}
		moments_add(w, x, 1);
		w->n++;
	}
	if (++w->since >= span || drifted(w))
		moments_recompute(w, ring, cap, t + 1 > span ? t + 1 - span : 0,
		    t + 1);
}

static void column_step(const struct ad_context *c, struct colstate *s,
    uint64_t t, double x, double *out)
{
	const struct ad_context_spec *sp = &c->spec;
	size_t cap = c->cap, f = 0;
	uint64_t *deq = s->deq;

	for (size_t i = 0; i < sp->nlags; i++)
		out[f++] = t >= sp->lags[i] ? s->ring[(t - sp->lags[i]) % cap] : NAN;
	if (sp->diff)
		out[f++] = t >= 1 ? x - s->ring[(t - 1) % cap] : NAN;
	for (size_t i = 0; i < sp->nwindows; i++) {
		uint64_t span = sp->windows[i];
		window_features(&s->win[i], s->ring, cap, deq, deq + span, x,
		    out + f);
		f += AD_ROLL_WIDTH;
		window_leave(&s->win[i], s->ring, cap, span, t);
		deq += 2 * span;
	}
	for (size_t a = 0; a < sp->nalphas; a++) {
		double *m = &s->ewm[a];
		out[f++] = *m;
		if (x == x)
			*m = *m != *m ? x : (1 - sp->alphas[a]) * *m +
			    sp->alphas[a] * x;
	}
	s->ring[t % cap] = x;
	deq = s->deq;
	for (size_t i = 0; i < sp->nwindows; i++) {
		uint64_t span = sp->windows[i];
		window_enter(&s->win[i], s->ring, cap, deq, deq + span, span, t, x);
		deq += 2 * span;
	}
}

enum ad_status ad_context_step(struct ad_context *c, size_t g,
    const double *x, double *const *out, struct ad_error *err)
{
	struct group *gr;
	enum ad_status st;

	if (g >= c->ngroups && (st = new_groups(c, g, err)) != AD_OK)
		return st;
	gr = &c->groups[g];
	for (size_t k = 0; k < c->ncols; k++) {
		struct colstate s = col_state(c, gr, k);
		column_step(c, &s, gr->t, x[k], out[k]);
	}
	gr->t++;
	return AD_OK;
}

/* ---- calendar ---- */

/* sin and cos of 2 pi frac, exact at quarter turns. */
static void turn(double frac, double *s, double *c)
{
	static const double S[4] = { 0, 1, 0, -1 }, C[4] = { 1, 0, -1, 0 };
	const double two_pi = 6.283185307179586;
	double q = frac * 4;

	if (q == floor(q)) {
		int k = (int)fmod(q, 4);
		*s = S[k];
		*c = C[k];
		return;
	}
	*s = sin(two_pi * frac);
	*c = cos(two_pi * frac);
}

void ad_context_calendar(const struct ad_time *t, double *out)
{
	turn(ad_timeparse_hour(t) / 24, &out[AD_CAL_HOUR_SIN], &out[AD_CAL_HOUR_COS]);
	turn(ad_timeparse_weekday(t) / 7.0, &out[AD_CAL_DOW_SIN],
	    &out[AD_CAL_DOW_COS]);
}
