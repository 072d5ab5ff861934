/* adkit's binary stream: see binfmt.h for the layout. */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "binfmt.h"
#include "in.h"
#include "lineage.h"
#include "out.h"

static const unsigned char magic[AD_BINFMT_MAGIC_LEN] = {
	0x89, 'A', 'D', 'K', '\r', '\n', 0x1a, '\n'
};

/* Limits that keep a corrupt header from asking for absurd memory. */
enum { MAX_COLS = 1 << 20, MAX_NAME = 1 << 16 };
/* The longest lineage a chain of AD_LINEAGE_MAX_STEPS steps encodes to. */
#define MAX_LINEAGE (4 + (size_t)AD_LINEAGE_MAX_STEPS * \
	(70 + 2 * AD_LINEAGE_NAME_MAX))

#define TEXT_MISSING_LEN UINT32_MAX

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BIG_ENDIAN 1
#else
#define HOST_BIG_ENDIAN 0
#endif

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* Swaps doubles to or from little-endian in place on big-endian hosts. */
static void le_doubles(double *v, size_t n)
{
#if HOST_BIG_ENDIAN
	for (size_t i = 0; i < n; i++) {
		uint64_t u;
		memcpy(&u, &v[i], 8);
		u = __builtin_bswap64(u);
		memcpy(&v[i], &u, 8);
	}
#else
	(void)v;
	(void)n;
#endif
}

int ad_binfmt_is_magic(const unsigned char *p, size_t n)
{
	return n >= AD_BINFMT_MAGIC_LEN && memcmp(p, magic, sizeof magic) == 0;
}

int ad_binfmt_is_cut_magic(const unsigned char *p, size_t n)
{
	return n > 0 && n < AD_BINFMT_MAGIC_LEN && memcmp(p, magic, n) == 0;
}

/* Reads exactly n bytes or reports a truncated stream. */
static enum ad_status need(struct ad_in *in, const char *name, void *buf,
    size_t n, const char *what, struct ad_error *err)
{
	size_t got;
	enum ad_status st = ad_in_read(in, buf, n, &got, err);

	if (st != AD_OK)
		return st;
	if (got != n)
		return ad_error_at(err, AD_EDATA, name, 0, 0,
		    "binary stream truncated in %s (at byte %llu)", what,
		    (unsigned long long)ad_in_offset(in));
	return AD_OK;
}

/* Reads a u32 length and that many bytes of lineage into l. */
static enum ad_status read_lineage(struct ad_in *in, const char *name,
    const char *where, struct ad_lineage *l, struct ad_error *err)
{
	unsigned char h[4], *buf;
	uint32_t len;
	enum ad_status st;

	if ((st = need(in, name, h, 4, where, err)) != AD_OK)
		return st;
	len = get_u32(h);
	if (len < 4 || len > MAX_LINEAGE)
		return ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt binary "
		    "stream: a lineage of %u bytes in %s", len, where);
	if ((buf = ad_malloc(len)) == NULL)
		return ad_error_nomem(err);
	if ((st = need(in, name, buf, len, where, err)) == AD_OK)
		st = ad_lineage_decode(buf, len, l, name, err);
	ad_free(buf);
	return st;
}

enum ad_status ad_binfmt_read_header(struct ad_in *in, const char *name,
    struct ad_schema *schema, uint32_t *version_out,
    struct ad_lineage *lineage, struct ad_error *err)
{
	unsigned char h[16], c[5];
	uint32_t version, ncols;
	char *buf = NULL;
	enum ad_status st;

	if ((st = need(in, name, h, 16, "the header", err)) != AD_OK)
		return st;
	version = get_u32(h + 8);
	ncols = get_u32(h + 12);
	if (version < 1 || version > AD_BINFMT_VERSION)
		return ad_error_at(err, AD_EDATA, name, 0, 0,
		    "binary stream version %u is not supported (this adkit reads "
		    "versions 1 to %d)", version, AD_BINFMT_VERSION);
	if (ncols > MAX_COLS)
		return ad_error_at(err, AD_EDATA, name, 0, 0,
		    "binary header claims %u columns (at most %d)", ncols, MAX_COLS);
	if ((buf = ad_malloc(MAX_NAME)) == NULL)
		return ad_error_nomem(err);
	for (uint32_t i = 0; i < ncols; i++) {
		uint32_t len;

		if ((st = need(in, name, c, 5, "the header", err)) != AD_OK)
			goto out;
		len = get_u32(c + 1);
		if (c[0] > 1 || len == 0 || len >= MAX_NAME) {
			st = ad_error_at(err, AD_EDATA, name, 0, i + 1,
			    "corrupt binary header: column %u has type %u and a "
			    "name of %u bytes", i + 1, c[0], len);
			goto out;
		}
		if ((st = need(in, name, buf, len, "the header", err)) != AD_OK)
			goto out;
		if (memchr(buf, '\0', len) != NULL) {
			st = ad_error_at(err, AD_EDATA, name, 0, i + 1,
			    "corrupt binary header: column %u name has a NUL byte",
			    i + 1);
			goto out;
		}
		st = ad_schema_add(schema, buf, len,
		    c[0] ? AD_TEXT : AD_NUMERIC, err);
		if (st != AD_OK)
			goto out;
	}
	ad_lineage_clear(lineage);
	if (version >= 2)
		st = read_lineage(in, name, "the header", lineage, err);
	*version_out = version;
out:
	ad_free(buf);
	return st;
}

/* Reads len text bytes into the block's arena, growing it as the bytes
 * actually arrive so a corrupt length cannot force a huge allocation. */
static enum ad_status read_text_bytes(struct ad_in *in, const char *name,
    struct ad_block *b, uint64_t len, struct ad_error *err)
{
	b->arena_len = 0;
	while (len > 0) {
		size_t piece = len > (1u << 20) ? (1u << 20) : (size_t)len;
		size_t end;
		char *a;
		enum ad_status st;

		if (ad_add_size(b->arena_len, piece, &end) != 0)
			return ad_error_nomem(err);
		if ((a = ad_grow(b->arena, &b->arena_cap, end, 1)) == NULL)
			return ad_error_nomem(err);
		b->arena = a;
		st = need(in, name, b->arena + b->arena_len, piece, "a block", err);
		if (st != AD_OK)
			return st;
		b->arena_len = end;
		len -= piece;
	}
	return AD_OK;
}

/* Splits the text section (in the arena) into cells, checking every length. */
static enum ad_status index_text(const char *name, const struct ad_schema *s,
    struct ad_block *b, uint64_t row0, struct ad_error *err)
{
	size_t pos = 0;

	for (size_t r = 0; r < b->nrows; r++)
		for (size_t c = 0; c < s->ncols; c++) {
			struct ad_text *t = &b->text[r * b->ncols + c];
			uint32_t len;

			if (s->cols[c].type != AD_TEXT)
				continue;
			if (b->arena_len - pos < 4)
				goto corrupt;
			len = get_u32((const unsigned char *)b->arena + pos);
			pos += 4;
			if (len == TEXT_MISSING_LEN) {
				t->off = 0;
				t->len = AD_TEXT_MISSING;
				continue;
			}
			if (b->arena_len - pos < len)
				goto corrupt;
			t->off = pos;
			t->len = len;
			pos += len;
		}
	if (pos == b->arena_len)
		return AD_OK;
corrupt:
	return ad_error_at(err, AD_EDATA, name, row0 + 1, 0,
	    "corrupt binary block: text lengths do not add up to the payload");
}

/* Spreads nrows x nnum packed numbers (at the start of b->num) out to their
 * columns; walking backwards lets it work in place. */
static void spread_numbers(const struct ad_schema *s, struct ad_block *b,
    size_t nnum)
{
	size_t nc = s->ncols;

	for (size_t r = b->nrows; r-- > 0;) {
		size_t k = nnum;
		for (size_t c = nc; c-- > 0;)
			b->num[r * nc + c] = s->cols[c].type == AD_NUMERIC ?
			    b->num[r * nnum + --k] : NAN;
	}
}

/* Reads the end record's lineage, which must complete the header's. */
static enum ad_status read_end_lineage(struct ad_in *in, const char *name,
    struct ad_lineage *lineage, struct ad_error *err)
{
	struct ad_lineage end = { 0, NULL };
	enum ad_status st = read_lineage(in, name, "the end record", &end, err);

	if (st == AD_OK && !ad_lineage_extends(lineage, &end))
		st = ad_error_at(err, AD_EDATA, name, 0, 0, "corrupt binary "
		    "stream: the end record's lineage does not match the "
		    "header's");
	if (st == AD_OK) {
		ad_lineage_clear(lineage);
		*lineage = end;
		return AD_OK;
	}
	ad_lineage_clear(&end);
	return st;
}

enum ad_status ad_binfmt_read_block(struct ad_in *in, const char *name,
    const struct ad_schema *s, struct ad_block *b, uint64_t rows_before,
    uint32_t version, struct ad_lineage *lineage, int *done,
    struct ad_error *err)
{
	unsigned char h[16];
	uint32_t nrows, flags;
	uint64_t payload, numbytes;
	size_t nnum = 0;
	enum ad_status st;

	ad_block_clear(b);
	if ((st = need(in, name, h, 16, "a block header", err)) != AD_OK)
		return st;
	nrows = get_u32(h);
	flags = get_u32(h + 4);
	payload = get_u64(h + 8);
	if (nrows == 0 && flags == 0) {
		const unsigned char *p;
		size_t n;

		if (payload != rows_before)
			return ad_error_at(err, AD_EDATA, name, 0, 0,
			    "binary stream ends after %llu rows but says %llu",
			    (unsigned long long)rows_before,
			    (unsigned long long)payload);
		if (version >= 2 &&
		    (st = read_end_lineage(in, name, lineage, err)) != AD_OK)
			return st;
		if ((st = ad_in_peek(in, 1, &p, &n, err)) != AD_OK)
			return st;
		if (n != 0)
			return ad_error_at(err, AD_EDATA, name, 0, 0,
			    "data after the end of the binary stream");
		*done = 1;
		return AD_OK;
	}
	for (size_t c = 0; c < s->ncols; c++)
		nnum += s->cols[c].type == AD_NUMERIC;
	numbytes = (uint64_t)nrows * nnum * 8;
	if (flags != 0 || nrows > ad_block_rows(s->ncols) || nrows > b->cap ||
	    payload < numbytes)
		return ad_error_at(err, AD_EDATA, name, rows_before + 1, 0,
		    "corrupt binary block header (rows %u, flags %u, payload %llu)",
		    nrows, flags, (unsigned long long)payload);
	if (nnum < s->ncols && payload - numbytes < (uint64_t)nrows *
	    (s->ncols - nnum) * 4)
		return ad_error_at(err, AD_EDATA, name, rows_before + 1, 0,
		    "corrupt binary block: payload too short for its text cells");
	if (nnum == s->ncols && payload != numbytes)
		return ad_error_at(err, AD_EDATA, name, rows_before + 1, 0,
		    "corrupt binary block: payload length does not match");
	b->nrows = nrows;
	if ((st = need(in, name, b->num, (size_t)numbytes, "a block",
	    err)) != AD_OK)
		return st;
	le_doubles(b->num, (size_t)nrows * nnum);
	if (nnum < s->ncols) {
		spread_numbers(s, b, nnum);
		st = read_text_bytes(in, name, b, payload - numbytes, err);
		if (st == AD_OK)
			st = index_text(name, s, b, rows_before, err);
		if (st != AD_OK)
			return st;
	}
	for (size_t r = 0; r < nrows; r++)
		b->line[r] = rows_before + r + 1;
	return AD_OK;
}

/* Writes a u32 length and l's bytes. */
static enum ad_status write_lineage(struct ad_out *out,
    const struct ad_lineage *l, struct ad_error *err)
{
	size_t len = ad_lineage_size(l);
	unsigned char *buf = ad_malloc(len + 4);
	enum ad_status st;

	if (buf == NULL)
		return ad_error_nomem(err);
	put_u32(buf, (uint32_t)len);
	ad_lineage_encode(l, buf + 4);
	st = ad_out_write(out, buf, len + 4, err);
	ad_free(buf);
	return st;
}

enum ad_status ad_binfmt_write_header(struct ad_out *out,
    const struct ad_schema *s, const struct ad_lineage *lineage,
    struct ad_error *err)
{
	unsigned char h[16], c[5];
	enum ad_status st;

	memcpy(h, magic, sizeof magic);
	put_u32(h + 8, lineage != NULL ? 2 : 1);
	put_u32(h + 12, (uint32_t)s->ncols);
	if ((st = ad_out_write(out, h, sizeof h, err)) != AD_OK)
		return st;
	for (size_t i = 0; i < s->ncols; i++) {
		size_t len = strlen(s->cols[i].name);

		c[0] = s->cols[i].type == AD_TEXT;
		put_u32(c + 1, (uint32_t)len);
		if ((st = ad_out_write(out, c, 5, err)) != AD_OK ||
		    (st = ad_out_write(out, s->cols[i].name, len, err)) != AD_OK)
			return st;
	}
	return lineage != NULL ? write_lineage(out, lineage, err) : AD_OK;
}

/* Bytes the text cells of rows [r0, r1) take in a block. */
static uint64_t text_bytes(const struct ad_schema *s, const struct ad_block *b,
    const size_t *colmap, size_t r0, size_t r1)
{
	uint64_t n = 0;

	for (size_t r = r0; r < r1; r++)
		for (size_t j = 0; j < s->ncols; j++) {
			const struct ad_text *t;
			if (s->cols[j].type != AD_TEXT)
				continue;
			t = &b->text[r * b->ncols + (colmap ? colmap[j] : j)];
			n += 4 + (t->len == AD_TEXT_MISSING ? 0 : t->len);
		}
	return n;
}

/* Whether the stream's columns are all of b's, numbers, in b's order
 * (colmap NULL or the identity): the rows' doubles are then written as
 * they lie. */
static int all_cells(const struct ad_schema *s, const struct ad_block *b,
    const size_t *colmap, size_t nnum)
{
	if (nnum != b->ncols || s->ncols != b->ncols)
		return 0;
	for (size_t j = 0; colmap != NULL && j < s->ncols; j++)
		if (colmap[j] != j)
			return 0;
	return 1;
}

static enum ad_status write_numbers(struct ad_out *out,
    const struct ad_schema *s, const struct ad_block *b, const size_t *colmap,
    size_t r0, size_t r1, size_t nnum, struct ad_error *err)
{
	enum { CHUNK = 1024 };
	double buf[CHUNK];
	size_t k = 0;
	enum ad_status st;

	if (all_cells(s, b, colmap, nnum) && !HOST_BIG_ENDIAN)
		return ad_out_write(out, b->num + r0 * b->ncols,
		    (r1 - r0) * nnum * sizeof(double), err);
	for (size_t r = r0; r < r1; r++)
		for (size_t j = 0; j < s->ncols; j++) {
			if (s->cols[j].type != AD_NUMERIC)
				continue;
			buf[k++] = b->num[r * b->ncols + (colmap ? colmap[j] : j)];
			if (k == CHUNK) {
				le_doubles(buf, k);
				if ((st = ad_out_write(out, buf, k * sizeof *buf,
				    err)) != AD_OK)
					return st;
				k = 0;
			}
		}
	le_doubles(buf, k);
	return ad_out_write(out, buf, k * sizeof *buf, err);
}

static enum ad_status write_texts(struct ad_out *out,
    const struct ad_schema *s, const struct ad_block *b, const size_t *colmap,
    size_t r0, size_t r1, struct ad_error *err)
{
	enum ad_status st;

	for (size_t r = r0; r < r1; r++)
		for (size_t j = 0; j < s->ncols; j++) {
			unsigned char l[4];
			size_t len;
			const char *p;

			if (s->cols[j].type != AD_TEXT)
				continue;
			p = ad_block_text(b, r, colmap ? colmap[j] : j, &len);
			put_u32(l, p == NULL ? TEXT_MISSING_LEN : (uint32_t)len);
			if ((st = ad_out_write(out, l, 4, err)) != AD_OK)
				return st;
			if (p != NULL && (st = ad_out_write(out, p, len, err)) != AD_OK)
				return st;
		}
	return AD_OK;
}

/* A text cell over 4 GiB cannot be framed: refuses b if it has one. */
static enum ad_status check_text_lengths(const struct ad_schema *s,
    const struct ad_block *b, const size_t *colmap, struct ad_error *err)
{
	for (size_t j = 0; j < s->ncols; j++) {
		if (s->cols[j].type != AD_TEXT)
			continue;
		for (size_t r = 0; r < b->nrows; r++) {
			size_t len;
			if (ad_block_text(b, r, colmap ? colmap[j] : j, &len) !=
			    NULL && len >= TEXT_MISSING_LEN)
				return ad_error_at(err, AD_EDATA, NULL, b->line[r],
				    j + 1, "text cell too long for the binary stream "
				    "(4 GiB)");
		}
	}
	return AD_OK;
}

enum ad_status ad_binfmt_write_block(struct ad_out *out,
    const struct ad_schema *s, const struct ad_block *b, const size_t *colmap,
    struct ad_error *err)
{
	size_t nnum = 0, step = ad_block_rows(s->ncols);
	enum ad_status st;

	for (size_t j = 0; j < s->ncols; j++)
		nnum += s->cols[j].type == AD_NUMERIC;
	/* without text columns there is nothing to measure or check per cell */
	if (nnum < s->ncols && (st = check_text_lengths(s, b, colmap, err)) !=
	    AD_OK)
		return st;
	for (size_t r0 = 0; r0 < b->nrows; r0 += step) {
		size_t r1 = b->nrows - r0 > step ? r0 + step : b->nrows;
		uint64_t len = (uint64_t)(r1 - r0) * nnum * 8;
		unsigned char h[16];

		if (nnum < s->ncols)
			len += text_bytes(s, b, colmap, r0, r1);
		put_u32(h, (uint32_t)(r1 - r0));
		put_u32(h + 4, 0);
		put_u64(h + 8, len);
		if ((st = ad_out_write(out, h, sizeof h, err)) != AD_OK ||
		    (st = write_numbers(out, s, b, colmap, r0, r1, nnum,
		    err)) != AD_OK)
			return st;
		if (nnum < s->ncols &&
		    (st = write_texts(out, s, b, colmap, r0, r1, err)) != AD_OK)
			return st;
	}
	return AD_OK;
}

enum ad_status ad_binfmt_write_end(struct ad_out *out, uint64_t total_rows,
    const struct ad_lineage *lineage, struct ad_error *err)
{
	unsigned char h[16];
	enum ad_status st;

	put_u32(h, 0);
	put_u32(h + 4, 0);
	put_u64(h + 8, total_rows);
	if ((st = ad_out_write(out, h, sizeof h, err)) != AD_OK)
		return st;
	return lineage != NULL ? write_lineage(out, lineage, err) : AD_OK;
}
