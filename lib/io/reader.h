#ifndef ADKIT_READER_H
#define ADKIT_READER_H
/*
 * The one reader of adkit streams. It detects the format from the first
 * bytes (adkit's binary magic, else CSV), reads the header, settles column
 * types, and hands out blocks of rows. CSV is parsed by libcsv (RFC 4180;
 * a UTF-8 BOM is skipped), with a quote-free fast path that gives the same
 * fields. Input is read once, front to back, so stdin works; only a binary
 * stream in a regular file may be read again, on request. After the rows
 * that settle the types, CSV is cut into chunks at record boundaries and
 * parsed on opts.threads threads; the blocks, line numbers, rejects, counts
 * and the first error are the same for any thread count.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "block.h"
#include "schema.h"

struct ad_in;
struct ad_lineage;

/* Invalid cells of a column kept as examples (ad_reader_invalid_examples). */
#define AD_READER_EXAMPLES 3

/* Default number of rows examined to infer column types. */
#define AD_INFER_ROWS 1000

enum ad_format {
	AD_FORMAT_CSV = 0,
	AD_FORMAT_BIN = 1
};

/* Receives each CSV record rejected for its field count, as raw fields;
 * a non-AD_OK return stops the read with that error. */
typedef enum ad_status (*ad_reject_fn)(void *ctx, uint64_t line,
    size_t nfields, const char *const *fields, const size_t *lens,
    struct ad_error *err);

struct ad_reader_opts {
	const char *path;        /* NULL or "-": stdin */
	struct ad_in *from;      /* instead of path: a stream the reader takes */
	char delim;              /* CSV field delimiter; 0 means ',' */
	int no_header;           /* CSV has no header: columns are c1..cN */
	const char *const *na;   /* tokens read as missing; NULL: the defaults */
	size_t n_na;
	const struct ad_schema *types; /* optional: fixes these columns' types */
	size_t infer_rows;       /* rows examined for types; 0: AD_INFER_ROWS */
	int strict;              /* an unparsable number is an error */
	uint64_t max_rejects;    /* fail when more rows are rejected; 0: no limit */
	int limit_rejects;       /* max_rejects applies (so 0 can mean none) */
	ad_reject_fn on_reject;  /* optional */
	void *reject_ctx;
	int number_text;         /* CSV: blocks keep numbers' source text where
	                            it is their shortest form (num_text) */
	int no_fast_path;        /* tests only: parse every line with libcsv */
	unsigned threads;        /* CSV after the first rows: chunks parsed at
	                            once; 0 or 1: one at a time */
	size_t chunk_bytes;      /* tests only: bytes of a chunk; 0: the
	                            environment's ADKIT_CHUNK_BYTES, else 256 KiB */
};

struct ad_reader;

/* The missing-value tokens used when opts.na is NULL, and their count. */
extern const char *const ad_reader_default_na[];
extern const size_t ad_reader_default_na_count;

/* Opens the input, reads its header and settles the types (those of
 * opts.types fixed, the others inferred); *r is set on success. The same as
 * ad_reader_open_schema then ad_reader_set_types(opts.types). */
enum ad_status ad_reader_open(struct ad_reader **r,
    const struct ad_reader_opts *opts, struct ad_error *err);

/* Opens the input and reads only its header (opts.types is not used): the
 * columns' names are then in ad_reader_schema, for the caller to choose
 * types from, and ad_reader_set_types must come before ad_reader_next.
 * *r is set on success (and takes opts.from, even on failure). */
enum ad_status ad_reader_open_schema(struct ad_reader **r,
    const struct ad_reader_opts *opts, struct ad_error *err);

/* Settles the types, once: the columns types names (borrowed; NULL: none)
 * get their type, a missing one is an error (AD_EDATA); the other CSV
 * columns' types are inferred from the first rows. A binary stream's types
 * are its own, and must match. */
enum ad_status ad_reader_set_types(struct ad_reader *r,
    const struct ad_schema *types, struct ad_error *err);

/* Sets *b to the next block of rows (owned by r, valid until the next call);
 * (*b)->nrows is 0 at the end of the input. */
enum ad_status ad_reader_next(struct ad_reader *r, struct ad_block **b,
    struct ad_error *err);

/* Whether ad_reader_rewind can go back: a binary stream in a regular file
 * (a CSV file is not offered, since parsing it again costs more than
 * keeping its numbers). */
int ad_reader_can_rewind(const struct ad_reader *r);

/* Goes back to the first row of a binary stream in a regular file, to read
 * its rows once more (ad_reader_rows counts from 0 again), ending the
 * input's tap, which has seen every byte once; fails (AD_EIO) for any other
 * input. */
enum ad_status ad_reader_rewind(struct ad_reader *r, struct ad_error *err);

/* Hands the block ad_reader_next last returned to the caller, who frees it
 * with ad_block_free, and gives r a new one (on failure r keeps it). */
enum ad_status ad_reader_take_block(struct ad_reader *r, struct ad_block **b,
    struct ad_error *err);

/* The columns; valid while r is open (the types settled only once
 * ad_reader_set_types has run). */
const struct ad_schema *ad_reader_schema(const struct ad_reader *r);

/* The detected input format. */
enum ad_format ad_reader_format(const struct ad_reader *r);

/* The input's name for messages ("<stdin>" or the path). */
const char *ad_reader_name(const struct ad_reader *r);

/* Rows handed out so far. */
uint64_t ad_reader_rows(const struct ad_reader *r);

/* Rows rejected so far (wrong field count). */
uint64_t ad_reader_rejected(const struct ad_reader *r);

/* Per column, cells so far that did not parse as numbers (now missing);
 * after ad_reader_next failed, only a count so far, not up to the row
 * that failed. */
const uint64_t *ad_reader_invalid(const struct ad_reader *r);

/* What made a binary stream (lineage.h): the header's chain, complete once
 * the end is read; NULL for CSV and version 1 streams. Valid while r is
 * open. */
const struct ad_lineage *ad_reader_lineage(const struct ad_reader *r);

/* The first few distinct cells of column col (AD_READER_EXAMPLES at
 * most, *n of them) that did not parse as numbers, as read but cut to 40
 * bytes; valid while r is open. */
const char *const *ad_reader_invalid_examples(const struct ad_reader *r,
    size_t col, size_t *n);

/* Marks err (a failure) as at a row number when its line is one of r's:
 * r reads a binary stream, whose rows have no lines. NULL r is a no-op. */
void ad_reader_locate(const struct ad_reader *r, struct ad_error *err);

/* Closes the input and frees r; NULL is a no-op. */
void ad_reader_free(struct ad_reader *r);

#endif
