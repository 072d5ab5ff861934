/* Schemas and row blocks. */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "table.h"

enum ad_status ad_schema_new(struct ad_schema **s, struct ad_error *err)
{
	struct ad_schema *n = ad_calloc(1, sizeof *n);

	if (n == NULL)
		return ad_error_nomem(err);
	*s = n;
	return AD_OK;
}

void ad_schema_free(struct ad_schema *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->ncols; i++)
		ad_free(s->cols[i].name);
	ad_free(s->cols);
	ad_free(s);
}

enum ad_status ad_schema_add(struct ad_schema *s, const char *name, size_t len,
    enum ad_type type, struct ad_error *err)
{
	struct ad_column *cols;
	size_t bytes;
	char *copy;

	if (ad_mul_size(s->ncols + 1, sizeof *cols, &bytes) != 0 ||
	    len == SIZE_MAX)
		return ad_error_nomem(err);
	if ((copy = ad_malloc(len + 1)) == NULL)
		return ad_error_nomem(err);
	if ((cols = ad_realloc(s->cols, bytes)) == NULL) {
		ad_free(copy);
		return ad_error_nomem(err);
	}
	memcpy(copy, name, len);
	copy[len] = '\0';
	cols[s->ncols].name = copy;
	cols[s->ncols].type = type;
	s->cols = cols;
	s->ncols++;
	return AD_OK;
}

enum ad_status ad_schema_copy(const struct ad_schema *s,
    struct ad_schema **copy, struct ad_error *err)
{
	struct ad_schema *c = NULL;
	enum ad_status st;

	if ((st = ad_schema_new(&c, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < s->ncols; i++) {
		st = ad_schema_add(c, s->cols[i].name, strlen(s->cols[i].name),
		    s->cols[i].type, err);
		if (st != AD_OK) {
			ad_schema_free(c);
			return st;
		}
	}
	*copy = c;
	return AD_OK;
}

size_t ad_schema_find(const struct ad_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ncols; i++)
		if (strcmp(s->cols[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

const char *ad_type_name(enum ad_type t)
{
	return t == AD_TEXT ? "text" : "numeric";
}

size_t ad_block_rows(size_t ncols)
{
	size_t rows = ncols > 0 ? AD_BLOCK_CELLS / ncols : AD_BLOCK_ROWS;

	return rows < 1 ? 1 : rows > AD_BLOCK_ROWS ? AD_BLOCK_ROWS : rows;
}

enum ad_status ad_block_new(struct ad_block **b, size_t ncols, size_t cap,
    struct ad_error *err)
{
	struct ad_block *n;
	size_t cells, nb, tb, lb;

	if (cap == 0)
		cap = 1;
	if (ad_mul_size(ncols ? ncols : 1, cap, &cells) != 0 ||
	    ad_mul_size(cells, sizeof(double), &nb) != 0 ||
	    ad_mul_size(cells, sizeof(struct ad_text), &tb) != 0 ||
	    ad_mul_size(cap, sizeof(uint64_t), &lb) != 0)
		return ad_error_nomem(err);
	if ((n = ad_calloc(1, sizeof *n)) == NULL)
		return ad_error_nomem(err);
	n->cap = cap;
	n->ncols = ncols;
	n->num = ad_malloc(nb);
	n->text = ad_malloc(tb);
	n->line = ad_malloc(lb);
	if (n->num == NULL || n->text == NULL || n->line == NULL) {
		ad_block_free(n);
		return ad_error_nomem(err);
	}
	*b = n;
	return AD_OK;
}

void ad_block_free(struct ad_block *b)
{
	if (b == NULL)
		return;
	ad_free(b->num);
	ad_free(b->text);
	ad_free(b->line);
	ad_free(b->arena);
	ad_free(b);
}

void ad_block_clear(struct ad_block *b)
{
	b->nrows = 0;
	b->arena_len = 0;
}

enum ad_status ad_block_set_text(struct ad_block *b, size_t row, size_t col,
    const char *s, size_t len, struct ad_error *err)
{
	struct ad_text *t = &b->text[row * b->ncols + col];
	size_t need;
	char *a;

	if (len == AD_TEXT_MISSING) {
		t->off = 0;
		t->len = AD_TEXT_MISSING;
		return AD_OK;
	}
	if (ad_add_size(b->arena_len, len, &need) != 0)
		return ad_error_nomem(err);
	if ((a = ad_grow(b->arena, &b->arena_cap, need, 1)) == NULL)
		return ad_error_nomem(err);
	b->arena = a;
	if (len > 0)
		memcpy(b->arena + b->arena_len, s, len);
	t->off = b->arena_len;
	t->len = len;
	b->arena_len = need;
	return AD_OK;
}

const char *ad_block_text(const struct ad_block *b, size_t row, size_t col,
    size_t *len)
{
	const struct ad_text *t = &b->text[row * b->ncols + col];

	*len = t->len;
	if (t->len == AD_TEXT_MISSING)
		return NULL;
	return t->len == 0 ? "" : b->arena + t->off;
}

enum ad_status ad_block_copy_row(const struct ad_schema *s,
    struct ad_block *dst, size_t di, const struct ad_block *src, size_t si,
    const size_t *map, struct ad_error *err)
{
	enum ad_status st;

	for (size_t j = 0; j < s->ncols; j++) {
		size_t c = map ? map[j] : j, len;
		const char *t;

		if (s->cols[j].type == AD_NUMERIC) {
			dst->num[di * dst->ncols + j] = src->num[si * src->ncols + c];
			continue;
		}
		t = ad_block_text(src, si, c, &len);
		if ((st = ad_block_set_text(dst, di, j, t, t ? len :
		    AD_TEXT_MISSING, err)) != AD_OK)
			return st;
	}
	dst->line[di] = src->line[si];
	return AD_OK;
}

void ad_block_compact(struct ad_block *b, const unsigned char *keep)
{
	size_t out = 0, w = b->ncols;

	for (size_t r = 0; r < b->nrows; r++) {
		if (!keep[r])
			continue;
		if (out != r) {
			memcpy(b->num + out * w, b->num + r * w, w * sizeof *b->num);
			memcpy(b->text + out * w, b->text + r * w,
			    w * sizeof *b->text);
			b->line[out] = b->line[r];
		}
		out++;
	}
	b->nrows = out;
}

int ad_is_name_text(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
		else
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += n + 1;
	}
	return 1;
}
