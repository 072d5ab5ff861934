/*
 * Calibrated scores: see calib.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "calib.h"
#include "num.h"

enum {
	FORMAT = 1,
	HEAD = 16           /* format, scores, points */
};

static struct ad_calib *calib_new(size_t n)
{
	struct ad_calib *c = ad_calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->level = ad_malloc(n * sizeof *c->level);
	c->score = ad_malloc(n * sizeof *c->score);
	if (c->level == NULL || c->score == NULL) {
		ad_calib_free(c);
		return NULL;
	}
	return c;
}

void ad_calib_free(struct ad_calib *c)
{
	if (c == NULL)
		return;
	ad_free(c->level);
	ad_free(c->score);
	ad_free(c);
}

double ad_calib_percentile(const double *s, size_t n, double q)
{
	double h = (double)(n - 1) * q, lo = floor(h);
	size_t i = (size_t)lo;

	if (i + 1 >= n)
		return s[n - 1];
	return s[i] + (h - lo) * (s[i + 1] - s[i]);
}

/* Points calibration c gives to a pool of about pool points, weighted by
 * its scores among total: at least 2, its extremes. */
static size_t share(const struct ad_calib *c, double total, double pool)
{
	double k = floor(pool * (double)c->scores / total + 0.5);

	return k < 2 ? 2 : (size_t)k;
}

/* Appends point (level, score), dropping the middle of a run of three
 * equal scores: a run keeps its first and last points. */
static void keep(struct ad_calib *c, double level, double score)
{
	if (c->n >= 2 && c->score[c->n - 1] == score &&
	    c->score[c->n - 2] == score)
		c->n--;
	c->level[c->n] = level;
	c->score[c->n] = score;
	c->n++;
}

enum ad_status ad_calib_fit(const double *s, size_t n, struct ad_calib **out,
    struct ad_error *err)
{
	size_t m = n < 2 ? 2 : n > AD_CALIB_MAX_POINTS ? AD_CALIB_MAX_POINTS : n;
	struct ad_calib *c = calib_new(m);

	if (c == NULL)
		return ad_error_nomem(err);
	c->scores = n;
	for (size_t j = 0; j < m; j++) {
		double level = (double)j / (double)(m - 1);

		/* the exact score where every one is kept, so a tie is a tie */
		keep(c, level, m == n ? s[j] : n == 1 ? s[0] :
		    ad_calib_percentile(s, n, level));
	}
	*out = c;
	return AD_OK;
}

enum ad_status ad_calib_merge(const struct ad_calib *const *cs, size_t n,
    struct ad_calib **out, struct ad_error *err)
{
	const double pool = 4.0 * AD_CALIB_MAX_POINTS;
	double total = 0, *s;
	uint64_t scores = 0;
	size_t m = 0, at = 0;
	enum ad_status st;

	for (size_t i = 0; i < n; i++) {
		total += (double)cs[i]->scores;
		scores = UINT64_MAX - scores < cs[i]->scores ? UINT64_MAX :
		    scores + cs[i]->scores;
	}
	for (size_t i = 0; i < n; i++)
		m += share(cs[i], total, pool);
	if ((s = ad_malloc(m * sizeof *s)) == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < n; i++) {
		size_t k = share(cs[i], total, pool);
		for (size_t j = 0; j < k; j++)
			s[at++] = ad_calib_quantile(cs[i], (double)j /
			    (double)(k - 1));
	}
	qsort(s, m, sizeof *s, ad_num_cmp);
	if ((st = ad_calib_fit(s, m, out, err)) == AD_OK)
		(*out)->scores = scores;
	ad_free(s);
	return st;
}

double ad_calib_apply(const struct ad_calib *c, double x)
{
	size_t lo = 0, hi = c->n, first, last;

	if (isnan(x))
		return x;
	if (x < c->score[0])
		return 0;
	if (x > c->score[c->n - 1])
		return 1;
	/* first: the first point with score >= x */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->score[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	if (c->score[first] == x) {
		last = first;
		while (last + 1 < c->n && c->score[last + 1] == x)
			last++;
		return (c->level[first] + c->level[last]) / 2;
	}
	/* score[first - 1] < x < score[first] */
	{
		double a = c->score[first - 1], b = c->score[first];
		double la = c->level[first - 1], lb = c->level[first];
		double v = la + (lb - la) * ((x - a) / (b - a));

		return v < la ? la : v > lb ? lb : v;
	}
}

double ad_calib_quantile(const struct ad_calib *c, double p)
{
	size_t i = 1;

	if (!(p > 0))
		return c->score[0];
	if (p >= 1)
		return c->score[c->n - 1];
	while (c->level[i] < p)
		i++;
	return c->score[i - 1] + (c->score[i] - c->score[i - 1]) *
	    ((p - c->level[i - 1]) / (c->level[i] - c->level[i - 1]));
}

static void store_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t load_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static double load_f64(const unsigned char *p)
{
	uint64_t u = load_le(p, 8);
	double v;

	memcpy(&v, &u, 8);
	return v;
}

size_t ad_calib_size(const struct ad_calib *c)
{
	return HEAD + 16 * c->n;
}

void ad_calib_encode(const struct ad_calib *c, unsigned char *p)
{
	store_le(p, FORMAT, 4);
	store_le(p + 4, c->scores, 8);
	store_le(p + 12, c->n, 4);
	p += HEAD;
	for (size_t i = 0; i < c->n; i++, p += 16) {
		uint64_t l, s;
		memcpy(&l, &c->level[i], 8);
		memcpy(&s, &c->score[i], 8);
		store_le(p, l, 8);
		store_le(p + 8, s, 8);
	}
}

static enum ad_status corrupt(struct ad_error *err, const char *name,
    const char *what)
{
	return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt model: "
	    "calibration %s", what);
}

/* Whether the points are increasing levels from 0 to 1 over finite,
 * non-decreasing scores, no three sharing one. */
static const char *points_wrong(const struct ad_calib *c)
{
	if (c->level[0] != 0 || c->level[c->n - 1] != 1)
		return "levels do not run from 0 to 1";
	for (size_t i = 0; i < c->n; i++) {
		if (!isfinite(c->score[i]))
			return "score not finite";
		if (i > 0 && !(c->level[i] > c->level[i - 1]))
			return "levels not increasing";
		if (i > 0 && !(c->score[i] >= c->score[i - 1]))
			return "scores not ordered";
		if (i > 1 && c->score[i] == c->score[i - 2])
			return "tie kept more than twice";
	}
	return NULL;
}

enum ad_status ad_calib_decode(const unsigned char *p, size_t len,
    const char *name, size_t *used, struct ad_calib **out,
    struct ad_error *err)
{
	uint64_t n, scores;
	struct ad_calib *c;
	const char *why;

	if (len < HEAD)
		return corrupt(err, name, "truncated");
	if (load_le(p, 4) != FORMAT)
		return corrupt(err, name, "of an unknown format");
	scores = load_le(p + 4, 8);
	n = load_le(p + 12, 4);
	if (n < 2 || n > AD_CALIB_MAX_POINTS || scores < 1)
		return corrupt(err, name, "point count out of range");
	if ((len - HEAD) / 16 < n || (used == NULL && len != HEAD + 16 * n))
		return corrupt(err, name, "length does not match its points");
	if ((c = calib_new((size_t)n)) == NULL)
		return ad_error_nomem(err);
	c->scores = scores;
	c->n = (size_t)n;
	for (size_t i = 0; i < c->n; i++) {
		c->level[i] = load_f64(p + HEAD + 16 * i);
		c->score[i] = load_f64(p + HEAD + 16 * i + 8);
	}
	if ((why = points_wrong(c)) != NULL) {
		ad_calib_free(c);
		return corrupt(err, name, why);
	}
	if (used != NULL)
		*used = HEAD + 16 * c->n;
	*out = c;
	return AD_OK;
}
