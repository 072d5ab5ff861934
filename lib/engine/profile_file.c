/*
 * The profile file: encoding, writing, and checked decoding and reading;
 * see profile.h, and adkit(5) for the layout.
 */
#include <math.h>
#include <string.h>

#include <xxhash.h>

#include "alloc.h"
#include "counter.h"
#include "in.h"
#include "out.h"
#include "profile.h"
#include "profile_impl.h"
#include "schema.h"

/* "\x89ADP\r\n\x1a\n": like the stream's magic, with P for profile. */
static const unsigned char magic[AD_PROFILE_MAGIC_LEN] = {
	0x89, 'A', 'D', 'P', '\r', '\n', 0x1a, '\n'
};

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
		if (k->count == 0 ||
		    (i > 0 && ad_profile_cat_cmp(k - 1, k) >= 0))
			return corrupt(c, "column \"%s\": categories out of order",
			    col->name);
		if (__builtin_add_overflow(sum, k->count, &sum))
			return corrupt(c, "column \"%s\": counts overflow", col->name);
	}
	if (sum != col->n)
		return corrupt(c, "column \"%s\": category counts do not add up",
		    col->name);
	if ((st = ad_profile_index_cats(col->cats, col->ncats, &a->cats, &dup,
	    c->err)) != AD_OK)
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
	    !ad_schema_name_ok((const char *)c->p + c->off, len))
		return corrupt(c, "bad column name in profile%s", "");
	if ((col->name = ad_strndup((const char *)c->p + c->off, len)) == NULL)
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
	if ((p = ad_profile_alloc(ncols, &o)) == NULL)
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
