/*
 * Profiles: building (reservoirs, moments, category counts), the binary
 * file format, and merging the profiles of shards.
 *
 * The reservoir is Vitter's Algorithm R: the t-th value (from 0) enters
 * when t < sample, else replaces slot j, drawn uniformly from [0, t], if
 * j < sample. Draws come from xoshiro256** (Blackman and Vigna), seeded by
 * SplitMix64, kept here so that a profile depends on its seed and input
 * only. Moments are merged per block with Chan, Golub and LeVeque's
 * update, which is what makes shard merges exact up to rounding.
 *
 * Two uniform samples without replacement, SA of A and SB of B, merge into
 * one of A and B together by drawing how many come from each (the
 * hypergeometric split, drawn as sequential picks among the na + nb
 * values) and then that many values at random from SA and from SB.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "alloc.h"
#include "counter.h"
#include "hashmap.h"
#include "io.h"
#include "parallel.h"
#include "profile.h"
#include "rng.h"
#include "stats.h"
#include "table.h"

/* "\x89ADP\r\n\x1a\n": like the stream's magic, with P for profile. */
static const unsigned char magic[AD_PROFILE_MAGIC_LEN] = {
	0x89, 'A', 'D', 'P', '\r', '\n', 0x1a, '\n'
};

/* memcpy, for which n == 0 with a NULL pointer is fine (an empty
 * category or sample may have no storage at all). */
static void copy_n(void *dst, const void *src, size_t n)
{
	if (n > 0)
		memcpy(dst, src, n);
}

/* ---- an index of categories by their bytes ---- */

/* Copies the bytes of cats[0..n) into a new map, where category i has
 * index i, and points their text at the copies; *dup is set (and cats
 * left alone, *out NULL) if two have the same bytes. On failure cats is
 * unchanged. */
static enum ad_status index_cats(struct ad_profile_cat *cats, size_t n,
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
static size_t find_cat(const struct ad_hashmap *m, const void *key,
    size_t len)
{
	return m == NULL ? SIZE_MAX : ad_hashmap_find(m, key, len);
}

/* ---- the profile ---- */

/* What a column needs while values are added, beyond what it reports. */
struct acc {
	struct ad_counter *counter;  /* text: counts of every category */
	struct ad_hashmap *cats;     /* text: the listed categories' bytes,
	                                indexed as in the column's cats */
	size_t capsample;            /* numeric: doubles allocated for sample */
};

struct ad_profile {
	struct ad_profile_opts opts;
	uint64_t rows;
	size_t ncols;
	struct ad_profile_col *cols;
	struct acc *acc;
	struct ad_rng rng;
	double *vals;                /* scratch: one block's values */
	size_t capvals;
	int finished;
};

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
static struct ad_profile *alloc_profile(size_t ncols,
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

static char *dup_str(const char *s, size_t len)
{
	char *d = ad_malloc(len + 1);

	if (d != NULL) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

enum ad_status ad_profile_new(struct ad_profile **out,
    const struct ad_schema *schema, const struct ad_profile_opts *opts,
    struct ad_error *err)
{
	struct ad_profile *p = alloc_profile(schema->ncols, opts);

	if (p == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < schema->ncols; i++) {
		struct ad_profile_col *c = &p->cols[i];

		c->type = schema->cols[i].type;
		c->name = dup_str(schema->cols[i].name,
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
static void merge_moments(struct ad_profile_col *c, uint64_t nb, double mb,
    double m2b, double minb, double maxb)
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
	merge_moments(c, k, mean, m2, mn, mx);
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

static int by_count_then_bytes(const void *x, const void *y)
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
static enum ad_status keep_top(struct ad_profile_col *c, struct acc *a,
    struct ad_profile_cat *cats, size_t n, size_t top, struct ad_error *err)
{
	size_t keep = top && n > top ? top : n;
	struct ad_hashmap *ix;
	uint64_t rest = 0;
	enum ad_status st;
	int dup;

	qsort(cats, n, sizeof *cats, by_count_then_bytes);
	for (size_t i = keep; i < n; i++)
		rest += cats[i].count;
	/* the categories come from a counter or a checked profile, so never
	 * twice; were they, ix would be NULL */
	if ((st = index_cats(cats, keep, &ix, &dup, err)) == AD_OK && dup)
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
	st = keep_top(&p->cols[i], a, cl.cats, cl.n, p->opts.top, err);
	ad_counter_free(a->counter);
	a->counter = NULL;
	return st;
}

/* The distinct i/bins quantiles of the sorted sample. */
static enum ad_status set_edges(struct ad_profile_col *c, size_t bins,
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

/* Finishes column i: a job of ad_parallel_for. */
static enum ad_status finish_col(void *ctx, size_t i, struct ad_error *err)
{
	struct ad_profile *p = ctx;
	struct ad_profile_col *c = &p->cols[i];
	enum ad_status st;

	if (c->type == AD_TEXT)
		return finish_text(p, i, err);
	if ((st = ad_stats_sort(c->sample, c->nsample, err)) != AD_OK)
		return st;
	return set_edges(c, p->opts.bins, err);
}

enum ad_status ad_profile_finish(struct ad_profile *p, unsigned threads,
    struct ad_error *err)
{
	enum ad_status st;

	if (p->finished)
		return AD_OK;
	st = ad_parallel_for(threads, p->ncols, finish_col, p, err);
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
	k = find_cat(p->acc[i].cats, key, len);
	return k == SIZE_MAX ? 0 : c->cats[k].count;
}

double ad_profile_std(const struct ad_profile_col *c)
{
	return c->n > 0 ? sqrt(c->m2 / (double)c->n) : NAN;
}

/* ---- writing ---- */

/* A growing byte buffer; a failed growth is remembered and reported once. */
struct buf {
	unsigned char *p;
	size_t len, cap;
	int failed;
};

static void put(struct buf *b, const void *data, size_t n)
{
	size_t need;
	unsigned char *q;

	if (b->failed || ad_add_size(b->len, n, &need) != 0 ||
	    (q = ad_grow(b->p, &b->cap, need, 1)) == NULL) {
		b->failed = 1;
		return;
	}
	b->p = q;
	copy_n(b->p + b->len, data, n);
	b->len += n;
}

static void put_u64(struct buf *b, uint64_t v)
{
	unsigned char x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	put(b, x, 8);
}

static void put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4];

	for (int i = 0; i < 4; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	put(b, x, 4);
}

static void put_f64(struct buf *b, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof u);
	put_u64(b, u);
}

static void encode_col(struct buf *b, const struct ad_profile_col *c)
{
	unsigned char t = c->type == AD_NUMERIC ? 0 : 1;
	size_t len = strlen(c->name);

	put(b, &t, 1);
	put_u32(b, (uint32_t)len);
	put(b, c->name, len);
	put_u64(b, c->n);
	put_u64(b, c->missing);
	if (c->type == AD_NUMERIC) {
		put_f64(b, c->mean);
		put_f64(b, c->m2);
		put_f64(b, c->min);
		put_f64(b, c->max);
		put_u32(b, (uint32_t)c->nedges);
		for (size_t i = 0; i < c->nedges; i++)
			put_f64(b, c->edges[i]);
		put_u64(b, c->nsample);
		for (size_t i = 0; i < c->nsample; i++)
			put_f64(b, c->sample[i]);
		return;
	}
	put_u64(b, c->other);
	put_u32(b, (uint32_t)c->ncats);
	for (size_t i = 0; i < c->ncats; i++) {
		put_u64(b, c->cats[i].count);
		put_u32(b, (uint32_t)c->cats[i].len);
		put(b, c->cats[i].text, c->cats[i].len);
	}
}

enum ad_status ad_profile_encode(const struct ad_profile *p,
    unsigned char **out, size_t *len, struct ad_error *err)
{
	struct buf b = { NULL, 0, 0, 0 };

	if (!p->finished)
		return ad_error_set(err, AD_EUSAGE, "profile not finished");
	put(&b, magic, sizeof magic);
	put_u32(&b, AD_PROFILE_VERSION);
	put_u32(&b, (uint32_t)p->ncols);
	put_u64(&b, p->opts.sample);
	put_u32(&b, (uint32_t)p->opts.bins);
	put_u32(&b, (uint32_t)p->opts.top);
	put_u64(&b, p->opts.seed);
	put_u64(&b, p->rows);
	for (size_t i = 0; i < p->ncols; i++)
		encode_col(&b, &p->cols[i]);
	if (!b.failed)
		put_u64(&b, XXH64(b.p, b.len, 0));
	if (b.failed) {
		ad_free(b.p);
		return ad_error_nomem(err);
	}
	*out = b.p;
	*len = b.len;
	return AD_OK;
}

enum ad_status ad_profile_write(const struct ad_profile *p,
    struct ad_out *out, struct ad_error *err)
{
	unsigned char *buf;
	size_t len;
	enum ad_status st;

	if ((st = ad_profile_encode(p, &buf, &len, err)) != AD_OK)
		return st;
	st = ad_out_write(out, buf, len, err);
	ad_free(buf);
	return st;
}

/* ---- reading ---- */

int ad_profile_is_magic(const unsigned char *b, size_t n)
{
	return n >= sizeof magic && memcmp(b, magic, sizeof magic) == 0;
}

/* A cursor over the bytes being decoded. */
struct cur {
	const unsigned char *p;
	size_t len, off;
	const char *name;
	struct ad_error *err;
};

static enum ad_status corrupt(struct cur *c, const char *fmt, const char *what)
{
	return ad_error_at(c->err, AD_EDATA, c->name, 0, 0, fmt, what);
}

static enum ad_status get(struct cur *c, void *out, size_t n)
{
	if (c->len - c->off < n)
		return corrupt(c, "truncated profile (%s)", "ends early");
	memcpy(out, c->p + c->off, n);
	c->off += n;
	return AD_OK;
}

static enum ad_status get_u64(struct cur *c, uint64_t *v)
{
	unsigned char x[8];
	enum ad_status st = get(c, x, 8);

	*v = 0;
	for (int i = 7; st == AD_OK && i >= 0; i--)
		*v = (*v << 8) | x[i];
	return st;
}

static enum ad_status get_u32(struct cur *c, uint32_t *v)
{
	unsigned char x[4];
	enum ad_status st = get(c, x, 4);

	*v = 0;
	for (int i = 3; st == AD_OK && i >= 0; i--)
		*v = (*v << 8) | x[i];
	return st;
}

static enum ad_status get_f64(struct cur *c, double *d)
{
	uint64_t u;
	enum ad_status st = get_u64(c, &u);

	memcpy(d, &u, sizeof *d);
	return st;
}

/* Allocates n doubles, read from the cursor, after checking they are there. */
static enum ad_status get_doubles(struct cur *c, uint64_t n, double **out,
    const char *what)
{
	double *v;

	*out = NULL;
	if (n > (c->len - c->off) / 8)
		return corrupt(c, "truncated profile (%s)", what);
	if ((v = ad_malloc((size_t)n * sizeof *v + 1)) == NULL)
		return ad_error_nomem(c->err);
	for (uint64_t i = 0; i < n; i++)
		get_f64(c, &v[i]);
	*out = v;
	return AD_OK;
}

/* Checks a numeric column's values against each other. */
static const char *check_numeric(const struct ad_profile_col *col,
    const struct ad_profile_opts *o)
{
	uint64_t want = col->n < o->sample ? col->n : o->sample;

	if (col->n == 0 && (col->mean != 0 || col->m2 != 0 || col->min != 0 ||
	    col->max != 0))
		return "moments of a column without values";
	/* the mean and squared deviations may overflow on huge values, to
	 * infinity or NaN; the extremes are values, so finite */
	if (col->m2 < 0 || !isfinite(col->min) || !isfinite(col->max) ||
	    col->min > col->max)
		return "moments out of range";
	if (col->nsample != want)
		return "sample size does not fit the value count";
	if (col->nedges >= o->bins || (col->nsample == 0 && col->nedges > 0))
		return "too many bin edges";
	for (size_t i = 0; i < col->nedges; i++)
		if (!isfinite(col->edges[i]) || col->edges[i] < col->min ||
		    col->edges[i] > col->max ||
		    (i > 0 && !(col->edges[i] > col->edges[i - 1])))
			return "bin edges not increasing within the values";
	for (size_t i = 0; i < col->nsample; i++)
		if (!isfinite(col->sample[i]) || col->sample[i] < col->min ||
		    col->sample[i] > col->max ||
		    (i > 0 && col->sample[i] < col->sample[i - 1]))
			return "sample not sorted within the values";
	return NULL;
}

static enum ad_status decode_numeric(struct cur *c, struct ad_profile_col *col,
    const struct ad_profile_opts *o)
{
	uint32_t nedges;
	uint64_t nsample;
	const char *why;
	enum ad_status st;

	if ((st = get_f64(c, &col->mean)) != AD_OK ||
	    (st = get_f64(c, &col->m2)) != AD_OK ||
	    (st = get_f64(c, &col->min)) != AD_OK ||
	    (st = get_f64(c, &col->max)) != AD_OK ||
	    (st = get_u32(c, &nedges)) != AD_OK)
		return st;
	if (nedges > AD_PROFILE_BINS_MAX)
		return corrupt(c, "column \"%s\": too many bin edges", col->name);
	if ((st = get_doubles(c, nedges, &col->edges, "bin edges")) != AD_OK)
		return st;
	col->nedges = nedges;
	if ((st = get_u64(c, &nsample)) != AD_OK)
		return st;
	if (nsample > o->sample)
		return corrupt(c, "column \"%s\": sample larger than the profile's "
		    "sample size", col->name);
	if ((st = get_doubles(c, nsample, &col->sample, "sample")) != AD_OK)
		return st;
	col->nsample = (size_t)nsample;
	if ((why = check_numeric(col, o)) != NULL)
		return ad_error_at(c->err, AD_EDATA, c->name, 0, 0, "column "
		    "\"%s\": %s", col->name, why);
	return AD_OK;
}

static enum ad_status decode_text(struct cur *c, struct ad_profile_col *col,
    struct acc *a, const struct ad_profile_opts *o)
{
	uint32_t ncats, len;
	uint64_t sum;
	size_t start;
	enum ad_status st;
	int dup;

	if ((st = get_u64(c, &col->other)) != AD_OK ||
	    (st = get_u32(c, &ncats)) != AD_OK)
		return st;
	if ((o->top != 0 && ncats > o->top) || (o->top == 0 && col->other != 0))
		return corrupt(c, "column \"%s\": more categories than the "
		    "profile keeps", col->name);
	if (ncats > (c->len - c->off) / 12)
		return corrupt(c, "truncated profile (%s)", "categories");
	/* first pass: check the sizes before allocating */
	start = c->off;
	for (uint32_t i = 0; i < ncats; i++) {
		uint64_t count;
		if ((st = get_u64(c, &count)) != AD_OK ||
		    (st = get_u32(c, &len)) != AD_OK)
			return st;
		if (len > c->len - c->off)
			return corrupt(c, "truncated profile (%s)", "category");
		c->off += len;
	}
	c->off = start;
	if ((col->cats = ad_calloc((size_t)ncats + 1, sizeof *col->cats)) ==
	    NULL)
		return ad_error_nomem(c->err);
	sum = col->other;
	for (uint32_t i = 0; i < ncats; i++) {
		struct ad_profile_cat *k = &col->cats[i];
		get_u64(c, &k->count);
		get_u32(c, &len);
		k->text = (const char *)c->p + c->off;   /* until indexed */
		k->len = len;
		c->off += len;
		col->ncats = i + 1;
		if (k->count == 0 || (i > 0 && by_count_then_bytes(k - 1, k) >= 0))
			return corrupt(c, "column \"%s\": categories out of order",
			    col->name);
		if (__builtin_add_overflow(sum, k->count, &sum))
			return corrupt(c, "column \"%s\": counts overflow", col->name);
	}
	if (sum != col->n)
		return corrupt(c, "column \"%s\": category counts do not add up",
		    col->name);
	if ((st = index_cats(col->cats, col->ncats, &a->cats, &dup, c->err)) !=
	    AD_OK)
		return st;
	return dup ? corrupt(c, "column \"%s\": a category is listed twice",
	    col->name) : AD_OK;
}

static enum ad_status decode_col(struct cur *c, struct ad_profile *p,
    size_t i, struct ad_counter *names)
{
	struct ad_profile_col *col = &p->cols[i];
	unsigned char type = 0;
	uint32_t len;
	uint64_t seen, total;
	enum ad_status st;

	if ((st = get(c, &type, 1)) != AD_OK || (st = get_u32(c, &len)) != AD_OK)
		return st;
	if (type > 1)
		return corrupt(c, "unknown column type in profile%s", "");
	if (len == 0 || len >= 65536 || len > c->len - c->off ||
	    !ad_is_name_text((const char *)c->p + c->off, len))
		return corrupt(c, "bad column name in profile%s", "");
	if ((col->name = dup_str((const char *)c->p + c->off, len)) == NULL)
		return ad_error_nomem(c->err);
	if ((st = ad_counter_add(names, col->name, len, &seen, c->err)) != AD_OK)
		return st;
	c->off += len;
	if (seen > 1)
		return corrupt(c, "column \"%s\" appears twice in profile",
		    col->name);
	col->type = type == 0 ? AD_NUMERIC : AD_TEXT;
	if ((st = get_u64(c, &col->n)) != AD_OK ||
	    (st = get_u64(c, &col->missing)) != AD_OK)
		return st;
	if (__builtin_add_overflow(col->n, col->missing, &total) ||
	    total != p->rows)
		return corrupt(c, "column \"%s\": values and missing cells do not "
		    "add up to the rows", col->name);
	return col->type == AD_NUMERIC ? decode_numeric(c, col, &p->opts) :
	    decode_text(c, col, &p->acc[i], &p->opts);
}

/* Checks the magic, the version and then the checksum, which covers all
 * but the last 8 bytes; those are then left out of the cursor. */
static enum ad_status check_envelope(struct cur *c)
{
	const char *kind = ad_file_kind(c->p, c->len);
	unsigned char m[AD_PROFILE_MAGIC_LEN];
	uint32_t version;
	uint64_t sum = 0;
	enum ad_status st;

	if (kind != NULL && !ad_profile_is_magic(c->p, c->len))
		return corrupt(c, "not a profile but %s", kind);
	if (get(c, m, sizeof m) != AD_OK || !ad_profile_is_magic(m, sizeof m))
		return corrupt(c, "not an adkit profile%s", "");
	if ((st = get_u32(c, &version)) != AD_OK)
		return st;
	if (version != AD_PROFILE_VERSION)
		return ad_error_at(c->err, AD_EDATA, c->name, 0, 0, "profile format "
		    "version %u; this adkit reads version %d", (unsigned)version,
		    AD_PROFILE_VERSION);
	if (c->len < c->off + 8)
		return corrupt(c, "truncated profile (%s)", "no checksum");
	for (int i = 7; i >= 0; i--)
		sum = (sum << 8) | c->p[c->len - 8 + (size_t)i];
	if (XXH64(c->p, c->len - 8, 0) != sum)
		return corrupt(c, "profile checksum mismatch: the file is "
		    "corrupted or truncated%s", "");
	c->len -= 8;
	return AD_OK;
}

/* Reads the header after the version into opts, rows and ncols. */
static enum ad_status decode_header(struct cur *c, struct ad_profile_opts *o,
    uint64_t *rows, uint32_t *ncols)
{
	uint32_t bins, top;
	enum ad_status st;

	if ((st = get_u32(c, ncols)) != AD_OK ||
	    (st = get_u64(c, &o->sample)) != AD_OK ||
	    (st = get_u32(c, &bins)) != AD_OK ||
	    (st = get_u32(c, &top)) != AD_OK ||
	    (st = get_u64(c, &o->seed)) != AD_OK ||
	    (st = get_u64(c, rows)) != AD_OK)
		return st;
	if (*ncols > AD_PROFILE_COLS_MAX || o->sample < 1 ||
	    o->sample > AD_PROFILE_SAMPLE_MAX || bins < 2 ||
	    bins > AD_PROFILE_BINS_MAX || top > AD_PROFILE_TOP_MAX)
		return corrupt(c, "profile header out of range%s", "");
	o->bins = bins;
	o->top = top;
	return AD_OK;
}

enum ad_status ad_profile_decode(const unsigned char *buf, size_t len,
    const char *name, struct ad_profile **out, struct ad_error *err)
{
	struct cur c = { buf, len, 0, name, err };
	struct ad_profile_opts o;
	struct ad_profile *p = NULL;
	struct ad_counter *names = NULL;
	uint64_t rows;
	uint32_t ncols;
	enum ad_status st;

	if ((st = check_envelope(&c)) != AD_OK ||
	    (st = decode_header(&c, &o, &rows, &ncols)) != AD_OK)
		return st;
	if (ncols > c.len / 34)   /* the smallest column takes 34 bytes */
		return corrupt(&c, "truncated profile (%s)", "columns");
	if ((p = alloc_profile(ncols, &o)) == NULL)
		return ad_error_nomem(err);
	if ((st = ad_counter_new(&names, err)) != AD_OK) {
		ad_profile_free(p);
		return st;
	}
	p->rows = rows;
	p->finished = 1;
	for (size_t i = 0; i < ncols && st == AD_OK; i++)
		st = decode_col(&c, p, i, names);
	if (st == AD_OK && c.off != c.len)
		st = corrupt(&c, "profile has bytes after its last column%s", "");
	ad_counter_free(names);
	if (st != AD_OK) {
		ad_profile_free(p);
		return st;
	}
	*out = p;
	return AD_OK;
}

enum ad_status ad_profile_read(struct ad_in *in, struct ad_profile **p,
    struct ad_error *err)
{
	struct buf b = { NULL, 0, 0, 0 };
	enum ad_status st;

	for (;;) {
		const unsigned char *data;
		size_t n;

		if ((st = ad_in_next(in, &data, &n, err)) != AD_OK || n == 0)
			break;
		put(&b, data, n);
		if (b.failed) {
			st = ad_error_nomem(err);
			break;
		}
	}
	if (st == AD_OK)
		st = ad_profile_decode(b.p, b.len, ad_in_name(in), p, err);
	ad_free(b.p);
	return st;
}

/* ---- merging ---- */

/* Whether a and b describe the same columns with the same options; the
 * reason why not otherwise. */
static const char *mismatch(const struct ad_profile *a,
    const struct ad_profile *b)
{
	if (a->opts.sample != b->opts.sample)
		return "another sample size";
	if (a->opts.bins != b->opts.bins)
		return "another bin count";
	if (a->opts.top != b->opts.top)
		return "another category limit";
	if (a->ncols != b->ncols)
		return "other columns";
	for (size_t i = 0; i < a->ncols; i++) {
		size_t j = ad_profile_find(b, a->cols[i].name);
		if (j == SIZE_MAX)
			return "other columns";
		if (b->cols[j].type != a->cols[i].type)
			return "other column types";
	}
	return NULL;
}

/* Picks k of the n values at v at random (a partial Fisher-Yates shuffle
 * of v, which is changed) and appends them to out. */
static void pick(struct ad_rng *r, double *v, size_t n, size_t k,
    double *out)
{
	for (size_t i = 0; i < k; i++) {
		size_t j = i + (size_t)ad_rng_below(r, n - i);
		double t = v[i];
		v[i] = v[j];
		v[j] = t;
		out[i] = v[i];
	}
}

/* Merges column b into the merged column m (both numeric): the union's
 * uniform sample of min(sample, na + nb) values. */
static enum ad_status merge_sample(struct ad_profile *mp,
    struct ad_profile_col *m, const struct ad_profile_col *b,
    struct ad_error *err)
{
	uint64_t na = m->n, nb = b->n, s = na + nb, ra = na, rb = nb, ka = 0;
	size_t total;
	double *out, *copy;

	if (s > mp->opts.sample)
		s = mp->opts.sample;
	if (ad_add_size(m->nsample, b->nsample, &total) != 0 ||
	    (out = ad_malloc((size_t)s * sizeof *out + 1)) == NULL)
		return ad_error_nomem(err);
	if (s == total) {
		/* both samples are whole: their union is the sample */
		copy_n(out, m->sample, m->nsample * sizeof *out);
		copy_n(out + m->nsample, b->sample, b->nsample * sizeof *out);
	} else {
		if ((copy = ad_malloc(b->nsample * sizeof *copy + 1)) == NULL) {
			ad_free(out);
			return ad_error_nomem(err);
		}
		copy_n(copy, b->sample, b->nsample * sizeof *copy);
		for (uint64_t i = 0; i < s; i++) {
			if (ad_rng_below(&mp->rng, ra + rb) < ra) {
				ka++;
				ra--;
			} else {
				rb--;
			}
		}
		pick(&mp->rng, m->sample, m->nsample, (size_t)ka, out);
		pick(&mp->rng, copy, b->nsample, (size_t)(s - ka), out + ka);
		ad_free(copy);
	}
	ad_free(m->sample);
	m->sample = out;
	m->nsample = (size_t)s;
	return AD_OK;
}

/* Adds the categories column b lists to those of m, summing the counts
 * of categories both list. */
static enum ad_status merge_cats(struct ad_profile_col *m, struct acc *ma,
    const struct ad_profile_col *b, struct ad_error *err)
{
	size_t k = m->ncats;
	struct ad_profile_cat *all = ad_calloc(m->ncats + b->ncats + 1,
	    sizeof *all);

	if (all == NULL)
		return ad_error_nomem(err);
	copy_n(all, m->cats, m->ncats * sizeof *all);
	for (size_t i = 0; i < b->ncats; i++) {
		size_t j = find_cat(ma->cats, b->cats[i].text, b->cats[i].len);
		if (j != SIZE_MAX)
			all[j].count += b->cats[i].count;
		else
			all[k++] = b->cats[i];
	}
	m->other += b->other;
	return keep_top(m, ma, all, k, 0, err);
}

/* Merges profile b into m, column by column. */
static enum ad_status merge_into(struct ad_profile *m,
    const struct ad_profile *b, struct ad_error *err)
{
	enum ad_status st;

	for (size_t i = 0; i < m->ncols; i++) {
		struct ad_profile_col *mc = &m->cols[i];
		const struct ad_profile_col *bc =
		    &b->cols[ad_profile_find(b, mc->name)];

		mc->missing += bc->missing;
		if (mc->type == AD_TEXT) {
			if ((st = merge_cats(mc, &m->acc[i], bc, err)) != AD_OK)
				return st;
			mc->n += bc->n;
			continue;
		}
		if ((st = merge_sample(m, mc, bc, err)) != AD_OK)
			return st;
		merge_moments(mc, bc->n, bc->mean, bc->m2, bc->min, bc->max);
	}
	m->rows += b->rows;
	return AD_OK;
}

/* A deep copy of finished profile a, with its categories all kept. */
static enum ad_status copy_profile(const struct ad_profile *a,
    struct ad_profile **out, struct ad_error *err)
{
	struct ad_profile *p = alloc_profile(a->ncols, &a->opts);
	enum ad_status st = AD_OK;

	if (p == NULL)
		return ad_error_nomem(err);
	p->rows = a->rows;
	p->finished = 1;
	for (size_t i = 0; i < a->ncols && st == AD_OK; i++) {
		const struct ad_profile_col *s = &a->cols[i];
		struct ad_profile_col *d = &p->cols[i];
		struct ad_profile_cat *cats;

		*d = *s;
		d->name = NULL;
		d->sample = NULL;
		d->edges = NULL;
		d->cats = NULL;
		d->ncats = 0;
		d->nsample = 0;
		d->nedges = 0;
		if ((d->name = dup_str(s->name, strlen(s->name))) == NULL ||
		    (d->sample = ad_malloc(s->nsample * sizeof *d->sample +
		    1)) == NULL ||
		    (cats = ad_calloc(s->ncats + 1, sizeof *cats)) == NULL) {
			st = ad_error_nomem(err);
			break;
		}
		copy_n(d->sample, s->sample, s->nsample * sizeof *d->sample);
		d->nsample = s->nsample;
		copy_n(cats, s->cats, s->ncats * sizeof *cats);
		st = keep_top(d, &p->acc[i], cats, s->ncats, 0, err);
	}
	if (st != AD_OK) {
		ad_profile_free(p);
		return st;
	}
	*out = p;
	return AD_OK;
}

/* Re-sorts the merged samples, recomputes edges, cuts categories to top. */
static enum ad_status refinish(struct ad_profile *p, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	for (size_t i = 0; i < p->ncols && st == AD_OK; i++) {
		struct ad_profile_col *c = &p->cols[i];

		if (c->type == AD_NUMERIC) {
			if ((st = ad_stats_sort(c->sample, c->nsample, err)) == AD_OK)
				st = set_edges(c, p->opts.bins, err);
		} else if (p->opts.top != 0 && c->ncats > p->opts.top) {
			st = keep_top(c, &p->acc[i], c->cats, c->ncats, p->opts.top,
			    err);
		}
	}
	return st;
}

enum ad_status ad_profile_merge(const struct ad_profile *const *ps,
    const char *const *names, size_t n, uint64_t seed,
    struct ad_profile **out, struct ad_error *err)
{
	struct ad_profile *m = NULL;
	enum ad_status st;

	for (size_t i = 1; i < n; i++) {
		const char *why = mismatch(ps[0], ps[i]);
		if (why != NULL)
			return ad_error_at(err, AD_EDATA, names[i], 0, 0, "profile has "
			    "%s than %s", why, names[0]);
	}
	if ((st = copy_profile(ps[0], &m, err)) != AD_OK)
		return st;
	m->opts.seed = seed;
	ad_rng_seed_one(&m->rng, seed);
	for (size_t i = 1; i < n && st == AD_OK; i++)
		st = merge_into(m, ps[i], err);
	if (st == AD_OK)
		st = refinish(m, err);
	if (st != AD_OK) {
		ad_profile_free(m);
		return st;
	}
	*out = m;
	return AD_OK;
}
