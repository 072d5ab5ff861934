/* Blocks of rows. */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "block.h"
#include "schema.h"

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
