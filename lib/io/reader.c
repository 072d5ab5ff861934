/*
 * The stream reader: format detection, CSV through libcsv (with a quote-free
 * fast path), adkit's binary stream, type inference, and row blocks.
 *
 * CSV is fed to the parser one line at a time so that every record knows the
 * line it started on. Records first land as raw fields in a pending queue;
 * ad_reader_next converts up to a block of them, so memory is bounded by a
 * block plus one input buffer, whatever the input's length. A quote-free
 * line's fields are slices of the line: of the input itself when it stays
 * valid (a mapped file), else of one copy of the line.
 */
#include <math.h>
#include <string.h>

#include <csv.h>

#include "alloc.h"
#include "binfmt.h"
#include "lineage.h"
#include "counter.h"
#include "in.h"
#include "num.h"
#include "reader.h"

const char *const ad_reader_default_na[] = {
	"", "NA", "N/A", "NaN", "nan", "null", "NULL"
};
const size_t ad_reader_default_na_count =
    sizeof ad_reader_default_na / sizeof ad_reader_default_na[0];

struct raw_field {
	size_t off, len;          /* from the start of the record's text */
};

struct raw_row {
	uint64_t line;            /* where the record starts */
	const char *base;         /* its text in the input, or NULL: in
	                             raw.bytes from byte0 */
	size_t byte0;
	size_t first, nfields;    /* into raw.fields */
};

/* Bytes of an invalid cell kept as an example. */
#define EXAMPLE_BYTES 40

/* The first distinct invalid cells of a column, NUL-terminated, cut to
 * EXAMPLE_BYTES. */
struct examples {
	char *text[AD_READER_EXAMPLES];
	size_t n;
};

/* Records parsed but not yet converted: a queue that is compacted. */
struct raw {
	char *bytes;
	size_t nbytes, cap_bytes;
	struct raw_field *fields;
	size_t nfields, cap_fields;
	struct raw_row *rows;
	size_t head, nrows, cap_rows; /* pending rows are rows[head..nrows) */
	size_t row_first;         /* first field of the record being parsed */
	size_t row_byte0;         /* where its bytes start in raw.bytes */
};

struct ad_reader {
	struct ad_in *in;
	enum ad_format format;
	struct ad_schema *schema;
	struct ad_counter *names; /* while reading the header: names seen */
	struct ad_block *block;
	char *name;               /* for messages */
	uint64_t rows, rejected;
	uint64_t *invalid;        /* per column */
	struct examples *bad;     /* per column: invalid cells, for messages */
	struct ad_reader_opts opts;
	const char *const *na;
	size_t *na_len;           /* strlen of each na token */
	size_t n_na;
	int na_has_number;        /* some missing token reads as a number */
	/* CSV */
	struct csv_parser csv;
	int csv_ready;
	int stable;               /* the bytes being fed stay valid until the
	                             input is closed */
	struct raw raw;
	uint64_t line;            /* line being fed, 1-based */
	uint64_t rec_line;        /* line where the current record started */
	int at_line_start;
	int eof;
	int bom_checked;
	enum ad_status split_st;  /* a failure to read or split, waiting for */
	struct ad_error split_err; /* the records before it (fill_pending) */
	struct ad_error cb_err;   /* an error raised inside a libcsv callback */
	int cb_failed;
	/* binary */
	uint64_t bin_total;
	uint64_t bin_first;       /* offset of the first block */
	int bin_done;
	uint32_t bin_version;
	struct ad_lineage lineage; /* version 2: the header's, then the end
	                             record's */
};

/* ---- raw record queue ---- */

/* Makes room for one more field (the array grows by doubling). */
static int raw_field_room(struct raw *w)
{
	struct raw_field *fields;

	if (w->nfields < w->cap_fields)
		return 0;
	fields = ad_grow(w->fields, &w->cap_fields, w->nfields + 1,
	    sizeof *w->fields);
	if (fields == NULL)
		return -1;
	w->fields = fields;
	return 0;
}

/* Appends len bytes at s to raw.bytes; *off is where they landed, from
 * the start of the record being parsed. */
static int raw_add_bytes(struct raw *w, const char *s, size_t len, size_t *off)
{
	size_t end;
	char *bytes;

	if (ad_add_size(w->nbytes, len, &end) != 0 ||
	    (bytes = ad_grow(w->bytes, &w->cap_bytes, end + 1, 1)) == NULL)
		return -1;
	w->bytes = bytes;
	if (len > 0)
		memcpy(w->bytes + w->nbytes, s, len);
	*off = w->nbytes - w->row_byte0;
	w->nbytes = end;
	return 0;
}

/* Appends a field at off from the start of the record's text. */
static inline void raw_put_field(struct raw *w, size_t off, size_t len)
{
	w->fields[w->nfields].off = off;
	w->fields[w->nfields].len = len;
	w->nfields++;
}

/* Appends a field copied from libcsv's buffer. */
static int raw_add_field(struct raw *w, const char *s, size_t len)
{
	size_t off;

	if (raw_field_room(w) != 0 || raw_add_bytes(w, s, len, &off) != 0)
		return -1;
	raw_put_field(w, off, len);
	return 0;
}

/* Ends the record being parsed; base is its text in the input (NULL: its
 * bytes were copied). */
static int raw_end_row(struct raw *w, uint64_t line, const char *base)
{
	struct raw_row *rows = ad_grow(w->rows, &w->cap_rows, w->nrows + 1,
	    sizeof *w->rows);

	if (rows == NULL)
		return -1;
	w->rows = rows;
	w->rows[w->nrows].line = line;
	w->rows[w->nrows].base = base;
	w->rows[w->nrows].byte0 = w->row_byte0;
	w->rows[w->nrows].first = w->row_first;
	w->rows[w->nrows].nfields = w->nfields - w->row_first;
	w->nrows++;
	w->row_first = w->nfields;
	w->row_byte0 = w->nbytes;
	return 0;
}

/* Where the record's fields' offsets count from. */
static inline const char *raw_text(const struct raw *w,
    const struct raw_row *row)
{
	return row->base != NULL ? row->base : w->bytes + row->byte0;
}

/* Drops the consumed rows and their bytes, keeping the pending ones and the
 * record being parsed. */
static void raw_compact(struct raw *w)
{
	size_t f0, b0;

	if (w->head == 0)
		return;
	f0 = w->head < w->nrows ? w->rows[w->head].first : w->row_first;
	b0 = w->head < w->nrows ? w->rows[w->head].byte0 : w->row_byte0;
	memmove(w->bytes, w->bytes + b0, w->nbytes - b0);
	w->nbytes -= b0;
	memmove(w->fields, w->fields + f0, (w->nfields - f0) * sizeof *w->fields);
	w->nfields -= f0;
	memmove(w->rows, w->rows + w->head,
	    (w->nrows - w->head) * sizeof *w->rows);
	w->nrows -= w->head;
	for (size_t i = 0; i < w->nrows; i++) {
		w->rows[i].first -= f0;
		w->rows[i].byte0 -= b0;
	}
	w->row_first -= f0;
	w->row_byte0 -= b0;
	w->head = 0;
}

static void raw_free(struct raw *w)
{
	ad_free(w->bytes);
	ad_free(w->fields);
	ad_free(w->rows);
}

/* ---- CSV parsing ---- */

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void cb_oom(struct ad_reader *r)
{
	if (!r->cb_failed)
		ad_error_nomem(&r->cb_err);
	r->cb_failed = 1;
}

static void on_field(void *s, size_t len, void *ctx)
{
	struct ad_reader *r = ctx;

	if (raw_add_field(&r->raw, s ? s : "", len) != 0)
		cb_oom(r);
}

static void on_row(int term, void *ctx)
{
	struct ad_reader *r = ctx;

	(void)term;
	if (raw_end_row(&r->raw, r->rec_line, NULL) != 0)
		cb_oom(r);
}

/* Reports a libcsv failure at line (the current one, or where the record
 * began when the input ended inside it). */
static enum ad_status csv_failure(struct ad_reader *r, uint64_t line,
    struct ad_error *err)
{
	int e = csv_error(&r->csv);

	if (r->cb_failed) {
		*err = r->cb_err;
		return err->code;
	}
	if (e == CSV_ENOMEM || e == CSV_ETOOBIG)
		return ad_error_nomem(err);
	return ad_error_at(err, AD_EDATA, r->name, line,
	    r->raw.nfields - r->raw.row_first + 1, r->eof ?
	    "quoted field not closed before the end of the input" :
	    "malformed quoted field (a quote must open a field and be "
	    "doubled inside it)");
}

/* Splits a complete, quote-free line the way libcsv would, its fields
 * slices of the line: in the input when it stays valid, else in one copy. */
static int fast_line(struct ad_reader *r, const char *s, size_t len)
{
	struct raw *w = &r->raw;
	const char *end = s + len, *p;
	char delim = r->opts.delim;
	size_t copy;

	if (end > s && end[-1] == '\n')
		end--;
	if (end > s && end[-1] == '\r')
		end--;
	if (end == s)
		return 0;               /* blank lines are no records */
	if (!r->stable && raw_add_bytes(w, s, (size_t)(end - s), &copy) != 0)
		return -1;
	for (p = s;;) {
		const char *d = memchr(p, delim, (size_t)(end - p));
		const char *fe = d ? d : end;

		if (raw_field_room(w) != 0)
			return -1;
		raw_put_field(w, (size_t)(p - s), (size_t)(fe - p));
		if (d == NULL)
			break;
		p = d + 1;
	}
	return raw_end_row(w, r->line, r->stable ? s : NULL);
}

/* Can this line bypass libcsv? Only a whole line, outside any record, with
 * no quote and no carriage return before its end. */
static int fast_ok(const struct ad_reader *r, const char *s, size_t len)
{
	const char *cr;

	if (r->opts.no_fast_path || r->csv.pstate != 0 ||
	    memchr(s, '"', len) != NULL)
		return 0;
	cr = memchr(s, '\r', len);
	return cr == NULL || cr == s + len - 2;
}

/* Reports the NUL byte at z, inside the chunk s: CSV is text, and a NUL
 * would cut a field short wherever it is used as a C string. The column
 * counts delimiters, so it is approximate inside quoted fields. */
static enum ad_status nul_byte(const struct ad_reader *r, const char *s,
    const char *z, struct ad_error *err)
{
	uint64_t line = r->line;
	size_t col = r->raw.nfields - r->raw.row_first + 1;

	for (const char *p = s; p < z; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else if (*p == r->opts.delim) {
			col++;
		}
	}
	return ad_error_at(err, AD_EDATA, r->name, line, col,
	    "NUL byte in the input (binary data is not CSV text)");
}

/* Feeds one chunk of input, line by line. */
static enum ad_status feed(struct ad_reader *r, const char *s, size_t len,
    struct ad_error *err)
{
	const char *z = memchr(s, '\0', len);

	if (z != NULL)
		return nul_byte(r, s, z, err);
	while (len > 0) {
		const char *nl = memchr(s, '\n', len);
		size_t n = nl ? (size_t)(nl - s) + 1 : len;

		if (r->at_line_start) {
			if (r->csv.pstate == 0)
				r->rec_line = r->line;
			r->at_line_start = 0;
		}
		if (nl != NULL && fast_ok(r, s, n)) {
			if (fast_line(r, s, n) != 0)
				return ad_error_nomem(err);
		} else if (csv_parse(&r->csv, s, n, on_field, on_row, r) != n ||
		    r->cb_failed) {
			return csv_failure(r, r->line, err);
		}
		if (nl != NULL) {
			r->line++;
			r->at_line_start = 1;
		}
		s += n;
		len -= n;
	}
	return AD_OK;
}

/* Reads input until at least want records are pending or the input ends. */
static enum ad_status read_pending(struct ad_reader *r, size_t want,
    struct ad_error *err)
{
	enum ad_status st;

	while (!r->eof && r->raw.nrows - r->raw.head < want) {
		const unsigned char *p;
		size_t n;

		raw_compact(&r->raw);
		if ((st = ad_in_next(r->in, &p, &n, err)) != AD_OK)
			return st;
		r->stable = ad_in_stable(r->in);
		if (!r->bom_checked) {
			r->bom_checked = 1;
			if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
				p += 3;
				n -= 3;
			}
		}
		if (n == 0) {
			r->eof = 1;
			if (csv_fini(&r->csv, on_field, on_row, r) != 0 ||
			    r->cb_failed)
				return csv_failure(r, r->rec_line, err);
			break;
		}
		if ((st = feed(r, (const char *)p, n, err)) != AD_OK)
			return st;
	}
	return AD_OK;
}

/* Reads input until at least want records are pending or the input ends.
 * Once the types are settled, a failure to read or split the input waits
 * in r->split_st until the records before it are converted: the first
 * error in input order wins, however the input came in pieces. */
static enum ad_status fill_pending(struct ad_reader *r, size_t want,
    struct ad_error *err)
{
	enum ad_status st = read_pending(r, want, err);

	if (st == AD_OK || r->block == NULL)
		return st;
	r->split_st = st;
	r->split_err = *err;
	r->eof = 1;
	return AD_OK;
}

/* ---- cell conversion ---- */

static int is_na(const struct ad_reader *r, const char *s, size_t len)
{
	for (size_t i = 0; i < r->n_na; i++)
		if (r->na_len[i] == len && memcmp(r->na[i], s, len) == 0)
			return 1;
	return 0;
}

/* Reads a numeric cell: 0 for a number or a missing token, -1 for a value
 * that is not a number, -2 for one out of range. */
static int parse_cell(const struct ad_reader *r, const char *s, size_t len,
    double *v)
{
	enum ad_num_result res;

	if (len == 0 || (r->na_has_number && is_na(r, s, len))) {
		*v = NAN;
		return 0;
	}
	res = ad_num_parse(s, len, v);
	if (res == AD_NUM_OK) {
		if (isnan(*v))
			*v = NAN;       /* one NaN, whatever the sign */
		return 0;
	}
	*v = NAN;
	if (!r->na_has_number && is_na(r, s, len))
		return 0;
	return res == AD_NUM_RANGE ? -2 : -1;
}

/* Keeps s[0..len) as an example of column col's invalid cells, if it is
 * among the first distinct few. */
static enum ad_status keep_example(struct ad_reader *r, size_t col,
    const char *s, size_t len, struct ad_error *err)
{
	struct examples *x = &r->bad[col];

	if (x->n == AD_READER_EXAMPLES)
		return AD_OK;
	if (len > EXAMPLE_BYTES)
		len = EXAMPLE_BYTES;
	for (size_t i = 0; i < x->n; i++)
		if (strncmp(x->text[i], s, len) == 0 && x->text[i][len] == '\0')
			return AD_OK;
	if ((x->text[x->n] = ad_strndup(s, len)) == NULL)
		return ad_error_nomem(err);
	x->n++;
	return AD_OK;
}

static enum ad_status invalid_cell(struct ad_reader *r, uint64_t line,
    size_t col, const char *s, size_t len, int why, struct ad_error *err)
{
	char ex[200];
	enum ad_status st;

	r->invalid[col]++;
	if ((st = keep_example(r, col, s, len, err)) != AD_OK)
		return st;
	if (!r->opts.strict)
		return AD_OK;
	ad_error_excerpt(ex, sizeof ex, s, len, NULL);
	return ad_error_at(err, AD_EDATA, r->name, line, col + 1,
	    "column \"%s\": %s, got \"%s\"", r->schema->cols[col].name,
	    why == -2 ? "number out of range" : "expected a number", ex);
}

static enum ad_status reject(struct ad_reader *r, const struct raw_row *row,
    struct ad_error *err)
{
	const char *fields[64], **fp = fields;
	size_t lens[64], *lp = lens;
	enum ad_status st = AD_OK;

	r->rejected++;
	if (r->opts.on_reject != NULL) {
		if (row->nfields > 64) {
			fp = ad_calloc(row->nfields, sizeof *fp);
			lp = ad_calloc(row->nfields, sizeof *lp);
			if (fp == NULL || lp == NULL) {
				st = ad_error_nomem(err);
				goto out;
			}
		}
		for (size_t i = 0; i < row->nfields; i++) {
			const struct raw_field *f = &r->raw.fields[row->first + i];
			fp[i] = raw_text(&r->raw, row) + f->off;
			lp[i] = f->len;
		}
		st = r->opts.on_reject(r->opts.reject_ctx, row->line,
		    row->nfields, fp, lp, err);
		if (st != AD_OK)
			goto out;
	}
	if (r->opts.limit_rejects && r->opts.max_rejects == 0)
		st = ad_error_at(err, AD_EDATA, r->name, row->line, 0,
		    "expected %zu fields, got %zu", r->schema->ncols,
		    row->nfields);
	else if (r->opts.limit_rejects && r->rejected > r->opts.max_rejects)
		st = ad_error_at(err, AD_EDATA, r->name, row->line, 0,
		    "expected %zu fields, got %zu; more than %llu rejected rows, "
		    "stopping", r->schema->ncols, row->nfields,
		    (unsigned long long)r->opts.max_rejects);
out:
	if (fp != fields)
		ad_free((void *)fp);
	if (lp != lens)
		ad_free(lp);
	return st;
}

/* For a block with num_text: copies the record's bytes into the arena at
 * once (its fields lie in order in its text) and points every cell's
 * text at them, numbers only where the text is their shortest form. */
static enum ad_status row_text(struct ad_reader *r, const struct raw_row *row,
    struct ad_error *err)
{
	struct ad_block *b = r->block;
	const struct raw_field *f = &r->raw.fields[row->first];
	const char *text = raw_text(&r->raw, row);
	size_t nc = r->schema->ncols, from = f[0].off, n, base, end;
	struct ad_text *t = b->text + b->nrows * nc;
	char *a;

	if (nc == 0)
		return AD_OK;
	n = f[nc - 1].off + f[nc - 1].len - from;
	base = b->arena_len;
	if (ad_add_size(base, n, &end) != 0 ||
	    (a = ad_grow(b->arena, &b->arena_cap, end, 1)) == NULL)
		return ad_error_nomem(err);
	b->arena = a;
	memcpy(a + base, text + from, n);
	b->arena_len = end;
	for (size_t c = 0; c < nc; c++) {
		const char *s = text + f[c].off;
		int keep = r->schema->cols[c].type == AD_NUMERIC ?
		    ad_num_is_shortest(s, f[c].len) : !is_na(r, s, f[c].len);

		t[c].off = base + (f[c].off - from);
		t[c].len = keep ? f[c].len : AD_TEXT_MISSING;
	}
	return AD_OK;
}

/* Converts one raw record into the next row of the block. */
static enum ad_status convert_row(struct ad_reader *r, const struct raw_row *row,
    struct ad_error *err)
{
	struct ad_block *b = r->block;
	size_t i = b->nrows, nc = r->schema->ncols;
	double *num = b->num + i * nc;
	const char *text = raw_text(&r->raw, row);
	enum ad_status st;

	if (b->num_text && (st = row_text(r, row, err)) != AD_OK)
		return st;
	for (size_t c = 0; c < nc; c++) {
		const struct raw_field *f = &r->raw.fields[row->first + c];
		const char *s = text + f->off;

		if (r->schema->cols[c].type == AD_NUMERIC) {
			int res = parse_cell(r, s, f->len, &num[c]);
			if (res != 0 && (st = invalid_cell(r, row->line, c, s,
			    f->len, res, err)) != AD_OK)
				return st;
		} else {
			num[c] = NAN;
			if (b->num_text)
				continue;       /* row_text set it */
			st = ad_block_set_text(b, i, c, s,
			    is_na(r, s, f->len) ? AD_TEXT_MISSING : f->len, err);
			if (st != AD_OK)
				return st;
		}
	}
	b->line[i] = row->line;
	b->nrows++;
	return AD_OK;
}

static enum ad_status csv_next(struct ad_reader *r, struct ad_error *err)
{
	struct ad_block *b = r->block;
	enum ad_status st;

	while (b->nrows < b->cap) {
		const struct raw_row *row;

		if (r->raw.head == r->raw.nrows) {
			if ((st = fill_pending(r, b->cap - b->nrows, err)) != AD_OK)
				return st;
			if (r->raw.head == r->raw.nrows && r->split_st != AD_OK) {
				*err = r->split_err;
				return r->split_st;
			}
			if (r->raw.head == r->raw.nrows)
				break;
		}
		row = &r->raw.rows[r->raw.head++];
		if (row->nfields != r->schema->ncols)
			st = reject(r, row, err);
		else
			st = convert_row(r, row, err);
		if (st != AD_OK)
			return st;
	}
	return AD_OK;
}

/* ---- header and types ---- */

/* Checks a column name: UTF-8 text, not seen before (a hash, so a header
 * of many thousand columns is no quadratic cost). */
/* The first control byte of s[0..len), or NULL. */
static const char *control_byte(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return s + i;
	return NULL;
}

/* A column name (excerpt ex) with control byte c: a tab in a CSV header
 * most likely separates columns. */
static enum ad_status bad_control(struct ad_reader *r, uint64_t line,
    size_t col, const char *ex, char c, struct ad_error *err)
{
	return ad_error_at(err, AD_EDATA, r->name, line, col + 1,
	    "column name \"%s\" holds a control character (\\x%02x)%s", ex,
	    (unsigned)(unsigned char)c, c == '\t' && r->format == AD_FORMAT_CSV ?
	    "; if tabs separate the columns, give -d tab" : "");
}

static enum ad_status check_name(struct ad_reader *r, uint64_t line,
    size_t col, const char *name, size_t len, struct ad_error *err)
{
	char ex[200];
	uint64_t seen;
	enum ad_status st;

	ad_error_excerpt(ex, sizeof ex, name, len, NULL);
	if (len > 0 && control_byte(name, len) != NULL)
		return bad_control(r, line, col, ex, *control_byte(name, len),
		    err);
	if (len == 0 || !ad_schema_name_ok(name, len))
		return ad_error_at(err, AD_EDATA, r->name, line, col + 1,
		    "column name \"%s\" is not valid UTF-8 text", ex);
	if (r->names == NULL && (st = ad_counter_new(&r->names, err)) != AD_OK)
		return st;
	if ((st = ad_counter_add(r->names, name, len, &seen, err)) != AD_OK)
		return st;
	if (seen > 1)
		return ad_error_at(err, AD_EDATA, r->name, line, col + 1,
		    "duplicate column name \"%s\"", ex);
	return AD_OK;
}

/* Adds a CSV column; an empty name becomes cN, as with -n. */
static enum ad_status add_column(struct ad_reader *r, uint64_t line, size_t col,
    const char *name, size_t len, struct ad_error *err)
{
	char gen[32];
	enum ad_status st;

	if (len == 0) {
		len = (size_t)snprintf(gen, sizeof gen, "c%zu", col + 1);
		name = gen;
	}
	if ((st = check_name(r, line, col, name, len, err)) != AD_OK)
		return st;
	return ad_schema_add(r->schema, name, len, AD_NUMERIC, err);
}

static enum ad_status csv_header(struct ad_reader *r, struct ad_error *err)
{
	const struct raw_row *row;
	enum ad_status st;

	if ((st = fill_pending(r, 1, err)) != AD_OK)
		return st;
	if (r->raw.head == r->raw.nrows) {
		if (r->opts.no_header)
			return AD_OK;
		return ad_error_at(err, AD_EDATA, r->name, 1, 0,
		    "empty input: expected a header row");
	}
	row = &r->raw.rows[r->raw.head];
	for (size_t c = 0; c < row->nfields; c++) {
		const struct raw_field *f = &r->raw.fields[row->first + c];
		const char *name = r->opts.no_header ? "" :
		    raw_text(&r->raw, row) + f->off;
		size_t len = r->opts.no_header ? 0 : f->len;

		if ((st = add_column(r, row->line, c, name, len, err)) != AD_OK)
			return st;
	}
	if (!r->opts.no_header)
		r->raw.head++;
	return AD_OK;
}

/* Applies the caller's fixed types; a named column must exist. */
static enum ad_status apply_types(struct ad_reader *r,
    const struct ad_schema *t, unsigned char *fixed, struct ad_error *err)
{

	for (size_t i = 0; t != NULL && i < t->ncols; i++) {
		size_t c = ad_schema_find(r->schema, t->cols[i].name);

		if (c == SIZE_MAX)
			return ad_schema_not_found(r->schema, r->name, "",
			    t->cols[i].name, err);
		if (r->format == AD_FORMAT_BIN &&
		    r->schema->cols[c].type != t->cols[i].type)
			return ad_error_at(err, AD_EDATA, r->name, 0, c + 1,
			    "column \"%s\" is %s in the input but %s in the schema",
			    t->cols[i].name, ad_schema_type_name(r->schema->cols[c].type),
			    ad_schema_type_name(t->cols[i].type));
		r->schema->cols[c].type = t->cols[i].type;
		fixed[c] = 1;
	}
	return AD_OK;
}

/* Whether s[0..len) is written with a leading zero, as a code is
 * ("02134", "007") and a number is not ("0", "0.5", "-0.25"). */
static int leading_zero(const char *s, size_t len)
{
	size_t i = len > 0 && (s[0] == '-' || s[0] == '+');

	return i + 1 < len && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9';
}

/* A column is numeric when most (more than half) of its non-missing values
 * in the first rows parse as numbers: a few bad cells then count as invalid
 * rather than turning a metric into text. A column with no values yet is
 * numeric, its cells missing. A column with a number written with a
 * leading zero is text: it holds codes (ZIP codes, ids) whose zeros
 * matter. */
static void infer_types(struct ad_reader *r, const unsigned char *fixed)
{
	size_t nc = r->schema->ncols;

	for (size_t c = 0; c < nc; c++) {
		uint64_t present = 0, numbers = 0, zeros = 0;

		if (fixed[c])
			continue;
		size_t end = r->raw.nrows - r->raw.head > r->opts.infer_rows ?
		    r->raw.head + r->opts.infer_rows : r->raw.nrows;

		for (size_t i = r->raw.head; i < end; i++) {
			const struct raw_row *row = &r->raw.rows[i];
			const struct raw_field *f;
			const char *s;
			double v;

			if (row->nfields != nc)
				continue;
			f = &r->raw.fields[row->first + c];
			s = raw_text(&r->raw, row) + f->off;
			if (f->len == 0 || is_na(r, s, f->len))
				continue;
			present++;
			/* out of range is still a number, if an invalid one */
			if (ad_num_parse(s, f->len, &v) !=
			    AD_NUM_INVALID) {
				numbers++;
				zeros += leading_zero(s, f->len);
			}
		}
		r->schema->cols[c].type = zeros == 0 &&
		    (numbers * 2 > present || present == 0) ? AD_NUMERIC : AD_TEXT;
	}
}

static enum ad_status csv_open(struct ad_reader *r, struct ad_error *err)
{
	if (csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return ad_error_nomem(err);
	r->csv_ready = 1;
	csv_set_delim(&r->csv, (unsigned char)r->opts.delim);
	csv_set_space_func(&r->csv, no_space);
	csv_set_realloc_func(&r->csv, ad_realloc);
	/* libcsv grows its field buffer by this much at a time; its default
	 * of 128 bytes makes a long field quadratic. */
	csv_set_blk_size(&r->csv, 1 << 20);
	csv_set_free_func(&r->csv, ad_free);
	r->line = 1;
	r->at_line_start = 1;
	return csv_header(r, err);
}

/* Fixes the types t names and infers the others' from the first rows. */
static enum ad_status csv_types(struct ad_reader *r, const struct ad_schema *t,
    struct ad_error *err)
{
	unsigned char *fixed;
	enum ad_status st;

	if ((fixed = ad_calloc(r->schema->ncols, 1)) == NULL)
		return ad_error_nomem(err);
	st = apply_types(r, t, fixed, err);
	if (st == AD_OK)
		st = fill_pending(r, r->opts.infer_rows, err);
	if (st == AD_OK)
		infer_types(r, fixed);
	ad_free(fixed);
	return st;
}

/* ---- binary stream ---- */

static enum ad_status bin_open(struct ad_reader *r, struct ad_error *err)
{
	enum ad_status st;

	st = ad_binfmt_read_header(r->in, r->name, r->schema, &r->bin_version,
	    &r->lineage, err);
	if (st != AD_OK)
		return st;
	for (size_t c = 0; c < r->schema->ncols; c++) {
		const char *n = r->schema->cols[c].name;
		if ((st = check_name(r, 0, c, n, strlen(n), err)) != AD_OK)
			return st;
	}
	r->bin_first = ad_in_offset(r->in);
	return AD_OK;
}

/* Checks that the types t names are the stream's own. */
static enum ad_status bin_types(struct ad_reader *r, const struct ad_schema *t,
    struct ad_error *err)
{
	unsigned char *fixed;
	enum ad_status st;

	if ((fixed = ad_calloc(r->schema->ncols, 1)) == NULL)
		return ad_error_nomem(err);
	st = apply_types(r, t, fixed, err);
	ad_free(fixed);
	return st;
}

static enum ad_status bin_next(struct ad_reader *r, struct ad_error *err)
{
	enum ad_status st;

	if (r->bin_done)
		return AD_OK;
	st = ad_binfmt_read_block(r->in, r->name, r->schema, r->block,
	    r->rows, r->bin_version, &r->lineage, &r->bin_done, err);
	return st;
}

/* ---- public ---- */

enum ad_status ad_reader_open_schema(struct ad_reader **out,
    const struct ad_reader_opts *opts, struct ad_error *err)
{
	struct ad_reader *r;
	const unsigned char *head;
	const char *kind;
	size_t n;
	enum ad_status st;

	if ((r = ad_calloc(1, sizeof *r)) == NULL) {
		ad_in_close(opts->from);
		return ad_error_nomem(err);
	}
	r->opts = *opts;
	r->in = opts->from;
	if (r->opts.delim == 0)
		r->opts.delim = ',';
	if (r->opts.infer_rows == 0)
		r->opts.infer_rows = AD_INFER_ROWS;
	r->na = opts->na ? opts->na : ad_reader_default_na;
	r->n_na = opts->na ? opts->n_na : ad_reader_default_na_count;
	if ((r->na_len = ad_calloc(r->n_na + 1, sizeof *r->na_len)) == NULL) {
		st = ad_error_nomem(err);
		goto fail;
	}
	for (size_t i = 0; i < r->n_na; i++) {
		double v;
		r->na_len[i] = strlen(r->na[i]);
		if (ad_num_parse(r->na[i], r->na_len[i], &v) == AD_NUM_OK &&
		    !isnan(v))
			r->na_has_number = 1;
	}
	if (r->in == NULL && (st = ad_in_open(&r->in, opts->path, err)) != AD_OK)
		goto fail;
	r->name = (char *)ad_in_name(r->in);
	if ((st = ad_schema_new(&r->schema, err)) != AD_OK)
		goto fail;
	if ((st = ad_in_peek(r->in, AD_BINFMT_MAGIC_LEN, &head, &n, err)) != AD_OK)
		goto fail;
	if (ad_binfmt_is_magic(head, n) || ad_binfmt_is_cut_magic(head, n)) {
		r->format = AD_FORMAT_BIN;
		st = bin_open(r, err);
	} else if ((kind = ad_file_kind(head, n)) != NULL) {
		st = ad_error_at(err, AD_EDATA, r->name, 0, 0, "%s, not data "
		    "(CSV or an adkit data stream)", kind);
	} else {
		r->format = AD_FORMAT_CSV;
		st = csv_open(r, err);
	}
	if (st != AD_OK)
		goto fail;
	*out = r;
	return AD_OK;
fail:
	ad_reader_free(r);
	return st;
}

enum ad_status ad_reader_set_types(struct ad_reader *r,
    const struct ad_schema *types, struct ad_error *err)
{
	enum ad_status st;

	if (r->block != NULL)
		return ad_error_set(err, AD_EIO,
		    "internal: the reader's types are already set");
	st = r->format == AD_FORMAT_BIN ? bin_types(r, types, err) :
	    csv_types(r, types, err);
	if (st != AD_OK)
		return st;
	r->invalid = ad_calloc(r->schema->ncols, sizeof *r->invalid);
	r->bad = ad_calloc(r->schema->ncols, sizeof *r->bad);
	if (r->invalid == NULL || r->bad == NULL)
		return ad_error_nomem(err);
	if ((st = ad_block_new(&r->block, r->schema->ncols,
	    ad_block_rows(r->schema->ncols), err)) != AD_OK)
		return st;
	r->block->num_text = r->format == AD_FORMAT_CSV && r->opts.number_text;
	ad_counter_free(r->names);
	r->names = NULL;
	return AD_OK;
}

enum ad_status ad_reader_open(struct ad_reader **out,
    const struct ad_reader_opts *opts, struct ad_error *err)
{
	struct ad_reader *r;
	enum ad_status st;

	if ((st = ad_reader_open_schema(&r, opts, err)) != AD_OK)
		return st;
	if ((st = ad_reader_set_types(r, opts->types, err)) != AD_OK) {
		ad_reader_free(r);
		return st;
	}
	*out = r;
	return AD_OK;
}

enum ad_status ad_reader_next(struct ad_reader *r, struct ad_block **b,
    struct ad_error *err)
{
	enum ad_status st;

	if (r->block == NULL)
		return ad_error_set(err, AD_EIO,
		    "internal: the reader's types are not set");
	ad_block_clear(r->block);
	if (r->format == AD_FORMAT_BIN)
		st = bin_next(r, err);
	else
		st = csv_next(r, err);
	if (st != AD_OK)
		return st;
	r->rows += r->block->nrows;
	*b = r->block;
	return AD_OK;
}

enum ad_status ad_reader_take_block(struct ad_reader *r, struct ad_block **b,
    struct ad_error *err)
{
	struct ad_block *fresh;
	enum ad_status st = ad_block_new(&fresh, r->schema->ncols,
	    ad_block_rows(r->schema->ncols), err);

	if (st != AD_OK)
		return st;
	*b = r->block;
	r->block = fresh;
	return AD_OK;
}

int ad_reader_can_rewind(const struct ad_reader *r)
{
	return r->format == AD_FORMAT_BIN && ad_in_seekable(r->in);
}

enum ad_status ad_reader_rewind(struct ad_reader *r, struct ad_error *err)
{
	enum ad_status st;

	if (!ad_reader_can_rewind(r))
		return ad_error_at(err, AD_EIO, r->name, 0, 0,
		    "cannot read the input again");
	/* a tap (a digest of the input) has seen every byte once already */
	ad_in_set_tap(r->in, NULL, NULL);
	if ((st = ad_in_seek(r->in, r->bin_first, err)) != AD_OK)
		return st;
	ad_block_clear(r->block);
	r->rows = 0;
	r->bin_done = 0;
	return AD_OK;
}

const struct ad_schema *ad_reader_schema(const struct ad_reader *r)
{
	return r->schema;
}

enum ad_format ad_reader_format(const struct ad_reader *r)
{
	return r->format;
}

const char *ad_reader_name(const struct ad_reader *r)
{
	return r->name;
}

uint64_t ad_reader_rows(const struct ad_reader *r)
{
	return r->rows;
}

uint64_t ad_reader_rejected(const struct ad_reader *r)
{
	return r->rejected;
}

const uint64_t *ad_reader_invalid(const struct ad_reader *r)
{
	return r->invalid;
}

const char *const *ad_reader_invalid_examples(const struct ad_reader *r,
    size_t col, size_t *n)
{
	*n = r->bad[col].n;
	return (const char *const *)r->bad[col].text;
}

void ad_reader_locate(const struct ad_reader *r, struct ad_error *err)
{
	if (r != NULL && r->format == AD_FORMAT_BIN && err->line > 0 &&
	    strcmp(err->file, r->name) == 0)
		err->row = 1;
}

void ad_reader_free(struct ad_reader *r)
{
	if (r == NULL)
		return;
	if (r->csv_ready)
		csv_free(&r->csv);
	raw_free(&r->raw);
	ad_block_free(r->block);
	for (size_t c = 0; r->bad != NULL && c < r->schema->ncols; c++)
		for (size_t i = 0; i < r->bad[c].n; i++)
			ad_free(r->bad[c].text[i]);
	ad_free(r->bad);
	ad_schema_free(r->schema);
	ad_counter_free(r->names);
	ad_free(r->invalid);
	ad_free(r->na_len);
	ad_lineage_clear(&r->lineage);
	ad_in_close(r->in);
	ad_free(r);
}

const struct ad_lineage *ad_reader_lineage(const struct ad_reader *r)
{
	return r->format == AD_FORMAT_BIN && r->bin_version >= 2 ?
	    &r->lineage : NULL;
}
