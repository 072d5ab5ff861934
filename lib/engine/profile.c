/*
 * Profiles: building (reservoirs, moments, category counts), finishing and
 * the index of a column's categories. The file format is in
 * profile_file.c, merging in profile_merge.c.
 *
 * The reservoir is Vitter's Algorithm R: the t-th value (from 0) enters
 * when t < sample, else replaces slot j, drawn uniformly from [0, t], if
 * j < sample. Draws come from xoshiro256** (Blackman and Vigna), seeded by
 * SplitMix64, kept here so that a profile depends on its seed and input
 * only. Moments are merged per block with Chan, Golub and LeVeque's
 * update, which is what makes shard merges exact up to rounding.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "block.h"
#include "counter.h"
#include "hashmap.h"
#include "pool.h"
#include "profile.h"
#include "profile_impl.h"
#include "rng.h"
#include "schema.h"
#include "stats.h"

/* ---- an index of categories by their bytes ---- */

/* Copies the bytes of cats[0..n) into a new map, where category i has
 * index i, and points their text at the copies; *dup is set (and cats
 * left alone, *out NULL) if two have the same bytes. On failure cats is
 * unchanged. */
enum ad_status ad_profile_index_cats(struct ad_profile_cat *cats, size_t n,
    struct ad_hashmap **out, int *dup, struct ad_error *err)
{
	struct ad_hashmap *m = NULL;
	size_t bytes = 0, j;
	int added = 1;
	enum ad_status st;

	*dup = 0;
	for (size_t i = 0; i < n; i++)
		if (ad_add_size(bytes, cats[i].len, &bytes) != 0)
			return ad_error_nomem(err);
	if ((st = ad_hashmap_new(&m, 0, err)) != AD_OK)
		return st;
	/* reserved, so that the adds below allocate nothing */
	st = ad_hashmap_reserve(m, n, bytes, err);
	for (size_t i = 0; i < n && st == AD_OK && added; i++)
		st = ad_hashmap_add(m, cats[i].text, cats[i].len, &j, &added,
		    err);
	if (st != AD_OK || !added) {
		ad_hashmap_free(m);
		*dup = st == AD_OK;
		*out = NULL;
		return st;
	}
	for (size_t i = 0; i < n; i++)
		cats[i].text = ad_hashmap_key(m, i, &cats[i].len);
	*out = m;
	return AD_OK;
}

/* The index of the category with bytes key[0..len), or SIZE_MAX. */
size_t ad_profile_find_cat(const struct ad_hashmap *m, const void *key,
    size_t len)
{
	return m == NULL ? SIZE_MAX : ad_hashmap_find(m, key, len);
}

/* ---- the profile ---- */


static void col_free(struct ad_profile_col *c, struct acc *a)
{
	ad_free(c->name);
	ad_free(c->sample);
	ad_free(c->edges);
	ad_free(c->cats);
	ad_counter_free(a->counter);
	ad_hashmap_free(a->cats);
}

void ad_profile_free(struct ad_profile *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; p->cols != NULL && i < p->ncols; i++)
		col_free(&p->cols[i], &p->acc[i]);
	ad_free(p->cols);
	ad_free(p->acc);
	ad_free(p->vals);
	ad_free(p);
}

/* An empty profile of ncols unnamed columns. */
struct ad_profile *ad_profile_alloc(size_t ncols,
    const struct ad_profile_opts *opts)
{
	struct ad_profile *p = ad_calloc(1, sizeof *p);

	if (p == NULL)
		return NULL;
	p->opts = *opts;
	p->ncols = ncols;
	p->cols = ad_calloc(ncols + 1, sizeof *p->cols);
	p->acc = ad_calloc(ncols + 1, sizeof *p->acc);
	if (p->cols == NULL || p->acc == NULL) {
		ad_free(p->cols);
		ad_free(p->acc);
		ad_free(p);
		return NULL;
	}
	ad_rng_seed_one(&p->rng, opts->seed);
	return p;
}

enum ad_status ad_profile_new(struct ad_profile **out,
    const struct ad_schema *schema, const struct ad_profile_opts *opts,
    struct ad_error *err)
{
	struct ad_profile *p = ad_profile_alloc(schema->ncols, opts);

	if (p == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < schema->ncols; i++) {
		struct ad_profile_col *c = &p->cols[i];

		c->type = schema->cols[i].type;
		c->name = ad_strndup(schema->cols[i].name,
		    strlen(schema->cols[i].name));
		if (c->name == NULL || (c->type == AD_TEXT &&
		    ad_counter_new(&p->acc[i].counter, err) != AD_OK)) {
			ad_profile_free(p);
			return ad_error_nomem(err);
		}
	}
	*out = p;
	return AD_OK;
}

/* ---- adding rows ---- */

/* Merges moments (nb values of mean mb, squared deviations m2b) into c. */
void ad_profile_merge_moments(struct ad_profile_col *c, uint64_t nb,
    double mb, double m2b, double minb, double maxb)
{
	double na = (double)c->n, n = na + (double)nb, delta = mb - c->mean;

	if (nb == 0)
		return;
	if (c->n == 0) {
		c->mean = mb;
		c->m2 = m2b;
		c->min = minb;
		c->max = maxb;
	} else {
		c->mean += delta * ((double)nb / n);
		c->m2 += m2b + delta * delta * (na * (double)nb / n);
		if (minb < c->min)
			c->min = minb;
		if (maxb > c->max)
			c->max = maxb;
	}
	c->n += nb;
}

/* Offers value x, the t-th (from 0) of column i, to its reservoir. */
static enum ad_status reservoir_offer(struct ad_profile *p, size_t i,
    uint64_t t, double x, struct ad_error *err)
{
	struct ad_profile_col *c = &p->cols[i];
	struct acc *a = &p->acc[i];

	if (t < p->opts.sample) {
		if (c->nsample == a->capsample) {
			/* double, up to the reservoir's size */
			uint64_t cap = a->capsample < 32 ? 64 : 2 * (uint64_t)a->capsample;
			double *s;
			if (cap > p->opts.sample)
				cap = p->opts.sample;
			if (cap > SIZE_MAX / sizeof *s ||
			    (s = ad_realloc(c->sample, (size_t)cap * sizeof *s)) == NULL)
				return ad_error_nomem(err);
			c->sample = s;
			a->capsample = (size_t)cap;
		}
		c->sample[c->nsample++] = x;
	} else {
		uint64_t j = ad_rng_below(&p->rng, t + 1);
		if (j < p->opts.sample)
			c->sample[j] = x;
	}
	return AD_OK;
}

/* Adds the consecutive pairs of x[0..k) (after the last value seen) to
 * l's co-moments, updated one pair at a time as Welford's. */
static void add_pairs(struct ad_profile_lag *l, const double *x, size_t k)
{
	for (size_t v = 0; v < k; v++) {
		if (l->has_prev) {
			double n = (double)++l->n;
			double da = l->prev - l->ma, db = x[v] - l->mb;

			l->ma += da / n;
			l->mb += db / n;
			l->m2a += da * (l->prev - l->ma);
			l->m2b += db * (x[v] - l->mb);
			l->cab += da * (x[v] - l->mb);
		}
		l->prev = x[v];
		l->has_prev = 1;
	}
}

double ad_profile_lag1(const struct ad_profile_col *c)
{
	const struct ad_profile_lag *l = &c->lag;

	if (l->n < 2 || !(l->m2a > 0) || !(l->m2b > 0))
		return NAN;
	return l->cab / sqrt(l->m2a * l->m2b);
}

static enum ad_status add_numeric(struct ad_profile *p, size_t i,
    const struct ad_block *b, size_t col, size_t from, size_t to,
    struct ad_error *err)
{
	struct ad_profile_col *c = &p->cols[i];
	double sum = 0, mean, m2 = 0, mn = INFINITY, mx = -INFINITY;
	uint64_t seen = c->n;
	size_t k = 0;
	enum ad_status st;

	for (size_t r = from; r < to; r++) {
		double x = b->num[r * b->ncols + col];
		if (!isfinite(x)) {
			c->missing++;
			continue;
		}
		p->vals[k++] = x;
		sum += x;
		if (x < mn)
			mn = x;
		if (x > mx)
			mx = x;
	}
	if (k == 0)
		return AD_OK;
	mean = sum / (double)k;
	if (!isfinite(mean)) {
		/* the sum overflowed: add the values already divided */
		mean = 0;
		for (size_t v = 0; v < k; v++)
			mean += p->vals[v] / (double)k;
	}
	for (size_t v = 0; v < k; v++)
		m2 += (p->vals[v] - mean) * (p->vals[v] - mean);
	for (size_t v = 0; v < k; v++)
		if ((st = reservoir_offer(p, i, seen + v, p->vals[v], err)) != AD_OK)
			return st;
	ad_profile_merge_moments(c, k, mean, m2, mn, mx);
	add_pairs(&c->lag, p->vals, k);
	return AD_OK;
}

static enum ad_status add_text(struct ad_profile *p, size_t i,
    const struct ad_block *b, size_t col, size_t from, size_t to,
    struct ad_error *err)
{
	struct ad_profile_col *c = &p->cols[i];
	enum ad_status st;

	for (size_t r = from; r < to; r++) {
		size_t len;
		const char *s = ad_block_text(b, r, col, &len);

		if (s == NULL) {
			c->missing++;
			continue;
		}
		if ((st = ad_counter_add(p->acc[i].counter, s, len, NULL,
		    err)) != AD_OK)
			return st;
		c->n++;
	}
	return AD_OK;
}

enum ad_status ad_profile_add(struct ad_profile *p, const struct ad_block *b,
    const size_t *map, size_t from, size_t to, struct ad_error *err)
{
	enum ad_status st;

	if (p->finished)
		return ad_error_set(err, AD_EUSAGE, "rows added to a finished "
		    "profile");
	if (to <= from)
		return AD_OK;
	if (to - from > p->capvals) {
		double *v = ad_realloc(p->vals, (to - from) * sizeof *v);
		if (v == NULL)
			return ad_error_nomem(err);
		p->vals = v;
		p->capvals = to - from;
	}
	for (size_t i = 0; i < p->ncols; i++) {
		size_t col = map ? map[i] : i;
		st = p->cols[i].type == AD_NUMERIC ?
		    add_numeric(p, i, b, col, from, to, err) :
		    add_text(p, i, b, col, from, to, err);
		if (st != AD_OK)
			return st;
	}
	p->rows += to - from;
	return AD_OK;
}

/* ---- finishing ---- */

int ad_profile_cat_cmp(const void *x, const void *y)
{
	const struct ad_profile_cat *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (n > 0 && (c = memcmp(a->text, b->text, n)) != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Collects the counter's keys, borrowing its bytes. */
struct collect {
	struct ad_profile_cat *cats;
	size_t n;
};

static void collect_key(void *ctx, const void *key, size_t len,
    uint64_t count)
{
	struct collect *cl = ctx;

	cl->cats[cl->n].text = key;
	cl->cats[cl->n].len = len;
	cl->cats[cl->n].count = count;
	cl->n++;
}

/* Makes cats[0..n) c's categories, taking the array over (their bytes
 * may be borrowed from anywhere, c's own map included): sorted
 * canonically, the first top kept (0: all) and the counts of the rest added
 * to c->other; the kept bytes are copied into a new map and indexed. On
 * failure c is unchanged and cats is freed. */
enum ad_status ad_profile_keep_top(struct ad_profile_col *c, struct acc *a,
    struct ad_profile_cat *cats, size_t n, size_t top, struct ad_error *err)
{
	size_t keep = top && n > top ? top : n;
	struct ad_hashmap *ix;
	uint64_t rest = 0;
	enum ad_status st;
	int dup;

	qsort(cats, n, sizeof *cats, ad_profile_cat_cmp);
	for (size_t i = keep; i < n; i++)
		rest += cats[i].count;
	/* the categories come from a counter or a checked profile, so never
	 * twice; were they, ix would be NULL */
	if ((st = ad_profile_index_cats(cats, keep, &ix, &dup, err)) == AD_OK &&
	    dup)
		st = ad_error_set(err, AD_EDATA, "a category is listed twice");
	if (st != AD_OK) {
		if (cats != c->cats)
			ad_free(cats);
		return st;
	}
	ad_hashmap_free(a->cats);
	a->cats = ix;
	if (c->cats != cats)
		ad_free(c->cats);
	c->cats = cats;
	c->ncats = keep;
	c->other += rest;
	return AD_OK;
}

static enum ad_status finish_text(struct ad_profile *p, size_t i,
    struct ad_error *err)
{
	struct acc *a = &p->acc[i];
	struct collect cl = { NULL, 0 };
	size_t n = ad_counter_size(a->counter);
	enum ad_status st;

	if ((cl.cats = ad_calloc(n + 1, sizeof *cl.cats)) == NULL)
		return ad_error_nomem(err);
	ad_counter_each(a->counter, collect_key, &cl);
	st = ad_profile_keep_top(&p->cols[i], a, cl.cats, cl.n, p->opts.top,
	    err);
	ad_counter_free(a->counter);
	a->counter = NULL;
	return st;
}

/* The distinct i/bins quantiles of the sorted sample. */
enum ad_status ad_profile_set_edges(struct ad_profile_col *c, size_t bins,
    struct ad_error *err)
{
	ad_free(c->edges);
	c->edges = NULL;
	c->nedges = 0;
	if (c->nsample == 0)
		return AD_OK;
	if ((c->edges = ad_calloc(bins, sizeof *c->edges)) == NULL)
		return ad_error_nomem(err);
	for (size_t i = 1; i < bins; i++) {
		double e = ad_stats_quantile(c->sample, c->nsample,
		    (double)i / (double)bins);
		if (c->nedges == 0 || e > c->edges[c->nedges - 1])
			c->edges[c->nedges++] = e;
	}
	return AD_OK;
}

/* Finishes column i: a job of ad_pool_for. */
static enum ad_status finish_col(void *ctx, size_t i, struct ad_error *err)
{
	struct ad_profile *p = ctx;
	struct ad_profile_col *c = &p->cols[i];
	enum ad_status st;

	if (c->type == AD_TEXT)
		return finish_text(p, i, err);
	if ((st = ad_stats_sort(c->sample, c->nsample, err)) != AD_OK)
		return st;
	return ad_profile_set_edges(c, p->opts.bins, err);
}

enum ad_status ad_profile_finish(struct ad_profile *p, unsigned threads,
    struct ad_error *err)
{
	enum ad_status st;

	if (p->finished)
		return AD_OK;
	st = ad_pool_for(threads, p->ncols, finish_col, p, err);
	ad_free(p->vals);
	p->vals = NULL;
	p->capvals = 0;
	if (st == AD_OK)
		p->finished = 1;
	return st;
}

/* ---- accessors ---- */

const struct ad_profile_opts *ad_profile_opts(const struct ad_profile *p)
{
	return &p->opts;
}

uint64_t ad_profile_rows(const struct ad_profile *p)
{
	return p->rows;
}

size_t ad_profile_ncols(const struct ad_profile *p)
{
	return p->ncols;
}

const struct ad_profile_col *ad_profile_col(const struct ad_profile *p,
    size_t i)
{
	return &p->cols[i];
}

size_t ad_profile_find(const struct ad_profile *p, const char *name)
{
	for (size_t i = 0; i < p->ncols; i++)
		if (strcmp(p->cols[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

uint64_t ad_profile_count(const struct ad_profile *p, size_t i,
    const void *key, size_t len)
{
	const struct ad_profile_col *c = &p->cols[i];
	size_t k;

	if (!p->finished || c->type != AD_TEXT)
		return 0;
	k = ad_profile_find_cat(p->acc[i].cats, key, len);
	return k == SIZE_MAX ? 0 : c->cats[k].count;
}

double ad_profile_std(const struct ad_profile_col *c)
{
	return c->n > 0 ? sqrt(c->m2 / (double)c->n) : NAN;
}
