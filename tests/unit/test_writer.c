/*
 * Tests for lib/writer (with lib/binfmt and lib/io underneath): blocks are
 * written as CSV or as the binary stream to a file in a scratch directory,
 * read back with ad_reader, and compared bit for bit. Then the binary
 * reader is fed broken streams, and ad_out's promise (the target appears
 * only on success) is checked.
 *
 * This program links its own ad_malloc/ad_calloc/ad_realloc/ad_free (see
 * lib/common/alloc.h) that only record the largest request, so the corrupt-stream
 * tests can show that no header makes the reader ask for a huge block.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "block.h"
#include "in.h"
#include "out.h"
#include "reader.h"
#include "schema.h"
#include "writer.h"

#include "bits.h"
#include "check.h"

/* ---- the library's allocator, watched ---- */

static size_t largest_request;

static void note(size_t n)
{
	if (n > largest_request)
		largest_request = n;
}

void *ad_malloc(size_t n)
{
	note(n);
	return malloc(n ? n : 1);
}

void *ad_calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		return NULL;
	note(total);
	return calloc(n ? n : 1, size ? size : 1);
}

void *ad_realloc(void *p, size_t n)
{
	note(n);
	return realloc(p, n ? n : 1);
}

void ad_free(void *p)
{
	free(p);
}

/* ---- helpers ---- */

static char scratch[64];   /* a directory of our own under /tmp */

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* path = scratch/name (256 bytes). */
static char *in_scratch(char *path, const char *name)
{
	snprintf(path, 256, "%s/%s", scratch, name);
	return path;
}

static void put_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die(path);
}

/* Reads a whole file; *len gets its size; NULL if it does not exist. */
static char *get_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 > cap && (p = realloc(p, cap = 2 * (n + 4096))) == NULL)
			die("realloc");
		got = fread(p + n, 1, 4096, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return p;
}

/* Whether the file at path holds exactly the string want. */
static int file_is(const char *path, const char *want)
{
	size_t len = 0;
	char *got = get_file(path, &len);
	int same = got != NULL && len == strlen(want) &&
	    memcmp(got, want, len) == 0;

	free(got);
	return same;
}

static int file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* Entries in the scratch directory, "." and ".." aside. */
static size_t scratch_entries(void)
{
	DIR *d = opendir(scratch);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		die(scratch);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void scratch_clear(void)
{
	DIR *d = opendir(scratch);
	struct dirent *e;
	char path[sizeof scratch + sizeof e->d_name + 1];

	if (d == NULL)
		die(scratch);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
			unlink(path);
		}
	closedir(d);
}

/* A schema from parallel arrays of names and types. */
static struct ad_schema *make_schema(size_t n, const char *const *names,
    const enum ad_type *types)
{
	struct ad_schema *s = NULL;
	struct ad_error err;

	if (ad_schema_new(&s, &err) != AD_OK)
		die("ad_schema_new");
	for (size_t i = 0; i < n; i++)
		if (ad_schema_add(s, names[i], strlen(names[i]), types[i],
		    &err) != AD_OK)
			die("ad_schema_add");
	return s;
}

static struct ad_block *make_block(size_t ncols, size_t cap)
{
	struct ad_block *b = NULL;
	struct ad_error err;

	if (ad_block_new(&b, ncols, cap, &err) != AD_OK)
		die("ad_block_new");
	return b;
}

/* Sets a text cell from a C string, or missing for NULL. */
static void set_text(struct ad_block *b, size_t r, size_t c, const char *s,
    size_t len)
{
	struct ad_error err;

	b->num[r * b->ncols + c] = NAN;
	if (ad_block_set_text(b, r, c, s, s ? len : AD_TEXT_MISSING, &err) !=
	    AD_OK)
		die("ad_block_set_text");
}

/* Writes b (columns chosen by colmap) as schema s to path. */
static enum ad_status write_block(const char *path, const struct ad_schema *s,
    const struct ad_block *b, const size_t *colmap,
    const struct ad_writer_opts *wo, struct ad_error *err)
{
	struct ad_out *out = NULL;
	struct ad_writer *w = NULL;
	enum ad_status st;

	if ((st = ad_out_open(&out, path, err)) != AD_OK)
		return st;
	if ((st = ad_writer_open(&w, out, s, wo, err)) == AD_OK &&
	    (st = ad_writer_write(w, b, colmap, err)) == AD_OK)
		st = ad_writer_finish(w, err);
	ad_writer_free(w);
	if (st != AD_OK) {
		ad_out_abort(out);
		return st;
	}
	return ad_out_close(out, err);
}

/* Everything read back from a file, all rows in one block. */
struct readback {
	enum ad_status st;
	struct ad_error err;
	enum ad_format format;
	struct ad_schema *schema;
	struct ad_block *rows;
	size_t blocks;             /* non-empty blocks handed out */
	size_t largest_block;
};

static void readback_free(struct readback *rb)
{
	ad_schema_free(rb->schema);
	ad_block_free(rb->rows);
	memset(rb, 0, sizeof *rb);
}

/* Reads path with opts (its path is replaced), collecting every row. */
static void read_back(const char *path, const struct ad_reader_opts *opts,
    struct readback *rb)
{
	struct ad_reader_opts o = *opts;
	struct ad_reader *r = NULL;
	struct ad_block *b;

	memset(rb, 0, sizeof *rb);
	o.path = path;
	if ((rb->st = ad_reader_open(&r, &o, &rb->err)) != AD_OK)
		return;
	rb->format = ad_reader_format(r);
	if (ad_schema_copy(ad_reader_schema(r), &rb->schema, &rb->err) != AD_OK)
		die("ad_schema_copy");
	rb->rows = make_block(rb->schema->ncols, 16384);
	while ((rb->st = ad_reader_next(r, &b, &rb->err)) == AD_OK &&
	    b->nrows > 0) {
		struct ad_block *all = rb->rows;

		rb->blocks++;
		if (b->nrows > rb->largest_block)
			rb->largest_block = b->nrows;
		for (size_t i = 0; i < b->nrows && all->nrows < all->cap; i++) {
			size_t row = all->nrows++;
			all->line[row] = b->line[i];
			for (size_t c = 0; c < b->ncols; c++) {
				size_t len;
				const char *t;
				all->num[row * all->ncols + c] = b->num[i * b->ncols + c];
				if (rb->schema->cols[c].type != AD_TEXT)
					continue;
				t = ad_block_text(b, i, c, &len);
				set_text(all, row, c, t, len);
			}
		}
	}
	ad_reader_free(r);
}

/* The same value: bits for numbers (any NaN matches any NaN); bytes for
 * text, where with csv an empty string may come back missing. */
static int same_cell(const struct ad_block *a, size_t ra, size_t ca,
    const struct ad_block *b, size_t rb, size_t cb, enum ad_type type, int csv)
{
	if (type == AD_NUMERIC) {
		double x = a->num[ra * a->ncols + ca], y = b->num[rb * b->ncols + cb];
		return bits_of(x) == bits_of(y) || (isnan(x) && isnan(y));
	} else {
		size_t la, lb;
		const char *x = ad_block_text(a, ra, ca, &la);
		const char *y = ad_block_text(b, rb, cb, &lb);
		if (csv && x != NULL && la == 0)
			x = NULL;
		if (x == NULL || y == NULL)
			return x == NULL && y == NULL;
		return la == lb && memcmp(x, y, la) == 0;
	}
}

/* Whether got holds want's rows, every cell the same. */
static int same_rows(const struct ad_block *want, const struct ad_block *got,
    const struct ad_schema *s, int csv)
{
	if (got == NULL || want->nrows != got->nrows)
		return 0;
	for (size_t r = 0; r < want->nrows; r++)
		for (size_t c = 0; c < s->ncols; c++)
			if (!same_cell(want, r, c, got, r, c, s->cols[c].type, csv))
				return 0;
	return 1;
}

/* Writes b with schema s in format f, reads it back with s fixing the
 * types, and checks every value. */
static void check_round_trip(const struct ad_schema *s,
    const struct ad_block *b, enum ad_format f)
{
	struct ad_writer_opts wo = { .format = f };
	struct ad_reader_opts ro = { .types = s };
	struct readback rb;
	struct ad_error err;
	char path[256];

	in_scratch(path, f == AD_FORMAT_BIN ? "rt.adk" : "rt.csv");
	CHECK(write_block(path, s, b, NULL, &wo, &err) == AD_OK);
	read_back(path, &ro, &rb);
	CHECK(rb.st == AD_OK);
	CHECK(rb.format == f);
	CHECK(rb.schema != NULL && rb.schema->ncols == s->ncols);
	for (size_t c = 0; rb.schema != NULL && c < s->ncols &&
	    c < rb.schema->ncols; c++) {
		CHECK_STR(rb.schema->cols[c].name, s->cols[c].name);
		CHECK(rb.schema->cols[c].type == s->cols[c].type);
	}
	CHECK(same_rows(b, rb.rows, s, f == AD_FORMAT_CSV));
	readback_free(&rb);
	unlink(path);
}

/* ---- round trips ---- */

static const double tricky_numbers[] = {
	-0.0, 0.0, 1e308, DBL_MAX, -DBL_MAX, 5e-324, -5e-324, 2.2250738585072014e-308,
	2.225073858507201e-308, 0.1, 1.0 / 3, -2.0 / 3, 9007199254740992.0,
	9007199254740994.0, 9007199254740991.0, -9007199254740996.0, 1e21, 1e22,
	123456.789, 1e-7, 100, 0.30000000000000004, 4.35, INFINITY, -INFINITY,
	NAN,
};
enum { N_TRICKY = sizeof tricky_numbers / sizeof tricky_numbers[0] };

static void test_numbers_round_trip(enum ad_format f)
{
	static const char *const names[] = { "x", "neg" };
	static const enum ad_type types[] = { AD_NUMERIC, AD_NUMERIC };
	struct ad_schema *s = make_schema(2, names, types);
	struct ad_block *b = make_block(2, N_TRICKY);

	for (size_t i = 0; i < N_TRICKY; i++) {
		b->num[i * 2] = tricky_numbers[i];
		b->num[i * 2 + 1] = -tricky_numbers[i];
		b->line[i] = i + 2;
	}
	b->nrows = N_TRICKY;
	check_round_trip(s, b, f);
	ad_block_free(b);
	ad_schema_free(s);
}

/* One numeric column alone, so an empty (NaN) row stands by itself. */
static void test_lone_numeric_column_round_trip(enum ad_format f)
{
	static const char *const names[] = { "x" };
	static const enum ad_type types[] = { AD_NUMERIC };
	struct ad_schema *s = make_schema(1, names, types);
	struct ad_block *b = make_block(1, N_TRICKY);

	for (size_t i = 0; i < N_TRICKY; i++)
		b->num[i] = tricky_numbers[i];
	b->nrows = N_TRICKY;
	check_round_trip(s, b, f);
	ad_block_free(b);
	ad_schema_free(s);
}

static const struct { const char *s; size_t len; } tricky_texts[] = {
#define T(s) { s, sizeof s - 1 }
	T("plain"), T("a,b"), T("say \"hi\""), T("\""), T("\"\""),
	T("line1\nline2"), T("cr\rhere"), T("crlf\r\nx"), T("\n"),
	T("  spaces  "), T("tab\there"), T("caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80"),
	T("semi;colon"), T(","), T("x,"), T("-0"), T("1e999"), T(""),
	{ NULL, 0 },
#undef T
};
enum { N_TEXTS = sizeof tricky_texts / sizeof tricky_texts[0] };

static void test_texts_round_trip(enum ad_format f)
{
	static const char *const names[] = { "id", "t", "u" };
	static const enum ad_type types[] = { AD_NUMERIC, AD_TEXT, AD_TEXT };
	struct ad_schema *s = make_schema(3, names, types);
	struct ad_block *b = make_block(3, N_TEXTS);

	for (size_t i = 0; i < N_TEXTS; i++) {
		b->num[i * 3] = (double)i;
		set_text(b, i, 1, tricky_texts[i].s, tricky_texts[i].len);
		set_text(b, i, 2, tricky_texts[N_TEXTS - 1 - i].s,
		    tricky_texts[N_TEXTS - 1 - i].len);
		b->line[i] = i + 2;
	}
	b->nrows = N_TEXTS;
	check_round_trip(s, b, f);
	ad_block_free(b);
	ad_schema_free(s);
}

/* No rows at all: a header (and, in binary, an end record) alone. */
static void test_no_rows_round_trip(enum ad_format f)
{
	static const char *const names[] = { "n", "t" };
	static const enum ad_type types[] = { AD_NUMERIC, AD_TEXT };
	struct ad_schema *s = make_schema(2, names, types);
	struct ad_block *b = make_block(2, 1);

	check_round_trip(s, b, f);
	ad_block_free(b);
	ad_schema_free(s);
}

/* A binary stream's types are fixed; a schema that disagrees is an error. */
static void test_binary_types_must_match(void)
{
	static const char *const names[] = { "n", "t" };
	static const enum ad_type types[] = { AD_NUMERIC, AD_TEXT };
	static const enum ad_type wrong[] = { AD_TEXT, AD_TEXT };
	static const char *const other[] = { "zzz" };
	struct ad_schema *s = make_schema(2, names, types);
	struct ad_schema *w = make_schema(2, names, wrong);
	struct ad_schema *missing = make_schema(1, other, types);
	struct ad_block *b = make_block(2, 1);
	struct ad_writer_opts wo = { .format = AD_FORMAT_BIN };
	struct ad_reader_opts ro = { .types = w };
	struct readback rb;
	struct ad_error err;
	char path[256];

	b->num[0] = 1;
	set_text(b, 0, 1, "x", 1);
	b->nrows = 1;
	in_scratch(path, "types.adk");
	CHECK(write_block(path, s, b, NULL, &wo, &err) == AD_OK);
	read_back(path, &ro, &rb);
	CHECK(rb.st == AD_EDATA);
	CHECK(rb.err.col == 1);
	CHECK(strstr(rb.err.msg, "\"n\"") != NULL);
	readback_free(&rb);
	ro.types = missing;
	read_back(path, &ro, &rb);
	CHECK(rb.st == AD_EDATA);
	CHECK(strstr(rb.err.msg, "zzz") != NULL);
	readback_free(&rb);
	unlink(path);
	ad_block_free(b);
	ad_schema_free(s);
	ad_schema_free(w);
	ad_schema_free(missing);
}

/* What only the binary stream keeps: "" apart from missing, NUL bytes, and
 * text that CSV would read as a missing token. */
static void test_binary_keeps_what_csv_cannot(void)
{
	static const char *const names[] = { "t" };
	static const enum ad_type types[] = { AD_TEXT };
	struct ad_schema *s = make_schema(1, names, types);
	struct ad_block *b = make_block(1, 8);
	struct ad_writer_opts wo = { .format = AD_FORMAT_BIN };
	struct ad_reader_opts ro = { 0 };
	struct readback rb;
	struct ad_error err;
	char path[256];
	size_t len;
	const char *t;

	set_text(b, 0, 0, "", 0);
	set_text(b, 1, 0, NULL, 0);
	set_text(b, 2, 0, "a\0b", 3);
	set_text(b, 3, 0, "\0", 1);
	set_text(b, 4, 0, "NA", 2);
	set_text(b, 5, 0, "123", 3);           /* stays text: the header says */
	b->nrows = 6;
	in_scratch(path, "keep.adk");
	CHECK(write_block(path, s, b, NULL, &wo, &err) == AD_OK);
	read_back(path, &ro, &rb);
	CHECK(rb.st == AD_OK && rb.rows != NULL && rb.rows->nrows == 6);
	if (rb.rows != NULL && rb.rows->nrows == 6) {
		CHECK(rb.schema->cols[0].type == AD_TEXT);
		t = ad_block_text(rb.rows, 0, 0, &len);
		CHECK(t != NULL && len == 0);
		CHECK(ad_block_text(rb.rows, 1, 0, &len) == NULL);
		t = ad_block_text(rb.rows, 2, 0, &len);
		CHECK(t != NULL && len == 3 && memcmp(t, "a\0b", 3) == 0);
		t = ad_block_text(rb.rows, 3, 0, &len);
		CHECK(t != NULL && len == 1 && t[0] == '\0');
		t = ad_block_text(rb.rows, 4, 0, &len);
		CHECK(t != NULL && len == 2 && memcmp(t, "NA", 2) == 0);
		t = ad_block_text(rb.rows, 5, 0, &len);
		CHECK(t != NULL && len == 3 && memcmp(t, "123", 3) == 0);
		CHECK(rb.rows->line[0] == 1 && rb.rows->line[5] == 6);
	}
	readback_free(&rb);
	unlink(path);
	ad_block_free(b);
	ad_schema_free(s);
}

static void test_csv_writer_options(void)
{
	static const char *const names[] = { "a;b", "n" };
	static const enum ad_type types[] = { AD_TEXT, AD_NUMERIC };
	struct ad_schema *s = make_schema(2, names, types);
	struct ad_block *b = make_block(2, 2);
	struct ad_writer_opts wo = { .format = AD_FORMAT_CSV, .delim = ';' };
	struct ad_error err;
	char path[256];

	set_text(b, 0, 0, "x;y", 3);
	b->num[1] = 1.5;
	set_text(b, 1, 0, "p,q", 3);
	b->num[3] = NAN;
	b->nrows = 2;
	in_scratch(path, "semi.csv");
	CHECK(write_block(path, s, b, NULL, &wo, &err) == AD_OK);
	CHECK(file_is(path, "\"a;b\";n\n\"x;y\";1.5\np,q;\n"));

	wo.no_header = 1;
	wo.delim = '\t';
	CHECK(write_block(path, s, b, NULL, &wo, &err) == AD_OK);
	CHECK(file_is(path, "x;y\t1.5\np,q\t\n"));
	unlink(path);
	ad_block_free(b);
	ad_schema_free(s);
}

/* ---- CSV -> binary -> CSV ---- */

/* Streams in to out in format f, block by block. */
static enum ad_status convert(const char *in, const char *out,
    enum ad_format f, struct ad_error *err)
{
	struct ad_reader_opts ro = { .path = in };
	struct ad_writer_opts wo = { .format = f };
	struct ad_reader *r = NULL;
	struct ad_writer *w = NULL;
	struct ad_out *o = NULL;
	struct ad_block *b;
	enum ad_status st;

	if ((st = ad_reader_open(&r, &ro, err)) != AD_OK)
		return st;
	if ((st = ad_out_open(&o, out, err)) != AD_OK) {
		ad_reader_free(r);
		return st;
	}
	st = ad_writer_open(&w, o, ad_reader_schema(r), &wo, err);
	while (st == AD_OK && (st = ad_reader_next(r, &b, err)) == AD_OK &&
	    b->nrows > 0)
		st = ad_writer_write(w, b, NULL, err);
	if (st == AD_OK)
		st = ad_writer_finish(w, err);
	ad_writer_free(w);
	ad_reader_free(r);
	if (st != AD_OK) {
		ad_out_abort(o);
		return st;
	}
	return ad_out_close(o, err);
}

/* The CSV must come back byte for byte after a trip through binary. */
static void check_csv_identity(const char *csv, size_t len)
{
	struct ad_error err;
	char a[256], bin[256], b[256], *got;
	size_t glen = 0;

	put_file(in_scratch(a, "a.csv"), csv, len);
	CHECK(convert(a, in_scratch(bin, "a.adk"), AD_FORMAT_BIN, &err) == AD_OK);
	CHECK(convert(bin, in_scratch(b, "b.csv"), AD_FORMAT_CSV, &err) == AD_OK);
	got = get_file(b, &glen);
	CHECK(got != NULL && glen == len && memcmp(got, csv, len) == 0);
	if (got != NULL && (glen != len || memcmp(got, csv, len) != 0))
		fprintf(stderr, "want:\n%.*s\ngot:\n%.*s\n", (int)len, csv,
		    (int)glen, got);
	free(got);
	scratch_clear();
}

static void test_csv_binary_csv_identity(void)
{
	static const char csv[] =
	    "id,name,score,ratio,note\n"
	    "1,alice,0.5,-0,\"has, comma\"\n"
	    "2,\"bob \"\"the\"\" builder\",1e+308,5e-324,\n"
	    "3,carol,,inf,\"multi\nline\"\n"
	    "4,dave,-1.5,-inf,plain\n"
	    "5,,0.1,0.3333333333333333,caf\xc3\xa9\n"
	    "6,\"cr\rin\",9007199254740992,1.2345678901234568e+17, lead\n";
	struct buf { char *p; size_t len; } big = { NULL, 0 };
	size_t cap = 0;

	check_csv_identity(csv, sizeof csv - 1);

	/* more rows than one block */
	for (int i = 0; i < 10000; i++) {
		char line[128];
		int n = snprintf(line, sizeof line, i == 0 ?
		    "k,v,w\n%d,%d.25,\"t%d,x\"\n" : "%d,%d.25,\"t%d,x\"\n", i, i, i);
		if (big.len + (size_t)n + 1 > cap &&
		    (big.p = realloc(big.p, cap = 2 * (big.len + (size_t)n + 1))) == NULL)
			die("realloc");
		memcpy(big.p + big.len, line, (size_t)n);
		big.len += (size_t)n;
	}
	check_csv_identity(big.p, big.len);
	free(big.p);
}

static void test_one_column_csv_with_an_empty_cell(void)
{
	static const char num[] = "x\n1\n\"\"\n3\n";
	static const char text[] = "t\na\n\"\"\nb\n";
	struct ad_reader_opts ro = { 0 };
	struct readback rb;
	char path[256];

	put_file(in_scratch(path, "one.csv"), num, sizeof num - 1);
	read_back(path, &ro, &rb);
	CHECK(rb.st == AD_OK && rb.rows != NULL && rb.rows->nrows == 3);
	CHECK(rb.rows != NULL && rb.rows->nrows == 3 && isnan(rb.rows->num[1]));
	readback_free(&rb);
	scratch_clear();

	check_csv_identity(num, sizeof num - 1);
	check_csv_identity(text, sizeof text - 1);
}

/* ---- column maps and compaction ---- */

static struct ad_block *three_column_block(void)
{
	struct ad_block *b = make_block(3, 4);

	for (size_t r = 0; r < 4; r++) {
		char t[8];
		snprintf(t, sizeof t, "t%zu", r);
		b->num[r * 3] = (double)r + 0.5;
		set_text(b, r, 1, r == 2 ? NULL : t, strlen(t));
		b->num[r * 3 + 2] = -(double)r;
		b->line[r] = 10 + r;
	}
	b->nrows = 4;
	return b;
}

static void check_colmap(enum ad_format f, size_t nout, const size_t *map,
    const char *const *names, const enum ad_type *types)
{
	struct ad_schema *s = make_schema(nout, names, types);
	struct ad_block *b = three_column_block();
	struct ad_writer_opts wo = { .format = f };
	struct ad_reader_opts ro = { .types = s };
	struct readback rb;
	struct ad_error err;
	char path[256];
	int same = 1;

	in_scratch(path, "map.out");
	CHECK(write_block(path, s, b, map, &wo, &err) == AD_OK);
	read_back(path, &ro, &rb);
	CHECK(rb.st == AD_OK);
	CHECK(rb.schema != NULL && rb.schema->ncols == nout);
	CHECK(rb.rows != NULL && rb.rows->nrows == 4);
	for (size_t r = 0; rb.rows != NULL && r < rb.rows->nrows; r++)
		for (size_t j = 0; j < nout; j++)
			same = same && same_cell(b, r, map[j], rb.rows, r, j, types[j],
			    f == AD_FORMAT_CSV);
	CHECK(same);
	readback_free(&rb);
	unlink(path);
	ad_block_free(b);
	ad_schema_free(s);
}

static void test_colmap_subset_and_reorder(void)
{
	static const size_t reorder[] = { 2, 1, 0 };
	static const char *const reorder_names[] = { "c", "b", "a" };
	static const enum ad_type reorder_types[] = { AD_NUMERIC, AD_TEXT,
		AD_NUMERIC };
	static const size_t subset[] = { 2, 0 };
	static const char *const subset_names[] = { "c", "a" };
	static const enum ad_type subset_types[] = { AD_NUMERIC, AD_NUMERIC };
	static const size_t text_only[] = { 1 };
	static const char *const text_names[] = { "b" };
	static const enum ad_type text_types[] = { AD_TEXT };
	static const size_t twice[] = { 0, 1, 0 };
	static const char *const twice_names[] = { "a", "b", "a2" };
	static const enum ad_type twice_types[] = { AD_NUMERIC, AD_TEXT,
		AD_NUMERIC };

	for (int f = AD_FORMAT_CSV; f <= AD_FORMAT_BIN; f++) {
		check_colmap((enum ad_format)f, 3, reorder, reorder_names,
		    reorder_types);
		check_colmap((enum ad_format)f, 2, subset, subset_names,
		    subset_types);
		check_colmap((enum ad_format)f, 1, text_only, text_names,
		    text_types);
		check_colmap((enum ad_format)f, 3, twice, twice_names,
		    twice_types);
	}
}

static void test_block_compact(void)
{
	static const unsigned char keep[] = { 0, 1, 0, 1 };
	static const unsigned char all[] = { 1, 1 };
	static const unsigned char none[] = { 0, 0 };
	struct ad_block *b = three_column_block();
	size_t len;
	const char *t;

	ad_block_compact(b, keep);
	CHECK(b->nrows == 2);
	CHECK(b->num[0] == 1.5 && b->num[2] == -1.0);
	CHECK(b->num[3] == 3.5 && b->num[5] == -3.0);
	CHECK(b->line[0] == 11 && b->line[1] == 13);
	t = ad_block_text(b, 0, 1, &len);
	CHECK(t != NULL && len == 2 && memcmp(t, "t1", 2) == 0);
	t = ad_block_text(b, 1, 1, &len);
	CHECK(t != NULL && len == 2 && memcmp(t, "t3", 2) == 0);

	ad_block_compact(b, all);
	CHECK(b->nrows == 2 && b->line[1] == 13);
	ad_block_compact(b, none);
	CHECK(b->nrows == 0);
	ad_block_free(b);
}

/* A block of more rows than a binary block holds is split on writing. */
static void test_big_block_is_split_in_binary(void)
{
	enum { N = AD_BLOCK_ROWS + 904 };
	static const char *const names[] = { "x", "t" };
	static const enum ad_type types[] = { AD_NUMERIC, AD_TEXT };
	struct ad_schema *s = make_schema(2, names, types);
	struct ad_block *b = make_block(2, N);
	struct ad_writer_opts wo = { .format = AD_FORMAT_BIN };
	struct ad_reader_opts ro = { 0 };
	struct readback rb;
	struct ad_error err;
	char path[256];
	size_t bad_lines = 0;

	for (size_t r = 0; r < N; r++) {
		char t[16];
		snprintf(t, sizeof t, "r%zu", r);
		b->num[r * 2] = (double)r;
		set_text(b, r, 1, t, strlen(t));
	}
	b->nrows = N;
	in_scratch(path, "big.adk");
	CHECK(write_block(path, s, b, NULL, &wo, &err) == AD_OK);
	read_back(path, &ro, &rb);
	CHECK(rb.st == AD_OK);
	CHECK(rb.blocks == 2 && rb.largest_block == AD_BLOCK_ROWS);
	CHECK(same_rows(b, rb.rows, s, 0));
	for (size_t r = 0; rb.rows != NULL && r < rb.rows->nrows; r++)
		bad_lines += rb.rows->line[r] != r + 1;
	CHECK(bad_lines == 0);
	readback_free(&rb);
	unlink(path);
	ad_block_free(b);
	ad_schema_free(s);
}

/* ---- big numeric blocks, and reading a file twice ---- */

/* A numeric table of n rows and 20 columns, each value its own. */
static struct ad_block *numeric_table(struct ad_schema **s, size_t n)
{
	static const char *const names[20] = { "c1", "c2", "c3", "c4", "c5",
	    "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13", "c14", "c15",
	    "c16", "c17", "c18", "c19", "c20" };
	enum ad_type types[20] = { AD_NUMERIC };
	struct ad_block *b = make_block(20, n);

	*s = make_schema(20, names, types);
	for (size_t i = 0; i < n * 20; i++)
		b->num[i] = i % 97 == 5 ? NAN : (double)i * 0.5 - 1e5;
	b->nrows = n;
	return b;
}

/* Reads every row of r into all (which must have room). */
static enum ad_status read_all(struct ad_reader *r, struct ad_block *all,
    struct ad_error *err)
{
	struct ad_block *b;
	enum ad_status st;

	all->nrows = 0;
	while ((st = ad_reader_next(r, &b, err)) == AD_OK && b->nrows > 0) {
		if (all->nrows + b->nrows > all->cap)
			return AD_EDATA;
		memcpy(all->num + all->nrows * all->ncols, b->num,
		    b->nrows * b->ncols * sizeof *b->num);
		memcpy(all->line + all->nrows, b->line, b->nrows * sizeof *b->line);
		all->nrows += b->nrows;
	}
	return st;
}

/* Opens path as the reader's stdin, from offset skip. */
static struct ad_reader *open_as_stdin(const char *path, off_t skip,
    struct ad_error *err)
{
	struct ad_reader_opts ro = { 0 };
	struct ad_reader *r = NULL;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || lseek(fd, skip, SEEK_SET) != skip ||
	    dup2(fd, STDIN_FILENO) < 0)
		die(path);
	close(fd);
	if (ad_in_open(&ro.from, "-", err) != AD_OK ||
	    ad_reader_open(&r, &ro, err) != AD_OK)
		return NULL;
	return r;
}

/* Blocks whose numbers are larger than the input buffer are read straight
 * into the block: from a file and from a pipe (short reads), every value
 * and row number comes back. */
static void test_big_numeric_blocks_read_back(void)
{
	enum { N = 3 * AD_BLOCK_ROWS + 17 };
	struct ad_schema *s;
	struct ad_block *b = numeric_table(&s, N), *all = make_block(20, N);
	struct ad_writer_opts wo = { .format = AD_FORMAT_BIN };
	struct ad_reader_opts ro = { 0 };
	struct ad_reader *r = NULL;
	struct ad_error err;
	char path[256];
	int saved = dup(STDIN_FILENO), fds[2];
	pid_t pid;

	in_scratch(path, "wide.adk");
	CHECK(write_block(path, s, b, NULL, &wo, &err) == AD_OK);
	ro.path = path;
	CHECK(ad_reader_open(&r, &ro, &err) == AD_OK);
	CHECK(r != NULL && read_all(r, all, &err) == AD_OK);
	CHECK(same_rows(b, all, s, 0) && all->line[N - 1] == N);
	ad_reader_free(r);

	/* the same stream through a pipe, written slowly by a child */
	if (pipe(fds) != 0 || (pid = fork()) < 0)
		die("pipe");
	if (pid == 0) {
		size_t len;
		char *p = get_file(path, &len);
		close(fds[0]);
		for (size_t o = 0; p != NULL && o < len; o += 10007)
			if (write(fds[1], p + o, len - o < 10007 ? len - o : 10007) < 0)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (dup2(fds[0], STDIN_FILENO) < 0)
		die("dup2");
	close(fds[0]);
	ro.path = "-";
	CHECK(ad_reader_open(&r, &ro, &err) == AD_OK);
	CHECK(r != NULL && !ad_reader_can_rewind(r));
	CHECK(r != NULL && read_all(r, all, &err) == AD_OK);
	CHECK(same_rows(b, all, s, 0));
	CHECK(r != NULL && ad_reader_rewind(r, &err) == AD_EIO);
	ad_reader_free(r);
	waitpid(pid, NULL, 0);
	dup2(saved, STDIN_FILENO);
	close(saved);
	unlink(path);
	ad_block_free(all);
	ad_block_free(b);
	ad_schema_free(s);
}

/* A binary stream in a regular file can be read again, from its first row,
 * also as stdin that did not start at the file's beginning; CSV cannot. */
static void test_rewind_reads_the_rows_again(void)
{
	enum { N = AD_BLOCK_ROWS + 100 };
	struct ad_schema *s;
	struct ad_block *b = numeric_table(&s, N), *all = make_block(20, N);
	struct ad_writer_opts wo = { .format = AD_FORMAT_BIN };
	struct ad_reader_opts ro = { 0 };
	struct ad_reader *r = NULL;
	struct ad_error err;
	char path[256], csv[256], *p;
	size_t len;
	int saved = dup(STDIN_FILENO);

	in_scratch(path, "again.adk");
	CHECK(write_block(path, s, b, NULL, &wo, &err) == AD_OK);
	ro.path = path;
	CHECK(ad_reader_open(&r, &ro, &err) == AD_OK);
	CHECK(r != NULL && ad_reader_can_rewind(r));
	for (int pass = 0; r != NULL && pass < 3; pass++) {
		CHECK(read_all(r, all, &err) == AD_OK);
		CHECK(same_rows(b, all, s, 0) && all->line[0] == 1);
		CHECK(ad_reader_rows(r) == N);
		CHECK(ad_reader_rewind(r, &err) == AD_OK);
		CHECK(ad_reader_rows(r) == 0);
	}
	ad_reader_free(r);

	/* as stdin, 5 bytes into a file that starts with something else */
	p = get_file(path, &len);
	CHECK(p != NULL);
	if (p != NULL) {
		char *q = malloc(len + 5);
		if (q == NULL)
			die("malloc");
		memcpy(q, "junk!", 5);
		memcpy(q + 5, p, len);
		put_file(path, q, len + 5);
		free(q);
	}
	free(p);
	r = open_as_stdin(path, 5, &err);
	CHECK(r != NULL && ad_reader_can_rewind(r));
	for (int pass = 0; r != NULL && pass < 2; pass++) {
		CHECK(read_all(r, all, &err) == AD_OK);
		CHECK(same_rows(b, all, s, 0));
		CHECK(ad_reader_rewind(r, &err) == AD_OK);
	}
	ad_reader_free(r);
	dup2(saved, STDIN_FILENO);
	close(saved);

	in_scratch(csv, "again.csv");
	put_file(csv, "a,b\n1,2\n", 8);
	ro.path = csv;
	CHECK(ad_reader_open(&r, &ro, &err) == AD_OK);
	CHECK(r != NULL && !ad_reader_can_rewind(r));
	CHECK(r != NULL && ad_reader_rewind(r, &err) == AD_EIO);
	ad_reader_free(r);
	unlink(csv);
	unlink(path);
	ad_block_free(all);
	ad_block_free(b);
	ad_schema_free(s);
}

/* A block taken from the reader keeps its rows while the reader reads the
 * next ones into a new block. */
static void test_take_block(void)
{
	enum { N = AD_BLOCK_ROWS + 100 };
	struct ad_schema *s;
	struct ad_block *b = numeric_table(&s, N), *got, *taken = NULL;
	struct ad_writer_opts wo = { .format = AD_FORMAT_BIN };
	struct ad_reader_opts ro = { 0 };
	struct ad_reader *r = NULL;
	struct ad_error err;
	char path[256];

	in_scratch(path, "take.adk");
	CHECK(write_block(path, s, b, NULL, &wo, &err) == AD_OK);
	ro.path = path;
	CHECK(ad_reader_open(&r, &ro, &err) == AD_OK);
	CHECK(r != NULL && ad_reader_next(r, &got, &err) == AD_OK);
	CHECK(r != NULL && ad_reader_take_block(r, &taken, &err) == AD_OK);
	CHECK(taken == got && taken->nrows == AD_BLOCK_ROWS);
	CHECK(r != NULL && ad_reader_next(r, &got, &err) == AD_OK);
	CHECK(got != taken && got->nrows == 100 && got->line[0] == AD_BLOCK_ROWS + 1);
	CHECK(taken != NULL && taken->line[0] == 1 &&
	    memcmp(taken->num, b->num, AD_BLOCK_ROWS * 20 * sizeof *b->num) == 0);
	CHECK(got != NULL && memcmp(got->num, b->num + AD_BLOCK_ROWS * 20,
	    100 * 20 * sizeof *b->num) == 0);
	ad_block_free(taken);
	ad_reader_free(r);
	unlink(path);
	ad_block_free(b);
	ad_schema_free(s);
}

/* ---- broken binary streams ---- */

/* A small valid stream: 2 columns, 3 rows, text of every kind. */
static char *small_stream(size_t *len)
{
	static const char *const names[] = { "num", "txt" };
	static const enum ad_type types[] = { AD_NUMERIC, AD_TEXT };
	struct ad_schema *s = make_schema(2, names, types);
	struct ad_block *b = make_block(2, 3);
	struct ad_writer_opts wo = { .format = AD_FORMAT_BIN };
	struct ad_error err;
	char path[256], *p;

	b->num[0] = 1.5;
	set_text(b, 0, 1, "ab", 2);
	b->num[2] = NAN;
	set_text(b, 1, 1, NULL, 0);
	b->num[4] = -0.0;
	set_text(b, 2, 1, "", 0);
	b->nrows = 3;
	in_scratch(path, "small.adk");
	if (write_block(path, s, b, NULL, &wo, &err) != AD_OK ||
	    (p = get_file(path, len)) == NULL)
		die("small_stream");
	unlink(path);
	ad_block_free(b);
	ad_schema_free(s);
	return p;
}

/* Opens data as a stream and reads it to the end: the final status. */
static enum ad_status read_bytes(const void *data, size_t len,
    struct ad_error *err)
{
	struct ad_reader_opts o = { 0 };
	struct ad_reader *r = NULL;
	struct ad_block *b;
	enum ad_status st;
	char path[256];

	put_file(in_scratch(path, "broken.adk"), data, len);
	o.path = path;
	st = ad_reader_open(&r, &o, err);
	unlink(path);
	while (st == AD_OK && (st = ad_reader_next(r, &b, err)) == AD_OK &&
	    b->nrows > 0)
		;
	ad_reader_free(r);
	return st;
}

static void test_small_stream_reads_back(void)
{
	size_t len;
	char *p = small_stream(&len);
	struct ad_error err;

	/* 16 + 2 x (5 + 3) header, 16 + 24 + (4 + 2) + 4 + 4 block, 16 end */
	CHECK(len == 16 + 16 + 16 + 24 + 14 + 16);
	CHECK(read_bytes(p, len, &err) == AD_OK);
	free(p);
}

static void test_truncated_stream_at_every_offset(void)
{
	size_t len, failures = 0;
	char *p = small_stream(&len);

	for (size_t cut = 0; cut < len; cut++) {
		struct ad_error err;
		enum ad_status st = read_bytes(p, cut, &err);
		if (st != AD_EDATA) {
			fprintf(stderr, "cut at %zu of %zu: status %d\n", cut, len,
			    (int)st);
			failures++;
		}
	}
	CHECK(failures == 0);
	free(p);
}

static void test_wrong_version(void)
{
	size_t len;
	char *p = small_stream(&len);
	struct ad_error err;

	p[8] = 3;
	CHECK(read_bytes(p, len, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "version") != NULL);
	/* a version 1 stream called version 2 lacks the lineage */
	p[8] = 2;
	CHECK(read_bytes(p, len, &err) == AD_EDATA);
	p[8] = 0;
	CHECK(read_bytes(p, len, &err) == AD_EDATA);
	free(p);
}

static void test_trailing_data(void)
{
	size_t len;
	char *p = small_stream(&len), *q = malloc(len + 16);
	struct ad_error err;

	if (q == NULL)
		die("malloc");
	memcpy(q, p, len);
	q[len] = 'x';
	CHECK(read_bytes(q, len + 1, &err) == AD_EDATA);
	memcpy(q + len, p + len - 16, 16);      /* a second end record */
	CHECK(read_bytes(q, len + 16, &err) == AD_EDATA);
	free(q);
	free(p);
}

static void test_wrong_end_total(void)
{
	size_t len;
	char *p = small_stream(&len);
	struct ad_error err;

	p[len - 8] = 2;                          /* 3 rows, says 2 */
	CHECK(read_bytes(p, len, &err) == AD_EDATA);
	p[len - 8] = 4;
	CHECK(read_bytes(p, len, &err) == AD_EDATA);
	p[len - 8] = 3;
	p[len - 1] = 1;                          /* a high byte */
	CHECK(read_bytes(p, len, &err) == AD_EDATA);
	free(p);
}

/* Every byte of the stream flipped, bit by bit and whole: each read must
 * end in an error or a valid read, without a huge allocation. */
static void test_flipped_bytes(void)
{
	enum { HUGE_REQUEST = 16 << 20 };
	size_t len, odd = 0;
	char *p = small_stream(&len);

	largest_request = 0;
	for (size_t i = 0; i < len; i++)
		for (int k = 0; k <= 8; k++) {
			unsigned char mask = k < 8 ? (unsigned char)(1u << k) : 0xff;
			struct ad_error err;
			enum ad_status st;

			p[i] = (char)(p[i] ^ mask);
			st = read_bytes(p, len, &err);
			p[i] = (char)(p[i] ^ mask);
			if (st != AD_OK && st != AD_EDATA) {
				fprintf(stderr, "byte %zu ^ 0x%02x: status %d\n", i, mask,
				    (int)st);
				odd++;
			}
		}
	CHECK(odd == 0);
	CHECK(largest_request < HUGE_REQUEST);
	free(p);
}

/* A block header claiming the longest payload still allocates only as the
 * bytes arrive. */
static void test_huge_payload_claim(void)
{
	size_t len;
	char *p = small_stream(&len);
	size_t block = 16 + 2 * (5 + 3);         /* where the block header is */
	struct ad_error err;

	largest_request = 0;
	memset(p + block + 8, 0xff, 8);
	CHECK(read_bytes(p, len, &err) == AD_EDATA);
	CHECK(largest_request < (16u << 20));
	memset(p + block, 0xff, 4);              /* and the most rows */
	CHECK(read_bytes(p, len, &err) == AD_EDATA);
	free(p);
}

/* ---- ad_out ---- */

static void test_out_abort_leaves_nothing(void)
{
	struct ad_out *out = NULL;
	struct ad_error err;
	char path[256];

	in_scratch(path, "aborted.csv");
	CHECK(ad_out_open(&out, path, &err) == AD_OK);
	CHECK(ad_out_write(out, "hello\n", 6, &err) == AD_OK);
	CHECK(!file_exists(path));               /* invisible while written */
	ad_out_abort(out);
	CHECK(!file_exists(path));
	CHECK(scratch_entries() == 0);
	ad_out_abort(NULL);
}

/* A rejected row as --rejects keeps it: line number first, fields quoted
 * as CSV needs, with the input's delimiter. */
static void test_reject_rows(void)
{
	const char *fields[] = { "a;b", "say \"hi\"", "", "x" };
	const size_t lens[] = { 3, 8, 0, 1 };
	struct ad_reject_out rej = { NULL, ';' };
	struct ad_error err;
	char path[256], *got;
	size_t len = 0;

	in_scratch(path, "rejects.csv");
	CHECK(ad_out_open(&rej.out, path, &err) == AD_OK);
	CHECK(ad_writer_reject(&rej, 17, 4, fields, lens, &err) == AD_OK);
	CHECK(ad_writer_reject(&rej, 18446744073709551615u, 0, NULL, NULL,
	    &err) == AD_OK);
	CHECK(ad_out_close(rej.out, &err) == AD_OK);
	got = get_file(path, &len);
	CHECK(got != NULL && len == strlen("17;\"a;b\";\"say \"\"hi\"\"\";;x\n"
	    "18446744073709551615\n") && memcmp(got, "17;\"a;b\";\"say "
	    "\"\"hi\"\"\";;x\n18446744073709551615\n", len) == 0);
	free(got);
	scratch_clear();
}

static void test_out_close_publishes(void)
{
	static char big[300000];
	struct ad_out *out = NULL;
	struct ad_error err;
	char path[256], *got;
	size_t len = 0;

	memset(big, 'z', sizeof big);
	in_scratch(path, "closed.csv");
	CHECK(ad_out_open(&out, path, &err) == AD_OK);
	CHECK_STR(ad_out_name(out), path);
	CHECK(ad_out_write(out, "hello\n", 6, &err) == AD_OK);
	CHECK(ad_out_write(out, big, sizeof big, &err) == AD_OK);
	CHECK(ad_out_close(out, &err) == AD_OK);
	got = get_file(path, &len);
	CHECK(got != NULL && len == 6 + sizeof big);
	CHECK(got != NULL && memcmp(got, "hello\n", 6) == 0 &&
	    memcmp(got + 6, big, sizeof big) == 0);
	free(got);
	CHECK(scratch_entries() == 1);
	scratch_clear();
}

static void test_existing_target_replaced_only_on_success(void)
{
	struct ad_out *out = NULL;
	struct ad_error err;
	char path[256], *got;
	size_t len = 0;

	put_file(in_scratch(path, "target.csv"), "old\n", 4);

	CHECK(ad_out_open(&out, path, &err) == AD_OK);
	CHECK(ad_out_write(out, "new\n", 4, &err) == AD_OK);
	ad_out_abort(out);
	got = get_file(path, &len);
	CHECK(got != NULL && len == 4 && memcmp(got, "old\n", 4) == 0);
	free(got);
	CHECK(scratch_entries() == 1);

	CHECK(ad_out_open(&out, path, &err) == AD_OK);
	CHECK(ad_out_write(out, "newer\n", 6, &err) == AD_OK);
	got = get_file(path, &len);              /* not yet */
	CHECK(got != NULL && len == 4 && memcmp(got, "old\n", 4) == 0);
	free(got);
	CHECK(ad_out_close(out, &err) == AD_OK);
	got = get_file(path, &len);
	CHECK(got != NULL && len == 6 && memcmp(got, "newer\n", 6) == 0);
	free(got);
	CHECK(scratch_entries() == 1);
	scratch_clear();
}

static void test_dev_full_is_an_io_error(void)
{
	static char big[300000];
	struct ad_out *out = NULL;
	struct ad_error err;

	if (!file_exists("/dev/full"))
		return;
	/* small writes fail when flushed at close */
	memset(&err, 0, sizeof err);
	CHECK(ad_out_open(&out, "/dev/full", &err) == AD_OK);
	CHECK(ad_out_write(out, "x\n", 2, &err) == AD_OK);
	CHECK(ad_out_close(out, &err) == AD_EIO);
	CHECK(err.code == AD_EIO);
	CHECK_STR(err.file, "/dev/full");
	CHECK(strstr(err.msg, strerror(ENOSPC)) != NULL);

	/* a write larger than the buffer fails at once */
	memset(&err, 0, sizeof err);
	CHECK(ad_out_open(&out, "/dev/full", &err) == AD_OK);
	CHECK(ad_out_write(out, big, sizeof big, &err) == AD_EIO);
	CHECK_STR(err.file, "/dev/full");
	ad_out_abort(out);

	/* and through a writer */
	{
		static const char *const names[] = { "x" };
		static const enum ad_type types[] = { AD_NUMERIC };
		struct ad_schema *s = make_schema(1, names, types);
		struct ad_block *b = make_block(1, 1);
		struct ad_writer_opts wo = { .format = AD_FORMAT_BIN };

		b->num[0] = 1;
		b->nrows = 1;
		memset(&err, 0, sizeof err);
		CHECK(write_block("/dev/full", s, b, NULL, &wo, &err) == AD_EIO);
		CHECK_STR(err.file, "/dev/full");
		ad_block_free(b);
		ad_schema_free(s);
	}
}

static void test_out_to_missing_directory(void)
{
	struct ad_out *out = NULL;
	struct ad_error err;

	CHECK(ad_out_open(&out, "/nonexistent-adkit-dir/x.csv", &err) == AD_EIO);
	CHECK_STR(err.file, "/nonexistent-adkit-dir/x.csv");
}

/* Writes text to path through ad_out; the status of the close. */
static enum ad_status out_put(const char *path, const char *text)
{
	struct ad_out *out = NULL;
	struct ad_error err;
	enum ad_status st;

	if ((st = ad_out_open(&out, path, &err)) != AD_OK)
		return st;
	if ((st = ad_out_write(out, text, strlen(text), &err)) != AD_OK) {
		ad_out_abort(out);
		return st;
	}
	return ad_out_close(out, &err);
}

static int is_symlink(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode);
}

/* Output through a symlink replaces its target and keeps the link. */
static void test_out_through_symlink(void)
{
	struct ad_out *out = NULL;
	struct ad_error err;
	char link[256], target[256];

	put_file(in_scratch(target, "target.csv"), "old\n", 4);
	if (symlink("target.csv", in_scratch(link, "link.csv")) != 0)
		die("symlink");
	CHECK(out_put(link, "new\n") == AD_OK);
	CHECK(is_symlink(link));
	CHECK(file_is(target, "new\n"));

	CHECK(ad_out_open(&out, link, &err) == AD_OK);
	CHECK(ad_out_write(out, "aborted\n", 8, &err) == AD_OK);
	ad_out_abort(out);
	CHECK(is_symlink(link));
	CHECK(file_is(target, "new\n"));
	CHECK(scratch_entries() == 2);
	scratch_clear();
}

/* A symlink to a file not yet there creates it, as `>` in a shell does. */
static void test_out_through_dangling_symlink(void)
{
	char link[256], target[256];
	enum ad_status st;

	in_scratch(target, "later.csv");
	if (symlink("later.csv", in_scratch(link, "link.csv")) != 0)
		die("symlink");
	st = out_put(link, "made\n");
	CHECK(st == AD_OK);
	CHECK(is_symlink(link));
	CHECK(file_is(target, "made\n"));
	scratch_clear();
}

/* A regular file under /dev (a tmpfs such as /dev/shm) is an ordinary
 * output: created when missing, replaced whole when present. */
static void test_out_regular_file_under_dev(void)
{
	char path[64];
	int fd;

	if (access("/dev/shm", W_OK) != 0)
		return;
	snprintf(path, sizeof path, "/dev/shm/adkit-writer-XXXXXX");
	if ((fd = mkstemp(path)) < 0)
		return;
	close(fd);
	unlink(path);
	CHECK(out_put(path, "created\n") == AD_OK);
	CHECK(file_is(path, "created\n"));

	put_file(path, "a much longer old content\n", 26);
	CHECK(out_put(path, "short\n") == AD_OK);
	CHECK(file_is(path, "short\n"));
	unlink(path);
}

int main(void)
{
	snprintf(scratch, sizeof scratch, "/tmp/adkit-writer-XXXXXX");
	if (mkdtemp(scratch) == NULL)
		die("mkdtemp");
	for (int f = AD_FORMAT_CSV; f <= AD_FORMAT_BIN; f++) {
		test_numbers_round_trip((enum ad_format)f);
		test_lone_numeric_column_round_trip((enum ad_format)f);
		test_texts_round_trip((enum ad_format)f);
		test_no_rows_round_trip((enum ad_format)f);
	}
	test_binary_types_must_match();
	test_binary_keeps_what_csv_cannot();
	test_csv_writer_options();
	test_csv_binary_csv_identity();
	test_one_column_csv_with_an_empty_cell();
	test_colmap_subset_and_reorder();
	test_block_compact();
	test_big_block_is_split_in_binary();
	test_big_numeric_blocks_read_back();
	test_rewind_reads_the_rows_again();
	test_take_block();
	test_small_stream_reads_back();
	test_truncated_stream_at_every_offset();
	test_wrong_version();
	test_trailing_data();
	test_wrong_end_total();
	test_flipped_bytes();
	test_huge_payload_claim();
	scratch_clear();
	test_out_abort_leaves_nothing();
	test_out_close_publishes();
	test_reject_rows();
	test_existing_target_replaced_only_on_success();
	test_dev_full_is_an_io_error();
	test_out_to_missing_directory();
	test_out_through_symlink();
	test_out_through_dangling_symlink();
	test_out_regular_file_under_dev();
	scratch_clear();
	rmdir(scratch);
	return CHECK_DONE("test_writer");
}
