/* Category maps, tables and encodings; see encode.h. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "counter.h"
#include "encode.h"
#include "hashmap.h"

/* ---- category tables ---- */

enum ad_status ad_encode_new(struct ad_encode_table **out, struct ad_error *err)
{
	struct ad_encode_table *t = ad_calloc(1, sizeof *t);
	enum ad_status st;

	if (t == NULL)
		return ad_error_nomem(err);
	if ((st = ad_hashmap_new(&t->cats, 0, err)) != AD_OK) {
		ad_free(t);
		return st;
	}
	*out = t;
	return AD_OK;
}

void ad_encode_free(struct ad_encode_table *t)
{
	if (t == NULL)
		return;
	ad_hashmap_free(t->cats);
	ad_free(t->count);
	ad_free(t->onehot);
	ad_free(t);
}

enum ad_status ad_encode_add(struct ad_encode_table *t, const char *key, size_t len,
    uint64_t count, struct ad_error *err)
{
	size_t n = ad_hashmap_size(t->cats), i;
	uint64_t *c;
	int added;
	enum ad_status st;

	if (count == 0 || t->total + count < t->total)
		return ad_error_set(err, AD_EDATA, "category count out of range");
	if ((c = ad_grow(t->count, &t->cap, n + 1, sizeof *c)) == NULL)
		return ad_error_nomem(err);
	t->count = c;
	if ((st = ad_hashmap_add(t->cats, key, len, &i, &added, err)) != AD_OK)
		return st;
	if (!added)
		return ad_error_set(err, AD_EDATA, "category listed twice");
	c[i] = count;
	t->total += count;
	return AD_OK;
}

/* A category and its count, for sorting. */
struct entry {
	const char *key;
	size_t len;
	uint64_t count;
	size_t index;
};

struct collect {
	struct entry *e;
	size_t n;
};

static void collect_one(void *ctx, const void *key, size_t len,
    uint64_t count)
{
	struct collect *c = ctx;

	c->e[c->n].key = key;
	c->e[c->n].len = len;
	c->e[c->n].count = count;
	c->n++;
}

static int bytes_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c != 0 ? c : (al > bl) - (al < bl);
}

static int by_bytes(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	return bytes_cmp(a->key, a->len, b->key, b->len);
}

/* Most frequent first; equal counts in byte order. */
static int by_count(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return bytes_cmp(a->key, a->len, b->key, b->len);
}

enum ad_status ad_encode_from_counter(const struct ad_counter *c,
    struct ad_encode_table **out, struct ad_error *err)
{
	struct collect col = { NULL, 0 };
	struct ad_encode_table *t = NULL;
	size_t n = ad_counter_size(c);
	enum ad_status st;

	if ((col.e = ad_calloc(n + 1, sizeof *col.e)) == NULL)
		return ad_error_nomem(err);
	ad_counter_each(c, collect_one, &col);
	qsort(col.e, col.n, sizeof *col.e, by_bytes);
	st = ad_encode_new(&t, err);
	for (size_t i = 0; i < col.n && st == AD_OK; i++)
		st = ad_encode_add(t, col.e[i].key, col.e[i].len, col.e[i].count,
		    err);
	ad_free(col.e);
	if (st != AD_OK) {
		ad_encode_free(t);
		return st;
	}
	*out = t;
	return AD_OK;
}

static int by_index(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	return (a > b) - (a < b);
}

enum ad_status ad_encode_top(const struct ad_encode_table *t, size_t k,
    size_t **chosen, size_t *nchosen, struct ad_error *err)
{
	size_t n = ad_hashmap_size(t->cats), m = 0;
	struct entry *e = ad_calloc(n + 1, sizeof *e);
	size_t *out = ad_calloc(k + 1, sizeof *out);

	if (e == NULL || out == NULL) {
		ad_free(e);
		ad_free(out);
		return ad_error_nomem(err);
	}
	for (size_t i = 0; i < n; i++) {
		e[i].key = ad_hashmap_key(t->cats, i, &e[i].len);
		e[i].count = t->count[i];
		e[i].index = i;
	}
	qsort(e, n, sizeof *e, by_count);
	for (size_t i = 0; i < n && m < k; i++)
		if (bytes_cmp(e[i].key, e[i].len, AD_ONEHOT_OTHER,
		    sizeof AD_ONEHOT_OTHER - 1) != 0)
			out[m++] = e[i].index;
	ad_free(e);
	/* in byte order, which is the table's order when it came from a
	 * counter; a table read from a file keeps the file's order */
	qsort(out, m, sizeof *out, by_index);
	*chosen = out;
	*nchosen = m;
	return AD_OK;
}

enum ad_status ad_encode_set_onehot(struct ad_encode_table *t, const size_t *chosen,
    size_t n, struct ad_error *err)
{
	size_t ncat = ad_hashmap_size(t->cats);
	size_t *col = ad_malloc((ncat + 1) * sizeof *col);

	if (col == NULL)
		return ad_error_nomem(err);
	for (size_t i = 0; i < ncat; i++)
		col[i] = SIZE_MAX;
	for (size_t j = 0; j < n; j++)
		col[chosen[j]] = j;
	ad_free(t->onehot);
	t->onehot = col;
	t->ncols = n;
	return AD_OK;
}

size_t ad_encode_column(const struct ad_encode_table *t, const char *key,
    size_t len, int *unseen)
{
	size_t i = ad_hashmap_find(t->cats, key, len);

	*unseen = i == SIZE_MAX;
	if (i == SIZE_MAX || t->onehot == NULL || t->onehot[i] == SIZE_MAX)
		return t->ncols;
	return t->onehot[i];
}

double ad_encode_freq(const struct ad_encode_table *t, const char *key, size_t len,
    int *unseen)
{
	size_t i = ad_hashmap_find(t->cats, key, len);

	*unseen = i == SIZE_MAX;
	return i == SIZE_MAX ? 0 : (double)t->count[i] / (double)t->total;
}

/* ---- column names ---- */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;     /* no overlong forms */
		else if (s[0] == 0xed)
			hi = 0x9f;     /* no surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;     /* nothing past U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

enum ad_status ad_encode_name(const char *col, const char *key, size_t len,
    char **name, struct ad_error *err)
{
	static const char hex[] = "0123456789abcdef";
	size_t cl = strlen(col), cap, o;
	const unsigned char *k = (const unsigned char *)key;
	char *p;

	/* at worst every byte becomes four */
	if (len > (SIZE_MAX - cl - 2) / 4)
		return ad_error_nomem(err);
	cap = cl + 2 + len * 4;
	if ((p = ad_malloc(cap)) == NULL)
		return ad_error_nomem(err);
	memcpy(p, col, cl);
	p[cl] = '=';
	o = cl + 1;
	for (size_t i = 0; i < len;) {
		size_t u = utf8_len(k + i, len - i);

		if (u == 1 && k[i] == '\\') {
			p[o++] = '\\';
			p[o++] = '\\';
		} else if (u == 0 || k[i] < 0x20 || k[i] == 0x7f) {
			p[o++] = '\\';
			p[o++] = 'x';
			p[o++] = hex[k[i] >> 4];
			p[o++] = hex[k[i] & 15];
			u = 1;
		} else {
			memcpy(p + o, k + i, u);
			o += u;
		}
		i += u;
	}
	p[o] = '\0';
	*name = p;
	return AD_OK;
}
