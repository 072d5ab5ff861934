/*
 * Tests for lib/io/binfmt, the binary stream: the header and blocks come
 * back as written (numbers bit for bit, -0, NaN payloads and infinities
 * included; text cells empty, missing or long; a table wide enough to be
 * split into several blocks; a stream of no rows, and of no columns);
 * every truncation of a valid stream fails with AD_EDATA saying it is
 * truncated, without leaking; corrupt counts and lengths are named; a file
 * of another adkit kind is named as such; a write error (/dev/full) and an
 * allocation failure (the OOM loop) come back as the status. A version 2
 * stream carries its lineage in the header and, complete, in the end
 * record; a version 1 stream (no lineage) is still read.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binfmt.h"
#include "block.h"
#include "in.h"
#include "lineage.h"
#include "out.h"
#include "reader.h"
#include "schema.h"

#include "bits.h"
#include "check.h"
#include "failalloc.h"
#include "files.h"
#include "oomloop.h"

/* ---- building and checking tables ---- */

/* A table: its schema and one block of all its rows. */
struct table {
	struct ad_schema *schema;
	struct ad_block *block;
};

static void table_free(struct table *t)
{
	ad_block_free(t->block);
	ad_schema_free(t->schema);
	t->block = NULL;
	t->schema = NULL;
}

/* Makes the schema of the ncols columns types[j] names "c<j>" and a block
 * for nrows rows; returns the status. */
static enum ad_status table_new(struct table *t, const enum ad_type *types,
    size_t ncols, size_t nrows, struct ad_error *err)
{
	enum ad_status st;

	memset(t, 0, sizeof *t);
	if ((st = ad_schema_new(&t->schema, err)) != AD_OK)
		return st;
	for (size_t j = 0; j < ncols; j++) {
		char name[16];
		int n = snprintf(name, sizeof name, "c%zu", j);

		if ((st = ad_schema_add(t->schema, name, (size_t)n, types[j],
		    err)) != AD_OK)
			goto fail;
	}
	if ((st = ad_block_new(&t->block, ncols, nrows, err)) != AD_OK)
		goto fail;
	return AD_OK;
fail:
	table_free(t);
	return st;
}

/* The numbers every round trip must keep bit for bit. */
static const uint64_t special[] = {
	0x0000000000000000u,   /* 0 */
	0x8000000000000000u,   /* -0 */
	0x7ff0000000000000u,   /* inf */
	0xfff0000000000000u,   /* -inf */
	0x7ff8000000000000u,   /* the NaN of missing */
	0x7ff8000000000123u,   /* a NaN with a payload */
	0xfff80000deadbeefu,   /* a negative NaN with a payload */
	0x0000000000000001u,   /* the least subnormal */
	0x7fefffffffffffffu,   /* the largest double */
	0x3ff0000000000000u,   /* 1 */
};
#define NSPECIAL (sizeof special / sizeof special[0])

/* The text of cell (r, j): missing, empty, long or short by turns. */
static const char *text_of(size_t r, size_t j, char *buf, size_t cap,
    size_t *len)
{
	switch ((r + j) % 4) {
	case 0:
		return NULL;
	case 1:
		*len = 0;
		return "";
	case 2:
		*len = cap - 1;
		memset(buf, 'a' + (int)(r % 26), *len);
		buf[*len] = '\0';
		return buf;
	default:
		*len = (size_t)snprintf(buf, cap, "h\xc3\xa9llo,\"%zu\"\n%zu", r, j);
		return buf;
	}
}

/* Fills t's block with nrows rows: numbers from special[] and text_of. */
static enum ad_status table_fill(struct table *t, size_t nrows,
    struct ad_error *err)
{
	const struct ad_schema *s = t->schema;
	enum ad_status st;

	for (size_t r = 0; r < nrows; r++) {
		for (size_t j = 0; j < s->ncols; j++) {
			char buf[300];
			const char *p;
			size_t len = AD_TEXT_MISSING;

			if (s->cols[j].type == AD_NUMERIC) {
				t->block->num[r * s->ncols + j] =
				    from_bits(special[(r + j) % NSPECIAL]);
				continue;
			}
			t->block->num[r * s->ncols + j] = NAN;
			p = text_of(r, j, buf, sizeof buf, &len);
			if ((st = ad_block_set_text(t->block, r, j, p,
			    p ? len : AD_TEXT_MISSING, err)) != AD_OK)
				return st;
		}
		t->block->line[r] = r + 1;
	}
	t->block->nrows = nrows;
	return AD_OK;
}

/* Whether row r of got (a block read back) is row r0 + r of want. */
static int same_row(const struct ad_schema *s, const struct ad_block *got,
    size_t r, const struct ad_block *want, size_t wr)
{
	for (size_t j = 0; j < s->ncols; j++) {
		const char *a, *b;
		size_t la, lb;

		if (s->cols[j].type == AD_NUMERIC) {
			if (bits_of(got->num[r * s->ncols + j]) !=
			    bits_of(want->num[wr * s->ncols + j]))
				return 0;
			continue;
		}
		if (!isnan(got->num[r * s->ncols + j]))
			return 0;
		a = ad_block_text(got, r, j, &la);
		b = ad_block_text(want, wr, j, &lb);
		if ((a == NULL) != (b == NULL))
			return 0;
		if (a != NULL && (la != lb || memcmp(a, b, la) != 0))
			return 0;
	}
	return 1;
}

/* ---- writing and reading streams ---- */

/* The lineage write_stream writes in the header and the end record (NULL:
 * none, a version 1 stream). */
static const struct ad_lineage *head_lineage, *end_lineage;

/* Writes t (its first rows rows) as a whole stream to path. */
static enum ad_status write_stream(const char *path, const struct table *t,
    struct ad_error *err)
{
	struct ad_out *out = NULL;
	enum ad_status st;

	if ((st = ad_out_open(&out, path, err)) != AD_OK)
		return st;
	if ((st = ad_binfmt_write_header(out, t->schema, head_lineage,
	    err)) == AD_OK &&
	    (st = ad_binfmt_write_block(out, t->schema, t->block, NULL,
	    err)) == AD_OK &&
	    (st = ad_binfmt_write_end(out, t->block->nrows, end_lineage,
	    err)) == AD_OK)
		return ad_out_close(out, err);
	ad_out_abort(out);
	return st;
}

/* What reading a stream found. */
struct got {
	struct ad_schema *schema;
	size_t rows;       /* rows read */
	size_t blocks;     /* blocks read */
	int same;          /* every row was want's (when want was given) */
	uint32_t version;
	struct ad_lineage head, end; /* the lineage after the header, at the
	                                end; the caller clears them */
};

/* Reads the stream at path to its end, comparing its rows with want's
 * block (NULL: no comparison); g->schema is left for the caller to free. */
static enum ad_status read_stream(const char *path, const struct table *want,
    struct got *g, struct ad_error *err)
{
	struct ad_in *in = NULL;
	struct ad_block *b = NULL;
	int done = 0;
	enum ad_status st;

	memset(g, 0, sizeof *g);
	g->same = 1;
	if ((st = ad_in_open(&in, path, err)) != AD_OK)
		return st;
	if ((st = ad_schema_new(&g->schema, err)) != AD_OK ||
	    (st = ad_binfmt_read_header(in, path, g->schema, &g->version,
	    &g->end, err)) != AD_OK ||
	    (st = ad_lineage_copy(&g->head, &g->end, err)) != AD_OK ||
	    (st = ad_block_new(&b, g->schema->ncols,
	    ad_block_rows(g->schema->ncols), err)) != AD_OK)
		goto out;
	while (!done) {
		st = ad_binfmt_read_block(in, path, g->schema, b, g->rows,
		    g->version, &g->end, &done, err);
		if (st != AD_OK)
			goto out;
		if (done)
			break;
		g->blocks++;
		for (size_t r = 0; r < b->nrows; r++) {
			if (b->line[r] != g->rows + r + 1)
				g->same = 0;
			if (want != NULL && (g->rows + r >= want->block->nrows ||
			    !same_row(g->schema, b, r, want->block, g->rows + r)))
				g->same = 0;
		}
		g->rows += b->nrows;
	}
out:
	ad_block_free(b);
	ad_in_close(in);
	return st;
}

/* Whether schemas a and b have the same names and types. */
static int same_schema(const struct ad_schema *a, const struct ad_schema *b)
{
	if (a->ncols != b->ncols)
		return 0;
	for (size_t j = 0; j < a->ncols; j++)
		if (a->cols[j].type != b->cols[j].type ||
		    strcmp(a->cols[j].name, b->cols[j].name) != 0)
			return 0;
	return 1;
}

/* Writes a table of the given columns and rows, reads it back, and checks
 * that it came back whole in the expected number of blocks. */
static void round_trip(const enum ad_type *types, size_t ncols, size_t nrows,
    size_t want_blocks)
{
	char path[FILES_PATH_MAX];
	struct table t;
	struct got g;
	struct ad_error err;

	put_file(path, "binfmt", "");
	calls = live = 0;
	CHECK(table_new(&t, types, ncols, nrows, &err) == AD_OK);
	CHECK(table_fill(&t, nrows, &err) == AD_OK);
	CHECK(write_stream(path, &t, &err) == AD_OK);
	CHECK(read_stream(path, &t, &g, &err) == AD_OK);
	CHECK(g.schema != NULL && same_schema(g.schema, t.schema));
	CHECK(g.rows == nrows);
	CHECK(g.blocks == want_blocks);
	CHECK(g.same);
	ad_schema_free(g.schema);
	table_free(&t);
	CHECK(live == 0);
	unlink(path);
}

/* ---- round trips ---- */

static void test_numbers(void)
{
	enum ad_type types[] = { AD_NUMERIC, AD_NUMERIC, AD_NUMERIC };

	round_trip(types, 3, 2 * NSPECIAL, 1);
	round_trip(types, 1, 1, 1);
}

static void test_text(void)
{
	enum ad_type types[] = { AD_NUMERIC, AD_TEXT, AD_NUMERIC, AD_TEXT };
	enum ad_type text_only[] = { AD_TEXT };

	round_trip(types, 4, 40, 1);
	round_trip(text_only, 1, 8, 1);
}

/* 300 columns: a block holds ad_block_rows(300) = 873 rows, so 2000 rows
 * travel as three blocks. */
static void test_many_columns(void)
{
	enum ad_type types[300];

	for (size_t j = 0; j < 300; j++)
		types[j] = j % 3 == 2 ? AD_TEXT : AD_NUMERIC;
	CHECK(ad_block_rows(300) == 873);
	round_trip(types, 300, 2000, 3);
}

/* Rows beyond a full block are split: 4097 rows of one column are two. */
static void test_split(void)
{
	enum ad_type types[] = { AD_NUMERIC };

	round_trip(types, 1, AD_BLOCK_ROWS + 1, 2);
}

static void test_empty(void)
{
	enum ad_type types[] = { AD_NUMERIC, AD_TEXT };

	round_trip(types, 2, 0, 0);
	round_trip(types, 0, 0, 0);
}

/* ---- bad streams ---- */

/* The bytes of a valid stream of a few mixed rows, malloc'd. */
static char *valid_stream(size_t *len)
{
	enum ad_type types[] = { AD_TEXT, AD_NUMERIC, AD_TEXT };
	char path[FILES_PATH_MAX];
	struct table t;
	struct ad_error err;
	char *bytes;

	put_file(path, "binfmt", "");
	CHECK(table_new(&t, types, 3, 6, &err) == AD_OK);
	CHECK(table_fill(&t, 6, &err) == AD_OK);
	CHECK(write_stream(path, &t, &err) == AD_OK);
	table_free(&t);
	bytes = slurp_file(path, len);
	unlink(path);
	return bytes;
}

/* Reads n bytes of data as a stream; returns the status, err the message. */
static enum ad_status read_bytes(const void *data, size_t n,
    struct ad_error *err)
{
	char path[FILES_PATH_MAX];
	struct got g;
	enum ad_status st;

	put_bytes(path, "binfmt", data, n);
	memset(err, 0, sizeof *err);
	calls = live = 0;
	st = read_stream(path, NULL, &g, err);
	ad_schema_free(g.schema);
	ad_lineage_clear(&g.head);
	ad_lineage_clear(&g.end);
	if (live != 0)
		fprintf(stderr, "reading %zu bytes: %ld blocks leaked\n", n, live);
	CHECK(live == 0);
	unlink(path);
	return st;
}

static void test_truncated(void)
{
	size_t len = 0, bad = 0;
	char *s = valid_stream(&len);
	struct ad_error err;

	CHECK(s != NULL && len > 16);
	if (s == NULL)
		return;
	CHECK(read_bytes(s, len, &err) == AD_OK);
	for (size_t n = 0; n < len; n++) {
		enum ad_status st = read_bytes(s, n, &err);

		if (st != AD_EDATA || err.code != AD_EDATA ||
		    strstr(err.msg, "binary stream truncated in ") == NULL) {
			fprintf(stderr, "cut at %zu of %zu: status %d, %s\n", n,
			    len, (int)st, err.msg);
			bad++;
		}
	}
	CHECK(bad == 0);
	free(s);
}

/* Offsets in valid_stream's bytes: the header (16 bytes, then per column
 * 5 bytes and a 2-byte name), the block header, its numbers. */
enum {
	COL0 = 16,                 /* the first column's type byte */
	BLOCK = 16 + 3 * (5 + 2),  /* the block header */
	PAYLOAD = BLOCK + 16,      /* the 6 numbers, then the text cells */
	TEXT = PAYLOAD + 6 * 8     /* the first text cell's length */
};

static void put_le32(char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (char)(v >> (8 * i));
}

/* Reads s (len bytes) with the 4 bytes at off set to v (or, when off is
 * len, with v appended as 4 bytes), expecting AD_EDATA saying want. */
static void expect_corrupt(const char *s, size_t len, size_t off, uint32_t v,
    const char *want)
{
	char *c = malloc(len + 4);
	struct ad_error err;
	enum ad_status st;

	if (c == NULL)
		exit(2);
	memcpy(c, s, len);
	put_le32(c + off, v);
	st = read_bytes(c, off == len ? len + 4 : len, &err);
	CHECK(st == AD_EDATA && err.code == AD_EDATA);
	if (strstr(err.msg, want) == NULL)
		fprintf(stderr, "4 bytes at %zu set to %u: got \"%s\", want "
		    "\"%s\"\n", off, v, err.msg, want);
	CHECK(strstr(err.msg, want) != NULL);
	free(c);
}

static void test_corrupt(void)
{
	size_t len = 0;
	char *s = valid_stream(&len);
	char *c;
	struct ad_error err;

	CHECK(s != NULL);
	if (s == NULL)
		return;
	expect_corrupt(s, len, 8, 3, "binary stream version 3 is not "
	    "supported (this adkit reads versions 1 to 2)");
	expect_corrupt(s, len, 8, 0, "binary stream version 0 is not ");
	expect_corrupt(s, len, 12, UINT32_MAX, "binary header claims "
	    "4294967295 columns");
	/* a fourth column's type byte would be the block's row count */
	expect_corrupt(s, len, 12, 4, "corrupt binary header: column 4 has "
	    "type 6");
	expect_corrupt(s, len, COL0 + 1, 0, "corrupt binary header: column 1 "
	    "has type 1 and a name of 0 bytes");
	expect_corrupt(s, len, COL0 + 1, 1u << 16, "corrupt binary header: "
	    "column 1 has type 1 and a name of 65536 bytes");
	expect_corrupt(s, len, COL0 - 3, 0x2000000, "corrupt binary header: "
	    "column 1 has type 2 and a name of 2 bytes");
	expect_corrupt(s, len, COL0 + 5, 0x6300, "column 1 name has a NUL "
	    "byte");
	expect_corrupt(s, len, BLOCK, 4097, "corrupt binary block header (rows "
	    "4097, flags 0,");
	expect_corrupt(s, len, BLOCK + 4, 1, "corrupt binary block header (rows "
	    "6, flags 1,");
	expect_corrupt(s, len, BLOCK + 8, 6 * 8 - 1, "corrupt binary block "
	    "header (rows 6, flags 0, payload 47)");
	expect_corrupt(s, len, BLOCK + 8, 6 * 8 + 6 * 2 * 4 - 1, "corrupt "
	    "binary block: payload too short for its text cells");
	expect_corrupt(s, len, TEXT, 1000, "corrupt binary block: text lengths "
	    "do not add up to the payload");
	expect_corrupt(s, len, len - 8, 7, "binary stream ends after 6 rows but "
	    "says 7");
	expect_corrupt(s, len, len, 0, "data after the end of the binary "
	    "stream");
	/* a block of numbers only must carry exactly their bytes */
	{
		enum ad_type types[] = { AD_NUMERIC };
		char path[FILES_PATH_MAX];
		struct table t;
		size_t n = 0;

		put_file(path, "binfmt", "");
		CHECK(table_new(&t, types, 1, 2, &err) == AD_OK);
		CHECK(table_fill(&t, 2, &err) == AD_OK);
		CHECK(write_stream(path, &t, &err) == AD_OK);
		table_free(&t);
		c = slurp_file(path, &n);
		unlink(path);
		CHECK(c != NULL && n == 16 + 5 + 2 + 16 + 16 + 16);
		if (c != NULL)
			expect_corrupt(c, n, 16 + 5 + 2 + 8, 17, "corrupt binary "
			    "block: payload length does not match");
		free(c);
	}
	free(s);
}

/* The magic tells the stream from adkit's other files, which are named. */
static void test_magic(void)
{
	static const char *const kinds[][2] = {
		{ "\x89" "ADK\r\n\x1a\n", "an adkit data stream" },
		{ "\x89" "ADM\r\n\x1a\n", "an adkit model" },
		{ "\x89" "ADP\r\n\x1a\n", "an adkit profile" },
	};
	const unsigned char *k = (const unsigned char *)kinds[0][0];

	CHECK(ad_binfmt_is_magic(k, AD_BINFMT_MAGIC_LEN));
	CHECK(!ad_binfmt_is_magic(k, AD_BINFMT_MAGIC_LEN - 1));
	CHECK(!ad_binfmt_is_cut_magic(k, AD_BINFMT_MAGIC_LEN));
	CHECK(!ad_binfmt_is_cut_magic(k, 0));
	for (size_t n = 1; n < AD_BINFMT_MAGIC_LEN; n++)
		CHECK(ad_binfmt_is_cut_magic(k, n));
	CHECK(!ad_binfmt_is_cut_magic((const unsigned char *)"\x89" "AX", 3));
	for (size_t i = 0; i < 3; i++) {
		const unsigned char *p = (const unsigned char *)kinds[i][0];

		CHECK(ad_binfmt_is_magic(p, AD_MAGIC_LEN) == (i == 0));
		CHECK_STR(ad_file_kind(p, AD_MAGIC_LEN), kinds[i][1]);
	}
	/* a model or profile given as data is named, not read as CSV */
	for (size_t i = 1; i < 3; i++) {
		char path[FILES_PATH_MAX], want[128];
		char bytes[AD_MAGIC_LEN + 8];
		struct ad_reader_opts ro;
		struct ad_reader *rd = NULL;
		struct ad_error err;

		memcpy(bytes, kinds[i][0], AD_MAGIC_LEN);
		memset(bytes + AD_MAGIC_LEN, 0, 8);
		put_bytes(path, "binfmt", bytes, sizeof bytes);
		memset(&ro, 0, sizeof ro);
		ro.path = path;
		calls = live = 0;
		CHECK(ad_reader_open(&rd, &ro, &err) == AD_EDATA);
		snprintf(want, sizeof want, "%s, not data (CSV or an adkit "
		    "data stream)", kinds[i][1]);
		CHECK_STR(err.msg, want);
		CHECK(rd == NULL);
		CHECK(live == 0);
		unlink(path);
	}
}

/* ---- failures ---- */

static void test_dev_full(void)
{
	enum ad_type types[] = { AD_NUMERIC, AD_TEXT };
	struct table t;
	struct ad_error err;

	if (access("/dev/full", W_OK) != 0)
		return;
	calls = live = 0;
	CHECK(table_new(&t, types, 2, 3000, &err) == AD_OK);
	CHECK(table_fill(&t, 3000, &err) == AD_OK);
	CHECK(write_stream("/dev/full", &t, &err) == AD_EIO);
	CHECK(err.code == AD_EIO);
	table_free(&t);
	CHECK(live == 0);
}

/* The OOM loop's scenarios: writing a mixed table, and reading it back. */
struct oom_ctx {
	const char *path;
	const struct table *want;
};

static enum ad_status oom_write(void *ctx, struct ad_error *err)
{
	const struct oom_ctx *c = ctx;
	enum ad_type types[] = { AD_TEXT, AD_NUMERIC, AD_TEXT, AD_NUMERIC };
	struct table t;
	enum ad_status st;

	if ((st = table_new(&t, types, 4, 50, err)) == AD_OK &&
	    (st = table_fill(&t, 50, err)) == AD_OK)
		st = write_stream(c->path, &t, err);
	table_free(&t);
	return st;
}

static enum ad_status oom_read(void *ctx, struct ad_error *err)
{
	const struct oom_ctx *c = ctx;
	struct got g;
	enum ad_status st = read_stream(c->path, c->want, &g, err);

	if (st == AD_OK && (!g.same || g.rows != c->want->block->nrows ||
	    !same_schema(g.schema, c->want->schema)))
		st = ad_error_set(err, AD_EDATA, "read back wrong");
	ad_schema_free(g.schema);
	ad_lineage_clear(&g.head);
	ad_lineage_clear(&g.end);
	return st;
}

static void test_oom(void)
{
	enum ad_type types[] = { AD_TEXT, AD_NUMERIC, AD_TEXT, AD_NUMERIC };
	char path[FILES_PATH_MAX];
	struct oom_ctx c = { path, NULL };
	struct table want;
	struct ad_error err;

	put_file(path, "binfmt", "");
	oom_loop("binfmt write", oom_write, &c, path);
	CHECK(oom_write(&c, &err) == AD_OK);
	CHECK(table_new(&want, types, 4, 50, &err) == AD_OK);
	CHECK(table_fill(&want, 50, &err) == AD_OK);
	c.want = &want;
	oom_loop("binfmt read", oom_read, &c, NULL);
	table_free(&want);
	unlink(path);
}

/* ---- lineage (version 2) ---- */

/* Two steps as a header knows them (the second's digests come at the
 * end) into head, and complete into end. */
static void make_lineages(struct ad_lineage *head, struct ad_lineage *end)
{
	struct ad_lineage_step *st;
	struct ad_error err;

	memset(head, 0, sizeof *head);
	memset(end, 0, sizeof *end);
	CHECK(ad_lineage_append(head, AD_LINEAGE_CLEAN, "c.params", "raw.csv",
	    &st, &err) == AD_OK);
	st->flags = AD_LINEAGE_RESTORED | AD_LINEAGE_PARAMS_SHA |
	    AD_LINEAGE_INPUT_SHA;
	memset(st->params_sha256, 0xab, 32);
	memset(st->input_sha256, 0x01, 32);
	CHECK(ad_lineage_append(head, AD_LINEAGE_FEATURES, "f.params",
	    "<stdin>", &st, &err) == AD_OK);
	CHECK(ad_lineage_copy(end, head, &err) == AD_OK);
	end->step[1].flags = AD_LINEAGE_PARAMS_SHA | AD_LINEAGE_INPUT_SHA;
	memset(end->step[1].params_sha256, 0xcd, 32);
	memset(end->step[1].input_sha256, 0x02, 32);
}

static int same_lineage(const struct ad_lineage *a, const struct ad_lineage *b)
{
	return a->n == b->n && (a->n == 0 ||
	    memcmp(a->step, b->step, a->n * sizeof *a->step) == 0);
}

static void test_lineage(void)
{
	enum ad_type types[] = { AD_TEXT, AD_NUMERIC };
	char path[FILES_PATH_MAX];
	struct ad_lineage head, end, other;
	struct table t;
	struct got g;
	struct ad_error err;
	size_t len = 0, bad = 0;
	char *s;

	make_lineages(&head, &end);
	head_lineage = &head;
	end_lineage = &end;
	put_file(path, "binfmt", "");
	CHECK(table_new(&t, types, 2, 5, &err) == AD_OK);
	CHECK(table_fill(&t, 5, &err) == AD_OK);
	CHECK(write_stream(path, &t, &err) == AD_OK);
	CHECK(read_stream(path, &t, &g, &err) == AD_OK);
	CHECK(g.version == 2 && g.rows == 5 && g.same);
	CHECK(same_lineage(&g.head, &head));
	CHECK(same_lineage(&g.end, &end));
	ad_schema_free(g.schema);
	ad_lineage_clear(&g.head);
	ad_lineage_clear(&g.end);

	/* every cut, inside either lineage too, is a truncated stream */
	s = valid_stream(&len);
	CHECK(s != NULL && read_bytes(s, len, &err) == AD_OK);
	for (size_t n = 0; s != NULL && n < len; n++)
		if (read_bytes(s, n, &err) != AD_EDATA ||
		    strstr(err.msg, "binary stream truncated in ") == NULL) {
			fprintf(stderr, "lineage stream cut at %zu of %zu: %s\n",
			    n, len, err.msg);
			bad++;
		}
	CHECK(bad == 0);
	/* the lineage's length word: too short, or beyond any chain */
	if (s != NULL) {
		expect_corrupt(s, len, COL0 + 3 * (5 + 2), 3, "corrupt binary "
		    "stream: a lineage of 3 bytes in the header");
		expect_corrupt(s, len, COL0 + 3 * (5 + 2), UINT32_MAX, "a lineage "
		    "of 4294967295 bytes");
		/* a step count the bytes cannot hold */
		expect_corrupt(s, len, COL0 + 3 * (5 + 2) + 4, 1000,
		    "corrupt lineage record");
	}
	free(s);

	/* an end record whose chain does not complete the header's */
	memset(&other, 0, sizeof other);
	CHECK(ad_lineage_copy(&other, &end, &err) == AD_OK);
	memset(other.step[0].input_sha256, 0x09, 32);
	end_lineage = &other;
	s = valid_stream(&len);
	CHECK(s != NULL && read_bytes(s, len, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "the end record's lineage does not match the "
	    "header's") != NULL);
	free(s);
	ad_lineage_clear(&other);

	/* the OOM loop over a stream with lineage */
	end_lineage = &end;
	test_oom();
	head_lineage = end_lineage = NULL;
	table_free(&t);
	unlink(path);
	ad_lineage_clear(&head);
	ad_lineage_clear(&end);
}

int main(void)
{
	test_numbers();
	test_text();
	test_many_columns();
	test_split();
	test_empty();
	test_truncated();
	test_corrupt();
	test_magic();
	test_dev_full();
	test_oom();
	test_lineage();
	return CHECK_DONE("test_binfmt");
}
