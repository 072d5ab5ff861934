/* Category maps, tables and encodings; see encode.h. */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "alloc.h"
#include "counter.h"
#include "encode.h"

/* ---- the map: open addressing over XXH3, keys in one arena ---- */

struct slot {
	uint64_t hash;
	size_t index1;       /* key index + 1; 0: empty */
};

struct key {
	size_t off, len;     /* in the arena */
};

struct ad_catmap {
	struct slot *slots;
	size_t cap;          /* a power of two */
	struct key *keys;    /* by index */
	size_t n, keycap;
	char *arena;
	size_t arena_len, arena_cap;
};

enum ad_status ad_catmap_new(struct ad_catmap **out, struct ad_error *err)
{
	struct ad_catmap *m = ad_calloc(1, sizeof *m);

	if (m == NULL || (m->slots = ad_calloc(16, sizeof *m->slots)) == NULL) {
		ad_free(m);
		return ad_error_nomem(err);
	}
	m->cap = 16;
	*out = m;
	return AD_OK;
}

void ad_catmap_free(struct ad_catmap *m)
{
	if (m == NULL)
		return;
	ad_free(m->slots);
	ad_free(m->keys);
	ad_free(m->arena);
	ad_free(m);
}

size_t ad_catmap_size(const struct ad_catmap *m)
{
	return m->n;
}

/* The slot holding key, or the empty slot where it would go. */
static struct slot *probe(const struct ad_catmap *m, uint64_t h,
    const void *key, size_t len)
{
	size_t mask = m->cap - 1;

	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct slot *s = &m->slots[i];
		const struct key *k;

		if (s->index1 == 0)
			return s;
		k = &m->keys[s->index1 - 1];
		if (s->hash == h && k->len == len &&
		    (len == 0 || memcmp(m->arena + k->off, key, len) == 0))
			return s;
	}
}

size_t ad_catmap_find(const struct ad_catmap *m, const void *key, size_t len)
{
	const struct slot *s = probe(m, XXH3_64bits(key, len), key, len);

	return s->index1 ? s->index1 - 1 : SIZE_MAX;
}

static int grow_slots(struct ad_catmap *m)
{
	size_t cap = m->cap * 2;
	struct slot *ns = ad_calloc(cap, sizeof *ns);

	if (ns == NULL)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;
		if (m->slots[i].index1 == 0)
			continue;
		for (j = (size_t)m->slots[i].hash & (cap - 1); ns[j].index1;
		    j = (j + 1) & (cap - 1))
			;
		ns[j] = m->slots[i];
	}
	ad_free(m->slots);
	m->slots = ns;
	m->cap = cap;
	return 0;
}

enum ad_status ad_catmap_add(struct ad_catmap *m, const void *key,
    size_t len, size_t *index, int *added, struct ad_error *err)
{
	uint64_t h = XXH3_64bits(key, len);
	struct slot *s = probe(m, h, key, len);
	struct key *nk;
	size_t end;
	char *a;

	if (added != NULL)
		*added = 0;
	if (s->index1 != 0) {
		*index = s->index1 - 1;
		return AD_OK;
	}
	if ((m->n + 1) * 4 > m->cap * 3) {
		if (grow_slots(m) != 0)
			return ad_error_nomem(err);
		s = probe(m, h, key, len);
	}
	if (ad_add_size(m->arena_len, len, &end) != 0 ||
	    (nk = ad_grow(m->keys, &m->keycap, m->n + 1, sizeof *nk)) == NULL)
		return ad_error_nomem(err);
	m->keys = nk;
	if ((a = ad_grow(m->arena, &m->arena_cap, end, 1)) == NULL)
		return ad_error_nomem(err);
	m->arena = a;
	if (len > 0)
		memcpy(a + m->arena_len, key, len);
	nk[m->n].off = m->arena_len;
	nk[m->n].len = len;
	m->arena_len = end;
	s->hash = h;
	s->index1 = ++m->n;
	*index = m->n - 1;
	if (added != NULL)
		*added = 1;
	return AD_OK;
}

const char *ad_catmap_key(const struct ad_catmap *m, size_t i, size_t *len)
{
	*len = m->keys[i].len;
	/* an empty arena has no address; any non-NULL pointer will do */
	return m->arena ? m->arena + m->keys[i].off : "";
}

/* ---- category tables ---- */

enum ad_status ad_cattab_new(struct ad_cattab **out, struct ad_error *err)
{
	struct ad_cattab *t = ad_calloc(1, sizeof *t);
	enum ad_status st;

	if (t == NULL)
		return ad_error_nomem(err);
	if ((st = ad_catmap_new(&t->cats, err)) != AD_OK) {
		ad_free(t);
		return st;
	}
	*out = t;
	return AD_OK;
}

void ad_cattab_free(struct ad_cattab *t)
{
	if (t == NULL)
		return;
	ad_catmap_free(t->cats);
	ad_free(t->count);
	ad_free(t->onehot);
	ad_free(t);
}

enum ad_status ad_cattab_add(struct ad_cattab *t, const char *key, size_t len,
    uint64_t count, struct ad_error *err)
{
	size_t n = ad_catmap_size(t->cats), i;
	uint64_t *c;
	int added;
	enum ad_status st;

	if (count == 0 || t->total + count < t->total)
		return ad_error_set(err, AD_EDATA, "category count out of range");
	if ((c = ad_grow(t->count, &t->cap, n + 1, sizeof *c)) == NULL)
		return ad_error_nomem(err);
	t->count = c;
	if ((st = ad_catmap_add(t->cats, key, len, &i, &added, err)) != AD_OK)
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

enum ad_status ad_cattab_from_counter(const struct ad_counter *c,
    struct ad_cattab **out, struct ad_error *err)
{
	struct collect col = { NULL, 0 };
	struct ad_cattab *t = NULL;
	size_t n = ad_counter_size(c);
	enum ad_status st;

	if ((col.e = ad_calloc(n + 1, sizeof *col.e)) == NULL)
		return ad_error_nomem(err);
	ad_counter_each(c, collect_one, &col);
	qsort(col.e, col.n, sizeof *col.e, by_bytes);
	st = ad_cattab_new(&t, err);
	for (size_t i = 0; i < col.n && st == AD_OK; i++)
		st = ad_cattab_add(t, col.e[i].key, col.e[i].len, col.e[i].count,
		    err);
	ad_free(col.e);
	if (st != AD_OK) {
		ad_cattab_free(t);
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

enum ad_status ad_cattab_top(const struct ad_cattab *t, size_t k,
    size_t **chosen, size_t *nchosen, struct ad_error *err)
{
	size_t n = ad_catmap_size(t->cats), m = 0;
	struct entry *e = ad_calloc(n + 1, sizeof *e);
	size_t *out = ad_calloc(k + 1, sizeof *out);

	if (e == NULL || out == NULL) {
		ad_free(e);
		ad_free(out);
		return ad_error_nomem(err);
	}
	for (size_t i = 0; i < n; i++) {
		e[i].key = ad_catmap_key(t->cats, i, &e[i].len);
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

enum ad_status ad_cattab_set_onehot(struct ad_cattab *t, const size_t *chosen,
    size_t n, struct ad_error *err)
{
	size_t ncat = ad_catmap_size(t->cats);
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

size_t ad_cattab_column(const struct ad_cattab *t, const char *key,
    size_t len, int *unseen)
{
	size_t i = ad_catmap_find(t->cats, key, len);

	*unseen = i == SIZE_MAX;
	if (i == SIZE_MAX || t->onehot == NULL || t->onehot[i] == SIZE_MAX)
		return t->ncols;
	return t->onehot[i];
}

double ad_cattab_freq(const struct ad_cattab *t, const char *key, size_t len,
    int *unseen)
{
	size_t i = ad_catmap_find(t->cats, key, len);

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
