/* CSV and binary stream writing. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "binfmt.h"
#include "num.h"
#include "out.h"
#include "writer.h"

struct ad_writer {
	struct ad_out *out;
	struct ad_schema *schema;
	struct ad_writer_opts opts;
	uint64_t rows;
};

static int needs_quotes(const char *s, size_t len, char delim)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			return 1;
	return 0;
}

enum ad_status ad_writer_csv_field(struct ad_out *out, const char *s,
    size_t len, char delim, struct ad_error *err)
{
	enum ad_status st;
	const char *q;

	if (!needs_quotes(s, len, delim))
		return ad_out_write(out, s, len, err);
	if ((st = ad_out_write(out, "\"", 1, err)) != AD_OK)
		return st;
	while ((q = memchr(s, '"', len)) != NULL) {
		size_t n = (size_t)(q - s) + 1;
		if ((st = ad_out_write(out, s, n, err)) != AD_OK ||
		    (st = ad_out_write(out, "\"", 1, err)) != AD_OK)
			return st;
		s += n;
		len -= n;
	}
	if ((st = ad_out_write(out, s, len, err)) != AD_OK)
		return st;
	return ad_out_write(out, "\"", 1, err);
}

enum ad_status ad_writer_reject(void *ctx, uint64_t line, size_t nfields,
    const char *const *fields, const size_t *lens, struct ad_error *err)
{
	const struct ad_reject_out *rej = ctx;
	char num[32];
	int n = snprintf(num, sizeof num, "%llu", (unsigned long long)line);
	enum ad_status st = ad_out_write(rej->out, num, (size_t)n, err);

	for (size_t i = 0; i < nfields && st == AD_OK; i++) {
		st = ad_out_write(rej->out, &rej->delim, 1, err);
		if (st == AD_OK)
			st = ad_writer_csv_field(rej->out, fields[i], lens[i],
			    rej->delim, err);
	}
	return st != AD_OK ? st : ad_out_write(rej->out, "\n", 1, err);
}

static enum ad_status csv_header(struct ad_writer *w, struct ad_error *err)
{
	const struct ad_schema *s = w->schema;
	enum ad_status st;

	if (w->opts.no_header || s->ncols == 0)
		return AD_OK;
	for (size_t j = 0; j < s->ncols; j++) {
		if (j > 0 && (st = ad_out_write(w->out, &w->opts.delim, 1,
		    err)) != AD_OK)
			return st;
		st = ad_writer_csv_field(w->out, s->cols[j].name,
		    strlen(s->cols[j].name), w->opts.delim, err);
		if (st != AD_OK)
			return st;
	}
	return ad_out_write(w->out, "\n", 1, err);
}

/* A row whose only cell is empty must be written as "" or it would read
 * back as a blank line, which is no record at all. */
static int lone_empty_cell(const struct ad_writer *w, const struct ad_block *b,
    size_t r, const size_t *colmap)
{
	size_t c = colmap ? colmap[0] : 0, len;

	if (w->schema->ncols != 1)
		return 0;
	if (w->schema->cols[0].type == AD_NUMERIC)
		return isnan(b->num[r * b->ncols + c]);
	return ad_block_text(b, r, c, &len) == NULL || len == 0;
}

static enum ad_status csv_row(struct ad_writer *w, const struct ad_block *b,
    size_t r, const size_t *colmap, struct ad_error *err)
{
	const struct ad_schema *s = w->schema;
	enum ad_status st;
	char *p;

	if (lone_empty_cell(w, b, r, colmap))
		return ad_out_write(w->out, "\"\"\n", 3, err);
	for (size_t j = 0; j < s->ncols; j++) {
		size_t c = colmap ? colmap[j] : j;

		if (s->cols[j].type == AD_NUMERIC) {
			double v = b->num[r * b->ncols + c];
			const struct ad_text *t = &b->text[r * b->ncols + c];
			size_t n = 0;

			if ((st = ad_out_reserve(w->out, AD_NUM_MAXLEN + 1, &p,
			    err)) != AD_OK)
				return st;
			if (j > 0)
				p[n++] = w->opts.delim;
			/* the reader vouched that this text is what
			 * ad_num_format would write, and copying is faster */
			if (b->num_text && t->len < AD_NUM_MAXLEN) {
				memcpy(p + n, b->arena + t->off, t->len);
				n += t->len;
			} else if (!isnan(v)) {
				n += ad_num_format(v, p + n);
			}
			ad_out_commit(w->out, n);
		} else {
			size_t len;
			const char *t = ad_block_text(b, r, c, &len);

			if (j > 0 && (st = ad_out_write(w->out, &w->opts.delim, 1,
			    err)) != AD_OK)
				return st;
			if (t != NULL && (st = ad_writer_csv_field(w->out, t, len,
			    w->opts.delim, err)) != AD_OK)
				return st;
		}
	}
	return ad_out_write(w->out, "\n", 1, err);
}

enum ad_status ad_writer_open(struct ad_writer **out_w, struct ad_out *out,
    const struct ad_schema *schema, const struct ad_writer_opts *opts,
    struct ad_error *err)
{
	struct ad_writer *w = ad_calloc(1, sizeof *w);
	enum ad_status st;

	if (w == NULL)
		return ad_error_nomem(err);
	w->out = out;
	w->opts = *opts;
	if (w->opts.delim == 0)
		w->opts.delim = ',';
	if ((st = ad_schema_copy(schema, &w->schema, err)) != AD_OK)
		goto fail;
	if (opts->format == AD_FORMAT_BIN)
		st = ad_binfmt_write_header(out, w->schema, opts->lineage, err);
	else
		st = csv_header(w, err);
	if (st != AD_OK)
		goto fail;
	*out_w = w;
	return AD_OK;
fail:
	ad_writer_free(w);
	return st;
}

enum ad_status ad_writer_write(struct ad_writer *w, const struct ad_block *b,
    const size_t *colmap, struct ad_error *err)
{
	enum ad_status st = AD_OK;

	if (w->opts.format == AD_FORMAT_BIN) {
		if (b->nrows > 0)
			st = ad_binfmt_write_block(w->out, w->schema, b, colmap, err);
	} else if (w->schema->ncols > 0) {
		for (size_t r = 0; r < b->nrows && st == AD_OK; r++)
			st = csv_row(w, b, r, colmap, err);
	}
	if (st == AD_OK)
		w->rows += b->nrows;
	return st;
}

enum ad_status ad_writer_finish(struct ad_writer *w, struct ad_error *err)
{
	if (w->opts.format == AD_FORMAT_BIN)
		return ad_binfmt_write_end(w->out, w->rows, w->opts.lineage, err);
	return AD_OK;
}

uint64_t ad_writer_rows(const struct ad_writer *w)
{
	return w->rows;
}

void ad_writer_free(struct ad_writer *w)
{
	if (w == NULL)
		return;
	ad_schema_free(w->schema);
	ad_free(w);
}
