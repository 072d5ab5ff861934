/*
 * libFuzzer target for lib/reader (CSV through libcsv and the fast path,
 * and the binary stream), with lib/writer for the round trip.
 *
 * The first input byte chooses the reader options; the rest is the stream,
 * written to a temporary file ($TMPDIR, else /tmp) since the reader reads
 * files:
 *
 *   bits 0-1  delimiter: 0 (the default, ','), ';', tab, ','
 *   bit 2     no_header
 *   bit 3     strict
 *   bit 4     infer_rows = 2 (else the default)
 *   bit 5     a custom missing-value list (bit 7 picks one with a number)
 *   bit 6     limit_rejects with max_rejects = 1
 *   bit 7     (without bit 5) types: column c1 fixed numeric
 *
 * Every input is checked three ways, and any failure aborts:
 *  - the only statuses are AD_OK and AD_EDATA, and every block is sane
 *    (row and text bounds, line numbers in order, and from CSV a single
 *    NaN bit pattern for missing numbers); at the end, reading again gives
 *    no rows;
 *  - the quote-free fast path equals libcsv, and chunks parsed on several
 *    threads equal one parse: the input read in chunks of 1 to 61 bytes
 *    on 3 threads, and read with opts.no_fast_path on one thread in one
 *    chunk, give, block by block, the same schema, rows, cells (bit for
 *    bit), line numbers, rejected rows and invalid counts, or the same
 *    error (code, line, column, message; the invalid counts then may
 *    differ);
 *  - a successful read written with ad_writer as a binary stream reads back
 *    equal: same schema, numbers bit for bit, text bytes, missing cells.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ad.h"
#include "block.h"
#include "out.h"
#include "reader.h"
#include "schema.h"
#include "writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const char *const na_words[] = { "?", "-", "missing", "n/a" };
static const char *const na_with_number[] = { "-999", "?", "", "0" };

static uint64_t bits_of(double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	return b;
}

/* FNV-1a, to compare what two readers passed to their reject callbacks. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

/* Writes n bytes to a new temporary file in $TMPDIR (else /tmp), its name
 * starting with tag, and puts its path in path[0..cap); 0 on success. */
static int write_temp(char *path, size_t cap, const char *tag, const void *p,
    size_t n)
{
	const char *dir = getenv("TMPDIR");
	const char *s = p;
	int fd, len;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	len = snprintf(path, cap, "%s/%s.XXXXXX", dir, tag);
	if (len < 0 || (size_t)len >= cap || (fd = mkstemp(path)) < 0)
		return -1;
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w <= 0) {
			close(fd);
			unlink(path);
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	if (close(fd) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* One reader and what the checks remember about it. */
struct side {
	struct ad_reader *r;
	struct ad_error err;
	enum ad_status st;
	uint64_t rejects;         /* reject callback calls */
	uint64_t reject_hash;     /* of everything the callback saw */
	uint64_t reject_line;     /* last line seen by the callback */
	uint64_t row_line;        /* last line of a row handed out */
	uint64_t rows;            /* rows handed out */
};

static enum ad_status on_reject(void *ctx, uint64_t line, size_t nfields,
    const char *const *fields, const size_t *lens, struct ad_error *err)
{
	struct side *s = ctx;

	(void)err;
	CHECK(line >= 1 && line >= s->reject_line);
	s->reject_line = line;
	s->rejects++;
	s->reject_hash = mix(s->reject_hash, &line, sizeof line);
	s->reject_hash = mix(s->reject_hash, &nfields, sizeof nfields);
	for (size_t i = 0; i < nfields; i++) {
		s->reject_hash = mix(s->reject_hash, &lens[i], sizeof lens[i]);
		s->reject_hash = mix(s->reject_hash, fields[i], lens[i]);
	}
	return AD_OK;
}

static void open_side(struct side *s, const struct ad_reader_opts *base,
    int no_fast_path, size_t chunk_bytes)
{
	struct ad_reader_opts o = *base;

	memset(s, 0, sizeof *s);
	s->reject_hash = 0xcbf29ce484222325ULL;
	o.on_reject = on_reject;
	o.reject_ctx = s;
	o.no_fast_path = no_fast_path;
	o.threads = no_fast_path ? 1 : 3;
	o.chunk_bytes = no_fast_path ? (size_t)1 << 30 : chunk_bytes;
	s->st = ad_reader_open(&s->r, &o, &s->err);
	CHECK(s->st == AD_OK || s->st == AD_EDATA);
	CHECK(s->st == AD_OK ? s->r != NULL : s->err.code == s->st);
}

static void same_error(const struct ad_error *a, const struct ad_error *b)
{
	CHECK(a->code == b->code && a->line == b->line && a->col == b->col);
	CHECK(strcmp(a->file, b->file) == 0 && strcmp(a->msg, b->msg) == 0);
}

static void same_schema(const struct ad_schema *a, const struct ad_schema *b)
{
	CHECK(a->ncols == b->ncols);
	for (size_t c = 0; c < a->ncols; c++)
		CHECK(strcmp(a->cols[c].name, b->cols[c].name) == 0 &&
		    a->cols[c].type == b->cols[c].type);
}

/* Checks one block handed out by s's reader. */
static void check_block(struct side *s, const struct ad_block *b)
{
	const struct ad_schema *sc = ad_reader_schema(s->r);
	int csv = ad_reader_format(s->r) == AD_FORMAT_CSV;
	volatile unsigned char sink = 0;

	CHECK(b->nrows <= b->cap && b->ncols == sc->ncols);
	CHECK(b->arena_len <= b->arena_cap);
	for (size_t r = 0; r < b->nrows; r++) {
		if (csv)
			CHECK(b->line[r] >= 1 && b->line[r] >= s->row_line);
		else
			CHECK(b->line[r] == s->rows + r + 1);
		s->row_line = b->line[r];
		for (size_t c = 0; c < sc->ncols; c++) {
			double v = b->num[r * b->ncols + c];
			const struct ad_text *t = &b->text[r * b->ncols + c];

			if (sc->cols[c].type == AD_NUMERIC) {
				if (csv && isnan(v))
					CHECK(bits_of(v) == bits_of(NAN));
				continue;
			}
			CHECK(isnan(v));
			if (t->len == AD_TEXT_MISSING)
				continue;
			CHECK(t->off <= b->arena_len &&
			    t->len <= b->arena_len - t->off);
			for (size_t i = 0; i < t->len; i++)
				sink ^= (unsigned char)b->arena[t->off + i];
		}
	}
	s->rows += b->nrows;
	CHECK(ad_reader_rows(s->r) == s->rows);
	(void)sink;
}

/* Whether text cell (r, c) of a and b are equal (both missing, or the same
 * bytes). */
static int same_text(const struct ad_block *a, const struct ad_block *b,
    size_t r, size_t c)
{
	size_t la, lb;
	const char *pa = ad_block_text(a, r, c, &la);
	const char *pb = ad_block_text(b, r, c, &lb);

	if (pa == NULL || pb == NULL)
		return pa == NULL && pb == NULL;
	return la == lb && memcmp(pa, pb, la) == 0;
}

/* The cells of a and b are equal; with lines, their line numbers too. */
static void same_block(const struct ad_schema *sc, const struct ad_block *a,
    const struct ad_block *b, int lines)
{
	CHECK(a->nrows == b->nrows && a->ncols == b->ncols);
	for (size_t r = 0; r < a->nrows; r++) {
		if (lines)
			CHECK(a->line[r] == b->line[r]);
		for (size_t c = 0; c < sc->ncols; c++) {
			size_t k = r * a->ncols + c;
			CHECK(bits_of(a->num[k]) == bits_of(b->num[k]));
			if (sc->cols[c].type == AD_TEXT)
				CHECK(same_text(a, b, r, c));
		}
	}
}

/* Reads a and b in step (b the same input without the fast path), writing
 * a's blocks to w when it is not NULL; returns 1 if the whole read
 * succeeded. */
static int read_both(struct side *a, struct side *b, struct ad_writer *w)
{
	const struct ad_schema *sc = ad_reader_schema(a->r);
	struct ad_error werr;

	same_schema(sc, ad_reader_schema(b->r));
	CHECK(ad_reader_format(a->r) == ad_reader_format(b->r));
	for (;;) {
		struct ad_block *ba = NULL, *bb = NULL;

		a->st = ad_reader_next(a->r, &ba, &a->err);
		b->st = ad_reader_next(b->r, &bb, &b->err);
		CHECK(a->st == AD_OK || a->st == AD_EDATA);
		CHECK(a->st == b->st);
		CHECK(a->rejects == b->rejects &&
		    a->reject_hash == b->reject_hash);
		CHECK(ad_reader_rejected(a->r) == ad_reader_rejected(b->r));
		CHECK(ad_reader_rejected(a->r) == a->rejects);
		/* after a failure the counts are not defined */
		CHECK(a->st != AD_OK || memcmp(ad_reader_invalid(a->r),
		    ad_reader_invalid(b->r), sc->ncols * sizeof(uint64_t)) == 0);
		if (a->st != AD_OK) {
			same_error(&a->err, &b->err);
			return 0;
		}
		check_block(a, ba);
		check_block(b, bb);
		same_block(sc, ba, bb, 1);
		if (w != NULL)
			CHECK(ad_writer_write(w, ba, NULL, &werr) == AD_OK);
		if (ba->nrows == 0)
			break;
	}
	/* The end stays the end. */
	for (int i = 0; i < 2; i++) {
		struct side *s = i ? b : a;
		struct ad_block *blk = NULL;

		CHECK(ad_reader_next(s->r, &blk, &s->err) == AD_OK);
		CHECK(blk != NULL && blk->nrows == 0);
		CHECK(ad_reader_rows(s->r) == s->rows);
	}
	return 1;
}

/* Reads the binary copy at path beside a fresh read of the original. */
static void check_round_trip(const struct ad_reader_opts *opts,
    const char *path)
{
	struct ad_reader_opts bo = { 0 };
	struct side orig, copy;

	bo.path = path;
	open_side(&orig, opts, 0, 0);
	open_side(&copy, &bo, 0, 0);
	CHECK(orig.st == AD_OK && copy.st == AD_OK);
	CHECK(ad_reader_format(copy.r) == AD_FORMAT_BIN);
	same_schema(ad_reader_schema(orig.r), ad_reader_schema(copy.r));
	for (;;) {
		struct ad_block *bo_ = NULL, *bc = NULL;

		orig.st = ad_reader_next(orig.r, &bo_, &orig.err);
		copy.st = ad_reader_next(copy.r, &bc, &copy.err);
		CHECK(orig.st == AD_OK && copy.st == AD_OK);
		check_block(&copy, bc);
		same_block(ad_reader_schema(orig.r), bo_, bc, 0);
		if (bo_->nrows == 0)
			break;
	}
	CHECK(ad_reader_rejected(copy.r) == 0);
	ad_reader_free(orig.r);
	ad_reader_free(copy.r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in_path[4096], bin_path[4096];
	struct ad_reader_opts opts = { 0 };
	struct ad_schema *types = NULL;
	struct ad_out *out = NULL;
	struct ad_writer *w = NULL;
	struct ad_writer_opts wo = { .format = AD_FORMAT_BIN };
	struct ad_error err;
	struct side a, b;
	unsigned cfg;
	int ok;

	if (size == 0)
		return 0;
	cfg = data[0];
	if (write_temp(in_path, sizeof in_path, "fuzz_reader", data + 1,
	    size - 1) != 0)
		abort();
	if (write_temp(bin_path, sizeof bin_path, "fuzz_reader.bin", "", 0) != 0)
		abort();

	opts.path = in_path;
	opts.delim = "\0;\t,"[cfg & 3];
	opts.no_header = (cfg >> 2) & 1;
	opts.strict = (cfg >> 3) & 1;
	opts.infer_rows = (cfg >> 4) & 1 ? 2 : 0;
	if ((cfg >> 5) & 1) {
		if ((cfg >> 7) & 1) {
			opts.na = na_with_number;
			opts.n_na = sizeof na_with_number / sizeof *na_with_number;
		} else {
			opts.na = na_words;
			opts.n_na = sizeof na_words / sizeof *na_words;
		}
	} else if ((cfg >> 7) & 1) {
		CHECK(ad_schema_new(&types, &err) == AD_OK);
		CHECK(ad_schema_add(types, "c1", 2, AD_NUMERIC, &err) == AD_OK);
		opts.types = types;
	}
	opts.limit_rejects = (cfg >> 6) & 1;
	opts.max_rejects = 1;

	open_side(&a, &opts, 0, 1 + size % 61);
	open_side(&b, &opts, 1, 0);
	CHECK(a.st == b.st);
	if (a.st != AD_OK) {
		same_error(&a.err, &b.err);
		goto out;
	}
	CHECK(ad_out_open(&out, bin_path, &err) == AD_OK);
	CHECK(ad_writer_open(&w, out, ad_reader_schema(a.r), &wo, &err) ==
	    AD_OK);
	ok = read_both(&a, &b, w);
	if (ok) {
		CHECK(ad_writer_finish(w, &err) == AD_OK);
		CHECK(ad_writer_rows(w) == a.rows);
		ad_writer_free(w);
		w = NULL;
		CHECK(ad_out_close(out, &err) == AD_OK);
		out = NULL;
		check_round_trip(&opts, bin_path);
	}
out:
	ad_writer_free(w);
	ad_out_abort(out);
	ad_reader_free(a.r);
	ad_reader_free(b.r);
	ad_schema_free(types);
	unlink(in_path);
	unlink(bin_path);
	return 0;
}
