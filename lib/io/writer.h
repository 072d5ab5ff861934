#ifndef ADKIT_WRITER_H
#define ADKIT_WRITER_H
/*
 * The one writer of adkit streams: CSV (RFC 4180, LF line ends, numbers in
 * their shortest exact form, missing cells empty) or the binary stream.
 * A block with num_text gives a number's source text where it already is
 * that form (see ad_num_is_shortest); CSV copies it rather than formatting
 * the double again, with the same bytes as a result.
 */
#include <stddef.h>
#include <stdint.h>

#include "ad.h"
#include "block.h"
#include "reader.h"
#include "schema.h"

struct ad_lineage;
struct ad_out;
struct ad_writer;

struct ad_writer_opts {
	enum ad_format format;
	char delim;          /* CSV delimiter; 0 means ',' */
	int no_header;       /* CSV: no header row */
	const struct ad_lineage *lineage; /* binary: what made the stream, for
	                        the header and, as it is at ad_writer_finish,
	                        the end record (borrowed until then); NULL: none,
	                        a version 1 stream */
};

/* Starts a stream of schema's columns on out (borrowed until
 * ad_writer_free) and writes its header. */
enum ad_status ad_writer_open(struct ad_writer **w, struct ad_out *out,
    const struct ad_schema *schema, const struct ad_writer_opts *opts,
    struct ad_error *err);

/* Writes b's rows; output column j is b's column colmap[j] (NULL: j). */
enum ad_status ad_writer_write(struct ad_writer *w, const struct ad_block *b,
    const size_t *colmap, struct ad_error *err);

/* Ends the stream (the binary end record); out stays open. */
enum ad_status ad_writer_finish(struct ad_writer *w, struct ad_error *err);

/* Rows written so far. */
uint64_t ad_writer_rows(const struct ad_writer *w);

/* Frees w (not its out); NULL is a no-op. */
void ad_writer_free(struct ad_writer *w);

/* Writes s[0..len) as one CSV field, quoted when it must be. */
enum ad_status ad_writer_csv_field(struct ad_out *out, const char *s,
    size_t len, char delim, struct ad_error *err);

/* Where --rejects rows go: an output and the input's delimiter. */
struct ad_reject_out {
	struct ad_out *out;
	char delim;
};

/* An ad_reject_fn for ctx, a struct ad_reject_out: writes the rejected
 * row as its line number, then its fields, as CSV. */
enum ad_status ad_writer_reject(void *ctx, uint64_t line, size_t nfields,
    const char *const *fields, const size_t *lens, struct ad_error *err);

#endif
