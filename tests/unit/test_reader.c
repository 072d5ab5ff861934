/*
 * Tests for lib/reader: CSV (and, through `from`, any ad_in) read with
 * ad_reader_open/ad_reader_next. Every input is written to a temporary file
 * in /tmp, which is unlinked as soon as the reader has opened it.
 *
 * Most checks go through read_table(), which copies everything a read
 * produced (schema, cells, line numbers, counters, the first error) into a
 * plain struct table, so a test states its expectations about one value.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block.h"
#include "in.h"
#include "reader.h"
#include "schema.h"

#include "bits.h"
#include "check.h"
#include "failalloc.h"
#include "oomloop.h"

/* ---- helpers ---- */

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		perror("test_reader");
		exit(2);
	}
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL) {
		perror("test_reader");
		exit(2);
	}
	return p;
}

/* Writes data to a new file under /tmp; path gets its name. */
static void tmp_write(char path[static 32], const void *data, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, 32, "/tmp/adkit-reader-XXXXXX");
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "wb")) == NULL) {
		perror("test_reader: mkstemp");
		exit(2);
	}
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror("test_reader: write");
		exit(2);
	}
}

/* Growable byte buffer for building inputs. */
struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void buf_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_add(b, tmp, (size_t)n);
}

/* Everything a read produced, copied out of the reader. */
struct table {
	enum ad_status st;   /* AD_OK, or the open's or first next's failure */
	int opened;          /* ad_reader_open succeeded */
	struct ad_error err;
	enum ad_format format;
	size_t ncols;
	char **names;
	enum ad_type *types;
	size_t nrows, cap;
	double *num;         /* nrows x ncols */
	char **text;         /* nrows x ncols; NULL: missing or numeric column */
	size_t *tlen;
	uint64_t *line;      /* per row */
	uint64_t rows, rejected; /* the reader's counters at the end */
	uint64_t *invalid;   /* per column */
};

static void table_free(struct table *t)
{
	for (size_t c = 0; c < t->ncols; c++)
		free(t->names[c]);
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->text[i]);
	free(t->names);
	free(t->types);
	free(t->num);
	free(t->text);
	free(t->tlen);
	free(t->line);
	free(t->invalid);
	memset(t, 0, sizeof *t);
}

static void table_add_block(struct table *t, const struct ad_block *b)
{
	size_t nc = t->ncols;

	if (t->nrows + b->nrows > t->cap) {
		t->cap = (t->nrows + b->nrows) * 2;
		t->num = xrealloc(t->num, t->cap * (nc ? nc : 1) * sizeof *t->num);
		t->text = xrealloc(t->text, t->cap * (nc ? nc : 1) *
		    sizeof *t->text);
		t->tlen = xrealloc(t->tlen, t->cap * (nc ? nc : 1) *
		    sizeof *t->tlen);
		t->line = xrealloc(t->line, t->cap * sizeof *t->line);
	}
	for (size_t r = 0; r < b->nrows; r++, t->nrows++) {
		t->line[t->nrows] = b->line[r];
		for (size_t c = 0; c < nc; c++) {
			size_t k = t->nrows * nc + c, len = 0;
			const char *s = NULL;

			t->num[k] = b->num[r * b->ncols + c];
			if (t->types[c] == AD_TEXT)
				s = ad_block_text(b, r, c, &len);
			t->text[k] = NULL;
			t->tlen[k] = len;
			if (s != NULL) {
				t->text[k] = xmalloc(len + 1);
				memcpy(t->text[k], s, len);
				t->text[k][len] = '\0';
			}
		}
	}
}

/* Copies into t everything an open reader gives, to its end or first
 * error. */
static void read_reader(struct ad_reader *r, struct table *t)
{
	const struct ad_schema *s = ad_reader_schema(r);
	struct ad_block *b;

	t->opened = 1;
	t->format = ad_reader_format(r);
	t->ncols = s->ncols;
	t->names = xmalloc(s->ncols * sizeof *t->names);
	t->types = xmalloc(s->ncols * sizeof *t->types);
	for (size_t c = 0; c < s->ncols; c++) {
		size_t n = strlen(s->cols[c].name) + 1;
		t->names[c] = memcpy(xmalloc(n), s->cols[c].name, n);
		t->types[c] = s->cols[c].type;
	}
	for (;;) {
		t->st = ad_reader_next(r, &b, &t->err);
		if (t->st != AD_OK || b->nrows == 0)
			break;
		table_add_block(t, b);
	}
	t->rows = ad_reader_rows(r);
	t->rejected = ad_reader_rejected(r);
	t->invalid = xmalloc(s->ncols * sizeof *t->invalid);
	memcpy(t->invalid, ad_reader_invalid(r), s->ncols * sizeof *t->invalid);
}

/* Writes data[0..len) to a temporary file and reads it all with opts. */
static void read_table(const void *data, size_t len,
    const struct ad_reader_opts *opts, struct table *t)
{
	struct ad_reader_opts o = *opts;
	struct ad_reader *r = NULL;
	char path[32];

	memset(t, 0, sizeof *t);
	tmp_write(path, data, len);
	o.path = path;
	t->st = ad_reader_open(&r, &o, &t->err);
	unlink(path);
	if (t->st != AD_OK)
		return;
	read_reader(r, t);
	ad_reader_free(r);
}

/* A pipe's writer: a thread, not a child, since forking a process that
 * has mapped the large tests' tables costs more than the reads. */
struct feed {
	int fd;
	const char *p;
	size_t len;
};

/* Writes the feed and closes its end; a reader that stopped early makes
 * the write fail with EPIPE (SIGPIPE is ignored), which ends it too. */
static void *feed_pipe(void *arg)
{
	struct feed *f = arg;

	while (f->len > 0) {
		ssize_t n = write(f->fd, f->p, f->len);
		if (n <= 0)
			break;
		f->p += n;
		f->len -= (size_t)n;
	}
	close(f->fd);
	return NULL;
}

/* Reads data[0..len) with opts through a pipe (written by a thread), so
 * the reader copies what it keeps instead of slicing a mapped file; the
 * status of the open or of the first failure is returned too. */
static enum ad_status read_piped(const void *data, size_t len,
    const struct ad_reader_opts *opts, struct table *t)
{
	struct ad_reader_opts o = *opts;
	struct ad_reader *r = NULL;
	char path[32];
	int fd[2];
	struct feed f;
	pthread_t writer;

	memset(t, 0, sizeof *t);
	if (pipe(fd) != 0) {
		perror("test_reader: pipe");
		exit(2);
	}
	f.fd = fd[1];
	f.p = data;
	f.len = len;
	if (pthread_create(&writer, NULL, feed_pipe, &f) != 0) {
		fprintf(stderr, "test_reader: no thread\n");
		exit(2);
	}
	snprintf(path, sizeof path, "/dev/fd/%d", fd[0]);
	o.path = path;
	t->st = ad_reader_open(&r, &o, &t->err);
	if (t->st == AD_OK) {
		read_reader(r, t);
		ad_reader_free(r);
	}
	close(fd[0]);
	pthread_join(writer, NULL);
	return t->st;
}

static void read_csv(const char *csv, const struct ad_reader_opts *opts,
    struct table *t)
{
	read_table(csv, strlen(csv), opts, t);
}

/* Reads csv with the default options. */
static void read_plain(const char *csv, struct table *t)
{
	struct ad_reader_opts o = { 0 };

	read_csv(csv, &o, t);
}

static double num_at(const struct table *t, size_t r, size_t c)
{
	if (r >= t->nrows || c >= t->ncols)
		return -12345.678; /* a value no test expects */
	return t->num[r * t->ncols + c];
}

static const char *text_at(const struct table *t, size_t r, size_t c)
{
	if (r >= t->nrows || c >= t->ncols)
		return "<no such cell>";
	return t->text[r * t->ncols + c];
}

static size_t tlen_at(const struct table *t, size_t r, size_t c)
{
	if (r >= t->nrows || c >= t->ncols)
		return SIZE_MAX - 1;
	return t->tlen[r * t->ncols + c];
}

static uint64_t line_at(const struct table *t, size_t r)
{
	return r < t->nrows ? t->line[r] : 0;
}

static const char *name_at(const struct table *t, size_t c)
{
	return c < t->ncols ? t->names[c] : "<no such column>";
}

static int type_is(const struct table *t, size_t c, enum ad_type ty)
{
	return c < t->ncols && t->types[c] == ty;
}

/* Whether a cell is exactly v, bit for bit. */
static int num_is(const struct table *t, size_t r, size_t c, double v)
{
	return bits_of(num_at(t, r, c)) == bits_of(v);
}

static int is_missing_num(const struct table *t, size_t r, size_t c)
{
	return r < t->nrows && c < t->ncols && isnan(num_at(t, r, c));
}

static int text_is(const struct table *t, size_t r, size_t c, const char *s)
{
	const char *got = text_at(t, r, c);

	return got != NULL && tlen_at(t, r, c) == strlen(s) &&
	    memcmp(got, s, strlen(s)) == 0;
}

static int is_missing_text(const struct table *t, size_t r, size_t c)
{
	return r < t->nrows && c < t->ncols && text_at(t, r, c) == NULL;
}

/* Whether two reads gave the same result, cell bits and errors included. */
static int tables_equal(const struct table *a, const struct table *b)
{
	if (a->st != b->st || a->opened != b->opened || a->ncols != b->ncols ||
	    a->nrows != b->nrows || a->rows != b->rows ||
	    a->rejected != b->rejected)
		return 0;
	if (a->st != AD_OK && (a->err.line != b->err.line ||
	    a->err.col != b->err.col || strcmp(a->err.msg, b->err.msg) != 0))
		return 0;
	for (size_t c = 0; c < a->ncols; c++)
		if (strcmp(a->names[c], b->names[c]) != 0 ||
		    a->types[c] != b->types[c] || a->invalid[c] != b->invalid[c])
			return 0;
	for (size_t r = 0; r < a->nrows; r++) {
		if (a->line[r] != b->line[r])
			return 0;
		for (size_t c = 0; c < a->ncols; c++) {
			size_t k = r * a->ncols + c;
			if (bits_of(a->num[k]) != bits_of(b->num[k]) &&
			    !(isnan(a->num[k]) && isnan(b->num[k])))
				return 0;
			if ((a->text[k] == NULL) != (b->text[k] == NULL))
				return 0;
			if (a->text[k] != NULL && (a->tlen[k] != b->tlen[k] ||
			    memcmp(a->text[k], b->text[k], a->tlen[k]) != 0))
				return 0;
		}
	}
	return 1;
}

/* Collects what on_reject receives. */
struct reject_log {
	size_t n;
	uint64_t line[8];
	size_t nfields[8];
	char first[8][16];         /* first field, cut to 15 bytes */
	enum ad_status answer;     /* what the callback returns */
};

static enum ad_status log_reject(void *ctx, uint64_t line, size_t nfields,
    const char *const *fields, const size_t *lens, struct ad_error *err)
{
	struct reject_log *log = ctx;

	if (log->n < 8) {
		size_t n = lens[0] < 15 ? lens[0] : 15;
		log->line[log->n] = line;
		log->nfields[log->n] = nfields;
		memcpy(log->first[log->n], fields[0], n);
		log->first[log->n][n] = '\0';
	}
	log->n++;
	if (log->answer != AD_OK)
		return ad_error_set(err, log->answer, "stopped by the callback");
	return AD_OK;
}

/* ---- header ---- */

static void test_header_gives_names(void)
{
	struct table t;

	read_plain("alpha,beta\n1,2\n3,4\n", &t);
	CHECK(t.st == AD_OK);
	CHECK(t.format == AD_FORMAT_CSV);
	CHECK(t.ncols == 2);
	CHECK_STR(name_at(&t, 0), "alpha");
	CHECK_STR(name_at(&t, 1), "beta");
	CHECK(t.nrows == 2 && t.rows == 2);
	CHECK(num_is(&t, 0, 0, 1) && num_is(&t, 0, 1, 2));
	CHECK(num_is(&t, 1, 0, 3) && num_is(&t, 1, 1, 4));
	CHECK(line_at(&t, 0) == 2 && line_at(&t, 1) == 3);
	table_free(&t);
}

static void test_no_header_names_columns_c1_to_cn(void)
{
	struct ad_reader_opts o = { .no_header = 1 };
	struct table t;

	read_csv("1,2,3\n4,5,6\n", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(t.ncols == 3);
	CHECK_STR(name_at(&t, 0), "c1");
	CHECK_STR(name_at(&t, 1), "c2");
	CHECK_STR(name_at(&t, 2), "c3");
	CHECK(t.nrows == 2);
	CHECK(num_is(&t, 0, 0, 1) && num_is(&t, 1, 2, 6));
	CHECK(line_at(&t, 0) == 1 && line_at(&t, 1) == 2);
	table_free(&t);
}

static void test_empty_header_name_is_generated(void)
{
	struct table t;

	read_plain("a,,c\n1,2,3\n", &t);
	CHECK(t.st == AD_OK);
	CHECK_STR(name_at(&t, 1), "c2");
	table_free(&t);
}

static void test_duplicate_header_is_rejected_at_its_column(void)
{
	struct table t;

	read_plain("a,b,a\n1,2,3\n", &t);
	CHECK(t.st == AD_EDATA && !t.opened);
	CHECK(t.err.code == AD_EDATA);
	CHECK(t.err.line == 1 && t.err.col == 3);
	CHECK(strstr(t.err.msg, "\"a\"") != NULL);
	table_free(&t);
}

static void test_invalid_utf8_header_is_rejected_at_its_column(void)
{
	const char *bad[] = {
		"a,b\xff,c\n1,2,3\n",          /* not UTF-8 at all */
		"a,\xc0\xaf,c\n1,2,3\n",       /* overlong '/' */
		"a,\xed\xa0\x80,c\n1,2,3\n",   /* a surrogate */
		"a,x\xe2\x82,c\n1,2,3\n",      /* truncated sequence */
		"a,x\x01y,c\n1,2,3\n",         /* control byte */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct table t;
		read_plain(bad[i], &t);
		CHECK(t.st == AD_EDATA);
		CHECK(t.err.line == 1 && t.err.col == 2);
		table_free(&t);
	}
}

static void test_utf8_header_is_accepted(void)
{
	struct table t;

	read_plain("caf\xc3\xa9,\xe2\x82\xac,\xf0\x9f\x98\x80\n1,2,3\n", &t);
	CHECK(t.st == AD_OK);
	CHECK_STR(name_at(&t, 0), "caf\xc3\xa9");
	CHECK_STR(name_at(&t, 2), "\xf0\x9f\x98\x80");
	table_free(&t);
}

/* ---- CSV syntax ---- */

static void test_quoted_fields(int no_fast_path)
{
	struct ad_reader_opts o = { .no_fast_path = no_fast_path };
	struct table t;

	read_csv("id,text\n"
	    "1,\"a,b\"\n"
	    "2,\"say \"\"hi\"\"\"\n"
	    "3,\"line1\nline2\nline3\"\n"
	    "4,after\n"
	    "5,\"\"\n", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 1, AD_TEXT));
	CHECK(t.nrows == 5);
	CHECK(text_is(&t, 0, 1, "a,b"));
	CHECK(text_is(&t, 1, 1, "say \"hi\""));
	CHECK(text_is(&t, 2, 1, "line1\nline2\nline3"));
	CHECK(text_is(&t, 3, 1, "after"));
	CHECK(is_missing_text(&t, 4, 1)); /* "" is a default missing token */
	CHECK(line_at(&t, 0) == 2 && line_at(&t, 1) == 3);
	CHECK(line_at(&t, 2) == 4);     /* where the record starts */
	CHECK(line_at(&t, 3) == 7);     /* the next one, after two more lines */
	CHECK(line_at(&t, 4) == 8);
	table_free(&t);
}

static void test_quoted_field_may_hold_a_quoted_header(void)
{
	struct table t;

	read_plain("\"a,1\",\"b\"\"2\"\nx,y\n", &t);
	CHECK(t.st == AD_OK);
	CHECK_STR(name_at(&t, 0), "a,1");
	CHECK_STR(name_at(&t, 1), "b\"2");
	table_free(&t);
}

static void test_crlf(int no_fast_path)
{
	struct ad_reader_opts o = { .no_fast_path = no_fast_path };
	struct table t;

	read_csv("a,b\r\n1,x\r\n2,\"p\r\nq\"\r\n3,z\r\n", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK_STR(name_at(&t, 1), "b");
	CHECK(t.nrows == 3);
	CHECK(num_is(&t, 0, 0, 1) && text_is(&t, 0, 1, "x"));
	CHECK(text_is(&t, 1, 1, "p\r\nq"));
	CHECK(text_is(&t, 2, 1, "z"));
	CHECK(line_at(&t, 0) == 2 && line_at(&t, 1) == 3 && line_at(&t, 2) == 5);
	table_free(&t);
}

static void test_utf8_bom_is_skipped(void)
{
	struct table t;

	read_plain("\xEF\xBB\xBF" "a,b\n1,2\n", &t);
	CHECK(t.st == AD_OK);
	CHECK_STR(name_at(&t, 0), "a");
	CHECK(num_is(&t, 0, 0, 1));
	table_free(&t);

	read_plain("\xEF\xBB\xBF", &t);      /* a BOM alone is an empty input */
	CHECK(t.st == AD_EDATA);
	table_free(&t);
}

static void test_no_final_newline(int no_fast_path)
{
	struct ad_reader_opts o = { .no_fast_path = no_fast_path };
	struct table t;

	read_csv("a,b\n1,2\n3,4", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(t.nrows == 2);
	CHECK(num_is(&t, 1, 0, 3) && num_is(&t, 1, 1, 4));
	CHECK(line_at(&t, 1) == 3);
	table_free(&t);

	read_csv("a,b\n1,\"x\ny\"", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(t.nrows == 1);
	CHECK(text_is(&t, 0, 1, "x\ny"));
	CHECK(line_at(&t, 0) == 2);
	table_free(&t);

	read_csv("a,b\n1,", &o, &t);         /* last field empty */
	CHECK(t.st == AD_OK);
	CHECK(t.nrows == 1 && is_missing_num(&t, 0, 1));
	table_free(&t);
}

static void test_blank_lines_are_skipped(int no_fast_path)
{
	struct ad_reader_opts o = { .no_fast_path = no_fast_path };
	struct table t;

	read_csv("\na\n1\n\n2\n\r\n3\n\n", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK_STR(name_at(&t, 0), "a");
	CHECK(t.nrows == 3 && t.rejected == 0);
	CHECK(num_is(&t, 0, 0, 1) && num_is(&t, 1, 0, 2) && num_is(&t, 2, 0, 3));
	CHECK(line_at(&t, 0) == 3 && line_at(&t, 1) == 5 && line_at(&t, 2) == 7);
	table_free(&t);
}

static void test_empty_input(void)
{
	struct ad_reader_opts o = { .no_header = 1 };
	struct table t;

	read_plain("", &t);
	CHECK(t.st == AD_EDATA && !t.opened);
	CHECK(t.err.line == 1);
	table_free(&t);

	read_plain("\n\n", &t);              /* blank lines only: still empty */
	CHECK(t.st == AD_EDATA);
	table_free(&t);

	read_csv("", &o, &t);
	CHECK(t.st == AD_OK && t.opened);
	CHECK(t.ncols == 0 && t.nrows == 0);
	table_free(&t);
}

static void test_header_only(void)
{
	struct table t;

	read_plain("a,b\n", &t);
	CHECK(t.st == AD_OK);
	CHECK(t.ncols == 2 && t.nrows == 0 && t.rows == 0);
	CHECK(type_is(&t, 0, AD_NUMERIC) && type_is(&t, 1, AD_NUMERIC));
	table_free(&t);

	read_plain("a,b", &t);               /* and without its newline */
	CHECK(t.st == AD_OK);
	CHECK(t.ncols == 2 && t.nrows == 0);
	table_free(&t);
}

static void test_one_megabyte_field(void)
{
	enum { BIG = 1 << 20 };
	struct buf in = { 0 };
	char *big = xmalloc(BIG);
	struct table t;
	int same = 1;

	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)('a' + i % 26);
	buf_str(&in, "id,big\n1,");
	buf_add(&in, big, BIG);               /* unquoted */
	buf_str(&in, "\n2,\"");
	big[1000] = '\n';                     /* quoted, with a newline */
	buf_add(&in, big, BIG);
	buf_str(&in, "\"\n3,small\n");
	read_table(in.p, in.len, &(struct ad_reader_opts){ 0 }, &t);
	CHECK(t.st == AD_OK);
	CHECK(t.nrows == 3);
	CHECK(tlen_at(&t, 0, 1) == BIG && tlen_at(&t, 1, 1) == BIG);
	if (t.nrows == 3 && tlen_at(&t, 0, 1) == BIG && tlen_at(&t, 1, 1) == BIG) {
		big[1000] = (char)('a' + 1000 % 26);
		same = memcmp(text_at(&t, 0, 1), big, BIG) == 0;
		big[1000] = '\n';
		same = same && memcmp(text_at(&t, 1, 1), big, BIG) == 0;
	}
	CHECK(same);
	CHECK(text_is(&t, 2, 1, "small"));
	CHECK(line_at(&t, 0) == 2 && line_at(&t, 1) == 3 && line_at(&t, 2) == 5);
	table_free(&t);
	free(big);
	free(in.p);
}

/* ---- types ---- */

static void test_type_inference(void)
{
	struct table t;

	read_plain("n,t,m\n1,x,\n2.5,y,NA\n-3,z,\n", &t);
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 0, AD_NUMERIC));
	CHECK(type_is(&t, 1, AD_TEXT));
	CHECK(type_is(&t, 2, AD_NUMERIC));   /* all missing: numeric */
	CHECK(num_is(&t, 1, 0, 2.5));
	CHECK(text_is(&t, 2, 1, "z"));
	CHECK(isnan(num_at(&t, 0, 1)));      /* a text column's numbers are NaN */
	CHECK(is_missing_num(&t, 1, 2));
	table_free(&t);
}

/* A column is numeric when more than half of its present cells are numbers
 * (an out-of-range number counts as one); the others count as invalid. */
static void test_majority_rule(void)
{
	struct buf six = { 0 }, five = { 0 };
	struct table t;

	buf_str(&six, "v\n");
	for (int i = 1; i <= 5; i++)
		buf_fmt(&six, "%d\n", i);
	buf_str(&six, "1e999\noops\nNA\n\nwhoops\nx\ny\n");
	read_plain(six.p, &t);               /* 6 numbers of 10 present cells */
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 0, AD_NUMERIC));
	CHECK(t.nrows == 11);           /* the blank line is no row */
	CHECK(is_missing_num(&t, 6, 0));     /* "oops" */
	CHECK(t.ncols == 1 && t.invalid[0] == 5);
	table_free(&t);

	buf_str(&five, "v\n");
	for (int i = 1; i <= 5; i++)
		buf_fmt(&five, "%d\n", i);
	buf_str(&five, "a\nb\nc\nd\ne\n");
	read_plain(five.p, &t);              /* exactly half: text */
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 0, AD_TEXT));
	CHECK(text_is(&t, 0, 0, "1") && text_is(&t, 9, 0, "e"));
	CHECK(t.ncols == 1 && t.invalid[0] == 0);
	table_free(&t);
	free(six.p);
	free(five.p);
}

/* Types come from the first infer_rows rows only, so they cannot depend on
 * how much of the input one read() happened to return. */
static void test_inference_looks_at_infer_rows_only(void)
{
	struct ad_reader_opts o = { .infer_rows = 2 };
	struct buf in = { 0 };
	struct table t;

	read_csv("v\n1\n2\nx\ny\n", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 0, AD_NUMERIC));
	CHECK(t.ncols == 1 && t.invalid[0] == 2);
	table_free(&t);

	/* the default: AD_INFER_ROWS numbers, then twice as many words */
	buf_str(&in, "v\n");
	for (int i = 0; i < AD_INFER_ROWS; i++)
		buf_fmt(&in, "%d\n", i);
	for (int i = 0; i < 2 * AD_INFER_ROWS; i++)
		buf_str(&in, "word\n");
	read_plain(in.p, &t);
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 0, AD_NUMERIC));
	CHECK(t.ncols == 1 && t.invalid[0] == 2 * AD_INFER_ROWS);
	table_free(&t);
	free(in.p);
}

static void test_types_option_forces_text(void)
{
	struct ad_reader_opts o = { 0 };
	struct ad_schema *types = NULL;
	struct ad_error err;
	struct table t;

	CHECK(ad_schema_new(&types, &err) == AD_OK);
	CHECK(ad_schema_add(types, "zip", 3, AD_TEXT, &err) == AD_OK);
	o.types = types;
	read_csv("zip,n\n00123,1\n4,2\n", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 0, AD_TEXT) && type_is(&t, 1, AD_NUMERIC));
	CHECK(text_is(&t, 0, 0, "00123") && text_is(&t, 1, 0, "4"));
	table_free(&t);
	ad_schema_free(types);
}

static void test_types_option_forces_numeric(void)
{
	struct ad_reader_opts o = { 0 };
	struct ad_schema *types = NULL;
	struct ad_error err;
	struct table t;

	CHECK(ad_schema_new(&types, &err) == AD_OK);
	CHECK(ad_schema_add(types, "v", 1, AD_NUMERIC, &err) == AD_OK);
	o.types = types;
	read_csv("v\nx\ny\n3\n", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 0, AD_NUMERIC));
	CHECK(num_is(&t, 2, 0, 3) && is_missing_num(&t, 0, 0));
	CHECK(t.ncols == 1 && t.invalid[0] == 2);
	table_free(&t);
	ad_schema_free(types);
}

static void test_types_option_with_unknown_column(void)
{
	struct ad_reader_opts o = { 0 };
	struct ad_schema *types = NULL;
	struct ad_error err;
	struct table t;

	CHECK(ad_schema_new(&types, &err) == AD_OK);
	CHECK(ad_schema_add(types, "nosuch", 6, AD_TEXT, &err) == AD_OK);
	o.types = types;
	read_csv("a,b\n1,2\n", &o, &t);
	CHECK(t.st == AD_EDATA && !t.opened);
	CHECK(strstr(t.err.msg, "nosuch") != NULL);
	table_free(&t);
	ad_schema_free(types);
}

/* Open, read the schema, set the types, next: the names come first, and
 * the caller's types chosen from them apply as ad_reader_open's would. */
static void test_open_schema_then_set_types(void)
{
	const char *csv = "\"a,b\",\"say \"\"hi\"\"\",n\nx,1,2\ny,3,4\n";
	struct ad_reader_opts o = { 0 };
	struct ad_schema *types = NULL;
	struct ad_reader *r = NULL;
	struct ad_block *b;
	struct ad_error err;
	struct table t;
	char path[32];

	memset(&t, 0, sizeof t);
	tmp_write(path, csv, strlen(csv));
	o.path = path;
	CHECK(ad_reader_open_schema(&r, &o, &err) == AD_OK);
	unlink(path);
	CHECK(ad_reader_schema(r)->ncols == 3);
	CHECK_STR(ad_reader_schema(r)->cols[0].name, "a,b");
	CHECK_STR(ad_reader_schema(r)->cols[1].name, "say \"hi\"");
	CHECK(ad_reader_next(r, &b, &err) == AD_EIO);   /* types not set */
	CHECK(ad_schema_new(&types, &err) == AD_OK);
	CHECK(ad_schema_add(types, "say \"hi\"", 8, AD_TEXT, &err) == AD_OK);
	CHECK(ad_reader_set_types(r, types, &err) == AD_OK);
	CHECK(ad_reader_set_types(r, types, &err) == AD_EIO); /* only once */
	read_reader(r, &t);
	CHECK(t.st == AD_OK && t.nrows == 2);
	CHECK(type_is(&t, 0, AD_TEXT) && type_is(&t, 1, AD_TEXT) &&
	    type_is(&t, 2, AD_NUMERIC));
	CHECK(text_is(&t, 1, 1, "3") && num_is(&t, 1, 2, 4));
	CHECK(line_at(&t, 0) == 2);
	table_free(&t);
	ad_reader_free(r);

	/* a type for a column the header lacks is refused by set_types */
	tmp_write(path, csv, strlen(csv));
	CHECK(ad_reader_open_schema(&r, &o, &err) == AD_OK);
	unlink(path);
	CHECK(ad_schema_add(types, "nosuch", 6, AD_TEXT, &err) == AD_OK);
	CHECK(ad_reader_set_types(r, types, &err) == AD_EDATA);
	CHECK(strstr(err.msg, "nosuch") != NULL);
	ad_reader_free(r);
	ad_schema_free(types);

	/* NULL types: every column inferred */
	tmp_write(path, csv, strlen(csv));
	CHECK(ad_reader_open_schema(&r, &o, &err) == AD_OK);
	unlink(path);
	CHECK(ad_reader_set_types(r, NULL, &err) == AD_OK);
	CHECK(ad_reader_schema(r)->cols[0].type == AD_TEXT &&
	    ad_reader_schema(r)->cols[1].type == AD_NUMERIC);
	ad_reader_free(r);
}

/* ---- missing values ---- */

static void test_default_missing_tokens(void)
{
	struct table t;

	CHECK(ad_reader_default_na_count == 7);
	read_plain("n,t\n1,a\n,\nNA,NA\nN/A,N/A\nNaN,NaN\nnan,nan\n"
	    "null,null\nNULL,NULL\n2,b\n", &t);
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 0, AD_NUMERIC) && type_is(&t, 1, AD_TEXT));
	CHECK(t.nrows == 9);
	for (size_t r = 1; r <= 7; r++) {
		CHECK(is_missing_num(&t, r, 0));
		CHECK(is_missing_text(&t, r, 1));
	}
	CHECK(t.ncols == 2 && t.invalid[0] == 0);
	CHECK(text_is(&t, 8, 1, "b"));
	table_free(&t);
}

static void test_custom_missing_tokens_with_a_numeric_sentinel(void)
{
	static const char *const na[] = { "-999", "?" };
	struct ad_reader_opts o = { .na = na, .n_na = 2 };
	struct table t;

	read_csv("n,t\n1,a\n-999,-999\n?,?\n2,NA\n,\n-999.0,x\n", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 0, AD_NUMERIC) && type_is(&t, 1, AD_TEXT));
	CHECK(t.nrows == 6);
	CHECK(is_missing_num(&t, 1, 0));     /* the sentinel, not -999 */
	CHECK(is_missing_num(&t, 2, 0));
	CHECK(is_missing_text(&t, 1, 1) && is_missing_text(&t, 2, 1));
	CHECK(text_is(&t, 3, 1, "NA"));       /* no longer a missing token */
	CHECK(is_missing_num(&t, 4, 0));     /* an empty number is missing */
	CHECK(text_is(&t, 4, 1, ""));         /* "" is not in the list */
	CHECK(num_is(&t, 5, 0, -999.0));      /* tokens match as text */
	CHECK(t.ncols == 2 && t.invalid[0] == 0);
	table_free(&t);
}

/* ---- numbers ---- */

static void test_number_forms(void)
{
	struct table t;

	read_plain("v\n-0\n1e308\n4.9e-324\ninf\n-inf\nnan\n+5\n 7 \n-nan\n"
	    "1E3\n.5\n", &t);
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 0, AD_NUMERIC));
	CHECK(t.nrows == 11);
	CHECK(num_is(&t, 0, 0, -0.0));       /* the sign is kept */
	CHECK(num_is(&t, 1, 0, 1e308));
	CHECK(num_is(&t, 2, 0, 4.9e-324));
	CHECK(bits_of(num_at(&t, 2, 0)) == 1); /* the smallest subnormal */
	CHECK(num_is(&t, 3, 0, INFINITY));
	CHECK(num_is(&t, 4, 0, -INFINITY));
	CHECK(is_missing_num(&t, 5, 0));
	CHECK(num_is(&t, 6, 0, 5));
	CHECK(num_is(&t, 7, 0, 7));
	CHECK(is_missing_num(&t, 8, 0));
	CHECK(num_is(&t, 9, 0, 1000));
	CHECK(num_is(&t, 10, 0, 0.5));
	CHECK(t.ncols == 1 && t.invalid[0] == 0);
	table_free(&t);
}

static void test_out_of_range_number_is_invalid(void)
{
	struct buf in = { 0 };
	struct table t;

	buf_str(&in, "id,score\n");
	for (int i = 1; i <= 20; i++)
		buf_fmt(&in, "%d,%s\n", i, i == 7 ? "1e999" : "0.5");
	read_plain(in.p, &t);
	CHECK(t.st == AD_OK);
	CHECK(type_is(&t, 1, AD_NUMERIC));
	CHECK(t.nrows == 20);
	CHECK(is_missing_num(&t, 6, 1));
	CHECK(num_is(&t, 7, 1, 0.5));
	CHECK(t.ncols == 2 && t.invalid[0] == 0 && t.invalid[1] == 1);
	table_free(&t);
	free(in.p);
}

static void test_strict_reports_the_bad_cell(void)
{
	struct ad_reader_opts o = { .strict = 1 };
	struct buf in = { 0 };
	struct table t;

	buf_str(&in, "id,score\n");
	for (int i = 1; i <= 20; i++)
		buf_fmt(&in, "%d,%s\n", i, i == 7 ? "1e999" : "0.5");
	read_csv(in.p, &o, &t);
	CHECK(t.st == AD_EDATA);
	CHECK(t.err.code == AD_EDATA);
	CHECK(t.err.line == 8 && t.err.col == 2);
	CHECK(strstr(t.err.msg, "score") != NULL);
	CHECK(strstr(t.err.msg, "1e999") != NULL);
	CHECK(t.err.file[0] != '\0');
	table_free(&t);
	free(in.p);

	in.p = NULL;
	in.len = in.cap = 0;
	buf_str(&in, "a,b,weight\n");
	for (int i = 1; i <= 12; i++)
		buf_fmt(&in, "%d,%d,%s\n", i, i, i == 11 ? "12kg" : "3");
	read_csv(in.p, &o, &t);
	CHECK(t.st == AD_EDATA);
	CHECK(t.err.line == 12 && t.err.col == 3);
	CHECK(strstr(t.err.msg, "weight") != NULL);
	CHECK(strstr(t.err.msg, "12kg") != NULL);
	table_free(&t);
	free(in.p);
}

/* ---- rejected rows ---- */

static void test_ragged_rows_are_rejected(int no_fast_path)
{
	struct reject_log log = { 0 };
	struct ad_reader_opts o = { .on_reject = log_reject, .reject_ctx = &log,
		.no_fast_path = no_fast_path };
	struct table t;

	read_csv("a,b\n1,2\n3\n4,5,6\n7,8\n\"x\ny\",9,10\n11,12\n", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(t.nrows == 3 && t.rejected == 3);
	CHECK(num_is(&t, 0, 0, 1) && num_is(&t, 1, 0, 7) &&
	    num_is(&t, 2, 0, 11));
	CHECK(line_at(&t, 0) == 2 && line_at(&t, 1) == 5 &&
	    line_at(&t, 2) == 8);
	CHECK(log.n == 3);
	CHECK(log.line[0] == 3 && log.nfields[0] == 1);
	CHECK_STR(log.first[0], "3");
	CHECK(log.line[1] == 4 && log.nfields[1] == 3);
	CHECK_STR(log.first[1], "4");
	CHECK(log.line[2] == 6 && log.nfields[2] == 3);
	CHECK_STR(log.first[2], "x\ny");
	table_free(&t);
}

static void test_reject_with_many_fields(void)
{
	struct reject_log log = { 0 };
	struct ad_reader_opts o = { .on_reject = log_reject, .reject_ctx = &log };
	struct buf in = { 0 };
	struct table t;

	buf_str(&in, "a,b\n1,2\nwide");
	for (int i = 0; i < 99; i++)
		buf_str(&in, ",f");
	buf_str(&in, "\n3,4\n");
	read_csv(in.p, &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(t.nrows == 2 && t.rejected == 1);
	CHECK(log.n == 1 && log.nfields[0] == 100 && log.line[0] == 3);
	CHECK_STR(log.first[0], "wide");
	table_free(&t);
	free(in.p);
}

static void test_max_rejects(void)
{
	const char *csv = "a,b\n1,2\n3\n4,5\n6\n7,8\n9\n";
	struct ad_reader_opts o = { .limit_rejects = 1, .max_rejects = 2 };
	struct table t;

	read_csv(csv, &o, &t);               /* the third reject is one too many */
	CHECK(t.st == AD_EDATA && t.opened);
	CHECK(t.err.line == 7);
	CHECK(t.rejected == 3);
	table_free(&t);

	o.max_rejects = 3;                    /* exactly the limit is fine */
	read_csv(csv, &o, &t);
	CHECK(t.st == AD_OK && t.rejected == 3 && t.nrows == 3);
	table_free(&t);

	o.max_rejects = 0;                    /* none allowed */
	read_csv(csv, &o, &t);
	CHECK(t.st == AD_EDATA && t.err.line == 3);
	table_free(&t);

	o.limit_rejects = 0;                  /* max_rejects 0 without the flag */
	read_csv(csv, &o, &t);
	CHECK(t.st == AD_OK && t.rejected == 3);
	table_free(&t);
}

static void test_reject_callback_can_stop_the_read(void)
{
	struct reject_log log = { .answer = AD_EIO };
	struct ad_reader_opts o = { .on_reject = log_reject, .reject_ctx = &log };
	struct table t;

	read_csv("a,b\n1,2\n3\n4,5\n", &o, &t);
	CHECK(t.st == AD_EIO);
	CHECK(strstr(t.err.msg, "stopped by the callback") != NULL);
	CHECK(log.n == 1);
	table_free(&t);
}

/* ---- delimiters ---- */

static void test_semicolon_delimiter(void)
{
	struct ad_reader_opts o = { .delim = ';' };
	struct table t;

	read_csv("a;b\n1,5;2\n\"x;y\";3\n", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(t.ncols == 2);
	CHECK(type_is(&t, 0, AD_TEXT));
	CHECK(text_is(&t, 0, 0, "1,5") && text_is(&t, 1, 0, "x;y"));
	CHECK(num_is(&t, 0, 1, 2) && num_is(&t, 1, 1, 3));
	table_free(&t);
}

static void test_tab_delimiter(int no_fast_path)
{
	struct ad_reader_opts o = { .delim = '\t', .no_fast_path = no_fast_path };
	struct table t;

	read_csv("a\tb c\n1\t x \n2\t\"y\tz\"\n", &o, &t);
	CHECK(t.st == AD_OK);
	CHECK(t.ncols == 2);
	CHECK_STR(name_at(&t, 1), "b c");
	CHECK(num_is(&t, 0, 0, 1) && num_is(&t, 1, 0, 2));
	CHECK(text_is(&t, 0, 1, " x "));     /* spaces are data */
	CHECK(text_is(&t, 1, 1, "y\tz"));
	table_free(&t);
}

/* ---- malformed quotes ---- */

static void test_quote_inside_unquoted_field(int no_fast_path)
{
	struct ad_reader_opts o = { .no_fast_path = no_fast_path };
	struct table t;

	read_csv("a,b\n1,2\n3,a\"b\n", &o, &t);
	CHECK(t.st == AD_EDATA);
	CHECK(t.err.line == 3 && t.err.col == 2);
	table_free(&t);

	read_csv("a,b\n1,2\n\"x\"y,3\n", &o, &t); /* text after a closing quote */
	CHECK(t.st == AD_EDATA);
	CHECK(t.err.line == 3 && t.err.col == 1);
	table_free(&t);
}

static void test_unterminated_quote_at_eof(int no_fast_path)
{
	struct ad_reader_opts o = { .no_fast_path = no_fast_path };
	struct table t;

	read_csv("a,b\n1,2\n3,\"open", &o, &t);
	CHECK(t.st == AD_EDATA);
	CHECK(t.err.line == 3);
	table_free(&t);

	/* The same with more lines after the quote: the error names the line
	 * where the unterminated field starts, not one past the end. */
	read_csv("a,b\n1,2\n3,\"open\nmore\n", &o, &t);
	CHECK(t.st == AD_EDATA);
	CHECK(t.err.line == 3);
	table_free(&t);

	read_csv("\"a,b\n1,2\n", &o, &t);      /* in the header */
	CHECK(t.st == AD_EDATA && !t.opened);
	CHECK(t.err.line == 1);
	table_free(&t);
}

/* ---- many rows ---- */

static void test_many_rows_cross_blocks(void)
{
	enum { N = 100000 };
	struct ad_reader_opts o = { 0 };
	struct ad_reader *r = NULL;
	struct ad_error err;
	struct ad_block *b;
	struct buf in = { 0 };
	char path[32];
	size_t seen = 0, blocks = 0, bad_values = 0, bad_lines = 0, oversize = 0;

	/* long enough lines to span several input buffers */
	buf_str(&in, "i,twice,label\n");
	for (int i = 0; i < N; i++)
		buf_fmt(&in, "%d,%d,row-%d-abcdefghijklmnopqrstuvwxyz\n", i, 2 * i, i);
	tmp_write(path, in.p, in.len);
	o.path = path;
	CHECK(ad_reader_open(&r, &o, &err) == AD_OK);
	unlink(path);
	if (r == NULL)
		return;
	for (;;) {
		if (ad_reader_next(r, &b, &err) != AD_OK) {
			CHECK(0);
			break;
		}
		if (b->nrows == 0)
			break;
		blocks++;
		if (b->nrows > AD_BLOCK_ROWS || (b->nrows < AD_BLOCK_ROWS &&
		    seen + b->nrows != N))
			oversize++;
		for (size_t k = 0; k < b->nrows; k++, seen++) {
			char want[64];
			size_t len;
			const char *s = ad_block_text(b, k, 2, &len);
			int n = snprintf(want, sizeof want,
			    "row-%zu-abcdefghijklmnopqrstuvwxyz", seen);

			if (b->num[k * 3] != (double)seen ||
			    b->num[k * 3 + 1] != 2.0 * (double)seen || s == NULL ||
			    len != (size_t)n || memcmp(s, want, len) != 0)
				bad_values++;
			if (b->line[k] != seen + 2)
				bad_lines++;
		}
	}
	CHECK(seen == N);
	CHECK(ad_reader_rows(r) == N);
	CHECK(blocks == (N + AD_BLOCK_ROWS - 1) / AD_BLOCK_ROWS);
	CHECK(oversize == 0);
	CHECK(bad_values == 0);
	CHECK(bad_lines == 0);
	ad_reader_free(r);
	free(in.p);
}

/* Multi-line records around block boundaries keep their line numbers. */
static void test_line_numbers_with_multiline_records_across_blocks(void)
{
	enum { N = 9000 };
	struct buf in = { 0 };
	struct table t;

	buf_str(&in, "i,note\n");
	for (int i = 0; i < N; i++) {
		if (i % 7 == 3)
			buf_fmt(&in, "%d,\"two\nlines\"\n", i);
		else
			buf_fmt(&in, "%d,one\n", i);
	}
	/* in one chunk, and in many on several threads */
	for (int way = 0; way < 2; way++) {
		struct ad_reader_opts o = { .threads = way ? 3 : 1,
		    .chunk_bytes = way ? 100 : 0 };
		uint64_t line = 2;
		size_t bad = 0;

		read_table(in.p, in.len, &o, &t);
		CHECK(t.st == AD_OK);
		CHECK(t.nrows == N);
		for (size_t i = 0; i < t.nrows; i++) {
			if (line_at(&t, i) != line || !num_is(&t, i, 0, (double)i))
				bad++;
			line += i % 7 == 3 ? 2 : 1;
		}
		CHECK(bad == 0);
		table_free(&t);
	}
	free(in.p);
}

/* ---- the fast path gives what libcsv gives ---- */

/* Reads data with and without the fast path, from a mapped file (fields
 * sliced from the input) and through a pipe (fields copied): the four
 * reads must agree. */
static void compare_paths(const void *data, size_t len, const char *what)
{
	struct ad_reader_opts fast = { 0 }, slow = { .no_fast_path = 1 };
	struct table a, b;
	int same;

	read_table(data, len, &fast, &a);
	for (int way = 0; way < 3; way++) {
		if (way == 0)
			read_table(data, len, &slow, &b);
		else
			read_piped(data, len, way == 1 ? &fast : &slow, &b);
		same = tables_equal(&a, &b);
		if (!same)
			fprintf(stderr, "%s differs on: %s\n", way == 0 ?
			    "the fast path" : way == 1 ? "a piped read" :
			    "a piped read without the fast path", what);
		CHECK(same);
		table_free(&b);
	}
	table_free(&a);
}

static void test_fast_path_matches_libcsv(void)
{
#define INPUT(s) { s, sizeof s - 1 }
	static const struct { const char *s; size_t len; } inputs[] = {
		INPUT("a,b\n1,2\n"),
		INPUT("a,b\r\n1,2\r\n3,4"),
		INPUT("a,b\n\n\n1,2\n\r\n\n"),
		INPUT("a,b\n1,\"x\ny\"\n2,z\n"),
		INPUT("a,b\n1,2\r3,4\n"),         /* a lone CR ends a record */
		INPUT("a,b\n1,2\r\r\n3,4\n"),
		INPUT("a , b\n 1 , x \n2 ,y\n"),
		INPUT("a,b,\n1,2,\n3,4,\n"),
		INPUT(",\n,\n1,\n"),
		INPUT("\xEF\xBB\xBF" "a,b\n1,2\n"),
		INPUT("a\n\"\"\n\n\"\"\n7\n"),
		INPUT("a,b\n1,2\n3\n4,5,6\n7,8\n"),
		INPUT("a,b\n1,2\n3,a\"b\n"),
		INPUT("a,b\n1,\"2\n"),
		INPUT("a,b\n1,\"2\"\"\"\n3,\"\"\"\"\n"),
		INPUT("a\tb\n1\t2\n"),
		INPUT("a,b\n1,2\n\"3\",\"4\"\r\n5,6\r\n"),
		INPUT("a,b\n1,x\0y\n2,z\n"),      /* a NUL byte is data */
		INPUT("a,b\n"),                  /* a header only */
		INPUT("a,b"),                     /* nor a newline */
		INPUT("a,b\n1,x\n2,\n3,1e999\nNA,4\n5\n"), /* invalid cells */
		/* lines of sixteen bytes and more, which the split takes
		 * sixteen at a time: a delimiter, quote or CR on either side
		 * of a sixteen-byte step */
		INPUT("a,b,c\n0123456789abcde,0123456789abcd,x\n1,2,3\n"),
		INPUT("a,b\n0123456789abcdef0123456789,\"q\"\n1,2\n"),
		INPUT("a,b\n0123456789abcdefghij\r,2\n3,4\n"),
		INPUT("a,b\n0123456789abcd,\r\n0123456789abcde,\r\n1,2\n"),
		INPUT("a,b\n,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n1,2\n"),
		INPUT("a\n0123456789abcdef0123456789abcdef\n0123456789abcdef\n"),
		INPUT("a,b\n0123456789abcdefghijklmn,\"x\ny\"\n1,2\n"),
		INPUT("a,b\n0123456789abcdefghijklmn,xyz"),
	};
#undef INPUT
	struct buf big = { 0 };
	uint64_t seed = 12345;

	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
		compare_paths(inputs[i].s, inputs[i].len, inputs[i].s);

	/* A long mixed input, so lines straddle the input buffer's ends. */
	buf_str(&big, "id,a,b,text\n");
	for (int i = 0; i < 60000; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		switch ((seed >> 33) % 10) {
		case 0: buf_fmt(&big, "%d,1,2,\"q,%d\"\n", i, i); break;
		case 1: buf_fmt(&big, "%d,1,2,\"multi\nline %d\"\r\n", i, i); break;
		case 2: buf_fmt(&big, "%d,1,2,crlf\r\n", i); break;
		case 3: buf_str(&big, "\n"); break;
		case 4: buf_fmt(&big, "%d,1\n", i); break;
		case 5: buf_fmt(&big, "%d, 3 ,NA,\"\"\n", i); break;
		default: buf_fmt(&big, "%d,%d.5,-%d,plain text %d\n", i, i, i, i);
		}
	}
	compare_paths(big.p, big.len, "the long mixed input");
	free(big.p);
}

/* Fields longer than the MiB a mapped file is handed out by, quoted (with
 * newlines and CRLFs) or not, lie across pieces of the input. */
static void test_huge_fields_across_pieces(void)
{
	enum { HUGE = 3 << 20 };
	struct buf in = { 0 };
	struct table t;

	buf_str(&in, "a,b\n1,\"");
	for (size_t i = 0; in.len < HUGE; i++)
		buf_str(&in, i % 100 == 0 ? "x\r\n\"\"y" : "0123456789");
	buf_str(&in, "\"\r\n2,");
	for (size_t i = 0; i < HUGE / 10; i++)
		buf_str(&in, "abcdefghij");
	buf_str(&in, "\n3,4\n");
	compare_paths(in.p, in.len, "huge fields");
	read_table(in.p, in.len, &(struct ad_reader_opts){ 0 }, &t);
	CHECK(t.st == AD_OK && t.nrows == 3 && line_at(&t, 2) > 3);
	CHECK(tlen_at(&t, 1, 1) == HUGE / 10 * 10);
	table_free(&t);
	free(in.p);
}

/* A bad cell (with strict) before a malformed quote, both past the
 * types' first rows: the cell's error wins, from a mapped file or a pipe,
 * however the input came in pieces; without strict, the quote's. */
static void test_first_error_in_input_order_wins(void)
{
	struct ad_reader_opts strict = { .strict = 1 }, lax = { 0 };
	struct buf in = { 0 };
	struct table t;
	int line = 2;

	buf_str(&in, "a,b\n");
	for (; in.len < 600000; line++)
		buf_fmt(&in, "%d,1\n", line);
	buf_str(&in, "7,x\n");          /* line: the bad cell */
	for (int i = 0; i < 1000; i++)
		buf_str(&in, "8,2\n");
	buf_str(&in, "9,a\"b\n");       /* line + 1001: the bad quote */
	for (int i = 0; i < 5000; i++)
		buf_str(&in, "10,3\n");
	for (int way = 0; way < 4; way++) {
		const struct ad_reader_opts *o = way % 2 ? &lax : &strict;

		if (way < 2)
			read_table(in.p, in.len, o, &t);
		else
			read_piped(in.p, in.len, o, &t);
		CHECK(t.st == AD_EDATA);
		CHECK(t.err.line == (uint64_t)(way % 2 ? line + 1001 : line));
		CHECK(t.err.col == 2);
		table_free(&t);
	}
	free(in.p);
}

/* ---- chunks on several threads give what one thread gives ---- */

/* A hash of every reject callback's arguments, in order. */
struct reject_hash {
	uint64_t h, n;
};

static enum ad_status hash_reject(void *ctx, uint64_t line, size_t nfields,
    const char *const *fields, const size_t *lens, struct ad_error *err)
{
	struct reject_hash *rh = ctx;

	(void)err;
	rh->h = (rh->h ^ line) * 0x100000001b3ULL;
	rh->h = (rh->h ^ nfields) * 0x100000001b3ULL;
	for (size_t i = 0; i < nfields; i++)
		for (size_t k = 0; k < lens[i]; k++)
			rh->h = (rh->h ^ (unsigned char)fields[i][k]) *
			    0x100000001b3ULL;
	rh->n++;
	return AD_OK;
}

/* Reads data with base's options on 1 thread in one chunk, then on 1, 2
 * and 7 threads in chunks of a few bytes to a few hundred, from a file
 * and through a pipe: rows, lines, cells, counts, rejects and the first
 * error must be the same. */
static void compare_threads(const void *data, size_t len,
    const struct ad_reader_opts *base, const char *what)
{
	static const unsigned threads[] = { 1, 2, 7 };
	static const size_t chunks[] = { 1, 5, 64, 333 };
	struct reject_hash ref_rh = { 0xcbf29ce484222325ULL, 0 };
	struct ad_reader_opts o = *base;
	struct table ref, t;

	o.on_reject = hash_reject;
	o.reject_ctx = &ref_rh;
	o.chunk_bytes = (size_t)1 << 30;
	read_table(data, len, &o, &ref);
	for (size_t i = 0; i < 3 * 4 * 2; i++) {
		struct reject_hash rh = { 0xcbf29ce484222325ULL, 0 };
		int same;

		o.threads = threads[i % 3];
		o.chunk_bytes = chunks[i / 3 % 4];
		o.reject_ctx = &rh;
		if (i < 12)
			read_table(data, len, &o, &t);
		else
			read_piped(data, len, &o, &t);
		/* after a failure the invalid counts are not defined */
		if (ref.st != AD_OK && ref.invalid != NULL && t.invalid != NULL)
			memcpy(t.invalid, ref.invalid, t.ncols * sizeof *t.invalid);
		same = tables_equal(&ref, &t) && rh.h == ref_rh.h &&
		    rh.n == ref_rh.n;
		if (!same)
			fprintf(stderr, "%u threads, %zu-byte chunks, %s: differs "
			    "on %s\n", o.threads, o.chunk_bytes, i < 12 ? "file" :
			    "pipe", what);
		CHECK(same);
		table_free(&t);
	}
	table_free(&ref);
}

static void test_threads_give_the_same_read(void)
{
#define INPUT(s) { s, sizeof s - 1 }
	static const struct { const char *s; size_t len; } inputs[] = {
		INPUT("a,b\n1,2\n"),
		INPUT("a,b\r\n1,2\r\n3,4"),
		INPUT("a,b\n1,\"x\ny\"\n2,\"\nz\n\"\n3,\"\"\"\n\"\"\"\n"),
		INPUT("a,b\n1,2\r3,4\n"),
		INPUT("a,b\n"),                       /* a header only */
		INPUT("a,b"),
		INPUT("a,b\n1,2\n3\n4,5,6\n7,8\n9\n10,11\n"), /* rejects */
		INPUT("a,b\n1,x\n2,\n3,1e999\nNA,4\n5\n6,y\n"),
		INPUT("a,b\n1,2\n3,a\"b\n4,5\n6,\"7\n"),  /* two errors */
		INPUT("a,b\n1,2\n3,4\n5,\"6\n"),
		INPUT("a,b\n1,2\n3,x\0y\n4,\"\n"),
		INPUT("a,t\n1,p\n2,NA\n3,\"q,r\"\n4,\n"),
	};
#undef INPUT
	/* the chunks begin after the rows that settle the types */
	struct ad_reader_opts plain = { 0 }, two = { .infer_rows = 2 },
	    strict = { .strict = 1, .infer_rows = 1 },
	    limit = { .limit_rejects = 1, .max_rejects = 2, .infer_rows = 1 },
	    text = { .number_text = 1, .infer_rows = 1 };
	const struct ad_reader_opts *opts[] = { &plain, &strict, &limit, &text,
	    &two };
	struct buf big = { 0 };
	uint64_t seed = 777;

	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
		for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
			compare_threads(inputs[i].s, inputs[i].len, opts[k],
			    inputs[i].s);
	/* rejects, invalid cells, quoted newlines and CRLFs all over the
	 * chunks, and two bad quotes far apart */
	buf_str(&big, "id,a,t\n");
	for (int i = 0; i < 3000; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		switch ((seed >> 33) % 8) {
		case 0: buf_fmt(&big, "%d,1,\"two\nlines\"\n", i); break;
		case 1: buf_fmt(&big, "%d,2,crlf\r\n", i); break;
		case 2: buf_fmt(&big, "%d,3\n", i); break;
		case 3: buf_fmt(&big, "%d,x%d,bad\n", i, i); break;
		case 4: buf_str(&big, "\n"); break;
		default: buf_fmt(&big, "%d,%d.25,t%d\n", i, i, i);
		}
		if (i == 2000 || i == 2900)
			buf_str(&big, "5,a\"b,c\n");
	}
	for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
		compare_threads(big.p, big.len, opts[k], "the long mixed input");
	free(big.p);
}

/* Every allocation of a read failing in turn, once and for ever: a mapped
 * file and a pipe, with quoted records, rejects and invalid cells. */
struct oom_read {
	const char *csv;
	const char *path;          /* the file holding csv; NULL: a pipe */
};

static enum ad_status oom_read_scenario(void *ctx, struct ad_error *err)
{
	const struct oom_read *w = ctx;
	struct ad_reader_opts o = { 0 };
	struct table t;
	enum ad_status st;

	struct ad_reader *r = NULL;

	memset(&t, 0, sizeof t);
	if (w->path == NULL) {
		st = read_piped(w->csv, strlen(w->csv), &o, &t);
	} else {
		o.path = w->path;
		if ((st = ad_reader_open(&r, &o, &t.err)) == AD_OK) {
			read_reader(r, &t);
			ad_reader_free(r);
			st = t.st;
		}
	}
	if (st != AD_OK)
		*err = t.err;
	else if (t.nrows != 4 || t.rejected != 1)
		st = ad_error_set(err, AD_EIO, "wrong rows");
	table_free(&t);
	return st;
}

static void test_reads_survive_allocation_failures(void)
{
	struct oom_read w = { "a,b,c\n1,x,\"q\nr\"\r\n2,y\n3,,\"\"\"\"\n"
	    "4,1e999,z\n5,NA,w\n", NULL };
	char path[FILES_PATH_MAX];

	put_file(path, "reader-oom", w.csv);
	w.path = path;
	oom_loop("mapped read", oom_read_scenario, &w, NULL);
	unlink(path);
	w.path = NULL;
	oom_loop("piped read", oom_read_scenario, &w, NULL);
}

/* ---- reading from an ad_in ---- */

static void test_from_an_open_stream(void)
{
	struct ad_reader_opts o = { 0 };
	struct ad_reader *r = NULL;
	struct ad_in *in = NULL;
	struct ad_error err;
	struct table t;
	char path[32];

	memset(&t, 0, sizeof t);
	tmp_write(path, "x,y\n1,a\n2,b\n", 12);
	CHECK(ad_in_open(&in, path, &err) == AD_OK);
	unlink(path);
	o.from = in;
	o.path = "/nonexistent/never-opened";
	CHECK(ad_reader_open(&r, &o, &err) == AD_OK);
	if (r == NULL)
		return;
	CHECK_STR(ad_reader_name(r), path);
	read_reader(r, &t);
	ad_reader_free(r);                    /* closes in */
	CHECK(t.st == AD_OK && t.nrows == 2);
	CHECK(num_is(&t, 1, 0, 2) && text_is(&t, 1, 1, "b"));
	table_free(&t);
}

static void tap_collect(void *ctx, const unsigned char *p, size_t n)
{
	buf_add(ctx, p, n);
}

/* A stream's tap sees every byte of the input once, in order, whatever
 * way the reader reads it (peeking at the magic, skipping a BOM, many
 * buffer fills). */
static void test_tap_sees_every_byte(void)
{
	struct ad_reader_opts o = { 0 };
	struct ad_reader *r = NULL;
	struct ad_in *in = NULL;
	struct ad_error err;
	struct buf data = { 0 }, seen = { 0 };
	struct table t;
	char path[32];

	memset(&t, 0, sizeof t);
	buf_str(&data, "\xEF\xBB\xBFx,y\n");
	for (int i = 0; i < 60000; i++)
		buf_fmt(&data, "%d,%d.25\n", i, i % 977);
	tmp_write(path, data.p, data.len);
	CHECK(ad_in_open(&in, path, &err) == AD_OK);
	unlink(path);
	ad_in_set_tap(in, tap_collect, &seen);
	o.from = in;
	CHECK(ad_reader_open(&r, &o, &err) == AD_OK);
	if (r != NULL) {
		read_reader(r, &t);
		ad_reader_free(r);
	}
	CHECK(t.st == AD_OK && t.nrows == 60000);
	CHECK(seen.len == data.len && memcmp(seen.p, data.p, data.len) == 0);
	table_free(&t);
	free(data.p);
	free(seen.p);
}

/* With number_text, a CSV block carries each number's text where it is
 * its shortest form, and marks the others for formatting. */
static void test_number_text(void)
{
	static const char csv[] = "a,b,c\n1.50,2.5,x\n,-0,NA\n1e3,7,\"q\"\n";
	struct ad_reader_opts o = { 0 };
	struct ad_reader *r = NULL;
	struct ad_block *b = NULL;
	struct ad_error err;
	const char *s;
	size_t len;
	char path[32];

	tmp_write(path, csv, sizeof csv - 1);
	for (int on = 0; on < 2; on++) {
		o.path = path;
		o.number_text = on;
		CHECK(ad_reader_open(&r, &o, &err) == AD_OK);
		if (r == NULL)
			continue;
		CHECK(ad_reader_next(r, &b, &err) == AD_OK && b->nrows == 3);
		CHECK(b->num_text == on);
		if (on && b->nrows == 3) {
			CHECK(ad_block_text(b, 0, 0, &len) == NULL);  /* 1.50 */
			s = ad_block_text(b, 0, 1, &len);
			CHECK(s != NULL && len == 3 && memcmp(s, "2.5", 3) == 0);
			CHECK(ad_block_text(b, 1, 0, &len) == NULL);  /* empty */
			CHECK(ad_block_text(b, 1, 1, &len) == NULL);  /* -0 */
			CHECK(ad_block_text(b, 1, 2, &len) == NULL);  /* NA */
			CHECK(ad_block_text(b, 2, 0, &len) == NULL);  /* 1e3 */
			s = ad_block_text(b, 2, 1, &len);
			CHECK(s != NULL && len == 1 && *s == '7');
			s = ad_block_text(b, 2, 2, &len);
			CHECK(s != NULL && len == 1 && *s == 'q');
			CHECK(b->num[2 * 3] == 1000 && b->num[2 * 3 + 1] == 7);
		}
		ad_reader_free(r);
		r = NULL;
	}
	unlink(path);
}

/* A stream handed over is the reader's even when opening fails. */
static void test_from_is_taken_on_failure(void)
{
	struct ad_reader_opts o = { 0 };
	struct ad_reader *r = NULL;
	struct ad_in *in = NULL;
	struct ad_error err;
	char path[32];

	tmp_write(path, "a,a\n1,2\n", 8);
	CHECK(ad_in_open(&in, path, &err) == AD_OK);
	unlink(path);
	o.from = in;
	CHECK(ad_reader_open(&r, &o, &err) == AD_EDATA);
	CHECK(r == NULL);
	/* nothing to free: a leak of in would show under ASan */
}

static void test_missing_file_is_an_io_error(void)
{
	struct ad_reader_opts o = { .path = "/nonexistent/adkit-test.csv" };
	struct ad_reader *r = NULL;
	struct ad_error err;

	CHECK(ad_reader_open(&r, &o, &err) == AD_EIO);
	CHECK_STR(err.file, "/nonexistent/adkit-test.csv");
	CHECK(r == NULL);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);   /* a pipe's writer sees EPIPE */
	test_header_gives_names();
	test_open_schema_then_set_types();
	test_no_header_names_columns_c1_to_cn();
	test_empty_header_name_is_generated();
	test_duplicate_header_is_rejected_at_its_column();
	test_invalid_utf8_header_is_rejected_at_its_column();
	test_utf8_header_is_accepted();
	for (int slow = 0; slow <= 1; slow++) {
		test_quoted_fields(slow);
		test_crlf(slow);
		test_no_final_newline(slow);
		test_blank_lines_are_skipped(slow);
		test_ragged_rows_are_rejected(slow);
		test_tab_delimiter(slow);
		test_quote_inside_unquoted_field(slow);
		test_unterminated_quote_at_eof(slow);
	}
	test_quoted_field_may_hold_a_quoted_header();
	test_utf8_bom_is_skipped();
	test_empty_input();
	test_header_only();
	test_one_megabyte_field();
	test_type_inference();
	test_majority_rule();
	test_inference_looks_at_infer_rows_only();
	test_types_option_forces_text();
	test_types_option_forces_numeric();
	test_types_option_with_unknown_column();
	test_default_missing_tokens();
	test_custom_missing_tokens_with_a_numeric_sentinel();
	test_number_forms();
	test_out_of_range_number_is_invalid();
	test_strict_reports_the_bad_cell();
	test_reject_with_many_fields();
	test_max_rejects();
	test_reject_callback_can_stop_the_read();
	test_semicolon_delimiter();
	test_many_rows_cross_blocks();
	test_line_numbers_with_multiline_records_across_blocks();
	test_fast_path_matches_libcsv();
	test_huge_fields_across_pieces();
	test_first_error_in_input_order_wins();
	test_threads_give_the_same_read();
	test_reads_survive_allocation_failures();
	test_from_an_open_stream();
	test_tap_sees_every_byte();
	test_number_text();
	test_from_is_taken_on_failure();
	test_missing_file_is_an_io_error();
	return CHECK_DONE("test_reader");
}
