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
 *
 * The header and the rows that settle the types are read that way, on the
 * calling thread. The rest is cut into chunks at record boundaries
 * (chunk.h) and a batch of chunks is parsed at once, one chunk per job on
 * the thread pool, each with a parser of its own: its good rows land in
 * blocks of its own, its rejected records are kept aside with their place,
 * and its first failure ends it. The calling thread then hands the rows
 * out in input order, calling the reject callback and reporting a failure
 * when their turn comes, so rows, line numbers, rejects, counts and the
 * first error are the same whatever the thread count.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "ahead.h"
#include "alloc.h"
#include "binfmt.h"
#include "chunk.h"
#include "counter.h"
#include "in.h"
#include "lineage.h"
#include "num.h"
#include "pool.h"
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

/* A CSV parser's state: libcsv, the fast path, the line count, and the
 * records it produced. The reader has one; so does each chunk. */
struct splitter {
	struct csv_parser csv;
	int csv_ready;
	int stable;               /* the bytes being fed stay valid until the
	                             records are converted */
	struct raw raw;
	uint64_t line;            /* line being fed, 1-based */
	uint64_t rec_line;        /* line where the current record started */
	int at_line_start;
	struct ad_error cb_err;   /* an error raised inside a libcsv callback */
	int cb_failed;
	const char *name;         /* for messages */
	char delim;
	int no_fast_path;
};

/* One chunk of the input and what parsing it gave; lines count from 1 at
 * the chunk's start until the reader hands its rows out. */
struct slot {
	struct ad_chunk bytes;
	int unread;               /* no bytes: a failure to read (st, err) */
	struct splitter sp;
	struct ad_block **blocks; /* the good rows, ad_block_rows a block */
	size_t nblocks, cap_blocks;
	size_t nrows;             /* good rows */
	struct raw rej;           /* rejected records, copied */
	size_t *rej_pos;          /* per rejected record: good rows before it */
	size_t cap_rej_pos;
	uint64_t *invalid;        /* per column */
	struct examples *bad;     /* per column: its first invalid cells */
	uint64_t lines;           /* newlines in the chunk */
	enum ad_status st;        /* a failure after every row and reject */
	struct ad_error err;
	size_t out_row, out_rej;  /* handed out so far */
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
	struct splitter sp;       /* the header and the first rows */
	const unsigned char *rest; /* the unparsed bytes of the last piece */
	size_t nrest;
	int eof;
	int bom_checked;
	enum ad_status split_st;  /* a failure to read or split, waiting for */
	struct ad_error split_err; /* the records before it (fill_pending) */
	/* CSV, in chunks */
	unsigned threads;
	size_t chunk_bytes;
	int has_text;             /* blocks carry text: copy their arenas */
	size_t bcap;              /* rows of a block */
	int num_text;             /* blocks keep numbers' text */
	struct ad_chunker *chunker; /* NULL until the chunks begin */
	struct slot *slots;       /* two sets of nslots with an ahead thread */
	size_t nslots;
	struct slot *set;         /* the set being handed out */
	size_t set_ready[2];      /* parsed slots of each set */
	size_t ready, cur;        /* set[cur..ready) are parsed, unread */
	int chunks_done;          /* the last chunk has been handed out */
	uint64_t next_line;       /* line where set[cur] starts */
	size_t nsets;             /* 2 with an ahead thread, else 1 */
	int use_ahead;            /* set before the ahead thread starts */
	struct ad_ahead *ahead;   /* parses the next set meanwhile, or NULL */
	int taken;                /* the set being handed out, or -1 */
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
	/* a chunk's fast-path records copy no bytes: bytes may be NULL */
	if (w->bytes != NULL)
		memmove(w->bytes, w->bytes + b0, w->nbytes - b0);
	w->nbytes -= b0;
	if (w->fields != NULL)
		memmove(w->fields, w->fields + f0,
		    (w->nfields - f0) * sizeof *w->fields);
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

static void cb_oom(struct splitter *sp)
{
	if (!sp->cb_failed)
		ad_error_nomem(&sp->cb_err);
	sp->cb_failed = 1;
}

static void on_field(void *s, size_t len, void *ctx)
{
	struct splitter *sp = ctx;

	if (raw_add_field(&sp->raw, s ? s : "", len) != 0)
		cb_oom(sp);
}

static void on_row(int term, void *ctx)
{
	struct splitter *sp = ctx;

	(void)term;
	if (raw_end_row(&sp->raw, sp->rec_line, NULL) != 0)
		cb_oom(sp);
}

/* Sets up a parser that starts at line 1 of a record boundary. */
static enum ad_status splitter_init(struct splitter *sp, const char *name,
    char delim, int no_fast_path, struct ad_error *err)
{
	if (csv_init(&sp->csv, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return ad_error_nomem(err);
	sp->csv_ready = 1;
	csv_set_delim(&sp->csv, (unsigned char)delim);
	csv_set_space_func(&sp->csv, no_space);
	csv_set_realloc_func(&sp->csv, ad_realloc);
	/* libcsv grows its field buffer by this much at a time; its default
	 * of 128 bytes makes a long field quadratic. */
	csv_set_blk_size(&sp->csv, 1 << 20);
	csv_set_free_func(&sp->csv, ad_free);
	sp->name = name;
	sp->delim = delim;
	sp->no_fast_path = no_fast_path;
	sp->line = 1;
	sp->at_line_start = 1;
	sp->cb_failed = 0;
	return AD_OK;
}

static void splitter_free(struct splitter *sp)
{
	if (sp->csv_ready)
		csv_free(&sp->csv);
	sp->csv_ready = 0;
	raw_free(&sp->raw);
}

/* Empties the record queue, keeping its memory. */
static void raw_reset(struct raw *w)
{
	w->nbytes = w->nfields = w->nrows = w->head = 0;
	w->row_first = w->row_byte0 = 0;
}

/* Reports a libcsv failure at line (the current one, or where the record
 * began when the input ended inside it, at_eof). */
static enum ad_status csv_failure(struct splitter *sp, uint64_t line,
    int at_eof, struct ad_error *err)
{
	int e = csv_error(&sp->csv);

	if (sp->cb_failed) {
		*err = sp->cb_err;
		return err->code;
	}
	if (e == CSV_ENOMEM || e == CSV_ETOOBIG)
		return ad_error_nomem(err);
	return ad_error_at(err, AD_EDATA, sp->name, line,
	    sp->raw.nfields - sp->raw.row_first + 1, at_eof ?
	    "quoted field not closed before the end of the input" :
	    "malformed quoted field (a quote must open a field and be "
	    "doubled inside it)");
}

/* Ends the input: the last record, if it had no newline. */
static enum ad_status splitter_finish(struct splitter *sp,
    struct ad_error *err)
{
	if (csv_fini(&sp->csv, on_field, on_row, sp) != 0 || sp->cb_failed)
		return csv_failure(sp, sp->rec_line, 1, err);
	return AD_OK;
}

/* The bytes that end a quote-free line's field or the fast path: the
 * delimiter, a quote (libcsv's line), a carriage return, a newline. */
struct stops {
	unsigned delims;          /* bit i: s[i] is the delimiter */
	unsigned stop;            /* bit i: s[i] is '"', '\r' or '\n' */
};

#ifdef __SSE2__
#include <emmintrin.h>

/* The stops among the 16 bytes at s. */
static inline struct stops stops16(const char *s, __m128i delim)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	struct stops t;

	t.delims = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, delim));
	t.stop = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
	return t;
}
#endif

/* Splits a line at s (len bytes available) the way libcsv would, in one
 * pass, when it is whole, has no quote and no carriage return but one
 * before its newline: its fields become slices of the line (in the input
 * when it stays valid, else in one copy). Returns 1 with *used set to the
 * line's bytes, newline included; 0 if the line must go to libcsv (its
 * fields taken back); -1 when out of memory. A blank line is no record. */
static int fast_line(struct splitter *sp, const char *s, size_t len,
    size_t *used)
{
	struct raw *w = &sp->raw;
	const char *p = s, *lim = s + len, *field = s, *end = NULL;
	size_t nf0 = w->nfields, copy;
	char delim = sp->delim;

#ifdef __SSE2__
	__m128i vdelim = _mm_set1_epi8(delim);

	for (; end == NULL && lim - p >= 16; p += 16) {
		struct stops t = stops16(p, vdelim);

		if (t.stop != 0) {
			int at = __builtin_ctz(t.stop);
			t.delims &= (1u << at) - 1;
			end = p + at;
		}
		for (; t.delims != 0; t.delims &= t.delims - 1) {
			const char *d = p + __builtin_ctz(t.delims);
			if (raw_field_room(w) != 0)
				return -1;
			raw_put_field(w, (size_t)(field - s), (size_t)(d - field));
			field = d + 1;
		}
	}
#endif
	for (; end == NULL && p < lim; p++) {
		char c = *p;

		if (c == '"' || c == '\r' || c == '\n') {
			end = p;
		} else if (c == delim) {
			if (raw_field_room(w) != 0)
				return -1;
			raw_put_field(w, (size_t)(field - s), (size_t)(p - field));
			field = p + 1;
		}
	}
	/* a quote, a lone carriage return, or no newline yet: libcsv's */
	if (end == NULL || *end == '"' || (*end == '\r' &&
	    (end + 1 == lim || end[1] != '\n'))) {
		w->nfields = nf0;
		return 0;
	}
	*used = (size_t)(end - s) + (*end == '\r' ? 2 : 1);
	if (end == s)
		return 1;               /* blank lines are no records */
	if (raw_field_room(w) != 0)
		return -1;
	raw_put_field(w, (size_t)(field - s), (size_t)(end - field));
	if (!sp->stable && raw_add_bytes(w, s, (size_t)(end - s), &copy) != 0)
		return -1;
	return raw_end_row(w, sp->line, sp->stable ? s : NULL) != 0 ? -1 : 1;
}

/* Reports the NUL byte at z, on the line that s starts: CSV is text, and a
 * NUL would cut a field short wherever it is used as a C string. The
 * column counts delimiters, so it is approximate inside quoted fields. */
static enum ad_status nul_byte(const struct splitter *sp, const char *s,
    const char *z, struct ad_error *err)
{
	size_t col = sp->raw.nfields - sp->raw.row_first + 1;

	for (const char *p = s; p < z; p++)
		if (*p == sp->delim)
			col++;
	return ad_error_at(err, AD_EDATA, sp->name, sp->line, col,
	    "NUL byte in the input (binary data is not CSV text)");
}

/* Feeds len bytes at s that hold no NUL, line by line. */
static enum ad_status feed_lines(struct splitter *sp, const char *s,
    size_t len, struct ad_error *err)
{
	while (len > 0) {
		const char *nl;
		size_t n;
		int fast;

		if (sp->at_line_start) {
			if (sp->csv.pstate == 0)
				sp->rec_line = sp->line;
			sp->at_line_start = 0;
		}
		if (!sp->no_fast_path && sp->csv.pstate == 0 &&
		    (fast = fast_line(sp, s, len, &n)) != 0) {
			if (fast < 0)
				return ad_error_nomem(err);
			nl = s + n - 1;
		} else {
			nl = memchr(s, '\n', len);
			n = nl ? (size_t)(nl - s) + 1 : len;
			if (csv_parse(&sp->csv, s, n, on_field, on_row, sp) != n ||
			    sp->cb_failed)
				return csv_failure(sp, sp->line, 0, err);
		}
		if (nl != NULL) {
			sp->line++;
			sp->at_line_start = 1;
		}
		s += n;
		len -= n;
	}
	return AD_OK;
}

/* Feeds one piece of input; a NUL byte fails once the lines before its
 * line are fed, so an earlier error comes first. */
static enum ad_status feed(struct splitter *sp, const char *s, size_t len,
    struct ad_error *err)
{
	const char *z = memchr(s, '\0', len), *nl;
	enum ad_status st;

	if (z == NULL)
		return feed_lines(sp, s, len, err);
	nl = memrchr(s, '\n', (size_t)(z - s));
	if (nl != NULL && (st = feed_lines(sp, s, (size_t)(nl + 1 - s), err)) !=
	    AD_OK)
		return st;
	return nul_byte(sp, nl != NULL ? nl + 1 : s, z, err);
}

/* Feeds the reader's own parser the next line of input (reading a piece
 * when none is left), so that what follows is left unparsed in r->rest
 * for the chunks: a failure after the rows needed then waits its turn. */
static enum ad_status feed_one_line(struct ad_reader *r, struct ad_error *err)
{
	const unsigned char *nl;
	size_t k;
	enum ad_status st;

	if (r->nrest == 0) {
		raw_compact(&r->sp.raw);
		if ((st = ad_in_next(r->in, &r->rest, &r->nrest, err)) != AD_OK)
			return st;
		r->sp.stable = ad_in_stable(r->in);
		if (!r->bom_checked) {
			r->bom_checked = 1;
			if (r->nrest >= 3 && memcmp(r->rest, "\xEF\xBB\xBF", 3) == 0) {
				r->rest += 3;
				r->nrest -= 3;
			}
		}
		if (r->nrest == 0) {
			r->eof = 1;
			return splitter_finish(&r->sp, err);
		}
	}
	nl = memchr(r->rest, '\n', r->nrest);
	k = nl != NULL ? (size_t)(nl + 1 - r->rest) : r->nrest;
	if ((st = feed(&r->sp, (const char *)r->rest, k, err)) != AD_OK)
		return st;
	r->rest += k;
	r->nrest -= k;
	return AD_OK;
}

/* Reads input until at least want records are pending or the input ends. */
static enum ad_status read_pending(struct ad_reader *r, size_t want,
    struct ad_error *err)
{
	enum ad_status st;

	while (!r->eof && r->sp.raw.nrows - r->sp.raw.head < want)
		if ((st = feed_one_line(r, err)) != AD_OK)
			return st;
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

/* Keeps s[0..len) in x, a column's invalid cells, if it is among the
 * first distinct few. Chunks keep their own and the reader merges them in
 * input order, which keeps the same first few as one pass would. */
static enum ad_status keep_example(struct examples *x, const char *s,
    size_t len, struct ad_error *err)
{
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

/* Adds from's examples, in order, to into's (both ncols columns). */
static enum ad_status merge_examples(struct examples *into,
    const struct examples *from, size_t ncols, struct ad_error *err)
{
	enum ad_status st;

	for (size_t c = 0; c < ncols; c++)
		for (size_t i = 0; i < from[c].n; i++)
			if ((st = keep_example(&into[c], from[c].text[i],
			    strlen(from[c].text[i]), err)) != AD_OK)
				return st;
	return AD_OK;
}

static void clear_examples(struct examples *x, size_t ncols)
{
	for (size_t c = 0; x != NULL && c < ncols; c++) {
		for (size_t i = 0; i < x[c].n; i++)
			ad_free(x[c].text[i]);
		x[c].n = 0;
	}
}

static enum ad_status invalid_cell(const struct ad_reader *r,
    uint64_t *invalid, struct examples *bad, uint64_t line, size_t col,
    const char *s, size_t len, int why, struct ad_error *err)
{
	char ex[200];
	enum ad_status st;

	invalid[col]++;
	if ((st = keep_example(&bad[col], s, len, err)) != AD_OK)
		return st;
	if (!r->opts.strict)
		return AD_OK;
	ad_error_excerpt(ex, sizeof ex, s, len, NULL);
	return ad_error_at(err, AD_EDATA, r->name, line, col + 1,
	    "column \"%s\": %s, got \"%s\"", r->schema->cols[col].name,
	    why == -2 ? "number out of range" : "expected a number", ex);
}

/* Counts a record rejected for its field count (row of w, at line),
 * passes it to the callback and applies the limit. */
static enum ad_status reject(struct ad_reader *r, const struct raw *w,
    const struct raw_row *row, uint64_t line, struct ad_error *err)
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
			const struct raw_field *f = &w->fields[row->first + i];
			fp[i] = raw_text(w, row) + f->off;
			lp[i] = f->len;
		}
		st = r->opts.on_reject(r->opts.reject_ctx, line,
		    row->nfields, fp, lp, err);
		if (st != AD_OK)
			goto out;
	}
	if (r->opts.limit_rejects && r->opts.max_rejects == 0)
		st = ad_error_at(err, AD_EDATA, r->name, line, 0,
		    "expected %zu fields, got %zu", r->schema->ncols,
		    row->nfields);
	else if (r->opts.limit_rejects && r->rejected > r->opts.max_rejects)
		st = ad_error_at(err, AD_EDATA, r->name, line, 0,
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
static enum ad_status row_text(const struct ad_reader *r, struct ad_block *b,
    const struct raw *w, const struct raw_row *row, struct ad_error *err)
{
	const struct raw_field *f = &w->fields[row->first];
	const char *text = raw_text(w, row);
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

/* Converts record row of w into the next row of b, counting cells that
 * are no numbers in invalid and keeping the first few in bad. Reads r
 * only, so chunks convert at once. */
static enum ad_status convert_row(const struct ad_reader *r,
    struct ad_block *b, uint64_t *invalid, struct examples *bad,
    const struct raw *w, const struct raw_row *row, struct ad_error *err)
{
	size_t i = b->nrows, nc = r->schema->ncols;
	double *num = b->num + i * nc;
	const char *text = raw_text(w, row);
	enum ad_status st;

	if (b->num_text && (st = row_text(r, b, w, row, err)) != AD_OK)
		return st;
	for (size_t c = 0; c < nc; c++) {
		const struct raw_field *f = &w->fields[row->first + c];
		const char *s = text + f->off;

		if (r->schema->cols[c].type == AD_NUMERIC) {
			int res = parse_cell(r, s, f->len, &num[c]);
			if (res != 0 && (st = invalid_cell(r, invalid, bad,
			    row->line, c, s, f->len, res, err)) != AD_OK)
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

/* ---- chunks ---- */

/* Default bytes of a chunk: enough that a job outweighs its start, few
 * enough that the rows of the chunks in hand stay a few MiB. */
#define CHUNK_BYTES ((size_t)256 << 10)

/* Chunks parsed at once, at most (a set). */
#define MAX_SLOTS 16

/* Bytes fed to a chunk's parser at a time, so that its records are
 * converted while their bytes are still in the cache. */
#define FEED_BYTES ((size_t)64 << 10)

/* The slot's block that takes its next good row. */
static enum ad_status slot_block(const struct ad_reader *r, struct slot *s,
    struct ad_block **b, struct ad_error *err)
{
	struct ad_block *last = s->nblocks ? s->blocks[s->nblocks - 1] : NULL;
	enum ad_status st;

	if (last != NULL && last->nrows < last->cap) {
		*b = last;
		return AD_OK;
	}
	if (s->nblocks == s->cap_blocks) {
		size_t cap = s->cap_blocks;
		struct ad_block **g = ad_grow(s->blocks, &cap, s->nblocks + 1,
		    sizeof *g);
		if (g == NULL)
			return ad_error_nomem(err);
		for (size_t i = s->cap_blocks; i < cap; i++)
			g[i] = NULL;
		s->blocks = g;
		s->cap_blocks = cap;
	}
	if (s->blocks[s->nblocks] == NULL && (st = ad_block_new(
	    &s->blocks[s->nblocks], r->schema->ncols, r->bcap, err)) != AD_OK)
		return st;
	*b = s->blocks[s->nblocks++];
	ad_block_clear(*b);
	(*b)->num_text = r->num_text;
	return AD_OK;
}

/* Keeps a copy of a rejected record, with the good rows before it. */
static enum ad_status slot_reject(struct slot *s, const struct raw *w,
    const struct raw_row *row, struct ad_error *err)
{
	size_t n = s->rej.nrows;
	size_t *pos = ad_grow(s->rej_pos, &s->cap_rej_pos, n + 1, sizeof *pos);

	if (pos == NULL)
		return ad_error_nomem(err);
	s->rej_pos = pos;
	for (size_t i = 0; i < row->nfields; i++) {
		const struct raw_field *f = &w->fields[row->first + i];
		if (raw_add_field(&s->rej, raw_text(w, row) + f->off, f->len) != 0)
			return ad_error_nomem(err);
	}
	if (raw_end_row(&s->rej, row->line, NULL) != 0)
		return ad_error_nomem(err);
	s->rej_pos[n] = s->nrows;
	return AD_OK;
}

/* Converts the records the slot's parser has produced, then drops them. */
static enum ad_status slot_convert(const struct ad_reader *r, struct slot *s,
    struct ad_error *err)
{
	struct raw *w = &s->sp.raw;
	enum ad_status st = AD_OK;

	for (; w->head < w->nrows && st == AD_OK; w->head++) {
		const struct raw_row *row = &w->rows[w->head];
		struct ad_block *b = NULL;

		if (row->nfields != r->schema->ncols) {
			st = slot_reject(s, w, row, err);
		} else if ((st = slot_block(r, s, &b, err)) == AD_OK &&
		    (st = convert_row(r, b, s->invalid, s->bad, w, row, err)) ==
		    AD_OK) {
			s->nrows++;
		}
	}
	raw_compact(w);
	return st;
}

/* Parses and converts the slot's chunk; a failure stays in the slot. */
static enum ad_status slot_parse(const struct ad_reader *r, struct slot *s,
    struct ad_error *err)
{
	const char *p = s->bytes.p;
	size_t n = s->bytes.n;
	enum ad_status st;

	s->sp.stable = 1;
	while (n > 0) {
		size_t k = n < FEED_BYTES ? n : FEED_BYTES;
		const char *nl = memchr(p + k - 1, '\n', n - k + 1);

		k = nl != NULL ? (size_t)(nl + 1 - p) : n;
		st = feed(&s->sp, p, k, err);
		if (st != AD_OK) {
			struct ad_error e;
			enum ad_status cst = slot_convert(r, s, &e);
			if (cst != AD_OK) {
				*err = e;
				return cst;
			}
			return st;
		}
		if ((st = slot_convert(r, s, err)) != AD_OK)
			return st;
		p += k;
		n -= k;
	}
	if (s->bytes.last && (st = splitter_finish(&s->sp, err)) != AD_OK) {
		struct ad_error e;
		enum ad_status cst = slot_convert(r, s, &e);
		if (cst != AD_OK) {
			*err = e;
			return cst;
		}
		return st;
	}
	if (s->bytes.last && (st = slot_convert(r, s, err)) != AD_OK)
		return st;
	/* the quote parity cut the chunk inside a record, which only input
	 * that fails earlier can bring about */
	if (!s->bytes.last && s->sp.csv.pstate != 0)
		return ad_error_at(err, AD_EDATA, r->name, s->sp.rec_line, 0,
		    "internal: a chunk ended inside a record");
	s->lines = s->sp.line - 1;
	return AD_OK;
}

/* A pool job: parses slot i. Always succeeds: a failure waits in the slot
 * for its turn in input order. */
struct batch {
	const struct ad_reader *r;
	struct slot *set;
};

static enum ad_status parse_job(void *ctx, size_t i, struct ad_error *err)
{
	const struct batch *bt = ctx;
	const struct ad_reader *r = bt->r;
	struct slot *s = &bt->set[i];

	(void)err;
	if (s->unread)
		return AD_OK;
	s->st = splitter_init(&s->sp, r->name, r->opts.delim,
	    r->opts.no_fast_path, &s->err);
	if (s->st == AD_OK)
		s->st = slot_parse(r, s, &s->err);
	if (s->sp.csv_ready)
		csv_free(&s->sp.csv);
	s->sp.csv_ready = 0;
	return AD_OK;
}

/* Empties slot s for another chunk, keeping its memory. */
static void slot_reset(const struct ad_reader *r, struct slot *s)
{
	raw_reset(&s->sp.raw);
	raw_reset(&s->rej);
	s->unread = 0;
	s->nblocks = 0;
	s->nrows = 0;
	s->lines = 0;
	s->st = AD_OK;
	ad_error_clear(&s->err);
	s->out_row = s->out_rej = 0;
	memset(s->invalid, 0, r->schema->ncols * sizeof *s->invalid);
	clear_examples(s->bad, r->schema->ncols);
}

static void slots_free(struct ad_reader *r)
{
	ad_ahead_stop(r->ahead);
	r->ahead = NULL;
	for (size_t i = 0; i < r->nslots * r->nsets; i++) {
		struct slot *s = &r->slots[i];

		splitter_free(&s->sp);
		for (size_t j = 0; j < s->cap_blocks; j++)
			ad_block_free(s->blocks[j]);
		ad_free(s->blocks);
		raw_free(&s->rej);
		ad_free(s->rej_pos);
		ad_free(s->invalid);
		clear_examples(s->bad, r->schema->ncols);
		ad_free(s->bad);
		ad_free(s->bytes.buf);
	}
	ad_free(r->slots);
	r->slots = NULL;
	r->nslots = 0;
}

/* Feeds the reader's own parser line by line until it stands at a record
 * boundary, where the chunks can begin with the rest of the piece
 * (r->rest); records completed on the way are pending in r->sp. */
static enum ad_status settle(struct ad_reader *r, struct ad_error *err)
{
	enum ad_status st;

	while (!r->eof && !(r->sp.at_line_start && r->sp.csv.pstate == 0))
		if ((st = feed_one_line(r, err)) != AD_OK)
			return st;
	return AD_OK;
}

/* Cuts and parses the next batch of chunks into set, one job each, and
 * returns how many; a failure waits in the slot where it happened. */
static size_t next_batch(struct ad_reader *r, struct slot *set)
{
	struct batch bt = { r, set };
	const char *end = NULL;
	struct ad_error err;
	size_t n = 0;
	enum ad_status st;

	while (n < r->nslots) {
		struct slot *s = &set[n++];

		slot_reset(r, s);
		if (r->use_ahead)
			ad_ahead_blocking(1);   /* a pipe's read may wait */
		st = ad_chunker_next(r->chunker, &s->bytes, &s->err);
		if (r->use_ahead)
			ad_ahead_blocking(0);
		if (st != AD_OK) {
			s->unread = 1;
			s->st = st;
			s->bytes.last = 1;
		} else if (s->bytes.p != s->bytes.buf) {
			end = s->bytes.p + s->bytes.n;
		}
		/* a pipe that waits for its writer: parse what came */
		if (s->bytes.last || s->bytes.early)
			break;
	}
	if ((st = ad_pool_for(r->threads, n, parse_job, &bt, &err)) != AD_OK) {
		set[0].unread = 1;
		set[0].st = st;
		set[0].err = err;
		set[0].bytes.last = 1;
		return 1;
	}
	/* the mapped bytes are parsed: give their pages back */
	if (end != NULL)
		ad_in_release_before(r->in, (const unsigned char *)end);
	return n;
}

/* The ahead thread's work: the next batch into set k. */
static int fill_set(void *ctx, int k)
{
	struct ad_reader *r = ctx;
	struct slot *set = r->slots + (size_t)k * r->nslots;
	size_t n = next_batch(r, set);

	r->set_ready[k] = n;
	return set[n - 1].bytes.last;
}

/* Sets up the chunks, once the reader's parser stands at a boundary; with
 * several threads, an ahead thread parses them while the caller uses the
 * rows (without one, if none can start). */
static enum ad_status chunks_begin(struct ad_reader *r, struct ad_error *err)
{
	size_t nc = r->schema->ncols;
	enum ad_status st;
	struct ad_error e;

	/* a chunk a thread, while the caller uses the other set's rows; a
	 * pipe's memory is the sets' chunks and their rows, so it is bounded */
	r->nslots = r->threads;
	if (r->nslots > MAX_SLOTS)
		r->nslots = MAX_SLOTS;
	r->nsets = r->threads > 1 ? 2 : 1;
	if ((r->slots = ad_calloc(r->nslots * r->nsets, sizeof *r->slots)) ==
	    NULL) {
		r->nslots = 0;
		return ad_error_nomem(err);
	}
	for (size_t i = 0; i < r->nslots * r->nsets; i++)
		if ((r->slots[i].invalid = ad_calloc(nc + 1, sizeof(uint64_t))) ==
		    NULL || (r->slots[i].bad = ad_calloc(nc + 1,
		    sizeof *r->slots[i].bad)) == NULL)
			return ad_error_nomem(err);
	r->next_line = r->sp.line;
	r->chunks_done = r->eof;
	r->taken = -1;
	ad_in_hold_map(r->in);
	st = ad_chunker_new(&r->chunker, r->in, r->chunk_bytes,
	    (const char *)r->rest, r->nrest, r->sp.stable, err);
	r->rest = NULL;
	r->nrest = 0;
	r->use_ahead = st == AD_OK && r->nsets == 2 && !r->chunks_done;
	if (r->use_ahead && ad_ahead_start(&r->ahead, fill_set, r, &e) != AD_OK)
		r->use_ahead = 0;
	return st;
}

/* Makes the next parsed set the one handed out. */
static void next_set(struct ad_reader *r)
{
	int k;

	if (!r->use_ahead) {
		r->set = r->slots;
		r->ready = next_batch(r, r->set);
	} else {
		if (r->taken >= 0)
			ad_ahead_give_back(r->ahead, r->taken);
		k = r->taken = ad_ahead_take(r->ahead);
		r->set = r->slots + (size_t)(k < 0 ? 0 : k) * r->nslots;
		r->ready = k < 0 ? 0 : r->set_ready[k];
	}
	r->cur = 0;
}

/* Whether column c of b's rows has text: a text column, or any with
 * num_text. */
static int has_text(const struct ad_reader *r, const struct ad_block *b,
    size_t c)
{
	return b->num_text || r->schema->cols[c].type == AD_TEXT;
}

/* Copies the slot's good rows from row on, n of them (all in one of its
 * blocks), to the end of b, their lines made the input's. */
static enum ad_status copy_rows(struct ad_reader *r, struct ad_block *b,
    const struct ad_block *from, size_t row, size_t n, struct ad_error *err)
{
	size_t nc = r->schema->ncols;
	uint64_t shift = r->next_line - 1;

	memcpy(b->num + b->nrows * nc, from->num + row * nc,
	    n * nc * sizeof *b->num);
	for (size_t i = 0; i < n; i++)
		b->line[b->nrows + i] = from->line[row + i] + shift;
	if (r->has_text) {
		const struct ad_text *t = from->text + row * nc;
		struct ad_text *d = b->text + b->nrows * nc;
		size_t lo = SIZE_MAX, hi = 0, base, end;
		char *a;

		/* a row's texts lie together in the arena, rows in order */
		for (size_t k = 0; k < n * nc; k++)
			if (has_text(r, b, k % nc) && t[k].len != AD_TEXT_MISSING) {
				if (t[k].off < lo)
					lo = t[k].off;
				if (t[k].off + t[k].len > hi)
					hi = t[k].off + t[k].len;
			}
		if (lo > hi)
			lo = hi;
		base = b->arena_len;
		if (ad_add_size(base, hi - lo, &end) != 0 ||
		    (a = ad_grow(b->arena, &b->arena_cap, end + 1, 1)) == NULL)
			return ad_error_nomem(err);
		b->arena = a;
		if (hi > lo)
			memcpy(a + base, from->arena + lo, hi - lo);
		b->arena_len = end;
		for (size_t k = 0; k < n * nc; k++) {
			if (!has_text(r, b, k % nc))
				continue;
			d[k].len = t[k].len;
			d[k].off = t[k].len == AD_TEXT_MISSING ? 0 :
			    t[k].off - lo + base;
		}
	}
	b->nrows += n;
	return AD_OK;
}

/* Fills r->block from the chunks, in input order. */
static enum ad_status chunks_next(struct ad_reader *r, struct ad_error *err)
{
	struct ad_block *b = r->block;
	enum ad_status st;

	while (b->nrows < b->cap) {
		struct slot *s;
		size_t bcap = b->cap, upto, in_block, n;

		if (r->cur == r->ready) {
			if (r->chunks_done)
				break;
			next_set(r);
			if (r->ready == 0)
				break;
		}
		s = &r->set[r->cur];
		upto = s->out_rej < s->rej.nrows ? s->rej_pos[s->out_rej] :
		    s->nrows;
		if (s->out_row == upto && s->out_rej < s->rej.nrows) {
			const struct raw_row *row = &s->rej.rows[s->out_rej++];
			st = reject(r, &s->rej, row, row->line + r->next_line - 1,
			    err);
			if (st != AD_OK)
				return st;
			continue;
		}
		if (s->out_row == s->nrows) {
			if (s->st != AD_OK) {
				*err = s->err;
				if (!s->unread && err->line != 0)
					err->line += r->next_line - 1;
				return s->st;
			}
			for (size_t c = 0; c < r->schema->ncols; c++)
				r->invalid[c] += s->invalid[c];
			if ((st = merge_examples(r->bad, s->bad,
			    r->schema->ncols, err)) != AD_OK)
				return st;
			r->next_line += s->lines;
			r->chunks_done = s->bytes.last;
			r->cur++;
			continue;
		}
		in_block = bcap - s->out_row % bcap;
		n = upto - s->out_row;
		if (n > in_block)
			n = in_block;
		if (n > b->cap - b->nrows)
			n = b->cap - b->nrows;
		if ((st = copy_rows(r, b, s->blocks[s->out_row / bcap],
		    s->out_row % bcap, n, err)) != AD_OK)
			return st;
		s->out_row += n;
	}
	return AD_OK;
}

static enum ad_status csv_next(struct ad_reader *r, struct ad_error *err)
{
	struct ad_block *b = r->block;
	struct raw *w = &r->sp.raw;
	enum ad_status st;

	while (b->nrows < b->cap) {
		const struct raw_row *row;

		if (w->head == w->nrows && r->split_st != AD_OK) {
			*err = r->split_err;
			return r->split_st;
		}
		if (w->head == w->nrows && r->chunker != NULL)
			return chunks_next(r, err);
		if (w->head == w->nrows) {
			raw_compact(w);
			st = settle(r, err);
			if (st != AD_OK) {
				r->split_st = st;
				r->split_err = *err;
				r->eof = 1;
			} else if (w->head == w->nrows &&
			    (st = chunks_begin(r, err)) != AD_OK) {
				return st;
			}
			continue;
		}
		row = &w->rows[w->head++];
		if (row->nfields != r->schema->ncols)
			st = reject(r, w, row, row->line, err);
		else
			st = convert_row(r, b, r->invalid, r->bad, w, row,
			    err);
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
	if (r->sp.raw.head == r->sp.raw.nrows) {
		if (r->opts.no_header)
			return AD_OK;
		return ad_error_at(err, AD_EDATA, r->name, 1, 0,
		    "empty input: expected a header row");
	}
	row = &r->sp.raw.rows[r->sp.raw.head];
	for (size_t c = 0; c < row->nfields; c++) {
		const struct raw_field *f = &r->sp.raw.fields[row->first + c];
		const char *name = r->opts.no_header ? "" :
		    raw_text(&r->sp.raw, row) + f->off;
		size_t len = r->opts.no_header ? 0 : f->len;

		if ((st = add_column(r, row->line, c, name, len, err)) != AD_OK)
			return st;
	}
	if (!r->opts.no_header)
		r->sp.raw.head++;
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
		size_t end = r->sp.raw.nrows - r->sp.raw.head > r->opts.infer_rows ?
		    r->sp.raw.head + r->opts.infer_rows : r->sp.raw.nrows;

		for (size_t i = r->sp.raw.head; i < end; i++) {
			const struct raw_row *row = &r->sp.raw.rows[i];
			const struct raw_field *f;
			const char *s;
			double v;

			if (row->nfields != nc)
				continue;
			f = &r->sp.raw.fields[row->first + c];
			s = raw_text(&r->sp.raw, row) + f->off;
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
	enum ad_status st = splitter_init(&r->sp, r->name, r->opts.delim,
	    r->opts.no_fast_path, err);

	if (st != AD_OK)
		return st;
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

/* The chunk size: the option, else ADKIT_CHUNK_BYTES (for tests, so that
 * small inputs span many chunks), else the default. */
static size_t chunk_bytes(const struct ad_reader_opts *opts)
{
	const char *env = getenv("ADKIT_CHUNK_BYTES");
	char *end;
	unsigned long long v;

	if (opts->chunk_bytes > 0)
		return opts->chunk_bytes;
	if (env != NULL && *env >= '0' && *env <= '9') {
		v = strtoull(env, &end, 10);
		if (*end == '\0' && v > 0 && v <= SIZE_MAX)
			return (size_t)v;
	}
	return CHUNK_BYTES;
}

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
	r->threads = opts->threads > 0 ? opts->threads : 1;
	r->chunk_bytes = chunk_bytes(opts);
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
	r->num_text = r->block->num_text;
	r->bcap = r->block->cap;
	r->has_text = r->block->num_text;
	for (size_t c = 0; c < r->schema->ncols; c++)
		if (r->schema->cols[c].type == AD_TEXT)
			r->has_text = 1;
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
	splitter_free(&r->sp);
	slots_free(r);
	ad_chunker_free(r->chunker);
	ad_block_free(r->block);
	if (r->schema != NULL)
		clear_examples(r->bad, r->schema->ncols);
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
